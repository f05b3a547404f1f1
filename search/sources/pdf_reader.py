"""PDF: a review published as PDF -> the `Piece`s of its body, each knowing its pages.

Place in the flow: `search.sources.read_source` calls `read()` for ".pdf" files. It extracts each
page's text with pypdf (plain, layout-free extraction, plus each line's position and font from
pypdf's visitor), takes off what page layout adds to a text (running headers and footers, page
numbers, hyphens at line ends), rebuilds paragraphs, list items and headings from the lines, and
lets `assemble()` lay them out as the text passages point into. Which block is a section heading
or an objective heading is decided later, format-blind, by `search.blocks`.

Scanned pages (an image and no text layer) take their lines from OCR text (`search.sources.ocr`:
given, or kept beside the PDF), which then go through the same clean-up as extracted lines; what
happens when there is none is `read()`'s to say.

A PDF has lines, not paragraphs, so paragraphs are inferred: a vertical gap or a blank line, a
short line ending a sentence, a bullet, or a change of font (a bold or larger heading) ends a
block; a block that stops mid-sentence at the bottom of a page goes on on the next one.
"""

from __future__ import annotations

import importlib.util
import io
import logging
import math
import re
import statistics
import struct
import threading
import warnings
import zlib
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any

from ..errors import CorpusError
from .model import Hint, Piece, Source, assemble
from .ocr import OcrText, Paragraphs, ScannedPdf, digest, draws_image, load

# What a damaged file can make pypdf (or the zlib/struct code under it) raise while parsing;
# none of them may reach the user as a traceback.
_PARSE_ERRORS: tuple[type[BaseException], ...] = (
    ValueError, KeyError, IndexError, TypeError, AttributeError, AssertionError,
    ArithmeticError, RecursionError, EOFError, zlib.error, struct.error,
    NotImplementedError,  # a stream filter pypdf does not know ("/檒ateDecode")
)

_EDGE = 3
"""How many lines at the top and at the bottom of a page may be header, footer or page number."""
_HEADING_CHARS = 90
"""A line longer than this is not taken for a heading on its own."""
_STYLED_HEADING_LINES = 3
"""A bold or larger run of at most this many lines, ending without punctuation, is one heading."""
_SHORT = 0.75
"""A line shorter than this share of a page's typical line is a paragraph's last line."""
_GAP = 1.3
"""A step down this many times the usual line step is a blank line between blocks."""

_SENTENCE_END = ".!?:"
_NOT_A_HEADING_END = ".!?:;,"
_CLOSERS = "\"'”’»)]"
# Bullet glyphs that only ever mark list items, and marks that do so only where a list item can
# start (a dash may also be a wrapped sentence's dash).
# (U+F0B7 and its neighbours are the Symbol and Wingdings bullets of Word documents, which pypdf
# extracts as private-use characters.)
_GLYPH_BULLET = re.compile(r"^[•▪◦●○■□‣⁃➢►✓·\uf0a7\uf0b7\uf0d8\uf0fc\uf076]\s*(?=\S)")
_DASH_BULLET = re.compile(r"^[-–—*]\s+(?=\S)")
_ENUMERATED = re.compile(r"^\(?(?:\d{1,2}|[a-zA-Z]|[ivxIVX]{2,4})[.)]\s+(?=\S)")
# A bare page number: "3", "- 3 -", "Page 3", "p. 3", "3/12", "Page 3 of 12", "iv", and the
# French and Spanish words for them.
_PAGE_NUMBER = re.compile(
    r"^(?:(?:page|p\.|pg\.?|página|pagina)\s*)?[-–—]?\s*(?:\d{1,4}|[ivxlcdm]{1,7})\s*[-–—]?"
    r"(?:\s*(?:/|of|sur|de)\s*\d{1,4})?$",
    re.IGNORECASE,
)
_DIGITS = re.compile(r"\d+")
_COMPOUND = re.compile(r"([^\W\d_]+)-([^\W\d_]+)")
_LINE_END_HYPHEN = re.compile(r"(?<=[^\W_])[-\u00ad\u2010]$")
_LIGATURES = str.maketrans({"ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl", "ﬅ": "st",
                            "ﬆ": "st"})
