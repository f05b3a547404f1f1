"""search/web: the pages and their JSON twins, through Flask's test client, with the HTML parsed
as a reader would (BeautifulSoup), so that results, facets, badges, anchors and escaping are
checked on what a browser gets, not on template internals.

Read-only tests share one app over the session index (`japan_config`); a tiny hostile corpus and
a fresh corpus copy (for the rebuild test) get their own apps.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from bs4 import BeautifulSoup, Tag
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient

from search import objectives as gcm
from search.cite import FORMATS
from search.cli import main
from search.config import Config
from search.index import OpenIndex, build
from search.models import Passage
from search.render import results_dict
from search.results import Request, make_filters, search
from search.web import create_app, views

JP = "japan-2022"
CITATION_2A6 = ("Government of Japan, Voluntary GCM review by Japan (2022), section 2(a), para. 6 "
                "[japan-2022:2a.6].")
TRAFFICKING_TITLE = ("Prevent, combat and eradicate trafficking in persons in the context of "
                     "international migration")
# The review template's four clusters and the objectives under each, in the form's order.
CLUSTER_OBJECTIVES = {
    1: [2, 5, 6, 12, 18],
    2: [4, 8, 9, 10, 11, 13, 21],
    3: [14, 15, 16, 19, 20, 22],
    4: [1, 3, 7, 17, 23],
}
SECURITY_HEADERS = ("Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options",
                    "Referrer-Policy")
ERROR_KEYS = {"status", "message", "hint"}
HOSTILE = '<script>alert("x")</script> & <b>bold</b>'
HOSTILE_TITLE = 'Review by <i>Atlantis</i> "quoted"'
# Bits of a Python traceback, or of the files a path traversal would reach.
LEAKS = ("Traceback", 'File "', "RuntimeError", "root:", "[project]", "build-system")


# ---- fixtures and helpers ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def app(japan_config: Config) -> Flask:
    return create_app(japan_config)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def page(client: FlaskClient, url: str, status: int = 200) -> BeautifulSoup:
    """GET `url`, check the status and that it is HTML, and parse it."""
    with client.get(url) as response:
        assert response.status_code == status, (url, response.status_code, response.text[:500])
        assert response.mimetype == "text/html"
        return BeautifulSoup(response.text, "html.parser")


def api(client: FlaskClient, url: str, status: int = 200) -> Any:
    with client.get(url) as response:
        assert response.status_code == status, (url, response.status_code, response.text[:500])
        assert response.mimetype == "application/json"
        return response.get_json()


def one(soup: BeautifulSoup | Tag, selector: str) -> Tag:
    """The single element matching `selector` (fails when there are none or several)."""
    found = soup.select(selector)
    assert len(found) == 1, (selector, len(found))
    return found[0]


def text(element: Tag) -> str:
    """An element's text with whitespace collapsed, as a reader sees it (inline elements run on
    without a space, as in a browser)."""
    return " ".join(element.get_text().split())


def hit_ids(soup: BeautifulSoup) -> list[str]:
    return [text(one(hit, "a.pid")) for hit in soup.select("article.hit")]


def summary(soup: BeautifulSoup) -> str:
    """The count line of a results page ("6 passages for “trafficking”"), without the page."""
    heading = one(soup, "h1.summary")
    shown = text(heading)
    page_part = heading.select_one("span.page")
    return shown.removesuffix(text(page_part)).strip() if page_part else shown


def page_of(soup: BeautifulSoup) -> str | None:
    """The "· page 2 of 3" part of the count line, if any."""
    page_part = one(soup, "h1.summary").select_one("span.page")
    return text(page_part) if page_part else None


def params(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query, keep_blank_values=True)


def facets_on_page(soup: BeautifulSoup, url: str) -> dict[str, dict[str, int]]:
    """Facet name -> {value: count}, the value read from what each link adds or removes."""
    current = params(url)
    found: dict[str, dict[str, int]] = {}
    for section in soup.select("aside.facets section.facet"):
        name = section["data-facet"]
        assert isinstance(name, str)
        counts: dict[str, int] = {}
        for item in section.select("li"):
            link = one(item, "a")
            changed = set(params(str(link["href"])).get(name, [])) ^ set(current.get(name, []))
            assert len(changed) == 1, (name, link["href"])
            counts[changed.pop()] = int(text(one(item, "span.count")))
        found[name] = counts
    return found


def facet_link(soup: BeautifulSoup, name: str, label: str) -> Tag:
    """The link of one facet entry, found by what it shows (without the ✓ of a selected one)."""
    links = [a for a in soup.select(f'section.facet[data-facet="{name}"] a')
             if text(a).removeprefix("✓ ") == label]
    assert len(links) == 1, (name, label, [text(a) for a in soup.select("section.facet a")])
    return links[0]


def anchor(passage_id: str) -> str:
    return "p-" + passage_id.replace(":", "-")


def cli_stdout(config: Config, *args: str) -> str:
    result = CliRunner().invoke(
        main, [*args, "--corpus", str(config.corpus), "--index-dir", str(config.index)])
    assert result.exit_code == 0, result.stderr
    return result.stdout


def assert_no_leak(body: str) -> None:
    for leak in LEAKS:
        assert leak not in body, leak


# ---- / : the form and the empty start ----------------------------------------------------------

def test_home_has_a_labelled_form_and_the_objectives(client: FlaskClient) -> None:
    """The start page: a GET form whose every control has a label, and the objectives to browse."""
    soup = page(client, "/")
    form = one(soup, "form.search")
    assert form.get("method", "").lower() == "get" and form["action"] == "/"
    query = one(form, 'input[name="q"]')
    assert one(soup, f'label[for="{query["id"]}"]')
    controls = form.select("input, select, textarea")
    assert {c["name"] for c in controls} == {"q", "mode", "objective", "stated", "section",
                                             "kind",
                                              "country", "year"}
    for control in controls:
        labelled = control.get("id") and soup.select(f'label[for="{control["id"]}"]')
        assert labelled or control.find_parent("label"), control
        assert control.get("type") != "hidden"
    assert text(one(form, 'button[type="submit"]')) == "Search"
    assert not soup.select("article.hit") and not soup.select("h1.summary")
    intro = one(soup, "section.intro")
    links = {a["href"]: text(a) for a in intro.select(".objectives-list a")}
    assert len(links) == 23
    assert links["/?objective=10"] == "10 - Trafficking"


def test_objective_select_has_23_short_labels_in_4_clusters(client: FlaskClient) -> None:
    """Objectives as the review template groups them, each with its short label and full title."""
    select = one(page(client, "/"), 'select[name="objective"]')
    groups = select.select("optgroup")
    assert len(groups) == 4
    for number, group in enumerate(groups, start=1):
        assert str(group["label"]).startswith(f"{number}. ")
        options = group.select("option")
        assert [int(str(o["value"])) for o in options] == CLUSTER_OBJECTIVES[number]
        for option in options:
            objective = gcm.objective(int(str(option["value"])))
            assert text(option) == f"{objective.number} - {objective.short}"
            assert option["title"] == objective.title
    options = select.select("option")
    assert len(options) == 24 and options[0]["value"] == ""  # "Any objective" and the 23
    assert text(one(select, 'option[value="10"]')) == "10 - Trafficking"


@pytest.mark.parametrize(("name", "values"), [
    ("kind", ["", "progress", "best_practice", "trends", "other"]),
    ("country", ["", "Japan"]),
    ("year", ["", "2022"]),
])
def test_filter_selects_offer_what_the_index_has(client: FlaskClient, name: str,
                                                 values: list[str]) -> None:
    select = one(page(client, "/"), f'select[name="{name}"]')
    assert [o["value"] for o in select.select("option")] == values


def test_the_form_keeps_the_request(client: FlaskClient) -> None:
    """A results page shows its own state in the form, so it can be refined."""
    soup = page(client, "/?q=trafficking&objective=10&kind=progress&section=2")
    assert one(soup, 'input[name="q"]')["value"] == "trafficking"
    assert one(soup, 'select[name="objective"] option[selected]')["value"] == "10"
    assert one(soup, 'select[name="kind"] option[selected]')["value"] == "progress"
    assert one(soup, 'input[name="section"]')["value"] == "2"


# ---- / with a query: results -------------------------------------------------------------------

def test_results_for_trafficking_objective_10(client: FlaskClient) -> None:
    """The issue's example: six passages, the best first, with the count line."""
    soup = page(client, "/?q=trafficking&objective=10&mode=words")
    ids = hit_ids(soup)
    assert len(ids) == 6
    assert ids[:3] == [f"{JP}:2a.6", f"{JP}:2a.7", f"{JP}:2b.1"]
    assert set(ids[3:]) == {f"{JP}:2a.8", f"{JP}:2a.9", f"{JP}:2b.2"}
    assert summary(soup) == "6 passages for “trafficking”"
    assert [a["href"] for a in soup.select("article.hit a.pid")] == [f"/p/{i}" for i in ids]


