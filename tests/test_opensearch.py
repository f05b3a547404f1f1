"""`export --format opensearch` and `export --mapping opensearch` (search/outputs/opensearch.py):
the bulk file's line pairs, ids and field types checked against the mapping, on the real Japan
build (with its vectors), a three-language corpus, a build without vectors, and by hand."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import Result
from test_cli import cli
from test_languages import three_documents

from search.anchor import unescape
from search.config import Config
from search.errors import BadInput, ModelUnavailable
from search.index import OpenIndex, build, open_index
from search.meaning import model
from search.models import STATED_SOURCES, Document, Passage
from search.outputs import opensearch
from search.results import all_passages

JSON_TYPES: dict[str, type | tuple[type, ...]] = {
    "keyword": str, "text": str, "integer": int, "float": (int, float), "boolean": bool,
}
NULLABLE = {"cluster", "objective_confidence"}
"""The fields a passage may leave empty (Passage: `int | None`, `float | None`)."""
MULTI = {"objectives", "objective_labels", "stated_objectives", "pages", "spans"}
"""The fields that hold a list of values."""
LANGUAGE_FIELDS = {"text_en", "text_fr", "text_es"}


def export(config: Config, *args: str) -> Result:
    result = cli(config, "export", *args)
    assert result.exit_code == 0, result.output
    return result


def pairs(ndjson: str) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """The (action, source) pairs of a bulk body, checking its shape on the way."""
    assert ndjson.endswith("\n")  # _bulk needs the last line ended too
    lines = ndjson[:-1].split("\n")
    assert len(lines) % 2 == 0
    parsed = [json.loads(line) for line in lines]
    return list(zip(parsed[::2], parsed[1::2], strict=True))


def fits(value: Any, mapped: dict[str, Any], name: str) -> bool:
    """Whether a JSON value is of the mapped field's type."""
    if value is None:
        return name in NULLABLE
    if name in MULTI:
        return isinstance(value, list) and all(fits(v, mapped, "") for v in value)
    kind = mapped["type"]
    if kind == "knn_vector":
        return (isinstance(value, list) and len(value) == mapped["dimension"]
                and all(isinstance(v, float) for v in value))
    if kind == "integer_range":
        return (isinstance(value, dict) and set(value) == {"gte", "lt"}
                and all(type(v) is int for v in value.values()))
    if kind in ("integer", "keyword", "text"):  # bool is an int in Python: not here
        return type(value) is JSON_TYPES[kind]
    return isinstance(value, JSON_TYPES[kind])


def check_bulk(ndjson: str, body: dict[str, Any], passages: list[Passage],
               name: str = "gcm-passages") -> list[dict[str, Any]]:
    """The bulk file against the mapping and the build's passages; the sources, in order."""
    properties = body["mappings"]["properties"]
    found = pairs(ndjson)
    assert [action for action, _ in found] == [
        {"index": {"_index": name, "_id": p.id}} for p in passages]
    for (_, source), p in zip(found, passages, strict=True):
        own = opensearch.text_field(p.language)
        # Strict: every field is mapped; every mapped field is there but the other languages'
        # text and, for a build without them, the vector.
        assert set(source) == set(properties) - (LANGUAGE_FIELDS - {own})
        for field, value in source.items():
            assert fits(value, properties[field], field), (p.id, field, value)
        assert properties[own]["analyzer"] == {"en": "english", "fr": "french",
                                               "es": "spanish"}[p.language]
    return [source for _, source in found]


@pytest.fixture(scope="module")
def mapping(japan_config: Config) -> dict[str, Any]:
    return json.loads(export(japan_config, "--mapping", "opensearch").stdout)


@pytest.fixture(scope="module")
def sources(japan_config: Config, japan_index: OpenIndex, mapping: dict[str, Any]
            ) -> list[dict[str, Any]]:
    return check_bulk(export(japan_config, "--format", "opensearch").stdout, mapping,
                      all_passages(japan_index))


def test_the_mapping(mapping: dict[str, Any], japan_index: OpenIndex) -> None:
    assert mapping["settings"]["index"]["knn"] is True
    body = mapping["mappings"]
    assert body["dynamic"] == "strict"
    assert body["_meta"]["model"] == japan_index.manifest.model
    properties = body["properties"]
    assert properties["vector"] == {
        "type": "knn_vector", "dimension": japan_index.manifest.dim,
        "method": {"name": "hnsw", "space_type": "cosinesimil", "engine": "lucene"}}
    assert japan_index.manifest.dim == model.DIM
    for field in ("id", "doc", "country", "iso3", "scope", "kind", "section", "subsection",
                  "objective_source", "language", "sha256"):
        assert properties[field] == {"type": "keyword"}, field
    for field in ("year", "cluster", "objectives", "stated_objectives", "position", "pages"):
        assert properties[field] == {"type": "integer"}, field
    assert {f: properties[f]["analyzer"] for f in LANGUAGE_FIELDS} == {
        "text_en": "english", "text_fr": "french", "text_es": "spanish"}
    assert properties["citation"]["index"] is False
    assert properties["source_text"]["index"] is False


