"""A build's per-document work, on every core: catalog documents -> their passages (read,
chunked, tagged), embedded, given inferred objectives, analysed, and written as a segment of the
build's index (`segment`).

Nothing of it depends on another document: tagging and inference look back only within a
document, a passage's vector is its own text's, and Whoosh scores with the whole index's
statistics, whatever its segments. So the catalog is cut into runs of consecutive documents, and
each run is prepared in a worker process (spawned: the parent may hold threads, and forking those
is unsafe), which loads the model once (`model.load`, never downloading) and writes the run's
segment into a folder of its own. The parent joins the runs' segments in catalog order, so the
index answers as the one a single process builds (tests/test_parallel_build.py).
"""

from __future__ import annotations

import contextlib
import gc
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..config import Config
from ..models import Document, Passage
from .postings import FacetPostings, joined_facets, run_facets
from .schema import FACETS
from .segment import analyse, write_part

if TYPE_CHECKING:
    import numpy as np

    from ..meaning.model import Encoder

RUNS_PER_JOB = 1
"""Runs per worker, at least (the runs are also at most `RUN_DOCUMENTS` long): each run is a
segment that every search goes through, and at 200 reviews four segments made a warm search a
fifth slower than one."""
RUN_DOCUMENTS = 100
"""At most this many documents in a run, in one process too: a run's postings wait (as columns,
a few bytes each) until it is written, and a run of 1,000 reviews held ten million of them (as
tuples then: 2 GB, and a build three times as long)."""

FEW_DOCUMENTS = 16
"""Below this many documents a build asked for no number of processes stays in its own: starting
a worker (Python, Whoosh, numpy, the tokenizer and the model) costs about a second, more than a
few reviews take to prepare."""

Item = tuple[int, Document, Sequence[Passage] | None]
"""A document to prepare: its order base (see `building.DOCUMENT_ORDER`), the document,
and its passages when the caller has them already (else it is read and chunked)."""


@dataclass
class Prepared:
    """A run of documents, prepared: the folder of the index holding their passages as one
    segment (None if they have none), their passages' vectors (rows, None without the model),
    and the acronyms they define. The passages themselves do not travel back: the index has them
    all, as stored."""

    part: Path | None
    passages: int
    vectors: np.ndarray | None
    acronyms: dict[str, tuple[str, ...]]
    facets: FacetPostings
    """Each facet value's passages in the run, numbered from 0 in it."""


def prepare(config: Config, items: Sequence[Item], into: Path, *,
            model: Callable[[], Encoder | None], jobs: int,
            progress: Callable[[int, int], None] | None = None,
            ) -> tuple[list[Prepared], Encoder | None]:
    """Prepare `items` in up to `jobs` processes, each run's segment written into a folder of
    `into`: the runs in order, and the model they were embedded with. `model()` loads it (None
    when it cannot be loaded: then no run uses it), in this process, while the workers start:
    each takes about as long."""
    runs = _runs(items, max(1 if jobs <= 1 else jobs * RUNS_PER_JOB,
                            -(-len(items) // RUN_DOCUMENTS)))
    parts = [into / f"part-{number:04d}" for number in range(len(runs))]
    done = 0
    total = len(items)
    if jobs <= 1 or len(runs) <= 1:
        encoder = model()
        prepared = []
        for run, part in zip(runs, parts, strict=True):
            prepared.append(prepare_run(config, run, encoder is not None, part))
            for _ in run:  # one call per document, as a progress bar counts them
                done += 1
                if progress:
                    progress(done, total)
        return prepared, encoder
    results: list[Prepared | None] = [None] * len(runs)
    workers = min(jobs, len(runs))
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn"),
                               initializer=_worker_started)
    finished = False
    try:
        for _ in range(workers):  # a task that does nothing (`int()`) starts a worker: now
            pool.submit(int)
        encoder = model()
        futures = {pool.submit(prepare_run, config, run, encoder is not None, part): number
                   for number, (run, part) in enumerate(zip(runs, parts, strict=True))}
        for future in as_completed(futures):
            number = futures[future]
            results[number] = future.result()
            for _ in runs[number]:  # one call per document, as a progress bar counts them
                done += 1
                if progress:
                    progress(done, total)
        finished = True
    finally:
        # Done, the workers exit (freeing a run's memory took them a fifth of a second) while
        # the build goes on; failed, the runs still going are waited for, as before.
        pool.shutdown(wait=not finished, cancel_futures=True)
    return [r for r in results if r is not None], encoder


def default_jobs(documents: int) -> int:
    """The processes of a build of `documents` when none were asked for: every core this
    process may use, or one for a few documents."""
    from ..gather import cores

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


def prepare_run(config: Config, run: Sequence[Item], with_model: bool, part: Path) -> Prepared:
    """Read, chunk, tag, embed, infer, analyse and write one run of documents (in a worker),
    its segment into the new folder `part`."""
    with _collector_paused():
        return _prepared(config, run, with_model, part)


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused: a run allocates millions of postings, none of
    them in a cycle, and the collector walked them all again and again (a third of analysing a
    run). What a run makes is freed by reference counting as before."""
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


def _prepared(config: Config, run: Sequence[Item], with_model: bool, part: Path) -> Prepared:
    from .. import corpus  # the readers and the chunker: loaded only when something is built
    from ..acronyms import learn
    from ..meaning import model
    from ..meaning.infer import infer
    from ..passages import chunk

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
    analysed = analyse(passages, orders)
    if passages:
        write_part(part, analysed)
    return Prepared(part if passages else None, len(passages), rows,
                    learn(p.text for p in passages),
                    run_facets(analysed.passages(frozenset(FACETS.values()))))


def _embedded(encoder: Encoder, texts: list[str]) -> np.ndarray:
    """`encoder.embed(texts)`, each distinct word tokenized once (`Encoder.many_token_ids`:
    the same ids, tokenized in a third of the time)."""
    import numpy as np

    from ..meaning.model import BATCH

    ids = encoder.many_token_ids(texts)
    return np.concatenate([encoder.embed_ids(ids[start:start + BATCH])
                           for start in range(0, len(ids), BATCH)])


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


def joined_facets_of(prepared: Sequence[Prepared]) -> FacetPostings:
    """The runs' facets, as the index they make numbers its passages."""
    offsets, offset = [], 0
    for part in prepared:
        offsets.append(offset)
        offset += part.passages
    return joined_facets([(p.facets, o) for p, o in zip(prepared, offsets, strict=True)])


def joined_vectors(prepared: Sequence[Prepared]) -> Any:
    """The runs' vectors as one array, in passage order (None without the model)."""
    import numpy as np

    parts = [p.vectors for p in prepared if p.vectors is not None]
    return np.concatenate(parts) if parts else None
