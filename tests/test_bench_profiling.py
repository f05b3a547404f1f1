"""bench/profiling.py, the profile behind the speed work, on a small corpus: its stages account
for the whole profiled time, the build's time goes where a build's should, and the report says
it."""

from __future__ import annotations

from typing import Any

import pytest
from bench_modules import load

profiling = load("profiling")


@pytest.fixture(scope="module")
def report() -> dict[str, Any]:
    return profiling.run(documents=2, seed=7, passes=1)


def test_stages_add_up_to_the_profiled_time(report: dict[str, Any]) -> None:
    for part in ("build", "queries"):
        stages = report[part]["stages"]
        assert set(stages) <= {stage for stage, _ in profiling.STAGES}
        # cProfile's own-time total runs a little under the wall time it was measured in.
        assert 0.5 * report[part]["seconds"] <= sum(stages.values()) <= report[part]["seconds"]


def test_a_build_spends_its_time_building(report: dict[str, Any]) -> None:
    stages = report["build"]["stages"]
    assert stages["chunking and tagging (gcm-search)"] > 0
    assert stages["text analysis: tokenize, fold, stem"] > 0
    assert stages["pre-analysed postings, bulk writing (gcm-search)"] > 0
    # The build's own work, not glue: writing postings, analysing, embedding or chunking.
    assert max(stages, key=stages.__getitem__).startswith(
        ("Whoosh", "text analysis", "pre-analysed", "embedding", "chunking"))
    assert report["queries"]["count"] == len(load("perf").QUERIES)


def test_stage_of_a_file() -> None:
    assert profiling.stage_of("/x/search/tagging.py").startswith("chunking")
    assert profiling.stage_of("/venv/site-packages/whoosh/matching/binary.py").startswith(
        "Whoosh: matching")
    assert profiling.stage_of("/usr/lib/python3.11/heapq.py") == "Python's standard library"


def test_the_report_names_floors_and_stages(report: dict[str, Any]) -> None:
    cold = profiling.cold_floor(runs=1)
    # A search imports more than the libraries it is built on, which import more than nothing.
    assert cold["python_startup"] < cold["click_and_whoosh_imports"]
    assert cold["click_and_whoosh_imports"] < cold["gcm_search_bundled_query"]
    text = profiling.markdown(report, cold)
    assert f"{report['passages']:,} passages" in text
    assert "SQLite FTS5: the whole build" in text
    assert "| `import sqlite3` (what the FTS5 peer imports) |" in text
    for stage in report["build"]["stages"]:
        assert f"| {stage} |" in text