def test_first_hit_marks_the_words_and_keeps_the_text(client: FlaskClient,
                                                      japan_by_id: dict[str, Passage]) -> None:
    """<mark> around the matched words; around them, the passage's exact text."""
    first = one(page(client, "/?q=trafficking&objective=10"), "article.hit#hit-1")
    quote = one(first, "blockquote.text")
    assert [m.get_text() for m in quote.select("mark")] == ["trafficking", "trafficked",
                                                             "trafficking"]
    assert quote.get_text() == japan_by_id[f"{JP}:2a.6"].text
    assert {child.name for child in quote.find_all(True)} == {"mark"}


def test_first_hit_badges_where_and_citation(client: FlaskClient) -> None:
    """Badge with the short label (official title on hover), section › subsection, citation."""
    first = one(page(client, "/?q=trafficking&objective=10"), "article.hit#hit-1")
    badge = one(first, "a.badge")
    assert text(badge) == "10 - Trafficking"
    assert badge["title"] == TRAFFICKING_TITLE
    assert badge["href"] == "/?objective=10"
    assert text(one(first, ".where")) == (
        "Voluntary GCM review by Japan · 2 Protecting migrants through rights-based border "
        "governance measures › a) Progress")
    assert text(one(first, "span.citation")) == CITATION_2A6
    assert one(first, 'a[href="/d/japan-2022#p-japan-2022-2a.6"]').get_text() == "In the document"


