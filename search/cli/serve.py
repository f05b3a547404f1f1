"""`gcm-search serve`: the web pages and the JSON API, on every core (web/server.py)."""

from __future__ import annotations

import sys

import click

from ..caches import CACHE_MB_ENV, DEFAULT_MB
from ..config import Config
from .app import build_progress, index_options, main


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (localhost only by default).")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535),
              help="Port (0 picks a free one).")
@click.option("--workers", type=click.IntRange(1, 256),
              help="Worker processes (default: one per core). More than one: gunicorn; "
                   "1 (or where gunicorn cannot run, as on Windows): waitress, in this process.")
@click.option("--threads", default=4, show_default=True, type=click.IntRange(1, 64),
              help="Threads per worker process.")
@click.option("--cache-mb", default=DEFAULT_MB, show_default=True, envvar=CACHE_MB_ENV,
              type=click.IntRange(1, 1 << 20),
              help=f"What each worker keeps of the postings its queries read, at most, in MiB "
                   f"(least recently used out first; or {CACHE_MB_ENV}).")
@index_options
def serve_command(host: str, port: int, workers: int | None, threads: int, cache_mb: int,
                  config: Config) -> None:
    """Serve the web pages and the JSON API, logging a line per request.

    With more than one worker, gunicorn runs them (one per core by default): each is a process
    of its own that opens the index, and one that dies is replaced. A rebuild of the index
    (`gcm-search index --rebuild` in another shell) is picked up by the next request in every
    worker, without a restart. What a client may send is bounded (64 KiB of request line and of
    body; headers: 64 KiB with waitress, 64 fields of 8 KiB with gunicorn): past it, 414 or 431,
    and 413.
    """
    import gc
    import logging

    from ..caches import set_budget
    from ..index import LiveIndex, open_index

    # Imported here, before any fork: gunicorn's workers share the code already loaded.
    from ..web import create_app
    from ..web import server as web_server

    web_server.one_blas_thread()  # before the index (and numpy with it) is opened
    set_budget(cache_mb)
    # The process id says which worker answered; a line is one request.
    logging.basicConfig(level=logging.INFO, format="%(asctime)s [%(process)d] %(message)s",
                        stream=sys.stderr)
    count = web_server.worker_count(workers)
    if count > 1 and not web_server.has_gunicorn():
        click.echo("gunicorn cannot run here: serving from one process (waitress).", err=True)
        count = 1
    if count == 1:
        live = LiveIndex(config, progress=build_progress())
        web_server.serve_waitress(create_app(live=live), host, port, threads)
        return
    # Built if missing or stale, and checked, here and once, with the usual one-line errors;
    # then let go, so that no worker inherits its open files.
    opened = open_index(config, progress=build_progress())
    opened.close()
    del opened
    gc.collect()
    sys.exit(web_server.serve_gunicorn(web_server.app_factory(config), host, port, count,
                                       threads))
