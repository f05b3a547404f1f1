"""Word reader: a .docx file -> `Piece`s in reading order -> `Source` (via `assemble`).

Reached through `search.sources.read_source` for .docx files. The file is checked as a zip
archive first (a renamed text file, an old .doc, or a zip bomb is refused with a `CorpusError`
naming the file), then opened with python-docx, and the body is walked in document order:
paragraphs, the paragraphs inside content controls, and tables (one piece per row, cells joined by
" | "). Heading styles give the heading level, Word numbering gives list markers ("- " for
bullets, "1. " for numbered items), and soft line breaks split a piece into lines. Headers,
footers, footnotes, comments and a table of contents are not body text and are not read.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..errors import CorpusError
from .model import Piece, Source, assemble, list_number

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"

_MB = 1024 * 1024
# word/document.xml of the longest review is a few MB; an XML part past this is a zip bomb or
# not a review. The total bounds what python-docx reads into memory (it loads every part).
_MAX_XML = 50 * _MB
_MAX_TOTAL = 500 * _MB
_TOC_GALLERY = "w:sdtPr/w:docPartObj/w:docPartGallery[@w:val='Table of Contents']"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

_HEADING_STYLE = re.compile(r"heading\s*([1-9])", re.IGNORECASE)
_MAX_LEVEL = 6
"""`RawBlock.level` is 1-6, as in HTML; Word's headings 7-9 count as 6."""

# Subtrees of a paragraph that hold no text of it: properties, deleted text, drawings and text
# boxes (whose paragraphs are not the body's), alternative renderings, note and comment marks.
_SKIP = frozenset(
    f"{_W}{tag}"
    for tag in "pPr rPr del moveFrom drawing pict object footnoteReference endnoteReference "
    "commentReference annotationRef footnoteRef endnoteRef".split()
) | {f"{_MC}AlternateContent"}


def read(path: Path) -> Source:
    from docx import Document
    from docx.opc.exceptions import PackageNotFoundError
    from lxml import etree

    try:
        with path.open("rb") as file:
            _check_package(file, path.name)
            file.seek(0)
            try:
                document = Document(file)
            except (PackageNotFoundError, KeyError, ValueError, zipfile.BadZipFile,
                    etree.XMLSyntaxError, EOFError, zlib.error,
                    # zipfile on a member it cannot unpack: an unknown compression method, or
                    # encrypted ("password required for extraction")
                    NotImplementedError, RuntimeError) as exc:
                raise CorpusError(f"{path.name}: not a Word .docx file ({_reason(exc)})",
                                  "save it from Word as a .docx document") from exc
    except OSError as exc:
        raise CorpusError(f"{path}: cannot be read: {exc.strerror or exc}") from exc
    return assemble(str(path), _Reader(document).pieces())


def _check_package(file: Any, name: str) -> None:
    """Refuse what is not a zip archive, or would unpack to more than a review can be."""
    head = file.read(8)
    if head == _OLE:
        raise CorpusError(f"{name}: not a Word .docx file (an old .doc or an encrypted file)",
                          "save it from Word as a .docx document, without a password")
    file.seek(0)
    try:
        with zipfile.ZipFile(file) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, EOFError, ValueError) as exc:
        raise CorpusError(f"{name}: not a Word .docx file (not a zip archive)",
                          "save it from Word as a .docx document") from exc
    except NotImplementedError as exc:  # a zip feature Python lacks ("zip file version 11.0")
        raise CorpusError(f"{name}: not a Word .docx file (unsupported zip archive: "
                          f"{_reason(exc)})", "save it from Word as a .docx document") from exc
    # Sizes come from the zip's directory; zipfile never inflates a member past its declared
    # size, so checking them bounds what python-docx will unpack.
    names = {info.filename for info in infos}
    if "word/document.xml" not in names:
        raise CorpusError(f"{name}: not a Word .docx file (it has no word/document.xml)",
                          "save it from Word as a .docx document")
    for info in infos:
        if info.filename.endswith((".xml", ".rels")) and info.file_size > _MAX_XML:
            raise CorpusError(
                f"{name}: {info.filename} unpacks to {info.file_size // _MB} MB, more than "
                f"the {_MAX_XML // _MB} MB limit; the file is not read"
            )
    total = sum(info.file_size for info in infos)
    if total > _MAX_TOTAL:
        raise CorpusError(f"{name}: unpacks to {total // _MB} MB, more than the "
                          f"{_MAX_TOTAL // _MB} MB limit; the file is not read")


