"""Exports (issue 15): `search --format csv|xlsx|jsonl` and `compare --format ...` write every
match, and the web's `/export.csv`, `/export.xlsx` and `/objectives/<n>/export.*` answer with it
as an attachment. Every file is read back (csv module, openpyxl, json) and checked against what
`search --json` gives page by page: the same passages in the same order, the same scores and
citations, the text with the source's markdown escapes undone. A review whose paragraphs start
with "=", "+", "-" and "@" checks formula injection from `gcm-search add` to the cell.
"""

from __future__ import annotations

import csv
import io
import json
import os
import pty
import subprocess
import sys
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from cli_checks import one_line_error
from flask.testing import FlaskClient
from test_add_many import COMPACT, REGIONAL, run, write

from search import objectives as gcm
from search.anchor import unescape
from search.config import Config
from search.index import OpenIndex
from search.outputs.exports import COLUMNS, DEFAULT_LINK_BASE, GROUP
from search.outputs.tables import MEDIA_TYPES
from search.render import provenance
from search.results import Request, compare, every_hit, passage, search
from search.web import create_app

ESCAPED = "japan-2022:2a.7"  # its source says "US\$142,000"
# Two searches of several pages each: a query (hybrid: by words and by meaning), and a browse.
SEARCHES = [["contributed"], ["--section", "2"]]
RISKY = """Voluntary GCM review by Kenya 2022

1. Progress

=HYPERLINK("http://example.com","migrant workers") is how migrant workers filled the form.

+254 is the dialling code migrant workers call home on.

-5% was the change in migrant workers' recruitment fees.

@kenya_labour posts news for migrant workers.

Objective 10: trafficking in persons is prosecuted.
"""


# ---- reading the files back --------------------------------------------------------------------

def csv_rows(data: bytes) -> list[dict[str, str]]:
    assert data.startswith(b"\xef\xbb\xbf")  # the BOM by which Excel knows UTF-8
    text = data.decode("utf-8-sig")
    assert "\r\n" in text or not text
    return list(csv.DictReader(io.StringIO(text, newline="")))


def xlsx_rows(data: bytes) -> list[dict[str, Any]]:
    sheet = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    header = [str(c) for c in rows[0]]
    return [dict(zip(header, row, strict=True)) for row in rows[1:]]


def jsonl_rows(data: bytes) -> list[dict[str, Any]]:
    return [json.loads(line) for line in data.decode("utf-8").splitlines()]


def about_sheet(data: bytes) -> dict[str, Any]:
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames[1] == "About"
    rows = list(book.worksheets[1].iter_rows(values_only=True))
    assert rows[0] == ("about", "value")
    return dict(rows[1:])


READ = {"csv": csv_rows, "xlsx": xlsx_rows, "jsonl": jsonl_rows}


