"""Searching by meaning and by both (search/results.py with search/meaning/): on the real Japan
index, through the library, the CLI and the web API; and what a missing or damaged model does."""

from __future__ import annotations

import json
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from flask.testing import FlaskClient

from search.cli import main
from search.config import Config
from search.errors import BadInput, ModelUnavailable
from search.index import OpenIndex, build, open_index
from search.meaning import model
from search.models import Results
from search.query import Filters
from search.render import RELATED, results_dict, results_text
from search.results import Request, search
from search.web import create_app

JP = "japan-2022"
REMITTANCES = f"{JP}:3b.3"
PARAPHRASE = "cash sent to families abroad"
NONSENSE = [line for line in
            (Path(__file__).parent.parent / "bench" / "nonsense.txt").read_text().splitlines()
            if line.strip()] + ["xqzv", "the of and", "!!!", "lorem ipsum dolor"]


def run(opened: OpenIndex, text: str, mode: str, **kwargs: object) -> Results:
    return search(opened, Request(text, mode=mode, **kwargs))  # type: ignore[arg-type]


def ids(results: Results) -> list[str]:
    return [h.passage.id for h in results.hits]


def cli(config: Config, *args: str) -> Result:
    where = ["--corpus", str(config.corpus), "--index-dir", str(config.index)]
    return CliRunner().invoke(main, [*args, *where])


def test_a_paraphrase_finds_the_remittances_passage_by_meaning_not_by_words(
        japan_index: OpenIndex) -> None:
    assert REMITTANCES not in ids(run(japan_index, PARAPHRASE, "words", limit=100))
    hybrid = run(japan_index, PARAPHRASE, "hybrid", limit=3)
    assert REMITTANCES in ids(hybrid)
    hit = next(h for h in hybrid.hits if h.passage.id == REMITTANCES)
    assert hit.match == "meaning" and hit.scores[0] is None and hit.scores[1] > 0.3
    assert not any(marked for _, marked in hit.segments)  # no fake highlights
    assert ids(run(japan_index, PARAPHRASE, "meaning", limit=1)) == [REMITTANCES]


def test_the_query_is_moved_towards_its_nearest_passage(japan_index: OpenIndex) -> None:
    """A dev paraphrase (bench/paraphrases_dev.tsv d10): its words find only a forum that
    "helped"; the passage it means, a crackdown on malicious intermediaries in illegal stay and
    fraudulent residence status, shares none of its words. With the query's vector alone the
    forum stays first; moved towards its nearest passage (fuse.with_feedback), the meaning
    passes it."""
    text = ("cracking down on shady brokers who help people remain unlawfully or obtain bogus "
            "visas")
    hybrid = run(japan_index, text, "hybrid", limit=2)
    assert ids(hybrid) == [f"{JP}:2a.2", f"{JP}:3c.1"]
    assert [h.match for h in hybrid.hits] == ["meaning", "words"]
    assert ids(run(japan_index, text, "meaning", limit=1)) == [f"{JP}:2a.2"]


def test_hybrid_keeps_what_words_find_first(japan_index: OpenIndex) -> None:
    """A query whose words the passage has: the same best passage in every mode with words."""
    words = run(japan_index, "specified skilled worker", "words")
    hybrid = run(japan_index, "specified skilled worker", "hybrid")
    assert ids(hybrid)[0] == ids(words)[0] == f"{JP}:1a.1"
    assert hybrid.hits[0].match == "both"
    assert hybrid.hits[0].scores[0] == words.hits[0].score


@pytest.mark.parametrize("text", NONSENSE)
@pytest.mark.parametrize("mode", ["meaning", "hybrid"])
def test_nonsense_finds_nothing_by_meaning(japan_index: OpenIndex, text: str, mode: str) -> None:
    results = run(japan_index, text, mode)
    assert results.total == 0 and results.hits == ()
    assert all(h.match == "words" for h in results.hits)


@pytest.mark.parametrize("mode", ["words", "meaning", "hybrid"])
@pytest.mark.parametrize("text", [PARAPHRASE, "trafficking victims", "refugees"])
def test_totals_and_facets_agree_with_the_passages_found(japan_index: OpenIndex, text: str,
                                                         mode: str) -> None:
    everything = run(japan_index, text, mode, limit=100)
    assert everything.total == len(everything.hits)
    assert sum(everything.facets["country"].values()) == everything.total
    kinds = {k: sum(1 for h in everything.hits if h.passage.kind == k)
             for k in everything.facets["kind"]}
    assert everything.facets["kind"] == kinds
    pages = [run(japan_index, text, mode, limit=4, page=n) for n in range(1, 30)]
    paged = [i for p in pages for i in ids(p)]
    assert paged == ids(everything)  # paging cuts the one ranking, without gaps or overlaps


