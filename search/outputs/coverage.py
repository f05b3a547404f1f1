"""The coverage matrix: passages + documents -> how many passages of each review are tagged with
each GCM objective, as a `Coverage` record, then as a table (CSV, Excel), JSON or terminal text.

A row per document (a national review's country, or for documents without one, the region or
author that `Document.party` names), a column per objective. A cell counts the passages of the
document tagged with the objective, by every tag the search counts (stated and inferred), or by
the tags the review states only. A passage tagged with two objectives counts in two cells, but
once in its row's total: a row's `total` is the number of distinct passages tagged with at least
one of the columns' objectives, and the grand total is the sum of the rows' totals. So the
column totals may add up to more than the grand total.

Pure: the CLI and the web read the passages and check the filters (`results.make_filters`), and
`coverage` picks the rows and columns.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from .. import objectives as gcm
from ..errors import BadInput
from ..models import SCOPES, STATED_SOURCES, Document, Passage
from ..query import Filters
from .tables import Cell, Table, as_bytes

IDENTITY = ("Document", "Party", "Country", "ISO3", "Scope", "Year", "Cycle")
TOTAL = "Total"
PASSAGES = "Passages"
"""All the document's passages, tagged or not: what its total is out of."""


@dataclass(frozen=True)
class Row:
    """One document's counts, one per column of its `Coverage`."""

    document: Document
    counts: tuple[int, ...]
    total: int
    """Distinct passages tagged with at least one of the columns' objectives."""
    passages: int
    """All the document's passages."""


@dataclass(frozen=True)
class Coverage:
    objectives: tuple[int, ...]
    """The columns: objective numbers, in order."""
    rows: tuple[Row, ...]
    stated_only: bool
    filters: dict[str, list[str]]
    """What the rows and columns were chosen by (cluster, country, year, cycle)."""

    @property
    def column_totals(self) -> tuple[int, ...]:
        return tuple(sum(r.counts[i] for r in self.rows) for i in range(len(self.objectives)))

    @property
    def total(self) -> int:
        return sum(r.total for r in self.rows)

    @property
    def passages(self) -> int:
        return sum(r.passages for r in self.rows)

    @property
    def largest(self) -> int:
        """The largest cell (0 for an empty matrix)."""
        return max((n for r in self.rows for n in r.counts), default=0)


def coverage(passages: Iterable[Passage], documents: Sequence[Document], filters: Filters,
             cycles: Sequence[str] = ()) -> Coverage:
    """The matrix of `passages` over `documents`, chosen by `filters` (already checked by
    `make_filters`): its clusters keep their objectives' columns; its countries and years, and
    `cycles` (checked here), keep the rows of those documents; `filters.stated` counts the tags
    the reviews state only. Its other fields are not the matrix's to read."""
    chosen_cycles = check_cycles(documents, cycles)
    columns = tuple(sorted(n for c in filters.clusters for n in gcm.cluster(int(c)).objectives)
                    ) or tuple(o.number for o in gcm.OBJECTIVES)
    kept = [d for d in documents
            if (not filters.countries or d.country in filters.countries)
            and (not filters.years or str(d.year) in filters.years)
            and (not chosen_cycles or d.cycle in chosen_cycles)]
    place = {n: i for i, n in enumerate(columns)}
    counts = {d.id: [0] * len(columns) for d in kept}
    totals = dict.fromkeys(counts, 0)
    sizes = dict.fromkeys(counts, 0)
    for p in passages:
        if p.doc not in counts:
            continue
        sizes[p.doc] += 1
        if filters.stated and p.objective_source not in STATED_SOURCES:
            continue
        hit = [place[n] for n in dict.fromkeys(p.objectives) if n in place]
        for i in hit:
            counts[p.doc][i] += 1
        totals[p.doc] += bool(hit)
    rows = tuple(Row(d, tuple(counts[d.id]), totals[d.id], sizes[d.id])
                 for d in sorted(kept, key=_row_order))
    chosen = {"cluster": list(filters.clusters), "country": list(filters.countries),
              "year": list(filters.years), "cycle": list(chosen_cycles)}
    return Coverage(columns, rows, filters.stated, {k: v for k, v in chosen.items() if v})


def _row_order(d: Document) -> tuple[int, str, int, str]:
    # Countries' reviews first, by name and year; then regions', the Compact's, stakeholders'.
    return (SCOPES.index(d.scope), d.party.casefold(), d.year, d.id)


def check_cycles(documents: Sequence[Document], values: Iterable[str]) -> tuple[str, ...]:
    """The review cycles asked for, as the catalog spells them ("imrf 2022" -> "IMRF 2022");
    a cycle no document has is a `BadInput`."""
    known = {" ".join(d.cycle.split()).casefold(): d.cycle for d in documents if d.cycle}
    found = []
    for value in values:
        if not value.strip():
            continue
        cycle = known.get(" ".join(value.split()).casefold())
        if cycle is None:
            hint = (f"cycles: {', '.join(sorted(set(known.values())))}" if known
                    else "no document in the index names its cycle")
            raise BadInput(f"no review of cycle {value!r} in the index", hint)
        found.append(cycle)
    return tuple(dict.fromkeys(found))


# ---- as a table, JSON and text -----------------------------------------------------------------

def header(number: int) -> str:
    """A column's heading: "10 Trafficking"."""
    return f"{number} {gcm.objective(number).short}"


