"""The index stage: passages -> a Whoosh index on disk, rebuilt aside and swapped in, and opened
for searching. In the order a build goes through them:

    analysis.py   text -> terms: the stemmed and the exact analyzers, and a passage's positions
    schema.py     Passage <-> Whoosh fields: the only place field names are spelled
    prepare.py    a build's per-document work on every core: documents -> analysed runs
    segment.py    an analysed run -> a Whoosh segment, written in bulk; segments joined
    postings.py   what a build's facets are, and what a search reads of a build once and keeps
    folder.py     the index folder: builds, manifests, CURRENT, checksums, the writer's lock
    building.py   a full build or an addition, made aside and swapped in: the only writer
    opened.py     the current build opened for searching, and followed by a long-running process

What other stages need of it is here: `build`, `update` and `open_index` and what they return.
"""

from .building import DOCUMENT_ORDER, build, load_passages, update
from .folder import (
    BUILDS,
    CURRENT,
    FORMAT,
    MANIFEST,
    Manifest,
    current_build,
    fingerprint,
    is_fresh,
    read_manifest,
    writing,
)
from .opened import LiveIndex, OpenIndex, open_build, open_current, open_index

__all__ = [
    "BUILDS",
    "CURRENT",
    "DOCUMENT_ORDER",
    "FORMAT",
    "MANIFEST",
    "LiveIndex",
    "Manifest",
    "OpenIndex",
    "build",
    "current_build",
    "fingerprint",
    "is_fresh",
    "load_passages",
    "open_build",
    "open_current",
    "open_index",
    "read_manifest",
    "update",
    "writing",
]
