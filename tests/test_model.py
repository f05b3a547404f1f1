"""The embedding model: read offline from the wordllama wheel, the same vectors as WordLlama's own
code, and one clear error when its files are missing or damaged."""

from __future__ import annotations

import shutil
import socket
from pathlib import Path

import numpy as np
import pytest

from search.errors import ModelUnavailable
from search.meaning import model

TEXTS = [
    "As for the objective 20, to improve the convenience for foreign nationals when using "
    "financial services such as opening bank accounts and global remittance",
    "cash sent to families abroad",
    "xqzv",
    "",
    "Trata de personas y tráfico ilícito de migrantes",
]


@pytest.fixture(scope="module")
def encoder() -> model.Encoder:
    return model.load()


def test_vectors_equal_wordllamas_own(encoder: model.Encoder) -> None:
    import wordllama  # only here: the product never imports it

    theirs = wordllama.WordLlama.load(cache_dir=model.package_dir(), disable_download=True)
    expected = theirs.embed([t for t in TEXTS if t], norm=True)
    ours = encoder.embed([t for t in TEXTS if t])
    np.testing.assert_allclose(ours, expected, rtol=0, atol=1e-6)


def test_a_builds_batch_gets_the_vectors_a_query_gets(encoder: model.Encoder) -> None:
    """A batch of many tokens is pooled from the whole table read as float32, a query's few from
    the mapped float16 file: the same vectors, to the bit."""
    texts = [f"{t} {n}" for n in range(400) for t in TEXTS if t]
    ids = encoder.token_ids(texts)
    assert sum(map(len, ids)) >= model.WHOLE_TABLE_TOKENS
    batch = encoder.embed_ids(ids)
    assert "whole_table" in vars(encoder)  # the batch took the other path
    one_by_one = np.concatenate([encoder.embed_ids([i]) for i in ids])
    assert np.array_equal(batch, one_by_one)


def test_vectors_are_unit_rows_and_empty_text_is_zero(encoder: model.Encoder) -> None:
    vectors = encoder.embed(TEXTS)
    assert vectors.shape == (len(TEXTS), model.DIM) and vectors.dtype == np.float32
    norms = np.linalg.norm(vectors, axis=1)
    assert norms[TEXTS.index("")] == 0.0
    np.testing.assert_allclose(np.delete(norms, TEXTS.index("")), 1.0, atol=1e-5)


def test_meaning_is_captured(encoder: model.Encoder) -> None:
    """A paraphrase is nearer its passage than an unrelated passage is."""
    remittance, paraphrase = encoder.embed(TEXTS[:2])
    other = encoder.embed(["The police arrested suspects for forged residence cards."])[0]
    assert remittance @ paraphrase > other @ paraphrase


def test_loads_with_sockets_blocked(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the model tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    fresh = model.read(model.package_dir())
    assert fresh.embed(["remittances"]).shape == (1, model.DIM)


@pytest.fixture
def copy_of_model(tmp_path: Path) -> Path:
    folder = tmp_path / "wordllama"
    for name in (model.WEIGHTS, model.TOKENIZER):
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(model.package_dir() / name, folder / name)
    return folder


@pytest.mark.parametrize("name", [model.WEIGHTS, model.TOKENIZER])
def test_missing_file_is_one_clear_error(copy_of_model: Path, name: str) -> None:
    (copy_of_model / name).unlink()
    with pytest.raises(ModelUnavailable, match="missing") as caught:
        model.read(copy_of_model)
    assert "--mode words" in str(caught.value) and "\n" not in str(caught.value)


@pytest.mark.parametrize("name", [model.WEIGHTS, model.TOKENIZER])
def test_damaged_file_is_one_clear_error(copy_of_model: Path, name: str) -> None:
    path = copy_of_model / name
    path.write_bytes(path.read_bytes()[: 5000])
    with pytest.raises(ModelUnavailable, match="damaged") as caught:
        model.read(copy_of_model).embed(["remittances"])  # the tokenizer is read when needed
    assert "\n" not in str(caught.value)


def test_missing_package_is_one_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(model, "PACKAGE", "wordllama_not_installed")
    with pytest.raises(ModelUnavailable, match="not installed"):
        model.package_dir()


def test_model_name_records_version_and_dimension() -> None:
    name = model.model_name()
    assert name.startswith("wordllama 0.4.0") and name.endswith(" 256")


def test_the_mapped_table_is_what_safetensors_reads() -> None:
    """The weights are memory-mapped by reading the safetensors header ourselves (safetensors
    would copy 16 MB into memory); the library's own reading is the reference."""
    from safetensors.numpy import load_file

    folder = model.package_dir()
    mapped = model.read(folder).table
    assert isinstance(mapped, np.memmap)
    stored = load_file(folder / model.WEIGHTS)[model.TENSOR]
    np.testing.assert_array_equal(np.asarray(mapped), stored)


TRICKY = ["", " ", "  leading and trailing  ", "tabs\tand\nnew lines\r\n", "a  b   c",
          "naïve café Côte d'Ivoire", "emoji 🚀 and 中文 and ▁ itself", "US\\$142,000 (SDG 10.7)",
          "don't stop—ever…", "‘quoted’ “words”", "\u00a0non-breaking\u2003spaces"]


def test_many_texts_are_tokenized_word_by_word_as_the_tokenizer_does(
        encoder: model.Encoder) -> None:
    """A build tokenizes each distinct word once: the same ids as the tokenizer's, on the
    bundled review and on text made to trip it (spaces, byte fallback, a literal "▁")."""
    from conftest import CORPUS

    assert encoder._words_stay_whole
    review = next(CORPUS.glob("*.txt")).read_text(encoding="utf-8")
    texts = [*TEXTS, *TRICKY, *review.split("\n\n"), review]
    theirs = [e.ids for e in encoder.tokenizer.encode_batch(texts, add_special_tokens=False)]
    assert encoder.many_token_ids(texts) == theirs
    assert sum(map(len, theirs)) > 5000


def test_a_tokenizer_whose_words_may_join_is_asked_for_whole_texts() -> None:
    other = model.read(model.package_dir())  # not the process's: its answer is changed here
    other.__dict__["_words_stay_whole"] = False
    texts = [t for t in TEXTS if t] + TRICKY
    assert other.many_token_ids(texts) == other.token_ids(texts)


def test_the_normalizer_done_in_python_is_the_tokenizers(encoder: model.Encoder) -> None:
    texts = [*TEXTS, *TRICKY]
    assert encoder._normalize is not encoder.tokenizer.normalizer.normalize_str
    assert [encoder._normalize(t) for t in texts] == \
        [encoder.tokenizer.normalizer.normalize_str(t) for t in texts]
    other = model.read(model.package_dir())  # another normalizer: the tokenizer's own is asked
    other.__dict__["_normalize"] = other.tokenizer.normalizer.normalize_str
    assert other.many_token_ids(texts) == encoder.many_token_ids(texts) == \
        encoder.token_ids(texts)
