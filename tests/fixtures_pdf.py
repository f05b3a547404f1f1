"""PDFs for the PDF reader's tests, written with fpdf2 (a test-only dependency).

`japan_pdf()` publishes the Japan review as a government would: A4 pages with a running header and
a "Page N of M" footer, bold headings, paragraphs wrapped at the page width with a few words
hyphenated at line ends, a paragraph running over a page break, and bullets. `write_pdf()` lays
out small documents line by line, page by page, for the unit tests.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from fpdf import FPDF

ROOT = Path(__file__).resolve().parent.parent
JAPAN_TXT = ROOT / "corpus" / "000_72600e5c51edf008.txt"
HEADER = "Voluntary GCM review by Japan"

# A Unicode TrueType font with a bold face: the review has curly quotes, which the PDF core
# fonts cannot draw.
_FONTS = (
    ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
     "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
    ("/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
     "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf"),
)

# Where the fixture may break a word at a line end, as a typesetter would by hand. Hyphenation
# is otherwise off: no other word is ever broken.
_BREAKS = {
    "trafficking": ("traf", "ficking"),
    "international": ("inter", "national"),
    "implement": ("imple", "ment"),
    "comprehensive": ("compre", "hensive"),
    "reintegration": ("reinte", "gration"),
    "organizations": ("organi", "zations"),
    "nationwide": ("nation", "wide"),
    "discrimination": ("discrimi", "nation"),
    "environment": ("environ", "ment"),
}
# Real compounds the fixture may break at their own hyphen: the review also writes each of them
# whole on some line, which is how the reader knows to keep the hyphen.
_COMPOUND_BREAKS = ("awareness-raising", "non-Japanese")


class FontMissing(Exception):
    """No Unicode TrueType font on this machine: the tests that need one are skipped."""


def unicode_fonts() -> tuple[Path, Path]:
    """Regular and bold font files, or FontMissing."""
    for regular, bold in _FONTS:
        if Path(regular).is_file() and Path(bold).is_file():
            return Path(regular), Path(bold)
    raise FontMissing("no Unicode TrueType font (DejaVu Sans or Liberation Sans) installed; "
                      "apt-get install fonts-dejavu-core")


@dataclass(frozen=True)
class Line:
    """One line as `write_pdf` draws it."""

    text: str
    bold: bool = False
    size: float = 11
    indent: float = 0


GAP = Line("")
"""A blank line's worth of space."""


class _Document(FPDF):
    def __init__(self, header: str | None, footer: str | None) -> None:
        super().__init__(format="A4")
        self.running_header = header
        self.running_footer = footer
        regular, bold = unicode_fonts()
        self.add_font("Body", fname=str(regular))
        self.add_font("Body", style="B", fname=str(bold))
        self.set_margins(20, 20, 20)
        self.set_auto_page_break(True, margin=22)

    def header(self) -> None:
        if self.running_header is not None:
            self.set_font("Body", size=9)
            self.cell(0, 5, self._fill(self.running_header), align="R",
                      new_x="LMARGIN", new_y="NEXT")
            self.ln(6)

    def footer(self) -> None:
        if self.running_footer is not None:
            self.set_y(-15)
            self.set_font("Body", size=9)
            self.cell(0, 5, self._fill(self.running_footer), align="C")

    def save(self, path: Path) -> None:
        self.output(str(path))
        self.close_fonts()

    def close_fonts(self) -> None:
        """fpdf2 keeps each font file open until it writes the font out; one it never writes
        (a face no line used, or a document only measured with) would be left open."""
        for font in self.fonts.values():
            ttfont = getattr(font, "ttfont", None)
            if ttfont is not None:
                ttfont.close()

    def _fill(self, template: str) -> str:
        return template.replace("{page}", str(self.page_no())).replace("{pages}", "{nb}")

    def draw(self, item: Line, height: float = 5.5) -> None:
        if not item.text:
            self.ln(height)
            return
        self.set_font("Body", style="B" if item.bold else "", size=item.size)
        self.set_x(self.l_margin + item.indent)
        self.cell(0, height, item.text, new_x="LMARGIN", new_y="NEXT")


def write_pdf(path: Path, pages: Sequence[Sequence[Line]], *, header: str | None = None,
              footer: str | None = None) -> Path:
    """Each page's lines, drawn as given (a `GAP` is a blank line). "{page}" and "{pages}" in
    the header and footer are the page number and count."""
    pdf = _Document(header, footer)
    pdf.set_auto_page_break(False)
    for lines in pages:
        pdf.add_page()
        for item in lines:
            pdf.draw(item)
    pdf.save(path)
    return path


# --- the Japan review -------------------------------------------------------------------------


@dataclass
class JapanLayout:
    """What `japan_pdf` did, for tests to check that the fixture shows what it should."""

    pages: int = 0
    broken_words: list[str] = field(default_factory=list)
    """Words split at a line end, as "traf-|ficking"."""
    split_paragraphs: int = 0
    """Paragraphs that run over a page break."""


