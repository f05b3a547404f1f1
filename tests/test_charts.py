"""Bar charts as SVG (issue 15): `search.outputs.charts.bar_chart` read back as XML, as a screen
reader and a browser get it, and the charts on the document page (passages per objective) and
the objective page (passages per country) checked against the passages they count."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from flask.testing import FlaskClient
from test_languages import ON_OBJECTIVE_10, three_documents

from search import objectives as gcm
from search.config import Config
from search.models import Passage
from search.outputs.charts import LONGEST, MAX_LABEL, Bar, bar_chart
from search.web import create_app

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = '<script>alert("x")</script> & \'quoted\' </svg>'


def parsed(markup: str) -> ET.Element:
    """The chart as an XML parser reads it (a malformed one raises)."""
    root = ET.fromstring(str(markup))
    assert root.tag == f"{SVG}svg"
    return root


def texts(root: ET.Element, cls: str) -> list[str]:
    return [e.text or "" for e in root.iter(f"{SVG}text") if e.get("class") == cls]


def named(root: ET.Element, ident: str) -> str:
    """The text of the element that an id names (what aria-labelledby points at)."""
    (found,) = [e for e in root.iter() if e.get("id") == ident]
    return found.text or ""


BARS = [Bar("10 - Trafficking", 6, "/?objective=10&country=Japan", "Prevent trafficking"),
        Bar("9 - Smuggling", 3, "/?objective=9&country=Japan"),
        Bar("15 - Basic services", 0, "/?objective=15&country=Japan")]


def test_an_accessible_chart_of_links() -> None:
    root = parsed(bar_chart(BARS, title="Passages per objective", ident="c1",
                            description="Tagged passages."))
    assert root.get("role") == "group"  # "img" would hide the links from a screen reader
    assert named(root, root.get("aria-labelledby", "")) == "Passages per objective"
    assert named(root, root.get("aria-describedby", "")) == (
        "Tagged passages. 10 - Trafficking: 6 passages; 9 - Smuggling: 3 passages; "
        "15 - Basic services: 0 passages.")
    assert "style" not in {a for e in root.iter() for a in e.attrib}  # the CSP forbids it
    # Every bar's name and number are visible text, in the order given.
    assert texts(root, "chart-label") == ["10 - Trafficking", "9 - Smuggling",
                                          "15 - Basic services"]
    assert texts(root, "chart-value") == ["6", "3", "0"]
    links = list(root.iter(f"{SVG}a"))
    assert [a.get("href") for a in links] == [b.href for b in BARS]
    assert [a.get("aria-label") for a in links] == [
        "Prevent trafficking: 6 passages", "9 - Smuggling: 3 passages",
        "15 - Basic services: 0 passages"]
    # The longest bar fills its share of the width, the others in proportion; 0 a hairline.
    widths = [r.get("width") for r in root.iter(f"{SVG}rect")]
    assert widths == [f"{LONGEST}.0%", f"{LONGEST / 2}%", "0.2%"]
    assert root.get("width") == "100%" and root.get("viewBox") is None


def test_a_chart_without_links_is_one_image() -> None:
    root = parsed(bar_chart([Bar("Japan", 1), Bar("Morocco", 2)], title="T", description="D",
                            ident="c2", unit="review"))
    assert root.get("role") == "img" and not list(root.iter(f"{SVG}a"))
    assert named(root, "c2-desc") == "D Japan: 1 review; Morocco: 2 reviews."


def test_hostile_labels_are_text() -> None:
    markup = bar_chart([Bar(HOSTILE + "\x0c\x00", 2, '/?q="><script>', HOSTILE)],
                       title=HOSTILE, description=HOSTILE, ident='x" onload="alert(1)')
    root = parsed(markup)  # still well-formed: the form feed and NUL are gone
    assert "<script>" not in markup and "onload=" not in markup.replace("-onload-", "")
    assert not [e for e in root.iter() if e.tag.endswith("script")]
    assert texts(root, "chart-label") == [HOSTILE]
    assert named(root, root.get("aria-labelledby", "").split()[0]) == HOSTILE
    (link,) = root.iter(f"{SVG}a")
    assert link.get("href") == '/?q="><script>'
    assert root.get("id") == "x--onload--alert-1-"


def test_long_labels_are_cut_with_the_whole_name_kept() -> None:
    name = "A regional review " * 10
    root = parsed(bar_chart([Bar(name, 1)], title="T", description="D", ident="c3"))
    (label,) = texts(root, "chart-label")
    assert len(label) == MAX_LABEL and label.endswith("…") and name.startswith(label[:-1])
    assert name in named(root, "c3-desc")


def test_no_data_is_a_chart_that_says_so() -> None:
    root = parsed(bar_chart([], title="Nothing", description="Passages.", ident="c4"))
    assert root.get("role") == "img"
    assert named(root, "c4-desc") == "Passages. Nothing to show."
    assert texts(root, "chart-empty") == ["Nothing to show."]
    assert not list(root.iter(f"{SVG}rect"))


# ---- on the pages ------------------------------------------------------------------------------

def chart_of(client: FlaskClient, url: str, ident: str) -> ET.Element:
    from bs4 import BeautifulSoup

    response = client.get(url)
    assert response.status_code == 200
    svg = BeautifulSoup(response.get_data(as_text=True), "html.parser").find("svg", id=ident)
    assert svg is not None
    return parsed(str(svg))


def bars_of(root: ET.Element) -> list[tuple[str, int, dict[str, list[str]]]]:
    links = list(root.iter(f"{SVG}a"))
    return [(label, int(value), parse_qs(urlsplit(a.get("href", "")).query))
            for label, value, a in zip(texts(root, "chart-label"), texts(root, "chart-value"),
                                       links, strict=True)]


def test_the_document_page_charts_its_objectives(japan_config: Config,
                                                 japan_passages: tuple[Passage, ...]) -> None:
    client = create_app(japan_config).test_client()
    root = chart_of(client, "/d/japan-2022", "objectives-chart")
    counts: dict[int, int] = {}
    for p in japan_passages:
        for n in set(p.objectives):
            counts[n] = counts.get(n, 0) + 1
    assert bars_of(root) == [
        (gcm.objective(n).label, counts[n],
         {"objective": [str(n)], "country": ["Japan"], "year": ["2022"]})
        for n in sorted(counts)]
    for _, count, query in bars_of(root):
        found = client.get("/api/search", query_string=query).get_json()
        assert found["total"] == count  # the bar's link lists its passages
    page = client.get("/d/japan-2022").get_data(as_text=True)
    missing = [o for o in gcm.OBJECTIVES if o.number not in counts]
    assert "No passage on " + ", ".join(f"{o.number} {o.short}" for o in missing) + "." in page


@pytest.fixture(scope="module")
def three(tmp_path_factory: pytest.TempPathFactory) -> FlaskClient:
    return create_app(three_documents(tmp_path_factory.mktemp("charts"))).test_client()


@pytest.mark.parametrize("query", [{}, {"stated": "1"}, {"q": "victims"}])
def test_the_objective_page_charts_its_countries(three: FlaskClient,
                                                 query: dict[str, Any]) -> None:
    compared = three.get("/api/compare/10", query_string=query).get_json()
    root = chart_of(three, "/objectives/10?" + "&".join(f"{k}={v}" for k, v in query.items()),
                    "countries-chart")
    expected = []
    for column in compared["countries"]:
        where = {"country": [column["country"]]}
        asked = {k: [v] for k, v in query.items()}
        expected.append((column["label"], column["passages"],
                         {"objective": ["10"], **asked, **where}))
    assert bars_of(root) == expected
    assert len(expected) > 1
    if not query:  # counted by hand from the texts (test_languages.py)
        assert [(label, count) for label, count, _ in expected] == list(ON_OBJECTIVE_10.items())
