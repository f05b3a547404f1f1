"""`gcm-search serve` under load while the corpus changes, and the fixes that load found.

The scenario is bench/load.py's, run as its documented command for a short time: the real
`python -m search serve` on 127.0.0.1, six client threads looping over searches, HTML pages and
JSON twins, while the real CLI adds a review, rebuilds, removes it and rebuilds. Each response is
compared byte for byte with the answers the app gives in this process for the corpus before and
after the add. The other tests pin, in process and deterministically, the mixes it found.
"""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
import weakref
from pathlib import Path
from typing import Any

import pytest
from bench_modules import BENCH

from search import collection
from search.collection import Given
from search.config import Config
from search.index import LiveIndex, build
from search.render import results_dict
from search.results import Request, search
from search.web import create_app

SECONDS = 10
CLIENTS = 6
REVIEW = """Voluntary GCM review by Canada 2023

1 Promoting safe, orderly and regular migration

a) Progress

The Zorblat Transit Agency (ZTA) was founded to help migrants find regular pathways.

Later the Zorblat Transit Agency opened offices for returning migrants in every province.
"""
"""A small review that defines an acronym of its own, so the corpus' lexicon matters."""


@pytest.fixture(scope="module")
def figures(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("load") / "load.json"
    done = subprocess.run(
        [sys.executable, str(BENCH / "load.py"), "--seconds", str(SECONDS), "--clients",
         str(CLIENTS), "--json", str(out)],
        capture_output=True, text=True, timeout=240, check=False)
    assert out.is_file(), done.stderr[-3000:]
    figures: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    assert done.returncode == (0 if not figures["failures"] and not figures["inconsistent"]
                               and figures["settled"] else 1)
    return figures


def test_the_figures_have_the_documented_shape(figures: dict[str, Any]) -> None:
    assert set(figures) == {"seconds", "clients", "urls", "requests", "failures",
                            "inconsistent", "settled", "by_state", "changes",
                            "requests_per_second", "latency_ms", "rss_mb", "index_files",
                            "log_lines", "sent", "problems"}
    assert figures["clients"] == CLIENTS and figures["seconds"] >= SECONDS
    assert set(figures["by_state"]) == {"before", "added", "either"}
    assert set(figures["changes"]) == {"adds", "removes", "rebuilds"}
    assert set(figures["latency_ms"]) == {"p50", "p99", "max"}
    assert set(figures["rss_mb"]) == {"start", "warm", "end", "peak"}
    assert 0 < figures["latency_ms"]["p50"] <= figures["latency_ms"]["p99"] \
        <= figures["latency_ms"]["max"]
    assert figures["requests_per_second"] == pytest.approx(
        figures["requests"] / figures["seconds"], rel=0.05)


def test_the_corpus_changed_while_the_clients_ran(figures: dict[str, Any]) -> None:
    changes = figures["changes"]
    assert changes["adds"] >= 1 and changes["removes"] >= 1 and changes["rebuilds"] >= 2
    assert figures["requests"] >= 100 * figures["seconds"] / SECONDS


def test_no_request_fails(figures: dict[str, Any]) -> None:
    assert figures["failures"] == 0, figures["problems"]


def test_every_response_is_the_answer_of_one_state_never_a_mix(figures: dict[str, Any]) -> None:
    assert figures["inconsistent"] == 0, figures["problems"]
    # Both states were served: otherwise nothing above was checked against a change.
    assert figures["by_state"]["before"] > 0 and figures["by_state"]["added"] > 0
    assert sum(figures["by_state"].values()) == figures["requests"]


def test_once_the_changes_stop_every_answer_is_the_final_state(figures: dict[str, Any]) -> None:
    assert figures["settled"], figures["problems"]


def test_memory_stays_bounded_across_rebuilds(figures: dict[str, Any]) -> None:
    rss = figures["rss_mb"]
    assert rss["end"] - rss["warm"] < 20, (
        f"the server grew from {rss['warm']} MB after the first cycle of changes to "
        f"{rss['end']} MB: something of each old build is kept")
    assert rss["peak"] - rss["start"] < 60, f"memory peaked at {rss['peak']} MB: {rss}"
    files = figures["index_files"]
    assert files["start"] >= 1
    assert files["old_builds_at_end"] == 0, (
        f"the server holds {files['old_builds_at_end']} files of old builds open after the "
        f"changes: old builds are not let go ({files})")


def test_the_server_logs_one_line_per_request(figures: dict[str, Any]) -> None:
    assert figures["log_lines"] == figures["sent"]


# ---- what the load found, pinned ----------------------------------------------------------------

@pytest.fixture
def with_review(fresh_config: Config, tmp_path: Path) -> tuple[Config, str]:
    """The bundled corpus plus REVIEW, indexed; returns the config and the review's id."""
    review = tmp_path / "review.txt"
    review.write_text(REVIEW, encoding="utf-8")
    build(fresh_config)
    document, _, _ = collection.add(fresh_config, review, Given(country="Canada", year=2023))
    return fresh_config, document.id


def test_a_request_on_a_build_deleted_under_it_answers_as_that_build(
        with_review: tuple[Config, str]) -> None:
    """Two rebuilds delete a build that a slow request may still be using. Whoosh's files stay
    open, but the corpus' acronyms were read from the folder on first use: "ZTA" then missed
    the passage that names the agency in full (1 hit instead of 2)."""
    config, _ = with_review
    held = LiveIndex(config).get()
    build(config, force=True)
    build(config, force=True)
    assert not held.path.exists()
    current = LiveIndex(config).get()  # what a server started now answers
    for text in ("ZTA", "Zorblat Transit Agency", "migrants", '"regular pathways"'):
        asked = Request(text, limit=50)
        assert results_dict(search(held, asked)) == results_dict(search(current, asked)), text
    assert search(held, Request("ZTA")).total == 2


def test_a_passage_page_during_a_removal_is_the_page_of_the_build_serving_it(
        with_review: tuple[Config, str], monkeypatch: pytest.MonkeyPatch) -> None:
    """`remove` writes the catalog, then rebuilds: in between, the served build still has the
    review. Its passage page looked the document up in the live catalog and answered 404 (the
    index said it exists, the catalog that it does not): an answer of neither state."""
    config, doc_id = with_review
    client = create_app(live=LiveIndex(config)).test_client()
    page = f"/p/{doc_id}:1a.1"
    before = client.get(page)
    assert before.status_code == 200 and b"Zorblat Transit Agency" in before.get_data()
    seen: list[tuple[int, bytes, bool]] = []
    real_update = collection.update

    def update(config: Config, **changes: Any) -> Any:
        # The moment a server lives through: the catalog without the review, the index with it.
        response = client.get(page)
        seen.append((response.status_code, response.get_data(),
                     (config.corpus / "canada-2023.txt").is_file()))
        return real_update(config, **changes)

    monkeypatch.setattr(collection, "update", update)
    collection.remove(config, doc_id)
    assert seen == [(200, before.get_data(), True)]
    assert client.get(page).status_code == 404
    assert not (config.corpus / "canada-2023.txt").exists()


def test_a_passage_page_that_outlives_its_review_is_the_page_of_the_new_build(
        with_review: tuple[Config, str], monkeypatch: pytest.MonkeyPatch) -> None:
    """A request that started on the build with the review and reached its file after `remove`
    deleted it (the new build swapped in meanwhile) failed with 503; it must answer as the new
    build does."""
    config, doc_id = with_review
    live = LiveIndex(config)
    client = create_app(live=live).test_client()
    page = f"/p/{doc_id}:1a.1"
    assert client.get(page).status_code == 200
    old = live.get()
    collection.remove(config, doc_id)
    real_get = LiveIndex.get
    calls: list[int] = []

    def get(self: LiveIndex) -> Any:  # the first look, made just before the swap
        calls.append(1)
        return old if len(calls) == 1 else real_get(self)

    monkeypatch.setattr(LiveIndex, "get", get)
    response = client.get(page)
    assert response.status_code == 404, response.get_data(as_text=True)[:300]
    assert len(calls) >= 2


def test_the_builds_a_server_moved_past_are_freed(fresh_config: Config) -> None:
    """Each build's searcher holds its postings in memory and its files open: a server that kept
    the builds it moved past would grow with every rebuild, and deleted builds would stay on
    disk. They must go, files closed (not left to the collector, which warns), as soon as no
    request holds them."""
    build(fresh_config)
    live = LiveIndex(fresh_config)
    passed: list[weakref.ref[Any]] = []
    gc.disable()
    try:
        for _ in range(3):
            opened = live.get()
            assert search(opened, Request("migrants")).total > 0
            passed.append(weakref.ref(opened))
            del opened
            build(fresh_config, force=True)
        current = live.get()
        assert [ref() for ref in passed] == [None, None, None]
        held = _open_files_in(fresh_config.index)
        assert held and all(path.startswith(f"{current.path}/") for path in held), held
    finally:
        gc.enable()


def _open_files_in(folder: Path) -> list[str]:
    """The files under `folder` this process holds open (deleted ones end in " (deleted)")."""
    found = []
    for fd in Path("/proc/self/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:  # closed since the listing
            continue
        if target.startswith(f"{folder}/"):
            found.append(target)
    return found
