"""Raw blocks -> classified `Block`s: title, section and subsection headings, objective lists,
list items and paragraphs. Format-blind and pure: it sees only text and spans, never files.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from .models import Block, BlockKind, Span

_OBJECTIVE_LIST = r"\(\s*(?:GCM\s+)?Objectives?\s*:?\s*(\d{1,2}(?:\s*(?:,|and|&)\s*\d{1,2})*)\s*\)"
_SECTION = re.compile(
    rf"^(\d{{1,2}})\.?\s+([A-Z][^\n]*?)\s*(?:{_OBJECTIVE_LIST})?\s*$"
)
_OBJECTIVES_LINE = re.compile(rf"^{_OBJECTIVE_LIST}\s*\.?$", re.IGNORECASE)
_SUBSECTION = re.compile(r"^([a-z])\)\s+(\S[^\n]{0,78})$")
_BULLET = re.compile(r"^[-–•*]\s+")
_HEADING_MAX = 250
_TERMINAL = ".!?:;"


def join(text: str, spans: Sequence[Span]) -> str:
    """The source slices of `spans` joined by single spaces: the one way text is made from spans."""
    return " ".join(text[start:end] for start, end in spans)


def numbers(listed: str) -> tuple[int, ...]:
    """'4, 8, 9 and 10' -> (4, 8, 9, 10)."""
    return tuple(int(n) for n in re.findall(r"\d{1,2}", listed))


def ends_sentence(text: str) -> bool:
    """Whether a block ends as a sentence does (closing quotes and brackets looked through)."""
    stripped = text.rstrip().rstrip("\"'”’)]")
    return bool(stripped) and stripped[-1] in _TERMINAL


def classify(text: str, raw_blocks: Sequence[Sequence[Span]]) -> tuple[Block, ...]:
    """Classify each raw block of `text`.

    List items inside a block become blocks of their own, and so does a heading on the first
    line of a block (with its "(GCM Objectives: …)" line or its first paragraph below it).
    """
    blocks: list[Block] = []
    for spans in raw_blocks:
        for part in _split_items(text, spans):
            while len(part) > 1:
                head = _classify_one(text, part[:1], seen_section=_seen_section(blocks))
                if head.kind not in ("section", "subsection", "objectives"):
                    break
                blocks.append(head)
                part = part[1:]
            blocks.append(_classify_one(text, part, seen_section=_seen_section(blocks)))
    return tuple(blocks)


def _seen_section(blocks: list[Block]) -> bool:
    return any(b.kind == "section" for b in blocks) or any(
        b.kind in ("paragraph", "list_item") for b in blocks
    )


def _split_items(text: str, spans: Sequence[Span]) -> list[tuple[Span, ...]]:
    parts: list[list[Span]] = []
    for span in spans:
        if not parts or _BULLET.match(text[span[0] : span[1]]):
            parts.append([span])
        else:
            parts[-1].append(span)
    return [tuple(p) for p in parts]


def _classify_one(text: str, spans: tuple[Span, ...], seen_section: bool) -> Block:
    content = join(text, spans)
    kind: BlockKind
    if len(spans) == 1 and len(content) <= _HEADING_MAX:
        section = _SECTION.match(content)
        if section and not ends_sentence(section.group(2)) and 1 <= int(section.group(1)) <= 30:
            listed = section.group(3)
            return Block("section", content, spans, label=section.group(1),
                         title=section.group(2).strip(),
                         objectives=numbers(listed) if listed else ())
        objectives_line = _OBJECTIVES_LINE.match(content)
        if objectives_line:
            return Block("objectives", content, spans, objectives=numbers(objectives_line.group(1)))
        subsection = _SUBSECTION.match(content)
        if subsection and not ends_sentence(content):
            return Block("subsection", content, spans, label=subsection.group(1),
                         title=subsection.group(2).strip())
        if not seen_section and not ends_sentence(content) and len(content) <= 200:
            return Block("title", content, spans)
    kind = "list_item" if _BULLET.match(content) else "paragraph"
    return Block(kind, content, spans)
