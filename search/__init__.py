"""gcm-search: passage-level search over national reviews of the Global Compact for Migration.

The data flows source file -> blocks -> passages -> index -> results -> CLI:
`sources` reads, `blocks` classifies, `passages` chunks (with `tagging`), `index` builds and opens,
`query` and `results` search, `highlight`, `cite` and `render` present, `cli` is the shell.
"""

from .models import Block, Document, Hit, Passage, Results
from .passages import chunk

__all__ = ["Block", "Document", "Hit", "Passage", "Results", "chunk"]
