"""The index as a rebuildable artefact: corpus -> passages -> a Whoosh index, built aside and
swapped in atomically. The only module that writes an index.

Layout of an index folder:

    CURRENT            the name of the build in use, replaced atomically (os.replace)
    builds/<name>/     one complete Whoosh index + manifest.json
    builds/.tmp-*      a build in progress (removed when it fails or is superseded)
    .lock              held (flock) by the one process that is building

A full build prepares documents on every core (`search.prepare`: read, chunk, tag, embed, infer,
analyse) and writes them as one segment with one writer (`search.segment`), so that it is the
same whatever the number of processes. A reader reads CURRENT once and opens that build; a build
never touches a build in use, so a crash or Ctrl-C mid-build leaves the previous index answering.
The manifest's fingerprint covers the corpus files, the catalog and the chunker, analysis and
schema versions: any change rebuilds.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import gc
import hashlib
import json
import os
import pickle
import shutil
import struct
import threading
import time
import uuid
import weakref
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from whoosh import index as whoosh_index
from whoosh import reading as whoosh_reading
from whoosh.index import Index
from whoosh.query import Every
from whoosh.searching import Searcher

from .acronyms import CURATED, Lexicon, learn
from .analysis import ANALYSIS_VERSION, language
from .catalog import catalog_path, load_catalog
from .config import Config
from .errors import CorpusError, IndexUnavailable
from .meaning import model, tokens, vectors
from .models import Document, Passage
from .postings import FacetPostings, read_facets, write_facets
from .schema import ORDER_FIELD, SCHEMA_VERSION, schema, to_fields, weighting
from .versions import CHUNKER_VERSION

if TYPE_CHECKING:
    import numpy as np
    from whoosh.writing import IndexWriter

    from .meaning.model import Encoder

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: builds are not serialised between processes
    fcntl = None  # type: ignore[assignment]

# whoosh3 names damaged postings CorruptIndexError; whoosh-reloaded has no such class.
_CORRUPT: tuple[type[Exception], ...] = tuple(
    c for c in (getattr(whoosh_reading, "CorruptIndexError", None),) if c is not None)

# "vectors 2": every build carries its passage vectors and token table (or records that the
# model was missing), so builds made before them are rebuilt.
FORMAT = (f"chunker {CHUNKER_VERSION}, analysis {ANALYSIS_VERSION}, schema {SCHEMA_VERSION}, "
          "vectors 2")
CURRENT = "CURRENT"
# Files a search by words never reads: their checksums are checked when first used, not at open.
CHECKED_WHEN_USED = (vectors.VECTORS, tokens.TOKENS)
BUILDS = "builds"
MANIFEST = "manifest.json"
ACRONYMS = "acronyms.json"  # the acronyms the corpus defines, learned at build time
# Whoosh's writer sorts postings in memory up to a limit, then spills sorted runs to disk and
# merges them at the end. A spill pickles every posting out and back in, which doubled the build
# of a collection that fits in 512 MB (up to about 15,000 passages, some 250 reviews, at a peak of
# about 700 MB); beyond that one spill or many cost alike, so a build that cannot fit spills in
# small runs and keeps its memory low.
FITS_IN_MEMORY = 15_000  # passages


KEEP_BUILDS = 2  # the current build and the one before it, which open readers may still use

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Manifest:
    fingerprint: str
    format: str
    built_at: str
    seconds: float
    passages: int
    documents: tuple[Document, ...]
    files: tuple[tuple[str, int, int], ...] = ()
    """Each file of the build but the manifest: name, bytes, CRC-32. Whoosh checks none of its
    bytes, and a damaged field-length table gives wrong scores without an error."""
    model: str = ""
    """The embedding model (name, version, configuration) of the build's vectors; "" when it
    was built without it (the model was unavailable): then it searches by words only."""
    dim: int = 0
    model_files: str = ""
    """The model's files when the build was made (`model.stamp()`)."""

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["documents"] = [d.to_dict() for d in self.documents]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Manifest:
        return cls(
            fingerprint=data["fingerprint"],
            format=data["format"],
            built_at=data["built_at"],
            seconds=float(data["seconds"]),
            passages=int(data["passages"]),
            documents=tuple(Document.from_dict(d) for d in data["documents"]),
            files=tuple((str(n), int(b), int(c)) for n, b, c in data.get("files", ())),
            model=str(data.get("model", "")),
            dim=int(data.get("dim", 0)),
            model_files=str(data.get("model_files", "")),
        )


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
            _check_files(self.path, self.manifest, only=tokens.TOKENS)
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
            _check_files(self.path, self.manifest, only=vectors.VECTORS)
        return vectors.open_rows(self.path, self.manifest.model, self.manifest.dim, rows)

    def size(self) -> int:
        return sum(f.stat().st_size for f in self.path.iterdir() if f.is_file())

    def close(self) -> None:
        """Close the build's searcher and its files (a process done with the build)."""
        if "_searcher" in self.__dict__:
            self._searcher.close()


