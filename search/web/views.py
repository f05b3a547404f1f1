"""The pages and their JSON twins. Each view parses the URL, calls the library, renders.

Every state lives in the URL (GET parameters), so every view is a permalink. The JSON of
`/api/search` is the CLI's `search --json` envelope. Errors have one shape: an HTML error page,
or `{"error": {"status", "message", "hint"}}` under `/api/`; no stack trace reaches a client.
"""

from __future__ import annotations

import logging
import re
from dataclasses import replace
from itertools import groupby
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from flask import Blueprint, current_app, jsonify, render_template, request, url_for
from markupsafe import Markup
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from .. import objectives as gcm
from ..anchor import unescape
from ..cite import FORMATS, as_text, citation, quote_of
from ..cite import render as render_citation
from ..corpus import source_of
from ..errors import BadInput, CorpusError, GcmSearchError, ModelUnavailable, NotFound
from ..highlight import as_html
from ..index import LiveIndex, OpenIndex
from ..index.analysis import language
from ..meaning.fuse import MODES
from ..meaning.similar import similar
from ..models import KINDS, Passage, Results
from ..query import MAX_QUERY_CHARS, Filters
from ..render import (
    columns_summary,
    compare_dict,
    hit_dict,
    objective_rows,
    passage_dict,
    provenance,
    results_dict,
    similar_dict,
    telling,
    where,
)
from ..results import (
    MAX_LIMIT,
    MAX_PAGE,
    Request,
    all_passages,
    check_mode,
    compare,
    document_rows,
    make_filters,
    neighbours,
    passage,
    search,
)

if TYPE_CHECKING:
    from ..models import Document
    from ..results import Comparison

bp = Blueprint("gcm", __name__)
log = logging.getLogger("gcm_search.web")

FILTERS = ("objective", "cluster", "section", "kind", "country", "scope", "language", "year")
LANGUAGE_NAMES = {"en": "English", "fr": "French", "es": "Spanish"}
DEFAULT_LIMIT = 10
DEFAULT_MODE = "hybrid"
WHOLE_NUMBER = re.compile(r"-?[0-9]+")


def opened() -> OpenIndex:
    live: LiveIndex = current_app.config["GCM_LIVE_INDEX"]
    return live.get()


# ---- parsing the URL --------------------------------------------------------------------------

def int_arg(name: str, default: int, lowest: int, highest: int) -> int:
    raw = request.args.get(name, "").strip()
    if not raw:
        return default
    # ASCII digits only: int() would also take "１" (full-width) or "1_0".
    if not WHOLE_NUMBER.fullmatch(raw):
        raise BadInput(f"{name} must be a whole number")
    # Past 18 digits it is out of range anyway, and int() of thousands of digits costs time.
    value = int(raw) if len(raw) <= 18 else highest + 1
    if not lowest <= value <= highest:
        raise BadInput(f"{name} must be between {lowest} and {highest}")
    return value


def flag_arg(name: str) -> bool:
    """A yes/no parameter: 1 (or on, as a checkbox sends it) or 0; absent is no."""
    raw = request.args.get(name, "").strip().lower()
    if raw not in ("", "0", "1", "on"):
        raise BadInput(f"{name} must be 1 or 0")
    return raw in ("1", "on")


def parse_search(index: OpenIndex) -> Request:
    text = request.args.get("q", "")
    if len(text) > MAX_QUERY_CHARS:
        raise BadInput(f"the query is longer than {MAX_QUERY_CHARS} characters",
                       "shorten it; a few distinctive words work best")
    values = {name: [v for v in request.args.getlist(name) if v.strip()] for name in FILTERS}
    filters = make_filters(index, objectives=values["objective"], clusters=values["cluster"],
                           sections=values["section"], kinds=values["kind"],
                           countries=values["country"], years=values["year"],
                           languages=values["language"], scopes=values["scope"])
    mode = check_mode(request.args.get("mode", "").strip() or DEFAULT_MODE)
    filters = replace(filters, stated=flag_arg("stated"))
    return Request(text.strip(), filters, int_arg("page", 1, 1, MAX_PAGE),
                   int_arg("limit", DEFAULT_LIMIT, 1, MAX_LIMIT), mode=mode)


def compare_query() -> str:
    """The words a comparison narrows to (`q`), checked as a search's are."""
    query = request.args.get("q", "").strip()
    if len(query) > MAX_QUERY_CHARS:
        raise BadInput(f"the query is longer than {MAX_QUERY_CHARS} characters")
    return query


