"""Quotes and their places in the source, pure: find a quote, diff a misquote, re-anchor an
annotation made on an earlier version of a document.

Offsets are character (code point) offsets into a source's decoded text, as in `Passage.spans`
and in W3C TextPositionSelectors. Differences that do not change the words are forgiven and
named: whitespace and line breaks, curly versus straight quotes, dashes, and backslash escapes
("US\\$142,000"). Re-anchoring follows Hypothesis: the position hint first, then an exact search
for the quote, then an approximate match scored on the quote, its prefix and suffix and the
distance from the hint; what scores too low is orphaned.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Literal

from .escapes import ESCAPE, ESCAPED, unescape  # noqa: F401  (ESCAPE, unescape: were here)
from .models import Passage, Span

_QUOTES = {c: "'" for c in "‘’‚‛′"} | {c: '"' for c in "“”„‟″«»"}
_DASHES = dict.fromkeys("‐‑‒–—―−", "-")
_ESCAPED = ESCAPED
CONTEXT = 32  # characters of prefix and suffix in a TextQuoteSelector
MIN_SIMILARITY = 75.0  # rapidfuzz score (0-100) below which a fuzzy anchor is orphaned
_WORDS = re.compile(r"\w+(?:[.,'’$/-]\w+)*|[^\w\s]")
_WEIGHTS = {"quote": 50.0, "prefix": 20.0, "suffix": 20.0, "position": 2.0}  # Hypothesis's


@dataclass(frozen=True)
class Normalized:
    """A text with forgivable differences folded, and where each of its characters came from."""

    text: str
    spans: tuple[Span, ...]
    """For each character of `text`, the span of the original it stands for."""

    def original(self, start: int, end: int) -> Span:
        """The original span behind `text[start:end]`."""
        if start >= end:
            at = self.spans[start][0] if start < len(self.spans) else self._end()
            return at, at
        return self.spans[start][0], self.spans[end - 1][1]

    def _end(self) -> int:
        return self.spans[-1][1] if self.spans else 0


@cache
def _fuzz() -> Any:
    """rapidfuzz's scorers, imported on first use: a search that cites never needs them."""
    from rapidfuzz import fuzz

    return fuzz


def normalize(text: str) -> Normalized:
    out: list[str] = []
    spans: list[Span] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char.isspace():
            j = i
            while j < len(text) and text[j].isspace():
                j += 1
            if out and j < len(text):  # no leading or trailing space
                out.append(" ")
                spans.append((i, j))
            i = j
            continue
        if char == "\\" and i + 1 < len(text) and text[i + 1] in _ESCAPED:
            out.append(text[i + 1])
            spans.append((i, i + 2))
            i += 2
            continue
        out.append(_QUOTES.get(char) or _DASHES.get(char) or char)
        spans.append((i, i + 1))
        i += 1
    return Normalized("".join(out), tuple(spans))


def forgiven(quote: str, source: str) -> list[str]:
    """What differs between a quote and the source slice it was found at, among what is forgiven."""
    a, b = normalize(quote), normalize(source)
    kinds: set[str] = set()
    for (qs, qe), (ss, se), char in zip(a.spans, b.spans, a.text, strict=False):
        raw_quote, raw_source = quote[qs:qe], source[ss:se]
        if raw_quote == raw_source:
            continue
        if char == " ":
            kinds.add("line breaks" if "\n" in raw_quote + raw_source else "whitespace")
        elif "\\" in raw_quote + raw_source:
            kinds.add("escapes")
        elif char in "'\"":
            kinds.add("quotes")
        elif char == "-":
            kinds.add("dashes")
    return sorted(kinds)


def find_all(quote: str, text: str) -> list[Span]:
    """Every place (source offsets) where `quote` occurs in `text`, forgiving what is forgiven."""
    needle = normalize(quote).text
    if not needle:
        return []
    hay = normalize(text)
    found = []
    at = hay.text.find(needle)
    while at >= 0:
        found.append(hay.original(at, at + len(needle)))
        at = hay.text.find(needle, at + 1)
    return found


# ---- passages and source offsets ------------------------------------------------------------

def passage_range(passage: Passage) -> Span:
    return passage.spans[0][0], passage.spans[-1][1]


def source_range(passage: Passage, start: int, end: int) -> Span:
    """Map `passage.text[start:end]` to source offsets (the text is its spans joined by spaces)."""
    return _to_source(passage, start, is_end=False), _to_source(passage, end, is_end=True)


def _to_source(passage: Passage, position: int, is_end: bool) -> int:
    offset = 0
    for index, (s, e) in enumerate(passage.spans):
        length = e - s
        if position < offset + length or (position == offset + length and is_end):
            return s + (position - offset)
        if position == offset + length:  # on the joining space: the next span's start
            return passage.spans[index + 1][0] if index + 1 < len(passage.spans) else e
        offset += length + 1
    return passage.spans[-1][1]


