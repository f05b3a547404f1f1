"""Coverage-guided fuzzing of what users feed gcm-search: query text, corpus files, raw text.

    python bench/fuzz.py --seconds 60                     # every target, 60 s each
    python bench/fuzz.py --seconds 300 --target pdf       # one target (repeat --target for more)
    python bench/fuzz.py --seconds 60 --json fuzz.json    # the figures, for bench/hardening.py
    python bench/fuzz.py --seconds 2 --jobs 2             # two targets at a time (the test)
    python bench/fuzz.py --replay tests/hardening/crashes/query-crash-…   # one input, once

atheris comes with the test extra (`pip install -e '.[test]'`; wheels for Linux x86_64 only).

Targets, one per surface: `query` (parse + search on the bundled Japan review's index, user
words and Whoosh's syntax), `txt`, `html`, `pdf`, `docx` (bytes saved under that extension and
read by `read_source`, then chunked) and `chunker` (any text through blocks -> passages ->
tagging). Each runs in its own child process under atheris (libFuzzer), seeded from the repo:
the bundled review, bench/queries.tsv, and small HTML, Word and PDF files made in a temp folder
(a PDF with a broken xref, an encrypted one, a billion-laughs .docx, and each format under the
others' extensions). Nothing is downloaded.

An input's outcome is results, or a `GcmSearchError` (a refusal that names the problem). A crash
is anything else: another exception (a broken invariant too: passages must slice their text),
an input that runs past --timeout seconds, or a child past --rss-limit-mb. libFuzzer stops a
target at its first crash and writes the input to the crashes folder (tests/hardening/crashes/
unless --crashes says otherwise) as `<target>-crash-<sha1>` (or -timeout-, -oom-); the
regression tests replay every file there.

--json writes:

    {"tool": "atheris 3.0.0", "seconds_per_target": 60, "rss_limit_mb": 1024, "timeout_s": 10,
     "targets": {"query": {"executions": 123456, "seconds": 60.2, "crashes": 0,
                           "crash_files": [], "outcome": "ok", "peak_rss_mb": 180,
                           "seeds": 40, "new_units": 310},
                 ...},
     "totals": {"executions": 700000, "seconds": 361.5, "crashes": 0, "peak_rss_mb": 230},
     "regression_inputs": ["html-crash-unclosed-rows", ...]}

`outcome` is "ok", "crash", "timeout", "oom", or "hang" (the child outlived its time and was
killed); `executions` is libFuzzer's `number_of_executed_units`, `peak_rss_mb` its `peak_rss_mb`;
`seconds` is the child's wall time, setup included. `regression_inputs` are the crashes found
before, and fixed, whose inputs tests/hardening/crashes/ keeps (the tests replay them).
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CRASHES = ROOT / "tests" / "hardening" / "crashes"
TARGETS = ("query", "txt", "html", "pdf", "docx", "chunker")
LOADERS = {"txt": ".txt", "html": ".html", "pdf": ".pdf", "docx": ".docx"}
# What each child instruments besides gcm-search: the parser a target mostly exercises (all of
# Whoosh would take 10 s to instrument; its query parser is what user text reaches).
INSTRUMENT = {"query": ("whoosh.qparser",), "txt": ("charset_normalizer",), "html": ("bs4",),
              "pdf": ("pypdf",), "docx": ("docx",), "chunker": ()}
# Query syntax, for libFuzzer's dictionary: mutations then splice whole operators in.
QUERY_TOKENS = ("AND", "OR", "NOT", "ANDNOT", "ANDMAYBE", "TO", "+", "-", "~", "~2", "^",
                "^0", "^2.5", "*", "?", "[", "]", "{", "}", "(", ")", '"', "“", "”", "'",
                ":", "text:", "exact:", "topics:", "objectives:", "year:", "country:",
                "section:", "kind:", "id:", "<", ">", "\\", "/", "Objective 10")
STAT = re.compile(r"^stat::(\w+):\s*(\d+)", re.MULTILINE)
PROGRESS = re.compile(r"^#(\d+)\s", re.MULTILINE)
ARTIFACT = re.compile(r"Test unit written to (\S+)")
SETUP_SECONDS = 120
"""Time a child may take on top of its fuzzing: imports, instrumentation, the index, the seeds."""


# --- one input --------------------------------------------------------------------------------


def fuzz_document(file: str = "input.txt") -> Any:
    from search.models import Document

    return Document(id="fuzz", file=file, title="Fuzzed review", country="Japan", iso3="JPN",
                    year=2022, author="bench/fuzz.py")


def check_passages(text: str, passages: Sequence[Any]) -> None:
    """What the chunker promises for any text: passages slice it, ids are unique."""
    from search.blocks import join

    for position, passage in enumerate(passages):
        assert all(0 <= start <= end <= len(text) for start, end in passage.spans), passage.spans
        assert join(text, passage.spans) == passage.text, passage.id
        assert passage.position == position, passage.id
    ids = [p.id for p in passages]
    assert len(set(ids)) == len(ids), f"duplicate passage ids: {ids}"


def query_input(data: bytes) -> tuple[str, bool]:
    """First byte: user words (even) or Whoosh syntax (odd); the rest: the text, as UTF-8."""
    return data[1:].decode("utf-8", "replace"), bool(data[:1]) and data[0] % 2 == 1


def run_input(target: str, data: bytes, workdir: Path, opened: Any = None) -> str:
    """Feed one input to a target: "results" or "refused" (a `GcmSearchError`, with a one-line
    message). Anything else it raises is a crash."""
    from search.errors import GcmSearchError
    from search.passages import chunk

    try:
        if target == "query":
            from search.results import Request, search

            text, syntax = query_input(data)
            for request in (Request(text=text, syntax=syntax),
                            Request(text=text, syntax=syntax, page=2, limit=3)):
                hits = search(opened, request).hits
                # Scores go out as JSON, where inf and nan are not numbers.
                assert all(math.isfinite(hit.score) for hit in hits), text
        elif target == "chunker":
            text = data.decode("utf-8", "replace")
            check_passages(text, chunk(fuzz_document(), text))
        else:
            from search.sources import read_source

            path = workdir / f"input{LOADERS[target]}"
            path.write_bytes(data)
            source = read_source(path)
            check_passages(source.text, chunk(fuzz_document(path.name), source.text,
                                              source.blocks))
    except GcmSearchError as error:
        assert "\n" not in str(error), f"a refusal of more than one line: {error}"
        return "refused"
    return "results"


def index_japan(workdir: Path) -> None:
    """Copy the bundled corpus into `workdir` and index it there."""
    from search.config import Config
    from search.index import build

    shutil.copytree(ROOT / "corpus", workdir / "corpus")
    build(Config(corpus=workdir / "corpus", index=workdir / "index"))


def open_japan(workdir: Path) -> Any:
    from search.config import Config
    from search.index import open_index

    config = Config(corpus=workdir / "corpus", index=workdir / "index")
    return open_index(config, build_if_needed=False)


# --- seeds ------------------------------------------------------------------------------------


def sample_text() -> str:
    """The opening of the bundled review: headings, objective lists, paragraphs."""
    text = next((ROOT / "corpus").glob("*.txt")).read_text(encoding="utf-8")
    return text[:3000]


def sample_files() -> dict[str, bytes]:
    """Small files of each format, good and hostile, by name; the name's suffix is the format
    the bytes are (a wrong-extension seed is made by saving them under another suffix)."""
    text = sample_text()
    paragraphs = [p.strip() for p in text.split("\n\n") if p.strip()]
    html = "<html><head><meta charset='utf-8'><title>Review</title></head><body>" + "".join(
        f"<h2>{p}</h2>" if len(p) < 80 else f"<p>{p}</p>" for p in paragraphs
    ) + "<ul><li>first</li><li>second</li></ul><table><tr><td>a</td><td>b</td></tr></table>"
    files = {
        "review.txt": text.encode("utf-8"),
        "cp1252.txt": ("Objectif 10 : la traite des êtres humains\n\n"
                       "Le Japon a fait des « progrès » réels — voir 2a).\n").encode("cp1252"),
        "utf16.txt": "Objective 5\n\nA paragraph.\n".encode("utf-16"),
        "empty.txt": b"",
        "review.html": (html + "</body></html>").encode("utf-8"),
        "unclosed.html": b"<html><body><h1>Title<p>one<p>two <b>bold<ul><li>x",
        "review.docx": _docx(paragraphs),
        "laughs.docx": _docx(paragraphs[:2], laughs=True),
        "review.pdf": _pdf(paragraphs),
    }
    pdf = files["review.pdf"]
    files["encrypted.pdf"] = _encrypted(pdf)
    files["broken-xref.pdf"] = re.sub(rb"\d{10} 00000 n", b"9999999999 00000 n", pdf)
    files["truncated.pdf"] = pdf[: len(pdf) // 2]
    return files


def seeds(target: str, folder: Path) -> int:
    """Write the seed inputs of `target` into `folder`; return how many."""
    folder.mkdir(parents=True, exist_ok=True)
    if target == "query":
        inputs = [b"\x00" + q.encode() for q in _bench_queries()]
        inputs += [b"\x01" + q.encode() for q in (
            "migrants AND (visa OR residence)", 'text:"skilled worker"~2', "migr*", "objectives:10",
            "traffickng~1 NOT children^2", "year:[2020 TO 2023]", "{a TO z]", '"unbalanced')]
    elif target == "chunker":
        text = sample_text()
        inputs = [text.encode(), text.replace("\n\n", "\n").encode(),
                  b"Objective 10: trafficking\n\n1. A paragraph\n- a bullet\n\na) Progress\n"]
    else:
        inputs = list(sample_files().values())
    for data in inputs:
        (folder / hashlib.sha1(data).hexdigest()).write_bytes(data)
    return len(set(inputs))


def _bench_queries() -> list[str]:
    rows = (HERE / "queries.tsv").read_text(encoding="utf-8").splitlines()
    return [row.split("\t")[1] for row in rows if row and not row.startswith("#") and "\t" in row]


def _docx(paragraphs: Sequence[str], laughs: bool = False) -> bytes:
    import zipfile

    from docx import Document

    document = Document()
    for number, paragraph in enumerate(paragraphs):
        if len(paragraph) < 80:
            document.add_heading(paragraph, level=1 + number % 2)
        else:
            document.add_paragraph(paragraph)
    document.add_paragraph("a bullet", style="List Bullet")
    out = io.BytesIO()
    document.save(out)
    if not laughs:
        return out.getvalue()
    # The classic billion laughs: ten levels of ten entity references in word/document.xml.
    entities = "".join(f'<!ENTITY l{n} "{f"&l{n - 1};" * 10}">' for n in range(1, 10))
    bomb = (f'<?xml version="1.0"?><!DOCTYPE w:document [<!ENTITY l0 "lol">{entities}]>'
            '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            "<w:body><w:p><w:r><w:t>&l9;</w:t></w:r></w:p></w:body></w:document>").encode()
    bombed = io.BytesIO()
    with zipfile.ZipFile(out) as source, zipfile.ZipFile(bombed, "w") as target:
        for info in source.infolist():
            data = bomb if info.filename == "word/document.xml" else source.read(info)
            target.writestr(info, data)
    return bombed.getvalue()


def _pdf(paragraphs: Sequence[str]) -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("Helvetica", size=11)
    pdf.add_page()
    for paragraph in paragraphs[:6]:
        # The core fonts are Latin-1: the review's curly quotes become straight ones.
        plain = paragraph.translate({0x201C: '"', 0x201D: '"', 0x2019: "'", 0x2013: "-"})
        pdf.multi_cell(0, 6, plain.encode("latin-1", "replace").decode("latin-1"))
        pdf.ln(4)
    return bytes(pdf.output())


def _encrypted(pdf: bytes) -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter(clone_from=io.BytesIO(pdf))
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# --- the child: one target under atheris ------------------------------------------------------


def child(target: str, workdir: Path, libfuzzer_args: Sequence[str]) -> None:
    """Fuzz `target` until libFuzzer stops (it exits the process; this never returns).

    `workdir` is the child's own folder; for `query` it holds the index, built by the parent
    (building it with instrumented code took longer than the fuzzing of a short run)."""
    import atheris

    with atheris.instrument_imports(include=["search", *INSTRUMENT[target]]):
        import search.passages
        import search.results
        import search.sources  # noqa: F401 - imported here to be instrumented
        if target in LOADERS:
            from importlib import import_module

            import_module(f"search.sources.{target}_reader" if target != "txt"
                          else "search.sources.text")
    opened = open_japan(workdir) if target == "query" else None

    def one_input(data: bytes) -> None:
        run_input(target, data, workdir, opened)

    atheris.Setup([sys.argv[0], *libfuzzer_args], one_input)
    atheris.Fuzz()


# --- the parent: children, limits, figures ----------------------------------------------------


def fuzz_target(target: str, seconds: int, *, crashes: Path, rss_limit_mb: int,
                timeout_s: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix=f"fuzz-{target}-") as tmp:
        inputs = Path(tmp) / "seeds"  # libFuzzer adds the inputs it finds here
        count = seeds(target, inputs)
        if target == "query":
            index_japan(Path(tmp))
        crashes.mkdir(parents=True, exist_ok=True)
        args = [f"-max_total_time={seconds}", f"-rss_limit_mb={rss_limit_mb}",
                f"-timeout={timeout_s}", "-print_final_stats=1",
                f"-artifact_prefix={crashes}{os.sep}{target}-"]
        if target == "query":
            dictionary = Path(tmp) / "query.dict"
            dictionary.write_text("".join(f"{_dict_entry(t)}\n" for t in QUERY_TOKENS),
                                  encoding="ascii")
            args.append(f"-dict={dictionary}")
        command = [sys.executable, str(Path(__file__).resolve()), "--child", target,
                   "--workdir", tmp, "--", *args, str(inputs)]
        started = time.monotonic()
        try:
            done = subprocess.run(command, capture_output=True, text=True, errors="replace",
                                  timeout=seconds + SETUP_SECONDS, cwd=tmp, check=False)
            log, code = done.stderr + done.stdout, done.returncode
        except subprocess.TimeoutExpired as expired:
            log = _text(expired.stderr) + _text(expired.stdout)
            code = None
        elapsed = time.monotonic() - started
        return figures(log, code, elapsed, count)


def figures(log: str, code: int | None, seconds: float, seeds: int) -> dict[str, Any]:
    """A child's figures, from libFuzzer's log and the child's exit."""
    stats = {name: int(value) for name, value in STAT.findall(log)}
    executions = stats.get("number_of_executed_units")
    if executions is None:  # no final stats: the last progress line ("#4096 pulse ...")
        executions = max((int(n) for n in PROGRESS.findall(log)), default=0)
    files = ARTIFACT.findall(log)
    if code is None:
        outcome = "hang"
    elif code == 0:
        outcome = "ok"
    elif "libFuzzer: out-of-memory" in log:
        outcome = "oom"
    elif "libFuzzer: timeout" in log:
        outcome = "timeout"
    else:
        outcome = "crash"
    if outcome != "ok" and not files:
        files = [f"(no input written; exit {code}) " + log.strip()[-300:]]
    return {"executions": executions, "seconds": round(seconds, 1),
            "crashes": 0 if outcome == "ok" else 1, "crash_files": files, "outcome": outcome,
            "peak_rss_mb": stats.get("peak_rss_mb", 0), "seeds": seeds,
            "new_units": stats.get("new_units_added", 0)}


