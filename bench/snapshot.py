"""Top-10 snapshot: the ids (and scores) gcm-search returns for a fixed query mix on the bundled
corpus, written once and compared by tests/test_snapshot.py after every optimisation, so that
speed never changes what users get.

    python bench/snapshot.py          # rewrite bench/top10.json (only when results SHOULD change)
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from search.config import Config, default_corpus
from search.index import open_index
from search.render import results_text
from search.results import Request, make_filters, search

HERE = Path(__file__).resolve().parent
SNAPSHOT = HERE / "top10.json"
FILTERED = [("trafficking", "10"), ("training", "12"), ("refugees", "23"), ("", "16"),
            ("victims", "trafficking"), ("foreign nationals", "17"), ("IOM", "23")]


def queries() -> list[tuple[str, str]]:
    """(query, objective filter or "") pairs: the judged relevance queries, then filtered ones."""
    lines = (HERE / "queries.tsv").read_text(encoding="utf-8").splitlines()
    judged = [line.split("\t")[3] for line in lines if line.strip() and not line.startswith("#")]
    return [(q, "") for q in judged] + FILTERED


def take(index_dir: Path) -> dict[str, list[list[object]]]:
    opened = open_index(Config(default_corpus(), index_dir))
    snapshot: dict[str, list[list[object]]] = {}
    for text, objective in queries():
        filters = make_filters(opened, objectives=[objective] if objective else [])
        results = search(opened, Request(text, filters, 1, 10, mode="words"))
        results_text(results)  # highlights and facets are computed as the CLI shows them
        key = f"{text} | objective {objective}" if objective else text
        snapshot[key] = [[h.passage.id, h.score] for h in results.hits] + [
            ["total", results.total], ["facets", results.facets]]
    return snapshot


def main() -> int:
    with tempfile.TemporaryDirectory() as scratch:
        SNAPSHOT.write_text(json.dumps(take(Path(scratch) / "index"), indent=1,
                                       ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {SNAPSHOT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
