"""Opening the current build for searching: an `OpenIndex` (one build, checked and kept open)
and a `LiveIndex` (what a long-running process serves: it follows CURRENT, so a rebuild is
picked up without a restart). A build never changes once made, so what is read from it is kept.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import json
import threading
import weakref
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from whoosh import index as whoosh_index
from whoosh.index import Index
from whoosh.searching import Searcher

from ..acronyms import CURATED, Lexicon
from ..config import Config
from ..errors import IndexUnavailable
from ..meaning import tokens, vectors
from ..models import Document
from .analysis import language
from .building import build
from .folder import (
    ACRONYMS,
    Manifest,
    Progress,
    check_files,
    current_build,
    damage_is_reported,
    fingerprint,
    matches,
    read_manifest,
)
from .schema import weighting

if TYPE_CHECKING:
    import numpy as np


@dataclass(frozen=True)
class OpenIndex:
    """An opened build: the Whoosh index, its manifest and where it lives."""

    ix: Index
    manifest: Manifest
    path: Path
    built_now: bool = False
    _lock: threading.RLock = field(default_factory=threading.RLock, init=False, repr=False,
                                   compare=False)

    @contextlib.contextmanager
    def searching(self) -> Iterator[Searcher]:
        """The build's one searcher, to one caller at a time.

        Opening a Whoosh searcher copies the build's postings into memory, which cost more than
        most searches, so it is opened once and kept: a build never changes. Searchers are not
        thread-safe, hence the lock; the GIL would run the searches one at a time anyway.
        """
        with self._lock, damage_is_reported(self.path):
            yield self._searcher

    @functools.cached_property
    def _searcher(self) -> Searcher:
        return self.ix.searcher(weighting=weighting())

    # Both are read for every hit of every search, so they are worked out once per build.
    @functools.cached_property
    def documents(self) -> dict[str, Document]:
        return {d.id: d for d in self.manifest.documents}

    @functools.cached_property
    def languages(self) -> tuple[str, ...]:
        """The analysis languages of the indexed documents, English first."""
        found = {language(d.language) for d in self.manifest.documents} | {"en"}
        return tuple(sorted(found, key=lambda lang: (lang != "en", lang)))

    @functools.cached_property
    def lexicon(self) -> Lexicon:
        """Curated acronyms and those the corpus defines."""
        try:
            learned = json.loads((self.path / ACRONYMS).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            learned = {}
        return Lexicon.build(CURATED, {k: tuple(v) for k, v in learned.items()})

    @functools.cached_property
    def tokens(self) -> tokens.Table | None:
        """The build's token table (None when the build was made without the model)."""
        if not self.manifest.model:
            return None
        with damage_is_reported(self.path):
            check_files(self.path, self.manifest, only=tokens.TOKENS)
            return tokens.Table(self.path / tokens.TOKENS)

    @functools.cached_property
    def vectors(self) -> np.ndarray | None:
        """One unit vector per document number, memory-mapped; None when the build was made
        without the model."""
        with self.searching() as searcher:
            rows = searcher.doc_count_all()
        # Checked here, on first use, not when the build is opened: a search by words never
        # reads them, and at 1,000 reviews their checksum alone is tens of milliseconds.
        with damage_is_reported(self.path):
            check_files(self.path, self.manifest, only=vectors.VECTORS)
        return vectors.open_rows(self.path, self.manifest.model, self.manifest.dim, rows)

    def size(self) -> int:
        return sum(f.stat().st_size for f in self.path.iterdir() if f.is_file())

    def close(self) -> None:
        """Close the build's searcher and its files (a process done with the build)."""
        if "_searcher" in self.__dict__:
            self._searcher.close()


def open_index(
    config: Config, *, build_if_needed: bool = True, progress: Progress | None = None,
    jobs: int | None = None,
) -> OpenIndex:
    """Open the current build, building it first (in `jobs` processes, default: every core)
    when it is missing or stale."""
    wanted = fingerprint(config)
    opened = _open_current(config.index, wanted)
    if opened is not None:
        return opened
    if not build_if_needed:
        raise IndexUnavailable(f"no up-to-date index in {config.index}",
                               "run `gcm-search index`")
    build(config, progress=progress, jobs=jobs)
    opened = _open_current(config.index, wanted, built_now=True)
    if opened is None:  # pragma: no cover - the corpus changed while we built
        raise IndexUnavailable("the corpus changed while the index was built", "run it again")
    return opened


