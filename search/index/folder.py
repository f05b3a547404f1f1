"""An index folder on disk: where its builds live, what each build's manifest records, which
build is current, and the one writer's lock. Layout:

    CURRENT            the name of the build in use, replaced atomically (os.replace)
    builds/<name>/     one complete Whoosh index + manifest.json
    builds/.tmp-*      a build in progress (removed when it fails or is superseded)
    .lock              held (flock) by the one process that is building

The manifest's fingerprint covers the corpus files, the catalog and the chunker, analysis and
schema versions: any change rebuilds. Its checksums cover every file of the build, since Whoosh
checks none of their bytes.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import pickle
import struct
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index
from whoosh import reading as whoosh_reading

from ..catalog import catalog_path, load_catalog
from ..config import Config
from ..errors import CorpusError, IndexUnavailable
from ..meaning import tokens, vectors
from ..models import Document
from ..versions import CHUNKER_VERSION
from .analysis import ANALYSIS_VERSION
from .schema import SCHEMA_VERSION

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: builds are not serialised between processes
    fcntl = None  # type: ignore[assignment]


# whoosh3 names damaged postings CorruptIndexError; whoosh-reloaded has no such class.
_CORRUPT: tuple[type[Exception], ...] = tuple(
    c for c in (getattr(whoosh_reading, "CorruptIndexError", None),) if c is not None)


# "vectors 2": every build carries its passage vectors and token table (or records that the
# model was missing), so builds made before them are rebuilt.
FORMAT = (f"chunker {CHUNKER_VERSION}, analysis {ANALYSIS_VERSION}, schema {SCHEMA_VERSION}, "
          "vectors 2")


CURRENT = "CURRENT"


# Files a search by words never reads: their checksums are checked when first used, not at open.
CHECKED_WHEN_USED = (vectors.VECTORS, tokens.TOKENS)


BUILDS = "builds"


MANIFEST = "manifest.json"


ACRONYMS = "acronyms.json"  # the acronyms the corpus defines, learned at build time


Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Manifest:
    fingerprint: str
    format: str
    built_at: str
    seconds: float
    passages: int
    documents: tuple[Document, ...]
    files: tuple[tuple[str, int, int], ...] = ()
    """Each file of the build but the manifest: name, bytes, CRC-32. Whoosh checks none of its
    bytes, and a damaged field-length table gives wrong scores without an error."""
    model: str = ""
    """The embedding model (name, version, configuration) of the build's vectors; "" when it
    was built without it (the model was unavailable): then it searches by words only."""
    dim: int = 0
    model_files: str = ""
    """The model's files when the build was made (`model.stamp()`)."""

    def to_dict(self) -> dict[str, Any]:
        # Not `asdict`: it copied every document deeply only for them to be replaced here.
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data["documents"] = [d.to_dict() for d in self.documents]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Manifest:
        return cls(
            fingerprint=data["fingerprint"],
            format=data["format"],
            built_at=data["built_at"],
            seconds=float(data["seconds"]),
            passages=int(data["passages"]),
            documents=tuple(Document.from_dict(d) for d in data["documents"]),
            files=tuple((str(n), int(b), int(c)) for n, b, c in data.get("files", ())),
            model=str(data.get("model", "")),
            dim=int(data.get("dim", 0)),
            model_files=str(data.get("model_files", "")),
        )


def fingerprint(config: Config) -> str:
    """What the index is built from: corpus bytes, catalog and code versions."""
    digest = hashlib.sha256(FORMAT.encode())
    documents = load_catalog(config.corpus)  # first: its errors say what is wrong and what to do
    try:
        digest.update(catalog_path(config.corpus).read_bytes())
    except OSError as exc:
        raise CorpusError(f"{catalog_path(config.corpus)} cannot be read: {exc.strerror}") from exc
    for document in documents:
        path = config.corpus / document.file
        try:
            digest.update(hashlib.sha256(path.read_bytes()).digest())
        except OSError as exc:
            raise CorpusError(
                f"{document.id}: {path} cannot be read: {exc.strerror}",
                f"restore the file, or run `gcm-search remove {document.id}`",
            ) from exc
    return digest.hexdigest()


