"""The corpus on disk: the catalog's documents with their sources' text, in catalog order.

The index build chunks these; citing and verifying read a document's text from here, since
offsets in citations point into the source text, which the index does not keep whole.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from .catalog import load_catalog
from .config import Config
from .errors import NotFound
from .models import Document

if TYPE_CHECKING:
    from .sources import Source


def documents(config: Config) -> Iterator[tuple[Document, Source]]:
    for document in load_catalog(config.corpus):
        yield document, source_of(config, document)


def source_of(config: Config, document: Document) -> Source:
    """The source of `document`, an entry of the catalog or of a build's manifest: a server
    answering from a build shows the file that build was made from, whatever the catalog says
    now."""
    from .sources import read_source  # the readers: a search never needs them

    return read_source(config.corpus / document.file)


def document(config: Config, doc_id: str) -> tuple[Document, Source]:
    for found in load_catalog(config.corpus):
        if found.id == doc_id:
            return found, source_of(config, found)
    raise NotFound(f"no document {doc_id!r} in the corpus", "run `gcm-search stats` to list them")