def _dict_entry(token: str) -> str:
    """A libFuzzer dictionary line: the token's bytes quoted, all but printable ASCII as \\xNN."""
    return '"' + "".join(
        chr(b) if 32 <= b < 127 and b not in b'"\\' else f"\\x{b:02x}"
        for b in token.encode("utf-8")
    ) + '"'


def _text(output: bytes | str | None) -> str:
    if isinstance(output, bytes):
        return output.decode("utf-8", "replace")
    return output or ""


def run(targets: Sequence[str], seconds: int, *, crashes: Path, rss_limit_mb: int,
        timeout_s: int, jobs: int = 1, report: Callable[[str], None] = print) -> dict[str, Any]:
    import atheris

    def one(target: str) -> dict[str, Any]:
        return fuzz_target(target, seconds, crashes=crashes, rss_limit_mb=rss_limit_mb,
                           timeout_s=timeout_s)

    results: dict[str, dict[str, Any]] = {}
    with ThreadPoolExecutor(jobs) as pool:  # threads only wait for the child processes
        for target, found in zip(targets, pool.map(one, targets), strict=True):
            results[target] = found
            report(f"{target:8} {found['executions']:>9,} inputs  {found['seconds']:>6.1f} s  "
                   f"{found['crashes']} crashes  {found['peak_rss_mb']:>5} MB  "
                   f"{found['outcome']}"
                   + "".join(f"\n         {f}" for f in found["crash_files"]))
    version = getattr(atheris, "__version__", "") or _version("atheris")
    return {
        "tool": f"atheris {version}".strip(),
        "seconds_per_target": seconds,
        "rss_limit_mb": rss_limit_mb,
        "timeout_s": timeout_s,
        "targets": results,
        "totals": {
            "executions": sum(r["executions"] for r in results.values()),
            "seconds": round(sum(r["seconds"] for r in results.values()), 1),
            "crashes": sum(r["crashes"] for r in results.values()),
            "peak_rss_mb": max((r["peak_rss_mb"] for r in results.values()), default=0),
        },
        "regression_inputs": sorted(p.name for p in CRASHES.iterdir()) if CRASHES.is_dir() else [],
    }


