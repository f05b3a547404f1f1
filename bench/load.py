"""Load while the corpus changes: `gcm-search serve` under concurrent clients while a review is
added and removed and the index is rebuilt, again and again.

    python bench/load.py --seconds 60 --clients 8 --json out.json

It makes a corpus in a scratch folder (the bundled Japan review and three synthetic reviews from
bench/synthetic.py), builds its index, and works out beforehand every answer the server may give:
each URL of a fixed set (searches with and without filters, a second page, a phrase, no hits, the
documents and objectives, HTML pages, the new review's passage and page) is asked of the Flask
app in this process for both states the corpus passes through, "before" (as made) and "added"
(with a fourth synthetic review). Then it starts the real `python -m search serve --port 0`
(127.0.0.1 only) and, while `clients` threads loop over the URLs for `seconds`, runs the real
CLI over and over: `add` the review, `index --rebuild`, `remove` it, `index --rebuild`. Every
response must be byte for byte one state's answer (status and body): never an error, never a
mix of two builds. When the clients stop, every URL must give the answer of the state the
corpus was left in. The server's resident memory (VmRSS; with several worker processes, the
largest worker's) and the index files its processes hold open are sampled throughout. The server
runs with serve's default workers (one per core: gunicorn) unless --workers says otherwise.

The JSON written with --json (the lead's bench/hardening.py puts it into bench/hardening.md):

    {
      "seconds": 60.0, "clients": 8, "urls": 21,
      "requests": 9000,            # responses received while the corpus changed
      "failures": 0,               # connection errors or an unexpected status: must be 0
      "inconsistent": 0,           # bodies equal to neither state's answer: must be 0
      "settled": true,             # afterwards every URL answered as the final state
      "by_state": {"before": 0, "added": 0, "either": 0},   # which state each response matched
      "changes": {"adds": 0, "removes": 0, "rebuilds": 0},  # CLI runs completed meanwhile
      "requests_per_second": 150.0,
      "latency_ms": {"p50": 20.0, "p99": 90.0, "max": 300.0},
      "rss_mb": {"start": 80.0, "warm": 85.0, "end": 86.0, "peak": 90.0},
      "index_files": {"start": 1, "end": 1, "peak": 3,    # index files the server holds open
                      "old_builds_at_end": 0},           # ... of builds other than the current
      "log_lines": 9050,           # request lines in the server's log: one per request sent
      "sent": 9050,                # requests sent in all (the checks included)
      "problems": []               # the first few failures or mixes, for a reader
    }

"warm" is the memory after the first full cycle of changes, when every state has been served
once; growth from there to "end" is what a long-running server would keep accumulating.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(HERE) not in sys.path:  # run as a script or loaded by the tests: synthetic is a sibling
    sys.path.insert(0, str(HERE))

import synthetic  # noqa: E402

from search.catalog import load_catalog, save_catalog  # noqa: E402
from search.collection import Given, add  # noqa: E402
from search.config import Config  # noqa: E402
from search.index import LiveIndex, OpenIndex, build  # noqa: E402
from search.index.schema import from_stored  # noqa: E402
from search.models import Document  # noqa: E402
from search.web import create_app  # noqa: E402

SYNTHETIC = 3
"""Synthetic reviews in the starting corpus, besides Japan: enough for facets and paging."""
SEARCHES = (
    {"q": "migrants"},
    {"q": "trafficking in persons"},
    {"q": "border management", "page": "2"},
    {"q": "remittances", "country": "Japan"},
    {"q": "children", "objective": "7"},
    {"q": '"technical intern training"'},
    {"q": "zzzqqq"},
    {"objective": "23"},
    {"q": "labour", "limit": "50"},
)
STATES = ("before", "added")
Answer = tuple[int, bytes]
"""A response as compared: status and body."""

_SERVING = re.compile(r"Serving gcm-search on http://127\.0\.0\.1:(\d+)/")
_WORKERS = re.compile(r"\(gunicorn, (\d+) worker processes")
_WORKER_READY = re.compile(r"^Worker \d+ ready", re.MULTILINE)
_REQUEST_LINE = re.compile(r" 127\.0\.0\.1 GET /\S* \d{3} [\d.]+ms$")


@dataclass(frozen=True)
class Scenario:
    """The served corpus and index, the review that comes and goes, and every expected answer."""

    config: Config
    new_file: Path
    new: Document
    expected: dict[str, dict[str, Answer]]
    """URL path -> state -> the answer."""

    def state_of(self, path: str, answer: Answer) -> str | None:
        """The state `answer` belongs to: "before", "added", "either" (both agree) or None."""
        found = [state for state, wanted in self.expected[path].items() if wanted == answer]
        return None if not found else found[0] if len(found) == 1 else "either"


def prepare(folder: Path) -> Scenario:
    """Make the corpus, build its index, and ask the app every URL in both states."""
    made = synthetic.generate(folder / "synthetic", SYNTHETIC + 1)
    extra = load_catalog(made)
    corpus = folder / "corpus"
    shutil.copytree(ROOT / "corpus", corpus)
    for document in extra[:SYNTHETIC]:
        shutil.copyfile(made / document.file, corpus / document.file)
    save_catalog(corpus, (*load_catalog(corpus), *extra[:SYNTHETIC]))
    config = Config(corpus=corpus, index=folder / "index")
    build(config)
    new = extra[SYNTHETIC]
    new_file = made / new.file

    # The "added" state exactly as the CLI will make it: the same add, on a copy.
    added = Config(corpus=folder / "added" / "corpus", index=folder / "added" / "index")
    shutil.copytree(corpus, added.corpus)
    shutil.copytree(config.index, added.index)
    document, _, _ = add(added, new_file, _given(new))
    lives = {"before": LiveIndex(config), "added": LiveIndex(added)}
    ids = _passage_ids(lives["added"].get())
    japan = load_catalog(corpus)[0]
    new_passage = next(p for p in ids if p.startswith(f"{document.id}:"))
    japan_passage = next(p for p in ids if p.startswith(f"{japan.id}:"))
    paths = [f"/api/search?{urlencode(params)}" for params in SEARCHES] + [
        "/api/documents", "/api/objectives", f"/api/passages/{new_passage}",
        f"/api/passages/{japan_passage}", "/?q=migrants&country=Japan", f"/d/{document.id}",
        "/objectives", f"/p/{new_passage}", f"/p/{japan_passage}", "/",
        "/api/compare/10?q=trafficking", "/objectives/7?q=children",
    ]
    expected: dict[str, dict[str, Answer]] = {path: {} for path in paths}
    for state in STATES:
        client = create_app(live=lives[state]).test_client()
        for path in paths:
            response = client.get(path)
            expected[path][state] = (response.status_code, response.get_data())
    if all(len(set(answers.values())) == 1 for answers in expected.values()):
        raise RuntimeError("the two states give the same answers: nothing would be checked")
    return Scenario(config, new_file, document, expected)


def _given(document: Document) -> Given:
    return Given(country=document.country, year=document.year)


def _passage_ids(opened: OpenIndex) -> list[str]:
    with opened.searching() as searcher:
        return sorted(from_stored(fields).id for fields in searcher.all_stored_fields())


# ---- the server -----------------------------------------------------------------------------

@dataclass
class Server:
    """A running `python -m search serve` and its log: the process started, and with gunicorn
    its worker processes (each a whole server: its own index, caches and memory)."""

    process: subprocess.Popen[bytes]
    port: int
    log: Path
    index: Path

    def pids(self) -> list[int]:
        """The server's processes: the one started and its children (gunicorn's workers)."""
        found = [self.process.pid]
        with contextlib.suppress(OSError):
            children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
            found += [int(pid) for pid in children.read_text(encoding="ascii").split()]
        return found

    def memory_mb(self) -> float:
        """The resident memory (VmRSS) of the largest of the server's processes: each worker
        holds what one server process holds."""
        return max(_resident_mb(pid) for pid in self.pids())

    def index_files(self) -> int:
        """Files of the index folder the server's processes hold open (deleted ones too)."""
        return len(self._held())

    def old_build_files(self) -> int:
        """Files the server holds open that are not the current build's: once the requests
        are done, none, or old builds are not being let go. (How many files the current build
        has depends on the change made last: an `add` extends a build with a second segment.)"""
        current = (Path(self.index) / "CURRENT").read_text(encoding="utf-8").strip()
        build = f"{Path(self.index) / 'builds' / current}{os.sep}"
        return sum(not target.startswith(build) for target in self._held())

    def _held(self) -> list[str]:
        index = f"{self.index}{os.sep}"
        held = []
        for pid in self.pids():
            folder = f"/proc/{pid}/fd"
            with contextlib.suppress(OSError):  # a worker gone between the listing and the look
                for name in os.listdir(folder):
                    with contextlib.suppress(OSError):  # closed between the listing and the look
                        target = os.readlink(f"{folder}/{name}")
                        if target.startswith(index):
                            held.append(target)
        return held

    def request_lines(self) -> int:
        text = self.log.read_text(encoding="utf-8", errors="replace")
        return sum(1 for line in text.splitlines() if _REQUEST_LINE.search(line))


