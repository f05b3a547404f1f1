"""sources/download.py against a real HTTP server on 127.0.0.1 (never the outside network):
each readable type is recognised from its bytes whatever its name and Content-Type, and every
refusal (scheme, status, size, redirects, timeouts, unreadable bytes, a closed port) is one line
that names the URL and leaves nothing in the folder.
"""

from __future__ import annotations

import io
import socket
import threading
import time
import zipfile
from collections.abc import Callable, Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import docx
import pytest
from fpdf import FPDF

from search.errors import BadInput
from search.sources import download as dl
from search.sources.download import Downloaded, download, is_url, sniff
from search.sources.encoding import decode

MiB = 1024 * 1024
Route = Callable[[BaseHTTPRequestHandler], None]


def _pdf() -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    pdf.cell(text="Voluntary GCM review by Testland")
    return bytes(pdf.output())


def _docx() -> bytes:
    document = docx.Document()
    document.add_heading("Voluntary GCM review by Testland", level=1)
    document.add_paragraph("The Government of Testland reports on objective 10.")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("report.txt", "not a Word document")
    return buffer.getvalue()


PDF = _pdf()
DOCX = _docx()
HTML = (b"<!DOCTYPE html>\n<html><head><title>Review</title></head>"
        b"<body><h1>Voluntary GCM review</h1><p>Objective 10.</p></body></html>")
TEXT = "Voluntary GCM review by Testland\n\nThe Government reports progress on objective 10.\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64)
FRAGMENT = b"<p>A review served as a bare fragment.</p>"