def current_build(index_dir: Path) -> Path | None:
    try:
        name = (index_dir / CURRENT).read_text(encoding="utf-8").strip()
    except (FileNotFoundError, UnicodeDecodeError):
        return None  # no build, or a pointer that names none: the next build replaces it
    except OSError as exc:
        raise IndexUnavailable(f"cannot read {index_dir / CURRENT}: {exc.strerror}") from exc
    path = index_dir / BUILDS / name
    return path if name and "/" not in name and path.is_dir() else None


def read_manifest(build: Path) -> Manifest | None:
    try:
        return Manifest.from_dict(json.loads((build / MANIFEST).read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def is_fresh(config: Config) -> bool:
    build = current_build(config.index)
    manifest = read_manifest(build) if build else None
    return matches(manifest, fingerprint(config))


def matches(manifest: Manifest | None, wanted: str) -> bool:
    """Whether a build's manifest says it was made from this corpus by this code."""
    return (manifest is not None and manifest.fingerprint == wanted and manifest.format == FORMAT
            and vectors.is_current(manifest.model, manifest.model_files))


def checksums(build_dir: Path) -> tuple[tuple[str, int, int], ...]:
    return tuple((p.name, p.stat().st_size, _crc32(p)) for p in sorted(build_dir.iterdir())
                 if p.is_file() and p.name != MANIFEST and not p.name.endswith("WRITELOCK"))


def _crc32(path: Path) -> int:
    # In pieces: a large build is hundreds of megabytes, which must not all be held at once.
    crc = 0
    with path.open("rb") as handle:
        while piece := handle.read(1 << 20):
            crc = zlib.crc32(piece, crc)
    return crc


def check_files(build_dir: Path, manifest: Manifest, only: str | None = None) -> None:
    """Every file the manifest lists (or `only` that one; the vectors are checked when they are
    first used), with the size and bytes it was built with."""
    for name, size, crc in manifest.files:
        if (name != only) if only else (name in CHECKED_WHEN_USED):
            continue
        path = build_dir / name
        if not path.is_file():
            problem = "is missing"
        elif path.stat().st_size != size or _crc32(path) != crc:
            problem = "is not as it was built"
        else:
            continue
        raise IndexUnavailable(f"the index in {build_dir} is damaged ({name} {problem})",
                               "run `gcm-search index --rebuild`")


@contextlib.contextmanager
def damage_is_reported(build_dir: Path) -> Iterator[None]:
    """Turn what Whoosh raises on damaged files into one clear error with the way out."""
    try:
        yield
    except IndexUnavailable:
        raise
    except (OSError, EOFError, ValueError, KeyError, IndexError, struct.error, zlib.error,
            pickle.UnpicklingError, whoosh_index.IndexError, *_CORRUPT) as exc:
        raise IndexUnavailable(f"the index in {build_dir} is damaged ({exc.__class__.__name__})",
                               "run `gcm-search index --rebuild`") from exc


@contextlib.contextmanager
def writing(config: Config) -> Iterator[None]:
    """Hold the one writer's lock: for a build, or for a change to the corpus and its index."""
    with _writer_lock(config.index):
        yield


@contextlib.contextmanager
def _writer_lock(index_dir: Path) -> Iterator[None]:
    try:
        index_dir.mkdir(parents=True, exist_ok=True)
        handle = open(index_dir / ".lock", "a+")  # noqa: SIM115 - held for the whole build
    except OSError as exc:
        raise write_error(index_dir, exc) from exc
    try:
        if fcntl is not None:
            # Blocks while another process builds; it is released even if that one is killed.
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        yield
    except PermissionError as exc:
        raise IndexUnavailable(f"cannot write the index in {index_dir}: {exc.strerror}",
                               "pass --index-dir (or GCM_SEARCH_INDEX) a writable folder") from exc
    finally:
        handle.close()


def write_error(index_dir: Path, exc: OSError) -> IndexUnavailable:
    """What a failed write of the index means to a user, and what to do about it."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return IndexUnavailable(
            f"the disk is full: cannot write the index in {index_dir} ({exc.strerror})",
            "free some space and run the command again; the index in use is unchanged")
    return IndexUnavailable(f"cannot write the index in {index_dir}: {exc.strerror}",
                            "pass --index-dir (or GCM_SEARCH_INDEX) a writable folder")