_SECTION = re.compile(r"^\d{1,2} ")
_SUBSECTION = re.compile(r"^[a-z]\) ")


def japan_pdf(path: Path, source: Path = JAPAN_TXT) -> JapanLayout:
    """Write the Japan review (`source`, plain text) as a multi-page A4 PDF at `path`.

    The text is the source's, byte for byte, laid out: the title and headings in bold on lines of
    their own, each paragraph wrapped at the page width, "- " list items drawn as "• " bullets.
    The width is narrowed a little until the layout shows what the tests need: a "traf-ficking"
    break, a compound broken at its own hyphen, and a paragraph running over a page break.
    """
    blocks = [block.strip() for block in source.read_text(encoding="utf-8").split("\n\n")
              if block.strip()]
    assert all("\n" not in block for block in blocks), "each block of the review is one line"
    measure = _Document(None, None)  # loading the fonts is the slow part: once
    try:
        for shrink in range(0, 40):
            layout = JapanLayout()
            plan = _plan(measure, layout, blocks, measure.epw - shrink)
            if not (any(word.startswith("traf-") for word in layout.broken_words)
                    and any(word.split("|")[0] in ("awareness-", "non-")
                            for word in layout.broken_words)):
                continue
            pdf = _draw(plan, layout)
            if layout.split_paragraphs:
                pdf.save(path)
                return layout
            pdf.close_fonts()
    finally:
        measure.close_fonts()
    raise AssertionError("no page width gives the Japan PDF the layout its tests need")


@dataclass(frozen=True)
class _Planned:
    lines: list[str]
    bold: bool = False
    size: float = 11
    height: float = 5.5
    indent: float = 0
    """Of the lines after the first (a bullet's hanging indent)."""
    space_before: float = 0


def _plan(pdf: _Document, layout: JapanLayout, blocks: list[str],
          width: float) -> list[_Planned]:
    plan = []
    for number, text in enumerate(blocks):
        if number == 0:
            plan.append(_Planned([text], bold=True, size=16, height=9))
            continue
        if _SUBSECTION.match(text):
            plan.append(_Planned([text], bold=True, height=6))
            continue
        section = bool(_SECTION.match(text))
        bullet = text.startswith("- ")
        if bullet:
            text = "• " + text[2:]
        pdf.set_font("Body", style="B" if section else "", size=12 if section else 11)
        indent = pdf.get_string_width("• ") if bullet else 0
        plan.append(_Planned(_wrap(pdf, layout, text, width, indent), bold=section,
                             size=12 if section else 11, height=6.5 if section else 5.5,
                             indent=indent, space_before=2 if section else 0))
    return plan


def _draw(plan: list[_Planned], layout: JapanLayout) -> _Document:
    pdf = _Document(HEADER, "Page {page} of {pages}")
    pdf.add_page()
    for block in plan:
        pdf.ln(block.space_before)
        pages = set()
        for index, line in enumerate(block.lines):
            pdf.draw(Line(line, block.bold, block.size, block.indent if index else 0),
                     height=block.height)
            pages.add(pdf.page_no())  # fpdf2 breaks the page before a line that would not fit
        if len(pages) > 1:
            layout.split_paragraphs += 1
        pdf.ln(3.5)
    layout.pages = pdf.page_no()
    return pdf


def _wrap(pdf: FPDF, layout: JapanLayout, text: str, width: float, indent: float) -> list[str]:
    """Greedy word wrap; a word that does not fit is broken only where `_BREAKS` or
    `_COMPOUND_BREAKS` allow, and a word ending in a hyphen ("mid- to") is never left at a line
    end, where it would look like a broken word."""
    words: list[str] = []
    for word in text.split(" "):
        if words and words[-1].endswith("-"):
            words[-1] += " " + word
        else:
            words.append(word)
    lines: list[str] = []
    current = ""
    for word in words:
        candidate = f"{current} {word}" if current else word
        room = width - (indent if lines else 0)
        if pdf.get_string_width(candidate) <= room or not current:
            current = candidate
            continue
        split = _split(word)
        if split and pdf.get_string_width(f"{current} {split[0]}") <= room:
            lines.append(f"{current} {split[0]}")
            layout.broken_words.append(f"{split[0]}|{split[1]}")
            current = split[1]
        else:
            lines.append(current)
            current = word
    lines.append(current)
    return lines


def _split(word: str) -> tuple[str, str] | None:
    """"trafficking," -> ("traf-", "ficking,"); "awareness-raising" -> ("awareness-", "raising")."""
    for compound in _COMPOUND_BREAKS:
        if word.startswith(compound):
            head, tail = word.split("-", 1)
            return head + "-", tail
    core = re.match(r"[A-Za-z]+", word)
    if core and core.group(0).lower() in _BREAKS:
        head, _ = _BREAKS[core.group(0).lower()]
        return word[: len(head)] + "-", word[len(head):]
    return None
