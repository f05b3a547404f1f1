"""Postings read once per build and kept: what makes a warm search fast.

A build never changes once made, so what is read from it never goes stale. Kept, within the
process's one cache budget (caches.py, least recently used out first):

- the passages of each term and phrase, as bitmaps (`Bits`), for totals, facets and tiers;
- each term's postings with their BM25F scores, as Whoosh's scorer gives them, which stand in for
  the term's postings in Whoosh's own matcher tree: Whoosh still combines, prunes and ranks, so a
  ranking is exactly what it was, but a warm search no longer decodes postings blocks or scores a
  passage's term again (that was over half a warm search's time);
- the passages of each facet value, as bitmaps.
"""

from __future__ import annotations

import functools
import operator
import pickle
import sys
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from whoosh import query as wq
from whoosh.idsets import DocIdSet
from whoosh.matching import (
    IntersectionMatcher,
    Matcher,
    NullMatcher,
    ReadTooFar,
    WrappingMatcher,
)
from whoosh.matching.wrappers import FilterMatcher
from whoosh.searching import Searcher
from whoosh.util import make_binary_tree

from ..caches import QUERIES
from .schema import FACETS

Bits = int
"""A set of passages as a bitmap: bit n stands for passage n of the build. A union, an
intersection or a count is one C operation over the whole set, where a set of numbers costs a
hash probe per member (counting facets that way was a third of a warm search)."""


