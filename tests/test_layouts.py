"""The layouts national reviews come in (issue 6), each on a small hand-made document in English,
French and Spanish, through the pure chunker: the four-cluster review template, a heading per
objective, numbered paragraphs, bullets, unnumbered headings given by a reader, and PDF pages.

Every document here is also checked against the one invariant all later stages rely on: a
passage's text is the source slices of its spans joined by single spaces (`LAYOUTS`, last).
"""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from search.blocks import join
from search.cite import citation, pinpoint
from search.models import Document, Passage, Span
from search.passages import chunk
from search.sources import Piece, Source, assemble
from search.sources.model import RawBlock
from search.tagging import explicit_objectives


def document(language: str) -> Document:
    return Document("doc", "doc.txt", "Test review", "Testland", "TST", 2022,
                    "Government of Testland", language=language)


def passages_of(text: str, blocks: Sequence[RawBlock] | None = None,
                language: str = "en") -> tuple[Passage, ...]:
    return chunk(document(language), text, blocks)


def rows(passages: Sequence[Passage]) -> list[tuple[str, str, int | None, tuple[int, ...], str]]:
    """What a layout decides about each passage: id, kind, cluster, objectives and their source."""
    return [(p.id, p.kind, p.cluster, p.objectives, p.objective_source) for p in passages]


def pieces(*parts: Piece) -> Source:
    """A document as a structured reader (HTML, Word, PDF) hands it over."""
    return assemble("hand-made", parts)


def heading(title: str, level: int = 2) -> Piece:
    return Piece((title,), "heading", level)


def para(*lines: str, pages: tuple[int, ...] = ()) -> Piece:
    return Piece(lines, "paragraph", pages=pages)


# ---- (a) the review template in French and Spanish ----------------------------------------------

FR_TEMPLATE = """Examen volontaire du PMM par le Maroc 2022

1 Assurer que la migration est volontaire… (Objectifs du PMM : 2, 5, 6, 12, 18)

a) Progrès

Le Gouvernement a adopté une stratégie nationale d'immigration en 2019.

Un décret fixe les conditions d'entrée des travailleurs saisonniers.

b) Bonnes pratiques

Un guichet unique accueille les travailleurs migrants à Rabat.

2 Protéger les migrants par des mesures de gouvernance des frontières

(Objectifs du PMM : 4, 8, 9, 10, 11, 13, 21)

a) Tendances

Le nombre de demandes d'asile a doublé depuis 2018.
"""

ES_TEMPLATE = """Informe voluntario del PMM de México 2022

1 Garantizar que la migración sea voluntaria, ordenada y regular (Objetivos del PMM: 2, 5, 6, 12, 18)

a) Avances

El Gobierno adoptó una estrategia nacional de movilidad en 2019.

b) Buenas prácticas

Una ventanilla única atiende a los trabajadores migrantes.

3 Apoyar la inclusión de las personas migrantes

(Objetivos del PMM: 14, 15, 16, 19, 20, 22)

c) Tendencias

La población migrante creció un diez por ciento.
"""  # noqa: E501 - a review's paragraphs are long lines


@pytest.mark.parametrize(("text", "language", "expected"), [
    (FR_TEMPLATE, "fr", [
        ("doc:1a.1", "progress", 1, (), "cluster"),
        ("doc:1a.2", "progress", 1, (), "cluster"),
        ("doc:1b.1", "best_practice", 1, (), "cluster"),
        ("doc:2a.1", "trends", 2, (), "cluster"),  # the cluster from the objectives' own line
    ]),
    (ES_TEMPLATE, "es", [
        ("doc:1a.1", "progress", 1, (), "cluster"),
        ("doc:1b.1", "best_practice", 1, (), "cluster"),
        ("doc:3c.1", "trends", 3, (), "cluster"),
    ]),
], ids=["fr", "es"])
def test_template_sections_clusters_and_kinds(text: str, language: str,
                                              expected: list[tuple[object, ...]]) -> None:
    """The four-cluster template in French and Spanish: the objectives list names the cluster,
    "a) Progrès" / "b) Buenas prácticas" / "Tendencias" give the kind, the title is dropped."""
    found = passages_of(text, language=language)
    assert rows(found) == expected
    assert {p.language for p in found} == {language}


