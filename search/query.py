"""User text + filters -> Whoosh queries. Pure, and it never raises on what a user types.

User text is data: words and "quoted phrases" only. Words are matched stemmed in the `text` field;
phrases match exactly (unstemmed, in order) in the `exact` field. A word that is a known acronym
may also match its name as a phrase, and a name its acronym (`search.acronyms`). Whoosh's own
query language is opt-in (`syntax=True`). Filters are values already resolved.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from whoosh import query as wq
from whoosh.matching import AndNotMatcher

from .acronyms import Lexicon
from .index.analysis import QUESTION_WORDS, exact, stemmed, terms
from .index.schema import EXACT_FIELD, TEXT_FIELD, TOPICS_FIELD, schema, text_field

MAX_QUERY_CHARS = 1000
MAX_UNITS = 32
# Terms of one phrase or word: a quote or name longer than this is matched by its start. Pasted
# junk ("1e3" x 333 is one "word" of 668 terms) made a phrase that cost over half a second.
MAX_PHRASE_TERMS = 24
MIN_BOOST, MAX_BOOST = 0.01, 100.0
_QUOTES = "\"“”„«»"
_PHRASE = re.compile(rf"[{_QUOTES}]([^{_QUOTES}]+)[{_QUOTES}]")


Option = tuple[str, tuple[str, ...]]
"""A way to match: (field, terms); several terms must occur as a phrase in that field."""


@dataclass(frozen=True)
class Unit:
    """A word, name or quoted phrase of the query, with the ways it may match (any of them)."""

    text: str
    phrase: bool
    options: tuple[Option, ...]

    @classmethod
    def word(cls, text: str, stems: tuple[str, ...],
             languages: Sequence[str] = ("en",)) -> Unit:
        """A word matches the passage text (stemmed as each language stems it), or the
        objectives the passage is filed under."""
        stems = stems[:MAX_PHRASE_TERMS]
        options: list[Option] = [(TEXT_FIELD, stems)] if stems else []
        for lang in languages:
            own = tuple(terms(stemmed(lang), text))[:MAX_PHRASE_TERMS] if lang != "en" else ()
            if own:
                options.append((text_field(lang), own))
        if stems:
            options.append((TOPICS_FIELD, stems))
        return cls(text, False, tuple(options))

    @property
    def terms(self) -> tuple[str, ...]:
        return self.options[0][1]


@dataclass(frozen=True)
class Filters:
    objectives: tuple[int, ...] = ()
    sections: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    years: tuple[str, ...] = ()
    clusters: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    scopes: tuple[str, ...] = ()
    stated: bool = False
    """The objective filter counts only the tags a review states, not inferred ones."""

    def to_dict(self) -> dict[str, list[str]]:
        return {
            name: [str(v) for v in values]
            for name, values in (
                ("objective", self.objectives),
                ("cluster", self.clusters),
                ("section", self.sections),
                ("kind", self.kinds),
                ("country", self.countries),
                ("scope", self.scopes),
                ("language", self.languages),
                ("year", self.years),
                ("stated", ("1",) if self.stated else ()),
            )
            if values
        }

    def __bool__(self) -> bool:
        return any(v for k, v in self.to_dict().items() if k != "stated")


@dataclass(frozen=True)
class Parsed:
    units: tuple[Unit, ...] = field(default_factory=tuple)

    @property
    def words(self) -> tuple[str, ...]:
        return tuple(u.text for u in self.units if not u.phrase)


def parse(text: str, lexicon: Lexicon | None = None,
          languages: Sequence[str] = ("en",)) -> Parsed:
    """Split user text into phrases ("…"), names and words; drop question words when others remain.

    With a `lexicon`, an acronym also matches its names, and a name its acronym. Words are
    stemmed for each of `languages` (the languages of the indexed documents).
    """
    lexicon = lexicon or Lexicon()
    text = text[:MAX_QUERY_CHARS]
    units: list[Unit] = []
    for match in _PHRASE.finditer(text):
        words = tuple(terms(exact(), match.group(1)))[:MAX_PHRASE_TERMS]
        if words:
            stems = tuple(terms(stemmed(), match.group(1)))[:MAX_PHRASE_TERMS]
            also = lexicon.acronyms.get(stems)
            extra: tuple[Option, ...] = ((TEXT_FIELD, (also,)),) if also else ()
            units.append(Unit(match.group(1).strip(), True, ((EXACT_FIELD, words), *extra)))
    rest = [w.strip(_QUOTES + "()[]{}'’`,;:!?.") for w in _PHRASE.sub(" ", text).split()]
    plain = [Unit.word(w, tuple(terms(stemmed(), w)), languages) for w in rest if w]
    plain = [u for u in plain if u.options]
    asking = [u for u in plain if u.text.lower() in QUESTION_WORDS and not u.text.isupper()]
    if asking and len(asking) < len(plain) + len(units):
        plain = [u for u in plain if u not in asking]
    units.extend(_names(plain, lexicon))
    return Parsed(tuple(_dedupe(units)[:MAX_UNITS]))


def _names(units: Sequence[Unit], lexicon: Lexicon) -> list[Unit]:
    """Join runs of words that spell a known name into one unit that also matches its acronym;
    give a known acronym its names."""
    out: list[Unit] = []
    i = 0
    while i < len(units):
        joined = _longest_name(units, i, lexicon)
        if joined is not None:
            end, phrase = joined
            text = " ".join(u.text for u in units[i:end])
            out.append(Unit(text, False, ((TEXT_FIELD, phrase),
                                          (TEXT_FIELD, (lexicon.acronyms[phrase],)))))
            i = end
            continue
        unit = units[i]
        names = lexicon.names.get(unit.terms[0]) if len(unit.terms) == 1 else None
        if names:
            unit = Unit(unit.text, False, (*unit.options, *((TEXT_FIELD, n) for n in names)))
        out.append(unit)
        i += 1
    return out


def _longest_name(
    units: Sequence[Unit], start: int, lexicon: Lexicon
) -> tuple[int, tuple[str, ...]] | None:
    stems: list[str] = []
    best = None
    for end in range(start, min(len(units), start + lexicon.longest)):
        stems.extend(units[end].terms)
        if end > start and tuple(stems) in lexicon.acronyms:
            best = (end + 1, tuple(stems))
    return best


def _dedupe(units: Sequence[Unit]) -> list[Unit]:
    seen: set[tuple[Option, ...]] = set()
    out = []
    for unit in units:
        key = unit.options
        if key not in seen:
            seen.add(key)
            out.append(unit)
    return out


def option_query(option: Option) -> wq.Query:
    field, words = option
    # Several terms, whether a quoted phrase, a name, or a word the tokenizer splits
    # ("covid19", "non-Japanese"), must stand together, in order.
    return wq.Term(field, words[0]) if len(words) == 1 else wq.Phrase(field, list(words))


def unit_query(unit: Unit, in_text: bool = False) -> wq.Query:
    """Any of the unit's options; with `in_text`, only those that look in the passage's words."""
    queries = [option_query(o) for o in unit.options if not (in_text and o[0] == TOPICS_FIELD)]
    if not queries:
        return wq.NullQuery
    return queries[0] if len(queries) == 1 else wq.Or(queries)


def all_of(units: Sequence[Unit]) -> wq.Query:
    """Passages whose words match every unit; the objectives they are filed under only add
    to their score (a title word such as "lives" must not make a passage match "live")."""
    required = [unit_query(u, in_text=True) for u in units]
    topics = [option_query(o) for u in units for o in u.options if o[0] == TOPICS_FIELD]
    matched = required[0] if len(required) == 1 else wq.And(required)
    return wq.AndMaybe(matched, wq.Or(topics)) if topics else matched


def any_of(units: Sequence[Unit]) -> wq.Query:
    return wq.Or([unit_query(u) for u in units]) if len(units) > 1 else unit_query(units[0])


def advanced(text: str) -> wq.Query:
    """Whoosh's query language (AND, OR, NOT, field:value, wildcards), for those who ask for it."""
    from whoosh.qparser import QueryParser  # here: the largest import plain searches never use

    parser = QueryParser(TEXT_FIELD, schema())
    try:
        parsed = parser.parse(text[:MAX_QUERY_CHARS])
    except Exception:  # the parser is lenient, but user text must never become a traceback
        return wq.NullQuery
    _bound_boosts(parsed)
    return parsed.accept(_sound_and_not)