def _send(body: bytes, content_type: str, status: int = 200) -> Route:
    def route(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    return route


def _redirect(location: str) -> Route:
    def route(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(302)
        handler.send_header("Location", location)
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    return route


def _hops(handler: BaseHTTPRequestHandler) -> None:
    """/hop/N redirects to /hop/N-1 (relative), and /hop/0 is the PDF."""
    left = int(handler.path.rsplit("/", 1)[-1])
    if left == 0:
        _send(PDF, "application/pdf")(handler)
    else:
        _redirect(f"{left - 1}")(handler)


def _huge(handler: BaseHTTPRequestHandler) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", "application/pdf")
    handler.send_header("Content-Length", str(2 * 1024 * MiB))
    handler.end_headers()
    handler.wfile.write(b"%PDF-1.7\n")  # and then nothing: the client must not wait for it


def _endless(handler: BaseHTTPRequestHandler) -> None:
    """200 with no Content-Length, then text until the client hangs up (or 64 MiB)."""
    handler.send_response(200)
    handler.send_header("Content-Type", "text/plain")
    handler.end_headers()
    line = b"Migration " * 6553 + b"\n"
    for _ in range(1024):
        handler.wfile.write(line)


def _endless_chunked(handler: BaseHTTPRequestHandler) -> None:
    handler.protocol_version = "HTTP/1.1"
    handler.send_response(200)
    handler.send_header("Content-Type", "text/plain")
    handler.send_header("Transfer-Encoding", "chunked")
    handler.end_headers()
    line = b"Migration " * 6553 + b"\n"
    for _ in range(1024):
        handler.wfile.write(b"%x\r\n%s\r\n" % (len(line), line))
    handler.close_connection = True


def _lying_length(handler: BaseHTTPRequestHandler) -> None:
    """Says 1 KiB, sends 3 MiB: the client reads what was announced and no more."""
    handler.send_response(200)
    handler.send_header("Content-Type", "text/plain")
    handler.send_header("Content-Length", "1024")
    handler.end_headers()
    for _ in range(48):
        handler.wfile.write(b"x" * 65536)


def _short(handler: BaseHTTPRequestHandler) -> None:
    """Announces 10,000 bytes, sends 9 and closes."""
    handler.send_response(200)
    handler.send_header("Content-Type", "application/pdf")
    handler.send_header("Content-Length", "10000")
    handler.end_headers()
    handler.wfile.write(b"%PDF-1.7\n")
    handler.close_connection = True


def _slow(handler: BaseHTTPRequestHandler) -> None:
    time.sleep(2)
    _send(PDF, "application/pdf")(handler)


def _stall(handler: BaseHTTPRequestHandler) -> None:
    """Headers and the first bytes at once, then silence."""
    handler.send_response(200)
    handler.send_header("Content-Type", "application/pdf")
    handler.send_header("Content-Length", str(len(PDF)))
    handler.end_headers()
    handler.wfile.write(PDF[:100])
    handler.wfile.flush()
    time.sleep(2)


def _trickle(handler: BaseHTTPRequestHandler) -> None:
    """A byte every 50 ms: never silent for long, never done."""
    handler.send_response(200)
    handler.send_header("Content-Type", "text/plain")
    handler.end_headers()
    for _ in range(100):
        handler.wfile.write(b"x")
        handler.wfile.flush()
        time.sleep(0.05)


ROUTES: dict[str, Route] = {
    "/review.pdf": _send(PDF, "application/pdf"),
    "/review.docx": _send(DOCX, "application/vnd.openxmlformats-officedocument."
                                "wordprocessingml.document"),
    "/review.html": _send(HTML, "text/html; charset=utf-8"),
    "/review.txt": _send(TEXT.encode("cp1252").replace(b"objective", "é".encode("cp1252")),
                         "text/plain"),
    "/report.html": _send(PDF, "text/html"),  # a PDF under an HTML name and type
    "/download": _send(DOCX, "application/octet-stream"),  # no suffix at all
    "/fragment": _send(FRAGMENT, "text/html"),
    "/fragment.txt": _send(FRAGMENT, "text/plain"),
    "/image.png": _send(PNG, "image/png"),
    "/review.zip": _send(_zip(), "application/pdf"),
    "/empty.pdf": _send(b"", "application/pdf"),
    "/gone.pdf": _send(b"<h1>Gone</h1>", "text/html", status=410),
    "/broken.pdf": _send(b"oops", "text/plain", status=500),
    "/to-file": _redirect("file:///etc/passwd"),
    "/to-ftp": _redirect("ftp://127.0.0.1/review.pdf"),
    "/huge.pdf": _huge,
    "/endless.txt": _endless,
    "/endless-chunked.txt": _endless_chunked,
    "/lying.txt": _lying_length,
    "/short.pdf": _short,
    "/slow.pdf": _slow,
    "/stall.pdf": _stall,
    "/trickle.txt": _trickle,
}


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        route = _hops if path.startswith("/hop/") else ROUTES.get(path)
        if path.startswith("/any/"):
            route = ROUTES["/review.pdf"]
        if route is None:
            self.send_error(404)
            return
        self.server.requests.append(self.path)  # type: ignore[attr-defined]
        self.server.agents.append(self.headers.get("User-Agent"))  # type: ignore[attr-defined]
        route(self)

    def log_message(self, format: str, *args: object) -> None:
        pass  # the tests read results, not the server's log


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.requests: list[str] = []
        self.agents: list[str | None] = []

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client hanging up mid-body is what several tests do on purpose


@pytest.fixture(scope="module")
def server() -> Iterator[_Server]:
    served = _Server()
    thread = threading.Thread(target=served.serve_forever, daemon=True)
    thread.start()
    yield served
    served.shutdown()
    served.server_close()
    thread.join()


@pytest.fixture
def base(server: _Server, monkeypatch: pytest.MonkeyPatch) -> str:
    # A proxy from the environment must not see these requests (nor send them elsewhere).
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy",
                 "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    host, port = server.server_address[:2]
    return f"http://{host}:{port}"


def _refused(url: str, folder: Path, **options: object) -> str:
    """The refusal of `url`: one line naming the URL, and an empty folder."""
    with pytest.raises(BadInput) as raised:
        download(url, folder, **options)  # type: ignore[arg-type]
    message = raised.value.message
    assert "\n" not in message and "\n" not in raised.value.hint
    assert message.startswith(f"{url}: "), message
    assert list(folder.iterdir()) == []
    return message


# ---- is_url -------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("https://example.org/r.pdf", True),
        ("http://example.org", True),
        ("  https://example.org/r.pdf ", True),
        ("HTTPS://EXAMPLE.ORG/R.PDF", True),
        ("ftp://example.org/r.pdf", True),
        ("file:///etc/passwd", True),
        ("review.pdf", False),
        ("corpus/review.pdf", False),
        ("/tmp/http://x", False),
        ("C://reviews/r.pdf", False),  # a Windows drive, not a scheme
        ("C:\\reviews\\r.pdf", False),
        ("", False),
    ],
)
def test_is_url(text: str, expected: bool) -> None:
    assert is_url(text) is expected


