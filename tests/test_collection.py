"""Adding and removing reviews (issue 6, "Many documents"): `search.collection.add` infers a new
review's catalog entry from its title and text or asks for what it cannot infer, copies the file in
under a name made from its id, rewrites the catalog atomically and updates the index for that one
document; `remove` undoes it. Whatever fails, fails before anything is written.
"""

from __future__ import annotations

import dataclasses
import errno
import hashlib
import random
import shutil
from pathlib import Path

import pytest
from test_languages import ES_REVIEW, FR_REVIEW

from search.catalog import CATALOG, load_catalog
from search.collection import Given, add, remove
from search.config import Config
from search.errors import BadInput, CorpusError, GcmSearchError, NotFound
from search.index import CURRENT, build, fingerprint, open_index
from search.index import building as building_module
from search.models import Document
from search.passages import chunk
from search.query import Filters
from search.results import Request, document_rows, passage, search
from search.sources import read_source

JP = "japan-2022"
JAPAN_PASSAGES = 36

Snapshot = dict[str, str]


@pytest.fixture
def built(fresh_config: Config) -> Config:
    """A private corpus copy with its index built: the state `gcm-search add` starts from."""
    build(fresh_config)
    return fresh_config


def write(folder: Path, name: str, content: str | bytes) -> Path:
    path = folder / name
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    return path


def snapshot(config: Config) -> Snapshot:
    """Every file of the corpus folder (with a digest of its bytes) and the index's CURRENT."""
    state = {f"corpus/{p.name}": hashlib.sha256(p.read_bytes()).hexdigest()
             for p in sorted(config.corpus.iterdir())}
    pointer = config.index / CURRENT
    state[CURRENT] = pointer.read_text(encoding="utf-8") if pointer.exists() else ""
    return state


def japan_hits(config: Config) -> list[tuple[str, float]]:
    """Ids and scores of the Japan query used to see whether Japan's passages changed."""
    results = search(open_index(config, build_if_needed=False),
                     Request("trafficking", Filters(countries=("Japan",)), limit=100,
                             mode="words"))
    return [(h.passage.id, h.score) for h in results.hits]


def found_ids(config: Config, query: str, country: str | None = None) -> list[str]:
    filters = Filters(countries=(country,)) if country else Filters()
    results = search(open_index(config, build_if_needed=False),
                     Request(query, filters, limit=100, mode="words"))
    return [h.passage.id for h in results.hits]


# ---- inferring the catalog entry ----------------------------------------------------------------

@pytest.mark.parametrize(("text", "name", "expected"), [
    (FR_REVIEW, "examen.txt", Document(
        id="morocco-2022", file="morocco-2022.txt",
        title="Examen volontaire du PMM par le Maroc 2022", country="Morocco", iso3="MAR",
        year=2022, author="Government of Morocco", language="fr")),
    (ES_REVIEW, "Informe.TXT", Document(
        id="mexico-2022", file="mexico-2022.txt",
        title="Informe voluntario del PMM de México 2022", country="Mexico", iso3="MEX",
        year=2022, author="Government of Mexico", language="es")),
], ids=["fr", "es"])
def test_add_infers_the_catalog_entry_from_title_and_text(
        built: Config, tmp_path: Path, text: str, name: str, expected: Document) -> None:
    document, count, manifest = add(built, write(tmp_path, name, text), Given())
    assert document == expected
    source = read_source(built.corpus / document.file)
    assert count == len(chunk(document, source.text, source.blocks))
    assert load_catalog(built.corpus)[-1] == expected  # what is on disk is what was returned
    assert [d.id for d in manifest.documents] == [JP, expected.id]
    assert manifest.passages == JAPAN_PASSAGES + count