def _bound_boosts(q: wq.Query) -> None:
    """Clamp the `^` boosts of a freshly parsed tree (in place): Whoosh divides by a boost when
    it skips blocks ("migrants^0" was a ZeroDivisionError), and a boost of 1e400 scores inf."""
    boost = getattr(q, "boost", None)
    if isinstance(boost, float | int) and not MIN_BOOST <= boost <= MAX_BOOST:
        q.boost = min(max(boost, MIN_BOOST), MAX_BOOST)  # type: ignore[attr-defined]
    for child in q.children():
        _bound_boosts(child)


def _sound_and_not(q: wq.Query) -> wq.Query:
    return SoundAndNot(q.a, q.b) if type(q) is wq.AndNot else q


class _SoundAndNotMatcher(AndNotMatcher):
    """Whoosh's AndNot matcher, which looks for its next match after skipping even when the
    skip used up its positive side: `trafficking migrants ANDNOT migra* ANDNOT trafficking`
    was an IndexError (and so reported as a damaged index)."""

    def _find_next(self) -> bool:
        return bool(self.a.is_active() and super()._find_next())


class SoundAndNot(wq.AndNot):
    """`a ANDNOT b`, matched by `_SoundAndNotMatcher`."""

    def matcher(self, searcher: Any, context: Any = None) -> AndNotMatcher:
        return _SoundAndNotMatcher(self.a.matcher(searcher, context),
                                   self.b.matcher(searcher, searcher.boolean_context()))


def filter_query(filters: Filters) -> wq.Query | None:
    """AND across filters, OR within one: `-o 5 -o 6 --kind progress` = (5 or 6) and progress."""
    groups = [
        [wq.Term("stated" if filters.stated else "objectives", str(n))
         for n in filters.objectives],
        [wq.Term("cluster", str(c)) for c in filters.clusters],
        [wq.Term("subsection" if s[-1:].isalpha() else "section", s) for s in filters.sections],
        [wq.Term("kind", k) for k in filters.kinds],
        [wq.Term("country", c) for c in filters.countries],
        [wq.Term("scope", c) for c in filters.scopes],
        [wq.Term("language", lang) for lang in filters.languages],
        [wq.Term("year", y) for y in filters.years],
    ]
    parts: list[wq.Query] = [g[0] if len(g) == 1 else wq.Or(g) for g in groups if g]
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else wq.And(parts)
