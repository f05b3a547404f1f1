"""Adding and removing documents: the corpus files, the catalog and the index kept in step.

`add_many()` takes `Item`s (files, downloaded URLs, manifest rows: `search.gather`), reads them
in parallel before anything is written, decides each one's catalog entry (what the user did not
give is inferred from the document's title and text) and then, under the one writer's lock,
copies every readable file in, writes the catalog once and updates the index once. A file that
fails is reported and does not stop the others; the ones that can be added are added completely
or not at all (a failed index update puts catalog and folder back as they were).

A file whose bytes are already in the corpus is skipped. With `replace`, a file whose metadata
names a document the corpus has (by `--id`, or the id its country and year give) takes that
document's place under the same id: its passage ids are those of their place in the document
(`japan-2022:2a.6`, the sixth paragraph of 2(a)), so a paragraph that stayed where it was keeps
its id; the ids whose text changed, appeared or went are reported.
"""

from __future__ import annotations

import errno
import hashlib
import shutil
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .catalog import catalog_path, load_catalog, save_catalog, start_catalog
from .config import Config, is_bundled
from .errors import BadInput, CorpusError, GcmSearchError, NotFound
from .gather import Given, Item, Read, read_all
from .index import Manifest, update, writing
from .metadata import country, country_in, language_of, slug, title_of, year_in
from .models import SCOPES, Document, Passage
from .passages import chunk
from .sources import Source, read_source
from .sources.ocr import save as save_ocr
from .sources.ocr import sidecar

__all__ = ["Given", "Outcome", "add", "add_many", "describe", "remove"]

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Outcome:
    """What became of one item: added, replaced, skipped, failed (or, in a dry run, what would)."""

    name: str
    status: str
    """"added", "replaced", "skipped", "failed", "would add" or "would replace"."""
    reason: str = ""
    document: Document | None = None
    passages: int = 0
    changes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """For a replacement: the passage ids "changed" (same id, other text), "new" and "gone"."""
    error: GcmSearchError | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "status": self.status, "reason": self.reason,
                "id": self.document.id if self.document else None,
                "document": self.document.to_dict() if self.document else None,
                "passages": self.passages,
                **({"changes": {k: list(v) for k, v in self.changes.items()}}
                   if self.changes else {})}


@dataclass(frozen=True)
class _Plan:
    """A readable item with its catalog entry, passages and, when replacing, what it replaces."""

    item: Item
    path: Path
    read: Read
    document: Document
    passages: tuple[Passage, ...]
    replaces: Document | None = None
    changes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


def _writable(config: Config) -> None:
    if is_bundled(config.corpus):
        raise BadInput("the bundled corpus is part of the installed package",
                       f"copy {config.corpus} to a folder of yours and pass --corpus DIR "
                       "(or set GCM_SEARCH_CORPUS)")


def add(config: Config, path: Path, given: Given, *, replace: bool = False,
        ocr: bool = False) -> tuple[Document, int, Manifest]:
    """Add the one file at `path`; return its catalog entry, its passage count and the manifest.
    Raises the error that stopped it (a skip, too, is an error here)."""
    from .gather import from_paths

    if path.is_dir():
        raise BadInput(f"{path} is not a file")
    outcomes, manifest = add_many(config, from_paths([str(path)], given), replace=replace,
                                  ocr=ocr)
    (outcome,) = outcomes
    if outcome.error is not None:
        raise outcome.error
    if outcome.document is None or manifest is None:
        raise BadInput(outcome.reason)
    return outcome.document, outcome.passages, manifest


def add_many(config: Config, items: Sequence[Item], *, replace: bool = False, ocr: bool = False,
             dry_run: bool = False, jobs: int | None = None, reading: Progress | None = None,
             indexing: Progress | None = None) -> tuple[list[Outcome], Manifest | None]:
    """Add every item that can be added, in one index update; an `Outcome` per item, in order,
    and the new manifest (None when nothing was added)."""
    if not dry_run:
        _writable(config)
    outcomes: dict[int, Outcome] = {}
    with tempfile.TemporaryDirectory(prefix="gcm-search-") as scratch:
        fetched = _fetched(items, Path(scratch), outcomes)
        todo = [n for n in range(len(items)) if n not in outcomes]
        reads = read_all([(fetched[n][0], fetched[n][1].language) for n in todo], ocr=ocr,
                         jobs=jobs, progress=reading)
        read: dict[int, Read] = {}
        for number, result in zip(todo, reads, strict=True):
            if isinstance(result, Read):
                read[number] = result
            else:
                outcomes[number] = _failed(items[number], result)
        if dry_run:
            documents = _catalog_if_any(config)
            plans = _plan(config, items, fetched, read, documents, replace, outcomes)
            outcomes.update({n: _outcome(p, would=True) for n, p in plans.items()})
            return [outcomes[n] for n in range(len(items))], None
        manifest = None
        if read:  # else nothing can be added, and nothing is written (not even a folder)
            with writing(config):
                documents = _catalog_if_any(config)
                plans = _plan(config, items, fetched, read, documents, replace, outcomes)
                if plans:
                    start_catalog(config.corpus)  # a missing folder is a corpus with no review
                    _remove_stale_temporaries(config)
                    manifest = _commit(config, documents, list(plans.values()), indexing, jobs)
                outcomes.update({n: _outcome(p) for n, p in plans.items()})
    return [outcomes[n] for n in range(len(items))], manifest


