"""British and American spellings fold into one, both ways; look-alikes stay as they are."""

from __future__ import annotations

import pytest

from search.spelling import canonical

# (British, American): each pair must meet at the same canonical form.
PAIRS = [
    ("labour", "labor"), ("labours", "labors"), ("laboured", "labored"),
    ("labourers", "laborers"), ("colour", "color"), ("favourite", "favorite"),
    ("behaviour", "behavior"), ("behavioural", "behavioral"), ("neighbourhood", "neighborhood"),
    ("honour", "honor"), ("endeavours", "endeavors"),
    ("organise", "organize"), ("organised", "organized"), ("organising", "organizing"),
    ("organisation", "organization"), ("organisations", "organizations"),
    ("recognise", "recognize"), ("recognised", "recognized"), ("prioritise", "prioritize"),
    ("criticise", "criticize"), ("mobilisation", "mobilization"), ("emphasises", "emphasizes"),
    ("analyse", "analyze"), ("analysed", "analyzed"), ("paralyse", "paralyze"),
    ("programme", "program"), ("programmes", "programs"),
    ("centre", "center"), ("centres", "centers"), ("metre", "meter"), ("theatre", "theater"),
    ("counselling", "counseling"), ("counselled", "counseled"), ("counsellor", "counselor"),
    ("travelled", "traveled"), ("travelling", "traveling"), ("cancelled", "canceled"),
    ("labelled", "labeled"), ("modelling", "modeling"),
    ("defence", "defense"), ("licence", "license"), ("practise", "practice"),
    ("catalogue", "catalog"), ("enrolment", "enrollment"), ("fulfil", "fulfill"),
    ("judgement", "judgment"), ("ageing", "aging"), ("paediatric", "pediatric"),
]

# Words that look like a family member but are spelled the same on both sides of the Atlantic.
UNCHANGED = [
    "our", "four", "hour", "hours", "your", "flour", "pour", "tour", "tourism", "detour",
    "contour", "course", "journal", "source", "resources",
    "advise", "advised", "revise", "revised", "supervise", "televised", "comprise", "surprise",
    "enterprise", "enterprises", "exercise", "exercising", "franchise", "premises", "promise",
    "promising", "rise", "rising", "arise", "raised", "praise", "noise", "otherwise", "likewise",
    "expertise", "precise", "concise", "cruise", "improvise", "devise", "despise", "advertise",
    "crisis", "crises", "analysis", "basis", "japanese", "this",
    "telling", "selling", "spelling", "dwelling", "compelling", "expelled", "smelled", "seller",
    "program", "center", "labor",
]


@pytest.mark.parametrize(("british", "american"), PAIRS)
def test_pairs_meet(british: str, american: str) -> None:
    assert canonical(british) == canonical(american) == american


@pytest.mark.parametrize("word", UNCHANGED)
def test_look_alikes_unchanged(word: str) -> None:
    assert canonical(word) == word
