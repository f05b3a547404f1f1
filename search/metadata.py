"""What a new review's catalog entry can be inferred from its own text. Pure (country names come
from pycountry's ISO 3166 data): a source's title and text in, metadata guesses out.

    "Voluntary GCM review by Japan"            -> country Japan, JPN
    "Examen volontaire du PMM par le Maroc"   -> country Morocco, MAR; language fr
    "Informe nacional de México 2022"          -> country Mexico, MEX; year 2022; language es
"""

from __future__ import annotations

import gettext
import re
import unicodedata
from dataclasses import dataclass
from functools import cache

import pycountry

from .blocks import classify
from .sources.model import Source

_STOP = {
    "en": "the of and to in for is on that with by as are was this from have has be".split(),
    "fr": "le la les de des du et en pour est sur que dans par une un au aux avec ont été".split(),
    "es": "el la los las de del y en para es por que con una un se al como su sus ha han".split(),
}
_YEAR = re.compile(r"\b(20[12]\d)\b")
_BY = re.compile(r"\b(?:by|of|from|par|de|por|del)\s+(?:the\s+|la\s+|le\s+|l['’]\s*|les\s+|el\s+)?"
                 r"([A-ZÀ-Ý][\w'’ .-]+?)\s*(?:\(|,|$|\d)")


@dataclass(frozen=True)
class Country:
    name: str
    iso3: str


def title_of(source: Source) -> str:
    """The document's own title: its first title block, or its first line."""
    for block in classify(source.text, source.blocks):
        if block.kind == "title":
            return block.text
        if block.kind in ("section", "paragraph", "list_item"):
            break
    first = source.text.strip().splitlines()
    return first[0].strip()[:200] if first else ""


def language_of(text: str) -> str:
    """en, fr or es: whichever language's commonest words the text uses most."""
    words = re.findall(r"[^\W\d_]+", text[:20000].lower())
    scores = {lang: sum(1 for w in words if w in stop) for lang, stop in _STOP.items()}
    return max(scores, key=lambda lang: (scores[lang], lang == "en"))


def year_in(text: str) -> int | None:
    found = _YEAR.findall(text)
    return int(found[-1]) if found else None


def country_in(title: str) -> Country | None:
    """The country a title names ("… by Japan", "… par le Maroc"), or None."""
    for match in _BY.finditer(title):
        found = country(match.group(1))
        if found is not None:
            return found
    for word_run in re.findall(r"[A-ZÀ-Ý][\w'’-]+(?:\s+[A-ZÀ-Ý][\w'’-]+)*", title):
        found = country(word_run)
        if found is not None:
            return found
    return None


def country(name: str) -> Country | None:
    """An ISO 3166 country from its English, French or Spanish name or its ISO code."""
    key = _fold(name)
    found = _countries().get(key)
    return Country(*found) if found else None


@cache
def _countries() -> dict[str, tuple[str, str]]:
    table: dict[str, tuple[str, str]] = {}
    translations = [gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang],
                                        fallback=True) for lang in ("fr", "es")]
    for entry in pycountry.countries:
        value = (getattr(entry, "common_name", None) or entry.name, entry.alpha_3)
        names = {entry.name, getattr(entry, "common_name", ""), getattr(entry, "official_name", ""),
                 entry.alpha_3, entry.alpha_2}
        for translation in translations:
            names.add(translation.gettext(entry.name))
        for name in names:
            if name:
                table.setdefault(_fold(name), value)
    return table


def _fold(text: str) -> str:
    text = text.replace("’", "'").replace("‘", "'")  # "Côte d’Ivoire" = "Côte d'Ivoire"
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", " ", plain.lower()).strip()


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", _fold(text)).strip("-")[:48] or "review"
