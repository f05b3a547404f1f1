"""The hardening figures (issue 8): fuzzing, hostile requests, faults and load, in one report.

    python bench/hardening.py                  # about 10 minutes on 2 cores -> bench/hardening.md
    python bench/hardening.py --quick --out /tmp/hardening.md   # about 2 minutes

It runs, each in its own process and each for a bounded time, the four scripts that attack
gcm-search, reads the JSON each writes, and writes one Markdown report (with every raw figure in
--json, if asked):

- bench/fuzz.py: coverage-guided fuzzing (atheris) of the query layer, each loader and the
  chunker: inputs tried per target, time, crashes;
- bench/web_fuzz.py: generated hostile requests against a real `gcm-search serve`: status
  codes, 5xx, stack traces, unescaped reflections;
- bench/faults.py: SIGKILL at many moments of a build and of an `add`, and damaged indexes and
  corpora: kill points survived, each fault's one-line message;
- bench/load.py: concurrent clients while reviews are added and removed and the index rebuilt:
  requests served, failures, responses of neither state, memory.

A part that fails to run is reported as such (its exit code and the end of its output) and makes
this script exit 1, as does any figure that must be zero and is not.
"""

from __future__ import annotations

import argparse
import json
import platform
import shlex
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
REPORT = HERE / "hardening.md"
CRASHES = ROOT / "tests" / "hardening" / "crashes"


@dataclass(frozen=True)
class Part:
    name: str
    script: str
    full: tuple[str, ...]
    quick: tuple[str, ...]


PARTS = (
    Part("fuzz", "fuzz.py", ("--seconds", "60", "--jobs", "2"),
         ("--seconds", "8", "--jobs", "2")),
    Part("web", "web_fuzz.py", ("--seconds", "60"), ("--seconds", "8")),
    Part("faults", "faults.py", ("--kills", "30"), ("--kills", "4")),
    Part("load", "load.py", ("--seconds", "60", "--clients", "8"),
         ("--seconds", "8", "--clients", "8")),
)


def run_part(part: Part, quick: bool, scratch: Path) -> dict[str, Any]:
    """Run one script; its JSON, or what went wrong."""
    out = scratch / f"{part.name}.json"
    command = [sys.executable, str(HERE / part.script), *(part.quick if quick else part.full),
               "--json", str(out)]
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    shown = shlex.join(["python", f"bench/{part.script}", *command[2:-2]])
    figures: dict[str, Any] = {}
    if out.exists():
        figures = json.loads(out.read_text(encoding="utf-8"))
    return {"command": shown, "exit": done.returncode, "wall_seconds": round(elapsed, 1),
            "figures": figures, "output_tail": (done.stdout + done.stderr)[-1500:]}


def _get(data: dict[str, Any], *keys: str, default: Any = None) -> Any:
    for key in keys:
        if not isinstance(data, dict) or key not in data:
            return default
        data = data[key]
    return data


def failures(report: dict[str, Any]) -> list[str]:
    """What must be zero (or true) and is not."""
    bad = []
    parts = report["parts"]
    for name, part in parts.items():
        if part["exit"] != 0:
            bad.append(f"{name}: bench/{name} exited {part['exit']}")
    fuzz = _get(parts, "fuzz", "figures", default={})
    if _get(fuzz, "totals", "crashes", default=0):
        bad.append(f"fuzz: {fuzz['totals']['crashes']} crashes")
    web = _get(parts, "web", "figures", default={})
    for key in ("server_errors", "stack_traces", "unescaped_reflections", "other_problems"):
        if web.get(key):
            bad.append(f"web: {web[key]} {key.replace('_', ' ')}")
    kills = _get(parts, "faults", "figures", "kills", default={})
    if kills and kills.get("survived") != kills.get("tried"):
        bad.append(f"faults: {kills.get('survived')} of {kills.get('tried')} kill points survived")
    for fault in _get(parts, "faults", "figures", "faults", default=[]) or []:
        if not fault.get("ok", True):
            bad.append(f"faults: {fault.get('case')} was not handled")
    load = _get(parts, "load", "figures", default={})
    for key in ("failures", "inconsistent"):
        if load.get(key):
            bad.append(f"load: {load[key]} {key}")
    if load and load.get("settled") is False:
        bad.append("load: the server did not settle on the final state")
    return bad


