"""Performance benchmark: gcm-search against SQLite FTS5 on synthetic corpora, in the same run.

    python bench/perf.py                          # 100 and 1,000 documents -> bench/RESULTS.md
    python bench/perf.py --quick --out /tmp/RESULTS.md       # 100 documents, ~1.5 min
    python bench/perf.py --documents 1000 --json after.json  # raw figures for before/after

For each corpus size it generates a synthetic corpus in the review template (bench/synthetic.py,
timed but not counted) and measures both systems over the same passages, interleaved so that
machine noise hits both alike:

- full build: `search.index.build(force=True)`, and an FTS5 table (`porter unicode61`) plus an
  objectives table for the filter and facet, over the chunker's passages (chunked once, outside
  the FTS5 timing). Each build runs in a fresh child process, which also gives its peak memory;
- incremental add of one new review: `search.collection.add` against inserting its passages;
- warm query latency (p50/p95/p99) over a fixed mix of queries (`QUERIES`): gcm-search's
  `search()` then `results_text()` (hits, highlights and facets as the CLI prints them), FTS5's
  top 10 with `snippet()` and `bm25()`, the total and the objective facet counts (GROUP BY);
- cold CLI query: a fresh `python -m search search …` against a fresh `python -c` that opens the
  FTS5 database and runs the same query (also on the bundled Japan corpus), after one unmeasured
  run of each, so modules are byte-compiled as after a user's first run; and against its floor
  (issue 16): a fresh interpreter importing only the libraries a search needs (`FLOOR`), plus
  the query's own work (the command run in a process that has already imported everything it
  loads); the same for `--mode words` and for `--version` (whose floor is importing click).
  `--cold-only` measures just this, on the bundled corpus;
- peak memory (`ru_maxrss` of a child, read with RUSAGE_CHILDREN by a one-child wrapper) of a
  build and of a warm query loop; index size on disk;
- once, on the largest index: `python -m search serve --workers N` for N = 1 (waitress, the
  "before") and 2 (gunicorn), side by side and warmed up, then one client and 8 concurrent
  clients on 127.0.0.1 looping over the query mix against /api/search, 20 seconds each in four
  spells interleaved between the servers (p50/p99, requests/s, failures, the ratio of the p50s
  8/1, each worker's resident memory after); `--load-only` runs this alone.

The semantic layer (search/meaning/) is measured against gcm-search by words alone, its own peer
in the same run, interleaved the same way (the order of the two alternates from one repeat or
pass to the next, so neither always runs on the other's warm caches):

- full build with the model (the default) against a build without it: a child in which
  `search.meaning.model.package_dir` raises `ModelUnavailable`, so the build goes ahead by words
  only, without vectors and without descriptions in inference (as before the semantic layer),
  into an index of its own; each with its peak memory;
- warm query latency in the default mode (hybrid) against `mode="words"`, over the same mix
  and the same open index;
- cold CLI query: `python -m search search …` against `… --mode words` (an absolute difference
  in ms, and the ratio), on each corpus and on the bundled Japan corpus;
- peak memory of a warm query loop in each mode.

It writes a Markdown table (ratios gcm/fts, and hybrid/words against the semantic layer's goals)
to --out and, with --json, every raw figure (the top-10 ids of each query too, to compare before
and after a change). The full run takes about 35 minutes on 2 cores, most of it the four
1,000-document gcm-search builds (two with the model, two without).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import platform
import random
import re
import shlex
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the search package is imported where it is used: an FTS5 child never loads it
    from search.config import Config
    from search.index import OpenIndex

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "RESULTS.md"
CLIENTS = 8
LOAD_SECONDS = 20.0
QUICK_LOAD_SECONDS = 5.0
COLD_RUNS = 10
COLD_WORDS = ("trafficking", "victims", "repatriation")
LIMIT = 10
DEFAULT_MODE = "hybrid"
"""What `search` does unless told otherwise (`Request.mode`, the CLI's --mode)."""
WORDS = "words"
"""gcm-search by words alone (BM25F), the semantic layer's peer."""
BUILD_FTS_GOAL = 20.0
"""Issue 16: a full build, vectors included, within 20x of FTS5's at every size measured."""
WARM_FTS_GOAL = 1.5
"""Issue 16: warm query p50 and p95 within 1.5x of FTS5's at the largest size."""
BUILD_GOAL = 1.25
"""The semantic layer's goals: a full build with the model at most 25% longer than without it;"""
WARM_GOAL = 1.20
"""warm query p50 (hybrid) at most 20% slower than by words, at 1,000 reviews;"""
WARM_GOAL_DOCUMENTS = 1000
COLD_GOAL = 0.100
"""a cold CLI query (hybrid) at most 100 ms slower than by words."""
FLOOR_GOAL = 0.025
"""Issue 16: a cold CLI search at most 25 ms slower than its floor plus the query's own work."""
FLOOR_WORDS = ("click", "whoosh.index", "whoosh.searching", "whoosh.query", "whoosh.scoring",
               "whoosh.codec.whoosh3", "whoosh.collectors", "whoosh.sorting",
               "whoosh.lang.snowball", "whoosh.lang.stopwords", "whoosh.support.charset")
"""What a search by words needs to import: the command line and the parts of Whoosh that open,
search and sort an index (its codec, the stemmers and stop words its analyzers name)."""
FLOOR = {DEFAULT_MODE: (*FLOOR_WORDS, "numpy", "sqlite3"), WORDS: FLOOR_WORDS,
         "version": ("click",)}
"""The floor of each cold command: the default search also reads the vectors (numpy) and the
build's token table (sqlite3); `--version` needs click alone."""

Query = tuple[str, int | None]
"""A query of the mix: the words as typed, and an objective filter (or None)."""

QUERIES: tuple[Query, ...] = (
    # single words
    ("trafficking", None), ("refugees", None), ("remittance", None), ("IOM", None),
    ("resettlement", None), ("smuggling", None), ("discrimination", None), ("training", None),
    ("police", None), ("children", None), ("education", None), ("healthcare", None),
    ("passports", None), ("COVID-19", None), ("counselling", None), ("labour", None),
    # several words
    ("human rights counseling", None), ("specified skilled worker", None),
    ("foreign residents", None), ("border liaison offices", None),
    ("repatriation and reintegration support", None), ("language education", None),
    ("financial services bank accounts", None), ("victims of trafficking", None),
    ("organized crime groups", None), ("technical intern training", None),
    ("resettlement program refugees", None), ("awareness raising activities", None),
    ("employment of foreign workers", None), ("illegal stay residence status", None),
    ("money transfer regulations", None), ("local governments municipalities", None),
    # quoted phrases
    ('"trafficking in persons"', None), ('"status of residence"', None),
    ('"special permission to stay"', None), ('"human rights"', None),
    ('"International Organization for Migration"', None), ('"border control"', None),
    ('"foreign nationals" integration', None), ('"Immigration Services Agency" lectures', None),
    ('"online interview survey"', None), ('"Payment Services Act"', None),
    # questions
    ("how many specified skilled workers are there", None),
    ("what support do trafficking victims receive", None),
    ("how are refugees resettled from third countries", None),
    ("what training do immigration officials get", None),
    ("how many foreign residents live in the country", None),
    ("which organizations help with repatriation", None),
    ("how is discrimination against foreigners handled", None),
    ("what did the police do about fake residence cards", None),
    # typos (gcm-search corrects them; FTS5 finds what it finds)
    ("trafficing victims", None), ("reintegraton", None),
    # with an objective filter
    ("trafficking", 10), ("training", 12), ("refugees", 23), ("education", 15), ("border", 9),
    ("remittance", 20), ("victims repatriation", 10), ("foreign workers employment", 6),
    ('"trafficking in persons"', 10), ("police crime", 8), ("integration forum", 16),
    ("human rights counseling", 17), ("how many victims were protected", 10),
    ("skilled workers", 5), ("smuggling migrants", 9), ("discrimination", 17),
)

# ---- SQLite FTS5: the peer ---------------------------------------------------------------------

FTS_SCHEMA = """
CREATE VIRTUAL TABLE p USING fts5(id UNINDEXED, text, tokenize='porter unicode61');
CREATE TABLE po (pid INTEGER NOT NULL, objective INTEGER NOT NULL);
"""
FTS_INDEXES = """
CREATE INDEX po_pid ON po (pid);
CREATE INDEX po_objective ON po (objective, pid);
"""
# The unary + keeps the full-text match driving the query (without it SQLite re-runs the MATCH
# for each passage of the objective, 10-20x slower): what a user who checks the plan writes.
_FILTER = " AND +p.rowid IN (SELECT pid FROM po WHERE objective = ?)"
_TOP = ("SELECT id, snippet(p, 1, '**', '**', '…', 12), bm25(p) FROM p WHERE p MATCH ?{} "
        f"ORDER BY bm25(p) LIMIT {LIMIT}")
_TOTAL = "SELECT count(*) FROM p WHERE p MATCH ?{}"
# CROSS JOIN keeps the full-text match as the outer loop.
_FACET = ("SELECT o.objective, count(*) FROM p CROSS JOIN po AS o ON o.pid = p.rowid "
          "WHERE p MATCH ?{} GROUP BY o.objective ORDER BY o.objective")
_WORD = re.compile(r"[^\W_]+")
_PHRASE = re.compile(r'"([^"]*)"')

# The cold FTS5 "CLI": a fresh interpreter that imports only sqlite3 and prints what the gcm-search
# CLI prints in kind (total, top 10 with snippets, objective facet).
FTS_CLI = f"""
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
match = sys.argv[2]
total = db.execute({_TOTAL.format("")!r}, (match,)).fetchone()[0]
print(total, "passages")
for pid, snippet, score in db.execute({_TOP.format("")!r}, (match,)):
    print(pid, round(score, 2), snippet)
print(" · ".join(f"{{o}} ({{n}})" for o, n in db.execute({_FACET.format("")!r}, (match,))))
"""

# A floor: a fresh interpreter importing only libraries, with numpy's BLAS set up as the CLI sets
# it (one thread: search/cli/app.py), so that numpy's import costs the same in both.
FLOOR_CODE = "import os; os.environ.setdefault('OPENBLAS_NUM_THREADS', '1'); import {}"

# The command, recording the modules it loaded (run once, unmeasured).
LOADED_CHILD = """
import atexit, json, sys
out = sys.argv.pop(1)
atexit.register(lambda: open(out, "w", encoding="utf-8").write(json.dumps(list(sys.modules))))
from search.cli import main
main(sys.argv[1:], prog_name="gcm-search")
"""

# The query's own work: a fresh process imports every module the command loads (in the order it
# loaded them), then times the command alone, with the garbage collector as `search.cli.run` has
# it for a search (what was loaded frozen, the collector paused).
WORK_CHILD = """
import contextlib, gc, importlib, io, json, os, sys, time
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
with open(sys.argv[1], encoding="utf-8") as f:
    for name in json.load(f):
        with contextlib.suppress(Exception):
            importlib.import_module(name)
gc.freeze()
gc.disable()
from search.cli import main
started, cpu = time.perf_counter(), time.process_time()
with contextlib.suppress(SystemExit), contextlib.redirect_stdout(io.StringIO()):
    main(sys.argv[2:], prog_name="gcm-search")
print(time.perf_counter() - started, time.process_time() - cpu)
"""

# A one-child wrapper: RUSAGE_CHILDREN of a process with a single child is that child's peak.
RSS_WRAPPER = """
import json, resource, subprocess, sys
done = subprocess.run(sys.argv[1:])
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print("PEAK " + json.dumps({"rc": done.returncode, "maxrss": peak}), flush=True)
"""


def fts_match(text: str) -> str:
    """An FTS5 MATCH expression for what a user typed: quoted phrases stay phrases, every other
    word is quoted, all OR-ed (as bench/relevance.py does). Quoting every token makes FTS5
    operators (AND, OR, NOT, NEAR, *, ^, :, parentheses) plain words. "" when there are none."""
    units: list[str] = []

    def phrase(match: re.Match[str]) -> str:
        words = _WORD.findall(match.group(1))
        if words:
            units.append('"' + " ".join(words) + '"')
        return " "

    rest = _PHRASE.sub(phrase, text)
    units.extend(f'"{w}"' for w in _WORD.findall(rest))
    return " OR ".join(dict.fromkeys(units))


def fts_build(db_path: Path, rows: Sequence[tuple[str, str, Sequence[int]]]) -> float:
    """Create the FTS5 database at `db_path` from (id, text, objectives) rows, in one
    transaction; return the seconds it took (connect to close)."""
    db_path.unlink(missing_ok=True)
    started = time.perf_counter()
    db = sqlite3.connect(db_path, isolation_level=None)
    try:
        db.executescript(FTS_SCHEMA)
        db.execute("BEGIN")
        _fts_insert(db, rows, start=1)
        db.executescript(FTS_INDEXES)  # executescript commits the transaction first
    finally:
        db.close()
    return time.perf_counter() - started


def fts_add(db_path: Path, rows: Sequence[tuple[str, str, Sequence[int]]]) -> float:
    """Insert one document's passages into an existing FTS5 database; return the seconds."""
    started = time.perf_counter()
    db = sqlite3.connect(db_path, isolation_level=None)
    try:
        db.execute("BEGIN")
        last = db.execute("SELECT coalesce(max(rowid), 0) FROM p").fetchone()[0]
        _fts_insert(db, rows, start=last + 1)
        db.execute("COMMIT")
    finally:
        db.close()
    return time.perf_counter() - started


def _fts_insert(db: sqlite3.Connection, rows: Sequence[tuple[str, str, Sequence[int]]],
                start: int) -> None:
    db.executemany("INSERT INTO p (rowid, id, text) VALUES (?, ?, ?)",
                   ((start + i, pid, text) for i, (pid, text, _) in enumerate(rows)))
    db.executemany("INSERT INTO po (pid, objective) VALUES (?, ?)",
                   ((start + i, n) for i, (_, _, objectives) in enumerate(rows)
                    for n in objectives))


def fts_query(db: sqlite3.Connection, text: str, objective: int | None) -> tuple[str, list[str]]:
    """FTS5's answer to one query of the mix: the printed page, and the top-10 ids."""
    match = fts_match(text)
    if not match:
        return "0 passages", []
    clause, params = (_FILTER, (match, objective)) if objective else ("", (match,))
    total = db.execute(_TOTAL.format(clause), params).fetchone()[0]
    rows = db.execute(_TOP.format(clause), params).fetchall()
    facets = db.execute(_FACET.format(clause), params).fetchall()
    lines = [f"{total} passages"]
    lines += [f"{pid}  score {-score:.2f}\n    {snippet}" for pid, snippet, score in rows]
    lines.append("Objective: " + " · ".join(f"{o} ({n})" for o, n in facets))
    return "\n".join(lines), [row[0] for row in rows]


# ---- gcm-search ---------------------------------------------------------------------------------

def gcm_query(opened: OpenIndex, text: str, objective: int | None, mode: str = DEFAULT_MODE
              ) -> tuple[str, list[str]]:
    """gcm-search's answer as the CLI makes it in `mode`: filters, search, then the text with
    highlights and facets. Returns the printed page and the top-10 ids."""
    from search.render import results_text
    from search.results import Request, make_filters, search

    filters = make_filters(opened, objectives=[str(objective)] if objective else ())
    results = search(opened, Request(text, filters, limit=LIMIT, mode=mode))
    return results_text(results), [hit.passage.id for hit in results.hits]


def passage_rows(config: Config) -> tuple[list[tuple[str, str, list[int]]], int]:
    """The corpus chunked by the project's chunker, as FTS5 rows; and its number of words."""
    from search.index import load_passages

    _, passages = load_passages(config)
    rows = [(p.id, p.text, list(p.objectives)) for p in passages]
    return rows, sum(len(p.text.split()) for p in passages)


# ---- figures ------------------------------------------------------------------------------------

def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) with linear interpolation between ranks (numpy's default)."""
    if not values:
        raise ValueError("no values")
    if not 0 <= q <= 100:
        raise ValueError(f"percentile {q} is not between 0 and 100")
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def latency_summary(values: Sequence[float]) -> dict[str, Any]:
    """p50/p95/p99 and the mean of latencies in seconds, with the raw samples."""
    return {"p50": percentile(values, 50), "p95": percentile(values, 95),
            "p99": percentile(values, 99), "mean": statistics.fmean(values),
            "n": len(values), "samples": [round(v, 6) for v in values]}


def ratio(gcm: float | None, fts: float | None) -> float | None:
    return gcm / fts if gcm is not None and fts else None


def median_of(runs: Sequence[float]) -> float:
    return statistics.median(runs)


def mib(kib: float) -> float:
    """ru_maxrss in MiB: Linux reports KiB, macOS bytes."""
    return kib / (1024 * 1024) if sys.platform == "darwin" else kib / 1024


# ---- children -----------------------------------------------------------------------------------

def child_command(*args: str) -> list[str]:
    return [sys.executable, str(Path(__file__).resolve()), "--child", *args]


def measured(command: Sequence[str]) -> tuple[dict[str, Any], float]:
    """Run `command` (a --child of this script) as the only child of a wrapper; return the
    child's RESULT and its peak resident memory in MiB."""
    done = subprocess.run([sys.executable, "-c", RSS_WRAPPER, *command], cwd=ROOT,
                          stdout=subprocess.PIPE, text=True, check=True)
    result: dict[str, Any] | None = None
    peak: dict[str, Any] | None = None
    for line in done.stdout.splitlines():
        if line.startswith("RESULT "):
            result = json.loads(line[len("RESULT "):])
        elif line.startswith("PEAK "):
            peak = json.loads(line[len("PEAK "):])
    if peak is None or peak["rc"] != 0 or result is None:
        raise RuntimeError(f"{shlex.join(command)} failed (see its output above)")
    return result, mib(peak["maxrss"])


def without_model() -> None:
    """Make the embedding model unavailable in this process, as when its package is missing: a
    build then goes ahead by words only (no vectors, no descriptions in inference)."""
    from search.errors import ModelUnavailable
    from search.meaning import model

    def unavailable() -> Path:
        raise ModelUnavailable("the embedding model is switched off by bench/perf.py")

    model.package_dir = unavailable
    model.load.cache_clear()


def child_main(args: argparse.Namespace) -> int:
    """What a --child process does; it prints one RESULT line of JSON."""
    result: dict[str, Any]
    if args.child == "build" and args.system == "gcm":
        from search.config import Config
        from search.index import build

        if args.words_only:
            without_model()
        # --build-jobs only when asked: the build of a version without it is measured too.
        jobs = {"jobs": args.build_jobs[0]} if args.build_jobs else {}
        started = time.perf_counter()
        manifest = build(Config(Path(args.corpus), Path(args.index)), force=True, **jobs)
        result = {"seconds": time.perf_counter() - started, "passages": manifest.passages,
                  "model": manifest.model}
    elif args.child == "build" and args.system == "fts":
        with open(args.rows, encoding="utf-8") as lines:
            rows = [(pid, text, objectives) for pid, text, objectives in map(json.loads, lines)]
        result = {"seconds": fts_build(Path(args.db), rows), "passages": len(rows)}
    elif args.child == "queries" and args.system == "gcm":
        from search.config import Config
        from search.index import open_index

        opened = open_index(Config(Path(args.corpus), Path(args.index)), build_if_needed=False)
        for _ in range(args.passes):
            for text, objective in QUERIES:
                gcm_query(opened, text, objective, args.mode)
        from search import caches

        result = {"queries": args.passes * len(QUERIES), "mode": args.mode,
                  "cache_mib": caches.QUERIES.size / caches.MIB,
                  "cache_budget_mib": caches.QUERIES.budget / caches.MIB}
    elif args.child == "queries" and args.system == "fts":
        db = sqlite3.connect(args.db)
        for _ in range(args.passes):
            for text, objective in QUERIES:
                fts_query(db, text, objective)
        result = {"queries": args.passes * len(QUERIES)}
    else:
        raise SystemExit(f"unknown child {args.child} {args.system}")
    print("RESULT " + json.dumps(result), flush=True)
    return 0


# ---- the measurements ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Settings:
    quick: bool
    seed: int
    passes: int
    """Measured passes over the query mix (after one warm-up pass)."""
    cold_runs: int
    load_seconds: float

    def repeats(self, documents: int) -> int:
        """Full builds and adds per system: fewer on large corpora, where each takes minutes."""
        return 1 if self.quick else 2 if documents >= 500 else 3


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def user_environ() -> dict[str, str]:
    """This process's environment, but writing byte-code as on a user's machine: with
    PYTHONDONTWRITEBYTECODE set (as some sandboxes and containers do), every cold run compiled
    our modules from source again."""
    return {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def search_env(config: Config) -> dict[str, str]:
    from search.config import CORPUS_ENV, INDEX_ENV

    return {**user_environ(), CORPUS_ENV: str(config.corpus), INDEX_ENV: str(config.index),
            "NO_COLOR": "1"}


def interleaved(runs: int, systems: dict[str, Callable[[], float]]) -> dict[str, Any]:
    """Run each system in turn (gcm, words, fts, then words, gcm, fts …: gcm and words swap
    places each round) and return every series with its median and the ratios."""
    series: dict[str, list[float]] = {name: [] for name in systems}
    for number in range(runs):
        for name in alternating(list(systems), number):
            series[name].append(systems[name]())
    return with_medians(series)


def alternating(names: list[str], number: int) -> list[str]:
    """`names` in order, but with "gcm" and "words" swapped on odd rounds."""
    if number % 2 == 0 or "gcm" not in names or WORDS not in names:
        return names
    i, j = names.index("gcm"), names.index(WORDS)
    swapped = list(names)
    swapped[i], swapped[j] = names[j], names[i]
    return swapped


def with_medians(series: dict[str, list[float]]) -> dict[str, Any]:
    """Each series with its median; "ratio" gcm/fts and, with a words series, "words_ratio"
    gcm/words and "words_difference" gcm - words (seconds)."""
    figures: dict[str, Any] = {name: {"median": median_of(runs), "runs": [round(r, 6)
                                                                          for r in runs]}
                               for name, runs in series.items()}
    figures["ratio"] = ratio(figures["gcm"]["median"], figures["fts"]["median"])
    if WORDS in figures:
        figures["words_ratio"] = ratio(figures["gcm"]["median"], figures[WORDS]["median"])
        figures["words_difference"] = figures["gcm"]["median"] - figures[WORDS]["median"]
    return figures


def words_index(config: Config) -> Path:
    """Where the build without the model goes: beside the index, never replacing it (a build
    without vectors is stale to a process that has the model, which would rebuild it)."""
    return config.index.with_name(config.index.name + "-words")


def full_builds(config: Config, rows_file: Path, db: Path, repeats: int,
                jobs: Sequence[int] = ()) -> dict[str, Any]:
    """Interleaved full builds, each in a fresh child that also reports its peak memory:
    gcm-search with the model ("gcm", the default: one process per core), without it ("words"),
    and FTS5; with `jobs`, also the default build in that many processes ("gcm -j N")."""
    commands = {
        "gcm": ["--system", "gcm", "--corpus", str(config.corpus), "--index", str(config.index)],
        WORDS: ["--system", "gcm", "--words-only", "--corpus", str(config.corpus),
                "--index", str(words_index(config))],
        "fts": ["--system", "fts", "--rows", str(rows_file), "--db", str(db)],
        **{f"gcm -j {n}": ["--system", "gcm", "--build-jobs", str(n), "--corpus",
                           str(config.corpus), "--index", str(config.index)] for n in jobs},
    }
    series: dict[str, list[float]] = {name: [] for name in commands}
    peaks: dict[str, list[float]] = {name: [] for name in commands}
    models: dict[str, str] = {}
    for repeat in range(repeats):
        for system in alternating(list(commands), repeat):
            result, peak = measured(child_command("build", *commands[system]))
            series[system].append(result["seconds"])
            peaks[system].append(peak)
            if "model" in result:
                models[system] = result["model"]
            log(f"  build {repeat + 1}/{repeats} {system}: {result['seconds']:.2f} s, "
                f"{peak:.0f} MiB, {result['passages']} passages")
    if not models.get("gcm") or models.get(WORDS):
        raise RuntimeError(f"the builds' models are {models}: the default build should have "
                           "the model's vectors, the words-only build none")
    figures = with_medians(series)
    for system in peaks:
        figures[system]["peak_mib"] = max(peaks[system])
    for system, name in models.items():
        figures[system]["model"] = name
    figures["peak_words_ratio"] = ratio(figures["gcm"]["peak_mib"], figures[WORDS]["peak_mib"])
    for n in jobs:
        figures[f"gcm -j {n}"]["ratio"] = ratio(figures[f"gcm -j {n}"]["median"],
                                                figures["fts"]["median"])
    return figures


def builds_only(sizes: Sequence[int], settings: Settings, jobs: Sequence[int]) -> dict[str, Any]:
    """Just the full builds (`--builds-only`): per size, a corpus, then `full_builds`."""
    import synthetic

    from search.config import Config

    report: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="gcm-perf-builds-") as scratch:
        for documents in sizes:
            work = Path(scratch) / f"n{documents}"
            work.mkdir()
            config = Config(work / "corpus", work / "index")
            synthetic.generate(config.corpus, documents, settings.seed)
            rows, _ = passage_rows(config)
            rows_file = work / "passages.jsonl"
            with open(rows_file, "w", encoding="utf-8") as out:
                out.writelines(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
            log(f"[{documents} documents] {len(rows)} passages: full builds")
            figures = full_builds(config, rows_file, work / "fts.db", settings.repeats(documents),
                                  jobs)
            report[str(documents)] = figures
            for system in ("gcm", *(f"gcm -j {n}" for n in jobs), WORDS, "fts"):
                print(f"{documents} documents, {system}: median {figures[system]['median']:.2f} s"
                      f" ({times(ratio(figures[system]['median'], figures['fts']['median']))} "
                      f"FTS5), peak {figures[system]['peak_mib']:.0f} MiB")
    return report


def warm_queries(config: Config, db_path: Path, passes: int) -> dict[str, Any]:
    """The query mix, query by query gcm-search in the default mode ("gcm"), by words
    ("words", the two swapping places each pass) then fts; one warm-up pass then `passes`
    measured."""
    from search.index import open_index

    opened = open_index(config, build_if_needed=False)
    db = sqlite3.connect(db_path)
    systems = ["gcm", WORDS, "fts"]
    samples: dict[str, list[float]] = {name: [] for name in systems}
    top: dict[str, dict[str, list[str]]] = {name: {} for name in systems}
    try:
        for number in range(passes + 1):
            for text, objective in QUERIES:
                key = f"{text} | objective {objective}" if objective else text
                runs: dict[str, Callable[[], tuple[str, list[str]]]] = {
                    "gcm": lambda t=text, o=objective: gcm_query(opened, t, o),
                    WORDS: lambda t=text, o=objective: gcm_query(opened, t, o, WORDS),
                    "fts": lambda t=text, o=objective: fts_query(db, t, o),
                }
                for system in alternating(systems, number):
                    run = runs[system]
                    started = time.perf_counter()
                    _, ids = run()
                    elapsed = time.perf_counter() - started
                    if number == 0:
                        top[system][key] = ids  # warm-up pass: not timed, but its answers kept
                    else:
                        samples[system].append(elapsed)
    finally:
        db.close()
        opened.ix.close()
    figures: dict[str, Any] = {name: latency_summary(values) for name, values in samples.items()}
    figures["ratios"] = {p: ratio(figures["gcm"][p], figures["fts"][p])
                         for p in ("p50", "p95", "p99")}
    figures["words_ratios"] = {p: ratio(figures["gcm"][p], figures[WORDS][p])
                               for p in ("p50", "p95", "p99")}
    figures["mode"] = DEFAULT_MODE
    figures["top10"] = top
    figures["queries"] = len(QUERIES)
    figures["passes"] = passes
    return figures


def query_memory(config: Config, db_path: Path, passes: int) -> dict[str, Any]:
    """Peak memory of a fresh process that opens the index and runs the query mix: gcm-search
    in the default mode, by words, and FTS5."""
    peaks: dict[str, float] = {}
    queries, cache = 0, {}
    for mode in (DEFAULT_MODE, WORDS):
        gcm, peaks["gcm" if mode == DEFAULT_MODE else WORDS] = measured(child_command(
            "queries", "--system", "gcm", "--mode", mode, "--corpus", str(config.corpus),
            "--index", str(config.index), "--passes", str(passes)))
        queries = gcm["queries"]
        if mode == DEFAULT_MODE:  # what the query cache held at the end, by its own count
            cache = {"cache_mib": gcm.get("cache_mib"),
                     "cache_budget_mib": gcm.get("cache_budget_mib")}
    _, fts_peak = measured(child_command(
        "queries", "--system", "fts", "--db", str(db_path), "--passes", str(passes)))
    return {"gcm": peaks["gcm"], WORDS: peaks[WORDS], "fts": fts_peak,
            "ratio": peaks["gcm"] / fts_peak, "words_ratio": peaks["gcm"] / peaks[WORDS],
            "queries": queries, **cache}


def cold_cli(config: Config, db_path: Path, runs: int) -> dict[str, Any]:
    """A fresh `python -m search search WORDS` (the default mode), the same with `--mode words`,
    and a fresh python that queries FTS5; and, against their floors (`FLOOR`), each search and
    `--version`, with the query's own work (`WORK_CHILD`)."""
    env = search_env(config)
    args = ["search", *COLD_WORDS]
    gcm_command = [sys.executable, "-m", "search", *args]
    words_command = [*gcm_command, "--mode", WORDS]
    fts_command = [sys.executable, "-c", FTS_CLI, str(db_path), fts_match(" ".join(COLD_WORDS))]

    cpu: dict[str, list[float]] = {}

    def timed(name: str, command: list[str], ok: tuple[int, ...], *, reported: bool = False,
              ) -> Callable[[], float]:
        """The command's wall time, or (`reported`) the one it prints; its CPU time (user and
        system: steadier than wall time on a busy machine) goes to `cpu[name]`."""
        def run() -> float:
            before = children_cpu()
            started = time.perf_counter()
            done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
            elapsed = time.perf_counter() - started
            if done.returncode not in ok:
                raise RuntimeError(f"{shlex.join(command[:4])} … exited {done.returncode}: "
                                   f"{done.stderr.strip()[-2000:]}")
            if reported:
                elapsed, used = map(float, done.stdout.split()[-2:])
            else:
                used = children_cpu() - before
            cpu.setdefault(name, []).append(used)
            return elapsed
        return run

    with tempfile.TemporaryDirectory(prefix="gcm-cold-") as scratch:
        loaded = {}
        for mode, command_args in ((DEFAULT_MODE, args), (WORDS, [*args, "--mode", WORDS])):
            loaded[mode] = Path(scratch) / f"{mode}.json"
            subprocess.run([sys.executable, "-c", LOADED_CHILD, str(loaded[mode]), *command_args],
                           cwd=ROOT, env=env, capture_output=True, check=False)

        def floor(name: str, mode: str) -> Callable[[], float]:
            return timed(name, [sys.executable, "-c", FLOOR_CODE.format(", ".join(FLOOR[mode]))],
                         (0,))

        def work(name: str, mode: str, *extra: str) -> Callable[[], float]:
            return timed(name, [sys.executable, "-c", WORK_CHILD, str(loaded[mode]), *args,
                                *extra], (0,), reported=True)

        # The search command exits 1 when nothing is found: still a complete answer.
        systems = {"gcm": timed("gcm", gcm_command, (0, 1)),
                   WORDS: timed(WORDS, words_command, (0, 1)),
                   "fts": timed("fts", fts_command, (0,)),
                   "floor": floor("floor", DEFAULT_MODE),
                   "words_floor": floor("words_floor", WORDS),
                   "work": work("work", DEFAULT_MODE),
                   "words_work": work("words_work", WORDS, "--mode", WORDS),
                   "version": timed("version", [sys.executable, "-m", "search", "--version"],
                                    (0,)),
                   "version_floor": floor("version_floor", "version")}
        for run in systems.values():
            run()  # unmeasured: byte-compiles what a first run would, and warms the file cache
        cpu.clear()
        figures = interleaved(runs, systems)
    for name, used in cpu.items():
        figures[name]["cpu_median"] = median_of(used)
    figures["floor_goal"] = floor_goal(figures)
    return figures


def children_cpu() -> float:
    """The CPU time (user and system) of this process's finished children so far."""
    try:
        import resource
    except ImportError:  # pragma: no cover - Windows: no CPU time, the wall times remain
        return 0.0
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def floor_goal(cold: dict[str, Any]) -> dict[str, Any] | None:
    """Each cold command against its floor (issue 16): how far above the floor plus the query's
    own work it is (the goal: at most 25 ms for a search), and the floor against FTS5 (what the
    3x goal against FTS5 leaves our own code); None for figures made before the floor was."""
    if "floor" not in cold:
        return None
    median = {name: cold[name]["median"] for name in
              ("gcm", WORDS, "fts", "floor", "words_floor", "work", "words_work", "version",
               "version_floor")}
    cpu = {name: cold[name].get("cpu_median") for name in median}

    def over(*names: str) -> float | None:
        """names[0] less the others, in ms of CPU time (None without CPU times)."""
        if any(cpu[name] is None for name in names):
            return None
        return (cpu[names[0]] - sum(cpu[name] for name in names[1:])) * 1000

    rows = {}
    for mode, total, floor, work in ((DEFAULT_MODE, "gcm", "floor", "work"),
                                     (WORDS, WORDS, "words_floor", "words_work")):
        above = median[total] - median[floor] - median[work]
        rows[mode] = {"cold": median[total], "floor": median[floor], "work": median[work],
                      "over_ms": above * 1000, "met": above <= FLOOR_GOAL,
                      "over_cpu_ms": over(total, floor, work),
                      "floor_imports": list(FLOOR[mode])}
    rows["version"] = {"cold": median["version"], "floor": median["version_floor"],
                       "over_ms": (median["version"] - median["version_floor"]) * 1000,
                       "over_cpu_ms": over("version", "version_floor"),
                       "floor_imports": list(FLOOR["version"])}
    return {**rows, "goal_ms": FLOOR_GOAL * 1000, "fts": median["fts"],
            "ratio": ratio(median["gcm"], median["fts"]),
            "floor_ratio": ratio(median["floor"], median["fts"])}


def incremental_adds(config: Config, db_path: Path, scratch: Path, repeats: int, seed: int
                     ) -> dict[str, Any]:
    """Add one new review (repeatedly, a different one each time): gcm-search's add() against
    inserting its passages into FTS5 (chunked outside the timing)."""
    import synthetic

    from search.collection import Given, add
    from search.passages import chunk
    from search.sources import read_source

    names = synthetic.countries()
    series: dict[str, list[float]] = {"gcm": [], "fts": []}
    for repeat in range(repeats):
        rng = random.Random(f"{seed}:extra:{repeat}")
        country, _ = rng.choice(names)
        path = scratch / f"extra-{repeat}.txt"
        path.write_text(synthetic.document_text(rng, country, 2026), encoding="utf-8")
        started = time.perf_counter()
        document, count, _ = add(config, path, Given(country=country, year=2026,
                                                     id=f"bench-extra-{repeat}"))
        series["gcm"].append(time.perf_counter() - started)
        source = read_source(path)
        passages = chunk(document, source.text, source.blocks)
        series["fts"].append(fts_add(db_path, [(p.id, p.text, list(p.objectives))
                                               for p in passages]))
        log(f"  add {repeat + 1}/{repeats} ({count} passages): gcm {series['gcm'][-1]:.2f} s, "
            f"fts {series['fts'][-1] * 1000:.1f} ms")
    return with_medians(series)


def index_bytes(config: Config, db_path: Path) -> dict[str, Any]:
    from search.index import open_index

    opened = open_index(config, build_if_needed=False)
    gcm = opened.size()
    opened.ix.close()
    fts = sum(p.stat().st_size for p in db_path.parent.glob(db_path.name + "*"))
    return {"gcm": gcm, "fts": fts, "ratio": gcm / fts}


# ---- the web server under load ------------------------------------------------------------------

_SERVING = re.compile(r"Serving gcm-search on (http://127\.0\.0\.1:\d+/)")
_WORKERS = re.compile(r"\(gunicorn, (\d+) worker processes")
_WORKER_READY = re.compile(r"^Worker \d+ ready", re.MULTILINE)
LOAD_WORKERS = (1, 2)
"""The configurations measured: one process (waitress, the "before") and two gunicorn workers."""
LOAD_GOAL = 5.0
"""/api/search p50 with CLIENTS concurrent clients within this many times its p50 with one."""
WARM_UP_PASSES = 4
"""Passes over the query mix per worker before the load is measured."""
LOAD_ROUNDS = 4
"""Spells each measurement is split into, interleaved between the servers."""


def load_test(config: Config, scratch: Path, seconds: float, clients: int = CLIENTS,
              workers: Sequence[int] = LOAD_WORKERS, rounds: int = LOAD_ROUNDS
              ) -> dict[str, Any]:
    """Start `python -m search serve --port 0 --workers N` for each N (localhost only, all at
    once), warm every worker of each up with `clients` clients for a few seconds, then hit
    /api/search with one client and with `clients`, each looping over the query mix, for
    `seconds` in all per server and number of clients, in `rounds` spells interleaved (the
    servers' order alternating), so that a burst of other load on the machine hits each alike;
    then the resident memory of each worker process; always stop the servers. "ratios": p50
    with `clients` clients / p50 with one, by number of workers."""
    from search.web.server import resident_mib  # /proc, as the server reports its workers

    servers: dict[int, tuple[subprocess.Popen[bytes], str]] = {}
    measured: dict[tuple[int, int], Hammered] = {}
    memory: dict[str, list[dict[str, float]]] = {}
    try:
        for count in workers:
            log_path = scratch / f"serve-{count}.log"
            with open(log_path, "w", encoding="utf-8") as server_log:
                server = subprocess.Popen(
                    [sys.executable, "-m", "search", "serve", "--port", "0", "--workers",
                     str(count)], cwd=ROOT, env=search_env(config), stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL, stderr=server_log)
            servers[count] = server, ""  # stopped below even if it never says it is ready
            servers[count] = server, _wait_for_server(server, log_path, timeout=600)
        for count, (_, base) in servers.items():
            _warm_up(base, count, clients)  # every worker's caches and model
        for number in range(rounds):
            for count in (workers if number % 2 == 0 else list(reversed(workers))):
                for many in (1, clients):
                    before = _cpu_seconds(servers[count][0])
                    spell = _hammer(servers[count][1], seconds / rounds, many)
                    spell.cpu = _cpu_seconds(servers[count][0]) - before
                    measured[count, many] = measured[count, many] + spell \
                        if (count, many) in measured else spell
        for count, (server, _) in servers.items():
            memory[str(count)] = [
                {"rss": round(resident_mib(pid), 1),
                 "files": round(resident_mib(pid, "RssFile"), 1)}
                for pid in _serving(server)]
    finally:
        for server, _ in servers.values():
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
    runs = [{"workers": count, **hammered.summary(many)}
            for (count, many), hammered in measured.items()]
    p50 = {(r["workers"], r["clients"]): r["p50"] for r in runs}
    return {
        "clients": clients, "seconds": seconds, "rounds": rounds, "runs": runs,
        "ratios": {str(n): ratio(p50[n, clients], p50[n, 1]) for n in workers},
        "worker_rss_mib": memory,
        "requests": sum(r["requests"] for r in runs),
        "failures": sum(r["failures"] for r in runs),
        "failure_examples": sorted({e for r in runs for e in r["failure_examples"]})[:5],
    }


def _serving(server: subprocess.Popen[bytes]) -> list[int]:
    """The processes that answer requests: gunicorn's workers (the children of the process
    started), or that process itself (waitress)."""
    try:
        children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text()
    except OSError:
        return [server.pid]
    return [int(pid) for pid in children.split()] or [server.pid]


def _cpu_seconds(server: subprocess.Popen[bytes]) -> float:
    """User and system CPU seconds used so far by the server's processes (a worker replaced
    meanwhile takes its seconds with it: then the figure is low)."""
    total = 0
    for pid in {server.pid, *_serving(server)}:
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14, 15)
    return total / os.sysconf("SC_CLK_TCK")


def _wait_for_server(server: subprocess.Popen[bytes], log_path: Path, timeout: float) -> str:
    """The server's address, once it and each of its workers said it is ready."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = log_path.read_text(encoding="utf-8", errors="replace")
        found = _SERVING.search(text)
        workers = _WORKERS.search(text)
        if found and (not workers or len(_WORKER_READY.findall(text)) >= int(workers.group(1))):
            return found.group(1)
        if server.poll() is not None:
            raise RuntimeError("the server stopped: " + log_path.read_text()[-2000:])
        time.sleep(0.05)
    raise RuntimeError(f"the server did not start within {timeout:.0f} s")


def _api_url(base: str, query: Query) -> str:
    text, objective = query
    params: dict[str, str] = {"q": text}
    if objective:
        params["objective"] = str(objective)
    return f"{base}api/search?{urllib.parse.urlencode(params)}"


# Never through a proxy: the traffic stays on 127.0.0.1.
_LOCAL = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _fetch(url: str) -> str | None:
    """None when the request succeeded, else what went wrong."""
    try:
        with _LOCAL.open(url, timeout=60) as response:
            response.read()
            return None if response.status == 200 else f"HTTP {response.status}"
    except urllib.error.HTTPError as exc:
        return f"HTTP {exc.code}"
    except (OSError, ValueError) as exc:
        return f"{exc.__class__.__name__}: {exc}"


def _warm_up(base: str, workers: int, clients: int) -> None:
    """The query mix, each query WARM_UP_PASSES times per worker, from `clients` threads: each
    worker has its own caches and model, and which worker answers is the system's choice, so
    each query is sent until every worker has most likely answered it once."""
    from concurrent.futures import ThreadPoolExecutor

    urls = [_api_url(base, query) for query in QUERIES] * (WARM_UP_PASSES * workers)
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(_fetch, urls))


def _hammer(base: str, seconds: float, clients: int) -> Hammered:
    """`clients` threads looping over the query mix against /api/search for `seconds`."""
    fetch = _fetch

    latencies: list[list[float]] = [[] for _ in range(clients)]
    failures: list[list[str]] = [[] for _ in range(clients)]
    deadline = time.monotonic() + seconds

    def client(number: int) -> None:
        position = number * (len(QUERIES) // clients)
        while time.monotonic() < deadline:
            url = _api_url(base, QUERIES[position % len(QUERIES)])
            position += 1
            started = time.perf_counter()
            problem = fetch(url)
            if problem is None:
                latencies[number].append(time.perf_counter() - started)
            else:
                failures[number].append(problem)

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    return Hammered([v for values in latencies for v in values],
                    [f for values in failures for f in values], elapsed)


@dataclass
class Hammered:
    """What clients met in one or more spells of load: each successful request's latency,
    each failure, and the time the spells took."""

    latencies: list[float]
    failed: list[str]
    seconds: float
    cpu: float = 0.0
    """CPU seconds the server's processes used meanwhile."""

    def __add__(self, other: Hammered) -> Hammered:
        return Hammered(self.latencies + other.latencies, self.failed + other.failed,
                        self.seconds + other.seconds, self.cpu + other.cpu)

    def summary(self, clients: int) -> dict[str, Any]:
        ok = self.latencies
        return {
            "clients": clients, "seconds": self.seconds, "requests": len(ok) + len(self.failed),
            "failures": len(self.failed), "failure_examples": sorted(set(self.failed))[:5],
            "requests_per_second": len(ok) / self.seconds if self.seconds else 0.0,
            "p50": percentile(ok, 50) if ok else None, "p99": percentile(ok, 99) if ok else None,
            # Cores the server kept busy on average: with other work on the machine, a server of
            # two workers under 8 clients gets less than the two cores it could use.
            "server_cores": self.cpu / self.seconds if self.seconds else 0.0,
        }


# ---- one corpus size ----------------------------------------------------------------------------

def run_size(documents: int, work: Path, settings: Settings, load: bool) -> dict[str, Any]:
    import synthetic

    from search.config import Config

    corpus = work / "corpus"
    config = Config(corpus, work / "index")
    db_path = work / "fts.db"
    figures: dict[str, Any] = {"documents": documents}

    started = time.perf_counter()
    synthetic.generate(corpus, documents, settings.seed)
    figures["generate_seconds"] = time.perf_counter() - started
    log(f"[{documents} documents] generated in {figures['generate_seconds']:.1f} s")

    rows, words = passage_rows(config)
    rows_file = work / "passages.jsonl"
    with open(rows_file, "w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    figures["passages"] = len(rows)
    figures["words_per_passage"] = words / len(rows)
    del rows  # the parent keeps no corpus-sized data while it times queries
    log(f"[{documents} documents] {figures['passages']} passages")

    repeats = settings.repeats(documents)
    figures["build"] = full_builds(config, rows_file, db_path, repeats)
    figures["index_bytes"] = index_bytes(config, db_path)
    log(f"[{documents} documents] warm queries ({settings.passes} passes)")
    figures["warm"] = warm_queries(config, db_path, settings.passes)
    figures["query_memory"] = query_memory(config, db_path, passes=1)
    log(f"[{documents} documents] cold CLI ({settings.cold_runs} runs each)")
    figures["cold_cli"] = cold_cli(config, db_path, settings.cold_runs)
    if load:
        log(f"[{documents} documents] web load: 1 and {CLIENTS} clients, "
            f"{settings.load_seconds:.0f} s each, workers {LOAD_WORKERS}")
        figures["load"] = load_test(config, work, settings.load_seconds)
    log(f"[{documents} documents] incremental add")
    figures["add"] = incremental_adds(config, db_path, work, repeats, settings.seed)
    figures["meaning"] = meaning_summary(figures)
    return figures


def bundled_cold(scratch: Path, runs: int) -> dict[str, Any]:
    """The cold CLI query on the bundled corpus (the real Japan review), with its own index."""
    from search.config import Config, default_corpus
    from search.index import build

    config = Config(default_corpus(), scratch / "index")
    build(config, force=True)
    rows, _ = passage_rows(config)
    db_path = scratch / "fts.db"
    fts_build(db_path, rows)
    figures = cold_cli(config, db_path, runs)
    figures["passages"] = len(rows)
    figures["meaning"] = cold_goal(figures)
    return figures


# ---- the semantic layer against words alone ----------------------------------------------------

def meaning_summary(figures: dict[str, Any]) -> dict[str, Any]:
    """One corpus size's figures of the semantic layer against gcm-search by words alone, each
    with its goal and whether it is met (None where the goal does not apply)."""
    build, warm, cold = figures["build"], figures["warm"], figures["cold_cli"]
    memory = figures["query_memory"]
    at_size = figures["documents"] >= WARM_GOAL_DOCUMENTS
    return {
        "build": {"model": build["gcm"]["median"], WORDS: build[WORDS]["median"],
                  "ratio": build["words_ratio"], "goal_ratio": BUILD_GOAL,
                  "met": _at_most(build["words_ratio"], BUILD_GOAL)},
        "build_peak_mib": {"model": build["gcm"]["peak_mib"], WORDS: build[WORDS]["peak_mib"],
                           "ratio": build["peak_words_ratio"]},
        "warm": {p: {DEFAULT_MODE: warm["gcm"][p], WORDS: warm[WORDS][p],
                     "ratio": warm["words_ratios"][p]} for p in ("p50", "p95", "p99")},
        "warm_goal": {"percentile": "p50", "goal_ratio": WARM_GOAL,
                      "documents": WARM_GOAL_DOCUMENTS,
                      "met": _at_most(warm["words_ratios"]["p50"], WARM_GOAL)
                      if at_size else None},
        "cold_cli": cold_goal(cold),
        "query_memory_mib": {DEFAULT_MODE: memory["gcm"], WORDS: memory[WORDS],
                             "ratio": memory["words_ratio"]},
    }


def cold_goal(cold: dict[str, Any]) -> dict[str, Any]:
    """The cold CLI query in the default mode against --mode words: the difference of the
    medians in ms (the goal: at most 100 ms) and their ratio."""
    difference = cold["words_difference"]
    return {DEFAULT_MODE: cold["gcm"]["median"], WORDS: cold[WORDS]["median"],
            "difference_ms": difference * 1000, "ratio": cold["words_ratio"],
            "goal_ms": COLD_GOAL * 1000, "met": difference <= COLD_GOAL}


def floor_table(cold: dict[str, Any]) -> list[str]:
    """The cold commands against their floors, as the report shows them ([] without figures)."""
    goal = cold.get("floor_goal")
    if not goal:
        return []
    lines = [f"Against the floor: a fresh interpreter importing only the libraries the command "
             f"needs (`{', '.join(goal[DEFAULT_MODE]['floor_imports'])}`; by words the same "
             "without numpy and sqlite3; `--version`: click), plus the query's own work (the "
             "command timed in a process that has already imported all it loads). Interleaved "
             "with the runs above; the goal is judged on wall time, the same in CPU time (user "
             "and system, steadier when other work shares the machine) is beside it.", "",
             "| | cold | floor | query's own work | above floor + work | (in CPU time) "
             "| goal | met |",
             "|---|---:|---:|---:|---:|---:|---|---|"]

    def cpu(row: dict[str, Any]) -> str:
        return "—" if row.get("over_cpu_ms") is None else f"{row['over_cpu_ms']:+.0f} ms"

    for mode, label in ((DEFAULT_MODE, f"`search` ({DEFAULT_MODE}, the default)"),
                        (WORDS, "`search --mode words`")):
        row = goal[mode]
        lines.append(f"| {label} | {duration(row['cold'])} | {duration(row['floor'])} | "
                     f"{duration(row['work'])} | {row['over_ms']:+.0f} ms | {cpu(row)} | "
                     f"≤ +{goal['goal_ms']:.0f} ms | {verdict(row['met'])} |")
    version = goal["version"]
    lines.append(f"| `--version` | {duration(version['cold'])} | {duration(version['floor'])} | "
                 f"— | {version['over_ms']:+.0f} ms | {cpu(version)} | — | — |")
    lines += ["", f"The floor itself is {times(goal['floor_ratio'])} the FTS5 process "
                  f"({duration(goal['fts'])}); the cold search {times(goal['ratio'])}."]
    return lines


# ---- the report ---------------------------------------------------------------------------------

def machine() -> dict[str, Any]:
    from importlib import metadata

    import whoosh

    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        cores = os.cpu_count() or 0
    distribution = next((d for d in ("whoosh3", "whoosh-reloaded", "Whoosh")
                         if _has_distribution(metadata, d)), "whoosh")
    cpu = ""
    with contextlib.suppress(OSError):  # only Linux says which CPU it is
        cpu = next((line.split(":", 1)[1].strip()
                    for line in Path("/proc/cpuinfo").read_text().splitlines()
                    if line.startswith("model name")), "")
    return {
        "nproc": cores, "cpu": cpu, "platform": platform.platform(),
        "python": platform.python_version(),
        "whoosh": f"{distribution} {whoosh.versionstring()}",
        "sqlite": sqlite3.sqlite_version, "commit": _commit(),
    }


def _has_distribution(metadata: Any, name: str) -> bool:
    try:
        metadata.version(name)
    except metadata.PackageNotFoundError:
        return False
    return True


def _commit() -> str:
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, text=True,
                              capture_output=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "search"], cwd=ROOT,
                               text=True, capture_output=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + (" (search/ modified)" if dirty else "")


def duration(seconds: float | None) -> str:
    """Seconds for people: "42.1 s", "1.23 s", "36.5 ms", "0.42 ms"."""
    if seconds is None:
        return "—"
    if seconds >= 10:
        return f"{seconds:.1f} s"
    if seconds >= 1:
        return f"{seconds:.2f} s"
    milliseconds = seconds * 1000
    return f"{milliseconds:.1f} ms" if milliseconds >= 1 else f"{milliseconds:.2f} ms"


def times(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}x"


def megabytes(size: float) -> str:
    return f"{size / 1e6:.1f} MB"


def size_table(figures: dict[str, Any]) -> list[str]:
    build, add, warm = figures["build"], figures["add"], figures["warm"]
    memory, cold, disk = figures["query_memory"], figures["cold_cli"], figures["index_bytes"]
    rows: list[tuple[str, str, str, float | None]] = [
        (f"full build (median of {len(build['gcm']['runs'])})", duration(build["gcm"]["median"]),
         duration(build["fts"]["median"]), build["ratio"]),
        (f"incremental add of one review (median of {len(add['gcm']['runs'])})",
         duration(add["gcm"]["median"]), duration(add["fts"]["median"]), add["ratio"]),
    ]
    rows += [(f"warm query {p}", duration(warm["gcm"][p]), duration(warm["fts"][p]),
              warm["ratios"][p]) for p in ("p50", "p95", "p99")]
    rows += [
        (f"cold CLI query (median of {len(cold['gcm']['runs'])})",
         duration(cold["gcm"]["median"]), duration(cold["fts"]["median"]), cold["ratio"]),
        ("peak memory, build", f"{build['gcm']['peak_mib']:.0f} MiB",
         f"{build['fts']['peak_mib']:.0f} MiB",
         ratio(build["gcm"]["peak_mib"], build["fts"]["peak_mib"])),
        ("peak memory, warm query loop" + _cache_note(memory), f"{memory['gcm']:.0f} MiB",
         f"{memory['fts']:.0f} MiB", memory["ratio"]),
        ("index size", megabytes(disk["gcm"]), megabytes(disk["fts"]), disk["ratio"]),
    ]
    lines = ["| | gcm-search | SQLite FTS5 | ratio gcm/fts |", "|---|---:|---:|---:|"]
    lines += [f"| {name} | {gcm} | {fts} | {times(r)} |" for name, gcm, fts, r in rows]
    return lines


def milliseconds_more(seconds: float | None) -> str:
    """A difference for people: "+42 ms", "-3 ms"."""
    return "—" if seconds is None else f"{seconds * 1000:+.0f} ms"


def meaning_table(figures: dict[str, Any]) -> list[str]:
    """The semantic layer against words alone at one size; [] for figures made before it."""
    build, warm, cold = figures["build"], figures["warm"], figures["cold_cli"]
    memory = figures["query_memory"]
    if WORDS not in build or WORDS not in warm or WORDS not in cold or WORDS not in memory:
        return []
    at_size = figures["documents"] >= WARM_GOAL_DOCUMENTS
    warm_goal = f"≤ {WARM_GOAL:.2f}x at {WARM_GOAL_DOCUMENTS:,} documents"
    rows: list[tuple[str, str, str, str, str, bool | None]] = [
        (f"full build (median of {len(build['gcm']['runs'])})", duration(build["gcm"]["median"]),
         duration(build[WORDS]["median"]), times2(build["words_ratio"]), f"≤ {BUILD_GOAL:.2f}x",
         _at_most(build["words_ratio"], BUILD_GOAL)),
        ("peak memory, build", f"{build['gcm']['peak_mib']:.0f} MiB",
         f"{build[WORDS]['peak_mib']:.0f} MiB", times2(build["peak_words_ratio"]), "", None),
    ]
    rows += [(f"warm query {p}", duration(warm["gcm"][p]), duration(warm[WORDS][p]),
              times2(warm["words_ratios"][p]), warm_goal if p == "p50" else "",
              _at_most(warm["words_ratios"][p], WARM_GOAL) if p == "p50" and at_size else None)
             for p in ("p50", "p95", "p99")]
    rows += [
        (f"cold CLI query (median of {len(cold['gcm']['runs'])})",
         duration(cold["gcm"]["median"]), duration(cold[WORDS]["median"]),
         f"{times2(cold['words_ratio'])}, {milliseconds_more(cold['words_difference'])}",
         f"≤ +{COLD_GOAL * 1000:.0f} ms", cold["words_difference"] <= COLD_GOAL),
        ("peak memory, warm query loop", f"{memory['gcm']:.0f} MiB", f"{memory[WORDS]:.0f} MiB",
         times2(memory["words_ratio"]), "", None),
    ]
    lines = [f"| | {DEFAULT_MODE} (default, with the model) | words only | {DEFAULT_MODE}/words "
             "| goal | met |", "|---|---:|---:|---:|---|---|"]
    lines += [f"| {name} | {a} | {b} | {r} | {goal} | {verdict(met) if goal else ''} |"
              for name, a, b, r, goal, met in rows]
    return lines


def _cache_note(memory: dict[str, Any]) -> str:
    """" (query cache: 12.3 of 128 MiB)", by the cache's own count; "" for older figures."""
    if memory.get("cache_mib") is None:
        return ""
    return (f" (query cache: {memory['cache_mib']:.1f} of {memory['cache_budget_mib']:.0f} "
            "MiB)")


def times2(value: float | None) -> str:
    """A ratio close to 1, to two places: "1.17x"."""
    return "—" if value is None else f"{value:.2f}x"


def verdict(met: bool | None) -> str:
    return "—" if met is None else "yes" if met else "no"


def meaning_goals(report: dict[str, Any]) -> list[tuple[str, str, bool | None]]:
    """The semantic layer's goals, judged on the largest corpus (and the bundled one for the
    cold CLI); none for figures made before it."""
    sizes = report["sizes"]
    largest = sizes[max(sizes, key=int)]
    n = largest["documents"]
    build, warm, cold = largest["build"], largest["warm"], largest["cold_cli"]
    checks: list[tuple[str, str, bool | None]] = []
    if WORDS in build:
        checks.append((f"full build with the model at most {BUILD_GOAL - 1:.0%} longer than "
                       f"without ({n} documents)", times2(build["words_ratio"]),
                       _at_most(build["words_ratio"], BUILD_GOAL)))
    if WORDS in warm:
        checks.append((f"warm query p50 ({DEFAULT_MODE}) at most {WARM_GOAL - 1:.0%} slower than "
                       f"by words ({n} documents)", times2(warm["words_ratios"]["p50"]),
                       _at_most(warm["words_ratios"]["p50"], WARM_GOAL)
                       if n >= WARM_GOAL_DOCUMENTS else None))
    bundled = report.get("bundled") or {}
    for where, figures in ((f"{n} documents", cold), ("the bundled corpus", bundled)):
        if WORDS in figures:
            checks.append((f"cold CLI query ({DEFAULT_MODE}) at most {COLD_GOAL * 1000:.0f} ms "
                           f"slower than by words ({where})",
                           f"{milliseconds_more(figures['words_difference'])} "
                           f"({times2(figures['words_ratio'])})",
                           figures["words_difference"] <= COLD_GOAL))
    return checks


def goals(report: dict[str, Any]) -> list[str]:
    """The issue's goals, judged on the largest corpus (and the bundled one for the cold CLI)."""
    sizes = report["sizes"]
    if not sizes:
        return []
    largest = sizes[max(sizes, key=int)]
    n = largest["documents"]
    add_seconds = largest["add"]["gcm"]["median"]
    load = report.get("load") or {}
    checks: list[tuple[str, str, bool | None]] = [
        *((f"full build (vectors included) within {BUILD_FTS_GOAL:.0f}x of FTS5 "
           f"({figures['documents']:,} documents)", times(figures["build"]["ratio"]),
           _at_most(figures["build"]["ratio"], BUILD_FTS_GOAL))
          for _, figures in sorted(sizes.items(), key=lambda item: int(item[0]))),
        *((f"warm query {p} within {WARM_FTS_GOAL}x of FTS5 ({n:,} documents)",
           times(largest["warm"]["ratios"][p]), _at_most(largest["warm"]["ratios"][p],
                                                         WARM_FTS_GOAL))
          for p in ("p50", "p95")),
        ("cold CLI query on the bundled corpus within 3x", times(report["bundled"]["ratio"]),
         _at_most(report["bundled"]["ratio"], 3)),
        *floor_goals(report["bundled"]),
        (f"adding one review to the {n}-document index under 3 s", duration(add_seconds),
         add_seconds < 3 if n >= 1000 else None),
        ("the server sustains the load with no failed request",
         f"{load['failures']} failed of {load['requests']}" if load else "—",
         load["failures"] == 0 if load else None),
        *load_goals(load),
        *meaning_goals(report),
    ]
    lines = ["| goal | measured | met |", "|---|---:|---|"]
    lines += [f"| {goal} | {measured_value} | {verdict(met)} |"
              for goal, measured_value, met in checks]
    if n < 1000:
        lines.append("")
        lines.append(f"The add and warm-p50-by-meaning goals are about a 1,000-document index; "
                     f"this run's largest had {n}.")
    return lines


def floor_goals(bundled: dict[str, Any]) -> list[tuple[str, str, bool | None]]:
    """Issue 16's goal for the cold CLI search on the bundled corpus: within 25 ms of its floor
    plus the query's own work; none for figures made before it."""
    goal = bundled.get("floor_goal")
    if not goal:
        return []
    row = goal[DEFAULT_MODE]
    return [(f"cold CLI search ({DEFAULT_MODE}) on the bundled corpus within "
             f"{goal['goal_ms']:.0f} ms of its floor plus the query's own work",
             f"{row['over_ms']:+.0f} ms", row["met"])]


def load_goals(load: dict[str, Any]) -> list[tuple[str, str, bool | None]]:
    """/api/search p50 with several clients within LOAD_GOAL of one client, with the most
    workers measured (the issue's goal is on 2 cores, with 2 workers)."""
    if not load or "ratios" not in load:
        return []
    most = max(load["ratios"], key=int)
    return [(f"`/api/search` p50 with {load['clients']} concurrent clients within "
             f"{LOAD_GOAL:.0f}x of one client ({most} workers)", times(load["ratios"][most]),
             _at_most(load["ratios"][most], LOAD_GOAL))]


def _at_most(value: float | None, limit: float) -> bool | None:
    return None if value is None else value <= limit


def cold_section(bundled: dict[str, Any]) -> list[str]:
    """The report's section on the cold CLI query on the bundled corpus."""
    lines = [
        f"## Cold CLI query on the bundled corpus (Japan, {bundled['passages']} passages)", "",
        f"`python -m search search {' '.join(COLD_WORDS)}` in a fresh process against a fresh "
        "`python -c` that opens the FTS5 database and runs the same query with `snippet()`; "
        f"median of {len(bundled['gcm']['runs'])} interleaved runs.", "",
        "| | gcm-search | SQLite FTS5 | ratio gcm/fts |", "|---|---:|---:|---:|",
        f"| cold CLI query | {duration(bundled['gcm']['median'])} | "
        f"{duration(bundled['fts']['median'])} | {times(bundled['ratio'])} |",
    ]
    if WORDS in bundled:
        lines += [
            "", f"In the default mode ({DEFAULT_MODE}) against `--mode words`, interleaved:", "",
            f"| | {DEFAULT_MODE} (default) | words only | {DEFAULT_MODE}/words | difference "
            "| goal | met |", "|---|---:|---:|---:|---:|---|---|",
            f"| cold CLI query | {duration(bundled['gcm']['median'])} | "
            f"{duration(bundled[WORDS]['median'])} | {times2(bundled['words_ratio'])} | "
            f"{milliseconds_more(bundled['words_difference'])} | ≤ +{COLD_GOAL * 1000:.0f} ms | "
            f"{verdict(bundled['words_difference'] <= COLD_GOAL)} |",
        ]
    floor = floor_table(bundled)
    return [*lines, "", *floor] if floor else lines


def markdown(report: dict[str, Any]) -> str:
    m = report["machine"]
    lines = [
        "# Performance: gcm-search and SQLite FTS5",
        "",
        f"Written by `{report['command']}` on {report['date']} "
        f"(total {report['seconds'] / 60:.1f} min).",
        "",
        f"Machine: {m['nproc']} cores ({m['cpu'] or 'CPU unknown'}), {m['platform']}; "
        f"Python {m['python']}, {m['whoosh']}, SQLite {m['sqlite']}; commit {m['commit']}.",
        "",
        "How it is measured (see the docstring of bench/perf.py): synthetic reviews in the "
        "template made from the Japan review's sentences (bench/synthetic.py, seed "
        f"{report['settings']['seed']}); both systems over the same passages, interleaved. "
        f"Warm queries: {len(QUERIES)} queries (words, phrases, questions, typos, "
        f"{sum(1 for _, o in QUERIES if o)} with an objective filter), one warm-up pass then "
        f"{report['settings']['passes']} measured, each as the CLI shows it (top {LIMIT} with "
        "highlights and facet counts; FTS5: `snippet()`, `bm25()`, total and objective facet). "
        "Builds run in fresh processes, which give the peak memory. Ratios are gcm-search / "
        "FTS5: lower is better, 1x is parity.",
    ]
    for figures in report["sizes"].values():
        lines += ["", f"## {figures['documents']:,} documents "
                      f"({figures['passages']:,} passages, "
                      f"{figures['words_per_passage']:.0f} words each on average)", ""]
        lines += size_table(figures)
        meaning = meaning_table(figures)
        if meaning:
            lines += ["", f"### Meaning vs words ({figures['documents']:,} documents)", "",
                      f"gcm-search in the default mode ({DEFAULT_MODE}: words and meaning fused) "
                      "against itself by words only: the build without the model (no vectors), "
                      "queries and the cold CLI with `--mode words` on the build with the model. "
                      "Interleaved, the two swapping places each repeat.", "", *meaning]
    lines += ["", *cold_section(report["bundled"])]
    load = report.get("load")
    if load:
        lines += ["", f"## Web server under load ({report['load_documents']:,} documents)", "",
                  *load_table(load)]
    lines += ["", "## Goals (issue 16; the add and the server of issue 7; the semantic layer's "
                  "against words alone)", "",
              *goals(report), ""]
    return "\n".join(lines)


def load_table(load: dict[str, Any]) -> list[str]:
    """The load test's figures: per number of workers, p50 with one client and with several,
    their ratio against the goal, and each worker's memory after the load."""
    if "runs" not in load:  # figures made before the load test measured one client too
        return [f"{load['clients']} client threads, one waitress process, {load['seconds']:.0f} s.",
                "", "| requests | failed | requests/s | p50 | p99 |", "|---:|---:|---:|---:|---:|",
                f"| {load['requests']} | {load['failures']} | "
                f"{load['requests_per_second']:.1f} | {duration(load['p50'])} | "
                f"{duration(load['p99'])} |"]
    clients = load["clients"]
    lines = [
        f"`python -m search serve --port 0 --workers N` (1: waitress; more: gunicorn, "
        f"default threads), side by side; after a warm-up ({WARM_UP_PASSES} passes over the "
        f"query mix per worker), one client "
        f"and {clients} concurrent clients, each on 127.0.0.1 looping over the query mix "
        f"against `/api/search` for {load['seconds']:.0f} s in all, in "
        f"{load.get('rounds', 1)} spells interleaved between the servers.", "",
        f"| workers | p50, 1 client | p50, {clients} clients | ratio {clients}/1 | goal | met "
        f"| p99, {clients} clients | requests/s, {clients} clients | cores used, {clients} clients "
        "| failed | RSS per worker (of it mapped files, shared) |",
        "|---:|---:|---:|---:|---|---|---:|---:|---:|---:|---|",
    ]
    for count, rate in load["ratios"].items():
        one, many = (next(r for r in load["runs"] if r["workers"] == int(count)
                          and r["clients"] == n) for n in (1, clients))
        rss = ", ".join(f"{m['rss']:.0f} MiB ({m['files']:.0f} of files)"
                        for m in load["worker_rss_mib"].get(count, []))
        goal = f"≤ {LOAD_GOAL:.0f}x" if int(count) > 1 else ""
        lines.append(
            f"| {count} | {duration(one['p50'])} | {duration(many['p50'])} | {times(rate)} | "
            f"{goal} | {verdict(_at_most(rate, LOAD_GOAL)) if goal else ''} | "
            f"{duration(many['p99'])} | {many['requests_per_second']:.1f} | "
            f"{many.get('server_cores', 0.0):.2f} | {one['failures'] + many['failures']} "
            f"| {rss} |")
    lines += ["", "Cores used: the CPU time of the server's processes over the time measured; "
              f"{cores_note()}"]
    if load["failure_examples"]:
        lines += ["", "Failures: " + "; ".join(load["failure_examples"])]
    return lines


def cores_note() -> str:
    return (f"with {os.cpu_count()} cores, a figure well under the number of workers says "
            "that other work on the machine took the rest.")


def write_outputs(report: dict[str, Any], out: Path | None, json_path: Path | None) -> None:
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        text = markdown(report)
        # bench/add_many.py's section is its own: kept as it is.
        old = out.read_text(encoding="utf-8") if out.exists() else ""
        begin, end = "<!-- add_many: begin -->", "<!-- add_many: end -->"
        if begin in old and end in old:
            text += "\n" + begin + old.split(begin, 1)[1].split(end, 1)[0] + end + "\n"
        out.write_text(text, encoding="utf-8")
    if json_path is not None:
        json_path.parent.mkdir(parents=True, exist_ok=True)
        json_path.write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n",
                             encoding="utf-8")


