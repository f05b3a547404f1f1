"""Objectives inferred for passages that name none: passages (+ their vectors) -> passages.

A passage with a stated tag (explicit, heading, referenced, inherited: see `search.tagging`) is
never touched. Every other passage is weighed against the objectives it may belong to:

terms         the objective's distinctive cue terms (`descriptions.CUES`) and its key terms
              (`Objective.terms`) that the passage contains;
descriptions  how much nearer the passage's vector is to the objective's description
              (`descriptions.DESCRIPTIONS`) than to the other 22, as a z-score;
structure     a section of a known cluster (its "(GCM Objectives: …)" list, or one of the four
              standard cluster titles) limits the candidates to that cluster's objectives;
neighbours    a passage whose own evidence is weak but not against it takes the objectives of the
              passage just before it in its subsection, with a lower confidence.

The evidence becomes a score, the score a confidence (a logistic curve), and an objective is
given when its confidence reaches `THRESHOLD`: precision first, since a wrong tag misleads a
filter more than a missing one does. A second objective is given only with terms of its own.
The result has objective_source "inferred", the confidence, and the evidence in objective_note.

Without vectors (the model is unavailable) only terms, structure and neighbours count: few tags.
The descriptions and terms are English; French and Spanish passages rarely reach the threshold.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cache, lru_cache
from typing import TYPE_CHECKING

from ..models import STATED_SOURCES, Passage
from ..objectives import CLUSTERS, OBJECTIVES, term_pattern
from ..tagging import quoted_names, referenced
from .descriptions import CUES, DESCRIPTIONS

if TYPE_CHECKING:
    import re

    import numpy as np

    from .model import Encoder

STATED = STATED_SOURCES
"""Tag sources that come from what the review says; inference never overrides them."""

# The weights of the evidence in a score. A z-score of 2 (the passage is two standard deviations
# nearer this description than the average one) is about what a passage plainly on the subject
# gets; a distinctive cue term weighs almost as much as one standard deviation; the broad key
# terms add a little. A clear lead over the next candidate adds too: a passage between two
# objectives is not confidently either.
CUE_WEIGHT = 0.8
KEY_WEIGHT = 0.3
MAX_TERMS = 3
"""Terms beyond this many of one kind add nothing: a long passage is not surer for its length."""
LEAD_WEIGHT = 0.5
MAX_LEAD = 2.0
# score -> confidence: a logistic curve through 50% at MIDPOINT.
MIDPOINT = 3.0
SLOPE = 2.0
THRESHOLD = 0.7
"""The confidence an inferred objective needs. Precision first: on the blinded Japan review
(bench/blind.py, which prints the sweep) 0.5 tags more passages, less precisely."""
SECOND_GAP = 0.75
SECOND_CONFIDENCE = 0.8
"""A second objective must score within SECOND_GAP of the first, be this sure on its own, and
have at least two cue terms: two subjects in one paragraph are rarer than one."""
NEIGHBOUR_GAP = 1.0
CONTRADICTS = 2.0
"""A passage whose best own score reaches CONTRADICTS takes a neighbour's objective only if its
own score for it is within NEIGHBOUR_GAP of that best: its words are about something else."""
NEIGHBOUR_DECAY = 0.85
"""A neighbour's confidence is passed on times this (so a chain of weak passages fades)."""


@dataclass(frozen=True)
class Sources:
    """Which kinds of evidence count (all of them, except in the benchmark's ablations)."""

    terms: bool = True
    descriptions: bool = True
    structure: bool = True
    neighbours: bool = True
    threshold: float = THRESHOLD
    """The confidence an inferred objective needs (the benchmark sweeps it)."""


ALL = Sources()


@dataclass(frozen=True)
class Evidence:
    """What speaks for one objective in one passage."""

    objective: int
    cues: tuple[str, ...]
    keys: tuple[str, ...]
    similarity: float
    """The z-score of the passage's similarity to this objective's description among all 23."""

    @property
    def terms(self) -> tuple[str, ...]:
        return self.cues + self.keys

    @property
    def score(self) -> float:
        return (self.similarity + CUE_WEIGHT * min(len(self.cues), MAX_TERMS)
                + KEY_WEIGHT * min(len(self.keys), MAX_TERMS))


@dataclass(frozen=True)
class Verdict:
    """The inferred objectives of a passage, how sure, and why (for objective_note)."""

    objectives: tuple[int, ...]
    confidence: float
    note: str


