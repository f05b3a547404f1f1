"""Readers: a corpus file -> its text and raw blocks, each block pointing into that text.

This package is the only place that opens corpus files. A reader returns a `Source`: the text that
all offsets refer to, and the raw blocks (lists of line spans) in reading order. Which block is a
heading or a list item is decided later, format-blind, by `search.blocks`.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import CorpusError
from .text import Source, read_text, split_blocks

__all__ = ["Source", "read_source", "split_blocks"]

_READERS = {".txt": read_text, ".text": read_text, ".md": read_text}


def read_source(path: Path) -> Source:
    reader = _READERS.get(path.suffix.lower())
    if reader is None:
        known = ", ".join(sorted(_READERS))
        raise CorpusError(f"{path.name}: cannot read {path.suffix or 'extensionless'} files",
                          f"gcm-search reads {known}")
    return reader(path)
