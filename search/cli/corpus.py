"""The corpus and its index: `add`, `remove`, `documents`, `index` and `stats`."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path
from typing import Any

import click

from ..config import Config
from ..index import Manifest, build, current_build
from ..models import SCOPES
from ..results import all_passages, document_rows
from .app import (
    echo_json,
    index_options,
    json_option,
    main,
    open_or_build,
    progress_bar,
)


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
              help="Files read at once, and processes of a full rebuild (default: one per core).")
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
    from .. import collection  # pycountry, the readers: only for this command
    from ..gather import Given, from_manifest, from_paths

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
        reading=progress_bar("Reading files") if len(items) > 1 else None,
        indexing=progress_bar("Indexing"))
    failed = [o for o in outcomes if o.status == "failed"]
    if as_json:
        echo_json({"files": [o.to_dict() for o in outcomes], "dry_run": dry_run,
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
    from .. import collection

    # No open_or_build() first: a review whose file was deleted must still be removable.
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
    opened = open_or_build(config)
    rows = document_rows(opened)
    if as_json:
        echo_json(rows)
        return
    for row in rows:
        click.echo(f"{row['id']:<22} {row['country']:<16} {row['year']}  {row['language']}  "
                   f"{row['passages']:>5} passages  {row['file']}  {row['title']}")


@main.command("index")
@click.option("--rebuild", is_flag=True, help="Rebuild even if the index is up to date.")
@click.option("-j", "--jobs", type=click.IntRange(1, 256),
              help="Processes that read, chunk, tag, embed and analyse documents "
                   "(default: one per core; one for fewer than 16 documents). The index is the "
                   "same whatever the number.")
@index_options
def index_command(rebuild: bool, jobs: int | None, config: Config) -> None:
    """Build the index (aside, then swapped in) if it is missing, stale, or --rebuild is given."""
    with click.progressbar(length=0, label="Indexing documents", file=sys.stderr) as bar:

        def progress(done: int, total: int) -> None:
            bar.length = total
            bar.update(1)

        manifest = build(config, force=rebuild, progress=progress, jobs=jobs)
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
    opened = open_or_build(config)
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
        echo_json(data)
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
