"""Query text -> token ids without reading the tokenizer: the model's vocabulary and merges in a
small SQLite table in each build, looked up a few rows at a time.

Reading the model's tokenizer (a 1.8 MB JSON of 32,000 tokens and 61,000 merges) costs about
60 ms, as much as the rest of a cold search by meaning beyond importing numpy. A query needs the
ids of a handful of words. The tokenizer is byte-pair encoding with SentencePiece's conventions:
its normaliser turns each space into "▁", the start of a word, and no token spans two words, so
each space-separated chunk is encoded alone: its characters, then the pair of neighbours with the
best (lowest) merge rank merged, again and again. `encode` does that with the ranks looked up in
the build's table, and gives up (None) on what it does not handle the way the tokenizer does:
a character outside the vocabulary (the tokenizer spells it in bytes) or one of the tokenizer's
special tokens. The tokenizer is then read after all. Tests check that both give the same ids
for every word of the vocabulary, of the corpus and for generated text.
"""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Callable, Iterable, Mapping
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING

from ..caches import QUERIES

if TYPE_CHECKING:

    from .model import Encoder

TOKENS = "tokens.sqlite"
WORD_START = "\u2581"

Lookup = Callable[[Iterable[str]], Mapping[str, int]]
"""Keys -> their values, for those of the keys the table has."""


def write(build_dir: Path, encoder: Encoder) -> None:
    """The tokenizer's vocabulary, merge ranks and special tokens, as a build stores them."""
    import sqlite3  # here: a search by words never needs it

    path = build_dir / TOKENS
    if path.is_file():  # an addition starts from a copy of the build it extends
        if _model_of(path) == encoder.name:
            return
        path.unlink()
    model = json.loads(encoder.tokenizer.to_str())
    special = [t["content"] for t in model.get("added_tokens", [])]
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE model (name TEXT NOT NULL)")
        db.execute("INSERT INTO model VALUES (?)", (encoder.name,))
        for name in ("vocab", "merges"):
            db.execute(f"CREATE TABLE {name} (key TEXT PRIMARY KEY, value INTEGER NOT NULL) "
                       "WITHOUT ROWID")
        db.execute("CREATE TABLE special (token TEXT PRIMARY KEY) WITHOUT ROWID")
        db.executemany("INSERT INTO vocab VALUES (?, ?)", model["model"]["vocab"].items())
        db.executemany("INSERT INTO merges VALUES (?, ?)",
                       ((_pair_key(merge), rank)
                        for rank, merge in enumerate(model["model"]["merges"])))
        db.executemany("INSERT INTO special VALUES (?)", ((t,) for t in special))
    db.close()


def _model_of(path: Path) -> str | None:
    import sqlite3

    try:
        db = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True)
        try:
            return str(db.execute("SELECT name FROM model").fetchone()[0])
        finally:
            db.close()
    except (sqlite3.Error, TypeError):
        return None


def _pair_key(merge: str | list[str]) -> str:
    # The tokenizer's JSON writes a merge as "a b" (older) or ["a", "b"] (newer).
    return merge if isinstance(merge, str) else " ".join(merge)


def encode(chunk: str, vocab: Lookup, ranks: Lookup) -> list[int] | None:
    """One space-free chunk's token ids by byte-pair merging, or None where the tokenizer would
    fall back to bytes. `vocab` looks up tokens' ids, `ranks` the ranks of merges ("a b")."""
    symbols = list(WORD_START + chunk)
    if any(s not in vocab(symbols) for s in symbols):
        return None
    while len(symbols) > 1:
        pairs = {f"{a} {b}" for a, b in pairwise(symbols)}
        found = ranks(pairs)
        if not found:
            break
        best = min(found, key=found.__getitem__)
        merged: list[str] = []
        i = 0
        while i < len(symbols):  # every occurrence of the best pair, left to right
            if i + 1 < len(symbols) and f"{symbols[i]} {symbols[i + 1]}" == best:
                merged.append(symbols[i] + symbols[i + 1])
                i += 2
            else:
                merged.append(symbols[i])
                i += 1
        symbols = merged
    ids = vocab(symbols)
    return [ids[s] for s in symbols]


class Table:
    """A build's token table, opened read-only (and kept open: a build deleted under a request
    still answers), shared by the threads of a server one at a time."""

    def __init__(self, path: Path) -> None:
        import sqlite3  # here: a search by words never needs it

        self.path = path
        try:
            self._db = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True,
                                       check_same_thread=False)
            self._db.execute("SELECT count(*) FROM special").fetchone()  # opens the file now
        except sqlite3.Error as exc:  # reported as a damaged build, like Whoosh's errors
            raise ValueError(f"{path.name}: {exc}") from exc
        self._lock = threading.Lock()
        # A server meets the same words again and again: each is encoded once per build, and
        # kept within the process's cache budget (caches.py) with what else queries read.
        self._cached = ("tokens", str(path))

    def close(self) -> None:
        self._db.close()

    def _rows(self, sql: str, keys: Iterable[str] = ()) -> dict[str, int]:
        wanted = sorted(set(keys))
        with self._lock:
            marks = ",".join("?" * len(wanted))
            return dict(self._db.execute(sql.replace("?", marks), wanted).fetchall())

    def vocab(self, tokens: Iterable[str]) -> dict[str, int]:
        return self._rows("SELECT key, value FROM vocab WHERE key IN (?)", tokens)

    def ranks(self, pairs: Iterable[str]) -> dict[str, int]:
        return self._rows("SELECT key, value FROM merges WHERE key IN (?)", pairs)

    def ids(self, text: str) -> list[int] | None:
        """`text`'s token ids as the tokenizer gives them, or None when only it can tell."""
        special = self._rows("SELECT token, 0 FROM special")
        if any(s in text for s in special):
            return None
        if not text:
            return []
        chunks = text.split(" ")  # only a space: the tokenizer keeps other white space
        if "" in chunks:  # a run of spaces has tokens of its own
            return None
        out: list[int] = []
        for chunk in chunks:
            key = (*self._cached, chunk)
            ids = QUERIES.get(key)
            if ids is None and key not in QUERIES:
                ids = encode(chunk, self.vocab, self.ranks)
                QUERIES.put(key, ids, 0 if ids is None else
                            sys.getsizeof(ids) + sum(sys.getsizeof(i) for i in ids))
            if ids is None:
                return None
            out += ids
        return out

    def has_word(self, word: str) -> bool:
        """`Encoder.has_word`: whether the vocabulary has `word` as one whole-word token."""
        return bool(self.vocab(WORD_START + f for f in {word, word.lower(), word.capitalize()}))
