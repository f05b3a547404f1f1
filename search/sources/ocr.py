"""OCR: the pages of a scanned PDF -> their text, read by Tesseract, and kept beside the PDF.

Place in the flow: `recognise()` is run once, when a scanned review is added (`add --ocr`); it
renders the listed pages with pypdfium2 and reads them with Tesseract through pytesseract, line by
line and paragraph by paragraph as Tesseract lays the page out. The corpus keeps the result in a
sidecar file beside the PDF (`review.pdf.ocr.json`, `save()`/`load()`), and the PDF reader
(`pdf_reader.read`) takes the text of its pages without a text layer from it, so rebuilding the
index reads the same text every time and never runs OCR again.

Why these two libraries (bench/OCR.md has the figures): pytesseract is a thin wrapper over the
`tesseract` command that gives each word's block, paragraph and line numbers, which is what the
reader needs to rebuild paragraphs; ocrmypdf reads as well (it runs the same Tesseract) but makes a
new PDF and needs far more installed. pypdfium2 renders any page (an image, vector drawings, both)
as a viewer shows it, whereas taking the scanned image out of the page with pypdf misses pages
drawn any other way and leaves crops, rotations and masks to us.

Nothing here prints; every failure a user can meet is a `CorpusError` with a hint.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import BadInput, CorpusError

__all__ = ["INSTALL", "LANGUAGES", "OcrText", "ScannedPdf", "digest", "draws_image", "load",
           "page_ranges", "recognise", "save", "sidecar"]

LANGUAGES = "eng+fra+spa"
"""Tesseract's languages for the reviews: English, French and Spanish."""
INSTALL = "apt install tesseract-ocr tesseract-ocr-eng tesseract-ocr-fra tesseract-ocr-spa"
_MAC = "brew install tesseract tesseract-lang"

_DPI = 300
"""Tesseract reads best at about 300 dots per inch (its documentation's advice)."""
_MAX_PIXELS = 7000
"""A page's longer side is rendered at most this many pixels (a poster-sized page would not fit
in memory at 300 dpi)."""
_TIMEOUT = 300
"""Seconds Tesseract may take over one page before it is given up."""
_LANGUAGE = re.compile(r"^[A-Za-z_]+(?:\+[A-Za-z_]+)*$")
_WORD = re.compile(r"\w")
_FORMAT = "gcm-search OCR text"
_SUFFIX = ".ocr.json"

Paragraphs = tuple[tuple[str, ...], ...]
"""A page's paragraphs, each a tuple of lines, in reading order."""


class ScannedPdf(CorpusError):
    """A PDF whose text is (partly) only in images: `pages` are the 1-based pages that have no
    text layer. The message names them and the hint names the `--ocr` flag."""

    def __init__(self, name: str, pages: Sequence[int]) -> None:
        self.pages = tuple(pages)
        which = page_ranges(self.pages)
        super().__init__(
            f"{name}: no text layer on page{'s' if len(self.pages) > 1 else ''} {which} "
            "(a scanned PDF)",
            "add it with --ocr to read it with Tesseract")


@dataclass(frozen=True)
class OcrText:
    """What Tesseract read on the scanned pages of one PDF."""

    engine: str
    """Which engine read it, with its version: "tesseract 5.3.0"."""
    languages: str
    """Tesseract's language codes, joined with "+": "eng+fra+spa"."""
    pages: dict[int, Paragraphs]
    """1-based page number -> paragraphs -> lines, in reading order."""
    sha256: str = ""
    """The SHA-256 of the PDF read, so that text left beside another file is not taken for its
    text ("" when unknown: then it is not checked)."""

    def to_json(self) -> str:
        return json.dumps({
            "format": _FORMAT, "version": 1, "engine": self.engine, "languages": self.languages,
            "sha256": self.sha256,
            "pages": {str(number): [list(lines) for lines in paragraphs]
                      for number, paragraphs in sorted(self.pages.items())},
        }, ensure_ascii=False, indent=1) + "\n"

    @classmethod
    def from_json(cls, text: str) -> OcrText:
        """The inverse of `to_json`; a `CorpusError` if the text is not one (damaged, cut short,
        edited by hand)."""
        try:
            data = json.loads(text)
            if not isinstance(data, dict) or data.get("format") != _FORMAT:
                raise ValueError("not gcm-search OCR text")
            if data.get("version") != 1:
                raise ValueError(f"unknown version {data.get('version')!r}")
            pages = {_page_number(key): _paragraphs(value)
                     for key, value in _typed(data["pages"], dict).items()}
            return cls(_typed(data["engine"], str), _typed(data["languages"], str), pages,
                       _typed(data.get("sha256", ""), str))
        except (ValueError, KeyError, TypeError, RecursionError) as exc:
            raise CorpusError(f"damaged OCR text ({exc})",
                              "delete it and add the PDF again with --ocr") from exc


def _typed(value: Any, kind: type) -> Any:
    if not isinstance(value, kind):
        raise TypeError(f"expected {kind.__name__}, found {type(value).__name__}")
    return value


