"""Citations: a passage and its document -> a reference a reader can follow to the paragraph.

    Government of Japan, Voluntary GCM review by Japan (2022), section 2(a), para. 6
    [japan-2022:2a.6].
"""

from __future__ import annotations

from .models import Document, Passage


def pinpoint(passage: Passage) -> str:
    """Where the passage is in the document, as a reader counts: "section 2(a), para. 6"."""
    parts = []
    if passage.section:
        sub = f"({passage.subsection})" if passage.subsection else ""
        parts.append(f"section {passage.section}{sub}")
    parts.append(f"para. {passage.para}")
    return ", ".join(parts)


def citation(passage: Passage, document: Document) -> str:
    """The one-line reference: author, title (year), pinpoint [stable id]."""
    return (
        f"{document.author}, {document.title} ({document.year}), {pinpoint(passage)} "
        f"[{passage.id}]."
    )
