"""A tier's top k, scored with numpy over the cached postings: Whoosh's ranking, bit for bit.

Whoosh ranks by walking every match through its pure-Python matcher tree (13,000-18,000 passages
for a common query at 1,000 reviews, over 100 ms), although a search keeps the best 20. Here the
same tree is read instead of walked: Whoosh builds its matcher tree for each segment as it would
for its own search (so the tree's shape, which decides the order floats are added in, is Whoosh's
own, in whichever Whoosh is installed), `plan` turns it into plain data, and `evaluate` scores
every passage of the segment at once, each node as whole arrays. The top k is then every match
sorted by score, then passage number: what Whoosh's collector keeps when it scores every match.

Why that is Whoosh's ranking, float for float:

- each node adds its children's scores as Whoosh's matcher does, two at a time, in the same
  tree (or, for an ArrayUnionMatcher, one after another into 0.0); an absent child counts as
  0.0, and x + 0.0 == x, so a passage that one side lacks scores what the other side gives it;
- Whoosh's collector, scoring every match (`limit=None`), orders them by score, then passage
  number; its top-k heap keeps a later passage only for a strictly higher score, the same order.

It is the ranking of every match, which Whoosh's top-k collector does not always give even with
`optimize=False`: as the k-th best rises it prunes its matcher tree by each part's best possible
score, and (1) an ArrayUnionMatcher (an Or of three or more in a segment of at most 5,000
passages) reports the best of its parts as its best, not their sum, so a passage that places can
be pruned; (2) a Union pruned into an AndMaybe under an IntersectionMatcher is then moved by
AndMaybeMatcher.skip_to, which leaves its optional side behind, so the passage it lands on loses
that side's score (at 1,000 reviews "smuggling migrants" with objective 9 lost its second best).
tests/test_ranked_exact.py compares with both.

Anything else (a matcher kind not listed in `plan`, a segment with deleted passages, whose
postings Whoosh reads itself) is left to Whoosh: `top` answers None and the caller has Whoosh
score every match (results._ranked), so coverage never decides a ranking.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from whoosh import query as wq
from whoosh.matching import (
    AndMaybeMatcher,
    ArrayUnionMatcher,
    FilterMatcher,
    IntersectionMatcher,
    Matcher,
    NullMatcherClass,
    UnionMatcher,
    WrappingMatcher,
)
from whoosh.searching import Searcher

from .postings import BitmapSet, Bits, ScoredMatcher

# ---- plans: a segment's matcher tree as plain data ----------------------------------------------


@dataclass(frozen=True)
class Leaf:
    """One term's postings in a segment: passage numbers ascending and their scores."""

    ids: np.ndarray
    scores: np.ndarray


@dataclass(frozen=True)
class Pair:
    """Two children combined as Whoosh's binary matchers combine them (`how`):

    - "or": passages in either; scored a + b (a passage in one scores that one's score);
    - "and": passages in both; a + b;
    - "maybe": passages in a; a + b where b has the passage too.
    """

    how: str
    a: Plan
    b: Plan


@dataclass(frozen=True)
class Scale:
    """Whoosh's WrappingMatcher: the child's passages, each score times `boost`."""

    child: Plan
    boost: float


@dataclass(frozen=True)
class Within:
    """Whoosh's FilterMatcher (a known phrase's passages): the child's passages that are in the
    bitmap `inside` (numbered within the segment), or, with `exclude`, that are not; each score
    times `boost`."""

    child: Plan
    inside: Bits
    exclude: bool
    boost: float


@dataclass(frozen=True)
class Sum:
    """Whoosh's ArrayUnionMatcher (its Or of three or more in a small segment): an array of 0.0
    to which each child adds its score times `boost`, in the children's order; a passage matches
    where the total is above 0."""

    children: tuple[Plan, ...]
    boost: float


class _Null:
    """No passages (Whoosh's NullMatcher)."""


NULL = _Null()

Plan = Leaf | Pair | Scale | Within | Sum | _Null

_PAIRS: dict[type, str] = {UnionMatcher: "or", IntersectionMatcher: "and",
                           AndMaybeMatcher: "maybe"}
# Not AndNotMatcher (the query language's ANDNOT and NOT): Whoosh's own, walked to the end, keeps
# a passage that has the excluded word ("victims ANDNOT trafficking" in the Japan review), and
# its answer is the one a search by the query language has always given.



class Unsupported(Exception):
    """A matcher `plan` does not read: Whoosh ranks that query itself."""


