"""The coverage matrix (issue 15): `search.outputs.coverage` on hand-made passages, the
`gcm-search coverage` command in every format, and the `/coverage` heat map with its downloads
and `/api/coverage`.

The counts are checked against what `gcm-search export` writes (each passage's objectives and
their source), on the Japan corpus and on a corpus of seven documents: Japan's review, Morocco's
(French) and Mexico's (Spanish) from test_languages.py, a second, later Japanese review of
another cycle, a Kenyan one, the Compact itself (global) and a regional review (no country).
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from bs4 import BeautifulSoup, Tag
from cli_checks import one_line_error
from flask.testing import FlaskClient
from openpyxl import load_workbook
from test_add_many import COMPACT, KENYA, REGIONAL, run, write
from test_languages import three_documents

from search import objectives as gcm
from search.collection import add_many
from search.config import Config
from search.errors import BadInput
from search.gather import Given, from_paths
from search.models import STATED_SOURCES, Document, Passage
from search.outputs.coverage import (
    ZERO,
    as_table,
    coverage,
    coverage_dict,
    coverage_text,
    legend_table,
    level,
    steps,
)
from search.query import Filters
from search.web import create_app

JAPAN_2024 = """Voluntary GCM review by Japan 2024

1. Progress

Objective 10: Japan trained labour inspectors to identify victims of trafficking in persons.

