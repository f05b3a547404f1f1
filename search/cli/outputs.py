"""Research outputs on the command line: every match as a table (`search --format`, `compare
--format`), keyword in context (`search --kwic`), the coverage matrix (`coverage`) and the whole
index as records or an OpenSearch bulk file (`export`)."""

from __future__ import annotations

import json
import shutil
import sys
from dataclasses import replace
from typing import TYPE_CHECKING

import click
from click.core import ParameterSource

from ..config import Config
from ..outputs import DEFAULT_LINK_BASE, TABLE_FORMATS
from ..render import passage_dict
from ..results import Request, all_passages, compare, make_filters
from .app import F, ansi, index_options, main, open_or_build, write_output

if TYPE_CHECKING:
    from ..index import OpenIndex


def export_options(command: F) -> F:
    """--format, --output and --link-base: every match as a table, for `search` and `compare`."""
    command = click.option(
        "--link-base", default=DEFAULT_LINK_BASE, show_default=True, metavar="URL",
        help="With --format: where the `link` column points, URL/p/<id> (the default is where "
             "`gcm-search serve` listens; give your server's address, or \"\" for /p/<id>).",
    )(command)
    command = click.option(
        "--output", metavar="FILE",
        help="With --format: write to FILE (default: stdout; an Excel workbook needs a file "
             "or a redirect).")(command)
    return click.option(
        "--format", "fmt", type=click.Choice(TABLE_FORMATS),
        help="Write every match as a table (all of them: no paging applies): csv (UTF-8 with "
             "BOM, for Excel), xlsx (Excel) or jsonl, a row per passage with its document, "
             "country, year, section, kind, objectives and their provenance, score, text, "
             "citation and links.")(command)


def given(name: str) -> bool:
    """Did the user give option `name` (on the command line or by environment)?"""
    source = click.get_current_context().get_parameter_source(name)
    return source not in (None, click.core.ParameterSource.DEFAULT)


def check_outputs(*, as_json: bool, fmt: str | None, output: str | None, kwic: bool = False,
                   width: int | None = None) -> None:
    """One output at a time; options that go with one need it."""
    chosen = [name for name, on in (("--json", as_json), ("--format", bool(fmt)),
                                    ("--kwic", kwic)) if on]
    if len(chosen) > 1:
        raise click.UsageError(f"{' and '.join(chosen)} are different outputs: give one")
    if (fmt or kwic) and any(given(name) for name in ("page", "limit")):
        raise click.UsageError(f"{chosen[0]} gives every match, not a page: leave out --page "
                               "and --limit")
    if output is not None and not fmt:
        raise click.UsageError("--output goes with --format (csv, xlsx or jsonl)")
    if given("link_base") and not fmt:
        raise click.UsageError("--link-base goes with --format")
    if width is not None and not kwic:
        raise click.UsageError("--width goes with --kwic")


def search_outputs(opened: OpenIndex, request: Request, *, fmt: str | None,
                    output: str | None, link_base: str, width: int | None) -> None:
    """Every match of `request` as a table (`fmt`) or as keyword-in-context lines; exits 0 when
    something was found, 1 when nothing was (a table then has its header alone)."""
    from ..outputs import kwic
    from ..results import every_hit

    everything = every_hit(opened, request)
    if fmt:
        from ..outputs.exports import hits_table, link_to, search_about
        from ..outputs.tables import as_bytes

        table = hits_table(everything.hits, opened.documents, link_to(link_base))
        about = search_about(everything, opened.manifest.built_at)
        write_output(as_bytes(table, fmt, (about,)), output, binary=fmt == "xlsx")
        sys.exit(0 if everything.total else 1)
    found = kwic.occurrences(everything.hits)
    columns = width or shutil.get_terminal_size((kwic.DEFAULT_WIDTH, 20)).columns
    bold = ("\x1b[1m", "\x1b[22m") if ansi() else ("", "")
    for line in kwic.text_lines(found, columns, bold):
        click.echo(line)
    if everything.suggestion:
        click.echo(everything.suggestion, err=True)
    # On stderr, so that the lines alone go down a pipe (`| sort -k2`).
    click.echo(kwic.summary(everything.hits, found), err=True)
    sys.exit(0 if everything.total else 1)


def compare_export(opened: OpenIndex, objective: int, query: str, stated: bool, *, fmt: str,
                    output: str | None, link_base: str) -> None:
    from ..outputs.exports import comparison_about, comparison_table, link_to
    from ..outputs.tables import as_bytes

    comparison = compare(opened, objective, query, per_country=None, stated=stated)
    table = comparison_table(comparison, opened.documents, link_to(link_base))
    about = comparison_about(comparison, opened.manifest.built_at)
    write_output(as_bytes(table, fmt, (about,)), output, binary=fmt == "xlsx")
    sys.exit(0 if comparison.total else 1)


