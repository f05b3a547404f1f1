"""`gcm-search serve` on every core: the real command with two gunicorn workers on 127.0.0.1,
over a private copy of the bundled corpus and its index.

Each request's log line names the process that answered ([pid]); each worker says when it is
ready. Both workers answer; a worker killed with SIGKILL is replaced and the server answers on;
a review added by the real CLI is found by every worker; one log line per request; Ctrl-C stops
every process. `--workers 1` is waitress, in one process. No test is timed: waits are bounded
only so that a broken server fails instead of hanging.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Collection, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from search.config import Config

ROOT = Path(__file__).resolve().parent.parent
SERVING = re.compile(r"Serving gcm-search on (http://127\.0\.0\.1:\d+/) \((\w+),")
READY = re.compile(r"^Worker (\d+) ready: (\d+) MiB resident \((\d+) MiB of it mapped files, "
                   r"shared between workers\), query cache budget (\d+) MiB$")
REQUEST = re.compile(r"^\d{4}-\d\d-\d\d [\d:,]+ \[(\d+)\] 127\.0\.0\.1 GET (\S+) (\d{3}) [\d.]+ms$")
WAIT = 120.0  # seconds: a bound on waiting for the server, never an assertion
REVIEW = """Voluntary GCM review by Canada 2023

1 Promoting safe, orderly and regular migration

a) Progress

The Zorblat Transit Agency was founded to help migrants find regular pathways.
"""
# Never through a proxy: the traffic stays on 127.0.0.1.
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class Served:
    """A `python -m search serve` subprocess, its stderr drained by a thread and kept."""

    def __init__(self, config: Config, *args: str) -> None:
        self.lines: list[str] = []
        self._new: queue.Queue[str | None] = queue.Queue()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "search", "serve", "--port", "0", *args,
             "--corpus", str(config.corpus), "--index-dir", str(config.index)],
            cwd=ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE, text=True, encoding="utf-8", errors="replace")
        self._reader = threading.Thread(target=self._drain, daemon=True)
        self._reader.start()
        found = self.wait_for(SERVING)
        self.base, self.kind = found.group(1), found.group(2)

    def _drain(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.append(line.rstrip("\n"))
            self._new.put(line)
        self._new.put(None)

    def wait_for(self, pattern: re.Pattern[str], *, after: int = 0,
                 unless: Collection[str] = ()) -> re.Match[str]:
        """The first line from `after` on that matches `pattern` (its first group not in
        `unless`), waiting for the server to write it."""
        deadline = time.monotonic() + WAIT
        seen = after
        while time.monotonic() < deadline:
            for line in self.lines[seen:]:
                seen += 1
                found = pattern.search(line)
                if found and found.group(1) not in unless:
                    return found
            if self.proc.poll() is not None and self._new.empty():
                break
            with contextlib.suppress(queue.Empty):
                self._new.get(timeout=0.5)
        raise AssertionError(f"no line like {pattern.pattern!r}:\n" + "\n".join(self.lines))

    def workers(self) -> set[str]:
        """The workers that said they are ready, and are still running."""
        return {found.group(1) for line in self.lines if (found := READY.match(line))
                and Path(f"/proc/{found.group(1)}").exists()}

    def get(self, path: str, **params: str) -> tuple[int, Any]:
        url = self.base + path.lstrip("/") + (f"?{urlencode(params)}" if params else "")
        with OPENER.open(url, timeout=60) as response:
            return response.status, json.loads(response.read())

    def answered_by(self, tag: str) -> str:
        """The pid in the log line of the request carrying `tag`=..."""
        return self.wait_for(re.compile(rf"\[(\d+)\] .* GET \S*[?&]tag={tag}(&|\s)")).group(1)

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)  # Ctrl-C
        try:
            code = self.proc.wait(timeout=WAIT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code = self.proc.wait()
        self._reader.join(timeout=WAIT)  # every line it wrote, read
        assert self.proc.stderr is not None
        self.proc.stderr.close()
        return code


@pytest.fixture(scope="module")
def config(japan_config: Config, tmp_path_factory: pytest.TempPathFactory) -> Config:
    """The session's corpus and index, copied: these tests add a review."""
    base = tmp_path_factory.mktemp("serve")
    shutil.copytree(japan_config.corpus, base / "corpus")
    shutil.copytree(japan_config.index, base / "index")
    return Config(base / "corpus", base / "index")


@pytest.fixture(scope="module")
def served(config: Config) -> Iterator[Served]:
    server = Served(config, "--workers", "2", "--cache-mb", "32")
    try:
        while len(server.workers()) < 2:
            server.wait_for(READY, unless=server.workers())
        yield server
    finally:
        server.stop()


def until_every_worker_answers(served: Served, path: str, expected: set[str], **params: str
                               ) -> dict[str, list[Any]]:
    """Ask `path` again and again (a bounded number of times), each request tagged, until each
    of the `expected` workers has answered; what each answered, by pid."""
    answers: dict[str, list[Any]] = {}
    for n in range(400):
        tag = f"w{n}x{time.time_ns()}"
        status, body = served.get(path, **params, tag=tag)
        assert status == 200
        answers.setdefault(served.answered_by(tag), []).append(body)
        if expected <= set(answers):
            break
    return answers


