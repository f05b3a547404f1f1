"""Whoosh analyzers: text -> tokens, as small pipelines (tokenizer | filters).

`stemmed()` feeds ranking: words lower-cased, stop words dropped, stems; numbers written with
thousands separators ("45,970") become one token ("45970"). `exact()` feeds quoted phrases and the
spelling vocabulary: the same tokens unstemmed, stop words kept. Index and query use the same
analyzers, so whatever is forgiven is forgiven both ways.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import cache
from typing import Any

from whoosh.analysis import (
    Analyzer,
    Filter,
    LowercaseFilter,
    RegexTokenizer,
    StemFilter,
    StopFilter,
    Token,
)
from whoosh.analysis.filters import STOP_WORDS

ANALYSIS_VERSION = "1"
"""Bump when tokens change, so indexes rebuild."""

# Numbers with thousands separators are one token; otherwise words and decimals as Whoosh does.
TOKEN_PATTERN = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\w+(?:\.?\w+)*"

# "may" and "us" are words in these reviews ("May 2021", "US$"); keep them searchable.
STOP = frozenset(STOP_WORDS - {"may", "us"})

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


@cache
def stemmed() -> Analyzer:
    return (
        RegexTokenizer(TOKEN_PATTERN)
        | NumberFilter()
        | LowercaseFilter()
        | StopFilter(stoplist=STOP, minsize=1)
        | StemFilter(cachesize=50000)
    )


@cache
def exact() -> Analyzer:
    return RegexTokenizer(TOKEN_PATTERN) | NumberFilter() | LowercaseFilter()


def terms(analyzer: Analyzer, text: str) -> list[str]:
    """The index terms `analyzer` makes of `text`, in order."""
    return [t.text for t in analyzer(text)]


def token_spans(text: str) -> list[tuple[int, int, str, str]]:
    """Every word of `text` as (start, end, stemmed term or "", exact term), for highlighting."""
    stem = stemmed()
    out = []
    for match in re.finditer(TOKEN_PATTERN, text):
        word = match.group()
        exact_term = word.replace(",", "").lower()
        stems = terms(stem, word)
        out.append((match.start(), match.end(), stems[0] if stems else "", exact_term))
    return out
