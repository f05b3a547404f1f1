"""Keyword in context (issue 15): search/outputs/kwic.py on hand-made and real hits, the CLI's
`search --kwic` and the web's `/?view=kwic` toggle, over the Japan review. The matched forms are
the search's own marks: "migrant" centres "migrants", "labour" centres the review's "labor".
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from bs4 import BeautifulSoup
from cli_checks import one_line_error
from flask.testing import FlaskClient
from test_add_many import run

from search.config import Config
from search.highlight import segments
from search.index import OpenIndex
from search.models import Hit
from search.outputs.kwic import (
    GAP,
    MIN_CONTEXT,
    Occurrence,
    cut,
    fitted,
    occurrences,
    summary,
    text_lines,
    unmarked,
)
from search.results import Request, every_hit, passage
from search.web import create_app
from search.web.views import KWIC_SIDE


def hit(japan_index: OpenIndex, text: str, spans: list[tuple[int, int]],
        passage_id: str = "japan-2022:2a.7") -> Hit:
    """A hit of a real passage, with `text` and marks of our own."""
    return Hit(1, 1.0, passage(japan_index, passage_id), segments(text, spans), "cited")


def words_search(japan_index: OpenIndex, query: str) -> list[Occurrence]:
    return occurrences(every_hit(japan_index, Request(query, mode="words")).hits)


# ---- pure --------------------------------------------------------------------------------------

@pytest.mark.parametrize("width", [40, 41, 60, 79, 80])
def test_the_match_is_centred_and_the_context_cut(width: int) -> None:
    found = Occurrence("x", "left " * 40, "match", " right" * 40)
    line = fitted(found, width)
    assert len(line.left) + len(line.match) + len(line.right) == width
    assert len(line.left) == (width - 5) // 2 and len(line.right) - len(line.left) in (0, 1)
    # Left context cut at its left end (the words next to the match kept), right at its right.
    assert ("left " * 40).endswith(line.left) and (" right" * 40).startswith(line.right)


def test_short_context_is_padded_and_a_long_match_keeps_its_start() -> None:
    short = fitted(Occurrence("x", "a ", "word", " b"), 20)
    assert (short.left, short.match, short.right) == (" " * 6 + "a ", "word", " b" + " " * 6)
    long = fitted(Occurrence("x", "before ", "a phrase longer than the width", " after"), 10)
    assert (long.left, long.match, long.right) == ("", "a phrase l", "")
    assert cut(Occurrence("x", "0123456789", "m", "abcdefghij"), 3) == \
        Occurrence("x", "789", "m", "abc")


def test_every_marked_run_is_a_line_whitespace_collapsed_and_escapes_undone(
        japan_index: OpenIndex) -> None:
    text = "Japan gave\nUS\\$142,000   to IOM;\n\n IOM thanked Japan."
    first, second = text.index("IOM"), text.rindex("IOM")
    spans = [(first, first + 3), (second, second + 3)]
    found = occurrences([hit(japan_index, text, spans)])
    assert found == [
        Occurrence("japan-2022:2a.7", "Japan gave US$142,000 to ", "IOM", "; IOM thanked Japan."),
        Occurrence("japan-2022:2a.7", "Japan gave US$142,000 to IOM; ", "IOM", " thanked Japan."),
    ]


def test_adjacent_marks_are_one_occurrence_and_unmarked_hits_are_counted(
        japan_index: OpenIndex) -> None:
    text = "trafficking in persons is a crime"
    phrase = hit(japan_index, text, [(0, 11), (12, 14), (15, 22)])
    nothing = hit(japan_index, text, [])
    assert [o.match for o in occurrences([phrase, nothing])] == ["trafficking in persons"]
    assert unmarked([phrase, nothing]) == 1
    assert summary([phrase, nothing], occurrences([phrase])) == (
        "1 occurrence in 1 passage; 1 passage found by meaning alone has no matched words and "
        "is not shown (search without --kwic to read them).")


@pytest.mark.parametrize("width", [60, 80, 120])
def test_lines_fit_the_width_with_every_match_in_one_column(japan_index: OpenIndex,
                                                           width: int) -> None:
    found = words_search(japan_index, "trafficking")
    lines = text_lines(found, width)
    assert len(lines) == len(found) > 5
    longest = max(len(o.passage_id) for o in found)
    room = width - longest - len(GAP)
    for line, each in zip(lines, found, strict=True):
        assert len(line) <= width
        assert line.startswith(each.passage_id)
        start = longest + len(GAP) + (room - len(each.match)) // 2
        assert line[start:start + len(each.match)] == each.match
    # The stem's forms: "trafficking", "trafficked".
    assert {o.match.lower() for o in found} == {"trafficking", "trafficked"}


def test_a_narrow_width_still_leaves_room_for_context(japan_index: OpenIndex) -> None:
    lines = text_lines(words_search(japan_index, "trafficking"), 10)
    assert all(len(line) <= len("japan-2022:2a.6") + len(GAP) + MIN_CONTEXT for line in lines)
    assert all("traffick" in line.lower() for line in lines)


def test_stems_are_centred(japan_index: OpenIndex) -> None:
    """The query "migrant" marks the review's "migrants"."""
    matches = {o.match for o in words_search(japan_index, "migrant")}
    assert "migrants" in matches
    assert all(m.lower().startswith("migrant") for m in matches)


