"""The performance benchmark's synthetic corpus and pure helpers (bench/synthetic.py, perf.py).

The benchmark itself takes minutes; these check in seconds that what it measures is sound: the
generator is deterministic and writes reviews the chunker reads as the template (sections,
subsections, objectives, list items), its catalog loads, an index of it answers a query, and
the FTS5 side quotes whatever a user types.
"""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

import pytest
from bench_modules import load

from search.catalog import load_catalog
from search.config import Config
from search.index import build, open_index
from search.models import Passage
from search.objectives import CLUSTERS
from search.passages import chunk
from search.results import Request, search
from search.sources import read_source

synthetic = load("synthetic")
perf = load("perf")

DOCUMENTS = 4


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return synthetic.generate(tmp_path_factory.mktemp("synthetic") / "corpus", DOCUMENTS)


@pytest.fixture(scope="module")
def passages(corpus: Path) -> dict[str, tuple[Passage, ...]]:
    found = {}
    for document in load_catalog(corpus):
        source = read_source(corpus / document.file)
        found[document.id] = chunk(document, source.text, source.blocks)
    return found


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_the_same_seed_writes_identical_files(tmp_path: Path, corpus: Path) -> None:
    again = synthetic.generate(tmp_path / "again", DOCUMENTS)
    assert _files(again) == _files(corpus)
    other = synthetic.generate(tmp_path / "other", DOCUMENTS, seed=8)
    assert _files(other) != _files(corpus)


def test_a_smaller_corpus_is_the_start_of_a_larger_one(tmp_path: Path, corpus: Path) -> None:
    smaller = _files(synthetic.generate(tmp_path / "smaller", DOCUMENTS - 1))
    larger = _files(corpus)
    assert all(larger[name] == data for name, data in smaller.items() if name.endswith(".txt"))


def test_the_catalog_loads(corpus: Path) -> None:
    documents = load_catalog(corpus)
    assert len(documents) == DOCUMENTS
    assert len({d.id for d in documents}) == DOCUMENTS
    names = {name for name, _ in synthetic.countries()}
    for document in documents:
        assert document.country in names
        assert document.title == f"Voluntary GCM review by {document.country}"
        assert document.year in (2022, 2026)
        assert len(document.iso3) == 3
        assert (corpus / document.file).is_file()


def test_many_documents_have_unique_ids() -> None:
    """More documents than countries x years: revisions, and ids never cut short."""
    plan = synthetic.plan(1000)
    assert len({d.id for d in plan}) == len({d.file for d in plan}) == 1000
    assert {d.year for d in plan} == {2022, 2026}


def test_documents_chunk_into_the_template(passages: dict[str, tuple[Passage, ...]]) -> None:
    clusters = {str(c.number): set(c.objectives) for c in CLUSTERS}
    for found in passages.values():
        assert 40 <= len(found) <= 80
        assert {p.section for p in found} == {"1", "2", "3", "4"}
        assert {(p.section, p.subsection, p.kind) for p in found} >= {
            ("1", "a", "progress"), ("1", "b", "best_practice"), ("3", "a", "trends"),
            ("3", "b", "progress"), ("3", "c", "best_practice"), ("4", "b", "best_practice"),
        }
        assert all(p.cluster == int(p.section) for p in found)
        explicit = [p for p in found if p.objective_source == "explicit"]
        assert len(explicit) >= 5
        assert all(set(p.objectives) <= clusters[p.section] for p in explicit)


def test_the_text_is_the_countrys(passages: dict[str, tuple[Passage, ...]]) -> None:
    every = [p for found in passages.values() for p in found]
    assert not any("Japan" in p.text for p in every)
    assert all(p.country in " ".join(q.text for q in passages[p.doc]) for p in every)
    assert any(": - " in p.text for p in every), "list items join the paragraph before them"
    assert sum(len(p.text.split()) for p in every) / len(every) > 40


def test_perturbing_keeps_references_and_swaps_numbers() -> None:
    rng = random.Random(1)
    text = "Since COVID-19, in 2019-2021 Japan trained 283 officials (3.b.) as in 2a) above."
    changed = synthetic.perturb(text, rng, "Kenya", 2022)
    assert "COVID-19" in changed and "(3.b.)" in changed and "2a) above" in changed
    assert "Kenya trained" in changed and "283" not in changed
    start, end = (int(y) for y in changed.split(" in ", 1)[1][:9].split("-"))
    assert 2005 <= start <= end <= 2022


