"""results.py on the real Japan index: ranking, filters, browsing, facets, paging, correction.

Expected sets are computed by brute force from the passages themselves (their stemmed words and
fields), so these tests check the index against the data rather than against remembered numbers.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable

import pytest

from search.errors import BadInput, NotFound
from search.index import OpenIndex
from search.index.analysis import exact, stemmed, terms
from search.index.schema import weighting
from search.meaning.infer import understood
from search.models import Passage, Results
from search.objectives import objective
from search.query import Filters
from search.results import (
    MAX_LIMIT,
    Request,
    all_passages,
    correct,
    every_hit,
    make_filters,
    neighbours,
    passage,
    search,
)

JP = "japan-2022"
CITATION_2A6 = ("Government of Japan, Voluntary GCM review by Japan (2022), section 2(a), para. 6 "
                "[japan-2022:2a.6].")


def _run(opened: OpenIndex, text: str = "", limit: int = MAX_LIMIT, page: int = 1,
         syntax: bool = False, mode: str = "words", **filters: Iterable[str]) -> Results:
    """A search by words unless `mode` says otherwise: these tests pin the lexical ranking."""
    return search(opened, Request(text, make_filters(opened, **filters), page, limit, syntax,
                                  mode))


def _ids(results: Results) -> list[str]:
    return [h.passage.id for h in results.hits]


def _stems(p: Passage) -> set[str]:
    return set(terms(stemmed(), p.text))


# 8 passages say "trafficking"; 3 more are filed under objective 10 (Trafficking) without it.
TRAFFICKING_TOTAL = 11


def _topic_stems(p: Passage) -> set[str]:
    """What the `topics` field holds: the words of the passage's objectives."""
    return {t for n in p.objectives for o in [objective(n)]
            for t in terms(stemmed(), f"objective {n} {o.short} {o.title}")}


def _brute_facets(passages: Iterable[Passage]) -> dict[str, dict[str, int]]:
    """Facet counts computed from the passages, as the index should report them."""
    counts: dict[str, Counter[str]] = {name: Counter() for name in
                                       ("objective", "cluster", "section", "kind", "country",
                                        "scope", "language", "year")}
    for p in passages:
        counts["objective"].update(str(n) for n in p.objectives)
        if p.cluster is not None:
            counts["cluster"][str(p.cluster)] += 1
        counts["section"][p.section] += 1
        counts["kind"][p.kind] += 1
        if p.country:
            counts["country"][p.country] += 1
        counts["scope"][p.scope] += 1
        counts["language"][p.language] += 1
        counts["year"][str(p.year)] += 1
    return {name: dict(c) for name, c in counts.items()}


# ---- hostile input -------------------------------------------------------------------------

HOSTILE = [
    "multi-agent",
    "A/RES/73/195",
    '"unbalanced',
    "unbalanced”",
    "AND",
    "OR",
    "NOT",
    "(",
    ")",
    "*",
    "?",
    "trafficking*",
    "title:trafficking",
    "x" * 10_000,
    ("trafficking " * 1000)[:10_000],
    "日本語のテキスト ∑ € \u200b \x00 \ufeff",
    "\U0001f600\U0001f600 migrants",
    "   ",
    "",
]


@pytest.mark.parametrize("text", HOSTILE)
@pytest.mark.parametrize("syntax", [False, True])
def test_hostile_input_gives_results_or_nothing(japan_index: OpenIndex, text: str,
                                                syntax: bool) -> None:
    """User text is never a syntax error: whatever is typed gives a normal (maybe empty) result."""
    results = _run(japan_index, text, syntax=syntax)
    assert results.total >= len(results.hits)
    assert len({h.passage.id for h in results.hits}) == len(results.hits)
    assert [h.rank for h in results.hits] == list(range(1, len(results.hits) + 1))


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_input_with_a_filter(japan_index: OpenIndex, text: str) -> None:
    """A filter never makes a junk query fail, and every hit honours the filter."""
    results = _run(japan_index, text, objectives=["10"])
    assert all(10 in h.passage.objectives for h in results.hits)