@lru_cache(maxsize=64)
def _compiled(expression: str) -> Any:
    from lxml import etree

    return etree.XPath(expression, namespaces={"w": _W[1:-1]})


def _xpath(element: Any, expression: str, **variables: str) -> list[Any]:
    # Compiled with the namespace: elements python-docx has no class for are plain lxml
    # elements, whose .xpath() would not know the "w" prefix. Values from the document are
    # passed as XPath variables, never pasted into the expression.
    result: list[Any] = _compiled(expression)(element, **variables)
    return result


def _reason(exc: Exception) -> str:
    content_type = re.search(r"content type is '([^']+)'", str(exc))
    if content_type:
        # python-docx opens documents only, not templates (.dotx) or macro files (.docm).
        kind = content_type.group(1)
        if "template" in kind.lower() or "macroenabled" in kind.lower():
            return "it is a Word template or a macro-enabled document"
        return f"its main part is {kind}"
    text = str(exc).strip().strip("'\"")
    first = text.splitlines()[0] if text else type(exc).__name__
    return first[:120]


# --- numbering -----------------------------------------------------------------------------


@dataclass
class _Level:
    format: str = "bullet"
    start: int = 1
    text: str = ""


@dataclass
class _Numbering:
    """Word's list definitions (numbering.xml) and the running count of each list: what Word
    prints before a paragraph of list `numId` at level `ilvl`."""

    root: Any
    counts: dict[str, dict[int, int]] = field(default_factory=dict)
    cache: dict[tuple[str, int], _Level] = field(default_factory=dict)

    def level(self, num_id: str, ilvl: int) -> _Level:
        key = (num_id, ilvl)
        if key not in self.cache:
            self.cache[key] = self._lookup(num_id, ilvl)
        return self.cache[key]

    def _lookup(self, num_id: str, ilvl: int) -> _Level:
        if self.root is None:
            return _Level()
        nums = _xpath(self.root, "w:num[@w:numId=$id]", id=num_id)
        if not nums:
            return _Level()
        num = nums[0]
        abstract_ids = _xpath(num, "w:abstractNumId/@w:val")
        lvl = None
        overrides = _xpath(num, "w:lvlOverride[@w:ilvl=$ilvl]", ilvl=str(ilvl))
        if overrides:
            found = _xpath(overrides[0], "w:lvl")
            lvl = found[0] if found else None
        if lvl is None and abstract_ids:
            found = _xpath(self.root, "w:abstractNum[@w:abstractNumId=$id]/w:lvl[@w:ilvl=$ilvl]",
                           id=str(abstract_ids[0]), ilvl=str(ilvl))
            lvl = found[0] if found else None
        if lvl is None:
            return _Level()
        start = _int(_first(_xpath(lvl, "w:start/@w:val")), 1)
        if overrides:
            start = _int(_first(_xpath(overrides[0], "w:startOverride/@w:val")), start)
        return _Level(_first(_xpath(lvl, "w:numFmt/@w:val")) or "decimal", start,
                      _first(_xpath(lvl, "w:lvlText/@w:val")) or "")

    def advance(self, num_id: str, ilvl: int) -> dict[int, int]:
        """Count one more item at `ilvl`; deeper levels restart. The counts after it."""
        counts = self.counts.setdefault(num_id, {})
        counts[ilvl] = counts.get(ilvl, self.level(num_id, ilvl).start - 1) + 1
        for deeper in [n for n in counts if n > ilvl]:
            del counts[deeper]
        return counts

    def printed(self, num_id: str, ilvl: int, counts: dict[int, int]) -> str:
        """The number as Word prints it from the level's text ("%1.%2" -> "2.3")."""

        def one(match: re.Match[str]) -> str:
            n = int(match.group(1)) - 1
            value = counts.get(n, self.level(num_id, n).start)
            return list_number(value, _STYLES.get(self.level(num_id, n).format, "1"))

        return re.sub(r"%([1-9])", one, self.level(num_id, ilvl).text).strip()