Objective 23: Japan funded cooperation projects with countries of origin in Asia.
"""
ALL = list(range(1, 24))


# ---- hand-made passages -------------------------------------------------------------------------

def document(doc_id: str, country: str, year: int, cycle: str = "", scope: str = "national",
             **more: Any) -> Document:
    return Document(id=doc_id, file=f"{doc_id}.txt", title=doc_id, country=country,
                    iso3=country[:3].upper() if country else "", year=year,
                    author=more.pop("author", f"Government of {country}"), cycle=cycle,
                    scope=scope, **more)  # type: ignore[arg-type]


def passage(doc: Document, number: int, objectives: tuple[int, ...] = (),
            source: str = "explicit") -> Passage:
    return Passage(id=f"{doc.id}:1.{number}", doc=doc.id, position=number, para=number,
                   section="1", section_title="", subsection="", subsection_title="",
                   kind="progress", cluster=None, objectives=objectives,
                   objective_source=source if objectives else "cluster",  # type: ignore[arg-type]
                   objective_note="", text="text", spans=((0, 4),), sha256="", country=doc.country,
                   iso3=doc.iso3, year=doc.year, scope=doc.scope)


ATLANTIS = document("atlantis-2022", "Atlantis", 2022, "IMRF 2022")
BRAZIL = document("brazil-2021", "Brazil", 2021, "Regional 2021")
ASIA = document("asia-2021", "", 2021, scope="regional", region="Asia", author="ESCAP")
DOCUMENTS = [ASIA, BRAZIL, ATLANTIS]  # not in the rows' order
PASSAGES = [
    passage(ATLANTIS, 1, (10, 9)),         # two cells, once in the total
    passage(ATLANTIS, 2, (10,), "inferred"),
    passage(ATLANTIS, 3),                  # untagged: in the passages, not in the total
    passage(ATLANTIS, 4, (23,), "inherited"),
    passage(BRAZIL, 1, (10,), "heading"),
    passage(ASIA, 1, (10, 23), "inferred"),
]


def cells(matrix: Any) -> dict[str, dict[int, int]]:
    """The non-zero cells of each row, by document id and objective."""
    return {r.document.id: {n: c for n, c in zip(matrix.objectives, r.counts, strict=True) if c}
            for r in matrix.rows}


def test_a_cell_per_document_and_objective_with_totals() -> None:
    matrix = coverage(PASSAGES, DOCUMENTS, Filters())
    assert matrix.objectives == tuple(ALL)
    # Countries' reviews first by name, then the regional one, labelled by its region.
    assert [(r.document.id, r.document.party) for r in matrix.rows] == [
        ("atlantis-2022", "Atlantis"), ("brazil-2021", "Brazil"), ("asia-2021", "Asia")]
    assert cells(matrix) == {"atlantis-2022": {9: 1, 10: 2, 23: 1}, "brazil-2021": {10: 1},
                             "asia-2021": {10: 1, 23: 1}}
    assert [(r.total, r.passages) for r in matrix.rows] == [(3, 4), (1, 1), (1, 1)]
    totals = dict(zip(matrix.objectives, matrix.column_totals, strict=True))
    assert {n: c for n, c in totals.items() if c} == {9: 1, 10: 4, 23: 2}
    # A passage with two objectives is in two cells but is one passage of the grand total.
    assert (matrix.total, matrix.passages, sum(matrix.column_totals)) == (5, 6, 7)
    assert matrix.largest == 2 and not matrix.stated_only and matrix.filters == {}


def test_stated_only_leaves_inferred_tags_out() -> None:
    matrix = coverage(PASSAGES, DOCUMENTS, Filters(stated=True))
    assert cells(matrix) == {"atlantis-2022": {9: 1, 10: 1, 23: 1}, "brazil-2021": {10: 1},
                             "asia-2021": {}}
    assert [(r.total, r.passages) for r in matrix.rows] == [(2, 4), (1, 1), (0, 1)]
    assert matrix.stated_only


def test_a_cluster_keeps_its_objectives_and_the_totals_follow() -> None:
    matrix = coverage(PASSAGES, DOCUMENTS, Filters(clusters=("4",)))
    assert matrix.objectives == gcm.cluster(4).objectives == (1, 3, 7, 17, 23)
    assert cells(matrix) == {"atlantis-2022": {23: 1}, "brazil-2021": {}, "asia-2021": {23: 1}}
    assert [r.total for r in matrix.rows] == [1, 0, 1]
    both = coverage(PASSAGES, DOCUMENTS, Filters(clusters=("4", "2")))
    assert both.objectives == tuple(sorted(gcm.cluster(2).objectives + gcm.cluster(4).objectives))
    assert both.filters == {"cluster": ["4", "2"]}


def test_countries_years_and_cycles_keep_their_rows() -> None:
    def rows(filters: Filters, cycles: tuple[str, ...] = ()) -> list[str]:
        return [r.document.id for r in coverage(PASSAGES, DOCUMENTS, filters, cycles).rows]

    assert rows(Filters(countries=("Brazil",))) == ["brazil-2021"]
    assert rows(Filters(years=("2021",))) == ["brazil-2021", "asia-2021"]
    assert rows(Filters(years=("2021", "2022"), countries=("Atlantis", "Brazil"))) == [
        "atlantis-2022", "brazil-2021"]
    assert rows(Filters(), (" imrf  2022",)) == ["atlantis-2022"]  # as the catalog spells it
    matrix = coverage(PASSAGES, DOCUMENTS, Filters(years=("2021",)), ("regional 2021",))
    assert matrix.filters == {"year": ["2021"], "cycle": ["Regional 2021"]}
    with pytest.raises(BadInput) as bad:
        coverage(PASSAGES, DOCUMENTS, Filters(), ("IMRF 2030",))
    assert str(bad.value) == ("no review of cycle 'IMRF 2030' in the index "
                              "(cycles: IMRF 2022, Regional 2021)")


def test_as_a_table_json_and_text() -> None:
    matrix = coverage(PASSAGES, DOCUMENTS, Filters(clusters=("2",)))
    table = as_table(matrix)
    assert table.columns == ("Document", "Party", "Country", "ISO3", "Scope", "Year", "Cycle",
                             "4 Legal identity", "8 Missing migrants", "9 Smuggling",
                             "10 Trafficking", "11 Border management", "13 Detention",
                             "21 Return", "Total", "Passages")
    assert table.rows == (
        ("atlantis-2022", "Atlantis", "Atlantis", "ATL", "national", 2022, "IMRF 2022",
         0, 0, 1, 2, 0, 0, 0, 2, 4),
        ("brazil-2021", "Brazil", "Brazil", "BRA", "national", 2021, "Regional 2021",
         0, 0, 0, 1, 0, 0, 0, 1, 1),
        ("asia-2021", "Asia", None, None, "regional", 2021, None, 0, 0, 0, 1, 0, 0, 0, 1, 1),
        ("Total", None, None, None, None, None, None, 0, 0, 1, 4, 0, 0, 0, 4, 6))
    assert [row[:2] for row in legend_table(matrix).rows] == [
        (n, gcm.objective(n).short) for n in gcm.cluster(2).objectives]
    data = coverage_dict(matrix)
    assert [o["number"] for o in data["objectives"]] == [4, 8, 9, 10, 11, 13, 21]
    assert data["rows"][2] == {"doc": "asia-2021", "party": "Asia", "country": None,
                               "iso3": None, "scope": "regional", "year": 2021, "cycle": None,
                               "counts": {"4": 0, "8": 0, "9": 0, "10": 1, "11": 0, "13": 0,
                                          "21": 0},
                               "total": 1, "passages": 1}
    assert data["totals"] == {"counts": {"4": 0, "8": 0, "9": 1, "10": 4, "11": 0, "13": 0,
                                         "21": 0}, "total": 4, "passages": 6}
    assert data["filters"] == {"cluster": ["2"]} and data["stated_only"] is False

    lines = coverage_text(matrix).splitlines()
    assert lines[0].split() == ["Review", "4", "8", "9", "10", "11", "13", "21", "Total"]
    assert lines[1].split() == ["Atlantis", "2022", ZERO, ZERO, "1", "2", ZERO, ZERO, ZERO, "2"]
    assert lines[3].split() == ["Asia", "2021", "(regional)", ZERO, ZERO, ZERO, "1", ZERO, ZERO,
                                ZERO, "1"]
    assert lines[4].split() == ["Total", "0", "0", "1", "4", "0", "0", "0", "4"]
    assert "4 Legal identity · 8 Missing migrants" in lines[6]
    assert all(len(line) <= 100 for line in lines)
    assert coverage_text(coverage([], [], Filters())) == (
        "No document in the index matches these filters.\n")


def test_the_shades_cut_the_counts_in_near_equal_ranges() -> None:
    assert steps(0) == ()
    assert steps(1) == ((1, 1),)
    assert steps(2) == ((1, 1), (2, 2))
    assert steps(10) == ((1, 2), (3, 5), (6, 8), (9, 10))
    for largest in range(1, 80):
        ranges = steps(largest)
        assert len(ranges) == min(4, largest)
        # Every count from 1 to the largest has exactly one shade, the darker the larger.
        shades = [level(n, ranges) for n in range(1, largest + 1)]
        assert shades[0] == 1 and shades[-1] == len(ranges)
        assert shades == sorted(shades)
        assert all(sum(low <= n <= high for low, high in ranges) == 1
                   for n in range(1, largest + 1))
        assert level(0, ranges) == 0


# ---- the command, against `export` ---------------------------------------------------------------

@pytest.fixture(scope="module")
def many(tmp_path_factory: pytest.TempPathFactory) -> Config:
    base = tmp_path_factory.mktemp("coverage")
    config = three_documents(base)
    items = [
        *from_paths([str(write(base, "japan-2024.txt", JAPAN_2024))],
                    Given(country="Japan", year=2024, cycle="IMRF 2026")),
        *from_paths([str(write(base, "kenya.txt", KENYA + "\nObjective 10: trafficking in "
                                                          "persons is prosecuted.\n"))], Given()),
        *from_paths([str(write(base, "gcm.txt", COMPACT))],
                    Given(scope="global", author="United Nations General Assembly")),
        *from_paths([str(write(base, "asia.txt", REGIONAL))],
                    Given(scope="regional", region="Asia and the Pacific", author="ESCAP")),
    ]
    outcomes, _ = add_many(config, items)
    assert [o.error for o in outcomes] == [None] * 4
    return config


CORPORA = ["japan_config", "many"]


def exported(config: Config) -> list[dict[str, Any]]:
    result = run(config, "export")
    assert result.exit_code == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def from_export(records: list[dict[str, Any]], stated: bool = False) -> dict[str, list[int]]:
    """Each document's passages per objective 1-23, counted from `export`'s records."""
    counts: dict[str, list[int]] = {}
    for record in records:
        row = counts.setdefault(record["doc"], [0] * 23)
        if stated and record["objective_source"] not in STATED_SOURCES:
            continue
        for n in set(record["objectives"]):
            row[n - 1] += 1
    return counts


def json_of(config: Config, *args: str) -> dict[str, Any]:
    result = run(config, "coverage", "--format", "json", *args)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize("corpus", CORPORA)
@pytest.mark.parametrize("stated", [False, True])
def test_counts_equal_the_export(corpus: str, stated: bool,
                                 request: pytest.FixtureRequest) -> None:
    config = request.getfixturevalue(corpus)
    records = exported(config)
    expected = from_export(records, stated)
    data = json_of(config, *(["--stated-only"] if stated else []))
    got = {r["doc"]: [r["counts"][str(n)] for n in ALL] for r in data["rows"]}
    assert got == expected
    for row in data["rows"]:
        mine = [r for r in records if r["doc"] == row["doc"]]
        tagged = [r for r in mine if r["objectives"] and
                  (not stated or r["objective_source"] in STATED_SOURCES)]
        assert (row["total"], row["passages"]) == (len(tagged), len(mine))
    assert [data["totals"]["counts"][str(n)] for n in ALL] == [
        sum(row[n - 1] for row in expected.values()) for n in ALL]
    assert data["totals"]["passages"] == len(records)
    assert any(data["totals"]["counts"].values())  # something was counted


def test_the_corpus_of_many_documents(many: Config) -> None:
    data = json_of(many)
    assert [(r["doc"], r["party"], r["country"], r["scope"], r["cycle"]) for r in data["rows"]] == [
        ("japan-2022", "Japan", "Japan", "national", "IMRF 2022"),
        ("japan-2024", "Japan", "Japan", "national", "IMRF 2026"),
        ("kenya-2022", "Kenya", "Kenya", "national", None),
        ("mexico-2022", "Mexico", "Mexico", "national", None),
        ("morocco-2022", "Morocco", "Morocco", "national", None),
        ("asia-and-the-pacific-2021", "Asia and the Pacific", None, "regional", None),
        ("united-nations-general-assembly-2018", "United Nations General Assembly", None,
         "global", None)]
    assert {r["doc"]: r["counts"]["10"] for r in data["rows"]} == {
        "japan-2022": 6, "japan-2024": 1, "kenya-2022": 1, "mexico-2022": 2, "morocco-2022": 7,
        "asia-and-the-pacific-2021": 1, "united-nations-general-assembly-2018": 2}


def test_filters_choose_rows_and_columns(many: Config) -> None:
    def docs(*args: str) -> list[str]:
        return [r["doc"] for r in json_of(many, *args)["rows"]]

    assert docs("--country", "jpn") == ["japan-2022", "japan-2024"]
    assert docs("-c", "Japan", "-y", "2024") == ["japan-2024"]
    assert docs("--country", "Kenya", "--country", "MEX") == ["kenya-2022", "mexico-2022"]
    assert docs("--year", "2021") == ["asia-and-the-pacific-2021"]
    assert docs("--cycle", "imrf 2026") == ["japan-2024"]
    data = json_of(many, "--cluster", "3", "--country", "Morocco")
    assert [o["number"] for o in data["objectives"]] == list(gcm.cluster(3).objectives)
    assert data["filters"] == {"cluster": ["3"], "country": ["Morocco"]}
    assert list(data["rows"][0]["counts"]) == [str(n) for n in gcm.cluster(3).objectives]


@pytest.mark.parametrize(("args", "message"), [
    (["--cluster", "9"], "there is no review cluster 9"),
    (["--cluster", "two"], "cluster 'two' is not a number"),
    (["--country", "Atlantis"], "no review from 'Atlantis' in the index"),
    (["--year", "1999"], "no review from year '1999' in the index"),
    (["--cycle", "IMRF 2030"], "no review of cycle 'IMRF 2030' in the index"),
    (["--format", "pdf"], "Invalid value for '-f' / '--format'"),
])
def test_bad_filters_are_one_line_errors(japan_config: Config, args: list[str],
                                         message: str) -> None:
    result = run(japan_config, "coverage", *args)
    assert result.exit_code == 2
    assert message in one_line_error(result)


def sheet_rows(table_rows: list[list[Any]]) -> list[list[str]]:
    """Rows as text, as a CSV reader gives them (None and numbers made text)."""
    return [["" if c is None else str(c) for c in row] for row in table_rows]


def expected_rows(data: dict[str, Any]) -> list[list[str]]:
    """The sheet's rows as the JSON says them."""
    numbers = [o["number"] for o in data["objectives"]]
    rows = [[r["doc"], r["party"], r["country"], r["iso3"], r["scope"], r["year"], r["cycle"],
             *(r["counts"][str(n)] for n in numbers), r["total"], r["passages"]]
            for r in data["rows"]]
    totals = data["totals"]
    rows.append(["Total", *[None] * 6, *(totals["counts"][str(n)] for n in numbers),
                 totals["total"], totals["passages"]])
    return sheet_rows(rows)


