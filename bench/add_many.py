"""Adding a folder of reviews at once against rebuilding the index of the same corpus.

    python bench/add_many.py                     # 100 reviews, 3 repeats -> bench/add_many.json
                                                 #   and the "Adding a folder" part of RESULTS.md
    python bench/add_many.py --documents 20 --repeats 1 --json /tmp/a.json --out /tmp/R.md

The folder: N synthetic reviews (bench/synthetic.py, seed 7), a quarter each as plain text,
HTML, Word (python-docx) and PDF (fpdf2, a test dependency), as a researcher's folder of
downloads would mix them. Each repeat, interleaved so that the machine's noise falls on all:

- `gcm-search add FOLDER --year 2022 --jobs 1` into a new, empty corpus (fresh process);
- the same with `--jobs 2` (one worker per core of these machines);
- `gcm-search index --rebuild` of the corpus that add made (fresh process): the peer the
  issue's goal names ("no longer than 1.3x a full rebuild of the same corpus").

Reading alone is timed too (`search.gather.read_all` over the folder, 1 and 2 workers), since
that is the part the workers share out. Medians of the repeats; ratios are what the goals
compare, as absolute seconds on shared machines are noise.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

import synthetic  # noqa: E402

from search.gather import Given, from_paths, read_all  # noqa: E402

RESULTS = HERE / "RESULTS.md"
JSON = HERE / "add_many.json"
BEGIN, END = "<!-- add_many: begin -->", "<!-- add_many: end -->"
"""RESULTS.md is perf.py's; this script owns the part between these markers (perf.py keeps it)."""
GOAL = 1.3
FORMATS = ("txt", "html", "docx", "pdf")
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def blocks_of(text: str) -> list[str]:
    return [b.strip() for b in text.split("\n\n") if b.strip()]


