"""Shared fixtures: the real Japan review, chunked once, and indexed once per test session."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from search.catalog import load_catalog
from search.config import Config
from search.index import OpenIndex, build, open_index
from search.models import Document, Passage
from search.passages import chunk
from search.sources import Source, read_source

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"


@pytest.fixture(scope="session")
def japan_document() -> Document:
    return load_catalog(CORPUS)[0]


@pytest.fixture(scope="session")
def japan_source(japan_document: Document) -> Source:
    return read_source(CORPUS / japan_document.file)


@pytest.fixture(scope="session")
def japan_passages(japan_document: Document, japan_source: Source) -> tuple[Passage, ...]:
    return chunk(japan_document, japan_source.text, japan_source.blocks)


@pytest.fixture(scope="session")
def japan_by_id(japan_passages: tuple[Passage, ...]) -> dict[str, Passage]:
    return {p.id: p for p in japan_passages}


@pytest.fixture(scope="session")
def japan_config(tmp_path_factory: pytest.TempPathFactory) -> Config:
    """A copy of the bundled corpus and its own index folder, built once for the session."""
    base = tmp_path_factory.mktemp("japan")
    corpus = base / "corpus"
    shutil.copytree(CORPUS, corpus)
    config = Config(corpus=corpus, index=base / "index")
    build(config)
    return config


@pytest.fixture(scope="session")
def japan_index(japan_config: Config) -> OpenIndex:
    return open_index(japan_config, build_if_needed=False)


@pytest.fixture
def fresh_config(tmp_path: Path) -> Config:
    """A private copy of the corpus with no index yet, for tests that change or build things."""
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    return Config(corpus=corpus, index=tmp_path / "index")
