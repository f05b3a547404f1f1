"""search/outputs/tables.py: one table -> CSV, Excel and JSON lines, read back with the csv
module and openpyxl; formula injection neutralised in both spreadsheet formats."""

from __future__ import annotations

import csv
import io
import json
import zipfile

import openpyxl
import pytest

from search.outputs.tables import Table, as_bytes, file_name, neutralised, risky, to_csv, to_xlsx

ROWS = (
    ("japan-2022:2a.7", 2022, 3.4712, "approx. US$142,000 to the IOM"),
    ("x:1", 2023, None, "=HYPERLINK(\"http://evil.example\",\"click\")"),
    ("x:2", 2023, -1.5, "+1 (555) 0100"),
    ("x:3", 2023, 0.0, "-5% in remittance costs"),
    ("x:4", 2023, 1.0, "@SUM(A1:A2)"),
    ("x:5", 2023, 2.0, "\t=1+1"),
    ("x:6", 2024, 2.0, "Côte d’Ivoire — “quoted”, line\nbreak"),
)
TABLE = Table(("id", "year", "score", "text"), ROWS, title="Search: a/b [c]")


def read_csv(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_csv_is_utf8_with_a_bom_and_crlf() -> None:
    data = to_csv(TABLE)
    assert data.startswith(b"\xef\xbb\xbfid,year,score,text\r\n")
    assert "Côte d’Ivoire".encode() in data


def test_csv_reads_back_with_risky_cells_neutralised() -> None:
    rows = read_csv(to_csv(TABLE))
    assert rows[0] == list(TABLE.columns)
    for written, (pid, year, score, text) in zip(rows[1:], ROWS, strict=True):
        assert written[:3] == [pid, str(year), "" if score is None else str(score)]
        # The text as it was, or with one apostrophe in front when a spreadsheet would run it.
        assert written[3] == ("'" + text if risky(text) else text)
    assert [r[3][0] for r in rows[1:] if r[3].startswith("'")] == ["'"] * 5
    assert rows[1][3] == "approx. US$142,000 to the IOM"  # a $ or a - inside is fine


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1 x", "@A1", "\t=1", "\r=1"])
def test_every_formula_start_is_neutralised(value: str) -> None:
    assert risky(value) and neutralised(value) == "'" + value


@pytest.mark.parametrize("value", ["1=1", "a-b", "", "'=already", 5, -5, 2.5, None])
def test_other_cells_are_left_alone(value: object) -> None:
    assert not risky(value)  # type: ignore[arg-type]
    assert neutralised(value) == value  # type: ignore[arg-type]


def test_xlsx_reads_back_the_same_rows_and_no_formula() -> None:
    data = to_xlsx(TABLE)
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert sheet.title == "Search  a b  c"
    rows = [[c.value for c in r] for r in sheet.iter_rows()]
    assert rows[0] == list(TABLE.columns)
    assert [tuple(r) for r in rows[1:]] == list(ROWS)  # exact text, numbers as numbers
    for r in sheet.iter_rows(min_row=2):
        assert r[3].data_type == "s"  # a string cell: no spreadsheet evaluates it
        assert r[3].quotePrefix == risky(r[3].value)  # and stays text if saved as CSV
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        sheet_xml = book.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml and "<f " not in sheet_xml
    assert sheet.freeze_panes == "A2" and sheet["A1"].font.bold


def test_xlsx_drops_control_characters_xml_cannot_hold() -> None:
    table = Table(("text",), (("page\x0cbreak\x00",),))
    sheet = openpyxl.load_workbook(io.BytesIO(to_xlsx(table))).active
    assert sheet["A2"].value == "pagebreak"


def test_workbook_with_several_sheets() -> None:
    extra = Table(("n",), ((1,), (2,)), title="Totals")
    book = openpyxl.load_workbook(io.BytesIO(to_xlsx(TABLE, [extra])))
    assert book.sheetnames == ["Search  a b  c", "Totals"]
    assert [c.value for c in book["Totals"]["A"]] == ["n", 1, 2]


def test_jsonl_is_one_record_per_line_unneutralised() -> None:
    lines = as_bytes(TABLE, "jsonl").decode().splitlines()
    assert [json.loads(line) for line in lines] == TABLE.records()
    assert json.loads(lines[1])["text"].startswith("=HYPERLINK")


def test_unknown_format() -> None:
    with pytest.raises(ValueError, match="unknown table format"):
        as_bytes(TABLE, "ods")


@pytest.mark.parametrize(("words", "expected"), [
    (["gcm-search", "migrant workers", "Côte d'Ivoire"],
     "gcm-search-migrant-workers-Cote-d-Ivoire"),
    (["gcm-search", "", "../../etc/passwd"], "gcm-search-etc-passwd"),
    (["", "   "], "gcm-search"),
    (["a" * 200], "a" * 80),
])
def test_file_names_are_plain_ascii(words: list[str], expected: str) -> None:
    assert file_name(words, "csv") == f"{expected}.csv"
