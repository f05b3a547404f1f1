"""Readers: a corpus file -> its text and raw blocks, each block pointing into that text.

This package is the only place that opens corpus files. A reader returns a `Source`: the text that
all offsets refer to, and its `RawBlock`s in reading order (line spans, plus what the format says
about each: a heading of some level, a list item, a table row, the pages it is on). Plain text is
its own text; HTML, Word and PDF readers extract `Piece`s and `assemble()` lays them out as text
(pieces apart by a blank line), so the chunker sees every format the same way. Which block is a
section heading, an objective heading or a list item is decided later, by `search.blocks`.

A scanned PDF is read with the OCR text `ocr.recognise()` made of its `scanned_pages()`, given to
`read_source()` or kept beside the file (`ocr.save()`); without it, `ScannedPdf` says so.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ..errors import CorpusError
from .model import Hint, Piece, RawBlock, Source, assemble
from .ocr import OcrText, ScannedPdf
from .text import read_text, split_blocks

__all__ = ["Hint", "OcrText", "Piece", "RawBlock", "ScannedPdf", "Source", "assemble",
           "read_source", "readers", "scanned_pages", "split_blocks"]

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


def read_source(path: Path, ocr: OcrText | None = None) -> Source:
    """A corpus file's text and blocks. `ocr` is the OCR text of a PDF's scanned pages; without
    it, a PDF's reader takes the OCR text kept beside the file, if any."""
    if path.suffix.lower() == ".pdf":
        from .pdf_reader import read

        return read(path, ocr)
    known = readers()
    reader = known.get(path.suffix.lower())
    if reader is None:
        names = ", ".join(sorted(known))
        raise CorpusError(f"{path.name}: cannot read {path.suffix or 'extensionless'} files",
                          f"gcm-search reads {names}")
    return reader(path)


def scanned_pages(path: Path) -> tuple[int, ...]:
    """The pages of a PDF that have an image and no text layer, which OCR should read; () for
    other formats."""
    if path.suffix.lower() != ".pdf":
        return ()
    from .pdf_reader import scanned_pages as of_pdf

    return of_pdf(path)