def _fetched(items: Sequence[Item], scratch: Path,
             outcomes: dict[int, Outcome]) -> list[tuple[Path, Given]]:
    """Each item's local file and what is known of it: URLs are downloaded into `scratch` first
    (one by one: the servers, not our cores, set the pace), and keep their address and date."""
    fetched: list[tuple[Path, Given]] = []
    for number, item in enumerate(items):
        path, given = item.path or Path(), item.given
        if item.problem:
            outcomes[number] = _failed(item, BadInput(item.problem))
        elif item.url and item.path is None:
            from .sources.download import download

            folder = scratch / str(number)
            folder.mkdir()
            try:
                got = download(item.url, folder)
            except GcmSearchError as exc:
                outcomes[number] = _failed(item, exc)
            else:
                path = got.path
                given = replace(given, url=given.url or item.url, accessed=got.accessed)
        fetched.append((path, given))
    return fetched


def _catalog_if_any(config: Config) -> tuple[Document, ...]:
    return load_catalog(config.corpus) if catalog_path(config.corpus).is_file() else ()


def _plan(config: Config, items: Sequence[Item], fetched: Sequence[tuple[Path, Given]],
          read: dict[int, Read], documents: tuple[Document, ...], replacing: bool,
          outcomes: dict[int, Outcome]) -> dict[int, _Plan]:
    """Each readable item's catalog entry and passages, in the order given: ids and file names
    are unique across the catalog and the batch; same bytes as a document already there (or
    earlier in the batch) is a skip."""
    by_hash = _hashes(config, documents)
    by_id = {d.id: d for d in documents}
    taken_ids, taken_files = set(by_id), {d.file for d in documents}
    plans: dict[int, _Plan] = {}
    for number in sorted(read):
        item, got = items[number], read[number]
        path, given = fetched[number]
        try:
            target = _replaced(got.source, path, given, by_id) if replacing else None
            same = by_hash.get(got.sha256)
            if same is not None:
                outcomes[number] = Outcome(
                    item.name, "skipped",
                    f"{item.label}: unchanged, the same bytes as {same}" if target and
                    target.id == same else f"{item.label}: the same bytes as {same}, already "
                    "in the corpus", document=by_id.get(same))
                continue
            if target is not None:
                document = _replacement(target, path, got, given, taken_files)
            else:
                document = describe(path, got.source, given, taken_ids, taken_files)
            document = _with_ocr(document, got)
            passages = chunk(document, got.source.text, got.source.blocks)
            if not passages:
                raise CorpusError(f"{item.label}: no paragraphs of text were found in it")
        except GcmSearchError as exc:
            outcomes[number] = _failed(item, exc)
            continue
        changes = _changes(config, target, passages) if target is not None else {}
        plans[number] = _Plan(item, path, got, document, passages, target, changes)
        by_hash[got.sha256] = document.id
        by_id[document.id] = document
        taken_ids.add(document.id)
        taken_files.add(document.file)
    return plans


def _hashes(config: Config, documents: Sequence[Document]) -> dict[str, str]:
    """The digest of each corpus file's bytes -> its document id."""
    found = {}
    for document in documents:
        try:
            found[hashlib.sha256((config.corpus / document.file).read_bytes()).hexdigest()] = \
                document.id
        except OSError:
            continue  # a missing file is reported by the commands that need it
    return found


def _replaced(source: Source, path: Path, given: Given,
              by_id: Mapping[str, Document]) -> Document | None:
    """The document a replacement takes the place of: the one `--id` names, else the one whose
    id the new file's metadata gives (COUNTRY-YEAR); None when there is none (it is added)."""
    if given.id:
        return by_id.get(given.id)
    try:
        inferred = describe(path, source, given, set(), set())
    except BadInput:
        return None
    return by_id.get(inferred.id)


