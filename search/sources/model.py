"""The shapes readers return, and `assemble()`, the one way structured formats become text."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from ..models import Span

Hint = Literal["", "heading", "paragraph", "list_item", "table_row"]
"""What a format says a block is ("" when it does not say, as in plain text)."""

_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class RawBlock:
    """A block of a source: its line spans and what the format says about it."""

    spans: tuple[Span, ...]
    hint: Hint = ""
    level: int = 0
    """Heading level 1-6, when the format gives one."""
    pages: tuple[int, ...] = ()
    """1-based pages the block is on (PDF), for citations."""


@dataclass(frozen=True)
class Source:
    """A corpus file's text (decoded or extracted) and its raw blocks."""

    path: str
    text: str
    blocks: tuple[RawBlock, ...]


@dataclass(frozen=True)
class Piece:
    """A block as a structured reader extracts it, before it is laid out as text.

    `lines` are kept as lines (whitespace inside each folded to single spaces); a list item's
    line should carry its marker ("- ", "1. ") as the document shows it.
    """

    lines: tuple[str, ...]
    hint: Hint = "paragraph"
    level: int = 0
    pages: tuple[int, ...] = ()


def assemble(path: str, pieces: Sequence[Piece]) -> Source:
    """Lay pieces out as text, one line per line and a blank line between pieces, and point a
    `RawBlock` at each. Empty pieces are dropped."""
    parts: list[str] = []
    blocks: list[RawBlock] = []
    offset = 0
    for piece in pieces:
        lines = [_SPACE.sub(" ", line).strip() for line in piece.lines]
        lines = [line for line in lines if line]
        if not lines:
            continue
        if parts:
            parts.append("\n\n")
            offset += 2
        spans = []
        for number, line in enumerate(lines):
            if number:
                parts.append("\n")
                offset += 1
            parts.append(line)
            spans.append((offset, offset + len(line)))
            offset += len(line)
        blocks.append(RawBlock(tuple(spans), piece.hint, piece.level, piece.pages))
    parts.append("\n")
    return Source(path, "".join(parts), tuple(blocks))


_ROMAN = ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"), (50, "l"),
          (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i"))


def list_number(number: int, style: str) -> str:
    """A list item's number as the document shows it; `style` as HTML's `type`: 1, a, A, i, I."""
    if number > 0 and style in ("a", "A"):
        letters = ""
        while number:
            number, rest = divmod(number - 1, 26)
            letters = chr(ord("a") + rest) + letters
        return letters.upper() if style == "A" else letters
    if 0 < number < 4000 and style in ("i", "I"):
        roman = ""
        for value, digits in _ROMAN:
            count, number = divmod(number, value)
            roman += digits * count
        return roman.upper() if style == "I" else roman
    return str(number)
