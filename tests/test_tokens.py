"""A build's token table (search/meaning/tokens.py): query text turned into token ids without
reading the tokenizer, giving exactly the tokenizer's ids wherever it gives any; a search by
meaning that never reads the tokenizer; a damaged table reported like the rest of a build."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from search.cli import main
from search.config import Config
from search.errors import IndexUnavailable
from search.index import OpenIndex, build, current_build, open_index
from search.meaning import model, tokens
from search.models import Passage
from search.results import Request, search


def reference(text: str) -> list[int]:
    return model.load().token_ids([text])[0]


@pytest.fixture(scope="module")
def vocabulary_words() -> list[str]:
    return sorted(t[1:] for t in model.load().tokenizer.get_vocab()
                  if t.startswith(tokens.WORD_START) and len(t) > 1)


def test_every_word_of_the_vocabulary(japan_index: OpenIndex,
                                      vocabulary_words: list[str]) -> None:
    table = japan_index.tokens
    assert table is not None and len(vocabulary_words) > 10_000
    for word in vocabulary_words:
        assert table.ids(word) == reference(word), word


def test_every_passage_of_the_review(japan_index: OpenIndex,
                                     japan_passages: tuple[Passage, ...]) -> None:
    """Whole passages, multi-token words and punctuation included: never a fallback."""
    table = japan_index.tokens
    assert table is not None
    for passage in japan_passages:
        text = " ".join(passage.text.split())
        assert table.ids(text) == reference(text), passage.id


@settings(max_examples=400, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.lists(st.sampled_from(
    [*"abcdefghijklmnopqrstuvwxyzABCXYZ0123456789'-.,?!()/ \t\n\u00a0éüß€<>", "<s>", "ing",
     "tion", " migrants", " the"]), max_size=30).map("".join))
def test_generated_text_gives_the_tokenizers_ids_or_none(japan_index: OpenIndex,
                                                         text: str) -> None:
    """Runs of spaces, other white space, accents, special tokens: the table gives the
    tokenizer's ids, or leaves the text to the tokenizer."""
    table = japan_index.tokens
    assert table is not None
    found = table.ids(text)
    assert found is None or found == reference(text)


def test_what_the_table_leaves_to_the_tokenizer(japan_index: OpenIndex) -> None:
    table = japan_index.tokens
    assert table is not None
    assert table.ids("") == []
    assert table.ids("two  spaces") is None  # a run of spaces is tokens of its own
    assert table.ids("a <s> b") is None  # a special token
    assert table.ids("cash sent to families abroad") == reference("cash sent to families abroad")


def test_has_word_is_the_encoders(japan_index: OpenIndex) -> None:
    table, encoder = japan_index.tokens, model.load()
    assert table is not None
    for word in ["remittances", "Remittance", "cash", "CASH", "families", "xqzv", "lorem",
                 "Japan", "migrants", "ipsum", "the"]:
        assert table.has_word(word) == encoder.has_word(word), word


def test_a_search_by_meaning_never_reads_the_tokenizer(japan_config: Config) -> None:
    """In a fresh process, the default search ranks as the in-process one (whose model did read
    the tokenizer) and never reads the tokenizer."""
    probe = (
        "import json, sys\n"
        "from search.config import Config\n"
        "from search.index import open_index\n"
        "from search.results import Request, search\n"
        "from search.meaning import model\n"
        "opened = open_index(Config(*map(__import__('pathlib').Path, sys.argv[1:3])))\n"
        "found = search(opened, Request('cash sent to families abroad'))\n"
        "print(json.dumps({'ids': [h.passage.id for h in found.hits],\n"
        "                  'read': 'tokenizer' in model.load().__dict__}))\n")
    done = subprocess.run([sys.executable, "-c", probe, str(japan_config.corpus),
                           str(japan_config.index)], capture_output=True, text=True,
                          timeout=120, check=True)
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["read"] is False
    here = search(open_index(japan_config, build_if_needed=False),
                  Request("cash sent to families abroad"))
    assert report["ids"] == [h.passage.id for h in here.hits] and report["ids"]


def test_the_query_vector_is_the_models(japan_index: OpenIndex) -> None:
    table, encoder = japan_index.tokens, model.load()
    assert table is not None
    text = "how much does it cost migrants to send money home?"
    ids = table.ids(text)
    assert ids is not None
    np.testing.assert_array_equal(encoder.embed_ids([ids]), encoder.embed([text]))


def test_the_table_is_in_the_manifest(japan_index: OpenIndex) -> None:
    assert tokens.TOKENS in {name for name, _, _ in japan_index.manifest.files}


@pytest.mark.parametrize("damage", ["truncate", "remove"])
def test_a_damaged_table_is_a_clear_error(fresh_config: Config, damage: str) -> None:
    build(fresh_config)
    path = current_build(fresh_config.index) / tokens.TOKENS  # type: ignore[operator]
    if damage == "truncate":
        path.write_bytes(path.read_bytes()[:4096])
    else:
        path.unlink()
    opened = open_index(fresh_config)  # a search by words does not read it...
    with pytest.raises(IndexUnavailable, match=r"damaged \(tokens.sqlite .*--rebuild"):
        opened.tokens  # noqa: B018 - ...a search by meaning does, and says so
    args = ["--corpus", str(fresh_config.corpus), "--index-dir", str(fresh_config.index)]
    result = CliRunner().invoke(main, ["search", "remittances", *args])
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1 and "gcm-search index --rebuild" in result.stderr
    words = CliRunner().invoke(main, ["search", "remittances", "--mode", "words", *args])
    assert words.exit_code == 0 and "japan-2022:3b.3" in words.stdout


def test_a_build_before_the_table_is_rebuilt(fresh_config: Config) -> None:
    build(fresh_config)
    folder = current_build(fresh_config.index)
    assert folder is not None
    manifest = folder / "manifest.json"
    data = json.loads(manifest.read_text(encoding="utf-8"))
    data["format"] = data["format"].replace("vectors 2", "vectors 1")
    manifest.write_text(json.dumps(data), encoding="utf-8")
    (folder / tokens.TOKENS).unlink()
    opened = open_index(fresh_config)
    assert opened.built_now and opened.tokens is not None
    assert isinstance(Path(opened.tokens.path), Path) and opened.tokens.path.is_file()


def test_an_addition_keeps_the_table_of_its_model(fresh_config: Config, tmp_path: Path) -> None:
    """The copy an addition starts from already has the model's table: it is kept as it is;
    one made by another model is written again."""
    from dataclasses import replace

    from search.meaning import tokens as module

    build(fresh_config)
    folder = current_build(fresh_config.index)
    assert folder is not None
    copy = tmp_path / "copy"
    copy.mkdir()
    (copy / module.TOKENS).write_bytes((folder / module.TOKENS).read_bytes())
    before = (copy / module.TOKENS).stat().st_mtime_ns
    encoder = model.load()
    module.write(copy, encoder)
    assert (copy / module.TOKENS).stat().st_mtime_ns == before
    module.write(copy, replace(encoder, name="another model"))
    table = module.Table(copy / module.TOKENS)
    assert table.ids("remittances") == reference("remittances")
    assert module._model_of(copy / module.TOKENS) == "another model"
