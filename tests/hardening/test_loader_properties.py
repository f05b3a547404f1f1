"""Hostile files against every reader, through `read_source` and through `gcm-search add`.

Whatever a file holds (random bytes, a good file cut short or with bytes changed, one format
under another's extension, an empty file, a zip bomb, billion laughs in a .docx, a PDF whose
xref is broken, that is encrypted, or whose page inflates to 150 MB), reading it gives a
`Source` whose blocks and passages point into its text, or a one-line `CorpusError` naming the
file. The risky files also go through the CLI in a child process with a memory cap and a
timeout: one "Error:" line or a success, never a traceback, a hang or unbounded memory.

The good and hostile sample files are the fuzzer's seeds (bench/fuzz.py `sample_files()`).
"""

from __future__ import annotations

import io
import os
import resource
import shutil
import subprocess
import sys
import threading
import zipfile
import zlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from bench_modules import load
from cli_checks import one_line_error
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from search.blocks import join
from search.config import Config
from search.errors import BadInput, CorpusError
from search.index import build
from search.models import Document
from search.passages import chunk
from search.sources import Source, read_source, readers

fuzz = load("fuzz")
SAMPLES: dict[str, bytes] = fuzz.sample_files()
SUFFIXES = sorted(readers())
DOCUMENT = Document(id="hostile", file="input", title="Hostile", country="Japan", iso3="JPN",
                    year=2022, author="tests")
BOUNDED = settings(max_examples=120, deadline=timedelta(seconds=10), database=None,
                   suppress_health_check=[HealthCheck.too_slow])
MB = 1024 * 1024


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("hostile")


def outcome(path: Path) -> Source | CorpusError | BadInput:
    """Read and chunk `path`: a source whose spans hold, or a one-line error naming the file."""
    try:
        source = read_source(path)
    except (CorpusError, BadInput) as error:
        assert path.name in error.message, error.message
        assert "\n" not in str(error)
        return error
    text = source.text
    for block in source.blocks:
        assert all(0 <= start <= end <= len(text) for start, end in block.spans)
    passages = chunk(DOCUMENT, text, source.blocks)
    for passage in passages:
        assert join(text, passage.spans) == passage.text
    return source


def saved(folder: Path, data: bytes, suffix: str, stem: str = "input") -> Path:
    path = folder / f"{stem}{suffix}"
    path.write_bytes(data)
    return path


@BOUNDED
@given(data=st.binary(max_size=4096), suffix=st.sampled_from(SUFFIXES))
def test_random_bytes_under_every_suffix(workdir: Path, data: bytes, suffix: str) -> None:
    outcome(saved(workdir, data, suffix))


@BOUNDED
@given(name=st.sampled_from(sorted(SAMPLES)), share=st.floats(0, 1))
def test_samples_cut_short(workdir: Path, name: str, share: float) -> None:
    data = SAMPLES[name]
    outcome(saved(workdir, data[: int(len(data) * share)], Path(name).suffix))


@BOUNDED
@given(name=st.sampled_from(sorted(n for n, data in SAMPLES.items() if data)),
       changes=st.lists(st.tuples(st.integers(0, 1 << 20), st.integers(0, 255)),
                        min_size=1, max_size=30))
def test_samples_with_changed_bytes(workdir: Path, name: str,
                                    changes: list[tuple[int, int]]) -> None:
    data = bytearray(SAMPLES[name])
    for position, value in changes:
        data[position % len(data)] = value
    outcome(saved(workdir, bytes(data), Path(name).suffix))


TAGS = ("p", "tr", "td", "th", "table", "ul", "ol", "li", "h1", "h3", "pre", "br", "div",
        "header", "main", "nav", "script", "span", "b", "html", "body")
HTML_TOKEN = st.one_of(
    st.sampled_from(TAGS).map("<{}>".format),
    st.sampled_from(TAGS).map("</{}>".format),
    st.text(max_size=12),
    st.sampled_from(['<p hidden>', '<li value="x">', '<li value="-7">', '<ol type="i" start="0">',
                     '<ol type="A" start="99999999999">', "&amp;", "&#0;", "&#xD800;", "&bogus;",
                     "<!-- c -->", "<![CDATA[x]]>", "<!DOCTYPE html>", "<?pi?>", "\xad",
                     '<meta charset="bogus">', '<div style="display:none">']),
)


