"""cite.py: pinpoints, the quoted words and their source offsets, and every format checked against
its own rules for every passage of the Japan review (and for a catalog entry full of LaTeX
specials), so that what users paste into reports and reference managers is exact.
"""

from __future__ import annotations

import dataclasses
import json
import re
from typing import Any

import pytest
from click.testing import CliRunner

from search import cite
from search.anchor import CONTEXT, normalize, passage_range
from search.cite import (
    FORMATS,
    Quote,
    annotation,
    as_bibtex,
    as_csl_json,
    as_markdown,
    as_ris,
    as_text,
    citation,
    csl_item,
    pinpoint,
    quote_of,
)
from search.cli import main
from search.config import Config
from search.errors import BadInput
from search.index import OpenIndex
from search.models import Document, Passage
from search.render import results_dict
from search.results import Request, search
from search.sources import Source

JP = "japan-2022"
REFERENCE_2A6 = ("Government of Japan, Voluntary GCM review by Japan (2022), section 2(a), para. 6 "
                 "[japan-2022:2a.6].")
RIS_LINE = re.compile(r"^[A-Z][A-Z0-9]  -( .*)?$")  # tag, two spaces, "-", then " value"
BIB_FIELD = re.compile(r"^  ([a-z]+) = \{(.*)\},?$")
SPECIALS = Document(
    id="x-2020", file="x.txt", title="Migration & Mobility: 50% of $ costs_#1 {draft} ~^\\",
    country="X", iso3="XXX", year=2020, author="Ministry of Labour & Welfare_#",
    url="https://example.org/review_2020%20final#p1",
)


# ---- pinpoint and citation ------------------------------------------------------------------

@pytest.mark.parametrize(
    ("section", "subsection", "para", "expected_pinpoint", "locator", "label"),
    [
        ("2", "a", 6, "section 2(a), para. 6", "2(a), para. 6", "section"),
        ("3", "", 2, "section 3, para. 2", "3, para. 2", "section"),
        ("", "", 4, "para. 4", "para. 4", "paragraph"),  # before the first section
    ],
)
def test_pinpoint_with_and_without_subsection(
    japan_by_id: dict[str, Passage], japan_document: Document, section: str, subsection: str,
    para: int, expected_pinpoint: str, locator: str, label: str,
) -> None:
    p = dataclasses.replace(japan_by_id[f"{JP}:2a.6"], section=section, subsection=subsection,
                            para=para, section_title=japan_by_id[f"{JP}:2a.6"].section_title
                            if section else "")
    assert pinpoint(p) == expected_pinpoint
    assert citation(p, japan_document) == (
        f"Government of Japan, Voluntary GCM review by Japan (2022), {expected_pinpoint} "
        f"[{JP}:2a.6]."
    )
    item = csl_item(quote_of(p, japan_document))
    assert (item["locator"], item["label"]) == (locator, label)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"number": "12"}, "section 2(a), para. 12"),  # the printed paragraph number
        ({"pages": (3,)}, "section 2(a), para. 6, p. 3"),
        ({"pages": (3, 4)}, "section 2(a), para. 6, pp. 3–4"),
        ({"section": "", "subsection": "", "section_title": "Introduction"},
         "section “Introduction”, para. 6"),  # an unnumbered heading
    ],
)
def test_pinpoint_numbers_pages_and_unnumbered_sections(
    japan_by_id: dict[str, Passage], changes: dict[str, object], expected: str
) -> None:
    p = dataclasses.replace(japan_by_id[f"{JP}:2a.6"], **changes)  # type: ignore[arg-type]
    assert pinpoint(p) == expected


def test_citation_of_2a6(japan_by_id: dict[str, Passage], japan_document: Document) -> None:
    """The issue's example, word for word."""
    assert citation(japan_by_id[f"{JP}:2a.6"], japan_document) == REFERENCE_2A6


def test_every_pinpoint_follows_the_id(japan_passages: tuple[Passage, ...],
                                       japan_document: Document) -> None:
    """japan-2022:3b.2 is section 3(b), para. 2: the pinpoint a reader counts matches the id."""
    for p in japan_passages:
        match = re.fullmatch(rf"{JP}:(\d)([a-z])\.(\d+)", p.id)
        assert match, p.id
        section, sub, para = match.groups()
        assert pinpoint(p) == f"section {section}({sub}), para. {para}"


