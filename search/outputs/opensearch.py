"""Passages -> an OpenSearch (or Elasticsearch) index: the mapping it needs and the `_bulk` file
that loads it.

For a team that outgrows one machine: the same passages, ids, tags and vectors, in an engine built
for many users and millions of passages. `mapping()` is the body of `PUT /<index>`; `bulk()` the
NDJSON body of `POST /_bulk` (an action line, then the passage, for every passage, in document
order; the file ends with a newline, as `_bulk` requires). Pure functions over `Passage`s,
`Document`s and vector rows; the CLI writes them (`gcm-search export --mapping opensearch`,
`gcm-search export --format opensearch`).

Choices, and why:

- `dynamic: strict`: a field the mapping lacks is an error when loading, never a field guessed
  (a year guessed as text, an id as analysed words), so the mapping and the bulk file are kept
  in step by the tests.
- Text: `text` holds the passage as people read it (markdown escapes undone), analysed with the
  `standard` analyzer, language-neutral (names, numbers, acronyms, in every language); the same
  text also goes to one field per language, `text_en`, `text_fr` or `text_es`, analysed with
  OpenSearch's built-in `english`, `french` or `spanish` analyzer (stemming, stop words), as the
  Whoosh index does. Separate fields rather than subfields of `text`: a subfield would analyse
  every passage with every language's stemmer (a French passage stemmed as English), and each
  field's word statistics would mix languages. The mapping has all three fields whatever the
  corpus holds now, so that a French review added later loads into the same index.
- `source_text` is the source's own text, which `spans` (character offsets into the source, as
  `integer_range`s `{"gte": start, "lt": end}`) and `sha256` refer to; it is kept in `_source`
  only (not indexed), like `citation`.
- Facets are `keyword`s (exact values, for `term` filters and aggregations); numbers that people
  ask ranges of are `integer`s: `year`, `cluster`, `objectives` (a list: any field may hold
  several values), `position`, `para`, `pages`.
- The vector: `knn_vector` of the build's dimension, HNSW by the Lucene engine with
  `cosinesimil` (Lucene's HNSW is in OpenSearch since 2.2, and it filters while it searches
  since 2.4; Faiss has cosine only since 2.19); for Elasticsearch, `dense_vector` with `cosine`
  similarity. The rows are unit vectors; each component is written with 6 significant digits
  (float32 holds about 7), which keeps the file about half the size and moves a cosine by less
  than 1e-5. A passage whose vector is zero (no known word) has none: a cosine space refuses
  zero vectors.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from ..anchor import unescape
from ..cite import citation
from ..errors import BadInput
from ..index.analysis import LANGUAGES, language
from ..models import STATED_SOURCES, Document, Passage
from ..objectives import objective

ENGINES = ("opensearch", "elasticsearch")
DEFAULT_INDEX = "gcm-passages"
VECTOR_FIELD = "vector"
SIGNIFICANT_DIGITS = 6
MAX_INDEX_NAME_BYTES = 255
FORBIDDEN = re.compile(r'[\\/*?"<>| ,#:+]')
"""Characters no OpenSearch (or Elasticsearch 7+) index name may hold."""

KEYWORD = {"type": "keyword"}
INTEGER = {"type": "integer"}
NOT_INDEXED = {"type": "text", "index": False}
"""Kept in `_source` for the reader, never searched."""
TITLE = {"type": "text", "fields": {"raw": {"type": "keyword"}}}
"""Words to search, and the whole title to filter and count by (`<field>.raw`)."""


def text_field(lang: str) -> str:
    """The field of a language's text: "text_en", "text_fr", "text_es"."""
    return f"text_{lang}"


def properties(languages: Iterable[str], dim: int, engine: str = "opensearch"
               ) -> dict[str, dict[str, Any]]:
    """Every field of an indexed passage and its type; the vector only when `dim` > 0."""
    fields: dict[str, dict[str, Any]] = {
        "id": KEYWORD, "doc": KEYWORD, "position": INTEGER, "para": INTEGER,
        "number": KEYWORD, "country": KEYWORD, "iso3": KEYWORD, "scope": KEYWORD,
        "region": KEYWORD, "author": KEYWORD, "title": TITLE, "year": INTEGER,
        "cycle": KEYWORD, "language": KEYWORD, "url": KEYWORD,
        "section": KEYWORD, "section_title": TITLE, "subsection": KEYWORD,
        "subsection_title": TITLE, "kind": KEYWORD, "cluster": INTEGER,
        "objectives": INTEGER, "objective_labels": KEYWORD,
        "stated_objectives": INTEGER, "objective_source": KEYWORD,
        "objective_confidence": {"type": "float"},
        "objective_note": {"type": "text"},
        "text": {"type": "text", "analyzer": "standard"},
        **{text_field(lang): {"type": "text", "analyzer": LANGUAGES[lang]}
           for lang in languages},
        "source_text": NOT_INDEXED, "spans": {"type": "integer_range"}, "sha256": KEYWORD,
        "pages": INTEGER, "ocr": {"type": "boolean"}, "citation": NOT_INDEXED,
    }
    if dim > 0:
        fields[VECTOR_FIELD] = vector_type(dim, engine)
    return copy.deepcopy(fields)  # the callers' own, free to change


