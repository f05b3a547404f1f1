"""Raw blocks -> classified `Block`s: title, section, objective and subsection headings, cluster
objective lists, list items and paragraphs. Format-blind and pure: it sees text, spans and what a
reader's format said (a heading, a list item), never files.

Layouts it knows, in English, French and Spanish: the review template ("2 Protecting migrants …
(GCM Objectives: 4, 8, …)", "a) Progress"), a heading per objective ("Objective 10: …",
"Objectif 10", "Objetivo 10"), numbered paragraphs ("12. …"), and bullets (-, –, •, *, 1., a)).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from .models import Block, Span
from .sources.model import RawBlock

_NUMBERS = r"\d{1,2}(?:\s*(?:,\s*(?:and|et|y|&)?|and|et|y|&)\s*\d{1,2})*"
_OBJECTIVE_WORD = r"(?:Objectives?|Objectifs?|Objetivos?)"
_COMPACT = r"(?:GCM|PMM|Pacte\s+mondial|Pacto\s+Mundial)"
_OBJECTIVE_LIST = (  # case-insensitive inside, so a heading's own capital letter still counts
    rf"\((?i:\s*(?:{_COMPACT}\s+)?{_OBJECTIVE_WORD}"
    rf"(?:\s+(?:du|del|de\s+la|of\s+the)\s+{_COMPACT})?\s*:?\s*({_NUMBERS})\s*)\)"
)
_SECTION = re.compile(rf"^(\d{{1,2}})\.?\s+([A-ZÀ-ÝÑ][^\n]*?)\s*(?:{_OBJECTIVE_LIST})?\s*$")
_OBJECTIVES_LINE = re.compile(rf"^{_OBJECTIVE_LIST}\s*\.?$", re.IGNORECASE)
_OBJECTIVE_HEADING = re.compile(
    rf"^(?:{_COMPACT}\s+)?(?:Objective|Objectif|Objetivo)\s*(?:n[°ºo]?\.?\s*)?(\d{{1,2}})\b"
    r"\s*[:.\-–—]?\s*(.*)$",
    re.IGNORECASE,
)
_SUBSECTION = re.compile(r"^([a-z])\)\s+(\S[^\n]{0,78})$")
_SYMBOL_BULLET = re.compile(r"^[-–—•*·▪◦●○]\s+")
_ENUMERATED = re.compile(r"^\(?(?:\d{1,2}|[a-z])[.)]\s+")
_NUMBERED_PARAGRAPH = re.compile(r"^(\d{1,3})\.\s+(?=\S)")
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


def classify(text: str, raw_blocks: Sequence[RawBlock | Sequence[Span]]) -> tuple[Block, ...]:
    """Classify each raw block of `text`, in order (a block's kind may depend on the one before).

    List items inside a block become blocks of their own, and so does a heading on the first
    line of a block (with its "(GCM Objectives: …)" line or its first paragraph below it).
    """
    blocks: list[Block] = []
    for raw in raw_blocks:
        block = raw if isinstance(raw, RawBlock) else RawBlock(tuple(raw))
        for part in _split_items(text, block.spans):
            whole = _wrapped_section(text, part, block)
            if whole is not None:  # a section heading wrapped over lines (PDF, narrow text)
                blocks.append(whole)
                continue
            while len(part) > 1:
                head = _classify_one(text, part[:1], block, blocks)
                if head.kind not in ("section", "subsection", "objectives", "objective_heading"):
                    break
                blocks.append(head)
                part = part[1:]
            blocks.append(_classify_one(text, part, block, blocks))
    return tuple(blocks)


def _wrapped_section(text: str, spans: tuple[Span, ...], raw: RawBlock) -> Block | None:
    """A numbered section heading with its "(GCM Objectives: …)" list, wrapped over lines."""
    if len(spans) < 2:
        return None
    content = join(text, spans)
    found = _SECTION.match(content) if len(content) <= _HEADING_MAX else None
    if found is None or not found.group(3) or not 1 <= int(found.group(1)) <= 30:
        return None
    return Block("section", content, spans, label=found.group(1), title=found.group(2).strip(),
                 objectives=numbers(found.group(3)), pages=raw.pages)


def _split_items(text: str, spans: Sequence[Span]) -> list[tuple[Span, ...]]:
    """Lines that start with a bullet start a new item; so do enumerated lines ("1. ", "b) ")
    when a block has several of them."""
    lines = [text[s:e] for s, e in spans]
    enumerated = sum(1 for line in lines if _ENUMERATED.match(line)) >= 2
    parts: list[list[Span]] = []
    for span, line in zip(spans, lines, strict=True):
        starts = _SYMBOL_BULLET.match(line) or (enumerated and _ENUMERATED.match(line))
        if not parts or starts:
            parts.append([span])
        else:
            parts[-1].append(span)
    return [tuple(p) for p in parts]


def _marker(line: str) -> tuple[str, int] | None:
    """An enumerated line's marker as (style, value): "3." -> ("1.", 3), "(b)" -> ("(a)", 2)."""
    found = re.match(r"^(\()?(\d{1,2}|[a-z])([.)])\s", line)
    if not found:
        return None
    opening, value, closing = found.groups()
    number = int(value) if value.isdigit() else ord(value) - ord("a") + 1
    return f"{opening or ''}{'1' if value.isdigit() else 'a'}{closing}", number


def _continues_list(content: str, previous: Block | None) -> bool:
    """Whether an enumerated line ("2.", "b)") is the next item of a list: right after the line
    that introduces the list (ending with ":") or another item as a first item ("1.", "a)"),
    or after the item before it in the same style. "13. The results …" after item "2." is a
    numbered paragraph, and "b) Best practices" after a bulleted list is a heading."""
    mark = _marker(content)
    if mark is None or previous is None:
        return False
    if previous.kind != "list_item":
        return previous.text.rstrip().endswith(":") and mark[1] == 1
    before = _marker(previous.text)
    if before is None or before[0] != mark[0]:
        return mark[1] == 1  # a list (or a list inside it) in another style starts
    return mark[1] == before[1] + 1


def _classify_one(text: str, spans: tuple[Span, ...], raw: RawBlock,
                  before: Sequence[Block]) -> Block:
    content = join(text, spans)
    pages = raw.pages
    previous = before[-1] if before else None
    in_list = _continues_list(content, previous)
    heading_hint = raw.hint == "heading"
    if (len(spans) == 1 or heading_hint) and len(content) <= _HEADING_MAX:
        section = _SECTION.match(content)
        if section and not ends_sentence(section.group(2)) and 1 <= int(section.group(1)) <= 30:
            listed = section.group(3)
            return Block("section", content, spans, label=section.group(1),
                         title=section.group(2).strip(),
                         objectives=numbers(listed) if listed else (), pages=pages)
        objectives_line = _OBJECTIVES_LINE.match(content)
        if objectives_line:
            return Block("objectives", content, spans,
                         objectives=numbers(objectives_line.group(1)), pages=pages)
        objective = _OBJECTIVE_HEADING.match(content)
        if (objective and 1 <= int(objective.group(1)) <= 23
                and (heading_hint or not ends_sentence(content))):
            return Block("objective_heading", content, spans, label=objective.group(1),
                         title=objective.group(2).strip(),
                         objectives=(int(objective.group(1)),), pages=pages)
        subsection = _SUBSECTION.match(content)
        if subsection and not ends_sentence(content) and not (in_list and not heading_hint):
            return Block("subsection", content, spans, label=subsection.group(1),
                         title=subsection.group(2).strip(), pages=pages)
        seen_body = any(b.kind in ("title", "section", "heading", "paragraph", "list_item")
                        for b in before)
        # A format's heading is the title only when it is the first thing and of the top level.
        may_be_title = not heading_hint or raw.level <= 1
        if (not seen_body and may_be_title and not ends_sentence(content)
                and len(content) <= 200):
            return Block("title", content, spans, pages=pages)
        if heading_hint:
            return Block("heading", content, spans, title=content, pages=pages)
    if raw.hint == "list_item" or _SYMBOL_BULLET.match(content) or in_list:
        return Block("list_item", content, spans, pages=pages)
    numbered = _NUMBERED_PARAGRAPH.match(content)
    return Block("paragraph", content, spans, label=numbered.group(1) if numbered else "",
                 pages=pages)