def _active(filters: Filters) -> dict[str, list[str]]:
    """The search parameters of the current URL: the filters as the search checked them, each
    value once and in the form facets use (objective "trafficking" is 10, country "jpn" is
    Japan), so facet links toggle them like any other value; the query and page size as given.

    Every link on the page carries this state, so nothing in it may grow with the request: 300
    spellings of one country (" Japan", "  Japan", ...) made a 49 KB request a 15 MB page, and
    5,000 `q=` a 730 KB one. Hence normalised filters, and only the first `q` and `limit`, which
    are the ones the search reads.
    """
    state = {**filters.to_dict(),
             **{name: request.args.getlist(name)[:1] for name in ("q", "limit", "mode", "view")}}
    return {k: vs for k, vs in state.items() if any(v.strip() for v in vs)}


def search_url(state: dict[str, list[str]], **changes: Any) -> str:
    """The one URL builder for search pages: `state` with `changes` (None removes a key)."""
    merged = {k: list(v) for k, v in state.items()}
    for key, value in changes.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = [str(v) for v in (value if isinstance(value, list) else [value])]
    query = urlencode([(k, v) for k, vs in merged.items() for v in vs])
    return url_for("gcm.home") + (f"?{query}" if query else "")


def toggle_url(state: dict[str, list[str]], name: str, value: str) -> str:
    """Add a facet value to the filters, or remove it if it is already there (back to page 1)."""
    current = state.get(name, [])
    values = [v for v in current if v != value] if value in current else [*current, value]
    return search_url(state, **{name: values or None, "page": None})


# ---- pages ------------------------------------------------------------------------------------

@bp.route("/")
def home() -> str:
    index = opened()
    search_request = parse_search(index)  # checked even when nothing is asked yet
    state = _active(search_request.filters)
    asked = bool(state.get("q") or any(state.get(f) for f in FILTERS))
    results = search(index, search_request) if asked else None
    view = _view()
    return render_template(
        "search.html",
        results=results,
        view=view,
        # Keyword in context centres a query's words: a browse (filters only) has none.
        kwic=_kwic_view(results) if results and results.searched and view == "kwic" else None,
        downloads=_download_links(state) if results and results.total else {},
        hits=[_hit_view(h, index) for h in results.hits] if results else [],
        state=state,
        query=request.args.get("q", ""),
        facets=_facet_views(results, state) if results else [],
        pages=_page_links(results, state) if results else [],
        clusters=_clusters(),
        kinds=KINDS,
        documents=index.manifest.documents,
        corpus=current_app.config["GCM_LIVE_INDEX"].config.corpus,
        modes=MODES,
        mode=search_request.mode,
        languages=[(code, LANGUAGE_NAMES.get(code, code)) for code in index.languages
                   if any(language(d.language) == code for d in index.manifest.documents)],
    )


@bp.route("/p/<path:passage_id>")
def passage_page(passage_id: str) -> str:
    index = opened()
    try:
        return _passage_page(index, passage_id)
    except CorpusError:
        # The review was removed while this request ran on the build that still had it: its
        # file went once the new build was in, so answer as the new build does.
        if opened().path == index.path:
            raise
        return _passage_page(opened(), passage_id)


def _passage_page(index: OpenIndex, passage_id: str) -> str:
    found = passage(index, passage_id)
    around = neighbours(index, found, 1)
    document = index.documents[found.doc]
    # Not the live catalog: a review being removed leaves it before it leaves the index, and a
    # page must show one state of the corpus, not a mix of two.
    source = source_of(_config(), document)
    quote = quote_of(found, document)
    formats = {fmt: render_citation(fmt, quote, source.text) for fmt in FORMATS}
    return render_template(
        "passage.html",
        passage=found,
        provenance=provenance(found),
        document=document,
        where=where(found),
        badges=_badges(found),
        citation=citation(found, document),
        quote_text=as_text(quote),
        formats=formats,
        before=[p for p in around if p.position < found.position],
        after=[p for p in around if p.position > found.position],
        anchor=anchor_id(found),
        similar=_similar_view(index, found),
    )


SIMILAR_SHOWN = 5