@pytest.mark.parametrize(("text", "sections"), [
    (FR_TEMPLATE, {
        ("1", "Assurer que la migration est volontaire…", "a", "Progrès"),
        ("1", "Assurer que la migration est volontaire…", "b", "Bonnes pratiques"),
        ("2", "Protéger les migrants par des mesures de gouvernance des frontières", "a",
         "Tendances"),
    }),
    (ES_TEMPLATE, {
        ("1", "Garantizar que la migración sea voluntaria, ordenada y regular", "a", "Avances"),
        ("1", "Garantizar que la migración sea voluntaria, ordenada y regular", "b",
         "Buenas prácticas"),
        ("3", "Apoyar la inclusión de las personas migrantes", "c", "Tendencias"),
    }),
], ids=["fr", "es"])
def test_template_section_titles_lose_the_objectives_list(
        text: str, sections: set[tuple[str, str, str, str]]) -> None:
    """A section's title is its words, without "(Objectifs du PMM : …)"; subsections keep theirs."""
    found = passages_of(text)
    assert {(p.section, p.section_title, p.subsection, p.subsection_title) for p in found} \
        == sections
    assert not any("PMM" in p.text or p.text.startswith(("a)", "b)", "c)")) for p in found)


@pytest.mark.parametrize(("title", "kind"), [
    ("Progrès", "progress"), ("Progres", "progress"), ("Avances", "progress"),
    ("Bonnes pratiques", "best_practice"), ("Buenas prácticas", "best_practice"),
    ("Buenas practicas", "best_practice"), ("Tendances", "trends"), ("Tendencias", "trends"),
    ("Défis", "other"),
])
def test_subsection_kind_in_each_language(title: str, kind: str) -> None:
    (only,) = passages_of(f"1 Section\n\nb) {title}\n\nUn paragraphe.\n")
    assert (only.subsection, only.kind) == ("b", kind)


# ---- (b) a heading per objective --------------------------------------------------------------

OBJECTIVE_HEADINGS = {
    "en": """National review

Objective 10: Prevent, combat and eradicate trafficking in persons

The police trained 500 officers to identify victims.

Victims receive shelter and legal aid.

Objective 11: Manage borders in an integrated, secure and coordinated manner

Border posts were modernised.
""",
    "fr": """Examen national

Objectif 10 : Prévenir, combattre et éliminer la traite de personnes

La police a formé 500 agents à l'identification des victimes.

Les victimes reçoivent un hébergement et une aide juridique.

Objectif 11 : Gérer les frontières de manière intégrée, sûre et coordonnée

Les postes frontières ont été modernisés.
""",
    "es": """Informe nacional

Objetivo 10. Prevenir, combatir y erradicar la trata de personas

La policía capacitó a 500 agentes para identificar a las víctimas.

Las víctimas reciben alojamiento y asistencia jurídica.

Objetivo 11. Gestionar las fronteras de manera integrada, segura y coordinada

Los puestos fronterizos fueron modernizados.
""",
}


@pytest.mark.parametrize("language", OBJECTIVE_HEADINGS)
def test_objective_heading_tags_the_paragraphs_under_it(language: str) -> None:
    """"Objective 10: …", "Objectif 10 : …", "Objetivo 10. …": each paragraph under it is filed
    under that objective, by the heading, until the next objective heading."""
    found = passages_of(OBJECTIVE_HEADINGS[language], language=language)
    assert [(p.objectives, p.objective_source) for p in found] == [
        ((10,), "heading"), ((10,), "heading"), ((11,), "heading")]
    assert [p.objective_note for p in found] == [
        "under the heading of objective 10", "under the heading of objective 10",
        "under the heading of objective 11"]
    assert not any(p.text.startswith(("Objective", "Objectif", "Objetivo")) for p in found)


@pytest.mark.parametrize("line", [
    "OBJECTIVE 10 – PREVENT TRAFFICKING",
    "Objectif n° 10 : Prévenir la traite",
    "Objetivo 10: Prevenir la trata",
    "GCM Objective 10: Trafficking in persons",
    "Objectif 10",
])
def test_objective_heading_variants(line: str) -> None:
    (only,) = passages_of(f"Review\n\n{line}\n\nThe police act.\n")
    assert (only.text, only.objectives, only.objective_source) == (
        "The police act.", (10,), "heading")


