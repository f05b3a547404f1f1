"""Objective tags with provenance: untagged passages -> passages with `objectives`,
`objective_source` and `objective_note`. Pure; the rules are tried in order for each passage:

explicit    the paragraph names objectives ("As for the objective 5", "objectives 15 and 16",
            "l'objectif 10", "los objetivos 2 y 5").
heading     it stands under an objective heading ("Objective 10: …", "Objectif 10", "Objetivo 10").
referenced  it points back ("mentioned in 2a) above", "(3.b.)") or repeats a distinctive quoted
            name from an earlier passage, and takes that passage's objectives.
inherited   the objectives of the closest preceding tagged passage of the same section.
inferred    its words plainly belong to another objective of the section's cluster than the one it
            would inherit (and the inherited one's key terms are absent from it).
cluster     none of the above: no objective; the section's cluster stays in its own field.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from functools import cache, lru_cache

from .models import ObjectiveSource, Passage
from .objectives import CLUSTERS, OBJECTIVES, term_pattern

_AND = r"(?:and|or|et|ou|y|o|&)"
_EXPLICIT = re.compile(
    r"\b(?:objectives?|objectifs?|objetivos?)\s*:?\s*(?:n[°ºo]\.?\s*|no\.?\s*|number\s+)?"
    rf"(\d{{1,2}}\b(?:\s*(?:,\s*{_AND}?|{_AND})\s*\d{{1,2}}\b)*)(?![.,]?\d)",
    re.IGNORECASE,
)
_POINTER = re.compile(
    r"\b(?:mentioned|referred\s+to|described|see)\s+(?:in\s+)?(?:the\s+)?(?:above\s+)?"
    r"(?:section\s+)?\(?(\d{1,2})\.?\s*\(?([a-z])\b",
    re.IGNORECASE,
)
_QUOTED = re.compile(r"“([^”]{8,200})”|\"([^\"]{8,200})\"|(?<![\w’'])['‘]([^'’]{8,200})['’](?!\w)")
_QUOTE_MARKS = ("“", '"', "'", "‘")
_OPENS_QUOTE = re.compile(r"[“\"]|(?<![\w’'])['‘]")
"""Where a quoted name could start: most paragraphs have none, and this finds that faster."""
_WORD = re.compile(r"[A-Za-z][A-Za-z-]+")
@cache
def _terms(number: int) -> tuple[tuple[str, re.Pattern[str]], ...]:
    """An objective's key terms and their patterns, compiled when first needed (not at import:
    a search never needs them)."""
    return tuple((t, term_pattern((t,))) for t in OBJECTIVES[number - 1].terms)
_CLUSTER_OBJECTIVES = {c.number: c.objectives for c in CLUSTERS}
_MIN_INFERRED_TERMS = 2
PARAGRAPHS_KEPT = 16_384
"""Paragraphs whose quoted names and normal form are kept: more than a build's run of reviews
has (at most 100, some 6,000 paragraphs), so inference finds them all."""
_STOP = frozenset(
    "the and for with from that this have has been were was are their which such also into "
    "through other its our who all any more than these those will would".split()
)


def tag(passages: Sequence[Passage],
        headed: Sequence[tuple[int, ...]] | None = None) -> tuple[Passage, ...]:
    """Tag passages of one document, in document order (later rules look back at earlier ones).

    `headed[i]` are the objectives of the objective heading passage i stands under, if any.
    """
    done: list[Passage] = []
    names: dict[str, int] = {}  # distinctive quoted name -> index of the latest passage quoting it
    # (section, title) -> its latest tagged passage: looking back through `done` for it made
    # tagging quadratic (8,000 untagged list items took 9 s).
    tagged: dict[tuple[str, str], Passage] = {}
    for index, passage in enumerate(passages):
        heading = headed[index] if headed else ()
        section = (passage.section, passage.section_title)
        objectives, source, note = _decide(passage, done, names, heading, tagged.get(section))
        done.append(replace(passage, objectives=objectives, objective_source=source,
                            objective_note=note))
        if objectives:
            tagged[section] = done[-1]
        for name in quoted_names(passage.text):
            names[name] = len(done) - 1
    return tuple(done)


def explicit_objectives(text: str) -> tuple[tuple[int, ...], str]:
    """The objectives a paragraph names, in order, and the words that name them."""
    found: list[int] = []
    words: list[str] = []
    for match in _EXPLICIT.finditer(text):
        numbers = [int(n) for n in re.findall(r"\d{1,2}", match.group(1))]
        valid = [n for n in numbers if 1 <= n <= 23]
        if valid:
            words.append(match.group(0).strip())
            found.extend(n for n in valid if n not in found)
    return tuple(found), "; ".join(words)


@lru_cache(maxsize=PARAGRAPHS_KEPT)
def quoted_names(text: str) -> tuple[str, ...]:
    """Distinctive quoted names (three words or more, one capitalised), normalised.

    Kept for the last `PARAGRAPHS_KEPT` paragraphs: a build tags a run of reviews, then
    `search.meaning.infer` asks again for each of its paragraphs'."""
    # Most paragraphs have no quotation mark at all, which `in` tells at once; a pattern with a
    # look-behind tried at every character took a tenth of a build's tagging.
    if not any(mark in text for mark in _QUOTE_MARKS) or not _OPENS_QUOTE.search(text):
        return ()
    names: list[str] = []
    for match in _QUOTED.finditer(text):
        name = next(g for g in match.groups() if g)
        words = _WORD.findall(name)
        if len(words) >= 3 and any(w[0].isupper() for w in words):
            names.append(_normal(name))
    return tuple(names)


