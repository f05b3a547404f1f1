"""highlight.py: what a query matched -> marked segments -> ANSI, **plain** and HTML. Pure."""

from __future__ import annotations

import pytest

from search.highlight import (
    Segments,
    as_ansi,
    as_html,
    as_plain,
    matched_spans,
    readable,
    segments,
)
from search.query import parse


def _marked(text: str, query: str) -> list[str]:
    """The highlighted runs of `text` for `query`."""
    return [piece for piece, hit in segments(text, matched_spans(text, parse(query).units)) if hit]


@pytest.mark.parametrize(
    ("text", "query", "marked"),
    [
        # stems match inflections both ways
        ("One worker and many workers were working.", "worker", ["worker", "workers"]),
        ("Trafficked victims of trafficking.", "trafficking", ["Trafficked", "trafficking"]),
        ("A victim, two victims.", "victims", ["victim", "victims"]),
        # case does not matter
        ("TRAFFICKING in persons", "trafficking", ["TRAFFICKING"]),
        # numbers match however their thousands are written
        ("the number was 45,970.", "45970", ["45,970"]),
        ("the number was 45970.", "45,970", ["45970"]),
        # stop words in the query mark nothing
        ("the state of the art", "the of", []),
        # a word that is not in the text marks nothing
        ("nothing to see here", "trafficking", []),
        # adjacent matches merge into one run; punctuation between them keeps them apart
        ("specified skilled workers in Japan", "specified skilled workers",
         ["specified skilled workers"]),
        ("skilled, workers", "skilled workers", ["skilled", "workers"]),
    ],
)
def test_words_are_marked_by_stem(text: str, query: str, marked: list[str]) -> None:
    """Unquoted words highlight every inflection that the stemmed index would match."""
    assert _marked(text, query) == marked


@pytest.mark.parametrize(
    ("text", "query", "marked"),
    [
        # only where the whole phrase occurs, in order
        ("skilled workers need skilled labour, and workers rest", '"skilled workers"',
         ["skilled workers"]),
        ("workers skilled", '"skilled workers"', []),
        # phrases are exact: no stemming
        ("skilled worker and skilled workers", '"skilled workers"', ["skilled workers"]),
        ("Specified Skilled Worker (i)", '"specified skilled worker"',
         ["Specified Skilled Worker"]),
        # stop words inside a phrase count
        ("status of residence, status residence", '"status of residence"',
         ["status of residence"]),
        # two occurrences, two runs
        ("in persons; trafficking in persons", '"in persons"', ["in persons", "in persons"]),
    ],
)
def test_phrases_are_marked_only_where_whole(text: str, query: str, marked: list[str]) -> None:
    """A quoted phrase highlights its exact words where they occur together, nowhere else."""
    assert _marked(text, query) == marked


def test_phrase_and_word_together() -> None:
    """A word unit still marks its own matches outside the phrase."""
    text = "skilled workers and training of workers"
    assert _marked(text, '"skilled workers" training') == ["skilled workers", "training"]


def test_matched_spans_are_character_offsets() -> None:
    text = "As for workers, the workers."
    spans = matched_spans(text, parse("worker").units)
    assert spans == [(7, 14), (20, 27)]
    assert [text[s:e] for s, e in spans] == ["workers", "workers"]


@pytest.mark.parametrize(
    ("text", "spans", "expected"),
    [
        ("abc def", [], (("abc def", False),)),
        ("abc def", [(0, 3)], (("abc", True), (" def", False))),
        ("abc def", [(4, 7)], (("abc ", False), ("def", True))),
        # separated only by spaces: one run
        ("abc  def ghi", [(0, 3), (5, 8)], (("abc  def", True), (" ghi", False))),
        # overlapping and unsorted spans merge
        ("abcdef", [(2, 5), (0, 3)], (("abcde", True), ("f", False))),
        # separated by punctuation: two runs
        ("abc, def", [(0, 3), (5, 8)], (("abc", True), (", ", False), ("def", True))),
        ("", [], ()),
    ],
)
def test_segments(text: str, spans: list[tuple[int, int]],
                  expected: tuple[tuple[str, bool], ...]) -> None:
    """Segments cut the text without losing or repeating a character."""
    parts = segments(text, spans)
    assert parts == expected
    assert "".join(p for p, _ in parts) == text


def test_formats() -> None:
    """One segmentation, three renderings: terminal, pipe and web."""
    parts = (("Trafficking", True), (" in ", False), ("persons", True), (".", False))
    assert as_ansi(parts) == "\x1b[1mTrafficking\x1b[22m in \x1b[1mpersons\x1b[22m."
    assert as_plain(parts) == "**Trafficking** in **persons**."
    assert as_html(parts) == "<mark>Trafficking</mark> in <mark>persons</mark>."


def test_html_escapes_text_and_matches() -> None:
    """Passage text is data: markup in it must never reach a page as markup."""
    text = '<script>alert("workers")</script> & workers <b>'
    html = as_html(segments(text, matched_spans(text, parse("workers").units)))
    assert "<script>" not in html and "<b>" not in html
    assert html == (
        "&lt;script&gt;alert(&quot;<mark>workers</mark>&quot;)&lt;/script&gt; &amp; "
        "<mark>workers</mark> &lt;b&gt;"
    )
    # the only tags left are ours
    assert html.replace("<mark>", "").replace("</mark>", "").count("<") == 0


def test_html_escapes_inside_a_mark() -> None:
    parts = (("a<b", True), ("&", False))
    assert as_html(parts) == "<mark>a&lt;b</mark>&amp;"


def test_plain_and_ansi_keep_text_otherwise_unchanged() -> None:
    text = "As for the objective 10, trafficking in persons <x> & co."
    parts = segments(text, matched_spans(text, parse("trafficking").units))
    assert as_plain(parts).replace("**", "") == text
    assert as_ansi(parts).replace("\x1b[1m", "").replace("\x1b[22m", "") == text


@pytest.mark.parametrize(("parts", "expected"), [
    # A mark that cuts between the backslash and the character it escapes.
    ((("approx. US\\", False), ("$142,000", True), (" to", False)),
     (("approx. US", False), ("$142,000", True), (" to", False))),
    ((("US\\$142,000", True),), (("US$142,000", True),)),
    ((("\\", False), ("$", True)), (("$", True),)),  # an emptied piece goes
    ((("a \\* b \\_c\\_ \\\\ d", False),), (("a * b _c_ \\\\ d", False),)),
    ((("no escapes", False),), (("no escapes", False),)),
])
def test_readable_undoes_markdown_escapes(parts: Segments, expected: Segments) -> None:
    assert readable(parts) == expected


def test_formatters_show_text_as_a_reader_sees_it() -> None:
    parts = segments("cost US\\$142,000 in <all>", [(5, 16)])
    assert as_plain(parts) == "cost **US$142,000** in <all>"
    assert as_html(parts) == "cost <mark>US$142,000</mark> in &lt;all&gt;"
    assert as_ansi(parts) == "cost \x1b[1mUS$142,000\x1b[22m in <all>"
