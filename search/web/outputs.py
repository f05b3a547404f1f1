"""The research outputs on the web: the coverage heat map (`/coverage`, its downloads and
`/api/coverage`) and every match of a search or comparison as a file (`/export.csv`,
`/export.xlsx`, `/objectives/<n>/export.…`). Routes of the one blueprint (`views.bp`); each parses
the URL as the pages do, calls search/outputs/, and renders or answers with a download.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from flask import jsonify, render_template, request, url_for
from werkzeug.wrappers import Response

from .. import objectives as gcm
from ..errors import BadInput
from ..results import all_passages, compare, make_filters
from .views import bp, compare_query, document_search, flag_arg, opened, parse_search

if TYPE_CHECKING:
    from ..outputs.coverage import Coverage


EXPORT_FORMATS = "any(csv, xlsx)"


@bp.route(f"/export.<{EXPORT_FORMATS}:fmt>")
def export_search(fmt: str) -> Response:
    """Every match of the search `/` would show for the same parameters (all pages; `page` and
    `limit` do not apply), as a CSV or Excel file to save."""
    from ..outputs.exports import hits_table, search_about, search_file_words
    from ..outputs.tables import as_bytes, file_name
    from ..results import every_hit

    index = opened()
    search_request = parse_search(index)
    if not search_request.text and not search_request.filters.to_dict():
        raise BadInput("nothing to export: give a query or a filter", "search first, then "
                       "download the results")
    everything = every_hit(index, search_request)
    table = hits_table(everything.hits, index.documents, _passage_link)
    about = search_about(everything, index.manifest.built_at)
    words = search_file_words(search_request.text, search_request.filters.to_dict())
    return download(as_bytes(table, fmt, (about,)), file_name(words, fmt), fmt)


@bp.route(f"/objectives/<int:number>/export.<{EXPORT_FORMATS}:fmt>")
def export_objective(number: int, fmt: str) -> Response:
    """Every passage of every country of the compare view `/objectives/<n>` (not only the ones
    it shows), as a CSV or Excel file to save."""
    from ..outputs.exports import comparison_about, comparison_file_words, comparison_table
    from ..outputs.tables import as_bytes, file_name

    index = opened()
    gcm.objective(number)
    query = compare_query()
    comparison = compare(index, number, query, per_country=None, stated=flag_arg("stated"))
    table = comparison_table(comparison, index.documents, _passage_link)
    about = comparison_about(comparison, index.manifest.built_at)
    return download(as_bytes(table, fmt, (about,)),
                    file_name(comparison_file_words(comparison), fmt), fmt)


def _passage_link(passage_id: str) -> str:
    """A passage page's address on this server, whole: an exported file leaves the site."""
    return url_for("gcm.passage_page", passage_id=passage_id, _external=True)


def download(data: bytes, name: str, fmt: str) -> Response:
    """A file the browser saves (`Content-Disposition: attachment`) rather than shows."""
    from ..outputs.tables import MEDIA_TYPES

    return Response(data, content_type=MEDIA_TYPES[fmt],
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


COVERAGE_FILTERS = ("cluster", "country", "year", "cycle")


def _coverage() -> Coverage:
    """The matrix the URL asks for (`stated`, `cluster`, `country`, `year`, `cycle`)."""
    from ..outputs import coverage as cov

    index = opened()
    values = {n: [v for v in request.args.getlist(n) if v.strip()] for n in COVERAGE_FILTERS}
    filters = make_filters(index, clusters=values["cluster"], countries=values["country"],
                           years=values["year"])
    return cov.coverage(all_passages(index), index.manifest.documents,
                        replace(filters, stated=flag_arg("stated")), values["cycle"])


def _coverage_state(matrix: Coverage) -> dict[str, list[str]]:
    """The matrix's parameters as checked, for its download links and form."""
    return {**({"stated": ["1"]} if matrix.stated_only else {}), **matrix.filters}


@bp.route("/coverage")
def coverage_page() -> str:
    from ..outputs import coverage as cov

    matrix = _coverage()
    state = _coverage_state(matrix)
    ranges = cov.steps(matrix.largest)
    rows = [{"document": r.document, "url": url_for("gcm.document_page", doc=r.document.id),
             "total": r.total, "passages": r.passages,
             "cells": [{"count": count, "level": cov.level(count, ranges),
                        "url": document_search(r.document, n, matrix.stated_only)
                        if count else ""}
                       for n, count in zip(matrix.objectives, r.counts, strict=True)]}
            for r in matrix.rows]
    query = urlencode([(k, v) for k, vs in state.items() for v in vs])
    downloads = {fmt: url_for("gcm.coverage_download", fmt=fmt) + (f"?{query}" if query else "")
                 for fmt in ("csv", "xlsx")}
    return render_template(
        "coverage.html", matrix=matrix, rows=rows, state=state,
        objectives=[gcm.objective(n) for n in matrix.objectives],
        totals=matrix.column_totals, clusters=gcm.CLUSTERS, explained=cov.explained(matrix),
        legend=[{"level": 0, "range": "0"}] + [
            {"level": k, "range": str(low) if low == high else f"{low}–{high}"}
            for k, (low, high) in enumerate(ranges, start=1)],
        downloads=downloads,
        api=url_for("gcm.api_coverage") + (f"?{query}" if query else ""))


@bp.route("/coverage.<any(csv, xlsx):fmt>")
def coverage_download(fmt: str) -> Response:
    from ..outputs.coverage import spreadsheet
    from ..outputs.tables import file_name

    matrix = _coverage()
    words = ["gcm-coverage", *(["stated"] if matrix.stated_only else []),
             *(f"{k}-{v}" for k, vs in matrix.filters.items() for v in vs)]
    return download(spreadsheet(matrix, fmt), file_name(words, fmt), fmt)


@bp.route("/api/coverage")
def api_coverage() -> Response:
    from ..outputs.coverage import coverage_dict

    return jsonify(coverage_dict(_coverage()))
