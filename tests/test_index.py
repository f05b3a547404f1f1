"""search.index: the index as a rebuildable artefact, built aside and swapped in atomically.

Each test that changes or builds an index uses `fresh_config` (a private corpus copy and index
folder); the shared session index is only read.
"""

from __future__ import annotations

import contextlib
import gc
import itertools
import json
import os
import stat
import threading
import time
import types
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from whoosh import query as wq
from whoosh.searching import Searcher

import search.index.building as building_module
import search.index.folder as folder_module
import search.index.segment as segment_module
from search.config import Config
from search.errors import GcmSearchError, IndexUnavailable
from search.index import (
    BUILDS,
    CURRENT,
    FORMAT,
    MANIFEST,
    Manifest,
    OpenIndex,
    build,
    fingerprint,
    is_fresh,
    open_index,
    read_manifest,
)
from search.index.building import KEEP_BUILDS
from search.index.schema import from_stored
from search.models import Passage
from search.results import Request, all_passages, passage, search

QUERY = "victims repatriation"
NEW_PARAGRAPH = "\n\nZebras crossed the border of the reporting period in remarkable numbers.\n"


# ---- helpers -------------------------------------------------------------------------------

def _current(config: Config) -> str:
    return (config.index / CURRENT).read_text(encoding="utf-8").strip()


def _builds(config: Config) -> list[str]:
    builds = config.index / BUILDS
    return sorted(p.name for p in builds.iterdir()) if builds.is_dir() else []


def _answer(opened: OpenIndex, text: str = QUERY) -> list[tuple[str, float]]:
    return [(h.passage.id, h.score) for h in search(opened, Request(text, limit=100)).hits]


def _corpus_file(config: Config) -> Path:
    catalog = json.loads((config.corpus / "catalog.json").read_text(encoding="utf-8"))
    return config.corpus / catalog["documents"][0]["file"]


def _no_leftovers(config: Config) -> None:
    """Nothing of an unfinished build or pointer swap remains."""
    assert not list((config.index / BUILDS).glob(".tmp-*"))
    assert not list(config.index.glob(f"{CURRENT}.*.tmp"))


class Boom(RuntimeError):
    """Stands for any failure in the middle of a build."""


def _fail_after(n: int, exc: type[BaseException]) -> Callable[[int, int], None]:
    """A progress callback that dies once `n` documents are prepared (their passages written
    as a part of the build, not yet joined into its index)."""

    def progress(done: int, total: int) -> None:
        if done >= n:
            raise exc("simulated crash mid-build")

    return progress


@pytest.fixture
def built(fresh_config: Config) -> Config:
    build(fresh_config)
    return fresh_config


# ---- building and opening ------------------------------------------------------------------

def test_build_creates_current_build_and_manifest(fresh_config: Config) -> None:
    manifest = build(fresh_config)
    name = _current(fresh_config)
    assert _builds(fresh_config) == [name]
    build_dir = fresh_config.index / BUILDS / name
    assert (build_dir / MANIFEST).is_file()
    on_disk = read_manifest(build_dir)
    assert on_disk == manifest
    assert manifest.fingerprint == fingerprint(fresh_config)
    assert manifest.format == FORMAT
    assert manifest.passages == 36
    assert [d.id for d in manifest.documents] == ["japan-2022"]
    assert is_fresh(fresh_config)
    _no_leftovers(fresh_config)


def test_manifest_round_trips() -> None:
    manifest = Manifest("f" * 64, FORMAT, "2022-01-01T00:00:00Z", 0.5, 3, ())
    assert Manifest.from_dict(json.loads(json.dumps(manifest.to_dict()))) == manifest


def test_open_index_builds_on_first_use_only(fresh_config: Config) -> None:
    """A new user's first command just works; the second does not rebuild."""
    assert not is_fresh(fresh_config)
    calls: list[int] = []
    first = open_index(fresh_config, progress=lambda done, total: calls.append(total))
    assert first.built_now
    assert calls == [1]  # one call per document
    second = open_index(fresh_config)
    assert not second.built_now
    assert second.path == first.path
    assert second.manifest == first.manifest
    assert _answer(second) == _answer(first)


