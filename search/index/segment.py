"""Passages -> pre-analysed index documents -> Whoosh segments, written in bulk.

A build's passages are analysed where they are made (`analyse`, in the worker processes of
`prepare`, a run of documents at a time): every field's postings in Whoosh's own encoding, the
stemmed and the exact field from one tokenization of the text (`analysis.positions`), values
that repeat from passage to passage (an objective's titles, a country, a section) analysed once.
The writer (`write`) then has no analysis left to do: it hands Whoosh's postings writer whole
blocks of each term's postings, where `add_document` went through Whoosh's analyzers, its sorting
pool and its postings writer once per posting (two million at 200 reviews: over half of a build's
time).

Each run is written as a segment of its own, by the worker that made it (`write_part`), and the
build's index lists the runs' segments in order (`join`): the writing (pickling, compressing) is
spread over every core too, and the parent process only moves files. Whoosh scores with the
statistics of the whole index, not of a segment, so rankings do not depend on how the passages
were cut into segments (tests/test_parallel_build.py).

The segment holds what `add_document` would have written (tests/test_parallel_build.py): the
same terms, postings, blocks, lengths, stored fields and columns, so the same scores. Only its
postings file is smaller: equal position values within a block are pickled once.
"""

from __future__ import annotations

import functools
import os
import shutil
from array import array
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index
from whoosh.fields import Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.formats import Positions
from whoosh.index import Index
from whoosh.util.numeric import byte_to_length, length_to_byte

from ..models import Passage
from .analysis import language, positions
from .schema import EXACT_FIELD, ORDER_FIELD, schema, text_field, to_fields

INDEX_NAME = "MAIN"
"""The name Whoosh gives an index's files when none is asked for (`MAIN_<segment id>.seg`)."""

UNIQUE = frozenset({"id"})
"""Fields whose values never repeat: their analysis is not worth keeping."""


Posting = tuple[int, float, bytes, int]
"""A passage's number (from 0 in its run), the term's weight and encoded value in it, and the
field's length (as Whoosh's reader gives it back: rounded to a byte)."""
Postings = dict[tuple[str, bytes], list[Posting]]
"""Each (field, term bytes)'s postings, in passage order."""
Columns = tuple[array, array, list[bytes], array]
"""A term's postings as columns: passage numbers (array "I"), weights (array "f", as Whoosh
stores them), encoded values, field lengths (array "I"): a few bytes a posting where a tuple
was about a hundred (a build of 1,000 reviews holds ten million of them at once)."""


PerDoc = tuple[list[tuple[str, Any, int]], Any]
"""What the per-document writer gets for one passage: (field, stored value or None, length), in
field-name order, for the fields with a stored value or a length; and its `order` column value."""


@dataclass
class Analysed:
    """A run of consecutive passages, analysed: what the writer needs of each, and every term's
    postings."""

    docs: list[PerDoc] = field(default_factory=list)
    columns: dict[tuple[str, bytes], Columns] = field(default_factory=dict)
    """Every term's postings, by (field, term bytes)."""

    def __len__(self) -> int:
        return len(self.docs)


@functools.cache
def _schema() -> Schema:
    return schema()


def analyse(passages: Sequence[Passage], orders: Sequence[int]) -> Analysed:
    """The passages' index documents (`orders[i]` sorts passage i across documents),
    pre-analysed."""
    fields = _schema()
    run = Analysed()
    postings: Postings = {}
    # The text fields' postings by field and term string: encoded once per term, at the end.
    texts: dict[str, dict[str, list[Posting]]] = {}
    for docnum, (passage, order) in enumerate(zip(passages, orders, strict=True)):
        values = to_fields(passage, order)
        lang = language(passage.language)
        stems, plains = positions(passage.text, lang)
        fast = {text_field(lang): stems, EXACT_FIELD: plains}
        perdoc: list[tuple[str, Any, int]] = []
        for name in sorted(values):
            value = values[name]
            if value is None:
                continue
            fieldobj = fields[name]
            length = 0
            if fieldobj.indexed:
                terms = fast.get(name)
                length = (_add_positions(texts.setdefault(name, {}), docnum, terms)
                          if terms is not None else
                          _add(postings, name, docnum, _indexed(name, value), fieldobj.scorable))
            stored = value if fieldobj.stored else None
            if stored is not None or length:
                perdoc.append((name, stored, length))
            if fieldobj.column_type and name != ORDER_FIELD:  # pragma: no cover
                raise ValueError(f"{name}: only {ORDER_FIELD} may have a column")
        run.docs.append((perdoc, fields[ORDER_FIELD].to_column_value(order)))
    for name, terms in texts.items():
        postings.update(((name, term.encode("utf-8")), found) for term, found in terms.items())
    run.columns = {key: _columns(found) for key, found in postings.items()}
    return run


