"""Run a search on an opened index: request -> `Results` (ranked hits, facets, correction).

Three modes. `words`: BM25F; passages that match every word of the query come first, then those
that match some; a word absent from the corpus is corrected from the index vocabulary when it looks
like a typo, and otherwise left out rather than emptying the results. `meaning`: the passages
nearest the query's vector (search/meaning/), at or above a floor. `hybrid` (the default): the
words ranking and the cosines blended (search/meaning/fuse.py); passages the words do not find
join when near enough in meaning. `--syntax` searches by words only; a passage found by meaning
alone must still contain every "quoted phrase". A query with no real content word has no meaning
channel. With no words but a filter, the filtered passages come in document order. Facet counts
and totals are exact for the query, mode and filters.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, NamedTuple

from whoosh import query as wq
from whoosh.searching import Searcher

from . import objectives as gcm
from .caches import QUERIES
from .cite import citation
from .errors import BadInput, NotFound
from .highlight import matched_spans, segments
from .index import OpenIndex
from .index.analysis import language, stemmed, terms
from .index.postings import BitmapSet, Bits, FacetPostings, cached, facet_postings, matching
from .index.schema import EXACT_FIELD, ORDER_FIELD, TEXT_FIELD, from_stored
from .meaning import fuse
from .meaning.fuse import MODES, Fused
from .models import KINDS, SCOPES, Hit, Passage, Results
from .query import (
    MAX_QUERY_CHARS,
    Filters,
    Unit,
    advanced,
    all_of,
    any_of,
    filter_query,
    parse,
    unit_query,
)
from .spelling import canonical

MAX_LIMIT = 100
MAX_PAGE = 10_000
# Longer "words" (a pasted hash, text run together) are not corrected: no word of a review is
# within two edits of one, and Whoosh's edit-distance automaton grows with the word (about a
# second of CPU for 1,000 letters).
MAX_CORRECTED_LETTERS = 40
_SECTION = re.compile(r"^\d{1,2}[a-z]?$")
WORDS_DEPTH = 20
"""How many of the words ranking's best a hybrid search blends with the meaning; the words'
other matches follow the blended ranking, in their order. A fixed number, so that every page
cuts the same ranking; the blend changes the order at the top, where it matters, and a deeper
words ranking costs a walk through every passage with any of the words (at 100 reviews, 20
costs a warm search 17% over words alone, 50 costs 43%)."""

if TYPE_CHECKING:
    import numpy as np


@dataclass(frozen=True)
class Request:
    text: str = ""
    filters: Filters = field(default_factory=Filters)
    page: int = 1
    limit: int = 10
    syntax: bool = False
    mode: str = "hybrid"


def make_filters(
    opened: OpenIndex,
    *,
    objectives: Iterable[str] = (),
    clusters: Iterable[str] = (),
    sections: Iterable[str] = (),
    kinds: Iterable[str] = (),
    countries: Iterable[str] = (),
    years: Iterable[str] = (),
    languages: Iterable[str] = (),
    scopes: Iterable[str] = (),
) -> Filters:
    """Check and normalise what a user typed as filters; unknown values are a `BadInput`."""
    documents = opened.manifest.documents
    by_name = {d.country.lower(): d.country for d in documents if d.country}
    by_name.update({d.iso3.lower(): d.country for d in documents if d.iso3})

    def country(value: str) -> str:
        found = by_name.get(value.strip().lower())
        if found is None:
            known = ", ".join(sorted({d.country for d in documents if d.country}))
            raise BadInput(f"no review from {value!r} in the index", f"countries: {known}")
        return found

    def kind(value: str) -> str:
        normal = re.sub(r"[\s-]+", "_", value.strip().lower())
        if normal not in KINDS:  # "best practices" -> best_practice, "trend" -> trends
            normal = {"trend": "trends"}.get(normal, normal.removesuffix("s"))
        if normal not in KINDS:
            raise BadInput(f"unknown kind {value!r}", f"kinds: {', '.join(KINDS)}")
        return normal

    def section(value: str) -> str:
        normal = value.strip().lower().replace("(", "").replace(")", "").replace(".", "")
        if not _SECTION.match(normal):
            raise BadInput(f"unknown section {value!r}", "give a number like 2, or 2a for 2(a)")
        return normal

    def scope(value: str) -> str:
        normal = value.strip().lower()
        if normal not in SCOPES:
            raise BadInput(f"unknown scope {value!r}", f"scopes: {', '.join(SCOPES)}")
        return normal

    years_known = sorted({str(d.year) for d in documents})
    languages_known = sorted({language(d.language) for d in documents})

    def language_filter(value: str) -> str:
        code = value.strip().lower()
        code = {"english": "en", "french": "fr", "spanish": "es", "français": "fr",
                "español": "es"}.get(code, code)
        if code not in languages_known:
            raise BadInput(f"no review in language {value!r} in the index",
                           f"languages: {', '.join(languages_known)}")
        return code

    def year(value: str) -> str:
        if value.strip() not in years_known:
            raise BadInput(f"no review from year {value!r} in the index",
                           f"years: {', '.join(years_known)}")
        return value.strip()

    return Filters(
        objectives=tuple(dict.fromkeys(gcm.resolve(v) for v in objectives)),
        clusters=tuple(dict.fromkeys(str(gcm.cluster(_int(v, "cluster")).number)
                                     for v in clusters)),
        sections=tuple(dict.fromkeys(section(v) for v in sections)),
        kinds=tuple(dict.fromkeys(kind(v) for v in kinds)),
        countries=tuple(dict.fromkeys(country(v) for v in countries)),
        years=tuple(dict.fromkeys(year(v) for v in years)),
        languages=tuple(dict.fromkeys(language_filter(v) for v in languages)),
        scopes=tuple(dict.fromkeys(scope(v) for v in scopes)),
    )


def _int(value: str, what: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise BadInput(f"{what} {value!r} is not a number") from None


def search(opened: OpenIndex, request: Request) -> Results:
    if not 1 <= request.limit <= MAX_LIMIT:
        raise BadInput(f"limit must be between 1 and {MAX_LIMIT}")
    if not 1 <= request.page <= MAX_PAGE:
        raise BadInput(f"page must be between 1 and {MAX_PAGE}")
    check_mode(request.mode)
    with opened.searching() as searcher:
        return _search(opened, searcher, request)


def every_hit(opened: OpenIndex, request: Request) -> Results:
    """The results of `request` with every hit, not one page (`request.page` and `request.limit`
    are ignored; the `Results` says page 1 of as many hits as were found).

    One ranking as deep as the count, not the pages walked one by one: every page is that same
    ranking cut at its end, so the hits are those of a user paging through `search`, and a
    12,000-passage export costs two searches rather than 120 ever deeper ones.
    """
    first = search(opened, replace(request, page=1, limit=MAX_LIMIT))
    if first.total > len(first.hits):
        with opened.searching() as searcher:
            first = _search(opened, searcher, replace(request, page=1, limit=first.total))
    return replace(first, limit=max(len(first.hits), 1))


def check_mode(mode: str) -> str:
    if mode not in MODES:
        raise BadInput(f"unknown mode {mode!r}", f"modes: {', '.join(MODES)}")
    return mode


def _search(opened: OpenIndex, searcher: Searcher, request: Request) -> Results:
    mode = "words" if request.syntax else request.mode
    restrict = filter_query(request.filters)
    start, end = (request.page - 1) * request.limit, request.page * request.limit
    suggestion, searched = None, request.text
    asked: Sequence[Unit] = ()
    if request.syntax:
        parsed_query = advanced(request.text)
        units = [Unit.word(t, (t,)) for f, t in _terms(parsed_query) if f == TEXT_FIELD]
        tiers: list[wq.Query] = [parsed_query]
    else:
        asked = parse(request.text, opened.lexicon, opened.languages).units
        units, corrected = _known(searcher, asked)
        if corrected:
            searched = corrected
            suggestion = f"Showing results for {corrected}"
        # Tier one: passages whose text has every unit; tier two: the rest that match any
        # (with some of the words, or filed under an objective whose title has them).
        tiers = [all_of(units), any_of(units)] if units else []

    # The filters' passages, found once and reused by every query below.
    build = str(opened.path)
    allowed = matching(searcher, restrict, build) if restrict is not None else None
    fused: list[Fused] | None = None
    meaning_on = mode != "words" and bool(request.text.strip()) and allowed != 0
    if meaning_on:
        # What the words read of a long query, the meaning reads too (query.MAX_QUERY_CHARS).
        meaning = _cosines(opened, searcher, request.text[:MAX_QUERY_CHARS])
    if meaning_on and meaning is not None:
        fused, matched = _by_meaning(searcher, mode, meaning, units, tiers, allowed, end, build)
        ranked = [(f.docnum, f.score) for f in fused]
    elif mode == "meaning" and request.text.strip():
        matched, ranked = 0, []  # nothing meaningful asked: nothing found by meaning
    elif tiers and allowed == 0:
        matched, ranked = 0, []
    elif tiers:
        matched = _docs(searcher, tiers[-1], allowed, build)
        # The query language's trees (ANDMAYBE, NOT, nesting of any depth) stay Whoosh's to
        # walk: an ANDMAYBE over the same word ("trafficking migrants ANDMAYBE trafficking")
        # scored otherwise by numpy than by Whoosh's AndMaybeMatcher.
        ranked = _ranked(searcher, tiers, allowed, end, build, by_numpy=not request.syntax)
    elif restrict is not None and not asked:
        # No words, only filters: browse. (Words none of which the corpus has find nothing.)
        matched = allowed or 0
        browse = searcher.search(restrict, sortedby=ORDER_FIELD, limit=end)
        ranked = [(hit.docnum, 0.0) for hit in browse]
    else:
        matched, ranked = 0, []

    hits = []
    for rank, (docnum, score) in enumerate(ranked[start:end], start=start + 1):
        passage = from_stored(searcher.reader().stored_fields(docnum))
        how = fused[rank - 1] if fused is not None else None
        match = how.match if how else "words"
        scores = ((_rounded(how.words), _rounded(how.meaning)) if how else
                  (round(score, 4) if tiers else None, None))
        # No marks on a passage found by meaning alone: none of its words were asked for.
        spans = [] if match == "meaning" else matched_spans(passage.text, units,
                                                           language(passage.language))
        hits.append(
            Hit(
                rank=rank,
                score=round(score, 4),
                passage=passage,
                segments=segments(passage.text, spans),
                citation=citation(passage, opened.documents[passage.doc]),
                match=match,
                scores=scores,
            )
        )
    return Results(
        query=request.text,
        filters=request.filters.to_dict(),
        total=matched.bit_count(),
        page=request.page,
        limit=request.limit,
        hits=tuple(hits),
        facets=facet_counts(facet_postings(searcher, build), matched),
        suggestion=suggestion,
        searched=searched,
        mode=mode,
    )


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _cosines(opened: OpenIndex, searcher: Searcher, text: str,
             ) -> tuple[np.ndarray, float] | None:
    """The cosine of every document number's vector with the query's, moved towards its nearest
    passage when near enough, and the floor that goes with them (`fuse.with_feedback`); None
    when the query has no real content word (then there is no meaning channel)."""
    from .meaning.similar import require_vectors

    vectors = require_vectors(opened)
    # Runs of spaces are tokens of their own to the model: they would dilute the query's mean.
    query = " ".join(text.split())
    # Kept, as postings are: the same query again (the next page, other filters: the cosines
    # do not depend on them) does not read every row again (two passes over 60 MB at 1,000
    # reviews, about 10 ms of a 43 ms search).
    key = ("cosines", str(opened.path), query)
    found: tuple[np.ndarray, float] | None = QUERIES.get(key)
    if found is None and key not in QUERIES:
        found = _cosines_of(opened, searcher, vectors, query)
        if found is not None:
            found[0].flags.writeable = False  # shared by every search that asks again
        QUERIES.put(key, found, 0 if found is None else found[0].nbytes)
    return found


def _cosines_of(opened: OpenIndex, searcher: Searcher, vectors: np.ndarray, query: str,
                ) -> tuple[np.ndarray, float] | None:
    from .meaning import model

    encoder = model.load()
    reader = searcher.reader()
    # The build's token table answers for the tokenizer, which is then never read (60 ms).
    table = opened.tokens or encoder

    def is_word(word: str) -> bool:
        return table.has_word(word) or bool(reader.doc_frequency(EXACT_FIELD, word.lower()))

    if not fuse.meaningful(query, _stop_words(opened.languages), is_word):
        return None
    ids = opened.tokens.ids(query) if opened.tokens is not None else None
    vector = encoder.embed([query])[0] if ids is None else encoder.embed_ids([ids])[0]
    # One matrix-vector product over the memory-mapped rows, and one more after the feedback.
    return fuse.with_feedback(vectors, vector, vectors @ vector)


_STOP: dict[tuple[str, ...], frozenset[str]] = {}


def _stop_words(languages: tuple[str, ...]) -> frozenset[str]:
    if languages not in _STOP:
        _STOP[languages] = fuse.stop_words(languages)
    return _STOP[languages]


def _by_meaning(searcher: Searcher, mode: str, meaning: tuple[np.ndarray, float],
                units: Sequence[Unit], tiers: Sequence[wq.Query], allowed: Bits | None,
                end: int, build: str) -> tuple[list[Fused], Bits]:
    """The ranking (its first `end`) and the passages found, by meaning or hybrid; `meaning`:
    the cosines and their floor."""
    cosines, floor = meaning
    size = len(cosines)
    # A passage found by meaning alone must be one the filters let through and that has
    # every quoted phrase: a phrase asks for those words, whatever the mode.
    mask_bits = allowed
    for unit in (u for u in units if u.phrase):
        phrase = matching(searcher, unit_query(unit), build)
        mask_bits = phrase if mask_bits is None else mask_bits & phrase
    mask = fuse.as_mask(mask_bits, size) if mask_bits is not None else None
    near = cosines >= floor
    if mask is not None:
        near &= mask
    by_meaning = fuse.as_bitmap(near)
    if mode == "meaning" or not tiers:
        return fuse.nearest(cosines, mask, end, floor), by_meaning
    lexical = _docs(searcher, tiers[-1], allowed, build)
    depth = WORDS_DEPTH
    words = _ranked(searcher, tiers, allowed, depth, build)
    spoken = _languages_of(searcher, [d for d, _ in words[:10]], build)
    if spoken is not None:
        # The model reads English best: a French query's neighbours by meaning are looked for
        # among passages in the languages its words found, not among English ones.
        mask = spoken_mask = fuse.as_mask(spoken, size)
        if mask_bits is not None:
            mask = spoken_mask & fuse.as_mask(mask_bits, size)
        near &= mask
        by_meaning = fuse.as_bitmap(near)
    coverage = _coverage(searcher, units, [d for d, _ in words], build)
    fused = fuse.fuse(words, coverage, cosines, mask, end, floor)
    if len(fused) < end and len(words) == depth:
        # A page past the blended ranking: the rest of the words ranking, in its order.
        seen = {f.docnum for f in fused}
        more = _ranked(searcher, tiers, allowed, end + depth, build)
        fused += [Fused(d, 0.0, s, float(cosines[d]), "words") for d, s in more
                  if d not in seen][: end - len(fused)]
    return fused, lexical | by_meaning


def _languages_of(searcher: Searcher, docnums: Sequence[int], build: str) -> Bits | None:
    """The passages in the languages of `docnums`; None when the corpus has one language or
    `docnums` is empty (no restriction)."""
    languages = facet_postings(searcher, build).get("language", [])
    if len(languages) < 2 or not docnums:
        return None
    found: Bits = 0
    for _, passages in languages:
        if any((passages >> d) & 1 for d in docnums):
            found |= passages
    return found


def _coverage(searcher: Searcher, units: Sequence[Unit], docnums: Sequence[int],
              build: str) -> dict[int, float]:
    """The share of the query's units each passage has."""
    if not units:
        return {}
    sets = [matching(searcher, unit_query(u), build) for u in units]
    return {d: sum((bits >> d) & 1 for bits in sets) / len(units) for d in docnums}