def _replacement(old: Document, path: Path, got: Read, given: Given,
                 taken_files: set[str]) -> Document:
    """The old entry, with what the user gave now; the file keeps its name unless its format
    changed."""
    suffix = path.suffix.lower()
    file = old.file if old.file.lower().endswith(suffix) else \
        _unique_file(f"{old.id}{suffix}", taken_files - {old.file})
    new = describe(path, got.source, replace(given, id=old.id), set(), set()) \
        if any((given.country, given.scope, given.region)) else old
    changes = {k: v for k, v in (("title", given.title), ("author", given.author),
                                 ("language", given.language), ("url", given.url),
                                 ("accessed", given.accessed), ("cycle", given.cycle),
                                 ("year", given.year)) if v}
    return replace(new, id=old.id, file=file, ocr_pages=(), **changes)


def _with_ocr(document: Document, got: Read) -> Document:
    pages = tuple(sorted(got.ocr.pages)) if got.ocr is not None else ()
    return replace(document, ocr_pages=pages) if pages else document


def _changes(config: Config, old: Document,
             passages: Sequence[Passage]) -> dict[str, tuple[str, ...]]:
    """What a replacement does to passage ids: which now hold other text, which are new, which
    are gone (read from the old file, which is still in the corpus)."""
    try:
        before_source = read_source(config.corpus / old.file)
    except GcmSearchError:
        return {}
    before = {p.id: p.sha256 for p in chunk(old, before_source.text, before_source.blocks)}
    after = {p.id: p.sha256 for p in passages}
    return {
        "changed": tuple(i for i in after if i in before and before[i] != after[i]),
        "new": tuple(i for i in after if i not in before),
        "gone": tuple(i for i in before if i not in after),
    }


def _outcome(plan: _Plan, would: bool = False) -> Outcome:
    status = ("would replace" if would else "replaced") if plan.replaces else \
        ("would add" if would else "added")
    return Outcome(plan.item.name, status, document=plan.document,
                   passages=len(plan.passages), changes=plan.changes)


def _failed(item: Item, error: GcmSearchError | str) -> Outcome:
    exc = error if isinstance(error, GcmSearchError) else CorpusError(error)
    text = str(exc)
    # The reason names the item: readers name the file by its base name, a manifest its row.
    reason = text if item.label in text or item.name in text else f"{item.label}: {text}"
    return Outcome(item.name, "failed", reason, error=exc)


def _commit(config: Config, documents: tuple[Document, ...], plans: Sequence[_Plan],
            indexing: Progress | None, jobs: int | None = None) -> Manifest:
    """Copy the files in, write the catalog once and update the index once; if any step fails,
    the folder and catalog go back to what they were."""
    replaced = {p.replaces.id: p for p in plans if p.replaces}
    catalog = [replaced[d.id].document if d.id in replaced else d for d in documents]
    catalog += [p.document for p in plans if p.replaces is None]
    with _files_swapped(config, plans) as undo:
        save_catalog(config.corpus, catalog)
        try:
            return update(config, added=[p.document.id for p in plans],
                          replaced=list(replaced),
                          chunked={p.document.id: p.passages for p in plans},
                          progress=indexing, jobs=jobs)
        except BaseException:
            # All or nothing: "run it again" must not add the reviews twice (as name-2).
            try:
                save_catalog(config.corpus, documents)
            except OSError:
                # The files stay, then: a catalog naming a missing file would stop every
                # command, and the next one indexes them.
                undo.clear()
            raise


@contextmanager
def _files_swapped(config: Config, plans: Sequence[_Plan]) -> Iterator[list[bool]]:
    """Put each plan's file (and its OCR text) in the corpus folder; a replaced file is kept
    aside until the body succeeds, and put back if it fails, unless the body cleared the list
    it was given (nothing is undone then)."""
    written: list[Path] = []
    aside: list[tuple[Path, Path]] = []
    undo = [True]
    try:
        for plan in plans:
            target = config.corpus / plan.document.file
            olds = [config.corpus / plan.replaces.file] if plan.replaces else []
            olds += [sidecar(o) for o in olds]
            for old in olds:
                if old.exists():
                    kept = old.with_name(f".{old.name}.old.tmp")
                    old.replace(kept)
                    aside.append((kept, old))
            temporary = target.with_name(f".{target.name}.tmp")
            shutil.copyfile(plan.path, temporary)
            written.append(target)
            temporary.replace(target)
            if plan.read.ocr is not None:
                written.append(sidecar(target))
                save_ocr(plan.read.ocr, sidecar(target))
        yield undo
    except BaseException as exc:
        for path in written if undo else ():
            path.unlink(missing_ok=True)
            path.with_name(f".{path.name}.tmp").unlink(missing_ok=True)
        for kept, old in aside if undo else ():
            kept.replace(old)
        if isinstance(exc, OSError) and not isinstance(exc, GcmSearchError):
            raise _corpus_write_error(config, exc) from exc
        raise
    for kept, _ in aside:
        kept.unlink(missing_ok=True)


