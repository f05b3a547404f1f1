"""The PDF reader: page furniture removed, paragraphs, headings and list items rebuilt, words
hyphenated at line ends repaired, pages remembered; broken files refused with a clear message; and
the Japan review as a PDF gives the same passages as the plain text."""

from __future__ import annotations

import io
import logging
import random
from collections.abc import Callable
from pathlib import Path

import pytest
from fixtures_pdf import (
    GAP,
    HEADER,
    JAPAN_TXT,
    FontMissing,
    JapanLayout,
    Line,
    japan_pdf,
    unicode_fonts,
    write_pdf,
)
from fpdf import FPDF
from PIL import Image
from pypdf import PdfWriter

from search.errors import CorpusError
from search.models import Document, Passage
from search.passages import chunk
from search.sources import Source, read_source
from search.sources.pdf_reader import _dehyphenate, read

# Body lines of roughly one width, as a wrapped paragraph has them.
P1 = [
    Line("Japan has continued to implement various programs for migrants and their"),
    Line("families, including language education and counselling in many places, and"),
    Line("the relevant ministries keep working together to promote these measures."),
]
P2 = [
    Line("The Immigration Services Agency provides lectures on dealing with such cases"),
    Line("for the staff of the Organization for Technical Intern Training who may meet"),
    Line("victims in the course of their daily work with trainees."),
]
P3 = [
    Line("In 2020 the police arrested many suspects for facilitating illegal work and"),
    Line("for having fake residence cards, and others for forging passports, while the"),
    Line("prefectural police forces set up a system to promote the measures."),
]
P4 = [
    Line("Japan made the decision in June 2019 to accept more refugees resettling from"),
    Line("third countries under a new framework, and from the fiscal year 2020 it will"),
    Line("accept up to sixty refugees a year without restriction on their birthplace."),
]


def text_of(paragraph: list[Line]) -> str:
    return " ".join(line.text for line in paragraph)


@pytest.fixture(autouse=True, scope="module")
def _fonts() -> None:
    try:
        unicode_fonts()
    except FontMissing as exc:  # the fixtures cannot draw the review's characters
        pytest.skip(str(exc))


def lines_of(source: Source) -> list[list[str]]:
    return [[source.text[start:end] for start, end in block.spans] for block in source.blocks]


def joined(source: Source) -> list[str]:
    return [" ".join(block) for block in lines_of(source)]


# --- page furniture ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "footer"),
    [
        ("Voluntary GCM review – {page}", "Page {page} of {pages}"),
        ("Voluntary GCM review by Japan", "- {page} -"),
        (None, "{page}"),
        (None, "{page}/{pages}"),
        ("Page {page}", None),
    ],
)
def test_running_headers_footers_and_page_numbers_are_removed(
    tmp_path: Path, header: str | None, footer: str | None
) -> None:
    pages = [
        [Line("a) Progress", bold=True), GAP, *P1],
        [Line("b) Best practices", bold=True), GAP, *P2],
        [Line("b) Best practices", bold=True), GAP, *P3, GAP, Line("b) Best practices", bold=True)],
    ]
    source = read(write_pdf(tmp_path / "review.pdf", pages, header=header, footer=footer))
    assert joined(source) == [
        "a) Progress", text_of(P1), "b) Best practices", text_of(P2),
        # A heading that opens two of three pages is still a heading: it also stands in the body.
        "b) Best practices", text_of(P3), "b) Best practices",
    ]
    assert [block.pages for block in source.blocks] == [(1,), (1,), (2,), (2,), (3,), (3,), (3,)]


def test_roman_page_numbers_and_a_title_that_repeats_the_header(tmp_path: Path) -> None:
    pages = [
        [Line("Voluntary GCM review by Japan", bold=True, size=16), GAP, *P1, GAP, Line("i")],
        [*P2, GAP, Line("ii")],
        [*P3, GAP, Line("iii")],
    ]
    source = read(write_pdf(tmp_path / "review.pdf", pages, header=HEADER))
    assert joined(source)[0] == "Voluntary GCM review by Japan"
    assert source.text.count("Voluntary GCM review by Japan") == 1
    assert len(source.blocks) == 4
    for numeral in ("\ni\n", "\nii\n", "\niii\n"):
        assert numeral not in source.text


def test_a_single_page_keeps_its_lines(tmp_path: Path) -> None:
    # Nothing repeats on one page: its first and last lines are text, not furniture.
    pages = [[Line("Report of the Government"), GAP, *P1]]
    source = read(write_pdf(tmp_path / "one.pdf", pages))
    assert joined(source) == ["Report of the Government", text_of(P1)]


# --- paragraphs, headings, list items ---------------------------------------------------------


