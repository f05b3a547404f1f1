"""Results and passages -> the one JSON envelope, and -> terminal text. Shared by CLI and web.

The JSON of `gcm-search search --json` is `results_dict(results)`; the terminal view is
`results_text(results, ansi)`. Neither does I/O.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from . import objectives as gcm
from .escapes import unescape
from .highlight import as_ansi, as_html, as_plain
from .models import OBJECTIVE_SOURCES, Hit, Passage, Results
from .results import Comparison

if TYPE_CHECKING:
    from .meaning.similar import Similar
    from .verify import Verdict


RELATED = "(related by meaning)"
"""The mark of a passage found by meaning alone: none of the query's words are in it."""
OCR_NOTE = "(OCR text: may hold recognition errors)"
"""Beside a passage read by OCR from a scanned page: its quote may differ from the page."""


def objective_rows(passages: Iterable[Passage]) -> list[dict[str, Any]]:
    """The 23 objectives with their cluster and how many passages each has, by tag source."""
    counts: dict[int, Counter[str]] = {o.number: Counter() for o in gcm.OBJECTIVES}
    for p in passages:
        for n in p.objectives:
            counts[n][p.objective_source] += 1
    return [
        {
            "number": o.number,
            "short": o.short,
            "label": o.label,
            "title": o.title,
            "cluster": o.cluster,
            "passages": sum(counts[o.number].values()),
            "by_source": {s: counts[o.number][s] for s in OBJECTIVE_SOURCES if counts[o.number][s]},
        }
        for o in gcm.OBJECTIVES
    ]


def objective_labels(numbers: tuple[int, ...]) -> list[str]:
    return [gcm.objective(n).label for n in numbers]


def passage_dict(passage: Passage) -> dict[str, Any]:
    """Every field of a passage, plus its objectives' short labels."""
    data = passage.to_dict()
    data["objective_labels"] = objective_labels(passage.objectives)
    return data


def hit_dict(hit: Hit) -> dict[str, Any]:
    p = hit.passage
    return {
        "rank": hit.rank,
        "id": p.id,
        "score": hit.score,
        "doc": p.doc,
        "country": p.country,
        "scope": p.scope,
        "year": p.year,
        "section": p.section,
        "section_title": p.section_title,
        "subsection": p.subsection,
        "subsection_title": p.subsection_title,
        "kind": p.kind,
        "cluster": p.cluster,
        "objectives": list(p.objectives),
        "objective_labels": objective_labels(p.objectives),
        "objective_source": p.objective_source,
        "objective_confidence": p.objective_confidence,
        "objective_note": p.objective_note,
        "text": p.text,
        "highlight": as_html(hit.segments),
        "citation": hit.citation,
        "spans": [list(s) for s in p.spans],
        "sha256": p.sha256,
        "ocr": p.ocr,
        "match": hit.match,
        "scores": {"words": hit.scores[0], "meaning": hit.scores[1]},
    }


def results_dict(results: Results) -> dict[str, Any]:
    return {
        "query": results.query,
        "mode": results.mode,
        "filters": results.filters,
        "total": results.total,
        "page": results.page,
        "pages": results.pages,
        "limit": results.limit,
        "results": [hit_dict(h) for h in results.hits],
        "facets": results.facets,
        "suggestion": results.suggestion,
        "searched": results.searched,
    }


def where(passage: Passage) -> str:
    """"2 Protecting migrants … › a) Progress"."""
    parts = []
    if passage.section:
        parts.append(f"{passage.section} {passage.section_title}")
    if passage.subsection:
        parts.append(f"{passage.subsection}) {passage.subsection_title}")
    return " › ".join(parts) or "(before the first section)"


def objectives_line(passage: Passage) -> str:
    if not passage.objectives:
        cluster = f"cluster {passage.cluster}" if passage.cluster else "none"
        return f"Objectives: none specific ({cluster})"
    return f"Objectives: {', '.join(objective_labels(passage.objectives))} " \
           f"({provenance(passage)})"