def _similar_view(index: OpenIndex, found: Passage) -> dict[str, Any]:
    """The passages of other reviews nearest `found`; with one review in the corpus, this
    review's, under a heading that says so. A build without vectors shows why there are none."""
    try:
        others = similar(index, found.id, other_documents=True, limit=SIMILAR_SHOWN)
        if len(index.manifest.documents) > 1:
            note = "" if others.hits else "No passage of another review is close in meaning."
            return {"note": note, "heading": "", "hits": others.hits}
        same = similar(index, found.id, limit=SIMILAR_SHOWN)
    except ModelUnavailable as exc:
        return {"note": f"Not available: {exc.message}.", "heading": "", "hits": ()}
    return {"note": "The corpus has no other review yet.",
            "heading": "Similar passages in this review", "hits": same.hits}


@bp.route("/d/<doc>")
def document_page(doc: str) -> str:
    index = opened()
    document = index.documents.get(doc)
    if document is None:
        raise NotFound(f"no document {doc!r}", "see the list on the home page")
    passages = all_passages(index, doc)
    sections = []
    by_section = groupby(passages, key=lambda p: (p.section, p.section_title))
    for (section, title), in_section in by_section:
        members = list(in_section)
        subsections = [
            {"label": label, "title": sub_title,
             "passages": [_passage_view(p, document_citation=citation(p, document))
                          for p in group]}
            for (label, sub_title), group in groupby(members,
                                                     key=lambda p: (p.subsection,
                                                                    p.subsection_title))
        ]
        sections.append({"label": section, "title": title, "cluster": members[0].cluster,
                         "subsections": subsections})
    return render_template("document.html", document=document, sections=sections,
                           chart=objectives_chart(document, passages))


@bp.route("/objectives")
def objectives_page() -> str:
    rows = objective_rows(all_passages(opened()))
    grouped = [(c, [r for r in rows if r["cluster"] == c.number]) for c in gcm.CLUSTERS]
    return render_template("objectives.html", grouped=grouped)


@bp.route("/objectives/<int:number>")
def objective_page(number: int) -> str:
    """One objective across countries, side by side: the compare view."""
    index = opened()
    objective = gcm.objective(number)
    query = compare_query()
    per_country = int_arg("per", 10, 1, MAX_LIMIT)
    comparison = compare(index, number, query, per_country, flag_arg("stated"))
    countries = [{"country": column.label, "count": column.count,
                  "filter": {column.filter[0]: column.filter[1]},
                  "hits": [_hit_view(h, index) for h in column.hits]}
                 for column in comparison.columns]
    return render_template("objective.html", objective=objective, comparison=comparison,
                           countries=countries, query=query,
                           downloads={fmt: url_for("gcm.export_objective", number=number,
                                                   fmt=fmt, q=query or None,
                                                   stated="1" if comparison.stated else None)
                                      for fmt in ("csv", "xlsx")},
                           summary=columns_summary(comparison),
                           chart=countries_chart(comparison, objective),
                           within_url=search_url({"objective": [str(number)]},
                                                 stated="1" if comparison.stated else None))


# ---- the JSON API -----------------------------------------------------------------------------

@bp.route("/api/search")
def api_search() -> Response:
    index = opened()
    return jsonify(results_dict(search(index, parse_search(index))))


@bp.route("/api/passages/<path:passage_id>")
def api_passage(passage_id: str) -> Response:
    index = opened()
    found = passage(index, passage_id)
    document = index.documents[found.doc]
    return jsonify({**passage_dict(found), "citation": citation(found, document)})


@bp.route("/api/passages/<path:passage_id>/similar")
def api_similar(passage_id: str) -> Response:
    index = opened()
    filters = make_filters(index, objectives=request.args.getlist("objective"),
                           countries=request.args.getlist("country"))
    other = request.args.get("other_documents", "").strip().lower() in ("1", "true", "yes", "on")
    found = similar(index, passage_id, filters, other,
                    int_arg("limit", DEFAULT_LIMIT, 1, MAX_LIMIT))
    return jsonify(similar_dict(found))


@bp.route("/api/objectives")
def api_objectives() -> Response:
    return jsonify(objective_rows(all_passages(opened())))


@bp.route("/api/documents")
def api_documents() -> Response:
    return jsonify(document_rows(opened()))


@bp.route("/api/compare/<int:number>")
def api_compare(number: int) -> Response:
    gcm.objective(number)
    query = compare_query()
    return jsonify(compare_dict(compare(opened(), number, query,
                                        int_arg("per", 10, 1, MAX_LIMIT), flag_arg("stated"))))