def _columns(postings: list[Posting]) -> Columns:
    docnums, weights, values, lengths = zip(*postings, strict=True)
    return array("I", docnums), array("f", weights), list(values), array("I", lengths)


Items = Sequence[tuple[bytes, int, float, bytes]]
"""(term bytes, frequency, weight, encoded value) of one field of one document: what Whoosh's
`FieldType.index` gives."""


def _add(postings: Postings, name: str, docnum: int, items: Items, scorable: bool) -> int:
    length = sum(freq for _, freq, _, _ in items) if scorable else 0
    # What Whoosh's writer reads back from the lengths column for each posting.
    rounded = byte_to_length(length_to_byte(length)) if length else 0
    for tbytes, _, weight, vbytes in items:
        found = postings.get((name, tbytes))
        if found is None:
            postings[(name, tbytes)] = [(docnum, weight, vbytes, rounded)]
        else:
            found.append((docnum, weight, vbytes, rounded))
    return length


def _add_positions(postings: dict[str, list[Posting]], docnum: int,
                   terms: dict[str, list[int]]) -> int:
    """`_add` for a text field, from its terms' positions: the items Whoosh's `Positions`
    format makes (weight: the frequency, each position having a boost of 1), made here."""
    length = sum(map(len, terms.values()))
    rounded = byte_to_length(length_to_byte(length)) if length else 0
    single = _SINGLE
    for term, where in terms.items():
        if len(where) == 1:
            value = single.get(where[0])
            if value is None:
                value = single[where[0]] = _FORMAT.encode(where)
            posting = (docnum, 1.0, value, rounded)
        else:
            posting = (docnum, float(len(where)), _encoded(tuple(where)), rounded)
        found = postings.get(term)
        if found is None:
            postings[term] = [posting]
        else:
            found.append(posting)
    return length


_FORMAT = Positions()


@functools.lru_cache(maxsize=100_000)
def _encoded(where: tuple[int, ...]) -> bytes:
    return _FORMAT.encode(list(where))


_SINGLE: dict[int, bytes] = {}
"""The value of a term that occurs once, by its position: most terms of a passage, at one of a
few hundred positions."""


def _indexed(name: str, value: Any) -> Items:
    if name in UNIQUE:
        return list(_schema()[name].index(value))
    return _indexed_repeating(name, value)


@functools.lru_cache(maxsize=20_000)
def _indexed_repeating(name: str, value: Any) -> Items:
    """A field value that recurs (an objective's titles, a country, a section), analysed once."""
    return tuple(_schema()[name].index(value))


def write(ix: Index, run: Analysed) -> None:
    """Write `run` as the one segment of the empty index `ix`."""
    fields = _schema()
    writer = ix.writer(procs=1)
    try:
        if writer.segments:  # pragma: no cover - a fresh build only
            raise ValueError("segment.write writes the first segment of an empty index")
        _per_document(writer, fields, run)
        _postings(writer, fields, run)
        writer.docnum = len(run)
        writer._added = True  # commit() then writes the segment, its postings already in it
        writer.commit()
    except BaseException:
        from contextlib import suppress

        from whoosh.writing import IndexingError

        with suppress(IndexingError):
            writer.cancel()
        raise
    finally:
        ix.close()


def write_part(folder: Path, run: Analysed) -> None:
    """`run` as the one segment of a new index in `folder` (a part of a build, see `join`)."""
    folder.mkdir()
    write(whoosh_index.create_in(str(folder), _schema()), run)