def bits(numbers: Iterable[int], offset: int = 0) -> Bits:
    """The bitmap of `numbers`, each moved up by `offset`."""
    numbers = [n + offset for n in numbers] if offset else list(numbers)
    if not numbers:
        return 0
    found = bytearray(max(numbers) // 8 + 1)
    for number in numbers:
        found[number >> 3] |= 1 << (number & 7)
    return int.from_bytes(found, "little")


class BitmapSet(DocIdSet):
    """A bitmap as the set of numbers Whoosh's filters and masks test membership in."""

    def __init__(self, bitmap: Bits) -> None:
        self.bitmap = bitmap
        self._bytes = bitmap.to_bytes((bitmap.bit_length() + 7) // 8, "little")

    def __contains__(self, number: object) -> bool:
        if not isinstance(number, int) or number < 0:
            return False
        byte = number >> 3
        return byte < len(self._bytes) and bool(self._bytes[byte] >> (number & 7) & 1)

    def __bool__(self) -> bool:  # Whoosh asks for every passage it collects
        return self.bitmap != 0

    def __len__(self) -> int:
        return self.bitmap.bit_count()

    def __iter__(self) -> Iterator[int]:
        for byte, value in enumerate(self._bytes):
            for bit in range(8):
                if value >> bit & 1:
                    yield byte * 8 + bit

    def copy(self) -> BitmapSet:
        return BitmapSet(self.bitmap)


# Like Lucene's query cache: a popular word's postings are not re-read on every search. One
# budget for all three kinds (caches.py); each key starts with its kind.
SETS, SCORED, FACET_BITMAPS = "passages", "scored", "facets"


def passages(searcher: Searcher, build: str, q: wq.Term | wq.Phrase) -> Bits:
    """The passages (numbered across the build's segments) of one term or phrase."""
    key = (SETS, build, q.fieldname, repr(q))
    found: Bits | None = QUERIES.get(key)
    if found is None:
        leaves = list(searcher.leaf_searchers())
        if type(q) is wq.Term and all(_replayable(leaf) for leaf, _ in leaves):
            # From its scored postings, which a search reads anyway.
            found = 0
            for leaf, offset in leaves:
                postings = scored(leaf, offset, build, q.fieldname, q.text)
                if postings is not None:
                    found |= bits(postings.ids, offset)
        else:
            found = bits(searcher.docs_for_query(q))
        QUERIES.put(key, found, sys.getsizeof(found))
    return found


def matching(searcher: Searcher, q: wq.Query, build: str) -> Bits:
    """The passages matching `q`, from the cached bitmaps where the query is made of terms and
    phrases (And, Or, AndMaybe); Whoosh evaluates the rest (the query language's other kinds)."""
    if type(q) in (wq.Term, wq.Phrase):
        return passages(searcher, build, q)  # type: ignore[arg-type]
    if type(q) is wq.Or:
        return functools.reduce(operator.or_, (matching(searcher, sub, build)
                                               for sub in q.subqueries), 0)
    if type(q) is wq.And:
        parts = [matching(searcher, sub, build) for sub in q.subqueries]
        return functools.reduce(operator.and_, parts) if parts else 0
    if type(q) is wq.AndMaybe:
        return matching(searcher, q.a, build)
    return bits(searcher.docs_for_query(q))


def cached(searcher: Searcher, q: wq.Query, build: str) -> wq.Query:
    """`q` with its terms and phrases read from the caches: the same query, the same scores."""
    if type(q) is wq.Term:
        return CachedTerm(q.fieldname, q.text, build, boost=q.boost)
    if type(q) is wq.Phrase:
        return KnownPhrase(q.fieldname, q.words, build, passages(searcher, build, q),
                           boost=q.boost)
    return q.apply(lambda sub: cached(searcher, sub, build))


@dataclass(frozen=True)
class Scored:
    """One term's postings in one segment, as Whoosh's own matcher gives them: passage numbers
    ascending, each one's score, where each postings block starts and its quality (the bound
    Whoosh skips blocks by), and the term's best possible score."""

    ids: Sequence[int]
    scores: Sequence[float]
    starts: Sequence[int]
    qualities: Sequence[float]
    best: float

    def nbytes(self) -> int:
        """What keeping it costs: its arrays (as allocated) and the object holding them."""
        return sys.getsizeof(self) + sys.getsizeof(self.__dict__) + sum(
            sys.getsizeof(a) for a in (self.ids, self.scores, self.starts, self.qualities))


def scored(leaf: Searcher, offset: int, build: str, fieldname: str, text: Any) -> Scored | None:
    """A term's scored postings in the segment `leaf`, read on first use; None if it has none.

    Everything is recorded from Whoosh's own matcher for the term: its scores, so a search adds
    up the same floats; its blocks and their qualities, so top-k skipping skips the same blocks
    and keeps the same passages (tighter bounds would skip more, and Whoosh's skipping is only
    exact for its own bounds).
    """
    key = (SCORED, build, offset, fieldname, text)
    found: Scored | None = QUERIES.get(key)
    if found is None:
        matcher = wq.Term(fieldname, text).matcher(leaf, leaf.context())
        if not matcher.is_active():
            return None
        ids, scores = array("i"), array("d")
        starts, qualities = array("i", [0]), array("d", [matcher.block_quality()])
        add_id, add_score = ids.append, scores.append
        is_active, next_posting = matcher.is_active, matcher.next
        doc, score = matcher.id, matcher.score
        while is_active():
            add_id(doc())
            add_score(score())
            if next_posting() and is_active():  # entered the next block
                starts.append(len(ids))
                qualities.append(matcher.block_quality())
        found = Scored(ids, scores, starts, qualities, matcher.max_quality())
        QUERIES.put(key, found, found.nbytes())
    return found


def _offset(searcher: Searcher) -> int:
    """Where a segment's passage numbers start in its build."""
    parent = searcher.parent() if searcher.has_parent() else None
    if parent is None:
        return 0
    return next((o for s, o in parent.leaf_searchers() if s is searcher), 0)


def _replayable(leaf: Searcher) -> bool:
    """Whether a segment's postings can be replayed: one with deleted passages (a review added
    again) wraps them in a filter that moves differently, so Whoosh reads those itself."""
    return not leaf.reader().has_deletions()


class CachedTerm(wq.Term):
    """A term whose matcher replays its cached, scored postings."""

    def __init__(self, fieldname: str, text: Any, build: str, boost: float = 1.0) -> None:
        super().__init__(fieldname, text, boost=boost)
        self.build = build

    def matcher(self, searcher: Searcher, context: Any = None) -> Matcher:
        if not _replayable(searcher):
            return wq.Term(self.fieldname, self.text, boost=self.boost).matcher(searcher, context)
        found = scored(searcher, _offset(searcher), self.build, self.fieldname, self.text)
        if found is None:
            return NullMatcher()
        m: Matcher = ScoredMatcher(found, (self.fieldname, self.text))
        return m if self.boost == 1.0 else WrappingMatcher(m, boost=self.boost)


class ScoredMatcher(Matcher):
    """Whoosh's postings matcher, replayed from a term's cached postings: the same passages,
    scores, blocks and block qualities, and it moves, skips and reports entering a block as
    Whoosh's does, so Whoosh's matcher tree above it walks exactly as before."""

    def __init__(self, postings: Scored, term: tuple[str, Any]) -> None:
        self._postings = postings
        self._ids = postings.ids
        self._scores = postings.scores
        self._starts = postings.starts
        self._n = len(postings.ids)
        self._term = term
        self._go(0)

    def _go(self, i: int) -> None:
        """Move to posting `i` (at most the end) and its block."""
        self._i = i
        self._block = bisect_right(self._starts, min(i, self._n - 1)) - 1
        following = self._block + 1
        self._block_end = self._starts[following] if following < len(self._starts) else self._n

    def is_active(self) -> bool:
        return self._i < self._n

    def reset(self) -> None:
        self._go(0)

    def term(self) -> tuple[str, Any]:
        return self._term

    def copy(self) -> ScoredMatcher:
        copied = ScoredMatcher(self._postings, self._term)
        copied._go(self._i)
        return copied

    def id(self) -> int:
        try:
            return self._ids[self._i]
        except IndexError:
            # Exhausted. Whoosh's AndNot asks anyway (after a skip_to past the end), and its own
            # postings answer with a stale number; so does this, rather than fail the search.
            return self._ids[-1]

    def all_ids(self) -> Iterator[int]:
        return iter(self._ids[self._i:])

    def next(self) -> bool:  # type: ignore[override]  # as Whoosh's own postings do
        """Move on; True when that enters the next block (Whoosh then checks its quality)."""
        self._i += 1
        if self._i < self._block_end:
            return False
        self._go(self._i)
        return True

    def skip_to(self, id: int) -> None:
        if self._i >= self._n:
            raise ReadTooFar
        if id > self._ids[self._i]:
            i = bisect_left(self._ids, id, self._i)
            if i < self._block_end:
                self._i = i
            else:
                self._go(i)

    def supports(self, astype: str) -> bool:
        return False  # no positions or frequencies are kept: only passages and their scores

    def value(self) -> Any:
        raise NotImplementedError("cached postings keep no values")

    def value_as(self, astype: str) -> Any:
        raise NotImplementedError("cached postings keep no values")

    def supports_block_quality(self) -> bool:
        return True

    def max_quality(self) -> float:
        return self._postings.best

    def block_quality(self) -> float:
        return self._postings.qualities[self._block]

    def skip_to_quality(self, minquality: float) -> int:
        qualities = self._postings.qualities
        if qualities[self._block] > minquality:
            return 0
        skipped = 0
        while self._i < self._n and qualities[self._block] <= minquality:
            self._go(self._block_end)
            skipped += 1
        return skipped

    def score(self) -> float:
        try:
            return self._scores[self._i]
        except IndexError:  # exhausted: as id()
            return self._scores[-1]


class KnownPhrase(wq.Phrase):
    """A phrase whose passages are known: scored as Whoosh scores a phrase (its words' scores
    added up, in the passages that have the phrase), without reading positions again, which made
    phrases the slowest queries."""

    def __init__(self, fieldname: str, words: Sequence[str], build: str, docs: Bits,
                 boost: float = 1.0) -> None:
        super().__init__(fieldname, list(words), boost=boost)
        self.build = build
        self.known = docs  # not `docs`: that is a Query method Whoosh calls

    def matcher(self, searcher: Searcher, context: Any = None) -> Matcher:
        reader = searcher.reader()
        if any((self.fieldname, word) not in reader for word in self.words):  # type: ignore[operator]
            return NullMatcher()
        words = make_binary_tree(IntersectionMatcher, [
            CachedTerm(self.fieldname, word, self.build).matcher(searcher, context)
            for word in self.words])
        # `known` numbers passages across segments; a matcher numbers them within its segment.
        return _InSet(words, BitmapSet(self.known >> _offset(searcher)), boost=self.boost)


class _InSet(FilterMatcher):
    """Whoosh's FilterMatcher, also when skipping blocks by quality (it skips the child only)."""

    def skip_to_quality(self, minquality: float) -> int:
        skipped = self.child.skip_to_quality(minquality / self.boost)
        self._find_next()
        return skipped


FacetPostings = dict[str, list[tuple[str, Bits]]]

FACETS_FILE = "facets.pickle"
"""Written with each build: its facet bitmaps, which a process reads in milliseconds instead of
reading every facet value's postings (half a second at 1,000 reviews, on every CLI search)."""


def facet_postings(searcher: Searcher, build: str) -> FacetPostings:
    """For each facet, each value and the passages that have it, as the build recorded them
    (or read from its postings, for a build made without the file); once per build."""
    key = (FACET_BITMAPS, build)
    found: FacetPostings | None = QUERIES.get(key)
    if found is None:
        try:
            found = pickle.loads((Path(build) / FACETS_FILE).read_bytes())
        except FileNotFoundError:
            found = read_facets(searcher)
        QUERIES.put(key, found, _facets_bytes(found))
    return found


def _facets_bytes(facets: FacetPostings) -> int:
    return sys.getsizeof(facets) + sum(
        sys.getsizeof(name) + sys.getsizeof(values)
        + sum(sys.getsizeof(pair) + sys.getsizeof(pair[0]) + sys.getsizeof(pair[1])
              for pair in values)
        for name, values in facets.items())


def read_facets(searcher: Searcher) -> FacetPostings:
    """Each facet's values and their passages, from the postings of the facet fields."""
    reader = searcher.reader()
    found: FacetPostings = {}
    for name, fieldname in FACETS.items():
        found[name] = []
        for value in reader.field_terms(fieldname):
            text = value.decode("utf-8") if isinstance(value, bytes) else str(value)
            if text:
                found[name].append((text, bits(reader.postings(fieldname, value).all_ids())))
    return found


def run_facets(postings: Mapping[tuple[str, bytes], Sequence[int]]) -> FacetPostings:
    """`read_facets` for a run of passages not yet in an index (a build's worker), from their
    passage numbers (from 0 in the run) by field and term bytes."""
    found: FacetPostings = {}
    for name, fieldname in FACETS.items():
        values = sorted((term, numbers) for (field, term), numbers in postings.items()
                        if field == fieldname and term)
        found[name] = [(term.decode("utf-8"), bits(numbers)) for term, numbers in values]
    return found


def joined_facets(runs: Sequence[tuple[FacetPostings, int]]) -> FacetPostings:
    """The facets of runs of passages, each run's passages moved up by its offset: those
    `read_facets` finds in the index the runs make (values in term order, as Whoosh's terms)."""
    joined: dict[str, dict[str, Bits]] = {name: {} for name in FACETS}
    for facets, offset in runs:
        for name, values in facets.items():
            into = joined[name]
            for text, found in values:
                into[text] = into.get(text, 0) | found << offset
    return {name: sorted(values.items(), key=lambda value: value[0].encode("utf-8"))
            for name, values in joined.items()}


def write_facets(build_dir: Path, facets: FacetPostings) -> None:
    (build_dir / FACETS_FILE).write_bytes(pickle.dumps(facets, protocol=4))
