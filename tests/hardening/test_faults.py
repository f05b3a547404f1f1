"""Faults a user meets, through the real command line: a damaged or half-written index, one built
by an older version, a full disk, a read-only index folder, a corpus file deleted after indexing,
and two writers at once. Each gives one `Error:` line with the way out, or the right results;
never a traceback, and never results that differ from an intact index's.

Disk-full and read-only are simulated by patching the writes (everywhere) and, where mounting is
permitted (root with CAP_SYS_ADMIN), also for real on a small tmpfs. tests/test_index.py covers the
library side (crash mid-build by exception, damaged TOC and segment, concurrent builds in threads);
tests/hardening/test_kill_points.py covers SIGKILL.
"""

from __future__ import annotations

import contextlib
import errno
import gc
import json
import shutil
import subprocess
import sys
import time
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from bench_modules import load
from cli_checks import one_line_error
from click.testing import CliRunner, Result
from test_languages import ES_REVIEW, FR_REVIEW
from whoosh import reading as whoosh_reading
from whoosh.searching import Searcher
from whoosh.writing import SegmentWriter

import search.index.building as building_module
import search.index.folder as folder_module
import search.index.segment as segment_module
from search.catalog import load_catalog, save_catalog
from search.cli import main
from search.collection import Given, add
from search.config import Config
from search.index import (
    BUILDS,
    CURRENT,
    FORMAT,
    MANIFEST,
    build,
    current_build,
    ranking,
    read_manifest,
)
from search.models import Document

QUERY = "trafficking in persons"
REBUILD = "(run `gcm-search index --rebuild`)"

# ---- helpers -------------------------------------------------------------------------------

def cli(config: Config, *args: str) -> Result:
    return CliRunner().invoke(main, [*args, "--corpus", str(config.corpus),
                                     "--index-dir", str(config.index)])


def found(config: Config, query: str = QUERY) -> Result:
    return cli(config, "search", query, "--json", "-n", "100")


def build_dir(config: Config) -> Path:
    path = current_build(config.index)
    assert path is not None
    return path


def leftovers(config: Config) -> list[str]:
    return sorted(p.name for p in [*(config.index / BUILDS).glob(".tmp-*"),
                                   *config.index.glob(f"{CURRENT}.*.tmp"),
                                   *config.corpus.glob(".*.tmp")])




def enospc(*args: Any, **kwargs: Any) -> Any:
    raise OSError(errno.ENOSPC, "No space left on device")


def erofs(*args: Any, **kwargs: Any) -> Any:
    raise OSError(errno.EROFS, "Read-only file system")


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def built(fresh_config: Config) -> Config:
    build(fresh_config)
    return fresh_config


@pytest.fixture
def expected(built: Config) -> str:
    """What the intact index prints for QUERY."""
    result = found(built)
    # 14: the passages with the words, and those near them in meaning (hybrid, the default).
    assert result.exit_code == 0 and json.loads(result.stdout)["total"] == 14
    return result.stdout


@contextlib.contextmanager
def tmpfs(folder: Path, size: str) -> Iterator[Path]:
    """A small tmpfs at `folder`; the test is skipped where mounting is not permitted."""
    folder.mkdir(parents=True, exist_ok=True)
    mount = shutil.which("mount")
    done = subprocess.run([mount, "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
                          capture_output=True, timeout=10, check=False) if mount else None
    if done is None or done.returncode:
        pytest.skip("cannot mount a tmpfs here (needs root with CAP_SYS_ADMIN)")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True, timeout=10,
                       check=False)


# ---- damaged and half-written indexes ----------------------------------------------------------

def _segment(config: Config) -> Path:
    return next(build_dir(config).glob("*.seg"))


def _garble(path: Path, at: int) -> None:
    data = bytearray(path.read_bytes())
    for i in range(at, at + 16):
        data[i] ^= 0x5A
    path.write_bytes(bytes(data))


