"""Citing and checking quotes: `cite` and `verify`."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from .. import corpus
from ..cite import FORMATS, quote_of
from ..cite import render as render_citation
from ..config import Config
from ..errors import BadInput
from ..render import verdict_text
from ..results import all_passages, passage
from .app import echo_json, index_options, json_option, main, open_or_build


@main.command("cite")
@click.argument("passage_id")
@click.option("-f", "--format", "fmt", type=click.Choice(FORMATS), default="text",
              show_default=True, help="Citation format.")
@click.option("-q", "--quote", "part", help="Cite only these words of the passage (verbatim).")
@index_options
def cite_command(passage_id: str, fmt: str, part: str | None, config: Config) -> None:
    """Cite a passage (or --quote part of it): text, markdown, CSL-JSON, BibTeX, RIS, or a W3C
    Web Annotation with exact source offsets."""
    opened = open_or_build(config)
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
    from ..verify import Text, Verified, verify_annotation, verify_quote  # rapidfuzz: load late
    opened = open_or_build(config)
    texts = [Text(d, s.text) for d, s in corpus.documents(config)]
    passages = all_passages(opened)
    if annotation_file:
        verdict = verify_annotation(_read_json(annotation_file), texts, passages)
    else:
        verdict = verify_quote(quote or "", texts, passages)
    if as_json:
        echo_json(verdict.to_dict())
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