def _resident_mb(pid: int) -> float:
    try:
        status = Path(f"/proc/{pid}/status").read_text(encoding="ascii")
    except OSError:  # gone
        return 0.0
    found = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
    return int(found.group(1)) / 1024 if found else 0.0


@contextlib.contextmanager
def serving(config: Config, log: Path, threads: int = 4, workers: int | None = None
            ) -> Iterator[Server]:
    """Start the server on a free port of 127.0.0.1 (with `workers` processes, or serve's
    default: one per core) and wait until every worker is ready; always stop it (Ctrl-C, then
    a kill)."""
    more = ["--workers", str(workers)] if workers else []
    with open(log, "w", encoding="utf-8") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "search", "serve", "--port", "0", "--threads", str(threads),
             *more, "--corpus", str(config.corpus), "--index-dir", str(config.index)],
            cwd=ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=out)
    try:
        deadline = time.monotonic() + 60
        while not (found := _ready(log.read_text(encoding="utf-8"))):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start: {log.read_text()[-2000:]}")
            time.sleep(0.05)
        yield Server(process, found, log, config.index)
    finally:
        process.send_signal(signal.SIGINT)  # Ctrl-C: the server's own way out
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _ready(log: str) -> int | None:
    """The server's port once it answers with all its workers (gunicorn says how many it
    starts, and each says when it is ready), else None."""
    found = _SERVING.search(log)
    if not found:
        return None
    workers = _WORKERS.search(log)
    if workers and len(_WORKER_READY.findall(log)) < int(workers.group(1)):
        return None
    return int(found.group(1))