def header(data: bytes, fmt: str) -> list[str]:
    if fmt == "csv":
        return next(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    return [str(c.value) for c in openpyxl.load_workbook(io.BytesIO(data)).worksheets[0][1]]


def json_pages(config: Config, *args: str, limit: int = 5) -> list[dict[str, Any]]:
    """The results of `search --json`, page after page, put together."""
    results: list[dict[str, Any]] = []
    page = 1
    while True:
        done = run(config, "search", *args, "--json", "--limit", str(limit), "--page", str(page))
        data = json.loads(done.stdout)
        results += data["results"]
        if page >= data["pages"]:
            assert len(results) == data["total"]
            return results
        page += 1


def same_rows(rows: list[dict[str, Any]], results: list[dict[str, Any]], opened: OpenIndex,
              link_base: str) -> None:
    """The exported rows are the JSON results, cell by cell: compared as text (a CSV's cells are
    text, an empty cell empty), and numbers are numbers where the format has them."""
    assert [r["id"] for r in rows] == [r["id"] for r in results]
    for number, (row, result) in enumerate(zip(rows, results, strict=True), start=1):
        document = opened.documents[result["doc"]]
        expected = {
            "rank": number, "id": result["id"], "document": result["doc"],
            "title": document.title, "country": result["country"], "year": result["year"],
            "section": result["section"], "section_title": result["section_title"],
            "subsection": result["subsection"], "subsection_title": result["subsection_title"],
            "kind": result["kind"], "objectives": "; ".join(result["objective_labels"]),
            "objective_source": provenance(passage(opened, result["id"])),
            "score": result["score"], "match": result["match"],
            "text": unescape(result["text"]), "citation": result["citation"],
            "url": document.url, "link": f"{link_base}/p/{result['id']}",
        }
        assert list(row) == list(COLUMNS)
        # A score as a number (Excel reads 0.0 back as 0).
        assert float(row["score"]) == expected.pop("score")
        assert {k: as_text(v) for k, v in row.items() if k != "score"} == \
            {k: as_text(v) for k, v in expected.items()}
        if not isinstance(row["rank"], str):  # Excel, JSON lines
            assert (type(row["rank"]), type(row["year"])) == (int, int)
            assert isinstance(row["score"], int | float)


def as_text(value: Any) -> str:
    return "" if value is None else str(value)


# ---- the command line --------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["csv", "xlsx", "jsonl"])
@pytest.mark.parametrize("args", SEARCHES)
def test_cli_export_is_every_page_of_the_search(japan_config: Config, japan_index: OpenIndex,
                                                tmp_path: Path, args: list[str],
                                                fmt: str) -> None:
    results = json_pages(japan_config, *args)
    assert len(results) > 5  # more than one page
    out = tmp_path / f"found.{fmt}"
    done = run(japan_config, "search", *args, "--format", fmt, "--output", str(out))
    assert done.exit_code == 0, done.stderr
    assert done.stdout == ""
    rows = READ[fmt](out.read_bytes())
    same_rows(rows, results, japan_index, DEFAULT_LINK_BASE)
    if fmt == "xlsx":  # and what was asked, on a second sheet
        about = about_sheet(out.read_bytes())
        assert about["passages"] == len(results)
        assert about["query"] == (args[0] if args[0] != "--section" else None)
        assert about.get("filter: section") == ("2" if args[0] == "--section" else None)
        assert about["mode"] == "hybrid"
    escaped = [r for r in rows if r["id"] == ESCAPED]
    assert len(escaped) == 1 and "US$142,000" in escaped[0]["text"]
    assert not list(tmp_path.glob(".*.part"))  # written aside, then renamed


@pytest.mark.parametrize(("query", "total"), [("contributed", 18), ("migrant workers", 31)])
def test_every_hit_is_the_pages_put_together(japan_index: OpenIndex, query: str,
                                             total: int) -> None:
    """Past the depth of the blended ranking (results.WORDS_DEPTH) too."""
    everything = every_hit(japan_index, Request(query, page=4, limit=2))
    pages = [search(japan_index, Request(query, page=n, limit=3)) for n in range(1, 12)]
    assert [h.passage.id for h in everything.hits] == \
        [h.passage.id for p in pages for h in p.hits]
    assert len(everything.hits) == everything.total == pages[0].total == total
    assert [h.rank for h in everything.hits] == list(range(1, total + 1))
    assert everything.pages == 1


def test_csv_to_stdout_and_a_link_base(japan_config: Config, japan_index: OpenIndex) -> None:
    done = run(japan_config, "search", "trafficking", "--format", "csv",
               "--link-base", "https://gcm.example.org/")
    assert done.exit_code == 0, done.stderr
    rows = csv_rows(done.stdout_bytes)
    same_rows(rows, json_pages(japan_config, "trafficking"), japan_index,
              "https://gcm.example.org")


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_nothing_found_is_a_header_alone_and_exit_1(japan_config: Config, tmp_path: Path,
                                                    fmt: str) -> None:
    out = tmp_path / f"none.{fmt}"
    done = run(japan_config, "search", "zzqqxw", "--format", fmt, "--output", str(out))
    assert done.exit_code == 1
    assert header(out.read_bytes(), fmt) == list(COLUMNS)
    assert READ[fmt](out.read_bytes()) == []


@pytest.mark.parametrize(("args", "complaint"), [
    (["--format", "csv", "--json"], "--json and --format are different outputs"),
    (["--format", "csv", "--kwic"], "--format and --kwic are different outputs"),
    (["--format", "csv", "--page", "2"], "leave out --page and --limit"),
    (["--format", "csv", "--limit", "20"], "leave out --page and --limit"),
    (["--kwic", "--limit", "20"], "leave out --page and --limit"),
    (["--output", "x.csv"], "--output goes with --format"),
    (["--link-base", "http://x"], "--link-base goes with --format"),
    (["--format", "pdf"], "'pdf' is not one of"),
])
def test_conflicting_options_are_usage_errors(japan_config: Config, args: list[str],
                                              complaint: str) -> None:
    done = run(japan_config, "search", "trafficking", *args)
    assert done.exit_code == 2
    assert complaint in one_line_error(done)


def test_an_output_that_cannot_be_written_is_one_line(japan_config: Config,
                                                      tmp_path: Path) -> None:
    folder = run(japan_config, "search", "trafficking", "--format", "csv", "--output",
                 str(tmp_path))
    assert folder.exit_code == 2
    assert one_line_error(folder) == f"Error: {tmp_path} is a folder (give --output a file name)"
    missing = tmp_path / "no" / "such" / "folder" / "x.csv"
    nowhere = run(japan_config, "search", "trafficking", "--format", "csv", "--output",
                  str(missing))
    assert nowhere.exit_code == 2
    assert one_line_error(nowhere).startswith(f"Error: cannot write {missing}:")
    assert not missing.parent.exists()


def test_excel_to_stdout_that_is_not_a_terminal(japan_config: Config) -> None:
    # CliRunner's stdout is not a terminal: the workbook's bytes go out, whole.
    done = run(japan_config, "search", "trafficking", "--format", "xlsx")
    assert done.exit_code == 0
    assert done.stdout_bytes[:2] == b"PK"  # a zip, which an .xlsx is
    assert len(xlsx_rows(done.stdout_bytes)) == 11


def test_excel_to_a_terminal_is_refused(japan_config: Config) -> None:
    """A workbook's bytes would garble a terminal: a usage error says to give a file."""
    main_side, terminal = pty.openpty()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "search", "search", "trafficking", "--format", "xlsx",
             "--corpus", str(japan_config.corpus), "--index-dir", str(japan_config.index)],
            stdout=terminal, stderr=subprocess.PIPE, text=True, timeout=120, check=False)
    finally:
        os.close(terminal)
        os.close(main_side)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines()[-1].startswith(
        "Error: an Excel workbook is binary: give --output FILE.xlsx")