# Control characters some producers leave in text, and soft hyphens inside a line (they only
# mean "may break here").
_INVISIBLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u00ad\u200b\ufeff]")

Style = tuple[bool, float]
"""(bold, size in points) of a line: what sets a heading apart from body text."""


@dataclass
class _Line:
    text: str
    page: int
    """1-based."""
    y: float | None = None
    """Baseline height on the page (PDF units, upwards), when pypdf's visitor gave it."""
    style: Style | None = None
    gap: bool = False
    """A blank line or a vertical gap before this line (set for lines on the same page)."""


@dataclass
class _Block:
    lines: list[_Line] = field(default_factory=list)


def read(path: Path, ocr: OcrText | None = None) -> Source:
    """Read a PDF review into its text and blocks; a `CorpusError` naming the file if it can't.

    A page with no text layer (nothing but a page number) that draws an image is a scanned page.
    Its lines come from `ocr` (by default the OCR text kept beside the file, `ocr.load`). Scanned
    pages that no OCR text covers make a `ScannedPdf` error, naming them and the `--ocr` flag,
    when they are at least half of the pages or the other pages hold no text (a scanned review,
    perhaps with a typed cover or a stamped page number); fewer are left out and the text pages
    read as usual (a designed cover or a map saved as one image; `scanned_pages()` names them).
    A PDF of blank pages, without text or image, is a plain `CorpusError`.
    """
    data = _bytes(path)
    if ocr is None:
        ocr = load(path)
    if ocr is not None and ocr.sha256 and ocr.sha256 != digest(data):
        raise CorpusError(f"{path.name}: its OCR text was read from another file",
                          "the PDF changed since; add it again with --ocr")
    with _quiet_pypdf():
        pages, scanned = _extract(path.name, data)
    recognised = ocr.pages if ocr is not None else {}
    for number, lines in enumerate(pages, 1):
        if number in recognised and not _has_text(lines):
            pages[number - 1] = _ocr_lines(recognised[number], number)
    unread = [number for number in scanned if number not in recognised]
    if not any(line.text for page in pages for line in page):
        if unread:
            raise ScannedPdf(path.name, unread)
        raise CorpusError(f"{path.name}: no text layer, and no image either",
                          "its pages are blank, or their text is drawn as shapes")
    if unread and len(unread) * 2 >= len(pages):
        raise ScannedPdf(path.name, unread)
    pieces = _pieces(_strip_page_furniture(pages))
    if not pieces:
        if unread:
            raise ScannedPdf(path.name, unread)
        raise CorpusError(f"{path.name}: no text layer (a scanned PDF?)",
                          "only page headers, footers or numbers were found")
    return assemble(str(path), pieces)


def scanned_pages(path: Path) -> tuple[int, ...]:
    """The 1-based pages of the PDF at `path` that have an image and no text layer: the pages
    OCR should read (`ocr.recognise(path, scanned_pages(path))`)."""
    data = _bytes(path)
    with _quiet_pypdf():
        return _extract(path.name, data)[1]


def _bytes(path: Path) -> bytes:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CorpusError(f"{path.name}: cannot be read: {exc.strerror or exc}") from exc
    if importlib.util.find_spec("pypdf") is None:  # a dependency, but say so if it is missing
        raise CorpusError(f"{path.name}: cannot read PDF files: pypdf is not installed",
                          "pip install pypdf")
    return data


def _has_text(lines: list[_Line]) -> bool:
    """Text other than a page number (a scanner's software may stamp one on the image)."""
    return any(not _PAGE_NUMBER.match(line.text) for line in lines)


def _ocr_lines(paragraphs: Paragraphs, number: int) -> list[_Line]:
    """OCR text as extracted lines: each paragraph after the first opens with a gap, which ends a
    block as a blank line does; headings and list items inside are found as on any page."""
    lines: list[_Line] = []
    for paragraph in paragraphs:
        for index, text in enumerate(paragraph):
            line = _clean(text)
            if line:
                lines.append(_Line(line, number, gap=index == 0 and bool(lines)))
    return lines


# --- extraction -------------------------------------------------------------------------------

_quiet_lock = threading.Lock()
_quiet_depth = 0
_saved_level = logging.NOTSET