def _ranked(
    searcher: Searcher, tiers: Sequence[wq.Query], allowed: Bits | None, end: int,
    build: str, by_numpy: bool = True,
) -> list[tuple[int, float]]:
    """Best first, tier by tier: everything matching the first tier, then the next, and so on.
    Each tier's passages are in the order of their scores, then their numbers, as Whoosh's
    collector orders every match.

    `allowed` (the filters' passages; None for no filter) must not be empty: Whoosh reads an
    empty filter as no filter.

    A tier is scored with numpy (index/ranking.py) when numpy is loaded already: every match at
    once, over the cached postings, instead of walking them one by one through Whoosh's matcher
    tree in Python (over 100 ms for a common query at 1,000 reviews). A search by words from a
    fresh CLI process does not load numpy for it (the import costs about what it would save
    there); then, and for a tier whose matchers ranking.py does not read, Whoosh scores every
    match: the same ranking, to the last bit of each score. `by_numpy` False: Whoosh scores
    every match (the query language's trees, see `_search`).
    """
    ranking = sys.modules.get("search.index.ranking")
    if ranking is None and by_numpy and "numpy" in sys.modules:
        from .index import ranking
    fast = ranking.top if ranking is not None and by_numpy else None
    return _ranked_by(searcher, tiers, allowed, end, build, fast, _every_match)