def _first(values: list[Any]) -> str | None:
    return str(values[0]) if values else None


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


# Word's numbering formats, in HTML's vocabulary for `list_number`.
_STYLES = {"lowerLetter": "a", "upperLetter": "A", "lowerRoman": "i", "upperRoman": "I"}


# --- the body ------------------------------------------------------------------------------


class _Reader:
    def __init__(self, document: Any) -> None:
        self.document = document
        self.part = document.part
        try:
            numbering = self.part.numbering_part.element
        except (KeyError, NotImplementedError):
            numbering = None
        self.numbering = _Numbering(numbering)
        # Counters of "List Number" paragraphs that have no Word numbering, per style name.
        self.style_counts: dict[str, int] = {}

    def pieces(self) -> list[Piece]:
        out: list[Piece] = []
        for element in _blocks(self.document.element.body):
            if element.tag == f"{_W}tbl":
                out.extend(Piece((row,), "table_row") for row in _rows(element))
                self.style_counts.clear()
            else:
                piece = self._paragraph(element)
                if piece is not None:
                    out.append(piece)
        return out

    def _paragraph(self, p: Any) -> Piece | None:
        from docx.text.paragraph import Paragraph

        lines = _lines(p)
        if not any(line.strip() for line in lines):
            return None
        style = Paragraph(p, self.part).style
        names = _style_names(style)
        name = names[0] if names else ""
        if name.lower().startswith("toc"):
            return None  # a table of contents repeats the headings, with page numbers
        level = _heading_level(p, style, names)
        num_id, ilvl, removed = _numbering_of(p, style)
        if level:
            number = ""
            if num_id is not None:
                fmt = self.numbering.level(num_id, ilvl).format
                counts = self.numbering.advance(num_id, ilvl)
                if fmt not in ("bullet", "none"):
                    # Headings numbered by Word ("1", "2.3") show the number before the title.
                    number = self.numbering.printed(num_id, ilvl, counts)
            self.style_counts.clear()
            return Piece((" ".join(filter(None, [number, *lines])),), "heading", level)
        marker = None if removed else self._marker(num_id, ilvl, name)
        if marker is None:
            self.style_counts.clear()
            return Piece(tuple(lines), "paragraph")
        first = next(n for n, line in enumerate(lines) if line.strip())
        lines[first] = marker + lines[first].lstrip()
        return Piece(tuple(lines), "list_item")

    def _marker(self, num_id: str | None, ilvl: int, style_name: str) -> str | None:
        """The marker of a list paragraph ("- ", "3. "), or None for any other paragraph."""
        if num_id is not None:
            fmt = self.numbering.level(num_id, ilvl).format
            counts = self.numbering.advance(num_id, ilvl)
            if fmt == "none":
                return None
            if fmt == "bullet":
                return "- "
            return f"{list_number(counts[ilvl], _STYLES.get(fmt, '1'))}. "
        lowered = style_name.lower()
        if not lowered.startswith("list") or "continue" in lowered:
            return None
        if "number" in lowered:
            count = self.style_counts.get(style_name, 0) + 1
            self.style_counts[style_name] = count
            return f"{count}. "
        return "- "


def _blocks(container: Any) -> Iterator[Any]:
    """Paragraphs and tables of a body or a table cell in order, looking through content
    controls and custom XML, and skipping a table of contents."""
    for child in container.iterchildren():
        tag = child.tag
        if tag in (f"{_W}p", f"{_W}tbl"):
            yield child
        elif tag == f"{_W}sdt":
            if _xpath(child, _TOC_GALLERY):
                continue
            for content in child.iterchildren(f"{_W}sdtContent"):
                yield from _blocks(content)
        elif tag == f"{_W}customXml":
            yield from _blocks(child)