def test_long_repeated_word_still_searches(japan_index: OpenIndex) -> None:
    """A 10,000-character paste of a real word is truncated, not rejected."""
    assert _ids(_run(japan_index, ("trafficking " * 1000)[:10_000])) == \
        _ids(_run(japan_index, "trafficking"))


# ---- matching and ranking --------------------------------------------------------------------

def test_phrase_matches_exactly_and_unstemmed(japan_index: OpenIndex) -> None:
    """"specified skilled workers" occurs once; "Specified Skilled Worker (i)" is not it."""
    results = _run(japan_index, '"specified skilled workers"')
    assert _ids(results) == [f"{JP}:1a.1"]
    assert results.total == 1
    marked = [piece for piece, hit in results.hits[0].segments if hit]
    assert marked == ["specified skilled workers"]


def test_phrase_respects_word_order_and_stop_words(japan_index: OpenIndex,
                                                   japan_passages: tuple[Passage, ...]) -> None:
    with_phrase = [p.id for p in japan_passages if "status of residence" in p.text.lower()]
    assert with_phrase  # the seed has it
    assert sorted(_ids(_run(japan_index, '"status of residence"'))) == sorted(with_phrase)
    assert _run(japan_index, '"residence of status"').total == 0


def test_unquoted_words_are_stemmed(japan_index: OpenIndex,
                                    japan_passages: tuple[Passage, ...]) -> None:
    """"worker" finds "workers" (and "Worker"), which the exact phrase "worker" would not all."""
    with_workers = {p.id for p in japan_passages if "workers" in p.text.lower()}
    found = set(_ids(_run(japan_index, "worker")))
    assert with_workers and with_workers <= found
    assert found == {p.id for p in japan_passages if "worker" in _stems(p)}
    assert f"{JP}:1a.1" in found


def test_question_returns_the_45970_paragraph_first(japan_index: OpenIndex) -> None:
    """Question words are dropped, absent words do not empty the result, the answer ranks first."""
    results = _run(japan_index, "how many specified skilled workers are there in Japan")
    assert results.hits[0].passage.id == f"{JP}:1a.1"
    assert "45,970" in results.hits[0].passage.text
    assert results.total > 1


@pytest.mark.parametrize(
    "text",
    ["victims repatriation", "trafficking training", "foreign nationals", "skilled workers",
     "human rights"],
)
def test_passages_matching_all_words_come_first(japan_index: OpenIndex,
                                                japan_passages: tuple[Passage, ...],
                                                text: str) -> None:
    """The first k hits have every word (k = how many passages do); the rest have only some,
    in their text or in the titles of the objectives they are filed under."""
    words = [terms(stemmed(), w)[0] for w in text.split()]
    every = {p.id for p in japan_passages if set(words) <= _stems(p)}
    some = {p.id for p in japan_passages if set(words) & (_stems(p) | _topic_stems(p))}
    assert every and some - every, "the query must split the corpus to test anything"
    ids = _ids(_run(japan_index, text))
    assert set(ids) == some
    assert set(ids[: len(every)]) == every
    assert not set(ids[len(every):]) & every


def test_scores_descend_within_a_tier(japan_index: OpenIndex) -> None:
    """Passages with the word in their text first, then those filed under its objective."""
    hits = _run(japan_index, "trafficking").hits
    in_text = [h for h in hits if "traffick" in _stems(h.passage)]
    assert hits[: len(in_text)] == tuple(in_text) and len(in_text) < len(hits)
    for tier in (hits[: len(in_text)], hits[len(in_text):]):
        scores = [h.score for h in tier]
        assert scores == sorted(scores, reverse=True)
    assert all(h.score > 0 for h in hits)