# ---- quote_of -------------------------------------------------------------------------------

def test_quote_of_whole_passage(japan_passages: tuple[Passage, ...],
                                japan_document: Document, japan_source: Source) -> None:
    """The whole passage: its text, from its first span's start to its last span's end."""
    for p in japan_passages:
        q = quote_of(p, japan_document)
        assert (q.passage, q.document, q.words) == (p, japan_document, p.text)
        assert (q.start, q.end) == (p.spans[0][0], p.spans[-1][1]) == passage_range(p)
        assert normalize(japan_source.text[q.start : q.end]).text == normalize(p.text).text


@pytest.mark.parametrize(
    ("pid", "part", "words"),
    [
        ("1a.1", "At the end of November 2021, the number of specified skilled workers in Japan "
         "was 45,970.", None),
        ("2a.6", "various programs including repatriation and reintegration", None),  # the break
        ("2a.6", "various programs including\nrepatriation", None),  # typed with its own break
        ("1a.1", 'the status of residence "Specified Skilled Worker (i)" and',  # straight quotes
         "the status of residence “Specified Skilled Worker (i)” and"),
        ("2a.7", "approx. US$142,000 to the IOM", "approx. US\\$142,000 to the IOM"),
        ("4b.7", "in 2020. - The number", None),  # across another break
        ("1b.1", "  A total of 283 officials   attended the training.  ",
         "A total of 283 officials attended the training."),
    ],
)
def test_quote_of_part(japan_by_id: dict[str, Passage], japan_document: Document,
                       japan_source: Source, pid: str, part: str, words: str | None) -> None:
    """The offsets narrow to the part; the source slice is the part, modulo forgiven folding,
    and the quoted words are the passage's own (curly quotes, escapes) with single spaces."""
    p = japan_by_id[f"{JP}:{pid}"]
    q = quote_of(p, japan_document, part)
    expected = words if words is not None else " ".join(part.split())
    assert q.words == expected
    assert q.words in p.text
    first, last = passage_range(p)
    assert first <= q.start < q.end <= last
    assert (q.start, q.end) != (first, last)
    source_slice = japan_source.text[q.start : q.end]
    assert normalize(source_slice).text == normalize(part).text
    assert " ".join(source_slice.split()) == q.words


def test_quote_across_the_break_of_2a6(japan_by_id: dict[str, Passage],
                                       japan_document: Document, japan_source: Source) -> None:
    q = quote_of(japan_by_id[f"{JP}:2a.6"], japan_document,
                 "various programs including repatriation and reintegration")
    assert japan_source.text[q.start : q.end] == (
        "various programs including\n\nrepatriation and reintegration")


@pytest.mark.parametrize(
    ("pid", "part", "diff"),
    [
        ("1a.1", "the number of specified skilled workers in Japan was 45,907",
         "the number of specified skilled workers in Japan was [-45,907-] {+45,970+}"),
        ("2b.4", "the police have arrested 339 suspects",
         "the police [-have-] arrested 339 suspects"),
        ("1a.1", "45,970 workers", None),  # not in this order
    ],
)
def test_quote_not_in_passage(japan_by_id: dict[str, Passage], japan_document: Document,
                              pid: str, part: str, diff: str | None) -> None:
    with pytest.raises(BadInput) as raised:
        quote_of(japan_by_id[f"{JP}:{pid}"], japan_document, part)
    assert raised.value.message.startswith(f"the quote is not verbatim in {JP}:{pid}: ")
    if diff is not None:
        assert raised.value.message.endswith(diff)
    assert "[-" in raised.value.message or "{+" in raised.value.message


def test_quote_from_another_passage_is_refused(japan_by_id: dict[str, Passage],
                                               japan_document: Document) -> None:
    """Words that are in the review but not in this passage are not cited under its id."""
    with pytest.raises(BadInput, match=f"not verbatim in {JP}:1a.2"):
        quote_of(japan_by_id[f"{JP}:1a.2"], japan_document, "the number of specified skilled")