def load_only(documents: int, settings: Settings, report: dict[str, Any],
              json_path: Path | None) -> int:
    """`--load-only`: a synthetic corpus of `documents`, its index, and the load test alone."""
    import synthetic

    from search.config import Config
    from search.index import build

    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="gcm-perf-load-") as scratch:
        work = Path(scratch)
        config = Config(work / "corpus", work / "index")
        synthetic.generate(config.corpus, documents, settings.seed)
        log(f"[{documents} documents] building the index")
        manifest = build(config)
        log(f"[{documents} documents] web load: 1 and {CLIENTS} clients, "
            f"{settings.load_seconds:.0f} s each, workers {LOAD_WORKERS}")
        report.update(load=load_test(config, work, settings.load_seconds),
                      load_documents=documents, load_passages=manifest.passages)
    report["seconds"] = time.perf_counter() - started
    if json_path is not None:
        write_outputs(report, None, json_path)
    print(f"## Web server under load ({documents:,} documents, {manifest.passages:,} passages)\n")
    print("\n".join(load_table(report["load"])))
    return 0


# ---- command line -------------------------------------------------------------------------------

def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--documents", type=int, nargs="+", metavar="N",
                        help="corpus sizes (default: 100 1000; with --quick: 100)")
    parser.add_argument("--quick", action="store_true",
                        help="100 documents, 1 repeat, fewer query passes, a 5 s load test")
    parser.add_argument("--out", type=Path, default=RESULTS, help=f"default {RESULTS}")
    parser.add_argument("--json", type=Path, help="also write every raw figure here")
    parser.add_argument("--seed", type=int, default=7, help="of the synthetic corpus")
    parser.add_argument("--cold-only", action="store_true",
                        help="only the cold CLI on the bundled corpus, against FTS5 and its "
                             "floor: print its section (and --json); write no --out")
    parser.add_argument("--cold-runs", type=int, default=COLD_RUNS, metavar="N",
                        help=f"measured runs of each cold command (default {COLD_RUNS})")
    parser.add_argument("--load-only", action="store_true",
                        help="only the web server under load, on the largest size: prints its "
                             "table and writes --json if given, never --out")
    parser.add_argument("--builds-only", action="store_true",
                        help="only the full builds (gcm-search with and without the model, "
                             "FTS5); print them, write nothing")
    parser.add_argument("--build-jobs", type=int, nargs="+", metavar="N",
                        help="with --builds-only: also build in N processes (index --jobs N)")
    # Internal: what the child processes run.
    parser.add_argument("--child", choices=("build", "queries"), help=argparse.SUPPRESS)
    parser.add_argument("--system", choices=("gcm", "fts"), help=argparse.SUPPRESS)
    parser.add_argument("--corpus", help=argparse.SUPPRESS)
    parser.add_argument("--index", help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    parser.add_argument("--rows", help=argparse.SUPPRESS)
    parser.add_argument("--passes", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--mode", default=DEFAULT_MODE, help=argparse.SUPPRESS)
    parser.add_argument("--words-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.documents and any(n < 1 for n in args.documents):
        parser.error("--documents must be at least 1")
    if args.cold_runs < 1:
        parser.error("--cold-runs must be at least 1")
    if args.build_jobs and any(n < 1 for n in args.build_jobs):
        parser.error("--build-jobs must be at least 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child:
        return child_main(args)
    sizes = sorted(set(args.documents or ([100] if args.quick else [100, 1000])))
    settings = Settings(quick=args.quick, seed=args.seed, passes=2 if args.quick else 4,
                        cold_runs=args.cold_runs,
                        load_seconds=QUICK_LOAD_SECONDS if args.quick else LOAD_SECONDS)
    if args.builds_only:
        builds = builds_only(sizes, settings, args.build_jobs or ())
        if args.json:
            args.json.write_text(json.dumps(builds, indent=1) + "\n", encoding="utf-8")
        return 0
    shown = sys.argv[1:] if argv is None else list(argv)
    report: dict[str, Any] = {
        "command": shlex.join(["python", "bench/perf.py", *shown]),
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(),
        "settings": {"quick": settings.quick, "seed": settings.seed, "passes": settings.passes,
                     "cold_runs": settings.cold_runs, "load_seconds": settings.load_seconds,
                     "sizes": sizes, "queries": [list(q) for q in QUERIES]},
        "sizes": {}, "load": None, "load_documents": None, "bundled": None, "seconds": 0.0,
    }
    if args.load_only:
        return load_only(sizes[-1], settings, report, args.json)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="gcm-perf-") as scratch:
        log("cold CLI on the bundled corpus")
        bundled = Path(scratch) / "bundled"
        bundled.mkdir()
        report["bundled"] = bundled_cold(bundled, settings.cold_runs)
        if args.cold_only:
            report["seconds"] = time.perf_counter() - started
            write_outputs(report, None, args.json)
            print("\n".join(cold_section(report["bundled"])))
            return 0
        for documents in sizes:
            work = Path(scratch) / f"n{documents}"
            work.mkdir()
            figures = run_size(documents, work, settings, load=documents == sizes[-1])
            if "load" in figures:
                report["load"], report["load_documents"] = figures.pop("load"), documents
            report["sizes"][str(documents)] = figures
            report["seconds"] = time.perf_counter() - started
            write_outputs(report, args.out, args.json)  # so far, in case a later size fails
    report["seconds"] = time.perf_counter() - started
    write_outputs(report, args.out, args.json)
    print(markdown(report))
    log(f"done in {report['seconds'] / 60:.1f} min; wrote {args.out}"
        + (f" and {args.json}" if args.json else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