# ---- comparisons -------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["csv", "xlsx", "jsonl"])
def test_compare_export_has_every_passage_of_each_column(japan_config: Config,
                                                         japan_index: OpenIndex, tmp_path: Path,
                                                         fmt: str) -> None:
    out = tmp_path / f"objective.{fmt}"
    done = run(japan_config, "compare", "--objective", "10", "--query", "victims",
               "--format", fmt, "--output", str(out))
    assert done.exit_code == 0, done.stderr
    rows = READ[fmt](out.read_bytes())
    full = compare(japan_index, 10, "victims", per_country=None)
    expected = [(c.label, rank, h.passage.id, h.score)
                for c in full.columns for rank, h in enumerate(c.hits, start=1)]
    assert len(expected) == full.total > 1
    assert [(r[GROUP], int(r["rank"]), r["id"], float(r["score"])) for r in rows] == expected
    assert list(rows[0]) == [GROUP, *COLUMNS]
    assert all(r["objectives"] and gcm.objective(10).label in str(r["objectives"])
               for r in rows)
    # More than the compare view shows per country, by default.
    shown = compare(japan_index, 10, "victims", per_country=2)
    assert sum(len(c.hits) for c in shown.columns) < len(rows)


def test_compare_export_options(japan_config: Config, tmp_path: Path) -> None:
    both = run(japan_config, "compare", "-o", "10", "--format", "csv", "--json")
    assert both.exit_code == 2 and "are different outputs" in one_line_error(both)
    per = run(japan_config, "compare", "-o", "10", "--format", "csv", "--per-country", "3")
    assert per.exit_code == 2 and "--per-country" in one_line_error(per)
    none = run(japan_config, "compare", "-o", "10", "-q", "zzqqxw", "--format", "csv")
    assert none.exit_code == 1
    assert csv_rows(none.stdout_bytes) == []


def test_compare_export_groups_documents_without_a_country(risky_config: Config) -> None:
    """The Compact's and a region's passages are in their scope's columns, as in the view."""
    done = run(risky_config, "compare", "-o", "10", "--format", "jsonl")
    rows = jsonl_rows(done.stdout_bytes)
    assert [(r[GROUP], r["country"], r["document"]) for r in rows] == [
        ("Global documents", "United Nations General Assembly",
         "united-nations-general-assembly-2018"),
        ("Global documents", "United Nations General Assembly",
         "united-nations-general-assembly-2018"),
        ("Kenya", "Kenya", "kenya-2022"),
        ("Regional reviews", "Asia and the Pacific", "asia-and-the-pacific-2021")]


# ---- formula injection, from `add` to the cell ------------------------------------------------

@pytest.fixture(scope="module")
def risky_config(tmp_path_factory: pytest.TempPathFactory) -> Config:
    """Kenya's review with risky paragraphs, the Compact (global) and a regional review."""
    base = tmp_path_factory.mktemp("risky")
    config = Config(corpus=base / "reviews", index=base / "index")
    for args in (
        [str(write(base, "kenya.txt", RISKY))],
        [str(write(base, "gcm.txt", COMPACT)), "--scope", "global", "--author",
         "United Nations General Assembly"],
        [str(write(base, "asia.txt", REGIONAL)), "--scope", "regional", "--region",
         "Asia and the Pacific", "--author", "ESCAP"],
    ):
        done = run(config, "add", *args)
        assert done.exit_code == 0, done.stderr
    return config