def open_current(config: Config) -> OpenIndex:
    """The build CURRENT names, whatever the corpus holds now."""
    build_dir = current_build(config.index)
    manifest = read_manifest(build_dir) if build_dir else None
    if build_dir is None or manifest is None:
        raise IndexUnavailable(f"no index in {config.index}", "run `gcm-search index`")
    return open_build(build_dir, manifest)


def _open_current(index_dir: Path, wanted: str, built_now: bool = False) -> OpenIndex | None:
    build_dir = current_build(index_dir)
    manifest = read_manifest(build_dir) if build_dir else None
    if build_dir is None or manifest is None or not matches(manifest, wanted):
        return None
    return open_build(build_dir, manifest, built_now)


def open_build(build_dir: Path, manifest: Manifest, built_now: bool = False) -> OpenIndex:
    """Open one finished build, checking that its files are those it was built with."""
    with damage_is_reported(build_dir):
        check_files(build_dir, manifest)
        opened = OpenIndex(whoosh_index.open_dir(str(build_dir)), manifest, build_dir, built_now)
        # Read a little of everything the TOC points to, so damage shows now, not mid-search.
        with opened.searching() as searcher:
            count = searcher.doc_count()
            if count != manifest.passages:
                raise IndexUnavailable(f"the index in {build_dir} is damaged "
                                       f"({count} of {manifest.passages} passages)",
                                       "run `gcm-search index --rebuild`")
            reader = searcher.reader()
            for docnum in {0, count - 1} if count else ():  # an empty corpus has none
                reader.stored_fields(docnum)
            list(reader.field_terms("kind"))
    return opened


class LiveIndex:
    """The index a long-running process serves: opened once, then following CURRENT, so a rebuild
    is picked up by the next request without a restart (and in-flight requests finish on the
    build they started with)."""

    def __init__(self, config: Config, progress: Progress | None = None, *,
                 as_is: bool = False) -> None:
        """`as_is`: open the build CURRENT names without checking it against the corpus (nor
        building): a server's worker process, started after the server checked it, must not
        rebuild the index in each worker, and from then on follows CURRENT like any server."""
        self.config = config
        self._lock = threading.Lock()
        self._opened = self._loaded(open_current(config) if as_is else
                                    open_index(config, progress=progress))

    def get(self) -> OpenIndex:
        build_dir = current_build(self.config.index)
        if build_dir is None or build_dir == self._opened.path:
            return self._opened
        with self._lock:
            manifest = read_manifest(build_dir)
            if build_dir != self._opened.path and manifest is not None:
                # On failure keep answering from the build we have; the next request tries again.
                with contextlib.suppress(IndexUnavailable):
                    self._opened = self._loaded(open_build(build_dir, manifest))
                    # Whoosh cannot close a memory-mapped file while views into it live, and
                    # those sit in reference cycles: collect now, so the previous build's files
                    # (a deleted build's disk space) go with the switch, not at some later
                    # collection that an idle server may not make for long.
                    gc.collect()
            return self._opened

    @staticmethod
    def _loaded(opened: OpenIndex) -> OpenIndex:
        """`opened` with what its folder holds besides the Whoosh files read now, not on first
        use: two more builds delete the folder, maybe under a request still using it (Whoosh
        keeps its own files open), and a lexicon read then would be empty: an answer of
        neither build."""
        opened.lexicon  # noqa: B018 - a cached property: reading it is the point
        # Its files close as soon as the last request on it is done with it, not whenever the
        # collector gets to them (which warns, and keeps deleted builds on disk until then).
        weakref.finalize(opened, opened._searcher.close)
        # Memory-mapped now, while the folder surely exists. Damaged, they are reported by each
        # search by meaning, and searches by words still answer.
        with contextlib.suppress(IndexUnavailable):
            opened.vectors  # noqa: B018
        with contextlib.suppress(IndexUnavailable):
            table = opened.tokens
            if table is not None:
                weakref.finalize(opened, table.close)
        return opened
