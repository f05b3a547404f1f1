"""The source's markdown escapes ("US\\$142,000"), and the text as a reader sees it.

A reader-facing view of a passage (highlighted hits, citations, exports) undoes them; quotes and
offsets keep the source's own characters. Apart from `anchor` (which forgives the escapes when it
finds a quote) so that showing a hit does not load the quote-finding machinery.
"""

from __future__ import annotations

import re

ESCAPED = frozenset("$*_#[]()<>`")
"""The characters the source escapes with a backslash."""
ESCAPE = re.compile(r"\\([" + re.escape("".join(sorted(ESCAPED))) + r"])")


def unescape(text: str) -> str:
    """The text as a reader sees it: "US\\$142,000" -> "US$142,000"."""
    return ESCAPE.sub(r"\1", text)
