"""Many at once (issue 14): `gcm-search add PATH...` and `--manifest FILE.csv` read files in
parallel, add everything readable in one index update, skip what the corpus has already, report
one line per file, and add nothing by halves; `--dry-run` shows what would be added; `--replace`
re-reads a changed file under the same id."""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from test_languages import ES_REVIEW, FR_REVIEW

from search import collection
from search.catalog import load_catalog
from search.cli import main
from search.collection import add_many
from search.config import CORPUS_ENV, INDEX_ENV, Config
from search.gather import Given, from_manifest, from_paths, read_all
from search.index import open_index
from search.query import Filters
from search.results import Request, all_passages, search

KENYA = """Voluntary GCM review by Kenya 2022

1. Progress

Kenya set up a labour migration unit that places migrant workers abroad under fair contracts.

The unit also trains recruitment agencies on the rights of migrant workers.
"""
GHANA = """Voluntary GCM review by Ghana 2021

1. Progress

Ghana's diaspora affairs office helps returnees reintegrate into the labour market.
"""


def write(folder: Path, name: str, content: str | bytes) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    return path


def run(config: Config, *args: str) -> Result:
    env = {CORPUS_ENV: str(config.corpus), INDEX_ENV: str(config.index), "COLUMNS": "100"}
    return CliRunner().invoke(main, list(args), env=env)


def state(folder: Path) -> dict[str, str]:
    """Every file under `folder` and a digest of its bytes (empty if there is no folder)."""
    if not folder.exists():
        return {}
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def empty(tmp_path: Path) -> Config:
    """A corpus of one's own that does not exist yet."""
    return Config(corpus=tmp_path / "reviews", index=tmp_path / "index")


@pytest.fixture
def incoming(tmp_path: Path) -> Path:
    """A folder of reviews as a researcher gathers them: nested, mixed with other files."""
    folder = tmp_path / "incoming"
    write(folder, "kenya.txt", KENYA)
    write(folder, "north-africa/maroc.txt", FR_REVIEW)
    write(folder, "north-africa/notes.odt", b"not a review")  # other types are not taken
    write(folder, ".hidden/ghana.txt", GHANA)  # hidden folders neither
    write(folder, "americas/mexico.html",
          "<html><head><title>x</title></head><body><h1>Informe nacional de México 2022</h1>"
          + "".join(f"<p>{line}</p>" for line in ES_REVIEW.splitlines()[2:] if line) +
          "</body></html>")
    return folder


# ---- gathering ---------------------------------------------------------------------------------

def test_folders_are_walked_by_extension_sorted_and_without_hidden_files(
        incoming: Path) -> None:
    items = from_paths([str(incoming)], Given())
    assert [Path(i.name).relative_to(incoming).as_posix() for i in items] == [
        "kenya.txt", "americas/mexico.html", "north-africa/maroc.txt"]
    assert all(not i.problem for i in items)


def test_the_same_file_named_twice_is_one_item(incoming: Path) -> None:
    kenya = str(incoming / "kenya.txt")
    assert [i.name for i in from_paths([kenya, str(incoming), kenya], Given())].count(kenya) == 1


def test_reading_in_parallel_gives_what_reading_in_turn_gives(incoming: Path) -> None:
    paths = [(i.path, "") for i in from_paths([str(incoming)], Given()) if i.path]
    paths.append((incoming / "north-africa/notes.odt", ""))
    seen: list[tuple[int, int]] = []
    alone = read_all(paths, jobs=1)
    together = read_all(paths, jobs=2, progress=lambda done, total: seen.append((done, total)))
    def shown(results: list[object]) -> list[tuple[str, object]]:
        return [(type(r).__name__, r if type(r).__name__ == "Read" else str(r)) for r in results]

    assert shown(together) == shown(alone)
    assert [type(r).__name__ for r in together] == ["Read", "Read", "Read", "CorpusError"]
    assert seen == [(n, 4) for n in range(1, 5)]  # the progress bar sees every file


# ---- adding many -------------------------------------------------------------------------------