def find_in_passage(quote: str, passage: Passage) -> Span | None:
    """Where `quote` is in `passage.text` (text offsets), forgiving what is forgiven."""
    needle = normalize(quote).text
    hay = normalize(passage.text)
    at = hay.text.find(needle) if needle else -1
    return hay.original(at, at + len(needle)) if at >= 0 else None


# ---- misquotes --------------------------------------------------------------------------------

DiffOp = tuple[Literal["equal", "replace", "delete", "insert"], list[str], list[str]]


@dataclass(frozen=True)
class Misquote:
    """The passage closest to a quote that is not in the corpus, and how the words differ."""

    passage: Passage
    similarity: float
    ops: tuple[DiffOp, ...]

    @property
    def rendered(self) -> str:
        """Word diff: [-as quoted-]{+as in the source+}."""
        parts = []
        for op, quoted, source in self.ops:
            if op == "equal":
                parts.append(_join(quoted))
            else:
                if quoted:
                    parts.append(f"[-{_join(quoted)}-]")
                if source:
                    parts.append(f"{{+{_join(source)}+}}")
        return _join(parts)

    def to_dict(self) -> dict[str, Any]:
        return {
            "found": False,
            "closest": self.passage.id,
            "similarity": round(self.similarity, 1),
            "diff": self.rendered,
            "ops": [{"op": op, "quote": q, "source": s} for op, q, s in self.ops if op != "equal"],
        }


def closest(quote: str, passages: Sequence[Passage]) -> Misquote | None:
    """The passage that best contains something like `quote`, with a word diff against it."""
    needle = normalize(quote).text
    if not needle or not passages:
        return None
    scored = [(_fuzz().partial_ratio(needle, normalize(p.text).text), p) for p in passages]
    similarity, best = max(scored, key=lambda pair: pair[0])
    return Misquote(best, similarity, word_diff(words(needle), words(normalize(best.text).text)))


def words(text: str) -> list[str]:
    """Words with their inner punctuation ("45,970", "US$142,000"); other punctuation apart."""
    return _WORDS.findall(text)


