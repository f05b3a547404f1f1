"""A build on every core is the build of one process: `--jobs 2` (its runs written as segments
by two workers) and `--jobs 1` (one segment) over a small synthetic corpus give the same
passages, search results (ids and scores), facets and vectors; and the bulk writer
(`search.index.segment`) writes what Whoosh's `add_document` writes."""

from __future__ import annotations

import json
import pickle
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from bench_modules import load
from click.testing import CliRunner
from whoosh import index as whoosh_index
from whoosh.codec.whoosh3 import W3FieldWriter

from search.cli import main
from search.config import Config
from search.index import DOCUMENT_ORDER, build, load_passages, open_index
from search.index.postings import FACETS_FILE, read_facets
from search.index.schema import schema, to_fields
from search.index.segment import analyse, write
from search.results import Request, all_passages, make_filters, search

QUERIES = ["trafficking victims", "remittances", '"labour migration"', "return and readmission",
           "children", "objective 10", "how many migrants were regularised", "covid 19",
           "skills recognition", "consular"]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return load("synthetic").generate(tmp_path_factory.mktemp("parallel") / "corpus", 5)


def _built(corpus: Path, index: Path, jobs: int) -> dict[str, Any]:
    """What a build gives a user, as plain data."""
    config = Config(corpus, index)
    result = CliRunner().invoke(main, ["index", "--rebuild", "--jobs", str(jobs), "--corpus",
                                       str(corpus), "--index-dir", str(index)])
    assert result.exit_code == 0, result.output
    opened = open_index(config, build_if_needed=False)
    answers = {}
    for query in QUERIES:
        for mode in ("words", "hybrid"):
            found = search(opened, Request(query, make_filters(opened), 1, 20, mode=mode))
            answers[f"{query} | {mode}"] = ([(h.passage.id, h.score) for h in found.hits],
                                            found.total, found.facets)
    filtered = search(opened, Request("", make_filters(opened, objectives=["10"]), 1, 20))
    answers["objective 10 filter"] = ([h.passage.id for h in filtered.hits], filtered.total,
                                      filtered.facets)
    assert opened.vectors is not None
    with opened.searching() as searcher:
        segments = len(list(searcher.leaf_searchers()))
        # The build's facets come from its runs: they are what the index itself holds.
        recorded = pickle.loads((opened.path / FACETS_FILE).read_bytes())
        assert recorded == read_facets(searcher)
    return {"segments": segments,
            "facets": recorded,
            "passages": [p.to_dict() for p in all_passages(opened)],
            "acronyms": (opened.path / "acronyms.json").read_text(encoding="utf-8"),
            "answers": json.loads(json.dumps(answers)),
            "vectors": np.array(opened.vectors)}


def test_two_jobs_build_what_one_builds(corpus: Path, tmp_path: Path) -> None:
    one = _built(corpus, tmp_path / "one", 1)
    two = _built(corpus, tmp_path / "two", 2)
    assert len(one["passages"]) > 200 and len({p["doc"] for p in one["passages"]}) == 5
    # Each worker wrote its runs as segments of their own: the scores are the same all the same.
    assert one["segments"] == 1 and two["segments"] > 1
    assert one["passages"] == two["passages"]
    assert one["acronyms"] == two["acronyms"] and "IOM" in one["acronyms"]
    assert one["facets"] == two["facets"] and one["facets"]["country"]
    assert one["answers"] == two["answers"]
    assert any(hits for hits, _, _ in one["answers"].values())
    assert np.array_equal(one["vectors"], two["vectors"])
    assert one["vectors"].shape == (len(one["passages"]), 256)


def test_jobs_must_be_positive(corpus: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["index", "--jobs", "0", "--corpus", str(corpus),
                                       "--index-dir", str(tmp_path)])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "--jobs" in result.output


def _postings(reader: Any) -> dict[Any, Any]:
    """Every term's statistics and postings (ids, weights, values)."""
    found = {}
    for fieldname, text in reader.all_terms():
        info = reader.term_info(fieldname, text)
        matcher = reader.postings(fieldname, text)
        postings = []
        while matcher.is_active():
            postings.append((matcher.id(), matcher.weight(), matcher.value()))
            matcher.next()
        found[(fieldname, text)] = (info.weight(), info.doc_frequency(), info.min_length(),
                                    info.max_length(), info.max_weight(), postings)
    return found


