"""The Japan review as a government would publish it on the web and in Word, for the
format-invariance tests: the same words as corpus/000_72600e5c51edf008.txt, with the structure
given by the format (heading elements and styles, a bulleted list) instead of by the text.

A plain module of functions, not a test file: tests import `japan_html` and `japan_docx` and read
what they write with the HTML and Word readers.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

ROOT = Path(__file__).resolve().parent.parent
JAPAN_TXT = ROOT / "corpus" / "000_72600e5c51edf008.txt"

Role = Literal["title", "section", "subsection", "paragraph", "bullet"]

_SECTION = re.compile(r"^\d{1,2} [A-Z]")
_SUBSECTION = re.compile(r"^[a-z]\) ")


def japan_blocks() -> list[tuple[Role, str]]:
    """The review's blocks in order, each with the role its layout gives it.

    Every block of the text file is one line. Section headings ("1 Ensuring …") and subsection
    headings ("a) Progress") become headings; the "(GCM Objectives: …)" line stays a paragraph,
    as do the two halves of the paragraph broken across a page; the two "- The number of …"
    lines become list items, whose marker the list formatting supplies.
    """
    lines = [line for line in JAPAN_TXT.read_text(encoding="utf-8").splitlines() if line.strip()]
    blocks: list[tuple[Role, str]] = []
    for number, line in enumerate(lines):
        assert line == line.strip(), f"line {number} has edge spaces"
        if number == 0:
            blocks.append(("title", line))
        elif _SECTION.match(line):
            blocks.append(("section", line))
        elif _SUBSECTION.match(line):
            blocks.append(("subsection", line))
        elif line.startswith("- "):
            blocks.append(("bullet", line[2:]))
        else:
            blocks.append(("paragraph", line))
    return blocks


def japan_html(path: Path) -> Path:
    """Write the review as a UTF-8 web page with site furniture around it; return `path`."""
    path.write_bytes("\n".join(_html_lines()).encode("utf-8"))
    return path


def _html_lines() -> Iterator[str]:
    title = japan_blocks()[0][1]
    yield "<!DOCTYPE html>"
    yield '<html lang="en">'
    yield "<head>"
    yield '  <meta charset="utf-8">'
    yield f"  <title>{html.escape(title)} | Migration Network Hub</title>"
    yield "  <style>body { font-family: sans-serif; } .skip { position: absolute; }</style>"
    yield '  <script>window.dataLayer = window.dataLayer || []; gtag("js", new Date());</script>'
    yield "</head>"
    yield "<body>"
    yield '  <a class="skip" href="#main" hidden>Skip to content</a>'
    yield "  <header>"
    yield '    <div class="logo">United Nations Network on Migration</div>'
    yield '    <nav><ul><li><a href="/">Home</a></li><li><a href="/reviews">Reviews</a></li>'
    yield "    </ul></nav>"
    yield "  </header>"
    yield '  <main id="main">'
    yield "    <article>"
    in_list = False
    for role, text in japan_blocks():
        escaped = html.escape(text, quote=False)
        if role == "bullet" and not in_list:
            yield "      <ul>"
            in_list = True
        elif role != "bullet" and in_list:
            yield "      </ul>"
            in_list = False
        if role == "title":
            yield f"      <h1>{escaped}</h1>"
        elif role == "section":
            yield f"      <h2>{escaped}</h2>"
        elif role == "subsection":
            yield f"      <h3>{escaped}</h3>"
        elif role == "bullet":
            yield f"        <li>{escaped}</li>"
        else:
            yield f"      <p>{escaped}</p>"
    if in_list:
        yield "      </ul>"
    yield "    </article>"
    yield '    <aside><h2>Related reviews</h2><p><a href="/reviews/korea">Korea</a></p></aside>'
    yield "  </main>"
    yield "  <footer><p>&copy; 2022 United Nations Network on Migration</p>"
    yield '    <form action="/subscribe"><input name="email"><button>Subscribe</button></form>'
    yield "  </footer>"
    yield '  <script src="/assets/site.js"></script>'
    yield "</body>"
    yield "</html>"
    yield ""


def japan_docx(path: Path) -> Path:
    """Write the review as a Word document (Title, Heading 2/3, List Bullet, Normal, and a
    running header and footer that are not body text); return `path`."""
    from docx import Document

    document = Document()
    document.core_properties.title = japan_blocks()[0][1]
    section = document.sections[0]
    section.header.paragraphs[0].text = "Voluntary GCM review: Japan"
    section.footer.paragraphs[0].text = "Government of Japan, 2022"
    for role, text in japan_blocks():
        if role == "title":
            document.add_paragraph(text, style="Title")
        elif role == "section":
            document.add_heading(text, level=2)
        elif role == "subsection":
            document.add_heading(text, level=3)
        elif role == "bullet":
            document.add_paragraph(text, style="List Bullet")
        else:
            document.add_paragraph(text)
    document.save(str(path))
    return path