def write_review(folder: Path, number: int, country: str, fmt: str, seed: int = 7) -> Path:
    """Review `number` of `country` in format `fmt`: the synthetic text, laid out as that
    format lays out a review (headings as headings, list items as list items)."""
    rng = random.Random(f"{seed}:{number}")
    blocks = blocks_of(synthetic.document_text(rng, country, 2022))
    path = folder / f"{number:03d}-{synthetic.slug(country)}.{fmt}"
    if fmt == "txt":
        path.write_text("\n\n".join(blocks) + "\n", encoding="utf-8")
    elif fmt == "html":
        body = "".join(f"<h1>{html.escape(b)}</h1>" if n == 0 else
                       f"<ul><li>{html.escape(b[2:])}</li></ul>" if b.startswith("- ") else
                       f"<p>{html.escape(b)}</p>" for n, b in enumerate(blocks))
        path.write_text(f"<!doctype html><html><head><meta charset='utf-8'><title>"
                        f"{html.escape(blocks[0])}</title></head><body>{body}</body></html>",
                        encoding="utf-8")
    elif fmt == "docx":
        from docx import Document

        document = Document()
        for n, block in enumerate(blocks):
            if n == 0:
                document.add_heading(block, level=0)
            elif block.startswith("- "):
                document.add_paragraph(block[2:], style="List Bullet")
            else:
                document.add_paragraph(block)
        document.save(str(path))
    else:
        from fpdf import FPDF

        pdf = FPDF(format="A4")
        pdf.add_font("Body", fname=str(FONT))
        pdf.set_margins(20, 20, 20)
        pdf.add_page()
        pdf.set_font("Body", size=11)
        for block in blocks:
            pdf.multi_cell(0, 5.5, block, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(3)
        pdf.output(str(path))
    return path


def make_folder(folder: Path, documents: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for number, entry in enumerate(synthetic.plan(documents)):
        write_review(folder, number, entry.country, FORMATS[number % len(FORMATS)])
    return folder


def timed(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True,
                          check=False)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed: {done.stderr[-2000:]}")
    return seconds


def gcm(*args: str) -> list[str]:
    return [sys.executable, "-m", "search", *args]


def run(documents: int, repeats: int, scratch: Path) -> dict[str, Any]:
    folder = make_folder(scratch / "folder", documents)
    env = {**os.environ, "GCM_SEARCH_INDEX": ""}
    series: dict[str, list[float]] = {"add, 1 worker": [], "add, 2 workers": [],
                                      "index --rebuild": [], "read, 1 worker": [],
                                      "read, 2 workers": []}
    passages = 0
    paths = [(i.path, "") for i in from_paths([str(folder)], Given()) if i.path]
    for repeat in range(repeats):
        # Alternate which add goes first, so neither always meets a warmer page cache.
        for jobs in ((1, 2) if repeat % 2 == 0 else (2, 1)):
            corpus, index = scratch / f"corpus-{jobs}", scratch / f"index-{jobs}"
            shutil.rmtree(corpus, ignore_errors=True)
            shutil.rmtree(index, ignore_errors=True)
            series[f"add, {jobs} worker{'s' * (jobs > 1)}"].append(timed(
                gcm("add", str(folder), "--year", "2022", "--jobs", str(jobs), "--corpus",
                    str(corpus), "--index-dir", str(index)), env))
        series["index --rebuild"].append(timed(
            gcm("index", "--rebuild", "--corpus", str(scratch / "corpus-2"), "--index-dir",
                str(scratch / "index-2")), env))
        for jobs in (1, 2):
            start = time.perf_counter()
            read = read_all(paths, jobs=jobs)
            series[f"read, {jobs} worker{'s' * (jobs > 1)}"].append(time.perf_counter() - start)
            failed = [str(r) for r in read if not hasattr(r, "source")]
            if failed:
                raise RuntimeError(f"reading failed: {failed[:3]}")
    stats = json.loads(subprocess.run(
        gcm("stats", "--json", "--corpus", str(scratch / "corpus-2"), "--index-dir",
            str(scratch / "index-2")), env=env, cwd=ROOT, capture_output=True, text=True,
        check=True).stdout)
    passages = stats["passages"]
    medians = {k: statistics.median(v) for k, v in series.items()}
    rebuild = medians["index --rebuild"]
    return {
        "documents": documents,
        "formats": {f: sum(1 for n in range(documents) if FORMATS[n % len(FORMATS)] == f)
                    for f in FORMATS},
        "passages": passages,
        "repeats": repeats,
        "seconds": series,
        "median": medians,
        "ratio_to_rebuild": {k: medians[k] / rebuild for k in ("add, 1 worker",
                                                              "add, 2 workers")},
        "read_speedup": medians["read, 1 worker"] / medians["read, 2 workers"],
        "goal": GOAL,
        "met": medians["add, 2 workers"] / rebuild <= GOAL,
        "cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else
        os.cpu_count(),
        "machine": f"{platform.machine()}, {platform.python_version()}",
        "written": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    }


def markdown(report: dict[str, Any]) -> str:
    m, r = report["median"], report["ratio_to_rebuild"]
    formats = ", ".join(f"{n} {f}" for f, n in report["formats"].items())
    rows = [
        ("`add FOLDER --jobs 1` into an empty corpus", m["add, 1 worker"],
         f"{r['add, 1 worker']:.2f}x"),
        ("`add FOLDER --jobs 2` (the default here: one per core)", m["add, 2 workers"],
         f"{r['add, 2 workers']:.2f}x"),
        ("`index --rebuild` of the same corpus", m["index --rebuild"], "1x"),
        ("reading alone, 1 worker", m["read, 1 worker"], ""),
        ("reading alone, 2 workers", m["read, 2 workers"],
         f"{report['read_speedup']:.2f}x faster"),
    ]
    lines = [
        BEGIN,
        "## Adding a folder of reviews (issue 14)",
        "",
        f"Written by `python bench/add_many.py` on {report['written']} "
        f"({report['cores']} cores). {report['documents']} synthetic reviews ({formats}; "
        f"{report['passages']:,} passages) added in one command to an empty corpus, against a "
        f"full rebuild of the same corpus; median of {report['repeats']}, interleaved.",
        "",
        "| | median | vs rebuild |",
        "|---|---:|---:|",
        *[f"| {name} | {seconds:.1f} s | {ratio} |" for name, seconds, ratio in rows],
        "",
        f"Goal: adding the folder takes no longer than {report['goal']}x the rebuild: "
        f"**{'met' if report['met'] else 'not met'}** ({r['add, 2 workers']:.2f}x with 2 "
        f"workers, {r['add, 1 worker']:.2f}x with 1). The add reads each file once, in "
        "parallel, and hands its passages to the one index update; the rebuild reads the "
        "corpus in one process. Indexing (Whoosh's writer, embedding) is one process in both.",
        END,
    ]
    return "\n".join(lines)


def splice(path: Path, section: str) -> None:
    """Put `section` in place of the marked part of `path` (or at its end)."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    if BEGIN in text and END in text:
        before, rest = text.split(BEGIN, 1)
        text = before + section + rest.split(END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    path.write_text(text, encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--documents", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", type=Path, default=JSON)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="gcm-add-many-") as scratch:
        report = run(args.documents, args.repeats, Path(scratch))
    args.json.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    splice(args.out, markdown(report))
    print(markdown(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
