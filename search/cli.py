"""The `gcm-search` command line: one thin function per command (parse -> library -> render).

Exit codes: 0 success (for `search`, at least one result), 1 nothing found or an error,
2 a usage error. Errors are one line on stderr, never a traceback.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

import click
from click.core import ParameterSource

from . import corpus
from . import objectives as gcm
from .cite import FORMATS, citation, quote_of
from .cite import render as render_citation
from .config import CORPUS_ENV, INDEX_ENV, Config
from .errors import BadInput, GcmSearchError
from .index import Manifest, OpenIndex, build, current_build, open_index
from .meaning.fuse import MODES
from .models import KINDS, SCOPES
from .render import (
    compare_dict,
    compare_text,
    objective_rows,
    passage_dict,
    passage_text,
    results_dict,
    results_text,
    similar_dict,
    similar_text,
    verdict_text,
)
from .results import (
    Request,
    all_passages,
    compare,
    document_rows,
    make_filters,
    neighbours,
    passage,
    search,
)

F = TypeVar("F", bound=Callable[..., Any])


class _Group(click.Group):
    """Turns gcm-search errors into one line and an exit code, wherever they are raised."""

    def main(self, *args: Any, standalone_mode: bool = True, **kwargs: Any) -> Any:
        if not standalone_mode:
            return super().main(*args, standalone_mode=False, **kwargs)  # type: ignore[call-overload]
        try:
            result = super().main(*args, standalone_mode=False, **kwargs)  # type: ignore[call-overload]
        except click.UsageError as exc:
            where = f" (see '{exc.ctx.command_path} --help')" if exc.ctx else ""
            click.echo(f"Error: {exc.format_message()}{where}", err=True)
            sys.exit(exc.exit_code)
        except click.ClickException as exc:
            click.echo(f"Error: {exc.format_message()}", err=True)
            sys.exit(exc.exit_code)
        except click.Abort:
            click.echo("Aborted.", err=True)
            sys.exit(1)
        sys.exit(result if isinstance(result, int) else 0)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except GcmSearchError as exc:
            click.echo(f"Error: {exc}", err=True)
            ctx.exit(exc.exit_code)
        except BrokenPipeError:
            # The reader went away (`| head`): stop quietly, as other command-line tools do.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            ctx.exit(1)
        except KeyboardInterrupt:
            click.echo("Interrupted; the index in use is unchanged.", err=True)
            ctx.exit(130)
        except (click.exceptions.Exit, click.ClickException, click.exceptions.Abort):
            raise
        except Exception as exc:
            if os.environ.get("GCM_SEARCH_DEBUG"):
                raise
            # A bug of ours must still not show users a traceback; the name says where to look.
            click.echo(f"Error: unexpected {exc.__class__.__name__}: {exc} "
                       "(set GCM_SEARCH_DEBUG=1 for details)", err=True)
            ctx.exit(1)


def index_options(command: F) -> F:
    """--corpus and --index-dir, for every command that reads the index."""

    @click.option("--corpus", type=click.Path(file_okay=False), envvar=CORPUS_ENV,
                  help=f"Corpus folder (with catalog.json). Env: {CORPUS_ENV}.")
    @click.option("--index-dir", type=click.Path(file_okay=False), envvar=INDEX_ENV,
                  help=f"Where the index is kept. Env: {INDEX_ENV}.")
    @functools.wraps(command)
    def wrapper(*args: Any, corpus: str | None, index_dir: str | None, **kwargs: Any) -> Any:
        return command(*args, config=Config.load(corpus, index_dir), **kwargs)

    return wrapper  # type: ignore[return-value]


def json_option(command: F) -> F:
    return click.option("--json", "as_json", is_flag=True, help="Print JSON.")(command)


def _open(config: Config) -> OpenIndex:
    """Open the index, building it (with a progress bar on stderr) when missing or stale."""
    return open_index(config, progress=_progress_bar())


def _bar(label: str) -> Callable[[int, int], None]:
    """A progress callback drawing a bar on stderr from its first call, closed at the end."""
    bar: Any = None

    def progress(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = click.progressbar(length=total, label=label, file=sys.stderr)
            bar.__enter__()
        bar.update(done - bar.pos)
        if done == total:
            bar.__exit__(None, None, None)
            bar = None

    return progress


def _progress_bar() -> Callable[[int, int], None]:
    """A progress callback that shows a bar on stderr once a build starts, and closes it."""
    bar: Any = None

    def progress(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            click.echo("Building the search index (first use, or the corpus changed)...",
                       err=True)
            bar = click.progressbar(length=total, label="Indexing passages", file=sys.stderr)
            bar.__enter__()
        bar.update(1)
        if done == total:
            bar.__exit__(None, None, None)

    return progress


def _echo_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def write_output(data: bytes, output: str | None, *, binary: bool = False) -> None:
    """An export to `output` (written aside, then renamed: an interrupted export never leaves
    half a file in place of a good one), or to stdout when `output` is None or "-"."""
    if output is None or output == "-":
        if binary and sys.stdout.isatty():
            raise click.UsageError("an Excel workbook is binary: give --output FILE.xlsx, or "
                                   "redirect the output to a file")
        click.echo(data, nl=False)  # bytes go to stdout's binary buffer, as they are
        return
    path = Path(output)
    if path.is_dir():
        raise BadInput(f"{output} is a folder", "give --output a file name")
    aside = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        aside.write_bytes(data)
        os.replace(aside, path)
    except OSError as exc:
        aside.unlink(missing_ok=True)
        raise BadInput(f"cannot write {output}: {exc.strerror}") from exc


def _ansi() -> bool:
    return sys.stdout.isatty() and "NO_COLOR" not in os.environ


# ---- exports and keyword in context (search --format/--kwic, compare --format) ----------------

def export_options(command: F) -> F:
    """--format, --output and --link-base: every match as a table, for `search` and `compare`."""
    from .outputs.exports import DEFAULT_LINK_BASE
    from .outputs.tables import FORMATS as TABLE_FORMATS

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


def _given(name: str) -> bool:
    """Did the user give option `name` (on the command line or by environment)?"""
    source = click.get_current_context().get_parameter_source(name)
    return source not in (None, click.core.ParameterSource.DEFAULT)


def _check_outputs(*, as_json: bool, fmt: str | None, output: str | None, kwic: bool = False,
                   width: int | None = None) -> None:
    """One output at a time; options that go with one need it."""
    chosen = [name for name, on in (("--json", as_json), ("--format", bool(fmt)),
                                    ("--kwic", kwic)) if on]
    if len(chosen) > 1:
        raise click.UsageError(f"{' and '.join(chosen)} are different outputs: give one")
    if (fmt or kwic) and any(_given(name) for name in ("page", "limit")):
        raise click.UsageError(f"{chosen[0]} gives every match, not a page: leave out --page "
                               "and --limit")
    if output is not None and not fmt:
        raise click.UsageError("--output goes with --format (csv, xlsx or jsonl)")
    if _given("link_base") and not fmt:
        raise click.UsageError("--link-base goes with --format")
    if width is not None and not kwic:
        raise click.UsageError("--width goes with --kwic")


def _search_outputs(opened: OpenIndex, request: Request, *, fmt: str | None,
                    output: str | None, link_base: str, width: int | None) -> None:
    """Every match of `request` as a table (`fmt`) or as keyword-in-context lines; exits 0 when
    something was found, 1 when nothing was (a table then has its header alone)."""
    from .outputs import kwic
    from .results import every_hit

    everything = every_hit(opened, request)
    if fmt:
        from .outputs.exports import hits_table, link_to, search_about
        from .outputs.tables import as_bytes

        table = hits_table(everything.hits, opened.documents, link_to(link_base))
        about = search_about(everything, opened.manifest.built_at)
        write_output(as_bytes(table, fmt, (about,)), output, binary=fmt == "xlsx")
        sys.exit(0 if everything.total else 1)
    found = kwic.occurrences(everything.hits)
    columns = width or shutil.get_terminal_size((kwic.DEFAULT_WIDTH, 20)).columns
    bold = ("\x1b[1m", "\x1b[22m") if _ansi() else ("", "")
    for line in kwic.text_lines(found, columns, bold):
        click.echo(line)
    if everything.suggestion:
        click.echo(everything.suggestion, err=True)
    # On stderr, so that the lines alone go down a pipe (`| sort -k2`).
    click.echo(kwic.summary(everything.hits, found), err=True)
    sys.exit(0 if everything.total else 1)


def _compare_export(opened: OpenIndex, objective: int, query: str, stated: bool, *, fmt: str,
                    output: str | None, link_base: str) -> None:
    from .outputs.exports import comparison_about, comparison_table, link_to
    from .outputs.tables import as_bytes

    comparison = compare(opened, objective, query, per_country=None, stated=stated)
    table = comparison_table(comparison, opened.documents, link_to(link_base))
    about = comparison_about(comparison, opened.manifest.built_at)
    write_output(as_bytes(table, fmt, (about,)), output, binary=fmt == "xlsx")
    sys.exit(0 if comparison.total else 1)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="gcm-search")
def main() -> None:
    """Search national reviews of the Global Compact for Migration, passage by passage.

    Filter by GCM objective, section, kind of paragraph, country and year; every hit comes with a
    stable id and a citation. The index builds itself on first use.
    """


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
    _check_outputs(as_json=as_json, fmt=fmt, output=output, kwic=kwic, width=width)
    if kwic and not " ".join(query).strip():
        raise click.UsageError("--kwic centres the words of a query: give a QUERY")
    text = " ".join(query).strip()
    if not text and not any((objective, cluster, section, kind, country, scope, year,
                             language)):
        raise click.UsageError("give a query, a filter (e.g. --objective 10), or both")
    if stated_only and not objective:
        raise click.UsageError("--stated-only applies to an objective filter: add --objective")
    opened = _open(config)
    filters = make_filters(opened, objectives=objective, clusters=cluster, sections=section,
                           kinds=kind, countries=country, years=year, languages=language,
                           scopes=scope)
    filters = replace(filters, stated=stated_only)
    if fmt or kwic:
        _search_outputs(opened, Request(text, filters, syntax=syntax, mode=mode), fmt=fmt,
                        output=output, link_base=link_base, width=width)
    results = search(opened, Request(text, filters, page, limit, syntax, mode))
    if as_json:
        _echo_json(results_dict(results))
    else:
        click.echo(results_text(results, ansi=_ansi()))
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
    from .meaning.similar import similar

    opened = _open(config)
    filters = make_filters(opened, objectives=objective, countries=country)
    found = similar(opened, passage_id, filters, other_documents, limit)
    if as_json:
        _echo_json(similar_dict(found))
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
    opened = _open(config)
    found = passage(opened, passage_id)
    around = neighbours(opened, found, context) if context else [found]
    documents = opened.documents
    if as_json:
        _echo_json({
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


@main.command("cite")
@click.argument("passage_id")
@click.option("-f", "--format", "fmt", type=click.Choice(FORMATS), default="text",
              show_default=True, help="Citation format.")
@click.option("-q", "--quote", "part", help="Cite only these words of the passage (verbatim).")
@index_options
def cite_command(passage_id: str, fmt: str, part: str | None, config: Config) -> None:
    """Cite a passage (or --quote part of it): text, markdown, CSL-JSON, BibTeX, RIS, or a W3C
    Web Annotation with exact source offsets."""
    opened = _open(config)
    found = passage(opened, passage_id)
    document, source = corpus.document(config, found.doc)
    click.echo(render_citation(fmt, quote_of(found, document, part), source.text))


@main.command("verify")
@click.argument("quote", required=False)
@click.option("--annotation", "annotation_file", type=click.Path(dir_okay=False),
              help="Re-anchor a W3C Web Annotation (JSON file) instead of a quote.")
@json_option
@index_options
def verify_command(quote: str | None, annotation_file: str | None, as_json: bool,
                   config: Config) -> None:
    """Check that QUOTE is in the corpus word for word (forgiving spacing, quote marks, dashes
    and escapes) and cite it; or show the closest passage and the words that differ.

    Exits 0 when found, 1 when not (a misquote, or an orphaned annotation).
    """
    if bool(quote) == bool(annotation_file):
        raise click.UsageError("give a QUOTE or --annotation FILE (one of them)")
    from .verify import Text, Verified, verify_annotation, verify_quote  # rapidfuzz: load late
    opened = _open(config)
    texts = [Text(d, s.text) for d, s in corpus.documents(config)]
    passages = all_passages(opened)
    if annotation_file:
        verdict = verify_annotation(_read_json(annotation_file), texts, passages)
    else:
        verdict = verify_quote(quote or "", texts, passages)
    if as_json:
        _echo_json(verdict.to_dict())
    else:
        click.echo(verdict_text(verdict))
    sys.exit(0 if isinstance(verdict, Verified) else 1)


def _read_json(path: str) -> Any:
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except OSError as exc:
        raise BadInput(f"cannot read {path}: {exc.strerror}") from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadInput(f"{path} is not JSON: {exc}") from exc


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
    _check_outputs(as_json=as_json, fmt=fmt, output=output)
    if fmt and _given("per_country"):
        raise click.UsageError("--format writes every passage of each country: leave out "
                               "--per-country")
    opened = _open(config)
    if fmt:
        _compare_export(opened, gcm.resolve(objective), query.strip(), stated_only, fmt=fmt,
                        output=output, link_base=link_base)
    comparison = compare(opened, gcm.resolve(objective), query.strip(), per_country,
                         stated_only)
    if as_json:
        _echo_json(compare_dict(comparison))
    else:
        click.echo(compare_text(comparison, width=shutil.get_terminal_size((100, 20)).columns))
    sys.exit(0 if comparison.total else 1)


@main.command("add")
@click.argument("paths", nargs=-1)
@click.option("--manifest", type=click.Path(dir_okay=False),
              help="A CSV with a header row: file (relative to the CSV) and any of url, country, "
                   "year, title, language, cycle, author, scope, region, id.")
@click.option("--country", default="", help="Country name or ISO3 code (else from the title).")
@click.option("--year", type=click.IntRange(1990, 2100), help="Review year (else from the title).")
@click.option("--title", default="", help="Title (else the document's own).")
@click.option("--author", default="",
              help='Author (default "Government of COUNTRY"; needed when --scope is not national).')
@click.option("--language", default="", type=click.Choice(["", "en", "fr", "es"]),
              help="en, fr or es (else detected from the text).")
@click.option("--url", default="", help="Where the review is published.")
@click.option("--cycle", default="", help='Review cycle, e.g. "IMRF 2022".')
@click.option("--id", "doc_id", default="", help="Document id (default COUNTRY-YEAR).")
@click.option("--scope", default="", type=click.Choice(["", *SCOPES]),
              help="national (default), regional, global (the Compact, declarations) or "
                   "stakeholder (an organisation's submission).")
@click.option("--region", default="", help='The region of a regional review, e.g. '
                                           '"Asia and the Pacific".')
@click.option("--replace", is_flag=True,
              help="A file whose id (--id, or COUNTRY-YEAR) is in the corpus replaces it.")
@click.option("--ocr", is_flag=True,
              help="Read scanned PDF pages with Tesseract (OCR).")
@click.option("--dry-run", is_flag=True,
              help="Read everything and show what would be added; change nothing.")
@click.option("-j", "--jobs", type=click.IntRange(1, 256),
              help="Files read at once (default: one per core).")
@json_option
@index_options
def add_command(paths: tuple[str, ...], manifest: str | None, country: str, year: int | None,
                title: str, author: str, language: str, url: str, cycle: str, doc_id: str,
                scope: str, region: str, replace: bool, ocr: bool, dry_run: bool,
                jobs: int | None, as_json: bool, config: Config) -> None:
    """Add reviews and other documents of the review process to the corpus, and index them.

    PATHS are files (.txt, .html, .docx, .pdf), folders (every such file under them) and http(s)
    URLs; --manifest adds the rows of a CSV. Files are read in parallel, then indexed in one
    update. Each file is copied into the corpus folder, its catalog entry inferred from its
    title and text where not given. A file already in the corpus (same bytes) is skipped. One
    line per file; exits 1 if any file failed (the others are added all the same).
    """
    from . import collection  # pycountry, the readers: only for this command
    from .gather import Given, from_manifest, from_paths

    if not paths and not manifest:
        raise click.UsageError("give a FILE, a folder, a URL or --manifest FILE.csv")
    given = Given(country, year, title, author, language, url, cycle, doc_id, scope, region)
    items = from_paths(paths, given) if paths else []
    if manifest:
        items += from_manifest(Path(manifest), given)
    if len(items) > 1 and (doc_id or title):
        raise click.UsageError(f"--{'id' if doc_id else 'title'} names one document, and "
                               f"{len(items)} files were given (a manifest can give each its own)")
    outcomes, built = collection.add_many(
        config, items, replace=replace, ocr=ocr, dry_run=dry_run, jobs=jobs,
        reading=_bar("Reading files") if len(items) > 1 else None,
        indexing=_bar("Indexing passages"))
    failed = [o for o in outcomes if o.status == "failed"]
    if as_json:
        _echo_json({"files": [o.to_dict() for o in outcomes], "dry_run": dry_run,
                    "index": {"passages": built.passages, "documents": len(built.documents)}
                    if built else None})
    else:
        for outcome in outcomes:
            if outcome.status == "failed":
                # One file: its error as any command gives it; many: named by file.
                reason = outcome.error if len(outcomes) == 1 else outcome.reason
                click.echo(f"Error: {reason}", err=True)
            else:
                click.echo(_outcome_line(outcome))
        if len(outcomes) > 1:
            counts = Counter(o.status for o in outcomes)
            done = counts["would add"] + counts["would replace"] if dry_run else \
                counts["added"] + counts["replaced"]
            others = ", ".join(f"{counts[s]} {s}" for s in ("skipped", "failed") if counts[s])
            click.echo(f"{'Would add' if dry_run else 'Added'} {done} of {len(outcomes)} files"
                       f"{f' ({others})' if others else ''}.")
        if built is not None:
            click.echo(f"The index now holds {_holds(built)}.")
    # One file: its error's own code (2 for bad input); many: 1 if any failed.
    only = failed[0].error if len(outcomes) == 1 and failed else None
    sys.exit(only.exit_code if only is not None else 1 if failed else 0)


def _outcome_line(outcome: Any) -> str:
    """"Added morocco-2022: Examen … (Morocco, 2022, fr), 11 passages." and the like."""
    document = outcome.document
    if outcome.status == "skipped" or document is None:
        return f"Skipped {outcome.reason}."
    whose = document.party if document.scope == "national" else \
        f"{document.party}, {document.scope}"
    line = (f"{outcome.status.capitalize()} {document.id}: {document.title} ({whose}, "
            f"{document.year}, {document.language}), {outcome.passages} "
            f"passage{'s' * (outcome.passages != 1)}")
    if outcome.changes:
        counts = {k: len(v) for k, v in outcome.changes.items()}
        line += (f"; passage ids: {outcome.passages - counts['changed'] - counts['new']} "
                 f"unchanged, {counts['changed']} with other text, {counts['new']} new, "
                 f"{counts['gone']} gone")
    return line + "."


@main.command("remove")
@click.argument("doc_id")
@index_options
def remove_command(doc_id: str, config: Config) -> None:
    """Remove a review from the corpus, the catalog and the index."""
    from . import collection

    # No _open() first: a review whose file was deleted must still be removable.
    document, manifest = collection.remove(config, doc_id)
    click.echo(f"Removed {document.id} ({document.title}); the index now holds "
               f"{_holds(manifest)}.")


def _holds(manifest: Manifest) -> str:
    documents = len(manifest.documents)
    return f"{manifest.passages} passages from {documents} document{'s' * (documents != 1)}"


@main.command("documents")
@json_option
@index_options
def documents_command(as_json: bool, config: Config) -> None:
    """The reviews in the corpus, with their passage counts."""
    opened = _open(config)
    rows = document_rows(opened)
    if as_json:
        _echo_json(rows)
        return
    for row in rows:
        click.echo(f"{row['id']:<22} {row['country']:<16} {row['year']}  {row['language']}  "
                   f"{row['passages']:>5} passages  {row['file']}  {row['title']}")


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (localhost only by default).")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535),
              help="Port (0 picks a free one).")
@click.option("--threads", default=4, show_default=True, type=click.IntRange(1, 64))
@index_options
def serve_command(host: str, port: int, threads: int, config: Config) -> None:
    """Serve the web pages and the JSON API with waitress, logging a line per request.

    A rebuild of the index (`gcm-search index --rebuild` in another shell) is picked up by the
    next request, without a restart. Requests with over 64 KiB of headers or of body are refused
    (431, 413).
    """
    import logging

    from waitress import create_server  # here, so other commands start without it

    from .index import LiveIndex
    from .web import MAX_REQUEST_BODY_BYTES, MAX_REQUEST_HEADER_BYTES, create_app

    live = LiveIndex(config, progress=_progress_bar())
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    server = create_server(create_app(live=live), host=host, port=port, threads=threads,
                           max_request_header_size=MAX_REQUEST_HEADER_BYTES,
                           max_request_body_size=MAX_REQUEST_BODY_BYTES)
    address = f"http://{host if ':' not in host else f'[{host}]'}:{server.effective_port}/"
    click.echo(f"Serving gcm-search on {address} (Ctrl-C to stop)", err=True)
    try:
        server.run()
    except KeyboardInterrupt:
        click.echo("Stopped.", err=True)
    finally:
        server.close()


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
    passages = all_passages(_open(config))
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
    from .meaning.vectors import of_passages
    from .outputs import opensearch

    ctx = click.get_current_context()
    if mapping and ctx.get_parameter_source("fmt") is not ParameterSource.DEFAULT:
        raise click.UsageError("--mapping prints the index mapping, --format the passages: "
                               "give one of them")
    name = opensearch.checked_index_name(index_name)
    opened = _open(config)
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


@main.command("objectives")
@json_option
@index_options
def objectives_command(as_json: bool, config: Config) -> None:
    """The 23 GCM objectives, their clusters, and how many passages each has, by source."""
    rows = objective_rows(all_passages(_open(config)))
    if as_json:
        _echo_json(rows)
        return
    for c in gcm.CLUSTERS:
        click.echo(f"Cluster {c.number}: {c.title}")
        for row in (r for r in rows if r["cluster"] == c.number):
            sources = ", ".join(f"{k} {v}" for k, v in row["by_source"].items())
            click.echo(f"  {row['label']:<32} {row['passages']:>4} passages"
                       f"{'  (' + sources + ')' if sources else ''}")
            click.echo(f"      {row['title']}")
        click.echo("")


@main.command("index")
@click.option("--rebuild", is_flag=True, help="Rebuild even if the index is up to date.")
@index_options
def index_command(rebuild: bool, config: Config) -> None:
    """Build the index (aside, then swapped in) if it is missing, stale, or --rebuild is given."""
    with click.progressbar(length=0, label="Indexing passages", file=sys.stderr) as bar:

        def progress(done: int, total: int) -> None:
            bar.length = total
            bar.update(1)

        manifest = build(config, force=rebuild, progress=progress)
    # Not open_index(): an `add` waiting for the lock may already have changed the catalog,
    # and this build, though no longer fresh, was built and swapped in all the same.
    where = current_build(config.index)
    size = sum(f.stat().st_size for f in where.iterdir() if f.is_file()) if where else 0
    documents = len(manifest.documents)
    click.echo(
        f"{manifest.passages} passages from {documents} document{'s' * (documents != 1)}, "
        f"built in {manifest.seconds:.2f} s at {manifest.built_at}; "
        f"{size / 1024:.0f} KiB in {where}"
    )


@main.command("stats")
@json_option
@index_options
def stats_command(as_json: bool, config: Config) -> None:
    """What the index holds: documents, passages by section, kind and objective source."""
    opened = _open(config)
    passages = all_passages(opened)
    per_doc = Counter(p.doc for p in passages)
    data: dict[str, Any] = {
        "index": str(opened.path),
        "built_at": opened.manifest.built_at,
        "fingerprint": opened.manifest.fingerprint,
        "format": opened.manifest.format,
        "model": opened.manifest.model,
        "dim": opened.manifest.dim,
        "size_bytes": opened.size(),
        "passages": len(passages),
        "documents": [
            {**d.to_dict(), "passages": per_doc[d.id]} for d in opened.manifest.documents
        ],
        "by_section": dict(Counter(f"{p.doc}:{p.section}" for p in passages)),
        "by_kind": dict(Counter(p.kind for p in passages)),
        "by_objective_source": dict(Counter(p.objective_source for p in passages)),
        "tagged": sum(1 for p in passages if p.objectives),
    }
    if as_json:
        _echo_json(data)
        return
    click.echo(f"Index: {data['index']} ({data['size_bytes'] / 1024:.0f} KiB, "
               f"built {data['built_at']})")
    click.echo(f"Passages: {data['passages']}, {data['tagged']} with an objective")
    click.echo(f"Vectors: {data['model']} ({data['dim']} dimensions)" if data["model"] else
               "Vectors: none (built without the embedding model: search by words only)")
    for d in data["documents"]:
        click.echo(f"  {d['id']}: {d['title']} ({d['country']}, {d['year']}), "
                   f"{d['passages']} passages")
    for key in ("by_section", "by_kind", "by_objective_source"):
        items = " · ".join(f"{k} {v}" for k, v in data[key].items())
        click.echo(f"{key.replace('_', ' ').capitalize()}: {items}")


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
    from .outputs import coverage as cov

    opened = _open(config)
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