def test_formulas_are_neutralised_in_csv_and_text_in_excel(risky_config: Config,
                                                            tmp_path: Path) -> None:
    for fmt in ("csv", "xlsx"):
        done = run(risky_config, "search", "migrant workers", "--country", "Kenya", "--format",
                   fmt, "--output", str(tmp_path / f"x.{fmt}"))
        assert done.exit_code == 0, done.stderr
    texts = {r["id"]: r["text"] for r in csv_rows((tmp_path / "x.csv").read_bytes())}
    starts = sorted(text[:2] for text in texts.values())
    assert starts == ["'+", "'-", "'=", "'@"]
    assert texts["kenya-2022:1.1"] == ("'=HYPERLINK(\"http://example.com\",\"migrant workers\") "
                                       "is how migrant workers filled the form.")
    sheet = openpyxl.load_workbook(tmp_path / "x.xlsx").worksheets[0]
    column = [c.value for c in sheet[1]].index("text") + 1
    cells = [sheet.cell(row=r, column=column) for r in range(2, sheet.max_row + 1)]
    assert sorted(str(c.value)[0] for c in cells) == ["+", "-", "=", "@"]
    for cell in cells:
        assert cell.data_type == "s"  # a string, never a formula ("f")
        assert cell.quotePrefix
    assert {str(c.value) for c in cells} == {t.removeprefix("'") for t in texts.values()}


# ---- the web -----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def client(japan_config: Config) -> FlaskClient:
    return create_app(japan_config).test_client()


def api_pages(client: FlaskClient, query: str, limit: int = 5) -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = []
    page = 1
    while True:
        data = client.get(f"/api/search?{query}&limit={limit}&page={page}").get_json()
        results += data["results"]
        if page >= data["pages"]:
            return results
        page += 1


@pytest.mark.parametrize(("query", "name"), [
    ("q=contributed", "gcm-search-contributed"),
    ("section=2&kind=progress&stated=1", "gcm-search-section-2-kind-progress-stated"),
    ("q=trafficking&mode=words&page=2&limit=5", "gcm-search-trafficking"),
])
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_web_export_is_every_page_as_an_attachment(client: FlaskClient, japan_index: OpenIndex,
                                                   query: str, name: str, fmt: str) -> None:
    response = client.get(f"/export.{fmt}?{query}")
    assert response.status_code == 200, response.text[:300]
    assert response.headers["Content-Disposition"] == f'attachment; filename="{name}.{fmt}"'
    assert response.headers["Content-Type"] == MEDIA_TYPES[fmt]
    rows = READ[fmt](response.data)
    asked = "&".join(p for p in query.split("&") if not p.startswith(("page=", "limit=")))
    results = api_pages(client, asked)
    assert results
    # Links are this server's, whole: a file leaves the site.
    same_rows(rows, results, japan_index, "http://localhost")


def test_web_export_without_a_search_is_a_400(client: FlaskClient) -> None:
    response = client.get("/export.csv")
    assert response.status_code == 400
    assert "nothing to export" in response.text
    assert client.get("/export.pdf?q=trafficking").status_code == 404
    assert client.get("/export.csv?country=Atlantis").status_code == 400


def test_results_and_the_compare_view_link_their_downloads(client: FlaskClient,
                                                           japan_index: OpenIndex) -> None:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(client.get("/?q=trafficking&objective=10&page=1&view=kwic").text,
                         "html.parser")
    links = {a.get_text(): a["href"] for a in soup.select("p.downloads a")}
    assert links == {"Download CSV": "/export.csv?objective=10&q=trafficking",
                     "Download Excel": "/export.xlsx?objective=10&q=trafficking"}
    for href in links.values():
        assert client.get(str(href)).status_code == 200
    soup = BeautifulSoup(client.get("/objectives/10?q=victims&stated=1").text, "html.parser")
    links = {a.get_text(): a["href"] for a in soup.select(".downloads a")}
    assert links == {"Download CSV": "/objectives/10/export.csv?q=victims&stated=1",
                     "Download Excel": "/objectives/10/export.xlsx?q=victims&stated=1"}
    response = client.get(str(links["Download Excel"]))
    assert response.headers["Content-Disposition"] == \
        'attachment; filename="gcm-search-objective-10-Trafficking-victims-stated.xlsx"'
    assert about_sheet(response.data) == {
        "objective": "10 - Trafficking", "objective title": gcm.objective(10).title,
        "query": "victims", "stated tags only": "yes", "passages": 6,
        "index built at": japan_index.manifest.built_at}
    assert [r["id"] for r in xlsx_rows(response.data)] == \
        [r["id"] for r in csv_rows(client.get(str(links["Download CSV"])).data)]
    # Nothing found: no download offered.
    soup = BeautifulSoup(client.get("/?q=zzqqxw").text, "html.parser")
    assert not soup.select("p.downloads")
