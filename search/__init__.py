"""gcm-search: passage-level search over national reviews of the Global Compact for Migration.

The data flows source file -> blocks -> passages -> index -> results -> CLI:
`sources` reads, `blocks` classifies, `passages` chunks (with `tagging`), `index` builds and opens,
`query` and `results` search, `highlight`, `cite` and `render` present, `cli` is the shell.
"""

from typing import Any

__version__ = "0.1.0"
"""The one place the version is written: the wheel's metadata (pyproject.toml reads it from here)
and `gcm-search --version`, which so need not read installed package metadata at start-up."""

__all__ = ["Block", "Document", "Hit", "Passage", "Results", "__version__", "chunk"]

_MODELS = frozenset({"Block", "Document", "Hit", "Passage", "Results"})


def __getattr__(name: str) -> Any:
    # The records and the chunker load on first use: `import search` (every command's first
    # step) stays free of dataclass creation, and commands that only search never chunk.
    if name in _MODELS:
        from . import models

        return getattr(models, name)
    if name == "chunk":
        from .passages import chunk

        return chunk
    raise AttributeError(name)