@contextmanager
def _quiet_pypdf() -> Iterator[None]:
    """Keep pypdf's complaints about damaged files (logged, or warned) off the user's terminal:
    the reader turns what matters into a CorpusError. The logger's level is restored after, and
    reads in several threads share one lowering."""
    global _quiet_depth, _saved_level
    logger = logging.getLogger("pypdf")
    with _quiet_lock:
        if _quiet_depth == 0:
            _saved_level = logger.level
            logger.setLevel(logging.CRITICAL + 1)
        _quiet_depth += 1
    try:
        with warnings.catch_warnings():
            from pypdf.errors import PdfReadWarning

            warnings.simplefilter("ignore", PdfReadWarning)
            yield
    finally:
        with _quiet_lock:
            _quiet_depth -= 1
            if _quiet_depth == 0:
                logger.setLevel(_saved_level)


def _extract(name: str, data: bytes) -> tuple[list[list[_Line]], tuple[int, ...]]:
    """Each page's lines, in pypdf's reading order, and the scanned pages: those with an image
    and no text."""
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, FileNotDecryptedError, PyPdfError

    if b"%PDF-" not in data[:1024]:
        raise CorpusError(f"{name}: not a readable PDF (no PDF header)")
    encrypted = False
    try:
        reader = PdfReader(io.BytesIO(data))
        encrypted = reader.is_encrypted
        # Many published PDFs are encrypted only to restrict printing or copying: they open with
        # the empty user password, and pypdf then reads them as any other.
        if encrypted and not reader.decrypt(""):
            raise CorpusError(f"{name}: encrypted PDF",
                              "it needs a password; save an unprotected copy and add that")
        if len(reader.pages) == 0:
            raise CorpusError(f"{name}: not a readable PDF (it has no pages)")
        pages = [_page_lines(page, number) for number, page in enumerate(reader.pages, 1)]
        scanned = tuple(number for number, (page, lines) in enumerate(zip(reader.pages, pages,
                                                                           strict=True), 1)
                        if not _has_text(lines) and _draws_image(page))
        return pages, scanned
    except DependencyError as exc:
        # pypdf decrypts RC4 by itself but needs the cryptography package for AES.
        if encrypted or b"/Encrypt" in data:
            raise CorpusError(f"{name}: encrypted PDF",
                              "decrypting it needs the cryptography package: "
                              "pip install cryptography") from exc
        raise CorpusError(f"{name}: not a readable PDF ({_reason(exc)})") from exc
    except FileNotDecryptedError as exc:
        raise CorpusError(f"{name}: encrypted PDF", "it needs a password") from exc
    except PyPdfError as exc:
        raise _unreadable(name, data, exc) from exc
    except _PARSE_ERRORS as exc:
        raise _unreadable(name, data, exc) from exc


def _draws_image(page: Any) -> bool:
    from pypdf.errors import PyPdfError

    try:
        return draws_image(page)
    except (PyPdfError, *_PARSE_ERRORS):  # a damaged object: no image known
        return False


def _unreadable(name: str, data: bytes, exc: BaseException) -> CorpusError:
    reason = _reason(exc)
    if b"%%EOF" not in data[-2048:]:
        reason = f"cut short? it has no end-of-file marker; {reason}"
    return CorpusError(f"{name}: not a readable PDF ({reason})")


def _reason(exc: BaseException) -> str:
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return first if len(first) <= 120 else first[:117] + "..."


def _page_lines(page: Any, number: int) -> list[_Line]:
    """A page's lines, with each line's height on the page and dominant font when pypdf's visitor
    accounts for all of the extracted text (it does for ordinary pages)."""
    parts: list[tuple[str, float | None, Style | None]] = []

    def visit(text: str, cm: Sequence[float], tm: Sequence[float], font: Any,
              size: float) -> None:
        parts.append((text, *_geometry(cm, tm, font, size)))

    text = _newlines(page.extract_text(extraction_mode="plain", visitor_text=visit))
    if _newlines("".join(part[0] for part in parts)) != text:
        parts = [(text, None, None)]
    lines: list[_Line] = []
    chars: Counter[Style] = Counter()
    current: list[str] = []
    y: float | None = None
    gap = False

    def finish() -> None:
        nonlocal y, gap
        line = _clean(" ".join(current))
        if line:
            style = chars.most_common(1)[0][0] if chars else None
            lines.append(_Line(line, number, y, style, gap))
            gap = False
        elif lines:  # a blank line in the extracted text
            gap = True
        current.clear()
        chars.clear()
        y = None

    for chunk, chunk_y, style in parts:
        for index, segment in enumerate(_newlines(chunk).split("\n")):
            if index:
                finish()
            current.append(segment)
            if segment.strip():
                if y is None:
                    y = chunk_y
                if style is not None:
                    chars[style] += len(segment.strip())
    finish()
    return lines


