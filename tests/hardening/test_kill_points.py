"""SIGKILL at several moments of a real `gcm-search index --rebuild` and `gcm-search add`.

Each kill point runs the command as a child process on an indexed corpus (the Japan review and two
synthetic ones) and kills it after a fraction of an uninterrupted run, or as soon as the folders
show a phase has begun (a build aside, a finished build, CURRENT swapped; the review copied
in, the catalog naming it). Afterwards, compared exactly with an uninterrupted run
(bench/faults.py does the running and the comparing; `python bench/faults.py --kills 30` tries
more points):

- the build CURRENT names answers the queries as before the kill (ids, scores, totals), or, once
  CURRENT was swapped, as the finished command's index does; never a mix;
- the writer's lock is free; the catalog names only files that exist;
- an `add` added the review completely (catalog entry and identical bytes) or not at all;
- the next run (the rebuild again; `index`, or the same `add` again) exits 0, leaves no
  temporaries, and the index answers exactly as an uninterrupted run's does.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from bench_modules import BENCH, load

CHECKS = {"previous answers", "lock free", "corpus intact", "next run"}


@pytest.fixture(scope="module")
def faults() -> ModuleType:
    load("synthetic")  # faults.py imports it by that name
    return load("faults")


@pytest.fixture(scope="module")
def bench(faults: ModuleType, tmp_path_factory: pytest.TempPathFactory) -> Any:
    return faults.prepare(tmp_path_factory.mktemp("kills"), documents=2)


# (fraction of an uninterrupted run, which of faults.triggers()): see the tests' docstrings.
BUILD_POINTS = [(0.15, 0), (0.4, 1), (0.0, 3), (0.0, 2)]
ADD_POINTS = [(0.5, 0), (0.0, 1), (0.0, 2), (0.0, 3)]


def _kill(faults: ModuleType, bench: Any, command: str, fraction: float, which: int) -> Any:
    faults.restore(bench)
    trigger = faults.triggers(bench, command, fraction)[which]
    kill = faults.kill_build if command == "build" else faults.kill_add
    return kill(bench, *trigger)


def _assert_survived(points: list[Any]) -> set[str]:
    for point in points:
        assert set(point.checks) == CHECKS, point
        assert point.survived, f"{point.command} killed {point.trigger} ({point.phase}): " \
                               f"{point.detail}"
    return {p.phase for p in points}


def test_sigkill_during_a_rebuild(faults: ModuleType, bench: Any) -> None:
    """Four kill points: early in a run, 0.1 s into the build aside, as soon as the finished build
    is renamed (before the swap, when the timing allows), and as soon as CURRENT changed. The
    corpus does not change, so every state answers as before."""
    points = [_kill(faults, bench, "build", *point) for point in BUILD_POINTS]
    phases = _assert_survived(points)
    assert "writing" in phases, phases  # the build aside was interrupted at least once
    assert len(phases - {"finished"}) >= 2, phases


def test_sigkill_during_an_add(faults: ModuleType, bench: Any) -> None:
    """Four kill points: mid-run, and as soon as the review is in the corpus folder, in the
    catalog, and being indexed. Added completely or not at all; the next run completes it."""
    points = [_kill(faults, bench, "add", *point) for point in ADD_POINTS]
    phases = _assert_survived(points)
    assert len(phases & {"copied", "catalogued", "writing"}) >= 2, phases


def test_an_uninterrupted_run_is_what_the_kill_points_compare_with(faults: ModuleType,
                                                                   bench: Any) -> None:
    """The references are real and distinct: the added review changes the answers, and a run
    that is not killed passes every check (so the checks are not vacuous either way)."""
    assert bench.before != bench.after_add
    assert "error" not in bench.before and "error" not in bench.after_add
    assert all(total > 0 for total, _ in bench.before["answers"].values())
    faults.restore(bench)
    point = faults.kill_add(bench, "never", lambda: False, 0.0)
    assert point.phase == "finished" and point.survived, point.detail


def test_bench_faults_json(tmp_path: Path) -> None:
    """`python bench/faults.py` (what bench/hardening.py runs), with two kill points and no fault
    cases: the JSON its docstring describes, every kill point survived."""
    out = tmp_path / "faults.json"
    done = subprocess.run([sys.executable, str(BENCH / "faults.py"), "--kills", "2",
                           "--documents", "0", "--no-faults", "--json", str(out)],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(out.read_text(encoding="utf-8"))
    assert set(report) == {"documents", "passages", "seconds", "uninterrupted", "kills", "faults"}
    assert (report["documents"], report["passages"], report["faults"]) == (1, 36, [])
    assert set(report["uninterrupted"]) == {"build", "add"}
    kills = report["kills"]
    assert (kills["tried"], kills["survived"]) == (2, 2)
    assert [p["command"] for p in kills["points"]] == ["build", "add"]
    assert sum(kills["phases"].values()) == 2
    for point in kills["points"]:
        assert set(point) == {"command", "trigger", "phase", "checks", "detail", "survived"}
        assert point["checks"] == dict.fromkeys(CHECKS, True) and point["survived"]
    assert done.stdout.startswith("Kill points: 2 of 2 survived")


@pytest.mark.parametrize(("case", "outcome"), [("garbled segment middle", "error"),
                                               ("older schema version", "answered")])
def test_bench_fault_cases(faults: ModuleType, bench: Any, case: str, outcome: str) -> None:
    """A few of the fault cases the bench records, on this module's corpus."""
    faults.restore(bench)
    expected = faults._search(bench.config).stdout
    fault = faults.fault_case(bench, case, expected)
    assert (fault.outcome, fault.ok) == (outcome, True), fault
    assert fault.message.startswith("Error: ") if outcome == "error" else fault.message == ""
