"""The GCM's 23 objectives and 4 review clusters as data, and `resolve()` of what users type.

The official titles are those of A/RES/73/195; the table below is typed independently of
`search/objectives.py` so that a slip in either shows up here.
"""

from __future__ import annotations

import re

import pytest

from search.errors import BadInput
from search.objectives import (
    CLUSTERS,
    OBJECTIVES,
    cluster,
    cluster_of_objectives,
    objective,
    resolve,
    term_pattern,
)

OFFICIAL_TITLES: dict[int, str] = {
    1: "Collect and utilize accurate and disaggregated data as a basis for evidence-based "
    "policies",
    2: "Minimize the adverse drivers and structural factors that compel people to leave their "
    "country of origin",
    3: "Provide accurate and timely information at all stages of migration",
    4: "Ensure that all migrants have proof of legal identity and adequate documentation",
    5: "Enhance availability and flexibility of pathways for regular migration",
    6: "Facilitate fair and ethical recruitment and safeguard conditions that ensure decent work",
    7: "Address and reduce vulnerabilities in migration",
    8: "Save lives and establish coordinated international efforts on missing migrants",
    9: "Strengthen the transnational response to smuggling of migrants",
    10: "Prevent, combat and eradicate trafficking in persons in the context of international "
    "migration",
    11: "Manage borders in an integrated, secure and coordinated manner",
    12: "Strengthen certainty and predictability in migration procedures for appropriate "
    "screening, assessment and referral",
    13: "Use migration detention only as a measure of last resort and work towards alternatives",
    14: "Enhance consular protection, assistance and cooperation throughout the migration cycle",
    15: "Provide access to basic services for migrants",
    16: "Empower migrants and societies to realize full inclusion and social cohesion",
    17: "Eliminate all forms of discrimination and promote evidence-based public discourse to "
    "shape perceptions of migration",
    18: "Invest in skills development and facilitate mutual recognition of skills, "
    "qualifications and competences",
    19: "Create conditions for migrants and diasporas to fully contribute to sustainable "
    "development in all countries",
    20: "Promote faster, safer and cheaper transfer of remittances and foster financial "
    "inclusion of migrants",
    21: "Cooperate in facilitating safe and dignified return and readmission, as well as "
    "sustainable reintegration",
    22: "Establish mechanisms for the portability of social security entitlements and earned "
    "benefits",
    23: "Strengthen international cooperation and global partnerships for safe, orderly and "
    "regular migration",
}

CLUSTER_OBJECTIVES: dict[int, set[int]] = {
    1: {2, 5, 6, 12, 18},
    2: {4, 8, 9, 10, 11, 13, 21},
    3: {14, 15, 16, 19, 20, 22},
    4: {1, 3, 7, 17, 23},
}


def test_there_are_23_objectives_numbered_in_order() -> None:
    """Lookups index OBJECTIVES by number - 1, so the order must be 1..23 with no gaps."""
    assert [o.number for o in OBJECTIVES] == list(range(1, 24))


@pytest.mark.parametrize(("number", "title"), sorted(OFFICIAL_TITLES.items()))
def test_official_title(number: int, title: str) -> None:
    """Titles are shown to researchers and cited: they must be the resolution's words exactly."""
    assert objective(number).title == title
    assert OBJECTIVES[number - 1].title == title


def test_objective_20_is_about_remittances_not_a_copy_of_objective_2() -> None:
    """Public lists wrongly repeat objective 2's title at 20; ours must not."""
    assert "remittances" in objective(20).title
    assert objective(20).title != objective(2).title
    assert len({o.title for o in OBJECTIVES}) == 23


def test_four_clusters_numbered_in_order() -> None:
    assert [c.number for c in CLUSTERS] == [1, 2, 3, 4]


@pytest.mark.parametrize(("number", "members"), sorted(CLUSTER_OBJECTIVES.items()))
def test_cluster_members(number: int, members: set[int]) -> None:
    """The review template groups objectives in these four clusters; sections name them."""
    assert set(cluster(number).objectives) == members
    for n in members:
        assert objective(n).cluster == number