def key_term_scores(text: str, candidates: Sequence[int]) -> dict[int, list[str]]:
    """For each candidate objective, the distinct key terms of it that occur in `text`."""
    # A plain substring test first (lower case, single spaces), as `search.meaning.infer` does:
    # most terms are absent, and it is far cheaper than the word-start pattern that confirms
    # the others (these searches were most of the tagger's time).
    folded = " ".join(text.lower().split())
    return {
        n: [term for term, pattern in _terms(n) if term.lower() in folded and pattern.search(text)]
        for n in candidates
    }


def _decide(
    passage: Passage, done: Sequence[Passage], names: dict[str, int], heading: tuple[int, ...],
    inherited: Passage | None,
) -> tuple[tuple[int, ...], ObjectiveSource, str]:
    objectives, words = explicit_objectives(passage.text)
    if objectives:
        return objectives, "explicit", words
    if heading:
        return heading, "heading", f"under the heading of objective {', '.join(map(str, heading))}"
    found = referenced(passage, done, names)
    if found is not None:
        return found
    if inherited is not None:
        # Only where a tag would be inherited: with nothing to inherit, key terms alone are left
        # to `search.meaning.infer`, which weighs them with the rest of the evidence (and does
        # not let them pass on to the next paragraphs as a stated, inherited tag).
        inferred = _inferred(passage, inherited.objectives)
        if inferred is not None:
            return inferred
        return inherited.objectives, "inherited", f"from {inherited.id}"
    return (), "cluster", f"cluster {passage.cluster}" if passage.cluster else ""


def referenced(
    passage: Passage, done: Sequence[Passage], names: dict[str, int]
) -> tuple[tuple[int, ...], ObjectiveSource, str] | None:
    for match in _POINTER.finditer(passage.text):
        section, subsection = match.group(1), match.group(2).lower()
        targets = [p for p in done
                   if p.section == section and p.subsection == subsection and p.objectives]
        if targets:
            best = max(targets, key=lambda p: _overlap(passage.text, p.text))
            return best.objectives, "referenced", f"{match.group(0).strip()} -> {best.id}"
    if not names:
        return None
    text = _normal(passage.text)
    for name, index in sorted(names.items(), key=lambda item: -item[1]):
        earlier = done[index]
        if earlier.objectives and name in text:
            return earlier.objectives, "referenced", f"quotes “{name}” from {earlier.id}"
    return None


def _inferred(
    passage: Passage, inherited: tuple[int, ...]
) -> tuple[tuple[int, ...], ObjectiveSource, str] | None:
    if passage.cluster is None:
        return None
    candidates = [n for n in _CLUSTER_OBJECTIVES[passage.cluster] if n not in inherited]
    scores = key_term_scores(passage.text, [*inherited, *candidates])
    if any(scores[n] for n in inherited):
        return None  # the inherited tag fits: leave it alone
    ranked = sorted(candidates, key=lambda n: -len(scores[n]))
    if not ranked or len(scores[ranked[0]]) < _MIN_INFERRED_TERMS:
        return None
    if len(ranked) > 1 and len(scores[ranked[1]]) == len(scores[ranked[0]]):
        return None  # no plain winner
    best = ranked[0]
    return (best,), "inferred", f"key terms of objective {best}: {', '.join(scores[best])}"


def _overlap(text: str, other: str) -> int:
    return len(_words(text) & _words(other))


@lru_cache(maxsize=1024)
def _words(text: str) -> frozenset[str]:
    """A paragraph's longer words, but common ones: compared with each earlier paragraph a
    pointer could mean, so worked out once per paragraph."""
    return frozenset(w.lower() for w in _WORD.findall(text) if len(w) > 3) - _STOP


_QUOTES = re.compile("[“”\"‘’']")


@lru_cache(maxsize=PARAGRAPHS_KEPT)
def _normal(text: str) -> str:
    """Lower case, no quotation marks, single spaces. Kept, as `quoted_names`: a paragraph that
    may quote an earlier one's name is normalised by the tagger and again by inference."""
    return " ".join(_QUOTES.sub("", text.lower()).split())
