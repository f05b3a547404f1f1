"""User text + filters -> Whoosh queries. Pure, and it never raises on what a user types.

User text is data: words and "quoted phrases" only. Words are matched stemmed in the `text` field;
phrases match exactly (unstemmed, in order) in the `exact` field. Whoosh's own query language is
opt-in (`syntax=True`). Filters are values already resolved (objective numbers, known countries).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from whoosh import query as wq
from whoosh.qparser import QueryParser

from .analysis import QUESTION_WORDS, exact, stemmed, terms
from .schema import EXACT_FIELD, TEXT_FIELD, schema

MAX_QUERY_CHARS = 1000
MAX_UNITS = 32
_QUOTES = "\"“”„«»"
_PHRASE = re.compile(rf"[{_QUOTES}]([^{_QUOTES}]+)[{_QUOTES}]")


@dataclass(frozen=True)
class Unit:
    """A word or a quoted phrase of the query, with the index terms it becomes."""

    text: str
    phrase: bool
    terms: tuple[str, ...]

    @property
    def field(self) -> str:
        return EXACT_FIELD if self.phrase else TEXT_FIELD


@dataclass(frozen=True)
class Filters:
    objectives: tuple[int, ...] = ()
    sections: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    years: tuple[str, ...] = ()
    clusters: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, list[str]]:
        return {
            name: [str(v) for v in values]
            for name, values in (
                ("objective", self.objectives),
                ("cluster", self.clusters),
                ("section", self.sections),
                ("kind", self.kinds),
                ("country", self.countries),
                ("year", self.years),
            )
            if values
        }

    def __bool__(self) -> bool:
        return any(self.to_dict().values())


@dataclass(frozen=True)
class Parsed:
    units: tuple[Unit, ...] = field(default_factory=tuple)

    @property
    def words(self) -> tuple[str, ...]:
        return tuple(u.text for u in self.units if not u.phrase)


def parse(text: str) -> Parsed:
    """Split user text into phrases ("…") and words, dropping question words when others remain."""
    text = text[:MAX_QUERY_CHARS]
    units: list[Unit] = []
    for match in _PHRASE.finditer(text):
        words = terms(exact(), match.group(1))
        if words:
            units.append(Unit(match.group(1).strip(), True, tuple(words)))
    rest = _PHRASE.sub(" ", text)
    for word in re.findall(r"\S+", rest):
        word = word.strip(_QUOTES + "()[]{}'’`,;:!?.")
        stems = tuple(terms(stemmed(), word))
        if stems:
            units.append(Unit(word, False, stems))
    asking = [u for u in units if not u.phrase and u.text.lower() in QUESTION_WORDS]
    if asking and len(asking) < len(units):
        units = [u for u in units if u not in asking]
    return Parsed(tuple(_dedupe(units)[:MAX_UNITS]))


def _dedupe(units: Sequence[Unit]) -> list[Unit]:
    seen: set[tuple[bool, tuple[str, ...]]] = set()
    out = []
    for unit in units:
        key = (unit.phrase, unit.terms)
        if key not in seen:
            seen.add(key)
            out.append(unit)
    return out


def unit_query(unit: Unit) -> wq.Query:
    if unit.phrase and len(unit.terms) > 1:
        return wq.Phrase(EXACT_FIELD, list(unit.terms))
    if len(unit.terms) == 1:
        return wq.Term(unit.field, unit.terms[0])
    # A word that splits into several tokens ("multi-agent") needs all of them.
    return wq.And([wq.Term(unit.field, t) for t in unit.terms])


def all_of(units: Sequence[Unit]) -> wq.Query:
    return wq.And([unit_query(u) for u in units]) if len(units) > 1 else unit_query(units[0])


def any_of(units: Sequence[Unit]) -> wq.Query:
    return wq.Or([unit_query(u) for u in units]) if len(units) > 1 else unit_query(units[0])


def advanced(text: str) -> wq.Query:
    """Whoosh's query language (AND, OR, NOT, field:value, wildcards), for those who ask for it."""
    parser = QueryParser(TEXT_FIELD, schema())
    try:
        return parser.parse(text[:MAX_QUERY_CHARS])
    except Exception:  # the parser is lenient, but user text must never become a traceback
        return wq.NullQuery


def filter_query(filters: Filters) -> wq.Query | None:
    """AND across filters, OR within one: `-o 5 -o 6 --kind progress` = (5 or 6) and progress."""
    groups = [
        [wq.Term("objectives", str(n)) for n in filters.objectives],
        [wq.Term("cluster", str(c)) for c in filters.clusters],
        [wq.Term("subsection" if s[-1:].isalpha() else "section", s) for s in filters.sections],
        [wq.Term("kind", k) for k in filters.kinds],
        [wq.Term("country", c) for c in filters.countries],
        [wq.Term("year", y) for y in filters.years],
    ]
    parts: list[wq.Query] = [g[0] if len(g) == 1 else wq.Or(g) for g in groups if g]
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else wq.And(parts)
