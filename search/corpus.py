"""The corpus on disk: the catalog's documents with their sources' text, in catalog order.

The index build chunks these; citing and verifying read a document's text from here, since
offsets in citations point into the source text, which the index does not keep whole.
"""

from __future__ import annotations

from collections.abc import Iterator

from .catalog import load_catalog
from .config import Config
from .errors import NotFound
from .models import Document
from .sources import Source, read_source


def documents(config: Config) -> Iterator[tuple[Document, Source]]:
    for document in load_catalog(config.corpus):
        yield document, read_source(config.corpus / document.file)


def source_of(config: Config, document: Document) -> Source:
    """The source of `document` as a build knows it, whatever the catalog says now: a server
    answering from that build shows the file it was made from, not the next state's."""
    return read_source(config.corpus / document.file)


def document(config: Config, doc_id: str) -> tuple[Document, Source]:
    for found in load_catalog(config.corpus):
        if found.id == doc_id:
            return found, read_source(config.corpus / found.file)
    raise NotFound(f"no document {doc_id!r} in the corpus", "run `gcm-search stats` to list them")
