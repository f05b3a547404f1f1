"""What `gcm-search add` is asked to add, and reading it: paths, folders, URLs and manifest rows
-> `Item`s -> `Read`s (their sources, read in parallel across the machine's cores).

    add review.pdf reviews/ https://example.org/r.pdf   one Item per file (folders recursively,
                                                          by extension) and per URL
    add --manifest reviews.csv                           one Item per row; a row's values override
                                                          the command's options

A path or row that cannot be used becomes an Item with a `problem`, reported beside the others:
one bad row never stops the rest. A manifest whose header is wrong (an unknown column, no `file`
or `url` column) is refused whole, since every row would be read wrongly.
"""

from __future__ import annotations

import csv
import hashlib
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, replace
from multiprocessing import get_context
from pathlib import Path

from .errors import BadInput, CorpusError, GcmSearchError
from .models import SCOPES
from .sources import OcrText, Source, readers
from .sources.encoding import decode

MANIFEST_COLUMNS = ("file", "url", "country", "year", "title", "language", "cycle", "author",
                    "scope", "region", "id")
LANGUAGES = ("en", "fr", "es")


@dataclass(frozen=True)
class Given:
    """What the user said about a new document (anything left empty is inferred)."""

    country: str = ""
    year: int | None = None
    title: str = ""
    author: str = ""
    language: str = ""
    url: str = ""
    cycle: str = ""
    id: str = ""
    scope: str = ""
    """national, regional, global or stakeholder; "" is national."""
    region: str = ""
    accessed: str = ""
    """When the file was downloaded from `url` (YYYY-MM-DD), for a URL."""


@dataclass(frozen=True)
class Item:
    """One thing to add: a file, or a URL to download first."""

    name: str
    """How the user named it: a path, a URL, or "reviews.csv row 3 (r.pdf)"."""
    label: str = ""
    """How errors name it: a file by its name ("r.pdf", as the readers do), a row as above."""
    path: Path | None = None
    url: str = ""
    given: Given = Given()
    problem: str = ""
    """Why it cannot be added, found before reading it (a missing file, a bad year)."""


@dataclass(frozen=True)
class Read:
    """An item's file, read: its source, its bytes' digest, and the OCR text of scanned pages."""

    source: Source
    sha256: str
    ocr: OcrText | None = None
    """The text OCR read of the pages without a text layer (a scanned PDF added with --ocr)."""


def is_url(text: str) -> bool:
    from .sources.download import is_url as url_like  # urllib: only once a URL may be added

    return url_like(text)


def from_paths(paths: Sequence[str], given: Given) -> list[Item]:
    """Files as given, folders as the readable files under them (sorted, hidden ones skipped),
    URLs as themselves; the same file named twice is one item."""
    items: list[Item] = []
    seen: set[Path] = set()
    for text in paths:
        if is_url(text):
            items.append(Item(text, text, url=text, given=replace(given, url=given.url or text)))
            continue
        path = Path(text)
        if path.is_dir():
            found = list(_readable_under(path))
            if not found:
                items.append(Item(text, text,
                                  problem=f"{text}: no {_suffixes()} file in this folder"))
            files = found
        else:
            files = [path]
        for file in files:
            key = file.resolve()
            if key not in seen:
                seen.add(key)
                items.append(_file_item(str(file), file.name, file, given))
    return items


def from_manifest(manifest: Path, given: Given) -> list[Item]:
    """The rows of a CSV manifest (a header row, then a row per document)."""
    rows = _manifest_rows(manifest)
    items = []
    for number, row in rows:
        name = f"{manifest.name} row {number}"
        try:
            merged = _row_given(row, given)
        except BadInput as exc:
            items.append(Item(name, name, problem=f"{name}: {exc}"))
            continue
        file = row.get("file", "")
        if file and is_url(file):
            items.append(Item(f"{name} ({file})", f"{name} ({file})", url=file,
                              given=replace(merged, url=merged.url or file)))
        elif file:
            path = Path(file) if Path(file).is_absolute() else manifest.parent / file
            items.append(_file_item(f"{name} ({file})", f"{name} ({file})", path, merged))
        elif merged.url:
            label = f"{name} ({merged.url})"
            items.append(Item(label, label, url=merged.url, given=merged))
        else:
            items.append(Item(name, name, problem=f"{name}: no file and no url"))
    return items