def test_the_bulk_file_has_every_passage_once_in_order(sources: list[dict[str, Any]],
                                                       japan_index: OpenIndex) -> None:
    ids = [s["id"] for s in sources]
    assert ids == [p.id for p in all_passages(japan_index)]
    assert len(ids) == len(set(ids)) == japan_index.manifest.passages == 36


def test_facets_and_text_are_the_passages(sources: list[dict[str, Any]],
                                          japan_by_id: dict[str, Passage]) -> None:
    for source in sources:
        p = japan_by_id[source["id"]]
        assert (source["country"], source["iso3"], source["year"], source["section"],
                source["subsection"], source["kind"], source["cluster"], source["scope"],
                source["objective_source"], source["language"], source["sha256"]) == (
            p.country, p.iso3, p.year, p.section, p.subsection, p.kind, p.cluster, p.scope,
            p.objective_source, p.language, p.sha256)
        assert source["spans"] == [{"gte": s, "lt": e} for s, e in p.spans]
        assert source["source_text"] == p.text
        assert source["text"] == source["text_en"] == unescape(p.text)
        assert source["stated_objectives"] == (
            source["objectives"] if p.objective_source in STATED_SOURCES else [])
        assert source["citation"].endswith(f"[{p.id}].")
    # Tagged passages made it, with their tags (not only empty lists).
    tagged = [s for s in sources if s["objectives"]]
    assert tagged and all(s["objectives"] == list(japan_by_id[s["id"]].objectives)
                          for s in tagged)
    # The one escaped dollar of the review: readable in `text`, the source's own bytes kept.
    escaped = [s for s in sources if s["text"] != s["source_text"]]
    assert [s["id"] for s in escaped] == ["japan-2022:2a.7"]
    assert "US$142,000" in escaped[0]["text"] and "US\\$142,000" in escaped[0]["source_text"]


def test_vectors_are_the_builds(sources: list[dict[str, Any]], japan_index: OpenIndex) -> None:
    rows = np.asarray(japan_index.vectors)
    with japan_index.searching() as searcher:
        expected = [rows[searcher.document_number(id=s["id"])] for s in sources]
    written = np.array([s["vector"] for s in sources], dtype=np.float64)
    np.testing.assert_allclose(written, np.array(expected), rtol=1e-5, atol=1e-7)
    # Written with 6 significant digits: each value is its own 6-digit rounding.
    assert all(float(f"{x:.6g}") == x for s in sources for x in s["vector"])


def test_index_name_and_output_file(japan_config: Config, japan_index: OpenIndex,
                                    mapping: dict[str, Any], tmp_path: Path) -> None:
    out = tmp_path / "passages.ndjson"
    result = export(japan_config, "--format", "opensearch", "--index-name", "gcm-2022.v1",
                    "--output", str(out))
    assert result.stdout == ""
    check_bulk(out.read_text(encoding="utf-8"), mapping, all_passages(japan_index),
               "gcm-2022.v1")


@pytest.mark.parametrize("name", ["GCM", "gcm passages", "gcm/passages", "gcm:passages",
                                  "gcm,x", "a#b", "a*", "_gcm", "-gcm", "+gcm", ".", "..", "",
                                  "x" * 256])
def test_bad_index_names(name: str, japan_config: Config) -> None:
    result = cli(japan_config, "export", "--format", "opensearch", "--index-name", name)
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith(f"Error: index name {name!r} ")
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def test_good_index_names() -> None:
    for name in ("gcm-passages", "gcm_2022", "reviews.v2", "é-passages", "x" * 255):
        assert opensearch.checked_index_name(name) == name
    with pytest.raises(BadInput, match="upper-case"):
        opensearch.checked_index_name("Gcm")


@pytest.mark.parametrize("fmt", ["opensearch", "jsonl", "csv"])
def test_mapping_and_format_together_is_a_usage_error(fmt: str, japan_config: Config) -> None:
    result = cli(japan_config, "export", "--mapping", "opensearch", "--format", fmt)
    assert result.exit_code == 2 and result.stdout == ""
    assert "--mapping" in result.stderr and "--format" in result.stderr
    assert result.stderr.count("\n") == 1


def test_elasticsearch_mapping(japan_config: Config, mapping: dict[str, Any]) -> None:
    body = json.loads(export(japan_config, "--mapping", "elasticsearch").stdout)
    assert body["settings"]["index"] == {"number_of_shards": 1}  # no OpenSearch `knn`
    properties = body["mappings"]["properties"]
    assert properties["vector"] == {"type": "dense_vector", "dims": model.DIM, "index": True,
                                    "similarity": "cosine"}
    ours = mapping["mappings"]["properties"]
    assert {k: v for k, v in properties.items() if k != "vector"} == \
        {k: v for k, v in ours.items() if k != "vector"}


