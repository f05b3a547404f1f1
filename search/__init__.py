"""gcm-search: passage-level search over national reviews of the Global Compact for Migration.

The data flows source file -> blocks -> passages -> index -> results -> CLI:
`sources` reads, `blocks` classifies, `passages` chunks (with `tagging`), `index` builds and opens,
`query` and `results` search, `highlight`, `cite` and `render` present, `cli` is the shell.
"""

from typing import Any

from .models import Block, Document, Hit, Passage, Results

__all__ = ["Block", "Document", "Hit", "Passage", "Results", "chunk"]


def __getattr__(name: str) -> Any:
    # The chunker loads on first use: commands that only search never need it.
    if name == "chunk":
        from .passages import chunk

        return chunk
    raise AttributeError(name)