def fingerprint(config: Config) -> str:
    """What the index is built from: corpus bytes, catalog and code versions."""
    digest = hashlib.sha256(FORMAT.encode())
    documents = load_catalog(config.corpus)  # first: its errors say what is wrong and what to do
    try:
        digest.update(catalog_path(config.corpus).read_bytes())
    except OSError as exc:
        raise CorpusError(f"{catalog_path(config.corpus)} cannot be read: {exc.strerror}") from exc
    for document in documents:
        path = config.corpus / document.file
        try:
            digest.update(hashlib.sha256(path.read_bytes()).digest())
        except OSError as exc:
            raise CorpusError(
                f"{document.id}: {path} cannot be read: {exc.strerror}",
                f"restore the file, or run `gcm-search remove {document.id}`",
            ) from exc
    return digest.hexdigest()


def load_passages(config: Config) -> tuple[tuple[Document, ...], list[Passage]]:
    """Read and chunk every document of the corpus, in catalog order, with inferred tags."""
    documents, passages = _chunked(config)
    return documents, _understood(passages)[0]


def _understood(chunked: Sequence[Passage]) -> tuple[list[Passage], Encoder | None,
                                                     dict[str, Any]]:
    """The passages with their inferred objectives, the model (None when unavailable) and
    their vectors by id."""
    from .meaning.infer import understood  # the tagger and the model: only a build needs them

    passages, encoder, rows = understood(chunked)
    return list(passages), encoder, vectors.by_id(passages, rows) if rows is not None else {}


def _chunked(config: Config, known: Mapping[str, Sequence[Passage]] | None = None,
             ) -> tuple[tuple[Document, ...], list[Passage]]:
    """Every document of the catalog and its passages; those in `known` (just read by `add`)
    are not read again."""
    from . import corpus  # the readers and the chunker: loaded only when something is built
    from .passages import chunk

    known = known or {}
    documents = load_catalog(config.corpus)
    passages: list[Passage] = []
    for document in documents:
        if document.id in known:
            passages.extend(known[document.id])
            continue
        source = corpus.source_of(config, document)
        passages.extend(chunk(document, source.text, source.blocks))
    return documents, passages


def current_build(index_dir: Path) -> Path | None:
    try:
        name = (index_dir / CURRENT).read_text(encoding="utf-8").strip()
    except (FileNotFoundError, UnicodeDecodeError):
        return None  # no build, or a pointer that names none: the next build replaces it
    except OSError as exc:
        raise IndexUnavailable(f"cannot read {index_dir / CURRENT}: {exc.strerror}") from exc
    path = index_dir / BUILDS / name
    return path if name and "/" not in name and path.is_dir() else None


