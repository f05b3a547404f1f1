"""A build's per-document work, on every core: catalog documents -> their passages (read,
chunked, tagged), embedded, given inferred objectives, and pre-analysed for the one writer
(`search.segment`).

Nothing of it depends on another document: tagging and inference look back only within a
document, a passage's vector is its own text's. So the catalog is cut into runs of consecutive
documents, and each run is prepared in a worker process (spawned: the parent may hold threads,
and forking those is unsafe), which loads the model once (`model.load`, never downloading).
The runs come back in catalog order, so the result is the one a single process gives
(tests/test_parallel_build.py).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from multiprocessing import get_context
from typing import TYPE_CHECKING, Any

from .config import Config
from .models import Document, Passage
from .segment import Analysed, analyse

if TYPE_CHECKING:
    import numpy as np

    from .meaning.model import Encoder

RUNS_PER_JOB = 2
"""Runs per worker: enough that a worker with long documents does not hold up the others; few
enough that joining the runs' postings stays cheap."""
RUN_DOCUMENTS = 100
"""At most this many documents in a run, in one process too: a run's postings wait as tuples
until it is done (then as compact columns), and a run of 1,000 reviews held ten million of them
(2 GB, and a build three times as long)."""

FEW_DOCUMENTS = 16
"""Below this many documents a build asked for no number of processes stays in its own: starting
a worker (Python, Whoosh, numpy, the tokenizer and the model) costs about a second, more than a
few reviews take to prepare."""

Item = tuple[int, Document, Sequence[Passage] | None]
"""A document to prepare: its order base (see `search.index.DOCUMENT_ORDER`), the document,
and its passages when the caller has them already (else it is read and chunked)."""


@dataclass
class Prepared:
    """A run of documents, prepared: their passages' vectors (rows, None without the model),
    pre-analysed index documents (which hold the passages, as stored), and the acronyms they
    define. The passages themselves do not travel back: the writer needs nothing else of them."""

    vectors: np.ndarray | None
    analysed: Analysed
    acronyms: dict[str, tuple[str, ...]]


def prepare(config: Config, items: Sequence[Item], *, with_model: bool, jobs: int,
            progress: Callable[[int, int], None] | None = None) -> list[Prepared]:
    """Prepare `items` in up to `jobs` processes; the runs in order. `with_model`: embed and
    infer with the model (the caller found it loadable, so every worker uses it or none)."""
    runs = _runs(items, max(1 if jobs <= 1 else jobs * RUNS_PER_JOB,
                            -(-len(items) // RUN_DOCUMENTS)))
    done = 0
    total = len(items)
    if jobs <= 1 or len(runs) <= 1:
        prepared = []
        for run in runs:
            prepared.append(prepare_run(config, run, with_model))
            done += len(run)
            if progress:
                progress(done, total)
        return prepared
    results: list[Prepared | None] = [None] * len(runs)
    with ProcessPoolExecutor(max_workers=min(jobs, len(runs)), mp_context=get_context("spawn"),
                             initializer=_worker_started) as pool:
        futures = {pool.submit(prepare_run, config, run, with_model): number
                   for number, run in enumerate(runs)}
        for future in as_completed(futures):
            number = futures[future]
            results[number] = future.result()
            for _ in runs[number]:  # one call per document, as a progress bar counts them
                done += 1
                if progress:
                    progress(done, total)
    return [r for r in results if r is not None]


def default_jobs(documents: int) -> int:
    """The processes of a build of `documents` when none were asked for: every core this
    process may use, or one for a few documents."""
    from .gather import cores

    return 1 if documents < FEW_DOCUMENTS else cores()


def _runs(items: Sequence[Item], count: int) -> list[list[Item]]:
    """`items` cut into at most `count` runs of consecutive items, as even as can be."""
    count = max(1, min(count, len(items)))
    size, extra = divmod(len(items), count)
    runs: list[list[Item]] = []
    start = 0
    for number in range(count):
        end = start + size + (number < extra)
        runs.append(list(items[start:end]))
        start = end
    return [run for run in runs if run]


def _worker_started() -> None:
    # Each worker is one of `jobs` processes: the tokenizer's own threads would only compete.
    os.environ["TOKENIZERS_PARALLELISM"] = "false"


def prepare_run(config: Config, run: Sequence[Item], with_model: bool) -> Prepared:
    """Read, chunk, tag, embed, infer and analyse one run of documents (in a worker)."""
    from . import corpus  # the readers and the chunker: loaded only when something is built
    from .acronyms import learn
    from .meaning import model
    from .meaning.infer import infer
    from .passages import chunk

    chunked: list[Passage] = []
    orders: list[int] = []
    for base, document, known in run:
        if known is None:
            source = corpus.source_of(config, document)
            known = chunk(document, source.text, source.blocks)
        chunked.extend(known)
        orders.extend(base + p.position for p in known)
    encoder = model.load() if with_model else None
    rows = _embedded(encoder, [p.text for p in chunked]) if encoder is not None and chunked \
        else None
    passages = list(infer(chunked, rows, encoder))
    return Prepared(rows, analyse(passages, orders), learn(p.text for p in passages))


def _embedded(encoder: Encoder, texts: list[str]) -> np.ndarray:
    """`encoder.embed(texts)`, the tokenizer asked for ids only (`encode_batch_fast`, where the
    tokenizers library has it, skips the character offsets a build never uses: the same ids,
    a fifth quicker)."""
    import numpy as np

    from .meaning.model import BATCH

    fast = getattr(encoder.tokenizer, "encode_batch_fast", None)
    if fast is None:
        return encoder.embed(texts)
    return np.concatenate([
        encoder.embed_ids([e.ids for e in fast(texts[start:start + BATCH],
                                                add_special_tokens=False)])
        for start in range(0, len(texts), BATCH)])


def items(documents: Sequence[Document], known: Mapping[str, Sequence[Passage]],
          document_order: int) -> list[Item]:
    """The catalog's documents as items: the n-th document's passages ordered from
    n x `document_order`."""
    return [(number * document_order, document, known.get(document.id))
            for number, document in enumerate(documents)]


def joined_acronyms(prepared: Sequence[Prepared]) -> dict[str, tuple[str, ...]]:
    """The runs' acronyms as `acronyms.learn` finds them over all passages in order: each
    acronym's names in the order they are first defined."""
    joined: dict[str, list[str]] = {}
    for part in prepared:
        for acronym, names in part.acronyms.items():
            known = joined.setdefault(acronym, [])
            known.extend(n for n in names if n not in known)
    return {a: tuple(names) for a, names in joined.items()}


def joined_vectors(prepared: Sequence[Prepared]) -> Any:
    """The runs' vectors as one array, in passage order (None without the model)."""
    import numpy as np

    parts = [p.vectors for p in prepared if p.vectors is not None]
    return np.concatenate(parts) if parts else None
