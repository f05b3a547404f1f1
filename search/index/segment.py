"""Passages -> pre-analysed index documents -> Whoosh segments, written in bulk.

A build's passages are analysed where they are made (`analyse`, in the worker processes of
`prepare`, a run of documents at a time): every field's postings in Whoosh's own encoding, the
stemmed and the exact field from one tokenization of the text, its words numbered
(`analysis.word_numbers`) and made into postings for the whole run at once with numpy; values
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
import threading
from array import array
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from types import SimpleNamespace
from typing import Any, NamedTuple

import numpy as np
from whoosh import index as whoosh_index
from whoosh.fields import Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.formats import Positions
from whoosh.index import Index
from whoosh.util.numeric import byte_to_length, length_to_byte

from ..models import Passage
from .analysis import LANGUAGES, forget_words, language, word_numbers, word_terms
from .schema import EXACT_FIELD, ORDER_FIELD, schema, text_field, to_fields

INDEX_NAME = "MAIN"
"""The name Whoosh gives an index's files when none is asked for (`MAIN_<segment id>.seg`)."""

UNIQUE = frozenset({"id"})
"""Fields whose values never repeat: their analysis is not worth keeping."""


PerDoc = tuple[list[tuple[str, Any, int]], Any]
"""What the per-document writer gets for one passage: (field, stored value or None, length), in
field-name order, for the fields with a stored value or a length; and its `order` column value."""

Term = tuple[str, bytes]
"""A field and one of its terms, as Whoosh writes them (the term's bytes)."""


@dataclass
class Analysed:
    """A run of consecutive passages, analysed: what the writer needs of each, and every term's
    postings as columns over all of the run's postings, term after term in the order they are
    written (by field name, then term bytes), each term's in passage order.

    A few bytes a posting, where a tuple was about a hundred: a run of 100 reviews has about a
    million postings."""

    docs: list[PerDoc]
    terms: list[Term]
    starts: np.ndarray
    """Term i's postings are [starts[i], starts[i + 1]) of the columns (int64)."""
    docnums: np.ndarray
    """Each posting's passage number, from 0 in the run (uint32)."""
    weights: np.ndarray
    """The term's weight in the passage, as Whoosh stores it (float32)."""
    values: list[bytes]
    """The term's value in the passage, in Whoosh's encoding; equal values are one object,
    which a block's pickle writes once."""
    lengths: np.ndarray
    """The field's length in the passage as Whoosh's reader gives it back (rounded to a byte),
    0 for a field without lengths (uint32)."""

    def __len__(self) -> int:
        return len(self.docs)

    def passages(self, fields: Collection[str]) -> dict[Term, list[int]]:
        """The passage numbers of each term of `fields`."""
        starts = self.starts.tolist()
        return {term: self.docnums[starts[i]:starts[i + 1]].tolist()
                for i, term in enumerate(self.terms) if term[0] in fields}


@functools.cache
def _schema() -> Schema:
    return schema()


def analyse(passages: Sequence[Passage], orders: Sequence[int]) -> Analysed:
    """The passages' index documents (`orders[i]` sorts passage i across documents),
    pre-analysed.

    The text (its stemmed and its exact field: nine postings in ten) is numbered word by word
    (`analysis.word_numbers`: one lookup a token, in C) and made into postings for the whole
    run at once (`_text_postings`). The other fields' values recur from passage to passage
    (an objective's titles, a country, a section) and are analysed once each (`_Others`)."""
    # One run at a time in a process: its word numbers index the process's table of words,
    # which the next run may empty (`forget_words`).
    with _ANALYSING:
        return _analysed(passages, orders)


_ANALYSING = threading.Lock()