# ---- keyword in context and download links, on `/` --------------------------------------------


VIEWS = ("list", "kwic")
KWIC_SIDE = 45
"""Characters of context on each side of a match in the web's keyword-in-context table."""


def _view() -> str:
    """How `/` shows the results: `list` (the default) or `kwic`, keyword in context."""
    view = request.args.get("view", "").strip() or "list"
    if view not in VIEWS:
        raise BadInput(f"unknown view {view!r}", f"views: {', '.join(VIEWS)}")
    return view


def _kwic_view(results: Results) -> dict[str, Any]:
    """The page's hits as keyword-in-context rows, and how many have no marked word."""
    from ..outputs import kwic

    rows = [{**kwic.cut(o, KWIC_SIDE)._asdict(),
             "url": url_for("gcm.passage_page", passage_id=o.passage_id)}
            for o in kwic.occurrences(results.hits)]
    return {"rows": rows, "unmarked": kwic.unmarked(results.hits)}


def _download_links(state: dict[str, list[str]]) -> dict[str, str]:
    """The export URLs of the current search: its query and filters, no page or view."""
    kept = urlencode([(k, v) for k, vs in state.items() if k not in ("view", "limit")
                      for v in vs])
    return {fmt: url_for("gcm.export_search", fmt=fmt) + (f"?{kept}" if kept else "")
            for fmt in ("csv", "xlsx")}


# ---- errors: one shape ------------------------------------------------------------------------

@bp.app_errorhandler(GcmSearchError)
def user_error(exc: GcmSearchError) -> tuple[str | Response, int]:
    status = 404 if isinstance(exc, NotFound) else 400 if isinstance(exc, BadInput) else 503
    return _error(status, exc.message, exc.hint)


@bp.app_errorhandler(HTTPException)
def http_error(exc: HTTPException) -> tuple[str | Response, int]:
    return _error(exc.code or 500, exc.name, "")


@bp.app_errorhandler(Exception)
def unexpected(exc: Exception) -> tuple[str | Response, int]:
    log.exception("unexpected error on %s", request.path)
    return _error(500, "Something went wrong on our side.", "the error was logged")


def _error(status: int, message: str, hint: str) -> tuple[str | Response, int]:
    if request.path.startswith("/api/"):
        return jsonify({"error": {"status": status, "message": message, "hint": hint}}), status
    return render_template("error.html", status=status, message=message, hint=hint), status


# ---- view helpers -----------------------------------------------------------------------------

def _config() -> Any:
    live: LiveIndex = current_app.config["GCM_LIVE_INDEX"]
    return live.config


def anchor_id(p: Passage) -> str:
    """The HTML id of a passage in the document view: `p-japan-2022-2a.6`."""
    return "p-" + p.id.replace(":", "-")


def _badges(p: Passage) -> list[dict[str, Any]]:
    return [{"number": n, "short": gcm.objective(n).label, "title": gcm.objective(n).title}
            for n in p.objectives]


def _passage_view(p: Passage, document_citation: str) -> dict[str, Any]:
    return {"passage": p, "badges": _badges(p), "anchor": anchor_id(p),
            "citation": document_citation}


def _hit_view(hit: Any, index: OpenIndex) -> dict[str, Any]:
    data = hit_dict(hit)
    return {
        **data,
        "passage": hit.passage,
        "highlight": Markup(as_html(hit.segments)),  # escaped text, our <mark> tags
        "badges": _badges(hit.passage),
        "provenance": provenance(hit.passage),
        "where": where(hit.passage),
        "doc_url": url_for("gcm.document_page", doc=hit.passage.doc)
                   + "#" + anchor_id(hit.passage),
        "title": index.documents[hit.passage.doc].title,
        "quote_text": as_text(quote_of(hit.passage, index.documents[hit.passage.doc])),
    }


def _facet_views(results: Results, state: dict[str, list[str]]) -> list[dict[str, Any]]:
    names = {"objective": "Objective", "cluster": "Cluster", "section": "Section",
             "kind": "Kind", "country": "Country", "scope": "Scope", "language": "Language",
             "year": "Year"}
    views = []
    for name, counts in results.facets.items():
        active = state.get(name, [])
        if not telling(name, counts, active):
            continue
        items = []
        for value, count in counts.items():
            label, title = facet_label(name, value)
            selected = value in active
            items.append({"value": value, "label": label, "title": title, "count": count,
                          "selected": selected, "url": toggle_url(state, name, value)})
        views.append({"name": name, "title": names[name], "entries": items})
    return views