# ---- what is fetched ----------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("path", "suffix", "name", "body"),
    [
        ("/review.pdf", ".pdf", "review.pdf", PDF),
        ("/review.docx", ".docx", "review.docx", DOCX),
        ("/review.html", ".html", "review.html", HTML),
        ("/report.html", ".pdf", "report.pdf", PDF),  # the bytes decide, not name or type
        ("/download", ".docx", "download.docx", DOCX),
        ("/fragment", ".html", "fragment.html", FRAGMENT),  # the type settles bare markup
        ("/fragment.txt", ".txt", "fragment.txt", FRAGMENT),
    ],
)
def test_readable_types(base: str, tmp_path: Path, path: str, suffix: str, name: str,
                        body: bytes) -> None:
    got = download(base + path, tmp_path, today=lambda: date(2026, 12, 3))
    assert got == Downloaded(path=tmp_path / name, url=base + path, final_url=base + path,
                             accessed="2026-12-03", suffix=suffix, size=len(body))
    assert got.path.read_bytes() == body
    assert list(tmp_path.iterdir()) == [got.path]


def test_text_in_windows_1252(base: str, tmp_path: Path) -> None:
    got = download(base + "/review.txt", tmp_path)
    assert got.suffix == ".txt" and got.path.name == "review.txt"
    assert "é" in decode(got.path.read_bytes(), got.path.name)


def test_accessed_is_todays_utc_date(base: str, tmp_path: Path) -> None:
    got = download(base + "/review.pdf", tmp_path)
    assert len(got.accessed) == 10 and date.fromisoformat(got.accessed)


def test_user_agent(base: str, tmp_path: Path, server: _Server) -> None:
    download(base + "/review.pdf", tmp_path)
    assert server.agents[-1] is not None and server.agents[-1].startswith("gcm-search")


def test_a_download_never_replaces_a_file(base: str, tmp_path: Path) -> None:
    (tmp_path / "review.pdf").write_bytes(b"mine")
    got = download(base + "/review.pdf", tmp_path)
    assert got.path == tmp_path / "review-2.pdf"
    assert (tmp_path / "review.pdf").read_bytes() == b"mine"


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/any/..%2F..%2Fescape.pdf", "escape.pdf"),
        ("/any/%2e%2e", "download.pdf"),
        ("/any/Examen%20volontaire%20du%20Mali%20(2022).PDF", "Examen-volontaire-du-Mali-2022.pdf"),
        ("/any/M%C3%A9xico%20informe.pdf?download=1", "Mexico-informe.pdf"),
        ("/any/con", "con-file.pdf"),
        ("/any/", "download.pdf"),
    ],
)
def test_names_stay_inside_the_folder(base: str, tmp_path: Path, path: str, name: str) -> None:
    got = download(base + path, tmp_path)
    assert got.path == tmp_path / name
    assert got.path.parent == tmp_path and got.path.is_file()


def test_spaces_in_a_url_are_escaped(base: str, tmp_path: Path, server: _Server) -> None:
    got = download(base + "/any/Informe nacional.pdf", tmp_path)
    assert got.path.name == "Informe-nacional.pdf"
    assert server.requests[-1] == "/any/Informe%20nacional.pdf"
    assert got.url == base + "/any/Informe nacional.pdf"


