"""Scanned PDFs for the OCR tests and bench/ocr.py: text rendered to an image with Pillow, and the
image placed on a PDF page with fpdf2, so the page has no text layer, as a scanner makes it.

A page is a list of paragraphs; a paragraph starting with "## " is drawn in bold (a heading, the
marker left out), and a paragraph is wrapped to the page width with a blank line after it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from fixtures_pdf import unicode_fonts
from fpdf import FPDF
from PIL import Image, ImageDraw, ImageFont

HEADING = "## "
A5 = (148.0, 210.0)
"""Millimetres (fpdf2 warns on its "A5" name: its size changed in 2.8.5)."""


@dataclass(frozen=True)
class Page:
    paragraphs: tuple[str, ...]
    scanned: bool = True
    """An image of the text (True) or the text itself, a text layer (False)."""


def words(paragraphs: Sequence[str]) -> list[str]:
    """The words a page shows, as OCR should give them back."""
    return [word for text in paragraphs for word in text.removeprefix(HEADING).split()]


def page_image(paragraphs: Sequence[str], *, width_mm: float = 150, dpi: int = 200,
               size_pt: float = 11) -> Image.Image:
    """The paragraphs drawn black on white, as a scanner at `dpi` sees a printed page."""
    regular, bold = unicode_fonts()
    pixels = round(size_pt * dpi / 72)
    fonts = {False: ImageFont.truetype(str(regular), pixels),
             True: ImageFont.truetype(str(bold), pixels)}
    margin = dpi // 3
    width = round(width_mm / 25.4 * dpi)
    step = round(pixels * 1.45)
    lines: list[tuple[str, bool]] = []
    for text in paragraphs:
        heading = text.startswith(HEADING)
        font = fonts[heading]
        line = ""
        for word in text.removeprefix(HEADING).split():
            longer = f"{line} {word}".strip()
            if line and font.getlength(longer) > width - 2 * margin:
                lines.append((line, heading))
                longer = word
            line = longer
        lines.extend([(line, heading), ("", False)])
    image = Image.new("L", (width, 2 * margin + step * len(lines)), 255)
    draw = ImageDraw.Draw(image)
    for number, (line, heading) in enumerate(lines):
        draw.text((margin, margin + number * step), line, font=fonts[heading], fill=0)
    return image


def write_scan(path: Path, pages: Sequence[Page], *, dpi: int = 200) -> Path:
    """A PDF of `pages`: scanned pages are one image each, sized as printed; text pages are
    written with fpdf2's text (a text layer)."""
    regular, bold = unicode_fonts()
    pdf = FPDF(unit="mm", format=A5)
    pdf.set_auto_page_break(False)
    pdf.add_font("Body", "", str(regular))
    pdf.add_font("Body", "B", str(bold))
    for page in pages:
        if page.scanned:
            image = page_image(page.paragraphs, width_mm=pdf.w, dpi=dpi)
            pdf.add_page(format=(pdf.w, image.height / dpi * 25.4))
            pdf.image(image, x=0, y=0, w=pdf.w)
            continue
        pdf.add_page(format=A5)
        pdf.set_xy(12, 12)
        for text in page.paragraphs:
            pdf.set_font("Body", "B" if text.startswith(HEADING) else "", 10)
            pdf.multi_cell(0, 5, text.removeprefix(HEADING), new_x="LMARGIN", new_y="NEXT")
            pdf.ln(5)
    pdf.output(str(path))
    return path
