"""Acronyms and the names they stand for. Pure: text in, pairs out.

A curated list covers names that reviews use without defining (IOM, UNHCR, ILO …); `learn()`
finds the definitions a document makes itself ("International Organization for Migration (IOM)").
The index build stores what it learned; the query side (`search.query`) turns an acronym into
"the acronym or its expansion as a phrase", and an expansion into the same, so each finds the other.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from .index.analysis import stemmed, terms

# Acronym -> names it stands for. Spelling variants need not be listed (analysis folds them).
CURATED: dict[str, tuple[str, ...]] = {
    "IOM": ("International Organization for Migration",),
    "UNHCR": ("United Nations High Commissioner for Refugees", "UN Refugee Agency",
              "UN High Commissioner for Refugees", "Office of the United Nations High "
              "Commissioner for Refugees"),
    "UNODC": ("United Nations Office on Drugs and Crime", "UN Office on Drugs and Crime"),
    "ILO": ("International Labour Organization", "International Labour Office"),
    "OHCHR": ("Office of the United Nations High Commissioner for Human Rights",
              "UN Human Rights Office"),
    "UNICEF": ("United Nations Children's Fund", "UN Children's Fund"),
    "UNDP": ("United Nations Development Programme",),
    "UNFPA": ("United Nations Population Fund",),
    "UNESCO": ("United Nations Educational, Scientific and Cultural Organization",),
    "UNRWA": ("United Nations Relief and Works Agency",),
    "WHO": ("World Health Organization",),
    "WFP": ("World Food Programme",),
    "OECD": ("Organisation for Economic Co-operation and Development",),
    "JICA": ("Japan International Cooperation Agency",),
    "MEXT": ("Ministry of Education, Culture, Sports, Science and Technology",),
    "MOFA": ("Ministry of Foreign Affairs",),
    "UNAFEI": ("United Nations Asia and Far East Institute for the Prevention of Crime and the "
               "Treatment of Offenders",),
    "ASEAN": ("Association of Southeast Asian Nations", "Association of South-East Asian Nations"),
    "EU": ("European Union",),
    "AU": ("African Union",),
    "IMRF": ("International Migration Review Forum",),
    "GCM": ("Global Compact for Safe, Orderly and Regular Migration",
            "Global Compact for Migration", "Global Compact on Migration"),
    "SDG": ("Sustainable Development Goal",),
    "SDGs": ("Sustainable Development Goals",),
    "NGO": ("non-governmental organization", "nongovernmental organization"),
    "NGOs": ("non-governmental organizations", "nongovernmental organizations"),
    "CSO": ("civil society organization",),
    "CSOs": ("civil society organizations",),
    "IDP": ("internally displaced person",),
    "IDPs": ("internally displaced persons",),
    "UN": ("United Nations",),
    "UNNM": ("United Nations Network on Migration", "UN Network on Migration"),
}

_SMALL = frozenset("of for and the on in to at de des du la le el y et".split())
_DEFINITION = re.compile(r"\(\s*([A-Z][A-Za-z&]{1,11})\s*\)")
_WORD = re.compile(r"[A-Za-z][\w'’&-]*")
_MAX_WORDS = 14


def learn(texts: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """Acronyms defined in `texts` as "Long Name (ACRONYM)", with the long names found."""
    found: dict[str, list[str]] = {}
    for text in texts:
        for match in _DEFINITION.finditer(text):
            acronym = match.group(1)
            if sum(c.isupper() for c in acronym) < 2:
                continue
            name = expansion_before(text[: match.start()], acronym)
            if name and name not in found.setdefault(acronym, []):
                found[acronym].append(name)
    return {a: tuple(names) for a, names in found.items() if names}


def expansion_before(text: str, acronym: str) -> str | None:
    """The words at the end of `text` whose initials spell `acronym` ("… for Migration" + IOM).

    Small words (of, for, the …) may be skipped; every capital of the acronym must be the
    initial of a word, in order. A trailing plural "s" of the acronym is not spelled.
    """
    letters = acronym.rstrip("s") if acronym[-1] == "s" and acronym[:-1].isupper() else acronym
    letters = letters.replace("&", "").upper()
    words = list(_WORD.finditer(text))[-_MAX_WORDS:]
    position = len(letters) - 1
    start = None
    for word in reversed(words):
        if position < 0:
            break
        token = word.group()
        if token[0].upper() == letters[position] and (token[0].isupper() or position == 0):
            start = word.start()
            position -= 1
        elif token.lower() in _SMALL:
            continue
        else:
            return None
    if position >= 0 or start is None:
        return None
    return re.sub(r"\s+", " ", text[start:]).strip(" ,;:")


@dataclass(frozen=True)
class Lexicon:
    """Acronyms and names as index terms: what a query word or phrase may also be searched as.

    `names` maps an acronym's term ("iom") to its names as stemmed phrases
    (("intern", "organ", "migrat"),); `acronyms` maps such a phrase back to the acronym's term.
    """

    names: dict[str, tuple[tuple[str, ...], ...]] = field(default_factory=dict)
    acronyms: dict[tuple[str, ...], str] = field(default_factory=dict)

    @classmethod
    def build(cls, *sources: dict[str, tuple[str, ...]]) -> Lexicon:
        stem = stemmed()
        names: dict[str, list[tuple[str, ...]]] = {}
        acronyms: dict[tuple[str, ...], str] = {}
        for source in sources:
            for acronym, expansions in source.items():
                key = terms(stem, acronym)
                if len(key) != 1:
                    continue
                for expansion in expansions:
                    phrase = tuple(terms(stem, expansion))
                    if len(phrase) < 2:
                        continue
                    if phrase not in names.setdefault(key[0], []):
                        names[key[0]].append(phrase)
                    acronyms.setdefault(phrase, key[0])
        return cls({k: tuple(v) for k, v in names.items()}, acronyms)

    @property
    def longest(self) -> int:
        return max((len(p) for p in self.acronyms), default=0)