@pytest.mark.parametrize("mode", ["meaning", "hybrid"])
def test_filters_hold_in_every_mode(japan_index: OpenIndex, mode: str) -> None:
    results = run(japan_index, PARAPHRASE, mode, filters=Filters(objectives=(20,)), limit=100)
    assert ids(results) == [REMITTANCES]
    assert results.facets["objective"] == {"20": 1}
    assert run(japan_index, PARAPHRASE, mode, filters=Filters(sections=("9",))).total == 0


def test_hybrid_finds_more_but_never_loses_what_words_find(japan_index: OpenIndex) -> None:
    for text in ("trafficking", "money transfer", "Japan contribution to IOM"):
        words = set(ids(run(japan_index, text, "words", limit=100)))
        assert words <= set(ids(run(japan_index, text, "hybrid", limit=100)))


def test_the_cosines_are_kept_for_the_same_query_on_the_same_build(
        japan_index: OpenIndex, monkeypatch: pytest.MonkeyPatch) -> None:
    """A query asked again (the next page, other filters, in any mode by meaning) reads no row
    of the build's vectors again, and answers exactly as before; another query does, and so does
    the same once forgotten; the kept cosines count against the cache's budget."""
    from search.caches import QUERIES
    from search.meaning import fuse

    QUERIES.clear()
    computed: list[str] = []
    real = fuse.with_feedback

    def counting(*args: object, **kwargs: object) -> object:
        computed.append("once")
        return real(*args, **kwargs)  # type: ignore[arg-type]

    first = run(japan_index, PARAPHRASE, "hybrid", limit=5)
    monkeypatch.setattr(fuse, "with_feedback", counting)
    assert QUERIES.size >= japan_index.vectors.nbytes // japan_index.vectors.shape[1]
    again = run(japan_index, f"  {PARAPHRASE} ", "hybrid", limit=5)
    assert (ids(again), again.total, again.facets) == (ids(first), first.total, first.facets)
    assert [h.scores for h in again.hits] == [h.scores for h in first.hits]
    run(japan_index, PARAPHRASE, "hybrid", limit=5, page=2)
    run(japan_index, PARAPHRASE, "meaning", limit=5, filters=Filters(objectives=(10,)))
    assert computed == []
    run(japan_index, "remittances sent home", "hybrid", limit=5)
    assert computed == ["once"]
    QUERIES.clear()
    assert ids(run(japan_index, PARAPHRASE, "hybrid", limit=5)) == ids(first)
    assert computed == ["once", "once"]


def test_a_quoted_phrase_stays_lexical(japan_index: OpenIndex) -> None:
    """A passage found by meaning alone must still contain the quoted phrase."""
    results = run(japan_index, '"money transfer" cash sent to families', "hybrid", limit=100)
    assert REMITTANCES in ids(results)
    for hit in results.hits:
        if hit.match == "meaning":
            assert "money transfer" in hit.passage.text.lower()
    alone = run(japan_index, '"money transfer" families', "meaning", limit=100)
    assert ids(alone) == [REMITTANCES]


def test_syntax_searches_by_words(japan_index: OpenIndex) -> None:
    results = run(japan_index, "trafficking AND victims", "hybrid", syntax=True, limit=100)
    assert results.mode == "words"
    words = run(japan_index, "trafficking AND victims", "words", syntax=True, limit=100)
    assert ids(results) == ids(words)


def test_unknown_mode_is_bad_input(japan_index: OpenIndex) -> None:
    with pytest.raises(BadInput, match="unknown mode 'vibes'"):
        run(japan_index, "trafficking", "vibes")


def test_json_says_the_mode_what_matched_and_the_scores(japan_index: OpenIndex) -> None:
    data = json.loads(json.dumps(results_dict(run(japan_index, PARAPHRASE, "hybrid"))))
    assert data["mode"] == "hybrid"
    matches = {h["id"]: h["match"] for h in data["results"]}
    assert matches[REMITTANCES] == "meaning"
    assert set(matches.values()) == {"meaning", "both"}
    for hit in data["results"]:
        assert set(hit["scores"]) == {"words", "meaning"}
        assert (hit["scores"]["words"] is None) == (hit["match"] == "meaning")
        assert "<mark>" not in hit["highlight"] or hit["match"] != "meaning"
    words = results_dict(run(japan_index, "trafficking", "words"))
    assert words["mode"] == "words"
    assert all(h["match"] == "words" and h["scores"]["meaning"] is None
               and h["scores"]["words"] == h["score"] for h in words["results"])


def test_terminal_text_marks_passages_related_by_meaning(japan_index: OpenIndex) -> None:
    text = results_text(run(japan_index, PARAPHRASE, "hybrid", limit=3))
    line = next(x for x in text.splitlines() if REMITTANCES in x and "score" in x)
    assert line.endswith(RELATED)
    assert "**" not in text.split(REMITTANCES)[1].split("\n\n")[0]