# ---- redirects ----------------------------------------------------------------------------------

def test_redirects_within_the_cap(base: str, tmp_path: Path) -> None:
    got = download(base + "/hop/5", tmp_path)
    assert (got.url, got.final_url) == (base + "/hop/5", base + "/hop/0")
    assert got.suffix == ".pdf" and got.path.name == "0.pdf"


def test_more_redirects_than_the_cap(base: str, tmp_path: Path) -> None:
    assert _refused(base + "/hop/6", tmp_path).endswith(": more than 5 redirects")
    assert _refused(base + "/hop/2", tmp_path, max_redirects=1).endswith(
        ": more than 1 redirects")


@pytest.mark.parametrize(("path", "target"), [("/to-file", "file:///etc/passwd"),
                                              ("/to-ftp", "ftp://127.0.0.1/review.pdf")])
def test_a_redirect_to_another_scheme(base: str, tmp_path: Path, path: str, target: str) -> None:
    assert _refused(base + path, tmp_path) == (
        f"{base}{path}: redirected to {target}; only http and https URLs can be added")


# ---- refusals -----------------------------------------------------------------------------------

@pytest.mark.parametrize("url", ["ftp://127.0.0.1/review.pdf", "file:///etc/passwd",
                                 "data://text/plain,hello"])
def test_only_http_and_https(tmp_path: Path, url: str) -> None:
    assert _refused(url, tmp_path) == f"{url}: only http and https URLs can be added"


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/missing.pdf", "the server answered 404 Not Found"),
        ("/gone.pdf", "the server answered 410 Gone"),
        ("/broken.pdf", "the server answered 500 Internal Server Error"),
    ],
)
def test_an_error_status(base: str, tmp_path: Path, path: str, expected: str) -> None:
    assert _refused(base + path, tmp_path) == f"{base}{path}: {expected}"


def test_a_content_length_over_the_cap(base: str, tmp_path: Path) -> None:
    started = time.monotonic()
    assert _refused(base + "/huge.pdf", tmp_path) == (
        f"{base}/huge.pdf: larger than the 100 MiB cap (the server says 2.0 GiB)")
    assert time.monotonic() - started < 5  # refused on the header, not after waiting for a body


@pytest.mark.parametrize("path", ["/endless.txt", "/endless-chunked.txt"])
def test_a_body_that_grows_past_the_cap(base: str, tmp_path: Path, path: str) -> None:
    assert _refused(base + path, tmp_path, max_bytes=MiB) == (
        f"{base}{path}: larger than the 1.0 MiB cap (stopped reading at 1.0 MiB)")


def test_a_lying_content_length_is_not_read_past(base: str, tmp_path: Path) -> None:
    got = download(base + "/lying.txt", tmp_path, max_bytes=MiB)
    assert got.size == 1024 and got.path.stat().st_size == 1024


def test_a_body_cut_short(base: str, tmp_path: Path) -> None:
    assert _refused(base + "/short.pdf", tmp_path) == (
        f"{base}/short.pdf: the download broke off after 9 bytes of 9.8 KiB")


def test_a_server_that_does_not_answer(base: str, tmp_path: Path) -> None:
    started = time.monotonic()
    assert _refused(base + "/slow.pdf", tmp_path, timeout=0.5) == (
        f"{base}/slow.pdf: no answer within 0.5 s")
    assert time.monotonic() - started < 1.5


def test_a_server_that_stalls_mid_body(base: str, tmp_path: Path) -> None:
    assert _refused(base + "/stall.pdf", tmp_path, timeout=0.5) == (
        f"{base}/stall.pdf: no data within 0.5 s after 100 bytes of the file")


