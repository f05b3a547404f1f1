"""Per-language analysis (issue 6): French and Spanish passages are stemmed and stripped of stop
words by their own analyzers, accents folded, so a French query finds French passages (typed with
or without accents) and a Spanish one Spanish passages, in one index with the English Japan review.

The three-document corpus built here (Japan, plus a French review by Morocco and a Spanish one by
Mexico, added with `search.collection.add`) is also what test_compare.py compares.
"""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pytest

from search.collection import Given, add
from search.config import Config
from search.index import OpenIndex, build, open_index
from search.index.analysis import language, stemmed, terms
from search.models import Hit, Passage
from search.query import Filters
from search.results import Request, all_passages, search

CORPUS = Path(__file__).resolve().parent.parent / "corpus"

FR_REVIEW = """Examen volontaire du PMM par le Maroc 2022

1 Assurer que la migration est volontaire, ordonnée et régulière (Objectifs du PMM : 2, 5, 6, 12, 18)

a) Progrès

Au titre de l'objectif 5, la procédure de réunification familiale des travailleurs étrangers a été simplifiée en 2021.

Les demandes de regroupement familial sont désormais déposées en ligne.

2 Protéger les migrants par des mesures de gouvernance des frontières (Objectifs du PMM : 4, 8, 9, 10, 11, 13, 21)

a) Progrès

Objectif 10 : Prévenir, combattre et éliminer la traite de personnes

La loi relative à la lutte contre la traite des êtres humains a été adoptée en 2016.

Une commission nationale coordonne la lutte contre la traite des êtres humains et la protection des victimes.

Les victimes de la traite bénéficient d'un hébergement et d'une assistance juridique.

Des magistrats et des policiers ont été formés à l'identification des victimes.

Un numéro vert permet de signaler les cas de travail forcé.

b) Bonnes pratiques

Objectif 10 : Prévenir, combattre et éliminer la traite de personnes

Une campagne de sensibilisation a été menée dans les écoles.

Les associations accompagnent les victimes vers les services de santé.

Au titre de l'objectif 8, des opérations de sauvetage en mer ont été menées par la Marine royale.

Au titre de l'objectif 11, la sécurité des frontières a été renforcée par de nouveaux équipements.
"""  # noqa: E501 - a review's paragraphs are long lines

ES_REVIEW = """Informe voluntario del PMM de México 2022

1 Garantizar que la migración sea voluntaria, ordenada y regular (Objetivos del PMM: 2, 5, 6, 12, 18)

a) Avances

En relación con el objetivo 5, el programa de reunificación familiar benefició a tres mil familias.

2 Proteger a las personas migrantes (Objetivos del PMM: 4, 8, 9, 10, 11, 13, 21)

a) Avances

Objetivo 10. Prevenir, combatir y erradicar la trata de personas

La Ley General en materia de trata de personas fue reformada para proteger a las víctimas.

Un programa de capacitación formó a dos mil funcionarios para identificar a las víctimas de trata de personas.

b) Buenas prácticas

En relación con el objetivo 13, los consulados brindan asistencia a las personas migrantes detenidas.
"""  # noqa: E501 - a review's paragraphs are long lines

JP, MA, MX = "japan-2022", "morocco-2022", "mexico-2022"
# Passages per document, and per document on objective 10 (counted by hand from the texts).
PASSAGES = {JP: 36, MA: 11, MX: 4}
ON_OBJECTIVE_10 = {"Morocco": 7, "Japan": 6, "Mexico": 2}


def three_documents(base: Path) -> Config:
    """The bundled corpus indexed, then a French and a Spanish review added to it."""
    config = Config(corpus=base / "corpus", index=base / "index")
    shutil.copytree(CORPUS, config.corpus)
    build(config)
    for name, text in (("examen-maroc.txt", FR_REVIEW), ("informe-mexico.txt", ES_REVIEW)):
        path = base / name
        path.write_text(text, encoding="utf-8")
        add(config, path, Given())
    return config


@pytest.fixture(scope="module")
def three(tmp_path_factory: pytest.TempPathFactory) -> OpenIndex:
    return open_index(three_documents(tmp_path_factory.mktemp("three")), build_if_needed=False)


def ids(hits: tuple[Hit, ...] | list[Hit]) -> list[str]:
    return [h.passage.id for h in hits]


def marked(hit: Hit) -> list[str]:
    return [text for text, is_match in hit.segments if is_match]


# ---- analyzers ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("lang", "text", "expected"), [
    ("fr", "traite des êtres humains", ["trait", "etre", "humain"]),
    ("fr", "réunification familiale", ["reunif", "familial"]),
    ("fr", "reunification familiale", ["reunif", "familial"]),  # typed without accents
    ("fr", "L'État et la société", ["etat", "societ"]),  # l', et, la: stop words
    ("fr", "victimes victime", ["victim", "victim"]),
    ("es", "trata de personas", ["trat", "person"]),
    ("es", "las personas migrantes", ["person", "migrant"]),
    ("es", "migración migracion", ["migracion", "migracion"]),
    # Accents are folded before stemming, so the Spanish stemmer sees "reunificacion".
    ("es", "reunificación familiar", ["reunificacion", "famili"]),
    ("es", "los niños y las niñas", ["nin", "nin"]),
])
def test_french_and_spanish_analyzers_stem_drop_stop_words_and_fold_accents(
        lang: str, text: str, expected: list[str]) -> None:
    assert terms(stemmed(lang), text) == expected




