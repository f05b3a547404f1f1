"""Adding and removing reviews: the corpus files, the catalog and the index kept in step.

`add()` reads and chunks the new file before anything is written, so a file that cannot be read
leaves corpus and index untouched; then it copies the file in, records the catalog entry (what
the caller did not give is inferred from the review's title and text, or asked for with a clear
error) and updates the index for that document alone. All of it holds the one writer's lock.
"""

from __future__ import annotations

import errno
import shutil
from dataclasses import dataclass
from pathlib import Path

from .catalog import load_catalog, save_catalog, start_catalog
from .config import Config, is_bundled
from .errors import BadInput, CorpusError, NotFound
from .index import Manifest, update, writing
from .metadata import country, country_in, language_of, slug, title_of, year_in
from .models import Document
from .passages import chunk
from .sources import Source, read_source, readers


@dataclass(frozen=True)
class Given:
    """What the user said about a new review (anything left empty is inferred)."""

    country: str = ""
    year: int | None = None
    title: str = ""
    author: str = ""
    language: str = ""
    url: str = ""
    cycle: str = ""
    id: str = ""


def _writable(config: Config) -> None:
    if is_bundled(config.corpus):
        raise BadInput("the bundled corpus is part of the installed package",
                       f"copy {config.corpus} to a folder of yours and pass --corpus DIR "
                       "(or set GCM_SEARCH_CORPUS)")


def add(config: Config, path: Path, given: Given) -> tuple[Document, int, Manifest]:
    """Add the review at `path`; return its catalog entry, its passage count and the manifest."""
    _writable(config)
    if not path.is_file():
        raise BadInput(f"{path} is not a file")
    if path.suffix.lower() not in readers():
        raise CorpusError(f"{path.name}: cannot read {path.suffix or 'extensionless'} files",
                          f"gcm-search reads {', '.join(sorted(readers()))}")
    source = read_source(path)  # before anything is written: unreadable files change nothing
    with writing(config):
        start_catalog(config.corpus)  # an empty or missing folder is a corpus with no review
        _remove_stale_temporaries(config)
        documents = load_catalog(config.corpus)
        document = describe(path, source, given, {d.id for d in documents},
                            {d.file for d in documents})
        passages = chunk(document, source.text, source.blocks)
        if not passages:
            raise CorpusError(f"{path.name}: no paragraphs of text were found in it")
        target = config.corpus / document.file
        temporary = target.with_name(f".{target.name}.tmp")
        try:
            shutil.copyfile(path, temporary)
            temporary.replace(target)
            save_catalog(config.corpus, (*documents, document))
        except BaseException as exc:
            temporary.unlink(missing_ok=True)
            target.unlink(missing_ok=True)
            if isinstance(exc, OSError):
                raise _corpus_write_error(config, exc) from exc
            raise
        try:
            manifest = update(config, added=[document.id])
        except BaseException:
            # All or nothing: "run it again" must not add the review twice (as name-2).
            _restore(config, documents, target)
            raise
    return document, len(passages), manifest


def _remove_stale_temporaries(config: Config) -> None:
    """What an add or remove killed mid-write left: a file or catalog copy never renamed."""
    # Called under the writer lock, so no other add or remove is writing these.
    for path in config.corpus.glob(".*.tmp"):
        path.unlink(missing_ok=True)


def _restore(config: Config, documents: tuple[Document, ...], added: Path) -> None:
    """Put the catalog back as it was before an add; the copied file goes only if that worked
    (a catalog naming a missing file would stop every command)."""
    try:
        save_catalog(config.corpus, documents)
    except OSError:
        return  # the review stays added, and the next command indexes it
    added.unlink(missing_ok=True)


def _corpus_write_error(config: Config, exc: OSError) -> CorpusError:
    full = exc.errno in (errno.ENOSPC, errno.EDQUOT)
    return CorpusError(f"cannot write to the corpus folder {config.corpus}: {exc.strerror}",
                       "free some space and run the command again" if full
                       else "check that the corpus folder is writable")


def remove(config: Config, doc_id: str) -> tuple[Document, Manifest]:
    """Remove a review from the catalog, the corpus folder and the index."""
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
    return found, manifest


def describe(path: Path, source: Source, given: Given, taken_ids: set[str],
             taken_files: set[str]) -> Document:
    """The catalog entry of a new review: what was given, else what its text says."""
    title = given.title or title_of(source) or path.stem
    if given.country:
        found = country(given.country)
        if found is None:
            raise BadInput(f"unknown country {given.country!r}",
                           "give its English, French or Spanish name or its ISO code")
    else:
        found = country_in(title)
        if found is None:
            raise BadInput(f"cannot tell the country of {path.name} from its title {title!r}",
                           "pass --country")
    year = given.year or year_in(title)
    if year is None:
        raise BadInput(f"cannot tell the year of {path.name} from its title {title!r}",
                       "pass --year")
    doc_id = given.id or _unique(slug(f"{found.name}-{year}"), taken_ids)
    if doc_id in taken_ids:
        raise BadInput(f"the corpus already has a document {doc_id!r}", "pass another --id")
    file = _unique_file(f"{doc_id}{path.suffix.lower()}", taken_files)
    return Document(
        id=doc_id,
        file=file,
        title=title,
        country=found.name,
        iso3=found.iso3,
        year=year,
        author=given.author or f"Government of {found.name}",
        cycle=given.cycle,
        language=given.language or language_of(source.text),
        url=given.url,
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