def facet_label(name: str, value: str) -> tuple[str, str]:
    """How a facet or filter value is shown, and its longer title for a tooltip."""
    if name == "objective" and value.isdigit() and 1 <= int(value) <= 23:
        return gcm.objective(int(value)).label, gcm.objective(int(value)).title
    if name == "cluster" and value.isdigit() and 1 <= int(value) <= 4:
        return f"Cluster {value}", gcm.cluster(int(value)).title
    if name == "section":
        return f"Section {value}", ""
    if name == "kind":
        return value.replace("_", " "), ""
    if name == "language":
        return LANGUAGE_NAMES.get(value, value), ""
    return value, ""


bp.add_app_template_global(facet_label)


def _page_links(results: Results, state: dict[str, list[str]],
                url: str | None = None) -> list[dict[str, Any]]:
    if results.pages <= 1:
        return []
    window = range(max(1, results.page - 3), min(results.pages, results.page + 3) + 1)

    def link(n: int) -> str:
        if url is not None:
            return f"{url}?{urlencode({'page': n})}"
        return search_url(state, page=n)

    links: list[dict[str, Any]] = []
    if results.page > 1:
        links.append({"label": "‹ Previous", "url": link(results.page - 1), "rel": "prev"})
    links += [{"label": str(n), "url": link(n), "current": n == results.page} for n in window]
    if results.page < results.pages:
        links.append({"label": "Next ›", "url": link(results.page + 1), "rel": "next"})
    return links


def _clusters() -> list[dict[str, Any]]:
    return [{"number": c.number, "title": c.title,
             "objectives": [gcm.objective(n) for n in c.objectives]} for c in gcm.CLUSTERS]


@bp.app_template_global()
def search_link(**params: Any) -> str:
    """A search URL from scratch, for links such as "browse objective 10"."""
    return search_url({}, **params)


# Passages as a reader sees them ("US$", not the source's "US\\$"); quotes to copy keep the source.
bp.add_app_template_filter(unescape, "readable")
bp.add_app_template_global(toggle_url)
bp.add_app_template_global(search_url)


# ---- charts -------------------------------------------------------------------------------------


def document_search(document: Document, objective: int, stated: bool = False) -> str:
    """The search for a document's passages on an objective: by its country (or, without one,
    its scope) and year, the closest the search's filters come to one document."""
    where = {"country": document.country} if document.country else {"scope": document.scope}
    return search_link(objective=objective, **where, year=document.year,
                       stated="1" if stated else None)


def objectives_chart(document: Document, passages: list[Passage]) -> dict[str, Any]:
    """The document page's chart: its passages per objective (the objectives it has), each bar
    a link to those passages; and the objectives it has none on."""
    from ..outputs.charts import Bar, bar_chart
    from ..outputs.coverage import coverage

    (row,) = coverage(passages, [document], Filters()).rows
    bars = [Bar(o.label, count, document_search(document, o.number), o.title)
            for o, count in zip(gcm.OBJECTIVES, row.counts, strict=True) if count]
    svg = bar_chart(bars, title=f"Passages per objective in {document.title}",
                    description=f"{row.total} of its {row.passages} passages are tagged with "
                                "an objective (stated or inferred); a passage may have two.",
                    ident="objectives-chart")
    return {"svg": svg, "none": [o for o, c in zip(gcm.OBJECTIVES, row.counts, strict=True)
                                 if not c]}


def countries_chart(comparison: Comparison, objective: gcm.Objective) -> Markup:
    """The objective page's chart: its passages per country (or scope), from the comparison."""
    from ..outputs.charts import Bar, bar_chart

    stated = "1" if comparison.stated else None
    bars = [Bar(c.label, c.count, search_link(objective=objective.number, q=comparison.query
                                              or None, stated=stated,
                                              **{c.filter[0]: c.filter[1]}))
            for c in comparison.columns]
    asked = f" matching “{comparison.query}”" if comparison.query else ""
    return bar_chart(bars, title=f"Passages on objective {objective.label}{asked}, per country",
                     description="Passages per country (documents without one, per scope)"
                                 + (", stated tags only." if comparison.stated else "."),
                     ident="countries-chart")
