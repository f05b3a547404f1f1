"""The GCM's 23 objectives (A/RES/73/195) and the four review clusters, as data.

Also the one place that turns what a user types ("10", "trafficking", "10 - Trafficking") into an
objective number, and the key terms that the tagger uses to recognise an objective's subject.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import BadInput


@dataclass(frozen=True)
class Objective:
    number: int
    short: str
    title: str
    cluster: int
    terms: tuple[str, ...]
    """Word stems and phrases that mark a paragraph as being about this objective."""

    @property
    def label(self) -> str:
        """The short label in the UN Migration Network's style: "10 - Trafficking"."""
        return f"{self.number} - {self.short}"


@dataclass(frozen=True)
class Cluster:
    number: int
    title: str
    objectives: tuple[int, ...]


CLUSTERS: tuple[Cluster, ...] = (
    Cluster(1, "Ensuring that migration is voluntary, orderly and regular", (2, 5, 6, 12, 18)),
    Cluster(
        2,
        "Protecting migrants through rights-based border governance measures",
        (4, 8, 9, 10, 11, 13, 21),
    ),
    Cluster(
        3,
        "Supporting the integration of migrants and their contribution to development",
        (14, 15, 16, 19, 20, 22),
    ),
    Cluster(
        4,
        "Improving value-driven and evidence-based policymaking and public debate, "
        "and enhancing cooperation on migration",
        (1, 3, 7, 17, 23),
    ),
)

_CLUSTER_OF = {n: c.number for c in CLUSTERS for n in c.objectives}

# (number, short label, official title, key terms). Terms are matched case-insensitively at the
# start of a word, so "discriminat" finds "discrimination" and "discriminatory".
_TABLE: tuple[tuple[int, str, str, tuple[str, ...]], ...] = (
    (1, "Data",
     "Collect and utilize accurate and disaggregated data as a basis for evidence-based policies",
     ("data", "statistic", "disaggregat", "census", "survey", "evidence-based", "research")),
    (2, "Adverse drivers",
     "Minimize the adverse drivers and structural factors that compel people to leave their "
     "country of origin",
     ("adverse driver", "structural factor", "root cause", "climate", "disaster", "poverty",
      "environmental degradation", "livelihood")),
    (3, "Information",
     "Provide accurate and timely information at all stages of migration",
     ("timely information", "accurate information", "pre-departure", "orientation",
      "information campaign", "information centre", "information center", "portal")),
    (4, "Legal identity",
     "Ensure that all migrants have proof of legal identity and adequate documentation",
     ("legal identity", "identity document", "documentation", "passport", "birth registration",
      "travel document", "civil registr")),
    (5, "Regular pathways",
     "Enhance availability and flexibility of pathways for regular migration",
     ("regular pathway", "pathway", "visa", "status of residence", "residence status",
      "labour mobility", "labor mobility", "family reunification", "skilled worker")),
    (6, "Decent work",
     "Facilitate fair and ethical recruitment and safeguard conditions that ensure decent work",
     ("recruit", "decent work", "employer", "employment", "labour", "labor", "worker", "wage",
      "working condition", "labour exploitation", "labor exploitation")),
    (7, "Vulnerabilities",
     "Address and reduce vulnerabilities in migration",
     ("vulnerab", "unaccompanied", "separated children", "at risk", "gender-responsive",
      "precarious")),
    (8, "Missing migrants",
     "Save lives and establish coordinated international efforts on missing migrants",
     ("missing", "rescue", "save lives", "saving lives", "deaths", "deceased", "safety")),
    (9, "Smuggling",
     "Strengthen the transnational response to smuggling of migrants",
     ("smuggl", "intermediar", "broker", "crackdown", "fraudulent", "fake", "forg",
      "illegal work", "illegal stay")),
    (10, "Trafficking",
     "Prevent, combat and eradicate trafficking in persons in the context of international "
     "migration",
     ("traffick", "victim", "forced labour", "forced labor")),
    (11, "Border management",
     "Manage borders in an integrated, secure and coordinated manner",
     ("border", "immigration control", "border control", "entry", "checkpoint")),
    (12, "Screening and referral",
     "Strengthen certainty and predictability in migration procedures for appropriate "
     "screening, assessment and referral",
     ("screening", "assessment", "referral", "identif", "certainty", "predictab", "procedur")),
    (13, "Detention",
     "Use migration detention only as a measure of last resort and work towards alternatives",
     ("detention", "detain", "alternatives to detention", "last resort")),
    (14, "Consular protection",
     "Enhance consular protection, assistance and cooperation throughout the migration cycle",
     ("consul", "embass")),
    (15, "Basic services",
     "Provide access to basic services for migrants",
     ("basic service", "health", "medical", "education", "school", "housing", "social service")),
    (16, "Inclusion",
     "Empower migrants and societies to realize full inclusion and social cohesion",
     ("inclusion", "integrat", "social cohesion", "coexist", "empower", "host communit")),
    (17, "Discrimination",
     "Eliminate all forms of discrimination and promote evidence-based public discourse to shape "
     "perceptions of migration",
     ("discriminat", "prejudice", "racis", "xenophob", "hate speech", "hate crime", "stereotyp",
      "public discourse", "perception", "awareness-raising", "awareness raising")),
    (18, "Skills",
     "Invest in skills development and facilitate mutual recognition of skills, qualifications "
     "and competences",
     ("skill", "qualification", "competenc", "vocational", "recognition of")),
    (19, "Diaspora",
     "Create conditions for migrants and diasporas to fully contribute to sustainable "
     "development in all countries",
     ("diaspora", "sustainable development", "entrepreneur", "investment")),
    (20, "Remittances",
     "Promote faster, safer and cheaper transfer of remittances and foster financial inclusion "
     "of migrants",
     ("remittance", "money transfer", "funds transfer", "financial inclusion", "bank account",
      "financial service")),
    (21, "Return",
     "Cooperate in facilitating safe and dignified return and readmission, as well as "
     "sustainable reintegration",
     ("return", "readmission", "reintegrat", "repatriat")),
    (22, "Social security",
     "Establish mechanisms for the portability of social security entitlements and earned "
     "benefits",
     ("social security", "pension", "portability", "earned benefit")),
    (23, "International cooperation",
     "Strengthen international cooperation and global partnerships for safe, orderly and "
     "regular migration",
     ("international cooperation", "international community", "partnership", "cooperation",
      "contribut", "bilateral", "multilateral", "capacity building", "capacity-building")),
)

