"""End to end on the Japan index: spelling, acronyms, typos, numbers and questions are forgiven."""

from __future__ import annotations

import pytest

from search.index import OpenIndex
from search.results import Request, correct, search

JP = "japan-2022"


def top(opened: OpenIndex, text: str, n: int = 3) -> list[str]:
    return [h.passage.id.removeprefix(f"{JP}:") for h in search(opened, Request(text)).hits[:n]]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("labour shortages", "1a.1"),  # the text says "labor"
        ("Ministry of Health, Labour and Welfare", "1b.3"),
        ("labour management guidelines", "1a.3"),
        ("counselling for foreign nationals", "4b.6"),  # mostly "counseling" in the text
        ("organised crime groups", "2a.1"),
        ("resettlement programme", "4a.1"),
    ],
)
def test_british_spelling_finds_american_text(japan_index: OpenIndex, query: str,
                                              expected: str) -> None:
    assert expected in top(japan_index, query)


def test_american_spelling_finds_british_text(japan_index: OpenIndex) -> None:
    """2b.1 writes "counselling": the American form finds it too, and is not "corrected"."""
    results = search(japan_index, Request("counseling repatriation"))
    assert f"{JP}:2b.1" in [h.passage.id for h in results.hits[:2]]
    assert results.suggestion is None
    marked = [text for text, hit in results.hits[1].segments if hit]
    assert {"counselling", "counseling"} & set(marked)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("International Organization for Migration contribution", "2a.7"),
        ("IOM", "1a.5"),  # 1a.5 spells the name out and defines the acronym
        ("UN refugee agency Malaysia", "4b.3"),  # the text says "UNHCR"
        ("United Nations Office on Drugs and Crime", "2a.5"),  # the text says "UNODC"
        ("Japan International Cooperation Agency", "2a.6"),  # the text says "JICA"
        ("Ministry of Education, Culture, Sports, Science and Technology", "3b.2"),
    ],
)
def test_acronyms_and_names_find_each_other(japan_index: OpenIndex, query: str,
                                            expected: str) -> None:
    assert expected in top(japan_index, query)


def test_name_matches_as_a_phrase_not_a_bag_of_words(japan_index: OpenIndex) -> None:
    """"UN refugee agency" must not match every passage with "refugee" as if it were UNHCR."""
    results = search(japan_index, Request("UN refugee agency"))
    assert [h.passage.id for h in results.hits][:1] == [f"{JP}:4b.3"]
    marked = [text for text, hit in results.hits[0].segments if hit]
    assert "UNHCR" in marked


@pytest.mark.parametrize(
    ("typo", "meant", "expected"),
    [
        ("trafficing victims", "trafficking victims", "2a.7"),
        ("remitances", "remittance", "3b.3"),  # the corpus has the singular only
        ("discrimnation", "discrimination", "4b.5"),
        ("smugling of migrants", "smuggling migrants", "2a.5"),
    ],
)
def test_typos_are_corrected_and_said(japan_index: OpenIndex, typo: str, meant: str,
                                      expected: str) -> None:
    results = search(japan_index, Request(typo, mode="words"))
    assert results.suggestion == f"Showing results for {meant}"
    assert results.searched == meant
    assert expected in [h.passage.id.removeprefix(f"{JP}:") for h in results.hits[:3]]


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("trafficing", "trafficking"),  # 10 letters: 1 edit
        ("remitances", "remittance"),  # 2 edits from the only form the corpus has
        ("resetlement", "resettlement"),  # 11 letters, 1 edit
        ("resetlment", "resettlement"),  # 10 letters, 2 edits
        ("lobar", None),  # 5 letters, 2 edits from "labor": too far
        ("vctims", "victims"),  # 6 letters, 1 edit
        ("iom", None),  # under 5 letters: never
        ("labour", None),  # a word the corpus has (as "labor"): never corrected
        ("training", None),
    ],
)
def test_correction_distance_rules(japan_index: OpenIndex, word: str,
                                   expected: str | None) -> None:
    with japan_index.ix.searcher() as searcher:
        assert correct(searcher, word) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("45970", "1a.1"),
        ("45,970", "1a.1"),
        ("142000", "2a.7"),
        ("covid19", "4b.3"),
        ("covid-19", "4b.3"),
        ("non Japanese victims", "2a.8"),
        ("non-Japanese victims", "2a.8"),
    ],
)
def test_numbers_and_tokens(japan_index: OpenIndex, query: str, expected: str) -> None:
    assert expected in top(japan_index, query)


def test_question_ranks_the_contribution_paragraphs_first(japan_index: OpenIndex) -> None:
    assert set(top(japan_index, "how much did Japan contribute to IOM", 2)) == {"2a.7", "4a.1"}