def vector_type(dim: int, engine: str) -> dict[str, Any]:
    if engine == "elasticsearch":
        return {"type": "dense_vector", "dims": dim, "index": True, "similarity": "cosine"}
    return {"type": "knn_vector", "dimension": dim,
            "method": {"name": "hnsw", "space_type": "cosinesimil", "engine": "lucene"}}


def mapping(languages: Iterable[str] = tuple(LANGUAGES), dim: int = 0, model: str = "",
            engine: str = "opensearch") -> dict[str, Any]:
    """The body of `PUT /<index>`: one shard (the corpus is small: one shard ranks by the
    statistics of all passages) and the passages' fields, strictly; `_meta` names the model
    of the vectors, which a query's vector must come from too."""
    if engine not in ENGINES:
        raise BadInput(f"unknown engine {engine!r}", f"one of {', '.join(ENGINES)}")
    index: dict[str, Any] = {"number_of_shards": 1}
    if engine == "opensearch" and dim > 0:
        index["knn"] = True  # OpenSearch builds HNSW graphs only in a k-NN index
    meta = {"generator": "gcm-search", "model": model, "dim": dim}
    return {"settings": {"index": index},
            "mappings": {"dynamic": "strict", "_meta": meta,
                         "properties": properties(languages, dim, engine)}}


def rounded(row: Any) -> list[float]:
    """A vector row as JSON floats of SIGNIFICANT_DIGITS digits."""
    values = row.tolist() if hasattr(row, "tolist") else row
    return [float(f"{x:.{SIGNIFICANT_DIGITS}g}") for x in values]


def source(passage: Passage, document: Document, vector: Any = None) -> dict[str, Any]:
    """One passage as the document OpenSearch indexes: the fields of `properties()` but the
    text fields of other languages, and the vector only when there is one (not None, not
    zero)."""
    readable = unescape(passage.text)
    stated = passage.objective_source in STATED_SOURCES
    data: dict[str, Any] = {
        "id": passage.id, "doc": passage.doc, "position": passage.position,
        "para": passage.para, "number": passage.number, "country": passage.country,
        "iso3": passage.iso3, "scope": passage.scope, "region": document.region,
        "author": document.author, "title": document.title, "year": passage.year,
        "cycle": document.cycle, "language": passage.language, "url": document.url,
        "section": passage.section, "section_title": passage.section_title,
        "subsection": passage.subsection, "subsection_title": passage.subsection_title,
        "kind": passage.kind, "cluster": passage.cluster,
        "objectives": list(passage.objectives),
        "objective_labels": [objective(n).label for n in passage.objectives],
        "stated_objectives": list(passage.objectives) if stated else [],
        "objective_source": passage.objective_source,
        "objective_confidence": passage.objective_confidence,
        "objective_note": passage.objective_note,
        "text": readable,
        text_field(language(passage.language)): readable,
        "source_text": passage.text,
        "spans": [{"gte": start, "lt": end} for start, end in passage.spans],
        "sha256": passage.sha256, "pages": list(passage.pages), "ocr": passage.ocr,
        "citation": citation(passage, document),
    }
    if vector is not None and any(vector):
        # A zero row (a text without a single known token) has no direction: a cosine index
        # refuses it, so the passage goes in without one, found by its words only.
        data[VECTOR_FIELD] = rounded(vector)
    return data


def bulk_lines(passages: Sequence[Passage], vectors: Sequence[Any] | None,
               documents: Mapping[str, Document], index_name: str) -> Iterator[str]:
    """The `_bulk` lines, two per passage: `{"index": {"_index", "_id"}}`, then its source.
    `vectors[i]` is the vector of `passages[i]`; None for a build without vectors."""
    if vectors is not None and len(vectors) != len(passages):
        raise ValueError(f"{len(vectors)} vectors for {len(passages)} passages")
    for i, passage in enumerate(passages):
        action = {"index": {"_index": index_name, "_id": passage.id}}
        yield _json(action)
        yield _json(source(passage, documents[passage.doc],
                           None if vectors is None else vectors[i]))


def bulk(passages: Sequence[Passage], vectors: Sequence[Any] | None,
         documents: Mapping[str, Document], index_name: str = DEFAULT_INDEX) -> bytes:
    """The whole `_bulk` body, UTF-8, each line ended by a newline (the last one too)."""
    return "".join(line + "\n" for line in bulk_lines(passages, vectors, documents,
                                                       index_name)).encode("utf-8")


def _json(data: Any) -> str:
    # One object per line (NDJSON: no newline inside), compact to keep the file small.
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def checked_index_name(name: str) -> str:
    """`name` if OpenSearch and Elasticsearch accept it as an index name, else BadInput."""
    forbidden = FORBIDDEN.search(name)
    problems = (
        (not name, "is empty"),
        (name != name.lower(), "has upper-case letters"),
        (forbidden is not None, f"holds {forbidden.group() if forbidden else ''!r}"),
        (name[:1] in ("-", "_"), f"starts with {name[:1]!r}"),
        (name in (".", ".."), f"is {name!r}"),
        (len(name.encode("utf-8")) > MAX_INDEX_NAME_BYTES,
         f"is over {MAX_INDEX_NAME_BYTES} bytes"),
    )
    why = next((why for bad, why in problems if bad), "")
    if why:
        raise BadInput(f"index name {name!r} {why}",
                       'index names are lower case, without spaces or \\/*?"<>|,#:+, and '
                       "do not start with - or _")
    return name