def _analysed(passages: Sequence[Passage], orders: Sequence[int]) -> Analysed:
    fields = _schema()
    # Between runs: the word numbers below hold until the run is analysed, and equal values are
    # one object within it.
    forget_words()
    if len(_ENCODED) > ENCODED_KEPT:
        _ENCODED.clear()
    numbers = array("i")
    counts = array("q")  # each passage's tokens
    documents: list[tuple[dict[str, Any], str]] = []
    for passage, order in zip(passages, orders, strict=True):
        lang = language(passage.language)
        before = len(numbers)
        numbers.extend(word_numbers(passage.text, lang))
        counts.append(len(numbers) - before)
        documents.append((to_fields(passage, order), text_field(lang)))
    tokens = _tokens(np.frombuffer(numbers, np.int32), np.frombuffer(counts, np.int64))
    stemmed_lengths = np.bincount(tokens.docnums[tokens.stemmed], minlength=len(counts))
    # Each indexed field's length in each passage: the text fields' from their tokens, the
    # others' as their values are analysed, a field at a time.
    lengths: dict[str, list[int]] = {EXACT_FIELD: counts.tolist()}
    lengths.update((text_field(lang), stemmed_lengths.tolist()) for lang in LANGUAGES)
    terms: dict[Term, int] = {}
    others = _Others(terms)
    for name in sorted(set().union(*(values for values, _ in documents))):
        fieldobj = fields[name]
        if fieldobj.indexed and name not in lengths:
            lengths[name] = others.add(name, [values.get(name) for values, _ in documents],
                                       fieldobj.scorable)
    unindexed = [0] * len(documents)
    docs: list[PerDoc] = []
    for docnum, (values, _) in enumerate(documents):
        perdoc: list[tuple[str, Any, int]] = []
        for name, stored in _plan(tuple(values)):
            value = values[name]
            if value is None:
                continue
            length = lengths.get(name, unindexed)[docnum]
            if stored or length:
                perdoc.append((name, value if stored else None, length))
        docs.append((perdoc, fields[ORDER_FIELD].to_column_value(values[ORDER_FIELD])))
    text = _text_postings(tokens, stemmed_lengths, np.frombuffer(counts, np.int64), terms)
    return _in_order(docs, terms, [text, others.postings()])


@functools.cache
def _plan(names: tuple[str, ...]) -> list[tuple[str, bool]]:
    """Fields `names` (of `to_fields`) in the order they go to the per-document writer (by
    name), each with whether it is stored."""
    fields = _schema()
    for name in names:
        if fields[name].column_type and name != ORDER_FIELD:  # pragma: no cover
            raise ValueError(f"{name}: only {ORDER_FIELD} may have a column")
    return [(name, bool(fields[name].stored)) for name in sorted(names)]


Postings = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]
"""Postings of some terms: term numbers (int64), passage numbers (uint32), weights (float32),
values (an object array of bytes), rounded field lengths (uint32); each term's in passage
order."""


def _in_order(docs: list[PerDoc], terms: dict[Term, int], parts: Sequence[Postings]) -> Analysed:
    """The run, with its postings (`parts`, each of other terms, numbered in `terms`) in
    writing order."""
    keys = list(terms)
    rank = np.empty(len(keys), np.int64)
    rank[sorted(range(len(keys)), key=keys.__getitem__)] = np.arange(len(keys))
    numbers, docnums, weights, values, lengths = (np.concatenate(column)
                                                  for column in zip(*parts, strict=True))
    ranks = rank[numbers]
    order = _stable_order(ranks)  # stable: a term's postings stay in passage order
    starts = np.zeros(len(keys) + 1, np.int64)
    np.cumsum(np.bincount(ranks, minlength=len(keys)), out=starts[1:])
    return Analysed(docs, sorted(keys), starts, docnums[order], weights[order],
                    values[order].tolist(), lengths[order])


def _stable_order(keys: np.ndarray) -> np.ndarray:
    """`np.argsort(keys, kind="stable")` of keys of 0 or more, in a third of the time: each key
    made unique by its index (key x n + index), these sorted by numpy's vectorised sort (a
    stable argsort of integers is a merge sort), the indexes taken back."""
    count = len(keys)
    if not count or int(keys.max()) >= (1 << 62) // count:
        return np.argsort(keys, kind="stable")
    return np.sort(keys.astype(np.int64) * count + np.arange(count)) % count


class _Tokens(NamedTuple):
    """A run's tokens in passage and position order."""

    numbers: np.ndarray
    """The word numbers (`analysis.word_numbers`)."""
    docnums: np.ndarray
    positions: np.ndarray
    """In the passage, counting every token (the exact field's positions)."""
    stemmed: np.ndarray
    """Whether the token has a stemmed term (is not a stop word)."""


def _tokens(numbers: np.ndarray, counts: np.ndarray) -> _Tokens:
    """The tokens of passages that have `counts` of them, numbered `numbers` in order."""
    docnums = np.repeat(np.arange(len(counts), dtype=np.uint32), counts)
    positions = np.arange(len(numbers)) - np.repeat(np.cumsum(counts) - counts, counts)
    stemmed = np.array([bool(stem) for _, stem, _ in word_terms()], dtype=bool)
    return _Tokens(numbers, docnums, positions, stemmed[numbers])


