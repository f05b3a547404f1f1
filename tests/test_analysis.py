"""Analyzers as pure pipelines: what a text becomes in the index, tested without an index."""

from __future__ import annotations

import pytest

from search.index.analysis import exact, positions, stemmed, terms, token_spans
from search.sources import Source


@pytest.mark.parametrize(
    ("typed", "written"),
    [
        ("45970", "45,970"),
        ("142000", "US\\$142,000"),
        ("covid19", "COVID-19"),
        ("covid-19", "COVID-19"),
        ("COVID 19", "COVID-19"),
        ("non Japanese", "non-Japanese"),
        ("labour", "labor"),
        ("programmes", "program"),
        ("organisations", "organizations"),
        ("counselling", "counseling"),
        ("centre", "centers"),
        ("workers", "worker"),
    ],
)
def test_typed_and_written_forms_meet(typed: str, written: str) -> None:
    assert terms(stemmed(), typed) == terms(stemmed(), written)


def test_numbers() -> None:
    assert terms(exact(), "45,970 and 1.6% and 106.8 million and 2019-2022") == [
        "45970", "and", "1.6", "and", "106.8", "million", "and", "2019", "2022"
    ]
    # A list of numbers is not one number.
    assert terms(exact(), "objectives 2,5 and 6") == ["objectives", "2", "5", "and", "6"]


def test_stop_words_leave_the_stemmed_field_only() -> None:
    assert terms(stemmed(), "the status of residence") == ["statu", "resid"]
    assert terms(exact(), "the status of residence") == ["the", "status", "of", "residence"]
    # "may" is a month in these reviews, so it is kept.
    assert len(terms(stemmed(), "May 2021")) == 2


def test_token_spans_point_into_the_text() -> None:
    text = "Labour shortages: 45,970 in the COVID-19 year."
    spans = token_spans(text)
    assert [text[s:e] for s, e, _, _ in spans] == [
        "Labour", "shortages", "45,970", "in", "the", "COVID", "19", "year"
    ]
    assert [stem for _, _, stem, _ in spans][:3] == ["labor", "shortag", "45970"]
    assert [stem for _, _, stem, _ in spans][3:5] == ["", ""]  # stop words


def _spans_by_whole_analyzers(text: str, lang: str) -> list[tuple[int, int, str, str]]:
    """token_spans as the analyzers make it over the whole text (what the fast path replaces)."""
    stems = [(t.startchar, t.endchar, "" if t.stopped else t.text)
             for t in stemmed(lang)(text, chars=True, removestops=False)]
    plain = [t.text for t in exact()(text)]
    return [(s, e, stem, word) for (s, e, stem), word in zip(stems, plain, strict=True)]


@pytest.mark.parametrize("lang", ["en", "fr", "es"])
def test_token_spans_equal_the_analyzers_over_the_whole_text(japan_source: Source, lang: str
                                                             ) -> None:
    samples = [
        japan_source.text,
        "L'État et la société: 1 234 réfugiés, 45,970 travailleurs (COVID-19) à l'OIM.",
        "Las víctimas de trata; 12.5% más; «programa» de reintegración, año 2021-2022.",
        "1,234,5678 9,99 0.5.6 ﬁnance Straße İstanbul ǅ x² ①",
    ]
    for text in samples:
        assert token_spans(text, lang) == _spans_by_whole_analyzers(text, lang)


def _positions_by_analyzer(text: str, analyzer: object) -> dict[str, list[int]]:
    found: dict[str, list[int]] = {}
    for token in analyzer(text, positions=True):  # type: ignore[operator]
        found.setdefault(token.text, []).append(token.pos)
    return found


@pytest.mark.parametrize("lang", ["en", "fr", "es"])
def test_positions_are_those_of_the_two_analyzers(japan_source: Source, lang: str) -> None:
    """One tokenization gives both fields' terms and positions, stop words renumbered as
    Whoosh's StopFilter does (from the first kept word's own position)."""
    samples = [
        japan_source.text,
        "The the of and labour: 45,970 in the COVID-19 year.",  # starts with stop words
        "L'État et la société: 1 234 réfugiés, 45,970 travailleurs (COVID-19) à l'OIM.",
        "Las víctimas de trata; 12.5% más; «programa» de reintegración, año 2021-2022.",
        "the of and",  # nothing but stop words
        "",
    ]
    for text in samples:
        stems, plains = positions(text, lang)
        assert stems == _positions_by_analyzer(text, stemmed(lang))
        assert plains == _positions_by_analyzer(text, exact())
    assert positions("The labour of migrants", "en")[0] == {"labor": [1], "migrant": [2]}


def test_words_forgotten_past_the_limit_are_worked_out_again(
        japan_source: Source, monkeypatch: pytest.MonkeyPatch) -> None:
    """The words' terms kept per language are bounded; forgetting them changes no term."""
    import search.index.analysis as analysis

    monkeypatch.setattr(analysis, "WORDS_KEPT", 50)
    analysis._known_words("en").clear()  # what other tests left
    text = japan_source.text[:20_000]
    stems, plains = positions(text, "en")
    assert len(analysis._known_words("en")) <= 50
    assert stems == _positions_by_analyzer(text, stemmed("en"))
    assert plains == _positions_by_analyzer(text, exact())
    assert token_spans("Labour migrants", "en") == [(0, 6, "labor", "labor"),
                                                    (7, 15, "migrant", "migrants")]