def _geometry(cm: Sequence[float], tm: Sequence[float], font: Any,
              size: float) -> tuple[float | None, Style | None]:
    try:
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        # The font size as drawn: the text space's vertical unit through both matrices.
        up_x = tm[2] * cm[0] + tm[3] * cm[2]
        up_y = tm[2] * cm[1] + tm[3] * cm[3]
        drawn = abs(size) * math.hypot(up_x, up_y)
        name = str(font.get("/BaseFont", "")) if font is not None else ""
    except _PARSE_ERRORS:
        return None, None
    bold = bool(re.search(r"bold|black|heavy|semibold|demi", name, re.IGNORECASE))
    return float(y), (bold, round(drawn * 2) / 2)


def _newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _clean(line: str) -> str:
    """Whitespace folded, ligatures spelled out, invisible characters dropped; a soft hyphen at
    the end of the line is kept (it marks a word broken there, see `_dehyphenate`)."""
    line = " ".join(line.translate(_LIGATURES).split())
    soft = line.endswith("\u00ad")
    line = _INVISIBLE.sub("", line)
    return line + "\u00ad" if soft and line else line


# --- page furniture ---------------------------------------------------------------------------


def _key(line: str) -> str:
    """Running headers differ only in their numbers: "Page 3 of 12", "GCM review – 3"."""
    return _DIGITS.sub("#", line.casefold())


def _strip_page_furniture(pages: list[list[_Line]]) -> list[list[_Line]]:
    """Take off running headers and footers (lines repeated at the top or bottom of at least half
    of the pages, and of two) and bare page numbers at the top or bottom of a page."""
    headers = _running(pages, top=True)
    footers = _running(pages, top=False)
    stripped: list[list[_Line]] = []
    for lines in pages:
        start, end = 0, len(lines)
        seen: set[str] = set()
        # From each edge inwards, and each repeated line once a page: a title that repeats the
        # running header just below it stays.
        while start < min(end, _EDGE) and _furniture(lines[start], headers, seen):
            start += 1
        seen.clear()
        while end > max(start, len(lines) - _EDGE) and _furniture(lines[end - 1], footers, seen):
            end -= 1
        kept = lines[start:end]
        if kept:
            kept[0].gap = False
        stripped.append(kept)
    return stripped


def _running(pages: list[list[_Line]], top: bool) -> dict[str, float | None]:
    """The lines that run at the top (or bottom) of the pages, each with the height it sits at
    (None where pypdf gave no positions)."""
    if len(pages) < 2:
        return {}
    edge: dict[str, list[float | None]] = {}
    body: Counter[str] = Counter()
    for lines in pages:
        zone = lines[:_EDGE] if top else lines[-_EDGE:]
        rest = lines[_EDGE:] if top else lines[:-_EDGE]
        first: dict[str, float | None] = {}
        for line in zone:
            first.setdefault(_key(line.text), line.y)
        for key, y in first.items():
            edge.setdefault(key, []).append(y)
        body.update(_key(line.text) for line in rest)
    needed = max(2, math.ceil(len(pages) / 2))
    running: dict[str, float | None] = {}
    for key, heights in edge.items():
        # A running header sits at the same height on every page; body lines that happen to
        # repeat near an edge do not.
        height = max(heights, key=lambda y: sum(_near(y, other) for other in heights))
        count = sum(_near(height, other) for other in heights)
        # A heading that happens to open several pages also stands in the body elsewhere; a
        # running header hardly ever does (the title page may repeat it once).
        if count >= needed and body[key] * 2 < count:
            running[key] = height
    return running