def test_absent_word_does_not_empty_results(japan_index: OpenIndex) -> None:
    """A word the corpus lacks (and that is no typo) is left out instead of matching nothing."""
    alone = _run(japan_index, "trafficking")
    with_absent = _run(japan_index, "trafficking zzzqqqxx")
    assert _ids(with_absent) == _ids(alone) and alone.total == TRAFFICKING_TOTAL
    assert [h.score for h in with_absent.hits] == [h.score for h in alone.hits]


def test_filter_only_narrows_a_query_of_absent_words(japan_index: OpenIndex) -> None:
    """A filter can only narrow: "zzzqqqxx" finds nothing, so "zzzqqqxx" in objective 10 neither."""
    assert _run(japan_index, "zzzqqqxx").total == 0
    assert _run(japan_index, "zzzqqqxx", objectives=["10"]).total == 0


# ---- typo correction ---------------------------------------------------------------------------

def test_typo_is_corrected_with_a_suggestion(japan_index: OpenIndex) -> None:
    results = _run(japan_index, "trafficing")
    assert results.suggestion == "Showing results for trafficking"
    assert results.searched == "trafficking"
    assert results.query == "trafficing"
    assert _ids(results) == _ids(_run(japan_index, "trafficking"))


@pytest.mark.parametrize("word", ["victim", "worker", "workers", "training", "trafficked",
                                  "Japan", "refugees", "counseling", "counselling"])
def test_existing_word_is_not_corrected(japan_index: OpenIndex, word: str) -> None:
    """Rare spellings the corpus has ("counselling" beside "counseling") stay as typed."""
    results = _run(japan_index, word)
    assert results.total > 0
    assert results.suggestion is None
    assert results.searched == word


def test_no_corpus_word_is_ever_corrected(japan_index: OpenIndex,
                                          japan_passages: tuple[Passage, ...]) -> None:
    """Every word of the corpus is left as typed, however close it is to a commoner word."""
    vocabulary = {t for p in japan_passages for t in terms(exact(), p.text)}
    with japan_index.ix.searcher(weighting=weighting()) as searcher:
        corrected = {w: correct(searcher, w) for w in sorted(vocabulary)}
    assert {w: c for w, c in corrected.items() if c is not None} == {}


# ---- filters -------------------------------------------------------------------------------

FilterCase = tuple[dict[str, list[str]], Callable[[Passage], bool]]

FILTERS: list[FilterCase] = [
    ({"objectives": ["10"]}, lambda p: 10 in p.objectives),
    ({"objectives": ["trafficking"]}, lambda p: 10 in p.objectives),
    ({"objectives": ["10 - Trafficking"]}, lambda p: 10 in p.objectives),
    ({"objectives": ["16"]}, lambda p: 16 in p.objectives),
    ({"objectives": ["5", "6"]}, lambda p: bool({5, 6} & set(p.objectives))),
    ({"sections": ["2"]}, lambda p: p.section == "2"),
    ({"sections": ["2a"]}, lambda p: (p.section, p.subsection) == ("2", "a")),
    ({"sections": ["2(a)"]}, lambda p: (p.section, p.subsection) == ("2", "a")),
    ({"sections": ["2a", "3"]}, lambda p: (p.section, p.subsection) == ("2", "a")
     or p.section == "3"),
    ({"kinds": ["best practices"]}, lambda p: p.kind == "best_practice"),
    ({"kinds": ["best_practice"]}, lambda p: p.kind == "best_practice"),
    ({"kinds": ["trends"]}, lambda p: p.kind == "trends"),
    ({"kinds": ["progress"]}, lambda p: p.kind == "progress"),
    ({"kinds": ["Progress"]}, lambda p: p.kind == "progress"),
    ({"countries": ["Japan"]}, lambda p: p.country == "Japan"),
    ({"countries": ["jpn"]}, lambda p: p.country == "Japan"),
    ({"countries": ["JPN"]}, lambda p: p.country == "Japan"),
    ({"years": ["2022"]}, lambda p: p.year == 2022),
    ({"clusters": ["2"]}, lambda p: p.cluster == 2),
    ({"objectives": ["10"], "kinds": ["best practices"]},
     lambda p: 10 in p.objectives and p.kind == "best_practice"),
    ({"sections": ["4"], "kinds": ["best_practice"], "countries": ["Japan"]},
     lambda p: p.section == "4" and p.kind == "best_practice"),
]


