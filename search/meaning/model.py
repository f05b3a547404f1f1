"""The embedding model: text -> unit vectors. The one place the model is loaded.

The model is WordLlama's `l2_supercat_256` (MIT licence): a static embedding table (32,000
tokens x 256 dimensions, float16, 16 MB) and its tokenizer, both inside the `wordllama` wheel. A
text's vector is the mean of its tokens' rows, normalised to unit length, which is exactly what
`WordLlama.embed(texts, norm=True)` computes (a test checks it).

The `wordllama` package itself is never imported: importing it costs about 240 ms (pydantic,
requests) and its `load()` looks for the tokenizer where the wheel does not put it and then tries
the network. Here the two files are read directly from the installed package's folder (the
weights memory-mapped from their safetensors file, the tokenizer with `tokenizers`), so nothing
can download anything.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import struct
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ModelUnavailable

if TYPE_CHECKING:
    import numpy as np

PACKAGE = "wordllama"
CONFIG = "l2_supercat"
DIM = 256
WEIGHTS = f"weights/{CONFIG}_{DIM}.safetensors"
TOKENIZER = f"tokenizers/{CONFIG}_tokenizer_config.json"
TENSOR = "embedding.weight"
HINT = "reinstall it (pip install --force-reinstall wordllama), or search with --mode words"
# Token ids, a few hundred per passage, are pooled in batches so that a build's gather of rows
# (tokens x 256 floats) stays a few megabytes.
BATCH = 256
WORD_START = "\u2581"
"""What the tokenizer's normalizer puts for a space, and at the start of a text."""
_LLAMA_NORMALIZER = {"type": "Sequence", "normalizers": [
    {"type": "Prepend", "prepend": WORD_START},
    {"type": "Replace", "pattern": {"String": " "}, "content": WORD_START}]}
WHOLE_TABLE_TOKENS = 10_000
"""From this many tokens in a batch, `Encoder.embed_ids` reads the whole table (about 10 ms,
once per process, won back after some 25,000 tokens): a build's batches of passages, never a
query's words."""


