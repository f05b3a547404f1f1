"""Downloading a review: a URL -> one checked file in a folder, for `gcm-search add https://…`.

`download()` fetches http and https URLs only, with urllib (the standard library's client), under
a size cap, a timeout on every connect and read, an overall deadline and a cap on redirects. The
file's type is sniffed from its bytes (`sniff()`), never from its name; the server's Content-Type
is only a hint when the bytes could be HTML or plain text. What comes back (`Downloaded`) says
where the file is, the URL and the access date the catalog keeps, and which reader will read it.

Every failure is one `BadInput` line that names the URL, and leaves nothing in the folder. Nothing
here parses the file: the readers do that once it is added.
"""

from __future__ import annotations

import codecs
import contextlib
import http.client
import importlib.metadata
import io
import os
import re
import tempfile
import time
import unicodedata
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timezone
from http import HTTPStatus
from pathlib import Path
from urllib.parse import quote, unquote, urljoin, urlsplit, urlunsplit

from ..errors import BadInput, CorpusError
from .encoding import decode

__all__ = ["DEADLINE", "MAX_BYTES", "MAX_REDIRECTS", "SUFFIXES", "TIMEOUT", "Downloaded",
           "Unreadable", "download", "is_url", "sniff"]

MAX_BYTES = 100 * 1024 * 1024
TIMEOUT = 30.0
"""Seconds allowed for each connect and each read."""
MAX_REDIRECTS = 5
DEADLINE = 600.0
"""Seconds allowed for the whole download: a server that trickles a byte at a time never trips
the per-read timeout. 100 MiB in 10 minutes is 170 KiB/s, slower than any real link."""

SUFFIXES = (".pdf", ".docx", ".html", ".txt")
SCHEMES = ("http", "https")
_CHUNK = 64 * 1024
_REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})
# Two letters at least, so that a Windows path ("C://…") is never taken for a URL.
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]+://")
_HTML_TAG = re.compile(rb"<!doctype\s+html|<html[\s>]|<head[\s>]|<body[\s>]", re.IGNORECASE)
_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
_READABLE = "gcm-search reads PDF, Word (.docx), HTML and plain text"
_RESAVE = "save it as PDF or .docx and add that file"
# Formats that are often mistaken for reviews, by their first bytes: named in the refusal.
# RTF and PostScript are listed because they would otherwise pass for plain text.
_MAGIC: tuple[tuple[bytes, str, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "PNG image data", _READABLE),
    (b"\xff\xd8\xff", "JPEG image data", _READABLE),
    (b"GIF87a", "GIF image data", _READABLE),
    (b"GIF89a", "GIF image data", _READABLE),
    (b"\x1f\x8b", "gzip-compressed data", _READABLE),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive", _READABLE),
    (b"Rar!", "a RAR archive", _READABLE),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Office file (Word .doc, Excel .xls)", _RESAVE),
    (b"{\\rtf", "an RTF document", _RESAVE),
    (b"%!PS", "PostScript", _RESAVE),
    (b"\x7fELF", "a program (ELF)", _READABLE),
    (b"MZ", "a Windows program", _READABLE),
)
_WINDOWS_RESERVED = frozenset({"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)),
                               *(f"LPT{i}" for i in range(1, 10))})


def _user_agent() -> str:
    try:
        return f"gcm-search/{importlib.metadata.version('gcm-search')}"
    except importlib.metadata.PackageNotFoundError:
        return "gcm-search"


USER_AGENT = _user_agent()


@dataclass(frozen=True)
class Downloaded:
    """A downloaded file, checked to be one that a reader can read."""

    path: Path
    url: str
    """The URL as given: what the catalog keeps and citations carry."""
    final_url: str
    """Where the file came from after redirects."""
    accessed: str
    """The UTC date of the download, YYYY-MM-DD."""
    suffix: str
    """".pdf", ".docx", ".html" or ".txt", from the file's bytes."""
    size: int


class Unreadable(Exception):
    """The bytes are none of the readable types: what they are, and what to do."""

    def __init__(self, what: str, hint: str = _READABLE) -> None:
        super().__init__(what)
        self.what = what
        self.hint = hint


