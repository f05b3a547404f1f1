"""Where the corpus and the index live.

Run from a checkout, gcm-search uses the checkout's `corpus/` and `index/`. Installed from a wheel,
it uses the corpus that ships inside the package and an index in the per-user cache directory.
`GCM_SEARCH_CORPUS` / `GCM_SEARCH_INDEX` (or the CLI's `--corpus` / `--index-dir`) override both.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

CORPUS_ENV = "GCM_SEARCH_CORPUS"
INDEX_ENV = "GCM_SEARCH_INDEX"

_PACKAGE = Path(__file__).resolve().parent
_CHECKOUT = _PACKAGE.parent


def _in_checkout() -> bool:
    return (_CHECKOUT / "pyproject.toml").is_file() and (_CHECKOUT / "corpus").is_dir()


def default_corpus() -> Path:
    return _CHECKOUT / "corpus" if _in_checkout() else _PACKAGE / "corpus"


def is_bundled(corpus: Path) -> bool:
    """Whether `corpus` is the copy inside an installed package (not to be written to)."""
    return not _in_checkout() and corpus.resolve() == (_PACKAGE / "corpus").resolve()


def default_index() -> Path:
    if _in_checkout():
        return _CHECKOUT / "index"
    import platformdirs  # only an installed copy needs it (a checkout keeps its index inside)

    return Path(platformdirs.user_cache_dir("gcm-search")) / "index"


@dataclass(frozen=True)
class Config:
    corpus: Path
    index: Path

    @classmethod
    def load(cls, corpus: str | Path | None = None, index: str | Path | None = None) -> Config:
        """Explicit arguments win over the environment, which wins over the defaults."""
        corpus_dir = corpus or os.environ.get(CORPUS_ENV) or default_corpus()
        index_dir = index or os.environ.get(INDEX_ENV) or default_index()
        return cls(Path(corpus_dir).expanduser(), Path(index_dir).expanduser())