def test_copy_buttons_carry_the_citation_and_wait_for_js(client: FlaskClient,
                                                         japan_config: Config) -> None:
    """Without JavaScript the buttons would do nothing, so they are hidden until app.js runs.
    "Copy citation" copies the line shown; "Copy quote" what `gcm-search cite` prints."""
    soup = page(client, "/?q=trafficking&objective=10")
    for hit in soup.select("article.hit"):
        buttons = {text(b): b for b in hit.select("button.copy")}
        assert set(buttons) == {"Copy citation", "Copy quote"}
        assert all(b.has_attr("hidden") and b["type"] == "button" for b in buttons.values())
        citation = text(one(hit, "span.citation"))
        assert buttons["Copy citation"]["data-copy"] == citation
        quote = cli_stdout(japan_config, "cite", text(one(hit, "a.pid"))).rstrip("\n")
        assert buttons["Copy quote"]["data-copy"] == quote
        assert quote.startswith("“") and quote.endswith(f"” {citation}")


def total_of(facets: dict[str, dict[str, int]]) -> int:
    return sum(facets["language"].values())


@pytest.mark.parametrize("url", [
    "/?q=trafficking",
    "/?q=trafficking&objective=10",
    "/?q=victims&kind=progress",
    "/?objective=12",
    "/?q=labour+shortages&section=1",
])
def test_facet_counts_equal_the_api(client: FlaskClient, url: str) -> None:
    """Each facet count on the page is the JSON API's count for the same request."""
    soup = page(client, url)
    expected = api(client, "/api/search" + url.removeprefix("/"))["facets"]
    # Scope is shown once a corpus holds more than national reviews (test_scope.py).
    assert expected["scope"] == {"national": total_of(expected)}
    assert facets_on_page(soup, url) == {k: v for k, v in expected.items() if v and k != "scope"}
    total = int(summary(soup).split()[0])
    assert total == api(client, "/api/search" + url.removeprefix("/"))["total"]


@pytest.mark.parametrize(("name", "label", "value", "check"), [
    ("objective", "10 - Trafficking", "10", lambda hit: "10 - Trafficking" in text(hit)),
    ("kind", "best practice", "best_practice",
     lambda hit: text(one(hit, ".kind")) == "best practice"),
    ("section", "Section 1", "1", lambda hit: text(one(hit, "a.pid")).startswith(f"{JP}:1")),
])
def test_facet_link_adds_the_filter_and_toggles_back(
        client: FlaskClient, name: str, label: str, value: str,
        check: Callable[[Tag], bool]) -> None:
    """Following a facet narrows to its count; following it again (now selected) undoes it."""
    start = "/?q=trafficking"
    before = page(client, start)
    count = facets_on_page(before, start)[name][value]
    link = facet_link(before, name, label)
    assert "selected" not in (link.get("class") or [])
    narrowed_url = str(link["href"])
    assert params(narrowed_url)[name] == [value] and params(narrowed_url)["q"] == ["trafficking"]
    narrowed = page(client, narrowed_url)
    assert int(summary(narrowed).split()[0]) == count < int(summary(before).split()[0])
    assert len(hit_ids(narrowed)) == count and all(map(check, narrowed.select("article.hit")))
    chosen = facet_link(narrowed, name, label)
    assert "selected" in chosen["class"] and text(chosen).startswith("✓ ")
    back = page(client, str(chosen["href"]))
    assert hit_ids(back) == hit_ids(before)
    assert summary(back) == summary(before)


def test_active_filter_chip_removes_the_filter(client: FlaskClient) -> None:
    soup = page(client, "/?q=trafficking&objective=10")
    chip = one(soup, "p.active a.chip")
    assert text(chip) == "objective: 10 - Trafficking ×"
    assert chip["aria-label"] == "Remove filter objective 10"
    assert chip["title"] == TRAFFICKING_TITLE
    removed = page(client, str(chip["href"]))
    assert params(str(chip["href"])) == {"q": ["trafficking"]}
    assert summary(removed) == "11 passages for “trafficking”"
    assert page_of(removed) == "· page 1 of 2"
    assert not removed.select("p.active")


def test_selected_objective_facet_given_as_words_toggles_off(client: FlaskClient) -> None:
    narrowed = page(client, "/?q=victims&objective=trafficking&mode=words")
    assert summary(narrowed) == "6 passages for “victims”"
    chosen = facet_link(narrowed, "objective", "10 - Trafficking")
    assert "selected" in chosen["class"]  # shown as chosen...
    back = page(client, str(chosen["href"]))  # ...so following it must undo it
    assert summary(back) == summary(page(client, "/?q=victims&mode=words")) == \
        "8 passages for “victims”"