def test_paragraphs_without_gaps_end_at_a_short_line_that_ends_a_sentence(tmp_path: Path) -> None:
    pages = [[Line("Trends and figures"), *P1, *P2, Line("a) Progress"), *P3]]
    source = read(write_pdf(tmp_path / "tight.pdf", pages))
    assert lines_of(source) == [
        ["Trends and figures"],
        # P1's last line ends a sentence but fills the line: the paragraph goes on.
        [x.text for x in P1 + P2],
        ["a) Progress"],
        [x.text for x in P3],
    ]
    assert [block.hint for block in source.blocks] == ["", "", "", ""]


def test_a_bold_heading_wrapped_over_two_lines_is_one_line(tmp_path: Path) -> None:
    heading = [
        Line("4 Improving value-driven and evidence-based policymaking and public",
             bold=True, size=12),
        Line("debate, and enhancing cooperation on migration (GCM Objectives: 1, 3, 7)",
             bold=True, size=12),
    ]
    pages = [[*heading, *P1]]
    source = read(write_pdf(tmp_path / "heading.pdf", pages))
    assert lines_of(source) == [
        [f"{heading[0].text} {heading[1].text}"],
        [x.text for x in P1],
    ]


def test_bullets_are_list_items(tmp_path: Path) -> None:
    pages = [[
        Line("The bodies accepted the following number of cases related to discrimination:"),
        Line("• The number of human rights counseling related to discrimination against"),
        Line("foreign nationals 598 cases", indent=4),
        Line("▪ The number of violation cases 60 cases"),
        Line("– A dash item"),
        Line("1. A numbered item that ends a sentence."),
        Line("2. Another numbered item."),
    ]]
    source = read(write_pdf(tmp_path / "list.pdf", pages))
    assert lines_of(source) == [
        ["The bodies accepted the following number of cases related to discrimination:"],
        ["- The number of human rights counseling related to discrimination against",
         "foreign nationals 598 cases"],
        ["- The number of violation cases 60 cases"],
        ["- A dash item"],
        ["1. A numbered item that ends a sentence."],
        ["2. Another numbered item."],
    ]
    assert [block.hint for block in source.blocks] == ["", *["list_item"] * 5]


def test_a_dash_inside_a_wrapped_sentence_is_not_a_bullet(tmp_path: Path) -> None:
    pages = [[
        Line("The programme was extended to every prefecture in the country in the year"),
        Line("- as the report explains - and it reached many thousands of foreign residents"),
        Line("living in rural areas of the country."),
    ]]
    source = read(write_pdf(tmp_path / "dash.pdf", pages))
    assert len(source.blocks) == 1
    assert source.blocks[0].hint == ""


# --- hyphenation ------------------------------------------------------------------------------


def test_words_hyphenated_at_line_ends_are_joined_and_real_hyphens_kept(tmp_path: Path) -> None:
    pages = [[
        Line("The agency trains officials on measures to combat traf-"),
        Line("ficking in persons, and it watches over the well-"),
        Line("being of victims, including non-"),
        Line("Japanese victims, since the COVID-"),
        Line("19 pandemic began in the first months of the year."),
        GAP,
        Line("Their well-being is the first concern of the officials who meet them."),
    ]]
    source = read(write_pdf(tmp_path / "hyphens.pdf", pages))
    assert lines_of(source)[0] == [
        "The agency trains officials on measures to combat trafficking",
        "in persons, and it watches over the well-being",
        "of victims, including non-Japanese",
        "victims, since the COVID-19",
        "pandemic began in the first months of the year.",
    ]


def test_a_word_hyphenated_across_a_page_break(tmp_path: Path) -> None:
    pages = [
        [*P1, Line("Japan has continued to support the repatriation and rein-")],
        [Line("tegration of victims of trafficking in persons identified in the country.")],
    ]
    source = read(write_pdf(tmp_path / "across.pdf", pages, footer="Page {page} of {pages}"))
    assert lines_of(source)[-1][-2:] == [
        "Japan has continued to support the repatriation and reintegration",
        "of victims of trafficking in persons identified in the country.",
    ]
    assert source.blocks[-1].pages == (1, 2)


def test_hyphen_repair_edge_cases() -> None:
    compounds = {("well", "being")}
    assert _dehyphenate(["from 2019-", "2022 on"], compounds) == ["from 2019-2022", "on"]
    assert _dehyphenate(["a soft\u00ad", "hyphen"], compounds) == ["a softhyphen"]
    assert _dehyphenate(["re-", "inte-", "gration of"], compounds) == ["reintegration", "of"]
    assert _dehyphenate(["the Well-", "being"], compounds) == ["the Well-being"]
    assert _dehyphenate(["a dash -", "then"], compounds) == ["a dash -", "then"]
    assert _dehyphenate(["victims-", "(those"], compounds) == ["victims-", "(those"]