def word_diff(quoted: list[str], source: list[str]) -> tuple[DiffOp, ...]:
    """Diff `quoted` against the stretch of `source` it best lines up with: of the windows near
    where the words first match, the one with the most words in common, a word of difference
    in length costing half a match (so a changed last word shows as a change, not a drop)."""
    matcher = difflib.SequenceMatcher(None, quoted, source, autojunk=False)
    blocks = [b for b in matcher.get_matching_blocks() if b.size]
    if blocks:
        anchor_at = max(0, blocks[0].b - blocks[0].a)
        slack = max(3, len(quoted) // 4)
        windows = [(s, e) for s in range(max(0, anchor_at - slack), anchor_at + slack + 1)
                   for e in range(s + max(1, len(quoted) - slack),
                                  min(len(source), s + len(quoted) + slack) + 1)]

        def likeness(window: Span) -> tuple[float, bool, int, int]:
            s, e = window
            blocks = difflib.SequenceMatcher(None, quoted, source[s:e],
                                             autojunk=False).get_matching_blocks()
            common = sum(b.size for b in blocks)
            # Ties go to a window that ends where the quote ends, then to the nearest, shortest.
            return (2 * common - abs((e - s) - len(quoted)), source[e - 1] == quoted[-1],
                    -abs(s - anchor_at), -(e - s))

        start, end = max(windows or [(0, len(source))], key=likeness)
        source = source[start:end]
        matcher = difflib.SequenceMatcher(None, quoted, source, autojunk=False)
    ops = [(tag, quoted[i1:i2], source[j1:j2]) for tag, i1, i2, j1, j2 in matcher.get_opcodes()]
    # Source words before the quote starts or after it ends are context, not differences.
    while ops and ops[0][0] == "insert":
        ops.pop(0)
    while ops and ops[-1][0] == "insert":
        ops.pop()
    return tuple(ops)  # type: ignore[arg-type]


def _join(tokens: Sequence[str]) -> str:
    """Tokens back into text: no space before closing punctuation or after an opening bracket."""
    out = ""
    for token in tokens:
        if out and not (token[:1] in ".,;:!?)]%" or out[-1] in "([$"):
            out += " "
        out += token
    return out


# ---- annotations ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Anchor:
    """Where an annotation's target is in the current text, or that it is orphaned."""

    status: Literal["anchored", "orphaned"]
    method: Literal["position", "quote", "fuzzy", ""] = ""
    start: int = 0
    end: int = 0
    score: float = 0.0
    forgiven: list[str] = field(default_factory=list)


def selectors(text: str, start: int, end: int) -> list[dict[str, Any]]:
    """W3C TextQuoteSelector and TextPositionSelector for `text[start:end]`."""
    return [
        {"type": "TextQuoteSelector", "exact": text[start:end],
         "prefix": text[max(0, start - CONTEXT) : start], "suffix": text[end : end + CONTEXT]},
        {"type": "TextPositionSelector", "start": start, "end": end},
    ]


def anchor(text: str, selector_list: Sequence[Mapping[str, Any]]) -> Anchor:
    """Find the target of `selectors` in `text`: position hint, exact quote, then fuzzy match."""
    quote = next((s for s in selector_list if s.get("type") == "TextQuoteSelector"), {})
    position = next((s for s in selector_list if s.get("type") == "TextPositionSelector"), {})
    exact, prefix, suffix = (str(quote.get(k, "")) for k in ("exact", "prefix", "suffix"))
    hint = _int(position.get("start"))
    if hint is not None and exact:
        end = hint + len(exact)
        if text[hint:end] == exact:
            return Anchor("anchored", "position", hint, end, 100.0)
    if not exact:
        last = _int(position.get("end"))
        if hint is not None and last is not None and 0 <= hint <= last <= len(text):
            return Anchor("anchored", "position", hint, last, 100.0)
        return Anchor("orphaned")
    places = find_all(exact, text)
    if places:
        best = max(places, key=lambda p: _context_score(text, p, prefix, suffix, hint))
        return Anchor("anchored", "quote", *best, 100.0, forgiven(exact, text[best[0] : best[1]]))
    return _fuzzy(text, exact, prefix, suffix, hint)


def _fuzzy(text: str, exact: str, prefix: str, suffix: str, hint: int | None) -> Anchor:
    found = _fuzz().partial_ratio_alignment(exact, text, score_cutoff=MIN_SIMILARITY)
    if found is None:
        return Anchor("orphaned")
    start, end = _refine(text, exact, prefix, suffix, found.dest_start, found.dest_end)
    similarity = _fuzz().ratio(exact, text[start:end])
    if similarity < MIN_SIMILARITY:
        return Anchor("orphaned", score=similarity)
    score = _context_score(text, (start, end), prefix, suffix, hint, similarity / 100)
    return Anchor("anchored", "fuzzy", start, end, round(score, 2))


def _refine(text: str, exact: str, prefix: str, suffix: str, start: int, end: int) -> Span:
    """Move the ends of an approximate window to the nearby word boundaries where the text best
    reads as prefix + quote + suffix (an edit at either end of the quote shifts the window)."""
    reach = max(8, len(exact) // 4)

    def start_score(i: int) -> tuple[float, int]:
        before = text[max(0, i - len(prefix)) : i]
        fit = _fuzz().ratio(exact, text[i:end])
        return fit + (_fuzz().ratio(prefix, before) if prefix else 0), -abs(i - start)

    def end_score(i: int) -> tuple[float, int]:
        after = text[i : i + len(suffix)]
        fit = _fuzz().ratio(exact, text[start:i])
        return fit + (_fuzz().ratio(suffix, after) if suffix else 0), -abs(i - end)

    starts = [i for i in range(max(0, start - reach), min(len(text), start + reach) + 1)
              if i < len(text) and not text[i].isspace() and (i == 0 or text[i - 1].isspace())]
    start = max(starts or [start], key=start_score)
    ends = [i for i in range(max(start + 1, end - reach), min(len(text), end + reach) + 1)
            if not text[i - 1].isspace() and (i == len(text) or text[i].isspace())]
    end = max(ends or [end], key=end_score)
    return start, max(start, end)


def _context_score(text: str, place: Span, prefix: str, suffix: str, hint: int | None,
                   quote: float = 1.0) -> float:
    start, end = place
    before = text[max(0, start - len(prefix)) : start]
    after = text[end : end + len(suffix)]
    score = _WEIGHTS["quote"] * quote
    score += _WEIGHTS["prefix"] * (_fuzz().ratio(prefix, before) / 100 if prefix else 1.0)
    score += _WEIGHTS["suffix"] * (_fuzz().ratio(suffix, after) / 100 if suffix else 1.0)
    if hint is not None and text:
        score += _WEIGHTS["position"] * (1 - min(1.0, abs(start - hint) / len(text)))
    return score


def _int(value: Any) -> int | None:
    """A selector's offset: a non-negative int, or None for anything else."""
    ok = isinstance(value, int) and not isinstance(value, bool) and value >= 0
    return value if ok else None
