"""Acronyms: learned from the text that defines them, curated where reviews do not define them."""

from __future__ import annotations

import pytest

from search.acronyms import CURATED, Lexicon, expansion_before, learn
from search.models import Passage


@pytest.mark.parametrize(
    ("text", "acronym", "expected"),
    [
        ("through the International Organization for Migration", "IOM",
         "International Organization for Migration"),
        ("the Ministry of Education, Culture, Sports, Science and Technology", "MEXT", None),
        ("under the Japan International Cooperation Agency", "JICA",
         "Japan International Cooperation Agency"),
        ("with non-governmental organizations", "NGOs", None),
        ("the Technical Intern Training Program", "TITP", "Technical Intern Training Program"),
        ("we met the Civil Society Organizations", "CSOs", "Civil Society Organizations"),
        ("at random words", "IOM", None),
    ],
)
def test_expansion_before(text: str, acronym: str, expected: str | None) -> None:
    assert expansion_before(text, acronym) == expected


def test_learn_from_the_japan_review(japan_passages: tuple[Passage, ...]) -> None:
    learned = learn(p.text for p in japan_passages)
    assert learned["IOM"] == ("International Organization for Migration",)
    # "(MEXT)" follows a name whose initials do not spell it: not learned, curated instead.
    assert "MEXT" not in learned and "MEXT" in CURATED
    # Bracketed things that are not definitions are ignored.
    assert not any(a in learned for a in ("i", "ii", "video"))


def test_lexicon_maps_both_ways() -> None:
    lexicon = Lexicon.build(CURATED, {"OTIT": ("Organization for Technical Intern Training",)})
    assert ("intern", "organ", "migrat") in lexicon.names["iom"]
    assert lexicon.acronyms[("intern", "organ", "migrat")] == "iom"
    # Spelling variants in a name fold like any other words: Labour = Labor.
    assert lexicon.acronyms[("intern", "labor", "organ")] == "ilo"
    assert lexicon.acronyms[("organ", "technic", "intern", "train")] == "otit"
    assert lexicon.longest >= 10
