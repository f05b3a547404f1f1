"""Finding passages: `search`, `similar`, `show`, `compare` and `objectives`."""

from __future__ import annotations

import shutil
import sys
from dataclasses import replace

import click

from .. import objectives as gcm
from ..cite import citation
from ..config import Config
from ..meaning.fuse import MODES
from ..models import KINDS, SCOPES
from ..render import (
    compare_dict,
    compare_text,
    objective_rows,
    passage_dict,
    passage_text,
    results_dict,
    results_text,
    similar_dict,
    similar_text,
)
from ..results import Request, all_passages, compare, make_filters, neighbours, passage, search
from .app import ansi, echo_json, index_options, json_option, main, open_or_build
from .outputs import check_outputs, compare_export, export_options, given, search_outputs


@main.command("search")
@click.argument("query", nargs=-1)
@click.option("-o", "--objective", "objective", multiple=True,
              help="GCM objective: a number (10) or words (trafficking). Repeat for any of them.")
@click.option("--stated-only", is_flag=True,
              help="With --objective: only passages the review itself files under it, not those "
                   "whose objective was inferred.")
@click.option("--cluster", multiple=True, help="Review cluster 1-4.")
@click.option("-s", "--section", multiple=True, help="Section number (2) or subsection (2a).")
@click.option("-k", "--kind", multiple=True, help=f"Kind of paragraph: {', '.join(KINDS)}.")
@click.option("-c", "--country", multiple=True, help="Country name or ISO3 code.")
@click.option("--scope", multiple=True,
              help=f"Whose documents: {', '.join(SCOPES)} (reviews are national).")
@click.option("-y", "--year", multiple=True, help="Review year.")
@click.option("-l", "--language", multiple=True, help="Language of the review: en, fr, es.")
@click.option("-n", "--limit", default=10, show_default=True, type=click.IntRange(1, 100),
              help="Results per page.")
@click.option("-p", "--page", default=1, show_default=True, type=click.IntRange(1, 10_000))
@click.option("--syntax", is_flag=True,
              help="Read the query as Whoosh query language (AND, OR, NOT, field:value, *); "
                   "searches by words.")
@click.option("-m", "--mode", type=click.Choice(MODES), default="hybrid", show_default=True,
              help="words (BM25F), meaning (nearest passages by the embedding model), or "
                   "hybrid (both, blended).")
@json_option
@export_options
@click.option("--kwic", is_flag=True,
              help="Keyword in context: a line per occurrence of the query's words (and the "
                   "stems, spellings and names they match), centred, with the passage id; every "
                   "match, not one page. Passages found by meaning alone have no matched words: "
                   "they are counted on stderr, not shown.")
@click.option("--width", type=click.IntRange(40, 1000),
              help="With --kwic: characters per line (default: the terminal's width, or 80).")
@index_options
def search_command(query: tuple[str, ...], objective: tuple[str, ...], stated_only: bool,
                   cluster: tuple[str, ...],
                   section: tuple[str, ...], kind: tuple[str, ...], country: tuple[str, ...],
                   scope: tuple[str, ...],
                   year: tuple[str, ...], language: tuple[str, ...], limit: int, page: int,
                   syntax: bool, mode: str, as_json: bool, fmt: str | None, output: str | None,
                   link_base: str, kwic: bool, width: int | None, config: Config) -> None:
    """Search passages. QUERY is plain words; "quoted phrases" match exactly.

    By default words and meaning are blended: passages that say the same in other words are
    found too, marked "related by meaning". With no QUERY but a filter, lists the filtered
    passages in document order. --format writes every match (all pages) as a table; --kwic
    prints every occurrence in context. Exits 0 when something is found, 1 when nothing is.
    """
    check_outputs(as_json=as_json, fmt=fmt, output=output, kwic=kwic, width=width)
    if kwic and not " ".join(query).strip():
        raise click.UsageError("--kwic centres the words of a query: give a QUERY")
    text = " ".join(query).strip()
    if not text and not any((objective, cluster, section, kind, country, scope, year,
                             language)):
        raise click.UsageError("give a query, a filter (e.g. --objective 10), or both")
    if stated_only and not objective:
        raise click.UsageError("--stated-only applies to an objective filter: add --objective")
    opened = open_or_build(config)
    filters = make_filters(opened, objectives=objective, clusters=cluster, sections=section,
                           kinds=kind, countries=country, years=year, languages=language,
                           scopes=scope)
    filters = replace(filters, stated=stated_only)
    if fmt or kwic:
        search_outputs(opened, Request(text, filters, syntax=syntax, mode=mode), fmt=fmt,
                        output=output, link_base=link_base, width=width)
    results = search(opened, Request(text, filters, page, limit, syntax, mode))
    if as_json:
        echo_json(results_dict(results))
    else:
        click.echo(results_text(results, ansi=ansi()))
        if not opened.manifest.documents:
            click.echo(f"The corpus has no review yet: add one with `gcm-search add FILE "
                       f"--corpus {config.corpus}`.")
    sys.exit(0 if results.total else 1)


