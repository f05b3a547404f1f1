"""Whoosh analyzers: text -> tokens, as small pipelines (tokenizer | filters).

The tokenizer takes runs of letters and numbers apart ("COVID-19" and "covid19" are both
`covid 19`) and keeps a number written with thousands separators whole ("45,970" is `45970`).
Then both analyzers lower-case and fold British spellings into American ones (`search.spelling`).
`stemmed()` feeds ranking: stop words dropped, Porter stems. `exact()` feeds quoted phrases and
the spelling-correction vocabulary: unstemmed, stop words kept. Index and query use the same
analyzers, so whatever is forgiven is forgiven both ways.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import cache
from typing import Any

from whoosh.analysis import (
    Analyzer,
    CharsetFilter,
    Filter,
    LowercaseFilter,
    RegexTokenizer,
    StemFilter,
    StopFilter,
    Token,
)
from whoosh.analysis.filters import STOP_WORDS
from whoosh.support.charset import accent_map

from ..spelling import canonical

ANALYSIS_VERSION = "4"
"""Bump when tokens change, so indexes rebuild."""

# Numbers with thousands separators are one token, decimals too; letters and digits part ways.
TOKEN_PATTERN = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|[^\W\d_]+"

# "may" is a word in these reviews ("May 2021"); keep it searchable.
STOP = frozenset(STOP_WORDS - {"may"})

# Words that ask rather than tell: dropped from queries (never from the index) unless a query
# consists of nothing else.
QUESTION_WORDS = frozenset(
    "how many much what which who whom whose where when why there their does did do is are was "
    "were been has have had any some about tell me show find give list".split()
)


class NumberFilter(Filter):
    """"45,970" -> "45970", so numbers match however their thousands are written."""

    def __call__(self, value: Iterable[Token], **kwargs: Any) -> Iterator[Token]:  # type: ignore[override]
        for token in value:
            if "," in token.text:
                token.text = token.text.replace(",", "")
            yield token


class SpellingFilter(Filter):
    """"labour" -> "labor", "programme" -> "program": one spelling per word, both ways."""

    def __call__(self, value: Iterable[Token], **kwargs: Any) -> Iterator[Token]:  # type: ignore[override]
        for token in value:
            token.text = canonical(token.text)
            yield token


LANGUAGES = {"en": "english", "fr": "french", "es": "spanish"}
"""The languages with their own stemmer and stop words; others are analysed as English."""


def language(code: str) -> str:
    """A document's language code as one of LANGUAGES ("fr-FR" -> "fr"; unknown -> "en")."""
    short = code.strip().lower()[:2]
    return short if short in LANGUAGES else "en"


@cache
def stemmed(lang: str = "en") -> Analyzer:
    if lang == "en":
        return (
            RegexTokenizer(TOKEN_PATTERN)
            | NumberFilter()
            | LowercaseFilter()
            | SpellingFilter()
            | StopFilter(stoplist=STOP, minsize=1)
            | StemFilter(cachesize=50000)
        )
    # Stop words are spelled with accents, so they go first; then accents are folded before
    # stemming, so that "sécurité" and "securite" (typed without accents) stem alike.
    return (
        RegexTokenizer(TOKEN_PATTERN)
        | NumberFilter()
        | LowercaseFilter()
        | StopFilter(stoplist=stop_words(lang), minsize=1)
        | CharsetFilter(accent_map)
        | StemFilter(lang=LANGUAGES[lang], cachesize=50000)
    )


# Articles and contractions that Whoosh's lists lack ("les", "l'", "los").
_EXTRA_STOP = {
    "fr": "les des du aux au l d qu c s n j m t un une".split(),
    "es": "los las del al lo un una unos unas".split(),
}


def stop_words(lang: str) -> frozenset[str]:
    from whoosh.lang import stopwords_for_language

    return frozenset(stopwords_for_language(LANGUAGES[lang])) | set(_EXTRA_STOP.get(lang, ()))


@cache
def exact() -> Analyzer:
    return (RegexTokenizer(TOKEN_PATTERN) | NumberFilter() | LowercaseFilter() | SpellingFilter()
            | CharsetFilter(accent_map))


def terms(analyzer: Analyzer, text: str) -> list[str]:
    """The index terms `analyzer` makes of `text`, in order."""
    return [t.text for t in analyzer(text)]