def _rows(table: Any) -> Iterator[str]:
    for row in _children(table, "tr"):
        cells = [" ".join(_cell_text(cell).split()) for cell in _children(row, "tc")]
        line = " | ".join(cell for cell in cells if cell)
        if line:
            yield line


def _children(element: Any, name: str) -> Iterator[Any]:
    """Child elements `w:name`, including those wrapped in content controls or custom XML."""
    for child in element.iterchildren():
        if child.tag == f"{_W}{name}":
            yield child
        elif child.tag == f"{_W}sdt":
            for content in child.iterchildren(f"{_W}sdtContent"):
                yield from _children(content, name)
        elif child.tag == f"{_W}customXml":
            yield from _children(child, name)


def _cell_text(cell: Any) -> str:
    parts: list[str] = []
    for element in _blocks(cell):
        if element.tag == f"{_W}tbl":
            parts.extend(_rows(element))  # a table in a cell is read as that cell's text
        else:
            parts.extend(_lines(element))
    return " ".join(parts)


def _lines(p: Any) -> list[str]:
    """A paragraph's text as its lines (soft line breaks split them)."""
    parts: list[str] = []
    stack = [iter(p.iterchildren())]
    while stack:
        element = next(stack[-1], None)
        if element is None:
            stack.pop()
            continue
        tag = element.tag
        if not isinstance(tag, str) or tag in _SKIP:
            continue  # comments and processing instructions have no string tag
        if tag == f"{_W}t":
            parts.append(element.text or "")
        elif tag in (f"{_W}tab", f"{_W}ptab"):
            parts.append("\t")
        elif tag == f"{_W}br":
            kind = element.get(f"{_W}type")
            # A page or column break inside a paragraph is not a line of the text.
            parts.append("\n" if kind in (None, "textWrapping") else " ")
        elif tag == f"{_W}cr":
            parts.append("\n")
        elif tag == f"{_W}noBreakHyphen":
            parts.append("-")
        else:
            stack.append(iter(element.iterchildren()))
    return "".join(parts).split("\n")


def _style_names(style: Any) -> list[str]:
    """The paragraph's style name and those it is based on, nearest first."""
    names: list[str] = []
    seen = 0
    while style is not None and seen < 10:  # styles can be based on each other in a loop
        names.append(style.name or "")
        style = style.base_style
        seen += 1
    return names


def _heading_level(p: Any, style: Any, names: list[str]) -> int:
    if names and names[0].lower() == "subtitle":
        return 0
    for name in names:
        if name.lower() == "title":
            return 1
        found = _HEADING_STYLE.fullmatch(name.strip())
        if found:
            return min(int(found.group(1)), _MAX_LEVEL)
    # A custom heading style, or direct formatting, can give an outline level instead.
    for element in [p, *_style_elements(style)]:
        level = _xpath(element, "w:pPr/w:outlineLvl/@w:val")
        if level:
            value = _int(str(level[0]), 9)
            return min(value + 1, _MAX_LEVEL) if value < 9 else 0
    return 0


def _style_elements(style: Any) -> list[Any]:
    out: list[Any] = []
    while style is not None and len(out) < 10:
        out.append(style.element)
        style = style.base_style
    return out


def _numbering_of(p: Any, style: Any) -> tuple[str | None, int, bool]:
    """The paragraph's (numId, ilvl, removed): its own numbering, else its style's; `removed`
    when numId 0 takes the numbering (of its list style too) off the paragraph."""
    num_id: str | None = None
    ilvl: str | None = None
    for element in [p, *_style_elements(style)]:
        for num_pr in _xpath(element, "w:pPr/w:numPr"):
            if num_id is None:
                num_id = _first(_xpath(num_pr, "w:numId/@w:val"))
            if ilvl is None:
                ilvl = _first(_xpath(num_pr, "w:ilvl/@w:val"))
    if num_id is None or num_id == "0":
        return None, 0, num_id == "0"
    return num_id, _int(ilvl, 0), False
