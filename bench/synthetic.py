"""A deterministic synthetic corpus in the review template, for the performance benchmark.

    python bench/synthetic.py OUT --documents 1000 [--seed 7]

The one real review we ship (Japan, 36 passages) is far too small to show how gcm-search scales,
and real reviews cannot be bundled in bulk. So this module writes N reviews that look like it to
the reader and the chunker: the title "Voluntary GCM review by <Country>", the four numbered
sections with their "(GCM Objectives: …)" lists, subsections "a) Progress", "b) Best practices"
(and "a) Trends" in section 3), about 60 paragraphs each, some "- " list items after a paragraph
that ends with ":", and "As for the objective N," openings so that tagging has explicit objectives.

The text is the Japan review's own sentences, recombined and perturbed: paragraphs of 2–5
sentences (mostly from the same section of the review, so each section keeps its vocabulary),
numbers and years swapped for other plausible ones, "Japan"/"Japanese" swapped for the document's
country. The vocabulary, sentence lengths and term statistics are therefore those of a real review,
which is what index size, query cost and highlighting depend on.

Everything is drawn from `random.Random` seeded per document (`f"{seed}:{number}"`), so the same
seed gives byte-identical files, and the first 100 documents of a 1,000-document corpus are the
100-document corpus.
"""

from __future__ import annotations

import argparse
import functools
import random
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import pycountry

from search.blocks import classify, ends_sentence
from search.catalog import load_catalog, save_catalog
from search.config import default_corpus
from search.metadata import slug
from search.models import Document
from search.sources import read_source

SOURCE_ID = "japan-2022"
"""The review whose sentences, headings and objective lists the synthetic ones are made of."""
SOURCE_COUNTRY = "Japan"
YEARS = (2022, 2026)
TITLE = "Voluntary GCM review by {country}"

# Paragraphs per subsection, by kind: about 60 per document in all (4 x 8.5 + 4 x 5.5 + 3).
PARAGRAPHS = {"progress": (7, 10), "best practices": (4, 7), "trends": (2, 4)}
SENTENCES = {2: 0.4, 3: 0.3, 4: 0.2, 5: 0.1}
"""Sentences per paragraph and how often: 3 on average, so a passage is about 100 words."""
SAME_SECTION = 0.75
"""How often a sentence comes from the same section of the Japan review (else from anywhere)."""
EXPLICIT = 0.3
"""How often a paragraph opens with "As for the objective N," (N from the section's cluster)."""
LISTED = 0.08
"""How often a paragraph ends with ":" and is followed by "- " list items."""

_ABBREVIATIONS = ("approx.", "e.g.", "i.e.", "etc.", "inc.", "no.", "mr.", "ms.", "dr.", "u.s.")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z“\"(‘'])")
# "As for the objective 5," / "as far as objectives 15 and 16," / "As for objective 8 (…),":
# the review's own objective openings are removed, and the generator adds its own.
_OBJECTIVE_OPENING = re.compile(
    r"\bas (?:for|far as) (?:the )?objectives? \d{1,2}(?:(?:, | and )\d{1,2})*"
    r"(?: \([^()]*(?:\([^()]*\)[^()]*)*\))?,\s*",
    re.IGNORECASE,
)
# A number that can be swapped: not part of "COVID-19", "2a)", "(3.b.)" or "60cases".
_NUMBER = re.compile(
    r"(?<![\d/.,])(?<![A-Za-z]-)(\d{1,3}(?:,\d{3})+|\d+\.\d+|\d+)(?![\d])(?!\.[a-z])(?![A-Za-z])"
)
_YEAR_RANGE = re.compile(r"\b((?:19|20)\d\d)([-–])((?:19|20)\d\d)\b")
_STARTERS = frozenset(
    "the in as this with during since following of specifically considering furthermore while "
    "based a all also it we to for on from at by an most these such".split()
)


@dataclass(frozen=True)
class Section:
    """One numbered section of the template, as the Japan review has it."""

    number: str
    title: str
    objectives: tuple[int, ...]
    subsections: tuple[str, ...]
    """Subsection titles in order: ("Progress", "Best practices") or with "Trends" first."""


@dataclass(frozen=True)
class Material:
    """What the generator recombines: the template and the review's sentences."""

    sections: tuple[Section, ...]
    sentences: dict[str, tuple[str, ...]]
    """Section number -> the sentences of its paragraphs (objective openings removed)."""
    everything: tuple[str, ...]
    items: tuple[str, ...]
    """List items: the review's own, and its short sentences without their final stop."""