class Client:
    """One keep-alive HTTP connection to the server; reconnects after an error."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.connection: http.client.HTTPConnection | None = None

    def get(self, path: str) -> Answer:
        if self.connection is None:
            self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            self.connection.request("GET", path)
            response = self.connection.getresponse()
            return response.status, response.read()
        except Exception:
            self.connection.close()
            self.connection = None
            raise

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()


# ---- the run ----------------------------------------------------------------------------------

@dataclass
class Tally:
    """What the clients saw, added up under a lock."""

    requests: int = 0
    failures: int = 0
    inconsistent: int = 0
    sent: int = 0
    by_state: dict[str, int] = field(default_factory=lambda: dict.fromkeys(
        (*STATES, "either"), 0))
    latencies: list[float] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, path: str, state: str | None, error: str | None, seconds: float,
               status: int = 0) -> None:
        with self.lock:
            self.sent += 1
            if error is not None:
                self.failures += 1
                self.note(f"{path}: {error}")
                return
            self.requests += 1
            self.latencies.append(seconds)
            if state is None:
                self.inconsistent += 1
                self.note(f"{path}: HTTP {status}, an answer of neither state")
            else:
                self.by_state[state] += 1

    def note(self, text: str) -> None:
        """Keep the first few problems for the report (callers hold the lock)."""
        if len(self.problems) < 10:
            self.problems.append(text)


def drive(scenario: Scenario, port: int, tally: Tally, stop: threading.Event,
          number: int) -> None:
    """Loop over the URLs (each client from its own place) until `stop`, checking each answer."""
    paths = list(scenario.expected)
    client = Client(port)
    position = number * 5
    try:
        while not stop.is_set():
            path = paths[position % len(paths)]
            position += 1
            started = time.perf_counter()
            try:
                answer = client.get(path)
            except Exception as exc:  # every failure is counted; none may stop the client
                tally.record(path, None, f"{exc.__class__.__name__}: {exc}", 0.0)
                continue
            elapsed = time.perf_counter() - started
            state = scenario.state_of(path, answer)
            known = {status for status, _ in scenario.expected[path].values()}
            error = None if answer[0] in known else f"HTTP {answer[0]}"
            tally.record(path, state, error, elapsed, answer[0])
    finally:
        client.close()


def cli(config: Config, *args: str) -> None:
    """Run one gcm-search command on the served corpus; it must succeed."""
    done = subprocess.run(
        [sys.executable, "-m", "search", *args, "--corpus", str(config.corpus),
         "--index-dir", str(config.index)],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"gcm-search {' '.join(args)} failed: {done.stderr.strip()}")


def change(scenario: Scenario, step: int) -> str:
    """Step `step` of the cycle add, rebuild, remove, rebuild; return what it was."""
    config, new = scenario.config, scenario.new
    kind = ("add", "rebuild", "remove", "rebuild")[step % 4]
    if kind == "add":
        cli(config, "add", str(scenario.new_file), "--country", new.country,
            "--year", str(new.year))
    elif kind == "remove":
        cli(config, "remove", new.id)
    else:
        cli(config, "index", "--rebuild")
    return kind


def settled(scenario: Scenario, port: int, state: str, tally: Tally) -> bool:
    """After the changes: does every URL give exactly `state`'s answer?"""
    client = Client(port)
    try:
        answers = {path: client.get(path) for path in scenario.expected}
    finally:
        client.close()
    wrong = [path for path, answer in answers.items() if answer != scenario.expected[path][state]]
    with tally.lock:
        tally.sent += len(answers)
        for path in wrong[:3]:
            tally.note(f"{path}: after the changes, not the answer of {state!r}")
    return not wrong


