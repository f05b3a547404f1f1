"""The web frontend and JSON API: `create_app(config)` -> a Flask WSGI app over the same search and
citation code as the CLI. Pages: `/`, `/p/<id>`, `/d/<doc>`, `/objectives[/<n>]` (views.py), and
`/coverage` with the downloads (outputs.py); their JSON twins under `/api/`. Served by
`gcm-search serve` (server.py: gunicorn's worker processes, or waitress in one).
"""

from __future__ import annotations

import logging
import time
from urllib.parse import quote

from flask import Flask, g, request
from werkzeug.wrappers import Response

from ..config import Config
from ..index import LiveIndex
from . import outputs  # noqa: F401  (its routes join the blueprint)
from .views import bp

log = logging.getLogger("gcm_search.web")

# Scripts and styles only from this site, no inline script, no framing, no plugins.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}
# What a client may send to `gcm-search serve` (waitress answers 431 or 413 before the app runs;
# server.py maps them onto gunicorn's limits).
# No route takes a body, and the longest query (MAX_QUERY_CHARS, percent-encoded UTF-8) with every
# filter fits in a few KiB; waitress's own defaults (256 KiB of headers, 1 GiB of body) would let
# a client make the server buffer far more for nothing.
MAX_REQUEST_HEADER_BYTES = 64 * 1024
MAX_REQUEST_BODY_BYTES = 64 * 1024
# Characters kept as they are in the logged request target; everything else is percent-encoded.
LOGGED_SAFE = "/?&=%+:;,@!$'()*~[]"
# The logged target is cut after this many characters: a log line stays under PIPE_BUF (4096
# bytes), which the system writes to a pipe in one piece, so the lines of worker processes
# sharing stderr never interleave.
LOGGED_TARGET_CHARS = 3000


def create_app(config: Config | None = None, live: LiveIndex | None = None) -> Flask:
    """The app for `config` (default: the usual corpus and index); opens (or builds) the index."""
    app = Flask(__name__)
    app.config["GCM_LIVE_INDEX"] = live or LiveIndex(config or Config.load())
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    # `/p//etc/passwd` is a 404 like any unknown id, not a redirect to a cleaned-up path.
    app.url_map.merge_slashes = False
    app.register_blueprint(bp)

    @app.before_request
    def start_timer() -> None:
        g.started = time.perf_counter()

    @app.after_request
    def finish(response: Response) -> Response:
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        elapsed = (time.perf_counter() - g.get("started", time.perf_counter())) * 1000
        log.info("%s %s %s %d %.1fms", request.remote_addr, request.method, logged_target(),
                 response.status_code, elapsed)
        return response

    return app


def logged_target() -> str:
    """The path and query of this request for the log, percent-encoded as on the wire: the path
    arrives decoded, and an id with %0a or %1b in it must not start a forged line or colour the
    terminal. One request, one line."""
    query = request.query_string.decode("latin-1")  # bytes as sent; never fails to decode
    target = quote(request.path + (f"?{query}" if query else ""), safe=LOGGED_SAFE)
    if len(target) <= LOGGED_TARGET_CHARS:
        return target
    return f"{target[:LOGGED_TARGET_CHARS]}...+{len(target) - LOGGED_TARGET_CHARS}"
