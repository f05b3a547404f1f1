"""Similar passages (search/meaning/similar.py): nearest by cosine, itself excluded, with the
search's filters; through the library, `gcm-search similar`, `/api/passages/<id>/similar` and the
list on `/p/<id>`."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner, Result
from flask.testing import FlaskClient
from test_collection import write
from test_languages import FR_REVIEW

from search.cli import main
from search.collection import Given, add
from search.config import Config
from search.errors import BadInput, NotFound
from search.index import OpenIndex, build, open_index
from search.meaning.similar import similar
from search.query import Filters
from search.render import hit_dict, similar_dict
from search.results import all_passages
from search.web import create_app

JP = "japan-2022"
REMITTANCES = f"{JP}:3b.3"


def cli(config: Config, *args: str) -> Result:
    where = ["--corpus", str(config.corpus), "--index-dir", str(config.index)]
    return CliRunner().invoke(main, [*args, *where])


def test_nearest_by_cosine_itself_excluded(japan_index: OpenIndex) -> None:
    found = similar(japan_index, REMITTANCES, limit=100)
    assert found.of.id == REMITTANCES
    ids = [h.passage.id for h in found.hits]
    assert REMITTANCES not in ids and len(ids) == len(set(ids)) > 5
    # The order is the cosines' order, computed here from the passages' own vectors.
    vectors = np.asarray(japan_index.vectors)
    with japan_index.searching() as searcher:
        number = {h.passage.id: searcher.document_number(id=h.passage.id) for h in found.hits}
        me = searcher.document_number(id=REMITTANCES)
    cosines = [float(vectors[number[i]] @ vectors[me]) for i in ids]
    assert cosines == sorted(cosines, reverse=True)
    assert [h.score for h in found.hits] == [round(c, 4) for c in cosines]
    assert all(h.match == "meaning" and not any(m for _, m in h.segments) for h in found.hits)


def test_filters_are_the_searchs(japan_index: OpenIndex) -> None:
    found = similar(japan_index, REMITTANCES, Filters(objectives=(10,)), limit=100)
    assert found.hits and all(10 in h.passage.objectives for h in found.hits)
    assert found.filters == {"objective": ["10"]}
    assert similar(japan_index, REMITTANCES, Filters(sections=("9",))).hits == ()


def test_only_one_review_means_no_other_documents(japan_index: OpenIndex) -> None:
    assert similar(japan_index, REMITTANCES, other_documents=True).hits == ()


def test_other_documents_after_add(fresh_config: Config, tmp_path: Path) -> None:
    build(fresh_config)
    add(fresh_config, write(tmp_path, "fr.txt", FR_REVIEW), Given())
    opened = open_index(fresh_config)
    found = similar(opened, f"{JP}:2a.6", other_documents=True, limit=100)
    assert found.hits and {h.passage.doc for h in found.hits} == {"morocco-2022"}
    assert len(found.hits) <= sum(1 for p in all_passages(opened) if p.doc == "morocco-2022")


def test_unknown_id_and_bad_limit(japan_index: OpenIndex) -> None:
    with pytest.raises(NotFound, match=r"no passage 'japan-2022:9z\.9'"):
        similar(japan_index, "japan-2022:9z.9")
    with pytest.raises(BadInput):
        similar(japan_index, REMITTANCES, limit=0)


def test_cli_similar(japan_config: Config, japan_index: OpenIndex) -> None:
    result = cli(japan_config, "similar", REMITTANCES, "--limit", "3")
    assert result.exit_code == 0
    assert result.stdout.startswith(f"3 passages similar in meaning to {REMITTANCES}\n")
    data = json.loads(cli(japan_config, "similar", REMITTANCES, "--limit", "3", "--json").stdout)
    expected = similar_dict(similar(japan_index, REMITTANCES, limit=3))
    assert data == json.loads(json.dumps(expected))
    assert data["id"] == REMITTANCES and len(data["results"]) == 3
    assert set(data["results"][0]) == set(hit_dict(similar(japan_index, REMITTANCES).hits[0]))
    filtered = json.loads(cli(japan_config, "similar", REMITTANCES, "--objective", "trafficking",
                              "--country", "JPN", "--json").stdout)
    assert filtered["filters"] == {"objective": ["10"], "country": ["Japan"]}
    none = cli(japan_config, "similar", REMITTANCES, "--other-documents")
    assert none.exit_code == 1 and none.stdout.startswith("0 passages similar")


def test_cli_unknown_id_is_one_line_exit_1(japan_config: Config) -> None:
    result = cli(japan_config, "similar", "japan-2022:9z.9")
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr == "Error: no passage 'japan-2022:9z.9' (ids look like " \
                            "japan-2022:2a.6)\n"


@pytest.fixture(scope="module")
def client(japan_config: Config) -> FlaskClient:
    return create_app(japan_config).test_client()


def test_api_similar(client: FlaskClient, japan_index: OpenIndex) -> None:
    response = client.get(f"/api/passages/{REMITTANCES}/similar?limit=4")
    assert response.status_code == 200
    assert response.get_json() == json.loads(json.dumps(similar_dict(
        similar(japan_index, REMITTANCES, limit=4))))
    filtered = client.get(f"/api/passages/{REMITTANCES}/similar?objective=10").get_json()
    assert all(10 in h["objectives"] for h in filtered["results"])
    other = client.get(f"/api/passages/{REMITTANCES}/similar?other_documents=1").get_json()
    assert other["other_documents"] is True and other["results"] == []
    # The passage itself is still served at its own URL.
    assert client.get(f"/api/passages/{REMITTANCES}").get_json()["id"] == REMITTANCES


def test_api_similar_unknown_id_is_404(client: FlaskClient) -> None:
    response = client.get("/api/passages/japan-2022:9z.9/similar")
    assert response.status_code == 404
    assert response.get_json()["error"]["message"] == "no passage 'japan-2022:9z.9'"
    assert client.get("/api/passages/japan-2022:3b.3/similar?limit=0").status_code == 400


def test_passage_page_lists_similar_passages(client: FlaskClient,
                                             japan_index: OpenIndex) -> None:
    soup = BeautifulSoup(client.get(f"/p/{REMITTANCES}").get_data(as_text=True), "html.parser")
    section = soup.select_one("section.similar")
    assert section is not None
    assert section.h2 is not None and section.h2.get_text() == "Similar passages in other reviews"
    # One review in the corpus: this review's, under a heading that says so.
    assert "no other review" in section.get_text()
    assert section.h3 is not None and section.h3.get_text() == "Similar passages in this review"
    shown = [a.get_text() for a in section.select("p.similar-hit a")]
    assert shown == [h.passage.id for h in similar(japan_index, REMITTANCES, limit=5).hits]
    assert client.get("/p/japan-2022:9z.9").status_code == 404


def test_passage_page_with_other_reviews(fresh_config: Config, tmp_path: Path) -> None:
    build(fresh_config)
    add(fresh_config, write(tmp_path, "fr.txt", FR_REVIEW), Given())
    client = create_app(fresh_config).test_client()
    soup = BeautifulSoup(client.get(f"/p/{JP}:2a.6").get_data(as_text=True), "html.parser")
    section = soup.select_one("section.similar")
    assert section is not None and section.h3 is None
    shown = [a.get_text() for a in section.select("p.similar-hit a")]
    assert shown and all(i.startswith("morocco-2022:") for i in shown)