def infer(passages: Sequence[Passage], vectors: np.ndarray | None,
          encoder: Encoder | None, sources: Sources = ALL) -> tuple[Passage, ...]:
    """`passages` of one or more documents, each document's in order, with `vectors[i]` the unit
    vector of `passages[i]` (None when the model is unavailable): the same passages, those
    without a stated tag given inferred ones where the evidence is strong enough."""
    use_vectors = vectors is not None and encoder is not None and sources.descriptions
    zs = similarity_z(vectors, description_vectors(encoder)) if use_vectors else None
    ranked = [
        None if p.objective_source in STATED else
        rank(p.text, candidates(p, sources), None if zs is None else zs[i], sources)
        for i, p in enumerate(passages)
    ]
    out: list[Passage] = []
    # Per document, in order: what a later passage may look back at. Kept as it goes, because
    # looking back through all earlier passages made a 1,000-review build quadratic.
    doc = None
    earlier: list[Passage] = []  # this document's passages so far
    names: dict[str, int] = {}  # distinctive quoted name -> index in `earlier`
    latest: dict[tuple[str, str, str], Passage] = {}  # subsection -> its latest passage
    for passage, evidence in zip(passages, ranked, strict=True):
        if passage.doc != doc:
            doc, earlier, names, latest = passage.doc, [], {}, {}
        if evidence is None:
            done = passage
        elif passage.objective_source == "inferred":
            # The tagger's own rule (another objective's key terms where one would inherit):
            # its objectives stay, and get a confidence and the evidence like any other.
            done = _confirmed(passage, evidence)
        else:
            verdict = decide(evidence, sources.threshold)
            if verdict is None and sources.structure:
                verdict = from_reference(passage, earlier, names, sources.threshold)
            where = (passage.section, passage.section_title, passage.subsection)
            if verdict is None and sources.neighbours and where in latest:
                verdict = from_neighbour(passage, evidence, latest[where], sources.threshold)
            done = passage if verdict is None else replace(
                passage, objectives=verdict.objectives, objective_source="inferred",
                objective_note=verdict.note, objective_confidence=round(verdict.confidence, 3))
        out.append(done)
        earlier.append(done)
        # Only the passage just before, in the same subsection, is a neighbour: one left
        # untagged, or a new subsection (another kind of paragraph), breaks the chain.
        latest[(done.section, done.section_title, done.subsection)] = done
        for name in quoted_names(done.text):
            names[name] = len(earlier) - 1
    return tuple(out)


def understood(passages: Sequence[Passage]) -> tuple[
        tuple[Passage, ...], Encoder | None, np.ndarray | None]:
    """The passages embedded once (when the model is available) and given the objectives
    inferred from them: the passages, the model and their vectors, which a build stores.
    Without the model (not installed, damaged) inference uses terms, structure and neighbours."""
    from .vectors import embed, encoder_or_none

    encoder = encoder_or_none()
    rows = embed(encoder, passages) if encoder is not None and passages else None
    return infer(passages, rows, encoder), encoder, rows


def candidates(passage: Passage, sources: Sources = ALL) -> tuple[int, ...]:
    """The objectives a passage may be tagged with: its section's cluster's, else all 23."""
    if sources.structure and passage.cluster is not None:
        return _CLUSTER_OBJECTIVES[passage.cluster]
    return tuple(o.number for o in OBJECTIVES)


def rank(text: str, candidates: Sequence[int], z: np.ndarray | None,
         sources: Sources = ALL) -> list[Evidence]:
    """The evidence for each candidate, best score first (ties in objective order)."""
    found = [
        Evidence(
            n,
            *(term_evidence(text, n) if sources.terms else ((), ())),
            float(z[n - 1]) if z is not None else 0.0,
        )
        for n in candidates
    ]
    return sorted(found, key=lambda e: -e.score)


def term_evidence(text: str, number: int) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The objective's cue terms found in `text`, and its other key terms found there."""
    # A plain substring test first (lower case, single spaces): most terms are absent, and it
    # is far cheaper than the word-start pattern that confirms the others.
    folded = _folded(text)
    cues = tuple(t for t, pattern in _patterns(number)[0]
                 if t in folded and pattern.search(text))
    keys = tuple(t for t, pattern in _patterns(number)[1]
                 if t in folded and pattern.search(text)
                 and not any(c.startswith(t) or t.startswith(c) for c in cues))
    return cues, keys


@lru_cache(maxsize=64)
def _folded(text: str) -> str:
    """`text` in lower case with single spaces (asked for once per candidate objective)."""
    return " ".join(text.lower().split())


def confidence(score: float) -> float:
    return 1.0 / (1.0 + math.exp(-SLOPE * (score - MIDPOINT)))


def decide(ranked: Sequence[Evidence], threshold: float = THRESHOLD) -> Verdict | None:
    """The objectives the evidence supports: the best candidate if its confidence, counting its
    lead over the next one, reaches the threshold; a second one close behind with terms."""
    if not ranked:
        return None
    best = ranked[0]
    lead = best.score - ranked[1].score if len(ranked) > 1 else MAX_LEAD
    sure = confidence(best.score + LEAD_WEIGHT * min(lead, MAX_LEAD))
    if sure < threshold:
        return None
    chosen = [best]
    if len(ranked) > 1:
        second = ranked[1]
        if (len(second.cues) >= 2 and best.score - second.score <= SECOND_GAP
                and confidence(second.score) >= max(SECOND_CONFIDENCE, threshold)):
            chosen.append(second)
    return Verdict(tuple(e.objective for e in chosen), sure, evidence_note(chosen, ranked))


