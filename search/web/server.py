"""What runs the web app for `gcm-search serve`: waitress in one process, or gunicorn's pre-fork
server with a worker process per core.

gunicorn's arbiter binds the socket, forks the workers and replaces any that dies; each worker
runs the app under gthread (`threads` threads) and opens the index itself, after the fork, so no
Whoosh file, memory map or SQLite connection is shared between processes, and each follows
CURRENT on its own (a rebuild is picked up by the next request in every worker). The code is
imported before the fork, so the workers share it; the embedding model is loaded by each worker
on its first search by meaning (its weights are memory-mapped: the pages are shared anyway).

The limits waitress enforces (web/__init__.py) are mapped onto gunicorn's: a request line of at
most MAX_REQUEST_HEADER_BYTES (414 past it: gunicorn's own cap, 8190 bytes, would refuse the
longest query), at most 64 header fields of at most 8 KiB each (431), a body of at most
MAX_REQUEST_BODY_BYTES (413, answered by `bounded_body` before the app runs: gunicorn has no
body limit of its own). What gunicorn refuses itself is answered in plain text, as waitress does.
"""

from __future__ import annotations

import io
import os
import re
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ..caches import MIB, QUERIES
from . import MAX_REQUEST_BODY_BYTES, MAX_REQUEST_HEADER_BYTES

if TYPE_CHECKING:
    from ..config import Config

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
MAX_HEADER_FIELDS = MAX_REQUEST_HEADER_BYTES // 1024
MAX_HEADER_FIELD_BYTES = 8190  # gunicorn's default, and nginx's and Apache's
WORKER_BOOT_ERROR = 3  # gunicorn's exit code for a worker that could not load the app


def one_blas_thread() -> None:
    """numpy's matrix products on one thread, unless the environment says otherwise; before
    numpy is loaded. A server runs several requests at once (threads, worker processes), and a
    product on a thread per core in each oversubscribed the cores: on a busy 2-core machine the
    BLAS threads' waiting made a search by meaning over twice as slow (bench/perf.py's load
    test, 200 reviews: p50 40 ms against 18 ms with one client)."""
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(name, "1")


