"""Analyzers as pure pipelines: what a text becomes in the index, tested without an index."""

from __future__ import annotations

import pytest

from search.analysis import exact, stemmed, terms, token_spans


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
