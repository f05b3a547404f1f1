"""A scanned review, from the command line (issue 14): refused without --ocr (naming its pages
and the flag, writing nothing), added with it (passages marked as OCR text, citing their page),
and rebuilt later from the OCR text kept beside it, without running Tesseract again."""

from __future__ import annotations

import json
from pathlib import Path

import pytesseract
import pytest
from click.testing import CliRunner, Result
from fixtures_scan import Page, write_scan
from test_ocr import needs_tesseract

from search.catalog import load_catalog
from search.cli import main
from search.config import CORPUS_ENV, INDEX_ENV, Config

pytestmark = needs_tesseract

COVER = ("## Voluntary GCM review by Kenya 2022",
         "Submitted by the Government of Kenya to the International Migration Review Forum.")
BODY = ("## 1. Progress on Objective 6",
        "Kenya signed bilateral labour agreements that protect domestic workers abroad and "
        "regulate private recruitment agencies.")


def run(config: Config, *args: str) -> Result:
    env = {CORPUS_ENV: str(config.corpus), INDEX_ENV: str(config.index), "COLUMNS": "100"}
    return CliRunner().invoke(main, list(args), env=env)


@pytest.fixture
def scan(tmp_path: Path) -> Path:
    return write_scan(tmp_path / "kenya-scan.pdf", [Page(COVER), Page(BODY)])


@pytest.fixture
def empty(tmp_path: Path) -> Config:
    return Config(corpus=tmp_path / "reviews", index=tmp_path / "index")


def test_without_ocr_one_line_names_the_pages_and_the_flag(empty: Config, scan: Path) -> None:
    result = run(empty, "add", str(scan))
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        "Error: kenya-scan.pdf: no text layer on pages 1-2 (a scanned PDF) (add it with --ocr "
        "to read it with Tesseract)"]
    assert not empty.corpus.exists()


def test_with_ocr_it_is_added_marked_and_rebuilt_without_tesseract(
        empty: Config, scan: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result = run(empty, "add", str(scan), "--ocr", "--language", "en")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("Added kenya-2022: Voluntary GCM review by Kenya 2022 "
                                    "(Kenya, 2022, en)")
    (document,) = load_catalog(empty.corpus)
    assert document.ocr_pages == (1, 2)
    assert sorted(p.name for p in empty.corpus.iterdir()) == [
        "catalog.json", "kenya-2022.pdf", "kenya-2022.pdf.ocr.json"]

    found = json.loads(run(empty, "search", "domestic workers", "--mode", "words",
                           "--json").stdout)
    hit = found["results"][0]
    assert hit["ocr"] is True and "bilateral labour agreements" in hit["text"]
    assert "p. 2" in hit["citation"]
    shown = run(empty, "show", hit["id"]).stdout
    assert "(OCR text: may hold recognition errors)" in shown.splitlines()[0]

    # The OCR text is kept: a rebuild on a machine without Tesseract reads the same passages.
    monkeypatch.setattr(pytesseract.pytesseract, "tesseract_cmd", str(tmp_path / "none"))
    rebuilt = run(empty, "index", "--rebuild")
    assert rebuilt.exit_code == 0, rebuilt.stderr
    again = json.loads(run(empty, "search", "domestic workers", "--mode", "words",
                           "--json").stdout)
    assert again["results"][0]["text"] == hit["text"]
    assert run(empty, "verify", hit["text"][:80]).exit_code == 0

    removed = run(empty, "remove", "kenya-2022")
    assert removed.exit_code == 0, removed.stderr
    assert sorted(p.name for p in empty.corpus.iterdir()) == ["catalog.json"]


def test_a_machine_without_tesseract_gets_one_line(empty: Config, scan: Path, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pytesseract.pytesseract, "tesseract_cmd", str(tmp_path / "none"))
    result = run(empty, "add", str(scan), "--ocr")
    assert result.exit_code != 0 and result.stdout == ""
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("Error: cannot run OCR: Tesseract is not installed")
    assert not empty.corpus.exists()
