"""search/cli/: the `gcm-search` commands, run through click's CliRunner and as real subprocesses.

Read-only commands use the session index (`japan_config`); commands that build use a fresh copy.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from cli_checks import one_line_error
from click.testing import CliRunner, Result

from search.anchor import unescape
from search.cli import commands, main
from search.config import CORPUS_ENV, INDEX_ENV, Config
from search.index import CURRENT
from search.meaning import model
from search.meaning.infer import understood
from search.models import Passage
from search.render import passage_dict, results_dict
from search.results import Request, make_filters, search

JP = "japan-2022"
CITATION_2A6 = ("Government of Japan, Voluntary GCM review by Japan (2022), section 2(a), para. 6 "
                "[japan-2022:2a.6].")
ENVELOPE = {"query", "filters", "total", "page", "results", "facets", "suggestion"}
HIT = {"rank", "id", "score", "doc", "country", "year", "section", "section_title", "subsection",
       "subsection_title", "kind", "objectives", "objective_source", "text", "highlight",
       "citation"}
SCRIPT = Path(sys.executable).with_name("gcm-search")


def cli(config: Config, *args: str, env: dict[str, str] | None = None) -> Result:
    """Run a command against `config`'s corpus and index, stdout and stderr kept apart."""
    where = ["--corpus", str(config.corpus), "--index-dir", str(config.index)]
    return CliRunner().invoke(main, [*args, *where], env=env)


def _json(result: Result) -> Any:
    return json.loads(result.stdout)


# ---- search --------------------------------------------------------------------------------

def test_search_trafficking_objective_10(japan_config: Config) -> None:
    """The issue's example: right passages, in order, each with its citation."""
    result = cli(japan_config, "search", "trafficking", "--objective", "10", "--mode", "words")
    assert result.exit_code == 0, result.stderr
    ids = re.findall(r"^\s*\d+\. (\S+)", result.stdout, flags=re.MULTILINE)
    assert ids[:3] == [f"{JP}:2a.6", f"{JP}:2a.7", f"{JP}:2b.1"]
    assert set(ids[3:]) == {f"{JP}:2a.8", f"{JP}:2a.9", f"{JP}:2b.2"}
    assert CITATION_2A6 in [line.strip() for line in result.stdout.splitlines()]
    assert "Objectives: 10 - Trafficking (explicit)" in result.stdout
    assert result.stdout.startswith('6 passages for "trafficking" where objective 10')


def test_plain_output_marks_words_with_stars(japan_config: Config) -> None:
    """Piped (not a tty): **word**, never ANSI escapes."""
    result = cli(japan_config, "search", "trafficking", "-o", "trafficking")
    assert "**trafficking**" in result.stdout and "**trafficked**" in result.stdout
    assert "\x1b[" not in result.stdout


def test_search_by_environment(japan_config: Config) -> None:
    """GCM_SEARCH_INDEX / GCM_SEARCH_CORPUS do what --index-dir / --corpus do."""
    env = {INDEX_ENV: str(japan_config.index), CORPUS_ENV: str(japan_config.corpus)}
    by_env = CliRunner().invoke(main, ["search", "trafficking", "--objective", "10", "--json"],
                                env=env)
    by_option = cli(japan_config, "search", "trafficking", "--objective", "10", "--json")
    assert by_env.exit_code == by_option.exit_code == 0
    assert by_env.stdout == by_option.stdout


def test_json_has_the_issue_keys(japan_config: Config) -> None:
    data = _json(cli(japan_config, "search", "trafficking", "--objective", "10", "--json"))
    assert set(data) >= ENVELOPE
    assert data["results"] and all(set(hit) >= HIT for hit in data["results"])
    first = data["results"][0]
    assert (first["rank"], first["id"], first["citation"]) == (1, f"{JP}:2a.6", CITATION_2A6)
    assert (first["objectives"], first["objective_source"]) == ([10], "explicit")
    assert "<mark>trafficking</mark>" in first["highlight"]
    assert (data["query"], data["filters"], data["total"], data["page"], data["suggestion"]) == \
        ("trafficking", {"objective": ["10"]}, 6, 1, None)
    assert data["facets"]["objective"] == {"10": 6}


def test_json_has_the_issue_keys_and_documented_extras(japan_config: Config) -> None:
    """The issue's keys, plus the documented extras (paging, the searched text, and per hit
    the cluster, objective labels, spans and sha256), and nothing else."""
    data = _json(cli(japan_config, "search", "trafficking", "--json"))
    assert set(data) == ENVELOPE | {"pages", "limit", "searched", "mode"}
    extras = {"cluster", "objective_labels", "spans", "sha256", "match", "scores",
              "objective_confidence", "objective_note", "scope", "ocr"}
    assert all(set(hit) == HIT | extras for hit in data["results"])


