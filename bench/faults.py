"""Faults, measured: SIGKILL at many moments of an index build and of an `add`, and the index and
corpus faults a user can meet, each through the real command line.

    python bench/faults.py --kills 30 --json faults.json   # 2-4 minutes on 2 cores

Kill points. A corpus of the Japan review plus `--documents` synthetic reviews (bench/synthetic.py)
is indexed; then, alternately, `python -m search index --rebuild` and `python -m search add FILE`
(every field given, so nothing is asked) run as child processes and get SIGKILL, either after a
delay (a fraction of an uninterrupted run, measured first) or as soon as the folder shows a phase
(a build's `builds/.tmp-*`, the added file in the corpus). What the folders show afterwards names
the phase that was interrupted: `startup` (nothing written yet), `writing` (a build aside),
`renamed` (a finished build not yet CURRENT), `swapped` (CURRENT replaced), `copied` (the review
copied into the corpus, not yet in the catalog), `catalogued` (in the catalog, not yet indexed),
or `finished` (the run ended before the kill). A kill point is survived when

- the build CURRENT names answers a fixed set of queries exactly as before the kill (ids, scores
  and totals), or, once CURRENT was swapped, exactly as an uninterrupted run's result does;
- the writer's lock is free, and the catalog parses and names only files that exist;
- an interrupted `add` added the review completely (catalog entry and file, byte for byte) or not
  at all (catalog as before);
- the next run (`index --rebuild`; for an `add`, `index` if the review made it into the catalog,
  else the same `add` again) exits 0, leaves no temporaries, and the index answers exactly as an
  uninterrupted run's does.

Fault cases (`FAULTS`): each runs a real `search` on a damaged index or corpus and records its
exit code, its one `Error:` line (if any), and whether what it printed was right: an error with
the way out, or the same results as an intact index gives. Disk-full and read-only cases need a
tmpfs mount (root with CAP_SYS_ADMIN); where mounting is refused they are recorded as skipped.

JSON written by --json:

    {"documents": 5, "passages": 280, "seconds": 61.2,
     "uninterrupted": {"build": 2.1, "add": 1.3},          # seconds of one run, startup included
     "kills": {"tried": 30, "survived": 30,
               "phases": {"startup": 6, "writing": 14, ...},  # interrupted phase -> kill points
               "points": [{"command": "build" | "add", "trigger": "0.35 of a run" | "...",
                           "phase": "writing", "survived": true, "checks": {"previous answers":
                           true, "lock free": true, "corpus intact": true, "next run": true},
                           "detail": ""}]},           # what failed, when something did
     "faults": [{"case": "truncated segment", "exit": 1, "message": "Error: ...",
                 "outcome": "error" | "answered" | "skipped", "ok": true}]}
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import synthetic

from search.catalog import load_catalog, save_catalog
from search.config import Config, default_corpus
from search.errors import GcmSearchError
from search.index import BUILDS, CURRENT, build, current_build, open_build, read_manifest
from search.results import Request, search

QUERIES = ("trafficking in persons", "return and reintegration", "skilled workers", "COVID-19")
ADDED_ID = "added-review"
Answers = dict[str, Any]


# ---- the corpus and what it answers ----------------------------------------------------------

def make_corpus(folder: Path, documents: int) -> tuple[Config, Path]:
    """The Japan review plus `documents` synthetic ones, indexed; and one more review to add."""
    synthetic.generate(folder / "generated", documents + 1)
    generated = load_catalog(folder / "generated")
    corpus = folder / "corpus"
    shutil.copytree(default_corpus(), corpus)
    for entry in generated[:-1]:
        shutil.copyfile(folder / "generated" / entry.file, corpus / entry.file)
    save_catalog(corpus, (*load_catalog(corpus), *generated[:-1]))
    new = folder / "new-review.txt"
    shutil.copyfile(folder / "generated" / generated[-1].file, new)
    config = Config(corpus, folder / "index")
    build(config)
    return config, new


def answers(config: Config) -> Answers:
    """What the build CURRENT names answers to `QUERIES`: ids, scores and totals. The build is
    opened as it is (not through open_index, which would rebuild a stale one)."""
    build_dir = current_build(config.index)
    manifest = read_manifest(build_dir) if build_dir else None
    if build_dir is None or manifest is None:
        return {"error": "no current build"}
    try:
        opened = open_build(build_dir, manifest)
        found = {}
        for text in QUERIES:
            results = search(opened, Request(text, limit=100))
            found[text] = [results.total, [[h.passage.id, h.score] for h in results.hits]]
        with opened.searching() as searcher:
            searcher.close()
        return {"build": manifest.fingerprint, "answers": found}
    except GcmSearchError as exc:
        return {"error": str(exc)}


def cli(*args: str | Path) -> list[str]:
    return [sys.executable, "-m", "search", *map(str, args)]


def build_command(config: Config) -> list[str]:
    return cli("index", "--rebuild", "--corpus", config.corpus, "--index-dir", config.index)


def add_command(config: Config, new: Path) -> list[str]:
    return cli("add", new, "--country", "Portugal", "--year", "2024", "--language", "en",
               "--id", ADDED_ID, "--corpus", config.corpus, "--index-dir", config.index)


def run(command: Sequence[str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False,
                          env=_environment())


def _environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GCM_SEARCH_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(Path(__file__).resolve().parent.parent),
                                                      env.get("PYTHONPATH", "")]))
    return env


# ---- killing -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Killed:
    seconds: float  # from start to the kill (or to the end, when it finished first)
    finished: bool  # the run ended before the kill came
    returncode: int


def kill_when(command: Sequence[str], ready: Callable[[], bool], delay: float = 0.0,
              timeout: float = 120) -> Killed:
    """Run `command`, and SIGKILL it `delay` seconds after `ready()` first holds."""
    started = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             env=_environment())
    try:
        while child.poll() is None and not ready():
            if time.perf_counter() - started > timeout:
                break
            time.sleep(0.001)
        if delay and child.poll() is None:
            time.sleep(delay)
        finished = child.poll() is not None
        if not finished:
            child.send_signal(signal.SIGKILL)
        returncode = child.wait(timeout)
    finally:
        if child.poll() is None:  # pragma: no cover - only when wait() itself timed out
            child.kill()
            child.wait()
    return Killed(time.perf_counter() - started, finished, returncode)


def timed(command: Sequence[str]) -> float:
    started = time.perf_counter()
    done = run(command)
    if done.returncode:
        raise RuntimeError(f"{' '.join(command)} failed: {done.stderr.strip()}")
    return time.perf_counter() - started


def lock_is_free(config: Config) -> bool:
    with open(config.index / ".lock", "a+") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
        return True


def temporaries(config: Config) -> list[str]:
    """What an unfinished build, pointer swap or corpus write left behind."""
    found = [*(config.index / BUILDS).glob(".tmp-*"), *config.index.glob(f"{CURRENT}.*.tmp"),
             *config.corpus.glob(".*.tmp")]
    return sorted(p.name for p in found)


def builds(config: Config) -> set[str]:
    return {p.name for p in (config.index / BUILDS).iterdir() if not p.name.startswith(".")}


@dataclass(frozen=True)
class State:
    """A snapshot of the index and corpus folders, to tell what a killed run had done."""

    current: str
    builds: frozenset[str]
    catalog: tuple[str, ...]
    files: frozenset[str]

    @classmethod
    def of(cls, config: Config) -> State:
        build_dir = current_build(config.index)
        return cls(build_dir.name if build_dir else "", frozenset(builds(config)),
                   tuple(d.id for d in load_catalog(config.corpus)),
                   frozenset(p.name for p in config.corpus.iterdir()))


def phase(before: State, after: State, killed: Killed, config: Config, added: str = "") -> str:
    if killed.finished:
        return "finished"
    if after.current != before.current:
        return "swapped"
    if after.builds - before.builds:
        return "renamed"
    if list((config.index / BUILDS).glob(".tmp-*")):
        return "writing"
    if added and ADDED_ID in after.catalog:
        return "catalogued"
    if added and added in after.files:
        return "copied"
    return "startup"


# ---- one kill point ---------------------------------------------------------------------------

@dataclass
class KillPoint:
    command: str
    trigger: str
    phase: str = ""
    checks: dict[str, bool] = field(default_factory=dict)
    detail: str = ""

    @property
    def survived(self) -> bool:
        return bool(self.checks) and all(self.checks.values())

    def check(self, name: str, ok: bool, detail: str = "") -> None:
        self.checks[name] = self.checks.get(name, True) and ok
        if not ok and not self.detail:
            self.detail = f"{name}: {detail}"

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "survived": self.survived}


@dataclass(frozen=True)
class Bench:
    """The corpus, the review to add, and the answers an uninterrupted run leads to."""

    config: Config
    new: Path
    pristine: Path  # a copy of corpus and index before any add, to start each add from
    before: Answers  # the indexed corpus
    after_add: Answers  # the corpus with the review added
    seconds: dict[str, float]


def prepare(folder: Path, documents: int) -> Bench:
    config, new = make_corpus(folder, documents)
    before = answers(config)
    seconds = {"build": timed(build_command(config))}
    if answers(config) != before:
        raise RuntimeError("a rebuild of the same corpus answered differently")
    pristine = folder / "pristine"
    _copy_state(config, pristine)
    seconds["add"] = timed(add_command(config, new))
    after_add = answers(config)
    _restore_state(config, pristine)
    return Bench(config, new, pristine, before, after_add, seconds)


def restore(bench: Bench) -> None:
    """Back to the indexed corpus `prepare` made, without the added review."""
    _restore_state(bench.config, bench.pristine)


def _copy_state(config: Config, to: Path) -> None:
    shutil.rmtree(to, ignore_errors=True)
    shutil.copytree(config.corpus, to / "corpus")
    shutil.copytree(config.index, to / "index", ignore=shutil.ignore_patterns(".lock"))


def _restore_state(config: Config, pristine: Path) -> None:
    for name, target in (("corpus", config.corpus), ("index", config.index)):
        shutil.rmtree(target)
        shutil.copytree(pristine / name, target)


def kill_build(bench: Bench, trigger: str, ready: Callable[[], bool], delay: float) -> KillPoint:
    """SIGKILL a forced rebuild of the corpus as `prepare` left it (restore it first): every
    state answers as before."""
    config = bench.config
    point = KillPoint("build", trigger)
    start = State.of(config)
    killed = kill_when(build_command(config), ready, delay)
    point.phase = phase(start, State.of(config), killed, config)
    found = answers(config)
    point.check("previous answers", found == bench.before, _differs(found, bench.before))
    point.check("lock free", lock_is_free(config))
    point.check("corpus intact", State.of(config).catalog == start.catalog)
    _next_run(point, config, build_command(config), bench.before)
    return point


def kill_add(bench: Bench, trigger: str, ready: Callable[[], bool], delay: float) -> KillPoint:
    """SIGKILL an `add`: the review is added completely or not at all, and the index is the
    previous one until CURRENT is swapped to the one with the review. Starts, like kill_build,
    from the state `prepare` left."""
    config = bench.config
    point = KillPoint("add", trigger)
    start = State.of(config)
    killed = kill_when(add_command(config, bench.new), ready, delay)
    after = State.of(config)
    point.phase = phase(start, after, killed, config, added=f"{ADDED_ID}.txt")
    found = answers(config)
    expected = bench.after_add if after.current != start.current else bench.before
    point.check("previous answers", found == expected, _differs(found, expected))
    point.check("lock free", lock_is_free(config))
    catalog = load_catalog(config.corpus)
    listed_exist = all((config.corpus / d.file).is_file() for d in catalog)
    point.check("corpus intact", listed_exist, "the catalog names a missing file")
    if ADDED_ID in after.catalog:
        entry = next(d for d in catalog if d.id == ADDED_ID)
        same = (config.corpus / entry.file).read_bytes() == bench.new.read_bytes()
        point.check("corpus intact", same and after.catalog == (*start.catalog, ADDED_ID),
                    "the review is in the catalog but not whole")
        next_command = cli("index", "--corpus", config.corpus, "--index-dir", config.index)
    else:
        point.check("corpus intact", after.catalog == start.catalog, "the catalog changed")
        next_command = add_command(config, bench.new)
    _next_run(point, config, next_command, bench.after_add)
    return point


def _next_run(point: KillPoint, config: Config, command: Sequence[str],
              expected: Answers) -> None:
    done = run(command)
    found = answers(config)
    ok = done.returncode == 0 and found == expected and not temporaries(config)
    point.check("next run", ok, f"exit {done.returncode} {done.stderr.strip()[-300:]} "
                f"{_differs(found, expected)} {temporaries(config)}")


def _differs(found: Answers, expected: Answers) -> str:
    if found == expected:
        return ""
    if "error" in found:
        return str(found["error"])
    wrong = [q for q in QUERIES if found["answers"].get(q) != expected["answers"].get(q)]
    return f"different answers to {wrong}"


Trigger = tuple[str, Callable[[], bool], float]  # what it is, when it holds, delay after it


def triggers(bench: Bench, command: str, fraction: float) -> list[Trigger]:
    """The ways to pick a kill moment of `command`: a fraction of an uninterrupted run, or as soon
    as the folders show a phase has begun (the short ones are hard to hit by timing alone)."""
    config = bench.config
    seconds = bench.seconds[command]
    timed_kill: Trigger = (f"{fraction:.2f} of a run", lambda: True, fraction * seconds)

    def building() -> bool:
        return bool(list((config.index / BUILDS).glob(".tmp-*")))

    if command == "build":
        start, finished = current_build(config.index), builds(config)
        return [timed_kill,
                (f"{fraction / 4:.3f} s after builds/.tmp-* shows", building, fraction / 4),
                ("as soon as CURRENT changes", lambda: current_build(config.index) != start, 0.0),
                # Between the rename and the swap: a few milliseconds (the pointer's fsync).
                ("as soon as the finished build is renamed",
                 lambda: bool(builds(config) - finished), 0.0)]

    def copied() -> bool:
        return (config.corpus / f"{ADDED_ID}.txt").exists()

    def catalogued() -> bool:
        with contextlib.suppress(OSError):
            return ADDED_ID in (config.corpus / "catalog.json").read_text(encoding="utf-8")
        return False

    return [timed_kill, ("as soon as the file is in the corpus", copied, 0.0),
            ("as soon as the catalog names it", catalogued, 0.0),
            ("as soon as builds/.tmp-* shows", building, 0.0)]


def kill_points(bench: Bench, count: int) -> Iterator[KillPoint]:
    """`count` kill points, builds and adds alternately, each command cycling through its
    triggers; fractions follow a golden-ratio sequence, so any prefix is spread over a run."""
    for number in range(count):
        command = "build" if number % 2 == 0 else "add"
        fraction = round((0.1 + number * 0.618034) % 1.0, 3)
        restore(bench)  # first: the triggers compare with the state the command starts from
        choices = triggers(bench, command, fraction)
        trigger, ready, delay = choices[(number // 2) % len(choices)]
        kill = kill_build if command == "build" else kill_add
        yield kill(bench, trigger, ready, delay)


# ---- fault cases --------------------------------------------------------------------------------

@dataclass
class Fault:
    case: str
    exit: int = 0
    message: str = ""
    outcome: str = ""
    ok: bool = False


def _search(config: Config) -> subprocess.CompletedProcess[str]:
    return run(cli("search", QUERIES[0], "--json", "-n", "100", "--corpus", config.corpus,
                   "--index-dir", config.index))


def _error_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.startswith("Error:")]
    return lines[0] if len(lines) == 1 and "Traceback" not in stderr else ""


def _current_dir(config: Config) -> Path:
    build_dir = current_build(config.index)
    assert build_dir is not None
    return build_dir


def _segment(config: Config) -> Path:
    return next(_current_dir(config).glob("*.seg"))


def _garble(path: Path, at: float) -> None:
    data = bytearray(path.read_bytes())
    start = int(len(data) * at)
    for i in range(start, min(start + 64, len(data))):
        data[i] ^= 0x5A
    path.write_bytes(bytes(data))


def _old_schema(config: Config) -> None:
    path = _current_dir(config) / "manifest.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["format"] = data["format"].replace("schema ", "schema 0.")
    path.write_text(json.dumps(data), encoding="utf-8")


def _half_written(config: Config) -> None:
    leftover = config.index / BUILDS / ".tmp-killed"
    shutil.copytree(_current_dir(config), leftover)
    _segment_in(leftover).write_bytes(b"")


def _segment_in(folder: Path) -> Path:
    return next(folder.glob("*.seg"))


def _delete_file(config: Config) -> None:
    (config.corpus / load_catalog(config.corpus)[-1].file).unlink()


REBUILT = None
"""A fault the next command must repair by itself (rebuilding), answering as if intact."""

FAULTS: dict[str, tuple[Callable[[Config], None], str | None]] = {
    # case -> (damage, the way out an error line must name; REBUILT: no error allowed)
    "truncated segment": (lambda c: _segment(c).write_bytes(
        _segment(c).read_bytes()[: _segment(c).stat().st_size // 2]), "--rebuild"),
    "empty segment": (lambda c: _segment(c).write_bytes(b""), "--rebuild"),
    "garbled segment start": (lambda c: _garble(_segment(c), 0.0005), "--rebuild"),
    "garbled segment middle": (lambda c: _garble(_segment(c), 0.5), "--rebuild"),
    "missing segment": (lambda c: _segment(c).unlink(), "--rebuild"),
    "garbage toc": (lambda c: next(_current_dir(c).glob("*.toc")).write_bytes(b"x" * 300),
                    "--rebuild"),
    "missing toc": (lambda c: next(_current_dir(c).glob("*.toc")).unlink(), "--rebuild"),
    "garbage CURRENT": (lambda c: (c.index / CURRENT).write_bytes(b"\x00\xff../../etc"),
                        REBUILT),
    "missing manifest": (lambda c: (_current_dir(c) / "manifest.json").unlink(), REBUILT),
    "half-written build aside": (_half_written, REBUILT),
    "older schema version": (_old_schema, REBUILT),
    "corpus file deleted": (_delete_file, "gcm-search remove"),
}
ALWAYS_ERROR = {"corpus file deleted"}
"""Faults where answering at all would be wrong: the corpus no longer is what was indexed."""


def fault_case(bench: Bench, case: str, expected: str) -> Fault:
    """Damage a copy of the indexed corpus and search it: the right results (`expected`, what
    the intact index printed) or one error line naming the way out."""
    damage, way_out = FAULTS[case]
    config = bench.config
    _restore_state(config, bench.pristine)
    damage(config)
    done = _search(config)
    fault = Fault(case, done.returncode, _error_line(done.stderr))
    if done.returncode == 0:
        fault.outcome = "answered"
        fault.ok = (done.stdout == expected and "Traceback" not in done.stderr
                    and case not in ALWAYS_ERROR)
    else:
        fault.outcome = "error"
        fault.ok = (way_out is not REBUILT and way_out in fault.message
                    and not done.stdout)
    return fault


@contextlib.contextmanager
def tmpfs(folder: Path, size: str) -> Iterator[Path | None]:
    """A small tmpfs at `folder`, or None where mounting is not permitted."""
    folder.mkdir(parents=True, exist_ok=True)
    try:
        mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs",
                                  str(folder)], capture_output=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        yield None
        return
    if mounted.returncode:
        yield None
        return
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True, timeout=10,
                       check=False)


def disk_full(bench: Bench, work: Path) -> Fault:
    """The index on a tmpfs with room for one build only: a forced rebuild finds the disk full,
    says so, and the previous build still answers."""
    fault = Fault("disk full during a rebuild")
    with tmpfs(work / "full", "16m") as mount:
        index_size = sum(f.stat().st_size for f in bench.pristine.joinpath("index").rglob("*")
                         if f.is_file())
        if mount is None or index_size > 6_000_000:
            fault.outcome = "skipped"
            fault.ok = True
            return fault
        config = Config(bench.config.corpus, mount / "index")
        _restore_state(bench.config, bench.pristine)
        shutil.copytree(bench.pristine / "index", config.index,
                        ignore=shutil.ignore_patterns(".lock"))
        filler = mount / "filler"
        free = shutil.disk_usage(mount).free
        filler.write_bytes(b"\0" * max(0, free - index_size // 2))
        done = run(build_command(config))
        filler.unlink()
        fault.exit, fault.message = done.returncode, _error_line(done.stderr)
        fault.outcome = "error" if done.returncode else "answered"
        fault.ok = ("disk is full" in fault.message and answers(config) == bench.before
                    and not temporaries(config))
    return fault


def read_only(bench: Bench, work: Path) -> Fault:
    """The index on a tmpfs remounted read-only: a fresh index answers; a stale one says the
    folder cannot be written and names the way out."""
    fault = Fault("read-only index folder")
    with tmpfs(work / "ro", "64m") as mount:
        if mount is None:
            fault.outcome = "skipped"
            fault.ok = True
            return fault
        config = Config(bench.config.corpus, mount / "index")
        _restore_state(bench.config, bench.pristine)
        shutil.copytree(bench.pristine / "index", config.index)
        remounted = subprocess.run(["mount", "-o", "remount,ro", str(mount)],
                                   capture_output=True, timeout=10, check=False)
        if remounted.returncode:
            fault.outcome = "skipped"
            fault.ok = True
            return fault
        fresh = _search(config)
        with (config.corpus / load_catalog(config.corpus)[0].file).open("a") as out:
            out.write("\n\nA paragraph added after indexing.\n")
        stale = _search(config)
        fault.exit, fault.message = stale.returncode, _error_line(stale.stderr)
        fault.outcome = "error" if stale.returncode else "answered"
        fault.ok = (fresh.returncode == 0 and json.loads(fresh.stdout)["total"] > 0
                    and "Read-only file system" in fault.message
                    and "--index-dir" in fault.message)
    return fault


def two_writers(bench: Bench) -> Fault:
    """`add` started while `index --rebuild` runs: both finish, the review is indexed."""
    config = bench.config
    _restore_state(config, bench.pristine)
    fault = Fault("add during index --rebuild")
    rebuild = subprocess.Popen(build_command(config), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, env=_environment())
    deadline = time.perf_counter() + 60
    while not list((config.index / BUILDS).glob(".tmp-*")) and rebuild.poll() is None \
            and time.perf_counter() < deadline:
        time.sleep(0.002)
    added = run(add_command(config, bench.new))
    _, rebuild_err = rebuild.communicate(timeout=120)
    fault.exit = rebuild.returncode or added.returncode
    fault.message = _error_line(rebuild_err) or _error_line(added.stderr)
    fault.outcome = "answered" if fault.exit == 0 else "error"
    fault.ok = (fault.exit == 0 and answers(config) == bench.after_add
                and ADDED_ID in [d.id for d in load_catalog(config.corpus)])
    return fault


def faults(bench: Bench, work: Path) -> list[Fault]:
    _restore_state(bench.config, bench.pristine)
    expected = _search(bench.config).stdout
    found = [fault_case(bench, case, expected) for case in FAULTS]
    found += [disk_full(bench, work), read_only(bench, work), two_writers(bench)]
    _restore_state(bench.config, bench.pristine)
    return found


# ---- the run -------------------------------------------------------------------------------

def measure(kills: int, documents: int, with_faults: bool = True) -> dict[str, Any]:
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="gcm-faults-") as folder:
        work = Path(folder)
        bench = prepare(work, documents)
        points = [p.to_dict() for p in kill_points(bench, kills)]
        cases = [asdict(f) for f in faults(bench, work)] if with_faults else []
        restore(bench)
        manifest = read_manifest(_current_dir(bench.config))
    return {
        "documents": documents + 1,
        "passages": manifest.passages if manifest else 0,
        "seconds": round(time.perf_counter() - started, 1),
        "uninterrupted": {k: round(v, 2) for k, v in bench.seconds.items()},
        "kills": {
            "tried": len(points),
            "survived": sum(p["survived"] for p in points),
            "phases": dict(Counter(p["phase"] for p in points)),
            "points": points,
        },
        "faults": cases,
    }


def summary(report: dict[str, Any]) -> str:
    kills = report["kills"]
    lines = [f"Kill points: {kills['survived']} of {kills['tried']} survived "
             f"(phases: {', '.join(f'{k} {v}' for k, v in sorted(kills['phases'].items()))}); "
             f"corpus of {report['documents']} documents, {report['passages']} passages."]
    lines += [f"  FAILED {p['command']} {p['trigger']} ({p['phase']}): {p['detail']}"
              for p in kills["points"] if not p["survived"]]
    for fault in report["faults"]:
        lines.append(f"{'ok ' if fault['ok'] else 'BAD'} {fault['case']}: {fault['outcome']}"
                     f"{' - ' + fault['message'] if fault['message'] else ''}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=30, help="kill points to try")
    parser.add_argument("--documents", type=int, default=4,
                        help="synthetic reviews besides Japan's")
    parser.add_argument("--no-faults", action="store_true", help="only the kill points")
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args(argv)
    if os.geteuid() != 0 and not args.no_faults:
        print("not root: the disk-full and read-only cases will be skipped", file=sys.stderr)
    report = measure(args.kills, args.documents, not args.no_faults)
    print(summary(report))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n",
                             encoding="utf-8")
    failed = report["kills"]["tried"] - report["kills"]["survived"] + sum(
        not f["ok"] for f in report["faults"])
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
