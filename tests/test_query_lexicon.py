"""Query parsing with acronyms: an acronym also matches its names as phrases, and the reverse."""

from __future__ import annotations

from search.acronyms import CURATED, Lexicon
from search.index.schema import TEXT_FIELD, TOPICS_FIELD
from search.query import all_of, parse

LEXICON = Lexicon.build(CURATED)


def test_acronym_gets_its_names_as_phrases() -> None:
    (unit,) = parse("IOM", LEXICON).units
    assert (TEXT_FIELD, ("iom",)) in unit.options
    assert (TEXT_FIELD, ("intern", "organ", "migrat")) in unit.options


def test_name_typed_out_becomes_one_unit_with_its_acronym() -> None:
    units = parse("International Organization for Migration contribution", LEXICON).units
    assert [u.text for u in units] == ["International Organization Migration", "contribution"]
    assert units[0].options == (
        (TEXT_FIELD, ("intern", "organ", "migrat")), (TEXT_FIELD, ("iom",))
    )


def test_name_is_a_phrase_not_a_bag_of_words() -> None:
    query = str(all_of(parse("UN refugee agency", LEXICON).units))
    assert 'text:"un refuge agenc"' in query and "text:unhcr" in query


def test_quoted_name_also_matches_its_acronym() -> None:
    (unit,) = parse('"United Nations High Commissioner for Refugees"', LEXICON).units
    assert unit.phrase and (TEXT_FIELD, ("unhcr",)) in unit.options


def test_capitalised_acronym_is_not_a_question_word() -> None:
    assert next(u.text for u in parse("WHO guidance on health", LEXICON).units) == "WHO"
    assert next(u.text for u in parse("who gives health guidance", LEXICON).units) == "gives"


def test_words_also_look_in_topics_but_only_rank_there() -> None:
    (unit,) = parse("smuggling", LEXICON).units
    assert (TOPICS_FIELD, ("smuggl",)) in unit.options
    query = str(all_of(parse("smuggling migrants", LEXICON).units))
    assert "ANDMAYBE" in query
