"""Similar passages: a passage id (+ filters) -> the passages nearest it by meaning.

The build's vectors alone answer it (one matrix-vector product over the memory-mapped rows,
restricted to the filters' passages), so it works while the model's files are unavailable, as
long as the build was made with them. Filters are the search's (`Filters`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from whoosh import query as wq

from ..cite import citation
from ..errors import BadInput, ModelUnavailable, NotFound
from ..index import OpenIndex
from ..index.postings import matching
from ..index.schema import from_stored
from ..models import Hit, Passage
from ..query import Filters, filter_query
from . import fuse

if TYPE_CHECKING:
    import numpy as np

MAX_LIMIT = 100


@dataclass(frozen=True)
class Similar:
    """The passages nearest `of`, best first (each a Hit scored by its cosine)."""

    of: Passage
    hits: tuple[Hit, ...]
    filters: dict[str, list[str]] = field(default_factory=dict)
    other_documents: bool = False


def require_vectors(opened: OpenIndex) -> np.ndarray:
    """The build's vectors, or one clear `ModelUnavailable` for a build made without them."""
    vectors = opened.vectors
    if vectors is None:
        raise ModelUnavailable("this index was built without the embedding model, so it cannot "
                               "search by meaning",
                               "reinstall gcm-search (pip install -e .) and run `gcm-search "
                               "index --rebuild`, or search with --mode words")
    return vectors


def similar(opened: OpenIndex, passage_id: str, filters: Filters | None = None,
            other_documents: bool = False, limit: int = 10) -> Similar:
    """The `limit` passages nearest `passage_id` by cosine (itself excluded), at or above the
    meaning floor, among the filters' passages (and only other documents', if asked)."""
    if not 1 <= limit <= MAX_LIMIT:
        raise BadInput(f"limit must be between 1 and {MAX_LIMIT}")
    filters = filters or Filters()
    build = str(opened.path)
    with opened.searching() as searcher:
        docnum = searcher.document_number(id=passage_id.strip())
        if docnum is None:
            raise NotFound(f"no passage {passage_id!r}", "ids look like japan-2022:2a.6")
        reader = searcher.reader()
        of = from_stored(reader.stored_fields(docnum))
        vectors = require_vectors(opened)
        cosines = vectors @ vectors[docnum]
        size = len(cosines)
        restrict = filter_query(filters)
        mask = (fuse.as_mask(matching(searcher, restrict, build), size) if restrict is not None
                else cosines == cosines)  # all True (a zero row's cosine is 0, not NaN)
        mask[docnum] = False
        if other_documents:
            mask &= ~fuse.as_mask(matching(searcher, wq.Term("doc", of.doc), build), size)
        nearest = fuse.nearest(cosines, mask, limit)
        hits = []
        for rank, found in enumerate(nearest, start=1):
            passage = from_stored(reader.stored_fields(found.docnum))
            hits.append(Hit(rank=rank, score=round(found.score, 4), passage=passage,
                            segments=((passage.text, False),),
                            citation=citation(passage, opened.documents[passage.doc]),
                            match="meaning", scores=(None, round(found.score, 4))))
    return Similar(of, tuple(hits), filters.to_dict(), other_documents)
