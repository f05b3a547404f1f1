"""Relevance benchmark: gcm-search's three modes against SQLite FTS5 on judged query sets, in
the same run, and objective tags inferred for a review that names none.

    python bench/relevance.py            # prints the tables and writes bench/RELEVANCE.md

The judged queries are in bench/queries.tsv (the review's own words, typos, spellings, acronyms,
numbers, questions), bench/paraphrases.tsv (held out: a user's own words, which differ from the
passage's; written before any output of the semantic layer was seen and never tuned against)
and bench/paraphrases_dev.tsv (the paraphrases the fusion and the floor were tuned on). Their
headers say how they were written. Every system indexes the same passages (the chunker's output
for the bundled corpus). FTS5 is the usual peer: a `porter unicode61` tokenizer, each query word
quoted and OR-ed, ranked by `bm25()`. Metrics (nDCG@10, MRR, recall@10) come from ir-measures
(trec_eval underneath). The blind tagging section comes from bench/blind.py.
"""

from __future__ import annotations

import argparse
import re
import sqlite3
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import ir_measures
from ir_measures import RR, Qrel, R, ScoredDoc, nDCG

from search.config import Config, default_corpus
from search.index import load_passages, open_index
from search.models import Passage
from search.results import Request, search

HERE = Path(__file__).resolve().parent
QUERIES = HERE / "queries.tsv"
PARAPHRASES = HERE / "paraphrases.tsv"
DEV = HERE / "paraphrases_dev.tsv"
QUERY_SETS = {"judged": QUERIES, "paraphrase": PARAPHRASES, "dev": DEV}
MODES = {"gcm-search": "hybrid", "gcm-search words": "words", "gcm-search meaning": "meaning"}
RESULTS = HERE / "RELEVANCE.md"
MEASURES = (nDCG @ 10, RR, R @ 10)
DEPTH = 10

Ranker = Callable[[str], list[str]]


@dataclass(frozen=True)
class Query:
    qid: str
    hard: bool
    category: str
    text: str
    judgments: dict[str, int]


def load_queries(path: Path = QUERIES) -> list[Query]:
    queries = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split("\t")
        if len(fields) != 5:
            raise ValueError(f"{path.name}:{number}: expected 5 tab-separated fields")
        qid, hard, category, text, judged = fields
        judgments = {}
        for pair in judged.split():
            passage_id, grade = pair.rsplit("=", 1)
            judgments[passage_id] = int(grade)
        queries.append(Query(qid, hard == "yes", category, text, judgments))
    return queries


def gcm_search_ranker(config: Config, mode: str = "hybrid") -> Ranker:
    opened = open_index(config)

    def rank(text: str) -> list[str]:
        request = Request(text, limit=DEPTH, mode=mode)
        return [hit.passage.id for hit in search(opened, request).hits]

    return rank


def fts5_ranker(passages: Sequence[Passage]) -> Ranker:
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE p USING fts5(id UNINDEXED, text, tokenize='porter unicode61')")
    db.executemany("INSERT INTO p VALUES (?, ?)", [(p.id, p.text) for p in passages])

    def rank(text: str) -> list[str]:
        words = re.findall(r"\w+", text)
        if not words:
            return []
        match = " OR ".join(f'"{w}"' for w in words)
        rows = db.execute(
            "SELECT id FROM p WHERE p MATCH ? ORDER BY bm25(p) LIMIT ?", (match, DEPTH)
        )
        return [row[0] for row in rows]

    return rank


def evaluate(queries: Sequence[Query], rank: Ranker) -> dict[str, dict[str, float]]:
    """Aggregate metrics overall, on the hard subset, and per category."""
    qrels = [Qrel(q.qid, pid, grade) for q in queries for pid, grade in q.judgments.items()]
    run = []
    for q in queries:
        ids = rank(q.text) or ["(nothing)"]  # an empty run must still count, as zero
        run += [ScoredDoc(q.qid, pid, float(DEPTH - i)) for i, pid in enumerate(ids)]
    per_query: dict[str, dict[str, float]] = {}
    for metric in ir_measures.iter_calc(list(MEASURES), qrels, run):
        per_query.setdefault(metric.query_id, {})[str(metric.measure)] = metric.value
    groups: dict[str, list[str]] = {"all": [q.qid for q in queries],
                                    "hard": [q.qid for q in queries if q.hard]}
    for q in queries:
        groups.setdefault(q.category, []).append(q.qid)
    return {
        name: {str(m): _mean(per_query, qids, str(m)) for m in MEASURES} | {"queries": len(qids)}
        for name, qids in groups.items()
    } | {"per_query": {qid: values["nDCG@10"] for qid, values in per_query.items()}}