def test_jsonl_and_csv_to_a_file(japan_config: Config, tmp_path: Path) -> None:
    for fmt in ("jsonl", "csv"):
        out = tmp_path / f"passages.{fmt}"
        result = export(japan_config, "--format", fmt, "--output", str(out))
        assert result.stdout == ""
        assert out.read_text(encoding="utf-8") == export(japan_config, "--format", fmt).stdout


def test_three_languages(tmp_path: Path) -> None:
    """French and Spanish passages go to their own analysed fields."""
    config = three_documents(tmp_path)
    body = json.loads(export(config, "--mapping", "opensearch").stdout)
    passages = all_passages(open_index(config, build_if_needed=False))
    sources = check_bulk(export(config, "--format", "opensearch").stdout, body, passages)
    by_language = {lang: [s for s in sources if s["language"] == lang] for lang in ("en", "fr",
                                                                                   "es")}
    assert all(by_language.values())
    for lang, found in by_language.items():
        assert all(s[f"text_{lang}"] == s["text"] for s in found)
    assert {s["country"] for s in by_language["fr"]} == {"Morocco"}


def test_a_build_without_vectors(fresh_config: Config, monkeypatch: pytest.MonkeyPatch) -> None:
    def missing() -> Path:
        raise ModelUnavailable("the embedding model is not installed")

    monkeypatch.setattr(model, "package_dir", missing)
    model.load.cache_clear()
    try:
        assert build(fresh_config).model == ""  # words only
        shown = export(fresh_config, "--mapping", "opensearch")
        body = json.loads(shown.stdout)
        assert "vector" not in body["mappings"]["properties"]
        assert "knn" not in body["settings"]["index"]
        assert body["mappings"]["_meta"]["model"] == ""
        bulk = export(fresh_config, "--format", "opensearch")
        for result in (shown, bulk):
            assert result.stderr.count("\n") == 1
            assert result.stderr.startswith("Note: this index was built without the embedding "
                                            "model, so there is no vector field")
        passages = all_passages(open_index(fresh_config, build_if_needed=False))
        sources = check_bulk(bulk.stdout, body, passages)
        assert len(sources) == 36 and all("vector" not in s for s in sources)
    finally:
        monkeypatch.undo()
        model.load.cache_clear()


# ---- by hand --------------------------------------------------------------------------------

MOROCCO = Document(id="maroc-2022", file="maroc.txt", title="Examen volontaire du PMM",
                   country="Morocco", iso3="MAR", year=2022, author="Royaume du Maroc",
                   language="fr")


def passage(pid: str, text: str, **changes: Any) -> Passage:
    values: dict[str, Any] = dict(
        id=pid, doc=MOROCCO.id, position=0, para=1, section="2", section_title="Progrès",
        subsection="a", subsection_title="Progrès", kind="progress", cluster=None,
        objectives=(10, 11), objective_source="inferred", objective_note="traite",
        text=text, spans=((5, 5 + len(text)),), sha256="0" * 64, country="Morocco",
        iso3="MAR", year=2022, language="fr", objective_confidence=0.82)
    return Passage(**{**values, **changes})


def test_bulk_lines_by_hand() -> None:
    french = passage("maroc-2022:2a.1", "La traite coûte 5\\$ par personne.")
    silent = passage("maroc-2022:2a.2", "…", position=1, para=2, objectives=(),
                     objective_source="cluster", objective_confidence=None, pages=(3, 4))
    vectors = np.array([[0.6, 0.8, 0.0], [0.0, 0.0, 0.0]], dtype=np.float32)
    lines = list(opensearch.bulk_lines([french, silent], vectors, {MOROCCO.id: MOROCCO},
                                       "maroc"))
    assert len(lines) == 4 and all("\n" not in line for line in lines)
    assert json.loads(lines[0]) == {"index": {"_index": "maroc", "_id": "maroc-2022:2a.1"}}
    first, second = json.loads(lines[1]), json.loads(lines[3])
    assert first["text_fr"] == first["text"] == "La traite coûte 5$ par personne."
    assert first["source_text"] == french.text and "text_en" not in first
    assert first["objectives"] == [10, 11] and first["stated_objectives"] == []
    assert first["objective_confidence"] == 0.82 and first["cluster"] is None
    assert first["vector"] == [0.6, 0.8, 0.0]
    assert first["citation"] == ("Royaume du Maroc, Examen volontaire du PMM (2022), "
                                 "section 2(a), para. 1 [maroc-2022:2a.1].")
    assert second["pages"] == [3, 4] and "vector" not in second  # a zero row has no direction
    body = opensearch.mapping(["fr"], dim=3)
    assert set(first) == set(body["mappings"]["properties"])
    for field, value in first.items():
        assert fits(value, body["mappings"]["properties"][field], field), field
    assert opensearch.bulk([french], None, {MOROCCO.id: MOROCCO}).decode().endswith("}\n")
    with pytest.raises(ValueError, match="1 vectors for 2 passages"):
        list(opensearch.bulk_lines([french, silent], vectors[:1], {MOROCCO.id: MOROCCO}, "x"))
