"""anchor.py, pure: folding forgivable differences, finding quotes, word diffs of misquotes, and
re-anchoring W3C selectors after a text changed (position hint, exact quote, fuzzy match).

Everything here runs on small hand-made texts and passages, so each expectation can be checked
by eye; the Japan corpus is exercised in test_cite.py and test_verify.py.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from search.anchor import (
    CONTEXT,
    Anchor,
    DiffOp,
    Misquote,
    anchor,
    closest,
    find_all,
    find_in_passage,
    forgiven,
    normalize,
    passage_range,
    selectors,
    source_range,
    word_diff,
    words,
)
from search.models import Passage, Span


def make_passage(source: str, parts: list[str], pid: str = "doc:1a.1") -> Passage:
    """A passage whose spans are `parts` as they occur, in order, in `source`."""
    spans: list[Span] = []
    at = 0
    for part in parts:
        start = source.index(part, at)
        spans.append((start, start + len(part)))
        at = start + len(part)
    return Passage(
        id=pid, doc=pid.split(":")[0], position=0, para=1, section="1", section_title="S",
        subsection="a", subsection_title="Progress", kind="progress", cluster=1,
        objectives=(), objective_source="cluster", objective_note="", text=" ".join(parts),
        spans=tuple(spans), sha256="0" * 64, country="X", iso3="XXX", year=2020,
    )


def changes(ops: tuple[DiffOp, ...]) -> list[DiffOp]:
    return [op for op in ops if op[0] != "equal"]


# ---- normalize ------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a  \n\t b", "a b"),  # any whitespace run is one space
        ("  lead and trail \n", "lead and trail"),  # none at either end
        ("line\n\nbreak", "line break"),
        ("a\u00a0b", "a b"),  # no-break space is whitespace too
        ("“double” ‘single’", "\"double\" 'single'"),
        ("«guillemets» it’s", "\"guillemets\" it's"),
        ("a–b—c−d‐e", "a-b-c-d-e"),  # en, em, minus, hyphen
        ("US\\$142,000", "US$142,000"),  # the source's markdown escapes
        ("\\*bold\\* \\_x\\_ \\#1 \\[a\\]", "*bold* _x_ #1 [a]"),
        ("C:\\dir", "C:\\dir"),  # a backslash before a letter is not an escape
        ("trailing\\", "trailing\\"),
        ("", ""),
        (" \n ", ""),
    ],
)
def test_normalize_folds(text: str, expected: str) -> None:
    assert normalize(text).text == expected


def test_normalize_spans_point_back() -> None:
    """Each folded character knows its original: a whitespace run, an escape pair, one char."""
    text = "  US\\$1 \n\n“x”"
    n = normalize(text)
    assert n.text == 'US$1 "x"'
    assert [text[s:e] for s, e in n.spans] == ["U", "S", "\\$", "1", " \n\n", "“", "x", "”"]
    assert n.original(0, 4) == (2, 7)  # "US\$1"
    assert n.original(2, 8) == (4, len(text))
    assert n.original(3, 3) == (6, 6)  # empty: a point at the character's start
    assert n.original(8, 8) == (len(text), len(text))  # a point at the end


_ALPHABET = "ab \n\t\u00a0'\"‘’“”«»-–—−\\$*_#x"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=_ALPHABET, max_size=40), st.data())
def test_normalize_original_covers_the_right_characters(text: str, data: st.DataObject) -> None:
    """For any text: one span per folded character, in order and disjoint; a span folds to its
    character; only outer whitespace is dropped; and original(i, j) re-folds to text[i:j]."""
    n = normalize(text)
    assert len(n.spans) == len(n.text)
    previous_end = 0
    for (start, end), char in zip(n.spans, n.text, strict=True):
        assert previous_end <= start < end <= len(text)
        previous_end = end
        raw = text[start:end]
        if char == " ":
            assert raw.isspace()
        else:
            assert normalize(raw).text == char
    covered = {k for start, end in n.spans for k in range(start, end)}
    assert all(text[k].isspace() for k in range(len(text)) if k not in covered)
    if n.text:
        i = data.draw(st.integers(0, len(n.text) - 1), label="i")
        j = data.draw(st.integers(i + 1, len(n.text)), label="j")
        start, end = n.original(i, j)
        assert normalize(text[start:end]).text == n.text[i:j].strip(" ")


# ---- forgiven -------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("quote", "source", "kinds"),
    [
        ("same words", "same words", []),
        ("a b", "a\n\nb", ["line breaks"]),
        ("a\nb", "a b", ["line breaks"]),
        ("a b", "a   b", ["whitespace"]),
        ("a b", "a\tb", ["whitespace"]),
        ('"Comprehensive Measures"', "“Comprehensive Measures”", ["quotes"]),
        ("foreign children's", "foreign children’s", ["quotes"]),
        ("mid-term", "mid–term", ["dashes"]),
        ("2005 - 2020", "2005 — 2020", ["dashes"]),
        ("US$142,000", "US\\$142,000", ["escapes"]),
        ('"US$1" - a\nb', "“US\\$1” — a  b", ["dashes", "escapes", "line breaks", "quotes"]),
    ],
)
def test_forgiven_names_each_kind(quote: str, source: str, kinds: list[str]) -> None:
    assert normalize(quote).text == normalize(source).text  # forgivable by construction
    assert forgiven(quote, source) == kinds


# ---- find_all, find_in_passage, source_range --------------------------------------------------

@pytest.mark.parametrize(
    ("quote", "text", "expected"),
    [
        ("says yes", "Alpha says yes. Beta says yes. Gamma says yes.",
         [(6, 14), (21, 29), (37, 45)]),
        ("aa", "aaaa", [(0, 2), (1, 3), (2, 4)]),  # overlapping occurrences count
        ("a b", "a\nb a  b", [(0, 3), (4, 8)]),  # source offsets, whitespace as in the source
        ('"x"', "“x” and “x”", [(0, 3), (8, 11)]),
        ("US$1", "US\\$1", [(0, 5)]),  # the escape pair is inside the range
        ("absent", "nothing here", []),
        ("", "anything", []),
        ("  ", "anything", []),
    ],
)
def test_find_all(quote: str, text: str, expected: list[Span]) -> None:
    assert find_all(quote, text) == expected


SOURCE = "Heading\n\nAlpha beta\n\ngamma delta\n \n epsilon zeta\n"
PASSAGE = make_passage(SOURCE, ["Alpha beta", "gamma delta", "epsilon zeta"])


def test_hand_made_passage() -> None:
    assert PASSAGE.text == "Alpha beta gamma delta epsilon zeta"
    assert PASSAGE.spans == ((9, 19), (21, 32), (36, 48))
    assert passage_range(PASSAGE) == (9, 48)


@pytest.mark.parametrize(
    ("start", "end", "source_slice"),
    [
        (0, 5, "Alpha"),
        (6, 16, "beta\n\ngamma"),  # across the first break
        (0, 10, "Alpha beta"),  # ends at a span's end
        (10, 16, "gamma"),  # starts on the joining space: the next span's start
        (0, 11, "Alpha beta\n\n"),  # ends after the joining space: at the next span's start
        (17, 35, "delta\n \n epsilon zeta"),
        (0, 35, "Alpha beta\n\ngamma delta\n \n epsilon zeta"),
        (23, 30, "epsilon"),
    ],
)
def test_source_range(start: int, end: int, source_slice: str) -> None:
    s, e = source_range(PASSAGE, start, end)
    assert SOURCE[s:e] == source_slice


@pytest.mark.parametrize(
    ("quote", "text_span", "source_slice"),
    [
        ("beta gamma", (6, 16), "beta\n\ngamma"),
        ("beta\ngamma", (6, 16), "beta\n\ngamma"),  # a quote with its own line break
        ("delta  epsilon zeta", (17, 35), "delta\n \n epsilon zeta"),
        ("Alpha", (0, 5), "Alpha"),
    ],
)
def test_find_in_passage(quote: str, text_span: Span, source_slice: str) -> None:
    found = find_in_passage(quote, PASSAGE)
    assert found == text_span
    s, e = source_range(PASSAGE, *found)
    assert SOURCE[s:e] == source_slice


@pytest.mark.parametrize("quote", ["Heading", "zeta omega", "beta delta", ""])
def test_find_in_passage_misses(quote: str) -> None:
    assert find_in_passage(quote, PASSAGE) is None


# ---- words, word_diff, closest ----------------------------------------------------------------

def test_words_keep_inner_punctuation() -> None:
    assert words("In 2021, Japan contributed approx. US$142,000 (e.g. 45,970).") == [
        "In", "2021", ",", "Japan", "contributed", "approx", ".", "US$142,000", "(", "e.g",
        ".", "45,970", ")", ".",
    ]


def test_word_diff_trims_the_source_to_the_quote() -> None:
    """Words of the source outside the stretch the quote lines up with are not reported."""
    ops = word_diff(["a", "b", "c"], ["x", "y", "a", "b", "d", "z"])
    assert ops == (("equal", ["a", "b"], ["a", "b"]), ("replace", ["c"], ["d"]))
    ops = word_diff(["X", "b", "c"], ["q", "a", "b", "c", "r"])
    assert ops == (("replace", ["X"], ["a"]), ("equal", ["b", "c"], ["b", "c"]))


SKILLED = ("As for the objective 5, the status was established. At the end of November 2021, the "
           "number of specified skilled workers in Japan was 45,970.")
POLICE = ("As for objective 9, in 2020, the police arrested 339 suspects in 335 cases for "
          "facilitating illegal work, 579 suspects in 790 cases for having fake residence cards.")
OTHER = "The training for the Organization for Technical Intern Training has been started."


@pytest.mark.parametrize(
    ("quote", "expected", "rendered"),
    [
        ("the number of specified skilled workers in Japan was 45,907.",
         [("replace", ["45,907"], ["45,970"])],
         "the number of specified skilled workers in Japan was [-45,907-] {+45,970+}."),
        ("the number of skilled workers in Japan was 45,970.",
         [("insert", [], ["specified"])],
         "the number of {+specified+} skilled workers in Japan was 45,970."),
        ("in 2020, the arrested police 339 suspects in 335 cases",
         [("insert", [], ["police"]), ("delete", ["police"], [])],
         "in 2020, the {+police+} arrested [-police-] 339 suspects in 335 cases"),
        ("in 2020, the police have arrested 339 suspects in 335 cases",
         [("delete", ["have"], [])],
         "in 2020, the police [-have-] arrested 339 suspects in 335 cases"),
    ],
    ids=["changed number", "dropped word", "swapped words", "added word"],
)
def test_closest_and_word_diff(quote: str, expected: list[DiffOp], rendered: str) -> None:
    passages = [make_passage(t, [t], f"doc:1a.{i}") for i, t in enumerate([OTHER, SKILLED, POLICE])]
    misquote = closest(quote, passages)
    assert isinstance(misquote, Misquote)
    assert misquote.passage.text == (SKILLED if "workers" in quote else POLICE)
    assert changes(misquote.ops) == expected
    assert misquote.rendered == rendered
    assert 75 < misquote.similarity < 100
    as_dict = misquote.to_dict()
    assert as_dict["found"] is False and as_dict["closest"] == misquote.passage.id
    assert as_dict["ops"] == [{"op": op, "quote": q, "source": s} for op, q, s in expected]


def test_word_diff_of_words_added_at_the_end() -> None:
    """The user added "in Japan" after "illegal work": the diff should say just that, not that
    they dropped ", 579 suspects" and wrote "Japan" for "790"."""
    misquote = closest("the police arrested 339 suspects in 335 cases for facilitating "
                       "illegal work in Japan", [make_passage(POLICE, [POLICE])])
    assert misquote is not None
    changed = changes(misquote.ops)
    # What the user added is marked; the source words beside it may be shown as what it replaced.
    assert [w for _, quoted, _ in changed for w in quoted] == ["in", "Japan"]


def test_closest_of_nothing() -> None:
    assert closest("", [PASSAGE]) is None
    assert closest("words", []) is None


# ---- anchor -----------------------------------------------------------------------------------

TEXT = ("The first sentence opens the review. The target sentence says that 45,970 skilled "
        "workers came to Japan by November 2021. The last sentence closes the review.\n")
TARGET = ("The target sentence says that 45,970 skilled workers came to Japan by November "
          "2021.")


def _selectors_for(text: str, part: str) -> list[dict[str, Any]]:
    start = text.index(part)
    return selectors(text, start, start + len(part))


def test_selectors_shape_and_context() -> None:
    found = _selectors_for(TEXT, TARGET)
    start = TEXT.index(TARGET)
    assert found == [
        {"type": "TextQuoteSelector", "exact": TARGET, "prefix": TEXT[start - CONTEXT : start],
         "suffix": TEXT[start + len(TARGET) : start + len(TARGET) + CONTEXT]},
        {"type": "TextPositionSelector", "start": start, "end": start + len(TARGET)},
    ]
    assert CONTEXT == 32
    at_edges = selectors(TEXT, 0, 3)[0], selectors(TEXT, len(TEXT) - 4, len(TEXT))[0]
    assert at_edges[0]["prefix"] == "" and at_edges[1]["suffix"] == ""


def test_anchor_by_position_when_unchanged() -> None:
    start = TEXT.index(TARGET)
    found = anchor(TEXT, _selectors_for(TEXT, TARGET))
    assert found == Anchor("anchored", "position", start, start + len(TARGET), 100.0)


def test_anchor_by_quote_after_an_insertion() -> None:
    inserted = "A new first sentence was added. "
    changed = inserted + TEXT
    found = anchor(changed, _selectors_for(TEXT, TARGET))
    start = TEXT.index(TARGET) + len(inserted)
    assert (found.status, found.method) == ("anchored", "quote")
    assert (found.start, found.end) == (start, start + len(TARGET))
    assert changed[found.start : found.end] == TARGET


def test_anchor_by_quote_forgives_line_breaks() -> None:
    """The document was re-wrapped: the quote is still found, and what was forgiven is named."""
    changed = "Intro.\n" + TEXT.replace("skilled workers", "skilled\nworkers")
    found = anchor(changed, _selectors_for(TEXT, TARGET))
    assert found.method == "quote" and found.forgiven == ["line breaks"]
    assert normalize(changed[found.start : found.end]).text == TARGET


THRICE = "Alpha says yes to the plan. Beta says yes to the plan. Gamma says yes to the plan."


@pytest.mark.parametrize("which", [0, 1, 2])
@pytest.mark.parametrize("hint", ["none", "stale", "misleading"])
def test_anchor_chooses_among_repeats_by_context(which: int, hint: str) -> None:
    """The same words three times: prefix and suffix decide, and outweigh a position hint that
    is near another occurrence (a hint exactly on one is taken as it is, by design)."""
    places = find_all("says yes", THRICE)
    start, end = places[which]
    quote, position = selectors(THRICE, start, end)
    moved = "Shifted. " + THRICE
    shift = len("Shifted. ")
    if hint == "none":
        chosen = [quote]
    elif hint == "stale":
        chosen = [quote, position]
    else:  # a few characters off another occurrence of the words
        other = places[(which + 1) % 3]
        chosen = [quote, {"type": "TextPositionSelector", "start": other[0] + shift + 2,
                          "end": other[1] + shift + 2}]
    found = anchor(moved, chosen)
    assert found.method == "quote"
    assert (found.start, found.end) == (start + shift, end + shift)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("skilled", "qualified"),
        ("45,970", "46,100"),
        ("workers", "foreign workers"),
        ("came to", "arrived in"),
    ],
)
def test_anchor_fuzzy_after_a_word_changed(old: str, new: str) -> None:
    """A correction inside the quote: anchored by "fuzzy" exactly on the corrected sentence."""
    corrected = TARGET.replace(old, new)
    changed = "An added sentence. " + TEXT.replace(TARGET, corrected)
    found = anchor(changed, _selectors_for(TEXT, TARGET))
    assert (found.status, found.method) == ("anchored", "fuzzy")
    assert changed[found.start : found.end] == corrected
    assert 75 <= found.score < 92


SHORT = ("In the specialized training, 13 training sessions were conducted from 2009 to 2021. "
         "A total of 283 officials attended the training.\n\nThe training for the Organization "
         "has been started from 2020.\n")
SHORT_TARGET = "A total of 283 officials attended the training."


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("283", "285"),
        ("officials", "staff"),
        ("training.", "course."),
        ("A total", "In total,"),
    ],
)
def test_anchor_fuzzy_in_a_short_sentence(old: str, new: str) -> None:
    """A short sentence, corrected: the anchor must still cover exactly the corrected words,
    including when the correction is its first or last word."""
    corrected = SHORT_TARGET.replace(old, new)
    changed = SHORT.replace(SHORT_TARGET, corrected)
    found = anchor(changed, _selectors_for(SHORT, SHORT_TARGET))
    assert found.method == "fuzzy"
    assert changed[found.start : found.end] == corrected


def test_anchor_orphaned_when_the_quote_is_deleted() -> None:
    changed = TEXT.replace(TARGET + " ", "")
    found = anchor(changed, _selectors_for(TEXT, TARGET))
    assert found.status == "orphaned" and found.method == ""


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (4, 9, Anchor("anchored", "position", 4, 9, 100.0)),
        (0, 0, Anchor("anchored", "position", 0, 0, 100.0)),
        (0, len(TEXT), Anchor("anchored", "position", 0, len(TEXT), 100.0)),
        (4, len(TEXT) + 1, Anchor("orphaned")),  # past the end
        (9, 4, Anchor("orphaned")),  # backwards
        (-3, 4, Anchor("orphaned")),
        ("4", 9, Anchor("orphaned")),  # not integers
        (True, 9, Anchor("orphaned")),
        (4, None, Anchor("orphaned")),
    ],
)
def test_anchor_with_only_a_position_selector(start: Any, end: Any, expected: Anchor) -> None:
    assert anchor(TEXT, [{"type": "TextPositionSelector", "start": start, "end": end}]) == expected


@pytest.mark.parametrize(
    "junk",
    [
        [],
        [{}],
        [{"type": "CssSelector", "value": "p:nth-child(2)"}],
        [{"type": "TextQuoteSelector"}],
        [{"type": "TextQuoteSelector", "exact": ""}],
        [{"type": "TextQuoteSelector", "exact": "words that are nowhere in the text at all"}],
        [{"type": "TextQuoteSelector", "exact": None}],
        [{"type": "TextQuoteSelector", "exact": ["not", "a", "string"]}],
        [{"type": "TextPositionSelector"}],
    ],
)
def test_anchor_junk_selectors_are_orphaned(junk: list[dict[str, Any]]) -> None:
    assert anchor(TEXT, junk).status == "orphaned"


def test_anchor_ignores_a_wrongly_typed_hint() -> None:
    quote = _selectors_for(TEXT, TARGET)[0]
    found = anchor(TEXT, [quote, {"type": "TextPositionSelector", "start": "37", "end": None}])
    assert found.method == "quote" and TEXT[found.start : found.end] == TARGET


def test_anchor_negative_position_hint() -> None:
    start = TEXT.index(TARGET)
    quote = _selectors_for(TEXT, TARGET)[0]
    negative = start - len(TEXT)
    found = anchor(TEXT, [quote, {"type": "TextPositionSelector", "start": negative,
                                  "end": negative + len(TARGET)}])
    assert (found.start, found.end) == (start, start + len(TARGET))