def is_url(text: str) -> bool:
    """True for anything with a scheme ("https://…", "ftp://…", "file://…"): `add` then refuses
    a scheme it does not fetch, rather than looking for a file of that name."""
    return _SCHEME.match(text.strip()) is not None


def download(
    url: str,
    folder: Path,
    *,
    max_bytes: int = MAX_BYTES,
    timeout: float = TIMEOUT,
    max_redirects: int = MAX_REDIRECTS,
    deadline: float = DEADLINE,
    today: Callable[[], date] | None = None,
) -> Downloaded:
    """Fetch `url` into a new file in `folder` (which must exist), named after the URL's last
    path segment with the suffix its bytes call for; raise `BadInput` naming the URL on any
    failure, leaving nothing behind."""
    url = url.strip()
    shown = _shown(url)
    current = _request_url(url, shown)
    opener = urllib.request.build_opener(_NoRedirects)
    ends = time.monotonic() + deadline
    redirects = 0
    while True:
        response, location = _request(opener, current, shown, timeout)
        if response is not None:
            break
        if redirects == max_redirects:
            raise BadInput(f"{shown}: more than {max_redirects} redirects",
                           "the server may be sending the request round in a loop")
        if time.monotonic() > ends:
            raise BadInput(f"{shown}: no file within {deadline:g} s ({redirects + 1} redirects)",
                           "try again later")
        redirects += 1
        current = _request_url(urljoin(current, location or ""), shown, redirected=True)
    with contextlib.closing(response):
        if response.length is not None and response.length > max_bytes:
            # Refused on the server's word, before a byte of the body is read.
            raise BadInput(f"{shown}: larger than the {_size(max_bytes)} cap "
                           f"(the server says {_size(response.length)})",
                           "download it yourself and add the file if it really is a review")
        accessed = (today or _utc_today)().isoformat()
        # get_content_type() says "text/plain" when there is no header: a hint only if sent.
        declared = response.headers.get("Content-Type")
        content_type = response.headers.get_content_type() if declared else ""
        charset = response.headers.get_content_charset()
        partial, size = _stream(response, folder, shown, max_bytes, timeout, deadline, ends)
    try:
        data = partial.read_bytes()
        try:
            suffix = sniff(data, content_type=content_type, charset=charset)
        except Unreadable as exc:
            raise BadInput(f"{shown}: not a PDF, Word, HTML or text file ({exc.what})",
                           exc.hint) from None
        target = _free_path(folder, _stem(current) or _stem(url) or "download", suffix)
        partial.rename(target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return Downloaded(path=target, url=url, final_url=current, accessed=accessed, suffix=suffix,
                      size=size)


def sniff(data: bytes, *, content_type: str = "", charset: str | None = None) -> str:
    """Which reader a file's bytes are for: ".pdf", ".docx", ".html" or ".txt".

    The bytes decide: a PDF served as text/html is a PDF. `content_type` (the server's, without
    parameters) only settles markup that could be HTML or text; `charset` helps decode text.
    Raises `Unreadable` saying what the bytes are instead.
    """
    if not data:
        raise Unreadable("the server sent an empty file", "check the address")
    start = data[:1024].lstrip()
    if start.startswith(b"%PDF-"):
        return ".pdf"
    if data.startswith(b"PK\x03\x04"):
        return _docx(data)
    for magic, what, hint in _MAGIC:
        if data.startswith(magic):
            raise Unreadable(f"it starts with {what}", hint)
    head = _markup_head(data)
    if head.startswith(b"<") and (_HTML_TAG.search(head) or content_type in _HTML_TYPES):
        return ".html"
    try:
        decode(data, "download", declared=charset)
    except CorpusError:
        raise Unreadable("it is binary data") from None
    return ".txt"


def _docx(data: bytes) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError):
        raise Unreadable("it starts like a ZIP archive but is damaged") from None
    if "word/document.xml" not in names:
        raise Unreadable("it is a ZIP archive but not a Word .docx: no word/document.xml")
    return ".docx"


