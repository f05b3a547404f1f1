"""OCR of scanned PDFs with the real Tesseract: a page that is only an image of text is refused
without OCR text (naming the page and --ocr), read back by `recognise` word for word and paragraph
by paragraph, cited by its page, kept beside the PDF and read from there on every rebuild."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest
from fixtures_pdf import FontMissing, unicode_fonts
from fixtures_scan import Page, words, write_scan

from search.errors import BadInput, CorpusError
from search.sources import OcrText, ScannedPdf, read_source, scanned_pages
from search.sources.ocr import group, load, page_ranges, recognise, save, sidecar

try:
    unicode_fonts()
    _FONTS = True
except FontMissing:
    _FONTS = False

needs_tesseract = pytest.mark.skipif(
    shutil.which("tesseract") is None or not _FONTS,
    reason="Tesseract (apt install tesseract-ocr tesseract-ocr-eng tesseract-ocr-fra "
           "tesseract-ocr-spa) or the DejaVu fonts are not installed")

ENGLISH = (
    "## 2. Progress on Objective 10",
    "Japan has continued to implement programmes against trafficking in persons, with "
    "counselling for victims in every prefecture and lectures for labour inspectors.",
    "- Shelters for victims of trafficking in persons were opened in three cities.",
    "- Police officers received training on identifying victims at the border.",
)
FRENCH = (
    "## 3. Progrès sur l'objectif 10",
    "Le Maroc a renforcé la lutte contre la traite des êtres humains : une commission "
    "nationale coordonne l'accueil des victimes et leur réintégration.",
)
TEXT = (
    "## 1. Introduction",
    "This review describes the measures taken since the adoption of the Global Compact for "
    "Safe, Orderly and Regular Migration, objective by objective.",
)
CLOSING = (
    "## 4. Next steps",
    "The government will report again in four years, after consulting civil society, local "
    "authorities and the organizations of migrants themselves.",
)


def _share_found(expected: list[str], found: list[str]) -> float:
    """The share of the expected words that OCR gave back exactly, each as often as shown."""
    left = list(found)
    hits = 0
    for word in expected:
        if word in left:
            left.remove(word)
            hits += 1
    return hits / len(expected)


def _read_words(ocr: OcrText, page: int) -> list[str]:
    return [word for paragraph in ocr.pages[page] for line in paragraph for word in line.split()]


@pytest.fixture(scope="module")
def scan(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not _FONTS:
        pytest.skip("no DejaVu fonts")
    return write_scan(tmp_path_factory.mktemp("scan") / "review.pdf", [Page(ENGLISH)])


@pytest.fixture(scope="module")
def scan_ocr(scan: Path) -> OcrText:
    if shutil.which("tesseract") is None:
        pytest.skip("Tesseract is not installed")
    return recognise(scan, [1])


def test_without_ocr_a_scanned_pdf_names_its_pages_and_the_flag(scan: Path) -> None:
    assert scanned_pages(scan) == (1,)
    with pytest.raises(ScannedPdf) as raised:
        read_source(scan)
    assert raised.value.pages == (1,)
    assert raised.value.message == "review.pdf: no text layer on page 1 (a scanned PDF)"
    assert "--ocr" in raised.value.hint
    assert isinstance(raised.value, CorpusError) and "\n" not in str(raised.value)


@needs_tesseract
def test_recognise_gives_back_the_words_and_the_paragraphs(scan_ocr: OcrText) -> None:
    assert scan_ocr.engine.startswith("tesseract ") and scan_ocr.languages == "eng+fra+spa"
    assert list(scan_ocr.pages) == [1]
    assert _share_found(words(ENGLISH), _read_words(scan_ocr, 1)) >= 0.9
    # One paragraph for each blank-line-separated paragraph of the image, in order.
    paragraphs = scan_ocr.pages[1]
    assert len(paragraphs) == len(ENGLISH)
    assert paragraphs[0] == ("2. Progress on Objective 10",)
    assert len(paragraphs[1]) >= 2  # a wrapped paragraph keeps its lines
    assert [p[0][:2] for p in paragraphs[2:]] == ["- ", "- "]


@needs_tesseract
def test_read_source_with_ocr_text_cites_the_page(scan: Path, scan_ocr: OcrText) -> None:
    source = read_source(scan, scan_ocr)
    assert source.blocks and all(block.pages == (1,) for block in source.blocks)
    texts = [" ".join(source.text[a:b] for a, b in block.spans) for block in source.blocks]
    assert texts[0] == "2. Progress on Objective 10"
    assert [block.hint for block in source.blocks[-2:]] == ["list_item", "list_item"]
    assert "trafficking in persons" in source.text


@needs_tesseract
def test_the_sidecar_round_trips_and_is_read_on_every_rebuild(
    scan: Path, scan_ocr: OcrText, tmp_path: Path
) -> None:
    assert OcrText.from_json(scan_ocr.to_json()) == scan_ocr
    copy = tmp_path / "copy.pdf"
    shutil.copyfile(scan, copy)
    assert load(copy) is None
    written = save(scan_ocr, copy)
    assert written == sidecar(copy) == tmp_path / "copy.pdf.ocr.json"
    assert load(copy) == scan_ocr == load(written)
    assert read_source(copy) == dataclasses.replace(read_source(scan, scan_ocr), path=str(copy))
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary left


def test_a_damaged_sidecar_is_one_clear_error(tmp_path: Path) -> None:
    pdf = tmp_path / "review.pdf"
    for damage in ("{", '{"format": "gcm-search OCR text", "version": 1}', "[]",
                   '{"format": "gcm-search OCR text", "version": 1, "engine": "t", '
                   '"languages": "eng", "pages": {"one": []}}'):
        sidecar(pdf).write_text(damage, encoding="utf-8")
        with pytest.raises(CorpusError) as raised:
            load(pdf)
        assert raised.value.message.startswith("review.pdf.ocr.json: damaged OCR text (")
        assert "--ocr" in raised.value.hint


@needs_tesseract
def test_a_sidecar_of_another_file_is_refused(scan: Path, scan_ocr: OcrText,
                                              tmp_path: Path) -> None:
    other = write_scan(tmp_path / "review.pdf", [Page(FRENCH)])
    save(scan_ocr, other)
    with pytest.raises(CorpusError, match="OCR text was read from another file"):
        read_source(other)


@needs_tesseract
def test_a_french_page_is_read_in_french(tmp_path: Path) -> None:
    path = write_scan(tmp_path / "examen.pdf", [Page(FRENCH)])
    ocr = recognise(path, [1], "fra")
    assert ocr.languages == "fra"
    found = _read_words(ocr, 1)
    assert _share_found(words(FRENCH), found) >= 0.9
    assert {"êtres", "réintégration.", "Progrès"} <= set(found)


@needs_tesseract
def test_a_missing_tesseract_is_one_clear_line(scan: Path, monkeypatch: pytest.MonkeyPatch,
                                               tmp_path: Path) -> None:
    import pytesseract

    monkeypatch.setattr(pytesseract.pytesseract, "tesseract_cmd", str(tmp_path / "tesseract"))
    with pytest.raises(CorpusError) as raised:
        recognise(scan, [1])
    assert raised.value.message == "cannot run OCR: Tesseract is not installed (or not on the PATH)"
    assert "apt install tesseract-ocr tesseract-ocr-eng" in raised.value.hint
    assert "\n" not in str(raised.value)


@needs_tesseract
def test_a_missing_language_names_its_package(scan: Path) -> None:
    with pytest.raises(CorpusError) as raised:
        recognise(scan, [1], "eng+xyz")
    assert raised.value.message.startswith("cannot run OCR: Tesseract has no xyz language data")
    assert "tesseract-ocr-xyz" in raised.value.hint
    with pytest.raises(BadInput, match="not a list of Tesseract languages"):
        recognise(scan, [1], "eng; rm -rf")
    with pytest.raises(CorpusError, match="has no page 2"):
        recognise(scan, [2], "eng")


@needs_tesseract
def test_a_mixed_pdf(tmp_path: Path) -> None:
    """Text pages and one scanned page. With OCR text, every page is read and cited by its
    number; without it, the scanned page is left out while it is less than half of the PDF, and
    refused (ScannedPdf) once it is half or more."""
    path = write_scan(tmp_path / "mixed.pdf",
                      [Page(TEXT, scanned=False), Page(ENGLISH), Page(CLOSING, scanned=False)])
    assert scanned_pages(path) == (2,)
    without = read_source(path)
    assert {page for block in without.blocks for page in block.pages} == {1, 3}
    assert "trafficking" not in without.text

    ocr = recognise(path, scanned_pages(path), "eng")
    source = read_source(path, ocr)
    by_page = {page: [b for b in source.blocks if page in b.pages] for page in (1, 2, 3)}
    assert all(by_page.values())
    scanned_text = " ".join(source.text[a:b] for block in by_page[2] for a, b in block.spans)
    assert "trafficking in persons" in scanned_text
    assert source.text.index("Introduction") < source.text.index("Objective 10")

    half = write_scan(tmp_path / "half.pdf", [Page(TEXT, scanned=False), Page(ENGLISH)])
    with pytest.raises(ScannedPdf) as raised:
        read_source(half)
    assert raised.value.pages == (2,)
    # The OCR text of another PDF's page 2 serves here too, once it is not tied to that file.
    assert "trafficking" in read_source(half, dataclasses.replace(ocr, sha256="")).text


def test_pages_are_named_as_ranges() -> None:
    assert page_ranges([3, 1, 2, 5, 7, 8]) == "1-3, 5, 7-8"
    error = ScannedPdf("review.pdf", [1, 2, 3])
    assert error.message == "review.pdf: no text layer on pages 1-3 (a scanned PDF)"
    assert error.hint == "add it with --ocr to read it with Tesseract"


def test_words_are_grouped_by_tesseracts_lines_and_paragraphs() -> None:
    rows = [  # level, block, paragraph, line, text: as pytesseract's image_to_data gives them
        (1, 0, 0, 0, ""), (2, 1, 0, 0, ""), (5, 1, 1, 1, "Two"), (5, 1, 1, 1, "words"),
        (5, 1, 1, 2, "more"), (5, 1, 2, 1, "|"), (5, 2, 1, 1, "Next"), (5, 2, 1, 1, " "),
        (5, 3, 1, 1, "—"),
    ]
    found = {key: [row[n] for row in rows]
             for n, key in enumerate(("level", "block_num", "par_num", "line_num", "text"))}
    assert group(found) == (("Two words", "more"), ("Next",))