# --- pages ------------------------------------------------------------------------------------


def test_a_paragraph_over_a_page_break_is_one_block_on_both_pages(tmp_path: Path) -> None:
    pages = [
        [Line("a) Progress", bold=True), GAP, *P2, GAP, *P1[:2]],
        [P1[2], GAP, *P3],
        # A full line that stops mid-sentence goes on even before a capital.
        [Line("Since 2005, the project has provided support to victims returning to"),
         Line("the countries they came from, together with the International")],
        [Line("Organization for Migration (IOM) and many partners on the ground."), GAP, *P4],
    ]
    source = read(write_pdf(tmp_path / "pages.pdf", pages, header=HEADER,
                            footer="Page {page} of {pages}"))
    assert joined(source)[2] == text_of(P1)
    assert [block.pages for block in source.blocks] == [(1,), (1,), (1, 2), (2,), (3, 4), (4,)]


def test_a_sentence_that_ends_at_the_foot_of_a_page_ends_its_paragraph(tmp_path: Path) -> None:
    pages = [[*P1], [*P2]]
    source = read(write_pdf(tmp_path / "two.pdf", pages, footer="Page {page} of {pages}"))
    assert [block.pages for block in source.blocks] == [(1,), (2,)]


def test_spans_slice_the_text_to_each_line_of_each_block(tmp_path: Path) -> None:
    pages = [[Line("Title of the review", bold=True, size=16), GAP, *P1, GAP,
              Line("• an item"), GAP, *P2]]
    path = write_pdf(tmp_path / "spans.pdf", pages)
    source = read(path)
    assert source.path == str(path)
    assert lines_of(source) == [
        ["Title of the review"], [x.text for x in P1], ["- an item"], [x.text for x in P2]]
    for block in source.blocks:
        for start, end in block.spans:
            assert source.text[start:end] == source.text[start:end].strip()
            assert "\n" not in source.text[start:end]
    # The text is exactly the blocks, a blank line apart.
    assert source.text == "\n\n".join("\n".join(block) for block in lines_of(source)) + "\n"


def test_read_source_reads_pdf_files(tmp_path: Path) -> None:
    path = write_pdf(tmp_path / "Review.PDF", [[*P1]])
    assert joined(read_source(path)) == [text_of(P1)]


# --- errors -----------------------------------------------------------------------------------


def _plain_pdf() -> bytes:
    pdf = FPDF()
    pdf.set_font("Helvetica", size=11)
    for page in range(3):
        pdf.add_page()
        for number in range(30):
            pdf.cell(0, 6, f"Line {number} of page {page} of a review", new_x="LMARGIN",
                     new_y="NEXT")
    return bytes(pdf.output())