OBJECTIVES: tuple[Objective, ...] = tuple(
    Objective(n, short, title, _CLUSTER_OF[n], terms) for n, short, title, terms in _TABLE
)


def objective(number: int) -> Objective:
    if not 1 <= number <= len(OBJECTIVES):
        raise BadInput(f"there is no GCM objective {number}", "objectives are numbered 1 to 23")
    return OBJECTIVES[number - 1]


def cluster(number: int) -> Cluster:
    if not 1 <= number <= len(CLUSTERS):
        raise BadInput(f"there is no review cluster {number}", "clusters are numbered 1 to 4")
    return CLUSTERS[number - 1]


def cluster_of_objectives(numbers: tuple[int, ...]) -> int | None:
    """The cluster that a heading's "(GCM Objectives: …)" list names, by the most overlap."""
    if not numbers:
        return None
    wanted = set(numbers)
    best = max(CLUSTERS, key=lambda c: len(wanted & set(c.objectives)))
    return best.number if wanted & set(best.objectives) else None


_TITLE_STOP = frozenset("a an and of on the that to through in for".split())
_TITLE_MATCH = 0.8
"""How much of a cluster's title a section title must share (and how much of the section title
must be the cluster's words) to be that cluster: enough to forgive a dropped or changed word
("Ensuring migration is voluntary, orderly and regular"), never two clusters at once."""


def _title_words(text: str) -> set[str]:
    return {_stem(w) for w in _WORD.findall(text.lower()) if w not in _TITLE_STOP and
            not w.isdigit()}


def cluster_of_title(title: str) -> int | None:
    """The cluster whose standard title a section heading gives, when it gives one
    ("Protecting migrants through rights-based border governance measures" -> 2)."""
    words = _title_words(title)
    if not words:
        return None
    for c in CLUSTERS:
        standard = _title_words(c.title)
        shared = len(words & standard)
        if shared / len(standard) >= _TITLE_MATCH and shared / len(words) >= _TITLE_MATCH:
            return c.number
    return None


def term_pattern(terms: tuple[str, ...]) -> re.Pattern[str]:
    """A regex finding any of `terms` at the start of a word (case-insensitive)."""
    alternatives = "|".join(re.escape(t).replace(r"\ ", r"\s+") for t in terms)
    return re.compile(rf"\b(?:{alternatives})", re.IGNORECASE)


_WORD = re.compile(r"[a-z0-9]+")
_LABEL = re.compile(r"^\s*(\d{1,2})\s*(?:[-–—:.]\s*.*)?$")


def resolve(text: str) -> int:
    """The objective a user means by `text`: a number, a short label, or words of its title.

    >>> resolve("10"), resolve("trafficking"), resolve("20 - Remittances")
    (10, 10, 20)
    """
    wanted = text.strip().lower()
    if not wanted:
        raise BadInput("an empty objective was given", "give a number from 1 to 23 or a word")
    numbered = _LABEL.match(wanted)
    if numbered:
        return objective(int(numbered.group(1))).number
    for obj in OBJECTIVES:
        if wanted == obj.short.lower():
            return obj.number
    words = _WORD.findall(wanted)
    matches = [
        obj.number
        for obj in OBJECTIVES
        if words
        and all(
            re.search(rf"\b{re.escape(_stem(w))}", f"{obj.short} {obj.title}".lower())
            for w in words
        )
    ]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise BadInput(
            f"no GCM objective matches {text!r}",
            "run `gcm-search objectives` to see the 23 objectives",
        )
    labels = ", ".join(objective(n).label for n in matches)
    raise BadInput(f"{text!r} matches several objectives: {labels}", "give its number")


def _stem(word: str) -> str:
    """Enough stemming to let "remittances" find "remittances" and "smuggler" find "smuggling"."""
    for suffix in ("ings", "ing", "ers", "er", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word