@pytest.mark.parametrize(
    ("args", "text", "filters", "page", "limit"),
    [
        (["trafficking", "--objective", "10"], "trafficking", {"objectives": ["10"]}, 1, 10),
        (["victims", "--limit", "3", "--page", "2"], "victims", {}, 2, 3),
        (["--kind", "best practices", "--section", "2"], "", {"kinds": ["best practices"],
                                                             "sections": ["2"]}, 1, 10),
        (["trafficing"], "trafficing", {}, 1, 10),
    ],
)
def test_json_is_the_library_envelope(japan_config: Config, japan_index: Any, args: list[str],
                                      text: str, filters: dict[str, list[str]], page: int,
                                      limit: int) -> None:
    """One envelope: the CLI prints render.results_dict of results.search, nothing else."""
    result = cli(japan_config, "search", *args, "--json")
    assert result.exit_code == 0, result.stderr
    request = Request(text, make_filters(japan_index, **filters), page, limit)
    expected = json.loads(json.dumps(results_dict(search(japan_index, request))))
    assert _json(result) == expected


def test_suggestion_is_shown(japan_config: Config) -> None:
    result = cli(japan_config, "search", "trafficing")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0] == "Showing results for trafficking"


@pytest.mark.parametrize("query", ["zzzqqqxx", "the", "*", "(", "AND"])
def test_nothing_found_exits_1(japan_config: Config, query: str) -> None:
    result = cli(japan_config, "search", query)
    assert result.exit_code == 1
    assert result.stdout.startswith("0 passages")
    assert "Traceback" not in result.stderr


def test_nothing_found_json_exits_1(japan_config: Config) -> None:
    result = cli(japan_config, "search", "zzzqqqxx", "--json")
    assert result.exit_code == 1
    data = _json(result)
    assert (data["total"], data["results"]) == (0, [])


@pytest.mark.parametrize(
    "query",
    ["multi-agent", "A/RES/73/195", '"unbalanced', "AND", "(", "*", "x" * 10_000, "日本 ∑ \x7f"],
)
def test_hostile_queries_exit_normally(japan_config: Config, query: str) -> None:
    """User text is never a usage error: results (0) or none (1), never 2 or a traceback."""
    for extra in ([], ["--syntax"]):
        result = cli(japan_config, "search", query, *extra)
        assert result.exit_code in (0, 1), result.stderr
        assert result.stderr == ""


@pytest.mark.parametrize(
    "args",
    [
        [],  # no query and no filter
        ["trafficking", "--limit", "0"],
        ["trafficking", "--limit", "101"],
        ["trafficking", "--page", "0"],
        ["trafficking", "--objective", "99"],
        ["trafficking", "--objective", "zzzqqq"],
        ["--kind", "nonsense"],
        ["--country", "France"],
        ["--section", "abc"],
        ["--year", "last"],
        ["--cluster", "7"],
    ],
)
def test_usage_errors_exit_2_with_one_line(japan_config: Config, args: list[str]) -> None:
    result = cli(japan_config, "search", *args)
    assert result.exit_code == 2
    one_line_error(result)


def test_kind_progress_is_accepted(japan_config: Config) -> None:
    result = cli(japan_config, "search", "--kind", "progress")
    assert result.exit_code == 0, result.stderr


# ---- show ------------------------------------------------------------------------------------

def test_show_with_context(japan_config: Config, japan_by_id: dict[str, Passage]) -> None:
    result = cli(japan_config, "show", f"{JP}:2a.6", "--context", "1")
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    positions = [out.index(f"{JP}:2a.{n}\n") for n in (5, 6, 7)]
    assert positions == sorted(positions)
    # The passages as a reader sees them: "US$", not the source's markdown escape "US\\$".
    shown = {k: unescape(p.text) for k, p in japan_by_id.items()}
    assert "US$142,000" in shown[f"{JP}:2a.7"] and "\\$" not in out
    assert shown[f"{JP}:2a.6"] in out.splitlines()  # the passage itself, in full
    assert f"  | {shown[f'{JP}:2a.5']}" in out.splitlines()  # neighbours indented
    assert f"  | {shown[f'{JP}:2a.7']}" in out.splitlines()
    assert CITATION_2A6 in out.splitlines()
    assert f"{JP}:2a.4" not in out and f"{JP}:2a.8" not in out