def _near(y: float | None, other: float | None) -> bool:
    return y is None or other is None or abs(y - other) <= 3


def _furniture(line: _Line, running: dict[str, float | None], seen: set[str]) -> bool:
    if _PAGE_NUMBER.match(line.text):
        return True
    key = _key(line.text)
    if key in running and key not in seen and _near(running[key], line.y):
        seen.add(key)
        return True
    return False


# --- blocks -----------------------------------------------------------------------------------


def _last(text: str) -> str:
    """The last character, closing quotes and brackets looked through."""
    stripped = text.rstrip().rstrip(_CLOSERS)
    return stripped[-1:] if stripped else ""


def _ends_sentence(text: str) -> bool:
    return _last(text) in tuple(_SENTENCE_END)


def _may_be_heading(text: str) -> bool:
    """Headings end without punctuation ("(GCM Objectives: 4, 8)" ends at its bracket)."""
    return _last(text) not in tuple(_NOT_A_HEADING_END)


def _starts_lower(text: str) -> bool:
    return text[:1].islower()


def _is_bullet(text: str) -> bool:
    return bool(_GLYPH_BULLET.match(text) or _DASH_BULLET.match(text))


@dataclass
class _Layout:
    """What the document's lines look like: the typical line length of each page, the usual step
    from one line down to the next, and the body text's style."""

    widths: dict[int, float]
    step: float | None
    body: Style | None

    @classmethod
    def of(cls, pages: list[list[_Line]]) -> _Layout:
        every = [len(line.text) for lines in pages for line in lines]
        overall = _percentile(every, 0.8) if every else 0.0
        widths = {}
        for lines in pages:
            if lines:
                own = [len(line.text) for line in lines]
                widths[lines[0].page] = _percentile(own, 0.8) if len(own) >= 8 else overall
        steps = [
            above.y - below.y
            for lines in pages
            for above, below in pairwise(lines)
            if above.y is not None and below.y is not None and above.y - below.y > 0.5
        ]
        styles: Counter[Style] = Counter()
        for lines in pages:
            for line in lines:
                if line.style is not None:
                    styles[line.style] += len(line.text)
        return cls(widths, statistics.median(steps) if steps else None,
                   styles.most_common(1)[0][0] if styles else None)

    def short(self, line: _Line) -> bool:
        return len(line.text) < _SHORT * self.widths.get(line.page, 0.0)

    def styled(self, line: _Line) -> bool:
        """Bold, or larger than the body text: how PDFs set headings apart."""
        if line.style is None or self.body is None or line.style == self.body:
            return False
        bold, size = line.style
        return (bold and not self.body[0]) or size > self.body[1] * 1.15

    def gap(self, above: _Line, below: _Line) -> bool:
        if below.gap:
            return True
        if self.step is None or above.y is None or below.y is None:
            return False
        step = above.y - below.y
        # Text that goes back up the page is a new column or a box set apart.
        return step > self.step * _GAP or step < -self.step * 0.5


def _percentile(values: Sequence[int], share: float) -> float:
    ordered = sorted(values)
    return float(ordered[min(len(ordered) - 1, int(share * len(ordered)))])


def _blocks(pages: list[list[_Line]], layout: _Layout) -> list[_Block]:
    blocks: list[_Block] = []
    for line in (line for lines in pages for line in lines):
        if not blocks or _breaks(blocks[-1], line, layout):
            blocks.append(_Block())
        blocks[-1].lines.append(line)
    return blocks


