"""Where the time goes: a profile of a full build and of the query mix, and the floors under them.

    python bench/profiling.py                      # 100 synthetic documents -> bench/PROFILE.md
    python bench/profiling.py --documents 20 --out /tmp/PROFILE.md   # about a minute

Speed work on gcm-search starts here (issue 7: "profile before you optimise"). Three parts:

- a cProfile of `search.index.build(force=True)` and of the query mix of bench/perf.py (as the CLI
  shows each query), with every function's own time (tottime) summed by stage: our chunking and
  tagging, text analysis, Whoosh writing postings, Whoosh matching and scoring, and so on. The
  stages add up to the whole, so the table says what an optimisation of one stage can win at most;
- floors: what the build costs before Whoosh stores a posting (chunking, then running the two
  analyzers over every passage), next to the whole SQLite FTS5 build of the same passages;
- the cold CLI floor: fresh interpreters that only import what a search needs from click and
  Whoosh, against the FTS5 peer of bench/perf.py, median of interleaved runs.

cProfile slows Python code down about twofold, evenly enough for shares; the floors are timed
without it.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PROFILE = HERE / "PROFILE.md"
COLD_RUNS = 10

# (stage, path fragments): the first stage with a fragment in a function's file takes its time.
STAGES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("embedding and inference (gcm-search, the tokenizer)",
     ("search/meaning/", "search/index/prepare.py")),
    ("pre-analysed postings, bulk writing (gcm-search)", ("search/index/segment.py",)),
    ("chunking and tagging (gcm-search)",
     ("search/passages.py", "search/blocks.py", "search/tagging.py", "search/sources/",
      "search/objectives.py", "search/catalog.py", "search/corpus.py")),
    ("text analysis: tokenize, fold, stem", ("search/index/analysis.py", "search/spelling.py",
                                             "whoosh/analysis/", "whoosh/lang/")),
    ("highlighting (gcm-search)", ("search/highlight.py",)),
    ("cached postings, bitmaps, facets (gcm-search)", ("search/index/postings.py",)),
    ("query parsing, facets, results (gcm-search)",
     ("search/query.py", "search/results.py", "search/acronyms.py", "search/render.py",
      "search/cite.py", "search/anchor.py", "search/models.py", "search/index/schema.py",
      "search/index/")),
    ("Whoosh: postings and files (encoding, decoding, storage)",
     ("whoosh/writing.py", "whoosh/codec/", "whoosh/filedb/", "whoosh/formats.py",
      "whoosh/columns.py", "whoosh/fields.py", "whoosh/util/", "whoosh/system.py")),
    ("Whoosh: matching, scoring, collecting",
     ("whoosh/matching/", "whoosh/query/", "whoosh/scoring.py", "whoosh/collectors.py",
      "whoosh/searching.py", "whoosh/reading.py", "whoosh/idsets.py", "whoosh/spelling.py",
      "whoosh/automata/")),
    ("other Whoosh", ("whoosh/",)),
    ("Python's standard library", ("",)),
)


def stage_of(filename: str) -> str:
    name = filename.replace("\\", "/")
    for stage, fragments in STAGES:
        if any(fragment in name for fragment in fragments):
            return stage
    return STAGES[-1][0]


def by_stage(stats: pstats.Stats) -> dict[str, float]:
    """Own time per stage, in seconds; the stages sum to the profiled total.

    A built-in (zlib, pickle, a regex search, sorted) counts for the stage of whoever called it:
    a regex search in the tagger is tagging's time."""
    totals: dict[str, float] = {}
    entries = stats.stats.items()  # type: ignore[attr-defined]
    for (filename, _, _), (_, _, own, _, callers) in entries:
        if filename == "~" and callers:
            for (caller_file, _, _), (_, _, from_caller, _) in callers.items():
                stage = stage_of(caller_file)
                totals[stage] = totals.get(stage, 0.0) + from_caller
            continue
        stage = stage_of(filename)
        totals[stage] = totals.get(stage, 0.0) + own
    return totals


def top_functions(stats: pstats.Stats, count: int) -> list[tuple[str, float, int]]:
    """The functions with the most own time: (where, seconds, calls)."""
    rows = []
    for (filename, line, name), (_, calls, own, _, _) in stats.stats.items():  # type: ignore[attr-defined]
        short = filename.split("site-packages/")[-1].replace(str(ROOT) + "/", "")
        rows.append((f"{short}:{line} {name}", own, calls))
    return sorted(rows, key=lambda row: -row[1])[:count]


def profiled(work: Callable[[], Any]) -> tuple[pstats.Stats, float]:
    profile = cProfile.Profile()
    started = time.perf_counter()
    profile.runcall(work)
    elapsed = time.perf_counter() - started
    return pstats.Stats(profile), elapsed