@BOUNDED
@given(tokens=st.lists(HTML_TOKEN, max_size=40))
def test_tag_soup(workdir: Path, tokens: list[str]) -> None:
    """Unclosed, misnested and stray tags (found: "<tr><p><tr>" popped a hint never pushed)."""
    outcome(saved(workdir, "".join(tokens).encode(), ".html"))


# What each sample gives under its own suffix: passages, or the refusal that names the problem.
EXPECTED = {
    "review.txt": None, "cp1252.txt": None, "utf16.txt": None, "review.html": None,
    "unclosed.html": None, "review.docx": None, "review.pdf": None, "broken-xref.pdf": None,
    "empty.txt": None,
    "laughs.docx": "laughs.docx: not a Word .docx file (",
    "encrypted.pdf": "encrypted.pdf: encrypted PDF",
    "truncated.pdf": "truncated.pdf: not a readable PDF (cut short?",
}


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_each_sample_under_its_own_suffix(tmp_path: Path, name: str) -> None:
    result = outcome(saved(tmp_path, SAMPLES[name], Path(name).suffix, Path(name).stem))
    expected = EXPECTED[name]
    if expected is None:
        assert isinstance(result, Source)
        if name != "empty.txt":
            assert chunk(DOCUMENT, result.text, result.blocks)
    else:
        assert isinstance(result, CorpusError)
        assert result.message.startswith(expected)


@pytest.mark.parametrize("suffix", [".txt", ".html", ".pdf", ".docx"])
@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_every_sample_under_every_suffix(tmp_path: Path, name: str, suffix: str) -> None:
    """A wrong extension (a PDF named .docx, a Word file named .txt …) is refused or read."""
    result = outcome(saved(tmp_path, SAMPLES[name], suffix, Path(name).stem))
    binary = Path(name).suffix in (".pdf", ".docx")
    if binary and suffix != Path(name).suffix:
        assert isinstance(result, CorpusError)


def test_billion_laughs_are_not_expanded(tmp_path: Path) -> None:
    error = outcome(saved(tmp_path, SAMPLES["laughs.docx"], ".docx", "laughs"))
    assert isinstance(error, CorpusError)
    assert "amplification" in error.message or "entit" in error.message.lower()


# --- the risky ones, through the CLI, in a child with a memory cap ----------------------------

MEMORY_CAP = 1536 * MB
"""Address space the child may map (RLIMIT_AS): Python, Whoosh and pypdf take a few hundred MB."""
PEAK_RSS_MB = 400
CLI_SECONDS = 60


