"""bench/perf.py's comparison of the semantic layer with gcm-search by words alone.

The benchmark itself takes half an hour; these check in seconds that its peers are what they
claim: the words-only build child really builds without the model (no vectors, manifest `model`
""), the default one with it, the two modes swap places when interleaved, and the report judges
the semantic layer's goals.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from bench_modules import load

from search.config import Config
from search.errors import ModelUnavailable
from search.index import current_build, read_manifest
from search.meaning import model
from search.meaning.vectors import VECTORS

synthetic = load("synthetic")
perf = load("perf")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return synthetic.generate(tmp_path_factory.mktemp("synthetic") / "corpus", 2)


def _build(corpus: Path, index: Path, *extra: str) -> dict[str, object]:
    result, peak = perf.measured(perf.child_command(
        "build", "--system", "gcm", *extra, "--corpus", str(corpus), "--index", str(index)))
    assert peak > 0 and result["passages"] > 40
    return result


def test_the_words_only_build_has_no_vectors(tmp_path: Path, corpus: Path) -> None:
    config = Config(corpus, tmp_path / "index")
    index = perf.words_index(config)
    assert index.parent == config.index.parent and index != config.index
    result = _build(corpus, index, "--words-only")
    assert result["model"] == ""
    build = current_build(index)
    assert build is not None and not (build / VECTORS).exists()
    manifest = read_manifest(build)
    assert manifest is not None and manifest.model == "" and manifest.dim == 0


def test_the_default_build_has_the_models_vectors(tmp_path: Path, corpus: Path) -> None:
    try:
        model.package_dir()
    except ModelUnavailable:
        pytest.skip("the embedding model is not installed")
    result = _build(corpus, tmp_path / "index")
    assert result["model"] == model.model_name()
    build = current_build(tmp_path / "index")
    assert build is not None and (build / VECTORS).is_file()


def test_the_default_mode_and_words_swap_places_each_round() -> None:
    names = ["gcm", "words", "fts"]
    assert perf.alternating(names, 0) == ["gcm", "words", "fts"]
    assert perf.alternating(names, 1) == ["words", "gcm", "fts"]
    assert perf.alternating(["gcm", "fts"], 1) == ["gcm", "fts"]
    calls: list[str] = []
    figures = perf.interleaved(2, {name: (lambda n=name: calls.append(n) or 1.0)
                                   for name in names})
    assert calls == ["gcm", "words", "fts", "words", "gcm", "fts"]
    assert figures["ratio"] == figures["words_ratio"] == 1.0
    assert figures["words_difference"] == 0.0


def _pair(gcm: float, words: float, fts: float) -> dict[str, object]:
    return {"gcm": {"median": gcm, "runs": [gcm], "peak_mib": 300.0},
            "words": {"median": words, "runs": [words], "peak_mib": 250.0},
            "fts": {"median": fts, "runs": [fts], "peak_mib": 60.0},
            "ratio": gcm / fts, "words_ratio": gcm / words, "words_difference": gcm - words,
            "peak_words_ratio": 1.2}


def _size(documents: int) -> dict[str, object]:
    warm = {s: {"p50": v, "p95": 2 * v, "p99": 3 * v}
            for s, v in (("gcm", 0.033), ("words", 0.030), ("fts", 0.03))}
    figures: dict[str, object] = {
        "documents": documents, "passages": 60 * documents, "words_per_passage": 100.0,
        "build": _pair(360.0, 300.0, 2.0), "add": _pair(2.0, 2.0, 0.01),
        "cold_cli": _pair(1.05, 0.92, 0.12),
        "warm": {**warm, "ratios": {"p50": 1.1, "p95": 1.1, "p99": 1.1},
                 "words_ratios": {"p50": 1.1, "p95": 1.1, "p99": 1.1}},
        "query_memory": {"gcm": 420.0, "words": 400.0, "fts": 30.0, "ratio": 14.0,
                         "words_ratio": 1.05},
        "index_bytes": {"gcm": 2e8, "fts": 5e7, "ratio": 4.0},
    }
    figures["meaning"] = perf.meaning_summary(figures)
    return figures


def test_the_report_judges_the_semantic_layers_goals() -> None:
    bundled = _pair(0.40, 0.25, 0.03)
    report = {
        "command": "python bench/perf.py", "date": "2026-01-01 00:00 UTC", "seconds": 600.0,
        "machine": {"nproc": 2, "cpu": "", "platform": "Linux", "python": "3.11",
                    "whoosh": "whoosh3 3.54", "sqlite": "3.40", "commit": "abc"},
        "settings": {"seed": 7, "passes": 4},
        "sizes": {"100": _size(100), "1000": _size(1000)},
        "bundled": {**bundled, "passages": 36, "meaning": perf.cold_goal(bundled)},
        "load": None, "load_documents": None,
    }
    summary = report["sizes"]["1000"]["meaning"]
    assert summary["build"]["met"] is True and summary["warm_goal"]["met"] is True
    assert summary["cold_cli"]["difference_ms"] == pytest.approx(130.0)
    assert summary["cold_cli"]["met"] is False
    assert report["sizes"]["100"]["meaning"]["warm_goal"]["met"] is None
    text = perf.markdown(report)
    assert "### Meaning vs words (1,000 documents)" in text
    assert "| full build (median of 1) | 360.0 s | 300.0 s | 1.20x | ≤ 1.25x | yes |" in text
    assert "| warm query p50 | 33.0 ms | 30.0 ms | 1.10x | ≤ 1.20x at 1,000 documents | yes |" \
        in text
    assert "| warm query p50 | 33.0 ms | 30.0 ms | 1.10x | ≤ 1.20x at 1,000 documents | — |" \
        in text  # at 100 documents the goal does not apply
    assert ("| cold CLI query (median of 1) | 1.05 s | 920.0 ms | 1.14x, +130 ms | ≤ +100 ms "
            "| no |") in text
    assert "| cold CLI query | 400.0 ms | 250.0 ms | 1.60x | +150 ms | ≤ +100 ms | no |" in text
    assert ("| full build with the model at most 25% longer than without (1000 documents) "
            "| 1.20x | yes |") in text
    assert ("| cold CLI query (hybrid) at most 100 ms slower than by words "
            "(the bundled corpus) | +150 ms (1.60x) | no |") in text
