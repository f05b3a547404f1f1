"""Building the index aside and swapping it in atomically: the only writer of an index.

A full build prepares documents on every core (`prepare`: read, chunk, tag, embed, infer,
analyse), each run of documents written as a segment by the process that prepared it
(`segment`), so that it answers the same whatever the number of processes. An addition extends a
copy of the current build. Either way the new build is made in a temporary folder and swapped in
by replacing CURRENT (`folder`): a reader reads CURRENT once and opens that build, a build never
touches a build in use, so a crash or Ctrl-C mid-build leaves the previous index answering.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from whoosh import index as whoosh_index
from whoosh.index import Index
from whoosh.query import Every

from ..acronyms import learn
from ..catalog import load_catalog
from ..config import Config
from ..errors import IndexUnavailable
from ..meaning import model, tokens, vectors
from ..models import Document, Passage
from .folder import (
    ACRONYMS,
    BUILDS,
    CURRENT,
    FORMAT,
    MANIFEST,
    Manifest,
    Progress,
    check_files,
    checksums,
    current_build,
    fingerprint,
    matches,
    read_manifest,
    write_error,
    writing,
)
from .postings import FacetPostings, read_facets, write_facets
from .schema import ORDER_FIELD, schema, to_fields

if TYPE_CHECKING:
    from whoosh.writing import IndexWriter

    from ..meaning.model import Encoder


# Whoosh's writer sorts postings in memory up to a limit, then spills sorted runs to disk and
# merges them at the end. A spill pickles every posting out and back in, which doubled the build
# of a collection that fits in 512 MB (up to about 15,000 passages, some 250 reviews, at a peak of
# about 700 MB); beyond that one spill or many cost alike, so a build that cannot fit spills in
# small runs and keeps its memory low.
FITS_IN_MEMORY = 15_000  # passages


KEEP_BUILDS = 2  # the current build and the one before it, which open readers may still use


def load_passages(config: Config) -> tuple[tuple[Document, ...], list[Passage]]:
    """Read and chunk every document of the corpus, in catalog order, with inferred tags."""
    documents, passages = _chunked(config)
    return documents, _understood(passages)[0]


def _understood(chunked: Sequence[Passage]) -> tuple[list[Passage], Encoder | None,
                                                     dict[str, Any]]:
    """The passages with their inferred objectives, the model (None when unavailable) and
    their vectors by id."""
    from ..meaning.infer import understood  # the tagger and the model: only a build needs them

    passages, encoder, rows = understood(chunked)
    return list(passages), encoder, vectors.by_id(passages, rows) if rows is not None else {}


def _chunked(config: Config, known: Mapping[str, Sequence[Passage]] | None = None,
             ) -> tuple[tuple[Document, ...], list[Passage]]:
    """Every document of the catalog and its passages; those in `known` (just read by `add`)
    are not read again."""
    from .. import corpus  # the readers and the chunker: loaded only when something is built
    from ..passages import chunk

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
            if manifest is not None and matches(manifest, fingerprint(config)):
                return manifest
        return _rebuild(config, progress, jobs=jobs)


def _rebuild(config: Config, progress: Progress | None,
             already: Mapping[str, Sequence[Passage]] | None = None,
             jobs: int | None = None) -> Manifest:
    """A full build: the documents prepared in `jobs` processes (`prepare`), each run of them
    written as a segment by the process that prepared it (`segment`); rankings do not depend on
    how many processes made it. `progress(done, total)` counts documents."""
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

    def fill(path: Path) -> Filled:
        whoosh_index.create_in(str(path), schema()).close()
        prepared, encoder = prepare(config, items(documents, already or {}, DOCUMENT_ORDER),
                                    path, model=vectors.encoder_or_none,
                                    jobs=jobs or default_jobs(len(documents)),
                                    progress=progress)
        join(path, [p.part for p in prepared if p.part is not None])
        return Filled(joined_acronyms(prepared), encoder,
                      joined_vectors(prepared) if encoder is not None else None,
                      joined_facets_of(prepared))

    return _publish(config, documents, fill, {})


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
    from .. import corpus
    from ..passages import chunk

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
        return Filled(learned, encoder)

    return _publish(config, documents, fill, known, reuse=current)


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
    """What a build's `fill` made besides its index: the acronyms its passages define, the
    model it embedded and inferred with (None: the model was unavailable), and (a full build,
    with the model) its vectors, a row per passage in the index's order."""

    acronyms: dict[str, tuple[str, ...]]
    encoder: Encoder | None
    rows: Any = None
    facets: FacetPostings | None = None
    """The facets of a full build, from its runs (else read from the index)."""


def _publish(config: Config, documents: tuple[Document, ...],
             fill: Callable[[Path], Filled], known: dict[str, Any],
             reuse: Path | None = None) -> Manifest:
    """Make a build aside with `fill`, record its manifest, and swap it in atomically.

    With the model, the build gets its vectors: those `fill` made (a full build); else those
    `known` by passage id, then those of the `reuse` build (the one an addition extends), the
    rest embedded now."""
    from concurrent.futures import ThreadPoolExecutor  # a build's: a search never loads it

    started = time.perf_counter()
    model_files = model.stamp()
    builds = config.index / BUILDS
    _remove_stale_temporaries(builds)
    temporary = builds / f".tmp-{uuid.uuid4().hex[:12]}"
    try:
        temporary.mkdir(parents=True)
        # The corpus's fingerprint is taken as the build starts to read the corpus: a file
        # changed meanwhile then rebuilds at the next command instead of going unnoticed. Hashing
        # the corpus (a tenth of a second at 200 reviews) goes on in a thread while `fill` works.
        with ThreadPoolExecutor(1) as aside:
            fingerprinted = aside.submit(fingerprint, config)
            filled = fill(temporary)
        encoder, rows = filled.encoder, filled.rows
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
            fingerprint=fingerprinted.result(),
            format=FORMAT,
            built_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            seconds=round(time.perf_counter() - started, 3),
            passages=count,
            documents=documents,
            files=checksums(temporary),
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
            check_files(current, manifest, only=tokens.TOKENS)
            os.link(current / tokens.TOKENS, path)
            return
        except (IndexUnavailable, OSError):
            pass  # damaged, or a file system without links: written anew
    tokens.write(build_dir, encoder)


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