def test_a_sentence_naming_an_objective_is_not_a_heading() -> None:
    """Without a reader's heading mark, a line ending as a sentence is a paragraph that names
    its objective (explicit), and the next one inherits it rather than standing under it."""
    found = passages_of("Review\n\nObjective 10: we prevent trafficking.\n\nThe police act.\n")
    assert rows(found) == [("doc:0.1", "other", None, (10,), "explicit"),
                           ("doc:0.2", "other", None, (10,), "inherited")]


def test_reader_heading_ending_with_a_period_is_still_an_objective_heading() -> None:
    source = pieces(heading("Review", 1), para("Foreword."),
                    heading("Objective 10: Prevent trafficking."), para("The police act."))
    assert rows(passages_of(source.text, source.blocks))[-1] == (
        "doc:0.2", "other", None, (10,), "heading")


def test_objective_heading_inside_a_subsection_ends_with_it() -> None:
    """"a) Progress" > "Objective 10" > "b) Best practices": the heading belongs to subsection a;
    in b the paragraph only inherits objective 10 from the section (it is not under it)."""
    text = """2 Protecting migrants (GCM Objectives: 4, 8, 9, 10, 11, 13, 21)

a) Progress

Objective 10: Prevent trafficking

The police trained officers.

b) Best practices

A shelter opened in 2020.
"""
    assert rows(passages_of(text)) == [
        ("doc:2a.1", "progress", 2, (10,), "heading"),
        ("doc:2b.1", "best_practice", 2, (10,), "inherited"),
    ]


def test_subsection_inside_an_objective_heading_keeps_it() -> None:
    """"Objective 10" > "a) Progress" > "b) Best practices": the objective goes on in both."""
    text = """Review

Objectif 10 : Prévenir la traite

a) Progrès

La police a formé des agents.

b) Bonnes pratiques

Un centre d'accueil a ouvert.

Objectif 11 : Gérer les frontières

Les postes ont été modernisés.
"""
    assert rows(passages_of(text, language="fr")) == [
        ("doc:0a.1", "progress", None, (10,), "heading"),
        ("doc:0b.1", "best_practice", None, (10,), "heading"),
        ("doc:0b.2", "best_practice", None, (11,), "heading"),
    ]


def test_a_new_section_ends_an_objective_heading() -> None:
    text = """Review

2 Protecting migrants (GCM Objectives: 4, 8, 9, 10, 11, 13, 21)

Objective 10: Prevent trafficking

The police trained officers.

3 Supporting inclusion (GCM Objectives: 14, 15, 16, 19, 20, 22)

Migrants can open bank accounts.
"""
    assert rows(passages_of(text)) == [("doc:2.1", "other", 2, (10,), "heading"),
                                       ("doc:3.1", "other", 3, (), "cluster")]


@pytest.mark.parametrize(("language", "paragraph", "named", "words"), [
    ("en", "As for objective 23, Japan funds IOM.", (23,), "objective 23"),
    ("fr", "Au titre de l'objectif 16, des cours de langue sont offerts.", (16,), "objectif 16"),
    ("es", "En cuanto a los objetivos 2 y 5, se firmaron acuerdos.", (2, 5), "objetivos 2 y 5"),
])
def test_explicit_mention_under_an_objective_heading_wins(
        language: str, paragraph: str, named: tuple[int, ...], words: str) -> None:
    text = f"Review\n\nObjective 10: Trafficking\n\nThe police act.\n\n{paragraph}\n"
    first, second = passages_of(text, language=language)
    assert (first.objectives, first.objective_source) == ((10,), "heading")
    assert (second.objectives, second.objective_source, second.objective_note) == (
        named, "explicit", words)


# ---- (c) numbered paragraphs ------------------------------------------------------------------

NUMBERED = """National report of Testland

11. Migration policy is coordinated by an inter-ministerial task force.

12. The Government adopted the following measures:

1. a national action plan against trafficking;

2. training for labour inspectors.

3 Supporting inclusion (GCM Objectives: 14, 15, 16, 19, 20, 22)

13. Migrants can open bank accounts since 2020.
"""


def test_numbered_paragraph_keeps_its_printed_number() -> None:
    first, second, third = passages_of(NUMBERED)
    assert [(p.id, p.number) for p in (first, second, third)] == [
        ("doc:0.1", "11"), ("doc:0.2", "12"), ("doc:3.1", "13")]
    assert first.text.startswith("11. Migration policy")


