"""A table (header + rows of plain cells) -> the bytes of a CSV, an Excel workbook or JSON lines.

The one writer of every spreadsheet gcm-search hands out (search exports, comparisons, the
coverage matrix), so that each format's care is taken once:

- CSV is UTF-8 with a byte-order mark, which is how Excel knows it is UTF-8 (without it, Excel
  on Windows reads "Côte d'Ivoire" as cp1252 mojibake); lines end in CRLF (RFC 4180).
- A text cell that a spreadsheet would run as a formula (it starts with `=`, `+`, `-` or `@`, or
  a tab or carriage return that some spreadsheets skip before one) is neutralised. In CSV it gets
  a leading apostrophe (OWASP's advice: Excel and LibreOffice show the text, not a result). In a
  workbook every text cell is written as a string cell, which no spreadsheet evaluates, so its
  text stays exactly the passage's; what could be a formula is also marked with Excel's own
  "quote prefix" style, so that it stays text when the sheet is saved again as CSV.
- Numbers stay numbers (a score, a count, a year); None is an empty cell.
"""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from . import TABLE_FORMATS

Cell = str | int | float | None
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
SHEET_TITLE_CHARS = 31  # Excel's limit on a sheet name


@dataclass(frozen=True)
class Table:
    """A header and rows of plain cells, with a title for the sheet."""

    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    title: str = "gcm-search"

    def records(self) -> list[dict[str, Cell]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]


def risky(value: Cell) -> bool:
    """Would a spreadsheet read this text cell as a formula?"""
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def neutralised(value: Cell) -> Cell:
    """A CSV cell a spreadsheet shows as text: a risky text gets a leading apostrophe."""
    return "'" + value if isinstance(value, str) and risky(value) else value


def to_csv(table: Table) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([neutralised(c) for c in table.columns])
    for row in table.rows:
        writer.writerow(["" if c is None else neutralised(c) for c in row])
    return out.getvalue().encode("utf-8-sig")


def to_xlsx(table: Table, extra: Sequence[Table] = ()) -> bytes:
    """An Excel workbook: one sheet per table, the header bold and frozen, each column as wide
    as its content (within reason)."""
    from openpyxl import Workbook  # only for Excel: a second off a search's start-up
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    first = book.active
    bold = Font(bold=True)
    for number, each in enumerate((table, *extra)):
        sheet = first if number == 0 else book.create_sheet()
        sheet.title = _sheet_title(each.title, number)
        sheet.append(list(each.columns))
        for cell in sheet[1]:
            cell.font = bold
        widths = [len(c) for c in each.columns]
        for r, row in enumerate(each.rows, start=2):
            for c, value in enumerate(row, start=1):
                cell = sheet.cell(row=r, column=c)
                if isinstance(value, str):
                    # XML cannot hold most control characters (a PDF's form feed): they go.
                    cell.value = ILLEGAL_CHARACTERS_RE.sub("", value)
                    # openpyxl makes a text starting with "=" a formula: a string it stays.
                    cell.data_type = "s"
                    if risky(value):
                        cell.quotePrefix = True
                else:
                    cell.value = value
                widths[c - 1] = max(widths[c - 1], min(len(str(value or "")), 80))
        for c, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(c)].width = min(max(width + 2, 8), 82)
        sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _sheet_title(title: str, number: int) -> str:
    # Excel refuses []:*?/\ in a sheet name and more than 31 characters.
    clean = "".join(" " if ch in "[]:*?/\\" else ch for ch in title).strip()
    return (clean or f"Sheet {number + 1}")[:SHEET_TITLE_CHARS]


def to_jsonl(records: Sequence[dict[str, Any]]) -> bytes:
    """One JSON object per line, UTF-8 (JSON has no formulas: nothing to neutralise)."""
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode("utf-8")


FORMATS = TABLE_FORMATS
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "jsonl": "application/x-ndjson; charset=utf-8",
}
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def as_bytes(table: Table, fmt: str, extra: Sequence[Table] = ()) -> bytes:
    """`table` (and, in a workbook, the `extra` sheets) in one of `FORMATS`."""
    if fmt == "csv":
        return to_csv(table)
    if fmt == "xlsx":
        return to_xlsx(table, extra)
    if fmt == "jsonl":
        return to_jsonl(table.records())
    raise ValueError(f"unknown table format {fmt!r}")


def file_name(words: Sequence[str], fmt: str) -> str:
    """A download's file name from what it holds: ("gcm-search", "trafficking", "Japan") ->
    "gcm-search-trafficking-Japan.csv"; ASCII letters, digits and dashes only, so that no
    browser or shell misreads it."""
    ascii_words = (unicodedata.normalize("NFKD", w).encode("ascii", "ignore").decode()
                   for w in words)  # "Côte" -> "Cote"
    stem = "-".join(filter(None, (_UNSAFE_NAME.sub("-", w).strip("-.") for w in ascii_words)))
    return f"{stem[:80].rstrip('-.') or 'gcm-search'}.{fmt}"
