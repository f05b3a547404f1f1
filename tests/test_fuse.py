"""search/meaning/fuse.py, pure: the blend of words and meaning, the floor, the content-word check,
and bitmaps <-> masks. Tested on small arrays, without an index."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from search.meaning import fuse
from search.meaning.fuse import (
    FEEDBACK,
    FEEDBACK_FROM,
    FLOOR,
    MEANING_WEIGHT,
    MOVED_FLOOR,
    Fused,
)
from search.meaning.model import normalise

STOP = frozenset({"the", "of", "and", "to", "in", "how", "what"})
KNOWN = {"cash", "families", "abroad", "trafficking", "remittances", "ipsum"}


def is_word(word: str) -> bool:
    return word.lower() in KNOWN


@pytest.mark.parametrize(("text", "expected"), [
    ("cash sent to families abroad", True),
    ("Trafficking", True),
    ("xqzv", False),
    ("the of and", False),
    ("!!!", False),
    ("?!.,;:-- ...", False),
    ("asdfghjkl qwertyuiop zxcvbnm", False),
    ("8675309142", False),
    ("🦄🌈", False),
    ("", False),
    ("xqzv remittances", True),  # one real word is enough
])
def test_meaningful_needs_one_real_content_word(text: str, expected: bool) -> None:
    assert fuse.meaningful(text, STOP, is_word) is expected


def test_content_words_drop_stop_words_numbers_and_short_words() -> None:
    assert fuse.content_words("How many of the 45,970 workers in Japan? an ok-ish", STOP) == \
        ["many", "workers", "Japan", "ok-ish"]


def test_a_passage_below_the_floor_is_not_found_by_meaning_alone() -> None:
    cosines = np.array([FLOOR - 0.01, FLOOR, 0.9, 0.0], dtype=np.float32)
    fused = fuse.fuse([], {}, cosines, None, 10)
    assert [(f.docnum, f.match) for f in fused] == [(2, "meaning"), (1, "meaning")]
    raised = fuse.fuse([(1, 2.0)], {1: 1.0}, cosines, None, 10, floor=FLOOR + 0.01)
    assert [(f.docnum, f.match) for f in raised] == [(2, "meaning"), (1, "words")]


def test_words_and_meaning_blend_and_say_what_found_each() -> None:
    cosines = np.array([0.05, 0.5, 0.3, 0.2], dtype=np.float32)
    words = [(0, 10.0), (2, 5.0)]
    coverage = {0: 1.0, 2: 0.5}
    fused = {f.docnum: f for f in fuse.fuse(words, coverage, cosines, None, 10)}
    assert fused[0].match == "words"  # found by words; its cosine is below the floor
    assert fused[2].match == "both" and fused[1].match == "meaning"
    assert fused[0].score == pytest.approx((1 - MEANING_WEIGHT) * 1.0 + MEANING_WEIGHT * 0.05)
    assert fused[2].score == pytest.approx((1 - MEANING_WEIGHT) * 0.5 ** 3 * 0.5
                                           + MEANING_WEIGHT * 0.3)
    assert (fused[2].words, fused[1].words) == (5.0, None)
    assert fused[1].meaning == pytest.approx(0.5)


def test_full_coverage_keeps_its_lead_over_a_near_passage() -> None:
    """A passage with every word of the query stays first against one only near in meaning."""
    cosines = np.array([0.3, 0.6], dtype=np.float32)
    fused = fuse.fuse([(0, 8.0)], {0: 1.0}, cosines, None, 10)
    assert [f.docnum for f in fused] == [0, 1]


def test_the_filters_mask_limits_meaning_not_words() -> None:
    cosines = np.array([0.9, 0.8, 0.7], dtype=np.float32)
    allowed = np.array([False, True, False])
    fused = fuse.fuse([(2, 1.0)], {2: 1.0}, cosines, allowed, 10)
    assert {f.docnum for f in fused} == {1, 2}


def test_ties_are_in_document_order_and_end_cuts() -> None:
    cosines = np.array([0.5, 0.5, 0.5, 0.6], dtype=np.float32)
    assert [f.docnum for f in fuse.nearest(cosines, None, 3)] == [3, 0, 1]
    assert fuse.nearest(cosines, np.zeros(4, dtype=bool), 3) == []
    assert fuse.nearest(cosines, None, 2, floor=0.55) == [
        Fused(3, pytest.approx(0.6), None, pytest.approx(0.6), "meaning")]  # type: ignore[arg-type]


def unit(*rows: list[float]) -> np.ndarray:
    return normalise(np.array(rows, dtype=np.float32))  # a zero row stays zero


def test_feedback_moves_the_query_towards_its_nearest_passage() -> None:
    """A passage that says what the best match says, in none of the query's words, rises above
    one the query alone was nearer to: the feedback is normalise(q + FEEDBACK * best row)."""
    vectors = unit([1.0, 0.2, 0.0, 0.0],   # the best match
                   [0.8, 0.0, 0.6, 0.0],   # near it, not near the query
                   [0.0, 0.7, 0.0, 0.7],   # nearer the query than 1, far from 0
                   [0.0, 0.0, 0.0, 0.0])   # a deleted document
    query = unit([0.6, 0.5, 0.0, 0.4])[0]
    cosines = vectors @ query
    assert cosines[2] > cosines[1]
    assert cosines.max() >= FEEDBACK_FROM
    moved, floor = fuse.with_feedback(vectors, query, cosines)
    assert floor == MOVED_FLOOR
    expected = query + FEEDBACK * vectors[0]
    assert moved == pytest.approx(vectors @ (expected / np.linalg.norm(expected)), abs=1e-6)
    assert moved[1] > moved[2] and moved[3] == 0.0
    assert int(np.argmax(moved)) == 0  # the best match stays first


def test_no_feedback_from_a_far_passage() -> None:
    """A nearest passage below FEEDBACK_FROM is an uncertain anchor (for nonsense, an arbitrary
    one): it must not lift its neighbours, and the usual floor applies."""
    vectors = unit([1.0, 0.0, 0.0], [0.9, 0.1, 0.0])
    query = unit([0.18, 0.0, 1.0])[0]
    cosines = vectors @ query
    assert FLOOR <= cosines.max() < FEEDBACK_FROM  # found by meaning, but not moved
    same, floor = fuse.with_feedback(vectors, query, cosines)
    assert same is cosines and floor == FLOOR
    assert fuse.with_feedback(vectors[:0], query, cosines[:0])[1] == FLOOR


@pytest.mark.parametrize("size", [1, 7, 8, 9, 100])
def test_bitmaps_and_masks_round_trip(size: int) -> None:
    rng = np.random.default_rng(size)
    mask = rng.random(size) < 0.5
    bitmap = fuse.as_bitmap(mask)
    assert bitmap == sum(1 << i for i in np.flatnonzero(mask).tolist())
    assert (fuse.as_mask(bitmap, size) == mask).all()
    assert not fuse.as_mask(0, size).any()


@settings(max_examples=300, deadline=None)
@given(scores=st.lists(st.sampled_from([0.0, 0.1, 0.25, 0.5, 0.7, 1.0]), max_size=60),
       end=st.integers(0, 70))
def test_first_is_a_full_sort_cut(scores: list[float], end: int) -> None:
    """Only the scores that can place are sorted; the answer is the full sort's, ties included."""
    values = np.asarray(scores, dtype=np.float64)
    docnums = np.arange(len(values), dtype=np.int64) * 3
    expected = np.lexsort((docnums, -values))[:end]
    assert fuse.first(values, docnums, end).tolist() == expected.tolist()
