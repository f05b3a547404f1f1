"""query.py: user text -> words and phrases -> Whoosh queries. Pure: no index needed."""

from __future__ import annotations

import pytest
from whoosh import query as wq

from search.index.schema import EXACT_FIELD, TEXT_FIELD, TOPICS_FIELD
from search.query import (
    MAX_PHRASE_TERMS,
    MAX_QUERY_CHARS,
    MAX_UNITS,
    Filters,
    Unit,
    advanced,
    all_of,
    any_of,
    filter_query,
    parse,
    unit_query,
)

Shape = list[tuple[str, bool, tuple[str, ...]]]


def _shape(text: str) -> Shape:
    return [(u.text, u.phrase, u.terms) for u in parse(text).units]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("trafficking", [("trafficking", False, ("traffick",))]),
        ("Victims repatriation", [("Victims", False, ("victim",)),
                                  ("repatriation", False, ("repatri",))]),
        # straight, curly, low-high and guillemet quotes all make phrases, unstemmed
        ('"skilled workers"', [("skilled workers", True, ("skilled", "workers"))]),
        ("“skilled workers” training", [("skilled workers", True, ("skilled", "workers")),
                                        ("training", False, ("train",))]),
        ("„baz qux“ «foo bar»", [("baz qux", True, ("baz", "qux")),
                                 ("foo bar", True, ("foo", "bar"))]),
        # stop words are kept inside a phrase (the exact field keeps them)
        ('"status of residence"', [("status of residence", True, ("status", "of", "residence"))]),
        # an unbalanced quote is just punctuation around a word
        ('"unbalanced phrase', [("unbalanced", False, ("unbalanc",)),
                                ("phrase", False, ("phrase",))]),
        ('phrase unbalanced"', [("phrase", False, ("phrase",)),
                                ("unbalanced", False, ("unbalanc",))]),
        # a word that splits into several tokens stays one unit
        ("multi-agent", [("multi-agent", False, ("multi", "agent"))]),
        ("45,970", [("45,970", False, ("45970",))]),
        # trailing punctuation and brackets are not part of a word
        ("(trafficking)?", [("trafficking", False, ("traffick",))]),
        # the same stem twice is searched once
        ("Workers workers WORKERS", [("Workers", False, ("worker",))]),
        # only stop words, or nothing: no units
        ("the of and", []),
        ("", []),
        ("   ", []),
        ('""', []),
        ("* ( ) AND", []),
    ],
)
def test_parse_words_and_phrases(text: str, expected: Shape) -> None:
    """Words are stemmed for ranking; quoted phrases keep their exact words for phrase matching."""
    assert _shape(text) == expected


def test_question_words_dropped_when_other_words_remain() -> None:
    """A question like this must search its content words, not "how" or "many"."""
    parsed = parse("how many specified skilled workers are there in Japan")
    assert parsed.words == ("specified", "skilled", "workers", "Japan")


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("how many", ("how", "many")),  # nothing else: keep them, or the query would be empty
        ("what is there", ("what", "there")),
        ('"skilled workers" how many', ()),  # a phrase is another word: question words go
    ],
)
def test_question_words_kept_when_alone(text: str, words: tuple[str, ...]) -> None:
    """Question words are dropped only when something else remains to search."""
    assert parse(text).words == words
    assert parse(text).units, "a query must never parse to nothing because of this rule"


def test_phrase_units_search_the_exact_field() -> None:
    """Phrases are matched unstemmed in `exact`; words stemmed in `text`."""
    phrase, word = parse('"skilled workers" training').units
    assert (phrase.options[0][0], word.options[0][0]) == (EXACT_FIELD, TEXT_FIELD)
    assert unit_query(phrase) == wq.Phrase(EXACT_FIELD, ["skilled", "workers"])
    # A word matches the text, or the objectives a passage is filed under.
    assert unit_query(word) == wq.Or([wq.Term(TEXT_FIELD, "train"), wq.Term(TOPICS_FIELD, "train")])
    assert unit_query(word, in_text=True) == wq.Term(TEXT_FIELD, "train")


def test_one_word_phrase_is_an_exact_term() -> None:
    """'"workers"' means the exact word, not its stem."""
    (unit,) = parse('"workers"').units
    assert unit_query(unit) == wq.Term(EXACT_FIELD, "workers")


def test_multi_token_word_needs_all_its_tokens_in_order() -> None:
    (unit,) = parse("multi-agent").units
    assert unit_query(unit, in_text=True) == wq.Phrase(TEXT_FIELD, ["multi", "agent"])


def test_all_of_and_any_of() -> None:
    """Tier one needs every unit, tier two any; one unit is its own query."""
    units = parse("victims repatriation").units
    text = [wq.Term(TEXT_FIELD, "victim"), wq.Term(TEXT_FIELD, "repatri")]
    topics = [wq.Term(TOPICS_FIELD, "victim"), wq.Term(TOPICS_FIELD, "repatri")]
    # Tier one: every word in the passage's text; its objectives only add to the score.
    assert all_of(units) == wq.AndMaybe(wq.And(text), wq.Or(topics))
    assert any_of(units) == wq.Or([wq.Or([t, o]) for t, o in zip(text, topics, strict=True)])
    single = parse("victims").units
    assert all_of(single) == wq.AndMaybe(text[0], wq.Or([topics[0]]))
    assert any_of(single) == wq.Or([text[0], topics[0]])