def read_manifest(build: Path) -> Manifest | None:
    try:
        return Manifest.from_dict(json.loads((build / MANIFEST).read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def is_fresh(config: Config) -> bool:
    build = current_build(config.index)
    manifest = read_manifest(build) if build else None
    return _matches(manifest, fingerprint(config))


def _matches(manifest: Manifest | None, wanted: str) -> bool:
    """Whether a build's manifest says it was made from this corpus by this code."""
    return (manifest is not None and manifest.fingerprint == wanted and manifest.format == FORMAT
            and vectors.is_current(manifest.model, manifest.model_files))


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
    if build_dir is None or manifest is None or not _matches(manifest, wanted):
        return None
    return open_build(build_dir, manifest, built_now)


def open_build(build_dir: Path, manifest: Manifest, built_now: bool = False) -> OpenIndex:
    """Open one finished build, checking that its files are those it was built with."""
    with damage_is_reported(build_dir):
        _check_files(build_dir, manifest)
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


def _checksums(build_dir: Path) -> tuple[tuple[str, int, int], ...]:
    return tuple((p.name, p.stat().st_size, _crc32(p)) for p in sorted(build_dir.iterdir())
                 if p.is_file() and p.name != MANIFEST and not p.name.endswith("WRITELOCK"))


def _crc32(path: Path) -> int:
    # In pieces: a large build is hundreds of megabytes, which must not all be held at once.
    crc = 0
    with path.open("rb") as handle:
        while piece := handle.read(1 << 20):
            crc = zlib.crc32(piece, crc)
    return crc


def _check_files(build_dir: Path, manifest: Manifest, only: str | None = None) -> None:
    """Every file the manifest lists (or `only` that one; the vectors are checked when they are
    first used), with the size and bytes it was built with."""
    for name, size, crc in manifest.files:
        if (name != only) if only else (name in CHECKED_WHEN_USED):
            continue
        path = build_dir / name
        if not path.is_file():
            problem = "is missing"
        elif path.stat().st_size != size or _crc32(path) != crc:
            problem = "is not as it was built"
        else:
            continue
        raise IndexUnavailable(f"the index in {build_dir} is damaged ({name} {problem})",
                               "run `gcm-search index --rebuild`")


@contextlib.contextmanager
def damage_is_reported(build_dir: Path) -> Iterator[None]:
    """Turn what Whoosh raises on damaged files into one clear error with the way out."""
    try:
        yield
    except IndexUnavailable:
        raise
    except (OSError, EOFError, ValueError, KeyError, IndexError, struct.error, zlib.error,
            pickle.UnpicklingError, whoosh_index.IndexError, *_CORRUPT) as exc:
        raise IndexUnavailable(f"the index in {build_dir} is damaged ({exc.__class__.__name__})",
                               "run `gcm-search index --rebuild`") from exc


def build(config: Config, *, force: bool = False, progress: Progress | None = None,
          jobs: int | None = None) -> Manifest:
    """Build the index aside and swap it in, in `jobs` processes (default: every core this
    process may use, one for a few documents); return its manifest.

    Unless `force`, a build that another process finished while we waited for the lock is kept.
    """
    with writing(config):
        if not force:
            existing = current_build(config.index)
            manifest = read_manifest(existing) if existing else None
            if manifest is not None and _matches(manifest, fingerprint(config)):
                return manifest
        return _rebuild(config, progress, jobs=jobs)


def _rebuild(config: Config, progress: Progress | None,
             already: Mapping[str, Sequence[Passage]] | None = None,
             jobs: int | None = None) -> Manifest:
    """A full build: the documents prepared in `jobs` processes (`search.prepare`), each run of
    them written as a segment by the process that prepared it (`search.segment`); rankings do
    not depend on how many processes made it. `progress(done, total)` counts documents."""
    from .prepare import (
        default_jobs,
        items,
        joined_acronyms,
        joined_facets_of,
        joined_vectors,
        prepare,
    )
    from .segment import join

    documents = load_catalog(config.corpus)
    encoder = vectors.encoder_or_none()

    def fill(path: Path) -> Filled:
        whoosh_index.create_in(str(path), schema()).close()
        prepared = prepare(config, items(documents, already or {}, DOCUMENT_ORDER), path,
                           with_model=encoder is not None,
                           jobs=jobs or default_jobs(len(documents)), progress=progress)
        join(path, [p.part for p in prepared if p.part is not None])
        return Filled(joined_acronyms(prepared),
                      joined_vectors(prepared) if encoder is not None else None,
                      joined_facets_of(prepared))

    return _publish(config, documents, fill, encoder, {})


def update(config: Config, *, added: Sequence[str] = (), removed: Sequence[str] = (),
           replaced: Sequence[str] = (), chunked: Mapping[str, Sequence[Passage]] | None = None,
           progress: Progress | None = None, jobs: int | None = None) -> Manifest:
    """Bring the index in step with the corpus after documents were added, replaced (ids in
    both `added` and `replaced`) or removed. An addition touches only the new documents: the
    current build is copied aside, extended, and swapped in. A removal or a replacement, or a
    missing or older build, is a full build. `chunked`: the passages of documents the caller
    has just read, by id, so they are not read again; `jobs`: the processes of a full build.
    Call it under `writing()`."""
    current = current_build(config.index)
    manifest = read_manifest(current) if current else None
    documents = load_catalog(config.corpus)
    # A build that is not the catalog without the new documents (an earlier `add` was killed
    # after writing the catalog, say) would be extended into a wrong index: rebuild instead.
    stale = manifest is None or manifest.documents != tuple(
        d for d in documents if d.id not in added)
    if current is None or manifest is None or manifest.format != FORMAT or removed or \
            replaced or stale:
        # A removal rebuilds: Whoosh keeps deleted passages in its BM25 statistics, and
        # scores must be those of the corpus as it is.
        return _rebuild(config, progress, chunked, jobs)
    from . import corpus
    from .passages import chunk

    new: list[Passage] = []
    for document in (d for d in documents if d.id in added):
        if chunked and document.id in chunked:
            new.extend(chunked[document.id])
            continue
        source = corpus.source_of(config, document)
        new.extend(chunk(document, source.text, source.blocks))
    new, encoder, known = _understood(new)

    def fill(path: Path) -> Filled:
        shutil.rmtree(path)
        shutil.copytree(current, path)
        (path / MANIFEST).unlink()
        ix = whoosh_index.open_dir(str(path))
        with ix.searcher() as searcher:
            last = searcher.search(Every(), sortedby=ORDER_FIELD, reverse=True, limit=1)
            base = (int(last[0][ORDER_FIELD]) // DOCUMENT_ORDER + 1) if len(last) else 0
        writer = ix.writer(procs=1, limitmb=_writer_mb(0))
        try:
            for doc_id in added:  # a document added again replaces its old passages
                writer.delete_by_term("doc", doc_id)
            writer.commit()
        except BaseException:
            _cancel(writer)
            raise
        _add(ix, new, _order_base(new, start=base), progress)
        learned = _learned(path)
        learned.update(learn(p.text for p in new))
        return Filled(learned)

    return _publish(config, documents, fill, encoder, known, reuse=current)


DOCUMENT_ORDER = 1_000_000
"""Passage order = document number x this + position: documents in catalog order. A full build
numbers documents by their place in the catalog; an addition numbers the new ones on from the
last."""


def _order_base(passages: Sequence[Passage], start: int = 0) -> dict[str, int]:
    bases: dict[str, int] = {}
    for passage in passages:
        bases.setdefault(passage.doc, (start + len(bases)) * DOCUMENT_ORDER)
    return bases


def _writer_mb(passages: int) -> int:
    return 512 if passages <= FITS_IN_MEMORY else 128


def _add(ix: Index, passages: Sequence[Passage], bases: dict[str, int],
         progress: Progress | None) -> None:
    writer = ix.writer(procs=1, limitmb=_writer_mb(len(passages)))
    try:
        for done, passage in enumerate(passages, start=1):
            writer.add_document(**to_fields(passage, bases[passage.doc] + passage.position))
            if progress:
                progress(done, len(passages))
        writer.commit()
    except BaseException:
        _cancel(writer)
        raise
    finally:
        ix.close()


def _cancel(writer: IndexWriter) -> None:
    # A writer whose commit failed (a full disk) is closed already; cancelling it again would
    # raise "This writer is closed" instead of what went wrong.
    from whoosh.writing import IndexingError  # a writer's module: opening a build never needs it

    with contextlib.suppress(IndexingError):
        writer.cancel()


def _learned(build_dir: Path) -> dict[str, tuple[str, ...]]:
    try:
        data = json.loads((build_dir / ACRONYMS).read_text(encoding="utf-8"))
        return {k: tuple(v) for k, v in data.items()}
    except (OSError, ValueError, AttributeError):
        return {}


@dataclass
class Filled:
    """What a build's `fill` made besides its index: the acronyms its passages define, and (a
    full build, with the model) its vectors, a row per passage in the index's order."""

    acronyms: dict[str, tuple[str, ...]]
    rows: Any = None
    facets: FacetPostings | None = None
    """The facets of a full build, from its runs (else read from the index)."""


def _publish(config: Config, documents: tuple[Document, ...],
             fill: Callable[[Path], Filled], encoder: Encoder | None,
             known: dict[str, Any], reuse: Path | None = None) -> Manifest:
    """Make a build aside with `fill`, record its manifest, and swap it in atomically.

    With the model, the build gets its vectors: those `fill` made (a full build); else those
    `known` by passage id, then those of the `reuse` build (the one an addition extends), the
    rest embedded now."""
    started = time.perf_counter()
    model_files = model.stamp()
    builds = config.index / BUILDS
    _remove_stale_temporaries(builds)
    temporary = builds / f".tmp-{uuid.uuid4().hex[:12]}"
    try:
        temporary.mkdir(parents=True)
        filled = fill(temporary)
        rows = filled.rows
        with whoosh_index.open_dir(str(temporary)).searcher() as searcher:
            count = searcher.doc_count()
            write_facets(temporary, filled.facets if filled.facets is not None
                         else read_facets(searcher))
            if encoder is not None:
                if rows is not None and len(rows) == count:
                    vectors.save(temporary, rows)
                else:
                    vectors.write(temporary, searcher.reader(), encoder, known,
                                  vectors.previous(reuse))
                _write_tokens(temporary, encoder, model_files, current_build(config.index))
        (temporary / ACRONYMS).write_text(json.dumps(filled.acronyms, indent=2, ensure_ascii=False),
                                          encoding="utf-8")
        manifest = Manifest(
            fingerprint=fingerprint(config),
            format=FORMAT,
            built_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            seconds=round(time.perf_counter() - started, 3),
            passages=count,
            documents=documents,
            files=_checksums(temporary),
            model=encoder.name if encoder is not None else "",
            dim=encoder.dim if encoder is not None else 0,
            model_files=model_files,
        )
        (temporary / MANIFEST).write_text(json.dumps(manifest.to_dict(), indent=2),
                                          encoding="utf-8")
        final = builds / f"{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}"
        temporary.rename(final)
    except OSError as exc:
        shutil.rmtree(temporary, ignore_errors=True)
        raise write_error(config.index, exc) from exc
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise
    previous = current_build(config.index)
    try:
        _swap(config.index, final.name)
    except BaseException as exc:
        shutil.rmtree(final, ignore_errors=True)  # never CURRENT: its space goes back now
        if isinstance(exc, OSError):
            raise write_error(config.index, exc) from exc
        raise
    # Readers that opened the previous build may still be using it; older ones go.
    _prune(builds, keep={final.name, previous.name if previous else ""})
    return manifest


def _write_tokens(build_dir: Path, encoder: Encoder, model_files: str,
                  current: Path | None) -> None:
    """The model's token table in `build_dir`: the current build's, linked (builds never change
    a file), when it is this model's and as it was built, since the table is the model's alone
    (writing it again took half a second); else written."""
    path = build_dir / tokens.TOKENS
    manifest = read_manifest(current) if current is not None and not path.exists() else None
    if current is not None and manifest is not None and manifest.model == encoder.name and \
            manifest.model_files == model_files:
        try:
            _check_files(current, manifest, only=tokens.TOKENS)
            os.link(current / tokens.TOKENS, path)
            return
        except (IndexUnavailable, OSError):
            pass  # damaged, or a file system without links: written anew
    tokens.write(build_dir, encoder)


def write_error(index_dir: Path, exc: OSError) -> IndexUnavailable:
    """What a failed write of the index means to a user, and what to do about it."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return IndexUnavailable(
            f"the disk is full: cannot write the index in {index_dir} ({exc.strerror})",
            "free some space and run the command again; the index in use is unchanged")
    return IndexUnavailable(f"cannot write the index in {index_dir}: {exc.strerror}",
                            "pass --index-dir (or GCM_SEARCH_INDEX) a writable folder")


def _swap(index_dir: Path, name: str) -> None:
    pointer = index_dir / f"{CURRENT}.{uuid.uuid4().hex[:8]}.tmp"
    try:
        with open(pointer, "w", encoding="utf-8") as out:
            out.write(name + "\n")
            out.flush()
            os.fsync(out.fileno())
        os.replace(pointer, index_dir / CURRENT)
    except BaseException:
        pointer.unlink(missing_ok=True)
        raise


def _prune(builds: Path, keep: set[str]) -> None:
    for path in builds.iterdir():
        if path.is_dir() and not path.name.startswith(".") and path.name not in keep:
            shutil.rmtree(path, ignore_errors=True)


def _remove_stale_temporaries(builds: Path) -> None:
    # Only called under the writer lock, so no other build owns these.
    if builds.is_dir():
        for path in builds.glob(".tmp-*"):
            shutil.rmtree(path, ignore_errors=True)
    for pointer in builds.parent.glob(f"{CURRENT}.*.tmp"):  # a swap killed before its rename
        pointer.unlink(missing_ok=True)


@contextlib.contextmanager
def writing(config: Config) -> Iterator[None]:
    """Hold the one writer's lock: for a build, or for a change to the corpus and its index."""
    with _writer_lock(config.index):
        yield


@contextlib.contextmanager
def _writer_lock(index_dir: Path) -> Iterator[None]:
    try:
        index_dir.mkdir(parents=True, exist_ok=True)
        handle = open(index_dir / ".lock", "a+")  # noqa: SIM115 - held for the whole build
    except OSError as exc:
        raise write_error(index_dir, exc) from exc
    try:
        if fcntl is not None:
            # Blocks while another process builds; it is released even if that one is killed.
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        yield
    except PermissionError as exc:
        raise IndexUnavailable(f"cannot write the index in {index_dir}: {exc.strerror}",
                               "pass --index-dir (or GCM_SEARCH_INDEX) a writable folder") from exc
    finally:
        handle.close()