# ---- formats, for every passage --------------------------------------------------------------

def test_text_format(japan_passages: tuple[Passage, ...], japan_document: Document) -> None:
    for p in japan_passages:
        text = as_text(quote_of(p, japan_document))
        # As a reader sees it: the source's "US\$" escape undone.
        assert text == f"“{p.text.replace(chr(92) + '$', '$')}” {citation(p, japan_document)}"
        assert text.endswith(f"[{p.id}].") and "\n" not in text


def test_text_format_of_a_part(japan_by_id: dict[str, Passage],
                               japan_document: Document) -> None:
    q = quote_of(japan_by_id[f"{JP}:2a.6"], japan_document, "various programs including "
                 "repatriation and reintegration")
    assert as_text(q) == ("“various programs including repatriation and reintegration” "
                          + REFERENCE_2A6)


def test_markdown_format(japan_passages: tuple[Passage, ...], japan_document: Document) -> None:
    for p in japan_passages:
        lines = as_markdown(quote_of(p, japan_document)).split("\n")
        readable = p.text.replace(chr(92) + "$", "$")
        assert lines == [f"> {readable}", "", f"— {citation(p, japan_document)}"]


def _csl_checked(rendered: str, document: Document, passage: Passage) -> dict[str, Any]:
    items = json.loads(rendered)
    assert isinstance(items, list) and len(items) == 1
    item = items[0]
    assert item["id"] == document.id
    assert item["type"] == "report"
    assert item["title"] == document.title
    assert item["author"] == [{"literal": document.author}]
    assert item["issued"] == {"date-parts": [[document.year]]}
    assert item["genre"] == cite.genre(document)
    assert item["label"] in ("section", "paragraph")
    assert item["locator"].endswith(f"para. {passage.para}")
    assert passage.id in item["note"]
    return item


def test_csl_json_format(japan_passages: tuple[Passage, ...], japan_document: Document) -> None:
    for p in japan_passages:
        item = _csl_checked(as_csl_json(quote_of(p, japan_document)), japan_document, p)
        assert item["locator"] == f"{p.section}({p.subsection}), para. {p.para}"
        assert item["label"] == "section"
        assert item["collection-title"] == "IMRF 2022" and item["language"] == "en"
        assert "URL" not in item  # the Japan entry has no URL


def test_csl_json_with_url(japan_by_id: dict[str, Passage]) -> None:
    p = japan_by_id[f"{JP}:1a.1"]
    item = _csl_checked(as_csl_json(Quote(p, SPECIALS, p.text, 0, 1)), SPECIALS, p)
    assert item["URL"] == SPECIALS.url
    assert item["title"] == SPECIALS.title  # JSON needs no LaTeX escaping
    assert "collection-title" not in item


def _braces_balance(text: str) -> bool:
    """Unescaped { and } nest properly (\\{ and \\} are literal braces in BibTeX)."""
    depth, i = 0, 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text) and text[i + 1] in "{}\\":
            i += 2
            continue
        if text[i] == "{":
            depth += 1
        elif text[i] == "}":
            depth -= 1
            if depth < 0:
                return False
        i += 1
    return depth == 0


@pytest.mark.parametrize(
    ("text", "balanced"),
    [("{a}", True), ("{a\\}", False), ("{\\{}", True), ("}{", False), ("{{a}}", True),
     ("{a", False), ("\\textbackslash{}", True)],
)
def test_brace_counter(text: str, balanced: bool) -> None:
    """The checker itself can fail."""
    assert _braces_balance(text) is balanced


def _bibtex_fields(rendered: str, key: str) -> dict[str, str]:
    lines = rendered.split("\n")
    assert lines[0] == f"@report{{{key},"
    assert lines[-1] == "}"
    assert _braces_balance(rendered)
    fields = {}
    for line in lines[1:-1]:
        match = BIB_FIELD.match(line)
        assert match, line
        assert _braces_balance(match.group(2)), line
        fields[match.group(1)] = match.group(2)
    assert all(line.endswith(",") for line in lines[1:-2]) and not lines[-2].endswith(",")
    return fields