DAMAGE: dict[str, Callable[[Config], None]] = {
    "truncated segment": lambda c: _segment(c).write_bytes(_segment(c).read_bytes()[:5000]),
    "empty segment": lambda c: _segment(c).write_bytes(b""),
    "missing segment": lambda c: _segment(c).unlink(),
    # Bytes 16-32 are field lengths: Whoosh reads them without complaint and scores wrongly.
    "garbled field lengths": lambda c: _garble(_segment(c), 16),
    "garbled postings": lambda c: _garble(_segment(c), 5000),
    "garbled stored text": lambda c: _garble(_segment(c), _segment(c).stat().st_size // 3),
    "garbage toc": lambda c: next(build_dir(c).glob("*.toc")).write_bytes(b"x" * 300),
    "missing toc": lambda c: next(build_dir(c).glob("*.toc")).unlink(),
    "garbled acronyms": lambda c: (build_dir(c) / "acronyms.json").write_text("{]"),
    "garbled facets": lambda c: _garble(build_dir(c) / "facets.pickle", 40),
    "missing facets": lambda c: (build_dir(c) / "facets.pickle").unlink(),
}


# Whoosh leaks a damaged file's handle when it fails to read it (as in tests/test_index.py).
@pytest.mark.parametrize("damage", list(DAMAGE), ids=list(DAMAGE))
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.filterwarnings("ignore::ResourceWarning")
def test_damaged_index_is_one_line_with_the_way_out(built: Config, expected: str,
                                                    damage: str) -> None:
    """Every kind of damage is reported as such, before any result is printed; the way out
    named in the message works."""
    DAMAGE[damage](built)
    result = found(built)
    gc.collect()  # Whoosh's leaked handles are reported here, inside the test
    error = one_line_error(result)
    assert error.startswith(f"Error: the index in {build_dir(built)} is damaged ("), error
    assert error.endswith(REBUILD)
    assert result.exit_code == 1
    assert cli(built, "index", "--rebuild").exit_code == 0
    assert found(built).stdout == expected


def _forget_checksums(config: Config) -> None:
    """Make the build look like one made before manifests listed their files."""
    path = build_dir(config) / MANIFEST
    data = json.loads(path.read_text(encoding="utf-8"))
    assert {name for name, _, _ in data.pop("files")} >= {"acronyms.json"}
    path.write_text(json.dumps(data), encoding="utf-8")


def test_a_build_made_before_checksums_still_opens(built: Config, expected: str) -> None:
    _forget_checksums(built)
    before = build_dir(built)
    assert found(built).stdout == expected
    assert build_dir(built) == before  # not rebuilt


def _whoosh_damage_errors() -> list[BaseException]:
    errors: list[BaseException] = [zlib.error("Error -3 while decompressing data")]
    corrupt = getattr(whoosh_reading, "CorruptIndexError", None)  # whoosh3 only
    if corrupt is not None:
        errors.append(corrupt("Damaged postings block at offset 243"))
    return errors


@pytest.mark.parametrize("error", _whoosh_damage_errors(), ids=lambda e: type(e).__name__)
def test_damage_whoosh_finds_mid_search_is_one_line(built: Config, error: BaseException,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Damage that only shows when a search reads it (builds made before manifests listed their
    files are not checked on opening): what whoosh3 raised for garbled postings came out as
    "Error: unexpected CorruptIndexError" or "unexpected error" (zlib's)."""

    def damaged(*args: Any, **kwargs: Any) -> Any:
        raise error

    monkeypatch.setattr(Searcher, "search", damaged)
    monkeypatch.setattr(ranking, "top", damaged)  # the ranking by numpy reads postings too
    line = one_line_error(found(built))
    assert line == f"Error: the index in {build_dir(built)} is damaged ({type(error).__name__}) " \
                   f"{REBUILD}"


@pytest.mark.parametrize("pointer", [b"\x00\xff\xfe../../etc\n", b"\xc3", b"builds\n"])
def test_current_that_names_no_build_is_rebuilt(built: Config, expected: str,
                                                pointer: bytes) -> None:
    """CURRENT overwritten with bytes that are not even text: rebuilt, the same results."""
    (built.index / CURRENT).write_bytes(pointer)
    result = found(built)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == expected
    assert build_dir(built).parent == built.index / BUILDS


def test_half_written_build_is_ignored_then_cleared(built: Config, expected: str) -> None:
    """What a build or a pointer swap killed with SIGKILL leaves is never read, and the next
    build removes it."""
    half = built.index / BUILDS / ".tmp-killed"
    shutil.copytree(build_dir(built), half)
    next(half.glob("*.seg")).write_bytes(b"")
    (half / MANIFEST).unlink()
    (built.index / f"{CURRENT}.dead1234.tmp").write_text(".tmp-killed\n", encoding="utf-8")
    assert found(built).stdout == expected
    assert cli(built, "index", "--rebuild").exit_code == 0
    assert leftovers(built) == []
    assert found(built).stdout == expected


# ---- older versions ------------------------------------------------------------------------

@pytest.mark.parametrize("how", ["built by an older version", "format edited"])
def test_index_of_an_older_schema_is_rebuilt_not_opened(built: Config, expected: str, how: str,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """An index from an older chunker, analysis or schema is never opened as if current: the
    next command rebuilds it, and answers as a fresh index does."""
    if how == "built by an older version":
        monkeypatch.setattr(building_module, "FORMAT", "chunker 0, analysis 0, schema 0")
        build(built, force=True)
        monkeypatch.undo()
    else:  # the fingerprint left as it is: the format alone must be enough
        path = build_dir(built) / MANIFEST
        data = json.loads(path.read_text(encoding="utf-8"))
        data["format"] = data["format"].replace("schema ", "schema 0.")
        path.write_text(json.dumps(data), encoding="utf-8")
    old = build_dir(built)
    assert read_manifest(old).format != FORMAT  # type: ignore[union-attr]
    result = found(built)
    assert result.exit_code == 0 and result.stdout == expected
    assert build_dir(built) != old
    assert read_manifest(build_dir(built)).format == FORMAT  # type: ignore[union-attr]


def test_older_schema_in_a_folder_that_cannot_be_written(built: Config,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """Rebuilding is the only honest answer, and when it cannot be done the user is told."""
    monkeypatch.setattr(building_module, "FORMAT", "chunker 0, analysis 0, schema 0")
    build(built, force=True)
    monkeypatch.undo()
    monkeypatch.setattr(folder_module, "open", erofs, raising=False)  # the writer's lock file
    error = one_line_error(found(built))
    assert error == (f"Error: cannot write the index in {built.index}: Read-only file system "
                     "(pass --index-dir (or GCM_SEARCH_INDEX) a writable folder)")


# ---- a full disk -----------------------------------------------------------------------------

FULL = "Error: the disk is full: cannot write the index in {} (No space left on device) " \
       "(free some space and run the command again; the index in use is unchanged)"


# A failed write may leave Whoosh's files to the collector (whoosh-reloaded).
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.filterwarnings("ignore::ResourceWarning")
@pytest.mark.parametrize("where", ["segment", "toc", "manifest", "pointer"])
def test_full_disk_during_a_rebuild(built: Config, expected: str, where: str,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """The disk fills up at each write of a build: one line that says so, nothing left over,
    and the previous index still answers."""
    before = build_dir(built)
    if where == "segment":  # mid-way through writing the postings (search/index/segment.py)
        monkeypatch.setattr(segment_module, "_postings", enospc)
    elif where == "toc":  # whoosh3 closes a writer whose commit failed: cancel() must not hide why
        monkeypatch.setattr(SegmentWriter, "_commit_toc", enospc)
    elif where == "manifest":
        real = Path.write_text

        def write_text(path: Path, *args: Any, **kwargs: Any) -> int:
            return enospc() if path.name == MANIFEST else real(path, *args, **kwargs)

        monkeypatch.setattr(Path, "write_text", write_text)
    else:
        monkeypatch.setattr(building_module.os, "fsync", enospc)
    result = cli(built, "index", "--rebuild")
    monkeypatch.undo()
    assert one_line_error(result) == FULL.format(built.index)
    assert leftovers(built) == []
    assert build_dir(built) == before
    assert sorted(p.name for p in (built.index / BUILDS).iterdir()) == [before.name]
    assert found(built).stdout == expected


# Whoosh's writer leaks its files when a write fails; collected inside the test.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.filterwarnings("ignore::ResourceWarning")
def test_full_disk_for_real(built: Config, expected: str, tmp_path: Path) -> None:
    """The index on a tmpfs with room for less than one more build."""
    with tmpfs(tmp_path / "small", "4m") as mount:
        config = Config(built.corpus, mount / "index")
        shutil.copytree(built.index, config.index)
        free = shutil.disk_usage(mount).free
        (mount / "filler").write_bytes(b"\0" * (free - 100_000))
        result = cli(config, "index", "--rebuild")
        gc.collect()
        assert one_line_error(result) == FULL.format(config.index)
        assert leftovers(config) == []
        assert found(config).stdout == expected
        (mount / "filler").unlink()
        assert cli(config, "index", "--rebuild").exit_code == 0  # the way out works
        assert found(config).stdout == expected


# A failed write may leave Whoosh's files to the collector (whoosh-reloaded).
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.filterwarnings("ignore::ResourceWarning")
def test_full_disk_during_add_changes_nothing(built: Config, expected: str, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """An `add` that fails while indexing takes the review out of the catalog and the folder
    again, so that running it again (as the message says) adds it once, not as morocco-2022-2."""
    catalog = (built.corpus / "catalog.json").read_bytes()
    files = sorted(p.name for p in built.corpus.iterdir())
    review = write(tmp_path, "fr.txt", FR_REVIEW)
    monkeypatch.setattr(building_module, "to_fields", enospc)
    result = cli(built, "add", str(review))
    monkeypatch.undo()
    assert one_line_error(result) == FULL.format(built.index)
    assert (built.corpus / "catalog.json").read_bytes() == catalog
    assert sorted(p.name for p in built.corpus.iterdir()) == files
    assert found(built).stdout == expected
    again = cli(built, "add", str(review))
    assert again.exit_code == 0 and again.stdout.startswith("Added morocco-2022: "), again.stderr
    assert [d.id for d in load_catalog(built.corpus)] == ["japan-2022", "morocco-2022"]


def test_full_disk_while_copying_into_the_corpus(built: Config, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    catalog = (built.corpus / "catalog.json").read_bytes()
    files = sorted(p.name for p in built.corpus.iterdir())
    monkeypatch.setattr("search.collection.shutil.copyfile", enospc)
    result = cli(built, "add", str(write(tmp_path, "fr.txt", FR_REVIEW)))
    assert one_line_error(result) == (
        f"Error: cannot write to the corpus folder {built.corpus}: No space left on device "
        "(free some space and run the command again)")
    assert (built.corpus / "catalog.json").read_bytes() == catalog
    assert sorted(p.name for p in built.corpus.iterdir()) == files


# ---- a read-only index folder -------------------------------------------------------------------

READ_ONLY = "Error: cannot write the index in {}: Read-only file system " \
            "(pass --index-dir (or GCM_SEARCH_INDEX) a writable folder)"


def _make_stale(config: Config) -> None:
    with (config.corpus / load_catalog(config.corpus)[0].file).open("a", encoding="utf-8") as out:
        out.write("\n\nZebras crossed the border in remarkable numbers.\n")


def test_read_only_index_folder_simulated(built: Config, expected: str,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """Writes refused (as root, chmod would not do it): a fresh index answers, since reading
    writes nothing; a stale one cannot be rebuilt, and the message says where to build it."""
    monkeypatch.setattr(folder_module, "open", erofs, raising=False)  # the lock and CURRENT
    assert found(built).stdout == expected
    _make_stale(built)
    assert one_line_error(found(built)) == READ_ONLY.format(built.index)
    monkeypatch.undo()
    real = Path.mkdir  # the lock opens, but the build aside cannot be made

    def mkdir(path: Path, *args: Any, **kwargs: Any) -> None:
        return erofs() if path.name.startswith(".tmp-") else real(path, *args, **kwargs)

    monkeypatch.setattr(Path, "mkdir", mkdir)
    assert one_line_error(cli(built, "index", "--rebuild")) == READ_ONLY.format(built.index)
    assert leftovers(built) == []


def test_read_only_index_folder_for_real(built: Config, expected: str, tmp_path: Path) -> None:
    with tmpfs(tmp_path / "ro", "16m") as mount:
        config = Config(built.corpus, mount / "index")
        shutil.copytree(built.index, config.index)
        remount = subprocess.run(["mount", "-o", "remount,ro", str(mount)],
                                 capture_output=True, timeout=10, check=False)
        if remount.returncode:
            pytest.skip("cannot remount the tmpfs read-only")
        assert found(config).stdout == expected
        assert one_line_error(cli(config, "index", "--rebuild")) == READ_ONLY.format(config.index)
        _make_stale(config)
        assert one_line_error(found(config)) == READ_ONLY.format(config.index)


# ---- a corpus file deleted after indexing ------------------------------------------------------

@pytest.fixture
def two_reviews(built: Config, tmp_path: Path) -> tuple[Config, str]:
    """Japan and Morocco, indexed; what searching Japan's alone printed."""
    alone = found(built).stdout
    add(built, write(tmp_path, "fr.txt", FR_REVIEW), Given())
    return built, alone


@pytest.mark.parametrize("command", [
    ["search", QUERY], ["show", "japan-2022:2a.6"], ["cite", "japan-2022:2a.6"],
    ["verify", "the Government of Japan"], ["documents"], ["export"],
])
def test_deleted_corpus_file_is_named_with_the_way_out(two_reviews: tuple[Config, str],
                                                       command: list[str]) -> None:
    """The index no longer matches the corpus, so no command answers from it (not even about
    the documents that are still there); each names the file and both ways out."""
    config, _ = two_reviews
    (config.corpus / "morocco-2022.txt").unlink()
    assert one_line_error(cli(config, *command)) == (
        f"Error: morocco-2022: {config.corpus / 'morocco-2022.txt'} cannot be read: No such file "
        "or directory (restore the file, or run `gcm-search remove morocco-2022`)")


def test_deleted_corpus_file_ways_out_work(two_reviews: tuple[Config, str],
                                           tmp_path: Path) -> None:
    """`gcm-search remove ID` works although the file is gone (it opened the index first, which
    failed on the missing file), and the index is then that of Japan alone."""
    config, alone = two_reviews
    saved = (config.corpus / "morocco-2022.txt").read_bytes()
    (config.corpus / "morocco-2022.txt").unlink()
    (config.corpus / "morocco-2022.txt").write_bytes(saved)  # restored: answers again
    assert found(config, "traite").exit_code == 0
    (config.corpus / "morocco-2022.txt").unlink()
    removed = cli(config, "remove", "morocco-2022")
    assert removed.exit_code == 0, removed.stderr
    assert removed.stdout.startswith("Removed morocco-2022 ")
    assert found(config).stdout == alone


# ---- two writers --------------------------------------------------------------------------------

def _python(*args: str | Path) -> list[str]:
    return [sys.executable, "-m", "search", *map(str, args)]


def test_add_waits_for_the_writer_lock(built: Config, tmp_path: Path) -> None:
    """While another process holds the writer's lock, `add` waits, writing nothing; then adds."""
    review = write(tmp_path, "es.txt", ES_REVIEW)
    catalog = (built.corpus / "catalog.json").read_bytes()
    with folder_module.writing(built):
        child = subprocess.Popen(_python("add", review, "--corpus", built.corpus,
                                         "--index-dir", built.index),
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            time.sleep(2.0)  # time enough to start, read the review and reach the lock
            assert child.poll() is None, child.communicate()
            assert (built.corpus / "catalog.json").read_bytes() == catalog
        except BaseException:
            child.kill()
            raise
    out, err = child.communicate(timeout=60)
    assert child.returncode == 0, err
    assert out.startswith("Added mexico-2022: ")
    assert "Traceback" not in err


def test_add_during_a_rebuild_both_finish_nothing_lost(tmp_path: Path) -> None:
    """`add` started while `index --rebuild` is writing (two real processes): the add waits for
    the rebuild, then adds its review to the rebuilt index; the result is what one full build
    of the final corpus gives."""
    load("synthetic")
    faults = load("faults")
    config, new = faults.make_corpus(tmp_path / "busy", 3)
    rebuild = subprocess.Popen(_python("index", "--rebuild", "--corpus", config.corpus,
                                       "--index-dir", config.index),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not list((config.index / BUILDS).glob(".tmp-*")):
            assert rebuild.poll() is None and time.monotonic() < deadline, rebuild.communicate()
            time.sleep(0.002)
        added = subprocess.run(faults.add_command(config, new), capture_output=True, text=True,
                               timeout=120, check=False)
        out, err = rebuild.communicate(timeout=120)
    finally:
        if rebuild.poll() is None:
            rebuild.kill()
    assert rebuild.returncode == 0 and "Traceback" not in err, err
    assert added.returncode == 0, added.stderr
    assert " from 4 documents, built in " in out  # the rebuild did not see the review
    assert added.stdout.startswith(f"Added {faults.ADDED_ID}: ")
    assert added.stdout.rstrip().endswith(" from 5 documents.")
    assert [d.id for d in load_catalog(config.corpus)][-1] == faults.ADDED_ID
    assert load("faults").lock_is_free(config) and leftovers(config) == []
    reference = Config(config.corpus, tmp_path / "reference")
    build(reference)
    assert faults.answers(config)["answers"] == faults.answers(reference)["answers"]


def test_index_command_survives_an_add_right_after_its_build(
        built: Config, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An `add` waiting for the lock changes the catalog the moment the rebuild releases it;
    `index` then reported "no up-to-date index" although its build had succeeded."""
    real = building_module.build

    def build_then_add(config: Config, **kwargs: Any) -> Any:
        manifest = real(config, **kwargs)
        shutil.copyfile(write(tmp_path, "fr.txt", FR_REVIEW), config.corpus / "morocco.txt")
        morocco = Document(id="morocco-2022", file="morocco.txt", title="Examen", country="Morocco",
                           iso3="MAR", year=2022, author="Government of Morocco")
        save_catalog(config.corpus, (*load_catalog(config.corpus), morocco))
        return manifest

    monkeypatch.setattr("search.cli.corpus.build", build_then_add)
    result = cli(built, "index", "--rebuild")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("36 passages from 1 document, built in ")


def test_add_after_a_killed_add_indexes_both(built: Config, tmp_path: Path) -> None:
    """A killed `add` can leave its review in the catalog, not yet indexed. The next add must not
    extend the index it finds (which lacks that review) as if it matched the catalog."""
    shutil.copyfile(write(tmp_path, "fr.txt", FR_REVIEW), built.corpus / "morocco-2022.txt")
    morocco = Document(id="morocco-2022", file="morocco-2022.txt", title="Examen",
                       country="Morocco", iso3="MAR", year=2022, author="Government of Morocco",
                       language="fr")
    save_catalog(built.corpus, (*load_catalog(built.corpus), morocco))
    _, _, manifest = add(built, write(tmp_path, "es.txt", ES_REVIEW), Given())
    assert [d.id for d in manifest.documents] == ["japan-2022", "morocco-2022", "mexico-2022"]
    assert json.loads(found(built, "traite").stdout)["total"] > 0
    assert json.loads(found(built, "trata de personas").stdout)["total"] > 0