def test_an_extra_document_for_the_incremental_add() -> None:
    text = synthetic.document_text(random.Random(3), "Kenya", 2026)
    assert text.splitlines()[2] == "Voluntary GCM review by Kenya"
    assert text == synthetic.document_text(random.Random(3), "Kenya", 2026)


def test_an_index_of_it_finds_passages(tmp_path: Path, corpus: Path) -> None:
    config = Config(corpus, tmp_path / "index")
    manifest = build(config)
    assert manifest.passages > 40 * DOCUMENTS
    opened = open_index(config, build_if_needed=False)
    results = search(opened, Request("trafficking victims", limit=5))
    assert results.total > 0 and len(results.hits) == 5
    text, ids = perf.gcm_query(opened, "trafficking", 10)
    assert ids and "Objective" in text


# ---- perf.py's pure helpers -------------------------------------------------------------------


def test_percentiles_interpolate_between_ranks() -> None:
    assert perf.percentile([4.0, 1.0, 3.0, 2.0], 50) == 2.5
    assert perf.percentile([1.0, 2.0, 3.0, 4.0], 0) == 1.0
    assert perf.percentile([1.0, 2.0, 3.0, 4.0], 100) == 4.0
    assert perf.percentile([7.0], 99) == 7.0
    assert perf.percentile(list(map(float, range(101))), 95) == 95.0
    with pytest.raises(ValueError):
        perf.percentile([], 50)
    summary = perf.latency_summary([0.001, 0.002, 0.003])
    assert summary["p50"] == 0.002 and summary["n"] == 3


def test_the_fts_query_keeps_phrases_and_ors_words() -> None:
    assert perf.fts_match("trafficking victims") == '"trafficking" OR "victims"'
    assert perf.fts_match('"trafficking in persons" victims') == \
        '"trafficking in persons" OR "victims"'
    assert perf.fts_match("COVID-19") == '"COVID" OR "19"'
    assert perf.fts_match("   ") == ""


