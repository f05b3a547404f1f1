"""HTML reader: a web page -> `Piece`s in reading order -> `Source` (via `assemble`).

Reached through `search.sources.read_source` for .html, .htm and .xhtml files. The bytes are
decoded by `encoding.decode` (a `<meta charset>` or XML declaration is honoured when the bytes
are not UTF-8), parsed with beautifulsoup4's "html.parser" builder, and the tree is walked in
document order. Page furniture (scripts, styles, navigation, site headers and footers, forms,
hidden elements) is skipped; headings, paragraphs, list items (with the marker a browser shows)
and table rows become pieces. Deciding what a block means for the review (a section heading, an
objective, a numbered paragraph) is left to `search.blocks`, as for every other format.
"""

from __future__ import annotations

import codecs
import re
import warnings
from dataclasses import dataclass
from pathlib import Path

from bs4 import (
    BeautifulSoup,
    CData,
    MarkupResemblesLocatorWarning,
    NavigableString,
    Tag,
    XMLParsedAsHTMLWarning,
)
from bs4.element import PreformattedString

from ..errors import CorpusError
from .encoding import decode
from .model import Hint, Piece, Source, assemble, list_number

# Never read: code, page furniture, interactive controls, and embedded non-text content.
_DROP = frozenset(
    "script style noscript template nav header footer aside form button "
    "head title meta link base svg math canvas iframe object embed audio video select "
    "textarea input".split()
)
# ARIA landmark roles that mean the same page furniture as the elements above.
_DROP_ROLES = frozenset("navigation banner contentinfo complementary search".split())
# A <header> inside these belongs to the content (it holds the article's title, not the site's
# banner), so its headings are kept and the rest of it (bylines, dates) dropped.
_CONTENT = ("article", "main", "section")
_HIDING_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)

# Elements that end the line of text before them and start a new block.
_BLOCK = frozenset(
    "address article blockquote body center dd details dialog dir div dl dt fieldset figcaption "
    "figure h1 h2 h3 h4 h5 h6 hgroup hr html legend li listing main menu ol p pre section "
    "summary table caption thead tbody tfoot tr td th ul".split()
)
_HEADINGS = {f"h{n}": n for n in range(1, 7)}
_PARAGRAPHS = frozenset("p dt dd caption figcaption summary legend address".split())
_LISTS = ("ul", "ol", "menu", "dir")
_CELLS = frozenset(("td", "th"))

_DECLARED = re.compile(
    rb"""<meta[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)"""
    rb"""|<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)""",
    re.IGNORECASE,
)
# What browsers do with these labels (WHATWG Encoding): Latin-1 and ASCII pages are read as
# Windows-1252, and a UTF-16 label on bytes without a byte order mark is wrong by construction.
_LABEL_AS = {"latin_1": "cp1252", "iso8859_1": "cp1252", "ascii": "cp1252"}


def read(path: Path) -> Source:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CorpusError(f"{path}: cannot be read: {exc.strerror or exc}") from exc
    text = decode(data, path.name, declared=_declared_encoding(data))
    with warnings.catch_warnings():
        # Short markup that looks like a file name or URL, and XHTML read by the HTML parser,
        # are what this reader means to do; bs4 would warn about both.
        warnings.filterwarnings("ignore", category=MarkupResemblesLocatorWarning)
        warnings.filterwarnings("ignore", category=XMLParsedAsHTMLWarning)
        soup = BeautifulSoup(text, "html.parser")
    walker = _Walker()
    walker.walk(soup)
    return assemble(str(path), walker.pieces)


def _declared_encoding(data: bytes) -> str | None:
    """The encoding a page names in its first bytes (`<meta charset>`, `<?xml encoding>`)."""
    found = _DECLARED.search(data[:4096])
    if not found:
        return None
    label = (found.group(1) or found.group(2)).decode("ascii").lower()
    try:
        name = codecs.lookup(label).name.replace("-", "_")
    except LookupError:
        return None
    if name.startswith(("utf_16", "utf_32")):
        return None
    return _LABEL_AS.get(name, name)


