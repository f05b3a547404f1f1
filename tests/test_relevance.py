"""The relevance benchmark runs and gcm-search stays above its committed floor, ahead of FTS5."""

from __future__ import annotations

import json

import pytest
from bench_modules import BENCH, load

from search.models import Passage

relevance = load("relevance")
Scores = dict[str, dict[str, dict[str, float]]]
Sets = dict[str, Scores]


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory) -> Sets:
    return relevance.run_sets(tmp_path_factory.mktemp("relevance") / "index",
                              {"judged": relevance.QUERIES, "paraphrase": relevance.PARAPHRASES})


@pytest.fixture(scope="module")
def results(both: Sets
            ) -> Scores:
    return both["judged"]


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


def test_ndcg_stays_above_the_floor(results: Scores) -> None:
    floor = json.loads((BENCH / "relevance_floor.json").read_text(encoding="utf-8"))
    ours = results["gcm-search"]
    assert ours["all"]["nDCG@10"] >= floor["all"]
    assert ours["hard"]["nDCG@10"] >= floor["hard"]


def test_paraphrases_stay_above_the_floor_and_meaning_helps(
        both: Sets) -> None:
    """The held-out paraphrases: the default mode above its floor, and well ahead of words alone
    and of FTS5 (the words differ from the passages': only meaning finds them)."""
    floor = json.loads((BENCH / "relevance_floor.json").read_text(encoding="utf-8"))
    scores = {system: s["all"]["nDCG@10"] for system, s in both["paraphrase"].items()}
    assert scores["gcm-search"] >= floor["paraphrase"]
    assert scores["gcm-search"] > 2 * scores["gcm-search words"]
    assert scores["gcm-search"] > 2 * scores["SQLite FTS5"]


def test_paraphrase_set_is_well_formed(japan_passages: tuple[Passage, ...]) -> None:
    queries = relevance.load_queries(relevance.PARAPHRASES)
    ids = {p.id for p in japan_passages}
    assert len(queries) >= 40 and len({q.qid for q in queries}) == len(queries)
    for q in queries:
        assert set(q.judgments) <= ids and 2 in q.judgments.values(), q.qid


def test_ahead_of_fts5(results: Scores) -> None:
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