def _text_postings(tokens: _Tokens, stemmed_lengths: np.ndarray, exact_lengths: np.ndarray,
                   terms: dict[Term, int]) -> Postings:
    """The postings of the text fields (the stemmed one of each passage's language, and the
    exact one), their terms numbered into `terms`: what Whoosh's `Positions` format makes of
    each term in a passage (weight: its frequency, a boost of 1 for each position; value: its
    positions)."""
    stemmed_numbers, exact_numbers = _term_numbers(tokens.numbers, terms)
    kept = tokens.stemmed
    stemmed_docnums = tokens.docnums[kept]
    numbers = np.concatenate([stemmed_numbers[tokens.numbers[kept]],
                              exact_numbers[tokens.numbers]])
    docnums = np.concatenate([stemmed_docnums, tokens.docnums])
    positions = np.concatenate([_renumbered(tokens.positions[kept], stemmed_lengths),
                                tokens.positions])
    lengths = np.concatenate([_rounded(stemmed_lengths)[stemmed_docnums],
                              _rounded(exact_lengths)[tokens.docnums]])
    # Each term's tokens together, still in passage and position order (a term is of one field);
    # a posting for each passage a term is in.
    order = _stable_order(numbers)
    numbers, docnums, positions = numbers[order], docnums[order], positions[order]
    firsts = np.flatnonzero((np.diff(numbers, prepend=-1) != 0)
                            | (np.diff(docnums.astype(np.int64), prepend=-1) != 0))
    frequencies = np.diff(firsts, append=len(numbers))
    return (numbers[firsts], docnums[firsts], frequencies.astype(np.float32),
            _position_values(positions, firsts, frequencies), lengths[order[firsts]])


def _term_numbers(words: np.ndarray, terms: dict[Term, int]) -> tuple[np.ndarray, np.ndarray]:
    """By word number, the number in `terms` of the word's stemmed term (-1 for a stop word)
    and of its exact term, for the words in `words` (the others' are left -1)."""
    table = word_terms()
    stemmed = np.full(len(table), -1, np.int64)
    exact = np.full(len(table), -1, np.int64)
    present = np.flatnonzero(np.bincount(words, minlength=len(table)))
    found_stemmed, found_exact = [], []
    for number in present.tolist():
        stemmed_field, stem, plain = table[number]
        found_stemmed.append(terms.setdefault((stemmed_field, stem.encode("utf-8")), len(terms))
                             if stem else -1)
        found_exact.append(terms.setdefault((EXACT_FIELD, plain.encode("utf-8")), len(terms)))
    stemmed[present] = found_stemmed
    exact[present] = found_exact
    return stemmed, exact


