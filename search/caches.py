"""The memory a process keeps for queries: one budget, least recently used first out.

What a search reads once and keeps (index/postings.py: each word's scored postings, each word's
and phrase's passages as bitmaps, each build's facet bitmaps; meaning/tokens.py: each query
word's token ids; results.py: each query's cosines with every passage) goes into `QUERIES`, whose
entries add up to at most its budget in bytes. A long-running server keeps what its users ask for
often; what it has not been asked for the longest goes first.
The budget is per process: `gcm-search serve --workers N` holds up to N of them.

An entry's size is its value's bytes (as the caller measures them) plus what holding it costs
here: its key and the bookkeeping of one entry. Hostile queries (each distinct phrase an entry,
most of them empty) therefore cost their keys too, and cannot grow a process without end.
"""

from __future__ import annotations

import sys
import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any

MIB = 2**20
DEFAULT_MB = 64
"""The default budget: the query mix of bench/perf.py (68 queries) keeps 34 MiB at 1,000 reviews
(58,790 passages): 20 MiB of scored postings, 14 MiB of cosines (230 KiB a query); this
leaves room for a server's wider mix."""
CACHE_MB_ENV = "GCM_SEARCH_CACHE_MB"
ENTRY_OVERHEAD = 120
"""Bytes an entry costs besides its key and value: its OrderedDict node and the tuple sizes."""


def key_bytes(key: Hashable) -> int:
    """What a key holds: a tuple's own size and its parts' (strings and numbers)."""
    if isinstance(key, tuple):
        return sys.getsizeof(key) + sum(key_bytes(part) for part in key)
    return sys.getsizeof(key)


class LRU:
    """A mapping bounded by bytes: `put` makes room by dropping the least recently used entries.

    Thread-safe: a server's threads share it (each build's searches run one at a time, but two
    builds can be searched at once while a server moves to a new one)."""

    def __init__(self, budget_bytes: int) -> None:
        self.budget = budget_bytes
        self.size = 0
        self.evicted = 0
        self._entries: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Any:
        """The value for `key` (now the most recently used), or None."""
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                return None
            self._entries.move_to_end(key)
            return found[0]

    def put(self, key: Hashable, value: Any, value_bytes: int) -> None:
        """Keep `value`, measured at `value_bytes`; one larger than the whole budget is not kept
        (it is read again when next asked for)."""
        size = value_bytes + key_bytes(key) + ENTRY_OVERHEAD
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self.size -= old[1]
            if size > self.budget:
                return
            while self.size + size > self.budget:
                _, (_, dropped) = self._entries.popitem(last=False)
                self.size -= dropped
                self.evicted += 1
            self._entries[key] = (value, size)
            self.size += size

    def resize(self, budget_bytes: int) -> None:
        """A new budget; entries past it go now, least recently used first."""
        with self._lock:
            self.budget = budget_bytes
            while self.size > self.budget:
                _, (_, dropped) = self._entries.popitem(last=False)
                self.size -= dropped
                self.evicted += 1

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.size = 0

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: object) -> bool:
        return key in self._entries


QUERIES = LRU(DEFAULT_MB * MIB)
"""The process's one cache of what queries read (its budget: `set_budget`)."""


def set_budget(megabytes: float) -> None:
    """The budget of this process's query cache, in MiB (`serve --cache-mb`)."""
    QUERIES.resize(int(megabytes * MIB))