def test_given_metadata_wins_over_inference(built: Config, tmp_path: Path) -> None:
    given = Given(country="MAR", year=2021, title="Examen national", author="Royaume du Maroc",
                  language="es", url="https://example.org/maroc", cycle="IMRF 2022",
                  id="maroc-examen")
    document, _, _ = add(built, write(tmp_path, "x.txt", FR_REVIEW), given)
    assert document == Document(
        id="maroc-examen", file="maroc-examen.txt", title="Examen national", country="Morocco",
        iso3="MAR", year=2021, author="Royaume du Maroc", cycle="IMRF 2022", language="es",
        url="https://example.org/maroc")
    assert load_catalog(built.corpus)[-1] == document


@pytest.mark.parametrize(("given", "country", "iso3"), [
    (Given(country="Maroc"), "Morocco", "MAR"),  # French name
    (Given(country="Marruecos"), "Morocco", "MAR"),  # Spanish name
    (Given(country="mar"), "Morocco", "MAR"),  # ISO3, any case
    (Given(country="Senegal"), "Senegal", "SEN"),  # wins over the title's Morocco
])
def test_given_country_in_any_language(built: Config, tmp_path: Path, given: Given,
                                       country: str, iso3: str) -> None:
    document, _, _ = add(built, write(tmp_path, "x.txt", FR_REVIEW), given)
    assert (document.country, document.iso3, document.id) == (country, iso3,
                                                              f"{country.lower()}-2022")


def test_country_with_a_typographic_apostrophe(built: Config, tmp_path: Path) -> None:
    text = FR_REVIEW.replace("par le Maroc 2022", "de la Côte d’Ivoire 2022")
    document, _, _ = add(built, write(tmp_path, "civ.txt", text), Given())
    assert (document.country, document.iso3) == ("Côte d'Ivoire", "CIV")


# ---- asking for the rest, and writing nothing meanwhile ----------------------------------------

NO_COUNTRY = "Rapport national 2022\n\n1 Section\n\nLe Gouvernement a adopté une stratégie.\n"
NO_YEAR = "Examen volontaire du PMM par le Maroc\n\n1 Section\n\nLe Gouvernement agit.\n"


@pytest.mark.parametrize(("text", "given", "message", "hint"), [
    (NO_COUNTRY, Given(), "cannot tell the country of review.txt from its title "
     "'Rapport national 2022'", "pass --country"),
    (NO_YEAR, Given(), "cannot tell the year of review.txt from its title "
     "'Examen volontaire du PMM par le Maroc'", "pass --year"),
    (NO_COUNTRY, Given(year=2022), "cannot tell the country", "pass --country"),
    (NO_YEAR, Given(country="Morocco"), "cannot tell the year", "pass --year"),
    (FR_REVIEW, Given(country="Atlantis"), "unknown country 'Atlantis'",
     "give its English, French or Spanish name or its ISO code"),
    (FR_REVIEW, Given(id=JP), f"the corpus already has a document '{JP}'", "pass another --id"),
], ids=["country", "year", "country-with-year", "year-with-country", "unknown-country",
        "taken-id"])
def test_missing_metadata_is_asked_for_and_nothing_is_written(
        built: Config, tmp_path: Path, text: str, given: Given, message: str, hint: str) -> None:
    before = snapshot(built)
    with pytest.raises(BadInput) as info:
        add(built, write(tmp_path, "review.txt", text), given)
    assert info.value.message.startswith(message)
    assert info.value.hint.startswith(hint)
    assert snapshot(built) == before


def test_what_was_asked_for_can_then_be_given(built: Config, tmp_path: Path) -> None:
    path = write(tmp_path, "review.txt", NO_COUNTRY)
    with pytest.raises(BadInput):
        add(built, path, Given())
    document, count, _ = add(built, path, Given(country="France"))
    assert (document.id, document.country, document.year, document.language, count) == (
        "france-2022", "France", 2022, "fr", 1)


JUNK = random.Random(6).randbytes(4096)


