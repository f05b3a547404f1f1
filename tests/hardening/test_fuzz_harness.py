"""bench/fuzz.py stays runnable: a short real run of every target, and the reading of libFuzzer's
logs (crash, timeout, out-of-memory, hang) on logs as libFuzzer writes them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from bench_modules import BENCH, load

fuzz = load("fuzz")


def test_a_short_run_of_every_target(tmp_path: Path) -> None:
    pytest.importorskip("atheris")
    out = tmp_path / "fuzz.json"
    crashes = tmp_path / "crashes"
    done = subprocess.run(
        [sys.executable, str(BENCH / "fuzz.py"), "--seconds", "1", "--jobs", "2",
         "--json", str(out), "--crashes", str(crashes)],
        capture_output=True, text=True, timeout=240, check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    figures = json.loads(out.read_text(encoding="utf-8"))
    assert set(figures["targets"]) == set(fuzz.TARGETS)
    for name, target in figures["targets"].items():
        assert target["outcome"] == "ok", (name, target)
        assert target["crashes"] == 0 and target["crash_files"] == []
        assert target["executions"] > 0 and target["seeds"] > 0, (name, target)
        assert 0 < target["peak_rss_mb"] < figures["rss_limit_mb"]
        assert target["seconds"] >= 1
    totals = figures["totals"]
    assert totals["executions"] == sum(t["executions"] for t in figures["targets"].values())
    assert totals["crashes"] == 0
    assert figures["tool"].startswith("atheris")
    assert not crashes.exists() or not any(crashes.iterdir())
    # One line per target on stdout, for whoever runs it by hand.
    assert [line.split()[0] for line in done.stdout.splitlines()] == list(fuzz.TARGETS)


FINAL_STATS = """#4096\tpulse  cov: 1550 ft: 3248 corp: 46/909b exec/s: 32 rss: 60Mb
Done 5000 runs in 3 second(s)
stat::number_of_executed_units: 5000
stat::average_exec_per_sec:     1666
stat::new_units_added:          20
stat::slowest_unit_time_sec:    0
stat::peak_rss_mb:              61
"""


def test_figures_of_a_clean_run() -> None:
    found = fuzz.figures(FINAL_STATS, 0, 3.04, 7)
    assert found == {"executions": 5000, "seconds": 3.0, "crashes": 0, "crash_files": [],
                     "outcome": "ok", "peak_rss_mb": 61, "seeds": 7, "new_units": 20}


@pytest.mark.parametrize(
    ("log", "code", "outcome"),
    [
        ("=== Uncaught Python exception: ===\nZeroDivisionError: float division by zero\n"
         "==7== ERROR: libFuzzer: deadly signal\n", 1, "crash"),
        ("ALARM: working on the last Unit for 11 seconds\n==7== ERROR: libFuzzer: timeout after "
         "11 seconds\n", 70, "timeout"),
        ("==7== ERROR: libFuzzer: out-of-memory (used: 1100Mb; exceeds: 1024Mb)\n", 71, "oom"),
    ],
    ids=["exception", "timeout", "oom"],
)
def test_figures_of_a_crash(log: str, code: int, outcome: str) -> None:
    artifact = f"/tmp/crashes/query-{outcome}-0a1b"
    found = fuzz.figures(f"#2\tINITED cov: 3\n#812\tNEW cov: 9\n{log}"
                         f"MS: 1 ChangeByte-; base unit: 0\nartifact_prefix='/tmp/crashes/query-';"
                         f" Test unit written to {artifact}\n", code, 9.0, 3)
    assert (found["outcome"], found["crashes"], found["crash_files"]) == (outcome, 1, [artifact])
    assert found["executions"] == 812  # no final stats: the last progress line


def test_a_child_that_outlives_its_time_is_a_hang() -> None:
    found = fuzz.figures("#2\tINITED cov: 3\n", None, 180.0, 3)
    assert (found["outcome"], found["crashes"]) == ("hang", 1)
    assert found["crash_files"][0].startswith("(no input written; exit None)")


def test_dictionary_entries_escape_what_libfuzzer_cannot_read() -> None:
    assert fuzz._dict_entry("AND") == '"AND"'
    assert fuzz._dict_entry('"') == '"\\x22"'
    assert fuzz._dict_entry("“") == '"\\xe2\\x80\\x9c"'


def test_query_inputs_pick_the_syntax_with_their_first_byte() -> None:
    assert fuzz.query_input(b"\x00migrants") == ("migrants", False)
    assert fuzz.query_input(b"\x01migrants^0") == ("migrants^0", True)
    assert fuzz.query_input(b"") == ("", False)