def test_numbered_paragraph_pinpoint_uses_the_printed_number() -> None:
    """Readers find "para. 12" in the review, not the chunker's ordinal."""
    first, second, third = passages_of(NUMBERED)
    assert [pinpoint(p) for p in (first, second, third)] == [
        "para. 11", "para. 12", "section 3, para. 13"]
    assert citation(third, document("en")) == (
        "Government of Testland, Test review (2022), section 3, para. 13 [doc:3.1].")


def test_unnumbered_paragraph_pinpoint_is_its_ordinal() -> None:
    (only,) = passages_of("1 Section\n\nFirst paragraph.\n")
    assert (only.number, pinpoint(only)) == ("", "section 1, para. 1")


@pytest.mark.parametrize("separator", ["\n\n", "\n"], ids=["blocks", "lines"])
def test_numbered_list_after_a_colon_stays_in_its_paragraph(separator: str) -> None:
    """"12. … measures:" then "1. …", "2. …": list items of paragraph 12, not paragraphs 1 and 2,
    whether the items are blocks of their own or lines of one block."""
    text = "National report\n\n" + separator.join([
        "12. The Government adopted the following measures:",
        "1. a national action plan;", "2. training for labour inspectors.",
    ]) + "\n"
    (only,) = passages_of(text)
    assert only.number == "12"
    assert only.text == ("12. The Government adopted the following measures: 1. a national "
                         "action plan; 2. training for labour inspectors.")
    assert len(only.spans) == 3


@pytest.mark.parametrize("marker", ["1.", "(a)"])
def test_numbered_paragraph_after_a_list_is_its_own_paragraph(marker: str) -> None:
    second = "2." if marker == "1." else "(b)"
    text = (f"National report\n\n12. The Government adopted the following measures:\n\n"
            f"{marker} a national action plan;\n\n{second} training for labour inspectors.\n\n"
            "13. The results were reviewed in 2021.\n")
    assert [p.number for p in passages_of(text)] == ["12", "13"]


# ---- (d) bullets -----------------------------------------------------------------------------

@pytest.mark.parametrize("marker", ["•", "–", "*", "-", "1.", "a)"])
@pytest.mark.parametrize("separator", ["\n\n", "\n"], ids=["blocks", "lines"])
def test_bullets_join_the_paragraph_that_introduces_them(marker: str, separator: str) -> None:
    second = {"1.": "2.", "a)": "b)"}.get(marker, marker)
    text = "1 Section\n\n" + separator.join([
        "The Government took these steps:", f"{marker} a national action plan;",
        f"{second} a hotline for victims.",
    ]) + "\n\nAnother paragraph.\n"
    first, last = passages_of(text)
    assert first.text == (f"The Government took these steps: {marker} a national action plan; "
                          f"{second} a hotline for victims.")
    assert (len(first.spans), first.number) == (3, "")
    assert (last.id, last.text) == ("doc:1.2", "Another paragraph.")


def test_mixed_bullets_in_one_list() -> None:
    text = ("1 Section\n\nThe Government took these steps:\n\n• a national action plan;\n\n"
            "– training for inspectors;\n\n* a hotline;\n\n1. a shelter;\n\na) a fund.\n\n"
            "Another paragraph.\n")
    first, second = passages_of(text)
    assert first.text == ("The Government took these steps: • a national action plan; – training "
                          "for inspectors; * a hotline; 1. a shelter; a) a fund.")
    assert second.text == "Another paragraph."


def test_reader_list_items_without_markers_join_their_paragraph() -> None:
    """Word and HTML lists carry no marker in the text; the reader's hint is enough."""
    source = pieces(heading("Review", 1), heading("Measures"), para("We took these steps:"),
                    Piece(("a national action plan;",), "list_item"),
                    Piece(("a hotline.",), "list_item"), para("Another paragraph."))
    first, second = passages_of(source.text, source.blocks)
    assert first.text == "We took these steps: a national action plan; a hotline."
    assert second.text == "Another paragraph."


def test_subsection_after_a_bulleted_list_starts_the_subsection() -> None:
    text = """2 Protecting migrants (GCM Objectives: 4, 8, 9, 10, 11, 13, 21)

a) Progress

The Government took these steps:

• a national action plan;

• a hotline for victims.

b) Best practices

A shelter opened in 2020.
"""
    assert [(p.id, p.kind, p.text) for p in passages_of(text)] == [
        ("doc:2a.1", "progress", "The Government took these steps: • a national action plan; "
                                 "• a hotline for victims."),
        ("doc:2b.1", "best_practice", "A shelter opened in 2020."),
    ]