def _page_number(key: str) -> int:
    if not key.isdigit() or int(key) < 1:
        raise ValueError(f"bad page number {key!r}")
    return int(key)


def _paragraphs(value: Any) -> Paragraphs:
    return tuple(tuple(_typed(line, str) for line in _typed(lines, list))
                 for lines in _typed(value, list))


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def page_ranges(pages: Sequence[int]) -> str:
    """1, 2, 3, 5 -> "1-3, 5"."""
    runs: list[list[int]] = []
    for page in sorted(set(pages)):
        if runs and page == runs[-1][-1] + 1:
            runs[-1].append(page)
        else:
            runs.append([page])
    return ", ".join(f"{run[0]}-{run[-1]}" if len(run) > 1 else str(run[0]) for run in runs)


def draws_image(page: Any) -> bool:
    """Whether a pypdf page paints an image (an image XObject, in its resources or a form's, or
    an inline image in its content): a page without text that does is a scanned page."""
    if _has_image(page.get("/Resources"), 0):
        return True
    contents = page.get_contents()
    return contents is not None and re.search(rb"\bBI\b", contents.get_data()) is not None


def _has_image(resources: Any, depth: int) -> bool:
    if resources is None or depth > 5:  # forms may nest, or loop in a damaged file
        return False
    xobjects = resources.get_object().get("/XObject")
    if xobjects is None:
        return False
    for reference in xobjects.get_object().values():
        xobject = reference.get_object()
        subtype = xobject.get("/Subtype")
        if subtype == "/Image" or (subtype == "/Form"
                                   and _has_image(xobject.get("/Resources"), depth + 1)):
            return True
    return False


# --- the sidecar ------------------------------------------------------------------------------


def sidecar(path: Path) -> Path:
    """Where a corpus keeps the OCR text of the PDF at `path`: beside it, "review.pdf.ocr.json"."""
    return path.with_name(path.name + _SUFFIX)


def _sidecar_of(path: Path) -> Path:
    # Given the sidecar itself rather than its PDF, use it as it is (never "….ocr.json.ocr.json").
    return path if path.name.endswith(_SUFFIX) else sidecar(path)


def save(ocr: OcrText, path: Path) -> Path:
    """Write the OCR text of the PDF at `path` (or to `path` itself if it is a sidecar's name)
    all at once: a reader sees the old file or the new one, never half of one. Returns where."""
    target = _sidecar_of(path)
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(ocr.to_json())
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, target)
    except OSError as exc:
        Path(temporary).unlink(missing_ok=True)
        raise CorpusError(f"{target.name}: cannot be written: {exc.strerror or exc}") from exc
    return target


def load(path: Path) -> OcrText | None:
    """The OCR text kept beside the PDF at `path` (or in `path` itself if it is a sidecar's name),
    or None if there is none; a `CorpusError` naming the file if it is damaged."""
    source = _sidecar_of(path)
    try:
        text = source.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise CorpusError(f"{source.name}: cannot be read: {reason}") from exc
    try:
        return OcrText.from_json(text)
    except CorpusError as exc:
        raise CorpusError(f"{source.name}: {exc.message}", exc.hint) from exc


# --- reading the pages ------------------------------------------------------------------------


def recognise(path: Path, pages: Sequence[int], languages: str = LANGUAGES) -> OcrText:
    """Render each of `pages` (1-based) of the PDF at `path` and read it with Tesseract in
    `languages` ("eng", "fra+eng", …). A `CorpusError` with the install command if Tesseract or
    one of the languages is missing, or if the PDF cannot be rendered; never a traceback."""
    if not _LANGUAGE.match(languages):
        raise BadInput(f"{languages!r} is not a list of Tesseract languages",
                       "give codes joined with +, as eng+fra+spa")
    pytesseract = _pytesseract()
    engine = _engine(pytesseract, languages)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CorpusError(f"{path.name}: cannot be read: {exc.strerror or exc}") from exc
    workers = max(1, min(len(pages), os.cpu_count() or 1))
    read: dict[int, Paragraphs] = {}
    # Pages are rendered one at a time (PDFium is not thread-safe) and read by one Tesseract
    # each, as many at once as there are processors; at most two pages a worker wait rendered.
    with _one_thread_each(), ThreadPoolExecutor(workers) as pool:
        waiting: deque[tuple[int, Future[Paragraphs]]] = deque()
        for number, image in _render(path.name, data, pages):
            if len(waiting) >= 2 * workers:
                done, future = waiting.popleft()
                read[done] = future.result()
            waiting.append((number, pool.submit(_read_page, pytesseract, path.name, number,
                                                image, languages)))
        for done, future in waiting:
            read[done] = future.result()
    return OcrText(engine, languages, dict(sorted(read.items())), digest(data))