def test_open_without_building_is_unavailable(fresh_config: Config) -> None:
    with pytest.raises(IndexUnavailable):
        open_index(fresh_config, build_if_needed=False)
    assert not (fresh_config.index / CURRENT).exists()


def test_build_without_force_keeps_a_fresh_index(built: Config) -> None:
    before = _current(built), _builds(built)
    again = build(built)
    assert (_current(built), _builds(built)) == before
    assert again == read_manifest(built.index / BUILDS / before[0])


def test_force_rebuilds(built: Config) -> None:
    before = _current(built)
    manifest = build(built, force=True)
    assert _current(built) != before
    assert read_manifest(built.index / BUILDS / _current(built)) == manifest
    assert before in _builds(built), "the previous build stays for readers that still use it"
    _no_leftovers(built)


# ---- fingerprint ----------------------------------------------------------------------------

def test_fingerprint_is_stable(fresh_config: Config, japan_config: Config) -> None:
    """Same bytes, same fingerprint, wherever the corpus lives."""
    assert fingerprint(fresh_config) == fingerprint(fresh_config) == fingerprint(japan_config)


def test_corpus_change_rebuilds(built: Config) -> None:
    """Appending a paragraph to a review changes the fingerprint, and the next open rebuilds."""
    before = fingerprint(built), _current(built)
    with _corpus_file(built).open("a", encoding="utf-8") as out:
        out.write(NEW_PARAGRAPH)
    assert fingerprint(built) != before[0]
    assert not is_fresh(built)
    opened = open_index(built)
    assert opened.built_now
    assert _current(built) != before[1]
    assert opened.manifest.passages == 37
    assert [h.passage.text for h in search(opened, Request("zebras")).hits] == \
        [NEW_PARAGRAPH.strip()]
    assert not open_index(built).built_now


def test_catalog_change_rebuilds(built: Config) -> None:
    """Metadata is part of what is indexed: a new title must reach citations."""
    before = fingerprint(built)
    path = built.corpus / "catalog.json"
    catalog = json.loads(path.read_text(encoding="utf-8"))
    catalog["documents"][0]["title"] = "Voluntary GCM review by Japan, revised"
    path.write_text(json.dumps(catalog), encoding="utf-8")
    assert fingerprint(built) != before
    opened = open_index(built)
    assert opened.built_now
    hit = search(opened, Request("trafficking")).hits[0]
    assert "Voluntary GCM review by Japan, revised (2022)" in hit.citation


def test_missing_corpus_file_is_a_corpus_error(fresh_config: Config) -> None:
    _corpus_file(fresh_config).unlink()
    with pytest.raises(GcmSearchError, match="cannot be read"):
        open_index(fresh_config)


# ---- atomic rebuilds ------------------------------------------------------------------------

@pytest.mark.parametrize("exc", [KeyboardInterrupt, Boom])
def test_crash_mid_build_keeps_the_previous_index(built: Config,
                                                  exc: type[BaseException]) -> None:
    """Ctrl-C or an error mid-build: the previous index still answers, nothing is left over."""
    before_answer = _answer(open_index(built))
    before = _current(built), _builds(built)
    with pytest.raises(exc):
        build(built, force=True, progress=_fail_after(1, exc))
    assert (_current(built), _builds(built)) == before
    _no_leftovers(built)
    opened = open_index(built)
    assert not opened.built_now
    assert _answer(opened) == before_answer