def _mb(kib: float | None) -> str:
    return "—" if kib is None else f"{kib / 1024:.0f} MiB"


def fuzz_section(part: dict[str, Any]) -> list[str]:
    figures = part["figures"]
    lines = ["## Fuzzing (atheris): the query layer, the loaders, the chunker", "",
             f"`{part['command']}` ({figures.get('tool', 'atheris')}, "
             f"{figures.get('seconds_per_target', '?')} s per target, RSS limit "
             f"{figures.get('rss_limit_mb', '?')} MB, "
             f"{figures.get('timeout_s', '?')} s per input).",
             "", "| target | inputs tried | seconds | crashes | outcome | peak RSS |",
             "|---|---:|---:|---:|---|---:|"]
    for name, target in figures.get("targets", {}).items():
        lines.append(f"| {name} | {target.get('executions', 0):,} | "
                     f"{target.get('seconds', 0):.0f} | {target.get('crashes', 0)} | "
                     f"{target.get('outcome', '?')} | {target.get('peak_rss_mb', '?')} MB |")
    totals = figures.get("totals", {})
    if totals:
        lines.append(f"| **all** | **{totals.get('executions', 0):,}** | "
                     f"**{totals.get('seconds', 0):.0f}** | **{totals.get('crashes', 0)}** | | "
                     f"{totals.get('peak_rss_mb', '?')} MB |")
    return [*lines, ""]


def web_section(part: dict[str, Any]) -> list[str]:
    web = part["figures"]
    statuses = ", ".join(f"{code}: {n:,}" for code, n in sorted(web.get("statuses", {}).items()))
    families = ", ".join(f"{name} {n:,}" for name, n in web.get("by_family", {}).items())
    return ["## Hostile requests against `gcm-search serve`", "",
            f"`{part['command']}`: {web.get('requests', 0):,} requests in "
            f"{web.get('seconds', 0):.0f} s ({families}).", "",
            "| 5xx | stack traces | unescaped reflections | other problems | slowest | "
            "server peak RSS |", "|---:|---:|---:|---:|---:|---:|",
            f"| {web.get('server_errors', '?')} | {web.get('stack_traces', '?')} | "
            f"{web.get('unescaped_reflections', '?')} | {web.get('other_problems', '?')} | "
            f"{web.get('slowest_ms', 0):.0f} ms | {_mb(web.get('peak_rss_kib'))} |", "",
            f"Status codes: {statuses}.", ""]


def faults_section(part: dict[str, Any]) -> list[str]:
    figures = part["figures"]
    kills = figures.get("kills", {})
    phases = ", ".join(f"{name} {n}" for name, n in kills.get("phases", {}).items())
    lines = ["## Faults", "",
             f"`{part['command']}`: {figures.get('documents', '?')} documents, "
             f"{figures.get('passages', '?')} passages.", "",
             f"**Kill points (SIGKILL during `index --rebuild` and `add`): "
             f"{kills.get('survived', 0)} of {kills.get('tried', 0)} survived** (interrupted "
             f"phase: {phases}). Survived means the previous index answered exactly as before, "
             "the lock was free, the corpus intact (an `add` complete or absent), and the next "
             "run completed with the right answers.", "",
             "| fault | exit | what the user sees | handled |", "|---|---:|---|---|"]
    for fault in figures.get("faults", []):
        message = (fault.get("message") or fault.get("outcome", "")).replace("|", "\\|")
        lines.append(f"| {fault.get('case')} | {fault.get('exit', '')} | {message} | "
                     f"{'yes' if fault.get('ok') else 'NO'} ({fault.get('outcome', '')}) |")
    return [*lines, ""]