def floors(corpus: Path) -> dict[str, float]:
    """What a build costs before Whoosh stores a posting, whole builds in one process and on
    every core, and FTS5's whole build, unprofiled."""
    from search.config import Config
    from search.gather import cores
    from search.index import build, load_passages
    from search.index.analysis import exact, stemmed

    timings: dict[str, float] = {"cores": float(cores())}
    with tempfile.TemporaryDirectory() as scratch:
        for name, jobs in (("build_one_process", 1), ("build_every_core", cores())):
            started = time.perf_counter()
            build(Config(corpus, Path(scratch) / name), force=True, jobs=jobs)
            timings[name] = time.perf_counter() - started
    started = time.perf_counter()
    _, passages = load_passages(Config(corpus, corpus.parent / "unused-index"))
    chunked = time.perf_counter() - started
    timings.update({"passages": float(len(passages)), "chunk_and_tag": chunked})
    for name, analyzer in (("analyse_stemmed", stemmed()), ("analyse_exact", exact())):
        started = time.perf_counter()
        for passage in passages:
            for _ in analyzer(passage.text):
                pass
        timings[name] = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as scratch:
        db = sqlite3.connect(Path(scratch) / "fts.db")
        started = time.perf_counter()
        db.execute("CREATE VIRTUAL TABLE p USING fts5(id UNINDEXED, text, "
                   "tokenize='porter unicode61')")
        db.executemany("INSERT INTO p VALUES (?, ?)", [(p.id, p.text) for p in passages])
        db.commit()
        timings["fts5_build"] = time.perf_counter() - started
        db.close()
    return timings


# What a search needs from the two libraries the product is built on, and nothing of ours.
LIBRARY_IMPORTS = ("import click, whoosh.index, whoosh.query, whoosh.searching, whoosh.fields, "
                   "whoosh.analysis, whoosh.scoring")


def cold_floor(runs: int) -> dict[str, float]:
    """Median wall time of fresh interpreters, interleaved: nothing, the FTS5 peer's imports,
    click and Whoosh's imports, gcm-search's CLI imports, and a search on the bundled corpus."""
    sys.path.insert(0, str(HERE))
    from perf import user_environ

    python, environ = sys.executable, user_environ()
    commands = {
        "python_startup": [python, "-c", "pass"],
        "fts5_peer_imports": [python, "-c", "import sqlite3"],
        "click_and_whoosh_imports": [python, "-c", LIBRARY_IMPORTS],
        "gcm_search_cli_imports": [python, "-c", "import search.cli"],
        "gcm_search_bundled_query": [python, "-m", "search", "search", "trafficking",
                                     "victims", "repatriation"],
    }
    # The bundled index is built (and our modules byte-compiled) first, so no run pays for it.
    subprocess.run(commands["gcm_search_bundled_query"], cwd=ROOT, capture_output=True,
                   env=environ)
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, command in commands.items():
            started = time.perf_counter()
            subprocess.run(command, cwd=ROOT, capture_output=True, env=environ)
            times[name].append(time.perf_counter() - started)
    return {"runs": runs, **{name: statistics.median(values) for name, values in times.items()}}


def run(documents: int, seed: int, passes: int) -> dict[str, Any]:
    sys.path.insert(0, str(HERE))
    import perf
    import synthetic

    from search.config import Config
    from search.index import build, open_index

    with tempfile.TemporaryDirectory() as scratch:
        corpus = synthetic.generate(Path(scratch) / "corpus", documents, seed)
        config = Config(corpus, Path(scratch) / "index")
        # In this process (--jobs 1), so that the profile sees every stage of the work.
        build_stats, build_seconds = profiled(lambda: build(config, force=True, jobs=1))
        opened = open_index(config, build_if_needed=False)
        for text, objective in perf.QUERIES:  # warm-up, as the benchmark does
            perf.gcm_query(opened, text, objective)

        def queries() -> None:
            for _ in range(passes):
                for text, objective in perf.QUERIES:
                    perf.gcm_query(opened, text, objective)

        query_stats, query_seconds = profiled(queries)
        floor = floors(corpus)
    return {
        "documents": documents,
        "passages": int(floor["passages"]),
        "build": {"seconds": build_seconds, "stages": by_stage(build_stats),
                  "top": top_functions(build_stats, 12)},
        "queries": {"seconds": query_seconds, "count": passes * len(perf.QUERIES),
                    "stages": by_stage(query_stats), "top": top_functions(query_stats, 12)},
        "floors": floor,
    }


