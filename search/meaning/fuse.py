"""Words + meaning -> one ranking. Pure: scores and candidates in, an ordered list out.

The lexical channel gives BM25F scores for the passages that match the query's words; the meaning
channel gives the cosine of each passage's vector with the query's. They are blended:

    score = (1 - MEANING_WEIGHT) * coverage**COVERAGE_POWER * bm25 / best_bm25
            + MEANING_WEIGHT * cosine

where `coverage` is the share of the query's words (units) the passage has. A passage that has
only one generic word of a long question gets little from the words channel, one that has all of
them keeps its lexical lead; the cosine then separates what words cannot. A passage joins the
results by meaning alone only when its cosine reaches the floor; a query with no real content
word (`meaningful` says) has no meaning channel at all. When the query's nearest passage is near
enough, the cosines are those of the query's vector moved towards it (`with_feedback`): a user's
own words reach the passages that say the same as the best match in the review's words. The
constants were measured on bench/queries.tsv and bench/paraphrases_dev.tsv (see
bench/RELEVANCE.md, bench/MEANING_TRIALS.md and the README).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    import numpy as np

MODES = ("words", "meaning", "hybrid")
Mode = Literal["words", "meaning", "hybrid"]
Match = Literal["words", "meaning", "both"]

MEANING_WEIGHT = 0.7
COVERAGE_POWER = 3
FLOOR = 0.15
"""The cosine a passage must reach to be found by meaning alone (with a query not moved by
`with_feedback`, or a passage, for `similar`). Nonsense that gets past the content-word check
("lorem ipsum dolor") reaches 0.07 on the Japan review; 95% of real queries' best passages
reach 0.21."""
FEEDBACK = 0.3
"""The weight of the nearest passage's vector added to the query's (pseudo-relevance feedback,
Rocchio with one passage). Measured 0.2-1.0 with the 1-5 nearest: one passage at 0.3 (with
`FEEDBACK_FROM` and `MOVED_FLOOR`) raised the dev paraphrases 0.669 -> 0.710 (hybrid) and
0.702 -> 0.737 (meaning) and kept the judged queries (hybrid 0.964, hard 0.944 -> 0.949); more
passages or more weight lowered the judged queries (see bench/MEANING_TRIALS.md)."""
FEEDBACK_FROM = 0.2
"""The cosine the query's nearest passage must reach for the query to be moved towards it. Below,
it is too uncertain an anchor, and would lift its own neighbours: "smuggling" (not a whole word
to the model) is nearest, at 0.154, a passage on refugee resettlement. Nonsense never comes
near it. Dev paraphrases (hybrid): 0.705 from 0.15, 0.710 from 0.2, 0.678 from 0.25."""
MOVED_FLOOR = 0.2
"""The cosine with the moved query (`with_feedback`) a passage must reach to be found by meaning
alone. The moved vector is nearer every passage (the second best's cosine: 0.37 -> 0.46 on
average), so the floor rises with it: at 0.2 a query finds about as many passages by meaning as
it did at 0.15 before (15.6 against 14.7 of the review's 36, over the judged and dev queries),
and the gain on the dev paraphrases is the ranking's, not a looser floor's."""
MIN_WORD_LETTERS = 3
_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")


@dataclass(frozen=True)
class Fused:
    """One passage of a fused ranking: its document number, its blended score and the two
    component scores (None for a channel that did not score it)."""

    docnum: int
    score: float
    words: float | None
    meaning: float | None
    match: Match


def content_words(text: str, stop: frozenset[str]) -> list[str]:
    """The words of `text` that could carry meaning: letters only, 3 or more, not stop words."""
    return [w for w in _WORD.findall(text)
            if len(w) >= MIN_WORD_LETTERS and w.lower() not in stop]


def meaningful(text: str, stop: frozenset[str], is_word: Callable[[str], bool]) -> bool:
    """Whether the query has at least one real content word: one the model has as a whole word
    or the corpus has (`is_word`). Keyboard mash, numbers, punctuation and stop words alone do
    not: their vectors are noise, and their nearest passages would be arbitrary."""
    return any(is_word(w) for w in content_words(text, stop))


def with_feedback(vectors: np.ndarray, query: np.ndarray, cosines: np.ndarray,
                  weight: float = FEEDBACK) -> tuple[np.ndarray, float]:
    """The cosine of every row of `vectors` with the query's vector moved towards its nearest
    passage, normalise(query + weight * vectors[best]) where `cosines` = vectors @ query, and
    the floor that goes with them (`MOVED_FLOOR`); `cosines` and `FLOOR` as they are when the
    nearest passage is below `FEEDBACK_FROM`.

    A paraphrase shares few tokens with the passage it means, so its own vector is a weak probe;
    its best passage, in the review's words, is a strong one, and the passages near both rise.
    The nearest passage is taken over the whole build, not the filters' passages, so that a
    passage's cosine does not depend on the filters. The rows are unit vectors; deleted
    documents' rows are zero."""
    import numpy as np

    if not len(cosines):
        return cosines, FLOOR
    best = int(np.argmax(cosines))  # the first of equals: document order
    if cosines[best] < FEEDBACK_FROM:
        return cosines, FLOOR
    moved = query.astype(np.float32) + np.float32(weight) * vectors[best]
    return vectors @ (moved / np.linalg.norm(moved)), MOVED_FLOOR  # |moved| >= 1 - weight


def fuse(words: Sequence[tuple[int, float]], coverage: dict[int, float],
         cosines: np.ndarray, allowed: np.ndarray | None, end: int,
         floor: float = FLOOR) -> list[Fused]:
    """The first `end` passages of the blended ranking.

    `words`: the lexical candidates (document number, BM25F score), best first; `coverage`: the
    share of the query's units each of them has; `cosines`: the cosine of every document number
    with the query (`with_feedback`); `allowed`: the document numbers the filters let
    through (a boolean mask; None for all); `floor`: the cosine a passage needs to be found by
    meaning alone (`with_feedback` says which)."""
    import numpy as np

    lexical = dict(words)
    found = cosines >= floor
    if allowed is not None:
        found &= allowed
    found[list(lexical)] = True
    candidates = np.flatnonzero(found)
    best = max(lexical.values(), default=0.0) or 1.0
    scores = MEANING_WEIGHT * cosines[candidates].astype(np.float64)
    if lexical:  # `candidates` is sorted (flatnonzero), so each lexical one is found by bisection
        docnums = np.fromiter(lexical, dtype=np.int64, count=len(lexical))
        scores[np.searchsorted(candidates, docnums)] += [
            _lexical(lexical[d], coverage.get(d, 0.0), best) for d in docnums.tolist()]
    order = first(scores, candidates, end)
    fused = []
    for i in order.tolist():
        docnum = int(candidates[i])
        cosine = float(cosines[docnum])
        by_words = docnum in lexical
        by_meaning = cosine >= floor
        fused.append(Fused(docnum, float(scores[i]), lexical.get(docnum), cosine,
                           "both" if by_words and by_meaning else
                           "words" if by_words else "meaning"))
    return fused


def _lexical(score: float, coverage: float, best: float) -> float:
    return (1 - MEANING_WEIGHT) * coverage ** COVERAGE_POWER * score / best


def nearest(cosines: np.ndarray, allowed: np.ndarray | None, end: int,
            floor: float = FLOOR) -> list[Fused]:
    """The meaning channel alone: the first `end` document numbers by cosine, at or above
    `floor`, among those `allowed`."""
    import numpy as np

    found = cosines >= floor
    if allowed is not None:
        found &= allowed
    candidates = np.flatnonzero(found)
    order = first(cosines[candidates], candidates, end)
    return [Fused(int(candidates[i]), float(cosines[candidates[i]]), None,
                  float(cosines[candidates[i]]), "meaning") for i in order.tolist()]


def first(scores: np.ndarray, docnums: np.ndarray, end: int) -> np.ndarray:
    """The indexes of the `end` best `scores`, best first, ties in document order: what sorting
    them all gives, but only the few that can place are sorted (a query near thousands of
    passages sorted them all)."""
    import numpy as np

    if 0 < end < len(scores):
        # Every score equal to the end-th best stays in, so ties are broken as a full sort would.
        cut = np.partition(scores, len(scores) - end)[len(scores) - end]
        keep = np.flatnonzero(scores >= cut)
        return keep[np.lexsort((docnums[keep], -scores[keep]))][:end]
    return np.lexsort((docnums, -scores))[:max(end, 0)]


def as_mask(bitmap: int, size: int) -> np.ndarray:
    """A passage bitmap (bit n = document number n) as a boolean array of `size`."""
    import numpy as np

    raw = np.frombuffer(bitmap.to_bytes((size + 7) // 8 or 1, "little"), dtype=np.uint8)
    return np.unpackbits(raw, bitorder="little")[:size].astype(bool)


def as_bitmap(mask: np.ndarray) -> int:
    import numpy as np

    return int.from_bytes(np.packbits(mask, bitorder="little").tobytes(), "little")


def stop_words(languages: Iterable[str]) -> frozenset[str]:
    from ..index.analysis import QUESTION_WORDS, STOP
    from ..index.analysis import stop_words as of_language

    words = set(STOP) | set(QUESTION_WORDS)
    for lang in languages:
        words |= of_language(lang)
    return frozenset(words)