@pytest.mark.parametrize(("filters", "keep"), FILTERS)
def test_filter_browse_in_document_order(japan_index: OpenIndex,
                                         japan_passages: tuple[Passage, ...],
                                         filters: dict[str, list[str]],
                                         keep: Callable[[Passage], bool]) -> None:
    """An empty query with a filter lists exactly the filtered passages in document order."""
    results = _run(japan_index, "", **filters)
    expected = [p.id for p in japan_passages if keep(p)]
    assert _ids(results) == expected
    assert results.total == len(expected)
    positions = [h.passage.position for h in results.hits]
    assert positions == sorted(positions)


@pytest.mark.parametrize(("filters", "keep"), FILTERS)
def test_filter_with_a_query(japan_index: OpenIndex, japan_passages: tuple[Passage, ...],
                             filters: dict[str, list[str]],
                             keep: Callable[[Passage], bool]) -> None:
    """A query under a filter finds the passages that match both, no more, no less."""
    results = _run(japan_index, "victims", **filters)
    expected = {p.id for p in japan_passages if keep(p) and "victim" in _stems(p)}
    assert set(_ids(results)) == expected
    assert results.total == len(expected)


def test_objective_by_number_and_by_name_are_the_same(japan_index: OpenIndex) -> None:
    by_number = make_filters(japan_index, objectives=["10"])
    assert make_filters(japan_index, objectives=["trafficking"]) == by_number
    assert by_number == Filters(objectives=(10,))


@pytest.mark.parametrize(
    "filters",
    [
        {"countries": ["France"]},
        {"countries": [""]},
        {"kinds": ["nonsense"]},
        {"sections": ["abc"]},
        {"sections": ["2ab"]},
        {"sections": [""]},
        {"objectives": ["99"]},
        {"objectives": ["0"]},
        {"objectives": ["zzzqqq"]},
        {"objectives": [""]},
        {"years": ["last year"]},
        {"years": ["1999"]},
        {"clusters": ["9"]},
        {"clusters": ["two"]},
    ],
)
def test_unknown_filter_values_are_bad_input(japan_index: OpenIndex,
                                             filters: dict[str, list[str]]) -> None:
    """A value that cannot be is the user's mistake (exit 2), not an empty result."""
    with pytest.raises(BadInput):
        make_filters(japan_index, **filters)


@pytest.mark.parametrize(("limit", "page"), [(0, 1), (MAX_LIMIT + 1, 1), (10, 0), (10, -1)])
def test_bad_limit_or_page_is_bad_input(japan_index: OpenIndex, limit: int, page: int) -> None:
    with pytest.raises(BadInput):
        search(japan_index, Request("trafficking", limit=limit, page=page))


def test_no_query_and_no_filter_is_empty(japan_index: OpenIndex) -> None:
    results = _run(japan_index, "")
    assert (results.total, results.hits) == (0, ())


# ---- facets --------------------------------------------------------------------------------

FACET_CASES: list[tuple[str, dict[str, list[str]]]] = [
    ("trafficking", {}),
    ("trafficking", {"objectives": ["10"]}),
    ("victims repatriation", {}),
    ("foreign nationals", {}),
    ("", {"sections": ["3"]}),  # holds 3b.2, tagged 15 and 16
    ("", {"objectives": ["16"]}),
    ("", {"countries": ["Japan"]}),  # everything
    ("", {"kinds": ["best_practice"], "objectives": ["9", "10"]}),
    ("measures", {"sections": ["3b"]}),
]


