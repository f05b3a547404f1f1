"""The relevance benchmark runs and gcm-search stays above its committed floor, ahead of FTS5."""

from __future__ import annotations

import json

import pytest
from bench_modules import BENCH, load

from search.models import Passage

relevance = load("relevance")


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, dict[str, float]]]:
    return relevance.run(tmp_path_factory.mktemp("relevance") / "index")


def test_query_set_is_well_formed(japan_passages: tuple[Passage, ...]) -> None:
    queries = relevance.load_queries()
    ids = {p.id for p in japan_passages}
    assert len(queries) >= 40
    assert sum(q.hard for q in queries) >= 12
    assert len({q.qid for q in queries}) == len(queries)
    for q in queries:
        assert q.text.strip(), q.qid
        assert set(q.judgments) <= ids, q.qid
        assert set(q.judgments.values()) <= {1, 2}, q.qid
        assert 2 in q.judgments.values(), q.qid


def test_ndcg_stays_above_the_floor(results: dict[str, dict[str, dict[str, float]]]) -> None:
    floor = json.loads((BENCH / "relevance_floor.json").read_text(encoding="utf-8"))
    ours = results["gcm-search"]
    assert ours["all"]["nDCG@10"] >= floor["all"]
    assert ours["hard"]["nDCG@10"] >= floor["hard"]


def test_ahead_of_fts5(results: dict[str, dict[str, dict[str, float]]]) -> None:
    ours, peer = results["gcm-search"], results["SQLite FTS5"]
    for subset in ("all", "hard"):
        assert ours[subset]["nDCG@10"] > peer[subset]["nDCG@10"], subset


def test_evaluation_can_fail() -> None:
    """A ranker that returns nothing scores zero: empty runs are not dropped from the mean."""
    queries = relevance.load_queries()
    scores = relevance.evaluate(queries, lambda text: [])
    assert scores["all"]["nDCG@10"] == 0.0
    perfect = relevance.evaluate(
        queries, lambda text: [pid for q in queries if q.text == text
                               for pid, _ in sorted(q.judgments.items(), key=lambda kv: -kv[1])]
    )
    assert perfect["all"]["nDCG@10"] == pytest.approx(1.0)