def _markup_head(data: bytes) -> bytes:
    """The first KiB after any byte order mark and leading whitespace, as ASCII-ish bytes."""
    for bom, codec in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
                       (codecs.BOM_UTF16_BE, "utf-16-be")):
        if data.startswith(bom):
            # Markup's tags are ASCII, so UTF-16 is re-encoded to find them.
            text = data[len(bom) : 4096].decode(codec, errors="ignore")
            return text.encode("utf-8", errors="ignore").lstrip()[:1024]
    return data[:4096].lstrip()[:1024]


# ---- HTTP ---------------------------------------------------------------------------------------

class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """Redirects come back as `HTTPError`s, so that `download` counts them and checks each
    target's scheme itself (urllib would follow up to 10, and to ftp:// too)."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
        return None


def _request(
    opener: urllib.request.OpenerDirector, url: str, shown: str, timeout: float
) -> tuple[http.client.HTTPResponse | None, str | None]:
    """The response to a GET of `url`, or (None, where it redirects to)."""
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    try:
        return opener.open(request, timeout=timeout), None
    except urllib.error.HTTPError as exc:
        with contextlib.closing(exc):
            location = exc.headers.get("Location") if exc.code in _REDIRECT_CODES else None
            if location:
                return None, location
            raise BadInput(f"{shown}: the server answered {exc.code} {_phrase(exc)}",
                           _status_hint(exc.code)) from None
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, TimeoutError):
            raise _no_answer(shown, timeout) from None
        raise BadInput(f"{shown}: could not connect ({_reason(exc.reason)})",
                       "check the address and the network connection") from None
    except TimeoutError:
        raise _no_answer(shown, timeout) from None
    except (OSError, ValueError, http.client.HTTPException) as exc:
        raise BadInput(f"{shown}: the download failed ({_reason(exc)})") from None


def _stream(
    response: http.client.HTTPResponse, folder: Path, shown: str, max_bytes: int,
    timeout: float, deadline: float, ends: float,
) -> tuple[Path, int]:
    """The body, written to a hidden temporary file in `folder`: its path and size. Reading stops
    at `max_bytes` + 1 bytes, whatever the server said the length would be."""
    try:
        handle, name = tempfile.mkstemp(dir=folder, prefix=".download-", suffix=".part")
    except OSError as exc:
        raise CorpusError(f"{folder}: cannot write the download there ({_reason(exc)})") from None
    partial, size = Path(name), 0
    try:
        with os.fdopen(handle, "wb") as out:
            while True:
                try:
                    # read1: at most one read from the socket, so the deadline is checked even
                    # when the server trickles.
                    chunk = response.read1(min(_CHUNK, max_bytes + 1 - size))
                except TimeoutError:
                    raise BadInput(f"{shown}: no data within {timeout:g} s after "
                                   f"{_size(size)} of the file",
                                   "the server may be busy; try again later") from None
                except (OSError, http.client.HTTPException) as exc:
                    raise BadInput(f"{shown}: the download broke off after {_size(size)} "
                                   f"({_reason(exc)})", "try again later") from None
                if not chunk:
                    if response.length:  # read1 ends quietly when the connection closes early
                        raise BadInput(f"{shown}: the download broke off after {_size(size)} "
                                       f"of {_size(size + response.length)}", "try again later")
                    return partial, size
                size += len(chunk)
                if size > max_bytes:
                    raise BadInput(f"{shown}: larger than the {_size(max_bytes)} cap "
                                   f"(stopped reading at {_size(max_bytes)})",
                                   "download it yourself and add the file if it really is a "
                                   "review")
                out.write(chunk)
                if time.monotonic() > ends:
                    raise BadInput(f"{shown}: the download took longer than {deadline:g} s "
                                   f"(stopped after {_size(size)})",
                                   "download it yourself and add the file")
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def _request_url(url: str, shown: str, *, redirected: bool = False) -> str:
    """`url` as urllib can send it (spaces and non-ASCII escaped), once its scheme is checked."""
    via = f"redirected to {_shown(url)}; " if redirected else ""
    if any(ord(char) < 32 or ord(char) == 127 for char in url):
        raise BadInput(f"{shown}: {via}a URL cannot hold line breaks or control characters")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (a port that is not a number raises here, not in urllib)
    except ValueError:
        raise BadInput(f"{shown}: {via}not a valid URL") from None
    if parts.scheme.lower() not in SCHEMES:
        raise BadInput(f"{shown}: {via}only http and https URLs can be added",
                       "download the file yourself and add it from disk")
    if not parts.hostname:
        raise BadInput(f"{shown}: {via}the URL names no server")
    if parts.username is not None or parts.password is not None:
        # The URL is kept in the catalog and printed in every citation.
        raise BadInput(f"{shown}: {via}a URL with a user name or password cannot be added",
                       "download the file yourself and add it from disk")
    try:
        netloc = parts.netloc.encode("idna").decode("ascii") if not parts.netloc.isascii() \
            else parts.netloc
    except UnicodeError:
        raise BadInput(f"{shown}: {via}not a valid server name") from None
    # "%" is kept: what is already escaped stays as it was.
    path = quote(parts.path, safe="/%;:@&=+$,!~*'()")
    query = quote(parts.query, safe="/%;:@&=+$,!~*'()?")
    return urlunsplit((parts.scheme.lower(), netloc, path, query, ""))


def _no_answer(shown: str, timeout: float) -> BadInput:
    return BadInput(f"{shown}: no answer within {timeout:g} s",
                    "the server may be down or slow; try again later")


def _phrase(exc: urllib.error.HTTPError) -> str:
    reason = " ".join(str(exc.reason or "").split())
    if reason:
        return reason
    try:
        return HTTPStatus(exc.code).phrase
    except ValueError:
        return "(no reason given)"


def _status_hint(code: int) -> str:
    if code in (401, 403):
        return "the file may need a login: download it yourself and add the file"
    if code in (404, 410):
        return "check the address"
    if code >= 500:
        return "the server has a problem; try again later"
    return ""


def _reason(error: object) -> str:
    """An OS or network error's words, on one line."""
    text = getattr(error, "strerror", None) or str(error) or type(error).__name__
    return " ".join(str(text).split())


