"""Keyword in context: a search's hits -> one line per occurrence of what the query matched, the
match centred between its left and right context, as a concordancer shows it.

results (`Hit.segments`, which already mark the stems, spelling variants, acronym names and
phrases the query matched) -> `occurrences` -> `fitted` (cut to a width) -> `text_lines` for the
terminal (`search --kwic`), or the web's table (`/?view=kwic`). Pure.

A marked run is one occurrence (a phrase, or words marked side by side, is one). The context is
the passage's own, never its neighbours'; whitespace and newlines in it are collapsed to single
spaces and the source's markdown escapes undone (`highlight.readable`). A passage found by
meaning alone has no marked words, so no line: `unmarked` counts them, for the caller to say so.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import NamedTuple

from ..highlight import readable
from ..models import Hit

DEFAULT_WIDTH = 80
MIN_CONTEXT = 20
"""The fewest characters of a line given to context and match, however narrow the width."""
GAP = "  "
"""Between the passage id column and the context."""
_SPACES = re.compile(r"\s+")


class Occurrence(NamedTuple):
    """One marked run of a passage, with all of its passage's text before and after it."""

    passage_id: str
    left: str
    match: str
    right: str


def occurrences(hits: Sequence[Hit]) -> list[Occurrence]:
    """Every marked run of every hit, hit by hit in the ranking's order, each passage's runs in
    reading order."""
    found: list[Occurrence] = []
    for hit in hits:
        parts = [(_SPACES.sub(" ", piece), marked) for piece, marked in readable(hit.segments)]
        for number, (piece, marked) in enumerate(parts):
            if not marked:
                continue
            left = "".join(p for p, _ in parts[:number])
            right = "".join(p for p, _ in parts[number + 1:])
            found.append(Occurrence(hit.passage.id, left, piece.strip(), right))
    return found


def unmarked(hits: Sequence[Hit]) -> int:
    """How many hits have nothing marked (found by meaning alone): they give no line."""
    return sum(1 for h in hits if not any(marked for _, marked in h.segments))


def summary(hits: Sequence[Hit], found: Sequence[Occurrence]) -> str:
    """"12 occurrences in 9 passages; 3 passages found by meaning alone ... are not shown."."""
    skipped = unmarked(hits)
    passages = len(hits) - skipped
    text = (f"{len(found)} occurrence{'s' * (len(found) != 1)} in {passages} "
            f"passage{'s' * (passages != 1)}")
    if skipped:
        many = skipped != 1
        text += (f"; {skipped} passage{'s' * many} found by meaning alone "
                 f"{'have' if many else 'has'} no matched words and {'are' if many else 'is'} "
                 "not shown (search without --kwic to read them)")
    return text + "."


def fitted(occurrence: Occurrence, width: int) -> Occurrence:
    """The occurrence cut to `width` characters with its match centred: the left context
    right-aligned (padded, or cut at its left end), the right context cut at its right end.
    A match longer than the width keeps its start."""
    match = occurrence.match[:width]
    room = width - len(match)
    left_room = room // 2
    right_room = room - left_room
    left = occurrence.left[-left_room:] if left_room else ""
    right = occurrence.right[:right_room]
    return Occurrence(occurrence.passage_id, left.rjust(left_room), match,
                      right.ljust(right_room))


def cut(occurrence: Occurrence, side: int) -> Occurrence:
    """The occurrence with at most `side` characters of context on each side, unpadded (for a
    table, whose cells align it)."""
    return occurrence._replace(left=occurrence.left[-side:] if side else "",
                               right=occurrence.right[:side])


def context_width(ids: Sequence[str], width: int) -> int:
    """What is left of a `width`-character line for context and match, beside the id column."""
    longest = max((len(i) for i in ids), default=0)
    return max(MIN_CONTEXT, width - longest - len(GAP))


def text_lines(found: Sequence[Occurrence], width: int = DEFAULT_WIDTH,
               mark: tuple[str, str] = ("", "")) -> list[str]:
    """A line of at most `width` characters per occurrence (more only when the width leaves less
    than `MIN_CONTEXT`): the passage id, padded so that every match lines up, then the fitted
    context; `mark` wraps the match (e.g. ANSI bold), adding no width."""
    ids = [o.passage_id for o in found]
    longest = max((len(i) for i in ids), default=0)
    room = context_width(ids, width)
    lines = []
    for each in found:
        shown = fitted(each, room)  # (not `cut`: that is the table's trim, above)
        lines.append(f"{each.passage_id:<{longest}}{GAP}{shown.left}{mark[0]}{shown.match}"
                     f"{mark[1]}{shown.right}".rstrip())
    return lines
