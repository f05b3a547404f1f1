"""Objective inference (search/meaning/infer.py) on hand-made passages, with the real model."""

from __future__ import annotations

import hashlib
from dataclasses import replace

import pytest

from search.meaning.infer import (
    ALL,
    Evidence,
    Sources,
    candidates,
    confidence,
    decide,
    infer,
    term_evidence,
    understood,
)
from search.meaning.model import Encoder, load
from search.models import Document, Passage
from search.objectives import cluster_of_title
from search.passages import chunk

REMITTANCES = (
    "The government worked with banks and postal operators to lower the cost of sending money "
    "home: migrants can now open a bank account with a residence card, and remittance fees to "
    "the main corridors fell by a third after the money transfer market was opened to new "
    "providers.")
OFF_TOPIC = ("The weather in the capital was mild during the reporting period, and the annual "
             "report was printed in a new format with a blue cover.")
TRAFFICKING = ("Victims of trafficking in persons were identified and sheltered, and traffickers "
               "were prosecuted under the revised penal code.")
WEAK = "These activities continued in the following year, with more participants than before."


@pytest.fixture(scope="module")
def encoder() -> Encoder:
    return load()


def passage(text: str, position: int = 0, *, section: str = "3", subsection: str = "a",
            cluster: int | None = None, objectives: tuple[int, ...] = (),
            source: str = "cluster", title: str = "Progress") -> Passage:
    return Passage(
        id=f"test-2024:{section}{subsection}.{position + 1}", doc="test-2024", position=position,
        para=position + 1, section=section, section_title="A section", subsection=subsection,
        subsection_title=title, kind="progress", cluster=cluster, objectives=objectives,
        objective_source=source,  # type: ignore[arg-type]
        objective_note="", text=text, spans=((0, len(text)),),
        sha256=hashlib.sha256(text.encode()).hexdigest(), country="Testland", iso3="TST",
        year=2024)


def run(passages: list[Passage], encoder: Encoder, sources: Sources = ALL
        ) -> tuple[Passage, ...]:
    return infer(passages, encoder.embed([p.text for p in passages]), encoder, sources)


def test_a_remittance_paragraph_without_numbers_gets_objective_20_with_evidence(
        encoder: Encoder) -> None:
    (found,) = run([passage(REMITTANCES)], encoder)
    assert found.objectives == (20,)
    assert found.objective_source == "inferred"
    assert found.objective_confidence is not None and 0.5 <= found.objective_confidence <= 1
    assert "remittance" in found.objective_note and "bank account" in found.objective_note
    assert "nearest description: 20 - Remittances" in found.objective_note


def test_stated_tags_are_never_touched(encoder: Encoder) -> None:
    for source in ("explicit", "heading", "referenced", "inherited"):
        stated = passage(REMITTANCES, objectives=(6,), source=source)
        assert run([stated], encoder) == (stated,)


def test_an_off_topic_paragraph_gets_nothing(encoder: Encoder) -> None:
    (found,) = run([passage(OFF_TOPIC)], encoder)
    assert found.objectives == () and found.objective_source == "cluster"
    assert found.objective_confidence is None


def test_a_cluster_limits_the_candidates(encoder: Encoder) -> None:
    """Trafficking (10) is cluster 2: under a cluster 3 section it is not a candidate."""
    assert 10 not in candidates(passage(TRAFFICKING, cluster=3))
    (free,) = run([passage(TRAFFICKING)], encoder)
    (in_two,) = run([passage(TRAFFICKING, cluster=2)], encoder)
    (in_three,) = run([passage(TRAFFICKING, cluster=3)], encoder)
    assert free.objectives == in_two.objectives == (10,)
    assert 10 not in in_three.objectives


def test_a_section_titled_with_a_cluster_title_is_that_cluster() -> None:
    text = ("Voluntary review by Testland\n\n"
            "3 Supporting the integration of migrants and their contribution to development\n\n"
            "a) Progress\n\nMigrants can now open a bank account with a residence card.\n\n"
            "5 Next steps for the review\n\nA paragraph outside the template.\n")
    document = Document("test-2024", "t.txt", "Voluntary review by Testland", "Testland", "TST",
                        2024, "Government of Testland")
    first, second = chunk(document, text)
    assert first.cluster == 3 and second.cluster is None
    assert cluster_of_title("Protecting migrants through rights-based border governance "
                            "measures") == 2
    assert cluster_of_title("Ensuring migration is voluntary, orderly and regular") == 1
    assert cluster_of_title("Protecting migrants") is None