def test_pagination_continues_without_overlap(client: FlaskClient) -> None:
    """limit=2: three pages that together are the one-page ranking, linked by rel=next/prev."""
    everything = hit_ids(page(client, "/?q=trafficking&objective=10"))
    url: str | None = "/?q=trafficking&objective=10&limit=2"
    seen: list[str] = []
    visited = 0
    while url:
        soup = page(client, url)
        visited += 1
        ids = hit_ids(soup)
        assert len(ids) == 2 and not set(ids) & set(seen)
        assert [h["id"] for h in soup.select("article.hit")] == [
            f"hit-{n}" for n in (len(seen) + 1, len(seen) + 2)]
        seen += ids
        nav = one(soup, 'nav.pages[aria-label="Pages"]')
        assert text(one(nav, 'a[aria-current="page"]')) == str(visited)
        assert [text(a) for a in nav.select("a:not([rel])")] == ["1", "2", "3"]
        assert summary(soup) == "6 passages for “trafficking”"
        assert page_of(soup) == f"· page {visited} of 3"
        prev = nav.select('a[rel="prev"]')
        if visited == 1:
            assert not prev
        else:
            assert params(str(prev[0]["href"]))["page"] == [str(visited - 1)]
        following = nav.select('a[rel="next"]')
        url = str(following[0]["href"]) if following else None
        if url:
            assert params(url) == {"objective": ["10"], "q": ["trafficking"], "limit": ["2"],
                                   "page": [str(visited + 1)]}
    assert visited == 3
    assert seen == everything


def test_one_page_has_no_page_links(client: FlaskClient) -> None:
    soup = page(client, "/?q=trafficking&objective=10")
    assert not soup.select("nav.pages") and page_of(soup) is None


def test_count_line_reads_well(client: FlaskClient) -> None:
    heading = text(one(page(client, "/?q=trafficking"), "h1.summary"))
    assert heading.startswith("11 passages for “trafficking”") and "page 1 of 2" in heading
    assert "”·" not in heading


def test_page_past_the_end_does_not_claim_nothing_matches(client: FlaskClient) -> None:
    response = client.get("/?q=trafficking&page=5", follow_redirects=True)  # a redirect is fine
    soup = BeautifulSoup(response.text, "html.parser")
    if response.status_code == 200:
        assert "No passage matches" not in text(one(soup, "section.results"))
        assert soup.select('nav.pages a[href*="page=2"]')  # the last page is one click away
    else:
        assert response.status_code in (400, 404)


def test_showing_results_for_a_corrected_typo(client: FlaskClient) -> None:
    soup = page(client, "/?q=trafficing")
    assert text(one(soup, "p.suggestion")) == "Showing results for trafficking"
    assert summary(soup) == "11 passages for “trafficking”"
    assert page_of(soup) == "· page 1 of 2"
    assert one(soup, 'input[name="q"]')["value"] == "trafficing"  # what was typed stays editable
    assert hit_ids(soup)[0] == f"{JP}:2a.6"


def test_no_results_page_helps(client: FlaskClient) -> None:
    """Nothing found: say so, then offer the objectives and a way out."""
    soup = page(client, "/?q=zzzqqqxx")
    assert summary(soup) == "0 passages for “zzzqqqxx”"
    empty = one(soup, "section.results div.empty")
    assert "No passage matches “zzzqqqxx”." in text(empty)
    assert empty.select('a[href="/objectives"]')
    assert len(empty.select('.objectives-list a[href^="/?objective="]')) == 23
    assert not soup.select("article.hit") and not soup.select("aside.facets")


def test_no_results_with_a_filter_offers_the_search_without_it(client: FlaskClient) -> None:
    soup = page(client, "/?q=smuggling&objective=10")
    assert summary(soup) == "0 passages for “smuggling”"
    link = [a for a in soup.select("div.empty a") if "Search all passages" in text(a)]
    assert len(link) == 1 and params(str(link[0]["href"])) == {"q": ["smuggling"]}
    assert hit_ids(page(client, str(link[0]["href"])))


def test_browse_an_objective_without_words(client: FlaskClient,
                                           japan_passages: tuple[Passage, ...]) -> None:
    """Only a filter: its passages in document order."""
    soup = page(client, "/?objective=10")
    assert hit_ids(soup) == [p.id for p in japan_passages if 10 in p.objectives]


# ---- /p/<id> -----------------------------------------------------------------------------------

def test_passage_page_text_neighbours_and_document_link(
        client: FlaskClient, japan_by_id: dict[str, Passage]) -> None:
    soup = page(client, f"/p/{JP}:2a.6")
    assert text(one(soup, "h1")) == f"{JP}:2a.6"
    assert one(soup, "blockquote#exact").get_text() == japan_by_id[f"{JP}:2a.6"].text
    assert text(one(soup, "span.citation")) == CITATION_2A6
    badge = one(soup, "a.badge")
    assert (text(badge), badge["title"]) == ("10 - Trafficking", TRAFFICKING_TITLE)
    before, after = one(soup, "p.before"), one(soup, "p.after")
    assert one(before, "a")["href"] == f"/p/{JP}:2a.5"
    assert one(after, "a")["href"] == f"/p/{JP}:2a.7"
    assert japan_by_id[f"{JP}:2a.7"].text[:100] in before.find_next("p").get_text()
    link = soup.select(f'a[href="/d/{JP}#p-{JP}-2a.6"]')
    assert len(link) == 1 and text(link[0]) == "In the document"
    target = page(client, f"/d/{JP}")
    assert one(target, f"#p-{JP}-2a\\.6").get_text().count(japan_by_id[f"{JP}:2a.6"].text) == 1