def _encrypted(user_password: str) -> bytes:
    writer = PdfWriter(clone_from=io.BytesIO(_plain_pdf()))
    # RC4 needs no extra package to write or read (AES needs cryptography).
    writer.encrypt(user_password=user_password, owner_password="owner", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _image_only() -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.image(Image.new("RGB", (200, 100), "white"), x=10, y=10, w=100)
    return bytes(pdf.output())


def _blank() -> bytes:
    pdf = FPDF()
    pdf.add_page()
    return bytes(pdf.output())


def _damaged_stream() -> bytes:
    data = bytearray(_plain_pdf())
    start = data.index(b"stream\n") + len(b"stream\n")
    data[start + 10 : start + 40] = bytes(30)
    return bytes(data)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (lambda: _plain_pdf()[: len(_plain_pdf()) // 2], "review.pdf: not a readable PDF ("),
        (lambda: random.Random(6).randbytes(5000),
         "review.pdf: not a readable PDF (no PDF header)"),
        (lambda: b"%PDF-1.7\n" + random.Random(7).randbytes(5000),
         "review.pdf: not a readable PDF ("),
        (lambda: b"", "review.pdf: not a readable PDF (no PDF header)"),
        (lambda: _encrypted("secret"), "review.pdf: encrypted PDF"),
        (_image_only, "review.pdf: no text layer on page 1 (a scanned PDF)"),
        (_blank, "review.pdf: no text layer, and no image either"),
    ],
    ids=["truncated", "random-bytes", "pdf-header-then-noise", "empty-file", "encrypted",
         "image-only", "blank-page"],
)
def test_unreadable_pdfs_give_one_clear_line_and_no_noise(
    tmp_path: Path, capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture,
    content: Callable[[], bytes], message: str,
) -> None:
    path = tmp_path / "review.pdf"
    path.write_bytes(content())
    level = logging.getLogger("pypdf").level
    caplog.set_level(logging.DEBUG)
    with pytest.raises(CorpusError) as raised:
        read(path)
    assert raised.value.message.startswith(message)
    assert "\n" not in str(raised.value)
    assert not [r for r in caplog.records if r.name.startswith("pypdf")]
    out, err = capfd.readouterr()
    assert (out, err) == ("", "")
    assert logging.getLogger("pypdf").level == level


def test_a_damaged_content_stream_is_refused_or_read_without_noise(
    tmp_path: Path, capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "damaged.pdf"
    path.write_bytes(_damaged_stream())
    caplog.set_level(logging.DEBUG)
    try:
        read(path)
    except CorpusError as error:
        assert error.message.startswith("damaged.pdf: ")
    assert not [r for r in caplog.records if r.name.startswith("pypdf")]
    assert capfd.readouterr() == ("", "")


def test_an_encrypted_pdf_that_opens_without_a_password_is_read(tmp_path: Path) -> None:
    # Published PDFs are often "protected" against copying only: the empty password opens them.
    path = tmp_path / "protected.pdf"
    path.write_bytes(_encrypted(""))
    assert joined(read(path))[0].startswith("Line 0 of page 0 of a review")


def test_a_missing_file_is_a_corpus_error(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match=r"missing\.pdf: cannot be read"):
        read(tmp_path / "missing.pdf")


def test_an_aes_encrypted_pdf_without_cryptography_says_what_is_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # pypdf needs the cryptography package for AES; without it, decrypting raises.
    from pypdf import PdfReader
    from pypdf.errors import DependencyError

    def decrypt(self: PdfReader, password: str) -> None:
        raise DependencyError("cryptography>=3.1 is required for AES algorithm")

    monkeypatch.setattr(PdfReader, "decrypt", decrypt)
    path = tmp_path / "aes.pdf"
    path.write_bytes(_encrypted(""))
    with pytest.raises(CorpusError) as raised:
        read(path)
    assert raised.value.message == "aes.pdf: encrypted PDF"
    assert "cryptography" in raised.value.hint


# --- the Japan review as a PDF ----------------------------------------------------------------


@pytest.fixture(scope="module")
def japan_pdf_source(tmp_path_factory: pytest.TempPathFactory) -> tuple[Source, JapanLayout]:
    try:
        unicode_fonts()
    except FontMissing as exc:
        pytest.skip(str(exc))
    path = tmp_path_factory.mktemp("pdf") / "japan.pdf"
    layout = japan_pdf(path)
    return read(path), layout


def test_japan_pdf_fixture_shows_what_a_published_pdf_does(
    japan_pdf_source: tuple[Source, JapanLayout],
) -> None:
    source, layout = japan_pdf_source
    assert layout.pages >= 3
    assert "traf-|ficking" in layout.broken_words
    assert layout.split_paragraphs
    # Page furniture is gone, the title stays once.
    assert "Page 1 of" not in source.text
    assert source.text.count(HEADER) == 1
    assert "traf-" not in source.text
    # Block for block, the review's text: headings, paragraphs (the one broken mid-sentence in
    # the source too), and the bullets as "- " items.
    blocks = JAPAN_TXT.read_text(encoding="utf-8").split("\n\n")
    assert joined(source) == [block.strip() for block in blocks if block.strip()]


def test_japan_pdf_gives_the_passages_of_the_text(
    request: pytest.FixtureRequest, japan_document: Document,
    japan_pdf_source: tuple[Source, JapanLayout],
) -> None:
    # Asked for here, so that a chunker that cannot take the reader's blocks fails this test
    # rather than its setup.
    txt: tuple[Passage, ...] = request.getfixturevalue("japan_passages")
    source, layout = japan_pdf_source
    pdf = chunk(japan_document, source.text, source.blocks)

    def fields(p: Passage) -> tuple[object, ...]:
        return (p.id, p.text, p.section, p.subsection, p.kind, p.objectives)

    assert [fields(p) for p in pdf] == [fields(p) for p in txt]
    for passage in pdf:
        assert passage.pages, passage.id
        assert list(passage.pages) == sorted(set(passage.pages)), passage.id
        assert passage.pages[0] >= 1 and passage.pages[-1] <= layout.pages
        assert passage.pages[-1] - passage.pages[0] <= 1, passage.id
    assert [p.pages[0] for p in pdf] == sorted(p.pages[0] for p in pdf)
    assert any(len(p.pages) == 2 for p in pdf)
    assert pdf[0].pages == (1,) and pdf[-1].pages[-1] == layout.pages

