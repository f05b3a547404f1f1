"""Verify a quote or re-anchor an annotation against the corpus texts. Pure: texts in, verdict out.

    quote or annotation + documents' texts + passages -> Verified | Misquote | Orphaned

A found quote reports its passage, its exact source offsets, what was forgiven and the citation;
a quote not found reports the closest passage and a word diff; an annotation whose target is gone
is orphaned.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .anchor import Anchor, Misquote, anchor, closest, find_all, forgiven, passage_range
from .cite import citation, source_uri
from .errors import BadInput
from .models import Document, Passage


@dataclass(frozen=True)
class Text:
    """A document and its source text, as verification needs them."""

    document: Document
    text: str


@dataclass(frozen=True)
class Verified:
    """Where the words are: the passages they overlap (none for a heading), offsets, citation."""

    passages: tuple[Passage, ...]
    document: Document
    start: int
    end: int
    exact: str
    forgiven: list[str] = field(default_factory=list)
    method: str = "quote"

    @property
    def passage(self) -> Passage | None:
        return self.passages[0] if self.passages else None

    @property
    def citation(self) -> str:
        if self.passage is None:  # words of a heading: the document, without a pinpoint
            d = self.document
            return f"{d.author}, {d.title} ({d.year})."
        return citation(self.passage, self.document)

    def to_dict(self) -> dict[str, Any]:
        return {
            "found": True,
            "passage": self.passage.id if self.passage else None,
            "passages": [p.id for p in self.passages],
            "doc": self.document.id,
            "file": self.document.file,
            "start": self.start,
            "end": self.end,
            "exact": self.exact,
            "forgiven": self.forgiven,
            "method": self.method,
            "citation": self.citation,
        }


@dataclass(frozen=True)
class Orphaned:
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"found": False, "orphaned": True, "reason": self.reason}


Verdict = Verified | Misquote | Orphaned


def verify_quote(quote: str, texts: Sequence[Text], passages: Sequence[Passage]) -> Verdict:
    if not quote.strip():
        raise BadInput("the quote is empty")
    for text in texts:
        places = find_all(quote, text.text)
        if places:
            start, end = places[0]
            exact = text.text[start:end]
            return Verified(_overlapping(passages, text.document.id, start, end),
                            text.document, start, end, exact, forgiven(quote, exact))
    misquote = closest(quote, passages)
    return misquote if misquote is not None else Orphaned("the corpus has no passages")


def verify_annotation(
    annotation: Mapping[str, Any], texts: Sequence[Text], passages: Sequence[Passage]
) -> Verdict:
    target = annotation.get("target") if isinstance(annotation, Mapping) else None
    if isinstance(target, list):
        target = target[0] if target else None
    if not isinstance(target, Mapping):
        raise BadInput("the annotation has no target", "expected a W3C Web Annotation")
    selector = target.get("selector", [])
    selectors = [s for s in (selector if isinstance(selector, list) else [selector])
                 if isinstance(s, Mapping)]
    if not selectors:
        raise BadInput("the annotation's target has no selector")
    text = _text_for(str(target.get("source", "")), texts)
    if text is None:
        return Orphaned(f"its source {target.get('source')!r} is not in the corpus")
    found: Anchor = anchor(text.text, selectors)
    if found.status == "orphaned":
        return Orphaned("its text is no longer in the document")
    return Verified(_overlapping(passages, text.document.id, found.start, found.end),
                    text.document, found.start, found.end, text.text[found.start : found.end],
                    found.forgiven, found.method)


def _text_for(source: str, texts: Sequence[Text]) -> Text | None:
    return next((t for t in texts if source_uri(t.document) == source
                 or (t.document.url and t.document.url == source)), None)


def _overlapping(passages: Sequence[Passage], doc: str, start: int, end: int
                 ) -> tuple[Passage, ...]:
    """The passages of `doc` whose text the source range [start, end) overlaps, in order."""
    return tuple(p for p in passages if p.doc == doc
                 and passage_range(p)[0] < end and start < passage_range(p)[1])