@dataclass
class _List:
    ordered: bool
    next: int = 1
    step: int = 1
    style: str = "1"

    def marker(self, value: int | None) -> str:
        if not self.ordered:
            return "- "
        if value is not None:
            self.next = value
        number, self.next = self.next, self.next + self.step
        return f"{list_number(number, self.style)}. "


def _int(value: object) -> int | None:
    try:
        return int(str(value).strip())
    except ValueError:
        return None


class _Walker:
    """Walks a parsed page in document order, collecting pieces.

    Text accumulates in `lines` (a `<br>` starts a new line) until a block boundary flushes it
    as one piece, whose hint is that of the innermost heading or paragraph element around it.
    Inside a table row, text accumulates per cell instead and the row becomes one piece.
    """

    def __init__(self) -> None:
        self.pieces: list[Piece] = []
        self.lines: list[str] = [""]
        self.hints: list[tuple[Hint, int]] = []
        self.marker: str | None = None
        self.lists: list[_List] = []
        self.row: list[list[str]] | None = None
        self.rows_inside = 0
        """Rows opened inside an unclosed row: the outer row goes on after each one ends."""
        self.nested_tables = 0
        self.pre = 0
        self.headings_only = 0

    def walk(self, root: Tag) -> None:
        # An explicit stack, not recursion: a deeply nested page cannot hit the recursion limit.
        stack = [(root, iter(root.children))]
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                stack.pop()
                if node is not root:
                    self.leave(node)
            elif isinstance(child, Tag):
                if self.enter(child):
                    stack.append((child, iter(child.children)))
            elif isinstance(child, NavigableString) and (
                isinstance(child, CData) or not isinstance(child, PreformattedString)
            ):
                # Comments, doctypes and processing instructions are PreformattedStrings.
                self.text(str(child))
        self.flush()

    # --- elements -------------------------------------------------------------------------

    def enter(self, tag: Tag) -> bool:
        """Handle an opening tag; False to skip the element and everything in it."""
        name = tag.name
        if name == "header" and not _hidden(tag) and tag.find_parent(_CONTENT) is not None:
            self.flush()
            self.headings_only += 1
            return True
        if name in _DROP or _hidden(tag):
            return False
        if self.row is not None:
            self._enter_in_row(tag)
            return True
        if name == "tr":
            self.flush()
            self.row = []
            return True
        if name == "br":
            self._line_break()
            return True
        if name not in _BLOCK:
            return True
        self.flush()
        if name in _HEADINGS:
            self.hints.append(("heading", _HEADINGS[name]))
        elif name in _PARAGRAPHS or name == "pre":
            self.hints.append(("paragraph", 0))
            self.pre += name == "pre"
        elif name in _LISTS:
            self.lists.append(_new_list(tag))
        elif name == "li":
            # An <li> directly inside another one is an unclosed item of the same list (the
            # html.parser builder nests it): it takes the next marker of the list around both.
            current = self.lists[-1] if self.lists else _List(ordered=False)
            self.marker = current.marker(_int(tag.get("value")) if tag.has_attr("value") else None)
        return True

    def leave(self, tag: Tag) -> None:
        name = tag.name
        if name == "header":
            # Only a header inside the content is entered at all (see `enter`).
            self.flush()
            self.headings_only -= 1
            return
        if self.row is not None:
            self._leave_in_row(tag)
            return
        if name not in _BLOCK:
            return
        self.flush()
        if name in _HEADINGS or name in _PARAGRAPHS or name == "pre":
            self.hints.pop()
            self.pre -= name == "pre"
        elif name in _LISTS:
            self.lists.pop()
        elif name == "li":
            self.marker = None

    def _enter_in_row(self, tag: Tag) -> None:
        assert self.row is not None
        name = tag.name
        if self.nested_tables:
            # A table inside a cell is read as that cell's text.
            self.nested_tables += name == "table"
            if name in _BLOCK or name == "br":
                self._cell_text(" ")
        elif name == "table":
            self.nested_tables = 1
            self._cell_text(" ")
        elif name in _CELLS:
            self.row.append([])
        elif name == "tr":
            # An unclosed <tr>: the html.parser builder nests the next row inside it.
            self._end_row()
            self.row = []
            self.rows_inside += 1
        elif name in _BLOCK or name == "br":
            self._cell_text(" ")

    def _leave_in_row(self, tag: Tag) -> None:
        name = tag.name
        if self.nested_tables:
            self.nested_tables -= name == "table"
            if name in _BLOCK:
                self._cell_text(" ")
        elif name == "tr":
            self._end_row()
            if self.rows_inside:
                # Still inside the outer row: what closes after this belongs to it ("<tr><p><tr>"
                # left the <p> outside any row, and popped a paragraph hint it never pushed).
                self.rows_inside -= 1
                self.row = []
        elif name in _BLOCK:
            self._cell_text(" ")

    # --- text -----------------------------------------------------------------------------

    def text(self, text: str) -> None:
        # A soft hyphen is invisible unless a line breaks there; in extracted text it would
        # split words for the search.
        text = text.replace("\xad", "")
        if self.row is not None:
            self._cell_text(text)
        elif self.pre:
            first, *rest = text.split("\n")
            self.lines[-1] += first
            for line in rest:
                self._line_break()
                self.lines[-1] += line
        else:
            self.lines[-1] += text

    def _line_break(self) -> None:
        """A `<br>` (or a newline in `<pre>`): a new line; a second one in a row ends the piece,
        as a blank line does in a text file."""
        if self.lines[-1].strip():
            self.lines.append("")
        elif len(self.lines) > 1:
            self.flush()

    def _cell_text(self, text: str) -> None:
        assert self.row is not None
        if not self.row:
            self.row.append([])
        self.row[-1].append(text)

    def _end_row(self) -> None:
        assert self.row is not None
        cells = [" ".join("".join(cell).split()) for cell in self.row]
        self.row = None
        line = " | ".join(cell for cell in cells if cell)
        if line and not self.headings_only:
            self.pieces.append(Piece((line,), "table_row"))

    def flush(self) -> None:
        lines, self.lines = self.lines, [""]
        if not any(line.strip() for line in lines):
            return
        hint, level = self.hints[-1] if self.hints else ("paragraph", 0)
        if self.headings_only and hint != "heading":
            return
        if hint == "heading":
            # A heading is one line however the page breaks it.
            lines = [" ".join(lines)]
        elif self.marker is not None:
            first = next(n for n, line in enumerate(lines) if line.strip())
            lines[first] = self.marker + lines[first].lstrip()
            hint, self.marker = "list_item", None
        self.pieces.append(Piece(tuple(lines), hint, level))


def _hidden(tag: Tag) -> bool:
    """Hidden from readers, or marked as page furniture by its ARIA role."""
    if tag.has_attr("hidden"):
        return True
    if str(tag.get("aria-hidden", "")).strip().lower() == "true":
        return True
    if str(tag.get("role", "")).strip().lower() in _DROP_ROLES:
        return True
    return bool(_HIDING_STYLE.search(str(tag.get("style", ""))))


def _new_list(tag: Tag) -> _List:
    if tag.name != "ol":
        return _List(ordered=False)
    style = str(tag.get("type", "1"))
    style = style if style in ("1", "a", "A", "i", "I") else "1"
    start = _int(tag.get("start")) if tag.has_attr("start") else None
    if tag.has_attr("reversed"):
        if start is None:
            start = sum(1 for li in tag.find_all("li") if li.find_parent(_LISTS) is tag)
        return _List(ordered=True, next=start, step=-1, style=style)
    return _List(ordered=True, next=1 if start is None else start, style=style)