def load_section(part: dict[str, Any]) -> list[str]:
    load = part["figures"]
    changes = load.get("changes", {})
    latency = load.get("latency_ms", {})
    rss = load.get("rss_mb", {})
    return ["## Load while the corpus changes", "",
            f"`{part['command']}`: {load.get('clients', '?')} clients over "
            f"{load.get('urls', '?')} URLs for {load.get('seconds', 0):.0f} s, while the CLI ran "
            f"{changes.get('adds', 0)} adds, {changes.get('removes', 0)} removes and "
            f"{changes.get('rebuilds', 0)} rebuilds.", "",
            "| requests | failed | of neither state | settled | requests/s | p50 | p99 | "
            "RSS start / warm / end / peak |", "|---:|---:|---:|---|---:|---:|---:|---|",
            f"| {load.get('requests', 0):,} | {load.get('failures', '?')} | "
            f"{load.get('inconsistent', '?')} | {load.get('settled', '?')} | "
            f"{load.get('requests_per_second', 0):.0f} | {latency.get('p50', 0):.0f} ms | "
            f"{latency.get('p99', 0):.0f} ms | {rss.get('start', 0):.0f} / "
            f"{rss.get('warm', 0):.0f} / {rss.get('end', 0):.0f} / {rss.get('peak', 0):.0f} MB |",
            ""]


SECTIONS = {"fuzz": fuzz_section, "web": web_section, "faults": faults_section,
            "load": load_section}


def markdown(report: dict[str, Any]) -> str:
    lines = ["# Hardening: hostile input, faults and load", "",
             f"Written by `{report['command']}` on {report['date']} "
             f"(total {report['minutes']:.1f} min). Machine: {report['machine']}.", ""]
    bad = failures(report)
    lines += (["**Everything that must be zero is zero.**", ""] if not bad else
              ["**Problems:**", "", *[f"- {b}" for b in bad], ""])
    for name, part in report["parts"].items():
        if part["exit"] != 0 and not part["figures"]:
            lines += [f"## {name}: did not run", "", f"`{part['command']}` exited "
                      f"{part['exit']}:", "", "```", part["output_tail"].strip(), "```", ""]
            continue
        lines += SECTIONS[name](part)
    crashes = sorted(CRASHES.iterdir()) if CRASHES.is_dir() else []
    lines += ["## Crashes found and fixed", "",
              f"Every crash found (by the fuzzer, the property tests or by hand) is kept, minimal, "
              f"in tests/hardening/crashes/ and replayed by the test suite: {len(crashes)} inputs.",
              "", "| input | bytes |", "|---|---:|",
              *[f"| `{path.name}` | {path.stat().st_size:,} |" for path in crashes], ""]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a few seconds per part")
    parser.add_argument("--only", choices=[p.name for p in PARTS], action="append",
                        help="run only this part (repeatable)")
    parser.add_argument("--out", type=Path, default=REPORT, help=f"default {REPORT}")
    parser.add_argument("--json", type=Path, help="also write every raw figure here")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    shown = sys.argv[1:] if argv is None else list(argv)
    parts = {}
    with tempfile.TemporaryDirectory(prefix="gcm-hardening-") as scratch:
        for part in PARTS:
            if args.only and part.name not in args.only:
                continue
            print(f"[{time.strftime('%H:%M:%S')}] {part.name}: bench/{part.script}", flush=True)
            parts[part.name] = run_part(part, args.quick, Path(scratch))
    report = {
        "command": shlex.join(["python", "bench/hardening.py", *shown]),
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "minutes": (time.perf_counter() - started) / 60,
        "machine": f"{platform.platform()}, Python {platform.python_version()}",
        "parts": parts,
    }
    args.out.write_text(markdown(report), encoding="utf-8")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2), encoding="utf-8")
    bad = failures(report)
    print(f"wrote {args.out}" + (f"; {len(bad)} problems" if bad else ""))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