def cores() -> int:
    """The cores this process may run on: the default number of workers."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not Linux
        return os.cpu_count() or 1


def has_gunicorn() -> bool:
    try:
        import gunicorn  # noqa: F401
    except ImportError:  # Windows, or an install without it
        return False
    return True


def address(host: str, port: int) -> str:
    return f"http://{host if ':' not in host else f'[{host}]'}:{port}/"


def serve_waitress(app: WSGIApp, host: str, port: int, threads: int) -> None:
    """One process, `threads` threads; returns on Ctrl-C."""
    from waitress import create_server  # here, so other commands start without it

    server = create_server(app, host=host, port=port, threads=threads,
                           max_request_header_size=MAX_REQUEST_HEADER_BYTES,
                           max_request_body_size=MAX_REQUEST_BODY_BYTES)
    click.echo(f"Serving gcm-search on {address(host, server.effective_port)} "
               f"(waitress, 1 process, {threads} threads) (Ctrl-C to stop)", err=True)
    try:
        server.run()  # returns on Ctrl-C (waitress catches it) or raises it
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
    click.echo("Stopped.", err=True)


def serve_gunicorn(load: Callable[[], WSGIApp], host: str, port: int, workers: int,
                   threads: int) -> int:
    """`workers` processes of `threads` threads each, each calling `load` once to make its app;
    returns the exit code once stopped (Ctrl-C, SIGTERM) or once a worker failed to start."""
    from gunicorn.app.base import BaseApplication

    settings: dict[str, Any] = {
        "bind": [f"[{host}]:{port}" if ":" in host else f"{host}:{port}"],
        "workers": workers,
        "worker_class": "gthread",
        "threads": threads,
        "preload_app": False,  # the index is opened in each worker, after the fork
        # gunicorn's cap, which _longer_request_lines raises to MAX_REQUEST_HEADER_BYTES in each
        # worker (0 would be no limit at all, should that hook not take).
        "limit_request_line": 8190,
        "limit_request_fields": MAX_HEADER_FIELDS,
        "limit_request_field_size": MAX_HEADER_FIELD_BYTES,
        "http_parser": "python",  # the parser whose request-line limit we set
        "accesslog": None,  # the app logs each request itself: one line per request
        "errorlog": "-",
        # Errors only: a refused request's warning quotes its raw bytes, which could forge a
        # line or colour the terminal; a worker's death and restart are errors and are shown.
        "loglevel": "error",
        "timeout": 120,  # a worker that stops answering its arbiter for this long is replaced
        "graceful_timeout": 10,
        "proc_name": "gcm-search",
        "control_socket_disable": True,  # no socket left in $HOME or $XDG_RUNTIME_DIR
        "when_ready": lambda arbiter: _announce(arbiter, host, workers, threads),
        "post_worker_init": _worker_ready,
        "worker_exit": _worker_exit,
    }

    class Server(BaseApplication):  # type: ignore[misc]  # gunicorn is untyped
        def load_config(self) -> None:
            for name, value in settings.items():
                if name in self.cfg.settings:  # an older gunicorn lacks some
                    self.cfg.set(name, value)

        def load(self) -> WSGIApp:
            _longer_request_lines(MAX_REQUEST_HEADER_BYTES)
            _plain_text_errors()
            return bounded_body(load(), MAX_REQUEST_BODY_BYTES)

    arbiter = os.getpid()
    try:
        Server().run()
    except SystemExit as stopped:
        if os.getpid() != arbiter:  # a worker leaving (it was forked in there): as it says
            raise
        code = stopped.code if isinstance(stopped.code, int) else 1
        if code == 0:
            click.echo("Stopped.", err=True)
        return 1 if code == WORKER_BOOT_ERROR else code
    return 0


def _announce(arbiter: Any, host: str, workers: int, threads: int) -> None:
    """The address, once, when the socket is bound (before the workers start): with --port 0,
    the port the system picked."""
    port = arbiter.LISTENERS[0].sock.getsockname()[1]
    click.echo(f"Serving gcm-search on {address(host, port)} (gunicorn, {workers} worker "
               f"processes, {threads} threads each) (Ctrl-C to stop)", err=True)


def _worker_ready(worker: Any) -> None:
    click.echo(f"Worker {os.getpid()} ready: {memory()}, query cache budget "
               f"{QUERIES.budget / MIB:.0f} MiB", err=True)


def _worker_exit(arbiter: Any, worker: Any) -> None:
    click.echo(f"Worker {os.getpid()} stopped: {memory()}, query cache "
               f"{QUERIES.size / MIB:.2f} of {QUERIES.budget / MIB:.0f} MiB", err=True)


def memory(pid: int | str = "self") -> str:
    """"412 MiB resident (180 MiB of it mapped files, shared between workers)": the index's
    vectors and the model's weights are memory-mapped, and a page of a file is in memory once
    for every worker that reads it, though each counts it as its own."""
    rss, files = resident_mib(pid, "VmRSS"), resident_mib(pid, "RssFile")
    return f"{rss:.0f} MiB resident ({files:.0f} MiB of it mapped files, shared between workers)"


def resident_mib(pid: int | str = "self", field: str = "VmRSS") -> float:
    """A field of a process's memory in /proc/PID/status (VmRSS: resident; RssAnon: its own;
    RssFile: pages of files) in MiB; 0 where there is no /proc."""
    try:
        status = Path(f"/proc/{pid}/status").read_text(encoding="ascii")
    except OSError:
        return 0.0
    found = re.search(rf"^{field}:\s+(\d+) kB", status, re.MULTILINE)
    return int(found.group(1)) / 1024 if found else 0.0


def _longer_request_lines(limit: int) -> None:
    """Let gunicorn's parser take request lines of up to `limit` bytes: its setting stops at
    8190 (or none at all), and the longest query, percent-encoded, is longer. Called in each
    worker; on a gunicorn whose parser has no such hook, its own 8190 stay."""
    from gunicorn.http import parser

    base = parser.RequestParser.mesg_class
    if getattr(base, "_gcm_limit", None) == limit or not hasattr(base, "read_line"):
        return

    class Request(base):  # type: ignore[misc, valid-type]
        _gcm_limit = limit

        def read_line(self, unreader: Any, buf: Any, limit: int = 0) -> Any:
            return super().read_line(unreader, buf, self._gcm_limit)

    parser.RequestParser.mesg_class = Request


def _plain_text_errors() -> None:
    """gunicorn's answers to requests it refuses itself (a malformed request line, too many
    headers) in plain text, as waitress's: its own are HTML pages that quote the request, with
    none of the app's headers (no Content-Security-Policy). Called in each worker."""
    from gunicorn import util

    def write_error(sock: Any, status: int, reason: str, message: str) -> None:
        body = f"{status} {reason}\n".encode("latin-1")  # nothing of the request echoed
        head = (f"HTTP/1.1 {status} {reason}\r\nConnection: close\r\n"
                f"Content-Type: text/plain; charset=utf-8\r\nX-Content-Type-Options: nosniff\r\n"
                f"Content-Length: {len(body)}\r\n\r\n").encode("latin-1")
        util.write_nonblock(sock, head + body)

    util.write_error = write_error


def bounded_body(app: WSGIApp, limit: int) -> WSGIApp:
    """`app`, but a request with a body over `limit` bytes is answered 413 before it runs (as
    waitress does): declared in Content-Length, or found so while reading a chunked one."""

    def bounded(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        declared = environ.get("CONTENT_LENGTH") or ""
        if declared.isdigit() and int(declared) > limit:
            return _too_large(start_response, limit)
        if "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower():
            body = environ["wsgi.input"].read(limit + 1)
            if len(body) > limit:
                return _too_large(start_response, limit)
            environ["wsgi.input"] = io.BytesIO(body)
            environ["CONTENT_LENGTH"] = str(len(body))
        return app(environ, start_response)

    return bounded


def _too_large(start_response: Callable[..., Any], limit: int) -> list[bytes]:
    body = f"Request Entity Too Large\n\nThe body exceeds {limit} bytes.\n".encode()
    start_response("413 Request Entity Too Large",
                   [("Content-Type", "text/plain; charset=utf-8"),
                    ("Content-Length", str(len(body))), ("Connection", "close")])
    return [body]


def worker_count(requested: int | None) -> int:
    """--workers, or one per core."""
    return requested if requested else cores()


def app_factory(config: Config) -> Callable[[], WSGIApp]:
    """What each worker calls to make its app: the index CURRENT names, opened in the worker.
    A worker that cannot open it says why in one line and stops the server."""

    def load() -> WSGIApp:
        from ..errors import GcmSearchError
        from ..index import LiveIndex
        from . import create_app

        try:
            return create_app(live=LiveIndex(config, as_is=True))
        except GcmSearchError as exc:
            click.echo(f"Error: {exc}", err=True)
            sys.exit(WORKER_BOOT_ERROR)

    return load