def as_table(matrix: Coverage) -> Table:
    """The matrix as a sheet: the documents' identity, a column per objective, the row total
    and the document's passage count; the last row holds the column totals."""
    columns = (*IDENTITY, *(header(n) for n in matrix.objectives), TOTAL, PASSAGES)
    rows: list[tuple[Cell, ...]] = [
        (d.id, d.party, d.country or None, d.iso3 or None, d.scope, d.year, d.cycle or None,
         *r.counts, r.total, r.passages)
        for r in matrix.rows for d in (r.document,)]
    rows.append((TOTAL, *([None] * (len(IDENTITY) - 1)), *matrix.column_totals, matrix.total,
                 matrix.passages))
    return Table(columns, tuple(rows), title="Coverage")


def legend_table(matrix: Coverage) -> Table:
    """The columns' objectives in full, for a workbook's second sheet."""
    rows = tuple((n, o.short, o.title, o.cluster)
                 for n in matrix.objectives for o in (gcm.objective(n),))
    return Table(("Objective", "Short name", "Title", "Cluster"), rows, title="Objectives")


def spreadsheet(matrix: Coverage, fmt: str) -> bytes:
    """The matrix as a CSV or an Excel workbook (with the objectives' legend as a second
    sheet)."""
    return as_bytes(as_table(matrix), fmt, extra=(legend_table(matrix),))


def coverage_dict(matrix: Coverage) -> dict[str, Any]:
    """The matrix as JSON: `/api/coverage` and `coverage --format json`."""
    def counts(values: Sequence[int]) -> dict[str, int]:
        return {str(n): v for n, v in zip(matrix.objectives, values, strict=True)}

    return {
        "stated_only": matrix.stated_only,
        "filters": matrix.filters,
        "objectives": [{"number": o.number, "short": o.short, "label": o.label,
                        "title": o.title, "cluster": o.cluster}
                       for o in map(gcm.objective, matrix.objectives)],
        "rows": [{"doc": d.id, "party": d.party, "country": d.country or None,
                  "iso3": d.iso3 or None, "scope": d.scope, "year": d.year,
                  "cycle": d.cycle or None, "counts": counts(r.counts), "total": r.total,
                  "passages": r.passages}
                 for r in matrix.rows for d in (r.document,)],
        "totals": {"counts": counts(matrix.column_totals), "total": matrix.total,
                   "passages": matrix.passages},
    }


def label(document: Document) -> str:
    """A row's name: "Japan 2022"; "Asia and the Pacific 2021 (regional)"."""
    scope = "" if document.scope == "national" else f" ({document.scope})"
    return f"{document.party} {document.year}{scope}"


def explained(matrix: Coverage) -> str:
    """What the numbers count, in a sentence."""
    tags = "tags the reviews state" if matrix.stated_only else "stated and inferred tags"
    return (f"Each cell: the passages of a review tagged with the objective ({tags}). Total: "
            "its passages tagged with at least one of these objectives, each passage once.")


LABEL_WIDTH = 26
ZERO = "·"


def coverage_text(matrix: Coverage, width: int = 100) -> str:
    """The matrix for a terminal: columns numbered 1-23 (a legend of their names below), zeros
    as dots so the counts stand out, a total per row and per column."""
    if not matrix.rows:
        return "No document in the index matches these filters.\n"
    cell = max(len(str(n)) for n in (*matrix.objectives, *matrix.column_totals)) + 1
    total_width = max(len(TOTAL), len(str(matrix.total))) + 2

    def line(name: str, values: Sequence[str], total: str) -> str:
        short = name if len(name) <= LABEL_WIDTH else name[:LABEL_WIDTH - 1] + "…"
        return (f"{short:<{LABEL_WIDTH}}" + "".join(f"{v:>{cell}}" for v in values)
                + f"{total:>{total_width}}").rstrip()

    lines = [line("Review", [str(n) for n in matrix.objectives], TOTAL)]
    lines += [line(label(r.document), [str(n) if n else ZERO for n in r.counts], str(r.total))
              for r in matrix.rows]
    lines.append(line(TOTAL, [str(n) for n in matrix.column_totals], str(matrix.total)))
    lines.append("")
    lines += _wrapped([f"{n} {gcm.objective(n).short}" for n in matrix.objectives], width)
    lines += _wrapped(explained(matrix).split(" "), width, sep=" ")
    return "\n".join(lines) + "\n"


def _wrapped(items: Sequence[str], width: int, sep: str = " · ") -> list[str]:
    lines: list[str] = []
    current = ""
    for item in items:
        candidate = f"{current}{sep}{item}" if current else item
        if current and len(candidate) > width:
            lines.append(current)
            candidate = item
        current = candidate
    return [*lines, current] if current else lines


# ---- shading for a heat map --------------------------------------------------------------------

STEPS = 4


def steps(largest: int, count: int = STEPS) -> tuple[tuple[int, int], ...]:
    """The ranges of counts that share a shade: 1 to `largest` cut in up to `count` ranges of
    near-equal width (fewer when there are fewer numbers); 0 has its own, unshaded step."""
    if largest < 1:
        return ()
    count = min(count, largest)
    bounds = [round(largest * k / count) for k in range(count + 1)]
    return tuple((bounds[k] + 1, bounds[k + 1]) for k in range(count))


def level(value: int, ranges: Sequence[tuple[int, int]]) -> int:
    """A count's shade: 0 for none, else 1 + the index of its range in `steps`."""
    for number, (low, high) in enumerate(ranges, start=1):
        if low <= value <= high:
            return number
    return 0