def test_bibtex_format(japan_passages: tuple[Passage, ...], japan_document: Document) -> None:
    for p in japan_passages:
        rendered = as_bibtex(quote_of(p, japan_document))
        assert rendered.startswith("@report{")
        fields = _bibtex_fields(rendered, JP)
        assert fields == {
            "author": "{Government of Japan}",  # double braces in the line: one corporate name
            "title": "Voluntary GCM review by Japan",
            "institution": "Government of Japan",
            "type": "Voluntary GCM review",
            "year": "2022",
            "note": f"{pinpoint(p)} [{p.id}]",
        }
        assert "  author = {{Government of Japan}}," in rendered.split("\n")


def test_bibtex_escapes_latex_specials(japan_by_id: dict[str, Passage]) -> None:
    p = japan_by_id[f"{JP}:1a.1"]
    rendered = as_bibtex(Quote(p, SPECIALS, p.text, 0, 1))
    fields = _bibtex_fields(rendered, SPECIALS.id)
    assert fields["title"] == ("Migration \\& Mobility: 50\\% of \\$ costs\\_\\#1 \\{draft\\} "
                               "\\textasciitilde{}\\textasciicircum{}\\textbackslash{}")
    assert fields["author"] == "{Ministry of Labour \\& Welfare\\_\\#}"
    assert fields["institution"] == "Ministry of Labour \\& Welfare\\_\\#"
    for name in ("title", "author", "institution"):
        unescaped = re.sub(r"\\[&%$#_{}]|\\text[a-z]+\{\}", "", fields[name])
        assert not set("&%$#_\\~^") & set(unescaped), (name, fields[name])
    assert fields["url"] == SPECIALS.url


def _ris_lines(rendered: str) -> list[tuple[str, str]]:
    lines = rendered.split("\n")
    assert lines[0] == "TY  - RPRT" and lines[-1] == "ER  -"
    for line in lines:
        assert RIS_LINE.match(line), line
    return [(line[:2], line[6:]) for line in lines]


def test_ris_format(japan_passages: tuple[Passage, ...], japan_document: Document) -> None:
    for p in japan_passages:
        tags = _ris_lines(as_ris(quote_of(p, japan_document)))
        assert tags == [
            ("TY", "RPRT"), ("AU", "Government of Japan"), ("TI", "Voluntary GCM review by Japan"),
            ("PY", "2022"), ("PB", "Government of Japan"), ("M3", "Voluntary GCM review"),
            ("N1", f"{pinpoint(p)} [{p.id}]"), ("ID", JP), ("T3", "IMRF 2022"), ("LA", "en"),
            ("ER", ""),
        ]


def test_ris_with_specials_and_url(japan_by_id: dict[str, Passage]) -> None:
    p = japan_by_id[f"{JP}:1a.1"]
    tags = dict(_ris_lines(as_ris(Quote(p, SPECIALS, p.text, 0, 1))))
    assert tags["TI"] == SPECIALS.title and tags["UR"] == SPECIALS.url  # RIS is plain text


def _check_annotation(data: dict[str, Any], source: str, q: Quote) -> None:
    assert data["@context"] == "http://www.w3.org/ns/anno.jsonld"
    assert data["type"] == "Annotation"
    assert data["body"]["value"] == citation(q.passage, q.document)
    target = data["target"]
    assert target["source"] == f"urn:gcm-search:{q.document.id}"
    by_type = {s["type"]: s for s in target["selector"]}
    assert set(by_type) == {"TextQuoteSelector", "TextPositionSelector"}
    quote, position = by_type["TextQuoteSelector"], by_type["TextPositionSelector"]
    start, end = position["start"], position["end"]
    assert (start, end) == (q.start, q.end)
    assert source[start:end] == quote["exact"]
    assert normalize(quote["exact"]).text == normalize(q.words).text
    assert len(quote["prefix"]) <= CONTEXT and len(quote["suffix"]) <= CONTEXT
    assert quote["prefix"] == source[start - len(quote["prefix"]) : start]
    assert quote["suffix"] == source[end : end + len(quote["suffix"])]
    assert len(quote["prefix"]) == min(CONTEXT, start)
    assert len(quote["suffix"]) == min(CONTEXT, len(source) - end)