def stage_table(stages: dict[str, float]) -> list[str]:
    total = sum(stages.values())
    lines = ["| stage | own time | share |", "|---|---:|---:|"]
    for stage, seconds in sorted(stages.items(), key=lambda kv: -kv[1]):
        lines.append(f"| {stage} | {seconds:.2f} s | {seconds / total:.0%} |")
    return lines


def top_table(rows: Sequence[tuple[str, float, int]]) -> list[str]:
    lines = ["| function | own time | calls |", "|---|---:|---:|"]
    lines += [f"| `{where}` | {seconds:.2f} s | {calls:,} |" for where, seconds, calls in rows]
    return lines


def markdown(report: dict[str, Any], cold: dict[str, float]) -> str:
    build, queries, floor = report["build"], report["queries"], report["floors"]
    analysis = floor["analyse_stemmed"] + floor["analyse_exact"]
    before_whoosh = floor["chunk_and_tag"] + analysis
    fts = floor["fts5_build"]
    per_query = queries["seconds"] / queries["count"] * 1000
    library = cold["click_and_whoosh_imports"]
    peer = cold["fts5_peer_imports"]
    lines = [
        "# Where the time goes",
        "",
        f"Written by `python bench/profiling.py --documents {report['documents']}` "
        f"({report['passages']:,} passages of synthetic reviews, bench/synthetic.py). "
        "Own time (cProfile's tottime) of every function, summed by stage; the stages add up to "
        "the profiled total. cProfile slows Python about twofold; the floors below are timed "
        "without it.",
        "",
        f"## Full build: {build['seconds']:.1f} s profiled (one process: `--jobs 1`)",
        "",
        *stage_table(build["stages"]),
        "",
        *top_table(build["top"]),
        "",
        "Floors and whole builds, timed without the profiler, over the same passages (the "
        "analyzers' floor is Whoosh's analyzers run separately over each passage, as the build "
        "did before it tokenized once):",
        "",
        "| | seconds | x FTS5's whole build |",
        "|---|---:|---:|",
        f"| SQLite FTS5: the whole build (tokenize, stem, store) | {fts:.2f} | 1.0x |",
        f"| gcm-search: chunking and tagging only | {floor['chunk_and_tag']:.2f} | "
        f"{floor['chunk_and_tag'] / fts:.1f}x |",
        f"| gcm-search: running the stemmed and exact analyzers only | {analysis:.2f} | "
        f"{analysis / fts:.1f}x |",
        f"| gcm-search: both, before Whoosh stores one posting | {before_whoosh:.2f} | "
        f"{before_whoosh / fts:.1f}x |",
        f"| gcm-search: the whole build with vectors, one process (`index --jobs 1`) | "
        f"{floor['build_one_process']:.2f} | {floor['build_one_process'] / fts:.1f}x |",
        f"| gcm-search: the whole build with vectors, every core ({floor['cores']:.0f}) | "
        f"{floor['build_every_core']:.2f} | {floor['build_every_core'] / fts:.1f}x |",
        "",
        f"## Query mix: {queries['count']} queries, {per_query:.1f} ms each profiled",
        "",
        *stage_table(queries["stages"]),
        "",
        *top_table(queries["top"]),
        "",
        f"## Cold CLI: fresh interpreters, median of {cold['runs']} interleaved runs",
        "",
        "| | ms | x the FTS5 peer's |",
        "|---|---:|---:|",
        f"| `python -c pass` | {cold['python_startup'] * 1000:.0f} | |",
        f"| `import sqlite3` (what the FTS5 peer imports) | {peer * 1000:.0f} | 1.0x |",
        f"| `{LIBRARY_IMPORTS}` | {library * 1000:.0f} | {library / peer:.1f}x |",
        f"| `import search.cli` | {cold['gcm_search_cli_imports'] * 1000:.0f} | "
        f"{cold['gcm_search_cli_imports'] / peer:.1f}x |",
        f"| `python -m search search trafficking victims repatriation` (bundled corpus) | "
        f"{cold['gcm_search_bundled_query'] * 1000:.0f} | "
        f"{cold['gcm_search_bundled_query'] / peer:.1f}x |",
        "",
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--documents", type=int, default=100)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--passes", type=int, default=2, help="over the query mix")
    parser.add_argument("--cold-runs", type=int, default=COLD_RUNS)
    parser.add_argument("--out", type=Path, default=PROFILE, help=f"default {PROFILE}")
    args = parser.parse_args(argv)
    if args.documents < 1 or args.passes < 1 or args.cold_runs < 1:
        parser.error("--documents, --passes and --cold-runs must be at least 1")
    report = run(args.documents, args.seed, args.passes)
    args.out.write_text(markdown(report, cold_floor(args.cold_runs)), encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
