"""Every crash the properties and the fuzzer found, replayed from its minimal input.

Each file in crashes/ is named `<target>-<what>` and holds the bytes bench/fuzz.py's target of
that name takes (for `query`, a first byte whose parity picks user words or Whoosh's syntax,
then the text). Every file is replayed through its target; the tests below say what each one
must now give.
"""

from __future__ import annotations

import math
import time
from pathlib import Path

import pytest
from bench_modules import load

from search import results
from search.errors import CorpusError
from search.index import OpenIndex
from search.passages import chunk
from search.results import Request, search
from search.sources import read_source

fuzz = load("fuzz")
CRASHES = Path(__file__).resolve().parent / "crashes"
FILES = sorted(CRASHES.iterdir())


def test_every_crash_file_names_its_target() -> None:
    assert FILES
    assert {path.name.split("-", 1)[0] for path in FILES} <= set(fuzz.TARGETS)


@pytest.mark.parametrize("path", FILES, ids=[path.name for path in FILES])
def test_replayed_inputs_give_results_or_a_clear_refusal(
    path: Path, japan_index: OpenIndex, tmp_path: Path
) -> None:
    target = path.name.split("-", 1)[0]
    opened = japan_index if target == "query" else None
    assert fuzz.run_input(target, path.read_bytes(), tmp_path, opened) in ("results", "refused")


def _query(name: str) -> tuple[str, bool]:
    return fuzz.query_input((CRASHES / name).read_bytes())


def test_a_zero_boost_is_raised_to_the_smallest(japan_index: OpenIndex) -> None:
    """`migrants^0` divided by zero inside Whoosh (ZeroDivisionError); it now ranks as a tiny
    boost does, finding what `migrants` finds."""
    text, syntax = _query("query-crash-zero-boost")
    assert (text, syntax) == ("migrants^0", True)
    results = search(japan_index, Request(text=text, syntax=True))
    plain = search(japan_index, Request(text="migrants", syntax=True))
    assert results.total == plain.total > 0
    assert [h.passage.id for h in results.hits] == [h.passage.id for h in plain.hits]
    assert all(0 < h.score < plain.hits[0].score for h in results.hits)


def test_a_not_after_the_last_posting_gives_whooshs_answer(
    japan_index: OpenIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`10 ANDNOT 1 1`: Whoosh's AndNot asks an exhausted postings matcher for its passage, which
    Whoosh's own postings answer and the cached ones raised IndexError on ("the index is
    damaged"). The answer is now Whoosh's own, as without the cache."""
    text, syntax = _query("query-andnot-exhausted")
    assert (text, syntax) == ("10 ANDNOT 1 1", True)
    cached = search(japan_index, Request(text=text, syntax=True))
    monkeypatch.setattr(results, "cached", lambda searcher, q, build: q)
    assert search(japan_index, Request(text=text, syntax=True)) == cached


def test_a_huge_boost_keeps_scores_finite(japan_index: OpenIndex) -> None:
    """`migrants^999…9` (400 nines) scored inf, which is not JSON; boosts now stop at 100."""
    text, syntax = _query("query-infinite-score")
    results = search(japan_index, Request(text=text, syntax=syntax))
    assert results.total > 0
    assert all(math.isfinite(h.score) for h in results.hits)


@pytest.mark.parametrize(("crash", "name", "refusal"), [
    # zipfile raised NotImplementedError ("zip file version 11.0") out of the docx reader.
    ("docx-crash-zip-version-11", "review.docx", "review.docx: not a Word .docx file ("),
    # pypdf raised NotImplementedError ("Unsupported filter /…") out of the PDF reader.
    ("pdf-crash-unknown-stream-filter", "review.pdf", "review.pdf: not a readable PDF ("),
])
def test_a_file_a_library_cannot_read_is_a_corpus_error(tmp_path: Path, crash: str, name: str,
                                                         refusal: str) -> None:
    path = tmp_path / name
    path.write_bytes((CRASHES / crash).read_bytes())
    with pytest.raises(CorpusError) as raised:
        read_source(path)
    assert raised.value.message.startswith(refusal)


def test_tagging_thousands_of_untagged_paragraphs_is_linear() -> None:
    """Each untagged passage looked back through every earlier one for objectives to inherit:
    the time grew with the square of their number: 8,000 lines "1. x" took 9 s, and 300,000 did
    not finish in 10 minutes. 20,000 now take about a second."""
    text = "1. x\n" * 20_000
    started = time.monotonic()
    passages = chunk(fuzz.fuzz_document(), text)
    assert len(passages) == 19_999  # the first line is the document's title
    assert time.monotonic() - started < 15


def test_a_row_left_open_around_another_is_read_row_by_row(tmp_path: Path) -> None:
    """html.parser nests "<tr><p><tr>" as tr > p > tr: the inner row's end left the <p> to close
    outside any row, and it popped a paragraph hint it never pushed (IndexError)."""
    path = tmp_path / "rows.html"
    path.write_bytes(b"<tr><p>first<tr>second</tr></p></tr><p>After the table.</p>")
    source = read_source(path)
    assert [(source.text[s:e], block.hint) for block in source.blocks for s, e in block.spans] \
        == [("first", "table_row"), ("second", "table_row"), ("After the table.", "paragraph")]
