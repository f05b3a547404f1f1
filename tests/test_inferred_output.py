"""Inferred objectives through the build, the CLI and the web: shown with their confidence and
evidence, found by `--objective`, left out by `--stated-only` / `stated=1`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner, Result
from flask.testing import FlaskClient

from search.cli import main
from search.config import Config
from search.index import build
from search.web import create_app

REVIEW = (
    "Voluntary GCM review by Atlantis\n\n"
    # A cluster title without its "(GCM Objectives: …)" list: the section is cluster 3 anyway.
    "3 Supporting the integration of migrants and their contribution to development\n\n"
    "a) Progress\n\n"
    "The government worked with banks and postal operators to lower the cost of sending money "
    "home: migrants can now open a bank account with a residence card, and remittance fees to "
    "the main corridors fell by a third after the money transfer market was opened to new "
    "providers.\n\n"
    "As for the objective 16, language classes for newcomers were offered in every town hall, "
    "with volunteers from the local community.\n"
)
INFERRED = "atlantis-2024:3a.1"
STATED = "atlantis-2024:3a.2"


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> Config:
    base = tmp_path_factory.mktemp("inferred")
    corpus = base / "corpus"
    corpus.mkdir()
    document = {"id": "atlantis-2024", "file": "review.txt", "country": "Atlantis",
                "title": "Voluntary GCM review by Atlantis", "iso3": "ATL", "year": 2024,
                "author": "Government of Atlantis", "cycle": "IMRF 2026", "language": "en"}
    (corpus / "catalog.json").write_text(json.dumps({"documents": [document]}), encoding="utf-8")
    (corpus / "review.txt").write_text(REVIEW, encoding="utf-8")
    config = Config(corpus, base / "index")
    build(config)
    return config


def cli(config: Config, *args: str) -> Result:
    return CliRunner().invoke(main, [*args, "--corpus", str(config.corpus),
                                     "--index-dir", str(config.index)])


@pytest.fixture(scope="module")
def client(config: Config) -> FlaskClient:
    return create_app(config).test_client()


def api(client: FlaskClient, url: str, status: int = 200) -> Any:
    response = client.get(url)
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_json()


def test_objective_filter_includes_inferred_tags(config: Config) -> None:
    result = cli(config, "search", "--objective", "20")
    assert result.exit_code == 0, result.output
    assert INFERRED in result.stdout and STATED not in result.stdout
    assert "Objectives: 20 - Remittances (inferred, " in result.stdout
    assert "% confident: terms: remittance" in result.stdout
    assert "nearest description: 20 - Remittances" in result.stdout


def test_stated_only_leaves_inferred_tags_out(config: Config) -> None:
    result = cli(config, "search", "--objective", "20", "--stated-only")
    assert result.exit_code == 1 and result.stdout.startswith("0 passages")
    assert "(stated tags only)" in result.stdout
    result = cli(config, "search", "--objective", "16", "--stated-only")
    assert result.exit_code == 0 and STATED in result.stdout and INFERRED not in result.stdout
    assert "Objectives: 16 - Inclusion (explicit)" in result.stdout


def test_stated_only_without_an_objective_is_a_one_line_error(config: Config) -> None:
    result = cli(config, "search", "banks", "--stated-only")
    assert result.exit_code == 2
    assert "--stated-only applies to an objective filter" in result.stderr
    assert "Traceback" not in result.output


def test_facets_count_every_tag(config: Config) -> None:
    data = json.loads(cli(config, "search", "--objective", "16", "--stated-only",
                          "--json").stdout)
    assert data["filters"] == {"objective": ["16"], "stated": ["1"]}
    assert data["total"] == 1 and data["facets"]["objective"] == {"16": 1}


def test_json_and_show_carry_the_confidence_and_evidence(config: Config) -> None:
    data = json.loads(cli(config, "search", "--objective", "20", "--json").stdout)
    (hit,) = data["results"]
    assert hit["objective_source"] == "inferred" and hit["objectives"] == [20]
    assert 0.5 <= hit["objective_confidence"] <= 1
    assert "remittance" in hit["objective_note"]
    shown = json.loads(cli(config, "show", INFERRED, "--json").stdout)
    record = shown.get("passage", shown)
    assert record["objective_confidence"] == hit["objective_confidence"]
    text = cli(config, "show", INFERRED).stdout
    assert "Objectives: 20 - Remittances (inferred, " in text and "confident" in text
    stated = json.loads(cli(config, "show", STATED, "--json").stdout)
    assert stated.get("passage", stated)["objective_confidence"] is None


def test_web_shows_inferred_tags_and_filters_stated_ones(client: FlaskClient) -> None:
    soup = BeautifulSoup(client.get("/?objective=20").get_data(as_text=True), "html.parser")
    (hit,) = soup.select("article.hit")
    assert "inferred, " in hit.select_one(".source").get_text()
    assert "confident" in hit.select_one(".source").get_text()
    soup = BeautifulSoup(client.get("/?objective=20&stated=1").get_data(as_text=True),
                         "html.parser")
    assert not soup.select("article.hit")
    assert soup.select_one('input[name="stated"]').has_attr("checked")
    page = BeautifulSoup(client.get(f"/p/{INFERRED}").get_data(as_text=True), "html.parser")
    assert "confident" in page.select_one(".source").get_text()


def test_api_stated_parameter(client: FlaskClient) -> None:
    assert api(client, "/api/search?objective=20")["total"] == 1
    assert api(client, "/api/search?objective=20&stated=1")["total"] == 0
    assert api(client, "/api/search?objective=16&stated=1")["total"] == 1
    error = api(client, "/api/search?objective=20&stated=maybe", 400)
    assert error["error"]["message"] == "stated must be 1 or 0"
    passage = api(client, f"/api/passages/{INFERRED}")
    assert passage["objective_source"] == "inferred" and passage["objective_confidence"] > 0.5


def test_the_review_file_is_untouched(config: Config) -> None:
    assert (Path(config.corpus) / "review.txt").read_text(encoding="utf-8") == REVIEW


def test_compare_includes_inferred_tags_unless_stated_only(config: Config) -> None:
    both = cli(config, "compare", "--objective", "20")
    assert both.exit_code == 0 and INFERRED in both.stdout
    stated = cli(config, "compare", "--objective", "20", "--stated-only")
    assert stated.exit_code == 1 and INFERRED not in stated.stdout
    assert "(stated tags only)" in stated.stdout.splitlines()[0]
    data = json.loads(cli(config, "compare", "--objective", "16", "--stated-only",
                          "--json").stdout)
    assert data["stated_only"] is True and data["total"] == 1
    assert [r["id"] for c in data["countries"] for r in c["results"]] == [STATED]


def test_the_compare_page_and_api_honour_stated(client: FlaskClient) -> None:
    assert api(client, "/api/compare/20")["total"] == 1
    assert api(client, "/api/compare/20?stated=1")["total"] == 0
    page = BeautifulSoup(client.get("/objectives/20?stated=1").get_data(as_text=True),
                         "html.parser")
    assert page.select_one("input#stated[checked]") is not None
    assert INFERRED not in page.get_text()
    links = [a["href"] for a in page.select("a[href]")]
    assert any("stated=1" in h and "/api/compare/20" in h for h in links)
    everything = client.get("/objectives/20").get_data(as_text=True)
    assert INFERRED in everything