Ranker = Callable[[Searcher, wq.Query, Bits | None, Bits, int], list[tuple[int, float]] | None]
"""(searcher, query, allowed, seen, k) -> the query's top k among the passages `allowed` (None:
all) and not `seen`, as (passage number, score), best first; None: "ask another"."""


def _ranked_by(
    searcher: Searcher, tiers: Sequence[wq.Query], allowed: Bits | None, end: int,
    build: str, fast: Ranker | None, whoosh: Ranker,
) -> list[tuple[int, float]]:
    """`_ranked`, each tier ranked by `fast` or, where it has no answer, by `whoosh`."""
    ranked: list[tuple[int, float]] = []
    seen: Bits = 0
    for number, tier in enumerate(tiers, start=1):
        if len(ranked) >= end:
            break
        q = cached(searcher, tier, build)
        found = fast(searcher, q, allowed, seen, end - len(ranked)) if fast else None
        if found is None:
            found = whoosh(searcher, q, allowed, seen, end - len(ranked))
        assert found is not None
        ranked.extend(found)
        if number < len(tiers) and len(ranked) < end:  # the next tier must skip these
            seen |= _docs(searcher, tier, allowed, build)
    return ranked


def _every_match(searcher: Searcher, q: wq.Query, allowed: Bits | None, seen: Bits, k: int,
                 ) -> list[tuple[int, float]]:
    """The top k by Whoosh's collector scoring every match (`limit=None`). Its top-k collector
    (`limit=k`) prunes its matcher tree as the k-th best rises, and two flaws of Whoosh's make
    that drop or underscore passages that belong in the top k (index/ranking.py says which);
    its block skipping (`optimize`) is not exact either (its blocks of different words do not
    line up)."""
    found = searcher.search(q, filter=BitmapSet(allowed) if allowed is not None else None,
                            mask=BitmapSet(seen) if seen else None, limit=None, optimize=False)
    return [(docnum, float(score or 0.0)) for score, docnum in found.top_n[:k]]