def _remove_stale_temporaries(config: Config) -> None:
    """What an add or remove killed mid-write left: a file or catalog copy never renamed."""
    # Called under the writer lock, so no other add or remove is writing these.
    for path in config.corpus.glob(".*.tmp"):
        if path.name.endswith(".old.tmp"):  # a replaced file kept aside: put it back
            original = path.with_name(path.name[1:].removesuffix(".old.tmp"))
            if not original.exists():
                path.replace(original)
                continue
        path.unlink(missing_ok=True)


def _corpus_write_error(config: Config, exc: OSError) -> CorpusError:
    full = exc.errno in (errno.ENOSPC, errno.EDQUOT)
    return CorpusError(f"cannot write to the corpus folder {config.corpus}: {exc.strerror}",
                       "free some space and run the command again" if full
                       else "check that the corpus folder is writable")


def remove(config: Config, doc_id: str) -> tuple[Document, Manifest]:
    """Remove a document from the catalog, the corpus folder and the index."""
    _writable(config)
    with writing(config):
        _remove_stale_temporaries(config)
        documents = load_catalog(config.corpus)
        found = next((d for d in documents if d.id == doc_id), None)
        if found is None:
            known = ", ".join(d.id for d in documents) or "none"
            raise NotFound(f"no document {doc_id!r} in the corpus", f"documents: {known}")
        save_catalog(config.corpus, [d for d in documents if d.id != doc_id])
        manifest = update(config, removed=[doc_id])
        # Only once the index no longer has it: until then a server still shows its passages,
        # and their pages quote the file.
        (config.corpus / found.file).unlink(missing_ok=True)
        sidecar(config.corpus / found.file).unlink(missing_ok=True)
    return found, manifest


def describe(path: Path, source: Source, given: Given, taken_ids: set[str],
             taken_files: set[str]) -> Document:
    """The catalog entry of a new document: what was given, else what its text says."""
    title = given.title or title_of(source) or path.stem
    scope = given.scope or "national"
    if scope not in SCOPES:
        raise BadInput(f"unknown scope {scope!r}", f"scopes: {', '.join(SCOPES)}")
    found = None
    if given.country:
        found = country(given.country)
        if found is None:
            raise BadInput(f"unknown country {given.country!r}",
                           "give its English, French or Spanish name or its ISO code")
    elif scope == "national":
        found = country_in(title)
        if found is None:
            raise BadInput(f"cannot tell the country of {path.name} from its title {title!r}",
                           "pass --country, or --scope regional, global or stakeholder for a "
                           "document that is not a country's")
    if scope == "regional" and not given.region:
        raise BadInput(f"{path.name}: a regional document needs --region",
                       'e.g. --region "Asia and the Pacific"')
    if scope != "national" and not given.author:
        raise BadInput(f"{path.name}: a {scope} document needs --author",
                       'who wrote it, e.g. --author "United Nations Network on Migration"')
    year = given.year or year_in(title)
    if year is None:
        raise BadInput(f"cannot tell the year of {path.name} from its title {title!r}",
                       "pass --year")
    # Whose document it is names it: japan-2022, asia-and-the-pacific-2021, united-nations-…
    party = found.name if scope == "national" and found else given.region or given.author
    doc_id = given.id or _unique(slug(f"{party}-{year}"), taken_ids)
    if doc_id in taken_ids:
        raise BadInput(f"the corpus already has a document {doc_id!r}", "pass another --id")
    file = _unique_file(f"{doc_id}{path.suffix.lower()}", taken_files)
    return Document(
        id=doc_id,
        file=file,
        title=title,
        country=found.name if found else "",
        iso3=found.iso3 if found else "",
        year=year,
        author=given.author or f"Government of {found.name if found else party}",
        cycle=given.cycle,
        language=given.language or language_of(source.text),
        url=given.url,
        accessed=given.accessed,
        scope=scope,  # type: ignore[arg-type]
        region=given.region,
    )


def _unique(base: str, taken: set[str]) -> str:
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    return candidate


def _unique_file(name: str, taken: set[str]) -> str:
    stem, dot, suffix = name.rpartition(".")
    return name if name not in taken else _unique(stem, {t.rpartition(".")[0] for t in taken}) \
        + dot + suffix