def _mean(per_query: dict[str, dict[str, float]], qids: Sequence[str], measure: str) -> float:
    return sum(per_query[q][measure] for q in qids) / len(qids) if qids else 0.0


Scores = dict[str, dict[str, dict[str, float]]]


def run(index_dir: Path | None = None, path: Path = QUERIES) -> Scores:
    """Every system on the queries of `path`: gcm-search in its default mode (hybrid), by
    words and by meaning alone, and FTS5."""
    return run_sets(index_dir, {"": path})[""]


def run_sets(index_dir: Path | None, paths: dict[str, Path]) -> dict[str, Scores]:
    """`run` for several query files, on one index."""
    with tempfile.TemporaryDirectory() as scratch:
        config = Config(default_corpus(), index_dir or Path(scratch) / "index")
        _, passages = load_passages(config)
        rankers = {name: gcm_search_ranker(config, mode) for name, mode in MODES.items()}
        rankers["SQLite FTS5"] = fts5_ranker(passages)
        return {name: {system: evaluate(load_queries(path), rank)
                       for system, rank in rankers.items()}
                for name, path in paths.items()}


def table(results: Scores, path: Path = QUERIES) -> str:
    queries = load_queries(path)
    systems = list(results)
    groups = [g for g in results[systems[0]] if g != "per_query"]
    lines = [
        "| subset | queries | " + " | ".join(
            f"{s} {m}" for m in ("nDCG@10", "MRR", "R@10") for s in systems) + " |",
        "|---|---:|" + "---:|" * (3 * len(systems)),
    ]
    for group in groups:
        row = results[systems[0]][group]
        cells = [f"{results[s][group][m]:.3f}"
                 for m in ("nDCG@10", "RR", "R@10") for s in systems]
        lines.append(f"| {group} | {int(row['queries'])} | " + " | ".join(cells) + " |")
    lines += ["", "Per query (nDCG@10):", "",
              "| qid | hard | category | query | " + " | ".join(systems) + " |",
              "|---|---|---|---|" + "---:|" * len(systems)]
    for q in queries:
        cells = [f"{results[s]['per_query'].get(q.qid, 0.0):.3f}" for s in systems]
        lines.append(f"| {q.qid} | {'yes' if q.hard else ''} | {q.category} | "
                     f"{q.text.replace('|', '/')} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--no-write", action="store_true", help="print only; do not write "
                        f"{RESULTS.name}")
    args = parser.parse_args(argv)
    results = run_sets(None, QUERY_SETS)
    import blind  # bench/ is on the path when this runs as a script

    text = "\n\n".join([
        "## The judged queries (bench/queries.tsv): the review's own words, and hard ones",
        table(results["judged"], QUERIES),
        "## Paraphrases, held out (bench/paraphrases.tsv): a user's own words",
        "Written from the review text alone before any output of the semantic layer was seen; "
        "nothing was tuned on them.",
        table(results["paraphrase"], PARAPHRASES),
        "## Paraphrases, dev (bench/paraphrases_dev.tsv)",
        "The set the fusion and the meaning floor were tuned on: in-sample figures.",
        table(results["dev"], DEV),
        blind.markdown(blind.run()),
    ])
    print(text)
    if not args.no_write:
        RESULTS.write_text(
            "# Relevance: gcm-search and SQLite FTS5 on judged Japan queries; blind tagging\n\n"
            "Written by `python bench/relevance.py` (see its docstring and bench/queries.tsv). "
            "MRR is the mean reciprocal rank (RR); R@10 is recall at 10 (grade >= 1). "
            "`gcm-search` is the default mode (hybrid: words and meaning); `gcm-search words` "
            "and `gcm-search meaning` are the two alone.\n\n"
            + text + "\n",
            encoding="utf-8",
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
