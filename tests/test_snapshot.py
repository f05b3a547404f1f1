"""Speed never costs relevance: the top 10 (ids, scores), totals and facets of a fixed query mix
are exactly those recorded in bench/top10.json before the optimisations (bench/snapshot.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from bench_modules import BENCH, load


def test_results_are_those_of_the_snapshot(tmp_path: Path) -> None:
    expected = json.loads((BENCH / "top10.json").read_text(encoding="utf-8"))
    actual = json.loads(json.dumps(load("snapshot").take(tmp_path / "index")))
    assert len(actual) >= 60
    differing = [q for q in expected if actual.get(q) != expected[q]]
    assert not differing, f"results changed for {len(differing)} queries, e.g. {differing[:3]}"
    assert set(actual) == set(expected)


@pytest.mark.parametrize(
    "key", ["trafficking | objective 10", "how much did Japan contribute to IOM"]
)
def test_snapshot_is_not_empty(key: str) -> None:
    expected = json.loads((BENCH / "top10.json").read_text(encoding="utf-8"))
    assert expected[key][0][0].startswith("japan-2022:")