def test_annotation_format(japan_passages: tuple[Passage, ...], japan_document: Document,
                           japan_source: Source) -> None:
    for p in japan_passages:
        q = quote_of(p, japan_document)
        rendered = cite.render("annotation", q, japan_source.text)
        _check_annotation(json.loads(rendered), japan_source.text, q)


def test_annotation_of_a_part(japan_by_id: dict[str, Passage], japan_document: Document,
                              japan_source: Source) -> None:
    q = quote_of(japan_by_id[f"{JP}:2a.6"], japan_document,
                 "various programs including repatriation")
    data = annotation(q, japan_source.text)
    _check_annotation(data, japan_source.text, q)
    assert data["target"]["selector"][0] == {
        "type": "TextQuoteSelector", "exact": "various programs including\n\nrepatriation",
        "prefix": "apan has continued to implement ", "suffix": " and reintegration assistance fo",
    }


def test_annotation_with_a_url_targets_it(japan_by_id: dict[str, Passage]) -> None:
    p = japan_by_id[f"{JP}:1a.1"]
    data = annotation(Quote(p, SPECIALS, "ab", 0, 2), "ab cd")
    assert data["target"]["source"] == SPECIALS.url
    assert data["target"]["selector"][0] == {"type": "TextQuoteSelector", "exact": "ab",
                                             "prefix": "", "suffix": " cd"}


@pytest.mark.parametrize("fmt", FORMATS)
def test_render_dispatches_every_format(fmt: str, japan_by_id: dict[str, Passage],
                                        japan_document: Document, japan_source: Source) -> None:
    q = quote_of(japan_by_id[f"{JP}:2a.6"], japan_document)
    direct = {"text": as_text, "markdown": as_markdown, "csl-json": as_csl_json,
              "bibtex": as_bibtex, "ris": as_ris}
    expected = (direct[fmt](q) if fmt in direct
                else json.dumps(annotation(q, japan_source.text), ensure_ascii=False, indent=2))
    assert cite.render(fmt, q, japan_source.text) == expected


# ---- the one-line citation elsewhere -----------------------------------------------------------

@pytest.mark.parametrize("query", ["trafficking", "skilled workers", "remittance"])
def test_search_results_carry_the_same_citation(japan_index: OpenIndex, query: str) -> None:
    """search's JSON envelope has cite.citation() for every hit, not a copy of it."""
    results = search(japan_index, Request(query))
    envelope = results_dict(results)
    assert envelope["results"]
    for hit, row in zip(results.hits, envelope["results"], strict=True):
        document = japan_index.documents[hit.passage.doc]
        assert row["id"] == hit.passage.id
        assert row["citation"] == citation(hit.passage, document)


@pytest.mark.parametrize("pid", ["1a.1", "2a.6", "4b.7"])
def test_show_json_carries_the_same_citation(japan_config: Config, japan_index: OpenIndex,
                                             pid: str) -> None:
    """`show --json` puts cite.citation() on the passage and on each of its neighbours."""
    result = CliRunner().invoke(main, ["show", f"{JP}:{pid}", "--context", "1", "--json",
                                       "--corpus", str(japan_config.corpus),
                                       "--index-dir", str(japan_config.index)])
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    document = japan_index.documents[JP]
    for row in [data["passage"], *data["context"]]:
        assert row["citation"] == citation(Passage.from_dict(row), document)
    assert data["passage"]["citation"].endswith(f"[{JP}:{pid}].")


# ---- documents from a URL, and documents without a country -------------------------------------

ONLINE = Document(
    id="testland-2024", file="testland-2024.pdf", title="Voluntary GCM review by Testland",
    country="Testland", iso3="TST", year=2024, author="Government of Testland",
    url="https://example.org/reviews/testland_2024.pdf", accessed="2026-12-03",
)
REGIONAL = Document(
    id="unece-2024", file="unece-2024.pdf", title="Regional review of the GCM in the UNECE region",
    country="", iso3="", year=2024, author="United Nations Economic Commission for Europe",
    scope="regional", region="Europe and North America",
)
GLOBAL = Document(
    id="gcm-2018", file="gcm-2018.pdf",
    title="Global Compact for Safe, Orderly and Regular Migration", country="", iso3="",
    year=2018, author="United Nations General Assembly", scope="global",
    url="https://undocs.org/A/RES/73/195", accessed="2026-01-15",
)
AVAILABLE = ("Available at: https://example.org/reviews/testland_2024.pdf "
             "(accessed 3 December 2026).")