def test_show_json(japan_config: Config, japan_by_id: dict[str, Passage]) -> None:
    data = _json(cli(japan_config, "show", f"{JP}:3b.2", "--context", "1", "--json"))
    assert data["passage"]["id"] == f"{JP}:3b.2"
    assert data["passage"]["objectives"] == [15, 16]
    assert data["passage"]["text"] == japan_by_id[f"{JP}:3b.2"].text
    assert [p["id"] for p in data["context"]] == [f"{JP}:3b.1", f"{JP}:3b.2", f"{JP}:3b.3"]


def test_show_without_context_is_one_passage(japan_config: Config) -> None:
    result = cli(japan_config, "show", f"{JP}:1a.1")
    assert result.exit_code == 0
    assert "45,970" in result.stdout and f"{JP}:1a.2" not in result.stdout


@pytest.mark.parametrize("passage_id", ["nope", f"{JP}:9z.9", ""])
def test_show_unknown_id(japan_config: Config, passage_id: str) -> None:
    result = cli(japan_config, "show", passage_id)
    assert result.exit_code != 0
    assert "no passage" in one_line_error(result)


# ---- export ----------------------------------------------------------------------------------

def test_export_jsonl(japan_config: Config, japan_passages: tuple[Passage, ...]) -> None:
    """One JSON object per passage, in document order, with every field."""
    result = cli(japan_config, "export", "--format", "jsonl")
    assert result.exit_code == 0
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    indexed = understood(japan_passages)[0]  # the build adds inferred objectives
    assert rows == [json.loads(json.dumps(passage_dict(p))) for p in indexed]
    assert set(Passage.__dataclass_fields__) <= set(rows[0])


def test_export_default_is_jsonl(japan_config: Config) -> None:
    assert cli(japan_config, "export").stdout == \
        cli(japan_config, "export", "--format", "jsonl").stdout


def test_export_csv(japan_config: Config, japan_passages: tuple[Passage, ...]) -> None:
    result = cli(japan_config, "export", "--format", "csv")
    assert result.exit_code == 0
    reader = csv.DictReader(io.StringIO(result.stdout))
    rows = list(reader)
    assert reader.fieldnames == list(passage_dict(japan_passages[0]))
    assert len(rows) == len(japan_passages)
    assert [r["id"] for r in rows] == [p.id for p in japan_passages]
    assert [r["text"] for r in rows] == [p.text for p in japan_passages]
    by_id = {r["id"]: r for r in rows}
    assert by_id[f"{JP}:3b.2"]["objectives"] == "15 16"
    assert json.loads(by_id[f"{JP}:1a.1"]["spans"]) == [list(s) for s in japan_passages[0].spans]


# ---- objectives, index, stats ------------------------------------------------------------------

def test_objectives_json(japan_config: Config, japan_passages: tuple[Passage, ...]) -> None:
    result = cli(japan_config, "objectives", "--json")
    assert result.exit_code == 0
    rows = _json(result)
    assert [r["number"] for r in rows] == list(range(1, 24))
    assert {r["cluster"] for r in rows} == {1, 2, 3, 4}
    expected: dict[int, Counter[str]] = {n: Counter() for n in range(1, 24)}
    for p in japan_passages:
        for n in p.objectives:
            expected[n][p.objective_source] += 1
    for row in rows:
        assert sum(row["by_source"].values()) == row["passages"]
        assert row["by_source"] == dict(expected[row["number"]])
        assert row["label"] == f"{row['number']} - {row['short']}"
    tagged = [p for p in japan_passages if p.objectives]
    # a passage with two objectives counts under each: only 3b.2 here
    assert sum(r["passages"] for r in rows) == sum(len(p.objectives) for p in tagged)
    assert sum(r["passages"] for r in rows) == len(tagged) + 1


def test_objectives_text(japan_config: Config) -> None:
    result = cli(japan_config, "objectives")
    assert result.exit_code == 0
    assert "Cluster 2: Protecting migrants" in result.stdout
    assert re.search(r"10 - Trafficking\s+6 passages", result.stdout)


_INDEX_LINE = re.compile(r"^(\d+) passages from (\d+) documents?, built in [\d.]+ s at \S+; "
                         r"(\d+) KiB in (.+)$")


