"""British and American spelling: a word -> its one canonical (American) spelling. Pure.

Index and query both pass words through `canonical()`, so "labour", "programme", "organisation",
"centre" and "counselling" find "labor", "program", "organization", "center" and "counseling",
and the reverse. Rules cover the regular families (-our/-or, -ise/-ize, -isation/-ization,
-yse/-yze, -lled/-led); a table covers the rest; exception lists keep words that merely look like
a family member ("four", "advise", "telling") as they are.
"""

from __future__ import annotations

import re
from functools import lru_cache

# Whole words (and their listed inflections) that no rule produces or that a rule would get wrong.
_TABLE: dict[str, str] = {
    "programme": "program", "programmes": "programs", "programmed": "programmed",
    "centre": "center", "centres": "centers", "centred": "centered", "centring": "centering",
    "metre": "meter", "metres": "meters", "litre": "liter", "litres": "liters",
    "theatre": "theater", "theatres": "theaters", "fibre": "fiber", "fibres": "fibers",
    "calibre": "caliber", "spectre": "specter", "sombre": "somber", "meagre": "meager",
    "defence": "defense", "defences": "defenses", "offence": "offense", "offences": "offenses",
    "licence": "license", "licences": "licenses", "pretence": "pretense",
    "practise": "practice", "practised": "practiced", "practises": "practices",
    "practising": "practicing",
    "catalogue": "catalog", "catalogues": "catalogs", "analogue": "analog",
    "dialogue": "dialog", "dialogues": "dialogs",
    "enrol": "enroll", "enrols": "enrolls", "enrolment": "enrollment",
    "enrolments": "enrollments", "fulfil": "fulfill", "fulfils": "fulfills",
    "fulfilment": "fulfillment", "instalment": "installment", "instalments": "installments",
    "skilful": "skillful", "wilful": "willful",
    "judgement": "judgment", "judgements": "judgments",
    "acknowledgement": "acknowledgment", "acknowledgements": "acknowledgments",
    "ageing": "aging", "paediatric": "pediatric", "paediatrics": "pediatrics",
    "anaemia": "anemia", "haemorrhage": "hemorrhage", "oestrogen": "estrogen",
    "foetus": "fetus", "foetal": "fetal", "manoeuvre": "maneuver", "manoeuvres": "maneuvers",
    "grey": "gray", "sceptic": "skeptic", "sceptical": "skeptical", "mould": "mold",
    "plough": "plow", "aluminium": "aluminum", "cheque": "check", "cheques": "checks",
    "jewellery": "jewelry", "kerb": "curb", "draught": "draft", "gaol": "jail",
    "tonne": "ton", "tonnes": "tons", "storey": "story", "storeys": "stories",
}

_OUR = re.compile(
    r"^([a-z]{2,}?)our(s|ed|ing|ings|er|ers|able|ably|ite|ites|ful|less|ism|al|ally|hood|hoods)?$"
)
_OUR_KEEP = frozenset(
    "four hour your flour pour tour sour dour devour detour contour amour troubadour velour "
    "paramour scour succour glamour hours yours flours pours tours contours devours detours "
    "scours fours tourism tourist touring toured poured pouring soured souring devoured "
    "devouring scoured scouring detoured".split()
)
_ISE = re.compile(r"^([a-z]{3,}?)(is|ys)(e|es|ed|ing|er|ers|ation|ations|ational)$")
# Words ending in -ise that are spelled so in American English too (their base form).
_ISE_KEEP = frozenset(
    "advise devise revise supervise televise comprise compromise surprise enterprise exercise "
    "franchise merchandise premise promise rise wise otherwise expertise precise concise raise "
    "praise noise cruise bruise chemise disguise demise excise incise circumcise despise "
    "improvise apprise chastise treatise paradise porpoise tortoise poise anise mortise arise "
    "sunrise likewise clockwise reprise guise vise mise braise valise cerise reise chaise "
    "appraise upraise uprise moonrise advertise surmise".split()
)
_LL = re.compile(r"^([a-z]+?)l(led|ling|ler|lers|lor|lors)$")
# Stems that double their final l in British spelling only ("counselled" / "counseled").
_LL_STEMS = frozenset(
    "counsel travel cancel label model fuel signal total channel level marshal equal dial duel "
    "jewel tunnel panel parcel pencil quarrel shovel shrivel snorkel swivel tassel towel unravel "
    "marvel libel rival trial initial enamel grovel chisel funnel kennel refuel bevel dishevel "
    "yodel spiral pedal medal".split()
)


@lru_cache(maxsize=65536)
def canonical(word: str) -> str:
    """The American spelling of a lower-case word, or the word itself."""
    if word in _TABLE:
        return _TABLE[word]
    our = _OUR.match(word)
    if our and word not in _OUR_KEEP:
        return f"{our.group(1)}or{our.group(2) or ''}"
    ise = _ISE.match(word)
    if ise:
        stem, letter, ending = ise.groups()
        if f"{stem}{letter}e" not in _ISE_KEEP and not _is_exception_ise(stem, letter):
            return f"{stem}{'y' if letter == 'ys' else 'i'}z{ending}"
    ll = _LL.match(word)
    if ll and ll.group(1) + "l" in _LL_STEMS:
        return f"{ll.group(1)}l{ll.group(2)[1:]}"
    return word


def _is_exception_ise(stem: str, letter: str) -> bool:
    # "-wise" and "-cise" compounds (streetwise, exercise) and short stems keep their spelling.
    return letter == "is" and stem.endswith(("w", "v", "pr", "ra", "ru", "erc", "xc", "ec", "nc"))