# ---- (e) unnumbered headings given by a reader ------------------------------------------------

HEADED = pieces(
    heading("National review of Testland", 1),
    para("This review was prepared by a task force."),
    heading("Labour migration"),
    para("Bilateral agreements were signed."),
    para("Recruitment fees were banned."),
    heading("Seasonal work", 3),
    para("A seasonal visa was created."),
)


def test_reader_headings_become_sections() -> None:
    found = passages_of(HEADED.text, HEADED.blocks)
    assert [(p.id, p.section, p.section_title) for p in found] == [
        ("doc:0.1", "", ""),
        ("doc:s1.1", "", "Labour migration"),
        ("doc:s1.2", "", "Labour migration"),
        ("doc:s2.1", "", "Seasonal work"),
    ]
    assert [pinpoint(p) for p in found] == [
        "para. 1", "section “Labour migration”, para. 1", "section “Labour migration”, para. 2",
        "section “Seasonal work”, para. 1"]


def test_same_words_without_heading_marks_are_paragraphs_of_no_section() -> None:
    """In plain text only numbered headings make sections: the ids stay doc:0.N."""
    text = HEADED.text
    found = passages_of(text)
    assert {p.section_title for p in found} == {""}
    assert all(p.id.startswith("doc:0.") for p in found)


def test_subsection_under_a_reader_heading() -> None:
    source = pieces(heading("Review", 1), para("Foreword."), heading("Labour migration"),
                    heading("a) Progress", 3), para("Visas were issued."))
    last = passages_of(source.text, source.blocks)[-1]
    assert (last.id, last.kind, pinpoint(last)) == (
        "doc:s1a.1", "progress", "section “Labour migration”(a), para. 1")


def test_first_reader_heading_after_the_title_is_a_section() -> None:
    source = pieces(heading("National review of Testland", 1), heading("Introduction"),
                    para("This review was prepared by a task force."), heading("Labour migration"),
                    para("Bilateral agreements were signed."))
    assert [(p.id, p.section_title) for p in passages_of(source.text, source.blocks)] == [
        ("doc:s1.1", "Introduction"), ("doc:s2.1", "Labour migration")]


def test_objectives_are_not_inherited_across_reader_headings() -> None:
    source = pieces(heading("Review of Testland", 1), para("This review was written in 2022."),
                    heading("Labour migration"),
                    para("As for objective 5, seasonal visas were issued."),
                    heading("Health"), para("Clinics opened in every province."))
    last = passages_of(source.text, source.blocks)[-1]
    assert (last.section_title, last.objectives, last.objective_source) == (
        "Health", (), "cluster")


# ---- (f) explicit objectives in French and Spanish ---------------------------------------------

@pytest.mark.parametrize(("text", "named", "words"), [
    ("Au titre de l'objectif 10, la police a formé 500 agents.", (10,), "objectif 10"),
    ("Au titre de l’objectif n° 23, rien de nouveau.", (23,), "objectif n° 23"),
    ("Les objectifs 2 et 5 sont prioritaires.", (2, 5), "objectifs 2 et 5"),
    ("Objectifs 15, 16 ou 19 : des cours sont offerts.", (15, 16, 19), "Objectifs 15, 16 ou 19"),
    ("En relación con el objetivo 10, la policía actuó.", (10,), "objetivo 10"),
    ("Los objetivos 2, 5 y 6 fueron atendidos.", (2, 5, 6), "objetivos 2, 5 y 6"),
    ("Para los objetivos 2 o 5 se firmaron acuerdos.", (2, 5), "objetivos 2 o 5"),
    ("L'objectif 10 et l'objectif 11 avancent.", (10, 11), "objectif 10; objectif 11"),
])
def test_explicit_objectives_in_french_and_spanish(text: str, named: tuple[int, ...],
                                                    words: str) -> None:
    assert explicit_objectives(text) == (named, words)
    (only,) = passages_of(f"1 Section\n\n{text}\n", language="fr")
    assert (only.objectives, only.objective_source, only.objective_note) == (
        named, "explicit", words)


