"""The web frontend and JSON API: `create_app(config)` -> a Flask WSGI app over the same search and
citation code as the CLI. Pages: `/`, `/p/<id>`, `/d/<doc>`, `/objectives[/<n>]`; their JSON twins
under `/api/`. Served by `gcm-search serve` with waitress.
"""

from __future__ import annotations

import logging
import time

from flask import Flask, g, request
from werkzeug.wrappers import Response

from ..config import Config
from ..index import LiveIndex
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


def create_app(config: Config | None = None, live: LiveIndex | None = None) -> Flask:
    """The app for `config` (default: the usual corpus and index); opens (or builds) the index."""
    app = Flask(__name__)
    app.config["GCM_LIVE_INDEX"] = live or LiveIndex(config or Config.load())
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.register_blueprint(bp)

    @app.before_request
    def start_timer() -> None:
        g.started = time.perf_counter()

    @app.after_request
    def finish(response: Response) -> Response:
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        elapsed = (time.perf_counter() - g.get("started", time.perf_counter())) * 1000
        log.info("%s %s %s %d %.1fms", request.remote_addr, request.method,
                 request.full_path.rstrip("?"), response.status_code, elapsed)
        return response

    return app