def test_query_is_truncated_at_max_chars() -> None:
    """Words past MAX_QUERY_CHARS are ignored, so a huge paste costs a bounded amount of work."""
    padding = "x" * (MAX_QUERY_CHARS - 1) + " "
    assert len(padding) == MAX_QUERY_CHARS
    assert [u.text for u in parse(padding + "trafficking").units] == ["x" * (MAX_QUERY_CHARS - 1)]
    assert parse("trafficking " + padding).units[0].text == "trafficking"


def test_units_are_capped() -> None:
    words = " ".join(f"word{chr(97 + i // 26)}{chr(97 + i % 26)}" for i in range(MAX_UNITS + 10))
    units = parse(words).units
    assert len(units) == MAX_UNITS
    assert units[0].text == "wordaa"


@pytest.mark.parametrize(
    "text",
    ["*", "(", ")", "AND", "OR NOT", '"', "'", "\\", "\x00", "A/RES/73/195", "日本語 ∑ €",
     "a" * 10_000, "((((((((", "[a TO", "{x TO}", "title:(", "a:b:c", "~", "^", "tra*ing"],
)
def test_parse_never_raises_and_returns_units_of_terms(text: str) -> None:
    """User text is data: whatever is typed gives a (maybe empty) list of well-formed units."""
    parsed = parse(text)
    for unit in parsed.units:
        assert isinstance(unit, Unit)
        assert unit.terms and all(unit.terms)


@pytest.mark.parametrize(
    "text",
    ["", "*", "(", "((((", ")", "AND", "OR", "NOT", "NOT NOT", "AND OR", '"', '"a', "[a TO",
     "{x TO}", "title:(", "text:", "a:b:c", "id:\"", "position:>5", "order:[ TO", "~", "^",
     "\\", "\x00", "&&", "||", "-", "+", "!", "日本", "a" * 10_000, "trafficking^2"],
)
def test_advanced_never_raises(text: str) -> None:
    """The opt-in query language turns junk into some query, never an exception."""
    assert isinstance(advanced(text), wq.Query)


def test_advanced_understands_operators() -> None:
    q = advanced("trafficking AND victims")
    assert isinstance(q, wq.And)
    assert {t for _, t in q.iter_all_terms()} == {"traffick", "victim"}


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (Filters(), None),
        (Filters(objectives=(10,)), wq.Term("objectives", "10")),
        (Filters(objectives=(5, 6)),
         wq.Or([wq.Term("objectives", "5"), wq.Term("objectives", "6")])),
        (Filters(sections=("2",)), wq.Term("section", "2")),
        (Filters(sections=("2a",)), wq.Term("subsection", "2a")),
        (Filters(sections=("2", "3b")),
         wq.Or([wq.Term("section", "2"), wq.Term("subsection", "3b")])),
        (Filters(objectives=(5, 6), kinds=("progress",)),
         wq.And([wq.Or([wq.Term("objectives", "5"), wq.Term("objectives", "6")]),
                 wq.Term("kind", "progress")])),
        (Filters(objectives=(10,), kinds=("progress", "best_practice"), countries=("Japan",),
                 years=("2022",)),
         wq.And([wq.Term("objectives", "10"),
                 wq.Or([wq.Term("kind", "progress"), wq.Term("kind", "best_practice")]),
                 wq.Term("country", "Japan"), wq.Term("year", "2022")])),
        (Filters(clusters=("2",)), wq.Term("cluster", "2")),
    ],
)
def test_filter_query_or_within_and_across(filters: Filters, expected: wq.Query | None) -> None:
    """`-o 5 -o 6 --kind progress` means (5 or 6) and progress."""
    assert filter_query(filters) == expected


def test_filters_to_dict_and_truth() -> None:
    """Only given filters appear in the envelope; no filter is falsy (so a query is required)."""
    assert not Filters()
    assert Filters(years=("2022",))
    assert Filters(objectives=(10, 5), kinds=("progress",)).to_dict() == {
        "objective": ["10", "5"], "kind": ["progress"]}


def test_a_pasted_run_of_junk_is_matched_by_its_start() -> None:
    # "1e3" x 333 is one word of 668 terms; as a phrase it cost over half a second a search.
    junk = "1e3" * 333
    for text in (junk, f'"{" ".join(["word"] * 100)}"'):
        (unit,) = parse(text).units
        assert all(len(words) <= MAX_PHRASE_TERMS for _, words in unit.options)
    (unit,) = parse(junk).units
    assert len(unit.terms) == MAX_PHRASE_TERMS and unit.terms[:4] == ("1", "e", "31", "e")
