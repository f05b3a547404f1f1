"""A search's or a comparison's hits -> one table, a row per passage (search/outputs/tables.py
then writes it as CSV, Excel or JSON lines).

results (`every_hit`, `compare(per_country=None)`) -> `hits_table` / `comparison_table` -> bytes at
the CLI (`search --format`, `compare --format`) and the web (`/export.csv`, ...). Pure: what the
edges know (the documents of the catalog, how a passage page is addressed) comes in as arguments.

The text is the one people read (the source's markdown escapes undone); a row's citation,
passage id and link let anyone go back to the source's exact words.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from urllib.parse import quote

from .. import objectives as gcm
from ..anchor import unescape
from ..models import Document, Hit, Results
from ..render import provenance
from ..results import Comparison
from . import DEFAULT_LINK_BASE  # noqa: F401  (where it was; the CLI reads it from the package)
from .tables import Cell, Table

COLUMNS = ("rank", "id", "document", "title", "country", "year", "section", "section_title",
           "subsection", "subsection_title", "kind", "objectives", "objective_source",
           "score", "match", "text", "citation", "url", "link")
"""A row of a search export. `country` is the party for a document without one (a region, an
author); `objective_source` is how the tags were given (`render.provenance`); `url` is where
the document is published (from the catalog, may be empty); `link` the passage's page."""
GROUP = "group"
"""The first column of a comparison export: the country, or the scope of documents without one
("Global documents"), as the compare view heads its columns."""
ABOUT = ("about", "value")
"""The header of a workbook's "About" sheet: what was asked, how many were found, which build."""

Link = Callable[[str], str]
"""A passage id -> the URL of its page."""


def link_to(base: str) -> Link:
    """Passage links under `base` ("http://host:8000" -> "http://host:8000/p/<id>"); an empty
    base gives the site-relative path."""
    root = base.rstrip("/")
    return lambda passage_id: f"{root}/p/{quote(passage_id, safe=':')}"


def hit_row(hit: Hit, rank: int, document: Document | None, link: Link) -> tuple[Cell, ...]:
    p = hit.passage
    return (
        rank,
        p.id,
        p.doc,
        document.title if document else "",
        p.country or (document.party if document else ""),
        p.year,
        p.section,
        p.section_title,
        p.subsection,
        p.subsection_title,
        p.kind,
        "; ".join(gcm.objective(n).label for n in p.objectives),
        provenance(p),
        hit.score,
        hit.match,
        unescape(p.text),
        hit.citation,
        document.url if document else "",
        link(p.id),
    )


def hits_table(hits: Sequence[Hit], documents: Mapping[str, Document], link: Link,
               title: str = "Search results") -> Table:
    """A row per hit, in the ranking's order (`rank` is the hit's place in it)."""
    rows = tuple(hit_row(h, h.rank, documents.get(h.passage.doc), link) for h in hits)
    return Table(COLUMNS, rows, title)


def comparison_table(comparison: Comparison, documents: Mapping[str, Document],
                     link: Link) -> Table:
    """A row per passage of every column of a comparison (all of them: compare it with
    `per_country=None`), column by column as the compare view orders them; `rank` is the
    passage's place in its column."""
    rows = tuple((column.label, *hit_row(h, rank, documents.get(h.passage.doc), link))
                 for column in comparison.columns
                 for rank, h in enumerate(column.hits, start=1))
    return Table((GROUP, *COLUMNS), rows, f"Objective {comparison.objective}")


def search_about(results: Results, built_at: str) -> Table:
    """What an export holds, for a workbook's second sheet: the search that made it."""
    rows: list[tuple[Cell, Cell]] = [("query", results.query), ("searched", results.searched),
                                     ("mode", results.mode)]
    rows += [(f"filter: {name}", ", ".join(values)) for name, values in results.filters.items()]
    rows += [("passages", results.total), ("index built at", built_at)]
    return Table(ABOUT, tuple(rows), "About")


def comparison_about(comparison: Comparison, built_at: str) -> Table:
    objective = gcm.objective(comparison.objective)
    rows: tuple[tuple[Cell, Cell], ...] = (
        ("objective", objective.label), ("objective title", objective.title),
        ("query", comparison.query), ("stated tags only", "yes" if comparison.stated else "no"),
        ("passages", comparison.total), ("index built at", built_at))
    return Table(ABOUT, rows, "About")


def search_file_words(query: str, filters: Mapping[str, Sequence[str]]) -> list[str]:
    """What a download's file name says of a search: its words, then each filter
    ("gcm-search", "trafficking", "country-Japan", ...; tables.file_name makes it safe)."""
    named = [f"{name}-{value}" if name != "stated" else "stated"
             for name, values in filters.items() for value in values]
    return ["gcm-search", query, *named]


def comparison_file_words(comparison: Comparison) -> list[str]:
    return ["gcm-search", "objective", str(comparison.objective),
            gcm.objective(comparison.objective).short, comparison.query,
            "stated" if comparison.stated else ""]