@pytest.mark.parametrize("text", [
    "L'objectif 24 n'existe pas.",  # out of range
    "En 2019, 10 objectifs ont été atteints.",  # a count, not a name
    "Los objetivos del Gobierno son claros.",
])
def test_not_explicit_objectives(text: str) -> None:
    assert explicit_objectives(text) == ((), "")


# ---- (h) pages -------------------------------------------------------------------------------

def test_pages_of_blocks_become_passage_pages() -> None:
    source = pieces(heading("Review", 1), para("Foreword."),
                    heading("Labour migration"),
                    para("Bilateral agreements were signed.", pages=(3,)),
                    para("Recruitment fees were banned", "for all workers.", pages=(3, 4)),
                    para("Seasonal visas were created.", pages=(4,)))
    found = passages_of(source.text, source.blocks)
    assert [(p.pages, pinpoint(p)) for p in found] == [
        ((), "para. 1"),
        ((3,), "section “Labour migration”, para. 1, p. 3"),
        ((3, 4), "section “Labour migration”, para. 2, pp. 3–4"),
        ((4,), "section “Labour migration”, para. 3, p. 4"),
    ]


def test_a_paragraph_broken_across_pages_has_both_pages() -> None:
    """Two blocks rejoined into one paragraph (mid-sentence page break) keep both pages."""
    text = "1 Section\n\nThe police trained officers in\n\nevery province.\n"
    spans = [((0, 9),), ((11, 41),), ((43, 58),)]
    blocks = [RawBlock(spans[0]), RawBlock(spans[1], pages=(7,)), RawBlock(spans[2], pages=(8,))]
    (only,) = passages_of(text, blocks)
    assert (only.text, only.pages, pinpoint(only)) == (
        "The police trained officers in every province.", (7, 8), "section 1, para. 1, pp. 7–8")


def test_pages_are_kept_in_order_without_repeats() -> None:
    text = "1 Section\n\nOne line\nand another\nand a third.\n"
    lines = ((11, 19), (20, 31), (32, 44))
    blocks = [RawBlock(((0, 9),)), RawBlock(lines, pages=(5, 4, 5))]
    (only,) = passages_of(text, blocks)
    assert only.pages == (4, 5)


# ---- (g) the spans invariant, for every layout above -------------------------------------------

def _text_layouts() -> dict[str, tuple[str, tuple[RawBlock, ...] | None]]:
    texts = {"fr-template": FR_TEMPLATE, "es-template": ES_TEMPLATE, "numbered": NUMBERED,
             **{f"{lang}-objective-headings": t for lang, t in OBJECTIVE_HEADINGS.items()},
             "bullets-lines": "1 Section\n\nSteps:\n• one;\n– two;\n* three;\n1. four;\n2. five.\n",
             "crlf": "1 Section\r\n\r\nA paragraph broken\r\n\r\nin two.\r\n\r\n  Indented.  \r\n"}
    return {name: (text, None) for name, text in texts.items()}


LISTED = pieces(heading("Review", 1), heading("Measures"), para("Steps:"),
                Piece(("one",), "list_item"), Piece(("- two",), "list_item"),
                para("Broken across", "two lines.", pages=(2, 3)))
LAYOUTS: dict[str, tuple[str, tuple[RawBlock, ...] | None]] = {
    **_text_layouts(),
    "reader-headings": (HEADED.text, HEADED.blocks),
    "reader-lists": (LISTED.text, LISTED.blocks),
}


def _check_spans(text: str, spans: Sequence[Span]) -> None:
    assert spans, "a passage without spans"
    previous_end = 0
    for start, end in spans:
        assert previous_end <= start < end <= len(text)
        assert text[start:end] == text[start:end].strip(), "spans are trimmed"
        previous_end = end


@pytest.mark.parametrize("name", LAYOUTS)
def test_spans_invariant(name: str) -> None:
    """text == the source slices of the spans joined by single spaces, spans in order, for every
    passage of every layout; and passages never share a span."""
    text, blocks = LAYOUTS[name]
    found = passages_of(text, blocks)
    assert found
    for p in found:
        _check_spans(text, p.spans)
        assert p.text == join(text, p.spans) == " ".join(text[s:e] for s, e in p.spans)
    every = [span for p in found for span in p.spans]
    assert every == sorted(set(every))
    assert [p.position for p in found] == list(range(len(found)))
    assert len({p.id for p in found}) == len(found)