@pytest.mark.parametrize(("text", "filters"), FACET_CASES)
def test_facets_are_exact(japan_index: OpenIndex, text: str,
                          filters: dict[str, list[str]]) -> None:
    """Facet counts equal a count over every matched passage (multi-valued objectives each)."""
    results = _run(japan_index, text, **filters)
    assert results.total <= MAX_LIMIT and len(results.hits) == results.total
    assert results.facets == _brute_facets(h.passage for h in results.hits)


def test_facets_count_every_objective_of_a_passage(japan_index: OpenIndex) -> None:
    """japan-2022:3b.2 has objectives 15 and 16: it counts once in each."""
    assert passage(japan_index, f"{JP}:3b.2").objectives == (15, 16)
    results = _run(japan_index, "", sections=["3b"])
    assert results.facets["objective"]["15"] == 1
    assert results.facets["objective"]["16"] >= 2
    assert results.facets["section"] == {"3": results.total}


def test_facets_are_in_numeric_order(japan_index: OpenIndex) -> None:
    objectives = list(_run(japan_index, "", countries=["Japan"]).facets["objective"])
    assert objectives == sorted(objectives, key=int)


def test_facets_cover_all_matches_not_one_page(japan_index: OpenIndex,
                                               japan_passages: tuple[Passage, ...]) -> None:
    """Facets count the whole result, not the page shown."""
    results = _run(japan_index, "", countries=["Japan"], limit=3)
    assert len(results.hits) == 3
    assert results.total == len(japan_passages)
    assert results.facets == _brute_facets(japan_passages)


# ---- paging --------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "filters"), [("victims", {}),
                                               ("victims repatriation", {}),
                                               ("", {"kinds": ["best_practice"]})])