def test_spelling_variants_are_centred_each_occurrence_a_line(japan_index: OpenIndex) -> None:
    """The review writes "labor"; the query "labour" finds and centres it, twice in 1a.3."""
    found = words_search(japan_index, "labour")
    assert {o.match.lower() for o in found} == {"labor"}
    ids = [o.passage_id for o in found]
    assert ids.count("japan-2022:1a.3") == 2
    assert len(found) == 4 and len(set(ids)) == 3


# ---- the command line --------------------------------------------------------------------------

def test_cli_kwic_prints_every_occurrence(japan_config: Config, japan_index: OpenIndex) -> None:
    done = run(japan_config, "search", "labour", "--kwic", "--width", "70", "--mode", "words")
    assert done.exit_code == 0, done.stderr
    lines = done.stdout.splitlines()
    expected = text_lines(words_search(japan_index, "labour"), 70)
    assert lines == expected and len(lines) == 4
    assert all(line[len("japan-2022:1a.3") + len(GAP) + 24:][:5].lower() == "labor"
               for line in lines)
    assert done.stderr.strip() == "4 occurrences in 3 passages."


def test_cli_kwic_counts_what_meaning_alone_found(japan_config: Config,
                                                  japan_index: OpenIndex) -> None:
    everything = every_hit(japan_index, Request("migrant"))
    skipped = unmarked(everything.hits)
    assert skipped > 0
    done = run(japan_config, "search", "migrant", "--kwic", "--width", "100")
    assert done.exit_code == 0
    lines = done.stdout.splitlines()
    assert lines == text_lines(occurrences(everything.hits), 100)
    assert f"; {skipped} passages found by meaning alone have no matched words" in done.stderr


@pytest.mark.parametrize(("args", "complaint"), [
    (["--objective", "10", "--kwic"], "--kwic centres the words of a query"),
    (["trafficking", "--width", "60"], "--width goes with --kwic"),
    (["trafficking", "--kwic", "--json"], "--json and --kwic are different outputs"),
    (["trafficking", "--kwic", "--page", "2"], "leave out --page and --limit"),
])
def test_cli_kwic_usage_errors(japan_config: Config, args: list[str], complaint: str) -> None:
    done = run(japan_config, "search", *args)
    assert done.exit_code == 2
    assert complaint in one_line_error(done)


def test_cli_kwic_nothing_found_exits_1(japan_config: Config) -> None:
    done = run(japan_config, "search", "zzqqxw", "--kwic", "--mode", "words")
    assert (done.exit_code, done.stdout) == (1, "")
    assert "0 occurrences in 0 passages." in done.stderr


# ---- the web -----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def client(japan_config: Config) -> FlaskClient:
    return create_app(japan_config).test_client()