@functools.cache
def material() -> Material:
    """Read the bundled Japan review once and take it apart (cached: it never changes in a run)."""
    corpus = default_corpus()
    document = next(d for d in load_catalog(corpus) if d.id == SOURCE_ID)
    source = read_source(corpus / document.file)
    blocks = classify(source.text, source.blocks)

    sections: list[Section] = []
    paragraphs: dict[str, list[str]] = {}
    items: list[str] = []
    for block in blocks:
        if block.kind == "section":
            sections.append(Section(block.label, block.title, block.objectives, ()))
            paragraphs[block.label] = []
        elif not sections:
            continue  # the title
        elif block.kind == "objectives" and not sections[-1].objectives:
            sections[-1] = replace(sections[-1], objectives=block.objectives)
        elif block.kind == "subsection":
            sections[-1] = replace(sections[-1],
                                   subsections=(*sections[-1].subsections, block.title))
        elif block.kind == "list_item":
            items.append(block.text.lstrip("-–• ").strip())
        elif block.kind == "paragraph":
            found = paragraphs[sections[-1].number]
            # A paragraph broken mid-sentence continues in the next block.
            if found and not ends_sentence(found[-1]) and block.text[:1].islower():
                found[-1] = f"{found[-1]} {block.text}"
            else:
                found.append(block.text)

    sentences = {n: tuple(s for p in texts for s in split_sentences(_clean(p)))
                 for n, texts in paragraphs.items()}
    everything = tuple(s for n in sorted(sentences) for s in sentences[n])
    short = [s.rstrip(".") for s in everything
             if len(s.split()) <= 22 and s.endswith(".") and not s.startswith("(")]
    return Material(tuple(sections), sentences, everything, tuple(items + short))


def _clean(paragraph: str) -> str:
    """A Japan paragraph without its objective openings and Markdown escapes."""
    text = paragraph.replace("\\$", "$")
    text = _OBJECTIVE_OPENING.sub("", text)
    return _capitalise(text.strip())


def split_sentences(paragraph: str) -> list[str]:
    """Split a paragraph into sentences at ". " before a capital, not after "approx." or "e.g."."""
    sentences: list[str] = []
    for part in _SENTENCE_END.split(paragraph):
        if sentences and sentences[-1].lower().endswith(_ABBREVIATIONS):
            sentences[-1] = f"{sentences[-1]} {part}"
        else:
            sentences.append(part)
    return [s.strip() for s in sentences if s.strip()]


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def _lower_start(text: str) -> str:
    """Lower-case a sentence's first word when it is an ordinary word, to follow "As for …,"."""
    first = text.split(" ", 1)[0]
    return text[:1].lower() + text[1:] if first.lower() in _STARTERS else text


def countries() -> tuple[tuple[str, str], ...]:
    """(name, ISO3) of the ISO 3166 countries, sorted by name: those whose name reads as one
    (no "Congo, The Democratic Republic of the") and not Japan, whose words are swapped out."""
    found = {(getattr(c, "common_name", None) or c.name, c.alpha_3) for c in pycountry.countries}
    return tuple(sorted((name, iso3) for name, iso3 in found
                        if "," not in name and "(" not in name and name != SOURCE_COUNTRY))


def perturb(sentence: str, rng: random.Random, country: str, year: int) -> str:
    """Swap the sentence's numbers and years for plausible others, and Japan for `country`."""

    def number(match: re.Match[str]) -> str:
        text = match.group(1)
        if "," in text:
            value = max(2, int(int(text.replace(",", "")) * rng.uniform(0.3, 3.0)))
            return f"{value:,}"
        if "." in text:
            decimals = len(text.split(".")[1])
            return f"{float(text) * rng.uniform(0.3, 3.0):.{decimals}f}"
        value = int(text)
        if len(text) == 4 and 1950 <= value <= 2039:
            return str(rng.randint(2005, year))
        if value <= 1:
            return text
        if value <= 31:
            return str(rng.randint(2, 28))
        return str(max(2, int(value * rng.uniform(0.3, 3.0))))

    text = _NUMBER.sub(number, sentence)
    text = _YEAR_RANGE.sub(lambda m: f"{min(m[1], m[3])}{m[2]}{max(m[1], m[3])}", text)
    text = text.replace("non-Japanese", "foreign").replace("Japanese", country)
    return text.replace(SOURCE_COUNTRY, country).replace("Tokyo", "capital")