def test_every_citation_format_is_shown(client: FlaskClient, japan_config: Config) -> None:
    """All six formats, each exactly what `gcm-search cite -f FORMAT` prints."""
    assert FORMATS == ("text", "markdown", "csl-json", "bibtex", "ris", "annotation")
    soup = page(client, f"/p/{JP}:2a.6")
    shown = {str(pre["id"]).removeprefix("format-"): pre.get_text()
             for pre in soup.select("section.formats pre")}
    assert list(shown) == list(FORMATS)
    for fmt, body in shown.items():
        assert body == cli_stdout(japan_config, "cite", f"{JP}:2a.6", "-f", fmt).rstrip("\n")
        button = one(soup, f"pre#format-{fmt}").find_next_sibling("button")
        assert (text(button), button["data-copy"]) == (f"Copy {fmt}", body)
    buttons = {text(b): b["data-copy"] for b in soup.select("p.actions button.copy")}
    assert buttons == {"Copy citation": CITATION_2A6, "Copy quote": shown["text"]}
    assert shown["text"].endswith(CITATION_2A6)
    assert json.loads(shown["csl-json"])[0]["id"] == JP
    assert "[japan-2022:2a.6]" in shown["bibtex"] and shown["ris"].startswith("TY  -")
    selectors = json.loads(shown["annotation"])["target"]["selector"]
    assert any(s.get("exact", "").startswith("As for the objective 10") for s in selectors)


# ---- /d/<doc> -----------------------------------------------------------------------------------

def test_document_has_every_passage_at_its_anchor(client: FlaskClient,
                                                  japan_passages: tuple[Passage, ...]) -> None:
    """`/d/japan-2022#p-…` lands on each passage, which shows its text (as a reader sees it: the
    source's markdown escapes undone) and its badges."""
    soup = page(client, f"/d/{JP}")
    shown = soup.select("div.passage")
    assert [d["id"] for d in shown] == [anchor(p.id) for p in japan_passages]
    for passage, element in zip(japan_passages, shown, strict=True):
        assert one(element, "p.text").get_text() == passage.text.replace("\\$", "$")
        assert [text(b) for b in element.select("a.badge")] == [
            gcm.objective(n).label for n in passage.objectives]
        assert one(element, "a.pid")["href"] == f"/p/{passage.id}"
    assert len({d["id"] for d in soup.find_all(id=True)}) == len(soup.find_all(id=True))


def test_document_headings_in_order(client: FlaskClient,
                                    japan_passages: tuple[Passage, ...]) -> None:
    """Sections (h2) and subsections (h3) appear once each, before their passages, in order."""
    expected: list[str] = []
    section = subsection = None
    for p in japan_passages:
        if p.section and (p.section, p.section_title) != section:
            section, subsection = (p.section, p.section_title), None
            expected.append(f"h2 {p.section} {p.section_title}")
        if p.subsection and (p.subsection, p.subsection_title) != subsection:
            subsection = (p.subsection, p.subsection_title)
            expected.append(f"h3 {p.subsection}) {p.subsection_title}")
        expected.append(anchor(p.id))
    article = one(page(client, f"/d/{JP}"), "article.document")
    seen = []
    for element in article.select("h2, h3, div.passage"):
        if element.name == "div":
            seen.append(str(element["id"]))
        else:
            own = "".join(element.find_all(string=True, recursive=False))
            seen.append(f"{element.name} {' '.join(own.split())}")
    assert seen == expected
    assert sum(s.startswith("h2") for s in seen) == 4


# ---- /objectives -------------------------------------------------------------------------------

def test_objectives_table_counts_equal_the_api(client: FlaskClient) -> None:
    soup = page(client, "/objectives")
    rows = soup.select("table tbody tr")
    assert len(rows) == 23
    shown = {text(one(r, "a")): int(text(one(r, "td.num"))) for r in rows}
    rows_api = api(client, "/api/objectives")
    assert shown == {r["label"]: r["passages"] for r in rows_api}
    assert shown["10 - Trafficking"] == 6
    assert one(soup, 'a[href="/objectives/10"]').get_text() == "10 - Trafficking"
    assert len(soup.select("section.cluster-table")) == 4


def test_one_objective_grouped_by_country(client: FlaskClient,
                                          japan_passages: tuple[Passage, ...]) -> None:
    soup = page(client, "/objectives/10")
    assert text(one(soup, "h1")) == "Objective 10: Trafficking"
    assert TRAFFICKING_TITLE in text(one(soup, "p.official"))
    countries = soup.select("section.country")
    tagged = [p.id for p in japan_passages if 10 in p.objectives]
    assert [text(one(c, "h2")) for c in countries] == [f"Japan {len(tagged)}"]
    assert hit_ids(soup) == tagged
    assert f"{len(tagged)} passages from 1 country" in text(one(soup, "p.summary-line"))


def test_unknown_objective_is_a_400_page(client: FlaskClient) -> None:
    soup = page(client, "/objectives/99", status=400)
    assert text(one(soup, "h1")) == "400: there is no GCM objective 99"
    assert soup.select('a[href="/"]')


# ---- the JSON twins ----------------------------------------------------------------------------