def soup_of(client: FlaskClient, url: str, status: int = 200) -> BeautifulSoup:
    response = client.get(url)
    assert response.status_code == status, response.text[:300]
    return BeautifulSoup(response.text, "html.parser")


def query_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def test_web_kwic_shows_the_page_as_lines(client: FlaskClient, japan_index: OpenIndex) -> None:
    soup = soup_of(client, "/?q=labour&mode=words&view=kwic")
    rows = soup.select("table.kwic tbody tr")
    found = words_search(japan_index, "labour")
    assert [(r.select_one("td.pid a").get_text(), r.select_one("td.left").get_text(),
             r.select_one("td.match mark").get_text(), r.select_one("td.right").get_text())
            for r in rows] == [(o.passage_id, *cut(o, KWIC_SIDE)[1:]) for o in found]
    assert rows[0].select_one("td.pid a")["href"] == f"/p/{found[0].passage_id}"
    assert not soup.select("article.hit")  # instead of the passages
    toggle = soup.select_one("p.views")
    assert toggle.select_one("[aria-current]").get_text() == "keyword in context"
    back = toggle.select_one("a")
    assert back.get_text() == "passages" and query_of(str(back["href"])) == {
        "q": ["labour"], "mode": ["words"]}


def test_web_toggle_keeps_the_state_and_the_page(client: FlaskClient) -> None:
    soup = soup_of(client, "/?q=trafficking&limit=5&page=2&country=Japan")
    toggle = soup.select_one("p.views a")
    assert toggle.get_text() == "keyword in context"
    assert query_of(str(toggle["href"])) == {"q": ["trafficking"], "limit": ["5"], "page": ["2"],
                                             "country": ["Japan"], "view": ["kwic"]}
    kwic = soup_of(client, str(toggle["href"]))
    ids = {a.get_text() for a in kwic.select("table.kwic td.pid a")}
    listed = soup_of(client, "/?q=trafficking&limit=5&page=2&country=Japan")
    assert ids <= {a.get_text() for a in listed.select("article.hit a.pid")} and ids
    # Paginated like the list: the page links, facets and filter chips keep the view.
    pages = [str(a["href"]) for a in kwic.select("nav.pages a")]
    assert pages and all(query_of(p)["view"] == ["kwic"] for p in pages)
    facets = [str(a["href"]) for a in kwic.select("aside.facets a")]
    assert facets and all(query_of(f)["view"] == ["kwic"] for f in facets)
    assert [a.get_text() for a in kwic.select("p.active a.chip")] == ["country: Japan ×"]
    # A new search from the form stays in the view.
    assert [(i["name"], i["value"]) for i in kwic.select("form.search input[type=hidden]")] == \
        [("view", "kwic")]
    assert not listed.select("form.search input[type=hidden]")


def test_web_kwic_says_what_meaning_alone_found(client: FlaskClient,
                                               japan_index: OpenIndex) -> None:
    everything = every_hit(japan_index, Request("migrant"))
    on_first_page = unmarked(everything.hits[:10])
    assert on_first_page > 1
    note = soup_of(client, "/?q=migrant&view=kwic").select_one("p.kwic-note")
    assert note is not None
    assert " ".join(note.get_text().split()).startswith(
        f"{on_first_page} passages on this page have no matched words (found by meaning alone)")
    assert query_of(str(note.select_one("a")["href"])) == {"q": ["migrant"]}


def test_web_browse_has_no_kwic_view(client: FlaskClient) -> None:
    """Filters alone ask for no words: the passages are listed, no toggle is offered."""
    soup = soup_of(client, "/?objective=10&view=kwic")
    assert len(soup.select("article.hit")) == 6
    assert not soup.select("table.kwic") and not soup.select("p.views")
    assert soup.select("p.downloads a")


def test_web_unknown_view_is_a_400(client: FlaskClient) -> None:
    soup = soup_of(client, "/?q=trafficking&view=grid", 400)
    assert "unknown view 'grid'" in soup.get_text()