def test_a_server_that_trickles_meets_the_deadline(base: str, tmp_path: Path) -> None:
    started = time.monotonic()
    message = _refused(base + "/trickle.txt", tmp_path, timeout=1, deadline=0.5)
    assert message.startswith(f"{base}/trickle.txt: the download took longer than 0.5 s ")
    assert time.monotonic() - started < 1.5


def test_a_closed_port(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/review.pdf"
    assert _refused(url, tmp_path) == f"{url}: could not connect (Connection refused)"


@pytest.mark.parametrize(
    ("path", "what"),
    [
        ("/image.png", "it starts with PNG image data"),
        ("/review.zip", "it is a ZIP archive but not a Word .docx: no word/document.xml"),
        ("/empty.pdf", "the server sent an empty file"),
    ],
)
def test_unreadable_bytes(base: str, tmp_path: Path, path: str, what: str) -> None:
    assert _refused(base + path, tmp_path) == (
        f"{base}{path}: not a PDF, Word, HTML or text file ({what})")


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:notaport/r.pdf", "http:///r.pdf", "http://[::1/r.pdf",
     "https://example.org/a\nb.pdf", "https://user:secret@example.org/r.pdf"],
)
def test_malformed_urls(tmp_path: Path, url: str) -> None:
    with pytest.raises(BadInput) as raised:
        download(url, tmp_path)
    assert "\n" not in raised.value.message
    assert list(tmp_path.iterdir()) == []


# ---- sniffing, without a server -----------------------------------------------------------------

@pytest.mark.parametrize(
    ("data", "content_type", "suffix"),
    [
        (PDF, "text/html", ".pdf"),
        (b"\n  %PDF-1.4\n", "", ".pdf"),
        (DOCX, "", ".docx"),
        (HTML, "text/plain", ".html"),
        (b"\xef\xbb\xbf  <!doctype html><title>x</title>", "", ".html"),
        ("<html><body>é</body></html>".encode("utf-16"), "", ".html"),
        (b"<?xml version='1.0'?>\n<html xmlns='http://www.w3.org/1999/xhtml'>", "", ".html"),
        (b"<p>fragment</p>", "application/xhtml+xml", ".html"),
        (b"<p>fragment</p>", "text/plain", ".txt"),
        (b"We discussed <html> tags in the annex.", "text/html", ".txt"),
        ("Examen volontaire : les êtres humains".encode("cp1252"), "", ".txt"),
    ],
)
def test_sniff(data: bytes, content_type: str, suffix: str) -> None:
    assert sniff(data, content_type=content_type) == suffix


@pytest.mark.parametrize(
    ("data", "what"),
    [
        (b"\xff\xd8\xff\xe0" + bytes(32), "it starts with JPEG image data"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(32), "it starts with an old Office file"),
        (b"{\\rtf1\\ansi Review}", "it starts with an RTF document"),
        (b"PK\x03\x04broken", "it starts like a ZIP archive but is damaged"),
        (bytes(range(256)) * 8, "it is binary data"),
    ],
)
def test_sniff_refuses(data: bytes, what: str) -> None:
    with pytest.raises(dl.Unreadable) as raised:
        sniff(data)
    assert raised.value.what.startswith(what)


@pytest.mark.parametrize(
    ("n", "shown"),
    [(0, "0 bytes"), (1023, "1023 bytes"), (1024, "1.0 KiB"), (MiB, "1.0 MiB"),
     (100 * MiB, "100 MiB"), (2 * 1024 * MiB, "2.0 GiB"), (1536 * MiB, "1.5 GiB")],
)
def test_sizes(n: int, shown: str) -> None:
    assert dl._size(n) == shown


def test_a_url_with_a_password(tmp_path: Path) -> None:
    """Refused (the URL would be printed in every citation), and the password is not echoed."""
    with pytest.raises(BadInput) as raised:
        download("https://user:secret@example.org/r.pdf", tmp_path)
    assert raised.value.message == ("https://user:***@example.org/r.pdf: a URL with a user name "
                                    "or password cannot be added")