def _renumbered(positions: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """The positions of the stemmed field's tokens (`positions`: in the passage, with stop words;
    `counts`: each passage's) as Whoosh's StopFilter numbers them: stop words left out, on from
    the passage's first one's own position."""
    starts = np.cumsum(counts) - counts
    some = counts > 0
    return (np.repeat(positions[starts[some]] - starts[some], counts[some])
            + np.arange(len(positions)))


def _rounded(lengths: np.ndarray) -> np.ndarray:
    """Field lengths as Whoosh's reader gives them back (stored as a byte); 0 stays 0."""
    table = [byte_to_length(length_to_byte(n)) if n else 0
             for n in range(int(lengths.max(initial=0)) + 1)]
    return np.array(table, np.uint32)[lengths]


def _position_values(positions: np.ndarray, firsts: np.ndarray,
                     frequencies: np.ndarray) -> np.ndarray:
    """Whoosh's `Positions` encoding of the positions of each posting (from `firsts[i]`,
    `frequencies[i]` of `positions`), equal ones the same object.

    Most terms are in a passage once, at one of a few hundred positions: those values are
    looked up all at once. The others are taken by frequency, their positions as tuples made
    and looked up in C; only values not seen before are encoded one by one."""
    values = np.empty(len(firsts), dtype=object)
    once = np.flatnonzero(frequencies == 1)
    # A table of a power of two positions (a few sizes, each made once) that holds them all.
    size = 1 << max(int(positions.max(initial=0)), 255).bit_length()
    values[once] = _singles(size)[positions[firsts[once]]]
    many = np.flatnonzero(frequencies > 1)
    known = _ENCODED
    for frequency in np.unique(frequencies[many]).tolist():
        these = many[frequencies[many] == frequency]
        where = positions[(firsts[these][:, None] + np.arange(frequency)).ravel()].tolist()
        keys = list(zip(*[iter(where)] * frequency, strict=True))  # tuples of `frequency`
        for key in set(keys).difference(known):
            known[key] = _FORMAT.encode(key)
        values[these] = _objects(list(map(known.__getitem__, keys)))
    return values


def _objects(items: Sequence[Any]) -> np.ndarray:
    """`items` as an array of objects: the objects themselves, never copies."""
    found = np.empty(len(items), dtype=object)
    found[:] = items
    return found


_FORMAT = Positions()


@functools.cache
def _singles(size: int) -> np.ndarray:
    """The value of a term at one position, by position, for the first `size` positions."""
    return _objects([_FORMAT.encode([position]) for position in range(size)])


_ENCODED: dict[tuple[int, ...], bytes] = {}
"""The value of a term at more than one position, by its positions."""

ENCODED_KEPT = 200_000
"""Past this many, `_ENCODED` is emptied (between runs, see `analyse`)."""


class _Others:
    """The postings of the fields other than the text, a field at a time. Their values recur
    (an objective's titles, a country, a section): each is analysed once a run (and once a
    process, `_indexed_repeating`) as an entry, and a passage only notes which it has."""

    def __init__(self, terms: dict[Term, int]) -> None:
        self.terms = terms
        self.entries: list[tuple[list[int], list[float], list[bytes], int]] = []
        """A value's term numbers, weights, encoded values and rounded field length."""
        self.lengths: list[int] = []
        """Each entry's field length."""
        self.used: list[int] = []
        """The entry of each passage, field after field."""
        self.docnums: list[int] = []

    def add(self, name: str, values: Sequence[Any], scorable: bool) -> list[int]:
        """Field `name`'s value in each passage (None: none); its length in each."""
        used = list(map(_Entries(self, name, scorable).__getitem__, values))
        self.used += used
        self.docnums += range(len(values))
        return list(map(self.lengths.__getitem__, used))

    def entry(self, name: str, value: Any, scorable: bool) -> int:
        """The number of a new entry: field `name`'s `value`, analysed."""
        items = () if value is None else _indexed(name, value)
        length = sum(freq for _, freq, _, _ in items) if scorable else 0
        # What Whoosh's writer reads back from the lengths column for each posting.
        rounded = byte_to_length(length_to_byte(length)) if length else 0
        self.entries.append(([self.terms.setdefault((name, tbytes), len(self.terms))
                              for tbytes, _, _, _ in items],
                             [weight for _, _, weight, _ in items],
                             [vbytes for _, _, _, vbytes in items], rounded))
        self.lengths.append(length)
        return len(self.entries) - 1

    def postings(self) -> Postings:
        """The postings of every value added, field after field, passage after passage."""
        sizes = np.array([len(numbers) for numbers, _, _, _ in self.entries], np.int64)
        offsets = np.cumsum(sizes) - sizes
        used = np.array(self.used, np.int64)
        counts = sizes[used]
        # The entries' postings, one after the other, and which of them each use takes.
        taken = np.repeat(offsets[used] - (np.cumsum(counts) - counts), counts) + np.arange(
            counts.sum())
        numbers, weights, values, _ = zip(*self.entries, strict=True) if self.entries else \
            ((), (), (), ())
        rounded = np.array([length for _, _, _, length in self.entries], np.uint32)
        return (np.array(list(chain.from_iterable(numbers)), np.int64)[taken],
                np.repeat(np.array(self.docnums, np.uint32), counts),
                np.array(list(chain.from_iterable(weights)), np.float32)[taken],
                _objects(list(chain.from_iterable(values)))[taken],
                np.repeat(rounded[used], counts))


class _Entries(dict[Any, int]):
    """A field's values in a run, by entry of `_Others`: a value met first is analysed
    (`__missing__`), one met again is looked up in C."""

    def __init__(self, others: _Others, name: str, scorable: bool) -> None:
        super().__init__()
        self.others, self.name, self.scorable = others, name, scorable

    def __missing__(self, value: Any) -> int:
        number = self[value] = self.others.entry(self.name, value, self.scorable)
        return number


Items = Sequence[tuple[bytes, int, float, bytes]]
"""(term bytes, frequency, weight, encoded value) of one field of one document: what Whoosh's
`FieldType.index` gives."""


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
    starts = run.starts.tolist()
    current: str | None = None
    bulk: bool | None = None
    blocks: _Blocks | None = None
    for number, (name, tbytes) in enumerate(run.terms):
        if name != current:
            if current is not None:
                out.finish_field()
            out.start_field(name, fields[name])
            current = name
            bulk = None
        out.start_term(tbytes)
        postings = out._postwriter
        if bulk is None:  # the postings writer's block exists once a term has started
            bulk = _can_bulk(postings)
        if bulk:
            if blocks is None or blocks.limit != postings._blocklimit:
                blocks = _blocks(run.starts, run.docnums, run.weights, run.values, run.lengths,
                                 postings._blocklimit)
            _add_blocks(postings, blocks, number, _minifies_as_whoosh(type(postings)))
        else:
            for at in range(starts[number], starts[number + 1]):
                out.add(int(run.docnums[at]), float(run.weights[at]), run.values[at],
                        int(run.lengths[at]) or None)
        out.finish_term()
    if current is not None:
        out.finish_field()


_BLOCKS = ("_blocklimit", "_ids", "_weights", "_values", "_maxweight", "_minlength",
           "_maxlength", "_write_block", "_byteids")


def _can_bulk(writer: Any) -> bool:
    """Whether Whoosh's postings writer is the one `_add_blocks` knows (the W3 codec's, in
    whoosh3 and whoosh-reloaded); another gets the postings one at a time."""
    return all(hasattr(writer, name) for name in _BLOCKS) and not writer._byteids


class _Blocks(NamedTuple):
    """A run's postings cut into the blocks of Whoosh's postings writer (`limit` postings, a
    term's last one fewer), with what that writer keeps of each block (`add_posting`) and what
    its `_write_block` pickles of it (`_mini_ids`, `_mini_weights`), worked out for all blocks
    at once. Per posting as arrays: a term's become Python objects only as it is written."""

    limit: int
    firsts: list[int]
    """Term i's blocks are [firsts[i], firsts[i + 1])."""
    starts: list[int]
    ends: list[int]
    docnums: np.ndarray
    weights: np.ndarray
    deltas: np.ndarray
    """The passage numbers as `_mini_ids` gives them: differences, from 0 at a block's start."""
    values: list[bytes]
    full: list[bool]
    """Whether every posting of the block has a value (empty ones are left out)."""
    maxweight: list[float | int]
    minlength: list[int | None]
    maxlength: list[int]
    ones: list[bool]
    """Whether all the block's weights are 1 (`_mini_weights`: None)."""
    alike: list[bool]
    """Whether all the block's weights are equal (`_mini_weights`: the one weight)."""


_NO_LENGTH = int(np.iinfo(np.int64).max)
"""The shortest length of a block without lengths, until it is None."""


def _blocks(term_starts: np.ndarray, docnums: np.ndarray, weights: np.ndarray,
            values: list[bytes], lengths: np.ndarray, limit: int) -> _Blocks:
    """The blocks of the postings of terms (term i's are [term_starts[i], term_starts[i + 1])
    of the other columns) that Whoosh's postings writer makes of `limit` postings."""
    sizes = np.diff(term_starts)
    counts = -(-sizes // limit)
    firsts = np.zeros(len(sizes) + 1, np.int64)
    np.cumsum(counts, out=firsts[1:])
    term = np.repeat(np.arange(len(sizes)), counts)
    starts = term_starts[:-1][term] + (np.arange(len(term)) - firsts[:-1][term]) * limit
    ends = np.minimum(starts + limit, term_starts[1:][term])
    docnums = docnums.astype(np.int64)
    if not len(starts):
        return _Blocks(limit, firsts.tolist(), [], [], docnums, weights, docnums, values,
                       [], [], [], [], [], [])
    lengths = lengths.astype(np.int64)
    # add_posting: the largest weight if above 0 (else 0), the shortest and longest field
    # length of the postings with one (None and 0 without).
    maxweight = np.maximum.reduceat(weights, starts).tolist()
    minlength = np.minimum.reduceat(np.where(lengths > 0, lengths, _NO_LENGTH), starts)
    deltas = np.diff(docnums, prepend=0)
    deltas[starts] = docnums[starts]
    filled = np.add.reduceat(np.fromiter(map(len, values), np.int64, len(values)) > 0, starts)
    return _Blocks(
        limit, firsts.tolist(), starts.tolist(), ends.tolist(), docnums, weights, deltas, values,
        (filled == ends - starts).tolist(),
        [weight if weight > 0 else 0 for weight in maxweight],
        [None if n == _NO_LENGTH else n for n in minlength.tolist()],
        np.maximum.reduceat(lengths, starts).tolist(),
        np.logical_and.reduceat(weights == 1.0, starts).tolist(),
        np.logical_and.reduceat(weights == np.repeat(weights[starts], ends - starts),
                                starts).tolist())


class _Block(NamedTuple):
    """One block of a term's postings, as Whoosh's postings writer holds it."""

    ids: list[int]
    weights: list[float]
    values: list[bytes]
    maxweight: float | int
    minlength: int | None
    maxlength: int
    mini_ids: tuple[int, ...]
    mini_weights: tuple[float, ...] | float | None


def _term_blocks(blocks: _Blocks, term: int) -> Iterator[_Block]:
    """The blocks of term number `term`."""
    first, last = blocks.firsts[term], blocks.firsts[term + 1]
    if first == last:
        return
    begin, finish = blocks.starts[first], blocks.ends[last - 1]
    docnums = blocks.docnums[begin:finish].tolist()
    weights = blocks.weights[begin:finish].tolist()
    deltas = blocks.deltas[begin:finish].tolist()
    for block in range(first, last):
        start, end = blocks.starts[block] - begin, blocks.ends[block] - begin
        values = blocks.values[begin + start:begin + end]
        yield _Block(docnums[start:end], weights[start:end],
                     values if blocks.full[block] else [v for v in values if v],
                     blocks.maxweight[block], blocks.minlength[block], blocks.maxlength[block],
                     tuple(deltas[start:end]),
                     None if blocks.ones[block] else weights[start] if blocks.alike[block] else
                     tuple(weights[start:end]))


def _add_blocks(writer: Any, blocks: _Blocks, term: int, minified: bool) -> None:
    """Term number `term`'s postings into Whoosh's postings writer, a block at a time.

    What `add_posting` does one posting at a time (fill a block of `blocklimit`, write it when
    the next posting comes, keep the block's largest weight and its shortest and longest field
    lengths), done on whole blocks (`_blocks`). `minified`: the writer's own `_mini_ids` and
    `_mini_weights` compute what `_blocks` has (`_minifies_as_whoosh`), so they are given it."""
    for number, block in enumerate(_term_blocks(blocks, term)):
        if number:
            writer._write_block()  # as add_posting does when the next posting finds it full
        writer._ids = block.ids
        writer._weights = block.weights
        # Equal values are one object already (`analyse` encodes each once), which a block's
        # pickle writes once.
        writer._values = block.values
        writer._maxweight = block.maxweight
        writer._minlength = block.minlength
        writer._maxlength = block.maxlength
        if minified:
            writer._mini_ids = _returning(block.mini_ids)
            writer._mini_weights = _returning(block.mini_weights)


def _returning(value: Any) -> Callable[[], Any]:
    return lambda: value


@functools.cache
def _minifies_as_whoosh(writer_type: type) -> bool:
    """Whether the postings writer's `_mini_ids` and `_mini_weights` give for a few blocks
    what `_blocks` has for them (those of whoosh3 and whoosh-reloaded do: the passage
    numbers' differences, and the weights or the one weight or None when they are all 1), so
    that a block's are not worked out again posting by posting. Another writer's are left
    to it."""
    cases = [([3], [1.0]), ([0, 4, 9], [1.0, 1.0, 1.0]), ([2, 5], [2.0, 2.0]),
             ([1, 2, 7], [1.0, 3.0, 1.0]), ([6, 8], [0.5, 1.0])]
    for docnums, weights in cases:
        found = _blocks(np.array([0, len(docnums)]), np.array(docnums, np.uint32),
                        np.array(weights, np.float32), [b"x"] * len(docnums),
                        np.zeros(len(docnums), np.uint32), 128)
        block = SimpleNamespace(_ids=array("I", docnums), _weights=array("f", weights),
                                _byteids=False)
        try:
            theirs = (writer_type._mini_ids(block), writer_type._mini_weights(block))
        except Exception:  # another writer: its own, then
            return False
        (ours,) = _term_blocks(found, 0)
        if theirs != (ours.mini_ids, ours.mini_weights):
            return False
    return True