def paragraph(rng: random.Random, section: Section, country: str, year: int,
              explicit: bool) -> str:
    """2–5 perturbed sentences, mostly from the same section of the review."""
    known = material()
    own = known.sentences.get(section.number) or known.everything
    chosen: list[str] = []
    count = rng.choices(list(SENTENCES), weights=list(SENTENCES.values()))[0]
    for _ in range(count):
        pool = own if rng.random() < SAME_SECTION else known.everything
        sentence = rng.choice(pool)
        if sentence not in chosen:
            chosen.append(sentence)
    text = " ".join(perturb(s, rng, country, year) for s in chosen)
    if explicit:
        picked = rng.sample(section.objectives, 2 if rng.random() < 0.15 else 1)
        named = (f"objectives {picked[0]} and {picked[1]}" if len(picked) == 2
                 else f"the objective {picked[0]}" if rng.random() < 0.7
                 else f"objective {picked[0]}")
        text = f"As for {named}, {_lower_start(text)}"
    return _capitalise(text)


def document_text(rng: random.Random, country: str, year: int = 2022) -> str:
    """One review of `country` in the template: title, four sections, about 60 paragraphs."""
    lines = [TITLE.format(country=country)]
    for section in material().sections:
        listed = f"(GCM Objectives: {', '.join(map(str, section.objectives))})"
        # Both layouts of the Japan review: the list on its own line, or on the heading's.
        if rng.random() < 0.5:
            lines += [f"{section.number} {section.title}", listed]
        else:
            lines.append(f"{section.number} {section.title} {listed}")
        for letter, subsection in zip("abcdefgh", section.subsections, strict=False):
            lines.append(f"{letter}) {subsection}")
            low, high = PARAGRAPHS.get(subsection.lower(), PARAGRAPHS["best practices"])
            for _ in range(rng.randint(low, high)):
                text = paragraph(rng, section, country, year, rng.random() < EXPLICIT)
                if rng.random() < LISTED:
                    lines.append(text.rstrip(".") + ":")
                    lines += [f"- {perturb(rng.choice(material().items), rng, country, year)}"
                              for _ in range(rng.randint(2, 4))]
                else:
                    lines.append(text)
    return "\n\n" + "\n\n".join(lines) + "\n"  # two blank lines first, as in the Japan file


def document_entry(number: int, country: str, iso3: str, year: int, revision: int) -> Document:
    """The catalog entry of synthetic document `number` (a country's third review is "-r2")."""
    # slug() cuts at 48 characters, which would cut the year off the longest names.
    doc_id = f"{slug(country)[:40].strip('-')}-{year}" + (f"-r{revision}" if revision else "")
    return Document(
        id=doc_id,
        file=f"{number:04d}_{doc_id}.txt",
        title=TITLE.format(country=country),
        country=country,
        iso3=iso3,
        year=year,
        author=f"Government of {country}",
        cycle=f"IMRF {year}",
        language="en",
    )


def plan(documents: int, seed: int = 7) -> list[Document]:
    """Which country and year each document is: countries in a seeded order, each with a 2022
    and a 2026 review, then again as revisions when there are more documents than that."""
    names = list(countries())
    random.Random(f"{seed}:countries").shuffle(names)
    entries = []
    for number in range(documents):
        round_, place = divmod(number, len(names))
        country, iso3 = names[place]
        entries.append(document_entry(number, country, iso3, YEARS[round_ % len(YEARS)],
                                      round_ // len(YEARS)))
    return entries


def generate(folder: Path, documents: int, seed: int = 7) -> Path:
    """Write `documents` synthetic reviews and their catalog.json into `folder`; return it."""
    folder.mkdir(parents=True, exist_ok=True)
    entries = plan(documents, seed)
    for number, entry in enumerate(entries):
        rng = random.Random(f"{seed}:{number}")
        (folder / entry.file).write_text(document_text(rng, entry.country, entry.year),
                                         encoding="utf-8")
    save_catalog(folder, entries)
    return folder


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="folder to write the corpus into")
    parser.add_argument("--documents", type=int, default=100)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    generate(args.out, args.documents, args.seed)
    print(f"{args.documents} documents in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