def test_a_weak_neighbour_takes_the_tags_with_less_confidence(encoder: Encoder) -> None:
    first, second = run([passage(REMITTANCES, cluster=3), passage(WEAK, 1, cluster=3)], encoder)
    assert second.objectives == first.objectives == (20,)
    assert first.objective_confidence and second.objective_confidence
    assert second.objective_confidence < first.objective_confidence
    assert f"from neighbour {first.id}" in second.objective_note
    alone = run([passage(REMITTANCES, cluster=3), passage(WEAK, 1, cluster=3)], encoder,
                Sources(neighbours=False))
    assert alone[1].objectives == ()


def test_a_neighbour_on_another_subject_is_not_followed(encoder: Encoder) -> None:
    _, second = run([passage(REMITTANCES), passage(TRAFFICKING, 1)], encoder)
    assert second.objectives == (10,)


def test_a_neighbour_in_another_section_or_subsection_is_not_followed(encoder: Encoder) -> None:
    _, second = run([passage(REMITTANCES), passage(WEAK, 1, section="4")], encoder)
    assert second.objectives == ()
    _, second = run([passage(REMITTANCES), passage(WEAK, 1, subsection="b")], encoder)
    assert second.objectives == ()


def test_a_chain_of_weak_passages_fades_and_an_untagged_one_breaks_it(
        encoder: Encoder) -> None:
    found = run([passage(REMITTANCES, cluster=3),
                 *(passage(WEAK, i, cluster=3) for i in range(1, 6))], encoder)
    confidences = [p.objective_confidence or 0 for p in found]
    assert confidences == sorted(confidences, reverse=True)
    tagged = [bool(p.objectives) for p in found]
    assert tagged[:2] == [True, True] and not tagged[-1]
    assert tagged == sorted(tagged, reverse=True)  # once untagged, the rest stay untagged


def test_without_the_model_terms_alone_are_cautious() -> None:
    many = ("Remittance costs fell: money transfer firms and banks now offer funds transfer to "
            "a bank account abroad, and financial services for migrants grew.")
    (found,) = infer([passage(many)], None, None)
    assert found.objectives == (20,)  # many distinctive terms are enough on their own
    (some,) = infer([passage(REMITTANCES)], None, None)
    assert some.objectives == ()  # three are not, without the description's agreement
    (few,) = infer([passage("A remittance was mentioned once.")], None, None)
    assert few.objectives == ()


def test_term_evidence_separates_cues_from_key_terms() -> None:
    cues, keys = term_evidence("Remittances and financial services for migrants", 20)
    assert cues == ("remittance", "financial service")
    assert keys == ()


def test_decide_needs_a_lead_and_a_threshold() -> None:
    strong = Evidence(20, ("remittance", "bank account"), (), 2.5)
    close = Evidence(19, (), (), 2.9)
    weak = Evidence(15, (), (), 0.5)
    assert decide([strong, weak]).objectives == (20,)  # type: ignore[union-attr]
    assert decide([weak, Evidence(16, (), (), 0.4)]) is None
    assert decide([]) is None
    assert decide([close, weak]) is not None and decide([close, Evidence(16, (), (), 2.8)]) is None
    assert 0 < confidence(0) < confidence(3) == 0.5 < confidence(6) < 1


def test_understood_matches_infer(encoder: Encoder) -> None:
    passages = [passage(REMITTANCES, cluster=3), passage(WEAK, 1, cluster=3)]
    assert understood(passages)[0] == run(passages, encoder)


def test_the_japan_review_keeps_its_stated_tags(japan_passages: tuple[Passage, ...]) -> None:
    inferred = understood(japan_passages)[0]
    assert [(p.objectives, p.objective_source) for p in inferred] == [
        (p.objectives, p.objective_source) for p in japan_passages]
    # The tagger's key-term rule (4b.5) keeps its tag and gains a confidence and evidence.
    by_id = {p.id: p for p in inferred}
    assert by_id["japan-2022:4b.5"].objective_confidence is not None
    assert "nearest description: 17 - Discrimination" in by_id["japan-2022:4b.5"].objective_note
    assert all(p.objective_confidence is None for p in inferred
               if p.objective_source != "inferred")


def test_a_passage_round_trips_with_its_confidence(encoder: Encoder) -> None:
    (found,) = run([passage(REMITTANCES)], encoder)
    assert Passage.from_dict(found.to_dict()) == found
    assert Passage.from_dict({k: v for k, v in found.to_dict().items()
                              if k != "objective_confidence"}) == replace(
        found, objective_confidence=None)


def test_without_the_model_the_build_still_infers_from_terms(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The model package missing: `understood` falls back to terms, structure and
    neighbours, the same as `infer` without vectors."""
    from search.meaning import model

    monkeypatch.setattr(model, "PACKAGE", "wordllama_not_installed")
    model.load.cache_clear()
    try:
        passages = [passage(REMITTANCES), passage(OFF_TOPIC, 1)]
        assert understood(passages)[0] == infer(passages, None, None)
    finally:
        monkeypatch.undo()
        model.load.cache_clear()