@pytest.mark.parametrize(("name", "content", "given", "error", "words"), [
    ("junk.txt", JUNK, Given(), CorpusError, "junk.txt: not a text file"),
    ("bytes.txt", bytes(range(256)) * 8, Given(), CorpusError, "bytes.txt: not a text file"),
    ("empty.txt", b"", Given(country="Morocco", year=2022), CorpusError,
     "empty.txt: no paragraphs of text were found in it"),
    ("blank.txt", b" \n\n\t\r\n", Given(country="Morocco", year=2022), CorpusError,
     "blank.txt: no paragraphs of text were found in it"),
    ("review.odt", FR_REVIEW.encode(), Given(), BadInput, "review.odt: cannot read .odt files"),
    ("REVIEW", FR_REVIEW.encode(), Given(), BadInput, "REVIEW: cannot read extensionless"),
], ids=["random-bytes", "all-bytes", "empty", "blank", "odt", "extensionless"])
def test_unreadable_file_changes_nothing(built: Config, tmp_path: Path, name: str,
                                         content: bytes, given: Given,
                                         error: type[GcmSearchError], words: str) -> None:
    """The error names the file and why; corpus, catalog and index are as they were."""
    before = snapshot(built)
    with pytest.raises(error) as info:
        add(built, write(tmp_path, name, content), given)
    assert str(info.value).startswith(words)
    assert snapshot(built) == before
    assert open_index(built).built_now is False


@pytest.mark.parametrize("what", ["missing", "folder"])
def test_not_a_file(built: Config, tmp_path: Path, what: str) -> None:
    path = tmp_path / "review.txt"
    if what == "folder":
        path.mkdir()
    before = snapshot(built)
    with pytest.raises(BadInput, match=r"is not a file|review\.txt: no such file"):
        add(built, path, Given())
    assert snapshot(built) == before


# ---- what is written ---------------------------------------------------------------------------

def test_file_is_copied_under_a_name_from_its_id(built: Config, tmp_path: Path) -> None:
    original = write(tmp_path, "Examen PMM (final).TXT", FR_REVIEW)
    document, _, _ = add(built, original, Given())
    copied = built.corpus / "morocco-2022.txt"
    assert document.file == copied.name
    assert copied.read_bytes() == original.read_bytes()
    assert original.exists()  # copied, not moved
    assert sorted(p.name for p in built.corpus.iterdir()) == sorted(
        [CATALOG, load_catalog(built.corpus)[0].file, copied.name])  # no temporary files left


def test_catalog_is_rewritten_and_still_parses(built: Config, tmp_path: Path) -> None:
    japan = load_catalog(built.corpus)[0]
    add(built, write(tmp_path, "fr.txt", FR_REVIEW), Given())
    add(built, write(tmp_path, "es.txt", ES_REVIEW), Given())
    documents = load_catalog(built.corpus)
    assert [d.id for d in documents] == [JP, "morocco-2022", "mexico-2022"]
    assert documents[0] == japan  # the existing entry is kept as it was
    raw = (built.corpus / CATALOG).read_text(encoding="utf-8")
    assert "México" in raw  # written as UTF-8 text, not \\u escapes
    assert '"url"' not in raw and '"cycle"' not in raw.split("morocco-2022")[1]  # no empty keys


def _fail_fsync(fd: int) -> None:
    raise OSError(errno.ENOSPC, "No space left on device")


