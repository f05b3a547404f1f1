"""The corpus catalog: `catalog.json` beside the review files, one entry per document.

    {"documents": [{"id": "japan-2022", "file": "000_….txt", "title": "…", "country": "Japan",
                    "iso3": "JPN", "year": 2022, "author": "Government of Japan",
                    "cycle": "IMRF 2022", "language": "en"}]}
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Sequence
from pathlib import Path

from .errors import CorpusError
from .models import SCOPES, Document

CATALOG = "catalog.json"
_REQUIRED = ("id", "file", "title", "year", "author")
_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")


def catalog_path(corpus: Path) -> Path:
    return corpus / CATALOG


def load_catalog(corpus: Path) -> tuple[Document, ...]:
    path = catalog_path(corpus)
    if not corpus.is_dir():
        raise CorpusError(f"corpus folder {corpus} does not exist",
                          f"pass --corpus DIR or set GCM_SEARCH_CORPUS; or start it with "
                          f"`gcm-search add FILE --corpus {corpus}`")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise CorpusError(f"{path} is missing",
                          f"start the corpus with `gcm-search add FILE --corpus {corpus}`, "
                          "which creates it") from exc
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CorpusError(f"{path} cannot be read: {exc}") from exc
    return parse_catalog(data, str(path))


def parse_catalog(data: object, where: str = CATALOG) -> tuple[Document, ...]:
    entries = data.get("documents") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise CorpusError(f"{where}: expected an object with a \"documents\" list")
    documents: list[Document] = []
    for number, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            raise CorpusError(f"{where}: document {number} is not an object")
        missing = [k for k in _REQUIRED if not entry.get(k)]
        if missing:
            raise CorpusError(f"{where}: document {number} lacks {', '.join(missing)}")
        if not _ID.match(str(entry["id"])):
            raise CorpusError(
                f"{where}: document id {entry['id']!r} is not a slug",
                "use lower-case letters, digits and hyphens, e.g. japan-2022",
            )
        if not isinstance(entry["year"], int) or isinstance(entry["year"], bool):
            raise CorpusError(f"{where}: document {entry['id']}: year must be a number")
        scope = entry.get("scope", "national")
        if scope not in SCOPES:
            raise CorpusError(f"{where}: document {entry['id']}: unknown scope {scope!r}",
                              f"scopes: {', '.join(SCOPES)}")
        needs = {"national": ("country", "iso3"), "regional": ("region",)}.get(scope, ())
        lacking = [k for k in needs if not entry.get(k)]
        if lacking:
            raise CorpusError(f"{where}: document {entry['id']} is {scope} but lacks "
                              f"{', '.join(lacking)}")
        pages = entry.get("ocr_pages", [])
        if not isinstance(pages, list) or not all(
                isinstance(n, int) and not isinstance(n, bool) and n > 0 for n in pages):
            raise CorpusError(f"{where}: document {entry['id']}: ocr_pages must be a list of "
                              "page numbers")
        if Path(str(entry["file"])).name != entry["file"]:
            raise CorpusError(f"{where}: document {entry['id']}: file must be a plain file name")
        documents.append(Document.from_dict(entry))
    ids = [d.id for d in documents]
    duplicated = sorted({i for i in ids if ids.count(i) > 1})
    if duplicated:
        raise CorpusError(f"{where}: duplicate document ids: {', '.join(duplicated)}")
    return tuple(documents)


def start_catalog(corpus: Path) -> None:
    """A corpus of one's own starts here: its folder and an empty catalog, where missing."""
    if catalog_path(corpus).is_file():
        return
    try:
        corpus.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CorpusError(f"cannot create the corpus folder {corpus}: {exc.strerror}") from exc
    save_catalog(corpus, ())


def save_catalog(corpus: Path, documents: Sequence[Document]) -> None:
    """Write the catalog atomically: a crash leaves the old catalog or the new one, never half."""
    path = catalog_path(corpus)
    # What a document leaves at its default is left out: catalogs stay short and hand-editable.
    defaults = {"scope": "national", "ocr_pages": []}
    entries = [{k: v for k, v in d.to_dict().items()
                if v not in ("", None) and defaults.get(k, 0) != v} for d in documents]
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(temporary, "w", encoding="utf-8") as out:
            json.dump({"documents": entries}, out, indent=2, ensure_ascii=False)
            out.write("\n")
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
