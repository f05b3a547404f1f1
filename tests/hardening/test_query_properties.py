"""Generated query text against the query layer and a real index: whatever is typed in a search
box gives results or a one-line `GcmSearchError`, never a traceback, and in bounded time.

User words (`parse`, then `search`) and Whoosh's query language (`syntax=True`, `advanced`) are
both driven with any Unicode (control characters included), operator soup, unbalanced quotes and
brackets, wildcards, and inputs past `MAX_QUERY_CHARS`.
"""

from __future__ import annotations

import math
import time
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from search.errors import BadInput, GcmSearchError
from search.index import OpenIndex
from search.models import Results
from search.query import MAX_BOOST, MAX_QUERY_CHARS, MAX_UNITS, MIN_BOOST, advanced, parse
from search.results import MAX_LIMIT, MAX_PAGE, Request, search

SECONDS_PER_QUERY = 3.0
BOUNDED = settings(max_examples=150, deadline=timedelta(seconds=SECONDS_PER_QUERY),
                   suppress_health_check=[HealthCheck.too_slow], database=None)

OPERATORS = st.sampled_from([
    "AND", "OR", "NOT", "ANDNOT", "ANDMAYBE", "TO", "+", "-", "~", "~2", "~-1", "^", "^0",
    "^0.0", "^-3", "^1e308", "^" + "9" * 400, "*", "?", "**", "*?*", "[", "]", "{", "}", "(",
    ")", "((", "))", '"', '""', "“", "”", "„", "«", "»", "'", "’", "`", ":", "::", "\\",
    "text:", "exact:", "topics:", "objectives:", "year:", "country:", "section:", "kind:",
    "id:", "unknown:", "*:", "[a TO", "TO z]", "{1 TO 23}", "[* TO *]", "year:>2020",
    "position:<3", "<", ">", "=", "/", "#", "%", "&", "|", "!",
])
WORDS = st.sampled_from([
    "migrants", "Japan", "objective", "Objective 10", "trafficking", "visa", "children",
    "skilled", "worker", "GCM", "IOM", "10", "2022", "the", "how", "what", "traffickng",
    "migr*", "mi?rant", "travailleurs", "migración", "移民", "🙂",
])
PIECES = st.one_of(st.text(max_size=12), OPERATORS, WORDS)
SOUP = st.one_of(
    st.lists(PIECES, max_size=25).map(" ".join),
    st.lists(PIECES, max_size=25).map("".join),
)
CONTROL = st.text(st.characters(categories=["Cc", "Cf", "Zs", "Zl", "Zp", "Mn", "Co"]),
                  max_size=60)
# Past the limit: a piece repeated until the text is up to three times MAX_QUERY_CHARS long.
HUGE = st.builds(lambda piece, length: (piece * (length // len(piece) + 1))[:length],
                 PIECES.filter(bool), st.integers(MAX_QUERY_CHARS - 10, 3 * MAX_QUERY_CHARS))
ANY_QUERY = st.one_of(st.text(), SOUP, CONTROL, HUGE)


def checked(opened: OpenIndex, request: Request) -> Results | GcmSearchError:
    """Search, and check what a user would get: consistent results, or a one-line refusal."""
    started = time.monotonic()
    try:
        results = search(opened, request)
    except GcmSearchError as error:
        assert str(error) and "\n" not in str(error)
        return error
    finally:
        assert time.monotonic() - started < SECONDS_PER_QUERY
    assert results.query == request.text
    assert len(results.hits) <= request.limit
    assert results.total >= len(results.hits)
    assert [h.rank for h in results.hits] == list(
        range((request.page - 1) * request.limit + 1,
              (request.page - 1) * request.limit + 1 + len(results.hits)))
    for hit in results.hits:
        # A score goes into JSON: it must be a number (inf and nan are not JSON).
        assert math.isfinite(hit.score)
        assert "".join(text for text, _ in hit.segments) == hit.passage.text
        assert hit.passage.doc in opened.documents
    return results


@BOUNDED
@given(text=ANY_QUERY)
def test_parse_never_raises_and_is_bounded(text: str) -> None:
    parsed = parse(text)
    assert len(parsed.units) <= MAX_UNITS
    assert all(unit.options and all(terms for _, terms in unit.options) for unit in parsed.units)
    # Nothing past the limit is read.
    assert parsed == parse(text[:MAX_QUERY_CHARS])


@BOUNDED
@given(text=ANY_QUERY)
def test_advanced_never_raises_and_boosts_stay_finite(text: str) -> None:
    query = advanced(text)
    stack = [query]
    while stack:
        node = stack.pop()
        boost = getattr(node, "boost", 1.0)
        assert MIN_BOOST <= boost <= MAX_BOOST, (text, node)
        stack.extend(node.children())


@BOUNDED
@given(text=ANY_QUERY)
def test_user_words_give_results(japan_index: OpenIndex, text: str) -> None:
    # User text is data: there is nothing in it to refuse.
    assert isinstance(checked(japan_index, Request(text=text)), Results)


@BOUNDED
@given(text=ANY_QUERY)
def test_whoosh_syntax_gives_results_or_a_clear_error(japan_index: OpenIndex, text: str) -> None:
    outcome = checked(japan_index, Request(text=text, syntax=True))
    assert isinstance(outcome, Results | BadInput), outcome


@settings(max_examples=100, deadline=timedelta(seconds=SECONDS_PER_QUERY), database=None)
@given(text=st.one_of(SOUP, WORDS), syntax=st.booleans(),
       page=st.integers(-5, MAX_PAGE + 5), limit=st.integers(-5, MAX_LIMIT + 5))
def test_page_and_limit_are_bounded(japan_index: OpenIndex, text: str, syntax: bool, page: int,
                                    limit: int) -> None:
    outcome = checked(japan_index, Request(text=text, syntax=syntax, page=page, limit=limit))
    if 1 <= page <= MAX_PAGE and 1 <= limit <= MAX_LIMIT:
        assert isinstance(outcome, Results)
    else:
        assert isinstance(outcome, BadInput)
        assert "must be between" in str(outcome)


@pytest.mark.parametrize("syntax", [False, True], ids=["words", "syntax"])
def test_a_word_past_the_limit_is_not_searched(japan_index: OpenIndex, syntax: bool) -> None:
    """The limit is real: "migrants" after MAX_QUERY_CHARS spaces finds nothing, before it finds
    what "migrants" finds."""
    padding = " " * MAX_QUERY_CHARS
    alone = search(japan_index, Request(text="migrants", syntax=syntax))
    assert alone.total > 0
    assert search(japan_index, Request(text=padding + "migrants", syntax=syntax)).total == 0
    assert search(japan_index, Request(text="migrants" + padding, syntax=syntax)).total == \
        alone.total