def provenance(passage: Passage) -> str:
    """How a passage's objectives were given: "explicit", or for an inferred tag how sure and
    why: "inferred, 72% confident: terms: remittance; nearest description: 20 - Remittances"."""
    if passage.objective_source != "inferred" or passage.objective_confidence is None:
        return passage.objective_source
    # Never "100%": an inference can be wrong however strong its evidence.
    shown = min(passage.objective_confidence, 0.99)
    return f"inferred, {shown:.0%} confident: {passage.objective_note}"


def results_text(results: Results, ansi: bool = False) -> str:
    style = as_ansi if ansi else as_plain
    lines = []
    if results.suggestion:
        lines.append(results.suggestion)
    lines.append(_summary(results))
    for hit in results.hits:
        p = hit.passage
        score = f"  score {hit.score:.2f}" if hit.score else ""
        related = f"  {RELATED}" if hit.match == "meaning" else ""
        related += f"  {OCR_NOTE}" if p.ocr else ""
        lines += [
            "",
            f"{hit.rank:>2}. {p.id}{score}{related}",
            f"    {where(p)}",
            f"    {objectives_line(p)}",
            f"    {style(hit.segments)}",
            f"    {hit.citation}",
        ]
    if results.hits:
        lines.append("")
        lines += facets_text(results.facets)
    return "\n".join(lines)


def similar_dict(found: Similar) -> dict[str, Any]:
    return {
        "id": found.of.id,
        "filters": found.filters,
        "other_documents": found.other_documents,
        "total": len(found.hits),
        "results": [hit_dict(h) for h in found.hits],
    }


def similar_text(found: Similar) -> str:
    where_ = " in other documents" if found.other_documents else ""
    filters = "; ".join(f"{k} {', '.join(v)}" for k, v in found.filters.items())
    noun = "passage" if len(found.hits) == 1 else "passages"
    lines = [f"{len(found.hits)} {noun} similar in meaning to {found.of.id}{where_}"
             f"{' where ' + filters if filters else ''}"]
    for hit in found.hits:
        p = hit.passage
        lines += [
            "",
            f"{hit.rank:>2}. {p.id}  similarity {hit.score:.2f}",
            f"    {where(p)}",
            f"    {objectives_line(p)}",
            f"    {unescape(p.text)}",
            f"    {hit.citation}",
        ]
    return "\n".join(lines)


def _summary(results: Results) -> str:
    noun = "passage" if results.total == 1 else "passages"
    searched = results.searched.strip()
    asked = f" for {searched}" if '"' in searched else f' for "{searched}"' if searched else ""
    filters = "; ".join(f"{k} {', '.join(v)}" for k, v in results.filters.items()
                        if k != "stated")
    if filters and "stated" in results.filters:
        filters += " (stated tags only)"
    shown = ""
    if results.hits:
        shown = f", showing {results.hits[0].rank}-{results.hits[-1].rank}"
        if results.pages > 1:
            shown += f" (page {results.page} of {results.pages})"
    return f"{results.total} {noun}{asked}{' where ' + filters if filters else ''}{shown}"


def telling(name: str, counts: dict[str, int], active: Sequence[str] = ()) -> bool:
    """Is a facet worth showing? Not when empty; scope not while every passage is national
    (a corpus of reviews only), unless it is filtered on."""
    return bool(counts) and (name != "scope" or set(counts) != {"national"} or bool(active))


def facets_text(facets: dict[str, dict[str, int]]) -> list[str]:
    lines = []
    for name, counts in facets.items():
        if not telling(name, counts):
            continue
        if name == "objective":
            items = [f"{gcm.objective(int(v)).label} ({n})" for v, n in counts.items()]
        else:
            items = [f"{v} ({n})" for v, n in counts.items()]
        lines.append(f"{name.capitalize()}: {' · '.join(items)}")
    return lines