def test_cli_mode_option(japan_config: Config) -> None:
    default = cli(japan_config, "search", PARAPHRASE, "--json")
    assert default.exit_code == 0 and json.loads(default.stdout)["mode"] == "hybrid"
    assert REMITTANCES in default.stdout
    words = cli(japan_config, "search", PARAPHRASE, "--mode", "words", "--json")
    assert json.loads(words.stdout)["mode"] == "words" and REMITTANCES not in words.stdout
    nonsense = cli(japan_config, "search", "xqzv", "--mode", "meaning")
    assert nonsense.exit_code == 1 and nonsense.stdout.startswith("0 passages")
    bad = cli(japan_config, "search", "x", "--mode", "vibes")
    assert bad.exit_code == 2 and bad.stderr.count("\n") == 1
    assert bad.stderr.startswith("Error: Invalid value for '-m' / '--mode'")


@pytest.fixture(scope="module")
def client(japan_config: Config) -> FlaskClient:
    return create_app(japan_config).test_client()


def test_web_mode_parameter(client: FlaskClient) -> None:
    data = client.get(f"/api/search?q={PARAPHRASE}&mode=hybrid").get_json()
    assert data["mode"] == "hybrid" and REMITTANCES in [h["id"] for h in data["results"]]
    assert client.get(f"/api/search?q={PARAPHRASE}").get_json()["mode"] == "hybrid"
    words = client.get(f"/api/search?q={PARAPHRASE}&mode=words").get_json()
    assert REMITTANCES not in [h["id"] for h in words["results"]]
    bad = client.get("/api/search?q=x&mode=vibes")
    assert bad.status_code == 400 and "unknown mode" in bad.get_json()["error"]["message"]
    page = client.get(f"/?q={PARAPHRASE}&mode=hybrid").get_data(as_text=True)
    assert '<select id="mode" name="mode">' in page
    assert '<option value="hybrid" selected>' in page
    assert page.count('class="related"') == sum(
        1 for h in data["results"] if h["match"] == "meaning")
    # Links on the page keep the mode.
    words_page = client.get(f"/?q={PARAPHRASE}&mode=words").get_data(as_text=True)
    assert '<option value="words" selected>' in words_page
    assert "mode=words" in words_page


# ---- a missing or damaged model -----------------------------------------------------------------

@pytest.fixture
def broken_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    copy = tmp_path / "wordllama"
    shutil.copytree(model.package_dir(), copy)
    (copy / model.WEIGHTS).write_bytes(b"\x00" * 100)
    monkeypatch.setattr(model, "package_dir", lambda: copy)
    model.load.cache_clear()
    yield
    monkeypatch.undo()
    model.load.cache_clear()


@pytest.fixture
def built(fresh_config: Config) -> Config:
    build(fresh_config)
    return fresh_config


def test_a_damaged_model_is_one_line_and_words_still_work(built: Config,
                                                          broken_model: None) -> None:
    """The model breaks after the build (the build first, then the damage)."""
    before = sorted(p.name for p in (built.index / "builds").iterdir())
    for mode in ("hybrid", "meaning"):
        result = cli(built, "search", PARAPHRASE, "--mode", mode)
        assert result.exit_code == 1
        assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
        assert result.stderr.startswith("Error: the embedding model's files in ")
        assert "--mode words" in result.stderr
    words = cli(built, "search", "trafficking", "--mode", "words")
    assert words.exit_code == 0 and f"{JP}:2a.6" in words.stdout
    # The build's vectors are its own: similar passages still work, and nothing was lost.
    assert cli(built, "similar", REMITTANCES).exit_code == 0
    assert sorted(p.name for p in (built.index / "builds").iterdir()) == before


def test_a_missing_model_at_build_time_builds_by_words(
        fresh_config: Config, monkeypatch: pytest.MonkeyPatch) -> None:
    def missing() -> Path:
        raise ModelUnavailable("the embedding model is not installed (the wordllama package is "
                               "missing)", "reinstall gcm-search, or search with --mode words")

    monkeypatch.setattr(model, "package_dir", missing)
    model.load.cache_clear()
    try:
        words = cli(fresh_config, "search", "trafficking", "--mode", "words")
        assert words.exit_code == 0 and f"{JP}:2a.6" in words.stdout
        for args in (["search", PARAPHRASE], ["similar", REMITTANCES]):
            result = cli(fresh_config, *args)
            assert result.exit_code == 1 and result.stderr.count("\n") == 1
            assert "built without the embedding model" in result.stderr
            assert "--mode words" in result.stderr
        assert open_index(fresh_config).manifest.model == ""
    finally:
        monkeypatch.undo()
        model.load.cache_clear()


def test_no_network_for_a_build_a_search_and_similar(fresh_config: Config,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Sockets blocked: the model is read, the build embeds, the searches answer."""
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a network connection was attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    model.load.cache_clear()
    try:
        result = cli(fresh_config, "search", PARAPHRASE, "--mode", "hybrid", "--json")
        assert result.exit_code == 0, result.stderr
        assert REMITTANCES in [h["id"] for h in json.loads(result.stdout)["results"]]
        assert cli(fresh_config, "similar", REMITTANCES).exit_code == 0
    finally:
        model.load.cache_clear()