def _breaks(block: _Block, line: _Line, layout: _Layout) -> bool:
    """Whether `line` starts a new block rather than going on with `block`."""
    previous = block.lines[-1]
    first = block.lines[0]
    heading_like = (
        len(block.lines) == 1 and len(first.text) < _HEADING_CHARS and layout.short(first)
        and _may_be_heading(first.text) and not _is_bullet(first.text)
    )
    styled_run = all(layout.styled(each) for each in block.lines) and _may_be_heading(
        previous.text)
    if line.page != previous.page:
        if _ends_sentence(previous.text) or _is_bullet(line.text):
            return True
        if _starts_lower(line.text) and not (styled_run and not layout.styled(line)):
            return False
        # A full line that stops mid-sentence at the foot of a page goes on on the next page.
        return layout.short(previous) or heading_like or previous.style != line.style
    if layout.gap(previous, line) or _GLYPH_BULLET.match(line.text):
        return True
    if (_DASH_BULLET.match(line.text) or _ENUMERATED.match(line.text)) and (
        _ends_sentence(previous.text) or _last(previous.text) == ";" or layout.short(previous)
        or _is_bullet(first.text)
    ):
        return True
    if previous.style != line.style and (layout.styled(previous) or layout.styled(line)) and (
        styled_run or _ends_sentence(previous.text)
    ):
        return True
    if _starts_lower(line.text):
        return False
    # A short line that ends a sentence ends its paragraph; a short line with no punctuation
    # that opens a block stands alone, a heading.
    return (_ends_sentence(previous.text) and layout.short(previous)) or heading_like


# --- pieces -----------------------------------------------------------------------------------


def _pieces(pages: list[list[_Line]]) -> list[Piece]:
    layout = _Layout.of(pages)
    compounds = {
        (first.casefold(), second.casefold())
        for lines in pages for line in lines for first, second in _COMPOUND.findall(line.text)
    }
    pieces = []
    for block in _blocks(pages, layout):
        lines = _dehyphenate([line.text for line in block.lines], compounds)
        if not lines:
            continue
        pages_of = tuple(sorted({line.page for line in block.lines}))
        hint: Hint = ""
        if _GLYPH_BULLET.match(lines[0]) or _DASH_BULLET.match(lines[0]):
            # One glyph for every bullet, the one plain text uses ("- "), so a list reads the
            # same whatever the PDF drew.
            lines[0] = "- " + (_GLYPH_BULLET.sub("", lines[0]) if _GLYPH_BULLET.match(lines[0])
                               else _DASH_BULLET.sub("", lines[0]))
            hint = "list_item"
        elif _ENUMERATED.match(lines[0]) and not _standalone_heading(lines, layout, block):
            hint = "list_item"
        elif _styled_heading(block, layout):
            # A heading wrapped over two or three lines is still one line of the review; the
            # chunker recognises a section heading on a line of its own.
            lines = [" ".join(lines)]
        pieces.append(Piece(tuple(lines), hint, 0, pages_of))
    return pieces


def _standalone_heading(lines: list[str], layout: _Layout, block: _Block) -> bool:
    """"a) Progress", "2. Trends": a numbered line that is a heading, not a list item."""
    return (len(lines) == 1 and len(lines[0]) < _HEADING_CHARS and _may_be_heading(lines[0])
            and (layout.short(block.lines[0]) or layout.styled(block.lines[0])))


def _styled_heading(block: _Block, layout: _Layout) -> bool:
    return (
        1 < len(block.lines) <= _STYLED_HEADING_LINES
        and all(layout.styled(line) for line in block.lines)
        and _may_be_heading(block.lines[-1].text)
        and sum(len(line.text) for line in block.lines) <= 250
    )


def _dehyphenate(lines: list[str], compounds: set[tuple[str, str]]) -> list[str]:
    """Join words hyphenated across line breaks, on the first line: "traf-" + "ficking" ->
    "trafficking". The hyphen stays where it is part of the word: before a capital or a digit
    ("non-Japanese", "COVID-19"), and in a compound the document also writes whole
    ("well-being")."""
    out = list(lines)
    index = 0
    while index < len(out) - 1:
        line, following = out[index], out[index + 1]
        if not _LINE_END_HYPHEN.search(line) or not following[:1].isalnum():
            index += 1
            continue
        word, _, rest = following.partition(" ")
        head = re.search(r"([^\W\d_]*)[-\u00ad\u2010]$", line)
        prefix = head.group(1) if head else ""
        lead = re.match(r"[^\W\d_]*", word)
        suffix = lead.group(0) if lead else ""
        keep = not line.endswith("\u00ad") and (
            not following[:1].islower() or not prefix
            or (prefix.casefold(), suffix.casefold()) in compounds)
        out[index] = (line[:-1] + "-" if keep else line[:-1]) + word
        if rest:
            out[index + 1] = rest
        else:
            # The next line was that one word: look again at what follows it.
            del out[index + 1]
    return [line for line in out if line]
