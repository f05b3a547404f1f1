"""The Whoosh schema and Passage <-> stored fields: the only place field names are spelled.

A passage is indexed into filter fields (ids, keywords), a stemmed `text` field for ranking, an
unstemmed `exact` field for quoted phrases and spelling, and a stored JSON `record` from which a
hit is rendered without reopening source files.
"""

from __future__ import annotations

import json
from typing import Any

from whoosh.columns import NumericColumn
from whoosh.fields import COLUMN, ID, KEYWORD, NUMERIC, STORED, TEXT, Schema
from whoosh.scoring import BM25F

from ..models import STATED_SOURCES, Passage
from ..objectives import objective
from .analysis import LANGUAGES, exact, language, stemmed

SCHEMA_VERSION = "7"
"""Bump when fields change, so indexes rebuild."""

ID_FIELD = "id"
TEXT_FIELD = "text"
"""The stemmed text of English passages (and of languages without their own analysis)."""
TOPICS_FIELD = "topics"
EXACT_FIELD = "exact"
ORDER_FIELD = "order"

# Facet name -> field. Facets are counted from these fields' postings.
FACETS: dict[str, str] = {
    "objective": "objectives",
    "cluster": "cluster",
    "section": "section",
    "kind": "kind",
    "country": "country",
    "scope": "scope",
    "language": "language",
    "year": "year",
}


def text_field(lang: str) -> str:
    """The stemmed-text field of a language: "text" for English, "text_fr", "text_es"."""
    return TEXT_FIELD if lang == "en" else f"{TEXT_FIELD}_{lang}"


def schema() -> Schema:
    per_language = {text_field(lang): TEXT(analyzer=stemmed(lang), phrase=True)
                    for lang in LANGUAGES if lang != "en"}
    return Schema(
        **per_language,
        language=ID,
        # Searched and filtered on, not stored: the record holds them (stored twice, they were a
        # fifth of each passage's stored fields).
        id=ID(unique=True),
        doc=ID,
        country=ID,
        scope=ID,
        year=ID,
        section=ID,
        subsection=ID,
        kind=ID,
        cluster=ID,
        objectives=KEYWORD,
        # The objectives the review states (not inferred ones), for filters that ask for them.
        stated=KEYWORD,
        objective_source=ID,
        position=NUMERIC(int, bits=32),
        # Only a column, to sort by: indexed, its 16 terms a passage (Whoosh's numeric ranges)
        # were a third of a build's terms, and nothing ever searched them.
        order=COLUMN(NumericColumn("Q")),
        text=TEXT(analyzer=stemmed(), phrase=True),
        exact=TEXT(analyzer=exact(), phrase=True, spelling=False),
        # The passage's objectives in words ("objective 10 Trafficking Prevent, combat …"), so a
        # query for "objective 10" or "smuggling" also finds passages filed under it.
        topics=TEXT(analyzer=stemmed(), phrase=True),
        record=STORED,
    )


def weighting() -> BM25F:
    return BM25F(B=0.75, K1=1.2)


def to_fields(passage: Passage, order: int) -> dict[str, Any]:
    """The fields of one passage's index document; `order` sorts passages across documents."""
    lang = language(passage.language)
    return {
        text_field(lang): passage.text,
        "language": lang,
        "id": passage.id,
        "doc": passage.doc,
        "country": passage.country,
        "scope": passage.scope,
        "year": str(passage.year),
        "section": passage.section,
        "subsection": f"{passage.section}{passage.subsection}",
        "kind": passage.kind,
        "cluster": str(passage.cluster or ""),
        "objectives": " ".join(str(n) for n in passage.objectives),
        "stated": " ".join(str(n) for n in passage.objectives)
                  if passage.objective_source in STATED_SOURCES else "",
        "objective_source": passage.objective_source,
        "position": passage.position,
        "order": order,
        "exact": passage.text,
        "topics": " ".join(
            f"objective {o.number} {o.short}. {o.title}."
            for o in (objective(n) for n in passage.objectives)
        ),
        "record": record(passage),
    }


def record(passage: Passage) -> str:
    """The passage as stored: `Passage.to_dict()` as JSON, made without `dataclasses.asdict`
    (which deep-copies every value, a tenth of a build's analysis); tuples are JSON arrays."""
    return json.dumps({name: getattr(passage, name) for name in _PASSAGE_FIELDS},
                      ensure_ascii=False)


_PASSAGE_FIELDS = tuple(Passage.__dataclass_fields__)


def from_stored(stored: dict[str, Any]) -> Passage:
    return Passage.from_dict(json.loads(stored["record"]))