def _version(package: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(package)
    except PackageNotFoundError:
        return ""


def replay(path: Path) -> str:
    """Run one saved input through its target (named by the file's prefix), once."""
    target = path.name.split("-", 1)[0]
    if target not in TARGETS:
        raise SystemExit(f"{path.name}: the name must start with a target: {', '.join(TARGETS)}")
    with tempfile.TemporaryDirectory(prefix="fuzz-replay-") as tmp:
        if target == "query":
            index_japan(Path(tmp))
        opened = open_japan(Path(tmp)) if target == "query" else None
        return run_input(target, path.read_bytes(), Path(tmp), opened)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=60, help="fuzzing time per target")
    parser.add_argument("--target", action="append", choices=TARGETS,
                        help="a target to fuzz (repeatable; default: all)")
    parser.add_argument("--json", type=Path, help="write the figures here as JSON")
    parser.add_argument("--crashes", type=Path, default=CRASHES,
                        help="where crashing inputs are written")
    parser.add_argument("--rss-limit-mb", type=int, default=1024)
    parser.add_argument("--timeout", type=int, default=10, help="seconds one input may take")
    parser.add_argument("--jobs", type=int, default=1,
                        help="targets fuzzed at once (each is one process)")
    parser.add_argument("--replay", type=Path, help="run one saved input and print its outcome")
    parser.add_argument("--child", choices=TARGETS, help=argparse.SUPPRESS)
    parser.add_argument("--workdir", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("libfuzzer", nargs="*", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child:
        child(args.child, args.workdir, args.libfuzzer)
        return 0
    if args.replay:
        print(replay(args.replay))
        return 0
    if args.seconds < 1 or args.jobs < 1:
        raise SystemExit("--seconds and --jobs must be at least 1")
    figures = run(args.target or TARGETS, args.seconds, crashes=args.crashes,
                  rss_limit_mb=args.rss_limit_mb, timeout_s=args.timeout, jobs=args.jobs)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return 1 if figures["totals"]["crashes"] else 0


if __name__ == "__main__":
    sys.exit(main())