def _docs(searcher: Searcher, q: wq.Query, allowed: Bits | None, build: str) -> Bits:
    found = matching(searcher, q, build)
    return found if allowed is None else found & allowed


def _known(searcher: Searcher, units: Sequence[Unit]) -> tuple[list[Unit], str]:
    """Keep the units the index knows; correct likely typos; leave out the rest.

    Returns the units to search and, when a word was corrected, the corrected query text.
    """
    kept: list[Unit] = []
    corrections: list[tuple[str, str]] = []
    reader = searcher.reader()
    for unit in units:
        if unit.phrase or any(
            all(reader.doc_frequency(field, t) for t in words) for field, words in unit.options
        ):
            kept.append(unit)
            continue
        fixed = correct(searcher, unit.text)
        fixed_terms = tuple(terms(stemmed(), fixed)) if fixed else ()
        if fixed and fixed_terms:
            corrections.append((unit.text, fixed))
            kept.append(Unit.word(fixed, fixed_terms))
    corrected = ""
    if corrections:
        words = [u.text for u in kept]
        corrected = " ".join(f'"{w}"' if u.phrase else w for w, u in zip(words, kept, strict=True))
    return kept, corrected


def correct(searcher: Searcher, word: str) -> str | None:
    """The index word a typo most likely meant: within 1 edit for 5+ letters, 2 for 9+ letters,
    the most frequent among the closest. Words the index has are never corrected."""
    word = canonical(word.lower())
    if not 5 <= len(word) <= MAX_CORRECTED_LETTERS or not word.isalpha() or \
            searcher.reader().doc_frequency(EXACT_FIELD, word):
        return None
    maxdist = 2 if len(word) >= 9 else 1
    found = searcher.suggest(EXACT_FIELD, word, limit=1, maxdist=maxdist, prefix=1)
    return found[0] if found else None