@main.command("export")
@click.option("-f", "--format", "fmt", type=click.Choice(["jsonl", "csv", "opensearch"]),
              default="jsonl", show_default=True,
              help="opensearch: the NDJSON body of an OpenSearch or Elasticsearch _bulk request.")
@click.option("--mapping", type=click.Choice(["opensearch", "elasticsearch"]),
              help="Instead of passages, the index mapping (PUT /INDEX) the bulk file needs.")
@click.option("--index-name", default="gcm-passages", show_default=True,
              help="With --format opensearch: the index the passages go to.")
@click.option("--output", help="Write to this file (else to stdout).")
@index_options
def export_command(fmt: str, mapping: str | None, index_name: str, output: str | None,
                   config: Config) -> None:
    """Every passage with every field, in document order; or the passages as an OpenSearch bulk
    file, or the mapping of their index."""
    if mapping or fmt == "opensearch":
        _export_opensearch(config, fmt, mapping, index_name, output)
        return
    passages = all_passages(open_or_build(config))
    if fmt == "jsonl":
        write_output("".join(json.dumps(passage_dict(p), ensure_ascii=False) + "\n"
                             for p in passages).encode("utf-8"), output)
        return
    import csv
    import io

    rows = [passage_dict(p) for p in passages]
    fields = list(rows[0]) if rows else []
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: " ".join(map(str, v)) if k == "objectives" else
                         json.dumps(v) if isinstance(v, list) else v for k, v in row.items()})
    write_output(buffer.getvalue().encode("utf-8"), output)


def _export_opensearch(config: Config, fmt: str, mapping: str | None, index_name: str,
                       output: str | None) -> None:
    from ..meaning.vectors import of_passages
    from ..outputs import opensearch

    ctx = click.get_current_context()
    if mapping and ctx.get_parameter_source("fmt") is not ParameterSource.DEFAULT:
        raise click.UsageError("--mapping prints the index mapping, --format the passages: "
                               "give one of them")
    name = opensearch.checked_index_name(index_name)
    opened = open_or_build(config)
    if not opened.manifest.model:
        click.echo("Note: this index was built without the embedding model, so there is no "
                   "vector field (run `gcm-search index --rebuild` once the model is installed).",
                   err=True)
    if mapping:
        body = opensearch.mapping(dim=opened.manifest.dim if opened.manifest.model else 0,
                                  model=opened.manifest.model, engine=mapping)
        write_output((json.dumps(body, ensure_ascii=False, indent=2) + "\n").encode("utf-8"),
                     output)
        return
    passages = all_passages(opened)
    write_output(opensearch.bulk(passages, of_passages(opened, passages), opened.documents,
                                 name), output)


@main.command("coverage")
@click.option("-f", "--format", "fmt", type=click.Choice(["table", "csv", "json", "xlsx"]),
              default="table", show_default=True)
@click.option("--output", help="Write to this file instead of standard output.")
@click.option("--stated-only", is_flag=True,
              help="Count only the tags a review states, not inferred ones.")
@click.option("--cluster", multiple=True, help="Only this cluster's objectives (1-4).")
@click.option("-c", "--country", multiple=True, help="Only this country's reviews (name or ISO3).")
@click.option("-y", "--year", multiple=True, help="Only the reviews of this year.")
@click.option("--cycle", multiple=True, help='Only the reviews of this cycle, e.g. "IMRF 2022".')
@index_options
def coverage_command(fmt: str, output: str | None, stated_only: bool, cluster: tuple[str, ...],
                     country: tuple[str, ...], year: tuple[str, ...], cycle: tuple[str, ...],
                     config: Config) -> None:
    """How many passages of each review are tagged with each objective, with totals.

    A passage with two objectives counts in both cells but once in its row's Total.
    """
    from ..outputs import coverage as cov

    opened = open_or_build(config)
    filters = make_filters(opened, clusters=cluster, countries=country, years=year)
    matrix = cov.coverage(all_passages(opened), opened.manifest.documents,
                          replace(filters, stated=stated_only), cycle)
    if fmt in ("csv", "xlsx"):
        data = cov.spreadsheet(matrix, fmt)
    elif fmt == "json":
        data = (json.dumps(cov.coverage_dict(matrix), ensure_ascii=False, indent=2)
                + "\n").encode("utf-8")
    else:
        data = cov.coverage_text(matrix, shutil.get_terminal_size().columns).encode("utf-8")
    write_output(data, output, binary=fmt == "xlsx")
