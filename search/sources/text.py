"""Plain text: blocks are runs of non-blank lines; each line is one span (trimmed of spaces)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import CorpusError
from ..models import Span


@dataclass(frozen=True)
class Source:
    """A corpus file's decoded text and its raw blocks (each a tuple of line spans)."""

    path: str
    text: str
    blocks: tuple[tuple[Span, ...], ...]


def read_text(path: Path) -> Source:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CorpusError(f"{path}: cannot be read: {exc.strerror or exc}") from exc
    try:
        # utf-8-sig drops a byte order mark, so offsets count from the first real character.
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CorpusError(
            f"{path.name}: not UTF-8 text (byte {exc.start} is {data[exc.start]:#04x})",
            "save the file as UTF-8",
        ) from exc
    if "\x00" in text:
        raise CorpusError(f"{path.name}: contains NUL bytes; it is not a text file")
    return Source(str(path), text, split_blocks(text))


def split_blocks(text: str) -> tuple[tuple[Span, ...], ...]:
    """Group the non-blank lines of `text` into blocks separated by blank lines.

    Each line's span excludes its surrounding whitespace, so that joining a block's slices with
    single spaces gives its text with line breaks folded.
    """
    blocks: list[tuple[Span, ...]] = []
    current: list[Span] = []
    offset = 0
    for line in text.splitlines(keepends=True):
        line_start, offset = offset, offset + len(line)
        stripped = line.strip()
        if not stripped:
            if current:
                blocks.append(tuple(current))
                current = []
            continue
        start = line_start + (len(line) - len(line.lstrip()))
        current.append((start, start + len(stripped)))
    if current:
        blocks.append(tuple(current))
    return tuple(blocks)