HOSTILE = [
    '"AND" OR NOT ( ) * : ^ NEAR(a b) "unbalanced',
    "AND", "NOT trafficking", "trafficking AND", "x* OR y", "col:thing", "^start",
    '""', '"  "', 'a"b"c', "___", "-", "{}[]", "'single' quotes", "naïve café", "\\\"escaped\\\"",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_input_is_plain_words_to_fts5(text: str) -> None:
    db = sqlite3.connect(":memory:")
    db.executescript(perf.FTS_SCHEMA)
    db.execute("INSERT INTO p (rowid, id, text) VALUES (1, 'x:1', 'and not near trafficking')")
    page, _ = perf.fts_query(db, text, None)  # never a syntax error
    assert page.split()[0].isdigit()
    match = perf.fts_match(text)
    assert match == "" or all(u.startswith('"') and u.endswith('"') for u in match.split(" OR "))


def test_fts5_filters_by_objective_and_counts_the_facet(tmp_path: Path) -> None:
    rows = [("a:1", "trafficking victims", [10]), ("a:2", "trafficking in persons", [10, 11]),
            ("a:3", "refugees and trafficking", [23]), ("a:4", "refugees", [])]
    db_path = tmp_path / "fts.db"
    assert perf.fts_build(db_path, rows) > 0
    db = sqlite3.connect(db_path)
    page, ids = perf.fts_query(db, "trafficking", 10)
    assert sorted(ids) == ["a:1", "a:2"]
    assert page.startswith("2 passages") and "10 (2) · 11 (1)" in page
    assert perf.fts_add(db_path, [("b:1", "trafficking again", [10])]) > 0
    assert sorted(perf.fts_query(db, "trafficking", 10)[1]) == ["a:1", "a:2", "b:1"]


def test_the_query_mix_covers_every_kind_of_query() -> None:
    queries = perf.QUERIES
    assert len(queries) >= 60 and len(set(queries)) == len(queries)
    assert sum(1 for _, o in queries if o) >= 10
    assert all(1 <= o <= 23 for _, o in queries if o)
    assert sum(1 for t, _ in queries if '"' in t) >= 5
    assert sum(1 for t, _ in queries if t.startswith(("how", "what", "which"))) >= 5
    assert sum(1 for t, _ in queries if " " not in t) >= 10


def test_durations_read_well() -> None:
    assert perf.duration(42.06) == "42.1 s"
    assert perf.duration(1.234) == "1.23 s"
    assert perf.duration(0.0365) == "36.5 ms"
    assert perf.duration(0.00042) == "0.42 ms"
    assert perf.duration(None) == "—"


def _fake_size(documents: int) -> dict[str, object]:
    pair = {"gcm": {"median": 2.0, "runs": [2.0], "peak_mib": 300.0},
            "fts": {"median": 0.5, "runs": [0.5], "peak_mib": 60.0}, "ratio": 4.0}
    warm = {s: {"p50": 0.02, "p95": 0.05, "p99": 0.08} for s in ("gcm", "fts")}
    return {
        "documents": documents, "passages": 60 * documents, "words_per_passage": 100.0,
        "build": pair, "add": pair, "cold_cli": pair,
        "warm": {**warm, "ratios": {"p50": 1.0, "p95": 1.0, "p99": 1.0}},
        "query_memory": {"gcm": 200.0, "fts": 20.0, "ratio": 10.0},
        "index_bytes": {"gcm": 2e8, "fts": 5e7, "ratio": 4.0},
    }


def test_the_report_renders_every_section() -> None:
    report = {
        "command": "python bench/perf.py", "date": "2026-01-01 00:00 UTC", "seconds": 600.0,
        "machine": {"nproc": 2, "cpu": "", "platform": "Linux", "python": "3.11",
                    "whoosh": "whoosh3 3.54", "sqlite": "3.40", "commit": "abc"},
        "settings": {"seed": 7, "passes": 4},
        "sizes": {"100": _fake_size(100), "1000": _fake_size(1000)},
        "bundled": {"gcm": {"median": 0.3, "runs": [0.3]}, "fts": {"median": 0.05, "runs": [0.05]},
                    "ratio": 6.0, "passages": 36},
        "load": {"clients": 8, "seconds": 20.0, "requests": 400, "failures": 0,
                 "failure_examples": [], "requests_per_second": 20.0, "p50": 0.3, "p99": 0.9},
        "load_documents": 1000,
    }
    text = perf.markdown(report)
    assert "## 1,000 documents (60,000 passages" in text
    assert "| full build (median of 1) | 2.00 s | 500.0 ms | 4.0x |" in text
    assert "| cold CLI query on the bundled corpus within 3x | 6.0x | no |" in text
    assert "| adding one review to the 1000-document index under 3 s | 2.00 s | yes |" in text
    assert "| 400 | 0 | 20.0 | 300.0 ms | 900.0 ms |" in text


def test_the_load_test_is_reported_per_number_of_workers_against_its_goal() -> None:
    def run(workers: int, clients: int, p50: float) -> dict[str, object]:
        return {"workers": workers, "clients": clients, "seconds": 20.0, "requests": 100,
                "failures": 0, "failure_examples": [], "requests_per_second": 5.0,
                "p50": p50, "p99": p50 * 2, "server_cores": 0.95 * workers}

    load = {"clients": 8, "seconds": 20.0, "rounds": 4,
            "runs": [run(1, 1, 0.04), run(1, 8, 0.32), run(2, 1, 0.04), run(2, 8, 0.16)],
            "ratios": {"1": 8.0, "2": 4.0},
            "worker_rss_mib": {"1": [{"rss": 150.0, "files": 71.0}],
                               "2": [{"rss": 149.0, "files": 67.0}, {"rss": 148.0, "files": 67.0}]},
            "requests": 400, "failures": 0, "failure_examples": []}
    table = "\n".join(perf.load_table(load))
    assert ("| 1 | 40.0 ms | 320.0 ms | 8.0x |  |  | 640.0 ms | 5.0 | 0.95 | 0 | 150 MiB (71 of "
            "files) |") in table
    assert ("| 2 | 40.0 ms | 160.0 ms | 4.0x | ≤ 5x | yes | 320.0 ms | 5.0 | 1.90 | 0 | 149 MiB "
            "(67 of files), 148 MiB (67 of files) |") in table
    assert perf.load_goals(load) == [
        ("`/api/search` p50 with 8 concurrent clients within 5x of one client (2 workers)",
         "4.0x", True)]
    assert perf.load_goals({**load, "ratios": {"1": 8.0, "2": 5.5}})[0][2] is False