def test_a_failed_catalog_write_leaves_the_old_catalog(built: Config, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """The disk fills up while the new catalog is written: the old one is intact and still
    parses, the copied review is taken out again, and the index is untouched."""
    before = snapshot(built)
    catalog_before = (built.corpus / CATALOG).read_bytes()
    monkeypatch.setattr("search.catalog.os.fsync", _fail_fsync)
    with pytest.raises(CorpusError, match="No space left"):
        add(built, write(tmp_path, "fr.txt", FR_REVIEW), Given())
    monkeypatch.undo()
    assert (built.corpus / CATALOG).read_bytes() == catalog_before
    assert [d.id for d in load_catalog(built.corpus)] == [JP]
    assert not (built.corpus / "morocco-2022.txt").exists()
    assert snapshot(built)[CURRENT] == before[CURRENT]


def test_a_failed_catalog_write_leaves_no_temporary_file(
        built: Config, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = snapshot(built)
    monkeypatch.setattr("search.catalog.os.fsync", _fail_fsync)
    with pytest.raises(CorpusError, match="free some space"):
        add(built, write(tmp_path, "fr.txt", FR_REVIEW), Given())
    monkeypatch.undo()
    assert snapshot(built) == before


# ---- the index, updated for that one document --------------------------------------------------

def test_index_is_updated_incrementally(built: Config, tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the new document is indexed (a full rebuild would fail here); Japan's passages are
    still found, in the same order, with the scores a full build of the new corpus gives (BM25
    counts every passage, so Japan's scores themselves move when passages are added); the new
    passages are found; and the manifest matches the corpus, so nothing rebuilds on next open."""
    before = japan_hits(built)

    def no_rebuild(*args: object, **kwargs: object) -> None:
        raise AssertionError("add() rebuilt the whole index")

    monkeypatch.setattr(building_module, "_rebuild", no_rebuild)
    document, count, manifest = add(built, write(tmp_path, "fr.txt", FR_REVIEW), Given())
    monkeypatch.undo()

    after = japan_hits(built)
    assert [i for i, _ in after] == [i for i, _ in before]
    assert len(before) == 11

    rebuilt = Config(tmp_path / "copy" / "corpus", tmp_path / "copy" / "index")
    shutil.copytree(built.corpus, rebuilt.corpus)
    build(rebuilt)
    assert after == japan_hits(rebuilt)

    assert manifest.passages == JAPAN_PASSAGES + count
    assert manifest.fingerprint == fingerprint(built)
    opened = open_index(built)
    assert opened.built_now is False
    assert opened.manifest == manifest
    assert found_ids(built, "traite", "Morocco") == found_ids(rebuilt, "traite", "Morocco")
    assert len(found_ids(built, "traite", "Morocco")) == 3
    assert passage(opened, "morocco-2022:2a.1").language == document.language == "fr"


def test_add_to_a_corpus_without_an_index_builds_it(fresh_config: Config,
                                                    tmp_path: Path) -> None:
    _, count, manifest = add(fresh_config, write(tmp_path, "es.txt", ES_REVIEW), Given())
    assert manifest.passages == JAPAN_PASSAGES + count
    assert open_index(fresh_config).built_now is False
    assert found_ids(fresh_config, "trata de personas")[:2] == ["mexico-2022:2a.1",
                                                                "mexico-2022:2a.2"]


def test_duplicate_ids_get_a_number(built: Config, tmp_path: Path) -> None:
    """A second review of the same country and year: morocco-2022-2, its own file. (Other
    bytes, the same text: the same bytes would be skipped, test_add_many.py.)"""
    first, count, _ = add(built, write(tmp_path, "a.txt", FR_REVIEW), Given())
    second, _, manifest = add(built, write(tmp_path, "b.txt", FR_REVIEW + "\n"), Given())
    third, _, _ = add(built, write(tmp_path, "c.txt", FR_REVIEW + "\n\n"), Given())
    assert [(d.id, d.file) for d in (first, second, third)] == [
        ("morocco-2022", "morocco-2022.txt"), ("morocco-2022-2", "morocco-2022-2.txt"),
        ("morocco-2022-3", "morocco-2022-3.txt")]
    assert manifest.passages == JAPAN_PASSAGES + 2 * count
    found = found_ids(built, "traite", "Morocco")
    assert {i.split(":")[0] for i in found} == {"morocco-2022", "morocco-2022-2",
                                                "morocco-2022-3"}


# ---- remove ------------------------------------------------------------------------------------

def test_remove_takes_a_document_out_of_catalog_folder_and_index(built: Config,
                                                                 tmp_path: Path) -> None:
    japan_before = found_ids(built, "trafficking", "Japan")
    add(built, write(tmp_path, "fr.txt", FR_REVIEW), Given())
    add(built, write(tmp_path, "es.txt", ES_REVIEW), Given())
    removed, manifest = remove(built, "morocco-2022")

    assert removed.id == "morocco-2022"
    assert [d.id for d in load_catalog(built.corpus)] == [JP, "mexico-2022"]
    assert not (built.corpus / removed.file).exists()
    assert [d.id for d in manifest.documents] == [JP, "mexico-2022"]
    assert manifest.fingerprint == fingerprint(built)
    opened = open_index(built)
    assert opened.built_now is False
    assert found_ids(built, "traite des êtres humains") == []
    with pytest.raises(NotFound):
        passage(opened, "morocco-2022:2a.1")
    assert found_ids(built, "trafficking", "Japan") == japan_before
    assert found_ids(built, "trata de personas")[:2] == ["mexico-2022:2a.1", "mexico-2022:2a.2"]
    assert manifest.passages == JAPAN_PASSAGES + 4


def test_remove_unknown_id_is_not_found_and_changes_nothing(built: Config) -> None:
    before = snapshot(built)
    with pytest.raises(NotFound) as info:
        remove(built, "atlantis-2022")
    assert info.value.message == "no document 'atlantis-2022' in the corpus"
    assert info.value.hint == f"documents: {JP}"
    assert snapshot(built) == before


def test_add_remove_add_again(built: Config, tmp_path: Path) -> None:
    path = write(tmp_path, "fr.txt", FR_REVIEW)
    first, count, _ = add(built, path, Given())
    found = found_ids(built, "traite", "Morocco")
    remove(built, first.id)
    assert found_ids(built, "traite", "Morocco") == []
    again, count_again, manifest = add(built, path, Given())
    assert dataclasses.astuple(again) == dataclasses.astuple(first)  # the id is free again
    assert count_again == count
    assert manifest.passages == JAPAN_PASSAGES + count
    assert found_ids(built, "traite", "Morocco") == found
    assert open_index(built).built_now is False


def test_document_rows_after_add_remove_add(built: Config, tmp_path: Path) -> None:
    path = write(tmp_path, "fr.txt", FR_REVIEW)
    first, count, _ = add(built, path, Given())
    remove(built, first.id)
    add(built, path, Given())
    rows = document_rows(open_index(built))
    assert [(r["id"], r["passages"]) for r in rows] == [(JP, JAPAN_PASSAGES),
                                                        ("morocco-2022", count)]


@pytest.mark.parametrize("review", [FR_REVIEW, ES_REVIEW], ids=["fr", "es"])
def test_scores_after_add_and_remove_are_those_of_the_same_corpus(
        built: Config, tmp_path: Path, review: str) -> None:
    before = japan_hits(built)
    document, _, _ = add(built, write(tmp_path, "r.txt", review), Given())
    remove(built, document.id)
    assert japan_hits(built) == before


def test_the_installed_packages_corpus_is_not_written_to(
        fresh_config: Config, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Installed from a wheel, the bundled corpus lives in site-packages: `add` and `remove`
    refuse it and say how to use a corpus of one's own, and nothing is written."""
    from search import collection as module

    monkeypatch.setattr(module, "is_bundled", lambda corpus: True)
    before = (fresh_config.corpus / "catalog.json").read_bytes()
    review = tmp_path / "review.txt"
    review.write_text("Voluntary GCM review by France 2022\n\nSome text.\n", encoding="utf-8")
    with pytest.raises(BadInput, match="bundled corpus") as info:
        module.add(fresh_config, review, module.Given())
    assert "--corpus" in info.value.hint
    with pytest.raises(BadInput, match="bundled corpus"):
        module.remove(fresh_config, "japan-2022")
    assert (fresh_config.corpus / "catalog.json").read_bytes() == before