@pytest.mark.parametrize(("query", "words", "filters"), [
    ("q=trafficking&objective=10", "trafficking", {"objectives": ["10"]}),
    ("q=trafficing&limit=3&page=2", "trafficing", {}),
    ("q=labour+shortages&kind=progress", "labour shortages", {"kinds": ["progress"]}),
])
def test_api_search_is_the_library_and_cli_json(client: FlaskClient, japan_config: Config,
                                                japan_index: OpenIndex, query: str, words: str,
                                                filters: dict[str, list[str]]) -> None:
    """/api/search is `render.results_dict(search(...))`, which is also `search --json`."""
    got = api(client, f"/api/search?{query}")
    args = params(f"?{query}")
    request = Request(words, make_filters(japan_index, **filters),
                      int(args.get("page", ["1"])[0]), int(args.get("limit", ["10"])[0]))
    assert got == json.loads(json.dumps(results_dict(search(japan_index, request))))
    options = [f"--{k.removesuffix('s')}={v}" for k, vs in filters.items() for v in vs]
    options += [f"--{k}={args[k][0]}" for k in ("page", "limit") if k in args]
    assert got == json.loads(cli_stdout(japan_config, "search", *words.split(), *options,
                                        "--json"))
    assert got["total"] > 0


def test_api_passage(client: FlaskClient, japan_by_id: dict[str, Passage]) -> None:
    data = api(client, f"/api/passages/{JP}:2a.6")
    passage = japan_by_id[f"{JP}:2a.6"]
    assert (data["id"], data["text"], data["citation"]) == (passage.id, passage.text,
                                                            CITATION_2A6)
    assert data["objectives"] == [10] and data["objective_labels"] == ["10 - Trafficking"]


def test_api_objectives_and_documents(client: FlaskClient,
                                      japan_passages: tuple[Passage, ...]) -> None:
    rows = api(client, "/api/objectives")
    assert [r["number"] for r in rows] == list(range(1, 24))
    for row in rows:
        assert row["passages"] == sum(row["number"] in p.objectives for p in japan_passages)
    documents = api(client, "/api/documents")
    assert [(d["id"], d["country"], d["year"], d["passages"]) for d in documents] == [
        (JP, "Japan", 2022, len(japan_passages))]


# ---- safety: escaping --------------------------------------------------------------------------

def only_our_script(soup: BeautifulSoup) -> None:
    """The one <script> is the site's app.js; no inline code anywhere (the CSP would block it)."""
    scripts = soup.find_all("script")
    assert [s.get("src") for s in scripts] == ["/static/app.js"]
    assert all(not s.string for s in scripts)
    for element in soup.find_all(True):
        assert not [a for a in element.attrs if a.lower().startswith("on") or a == "style"], \
            element.name
    assert not soup.find_all("style")


@pytest.mark.parametrize(("url", "echoed"), [
    ("/?q=%3Cscript%3Ealert(1)%3C/script%3E", "<script>alert(1)</script>"),
    ("/?q=%3Cscript%3Ealert(1)%3C/script%3E&objective=10", "<script>alert(1)</script>"),
    ("/?q=trafficking&country=%3Cscript%3Ealert(1)%3C/script%3E", "<script>alert(1)</script>"),
    ("/p/%3Cscript%3Ealert(1)%3C/script%3E", "<script>alert(1)</script>"),
    ("/d/%3Cimg%20src=x%20onerror=alert(1)%3E", "<img src=x onerror=alert(1)>"),
    ("/api/passages/%3Cscript%3Ealert(1)%3C/script%3E", "<script>alert(1)</script>"),
])
def test_hostile_input_shows_as_text(client: FlaskClient, url: str, echoed: str) -> None:
    """A query, a filter value or an id echoed back (results or error page) is text, not markup."""
    with client.get(url) as response:
        body = response.text
    if url.startswith("/api/"):  # JSON, never sniffed as HTML: the value is kept as it was
        assert response.mimetype == "application/json"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert echoed in response.get_json()["error"]["message"]
        return
    assert echoed not in body
    soup = BeautifulSoup(body, "html.parser")
    only_our_script(soup)
    assert not soup.find_all("img")
    if response.status_code == 200:
        assert one(soup, 'input[name="q"]')["value"] == echoed
        assert f"“{echoed}”" in summary(soup)
    else:
        assert echoed in text(one(soup, "h1"))