def _segment_content(path: Path) -> dict[str, Any]:
    with whoosh_index.open_dir(str(path)).reader() as reader:
        count = reader.doc_count_all()
        return {
            "postings": _postings(reader),
            "stored": [reader.stored_fields(n) for n in range(count)],
            "lengths": {f: [reader.doc_field_length(n, f) for n in range(count)]
                        for f in ("text", "text_fr", "exact", "topics")},
            "totals": {f: reader.field_length(f) for f in ("text", "text_fr", "exact", "topics")},
            "order": list(reader.column_reader("order")),
        }


def test_the_bulk_writer_writes_what_add_document_writes(corpus: Path, tmp_path: Path) -> None:
    _, passages = load_passages(Config(corpus, tmp_path / "unused"))
    # Some passages in French: their text goes to the French field, by the French analyzer.
    passages = [replace(p, language="fr") if p.doc.startswith(passages[-1].doc) else p
                for p in passages]
    orders = [DOCUMENT_ORDER * n + p.position for n, p in enumerate(passages)]
    classic, bulk = tmp_path / "classic", tmp_path / "bulk"
    classic.mkdir()
    bulk.mkdir()
    ix = whoosh_index.create_in(str(classic), schema())
    writer = ix.writer(procs=1)
    for passage, order in zip(passages, orders, strict=True):
        writer.add_document(**to_fields(passage, order))
    writer.commit()
    with pytest.MonkeyPatch.context() as patch:  # whole blocks, never a posting at a time
        patch.setattr(W3FieldWriter, "add", None)
        write(whoosh_index.create_in(str(bulk), schema()), analyse(passages, orders))
    expected, actual = _segment_content(classic), _segment_content(bulk)
    assert any(field == "text_fr" for field, _ in expected["postings"])
    assert expected == actual


def test_an_empty_corpus_builds_an_empty_index(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "catalog.json").write_text(json.dumps({"documents": []}), encoding="utf-8")
    manifest = build(Config(corpus, tmp_path / "index"), jobs=2)
    assert manifest.passages == 0



def test_workers_go_without_the_model_the_building_process_could_not_load(
        corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The building process decides whether a build has the model (the workers start while it
    loads the model, and could load it themselves): without it, no worker embeds or infers with
    it, so two workers build what one process builds by words."""
    from search.errors import ModelUnavailable
    from search.meaning import model

    def missing() -> Path:
        raise ModelUnavailable("the embedding model is not installed")

    monkeypatch.setattr(model, "package_dir", missing)
    model.load.cache_clear()
    try:
        built = {}
        for jobs in (1, 2):
            config = Config(corpus, tmp_path / f"index-{jobs}")
            manifest = build(config, jobs=jobs)
            assert manifest.model == "" and manifest.dim == 0
            opened = open_index(config, build_if_needed=False)
            assert opened.vectors is None
            built[jobs] = [p.to_dict() for p in all_passages(opened)]
        assert built[1] == built[2] and len(built[1]) > 200
    finally:
        monkeypatch.undo()
        model.load.cache_clear()
    # Inferred without the model, as the building process could not load it: with the model,
    # some passages' objectives are inferred from it.
    config = Config(corpus, tmp_path / "with-the-model")
    assert build(config, jobs=2).model == model.model_name()
    with_model = [p.to_dict() for p in all_passages(open_index(config, build_if_needed=False))]
    assert [p["id"] for p in with_model] == [p["id"] for p in built[2]]
    assert any("nearest description" in p["objective_note"] for p in with_model)
    assert not any("nearest description" in p["objective_note"] for p in built[2])


def test_a_few_documents_are_built_without_workers(corpus: Path, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Unless --jobs asks for more, five reviews are prepared in the building process: starting
    workers would cost more than it saves."""
    import search.index.prepare as prepare_module

    def no_pool(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a worker process was started")

    monkeypatch.setattr(prepare_module, "ProcessPoolExecutor", no_pool)
    assert build(Config(corpus, tmp_path / "index")).passages > 200
    with pytest.raises(AssertionError, match="worker process"):
        build(Config(corpus, tmp_path / "index"), force=True, jobs=2)