def passage_text(passage: Passage, citation: str) -> str:
    return "\n".join([
        f"{passage.id}{'  ' + OCR_NOTE if passage.ocr else ''}",
        f"{where(passage)}",
        f"{objectives_line(passage)}",
        "",
        unescape(passage.text),
        "",
        citation,
    ])


def verdict_text(verdict: Verdict) -> str:
    """What `verify` says: where a quote is, how a misquote differs, or that it is orphaned."""
    from .anchor import Misquote
    from .verify import Orphaned, Verified

    if isinstance(verdict, Verified):
        forgiven = f" (forgiven: {', '.join(verdict.forgiven)})" if verdict.forgiven else ""
        how = "" if verdict.method == "quote" else f", re-anchored by {verdict.method}"
        ids = [p.id for p in verdict.passages]
        where = (f"Found in {' and '.join(ids)}" if ids
                 else "Found outside the passages (in a heading)")
        return "\n".join([
            f"{where}, characters {verdict.start}-{verdict.end} of "
            f"{verdict.document.file}{forgiven}{how}.",
            verdict.citation,
        ])
    if isinstance(verdict, Misquote):
        return "\n".join([
            f"Not in the corpus. Closest: {verdict.passage.id} "
            f"({verdict.similarity:.0f}% similar). Words that differ, "
            "[-as quoted-]{+as in the source+}:",
            verdict.rendered,
        ])
    assert isinstance(verdict, Orphaned)
    return f"Orphaned: {verdict.reason}."


def compare_dict(comparison: Comparison) -> dict[str, Any]:
    objective = gcm.objective(comparison.objective)
    return {
        "objective": {"number": objective.number, "label": objective.label,
                      "title": objective.title, "cluster": objective.cluster},
        "query": comparison.query,
        "stated_only": comparison.stated,
        "total": comparison.total,
        "suggestion": comparison.suggestion,
        # "countries" for compatibility: documents without a country are columns of their scope
        # ("country" null, "scope" set).
        "countries": [
            {"label": column.label,
             "country": column.filter[1] if column.filter[0] == "country" else None,
             "scope": column.filter[1] if column.filter[0] == "scope" else None,
             "passages": column.count, "results": [hit_dict(h) for h in column.hits]}
            for column in comparison.columns
        ],
    }


def columns_summary(comparison: Comparison) -> str:
    """ "3 countries", or "3 countries and global documents, regional reviews"."""
    countries = sum(1 for c in comparison.columns if c.filter[0] == "country")
    others = [c.label.lower() for c in comparison.columns if c.filter[0] != "country"]
    text = f"{countries} countr{'ies' if countries != 1 else 'y'}"
    return f"{text} and {', '.join(others)}" if others else text


def compare_text(comparison: Comparison, width: int = 100) -> str:
    """One objective, country by country: a block per country, a row per passage."""
    objective = gcm.objective(comparison.objective)
    asked = f' matching "{comparison.query}"' if comparison.query else ""
    asked += " (stated tags only)" if comparison.stated else ""
    lines = [f"Objective {objective.label}{asked}: {comparison.total} passage"
             f"{'s' * (comparison.total != 1)} from {columns_summary(comparison)}"]
    if comparison.suggestion:
        lines.insert(0, comparison.suggestion)
    for column in comparison.columns:
        count, hits = column.count, column.hits
        lines += ["", f"{column.label} ({count})"]
        for hit in hits:
            p = hit.passage
            head = f"  {p.id:<24} {p.kind.replace('_', ' '):<13} "
            room = max(20, width - len(head))
            shown = unescape(p.text)
            text = shown if len(shown) <= room else shown[: room - 1].rstrip() + "…"
            lines.append(head + text)
        if count > len(hits):
            lines.append(f"  … and {count - len(hits)} more")
    return "\n".join(lines)