def test_pages_continue_without_overlap(japan_index: OpenIndex, text: str,
                                        filters: dict[str, list[str]]) -> None:
    everything = _run(japan_index, text, **filters)
    assert everything.total > 6
    count = -(-everything.total // 3)
    pages = [_run(japan_index, text, limit=3, page=n, **filters) for n in range(1, count + 2)]
    assert pages[-1].hits == ()  # one past the last page
    assert {r.total for r in pages} == {everything.total}
    joined = [h for r in pages for h in r.hits]
    assert [h.passage.id for h in joined] == _ids(everything)
    assert [h.rank for h in joined] == list(range(1, everything.total + 1))
    assert [h.score for h in joined] == [h.score for h in everything.hits]
    assert {r.pages for r in pages} == {count}


def test_page_past_the_end_is_empty_with_stable_total(japan_index: OpenIndex) -> None:
    results = _run(japan_index, "trafficking", limit=5, page=50)
    assert results.hits == () and results.total == TRAFFICKING_TOTAL


# ---- the example, citations --------------------------------------------------------

def test_trafficking_objective_10(japan_index: OpenIndex) -> None:
    """`gcm-search search trafficking --objective 10`: the right passages, cited."""
    results = _run(japan_index, "trafficking", objectives=["10"])
    # The three that say "trafficking" first, then the rest filed under objective 10.
    assert _ids(results)[:3] == [f"{JP}:2a.6", f"{JP}:2a.7", f"{JP}:2b.1"]
    assert set(_ids(results)[3:]) == {f"{JP}:2a.8", f"{JP}:2a.9", f"{JP}:2b.2"}
    assert results.hits[0].citation == CITATION_2A6
    assert results.hits[2].citation == (
        "Government of Japan, Voluntary GCM review by Japan (2022), section 2(b), para. 1 "
        "[japan-2022:2b.1].")
    assert results.filters == {"objective": ["10"]}
    # The word is marked where the text has it; topic-only hits have nothing to mark.
    assert [any(marked for _, marked in hit.segments) for hit in results.hits] == [True] * 3 + [
        False] * 3


def test_browse_objective_10(japan_index: OpenIndex) -> None:
    results = _run(japan_index, "", objectives=["trafficking"])
    assert _ids(results) == [f"{JP}:2a.6", f"{JP}:2a.7", f"{JP}:2a.8", f"{JP}:2a.9",
                             f"{JP}:2b.1", f"{JP}:2b.2"]
    assert all(h.score == 0 for h in results.hits)


# ---- passages --------------------------------------------------------------------------------

@pytest.mark.parametrize("passage_id", [f"{JP}:2a.6", f" {JP}:2a.6 ", f"{JP}:1a.1", f"{JP}:4b.7"])
def test_passage_by_id(japan_index: OpenIndex, japan_by_id: dict[str, Passage],
                       passage_id: str) -> None:
    """The stored record is the chunker's passage, field for field."""
    assert passage(japan_index, passage_id) == japan_by_id[passage_id.strip()]


@pytest.mark.parametrize("passage_id", ["", "nope", f"{JP}:9z.9", "JAPAN-2022:2a.6", f"{JP}:2a"])
def test_unknown_passage_is_not_found(japan_index: OpenIndex, passage_id: str) -> None:
    with pytest.raises(NotFound):
        passage(japan_index, passage_id)


@pytest.mark.parametrize(
    ("of", "context", "expected"),
    [
        ("2a.6", 1, ["2a.5", "2a.6", "2a.7"]),
        ("2a.6", 0, ["2a.6"]),
        ("1a.1", 2, ["1a.1", "1a.2", "1a.3"]),  # the first passage has nothing before it
        ("4b.7", 3, ["4b.4", "4b.5", "4b.6", "4b.7"]),  # the last one nothing after
        ("1b.3", 1, ["1b.2", "1b.3", "2a.1"]),  # across a section boundary
    ],
)
def test_neighbours(japan_index: OpenIndex, japan_by_id: dict[str, Passage], of: str,
                    context: int, expected: list[str]) -> None:
    around = neighbours(japan_index, japan_by_id[f"{JP}:{of}"], context)
    assert [p.id for p in around] == [f"{JP}:{e}" for e in expected]


def test_all_passages_in_document_order(japan_index: OpenIndex,
                                        japan_passages: tuple[Passage, ...]) -> None:
    """Every passage, once, in order, equal to what the chunker made (and inference added)."""
    found = all_passages(japan_index)
    assert found == list(understood(japan_passages)[0])
    assert [p.position for p in found] == list(range(len(found)))


# ---- every hit: exports ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def synthetic_index(tmp_path_factory: pytest.TempPathFactory) -> OpenIndex:
    """Four synthetic reviews (bench/synthetic.py): a few hundred passages, so that a broad
    query finds more than one page of `MAX_LIMIT`."""
    from bench_modules import load

    from search.config import Config
    from search.index import open_index

    root = tmp_path_factory.mktemp("every")
    corpus = load("synthetic").generate(root / "corpus", 4)
    return open_index(Config(corpus=corpus, index=root / "index"))


@pytest.mark.parametrize("mode", ["words", "hybrid", "meaning"])
@pytest.mark.parametrize("size", [MAX_LIMIT, 7])
def test_every_hit_is_the_pages_put_together_past_one_page(synthetic_index: OpenIndex,
                                                           mode: str, size: int) -> None:
    """`every_hit` ranks once, as deep as the count; the pages a user walks are cuts of that
    same ranking, so the two agree hit for hit, past the blended ranking's depth and past one
    page of `MAX_LIMIT`."""
    text = "government migrants"
    everything = every_hit(synthetic_index, Request(text, mode=mode, page=3, limit=5))
    assert everything.total > MAX_LIMIT
    pages, page = [], 1
    while (found := search(synthetic_index, Request(text, page=page, limit=size, mode=mode))).hits:
        pages += [(h.passage.id, h.score, h.match) for h in found.hits]
        page += 1
    assert [(h.passage.id, h.score, h.match) for h in everything.hits] == pages
    assert len(pages) == everything.total
    assert [h.rank for h in everything.hits] == list(range(1, everything.total + 1))