@main.command("similar")
@click.argument("passage_id")
@click.option("--other-documents", is_flag=True, help="Only passages of other reviews.")
@click.option("-o", "--objective", "objective", multiple=True,
              help="GCM objective: a number (10) or words (trafficking). Repeat for any of them.")
@click.option("-c", "--country", multiple=True, help="Country name or ISO3 code.")
@click.option("-n", "--limit", default=10, show_default=True, type=click.IntRange(1, 100),
              help="How many passages.")
@json_option
@index_options
def similar_command(passage_id: str, other_documents: bool, objective: tuple[str, ...],
                    country: tuple[str, ...], limit: int, as_json: bool, config: Config) -> None:
    """The passages nearest PASSAGE_ID in meaning (by the embedding model), itself excluded.

    Exits 0 when something is found, 1 when nothing is (or the id is unknown).
    """
    from ..meaning.similar import similar

    opened = open_or_build(config)
    filters = make_filters(opened, objectives=objective, countries=country)
    found = similar(opened, passage_id, filters, other_documents, limit)
    if as_json:
        echo_json(similar_dict(found))
    else:
        click.echo(similar_text(found))
    sys.exit(0 if found.hits else 1)


@main.command("show")
@click.argument("passage_id")
@click.option("--context", default=0, show_default=True, type=click.IntRange(0, 20),
              help="Also show this many passages before and after.")
@json_option
@index_options
def show_command(passage_id: str, context: int, as_json: bool, config: Config) -> None:
    """Show one passage in full, with its neighbours."""
    opened = open_or_build(config)
    found = passage(opened, passage_id)
    around = neighbours(opened, found, context) if context else [found]
    documents = opened.documents
    if as_json:
        echo_json({
            "passage": {**passage_dict(found), "citation": citation(found, documents[found.doc])},
            "context": [
                {**passage_dict(p), "citation": citation(p, documents[p.doc])} for p in around
            ],
        })
        return
    blocks = []
    for p in around:
        text = passage_text(p, citation(p, documents[p.doc]))
        blocks.append(text if p.id == found.id else "\n".join("  | " + line
                                                              for line in text.splitlines()))
    click.echo("\n\n".join(blocks))


@main.command("compare")
@click.option("-o", "--objective", "objective", required=True,
              help="The objective: a number (10) or words (trafficking).")
@click.option("-q", "--query", default="", help="Only passages matching these words.")
@click.option("-n", "--per-country", default=5, show_default=True, type=click.IntRange(1, 100),
              help="Passages shown per country.")
@click.option("--stated-only", is_flag=True,
              help="Only passages whose review states the objective (no inferred tags).")
@json_option
@export_options
@index_options
def compare_command(objective: str, query: str, per_country: int, stated_only: bool,
                    as_json: bool, fmt: str | None, output: str | None, link_base: str,
                    config: Config) -> None:
    """One objective across countries: what each government reported on it, side by side.

    --format writes every passage of every country (not only --per-country of them) as a table,
    a row per passage, its country (or group) first.
    """
    check_outputs(as_json=as_json, fmt=fmt, output=output)
    if fmt and given("per_country"):
        raise click.UsageError("--format writes every passage of each country: leave out "
                               "--per-country")
    opened = open_or_build(config)
    if fmt:
        compare_export(opened, gcm.resolve(objective), query.strip(), stated_only, fmt=fmt,
                        output=output, link_base=link_base)
    comparison = compare(opened, gcm.resolve(objective), query.strip(), per_country,
                         stated_only)
    if as_json:
        echo_json(compare_dict(comparison))
    else:
        click.echo(compare_text(comparison, width=shutil.get_terminal_size((100, 20)).columns))
    sys.exit(0 if comparison.total else 1)


@main.command("objectives")
@json_option
@index_options
def objectives_command(as_json: bool, config: Config) -> None:
    """The 23 GCM objectives, their clusters, and how many passages each has, by source."""
    rows = objective_rows(all_passages(open_or_build(config)))
    if as_json:
        echo_json(rows)
        return
    for c in gcm.CLUSTERS:
        click.echo(f"Cluster {c.number}: {c.title}")
        for row in (r for r in rows if r["cluster"] == c.number):
            sources = ", ".join(f"{k} {v}" for k, v in row["by_source"].items())
            click.echo(f"  {row['label']:<32} {row['passages']:>4} passages"
                       f"{'  (' + sources + ')' if sources else ''}")
            click.echo(f"      {row['title']}")
        click.echo("")
