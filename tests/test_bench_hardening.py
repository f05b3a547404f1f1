"""bench/hardening.py, which runs the four attack scripts and writes bench/hardening.md: run on
one part for a few seconds, it reads that part's figures, reports them, and exits 0 only when
everything that must be zero is."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bench_modules import load

hardening = load("hardening")


def test_a_quick_run_reports_the_load_figures(tmp_path: Path) -> None:
    out, raw = tmp_path / "hardening.md", tmp_path / "hardening.json"
    assert hardening.main(["--quick", "--only", "load", "--out", str(out),
                           "--json", str(raw)]) == 0
    report = json.loads(raw.read_text(encoding="utf-8"))
    load_part = report["parts"]["load"]
    assert load_part["exit"] == 0 and load_part["figures"]["requests"] > 0
    text = out.read_text(encoding="utf-8")
    assert "**Everything that must be zero is zero.**" in text
    assert "## Load while the corpus changes" in text
    assert f"| {load_part['figures']['requests']:,} | 0 | 0 | True |" in text
    for crash in (hardening.CRASHES).iterdir():
        assert f"| `{crash.name}` | {crash.stat().st_size:,} |" in text


def test_what_must_be_zero_is_reported_when_it_is_not() -> None:
    def part(figures: dict[str, Any], exit_code: int = 0) -> dict[str, Any]:
        return {"command": "x", "exit": exit_code, "wall_seconds": 1.0, "figures": figures,
                "output_tail": ""}

    report = {"parts": {
        "fuzz": part({"totals": {"crashes": 2}}),
        "web": part({"server_errors": 1, "stack_traces": 0}),
        "faults": part({"kills": {"tried": 5, "survived": 4}, "faults": [{"case": "x",
                                                                           "ok": False}]}),
        "load": part({"failures": 0, "inconsistent": 3, "settled": False}, exit_code=1),
    }}
    assert hardening.failures(report) == [
        "load: bench/load exited 1", "fuzz: 2 crashes", "web: 1 server errors",
        "faults: 4 of 5 kill points survived", "faults: x was not handled",
        "load: 3 inconsistent", "load: the server did not settle on the final state"]