def _manifest_rows(manifest: Path) -> list[tuple[int, dict[str, str]]]:
    try:
        data = manifest.read_bytes()
    except OSError as exc:
        raise BadInput(f"cannot read the manifest {manifest}: {exc.strerror}") from exc
    try:
        text = decode(data, manifest.name)  # Excel saves CSV as UTF-8 with a BOM, or cp1252
    except GcmSearchError as exc:
        raise BadInput(f"the manifest {exc}") from exc
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(text[:4096], ",;\t")
    except csv.Error:
        dialect = csv.excel  # one column, or too little to tell: commas
    lines = list(csv.reader(text.splitlines(), dialect))
    if not lines or not any(cell.strip() for cell in lines[0]):
        raise BadInput(f"{manifest.name}: the manifest is empty",
                       f"a header row first: {', '.join(MANIFEST_COLUMNS)}")
    header = [cell.strip().lower() for cell in lines[0]]
    unknown = [h for h in header if h not in MANIFEST_COLUMNS]
    if unknown:
        raise BadInput(f"{manifest.name}: unknown column {unknown[0]!r}",
                       f"columns: {', '.join(MANIFEST_COLUMNS)}")
    if "file" not in header and "url" not in header:
        raise BadInput(f"{manifest.name}: no file column", "name each review in a column `file`")
    doubled = sorted({h for h in header if header.count(h) > 1})
    if doubled:
        raise BadInput(f"{manifest.name}: column {doubled[0]!r} appears twice")
    rows = []
    for number, cells in enumerate(lines[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue  # blank lines between rows
        if len(cells) > len(header):
            rows.append((number, {"": "x"}))  # reported as the row's problem below
            continue
        rows.append((number, {h: c.strip() for h, c in zip(header, cells, strict=False)}))
    return rows


def _row_given(row: dict[str, str], given: Given) -> Given:
    if "" in row:
        raise BadInput("more cells than the header has columns")
    year = given.year
    if row.get("year"):
        try:
            year = int(row["year"])
        except ValueError:
            raise BadInput(f"year {row['year']!r} is not a number") from None
        if not 1990 <= year <= 2100:
            raise BadInput(f"year {year} is not between 1990 and 2100")
    language = row.get("language", "").lower() or given.language
    if language and language not in LANGUAGES:
        raise BadInput(f"language {row['language']!r} is not one of {', '.join(LANGUAGES)}")
    scope = row.get("scope", "").lower() or given.scope
    if scope and scope not in SCOPES:
        raise BadInput(f"scope {row['scope']!r} is not one of {', '.join(SCOPES)}")
    text = {k: row.get(k, "") or getattr(given, k)
            for k in ("country", "title", "author", "url", "cycle", "id", "region")}
    return Given(year=year, language=language, scope=scope, **text)


def _file_item(name: str, label: str, path: Path, given: Given) -> Item:
    problem = ""
    if not path.exists():
        problem = f"{label}: no such file"
    elif not path.is_file():
        problem = f"{label} is not a file"
    elif path.suffix.lower() not in readers():
        problem = (f"{label}: cannot read {path.suffix or 'extensionless'} files "
                   f"(gcm-search reads {_suffixes()})")
    return Item(name, label, path, given=given, problem=problem)


def _readable_under(folder: Path) -> Iterator[Path]:
    known = readers()
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            path = Path(root) / name
            if not name.startswith(".") and path.suffix.lower() in known:
                yield path


def _suffixes() -> str:
    return ", ".join(sorted(readers()))


# --- reading ------------------------------------------------------------------------------------

OCR_LANGUAGES = {"en": "eng", "fr": "fra", "es": "spa"}


def read(path: Path, ocr: bool = False, language: str = "") -> Read:
    """Read one file (in a worker process): its source, and with `ocr`, its pages without a
    text layer by Tesseract. Raises a `GcmSearchError` naming the file when it cannot be read
    (a scanned PDF without `ocr`: `ScannedPdf`, naming its pages and the flag)."""
    from .sources import read_source, scanned_pages

    try:
        data = path.read_bytes()
    except OSError as exc:
        raise BadInput(f"{path.name}: cannot be read: {exc.strerror}") from exc
    digest = hashlib.sha256(data).hexdigest()
    pages = scanned_pages(path) if ocr else ()
    if not pages:
        return Read(read_source(path), digest)
    from .sources.ocr import recognise

    text = recognise(path, pages, OCR_LANGUAGES.get(language, "eng+fra+spa"))
    return Read(read_source(path, text), digest, text)


Outcome = Read | GcmSearchError
"""What reading an item gave: its `Read`, or why it failed."""


def read_all(paths: Sequence[tuple[Path, str]], *, ocr: bool = False, jobs: int | None = None,
             progress: Callable[[int, int], None] | None = None) -> list[Outcome]:
    """Read `(path, language)` pairs across `jobs` processes (default: every core this process
    may use), in the order given; a file that fails does not stop the others."""
    jobs = jobs or cores()
    results: list[Outcome | None] = [None] * len(paths)
    if jobs == 1 or len(paths) <= 1:
        for number, (path, language) in enumerate(paths):
            results[number] = _read_safely(path, ocr, language)
            if progress:
                progress(number + 1, len(paths))
        return [r for r in results if r is not None]
    # spawn, not fork: the parent may hold threads (BLAS, a server), and forking those is unsafe.
    with ProcessPoolExecutor(max_workers=min(jobs, len(paths)),
                             mp_context=get_context("spawn")) as pool:
        futures = {pool.submit(_read_safely, path, ocr, language): number
                   for number, (path, language) in enumerate(paths)}
        for done, future in enumerate(as_completed(futures), start=1):
            results[futures[future]] = future.result()
            if progress:
                progress(done, len(paths))
    return [r for r in results if r is not None]


def _read_safely(path: Path, ocr: bool, language: str) -> Outcome:
    try:
        return read(path, ocr, language)
    except GcmSearchError as exc:
        # As the plain error it is (message and hint): a subclass with more to say (the pages
        # of a scanned PDF) need not survive the trip back from a worker.
        base = next(c for c in type(exc).__mro__ if c.__module__ == GcmSearchError.__module__)
        return base(exc.message, exc.hint)
    except Exception as exc:  # a reader's bug must not stop the other files
        return CorpusError(f"{path.name}: unexpected {exc.__class__.__name__}: {exc}")


def cores() -> int:
    """The cores this process may run on (a container's or taskset's limit, not the machine's)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # macOS, Windows
        return max(1, os.cpu_count() or 1)