def join(folder: Path, parts: Sequence[Path]) -> None:
    """The segments of the indexes in `parts`, in order, as the segments of the empty index in
    `folder` (the parts' files are moved into it, and the parts removed).

    Whoosh names a segment's files after its index and a random id (`MAIN_3kx0q2vw9a1c.seg`), so
    they keep their names; its table of contents (a pickled list of segments, with their
    passage counts) is written once, listing them all."""
    storage = FileStorage(str(folder))
    toc = whoosh_index.TOC.read(storage, INDEX_NAME)
    if toc.segments:  # pragma: no cover - `prepare` joins into a fresh index
        raise ValueError("segment.join joins into an empty index")
    segments = []
    for part in parts:
        found = whoosh_index.TOC.read(FileStorage(str(part)), INDEX_NAME)
        for segment in found.segments:
            prefix = f"{segment.segment_id()}."
            for name in os.listdir(part):
                if name.startswith(prefix):
                    os.replace(part / name, folder / name)
            segments.append(segment)
        shutil.rmtree(part)
    whoosh_index.TOC(toc.schema, segments, toc.generation + 1).write(
        storage, INDEX_NAME)
    (folder / whoosh_index.TOC._filename(INDEX_NAME, toc.generation)).unlink()


def _per_document(writer: Any, fields: Schema, run: Analysed) -> None:
    """Stored fields, lengths and the order column, as `add_document` gives them to the
    per-document writer (in field-name order, so that stored fields pickle alike)."""
    perdoc = writer.perdocwriter
    column_type = fields[ORDER_FIELD].column_type
    for docnum, (entries, column) in enumerate(run.docs):
        perdoc.start_doc(docnum)
        for name, stored, length in entries:
            perdoc.add_field(name, fields[name], stored, length)
        perdoc.add_column_value(ORDER_FIELD, column_type, column)
        perdoc.finish_doc()


def _postings(writer: Any, fields: Schema, run: Analysed) -> None:
    """Every term's postings, in term order."""
    out = writer.fieldwriter
    current: str | None = None
    bulk: bool | None = None
    for key in sorted(run.columns):
        name, tbytes = key
        if name != current:
            if current is not None:
                out.finish_field()
            out.start_field(name, fields[name])
            current = name
            bulk = None
        columns = run.columns[key]
        out.start_term(tbytes)
        if bulk is None:  # the postings writer's block exists once a term has started
            bulk = _can_bulk(out._postwriter)
        if bulk:
            _add_blocks(out._postwriter, columns)
        else:
            for docnum, weight, value, length in zip(*columns, strict=True):
                out.add(docnum, weight, value, length or None)
        out.finish_term()
    if current is not None:
        out.finish_field()


_BLOCKS = ("_blocklimit", "_ids", "_weights", "_values", "_maxweight", "_minlength",
           "_maxlength", "_write_block", "_byteids")


def _can_bulk(writer: Any) -> bool:
    """Whether Whoosh's postings writer is the one `_add_blocks` knows (the W3 codec's, in
    whoosh3 and whoosh-reloaded); another gets the postings one at a time."""
    return all(hasattr(writer, name) for name in _BLOCKS) and not writer._byteids


def _add_blocks(writer: Any, columns: Columns) -> None:
    """One term's postings into Whoosh's postings writer, a block at a time.

    What `add_posting` does one posting at a time (fill a block of `blocklimit`, write it when
    the next posting comes, keep the block's largest weight and its shortest and longest field
    lengths), done per block on whole columns."""
    docnums, weights, values, lengths = columns
    limit = writer._blocklimit
    for start in range(0, len(docnums), limit):
        if start:
            writer._write_block()  # as add_posting does when the next posting finds it full
        end = start + limit
        present = [n for n in lengths[start:end] if n]
        block_weights = weights[start:end]
        writer._ids = docnums[start:end]
        writer._weights = block_weights
        # Equal values are one object already (`analyse` encodes each once), which a block's
        # pickle writes once.
        writer._values = [v for v in values[start:end] if v]
        writer._maxweight = max(0, *block_weights)
        writer._minlength = min(present) if present else None
        writer._maxlength = max(present) if present else 0
