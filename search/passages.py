"""The chunker: a document's text and metadata -> its `Passage`s. Pure: no files, no index.

Each passage is one paragraph of the review's body. Headings become fields (section, subsection,
kind, cluster); a paragraph broken mid-sentence is rejoined; list items join the paragraph that
introduces them. Ids are readable and stable: `japan-2022:2a.6` is document japan-2022,
section 2, subsection a, sixth paragraph. Objectives are tagged by `search.tagging`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from .blocks import classify, ends_sentence, join
from .models import Block, Document, Kind, Passage, Span
from .objectives import cluster_of_objectives, cluster_of_title
from .sources import RawBlock, split_blocks
from .tagging import tag
from .versions import CHUNKER_VERSION  # noqa: F401 - bump it when the passages change


def chunk(
    document: Document,
    text: str,
    raw_blocks: Sequence[RawBlock | Sequence[Span]] | None = None,
) -> tuple[Passage, ...]:
    """Split `text` (the decoded or extracted source) into tagged passages of `document`.

    `raw_blocks` are the reader's blocks; plain text is split on blank lines when they are omitted.
    """
    blocks = classify(text, raw_blocks if raw_blocks is not None else split_blocks(text))
    drafts = _paragraphs(blocks)
    return tag(_number(document, text, drafts), [d.context.objectives for d in drafts])


def kind_of(subsection_title: str) -> Kind:
    """Normalise a subsection title, in English, French or Spanish: "Best practices",
    "Bonnes pratiques", "Buenas prácticas" -> best_practice."""
    title = subsection_title.lower()
    if title.startswith(("progress", "progrès", "progres", "avance")):
        return "progress"
    if "practice" in title or "pratique" in title or "práctica" in title or "practica" in title:
        return "best_practice"
    if title.startswith(("trend", "tendanc", "tendenc")):
        return "trends"
    return "other"


@dataclass
class _Context:
    section: str = ""
    section_title: str = ""
    key: str = ""
    """The section's part of passage ids: its number, or s1, s2 … for unnumbered headings."""
    cluster: int | None = None
    subsection: str = ""
    subsection_title: str = ""
    objectives: tuple[int, ...] = ()
    """The objectives of the objective heading ("Objective 10: …") the passage is under."""
    objectives_in_subsection: bool = False
    """The objective heading came inside the subsection, so the next subsection ends it."""


@dataclass
class _Draft:
    context: _Context
    blocks: list[Block] = field(default_factory=list)

    @property
    def spans(self) -> tuple[Span, ...]:
        return tuple(span for block in self.blocks for span in block.spans)

    @property
    def pages(self) -> tuple[int, ...]:
        return tuple(sorted({page for block in self.blocks for page in block.pages}))


def _paragraphs(blocks: Sequence[Block]) -> list[_Draft]:
    drafts: list[_Draft] = []
    context = _Context()
    unnumbered = 0
    open_draft: _Draft | None = None  # the draft a following block may still join
    for block in blocks:
        if block.kind == "section":
            # The "(GCM Objectives: …)" list names the cluster; without it, a section titled
            # with one of the four standard cluster titles is that cluster.
            context = _Context(block.label, block.title, block.label,
                               cluster_of_objectives(block.objectives)
                               or cluster_of_title(block.title))
            open_draft = None
        elif block.kind == "heading":
            unnumbered += 1
            context = _Context("", block.title, f"s{unnumbered}", cluster_of_title(block.title))
            open_draft = None
        elif block.kind == "objectives":
            if context.cluster is None:
                context.cluster = cluster_of_objectives(block.objectives)
        elif block.kind == "objective_heading":
            context = replace(context, objectives=block.objectives,
                              objectives_in_subsection=bool(context.subsection))
            open_draft = None
        elif block.kind == "subsection":
            # "Objective 10" > "a) Progress": the objective goes on; "a) Progress" >
            # "Objective 10" > "b) Best practices": it ends with its subsection.
            kept = () if context.objectives_in_subsection else context.objectives
            context = replace(context, subsection=block.label, subsection_title=block.title,
                              objectives=kept, objectives_in_subsection=False)
            open_draft = None
        elif block.kind == "title":
            open_draft = None
        elif open_draft is not None and (
            block.kind == "list_item" or _continues(open_draft.blocks[-1], block)
        ):
            open_draft.blocks.append(block)
        else:
            open_draft = _Draft(context, [block])
            drafts.append(open_draft)
    return drafts


def _continues(previous: Block, block: Block) -> bool:
    """A block that starts in lower case after one that stops mid-sentence (or at a colon that
    introduces it) is the same paragraph."""
    return (
        previous.kind == "paragraph"
        and block.kind == "paragraph"
        and (not ends_sentence(previous.text) or previous.text.rstrip().endswith(":"))
        and block.text[:1].islower()
    )


def _number(document: Document, text: str, drafts: Sequence[_Draft]) -> list[Passage]:
    passages: list[Passage] = []
    ordinals: dict[tuple[str, str], int] = {}
    ocr_pages = set(document.ocr_pages)
    for position, draft in enumerate(drafts):
        ctx = draft.context
        key = (ctx.key, ctx.subsection)
        ordinals[key] = para = ordinals.get(key, 0) + 1
        spans = draft.spans
        body = join(text, spans)
        passages.append(
            Passage(
                id=f"{document.id}:{ctx.key or '0'}{ctx.subsection}.{para}",
                doc=document.id,
                position=position,
                para=para,
                section=ctx.section,
                section_title=ctx.section_title,
                subsection=ctx.subsection,
                subsection_title=ctx.subsection_title,
                kind=kind_of(ctx.subsection_title) if ctx.subsection else "other",
                cluster=ctx.cluster,
                objectives=(),
                objective_source="cluster",
                objective_note="",
                text=body,
                spans=spans,
                sha256=hashlib.sha256(body.encode("utf-8")).hexdigest(),
                country=document.country,
                iso3=document.iso3,
                year=document.year,
                language=document.language,
                number=draft.blocks[0].label if draft.blocks[0].kind == "paragraph" else "",
                pages=draft.pages,
                scope=document.scope,
                ocr=bool(set(draft.pages) & ocr_pages),
            )
        )
    return passages
