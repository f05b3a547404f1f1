"""The records that flow through gcm-search.

source file -> `Document` + `Block`s -> `Passage`s -> index -> `Hit`s in `Results`.

All records are frozen dataclasses over plain data with a `to_dict()`; `Passage` is the one shape
that every stage after the chunker reads and writes. Nothing here does I/O.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Span = tuple[int, int]
"""A half-open range of character (code point) offsets into a source's decoded text."""

BlockKind = Literal["title", "section", "heading", "objectives", "objective_heading",
                    "subsection", "list_item", "paragraph"]
Kind = Literal["progress", "best_practice", "trends", "other"]
ObjectiveSource = Literal["explicit", "heading", "referenced", "inherited", "inferred", "cluster"]

OBJECTIVE_SOURCES: tuple[ObjectiveSource, ...] = (
    "explicit",
    "heading",
    "referenced",
    "inherited",
    "inferred",
    "cluster",
)
STATED_SOURCES: frozenset[ObjectiveSource] = frozenset(
    {"explicit", "heading", "referenced", "inherited"})
"""Tag sources that come from what the review says (the others are inferred or none)."""
KINDS: tuple[Kind, ...] = ("progress", "best_practice", "trends", "other")
Scope = Literal["national", "regional", "global", "stakeholder"]
SCOPES: tuple[Scope, ...] = ("national", "regional", "global", "stakeholder")
"""Whose document it is: a country's review (the default), a region's review, the Compact's own
texts (the Compact, progress declarations), or an organisation's submission."""


@dataclass(frozen=True)
class Document:
    """One document of the review process in the corpus, as described by the catalog.

    A national review has a country; the others have none ("" for `country` and `iso3`): a
    regional review names its region, and every document names its author.
    """

    id: str
    file: str
    title: str
    country: str
    iso3: str
    year: int
    author: str
    cycle: str = ""
    language: str = "en"
    url: str = ""
    accessed: str = ""
    """The date (YYYY-MM-DD) the file was downloaded from `url`, when it was."""
    scope: Scope = "national"
    region: str = ""
    ocr_pages: tuple[int, ...] = ()
    """The pages whose text was read by OCR (a scanned PDF): their quotes may hold recognition
    errors."""

    @property
    def party(self) -> str:
        """Whose document it is, for grouping and display: a national review's country, a
        regional review's region, the author of the others."""
        if self.scope == "national":
            return self.country
        return self.region if self.scope == "regional" else self.author

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["ocr_pages"] = list(self.ocr_pages)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Document:
        values = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        values.setdefault("country", "")  # documents without a country leave both out
        values.setdefault("iso3", "")
        if "ocr_pages" in values:
            values["ocr_pages"] = tuple(values["ocr_pages"])
        return cls(**values)


@dataclass(frozen=True)
class Block:
    """A classified piece of a source: a heading, a list item or a paragraph (or a part of one).

    `text` is the source slices of `spans` joined by single spaces. Headings carry what they name:
    `label` is a section number ("2") or subsection letter ("a"), `title` the words after it, and
    `objectives` the "(GCM Objectives: …)" list when the heading or line gives one.
    """

    kind: BlockKind
    text: str
    spans: tuple[Span, ...]
    label: str = ""
    title: str = ""
    objectives: tuple[int, ...] = ()
    pages: tuple[int, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Passage:
    """One paragraph of a review's body: the unit that is indexed, found, shown and cited."""

    id: str
    doc: str
    position: int
    """0-based order of the passage in its document."""
    para: int
    """1-based ordinal of the passage in its subsection (or section): the citation pinpoint."""
    section: str
    section_title: str
    subsection: str
    subsection_title: str
    kind: Kind
    cluster: int | None
    objectives: tuple[int, ...]
    objective_source: ObjectiveSource
    objective_note: str
    """Why the passage has its objectives: the words or the passage that gave them."""
    text: str
    spans: tuple[Span, ...]
    sha256: str
    country: str
    iso3: str
    year: int
    language: str = "en"
    number: str = ""
    """The paragraph's printed number ("12" for "12. The Government …"), if it has one."""
    pages: tuple[int, ...] = ()
    """The source pages the passage is on (PDF)."""
    objective_confidence: float | None = None
    """How sure an inferred tag is (0-1); None for tags the review states."""
    scope: Scope = "national"
    """The scope of the passage's document; non-national documents have no `country`."""
    ocr: bool = False
    """The passage's text was read by OCR from a scanned page (it may hold recognition errors)."""

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["objectives"] = list(self.objectives)
        data["spans"] = [list(span) for span in self.spans]
        data["pages"] = list(self.pages)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Passage:
        values = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        values["objectives"] = tuple(values["objectives"])
        values["spans"] = tuple((int(s), int(e)) for s, e in values["spans"])
        values["pages"] = tuple(values.get("pages", ()))
        return cls(**values)


@dataclass(frozen=True)
class Hit:
    """A passage found by a search, with its rank, score and marked-up text."""

    rank: int
    score: float
    passage: Passage
    segments: tuple[tuple[str, bool], ...]
    """The passage text cut into (text, matched) pieces, for any highlight format."""
    citation: str
    match: str = "words"
    """What found it: "words", "meaning" or "both"."""
    scores: tuple[float | None, float | None] = (None, None)
    """The component scores: (words: BM25F, meaning: cosine); None where a channel did not
    score it."""


@dataclass(frozen=True)
class Results:
    """One page of a search: what was asked, what was found, and the facet counts."""

    query: str
    filters: dict[str, list[str]]
    total: int
    page: int
    limit: int
    hits: tuple[Hit, ...]
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    suggestion: str | None = None
    searched: str = ""
    """The query actually searched: the user's words, or their correction."""
    mode: str = "words"
    """How it was searched: "words", "meaning" or "hybrid"."""

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.limit))