@dataclass(frozen=True)
class Encoder:
    """A loaded model: `embed` turns texts into rows of unit vectors (zero for empty texts)."""

    name: str
    """What a build records, so that vectors of another model are never mixed in."""
    table: Any  # np.ndarray (vocabulary, DIM), float16 as the wheel has it, memory-mapped
    tokenizer_file: Path

    @property
    def dim(self) -> int:
        return int(self.table.shape[1])

    @functools.cached_property
    def tokenizer(self) -> Any:  # tokenizers.Tokenizer
        """Read when first needed: parsing it is most of a cold query's cost by meaning, and a
        query whose words the build's token table has (search.meaning.tokens) never needs it."""
        return _read_tokenizer(self.tokenizer_file)

    def token_ids(self, texts: list[str]) -> list[list[int]]:
        return [e.ids for e in self.tokenizer.encode_batch(texts, add_special_tokens=False)]

    def many_token_ids(self, texts: Sequence[str]) -> list[list[int]]:
        """`token_ids(texts)` for many texts that share most of their words (a build's passages):
        each distinct word is tokenized once.

        The tokenizer has no pre-tokenizer: its BPE runs over a whole passage at once, with no
        cache of words, so a build tokenized the same words over and over (about a microsecond a
        token, most of embedding). But none of its tokens has a word start ("▁") after another
        character (`_words_stay_whole` checks the vocabulary), so no merge ever joins two words:
        the passage's tokens are those of its words ("▁▁word", spaces and all), tokenized
        apart. tests/test_model.py checks the ids against the tokenizer's own."""
        if not self._words_stay_whole:
            return self.token_ids(list(texts))
        import re

        normalize = self._normalize
        tokenize = self.tokenizer.model.tokenize
        words = re.compile(f"{WORD_START}*[^{WORD_START}]+|{WORD_START}+").findall
        known: dict[str, list[int]] = {}
        found: list[list[int]] = []
        for text in texts:
            ids: list[int] = []
            for word in words(normalize(text)):
                tokens = known.get(word)
                if tokens is None:
                    tokens = known[word] = [t.id for t in tokenize(word)]
                ids.extend(tokens)
            found.append(ids)
        return found

    @functools.cached_property
    def _normalize(self) -> Callable[[str], str]:
        """The tokenizer's normalizer: Llama's (a word start before the text and for every
        space) done in Python, a twentieth of the time of asking the tokenizer text by text."""
        normalizer = json.loads(self.tokenizer.to_str()).get("normalizer")
        if normalizer == _LLAMA_NORMALIZER:
            return lambda text: WORD_START + text.replace(" ", WORD_START) if text else ""
        return self.tokenizer.normalizer.normalize_str  # type: ignore[no-any-return]

    @functools.cached_property
    def _words_stay_whole(self) -> bool:
        """Whether the tokenizer is one whose tokens of a text are those of its words apart:
        BPE after a normalizer alone, no token with a word start after another character."""
        import re

        tokenizer = self.tokenizer
        if tokenizer.pre_tokenizer is not None or tokenizer.normalizer is None or \
                type(tokenizer.model).__name__ != "BPE":
            return False
        inside = re.compile(f"[^{WORD_START}]{WORD_START}")
        return not any(inside.search(token) for token in tokenizer.get_vocab())

    def has_word(self, word: str) -> bool:
        """Whether the tokenizer has `word` as one whole-word token (any of its cases)."""
        return any(self.tokenizer.token_to_id(f"\u2581{w}") is not None
                   for w in {word, word.lower(), word.capitalize()})

    def embed(self, texts: list[str]) -> np.ndarray:
        import numpy as np

        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        # A batch at a time: a build's token ids all at once were hundreds of megabytes.
        return np.concatenate([self.embed_ids(self.token_ids(texts[start:start + BATCH]))
                               for start in range(0, len(texts), BATCH)])

    def embed_ids(self, texts: list[list[int]]) -> np.ndarray:
        """`embed` for texts already turned into token ids."""
        import numpy as np

        # Many tokens (a build's batch) are gathered from the table read whole as float32:
        # gathering float16 rows and summing them as float32 took twice as long, for the same
        # sums to the bit (float16 -> float32 is exact, and the rows are added in the same
        # order). A query's few tokens are read from the mapped file.
        tokens = sum(map(len, texts))
        table = self.whole_table if tokens >= WHOLE_TABLE_TOKENS else self.table
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, token_ids in enumerate(texts):
            if token_ids:
                out[row] = self.pool(token_ids, table)
        return normalise(out)

    def pool(self, token_ids: list[int], table: np.ndarray | None = None) -> np.ndarray:
        """The mean of the tokens' rows (ids past the table are clamped, as WordLlama does),
        from `table` (the model's, or the same as `whole_table`)."""
        import numpy as np

        table = self.table if table is None else table
        ids = np.clip(np.asarray(token_ids, dtype=np.int64), 0, table.shape[0] - 1)
        return table[ids].sum(axis=0, dtype=np.float32) / np.float32(len(ids))

    @functools.cached_property
    def whole_table(self) -> np.ndarray:
        """The table read whole, as float32 (32 MB): for embedding many texts at once."""
        import numpy as np

        return np.asarray(self.table, dtype=np.float32)


def normalise(rows: np.ndarray) -> np.ndarray:
    import numpy as np

    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    return np.divide(rows, norms, out=np.zeros_like(rows), where=norms > 0)