def test_a_folder_into_a_missing_corpus_in_one_update(empty: Config, incoming: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    updates: list[list[str]] = []
    real = collection.update

    def counted(config: Config, **kwargs: object) -> object:
        updates.append(list(kwargs["added"]))  # type: ignore[call-overload]
        return real(config, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(collection, "update", counted)
    outcomes, manifest = add_many(empty, from_paths([str(incoming)], Given()), jobs=2)
    assert [(o.status, o.document.id if o.document else None) for o in outcomes] == [
        ("added", "kenya-2022"), ("added", "mexico-2022"), ("added", "morocco-2022")]
    assert updates == [["kenya-2022", "mexico-2022", "morocco-2022"]]
    assert manifest is not None and len(manifest.documents) == 3
    assert [d.id for d in load_catalog(empty.corpus)] == ["kenya-2022", "mexico-2022",
                                                          "morocco-2022"]
    found = search(open_index(empty, build_if_needed=False),
                   Request("labour migration", Filters(countries=("Kenya",)), mode="words"))
    assert found.hits[0].passage.id == "kenya-2022:1.1"


def test_one_bad_file_does_not_stop_the_others(empty: Config, tmp_path: Path) -> None:
    files = [write(tmp_path, "kenya.txt", KENYA), write(tmp_path, "junk.txt", bytes(range(256))),
             write(tmp_path, "undated.txt", "Rapport du Maroc\n\nUn paragraphe.\n"),
             write(tmp_path, "ghana.txt", GHANA)]
    result = run(empty, "add", *map(str, files), str(tmp_path / "missing.pdf"))
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "Added kenya-2022: Voluntary GCM review by Kenya 2022 (Kenya, 2022, en), 2 passages.",
        "Added ghana-2021: Voluntary GCM review by Ghana 2021 (Ghana, 2021, en), 1 passage.",
        "Added 2 of 5 files (3 failed).",
        "The index now holds 3 passages from 2 documents."]
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error: ")]
    assert errors == [
        "Error: junk.txt: not a text file (binary data)",
        "Error: cannot tell the year of undated.txt from its title 'Rapport du Maroc' "
        "(pass --year)",
        "Error: missing.pdf: no such file"]
    assert "Traceback" not in result.stderr


def test_same_bytes_are_skipped_and_named(empty: Config, tmp_path: Path) -> None:
    kenya = write(tmp_path, "kenya.txt", KENYA)
    copy = write(tmp_path, "copy-of-kenya.txt", KENYA)
    first = run(empty, "add", str(kenya), str(copy))
    assert first.exit_code == 0, first.stderr
    assert first.stdout.splitlines()[1] == (
        "Skipped copy-of-kenya.txt: the same bytes as kenya-2022, already in the corpus.")
    before = state(empty.corpus)
    again = run(empty, "add", str(kenya), "--json")
    assert again.exit_code == 0
    data = json.loads(again.stdout)
    assert [(f["status"], f["id"]) for f in data["files"]] == [("skipped", "kenya-2022")]
    assert data["index"] is None and state(empty.corpus) == before


def test_nothing_is_half_added(empty: Config, tmp_path: Path,
                               monkeypatch: pytest.MonkeyPatch) -> None:
    """An index update that fails puts the catalog and the folder back: no review of the batch
    is left in either, and running the command again adds them all (not as name-2)."""
    run(empty, "add", str(write(tmp_path, "ghana.txt", GHANA)))
    before = state(empty.corpus)
    files = [str(write(tmp_path, "kenya.txt", KENYA)), str(write(tmp_path, "maroc.txt", FR_REVIEW))]

    def broken(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(collection, "update", broken)
    failed = run(empty, "add", *files)
    assert failed.exit_code == 1 and "No space left on device" in failed.stderr
    assert state(empty.corpus) == before
    monkeypatch.undo()
    again = run(empty, "add", *files)
    assert again.exit_code == 0, again.stderr
    assert [d.id for d in load_catalog(empty.corpus)] == ["ghana-2021", "kenya-2022",
                                                          "morocco-2022"]


def test_dry_run_shows_what_would_be_added_and_writes_nothing(empty: Config,
                                                               incoming: Path) -> None:
    result = run(empty, "add", str(incoming), "--dry-run", "--cycle", "IMRF 2022")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines() == [
        "Would add kenya-2022: Voluntary GCM review by Kenya 2022 (Kenya, 2022, en), 2 passages.",
        "Would add mexico-2022: Informe nacional de México 2022 (Mexico, 2022, es), 4 passages.",
        "Would add morocco-2022: Examen volontaire du PMM par le Maroc 2022 (Morocco, 2022, fr), "
        "11 passages.",
        "Would add 3 of 3 files."]
    assert not empty.corpus.exists() and not empty.index.exists()
    data = json.loads(run(empty, "add", str(incoming), "--dry-run", "--json").stdout)
    assert data["dry_run"] is True and data["index"] is None
    assert data["files"][2]["document"] == {
        "id": "morocco-2022", "file": "morocco-2022.txt",
        "title": "Examen volontaire du PMM par le Maroc 2022", "country": "Morocco",
        "iso3": "MAR", "year": 2022, "author": "Government of Morocco", "cycle": "",
        "language": "fr", "url": "", "accessed": "", "scope": "national", "region": "",
        "ocr_pages": []}


def test_one_id_or_title_for_many_files_is_a_usage_error(empty: Config, incoming: Path) -> None:
    result = run(empty, "add", str(incoming), "--id", "x")
    assert result.exit_code == 2
    assert "--id names one document, and 3 files were given" in result.stderr
    assert run(empty, "add").exit_code == 2


# ---- the manifest ------------------------------------------------------------------------------

def test_a_manifest_gives_each_row_its_metadata(empty: Config, incoming: Path) -> None:
    write(incoming, "reviews.csv",
          "\ufefffile;country;year;title;cycle;author\n"  # Excel: a BOM, semicolons
          "kenya.txt;;;;;\n"
          "north-africa/maroc.txt;Morocco;2023;Examen 2023;IMRF 2026;Royaume du Maroc\n"
          "\n"
          "americas/mexico.html;;twenty;;;\n"
          "missing.pdf;;;;;\n"
          "kenya.txt;Uganda;;;;\n")
    result = run(empty, "add", "--manifest", str(incoming / "reviews.csv"), "--cycle",
                 "IMRF 2022", "--json")
    assert result.exit_code == 1
    files = json.loads(result.stdout)["files"]
    assert [(f["name"], f["status"]) for f in files] == [
        ("reviews.csv row 2 (kenya.txt)", "added"),
        ("reviews.csv row 3 (north-africa/maroc.txt)", "added"),
        ("reviews.csv row 5", "failed"),
        ("reviews.csv row 6 (missing.pdf)", "failed"),
        ("reviews.csv row 7 (kenya.txt)", "skipped")]
    assert files[2]["reason"] == "reviews.csv row 5: year 'twenty' is not a number"
    assert files[3]["reason"] == "reviews.csv row 6 (missing.pdf): no such file"
    kenya, maroc = load_catalog(empty.corpus)
    assert (kenya.cycle, maroc.cycle) == ("IMRF 2022", "IMRF 2026")  # the row wins
    assert (maroc.id, maroc.year, maroc.title, maroc.author) == (
        "morocco-2023", 2023, "Examen 2023", "Royaume du Maroc")


@pytest.mark.parametrize(("csv", "error"), [
    ("file,contry\nkenya.txt,Kenya\n",
     "Error: reviews.csv: unknown column 'contry' (columns: file, url, country, year, title, "
     "language, cycle, author, scope, region, id)"),
    ("country,year\nKenya,2022\n",
     "Error: reviews.csv: no file column (name each review in a column `file`)"),
    ("", "Error: reviews.csv: the manifest is empty (a header row first: file, url, country, "
     "year, title, language, cycle, author, scope, region, id)"),
    ("file,file\nkenya.txt,kenya.txt\n", "Error: reviews.csv: column 'file' appears twice"),
])
def test_a_bad_manifest_header_refuses_the_whole_manifest(empty: Config, incoming: Path,
                                                          csv: str, error: str) -> None:
    write(incoming, "reviews.csv", csv)
    result = run(empty, "add", "--manifest", str(incoming / "reviews.csv"))
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [error] and result.stdout == ""
    assert not empty.corpus.exists()


@pytest.mark.parametrize(("row", "reason"), [
    ("kenya.txt,1800,,", "reviews.csv row 2: year 1800 is not between 1990 and 2100"),
    ("kenya.txt,,de,", "reviews.csv row 2: language 'de' is not one of en, fr, es"),
    ("kenya.txt,,,local", "reviews.csv row 2: scope 'local' is not one of national, regional, "
                          "global, stakeholder"),
    ("kenya.txt,,,,extra", "reviews.csv row 2: more cells than the header has columns"),
    (",2022,,", "reviews.csv row 2: no file and no url"),
])
def test_a_bad_row_fails_alone(empty: Config, incoming: Path, row: str, reason: str) -> None:
    write(incoming, "reviews.csv", f"file,year,language,scope\n{row}\n")
    (item,) = from_manifest(incoming / "reviews.csv", Given())
    assert item.problem == reason


# ---- scope: documents that are not a country's --------------------------------------------------

COMPACT = """Global Compact for Safe, Orderly and Regular Migration 2018

1. Objectives

Objective 10: Prevent, combat and eradicate trafficking in persons.

We commit to prevent, combat and eradicate trafficking in persons by strengthening legislation.
"""
REGIONAL = """Regional review of the Global Compact in Asia and the Pacific 2021

1. Progress

Objective 10: Governments of the region adopted plans against trafficking in persons.
"""


@pytest.fixture
def scoped(empty: Config, tmp_path: Path) -> Config:
    for args in (
        [str(write(tmp_path, "kenya.txt", KENYA + "\nObjective 10: trafficking in persons is "
                                                  "prosecuted.\n"))],
        [str(write(tmp_path, "gcm.txt", COMPACT)), "--scope", "global", "--author",
         "United Nations General Assembly"],
        [str(write(tmp_path, "asia.txt", REGIONAL)), "--scope", "regional", "--region",
         "Asia and the Pacific", "--author", "ESCAP"],
    ):
        result = run(empty, "add", *args)
        assert result.exit_code == 0, result.stderr
    return empty


def test_documents_without_a_country(scoped: Config) -> None:
    catalog = {d.id: d for d in load_catalog(scoped.corpus)}
    assert sorted(catalog) == ["asia-and-the-pacific-2021", "kenya-2022",
                               "united-nations-general-assembly-2018"]
    compact = catalog["united-nations-general-assembly-2018"]
    assert (compact.scope, compact.country, compact.party, compact.author) == (
        "global", "", "United Nations General Assembly", "United Nations General Assembly")
    asia = catalog["asia-and-the-pacific-2021"]
    assert (asia.scope, asia.region, asia.party) == ("regional", "Asia and the Pacific",
                                                     "Asia and the Pacific")
    raw = json.loads((scoped.corpus / "catalog.json").read_text(encoding="utf-8"))
    assert "scope" not in raw["documents"][0] and raw["documents"][1]["scope"] == "global"


def test_scope_is_a_facet_and_a_filter(scoped: Config) -> None:
    data = json.loads(run(scoped, "search", "trafficking", "--mode", "words", "--json").stdout)
    assert data["facets"]["scope"] == {"global": 2, "national": 1, "regional": 1}
    assert data["facets"]["country"] == {"Kenya": 1}  # documents without a country: none
    only = json.loads(run(scoped, "search", "trafficking", "--scope", "global", "--json",
                          "--mode", "words").stdout)
    assert {r["doc"] for r in only["results"]} == {"united-nations-general-assembly-2018"}
    bad = run(scoped, "search", "trafficking", "--scope", "local")
    assert bad.exit_code == 2 and "unknown scope 'local'" in bad.stderr


def test_compare_puts_what_was_promised_first(scoped: Config) -> None:
    data = json.loads(run(scoped, "compare", "-o", "10", "--json").stdout)
    assert [(c["label"], c["country"], c["scope"]) for c in data["countries"]] == [
        ("Global documents", None, "global"), ("Kenya", "Kenya", None),
        ("Regional reviews", None, "regional")]
    text = run(scoped, "compare", "-o", "10").stdout
    assert "from 1 country and global documents, regional reviews" in text.splitlines()[0]


def test_citations_of_documents_without_a_country(scoped: Config) -> None:
    opened = open_index(scoped, build_if_needed=False)
    passages = {p.doc: p for p in all_passages(opened)}
    cited = run(scoped, "cite", passages["asia-and-the-pacific-2021"].id).stdout
    assert "” ESCAP, Regional review of the Global Compact in Asia and the Pacific 2021 (2021), " \
        "section 1, para. 1 [asia-and-the-pacific-2021:1.1]" in cited
    assert "()" not in cited


@pytest.mark.parametrize(("options", "error"), [
    (["--scope", "regional", "--author", "ESCAP"],
     "Error: asia.txt: a regional document needs --region (e.g. --region \"Asia and the "
     "Pacific\")"),
    (["--scope", "global"], "Error: asia.txt: a global document needs --author"),
    ([], "Error: cannot tell the country of asia.txt from its title"),
])
def test_what_a_scope_needs_is_asked_for(empty: Config, tmp_path: Path, options: list[str],
                                         error: str) -> None:
    result = run(empty, "add", str(write(tmp_path, "asia.txt", REGIONAL)), *options)
    assert result.exit_code == 2
    assert result.stderr.startswith(error) and not empty.corpus.exists()


# ---- replace -----------------------------------------------------------------------------------

def test_replace_keeps_the_id_and_says_what_changed(empty: Config, tmp_path: Path) -> None:
    path = write(tmp_path, "kenya.txt", KENYA)
    assert run(empty, "add", str(path), "--cycle", "IMRF 2022").exit_code == 0
    changed = KENYA.replace("trains recruitment agencies", "licenses recruitment agencies")
    path.write_text(changed + "\nKenya also opened a migrant resource centre in Nairobi.\n",
                    encoding="utf-8")
    result = run(empty, "add", str(path), "--replace")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[0] == (
        "Replaced kenya-2022: Voluntary GCM review by Kenya 2022 (Kenya, 2022, en), 3 passages; "
        "passage ids: 1 unchanged, 1 with other text, 1 new, 0 gone.")
    (document,) = load_catalog(empty.corpus)
    assert (document.id, document.cycle, document.file) == ("kenya-2022", "IMRF 2022",
                                                            "kenya-2022.txt")
    data = json.loads(run(empty, "show", "kenya-2022:1.2", "--json").stdout)
    assert "licenses recruitment agencies" in data["passage"]["text"]
    found = json.loads(run(empty, "search", "Nairobi", "--mode", "words", "--json").stdout)
    assert found["total"] == 1
    same = run(empty, "add", str(path), "--replace")
    assert same.stdout.startswith("Skipped kenya.txt: unchanged, the same bytes as kenya-2022")


def test_replace_in_another_format_renames_the_file(empty: Config, tmp_path: Path) -> None:
    assert run(empty, "add", str(write(tmp_path, "kenya.txt", KENYA))).exit_code == 0
    html = "<h1>Voluntary GCM review by Kenya 2022</h1><h2>1. Progress</h2><p>New text.</p>"
    result = run(empty, "add", str(write(tmp_path, "kenya.html", html)), "--replace", "--json")
    assert result.exit_code == 0, result.stderr
    (file,) = json.loads(result.stdout)["files"]
    assert file["status"] == "replaced" and file["changes"] == {
        "changed": ["kenya-2022:1.1"], "new": [], "gone": ["kenya-2022:1.2"]}
    assert sorted(p.name for p in empty.corpus.iterdir()) == ["catalog.json", "kenya-2022.html"]


def test_without_replace_a_changed_file_is_a_new_document(empty: Config, tmp_path: Path) -> None:
    path = write(tmp_path, "kenya.txt", KENYA)
    run(empty, "add", str(path))
    path.write_text(KENYA + "\nMore.\n", encoding="utf-8")
    assert run(empty, "add", str(path)).stdout.startswith("Added kenya-2022-2: ")


def test_the_web_shows_scope_once_there_is_more_than_national(scoped: Config) -> None:
    from bs4 import BeautifulSoup

    from search.web import create_app

    client = create_app(scoped).test_client()
    soup = BeautifulSoup(client.get("/?q=trafficking&mode=words").data, "html.parser")
    scope_links = [a.get_text(" ", strip=True) for a in soup.select("a[href*='scope=']")]
    assert scope_links == ["global", "national", "regional"]
    filtered = client.get("/api/search?q=trafficking&scope=regional&mode=words").get_json()
    assert {r["doc"] for r in filtered["results"]} == {"asia-and-the-pacific-2021"}
    document = client.get("/d/asia-and-the-pacific-2021").get_data(as_text=True)
    assert "ESCAP · Asia and the Pacific (regional) · 2021" in document
    compared = BeautifulSoup(client.get("/objectives/10").data, "html.parser")
    assert [h.get_text(" ", strip=True) for h in compared.select("section.country h2")] == [
        "Global documents 2", "Kenya 1", "Regional reviews 1"]
    assert "from 1 country and global documents, regional reviews" in compared.get_text(" ")


# ---- from the web ------------------------------------------------------------------------------

class _Reviews(BaseHTTPRequestHandler):
    """Reviews as a ministry's website serves them (on 127.0.0.1 only)."""

    def do_GET(self) -> None:
        if self.path == "/reviews/kenya":  # no extension, served as a download: bytes decide
            body, kind = KENYA.encode(), "application/octet-stream"
        elif self.path == "/old/kenya":
            self.send_response(301)
            self.send_header("Location", "/reviews/kenya")
            self.end_headers()
            return
        else:
            body, kind = b"not here", "text/plain"
            self.send_response(404)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def site(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    for name in ("http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Reviews)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_url_is_downloaded_kept_and_cited(empty: Config, site: str, tmp_path: Path) -> None:
    result = run(empty, "add", f"{site}/old/kenya", f"{site}/gone.pdf")
    assert result.exit_code == 1
    assert result.stdout.splitlines()[0] == (
        "Added kenya-2022: Voluntary GCM review by Kenya 2022 (Kenya, 2022, en), 2 passages.")
    assert f"Error: {site}/gone.pdf: the server answered 404 Not Found" in result.stderr
    (document,) = load_catalog(empty.corpus)
    assert document.url == f"{site}/old/kenya"  # the link the researcher found
    assert len(document.accessed) == 10 and document.accessed.startswith("20")
    assert document.file == "kenya-2022.txt"
    bibtex = run(empty, "cite", "kenya-2022:1.1", "--format", "bibtex").stdout
    assert f"url = {{{site}/old/kenya}}" in bibtex
    assert f"urldate = {{{document.accessed}}}" in bibtex
    text = run(empty, "cite", "kenya-2022:1.1").stdout
    assert f"Available at: {site}/old/kenya (accessed " in text
    assert not list(empty.corpus.glob(".*"))  # no partial download left behind


def test_a_manifest_row_may_name_a_url(empty: Config, site: str, tmp_path: Path) -> None:
    write(tmp_path, "reviews.csv", f"file,url,cycle\n,{site}/reviews/kenya,IMRF 2022\n")
    result = run(empty, "add", "--manifest", str(tmp_path / "reviews.csv"))
    assert result.exit_code == 0, result.stderr
    (document,) = load_catalog(empty.corpus)
    assert (document.url, document.cycle) == (f"{site}/reviews/kenya", "IMRF 2022")