def _zip_bomb() -> bytes:
    """Twelve members of 50 MB of spaces each: under the per-part limit, 600 MB in all."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
        block = b" " * MB
        for number in range(12):
            with archive.open(f"word/media/part{number}.bin", "w", force_zip64=True) as member:
                for _ in range(50):
                    member.write(block)
    return out.getvalue()


def _pdf(stream: bytes, filters: bytes = b"/FlateDecode") -> bytes:
    """A one-page PDF, written by hand with a correct xref, whose page content is `stream`."""
    objects = [
        b"<</Type/Catalog/Pages 2 0 R>>",
        b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
        b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]/Contents 4 0 R"
        b"/Resources<</Font<</F1 5 0 R>>>>>>",
        b"<</Length %d/Filter%s>>stream\n%s\nendstream" % (len(stream), filters, stream),
        b"<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.writelines(b"%010d 00000 n \n" % offset for offset in offsets)
    out.write(b"trailer<</Size %d/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n"
              % (len(objects) + 1, xref))
    return out.getvalue()


def _flate_bomb() -> bytes:
    """A page whose content inflates to 150 MB (it compresses to about 150 kB)."""
    squeezer = zlib.compressobj(9)
    parts = [squeezer.compress(b"BT /F1 12 Tf 72 700 Td (Objective 10) Tj ET\n")]
    spaces = b" " * MB
    parts.extend(squeezer.compress(spaces) for _ in range(150))
    parts.append(squeezer.flush())
    return _pdf(b"".join(parts))


# File name -> (its bytes, made when the test runs; the start of its one-line error, or None if
# it is read).
HOSTILE: dict[str, tuple[Callable[[], bytes], str | None]] = {
    "bomb.docx": (_zip_bomb, "Error: bomb.docx: unpacks to 600 MB, more than the 500 MB"),
    "laughs.docx": (lambda: SAMPLES["laughs.docx"], "Error: laughs.docx: not a Word .docx file ("),
    "flate-bomb.pdf": (_flate_bomb, "Error: flate-bomb.pdf: not a readable PDF ("),
    "encrypted.pdf": (lambda: SAMPLES["encrypted.pdf"], "Error: encrypted.pdf: encrypted PDF"),
    "broken-xref.pdf": (lambda: SAMPLES["broken-xref.pdf"], None),
    "nested.pdf": (lambda: _pdf(b"[" * 100_000 + b"]" * 100_000, b"[]"),
                   "Error: nested.pdf: not a readable PDF ("),
    "pdf-as.docx": (lambda: SAMPLES["review.pdf"], "Error: pdf-as.docx: not a Word .docx file"),
    "docx-as.txt": (lambda: SAMPLES["review.docx"], "Error: docx-as.txt: not a text file"),
    "junk.html": (lambda: bytes(range(256)) * 64, "Error: junk.html: not a text file"),
    "empty.txt": (lambda: b"", "Error: empty.txt: no paragraphs of text were found"),
    "nested.html": (lambda: b"<div>" * 5_000 + b"<p>Japan works on objective 10.</p>", None),
    # Thousands of numbered paragraphs: tagging them was quadratic (test_regressions.py).
    "numbered.txt": (lambda: b"".join(b"%d. x\n" % (n % 900 + 1) for n in range(3_000)), None),
}


@pytest.fixture(scope="module")
def cli_config(tmp_path_factory: pytest.TempPathFactory) -> Config:
    base = tmp_path_factory.mktemp("hostile-cli")
    shutil.copytree(Path(__file__).resolve().parents[2] / "corpus", base / "corpus")
    config = Config(corpus=base / "corpus", index=base / "index")
    build(config)
    return config


def _capped() -> None:  # in the child, before it runs gcm-search
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


@dataclass(frozen=True)
class Run:
    returncode: int
    stdout: str
    stderr: str
    peak_rss_mb: int
    timed_out: bool


def run_capped(command: list[str], seconds: float) -> Run:
    """Run `command` under MEMORY_CAP, killed after `seconds`; with the child's own peak RSS
    (from wait4, which the subprocess module does not give)."""
    env = {k: v for k, v in os.environ.items() if k != "GCM_SEARCH_DEBUG"}
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                               preexec_fn=_capped)
    assert process.stdout is not None and process.stderr is not None
    timer = threading.Timer(seconds, process.kill)
    timer.start()
    try:
        with ThreadPoolExecutor(2) as pool:
            out, err = pool.submit(process.stdout.read), pool.submit(process.stderr.read)
            stdout, stderr = out.result(), err.result()
        _, status, usage = os.wait4(process.pid, 0)
    finally:
        timed_out = not timer.is_alive()
        timer.cancel()
        process.stdout.close()
        process.stderr.close()
    process.returncode = os.waitstatus_to_exitcode(status)
    return Run(process.returncode, stdout.decode(errors="replace"),
               stderr.decode(errors="replace"), usage.ru_maxrss // 1024, timed_out)


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_files_through_gcm_search_add(cli_config: Config, tmp_path: Path,
                                              name: str) -> None:
    make, expected = HOSTILE[name]
    path = saved(tmp_path, make(), Path(name).suffix, Path(name).stem)
    run = run_capped([sys.executable, "-m", "search", "add", str(path),
                      "--corpus", str(cli_config.corpus), "--index-dir", str(cli_config.index),
                      "--country", "Japan", "--year", "2022",
                      "--id", f"hostile-{Path(name).stem}"], CLI_SECONDS)
    assert not run.timed_out, f"gcm-search add {name} ran past {CLI_SECONDS} s"
    assert "Traceback" not in run.stderr + run.stdout
    if expected is None:
        assert run.returncode == 0, run.stderr
        assert "hostile-" in run.stdout
    else:
        assert run.returncode != 0
        line = one_line_error(run)  # type: ignore[arg-type]
        assert line.startswith(expected), line
        assert "unexpected" not in line
    assert run.peak_rss_mb < PEAK_RSS_MB, f"{name}: {run.peak_rss_mb} MB"
