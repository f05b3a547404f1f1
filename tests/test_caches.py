"""search/caches.py: the one budget of what queries keep, least recently used out first; and a
real index searched with many different queries never holds more than the budget, with the same
answers as with room to spare."""

from __future__ import annotations

from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from search import caches
from search.caches import LRU, QUERIES
from search.index import OpenIndex
from search.results import Request, make_filters, search


def test_the_least_recently_used_entry_goes_first() -> None:
    cache = LRU(budget_bytes=3 * (100 + caches.key_bytes("a") + caches.ENTRY_OVERHEAD))
    for key in "abc":
        cache.put(key, key.upper(), 100)
    assert cache.get("a") == "A"  # now the most recently used
    cache.put("d", "D", 100)
    assert "b" not in cache and [cache.get(k) for k in "acd"] == ["A", "C", "D"]
    assert cache.evicted == 1


def test_an_entry_larger_than_the_budget_is_not_kept() -> None:
    cache = LRU(budget_bytes=1000)
    cache.put("small", 1, 10)
    cache.put("huge", 2, 5000)
    assert "huge" not in cache and cache.get("small") == 1


def test_a_key_put_again_is_counted_once() -> None:
    cache = LRU(budget_bytes=10_000)
    cache.put("k", 1, 100)
    size = cache.size
    cache.put("k", 2, 100)
    assert cache.size == size and cache.get("k") == 2 and len(cache) == 1


def test_a_smaller_budget_drops_entries_now() -> None:
    cache = LRU(budget_bytes=100_000)
    for n in range(50):
        cache.put(n, n, 1000)
    cache.resize(10_000)
    assert cache.size <= 10_000 and 0 < len(cache) < 50
    assert 49 in cache and 0 not in cache  # the most recent stay


@given(puts=st.lists(st.tuples(st.text(max_size=30), st.integers(0, 5000)), max_size=200),
       budget=st.integers(0, 20_000))
def test_the_accounting_never_exceeds_the_budget(puts: list[tuple[str, int]],
                                                 budget: int) -> None:
    cache = LRU(budget)
    for key, size in puts:
        cache.put(key, size, size)
        assert cache.size <= budget
        assert cache.size == sum(entry[1] for entry in cache._entries.values())


def test_set_budget_is_in_mib(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(caches, "QUERIES", LRU(0))
    caches.set_budget(2.5)
    assert caches.QUERIES.budget == int(2.5 * 2**20)


WORDS = ("migrants trafficking victims residence status foreign workers border police training "
         "children education repatriation support skilled labour refugees resettlement local "
         "government employment counselling discrimination human rights").split()


def many_queries() -> list[str]:
    """Words, pairs, phrases and never-seen words: a server's day in a few hundred queries."""
    pairs = [f"{a} {b}" for a, b in zip(WORDS, WORDS[3:], strict=False)]
    phrases = [f'"{a} {b}"' for a, b in pairwise(WORDS)]
    unseen = [f"zq{n}x {WORDS[n % len(WORDS)]}" for n in range(60)]
    return [*WORDS, *pairs, *phrases, *unseen]


@pytest.mark.parametrize("budget", [4_000, 40_000])
def test_many_queries_stay_within_the_budget_with_the_same_answers(
        japan_index: OpenIndex, budget: int, monkeypatch: pytest.MonkeyPatch) -> None:
    filters = make_filters(japan_index)
    queries = many_queries()
    QUERIES.clear()
    roomy = [search(japan_index, Request(q, filters, 1, 10)) for q in queries]
    QUERIES.clear()
    monkeypatch.setattr(QUERIES, "budget", budget)
    evicted = QUERIES.evicted
    for query, expected in zip(queries, roomy, strict=True):
        assert search(japan_index, Request(query, filters, 1, 10)) == expected, query
        assert QUERIES.size <= budget
    assert QUERIES.evicted > evicted
    QUERIES.clear()