@pytest.mark.parametrize(("lang", "accented", "plain"), [
    ("fr", "êtres humains élève réunification", "etres humains eleve reunification"),
    ("es", "víctimas migración niñez tránsito", "victimas migracion ninez transito"),
    ("fr", "sécurité", "securite"),
    ("fr", "frontières", "frontieres"),
    ("fr", "réfugiés", "refugies"),
    ("es", "capacitación", "capacitacion"),
    ("es", "regularización", "regularizacion"),
])
def test_accents_are_forgiven_both_ways(lang: str, accented: str, plain: str) -> None:
    """A word typed without its accents is analysed as the accented word in the text is."""
    assert terms(stemmed(lang), accented) == terms(stemmed(lang), plain)


def test_each_language_has_its_own_analyzer() -> None:
    """The English analyzer keeps French words it does not know; French stems them."""
    assert terms(stemmed("en"), "travailleurs") == ["travailleur"]
    assert terms(stemmed("fr"), "travailleurs") == ["travailleur"]
    assert terms(stemmed("en"), "des") == ["de"]  # an English word as far as English knows
    assert terms(stemmed("fr"), "des") == []
    assert terms(stemmed("es"), "del") == []


@pytest.mark.parametrize(("code", "expected"), [
    ("fr", "fr"), ("fr-FR", "fr"), ("ES", "es"), ("es-MX", "es"), ("en", "en"), ("de", "en"),
    ("", "en"),
])
def test_language_codes(code: str, expected: str) -> None:
    assert language(code) == expected


def test_les_is_a_french_stop_word() -> None:
    assert terms(stemmed("fr"), "les victimes") == ["victim"]


# ---- one index, three languages ------------------------------------------------------------------

def test_the_index_knows_three_languages(three: OpenIndex) -> None:
    assert three.languages == ("en", "es", "fr")
    assert {d.id: d.language for d in three.manifest.documents} == {JP: "en", MA: "fr", MX: "es"}
    counts = Counter(p.doc for p in all_passages(three))
    assert counts == PASSAGES


def test_french_query_finds_french_passages_first(three: OpenIndex) -> None:
    results = search(three, Request("traite des êtres humains", limit=20))
    both = {f"{MA}:2a.1", f"{MA}:2a.2"}  # the two with every word
    assert set(ids(results.hits[:2])) == both
    assert {h.passage.language for h in results.hits} == {"fr"}
    assert [marked(h) for h in results.hits[:2]] == [["traite", "êtres humains"]] * 2


def test_french_query_without_accents(three: OpenIndex) -> None:
    """"reunification familiale" typed without accents finds "réunification familiale" first,
    before the Spanish "reunificación familiar" that shares a stem with one of its words."""
    results = search(three, Request("reunification familiale", limit=20))
    first = results.hits[0]
    assert first.passage.id == f"{MA}:1a.1"
    assert marked(first) == ["réunification familiale"]
    assert f"{MA}:1a.2" in ids(results.hits)  # "regroupement familial": one of the words


def test_spanish_query_finds_spanish_passages_first(three: OpenIndex) -> None:
    results = search(three, Request("trata de personas", limit=20))
    assert set(ids(results.hits[:2])) == {f"{MX}:2a.1", f"{MX}:2a.2"}
    assert all(h.passage.language == "es" for h in results.hits)
    assert [marked(h) for h in results.hits[:2]] == [["trata", "personas"]] * 2


def test_english_query_still_finds_japan_first(three: OpenIndex) -> None:
    results = search(three, Request("trafficking in persons", limit=10))
    assert results.hits[0].passage.id == f"{JP}:2a.6"
    assert all(h.passage.language == "en" for h in results.hits[:5])


def test_search_within_one_language_for_a_country(three: OpenIndex) -> None:
    """Filters work the same on French passages: Morocco's trafficking passages only."""
    by_words = search(three, Request("traite", Filters(countries=("Morocco",)), limit=50,
                                     mode="words"))
    assert by_words.total == 3
    assert {h.passage.country for h in by_words.hits} == {"Morocco"}
    # The default adds passages near in meaning: still Morocco's, and the words' among them.
    hybrid = search(three, Request("traite", Filters(countries=("Morocco",)), limit=50))
    assert {h.passage.country for h in hybrid.hits} == {"Morocco"}
    assert {h.passage.id for h in by_words.hits} <= {h.passage.id for h in hybrid.hits}


def test_language_facet_counts(three: OpenIndex) -> None:
    """The language facet is exact: objective 10's passages, per language, as chunked."""
    results = search(three, Request("", Filters(objectives=(10,)), limit=1))
    assert results.facets["language"] == {"en": 6, "es": 2, "fr": 7}
    passages: list[Passage] = [p for p in all_passages(three) if 10 in p.objectives]
    assert results.facets["language"] == dict(Counter(p.language for p in passages))
    assert results.facets["country"] == ON_OBJECTIVE_10


def test_language_facet_for_a_query(three: OpenIndex) -> None:
    """"victimes" is stemmed like English "victims" and Spanish "víctimas": all three count."""
    results = search(three, Request("victimes", limit=1))
    counts = results.facets["language"]
    assert set(counts) == {"en", "es", "fr"}
    assert counts["fr"] == 4
    assert counts["es"] == 2


@pytest.mark.parametrize(("query", "found"), [
    ("sécurité des frontières", f"{MA}:2b.4"),
    ("capacitación", f"{MX}:2a.2"),
    ("securite des frontieres", f"{MA}:2b.4"),
    ("capacitacion", f"{MX}:2a.2"),
])
def test_query_typed_with_or_without_accents(three: OpenIndex, query: str, found: str) -> None:
    results = search(three, Request(query, limit=5))
    assert results.hits and results.hits[0].passage.id == found