def test_two_workers_answer_the_api(served: Served) -> None:
    assert served.kind == "gunicorn"
    assert len(served.workers()) == 2
    status, body = served.get("/api/search", q="trafficking")
    assert status == 200 and body["total"] == 11


def test_each_worker_reports_its_memory_and_cache_budget(served: Served) -> None:
    ready = [READY.match(line) for line in served.lines if READY.match(line)]
    assert len(ready) >= 2
    for found in ready:
        assert found is not None
        assert int(found.group(2)) > 10  # MiB: Python, Flask and Whoosh at least
        assert int(found.group(3)) <= int(found.group(2))
        assert found.group(4) == "32"


def test_requests_are_served_by_both_workers(served: Served) -> None:
    workers = served.workers()
    answers = until_every_worker_answers(served, "/api/search", workers, q="victims")
    assert set(answers) == workers
    assert all(body["total"] > 0 for bodies in answers.values() for body in bodies)


def test_one_log_line_per_request(served: Served) -> None:
    before = len([line for line in served.lines if REQUEST.match(line)])
    for n in range(20):
        served.get("/api/search", q="children", tag=f"count{n}")
        served.answered_by(f"count{n}")
    lines = [line for line in served.lines if REQUEST.match(line)]
    assert len(lines) - before == 20
    assert all(sum(f"tag=count{n} " in line for line in served.lines) == 1 for n in range(20))


def test_a_long_request_is_still_one_short_log_line(served: Served) -> None:
    """Two workers write to one stderr: a line the system writes in one piece (under PIPE_BUF,
    4096 bytes) cannot be cut by the other's. A 60 KB target is logged cut, with its length."""
    target = "/api/search?" + urlencode({"q": "é" * 1000, "tag": "long"}) + "&pad=" + "x" * 50_000
    with OPENER.open(served.base + target.lstrip("/"), timeout=60) as response:
        assert response.status == 200
    line = served.wait_for(re.compile(r"(\[\d+\]) .* GET /api/search\?q=%C3%A9")).string
    assert REQUEST.match(line) and len(line.encode()) < 4096
    assert re.search(r"\.\.\.\+\d+ 200 ", line)


def test_an_added_review_is_found_by_every_worker(served: Served, config: Config,
                                                  tmp_path: Path) -> None:
    status, body = served.get("/api/search", q="Zorblat")
    assert status == 200 and body["total"] == 0
    review = tmp_path / "canada.txt"
    review.write_text(REVIEW, encoding="utf-8")
    subprocess.run([sys.executable, "-m", "search", "add", str(review), "--country", "Canada",
                    "--year", "2023", "--corpus", str(config.corpus), "--index-dir",
                    str(config.index)], cwd=ROOT, check=True, capture_output=True, timeout=300)
    workers = served.workers()
    answers = until_every_worker_answers(served, "/api/search", workers, q="Zorblat")
    assert set(answers) == workers
    assert all(body["total"] == 1 for bodies in answers.values() for body in bodies)


def test_a_killed_worker_is_replaced(served: Served) -> None:
    workers = served.workers()
    killed = sorted(workers)[0]
    mark = len(served.lines)
    os.kill(int(killed), signal.SIGKILL)
    new = served.wait_for(READY, after=mark, unless=workers).group(1)
    assert new not in workers
    deadline = time.monotonic() + WAIT
    while Path(f"/proc/{killed}").exists() and time.monotonic() < deadline:
        time.sleep(0.1)  # reaped by the arbiter
    assert served.workers() == (workers - {killed}) | {new}
    status, body = served.get("/api/search", q="trafficking")
    assert status == 200 and body["total"] == 11
    # The new worker serves too, and from the current build (the review added above).
    answers = until_every_worker_answers(served, "/api/search", {new}, q="Zorblat")
    assert new in answers and all(body["total"] == 1 for body in answers[new])


def test_ctrl_c_stops_every_process(served: Served) -> None:
    workers = served.workers()
    assert served.stop() == 0
    assert "Stopped." in served.lines
    assert not [pid for pid in workers if Path(f"/proc/{pid}").exists()]
    assert not [line for line in served.lines if "Traceback" in line]


def test_sigterm_stops_every_process(config: Config) -> None:
    server = Served(config, "--workers", "2")
    try:
        while len(server.workers()) < 2:
            server.wait_for(READY, unless=server.workers())
        workers = server.workers()
        server.proc.send_signal(signal.SIGTERM)
        server.proc.wait(timeout=WAIT)  # on its own: stop() below only collects what it said
    finally:
        assert server.stop() == 0
    assert "Stopped." in server.lines
    assert not [pid for pid in workers if Path(f"/proc/{pid}").exists()]


def test_one_worker_is_waitress_in_one_process(config: Config) -> None:
    server = Served(config, "--workers", "1")
    try:
        assert server.kind == "waitress"
        status, body = server.get("/api/search", q="trafficking", tag="solo")
        assert status == 200 and body["total"] == 11
        assert server.answered_by("solo") == str(server.proc.pid)
        assert not server.workers()
    finally:
        assert server.stop() == 0
    assert "Stopped." in server.lines
