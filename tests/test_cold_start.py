"""A cold start loads what its command needs and nothing more.

Each test runs the program as the console script does (`search.__main__.main`) in a fresh
interpreter against the session's Japan index, and reads back the modules that were loaded when it
exited.
No timing here (bench/perf.py measures the cold start against its floor): what is asserted is
which libraries a command pulls in, which is what a cold start's time is made of.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from bench_modules import load

import search
from search.cli import commands, main
from search.cli.app import COMMANDS, ONE_SHOT
from search.config import CORPUS_ENV, INDEX_ENV, Config

ROOT = Path(__file__).resolve().parent.parent

# The child records sys.modules at exit (after `run` has exited with the command's code).
CHILD = """
import atexit, gc, json, sys
out = sys.argv.pop(1)
def record():
    with open(out, "w", encoding="utf-8") as f:
        json.dump({"modules": sorted(sys.modules), "gc": gc.isenabled()}, f)
atexit.register(record)
sys.argv[0] = "gcm-search"
from search.__main__ import main
main()
"""

NEVER_FOR_A_SEARCH = {
    # the web server, spreadsheets, country names, fuzzy matching, the readers of each format
    "flask", "waitress", "werkzeug", "jinja2", "openpyxl", "pycountry", "rapidfuzz", "pypdf",
    "docx", "bs4", "lxml", "charset_normalizer", "pypdfium2", "pytesseract", "PIL",
    # the model's own package and its tokenizer (the build's token table answers instead)
    "wordllama", "tokenizers", "safetensors",
    # package metadata: --version and the model's name no longer read it at start-up
    "importlib.metadata",
    # what builds, cites, checks quotes or writes spreadsheets, and the other commands
    "search.passages", "search.tagging", "search.blocks", "search.sources", "search.corpus",
    "search.collection", "search.meaning.infer", "search.meaning.descriptions",
    "search.anchor", "search.verify", "search.web", "search.outputs.exports",
    "search.outputs.tables", "search.outputs.coverage", "search.cli.corpus", "search.cli.cite",
    "search.index.prepare", "search.index.segment", "concurrent.futures",
    "difflib", "csv", "zipfile", "email",
}
"""Modules (or packages: their submodules too) that a search must not load."""
ONLY_FOR_MEANING = {"numpy", "sqlite3"}
"""What the meaning channel of the default (hybrid) search needs, and a search by words not."""


def started(config: Config, tmp_path: Path, *args: str) -> tuple[subprocess.CompletedProcess[str],
                                                                   dict[str, Any]]:
    """`gcm-search ARGS` in a fresh interpreter: what it printed, and what it had loaded."""
    record = tmp_path / "loaded.json"
    env = {**os.environ, CORPUS_ENV: str(config.corpus), INDEX_ENV: str(config.index),
           "NO_COLOR": "1",
           "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    env.pop("GCM_SEARCH_DEBUG", None)
    done = subprocess.run([sys.executable, "-c", CHILD, str(record), *args], env=env,
                          capture_output=True, text=True, timeout=120, cwd=tmp_path)
    return done, json.loads(record.read_text(encoding="utf-8"))


def loaded(modules: list[str], names: set[str], floor: frozenset[str] = frozenset()
           ) -> list[str]:
    """Those of `modules` that are one of `names` or inside one of them, except what `floor`
    (the libraries a search needs, imported alone) loads by itself."""
    return sorted(m for m in modules if m not in floor and (
        m in names or m.split(".")[0] in names or any(m.startswith(name + ".") for name in names)))


@pytest.fixture(scope="module")
def floor() -> frozenset[str]:
    """What a fresh interpreter loads importing only the libraries a search by words needs (the
    benchmark's floor): what those load themselves is theirs, not ours to avoid. whoosh-reloaded,
    for one, reads package metadata (importlib.metadata, email) when it is imported."""
    perf = load("perf")
    code = (f"import json, sys; import {', '.join(perf.FLOOR_WORDS)}; "
            "print(json.dumps(sorted(sys.modules)))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, timeout=120)
    return frozenset(json.loads(done.stdout))


def test_a_search_by_words_loads_neither_the_model_nor_other_commands(
        japan_config: Config, tmp_path: Path, floor: frozenset[str]) -> None:
    done, seen = started(japan_config, tmp_path, "search", "trafficking", "--mode", "words")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith('11 passages for "trafficking"')
    assert loaded(seen["modules"], NEVER_FOR_A_SEARCH | ONLY_FOR_MEANING, floor) == []
    assert "whoosh.searching" in seen["modules"] and "search.results" in seen["modules"]
    assert seen["gc"]  # the collector paused for start-up is running again


def test_the_default_search_loads_only_what_its_meaning_channel_needs(
        japan_config: Config, tmp_path: Path, floor: frozenset[str]) -> None:
    done, seen = started(japan_config, tmp_path, "search", "trafficking")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith('11 passages for "trafficking"')
    assert loaded(seen["modules"], NEVER_FOR_A_SEARCH, floor) == []
    assert set(seen["modules"]) >= ONLY_FOR_MEANING  # the vectors and the token table were read


def test_version_loads_no_index_no_whoosh_and_no_metadata(japan_config: Config,
                                                           tmp_path: Path) -> None:
    done, seen = started(japan_config, tmp_path, "--version")
    assert (done.returncode, done.stdout) == (0, f"gcm-search, version {search.__version__}\n")
    assert loaded(seen["modules"], NEVER_FOR_A_SEARCH | ONLY_FOR_MEANING | {
        "whoosh", "search.index", "search.results", "search.models", "search.config",
        "search.cli.find", "search.cli.outputs", "pathlib", "dataclasses"}) == []
    assert seen["gc"]


def test_an_unknown_command_is_still_a_usage_error(japan_config: Config,
                                                   tmp_path: Path) -> None:
    done, seen = started(japan_config, tmp_path, "serach", "trafficking")
    assert done.returncode == 2
    assert done.stderr == "Error: No such command 'serach'. (see 'gcm-search --help')\n"
    assert "whoosh" not in seen["modules"]


# The child records whether the garbage collector runs while the command does its work (the
# library functions are wrapped before the command's module, which imports them, is loaded).
GC_CHILD = """
import gc, sys
import search.results as results
during = []
def watched(function):
    def wrapper(*args, **kwargs):
        during.append(gc.isenabled())
        return function(*args, **kwargs)
    return wrapper
results.search, results.all_passages = watched(results.search), watched(results.all_passages)
sys.argv[0] = "gcm-search"
from search.__main__ import main
try:
    main()
finally:
    print("GC", during[0], gc.isenabled(), bool(gc.get_freeze_count()), file=sys.stderr)
"""


@pytest.mark.parametrize(("command", "while_running"), [
    (["search", "trafficking", "--mode", "words"], False),  # one question: paused throughout
    (["stats"], True),  # the others run with the collector, as before
])
def test_the_collector_is_paused_while_the_program_loads(
        japan_config: Config, tmp_path: Path, command: list[str], while_running: bool) -> None:
    env = {**os.environ, CORPUS_ENV: str(japan_config.corpus),
           INDEX_ENV: str(japan_config.index),
           "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-c", GC_CHILD, *command], env=env,
                          capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    # While the command ran; at exit (running again); what was loaded before it is frozen.
    assert done.stderr.splitlines()[-1] == f"GC {while_running} True True"


def test_each_command_is_in_the_module_the_group_loads_for_it() -> None:
    everything = commands()
    assert set(everything) == set(COMMANDS) == set(main.commands)
    assert set(COMMANDS) > ONE_SHOT
    for name, command in everything.items():
        assert command.callback is not None
        assert command.callback.__module__ == f"search.cli.{COMMANDS[name]}", name


def test_the_wheel_takes_its_version_from_the_package() -> None:
    """One place for the version: pyproject.toml reads it from search/__init__.py, which
    `--version` prints without reading installed metadata."""
    tomllib = pytest.importorskip("tomllib")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "version" in project["project"]["dynamic"]
    assert "version" not in project["project"]
    assert project["tool"]["hatch"]["version"]["path"] == "search/__init__.py"
    assert project["project"]["scripts"]["gcm-search"] == "search.__main__:main"


def test_the_models_version_is_the_one_its_metadata_gives() -> None:
    """`model_name` reads the version beside the package, not through importlib.metadata (which
    a search no longer loads); both say the same."""
    import importlib.metadata

    from search.meaning import model

    assert model.model_name() == (f"{model.PACKAGE} {importlib.metadata.version(model.PACKAGE)} "
                                  f"{model.CONFIG} {model.DIM}")


def test_the_benchmark_reports_each_cold_command_against_its_floor() -> None:
    """bench/perf.py's figures: cold - floor - the query's own work, in wall and CPU time."""
    perf = load("perf")
    seconds = {"gcm": 0.200, "words": 0.150, "fts": 0.020, "floor": 0.160, "words_floor": 0.100,
               "work": 0.020, "words_work": 0.015, "version": 0.050, "version_floor": 0.048}
    cold: dict[str, Any] = {name: {"median": value, "runs": [value], "cpu_median": value - 0.001}
                            for name, value in seconds.items()}
    cold["ratio"] = 10.0
    goal = perf.floor_goal(cold)
    assert goal is not None
    assert goal["hybrid"]["over_ms"] == pytest.approx(20.0)
    assert goal["hybrid"]["met"] is True
    assert goal["hybrid"]["over_cpu_ms"] == pytest.approx(21.0)  # three CPU medians, 1 ms less
    assert goal["words"]["over_ms"] == pytest.approx(35.0) and goal["words"]["met"] is False
    assert goal["version"]["over_ms"] == pytest.approx(2.0)
    assert goal["floor_ratio"] == pytest.approx(8.0)
    cold["floor_goal"] = goal
    table = "\n".join(perf.floor_table(cold))
    assert ("| `search` (hybrid, the default) | 200.0 ms | 160.0 ms | 20.0 ms | +20 ms | +21 ms "
            "| ≤ +25 ms | yes |") in table
    assert "| `--version` | 50.0 ms | 48.0 ms | — | +2 ms | +2 ms | — | — |" in table
    assert perf.floor_goals({"floor_goal": goal})[0][1:] == ("+20 ms", True)
    assert perf.floor_table({}) == [] and perf.floor_goals({}) == []  # figures made before