def test_index_and_rebuild(fresh_config: Config) -> None:
    """`index` builds once and reports; `index --rebuild` builds a new one and swaps it in."""
    first = cli(fresh_config, "index")
    assert first.exit_code == 0, first.stderr
    match = _INDEX_LINE.match(first.stdout.strip())
    assert match, first.stdout
    assert match.group(1, 2) == ("36", "1") and int(match.group(3)) > 0
    built = Path(match.group(4))
    assert built.name == (fresh_config.index / CURRENT).read_text().strip()
    again = _INDEX_LINE.match(cli(fresh_config, "index").stdout.strip())
    assert again and Path(again.group(4)) == built  # fresh: not rebuilt
    rebuilt = cli(fresh_config, "index", "--rebuild")
    assert rebuilt.exit_code == 0
    match = _INDEX_LINE.match(rebuilt.stdout.strip())
    assert match and Path(match.group(4)) != built
    assert Path(match.group(4)).name == (fresh_config.index / CURRENT).read_text().strip()


def test_stats_json(japan_config: Config, japan_passages: tuple[Passage, ...]) -> None:
    result = cli(japan_config, "stats", "--json")
    assert result.exit_code == 0
    data = _json(result)
    assert data["passages"] == len(japan_passages) == 36
    assert data["tagged"] == sum(1 for p in japan_passages if p.objectives)
    assert [(d["id"], d["passages"]) for d in data["documents"]] == [(JP, 36)]
    assert data["by_kind"] == dict(Counter(p.kind for p in japan_passages))
    assert data["by_objective_source"] == dict(Counter(p.objective_source
                                                       for p in japan_passages))
    assert data["size_bytes"] > 0
    assert (data["model"], data["dim"]) == (model.model_name(), 256)
    assert Path(data["index"]).parent.parent == japan_config.index


def test_stats_text(japan_config: Config) -> None:
    result = cli(japan_config, "stats")
    assert result.exit_code == 0
    assert "Passages: 36, 35 with an objective" in result.stdout
    assert f"Vectors: {model.model_name()} (256 dimensions)" in result.stdout


# ---- help, entry points, set-up errors -------------------------------------------------------

@pytest.mark.parametrize("command", [[], *([name] for name in sorted(commands()))])
def test_help(command: list[str]) -> None:
    result = CliRunner().invoke(main, [*command, "--help"])
    assert result.exit_code == 0
    assert result.stdout.startswith("Usage: ")
    assert "--help" in result.stdout


def test_every_command_has_help_text() -> None:
    assert set(commands()) >= {"search", "show", "export", "objectives", "index", "stats"}
    for name, command in commands().items():
        assert command.help, name


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in (INDEX_ENV, CORPUS_ENV, "GCM_SEARCH_DEBUG")}
    env.update(extra)
    return env


def test_python_m_search_help(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "search", "--help"], capture_output=True,
                          text=True, cwd=tmp_path, env=_env(), timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Usage: gcm-search")


def test_console_script_from_another_directory(tmp_path: Path) -> None:
    """The installed command works anywhere; its first run builds the index where it is told."""
    assert SCRIPT.is_file()
    index_dir = tmp_path / "cache" / "index"
    env = _env(**{INDEX_ENV: str(index_dir)})
    args = [str(SCRIPT), "search", "trafficking", "--objective", "10"]
    first = subprocess.run(args, capture_output=True, text=True, cwd=tmp_path, env=env,
                           timeout=120, check=False)
    assert first.returncode == 0, first.stderr
    assert "Building the search index" in first.stderr
    assert CITATION_2A6 in first.stdout
    assert (index_dir / CURRENT).is_file()
    second = subprocess.run(args, capture_output=True, text=True, cwd=tmp_path, env=env,
                            timeout=120, check=False)
    assert second.returncode == 0
    assert second.stderr == ""
    assert second.stdout == first.stdout


@pytest.mark.parametrize("command", [["search", "trafficking"], ["stats"], ["index"]])
def test_corpus_without_catalog(tmp_path: Path, command: list[str]) -> None:
    """A corpus folder without catalog.json: one line saying so, exit 1, no traceback."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "review.txt").write_text("Some text.\n", encoding="utf-8")
    result = cli(Config(corpus, tmp_path / "index"), *command)
    assert result.exit_code == 1
    assert "catalog.json" in one_line_error(result)


def test_missing_corpus_folder(tmp_path: Path) -> None:
    """A mistyped --corpus: one line naming the path, exit 1."""
    result = cli(Config(tmp_path / "nowhere", tmp_path / "index"), "search", "trafficking")
    assert result.exit_code == 1
    assert str(tmp_path / "nowhere") in one_line_error(result)