def _quote_in(document: Document, passage: Passage) -> Quote:
    """`passage` as if it were in `document`: its id, document, country and scope follow."""
    moved = dataclasses.replace(passage, id=passage.id.replace(JP, document.id), doc=document.id,
                                country=document.country, iso3=document.iso3,
                                scope=document.scope)
    return quote_of(moved, document)


def test_text_with_url_and_access_date(japan_by_id: dict[str, Passage]) -> None:
    q = _quote_in(ONLINE, japan_by_id[f"{JP}:2a.6"])
    text = as_text(q)
    assert text == f"“{q.words}” {citation(q.passage, ONLINE)} {AVAILABLE}"
    assert "\n" not in text
    assert citation(q.passage, ONLINE).endswith("[testland-2024:2a.6].")  # hits: unchanged


def test_markdown_with_url_and_access_date(japan_by_id: dict[str, Passage]) -> None:
    q = _quote_in(ONLINE, japan_by_id[f"{JP}:2a.6"])
    lines = as_markdown(q).split("\n")
    assert lines[-1] == (f"— {citation(q.passage, ONLINE)} Available at: "
                         "<https://example.org/reviews/testland_2024.pdf> "
                         "(accessed 3 December 2026).")  # an autolink: "_" is not emphasis


def test_markdown_autolink_has_no_space(japan_by_id: dict[str, Passage]) -> None:
    spaced = dataclasses.replace(ONLINE, url="https://example.org/Informe nacional <2024>.pdf")
    last = as_markdown(_quote_in(spaced, japan_by_id[f"{JP}:1a.1"])).split("\n")[-1]
    assert "<https://example.org/Informe%20nacional%20%3C2024%3E.pdf>" in last
    assert "https://example.org/Informe nacional <2024>.pdf" in as_text(
        _quote_in(spaced, japan_by_id[f"{JP}:1a.1"]))  # the text form shows it as kept


def test_csl_json_with_url_and_access_date(japan_by_id: dict[str, Passage]) -> None:
    q = _quote_in(ONLINE, japan_by_id[f"{JP}:2a.6"])
    item = _csl_checked(as_csl_json(q), ONLINE, q.passage)
    assert item["URL"] == ONLINE.url
    assert item["accessed"] == {"date-parts": [[2026, 12, 3]]}


def test_bibtex_with_url_and_access_date(japan_by_id: dict[str, Passage]) -> None:
    fields = _bibtex_fields(as_bibtex(_quote_in(ONLINE, japan_by_id[f"{JP}:2a.6"])), ONLINE.id)
    assert (fields["url"], fields["urldate"]) == (ONLINE.url, "2026-12-03")
    assert list(fields)[-2:] == ["url", "urldate"]


def test_bibtex_url_with_braces_stays_balanced(japan_by_id: dict[str, Passage]) -> None:
    braced = dataclasses.replace(ONLINE, url="https://example.org/r{1}.pdf")
    fields = _bibtex_fields(as_bibtex(_quote_in(braced, japan_by_id[f"{JP}:1a.1"])), ONLINE.id)
    assert fields["url"] == "https://example.org/r%7B1%7D.pdf"


def test_ris_with_url_and_access_date(japan_by_id: dict[str, Passage]) -> None:
    tags = _ris_lines(as_ris(_quote_in(ONLINE, japan_by_id[f"{JP}:2a.6"])))
    assert ("UR", ONLINE.url) in tags and ("Y2", "2026/12/03/") in tags
    assert [tag for tag, _ in tags][-4:] == ["UR", "Y2", "LA", "ER"]


def test_url_without_access_date(japan_by_id: dict[str, Passage]) -> None:
    undated = dataclasses.replace(ONLINE, accessed="")
    q = _quote_in(undated, japan_by_id[f"{JP}:2a.6"])
    assert as_text(q).endswith("[testland-2024:2a.6]. Available at: "
                               "https://example.org/reviews/testland_2024.pdf.")
    assert "accessed" not in csl_item(q)
    assert "urldate" not in _bibtex_fields(as_bibtex(q), ONLINE.id)
    assert "Y2" not in dict(_ris_lines(as_ris(q)))