def package_dir() -> Path:
    """The installed `wordllama` package's folder, found without importing it."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModelUnavailable(
            "the embedding model is not installed (the wordllama package is missing)",
            "reinstall gcm-search (pip install -e .), or search with --mode words")
    return Path(next(iter(spec.submodule_search_locations)))


def model_name() -> str:
    """The model's name and version, as a build's manifest records it."""
    return f"{PACKAGE} {_version()} {CONFIG} {DIM}"


def _version() -> str:
    """The installed package's version: from the wheel's METADATA beside it, read directly,
    else (another layout, or several copies) as importlib.metadata finds it. Loading
    importlib.metadata, and the email parser it reads METADATA with, cost every cold search by
    meaning about 15 ms."""
    try:
        found = list(package_dir().parent.glob(f"{PACKAGE}-*.dist-info"))
        if len(found) == 1:
            with (found[0] / "METADATA").open(encoding="utf-8") as metadata:
                for line in metadata:
                    if not line.strip():  # the end of the headers
                        break
                    if line.startswith("Version:"):
                        return line.split(":", 1)[1].strip()
    except (ModelUnavailable, OSError, UnicodeDecodeError):
        pass
    import importlib.metadata

    try:
        return importlib.metadata.version(PACKAGE)
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def stamp() -> str:
    """What the model's files are now (folder, sizes, modification times), "" when the package
    is missing: a build made without the model is rebuilt once this changes. Only `stat`s, so
    checking a build's freshness stays cheap."""
    try:
        folder = package_dir()
    except ModelUnavailable:
        return ""
    parts = [str(folder)]
    for name in (WEIGHTS, TOKENIZER):
        try:
            info = (folder / name).stat()
        except OSError:
            parts.append(f"{name} missing")
            continue
        parts.append(f"{name} {info.st_size} {info.st_mtime_ns}")
    return "; ".join(parts)


@functools.cache
def load() -> Encoder:
    """The model, read once per process from the installed package; never downloads."""
    return read(package_dir())


_DTYPES = {"F16": "<f2", "F32": "<f4"}


def _mapped_tensor(path: Path, name: str) -> np.ndarray:
    """One tensor of a safetensors file, memory-mapped where it lies (read-only, as stored).

    The format is an 8-byte little-endian header length, a JSON header giving each tensor's
    dtype, shape and byte range, then the data. Mapping it instead of reading it (as
    `safetensors` does) means a query touches only its own tokens' rows: a cold search does not
    read 16 MB, and a server does not hold them in memory.
    """
    import numpy as np

    with path.open("rb") as handle:
        (length,) = struct.unpack("<Q", handle.read(8))
        if not 2 <= length <= 1 << 24:
            raise ValueError(f"a safetensors header of {length} bytes")
        info = json.loads(handle.read(length))[name]
    dtype = np.dtype(_DTYPES[info["dtype"]])
    shape = tuple(int(n) for n in info["shape"])
    start, end = (int(n) for n in info["data_offsets"])
    if end - start != dtype.itemsize * int(np.prod(shape)) or \
            8 + length + end > path.stat().st_size:
        raise ValueError(f"tensor {name} does not fit its file")
    return np.memmap(path, dtype=dtype, mode="r", offset=8 + length + start, shape=shape)


def read(folder: Path) -> Encoder:
    """The model from a `wordllama` package folder, or one clear `ModelUnavailable`."""
    weights, tokenizer_file = folder / WEIGHTS, folder / TOKENIZER
    try:
        table = _mapped_tensor(weights, TENSOR)
        if not tokenizer_file.is_file():
            raise FileNotFoundError(2, "missing", str(tokenizer_file))
    except FileNotFoundError as exc:
        raise ModelUnavailable(f"the embedding model's file {exc.filename or weights} is missing",
                               HINT) from exc
    except Exception as exc:  # a damaged header: ValueError, KeyError...
        raise ModelUnavailable(f"the embedding model's files in {folder} are damaged "
                               f"({exc.__class__.__name__})", HINT) from exc
    if table.ndim != 2 or table.shape[1] != DIM:
        raise ModelUnavailable(f"the embedding model in {folder} has the wrong shape "
                               f"{table.shape}", HINT)
    return Encoder(model_name(), table, tokenizer_file)


def _read_tokenizer(path: Path) -> Any:
    try:
        from tokenizers import Tokenizer
    except ImportError as exc:
        raise ModelUnavailable(f"the embedding model cannot be loaded ({exc.name} is missing)",
                               HINT) from exc
    try:
        tokenizer = Tokenizer.from_file(str(path))
    except Exception as exc:  # tokenizers raises its own kinds, or plain ones
        raise ModelUnavailable(f"the embedding model's file {path} is damaged "
                               f"({exc.__class__.__name__})", HINT) from exc
    tokenizer.no_truncation()
    tokenizer.no_padding()
    return tokenizer