def test_crash_while_joining_the_parts_keeps_the_previous_index(
        built: Config, monkeypatch: pytest.MonkeyPatch) -> None:
    """The parts written, half of them moved into the build's index: nothing of it is used."""
    before_answer = _answer(open_index(built))
    before = _current(built), _builds(built)
    real = segment_module.shutil.rmtree

    def dies_after_the_first_part(path: Any, *args: Any, **kwargs: Any) -> None:
        real(path, *args, **kwargs)
        if Path(path).name.startswith("part-"):
            raise KeyboardInterrupt

    monkeypatch.setattr(segment_module.shutil, "rmtree", dies_after_the_first_part)
    with pytest.raises(KeyboardInterrupt):
        build(built, force=True)
    monkeypatch.undo()
    assert (_current(built), _builds(built)) == before
    _no_leftovers(built)
    assert _answer(open_index(built)) == before_answer


def test_crash_in_the_writer_keeps_the_previous_index(built: Config,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """The same when the failure comes from turning passages into index documents."""
    before_answer = _answer(open_index(built))
    before = _current(built), _builds(built)
    real = segment_module.to_fields
    counter = itertools.count()

    def failing(p: Passage, order: int) -> dict[str, Any]:
        if next(counter) == 10:
            raise Boom("disk full")
        return real(p, order)

    monkeypatch.setattr(segment_module, "to_fields", failing)
    with pytest.raises(Boom):
        build(built, force=True)
    assert (_current(built), _builds(built)) == before
    _no_leftovers(built)
    assert _answer(open_index(built)) == before_answer


def test_crash_before_the_swap_keeps_the_previous_index(built: Config,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """A finished build that never became CURRENT is not used."""
    before_answer = _answer(open_index(built))
    before = _current(built)

    def no_swap(index_dir: Path, name: str) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(building_module, "_swap", no_swap)
    with pytest.raises(KeyboardInterrupt):
        build(built, force=True)
    assert _current(built) == before
    _no_leftovers(built)
    assert _answer(open_index(built)) == before_answer


def test_crash_while_rebuilding_for_a_changed_corpus(built: Config) -> None:
    """A failed rebuild leaves the old build in place; the next open builds the new one."""
    before = _current(built)
    with _corpus_file(built).open("a", encoding="utf-8") as out:
        out.write(NEW_PARAGRAPH)
    with pytest.raises(KeyboardInterrupt):
        open_index(built, progress=_fail_after(1, KeyboardInterrupt))
    assert _current(built) == before
    _no_leftovers(built)
    opened = open_index(built)
    assert opened.built_now and opened.manifest.passages == 37


@pytest.mark.parametrize("how", ["force", "stale"])
def test_leftover_temporary_is_removed_by_the_next_build(built: Config, how: str) -> None:
    """A build killed with SIGKILL leaves builds/.tmp-*; the next build clears it."""
    leftover = built.index / BUILDS / ".tmp-xyz"
    leftover.mkdir()
    (leftover / "_MAIN_1.toc").write_bytes(b"half written")
    assert open_index(built).path != leftover  # a reader never looks at it
    if how == "force":
        build(built, force=True)
    else:
        with _corpus_file(built).open("a", encoding="utf-8") as out:
            out.write(NEW_PARAGRAPH)
        assert open_index(built).built_now
    assert not leftover.exists()
    _no_leftovers(built)


def test_only_keep_builds_are_kept(built: Config) -> None:
    currents = [_current(built)]
    for _ in range(KEEP_BUILDS + 2):
        build(built, force=True)
        currents.append(_current(built))
    remaining = _builds(built)
    assert len(remaining) == KEEP_BUILDS
    assert currents[-1] in remaining
    assert open_index(built).path.name == currents[-1]


@contextlib.contextmanager
def _same_second_clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Builds named within one second, each new one sorting before the older ones (as a random
    suffix does half of the time)."""
    suffixes = itertools.count(0xFFFF, -1)
    real_strftime = time.strftime

    def strftime(fmt: str, *args: Any) -> str:
        return "20300101T000000" if fmt == "%Y%m%dT%H%M%S" else real_strftime(fmt, *args)

    monkeypatch.setattr(building_module, "uuid", types.SimpleNamespace(
        uuid4=lambda: uuid.UUID(int=next(suffixes) << 112)))
    monkeypatch.setattr(building_module, "time", types.SimpleNamespace(
        strftime=strftime, gmtime=time.gmtime, perf_counter=time.perf_counter))
    yield


def test_rebuild_keeps_the_build_a_reader_opened(fresh_config: Config,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """KEEP_BUILDS keeps "the current build and the one before it, which open readers may still
    use": a reader that opened the index just before one rebuild must keep working."""
    with _same_second_clock(monkeypatch):
        build(fresh_config)
        build(fresh_config, force=True)
        reader = open_index(fresh_config)
        expected = _answer(reader)
        build(fresh_config, force=True)
        assert reader.path.is_dir()
        assert _answer(reader) == expected


def test_rebuilds_are_identical(built: Config) -> None:
    """Ids, passages, scores and facets do not depend on the build."""
    first = open_index(built)
    first_passages = all_passages(first)
    first_results = {q: search(first, Request(q, limit=100))
                     for q in (QUERY, "trafficking", "how many specified skilled workers")}
    build(built, force=True)
    second = open_index(built)
    assert second.path != first.path
    assert all_passages(second) == first_passages
    for q, before in first_results.items():
        after = search(second, Request(q, limit=100))
        assert [(h.passage.id, h.score) for h in after.hits] == \
            [(h.passage.id, h.score) for h in before.hits]
        assert after.facets == before.facets and after.total == before.total


# ---- unwritable and damaged indexes -------------------------------------------------------

def test_read_only_index_dir_is_unavailable(tmp_path: Path, japan_config: Config) -> None:
    index_dir = tmp_path / "ro"
    index_dir.mkdir()
    index_dir.chmod(0o500)
    try:
        if os.access(index_dir, os.W_OK):
            pytest.skip("running as root: chmod does not stop writes")
        config = Config(japan_config.corpus, index_dir)
        with pytest.raises(IndexUnavailable, match="cannot write"):
            open_index(config)
    finally:
        index_dir.chmod(stat.S_IRWXU)


def test_read_only_fresh_index_still_opens(built: Config) -> None:
    """Reading needs no write access: a fresh index in a read-only folder answers."""
    expected = _answer(open_index(built))
    built.index.chmod(0o500)
    try:
        if os.access(built.index, os.W_OK):
            pytest.skip("running as root: chmod does not stop writes")
        opened = open_index(built)
        assert not opened.built_now and _answer(opened) == expected
    finally:
        built.index.chmod(stat.S_IRWXU)


def test_index_dir_that_cannot_be_created_is_unavailable(tmp_path: Path,
                                                         japan_config: Config) -> None:
    """Works as root too: a folder inside a regular file cannot be made by anyone."""
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    config = Config(japan_config.corpus, blocker / "index")
    with pytest.raises(IndexUnavailable, match="Not a directory"):
        open_index(config)


def test_unwritable_lock_is_unavailable(fresh_config: Config,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """The read-only case simulated for root: opening the lock file is refused."""

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(folder_module, "open", refuse, raising=False)
    with pytest.raises(IndexUnavailable, match="Permission denied"):
        open_index(fresh_config)


@pytest.mark.parametrize("pointer", ["nonexistent-build\n", "", "\n", "../../etc\n", "..\n",
                                     ".\n", ".tmp-xyz\n", "\x00\xff garbage"])
def test_bad_current_pointer_rebuilds(built: Config, pointer: str) -> None:
    """A CURRENT that names no usable build is treated as no index: rebuilt, right answers."""
    expected = _answer(open_index(built))
    (built.index / BUILDS / ".tmp-xyz").mkdir()
    (built.index / CURRENT).write_text(pointer, encoding="utf-8", errors="surrogateescape")
    opened = open_index(built)
    assert opened.built_now
    assert _answer(opened) == expected
    assert opened.path.parent == built.index / BUILDS


@pytest.mark.parametrize("manifest", [None, "", "{", "[]", '{"fingerprint": "x"}'])
def test_missing_or_bad_manifest_rebuilds(built: Config, manifest: str | None) -> None:
    expected = _answer(open_index(built))
    path = built.index / BUILDS / _current(built) / MANIFEST
    if manifest is None:
        path.unlink()
    else:
        path.write_text(manifest, encoding="utf-8")
    opened = open_index(built)
    assert opened.built_now and _answer(opened) == expected


def test_manifest_of_another_corpus_rebuilds(built: Config) -> None:
    """A build made from other bytes (its fingerprint differs) is never used for this corpus."""
    expected = _answer(open_index(built))
    path = built.index / BUILDS / _current(built) / MANIFEST
    data = json.loads(path.read_text(encoding="utf-8"))
    data["fingerprint"] = "0" * 64
    path.write_text(json.dumps(data), encoding="utf-8")
    opened = open_index(built)
    assert opened.built_now and _answer(opened) == expected


# Whoosh leaks the damaged file's handle when it fails to read it; collected inside the test.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.filterwarnings("ignore::ResourceWarning")
@pytest.mark.parametrize("damage", ["remove toc", "truncate toc", "garbage toc"])
def test_damaged_toc_is_a_clear_error(built: Config, damage: str) -> None:
    build_dir = built.index / BUILDS / _current(built)
    toc = next(build_dir.glob("*.toc"))
    if damage == "remove toc":
        toc.unlink()
    elif damage == "truncate toc":
        toc.write_bytes(toc.read_bytes()[:100])
    else:
        toc.write_bytes(b"x" * 500)
    with pytest.raises(IndexUnavailable, match="damaged") as info:
        open_index(built)
    message = str(info.value)
    del info
    gc.collect()
    assert "--rebuild" in message
    build(built, force=True)  # the hint works
    assert not open_index(built).built_now


# Whoosh leaks the damaged file's handle on its error path; collected below, inside this test.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.filterwarnings("ignore::ResourceWarning")
@pytest.mark.parametrize("damage", ["remove segment", "empty segment", "truncate segment"])
def test_damaged_segment_is_a_clear_error_or_rebuilt(built: Config, damage: str) -> None:
    """Damage the index files behind the TOC: a clear error (GcmSearchError) or right answers."""
    expected = _answer(open_index(built))
    segment = next((built.index / BUILDS / _current(built)).glob("*.seg"))
    if damage == "remove segment":
        segment.unlink()
    elif damage == "empty segment":
        segment.write_bytes(b"")
    else:
        segment.write_bytes(segment.read_bytes()[: segment.stat().st_size // 2])
    answer, error = None, None
    try:
        answer = _answer(open_index(built))
    except GcmSearchError:
        return
    except Exception as exc:  # what a caller would meet instead of a clear error
        error = f"{exc.__class__.__name__}: {exc}"
    gc.collect()  # with the exception gone, Whoosh's leaked file is reported (and ignored) here
    assert error is None, error
    assert answer == expected


# ---- Whoosh traps -------------------------------------------------------------------------

def test_new_searcher_after_rebuild_sees_each_passage_once(built: Config,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """Searcher.refresh() sees a rebuilt index doubled in every fork: we open a new searcher on the
    new build instead. Each passage must be there exactly once, old reader and new."""

    def refresh(self: Searcher) -> Searcher:
        raise AssertionError("Searcher.refresh() must never be called")

    monkeypatch.setattr(Searcher, "refresh", refresh)
    old = open_index(built)
    count = old.manifest.passages
    with old.ix.searcher() as held:
        build(built, force=True)
        assert held.up_to_date()  # builds never write into a build in use
        assert held.doc_count() == count
    new = open_index(built)
    assert new.path != old.path
    with new.ix.searcher() as searcher:
        assert searcher.doc_count() == count
        assert len(searcher.search(wq.Every(), limit=None)) == count
        ids = [from_stored(f).id for f in searcher.all_stored_fields()]
    assert len(ids) == len(set(ids)) == count
    passages = all_passages(new)
    assert len(passages) == len({p.id for p in passages}) == count
    assert search(new, Request("", limit=100)).total == 0
    assert passage(new, passages[0].id) == passages[0]


def test_single_writer_build_has_no_lock_left(built: Config) -> None:
    """Builds write aside, so no Whoosh writer lock is ever held on the build in use."""
    opened = open_index(built)
    writer = opened.ix.writer()  # would raise LockError if a build had left its lock held
    writer.cancel()


# ---- concurrency ------------------------------------------------------------------------------

def _count_concurrent_writes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Wrap the index writer to record how many builds write at once (and slow it down)."""
    real = segment_module.write
    state = {"active": 0}
    peaks: list[int] = []
    lock = threading.Lock()

    def write(ix: Any, run: Any) -> None:
        with lock:
            state["active"] += 1
            peaks.append(state["active"])
        try:
            time.sleep(0.2)
            real(ix, run)
        finally:
            with lock:
                state["active"] -= 1

    monkeypatch.setattr(segment_module, "write", write)
    return peaks


def test_concurrent_first_builds_build_once(fresh_config: Config,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """Two commands starting on an empty index: one builds, the other waits and uses it."""
    peaks = _count_concurrent_writes(monkeypatch)
    with ThreadPoolExecutor(2) as pool:
        manifests = [f.result() for f in [pool.submit(build, fresh_config) for _ in range(2)]]
    assert peaks == [1]
    assert manifests[0] == manifests[1]
    assert len(_builds(fresh_config)) == 1
    _no_leftovers(fresh_config)


def test_concurrent_forced_builds_are_serialised(built: Config,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Two forced rebuilds one after the other under the lock: both finish, the index works."""
    expected = _answer(open_index(built))
    peaks = _count_concurrent_writes(monkeypatch)
    with ThreadPoolExecutor(2) as pool:
        futures = [pool.submit(build, built, force=True) for _ in range(2)]
        manifests = [f.result() for f in futures]
    assert peaks == [1, 1]
    assert {m.fingerprint for m in manifests} == {fingerprint(built)}
    assert len(_builds(built)) == KEEP_BUILDS
    assert _current(built) in _builds(built)
    _no_leftovers(built)
    opened = open_index(built)
    assert not opened.built_now and _answer(opened) == expected


def test_readers_during_a_rebuild_keep_answering(built: Config) -> None:
    """A search running while another thread rebuilds gets the same answer throughout."""
    opened = open_index(built)
    expected = _answer(opened)
    answers: list[list[tuple[str, float]]] = []

    def read() -> None:
        for _ in range(10):
            answers.append(_answer(opened))

    with ThreadPoolExecutor(2) as pool:
        reading = pool.submit(read)
        pool.submit(build, built, force=True).result()
        reading.result()
    assert answers == [expected] * 10


def test_a_rebuild_shares_the_token_table_unless_it_is_damaged(built: Config) -> None:
    """The model's token table depends on the model alone: a rebuild links the current build's
    instead of writing it again, but never a damaged one (it would be recorded as sound)."""
    def table(config: Config) -> Path:
        return config.index / BUILDS / _current(config) / "tokens.sqlite"

    first = table(built)
    build(built, force=True)
    second = table(built)
    assert second != first and second.stat().st_ino == first.stat().st_ino
    assert _answer(open_index(built))
    second.chmod(0o644)
    with second.open("ab") as out:
        out.write(b"damage")
    build(built, force=True)
    third = table(built)
    assert third.stat().st_ino != second.stat().st_ino
    assert not third.read_bytes().endswith(b"damage")
    found = search(open_index(built), Request("cash sent to families abroad", limit=5))
    assert found.total > 0 and found.mode == "hybrid"