@pytest.fixture(scope="module")
def hostile_app(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    """A one-document corpus whose paragraph (and title) carry markup."""
    base = tmp_path_factory.mktemp("hostile")
    corpus = base / "corpus"
    corpus.mkdir()
    document = {"id": "atlantis-2024", "file": "review.txt", "country": "Atlantis",
                "title": HOSTILE_TITLE, "iso3": "ATL", "year": 2024,
                "author": "Government of Atlantis", "cycle": "IMRF 2026", "language": "en"}
    (corpus / "catalog.json").write_text(json.dumps({"documents": [document]}), encoding="utf-8")
    (corpus / "review.txt").write_text(
        "Voluntary GCM review by Atlantis\n\n"
        "2 Protecting migrants through rights-based border governance measures "
        "(GCM Objectives: 4, 8, 9, 10, 11, 13, 21)\n\n"
        "a) Progress\n\n"
        f"As for the objective 10, the harbour office wrote {HOSTILE} in its report.\n\n"
        "A second paragraph about border liaison offices.\n",
        encoding="utf-8")
    return create_app(Config(corpus, base / "index"))


HOSTILE_ID = "atlantis-2024:2a.1"
HOSTILE_TEXT = f"As for the objective 10, the harbour office wrote {HOSTILE} in its report."


@pytest.mark.parametrize(("url", "selector"), [
    ("/?q=harbour", "article.hit blockquote.text"),
    ("/?q=alert+bold", "article.hit blockquote.text"),
    (f"/p/{HOSTILE_ID}", "blockquote#exact"),
    ("/d/atlantis-2024", "#p-atlantis-2024-2a\\.1 p.text"),
])
def test_hostile_passage_text_is_escaped(hostile_app: Flask, url: str, selector: str) -> None:
    """Document text is shown as text on every page, in highlights and in attributes."""
    response = hostile_app.test_client().get(url)
    assert response.status_code == 200
    assert '<script>alert("x")' not in response.text and "<b>bold" not in response.text
    assert "<i>Atlantis" not in response.text
    soup = BeautifulSoup(response.text, "html.parser")
    only_our_script(soup)
    shown = one(soup, selector)
    assert shown.get_text() == HOSTILE_TEXT
    assert {c.name for c in shown.find_all(True)} <= {"mark"}
    assert not soup.find_all(["b", "i"])
    # The attributes hold the text whole, quotes and all: a quote button, and every citation.
    copies = [str(b["data-copy"]) for b in soup.select("button.copy")
              if text(b) in ("Copy citation", "Copy quote")]
    assert copies and all(HOSTILE_TITLE in c for c in copies)
    assert url.startswith("/d/") or any(HOSTILE_TEXT in c for c in copies)
    assert HOSTILE_TITLE in soup.get_text()


def test_hostile_text_in_citation_formats(hostile_app: Flask) -> None:
    soup = BeautifulSoup(hostile_app.test_client().get(f"/p/{HOSTILE_ID}").text, "html.parser")
    for fmt in ("text", "markdown"):
        assert HOSTILE_TEXT in one(soup, f"pre#format-{fmt}").get_text()
    assert json.loads(one(soup, "pre#format-csl-json").get_text())[0]["title"] == HOSTILE_TITLE


# ---- safety: headers, limits, errors -----------------------------------------------------------

def assert_security_headers(headers: Any) -> None:
    for name in SECURITY_HEADERS:
        assert headers.get(name), name
    csp = {d.split()[0]: d.split()[1:] for d in headers["Content-Security-Policy"].split(";")
           if d.strip()}
    assert csp["script-src"] == ["'self'"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] in ("DENY", "SAMEORIGIN")


@pytest.mark.parametrize(("method", "url", "status"), [
    ("GET", "/", 200),
    ("GET", "/?q=trafficking", 200),
    ("GET", f"/p/{JP}:2a.6", 200),
    ("GET", f"/d/{JP}", 200),
    ("GET", "/objectives", 200),
    ("GET", "/objectives/10", 200),
    ("GET", "/static/app.js", 200),
    ("GET", "/api/search?q=trafficking", 200),
    ("GET", "/api/objectives", 200),
    ("GET", "/api/documents", 200),
    ("GET", "/nowhere", 404),
    ("GET", "/api/nowhere", 404),
    ("GET", "/?q=trafficking&limit=1000", 400),
    ("GET", "/api/search?q=trafficking&page=0", 400),
    ("POST", "/", 405),
])
def test_security_headers_everywhere(client: FlaskClient, method: str, url: str,
                                     status: int) -> None:
    with client.open(url, method=method) as response:
        assert response.status_code == status
        assert_security_headers(response.headers)


@pytest.mark.parametrize("query", [
    "q=" + "a" * 1001,
    "q=" + "trafficking+" * 100,
    "q=trafficking&limit=1000",
    "q=trafficking&limit=0",
    "q=trafficking&page=0",
    "q=trafficking&page=abc",
    "q=trafficking&page=99999999999999999999",
    "objective=99",
    "kind=nonsense",
])
def test_bad_requests_get_a_clear_400(client: FlaskClient, query: str) -> None:
    """Over-long queries, page sizes and pages out of range: a 400 page, and a 400 JSON error."""
    soup = page(client, f"/?{query}", status=400)
    heading = text(one(soup, "h1"))
    assert heading.startswith("400: ") and len(heading) > len("400: ")
    assert soup.select('a[href="/"]')
    error = api(client, f"/api/search?{query}", status=400)
    assert set(error) == {"error"} and set(error["error"]) == ERROR_KEYS
    assert error["error"]["status"] == 400
    assert error["error"]["message"] == heading.removeprefix("400: ")


def test_a_query_of_exactly_the_maximum_is_fine(client: FlaskClient) -> None:
    assert client.get("/?q=" + "a" * 1000).status_code == 200


@pytest.mark.parametrize("passage_id", [f"{JP}:9z.999", "nothing", f"{JP}:2a.6x"])
def test_unknown_passage_is_a_404(client: FlaskClient, passage_id: str) -> None:
    soup = page(client, f"/p/{passage_id}", status=404)
    assert text(one(soup, "h1")) == f"404: no passage '{passage_id}'"
    error = api(client, f"/api/passages/{passage_id}", status=404)
    assert set(error["error"]) == ERROR_KEYS and error["error"]["status"] == 404
    assert passage_id in error["error"]["message"]


def test_unknown_document_is_a_404(client: FlaskClient) -> None:
    assert text(one(page(client, "/d/atlantis-1999", status=404), "h1")) == (
        "404: no document 'atlantis-1999'")


@pytest.mark.parametrize("url", [
    "/d/..%2F..%2Fetc%2Fpasswd",
    "/d/../../etc/passwd",
    "/p/../../etc/passwd",
    "/p/..%2F..%2F..%2Fpyproject.toml",
    "/static/../../pyproject.toml",
    "/static/..%2F..%2Fpyproject.toml",
    "/static/%2e%2e/%2e%2e/%2e%2e/pyproject.toml",
    "/api/passages/../../../etc/passwd",
])
def test_path_traversal_is_a_404(client: FlaskClient, url: str) -> None:
    with client.get(url) as response:
        assert response.status_code == 404
        assert_no_leak(response.text)
        assert_security_headers(response.headers)


@pytest.mark.parametrize(("url", "json_error"), [
    ("/?q=trafficking", False),
    ("/objectives/10", False),
    ("/api/search?q=trafficking", True),
])
def test_an_unexpected_error_is_a_500_without_a_traceback(
        client: FlaskClient, monkeypatch: pytest.MonkeyPatch, url: str, json_error: bool) -> None:
    def boom(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("secret internal detail /srv/gcm")

    monkeypatch.setattr(views, "search", boom)
    monkeypatch.setattr(views, "compare", boom)
    response = client.get(url)
    assert response.status_code == 500
    assert_no_leak(response.text)
    assert "secret internal detail" not in response.text and "/srv/gcm" not in response.text
    assert_security_headers(response.headers)
    if json_error:
        assert response.get_json() == {"error": {
            "status": 500, "message": "Something went wrong on our side.",
            "hint": "the error was logged"}}
    else:
        soup = BeautifulSoup(response.text, "html.parser")
        assert text(one(soup, "h1")) == "500: Something went wrong on our side."
        assert soup.select('a[href="/"]')


# ---- a rebuild while serving ------------------------------------------------------------------

NEW_WORD = "quokkaphone"


def test_rebuild_is_picked_up_without_a_failed_request(fresh_config: Config) -> None:
    """Requests keep succeeding while the index is rebuilt; the next one sees the new build."""
    app = create_app(fresh_config)
    client = app.test_client()
    assert api(client, f"/api/search?q={NEW_WORD}")["total"] == 0
    assert api(client, "/api/search?q=trafficking")["total"] == 11

    statuses: list[tuple[int, int | None]] = []
    stop = threading.Event()

    def hammer() -> None:
        other = app.test_client()
        while not stop.is_set():
            response = other.get("/api/search?q=trafficking")
            data = response.get_json(silent=True) or {}
            statuses.append((response.status_code, data.get("total")))

    review = next(fresh_config.corpus.glob("*.txt"))
    with review.open("a", encoding="utf-8") as out:
        out.write(f"\n\nThe review also mentions the {NEW_WORD} programme for new arrivals.\n")
    worker = threading.Thread(target=hammer)
    worker.start()
    try:
        assert api(client, f"/api/search?q={NEW_WORD}")["total"] == 0  # not rebuilt yet
        build(fresh_config)
    finally:
        stop.set()
        worker.join(timeout=30)
    assert not worker.is_alive()
    assert statuses and set(statuses) == {(200, 11)}

    found = api(client, f"/api/search?q={NEW_WORD}")
    assert found["total"] == 1
    new_id = found["results"][0]["id"]
    assert NEW_WORD in api(client, f"/api/passages/{new_id}")["text"]
    assert one(page(client, f"/d/{JP}"), f"#{anchor(new_id).replace('.', chr(92) + '.')}")
    assert hit_ids(page(client, f"/?q={NEW_WORD}")) == [new_id]
    assert api(client, "/api/documents")[0]["passages"] == 37


@pytest.mark.parametrize("url", ["/?limit=-1", "/?page=0", "/?limit=abc"])
def test_bad_paging_is_a_400_even_with_nothing_asked(client: FlaskClient, url: str) -> None:
    assert client.get(url).status_code == 400


def test_repeated_filter_values_make_one_chip(client: FlaskClient) -> None:
    """`objective=10&objective=trafficking` is one filter, shown once, removed in one click."""
    page = BeautifulSoup(client.get("/?q=victims&objective=10&objective=trafficking").text,
                         "html.parser")
    chips = page.select("a.chip")
    assert len(chips) == 1
    assert "10 - Trafficking" in chips[0].get_text()
    # The dropdown shows the filter, however it was typed.
    selected = page.select_one("select#objective option[selected]")
    assert selected is not None and selected["value"] == "10"
    removed = client.get(str(chips[0]["href"]))
    assert "objective" not in str(chips[0]["href"]) and removed.status_code == 200