def run(folder: Path, seconds: float, clients: int, threads: int = 4,
        workers: int | None = None) -> dict[str, Any]:
    """The whole scenario in `folder`; returns the figures (the JSON shape above)."""
    scenario = prepare(folder)
    tally = Tally()
    changes = {"adds": 0, "removes": 0, "rebuilds": 0}
    memory: list[float] = []
    files: list[int] = []
    with serving(scenario.config, folder / "serve.log", threads, workers) as server:
        start = (server.memory_mb(), server.index_files())
        stop = threading.Event()
        sampling = threading.Event()

        def sample() -> None:
            while not sampling.wait(0.2):
                memory.append(server.memory_mb())
                files.append(server.index_files())

        workers = [threading.Thread(target=drive, args=(scenario, server.port, tally, stop, n))
                   for n in range(clients)]
        sampler = threading.Thread(target=sample)
        began = time.monotonic()
        for thread in (*workers, sampler):
            thread.start()
        warm: float | None = None
        step = 0
        try:
            # At least one whole cycle, so that both states are served and the figures mean it.
            while step < 4 or time.monotonic() - began < seconds:
                kind = change(scenario, step)
                changes[{"add": "adds", "remove": "removes"}.get(kind, "rebuilds")] += 1
                step += 1
                if step == 4:
                    warm = server.memory_mb()
        finally:
            stop.set()
            for thread in workers:
                thread.join()
            elapsed = time.monotonic() - began
            sampling.set()
            sampler.join()
        final = "added" if step % 4 in (1, 2) else "before"
        is_settled = settled(scenario, server.port, final, tally)
        end = (server.memory_mb(), server.index_files())
        old_at_end = server.old_build_files()
        time.sleep(0.2)  # the log line is written after the response is sent
        log_lines = server.request_lines()
    latencies = sorted(tally.latencies) or [0.0]
    return {
        "seconds": round(elapsed, 1),
        "clients": clients,
        "urls": len(scenario.expected),
        "requests": tally.requests,
        "failures": tally.failures,
        "inconsistent": tally.inconsistent,
        "settled": is_settled,
        "by_state": tally.by_state,
        "changes": changes,
        "requests_per_second": round(tally.requests / elapsed, 1),
        "latency_ms": {"p50": _ms(_quantile(latencies, 0.5)),
                       "p99": _ms(_quantile(latencies, 0.99)), "max": _ms(latencies[-1])},
        "rss_mb": {"start": round(start[0], 1), "warm": round(warm or start[0], 1),
                   "end": round(end[0], 1), "peak": round(max([*memory, end[0]]), 1)},
        "index_files": {"start": start[1], "end": end[1], "peak": max([*files, end[1]]),
                        "old_builds_at_end": old_at_end},
        "log_lines": log_lines,
        "sent": tally.sent,
        "problems": tally.problems,
    }


def _quantile(ordered: Sequence[float], q: float) -> float:
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0,
                        help="how long the clients run (at least one full cycle of changes)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent client threads")
    parser.add_argument("--threads", type=int, default=4,
                        help="the server's threads (per worker process)")
    parser.add_argument("--workers", type=int,
                        help="the server's worker processes (default: serve's, one per core)")
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args(argv)
    if args.seconds <= 0 or not 1 <= args.clients <= 64:
        parser.error("--seconds must be positive and --clients between 1 and 64")
    with tempfile.TemporaryDirectory(prefix="gcm-load-") as scratch:
        figures = run(Path(scratch), args.seconds, args.clients, args.threads, args.workers)
    text = json.dumps(figures, indent=2)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")
    print(text)
    ok = not (figures["failures"] or figures["inconsistent"]) and figures["settled"]
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