# ---- names and sizes ----------------------------------------------------------------------------

def _stem(url: str) -> str:
    """A safe file name stem from the URL's last path segment: ASCII letters, digits, ".", "_"
    and "-" only, no leading dot, at most 80 characters; "" when nothing is left."""
    segment = unquote(urlsplit(url).path.rsplit("/", 1)[-1])
    # The old suffix goes: the bytes give the new one.
    segment = re.sub(r"\.[A-Za-z][A-Za-z0-9]{0,4}$", "", segment)
    ascii_only = unicodedata.normalize("NFKD", segment).encode("ascii", "ignore").decode("ascii")
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", ascii_only)
    stem = re.sub(r"\.{2,}", ".", stem).strip("-._")[:80].rstrip("-._")
    return f"{stem}-file" if stem.upper() in _WINDOWS_RESERVED else stem


def _free_path(folder: Path, stem: str, suffix: str) -> Path:
    """folder/stem+suffix, or stem-2, stem-3 …: a download never replaces a file."""
    candidate, n = folder / f"{stem}{suffix}", 1
    while candidate.exists():
        n += 1
        candidate = folder / f"{stem}-{n}{suffix}"
    return candidate


def _size(n: int) -> str:
    """Bytes as people read them: "512 bytes", "1.0 MiB", "100 MiB", "2.0 GiB"."""
    if n < 1024:
        return f"{n} bytes"
    value = float(n)
    for unit in ("KiB", "MiB", "GiB", "TiB"):
        value /= 1024
        if value < 1024 or unit == "TiB":
            break
    return f"{value:.0f} {unit}" if value >= 10 else f"{value:.1f} {unit}"


def _shown(url: str) -> str:
    """The URL as an error message names it: on one line, at most 200 characters."""
    one_line = "".join(char if ord(char) >= 32 and ord(char) != 127 else "?" for char in url)
    one_line = re.sub(r"^([^/]*//[^/@:]*:)[^/@]*@", r"\1***@", one_line)  # never a password
    return one_line if len(one_line) <= 200 else one_line[:199] + "…"


def _utc_today() -> date:
    return datetime.now(timezone.utc).date()
