"""The Word reader: .docx files built here with python-docx -> pieces with hints (heading levels,
paragraphs, list items with their markers, table rows), spans that slice the source text
exactly, and clear errors for files that are not Word documents.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn

from search.errors import CorpusError
from search.sources import Source, read_source
from search.sources.docx_reader import read

Shape = list[tuple[str, int, list[str]]]
W = nsdecls("w")


def _save(document: Any, tmp_path: Path, name: str = "review.docx") -> Path:
    path = tmp_path / name
    document.save(str(path))
    return path


def _shape(source: Source) -> Shape:
    """(hint, level, lines) per block, after checking every span against the text."""
    previous_end = 0
    for block in source.blocks:
        for start, end in block.spans:
            line = source.text[start:end]
            assert start >= previous_end
            assert line and line == line.strip() and "\n" not in line and "  " not in line
            previous_end = end
    lines = [line for line in source.text.splitlines() if line.strip()]
    assert [source.text[s:e] for b in source.blocks for s, e in b.spans] == lines
    return [(b.hint, b.level, [source.text[s:e] for s, e in b.spans]) for b in source.blocks]


def _texts(source: Source) -> list[str]:
    return [" ".join(source.text[s:e] for s, e in b.spans) for b in source.blocks]


def test_headings_paragraphs_lists_table_and_a_soft_line_break(tmp_path: Path) -> None:
    document = Document()
    document.add_paragraph("Voluntary GCM review by Mexico", style="Title")
    document.add_paragraph("A subtitle is not a heading", style="Subtitle")
    document.add_heading("1 Ensuring that migration is voluntary", level=2)
    document.add_paragraph("(GCM Objectives: 2, 5, 6)")
    document.add_heading("a) Progress", level=3)
    paragraph = document.add_paragraph("First line of a paragraph")
    paragraph.add_run().add_break()
    paragraph.add_run("second line,   with\tspaces")
    document.add_paragraph("")
    document.add_paragraph("   ")
    document.add_paragraph("Bullet one", style="List Bullet")
    document.add_paragraph("Bullet two", style="List Bullet 2")
    document.add_paragraph("Numbered one", style="List Number")
    document.add_paragraph("Numbered two", style="List Number")
    table = document.add_table(rows=4, cols=3)
    for row, values in zip(table.rows, [("Year", "Victims", "Returned"), ("2019", "47", ""),
                                        ("", "", ""), ("2020", "", "9")], strict=True):
        for cell, value in zip(row.cells, values, strict=True):
            cell.text = value
    document.add_heading("Deep", level=9)
    document.add_paragraph("Last paragraph.")
    source = read(_save(document, tmp_path))
    assert _shape(source) == [
        ("heading", 1, ["Voluntary GCM review by Mexico"]),
        ("paragraph", 0, ["A subtitle is not a heading"]),
        ("heading", 2, ["1 Ensuring that migration is voluntary"]),
        ("paragraph", 0, ["(GCM Objectives: 2, 5, 6)"]),
        ("heading", 3, ["a) Progress"]),
        ("paragraph", 0, ["First line of a paragraph", "second line, with spaces"]),
        ("list_item", 0, ["- Bullet one"]),
        ("list_item", 0, ["- Bullet two"]),
        ("list_item", 0, ["1. Numbered one"]),
        ("list_item", 0, ["2. Numbered two"]),
        ("table_row", 0, ["Year | Victims | Returned"]),
        ("table_row", 0, ["2019 | 47"]),
        ("table_row", 0, ["2020 | 9"]),
        ("heading", 6, ["Deep"]),
        ("paragraph", 0, ["Last paragraph."]),
    ]
    assert source.path == str(tmp_path / "review.docx")


def test_headers_footers_and_footnote_marks_are_not_body_text(tmp_path: Path) -> None:
    document = Document()
    section = document.sections[0]
    section.header.paragraphs[0].text = "RUNNING HEADER"
    section.footer.paragraphs[0].text = "PAGE FOOTER"
    paragraph = document.add_paragraph("Body text")
    paragraph._p.append(parse_xml(f'<w:r {W}><w:footnoteReference w:id="1"/></w:r>'))
    paragraph.add_run(" continues.")
    assert _texts(read(_save(document, tmp_path))) == ["Body text continues."]


def test_merged_cells_appear_once_and_cells_keep_their_paragraphs(tmp_path: Path) -> None:
    document = Document()
    table = document.add_table(rows=2, cols=3)
    merged = table.cell(0, 0).merge(table.cell(0, 1))
    merged.text = "Spans two columns"
    table.cell(0, 2).text = "Third"
    table.cell(1, 0).text = "Line one"
    table.cell(1, 0).add_paragraph("line two")
    inner = table.cell(1, 1).add_table(rows=1, cols=2)
    inner.cell(0, 0).text = "nested"
    inner.cell(0, 1).text = "table"
    table.cell(1, 2).text = "last"
    assert _shape(read(_save(document, tmp_path))) == [
        ("table_row", 0, ["Spans two columns | Third"]),
        ("table_row", 0, ["Line one line two | nested | table | last"]),
    ]


def _numbering(document: Any, formats: list[tuple[str, str, int]], num_id: int = 90,
               restart: int | None = None) -> int:
    """Add a list definition with levels (numFmt, lvlText, start); return its numId."""
    numbering = document.part.numbering_part.element
    levels = "".join(
        f'<w:lvl w:ilvl="{n}"><w:start w:val="{start}"/><w:numFmt w:val="{fmt}"/>'
        f'<w:lvlText w:val="{text}"/></w:lvl>'
        for n, (fmt, text, start) in enumerate(formats)
    )
    numbering.insert(0, parse_xml(f'<w:abstractNum {W} w:abstractNumId="{num_id}">{levels}'
                                  "</w:abstractNum>"))
    override = (f'<w:lvlOverride w:ilvl="0"><w:startOverride w:val="{restart}"/></w:lvlOverride>'
                if restart is not None else "")
    numbering.append(parse_xml(f'<w:num {W} w:numId="{num_id}"><w:abstractNumId w:val="{num_id}"/>'
                               f"{override}</w:num>"))
    return num_id


def _numbered(document: Any, text: str, num_id: int, ilvl: int = 0, style: str | None = None
              ) -> Any:
    paragraph = document.add_paragraph(text, style=style)
    p_pr = paragraph._p.get_or_add_pPr()
    p_pr.append(parse_xml(f'<w:numPr {W}><w:ilvl w:val="{ilvl}"/><w:numId w:val="{num_id}"/>'
                          "</w:numPr>"))
    return paragraph


def test_word_numbering_gives_markers_per_list_and_level(tmp_path: Path) -> None:
    document = Document()
    outline = _numbering(document, [("decimal", "%1.", 1), ("lowerLetter", "%2)", 1),
                                    ("bullet", "\u2022", 1)])
    roman = _numbering(document, [("upperRoman", "%1.", 3)], num_id=91)
    restarted = _numbering(document, [("decimal", "%1.", 1)], num_id=92, restart=7)
    plain = _numbering(document, [("none", "", 1)], num_id=93)
    _numbered(document, "First", outline)
    _numbered(document, "Sub a", outline, 1)
    _numbered(document, "Sub b", outline, 1)
    _numbered(document, "Bullet under b", outline, 2)
    _numbered(document, "Second", outline, style="List Paragraph")
    _numbered(document, "Sub a again", outline, 1)
    document.add_paragraph("A paragraph between items does not restart Word's count.")
    _numbered(document, "Third", outline)
    _numbered(document, "Roman", roman)
    _numbered(document, "Restarted", restarted)
    _numbered(document, "No marker", plain)
    _numbered(document, "Numbering removed", 0, style="List Bullet")
    document.add_paragraph("Indented text under an item", style="List Continue")
    assert _shape(read(_save(document, tmp_path))) == [
        ("list_item", 0, ["1. First"]),
        ("list_item", 0, ["a. Sub a"]),
        ("list_item", 0, ["b. Sub b"]),
        ("list_item", 0, ["- Bullet under b"]),
        ("list_item", 0, ["2. Second"]),
        ("list_item", 0, ["a. Sub a again"]),
        ("paragraph", 0, ["A paragraph between items does not restart Word's count."]),
        ("list_item", 0, ["3. Third"]),
        ("list_item", 0, ["III. Roman"]),
        ("list_item", 0, ["7. Restarted"]),
        ("paragraph", 0, ["No marker"]),
        ("paragraph", 0, ["Numbering removed"]),
        ("paragraph", 0, ["Indented text under an item"]),
    ]


def test_a_list_item_with_a_soft_line_break(tmp_path: Path) -> None:
    document = Document()
    item = document.add_paragraph("Item first line", style="List Bullet")
    item.add_run().add_break()
    item.add_run("item second line")
    assert _shape(read(_save(document, tmp_path))) == [
        ("list_item", 0, ["- Item first line", "item second line"]),
    ]


def test_headings_numbered_by_word_show_their_number(tmp_path: Path) -> None:
    document = Document()
    sections = _numbering(document, [("decimal", "%1", 1), ("decimal", "%1.%2", 1)])
    _numbered(document, "Ensuring that migration is voluntary", sections, style="Heading 1")
    document.add_paragraph("Text.")
    _numbered(document, "Progress", sections, 1, style="Heading 2")
    _numbered(document, "Protecting migrants", sections, style="Heading 1")
    assert _shape(read(_save(document, tmp_path))) == [
        ("heading", 1, ["1 Ensuring that migration is voluntary"]),
        ("paragraph", 0, ["Text."]),
        ("heading", 2, ["1.1 Progress"]),
        ("heading", 1, ["2 Protecting migrants"]),
    ]


def test_custom_heading_styles_and_outline_levels(tmp_path: Path) -> None:
    document = Document()
    custom = document.styles.add_style("Review Section", WD_STYLE_TYPE.PARAGRAPH)
    custom.base_style = document.styles["Heading 2"]
    outlined = document.styles.add_style("Chapitre", WD_STYLE_TYPE.PARAGRAPH)
    outlined.element.get_or_add_pPr().append(parse_xml(f'<w:outlineLvl {W} w:val="0"/>'))
    document.add_paragraph("Based on Heading 2", style="Review Section")
    document.add_paragraph("Outline level 1", style="Chapitre")
    direct = document.add_paragraph("Direct outline level 3")
    direct._p.get_or_add_pPr().append(parse_xml(f'<w:outlineLvl {W} w:val="2"/>'))
    body = document.add_paragraph("Body text level")
    body._p.get_or_add_pPr().append(parse_xml(f'<w:outlineLvl {W} w:val="9"/>'))
    assert _shape(read(_save(document, tmp_path))) == [
        ("heading", 2, ["Based on Heading 2"]),
        ("heading", 1, ["Outline level 1"]),
        ("heading", 3, ["Direct outline level 3"]),
        ("paragraph", 0, ["Body text level"]),
    ]


def test_runs_hyperlinks_fields_and_tracked_changes(tmp_path: Path) -> None:
    document = Document()
    paragraph = document.add_paragraph("See ")
    paragraph._p.append(parse_xml(
        f'<w:hyperlink {nsdecls("w", "r")} r:id="rId99"><w:r><w:t>the IOM site</w:t></w:r>'
        "</w:hyperlink>"))
    for xml in (
        f'<w:r {W}><w:fldChar w:fldCharType="begin"/></w:r>',
        f'<w:r {W}><w:instrText xml:space="preserve"> PAGEREF _Toc1 \\h </w:instrText></w:r>',
        f'<w:r {W}><w:fldChar w:fldCharType="separate"/></w:r>',
        f'<w:r {W}><w:t xml:space="preserve"> (page 4)</w:t></w:r>',
        f'<w:r {W}><w:fldChar w:fldCharType="end"/></w:r>',
        f'<w:ins {W} w:id="1" w:author="a"><w:r><w:t xml:space="preserve">, added</w:t></w:r>'
        "</w:ins>",
        f'<w:del {W} w:id="2" w:author="a"><w:r><w:delText>, DELETED</w:delText></w:r></w:del>',
        f'<w:r {W}><w:t xml:space="preserve"> and non</w:t><w:noBreakHyphen/>'
        "<w:t>breaking</w:t><w:softHyphen/><w:t>.</w:t></w:r>",
    ):
        paragraph._p.append(parse_xml(xml))
    assert _texts(read(_save(document, tmp_path))) == [
        "See the IOM site (page 4), added and non-breaking."
    ]


def test_text_boxes_are_not_read_into_the_paragraph_twice(tmp_path: Path) -> None:
    document = Document()
    paragraph = document.add_paragraph("Anchor paragraph.")
    mc = 'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"'
    paragraph._p.append(parse_xml(
        f"<w:r {W} {mc}><mc:AlternateContent><mc:Choice Requires=\"wps\"><w:drawing/>"
        "</mc:Choice><mc:Fallback><w:pict><w:txbxContent><w:p><w:r><w:t>TEXT BOX</w:t></w:r>"
        "</w:p></w:txbxContent></w:pict></mc:Fallback></mc:AlternateContent></w:r>"))
    assert _texts(read(_save(document, tmp_path))) == ["Anchor paragraph."]


def test_content_controls_are_read_and_a_table_of_contents_is_not(tmp_path: Path) -> None:
    document = Document()
    toc_style = document.styles.add_style("TOC 1", WD_STYLE_TYPE.PARAGRAPH)
    document.add_paragraph("Contents entry 1 ........ 3", style=toc_style)
    document.add_heading("Introduction", level=1)
    body = document.element.body
    heading = body[1]
    heading.addprevious(parse_xml(
        f"<w:sdt {W}><w:sdtPr><w:docPartObj><w:docPartGallery w:val=\"Table of Contents\"/>"
        "</w:docPartObj></w:sdtPr><w:sdtContent><w:p><w:r><w:t>Contents</w:t></w:r></w:p>"
        "<w:p><w:r><w:t>1 Introduction 3</w:t></w:r></w:p></w:sdtContent></w:sdt>"))
    document.add_paragraph("Plain paragraph.")
    body.insert(len(body) - 1, parse_xml(
        f"<w:sdt {W}><w:sdtPr><w:alias w:val=\"Country\"/></w:sdtPr><w:sdtContent>"
        "<w:p><w:r><w:t>Inside a content control.</w:t></w:r></w:p></w:sdtContent></w:sdt>"))
    assert body[-1].tag == qn("w:sectPr")
    assert _shape(read(_save(document, tmp_path))) == [
        ("heading", 1, ["Introduction"]),
        ("paragraph", 0, ["Plain paragraph."]),
        ("paragraph", 0, ["Inside a content control."]),
    ]


def test_an_empty_document(tmp_path: Path) -> None:
    source = read(_save(Document(), tmp_path))
    assert source.blocks == ()
    assert source.text.strip() == ""


def test_read_source_dispatches_docx_case_insensitively(tmp_path: Path) -> None:
    document = Document()
    document.add_paragraph("Objectif 10 : lutter contre la traite des êtres humains")
    path = _save(document, tmp_path, "REVUE.DOCX")
    assert _texts(read_source(path)) == ["Objectif 10 : lutter contre la traite des êtres humains"]


# --- files that are not Word documents -----------------------------------------------------


def _docx_bytes(change: dict[str, bytes | None]) -> bytes:
    """A real .docx with some members replaced (or removed, for None)."""
    document = Document()
    document.add_paragraph("Text.")
    original = io.BytesIO()
    document.save(original)
    out = io.BytesIO()
    with zipfile.ZipFile(original) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            data = change.get(info.filename, source.read(info.filename))
            if data is not None:
                target.writestr(info, data)
    return out.getvalue()


def _refused(tmp_path: Path, data: bytes, name: str = "bad.docx") -> str:
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(CorpusError) as info:
        read_source(path)
    assert "\n" not in info.value.message
    return info.value.message


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"Voluntary GCM review by Japan\n", "not a zip archive"),
        (b"", "not a zip archive"),
        (b"PK\x03\x04 truncated", "not a zip archive"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504), "an old .doc or an encrypted file"),
    ],
    ids=["text", "empty", "truncated-zip", "ole"],
)
def test_not_a_zip(tmp_path: Path, data: bytes, reason: str) -> None:
    assert _refused(tmp_path, data) == f"bad.docx: not a Word .docx file ({reason})"


def test_a_zip_without_a_document(tmp_path: Path) -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("notes.txt", "not Word")
    assert _refused(tmp_path, out.getvalue()) == (
        "bad.docx: not a Word .docx file (it has no word/document.xml)"
    )


def test_broken_parts(tmp_path: Path) -> None:
    message = _refused(tmp_path, _docx_bytes({"word/document.xml": b"<w:document"}))
    assert message.startswith("bad.docx: not a Word .docx file (")
    message = _refused(tmp_path, _docx_bytes({"[Content_Types].xml": None}))
    assert message.startswith("bad.docx: not a Word .docx file (")


def test_a_template_is_named_as_such(tmp_path: Path) -> None:
    document = Document()
    buffer = io.BytesIO()
    document.save(buffer)
    with zipfile.ZipFile(buffer) as archive:
        types = archive.read("[Content_Types].xml")
    data = _docx_bytes({"[Content_Types].xml": types.replace(
        b"document.main+xml", b"template.main+xml")})
    assert _refused(tmp_path, data) == (
        "bad.docx: not a Word .docx file (it is a Word template or a macro-enabled document)"
    )


def test_a_zip_bomb_is_refused_before_it_is_unpacked(tmp_path: Path) -> None:
    """51 MB of spaces compress to about 50 kB; the size in the zip's directory gives it away."""
    path = tmp_path / "bomb.docx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("word/document.xml", "w", force_zip64=True) as member:
            block = b" " * (1024 * 1024)
            for _ in range(51):
                member.write(block)
    assert path.stat().st_size < 1024 * 1024
    with pytest.raises(CorpusError) as info:
        read(path)
    assert info.value.message == (
        "bomb.docx: word/document.xml unpacks to 51 MB, more than the 50 MB limit; "
        "the file is not read"
    )


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match=r"absent\.docx: cannot be read"):
        read_source(tmp_path / "absent.docx")
    (tmp_path / "folder.docx").mkdir()
    with pytest.raises(CorpusError, match=r"folder\.docx: cannot be read"):
        read_source(tmp_path / "folder.docx")
