"""A build's vectors (search/meaning/vectors.py): one row per Whoosh document number, equal to the
model's embedding of the stored text, after a build and after `add`; memory-mapped, checksummed,
recorded in the manifest; old builds and builds made without the model are rebuilt."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from test_collection import write
from test_languages import FR_REVIEW
from whoosh import index as whoosh_index

from search.cli import main
from search.collection import Given, add
from search.config import Config
from search.errors import IndexUnavailable
from search.index import (
    BUILDS,
    MANIFEST,
    OpenIndex,
    build,
    current_build,
    open_index,
    read_manifest,
)
from search.index import folder as folder_module
from search.index.schema import from_stored, schema, to_fields
from search.meaning import model, vectors
from search.meaning.vectors import VECTORS
from search.models import Passage


def stored_rows(config: Config) -> tuple[np.ndarray, list[str | None], np.ndarray]:
    """The build's vectors, the id at each document number, and the model's embedding of each
    stored text (zero where the document number was deleted)."""
    opened = open_index(config, build_if_needed=False)
    with opened.searching() as searcher:
        reader = searcher.reader()
        texts: list[str] = []
        ids: list[str | None] = []
        for docnum in range(reader.doc_count_all()):
            deleted = reader.is_deleted(docnum)
            ids.append(None if deleted else from_stored(reader.stored_fields(docnum)).id)
            texts.append("" if deleted else from_stored(reader.stored_fields(docnum)).text)
    assert opened.vectors is not None
    return np.asarray(opened.vectors), ids, model.load().embed(texts)


def test_vectors_are_the_embeddings_of_the_stored_texts(fresh_config: Config) -> None:
    manifest = build(fresh_config)
    rows, _, expected = stored_rows(fresh_config)
    assert rows.shape == (36, model.DIM) and rows.dtype == np.float32
    np.testing.assert_allclose(rows, expected, atol=1e-6)
    assert manifest.model == model.model_name() and manifest.dim == model.DIM
    assert manifest.model_files == model.stamp()
    assert VECTORS in {name for name, _, _ in manifest.files}  # checksummed like the rest


def test_vectors_are_memory_mapped(japan_index: OpenIndex) -> None:
    assert isinstance(japan_index.vectors, np.memmap)
    assert japan_index.vectors is japan_index.vectors  # opened once per build


def test_vectors_after_add(fresh_config: Config, tmp_path: Path) -> None:
    """An addition reuses the vectors of the build it extends and embeds only the new passages."""
    build(fresh_config)
    embedded: list[int] = []
    real = model.Encoder.embed

    def counting(self: model.Encoder, texts: list[str]) -> np.ndarray:
        embedded.append(len(texts))
        return real(self, texts)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(model.Encoder, "embed", counting)
        _, count, _ = add(fresh_config, write(tmp_path, "fr.txt", FR_REVIEW), Given())
    assert embedded == [count]  # the Japan review's passages were not embedded again
    rows, ids, expected = stored_rows(fresh_config)
    assert len([i for i in ids if i]) == 36 + count
    np.testing.assert_allclose(rows, expected, atol=1e-6)


def test_rows_of_deleted_documents_are_zero_and_unknown_ones_embedded(
        tmp_path: Path, japan_passages: tuple[Passage, ...]) -> None:
    ix = whoosh_index.create_in(str(tmp_path), schema())
    writer = ix.writer()
    for passage in japan_passages:
        writer.add_document(**to_fields(passage, passage.position))
    writer.commit()
    writer = ix.writer()
    writer.delete_by_term("id", "japan-2022:3b.3")
    writer.commit()
    encoder = model.load()
    known = {p.id: encoder.embed([p.text])[0] for p in japan_passages[:10]}
    with ix.reader() as reader:
        vectors.write(tmp_path, reader, encoder, known)
        ids = [None if reader.is_deleted(n) else from_stored(reader.stored_fields(n)).id
               for n in range(reader.doc_count_all())]
    rows = np.load(tmp_path / VECTORS)
    gone = ids.index(None)
    assert not rows[gone].any()
    by_id = {p.id: p.text for p in japan_passages}
    expected = encoder.embed([by_id[i] if i else "" for i in ids])
    np.testing.assert_allclose(rows, expected, atol=1e-6)


@pytest.mark.parametrize("damage", ["truncate", "flip a byte", "remove"])
def test_damaged_vectors_are_a_clear_error(fresh_config: Config, damage: str) -> None:
    build(fresh_config)
    path = current_build(fresh_config.index) / VECTORS  # type: ignore[operator]
    data = bytearray(path.read_bytes())
    if damage == "truncate":
        path.write_bytes(data[: len(data) // 2])
    elif damage == "flip a byte":
        data[-5] ^= 0xFF
        path.write_bytes(bytes(data))
    else:
        path.unlink()
    opened = open_index(fresh_config)  # a search by words does not read them...
    with pytest.raises(IndexUnavailable, match=r"damaged \(vectors.npy .*--rebuild"):
        opened.vectors  # noqa: B018 - ...a search by meaning does, and says so
    result = CliRunner().invoke(main, ["search", "remittances", "--corpus",
                                       str(fresh_config.corpus), "--index-dir",
                                       str(fresh_config.index)])
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1 and "gcm-search index --rebuild" in result.stderr
    words = CliRunner().invoke(main, ["search", "remittances", "--mode", "words", "--corpus",
                                      str(fresh_config.corpus), "--index-dir",
                                      str(fresh_config.index)])
    assert words.exit_code == 0 and "japan-2022:3b.3" in words.stdout


def test_a_wrong_shape_is_damage_too(fresh_config: Config) -> None:
    """A vectors file that checks out byte for byte but has the wrong shape (written by a bug,
    or a manifest edited by hand) is reported, not searched."""
    build(fresh_config)
    folder = current_build(fresh_config.index)
    assert folder is not None
    np.save(folder / VECTORS, np.zeros((3, model.DIM), dtype=np.float32))
    data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    data["files"] = [list(f) for f in folder_module.checksums(folder)]
    (folder / MANIFEST).write_text(json.dumps(data), encoding="utf-8")
    opened = open_index(fresh_config)
    with pytest.raises(IndexUnavailable, match=r"damaged .*shape"):
        opened.vectors  # noqa: B018


def test_a_build_without_vectors_is_rebuilt(fresh_config: Config) -> None:
    """A build of the format before vectors is rebuilt on the next open."""
    build(fresh_config)
    folder = current_build(fresh_config.index)
    assert folder is not None
    data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    data["format"] = re.sub(r", vectors \d+", "", data["format"])
    for key in ("model", "dim", "model_files"):
        del data[key]
    (folder / MANIFEST).write_text(json.dumps(data), encoding="utf-8")
    (folder / VECTORS).unlink()
    opened = open_index(fresh_config)
    assert opened.built_now and opened.vectors is not None


def damaged_model(tmp_path: Path) -> Path:
    """A copy of the wordllama package whose weights are garbage."""
    copy = tmp_path / "wordllama"
    shutil.copytree(model.package_dir(), copy)
    (copy / model.WEIGHTS).write_bytes(b"not safetensors")
    return copy


def test_a_build_without_the_model_searches_by_words_and_is_rebuilt_once_it_is_back(
        fresh_config: Config, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    broken = damaged_model(tmp_path)
    monkeypatch.setattr(model, "package_dir", lambda: broken)
    model.load.cache_clear()
    try:
        manifest = build(fresh_config)
        assert manifest.model == "" and manifest.dim == 0
        opened = open_index(fresh_config)
        assert not opened.built_now and opened.vectors is None
        assert not (opened.path / VECTORS).exists()
        assert open_index(fresh_config).path == opened.path  # not rebuilt while still broken
    finally:
        monkeypatch.undo()
        model.load.cache_clear()
    again = open_index(fresh_config)
    assert again.built_now and again.manifest.model == model.model_name()
    assert again.vectors is not None and again.vectors.shape == (36, model.DIM)


def test_a_model_damaged_after_the_build_keeps_the_build(
        fresh_config: Config, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The vectors a build has are kept when the model breaks later: nothing is rebuilt."""
    build(fresh_config)
    before = current_build(fresh_config.index)
    broken = damaged_model(tmp_path)
    monkeypatch.setattr(model, "package_dir", lambda: broken)
    model.load.cache_clear()
    try:
        opened = open_index(fresh_config)
        assert not opened.built_now and opened.path == before
        assert read_manifest(opened.path).model == model.model_name()  # type: ignore[union-attr]
        assert (fresh_config.index / BUILDS).is_dir()
    finally:
        monkeypatch.undo()
        model.load.cache_clear()