def plan(m: Matcher) -> Plan:
    """The plan of a freshly built Whoosh matcher tree; `Unsupported` for a kind it does not read.

    Classes are matched exactly (not by isinstance): a subclass may score differently
    (DisjunctionMaxMatcher is a UnionMatcher that takes the larger score).
    """
    kind = type(m)
    if kind is ScoredMatcher:
        postings = m._postings  # read whole: a fresh matcher may have moved on to its first match
        return Leaf(np.frombuffer(postings.ids, dtype=np.intc),
                    np.frombuffer(postings.scores, dtype=np.float64))
    if isinstance(m, NullMatcherClass):
        return NULL
    how = _PAIRS.get(kind)
    if how is not None:
        return Pair(how, plan(m.a), plan(m.b))
    if kind is WrappingMatcher:
        return Scale(plan(m.child), float(m.boost))
    if isinstance(m, FilterMatcher) and _is_plain_filter(m) and isinstance(m._ids, BitmapSet):
        return Within(plan(m.child), m._ids.bitmap, bool(m._exclude), float(m.boost))
    if kind is ArrayUnionMatcher and m._scored:
        return Sum(tuple(plan(c) for c in m._submatchers), float(m._boost))
    raise Unsupported(kind.__name__)


def _is_plain_filter(m: FilterMatcher) -> bool:
    """Whether a FilterMatcher's class only filters (postings._InSet overrides how it skips
    blocks by quality, which a full scoring never does)."""
    from .postings import _InSet

    return type(m) in (FilterMatcher, _InSet)


# ---- scoring a plan: every passage of a segment at once ----------------------------------------

Scored = tuple[np.ndarray, np.ndarray]
"""(scores, matched): float64 and bool arrays over a segment's passages; an unmatched passage
scores 0.0 (so a sum with it is the other side's score, exactly)."""


def evaluate(p: Plan, size: int) -> Scored:
    """Every passage's score under `p` in a segment of `size` passages, and which match."""
    if isinstance(p, Leaf):
        scores = np.zeros(size)
        matched = np.zeros(size, dtype=bool)
        scores[p.ids] = p.scores
        matched[p.ids] = True
        return scores, matched
    if isinstance(p, Pair):
        sa, ma = evaluate(p.a, size)
        sb, mb = evaluate(p.b, size)
        if p.how == "or":
            return sa + sb, ma | mb
        matched = ma & mb if p.how == "and" else ma
        return np.where(matched, sa + sb, 0.0), matched
    if isinstance(p, Scale):
        scores, matched = evaluate(p.child, size)
        return (scores if p.boost == 1.0 else scores * p.boost), matched
    if isinstance(p, Within):
        scores, matched = evaluate(p.child, size)
        inside = as_mask(p.inside, size)
        matched = matched & (~inside if p.exclude else inside)
        scores = scores if p.boost == 1.0 else scores * p.boost
        return np.where(matched, scores, 0.0), matched
    if isinstance(p, Sum):
        total = np.zeros(size)
        for child in p.children:
            scores, _ = evaluate(child, size)
            # Whoosh adds each child's score times the boost (an absent child adds 0.0).
            total = total + (scores if p.boost == 1.0 else scores * p.boost)
        return total, total > 0
    return np.zeros(size), np.zeros(size, dtype=bool)


def as_mask(bitmap: Bits, size: int) -> np.ndarray:
    """A bitmap (bit n = passage n) as a boolean array of `size` (bits from `size` on are
    dropped: a phrase's bitmap shifted to a segment still has the later segments' passages)."""
    length = max((size + 7) // 8, (bitmap.bit_length() + 7) // 8, 1)
    raw = np.frombuffer(bitmap.to_bytes(length, "little"), dtype=np.uint8)
    return np.unpackbits(raw, bitorder="little")[:size].astype(bool)


def best(scores: np.ndarray, matched: np.ndarray, k: int) -> list[tuple[int, float]]:
    """The `k` best matched passages, by score, then passage number (Whoosh's order)."""
    numbers = np.flatnonzero(matched)
    if not len(numbers) or k <= 0:
        return []
    negated = -scores[numbers]
    if k < len(numbers):
        # Only what ties or beats the k-th best can place; sort those.
        kth = np.partition(negated, k - 1)[k - 1]
        keep = negated <= kth
        numbers, negated = numbers[keep], negated[keep]
    order = np.lexsort((numbers, negated))[:k]
    return list(zip(numbers[order].tolist(), (-negated[order]).tolist(), strict=True))


# ---- a tier's top k ---------------------------------------------------------------------------


def top(searcher: Searcher, q: wq.Query, allowed: Bits | None, seen: Bits, k: int,
        ) -> list[tuple[int, float]] | None:
    """What `searcher.search(q, filter=allowed, mask=seen, limit=k, optimize=False)` ranks, as
    (passage number, score), best first; None when a segment's matcher tree has a kind `plan`
    does not read (the caller then asks Whoosh). `q` is the query with cached postings
    (postings.cached)."""
    context = searcher.context()  # the context Whoosh's collector builds its matchers with
    parts: list[Scored] = []
    for leaf, _offset in searcher.leaf_searchers():
        size = leaf.doc_count_all()
        try:
            tree = plan(q.matcher(leaf, context))
        except Unsupported:
            return None
        parts.append(evaluate(tree, size))
    if not parts:
        return []
    scores = np.concatenate([s for s, _ in parts])
    matched = np.concatenate([m for _, m in parts])
    # Whoosh reads an empty filter as none, and an empty mask as none.
    if allowed:
        matched &= as_mask(allowed, len(matched))
    if seen:
        matched &= ~as_mask(seen, len(matched))
    return best(scores, matched, k)