def test_each_objective_in_exactly_one_cluster() -> None:
    listed = [n for c in CLUSTERS for n in c.objectives]
    assert sorted(listed) == list(range(1, 24))
    assert len(listed) == len(set(listed))


@pytest.mark.parametrize("number", [0, 5, -1])
def test_cluster_out_of_range_is_bad_input(number: int) -> None:
    with pytest.raises(BadInput):
        cluster(number)


@pytest.mark.parametrize("number", [0, 24, -1, 100])
def test_objective_out_of_range_is_bad_input(number: int) -> None:
    with pytest.raises(BadInput):
        objective(number)


@pytest.mark.parametrize(
    ("number", "label"),
    [(10, "10 - Trafficking"), (20, "20 - Remittances"), (1, "1 - Data"), (13, "13 - Detention")],
)
def test_label(number: int, label: str) -> None:
    """Short labels follow the UN Migration Network's "10 - Trafficking" style."""
    assert objective(number).label == label


def test_every_label_has_the_number_a_dash_and_a_short_name() -> None:
    for o in OBJECTIVES:
        assert re.fullmatch(rf"{o.number} - [A-Z][A-Za-z ]+", o.label), o.label


@pytest.mark.parametrize(
    ("listed", "expected"),
    [
        ((2, 5, 6, 12, 18), 1),
        ((4, 8, 9, 10, 11, 13, 21), 2),
        ((14, 15, 16, 19, 20, 22), 3),
        ((1, 3, 7, 17, 23), 4),
        ((16,), 3),
        ((), None),
    ],
)
def test_cluster_of_objectives(listed: tuple[int, ...], expected: int | None) -> None:
    """A section heading's objectives list names its cluster."""
    assert cluster_of_objectives(listed) == expected


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("10", 10),
        (" 7 ", 7),
        ("1", 1),
        ("23", 23),
        ("10 - Trafficking", 10),
        ("20 - Remittances", 20),
        ("Trafficking", 10),
        ("decent work", 6),
        ("trafficking", 10),
        ("remittances", 20),
        ("detention", 13),
        ("smuggling", 9),
        ("smugglers", 9),
        ("border management", 11),
        ("skills", 18),
        ("consular", 14),
    ],
)
def test_resolve(typed: str, expected: int) -> None:
    """`--objective` accepts a number, a label, or words that name exactly one objective."""
    assert resolve(typed) == expected


@pytest.mark.parametrize(
    "typed",
    ["0", "24", "99", "100", "", "   ", "xyzzy", "migrants", "migration", "Migrants"],
)
def test_resolve_rejects(typed: str) -> None:
    """Out of range, unknown and ambiguous inputs are a usage error, never a guess."""
    with pytest.raises(BadInput) as info:
        resolve(typed)
    assert info.value.exit_code == 2


def test_resolve_ambiguous_lists_the_candidates() -> None:
    """An ambiguous word tells the user which objectives it could mean."""
    with pytest.raises(BadInput) as info:
        resolve("migrants")
    assert "8 - Missing migrants" in info.value.message
    assert "9 - Smuggling" in info.value.message


@pytest.mark.parametrize(
    ("terms", "text", "found"),
    [
        (("discriminat",), "Discriminatory acts", True),
        (("discriminat",), "nondiscrimination", False),
        (("hate speech",), "hate\n  speech", True),
        (("traffick",), "TRAFFICKING", True),
    ],
)
def test_term_pattern(terms: tuple[str, ...], text: str, found: bool) -> None:
    """Key terms match at a word start, case-insensitively, across any run of whitespace."""
    assert bool(term_pattern(terms).search(text)) is found


def test_every_objective_has_key_terms() -> None:
    """The tagger's inference needs at least two terms per objective to ever pick one."""
    for o in OBJECTIVES:
        assert len(o.terms) >= 2, o.number
