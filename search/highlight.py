"""Highlighting, pure: passage text + what the query matched -> marked segments -> a format.

`segments()` cuts a text into (piece, matched) pairs; the formatters render them for a terminal
(ANSI bold), for plain output (`**word**`) and for HTML (escaped text, `<mark>` tags). Adjacent
matched words are marked as one run, so a phrase reads as one highlight.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from .escapes import ESCAPE
from .index.analysis import token_spans
from .index.schema import EXACT_FIELD, text_field
from .query import Unit

Segments = tuple[tuple[str, bool], ...]


def matched_spans(text: str, units: Sequence[Unit], lang: str = "en") -> list[tuple[int, int]]:
    """The character spans of `text` (in language `lang`) that the query's words, names and
    phrases match."""
    tokens = token_spans(text, lang)
    stem_field = text_field(lang)
    options = [option for unit in units for option in unit.options]
    single = {words[0] for field, words in options if field == stem_field and len(words) == 1}
    marked = {i for i, (_, _, stem, _) in enumerate(tokens) if stem and stem in single}
    # Stemmed phrases skip stop words, as the index does ("Organization for Migration").
    content = [i for i, token in enumerate(tokens) if token[2]]
    sequences = {
        stem_field: (content, [tokens[i][2] for i in content]),
        EXACT_FIELD: (list(range(len(tokens))), [token[3] for token in tokens]),
    }
    for field, words in options:
        if field not in sequences or (field == stem_field and len(words) == 1):
            continue
        places, seq = sequences[field]
        n = len(words)
        for i in range(len(seq) - n + 1):
            if tuple(seq[i : i + n]) == words:
                marked.update(range(places[i], places[i + n - 1] + 1))
    return [(tokens[i][0], tokens[i][1]) for i in sorted(marked)]


def segments(text: str, spans: Sequence[tuple[int, int]]) -> Segments:
    """Cut `text` at `spans`; marked spans separated only by spaces merge into one."""
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and (start <= merged[-1][1] or not text[merged[-1][1] : start].strip()):
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    out: list[tuple[str, bool]] = []
    position = 0
    for start, end in merged:
        if start > position:
            out.append((text[position:start], False))
        out.append((text[start:end], True))
        position = end
    if position < len(text):
        out.append((text[position:], False))
    return tuple(out)


def readable(parts: Segments) -> Segments:
    """The segments as a reader sees them: the source's markdown escapes undone ("US\\$" shows
    as "US$"), even where a mark cuts between a backslash and the character it escapes. The
    formatters below show text to people, so each goes through this; quotes and offsets for
    citing keep the source's own characters."""
    text = "".join(piece for piece, _ in parts)
    dropped = {m.start() for m in ESCAPE.finditer(text)}
    if not dropped:
        return tuple(parts)
    out: list[tuple[str, bool]] = []
    at = 0
    for piece, hit in parts:
        kept = "".join(ch for i, ch in enumerate(piece, start=at) if i not in dropped)
        at += len(piece)
        if kept:
            out.append((kept, hit))
    return tuple(out)


def as_ansi(parts: Segments) -> str:
    return "".join(f"\x1b[1m{p}\x1b[22m" if hit else p for p, hit in readable(parts))


def as_plain(parts: Segments) -> str:
    return "".join(f"**{p}**" if hit else p for p, hit in readable(parts))


def as_html(parts: Segments) -> str:
    return "".join(
        f"<mark>{html.escape(p)}</mark>" if hit else html.escape(p) for p, hit in readable(parts)
    )