def _terms(q: wq.Query) -> Iterator[tuple[str, str]]:
    for fieldname, text in q.iter_all_terms():
        yield fieldname, text.decode("utf-8") if isinstance(text, bytes) else text


def facet_counts(postings: FacetPostings, matched: Bits) -> dict[str, dict[str, int]]:
    """Exact counts of each facet value among `matched` (a multi-valued field counts each value)."""
    facets: dict[str, dict[str, int]] = {}
    for name, values in postings.items():
        counts: dict[str, int] = {}
        for text, ids in values:
            n = (ids & matched).bit_count()
            if n:
                counts[text] = n
        facets[name] = dict(sorted(counts.items(), key=lambda kv: _facet_order(kv[0])))
    return facets


def _facet_order(value: str) -> tuple[int, str]:
    return (int(value), "") if value.isdigit() else (0, value)


def passage(opened: OpenIndex, passage_id: str) -> Passage:
    with opened.searching() as searcher:
        stored = searcher.document(id=passage_id.strip())
    if stored is None:
        raise NotFound(f"no passage {passage_id!r}", "ids look like japan-2022:2a.6")
    return from_stored(stored)


def neighbours(opened: OpenIndex, of: Passage, context: int) -> list[Passage]:
    """The passages within `context` places of `of` in its document, in order (itself included)."""
    q = wq.And([wq.Term("doc", of.doc),
                wq.NumericRange("position", of.position - context, of.position + context)])
    with opened.searching() as searcher:
        found = searcher.search(q, sortedby=ORDER_FIELD, limit=None)
        return [from_stored(hit.fields()) for hit in found]