def test_access_date_without_url_is_not_cited(japan_by_id: dict[str, Passage]) -> None:
    """An access date says when the URL was read: with no URL, it says nothing."""
    offline = dataclasses.replace(ONLINE, url="")
    q = _quote_in(offline, japan_by_id[f"{JP}:2a.6"])
    assert as_text(q).endswith("[testland-2024:2a.6].")
    assert "Available" not in as_markdown(q)
    assert not {"URL", "accessed"} & set(csl_item(q))
    assert not {"url", "urldate"} & set(_bibtex_fields(as_bibtex(q), ONLINE.id))
    assert not {"UR", "Y2"} & set(dict(_ris_lines(as_ris(q))))
    assert annotation(q, "ab")["target"]["source"] == "urn:gcm-search:testland-2024"


def test_an_access_date_that_is_not_iso_is_cited_as_written(
        japan_by_id: dict[str, Passage]) -> None:
    odd = dataclasses.replace(ONLINE, accessed="December 2026")
    q = _quote_in(odd, japan_by_id[f"{JP}:2a.6"])
    assert as_text(q).endswith(f"{ONLINE.url} (accessed December 2026).")
    assert csl_item(q)["accessed"] == {"raw": "December 2026"}
    assert _bibtex_fields(as_bibtex(q), ONLINE.id)["urldate"] == "December 2026"
    assert dict(_ris_lines(as_ris(q)))["Y2"] == "December 2026"


@pytest.mark.parametrize(
    ("document", "genre"),
    [(REGIONAL, "Regional GCM review"), (GLOBAL, "Global Compact for Migration document"),
     (dataclasses.replace(REGIONAL, scope="stakeholder", region="",
                          author="International Organization for Migration"),
      "Stakeholder contribution to the GCM review")],
    ids=["regional", "global", "stakeholder"],
)
def test_documents_without_a_country(japan_by_id: dict[str, Passage], document: Document,
                                     genre: str) -> None:
    """Cited by their corporate author and kind: no empty country, no "()", no national genre."""
    q = _quote_in(document, japan_by_id[f"{JP}:2a.6"])
    one_line = citation(q.passage, document)
    assert one_line == (f"{document.author}, {document.title} ({document.year}), "
                        f"section 2(a), para. 6 [{document.id}:2a.6].")
    rendered = [as_text(q), as_markdown(q), as_csl_json(q), as_bibtex(q), as_ris(q)]
    for text in rendered:
        assert "()" not in text and ", ," not in text and "Voluntary GCM review" not in text
    item = _csl_checked(as_csl_json(q), document, q.passage)
    assert item["genre"] == genre and item["publisher"] == document.author
    fields = _bibtex_fields(as_bibtex(q), document.id)
    assert fields["type"] == genre and fields["author"] == "{" + document.author + "}"
    tags = dict(_ris_lines(as_ris(q)))
    assert (tags["M3"], tags["AU"], tags["PB"]) == (genre, document.author, document.author)
    assert annotation(q, "ab")["target"]["source"] == (
        document.url or f"urn:gcm-search:{document.id}")


def test_the_compact_from_a_url(japan_by_id: dict[str, Passage]) -> None:
    q = _quote_in(GLOBAL, japan_by_id[f"{JP}:1a.1"])
    assert as_text(q).endswith(
        "United Nations General Assembly, Global Compact for Safe, Orderly and Regular Migration "
        "(2018), section 1(a), para. 1 [gcm-2018:1a.1]. Available at: "
        "https://undocs.org/A/RES/73/195 (accessed 15 January 2026).")
    assert csl_item(q)["accessed"] == {"date-parts": [[2026, 1, 15]]}
    assert dict(_ris_lines(as_ris(q)))["Y2"] == "2026/01/15/"


def test_national_genre_is_unchanged(japan_document: Document) -> None:
    assert cite.genre(japan_document) == cite.GENRE == "Voluntary GCM review"
