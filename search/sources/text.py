"""Plain text: blocks are runs of non-blank lines; each line is one span (trimmed of spaces).

The bytes are decoded by `encoding.decode` (UTF-8, a byte order mark, or a detected encoding such
as Windows-1252), and the decoded text is the text every offset refers to.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import CorpusError
from ..models import Span
from .encoding import decode
from .model import RawBlock, Source


def read_text(path: Path) -> Source:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CorpusError(f"{path}: cannot be read: {exc.strerror or exc}") from exc
    # decode() drops a byte order mark, so offsets count from the first real character; UTF-8
    # files come back exactly as `data.decode("utf-8")` would give them.
    text = decode(data, path.name)
    return Source(str(path), text, tuple(RawBlock(spans) for spans in split_blocks(text)))


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