def token_spans(text: str, lang: str = "en") -> list[tuple[int, int, str, str]]:
    """Every token of `text` as (start, end, stemmed term or "" for a stop word, exact term).

    The analyzers' tokenizer, then each word's terms: every filter after the tokenizer works on
    one token at a time, so a word's terms never depend on its neighbours, and a word seen before
    (most of them: highlighting sees the same vocabulary over and over) is not analysed again.
    """
    return [(m.start(), m.end(), *_word_terms(m.group(), lang)) for m in _TOKENS.finditer(text)]


_TOKENS = re.compile(TOKEN_PATTERN)


WORDS_KEPT = 200_000
"""Words whose terms are kept, per language: a build meets the same few thousand again and
again; past this many (numbers, names) they are forgotten and worked out anew."""


@cache
def _known_words(lang: str) -> dict[str, tuple[str, str]]:
    return {}


def _word_terms(word: str, lang: str) -> tuple[str, str]:
    """One token's (stemmed term or "" for a stop word, exact term)."""
    known = _known_words(lang)
    found = known.get(word)
    if found is None:
        # Whoosh reuses one Token object, so its values are copied as they come.
        stem = [("" if t.stopped else t.text) for t in stemmed(lang)(word, removestops=False)]
        plain = [t.text for t in exact()(word)]
        found = stem[0], plain[0]
        if len(known) >= WORDS_KEPT:
            known.clear()
        known[word] = found
    return found


WordTerms = tuple[str, str, str]
"""A numbered word's terms: its stemmed field ("text", "text_fr"...), its stemmed term there
("" for a stop word), its exact term."""


class _Numbered(dict[str, int]):
    """One language's words, numbered as they are first met; the numbers of every language
    index one table of their terms (`word_terms`)."""

    def __init__(self, lang: str) -> None:
        from .schema import text_field  # schema imports this module

        super().__init__()
        self.lang = lang
        self.field = text_field(lang)

    def __missing__(self, word: str) -> int:
        number = self[word] = len(_WORD_TERMS)
        _WORD_TERMS.append((self.field, *_word_terms(word, self.lang)))
        return number


_WORD_TERMS: list[WordTerms] = []


@cache
def _numbered(lang: str) -> _Numbered:
    return _Numbered(lang)


def word_numbers(text: str, lang: str = "en") -> Iterator[int]:
    """The number of each token of `text`, in order (`word_terms`: its terms).

    A word seen before costs one lookup in C (`map` over the dictionary's own `__getitem__`);
    only a new one is analysed (`_Numbered.__missing__`). The numbers stay valid until
    `forget_words`."""
    return map(_numbered(lang).__getitem__, _TOKENS.findall(text))


def word_terms() -> list[WordTerms]:
    """The terms of every numbered word, by its number (see `word_numbers`)."""
    return _WORD_TERMS


def forget_words(kept: int = WORDS_KEPT) -> None:
    """Forget the numbered words if there are more than `kept` (numbers, names, a build's
    whole vocabulary), so that a long-lived process does not keep them all: only between uses
    of their numbers (between runs of a build)."""
    if len(_WORD_TERMS) > kept:
        _WORD_TERMS.clear()
        _numbered.cache_clear()


def positions(text: str, lang: str = "en") -> tuple[dict[str, list[int]], dict[str, list[int]]]:
    """The positions of each term of `text` in the stemmed and in the exact field: what Whoosh's
    two analyzers make of it, tokenized once (a build's analysis of every passage).

    As `token_spans`: each word's two terms come from its cache. The stemmed field numbers its
    positions with stop words left out (Whoosh's StopFilter renumbers), the exact field keeps
    every word: StopFilter numbers the stemmed terms on from the first one's own position.
    `tests/test_analysis.py` checks both against the analyzers themselves.
    """
    stems: dict[str, list[int]] = {}
    plains: dict[str, list[int]] = {}
    stem_position: int | None = None
    known = _known_words(lang).get  # `_word_terms`, without a call for a word seen before
    for position, word in enumerate(_TOKENS.findall(text)):
        stem, plain = known(word) or _word_terms(word, lang)
        if stem:
            stem_position = position if stem_position is None else stem_position + 1
            stems.setdefault(stem, []).append(stem_position)
        plains.setdefault(plain, []).append(position)
    return stems, plains