def all_passages(opened: OpenIndex, doc: str | None = None) -> list[Passage]:
    """Every passage (of one document, if `doc` is given) in document order."""
    q = wq.Every() if doc is None else wq.Term("doc", doc)
    with opened.searching() as searcher:
        found = searcher.search(q, sortedby=ORDER_FIELD, limit=None)
        return [from_stored(hit.fields()) for hit in found]


SCOPE_COLUMNS = {"global": "Global documents", "regional": "Regional reviews",
                 "stakeholder": "Stakeholder submissions"}
"""The columns of a comparison that are not a country's: documents without a country are
grouped by their scope (the Compact and its declarations first, as what was promised)."""


class Column(NamedTuple):
    """One column of a comparison: a country's passages on the objective (or a scope's, for
    documents without a country), best first."""

    label: str
    count: int
    hits: tuple[Hit, ...]
    filter: tuple[str, str]
    """The search filter that lists all of the column's passages: ("country", "Japan") or
    ("scope", "regional")."""



@dataclass(frozen=True)
class Comparison:
    """One objective across countries: each country's passages on it, best first."""

    objective: int
    query: str
    columns: tuple[Column, ...]
    total: int
    suggestion: str | None = None
    stated: bool = False
    """Only passages whose review states the objective (no inferred tags)."""


def compare(opened: OpenIndex, objective: int, query: str = "", per_country: int | None = 5,
            stated: bool = False) -> Comparison:
    """The passages of every country on `objective` (matching `query`, if given), grouped by
    country, countries with the most passages first, each country's best passages first (the
    first `per_country` of them; None: all, for an export); `stated`: only the passages whose
    review states the objective. Documents without a country
    are grouped by scope, the global ones (what was promised) before every country."""
    filters = Filters(objectives=(objective,), stated=stated)
    # By words: a comparison lists what each government wrote on the objective.
    everything = every_hit(opened, Request(query, filters, mode="words"))
    grouped: dict[tuple[str, str], list[Hit]] = {}
    for hit in everything.hits:
        p = hit.passage
        key = ("country", p.country) if p.country else ("scope", p.scope)
        grouped.setdefault(key, []).append(hit)
    ranked = sorted(grouped.items(), key=lambda kv: (kv[0] != ("scope", "global"), -len(kv[1]),
                                                     kv[0][1]))
    columns = tuple(Column(SCOPE_COLUMNS.get(value, value) if name == "scope" else value,
                           len(found), tuple(found[:per_country]), (name, value))
                    for (name, value), found in ranked)
    return Comparison(objective, query, columns, everything.total, everything.suggestion, stated)


def document_rows(opened: OpenIndex) -> list[dict[str, Any]]:
    """The catalog entries of the indexed documents, each with its passage count."""
    with opened.searching() as searcher:
        # docs_for_query, not doc_frequency: passages deleted by `remove` must not count.
        return [{**d.to_dict(),
                 "passages": len(list(searcher.docs_for_query(wq.Term("doc", d.id))))}
                for d in opened.manifest.documents]