def read_csv(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def read_xlsx(data: bytes) -> tuple[list[list[str]], list[list[str]]]:
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["Coverage", "Objectives"]
    matrix, legend = (sheet_rows([list(r) for r in book[name].iter_rows(values_only=True)])
                      for name in book.sheetnames)
    return matrix, legend


# The same matrices asked of the command and of the web.
ASKED = [([], ""), (["--stated-only", "--cluster", "2"], "stated=1&cluster=2"),
         (["--country", "Japan", "--cycle", "IMRF 2026"], "country=Japan&cycle=IMRF+2026")]


@pytest.mark.parametrize("args", [args for args, _ in ASKED])
def test_csv_and_excel_read_back_to_the_matrix(many: Config, args: list[str],
                                               tmp_path: Path) -> None:
    data = json_of(many, *args)
    numbers = [o["number"] for o in data["objectives"]]
    header = ["Document", "Party", "Country", "ISO3", "Scope", "Year", "Cycle",
              *(f"{n} {gcm.objective(n).short}" for n in numbers), "Total", "Passages"]
    as_csv = run(many, "coverage", "--format", "csv", *args)
    assert as_csv.exit_code == 0, as_csv.stderr
    assert read_csv(as_csv.stdout_bytes) == [header, *expected_rows(data)]
    out = tmp_path / "coverage.xlsx"
    as_xlsx = run(many, "coverage", "--format", "xlsx", "--output", str(out), *args)
    assert as_xlsx.exit_code == 0 and as_xlsx.stdout == ""
    matrix, legend = read_xlsx(out.read_bytes())
    assert matrix == [header, *expected_rows(data)]
    assert legend == [["Objective", "Short name", "Title", "Cluster"],
                      *([str(n), o.short, o.title, str(o.cluster)]
                        for n in numbers for o in (gcm.objective(n),))]


def test_the_terminal_table(many: Config, tmp_path: Path) -> None:
    result = run(many, "coverage")
    assert result.exit_code == 0, result.stderr
    data = json_of(many)
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["Review", *map(str, ALL), "Total"]
    for line, row in zip(lines[1:], data["rows"], strict=False):
        words = line.split()
        counts = [int(w) if w != ZERO else 0 for w in words[-24:-1]]
        assert (counts, int(words[-1])) == ([row["counts"][str(n)] for n in ALL], row["total"])
    assert lines[1].startswith("Japan 2022") and lines[2].startswith("Japan 2024")
    assert lines[6].startswith("Asia and the Pacific 2021…")  # cut to the label's width
    total = lines[len(data["rows"]) + 1].split()
    assert total == ["Total", *(str(data["totals"]["counts"][str(n)]) for n in ALL),
                     str(data["totals"]["total"])]
    assert "23 International cooperation" in result.stdout
    assert "stated and inferred tags" in result.stdout
    assert "(stated and inferred" not in run(many, "coverage", "--stated-only").stdout
    out = tmp_path / "coverage.txt"
    assert run(many, "coverage", "--output", str(out)).stdout == ""
    assert out.read_text(encoding="utf-8") == result.stdout


# ---- the web ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def client(many: Config) -> FlaskClient:
    return create_app(many).test_client()


def page(client: FlaskClient, url: str) -> BeautifulSoup:
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def params(href: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(href).query)


@pytest.mark.parametrize("query", ["", "?stated=1", "?cluster=2&country=Japan"])
def test_the_heat_map_is_the_matrix_with_links(client: FlaskClient, many: Config,
                                               query: str) -> None:
    args = {"": [], "?stated=1": ["--stated-only"],
            "?cluster=2&country=Japan": ["--cluster", "2", "--country", "Japan"]}[query]
    data = json_of(many, *args)
    soup = page(client, "/coverage" + query)
    table = soup.select_one(".heat-scroll > table.heat")
    assert isinstance(table, Tag)
    assert table.caption is not None and "Passages per objective" in table.caption.text
    numbers = [o["number"] for o in data["objectives"]]
    heads = table.select("thead th")
    assert all(th["scope"] == "col" for th in heads)
    assert [th.text.split(maxsplit=1) for th in heads[1:-2]] == [
        [str(n), gcm.objective(n).short] for n in numbers]
    assert [th.abbr["title"] for th in heads[1:-2] if th.abbr] == [  # type: ignore[index]
        gcm.objective(n).title for n in numbers]
    rows = table.select("tbody tr")
    assert len(rows) == len(data["rows"])
    stated = {"stated": ["1"]} if "stated" in query else {}
    for tr, row in zip(rows, data["rows"], strict=True):
        th = tr.find("th")
        assert isinstance(th, Tag) and th["scope"] == "row" and row["party"] in th.text
        tds = tr.find_all("td")
        assert [int(td.text) for td in tds] == [
            *(row["counts"][str(n)] for n in numbers), row["total"], row["passages"]]
        where = {"country": [row["country"]]} if row["country"] else {"scope": [row["scope"]]}
        for n, td in zip(numbers, tds, strict=False):
            link = td.find("a")
            if row["counts"][str(n)] == 0:
                assert link is None and td["class"] == ["heat-0"]
                continue
            assert isinstance(link, Tag) and td["class"] != ["heat-0"]
            assert params(str(link["href"])) == {"objective": [str(n)], **where,
                                                 "year": [str(row["year"])], **stated}
            # The link's search finds the cell's passages (one document per country and year).
            found = client.get("/api/search?" + urlsplit(str(link["href"])).query).get_json()
            assert found["total"] == row["counts"][str(n)]
    foot = table.select("tfoot td")
    assert [int(td.text) for td in foot] == [
        *(data["totals"]["counts"][str(n)] for n in numbers), data["totals"]["total"],
        data["totals"]["passages"]]
    legend = soup.select(".heat-legend li .swatch")
    assert [s["class"][1] for s in legend] == [f"heat-{k}" for k in range(len(legend))]
    assert legend[0].text == "0" and legend[-1].text.endswith(str(max(
        c for r in data["rows"] for c in r["counts"].values())))
    downloads = {a.text: str(a["href"]) for a in soup.select(".summary-line a")}
    for name, path in (("CSV", "/coverage.csv"), ("Excel", "/coverage.xlsx"),
                       ("JSON", "/api/coverage")):
        assert urlsplit(downloads[name]).path == path
        assert params(downloads[name]) == {**params(query), **stated}


@pytest.mark.parametrize(("args", "query"), ASKED)
def test_downloads_and_api_are_the_commands(client: FlaskClient, many: Config,
                                            args: list[str], query: str) -> None:
    assert client.get(f"/api/coverage?{query}").get_json() == json_of(many, *args)
    as_csv = client.get(f"/coverage.csv?{query}")
    assert as_csv.status_code == 200 and as_csv.mimetype == "text/csv"
    assert as_csv.headers["Content-Disposition"].startswith('attachment; filename="gcm-coverage')
    assert read_csv(as_csv.data) == read_csv(run(many, "coverage", "-f", "csv", *args)
                                             .stdout_bytes)
    as_xlsx = client.get(f"/coverage.xlsx?{query}")
    assert as_xlsx.headers["Content-Disposition"].endswith('.xlsx"')
    assert read_xlsx(as_xlsx.data)[0] == read_csv(as_csv.data)


def test_download_names_say_what_they_hold(client: FlaskClient) -> None:
    response = client.get("/coverage.csv?stated=1&cluster=2&country=jpn&year=2024")
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="gcm-coverage-stated-cluster-2-country-Japan-year-2024.csv"')


@pytest.mark.parametrize(("query", "message"), [
    ("cluster=9", "there is no review cluster 9"),
    ("country=Atlantis", "no review from 'Atlantis' in the index"),
    ("cycle=IMRF+2030", "no review of cycle 'IMRF 2030' in the index"),
    ("stated=maybe", "stated must be 1 or 0"),
])
def test_bad_filters_on_the_web(client: FlaskClient, query: str, message: str) -> None:
    api = client.get(f"/api/coverage?{query}")
    assert api.status_code == 400 and api.get_json()["error"]["message"] == message
    for url in (f"/coverage?{query}", f"/coverage.csv?{query}"):
        response = client.get(url)
        shown = BeautifulSoup(response.get_data(as_text=True), "html.parser").text
        assert response.status_code == 400 and message in shown
        assert "Content-Disposition" not in response.headers


def test_the_form_keeps_the_filters_it_does_not_show(client: FlaskClient) -> None:
    soup = page(client, "/coverage?cluster=3&stated=1&country=jpn&cycle=imrf+2022")
    form = soup.select_one("form.coverage-form")
    assert isinstance(form, Tag) and form["method"] == "get"
    assert form.select_one("option[selected]")["value"] == "3"  # type: ignore[index]
    assert form.select_one("#stated").has_attr("checked")  # type: ignore[union-attr]
    assert {(i["name"], i["value"]) for i in form.select("input[type=hidden]")} == {
        ("country", "Japan"), ("cycle", "IMRF 2022")}
    assert [r.th.a.text for r in soup.select("table.heat tbody tr")] == ["Japan"]  # type: ignore[union-attr]


def test_every_page_links_to_the_coverage(client: FlaskClient) -> None:
    nav = page(client, "/").select_one("header.site nav")
    assert nav is not None and nav.find("a", string="Coverage")["href"] == "/coverage"  # type: ignore[index]

