"""Readers: a corpus file -> its text and raw blocks, each block pointing into that text.

This package is the only place that opens corpus files. A reader returns a `Source`: the text that
all offsets refer to, and its `RawBlock`s in reading order (line spans, plus what the format says
about each: a heading of some level, a list item, a table row, the pages it is on). Plain text is
its own text; HTML, Word and PDF readers extract `Piece`s and `assemble()` lays them out as text
(pieces apart by a blank line), so the chunker sees every format the same way. Which block is a
section heading, an objective heading or a list item is decided later, by `search.blocks`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ..errors import CorpusError
from .model import Hint, Piece, RawBlock, Source, assemble
from .text import read_text, split_blocks

__all__ = ["Hint", "Piece", "RawBlock", "Source", "assemble", "read_source", "readers",
           "split_blocks"]

Reader = Callable[[Path], Source]


def readers() -> dict[str, Reader]:
    """File suffix -> reader. Readers of other formats import their libraries only when used."""
    table: dict[str, Reader] = {".txt": read_text, ".text": read_text, ".md": read_text}
    for suffixes, module in ((".html .htm .xhtml", "html"), (".docx", "docx"), (".pdf", "pdf")):
        for suffix in suffixes.split():
            table[suffix] = _lazy(module)
    return table


def _lazy(module: str) -> Reader:
    def read(path: Path) -> Source:
        from importlib import import_module

        loaded = import_module(f"{__name__}.{module}_reader")
        reader: Reader = loaded.read
        return reader(path)

    return read


def read_source(path: Path) -> Source:
    known = readers()
    reader = known.get(path.suffix.lower())
    if reader is None:
        names = ", ".join(sorted(known))
        raise CorpusError(f"{path.name}: cannot read {path.suffix or 'extensionless'} files",
                          f"gcm-search reads {names}")
    return reader(path)
