"""A build's passage vectors: passages -> rows of unit vectors, written beside the Whoosh index
as `vectors.npy` (one float32 row per Whoosh document number), and opened memory-mapped.

The file is one of the build's files, so the manifest's sizes and checksums cover it like the
rest; the manifest also records the model that made it (`model`, `dim`), and what the model's
files were when the build was made (`model_files`), so that a build made while the model was
unavailable is rebuilt once it is back. Rows of deleted document numbers are zero.
Only this module writes or opens the vectors file; numpy is imported only when it is used.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import IndexUnavailable, ModelUnavailable
from ..models import Passage
from . import model

if TYPE_CHECKING:
    import numpy as np
    from whoosh.reading import IndexReader

    from ..index import OpenIndex
    from .model import Encoder

VECTORS = "vectors.npy"

Known = Mapping[str, Any]
"""Vectors already computed, by passage id (rows of np.ndarray)."""
Reused = Mapping[int, Any]
"""An earlier build's vectors, by passage order (rows of np.ndarray)."""


def encoder_or_none() -> Encoder | None:
    """The model, or None when it is unavailable: a build then goes ahead by words only."""
    try:
        encoder = model.load()
        encoder.tokenizer  # noqa: B018 - a build needs it: read now, so damage shows here
    except ModelUnavailable:
        return None
    return encoder


def embed(encoder: Encoder, passages: Sequence[Passage]) -> np.ndarray:
    return encoder.embed([p.text for p in passages])


def by_id(passages: Sequence[Passage], rows: np.ndarray) -> dict[str, Any]:
    return {p.id: row for p, row in zip(passages, rows, strict=True)}


def orders(reader: IndexReader) -> list[int]:
    """The `order` of every document number (what sorts passages across documents): read
    from its column, ten times quicker than passage ids from the stored fields."""
    from ..index.schema import ORDER_FIELD

    if not reader.doc_count_all():  # an empty build's reader has no columns
        return []
    return [int(n) for n in reader.column_reader(ORDER_FIELD)]


def previous(build_dir: Path | None) -> Reused:
    """The vectors of the build an addition extends, by `order` (an addition copies that build,
    so its passages keep their order); {} when it has none or they cannot be read (its passages
    are then embedded again)."""
    if build_dir is None or not (build_dir / VECTORS).is_file():
        return {}
    import numpy as np
    from whoosh import index as whoosh_index

    try:
        rows = np.load(build_dir / VECTORS, mmap_mode="r", allow_pickle=False)
        with whoosh_index.open_dir(str(build_dir)).reader() as reader:
            numbers = orders(reader)
            live = [not reader.is_deleted(n) for n in range(len(numbers))]
    except (OSError, ValueError, EOFError, whoosh_index.IndexError):
        return {}
    if rows.ndim != 2 or rows.shape[0] != len(numbers):
        return {}
    return {order: rows[n] for n, order in enumerate(numbers) if live[n]}


def write(build_dir: Path, reader: IndexReader, encoder: Encoder, known: Known,
          reused: Reused | None = None) -> None:
    """One row per document number of the build, in document-number order: the `reused` row of
    the passage's order, else the `known` vector of its id, else its embedding (a passage kept
    from a build whose vectors are gone). Called after the writer committed: a commit may merge
    segments and renumber documents, so numbers are read back, never assumed."""
    import numpy as np

    from ..index.schema import from_stored

    reused = reused or {}
    numbers = orders(reader)
    rows = np.zeros((len(numbers), encoder.dim), dtype=np.float32)
    missing: list[tuple[int, str]] = []
    deletions = reader.has_deletions()
    for docnum, order in enumerate(numbers):
        if deletions and reader.is_deleted(docnum):
            continue
        vector = reused.get(order)
        if vector is not None:
            rows[docnum] = vector
            continue
        # Only the passages not reused are read: all of a new build, the new review's of an
        # addition.
        passage = from_stored(reader.stored_fields(docnum))
        vector = known.get(passage.id)
        if vector is None:
            missing.append((docnum, passage.text))
        else:
            rows[docnum] = vector
    if missing:
        rows[[n for n, _ in missing]] = encoder.embed([text for _, text in missing])
    with open(build_dir / VECTORS, "wb") as out:
        np.save(out, rows, allow_pickle=False)


def save(build_dir: Path, rows: np.ndarray) -> None:
    """`rows`, one per document number, as the build's vectors (a full build, whose passages
    were written in the order of their rows)."""
    import numpy as np

    with open(build_dir / VECTORS, "wb") as out:
        np.save(out, np.asarray(rows, dtype=np.float32), allow_pickle=False)


def of_passages(opened: OpenIndex, passages: Sequence[Passage]) -> np.ndarray | None:
    """The build's vector of each passage, in the passages' order (read by their document
    numbers); None for a build made without the model."""
    rows = opened.vectors
    if rows is None:
        return None
    with opened.searching() as searcher:
        numbers = [searcher.document_number(id=p.id) for p in passages]
    if None in numbers:
        raise damaged(opened.path, "a passage is missing from it")
    return rows[numbers]


def is_current(built_with: str, files_then: str) -> bool:
    """Whether a build's vectors (or their absence) still fit the installed model.

    A build without vectors is stale once the model's files change (installed, repaired); one
    with vectors only when the model is another one (a new version): a model damaged since
    does not throw away the vectors the build has, and words still work meanwhile."""
    now = model.stamp()
    if not built_with:
        return now == files_then
    return now in (files_then, "") or model.model_name() == built_with


def open_rows(build_dir: Path, built_with: str, dim: int, rows: int) -> np.ndarray | None:
    """The build's vectors, memory-mapped (None for a build made without the model)."""
    if not built_with:
        return None
    import numpy as np

    path = build_dir / VECTORS
    try:
        vectors = np.load(path, mmap_mode="r", allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise damaged(build_dir, exc.__class__.__name__) from exc
    if vectors.dtype != np.float32 or vectors.shape != (rows, dim):
        raise damaged(build_dir, f"{VECTORS} has shape {vectors.shape}, not {(rows, dim)}")
    return vectors


def damaged(build_dir: Path, what: str) -> IndexUnavailable:
    return IndexUnavailable(f"the index in {build_dir} is damaged ({what})",
                            "run `gcm-search index --rebuild`")
