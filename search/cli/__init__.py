"""The `gcm-search` command line: one thin function per command (parse -> library -> render).

Exit codes: 0 success (for `search`, at least one result), 1 nothing found or an error,
2 a usage error. Errors are one line on stderr, never a traceback.
"""

from . import cite, corpus, find, outputs, serve  # noqa: F401  (each registers its commands on `main`)
from .app import main

__all__ = ["main"]