@contextmanager
def _one_thread_each() -> Iterator[None]:
    """Tesseract's own threads (OpenMP) make it slower, not faster (bench/OCR.md: 2.15 s against
    0.81 s a page on two processors); pages read side by side use the processors instead. Unless
    the user set it, OMP_THREAD_LIMIT=1 for the Tesseracts started meanwhile (pytesseract passes
    them this process's environment, and takes no other)."""
    if "OMP_THREAD_LIMIT" in os.environ:
        yield
        return
    os.environ["OMP_THREAD_LIMIT"] = "1"
    try:
        yield
    finally:
        os.environ.pop("OMP_THREAD_LIMIT", None)


def _pytesseract() -> Any:
    try:
        import pytesseract
    except ImportError as exc:  # a dependency, but say so if it is missing
        raise CorpusError("cannot run OCR: pytesseract is not installed",
                          "pip install pytesseract") from exc
    return pytesseract


def _engine(pytesseract: Any, languages: str) -> str:
    """"tesseract 5.3.0", after checking that Tesseract runs and has every language asked for."""
    try:
        version = pytesseract.get_tesseract_version()
        known = set(pytesseract.get_languages(config=""))
    except (pytesseract.TesseractNotFoundError, OSError) as exc:
        raise CorpusError("cannot run OCR: Tesseract is not installed (or not on the PATH)",
                          f"{INSTALL}; on macOS, {_MAC}") from exc
    except SystemExit as exc:  # what pytesseract raises for a version it does not know
        raise CorpusError(f"cannot run OCR: an unknown Tesseract ({_first_line(exc)})",
                          f"gcm-search needs Tesseract 4 or later: {INSTALL}") from exc
    except (RuntimeError, ValueError) as exc:  # TesseractError is a RuntimeError
        raise CorpusError(f"cannot run OCR: Tesseract does not start ({_first_line(exc)})",
                          f"reinstall it: {INSTALL}") from exc
    missing = [code for code in languages.split("+") if code not in known]
    if missing:
        packages = " ".join(f"tesseract-ocr-{code.lower().replace('_', '-')}" for code in missing)
        raise CorpusError(
            f"cannot run OCR: Tesseract has no {', '.join(missing)} language data "
            f"(it has {', '.join(sorted(known - {'osd'})) or 'none'})",
            f"apt install {packages}; on macOS, {_MAC}")
    return f"tesseract {version}"


def _render(name: str, data: bytes, pages: Sequence[int]) -> Any:
    """(page number, greyscale image) for each page, rendered as a viewer shows it."""
    try:
        import pypdfium2 as pdfium
    except ImportError as exc:
        raise CorpusError("cannot run OCR: pypdfium2 is not installed",
                          "pip install pypdfium2") from exc
    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise CorpusError(f"{name}: cannot be rendered for OCR ({_first_line(exc)})") from exc
    try:
        for number in pages:
            if not 1 <= number <= len(document):
                raise CorpusError(f"{name}: has no page {number} (it has {len(document)})")
            page = document[number - 1]
            try:
                width, height = page.get_size()
                scale = min(_DPI / 72, _MAX_PIXELS / max(width, height, 1.0))
                image = page.render(scale=scale, grayscale=True).to_pil()
            except pdfium.PdfiumError as exc:
                raise CorpusError(f"{name}: page {number} cannot be rendered for OCR "
                                  f"({_first_line(exc)})") from exc
            finally:
                page.close()
            yield number, image
    finally:
        document.close()


def _read_page(pytesseract: Any, name: str, number: int, image: Any,
               languages: str) -> Paragraphs:
    """Tesseract's words, grouped into its lines and those into its paragraphs."""
    try:
        found = pytesseract.image_to_data(image, lang=languages, timeout=_TIMEOUT,
                                          output_type=pytesseract.Output.DICT)
    except (pytesseract.TesseractError, OSError) as exc:
        raise CorpusError(f"{name}: Tesseract failed on page {number} ({_first_line(exc)})",
                          f"check its installation: {INSTALL}") from exc
    except RuntimeError as exc:  # pytesseract's timeout (TesseractError is one too: above)
        raise CorpusError(f"{name}: Tesseract gave up on page {number} ({_first_line(exc)})",
                          "the page may be too large or too noisy to read") from exc
    return group(found)


def group(found: dict[str, list[Any]]) -> Paragraphs:
    """pytesseract's `image_to_data` table (one row per word, with its block, paragraph and line
    numbers) -> paragraphs of lines. Lines without a letter or digit are dropped: they are specks,
    rules and borders read as "|" or "—"."""
    paragraphs: dict[tuple[int, int], dict[int, list[str]]] = {}
    for level, block, paragraph, line, word in zip(
        found["level"], found["block_num"], found["par_num"], found["line_num"], found["text"],
        strict=True,
    ):
        word = str(word).strip()
        if int(level) == 5 and word:
            lines = paragraphs.setdefault((int(block), int(paragraph)), {})
            lines.setdefault(int(line), []).append(word)
    out = []
    for lines in paragraphs.values():
        kept = tuple(" ".join(words) for words in lines.values())
        kept = tuple(text for text in kept if _WORD.search(text))
        if kept:
            out.append(kept)
    return tuple(out)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    first = text.splitlines()[0] if text else type(exc).__name__
    return first if len(first) <= 120 else first[:117] + "..."