def from_neighbour(passage: Passage, ranked: Sequence[Evidence], neighbour: Passage,
                   threshold: float = THRESHOLD) -> Verdict | None:
    """The objectives of `neighbour`, the passage just before in the same subsection, if this
    passage's own evidence does not point elsewhere."""
    if not ranked or not neighbour.objectives:
        return None
    scores = {e.objective: e.score for e in ranked}
    best = ranked[0].score
    if best >= CONTRADICTS and any(scores.get(n, -math.inf) < best - NEIGHBOUR_GAP
                                   for n in neighbour.objectives):
        return None
    sure = (neighbour.objective_confidence or 1.0) * NEIGHBOUR_DECAY
    if sure < threshold:
        return None
    labels = ", ".join(str(n) for n in neighbour.objectives)
    own = [e for e in ranked if e.objective in neighbour.objectives]
    return Verdict(neighbour.objectives, sure,
                   f"from neighbour {neighbour.id} (objective {labels}); "
                   f"{evidence_note(own, ranked)}")


def from_reference(passage: Passage, earlier: Sequence[Passage], names: dict[str, int],
                   threshold: float = THRESHOLD) -> Verdict | None:
    """The objectives of an earlier passage this one points back to ("mentioned in 2a) above",
    a distinctive quoted name), now that that passage may have inferred ones: the tagger's
    `referenced` rule, run again after inference, within the passage's candidates."""
    found = referenced(passage, earlier, names)
    if found is None:
        return None
    objectives, _, note = found
    allowed = candidates(passage)
    if not set(objectives) <= set(allowed):
        return None
    target = next((p for p in earlier if p.id in note), None)
    sure = ((target.objective_confidence if target else None) or 1.0) * NEIGHBOUR_DECAY
    if sure < threshold:
        return None
    return Verdict(objectives, sure, f"refers to an earlier passage: {note}")


def evidence_note(chosen: Sequence[Evidence], ranked: Sequence[Evidence]) -> str:
    """"terms: remittance, bank account; nearest description: 20 - Remittances"."""
    terms = [t for e in chosen for t in e.terms]
    parts = [f"terms: {', '.join(terms)}" if terms else "terms: none"]
    if any(e.similarity for e in ranked):
        nearest = max(ranked, key=lambda e: e.similarity)
        parts.append(f"nearest description: {OBJECTIVES[nearest.objective - 1].label}")
    return "; ".join(parts)


def _confirmed(passage: Passage, ranked: Sequence[Evidence]) -> Passage:
    """A passage the tagger's rule inferred, with the scorer's confidence and evidence added."""
    own = [e for e in ranked if e.objective in passage.objectives]
    if not own:
        return passage
    lead = own[0].score - max((e.score for e in ranked if e not in own), default=-MAX_LEAD)
    sure = confidence(min(e.score for e in own) + LEAD_WEIGHT * max(0.0, min(lead, MAX_LEAD)))
    nearest = evidence_note(own, ranked).partition("; ")[2]  # the terms are in the note
    note = f"{passage.objective_note}; {nearest}" if nearest else passage.objective_note
    return replace(passage, objective_note=note, objective_confidence=round(sure, 3))


def similarity_z(vectors: np.ndarray, descriptions: np.ndarray) -> np.ndarray:
    """Each passage's cosine with each description, as z-scores across the 23 descriptions: a
    static model's vectors share a large common direction, so the raw cosine says little and
    what counts is how much nearer one description is than the others."""
    import numpy as np

    sims = np.asarray(vectors, dtype=np.float32) @ descriptions.T
    spread = sims.std(axis=1, keepdims=True)
    return np.divide(sims - sims.mean(axis=1, keepdims=True), spread,
                     out=np.zeros_like(sims), where=spread > 0)


_DESCRIBED: dict[str, np.ndarray] = {}


def description_vectors(encoder: Encoder) -> np.ndarray:
    """The 23 descriptions' unit vectors (with the official title), embedded once per process."""
    if encoder.name not in _DESCRIBED:
        _DESCRIBED[encoder.name] = encoder.embed(
            [f"{o.title}. {DESCRIPTIONS[o.number]}" for o in OBJECTIVES])
    return _DESCRIBED[encoder.name]


_CLUSTER_OBJECTIVES = {c.number: c.objectives for c in CLUSTERS}


@cache
def _patterns(number: int) -> tuple[tuple[tuple[str, re.Pattern[str]], ...], ...]:
    cues = CUES[number]
    keys = tuple(t for t in OBJECTIVES[number - 1].terms if t not in cues)
    return tuple(tuple((t, term_pattern((t,))) for t in group) for group in (cues, keys))
