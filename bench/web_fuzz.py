"""Hostile requests against a real `gcm-search serve`, for a bounded time, with what came back.

    python bench/web_fuzz.py --seconds 30 --json out.json [--corpus DIR --index DIR] [--seed N]

Starts `python -m search serve --port 0` (over a private copy of the bundled corpus, indexed on
the spot, unless --corpus and --index name a built one), then sends generated requests to every
route for --seconds: hostile values (markup and script payloads, `javascript:` URLs, quotes and
query operators, control characters and NUL, any Unicode, very long strings, invalid UTF-8 and
double percent-encoding) in every query parameter and path segment, valid values repeated in
hundreds of spellings, hostile request headers, path traversals, methods other than GET, and
request lines, headers and bodies over the server's bounds. Every answer is checked
(`problems`): no 5xx, no stack trace, hostile text never reflected as markup, the
Content-Security-Policy on every page, the app's one error shape on every 4xx, no file content,
no answer slower than 10 s or larger than 2 MB.

The JSON written by --json (and printed as a summary):

    {"seconds": 30.0,                 # time spent sending requests
     "seed": 1,
     "requests": 12345,               # requests sent
     "by_family": {"search": 4000, "passage": ..., "document": ..., "objective": ...,
                   "listing": ..., "static": ..., "traversal": ..., "method": ...,
                   "oversized": ..., "raw": ..., "repeated": ..., "headers": ...},
     "statuses": {"200": 5000, "400": 4000, "404": ...},   # status code -> count
     "server_errors": 0,              # 5xx answers (must be 0)
     "stack_traces": 0,               # answers or server log lines with a Python traceback (0)
     "unescaped_reflections": 0,      # hostile markup live in a page, or a page without CSP (0)
     "other_problems": 0,             # wrong error shape, file content, a hang, an odd status,
                                      # an answer over 2 MB (0)
     "problems": [{"family", "method", "target", "status", "problem"}, ...],  # the first 20
     "slowest_ms": 35.2,              # the slowest answer
     "log_lines": 12345,              # request lines in the server log (one per app request)
     "rss_start_kib": 61000,          # server RSS after the first requests
     "rss_mid_kib": 61800,            # at half time: end - mid is the growth once warmed up
     "rss_end_kib": 62000,            # server RSS at the end
     "peak_rss_kib": 63000}           # server peak RSS (VmHWM)

`problems`, the request builders and the server are shared with
tests/hardening/test_web_hostile.py, where hypothesis generates the values for the same routes.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import queue
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import quote

from search.web import MAX_REQUEST_HEADER_BYTES

ROOT = Path(__file__).resolve().parent.parent
SERVING = re.compile(r"Serving gcm-search on (http://127\.0\.0\.1:(\d+))/")
# One app log line: "<date> <time>,<ms> <addr> <METHOD> <target> <status> <n>ms".
# Time, [the answering process's id], client, method, target, status, time taken.
LOG_LINE = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} \[\d+\] \S+ [A-Z]+ \S+ \d{3} [\d.]+ms$")
START_SECONDS = 120
TIMEOUT_SECONDS = 15.0
SLOW_SECONDS = 10.0  # an answer slower than this is a hang, as far as a user can tell
# No page of the bundled corpus comes near this (the longest, a whole review, is ~40 KB): a bigger
# answer is a request amplified, such as a parameter repeated into every link of a page.
MAX_ANSWER_BYTES = 2_000_000
MAX_PROBLEMS_KEPT = 20

FILTERS = ("objective", "cluster", "section", "kind", "country", "language", "year")
SEARCH_PARAMS = ("q", *FILTERS, "page", "limit")
COMPARE_PARAMS = ("q", "per")
COVERAGE_PARAMS = ("stated", "cluster", "country", "year", "cycle")
OUTPUT_ROUTES = ("/coverage", "/api/coverage", "/coverage.csv", "/coverage.xlsx",
                 "/export.csv", "/export.xlsx", "/objectives/10/export.csv")
"""The research outputs: the coverage matrix and its files (COVERAGE_PARAMS), and the exports of
a search (SEARCH_PARAMS) or a comparison (COMPARE_PARAMS)."""
# Payloads a hostile user pastes; the markup ones must never come back live.
PAYLOADS = (
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "'><svg onload=alert(1)>",
    '" onmouseover="alert(1)',
    "' autofocus onfocus='alert(1)",
    "javascript:alert(1)",
    " JaVaScRiPt:alert(document.cookie)",
    "data:text/html,<script>alert(1)</script>",
    "</title><script>alert(1)</script>",
    "</textarea><script>alert(1)</script>",
    "<!--",
    "]]><script>alert(1)</script>",
    "{{7*7}}",
    "{% print 7*7 %}",
    "${7*7}",
    "\x00",
    "a\x00b",
    "\r\nSet-Cookie: x=1",
    "\u202etxt.exe",
    "\ufeff",
    "\ud800",  # a lone surrogate: invalid UTF-8 once encoded
    "../../../../etc/passwd",
    "..\\..\\..\\pyproject.toml",
    "/etc/passwd",
    "C:\\Windows\\win.ini",
    "%00",
    "%2e%2e%2f",
    "%25%32%65",
    "*",
    "?",
    "*:*",
    "title:*",
    '"unbalanced',
    '""',
    "((((((((((",
    "AND OR NOT",
    "a AND (b OR NOT c)",
    "traff*",
    "*ing",
    "t?a*f",
    "[a TO z]",
    "{a TO z}",
    "a~5",
    "a^1000",
    "-",
    "0",
    "-1",
    "99999999999999999999999",
    "1e3",
    "\uff11",  # full-width digit one
    "\u0661",  # Arabic-Indic digit one
    "NaN",
    "trafficking",
    "japan-2022:2a.6",
    "japan-2022",
)
OPERATOR_WORDS = ("AND", "OR", "NOT", '"', "(", ")", "*", "?", "~", "^", ":", "-", "+", "\\",
                  "[", "]", "{", "}", "TO", "trafficking", "victims", "objective", "10")
# How a value is put into a URL: each trips a different decoder.
ENCODINGS = ("quoted", "slashes", "double", "latin-1", "bare")
# Valid values of each search parameter, spelt as a user may (case, aliases, spaces are added):
# repeated hundreds of times in one request, they must not make the answer grow with them.
SPELLINGS = {
    "q": ("victims", "migrants", "trafficking", "a", "the"),
    "objective": ("10", "trafficking", "Trafficking in persons", "7", "23"),
    "cluster": ("1", "2", "4"),
    "section": ("2", "2a", "2(a)", "3.b", "5"),
    "kind": ("progress", "Progress", "best practices", "best-practice", "trend", "other"),
    "country": ("Japan", "jpn", "JAPAN", "japan"),
    "language": ("en", "English", "EN"),
    "year": ("2022",),
    "page": ("1", "2", "3"),
    "limit": ("10", "50", "100"),
}
# The files a traversal would reach, and text from them that must never be served.
TRAVERSALS = (
    "/p/../../etc/passwd",
    "/p/..%2f..%2f..%2fetc%2fpasswd",
    "/p//etc/passwd",
    "/d/..%2f..%2fetc%2fpasswd",
    "/d/..%5c..%5cpyproject.toml",
    "/d/%2fetc%2fpasswd",
    "/d/%00",
    "/d/..",
    "/d/.",
    "/static/../search/cli.py",
    "/static/..%2fsearch%2fcli.py",
    "/static/%2e%2e/%2e%2e/pyproject.toml",
    "/static/%2e%2e%2f%2e%2e%2fpyproject.toml",
    "/static/..%5c..%5cpyproject.toml",
    "/static/%c0%ae%c0%ae/pyproject.toml",
    "/static//etc/passwd",
    "/static/%2fetc%2fpasswd",
    "/static/app.js%00.html",
    "/static/C:%5cWindows%5cwin.ini",
    "/api/passages/../../../etc/passwd",
    "/api/passages/%2e%2e%2f%2e%2e%2fpyproject.toml",
    "/../../etc/passwd",
    "/%2e%2e/%2e%2e/etc/passwd",
    "/objectives/..%2f..%2fetc%2fpasswd",
)
LEAKS = ("root:x:0:0", "root:*:0:0", "[project]", "[build-system]", "import click",
         "def serve_command", "[fonts]")
STACK_TRACE = ("Traceback (most recent call last)", 'File "/', "site-packages", "werkzeug.",
               "jinja2.", "Internal Server Error")
GET_ROUTES = ("/", "/api/search", "/p/japan-2022:2a.6", "/api/passages/japan-2022:2a.6",
              "/d/japan-2022", "/objectives", "/objectives/10", "/api/compare/10",
              "/api/objectives", "/api/documents", "/static/app.js", "/coverage",
              "/api/coverage", "/coverage.csv", "/coverage.xlsx", "/export.csv?q=trafficking",
              "/export.xlsx?q=trafficking", "/objectives/10/export.csv")
WRITE_METHODS = ("POST", "PUT", "DELETE", "PATCH", "TRACE", "PROPFIND")
# Requests that do not reach the app: the server (waitress or gunicorn) answers these itself, in
# plain text.
SERVER_STATUSES = {400, 413, 414, 431}
ALLOWED_STATUSES = {200, 304, 400, 404, 405, 413, 414, 416, 431}
# Hostile markup as it would have to appear in a page to run: a tag that loads or runs something,
# or any tag with an event handler (our templates have neither, so a match is a reflection).
LIVE_TAG = re.compile(r"<(?:script|img|svg|iframe|object|embed|style)\b[^<>]*>"
                      r"|<[A-Za-z][\w-]*\s[^<>]*\bon\w+\s*=", re.IGNORECASE)
SCRIPTING = re.compile(r"^[\s\x00-\x20]*(javascript|vbscript|data):", re.IGNORECASE)


# ---- requests ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Probe:
    """One request: its family, method and target (or raw bytes), and the hostile value in it."""

    family: str
    method: str
    target: str
    value: str = ""
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""
    raw: bytes = b""  # sent as is on a socket instead of through http.client


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: str
    seconds: float


def encode(value: str, style: str) -> str:
    """`value` as it goes into a URL, by one of ENCODINGS."""
    data = value.encode("utf-8", "surrogatepass")  # a lone surrogate gives invalid UTF-8
    if style == "quoted":
        return quote(data, safe="")
    if style == "slashes":  # lets "/", "?", "&" and "=" through as URL syntax
        return quote(data, safe="/?&=:;")
    if style == "double":
        return quote(quote(data, safe=""), safe="")
    if style == "latin-1":
        return quote(value.encode("latin-1", "replace"), safe="")
    return quote(data, safe="".join(chr(c) for c in range(0x21, 0x7F) if chr(c) not in "#%"))


def search_probe(value: str, param: str, style: str, api: bool, q: str = "trafficking") -> Probe:
    path = "/api/search" if api else "/"
    extra = "" if param == "q" else f"&q={quote(q)}"
    return Probe("search", "GET", f"{path}?{param}={encode(value, style)}{extra}", value)


def path_probe(family: str, value: str, style: str, variant: int = 0) -> Probe:
    """`value` as the id, document, objective number or static file name of a page."""
    part = encode(value, style)
    targets = {
        "passage": (f"/p/{part}", f"/api/passages/{part}"),
        "document": (f"/d/{part}", f"/d/{part}"),
        "objective": (f"/objectives/{part}", f"/api/compare/{part}"),
        "static": (f"/static/{part}", f"/static/{part}"),
    }[family]
    return Probe(family, "GET", targets[variant % 2], value)


def compare_probe(value: str, param: str, style: str, api: bool) -> Probe:
    path = "/api/compare/10" if api else "/objectives/10"
    return Probe("objective", "GET", f"{path}?{param}={encode(value, style)}", value)


def output_probe(value: str, param: str, style: str, route: str) -> Probe:
    """`value` as a parameter of a research output; an export also searches for trafficking."""
    extra = "&q=trafficking" if route == "/export.csv" and param != "q" else ""
    return Probe("outputs", "GET", f"{route}?{param}={encode(value, style)}{extra}", value)


def output_params(route: str) -> tuple[str, ...]:
    if route.startswith("/objectives/"):
        return COMPARE_PARAMS
    return SEARCH_PARAMS if route.startswith("/export") else COVERAGE_PARAMS


def listing_probe(value: str, style: str, route: str) -> Probe:
    """Pages without parameters, given junk ones: they ignore them."""
    return Probe("listing", "GET", f"{route}?{encode(value, style)}={encode(value, style)}", value)


def repeated_probe(param: str, spellings: list[str], api: bool) -> Probe:
    """One search parameter given many times: valid values in many spellings."""
    path = "/api/search" if api else "/"
    query = "&".join(f"{param}={quote(v, safe='')}" for v in spellings)
    return Probe("repeated", "GET", f"{path}?q=victims&{query}", spellings[0] if spellings else "")


def oversized_probes(limit: int) -> tuple[Probe, ...]:
    """A request line, a header and a body each past `limit` bytes, and a chunked body too."""
    over = limit + 1024
    return (
        Probe("oversized", "GET", "/?q=" + "a" * over),
        Probe("oversized", "GET", "/", headers=(("X-Padding", "a" * over),)),
        Probe("oversized", "GET", "/", headers=tuple((f"X-H{i}", "a" * 1000)
                                                     for i in range(over // 1000 + 1))),
        Probe("oversized", "POST", "/", body=b"a" * over),
        Probe("oversized", "GET", "/", raw=(
            b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5000000000\r\n"
            b"Connection: close\r\n\r\n")),
        Probe("oversized", "GET", "/", raw=(
            b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n"
            b"Connection: close\r\n\r\n" + (b"%x\r\n" % over) + b"a" * over + b"\r\n0\r\n\r\n")),
    )


# Request headers a hostile client sets: odd ranges and dates, huge or malformed values, markup.
HEADER_ATTACKS = (
    ("Range", "bytes=999999999-"),
    ("Range", "bytes=" + "0-0," * 2000),
    ("Range", "garbage"),
    ("If-Modified-Since", "not a date"),
    ("If-None-Match", '"' * 500),
    ("If-Range", "<script>alert(1)</script>"),
    ("Accept-Encoding", "gzip;q=1e999, " * 100),
    ("Accept", "*/*;q=abc"),
    ("Accept-Language", "<script>alert(1)</script>"),
    ("Cookie", "session=" + "\\" * 1000),
    ("Content-Type", "multipart/form-data; boundary=" + "a" * 2000),
    ("Content-Type", "application/x-www-form-urlencoded"),
    ("Content-Encoding", "gzip"),
    ("Host", '"><script>alert(1)</script>'),
    ("Host", "evil.example"),
    ("X-Forwarded-Host", "evil.example"),
    ("X-Forwarded-For", "<script>alert(1)</script>"),
    ("X-Original-URL", "/../../etc/passwd"),
    ("Referer", "javascript:alert(1)"),
    ("User-Agent", "\u00e9" * 2000),
)


def header_probe(header: tuple[str, str], route: str) -> Probe:
    return Probe("headers", "GET", route, header[1], headers=(header,))


RAW_REQUESTS = (
    b"GET /?q=\xff\xfe HTTP/1.1\r\n",       # invalid UTF-8, not percent-encoded
    b"GET /p/\xc0\xae\xc0\xae/etc/passwd HTTP/1.1\r\n",
    b"GET /?q=a\x00b HTTP/1.1\r\n",          # a bare NUL in the request line
    b"GET /d/\x1b[31m HTTP/1.1\r\n",
    b"GET /?q=<script>alert(1)</script> HTTP/1.1\r\n",
    b"GET /../../etc/passwd HTTP/1.1\r\n",
    b"GET \\..\\..\\pyproject.toml HTTP/1.1\r\n",
    b"GET http://evil.example/ HTTP/1.1\r\n",
    b"GET * HTTP/1.1\r\n",
    b"GET / HTTP/9.9\r\n",
    b"GARBAGE\r\n",
    b"GET /?q=a b HTTP/1.1\r\n",
    b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX: a\rb\r\n",
    b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: -1\r\n",
    b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n",
)


def raw_probe(line: bytes) -> Probe:
    head = line if line.count(b"\r\n") > 1 else line + b"Host: 127.0.0.1\r\n"
    return Probe("raw", "GET", repr(line[:60])[2:-1], raw=head + b"Connection: close\r\n\r\n")


def send(base: str, probe: Probe, timeout: float = TIMEOUT_SECONDS) -> Answer:
    """Send `probe` to the server at `base` (http://127.0.0.1:PORT) on a fresh connection."""
    host, port = base.removeprefix("http://").split(":")
    started = time.perf_counter()
    if probe.raw:
        return _send_raw(host, int(port), probe.raw, timeout, started)
    connection = http.client.HTTPConnection(host, int(port), timeout=timeout)
    try:
        connection.putrequest(probe.method, probe.target, skip_accept_encoding=True)
        for name, value in probe.headers:
            connection.putheader(name, value)
        if probe.body:
            connection.putheader("Content-Length", str(len(probe.body)))
        connection.endheaders(probe.body or None)
        response = connection.getresponse()
        body = response.read().decode("utf-8", "replace")
        return Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, body,
                      time.perf_counter() - started)
    except (ConnectionError, http.client.RemoteDisconnected) as exc:
        # A server refusing a huge request may close before reading it all; waitress has
        # answered by then, but the client never sees it. Count it as what it is.
        return Answer(0, {}, f"connection closed: {exc}", time.perf_counter() - started)
    finally:
        connection.close()


def _send_raw(host: str, port: int, data: bytes, timeout: float, started: float) -> Answer:
    with socket.create_connection((host, port), timeout=timeout) as sock:
        with suppress(ConnectionError):  # refused midway: the answer, if any, is still there
            sock.sendall(data)
        chunks = []
        try:
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        except ConnectionError:
            pass
    head, _, body = b"".join(chunks).partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    status = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0
    headers = {k.strip().lower(): v.strip() for k, _, v in (x.partition(":") for x in lines[1:])}
    return Answer(status, headers, body.decode("utf-8", "replace"),
                  time.perf_counter() - started)


# ---- checks -----------------------------------------------------------------------------------

class _Elements(HTMLParser):
    """The elements and attributes of a page, as a browser would build them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.h1: list[str] = []
        self._in_h1 = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, attrs))
        self._in_h1 = self._in_h1 or tag == "h1"

    def handle_endtag(self, tag: str) -> None:
        if tag == "h1":
            self._in_h1 = False

    def handle_data(self, data: str) -> None:
        if self._in_h1:
            self.h1.append(data)


OUR_SVG = {"xmlns", "class", "id", "width", "height", "role", "aria-labelledby",
           "aria-describedby"}
"""The attributes of the bar charts' <svg> (search/outputs/charts.py), and no others."""


def live_markup(body: str) -> list[str]:
    """What in a page could run or load something the site did not put there: a script other
    than /static/app.js, an event handler or inline style, a javascript: URL, an element our
    templates never use (an <svg> is ours only as a chart: class "chart", our attributes)."""
    parser = _Elements()
    parser.feed(body)
    parser.close()
    found = []
    for tag, attrs in parser.elements:
        if tag == "script" and dict(attrs).get("src") != "/static/app.js":
            found.append("a script that is not /static/app.js")
        ours = (tag == "meta" and set(dict(attrs)) <= {"charset", "name", "content"}) or (
            tag == "svg" and dict(attrs).get("class") == "chart" and set(dict(attrs)) <= OUR_SVG)
        if tag in ("img", "svg", "iframe", "object", "embed", "style", "base", "meta") and \
                not ours:
            found.append(f"a <{tag}> element")
        for name, value in attrs:
            if name.startswith("on") or name in ("style", "autofocus", "srcdoc"):
                found.append(f"a {name} attribute on <{tag}>")
            if name in ("href", "src", "action", "formaction", "data") and value and \
                    SCRIPTING.match(value) and not value.startswith("data:,"):
                found.append(f"a {value[:20]!r} URL on <{tag}>")
    return found


def problems(probe: Probe, answer: Answer) -> list[tuple[str, str]]:
    """What is wrong with `answer` to `probe`, as (kind, description); empty when all is well.
    Kinds: "server_errors", "stack_traces", "unescaped_reflections", "other_problems"."""
    found: list[tuple[str, str]] = []
    status, body = answer.status, answer.body
    if status >= 500:
        found.append(("server_errors", f"status {status}"))
    for marker in STACK_TRACE:
        if marker in body and marker not in probe.value:
            found.append(("stack_traces", f"{marker!r} in the body"))
    for leak in LEAKS:
        if leak in body and leak not in probe.value:
            found.append(("other_problems", f"file content {leak!r} served"))
    if answer.seconds > SLOW_SECONDS:
        found.append(("other_problems", f"answered in {answer.seconds:.1f} s"))
    if len(body) > MAX_ANSWER_BYTES:
        found.append(("other_problems", f"an answer of {len(body)} characters"))
    if status == 0:
        if probe.family != "oversized":  # a refused huge body may cut the connection
            found.append(("other_problems", f"no answer: {body[:80]}"))
        return found
    if status not in ALLOWED_STATUSES:
        found.append(("other_problems", f"unexpected status {status}"))
    mimetype = answer.headers.get("content-type", "").split(";")[0].strip()
    from_app = "content-security-policy" in answer.headers
    if mimetype == "text/html" and not from_app:
        found.append(("unescaped_reflections", "a page without the Content-Security-Policy"))
    if not from_app:  # the server refused the request before the app saw it
        if status not in SERVER_STATUSES:
            found.append(("other_problems", f"status {status} without the app's headers"))
        return found
    if mimetype == "text/html":
        found += [("unescaped_reflections", f"live markup: {what}") for what in live_markup(body)]
        for shown in {probe.value, probe.value.strip()}:
            if LIVE_TAG.search(shown) and shown in body:
                found.append(("unescaped_reflections", f"{shown[:40]!r} reflected as is"))
    if status >= 400:
        found += [("other_problems", p) for p in _error_shape(probe, answer, mimetype)]
    return found


def _error_shape(probe: Probe, answer: Answer, mimetype: str) -> list[str]:
    """The app's one error shape: JSON {"error": {status, message, hint}} under /api/, else an
    HTML page whose heading starts with the status."""
    if probe.target.startswith("/api/") and probe.method != "HEAD":
        try:
            data = json.loads(answer.body)
        except ValueError:
            return [f"a {answer.status} under /api/ that is not JSON"]
        error = data.get("error") if isinstance(data, dict) else None
        if not isinstance(error, dict) or set(error) != {"status", "message", "hint"} or \
                error["status"] != answer.status or set(data) != {"error"}:
            return [f"a {answer.status} JSON error of another shape: {answer.body[:80]}"]
        return []
    if probe.method == "HEAD":
        return []
    if mimetype != "text/html":
        return [f"a {answer.status} page as {mimetype}"]
    parser = _Elements()
    parser.feed(answer.body)
    heading = " ".join("".join(parser.h1).split())
    if not heading.startswith(f"{answer.status}: "):
        return [f"a {answer.status} page headed {heading[:60]!r}"]
    return []


# ---- generated requests -----------------------------------------------------------------------

def hostile_value(rng: random.Random) -> str:
    """A value a hostile or careless user could send: a payload, random Unicode (any plane,
    surrogates included), control characters, query operators, or a long mix of them."""
    kind = rng.randrange(6)
    if kind == 0:
        return rng.choice(PAYLOADS)
    if kind == 1:
        return "".join(chr(rng.randrange(0x110000)) for _ in range(rng.randrange(1, 40)))
    if kind == 2:
        return "".join(chr(rng.choice((*range(0x20), 0x7F, *range(0x80, 0xA0), 0x2028, 0x2029)))
                       for _ in range(rng.randrange(1, 10)))
    if kind == 3:
        return " ".join(rng.choice(OPERATOR_WORDS) for _ in range(rng.randrange(1, 30)))
    if kind == 4:
        return rng.choice(PAYLOADS) * rng.randrange(20, 400)
    return "".join(rng.choice((rng.choice(PAYLOADS), chr(rng.randrange(0x20, 0x3000)), " "))
                   for _ in range(rng.randrange(2, 12)))


def random_probe(rng: random.Random, limit: int) -> Probe:
    """One generated request, every family in turn by chance."""
    family = rng.choices(("search", "path", "compare", "listing", "traversal", "method",
                          "oversized", "raw", "repeated", "headers", "outputs"),
                         weights=(40, 25, 10, 5, 5, 5, 2, 3, 5, 3, 8))[0]
    value, style = hostile_value(rng), rng.choice(ENCODINGS)
    if family == "search":
        return search_probe(value, rng.choice(SEARCH_PARAMS), style, rng.random() < 0.5)
    if family == "path":
        return path_probe(rng.choice(("passage", "document", "objective", "static")), value,
                          style, rng.randrange(2))
    if family == "compare":
        return compare_probe(value, rng.choice(COMPARE_PARAMS), style, rng.random() < 0.5)
    if family == "outputs":
        route = rng.choice(OUTPUT_ROUTES)
        return output_probe(value, rng.choice(output_params(route)), style, route)
    if family == "listing":
        return listing_probe(value, style, rng.choice(("/objectives", "/api/objectives",
                                                       "/api/documents")))
    if family == "traversal":
        return Probe("traversal", "GET", rng.choice(TRAVERSALS))
    if family == "method":
        return Probe("method", rng.choice(WRITE_METHODS), rng.choice(GET_ROUTES))
    if family == "oversized":
        return rng.choice(oversized_probes(limit))
    if family == "headers":
        return header_probe(rng.choice(HEADER_ATTACKS), rng.choice(GET_ROUTES))
    if family == "repeated":
        param = rng.choice(SEARCH_PARAMS)
        spellings, size = [], rng.randrange(1000, limit - 2000)
        while size > 0:
            spelling = f"{' ' * rng.randrange(4)}{rng.choice(SPELLINGS[param])}" \
                       f"{' ' * rng.randrange(4)}"
            spellings.append(spelling)
            size -= len(param) + 2 + len(quote(spelling, safe=""))
        return repeated_probe(param, spellings, rng.random() < 0.5)
    return raw_probe(rng.choice(RAW_REQUESTS))


# ---- the server -------------------------------------------------------------------------------

@dataclass
class Server:
    """`python -m search serve --port 0` over `corpus` and `index`, its stderr drained by a
    thread (so a full pipe never blocks it) and kept, for the request log."""

    corpus: Path
    index: Path
    lines: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        env = {**os.environ, "GCM_SEARCH_CORPUS": str(self.corpus),
               "GCM_SEARCH_INDEX": str(self.index)}
        env.pop("GCM_SEARCH_DEBUG", None)
        self._queue: queue.Queue[str | None] = queue.Queue()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "search", "serve", "--port", "0"], cwd=ROOT, env=env,
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            text=True, encoding="utf-8", errors="replace")
        self._reader = threading.Thread(target=self._drain, daemon=True)
        self._reader.start()

    def _drain(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.append(line.rstrip("\n"))
            self._queue.put(line)
        self._queue.put(None)

    def wait_for_address(self, seconds: float = START_SECONDS) -> str:
        """The base URL from the "Serving gcm-search on …" line."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = self._queue.get(timeout=left)
            except queue.Empty:
                break
            if line is None:
                raise RuntimeError(f"gcm-search serve exited ({self.proc.wait()}):\n"
                                   + "\n".join(self.lines))
            if found := SERVING.search(line):
                return found.group(1)
        raise RuntimeError(f"gcm-search serve did not start within {seconds} s")

    def memory_kib(self) -> tuple[int, int]:
        """The server's resident memory now and at its peak (VmRSS, VmHWM), in KiB: of its
        largest process (with gunicorn, each worker process is a whole server)."""
        pids = [self.proc.pid]
        with suppress(OSError):
            children = f"/proc/{self.proc.pid}/task/{self.proc.pid}/children"
            pids += [int(pid) for pid in Path(children).read_text(encoding="ascii").split()]
        now, peak = 0, 0
        for pid in pids:
            with suppress(OSError, KeyError):  # a worker gone meanwhile
                status = Path(f"/proc/{pid}/status").read_text(encoding="ascii")
                values = dict(re.findall(r"^(VmRSS|VmHWM):\s+(\d+) kB", status, re.MULTILINE))
                now, peak = max(now, int(values["VmRSS"])), max(peak, int(values["VmHWM"]))
        return now, peak

    def request_lines(self) -> list[str]:
        """The log lines of app requests (the startup lines excluded)."""
        return [line for line in self.lines if re.match(r"^\d{4}-\d\d-\d\d ", line)]

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:  # pragma: no cover - a hung server
            self.proc.kill()
            self.proc.wait()
        self._reader.join(timeout=10)
        assert self.proc.stderr is not None
        self.proc.stderr.close()


@contextmanager
def serving(corpus: Path, index: Path) -> Iterator[tuple[str, Server]]:
    server = Server(corpus, index)
    try:
        yield server.wait_for_address(), server
    finally:
        server.stop()


# ---- the run ----------------------------------------------------------------------------------

def fuzz(base: str, server: Server, seconds: float, seed: int,
         on_answer: Callable[[Probe, Answer], None] | None = None) -> dict[str, Any]:
    """Send generated requests to `base` for `seconds`; the figures of the module docstring."""
    rng = random.Random(seed)
    families: Counter[str] = Counter()
    statuses: Counter[str] = Counter()
    kinds: Counter[str] = Counter()
    kept: list[dict[str, Any]] = []
    slowest = 0.0
    send(base, search_probe("trafficking", "q", "quoted", api=True))  # warm the server up
    rss_start, _ = server.memory_kib()
    rss_mid = 0
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if not rss_mid and time.monotonic() - started >= seconds / 2:
            rss_mid, _ = server.memory_kib()
        probe = random_probe(rng, MAX_REQUEST_HEADER_BYTES)
        answer = send(base, probe)
        families[probe.family] += 1
        statuses[str(answer.status)] += 1
        slowest = max(slowest, answer.seconds)
        for kind, description in problems(probe, answer):
            kinds[kind] += 1
            if len(kept) < MAX_PROBLEMS_KEPT:
                kept.append({"family": probe.family, "method": probe.method,
                             "target": probe.target[:200], "status": answer.status,
                             "problem": description})
        if on_answer:
            on_answer(probe, answer)
    elapsed = time.monotonic() - started
    rss_end, peak = server.memory_kib()
    traced = sum("Traceback" in line for line in server.lines)
    return {
        "seconds": round(elapsed, 1),
        "seed": seed,
        "requests": sum(families.values()),
        "by_family": dict(families.most_common()),
        "statuses": dict(sorted(statuses.items())),
        "server_errors": kinds["server_errors"],
        "stack_traces": kinds["stack_traces"] + traced,
        "unescaped_reflections": kinds["unescaped_reflections"],
        "other_problems": kinds["other_problems"],
        "problems": kept,
        "slowest_ms": round(slowest * 1000, 1),
        "log_lines": len(server.request_lines()),
        "rss_start_kib": rss_start,
        "rss_mid_kib": rss_mid or rss_start,
        "rss_end_kib": rss_end,
        "peak_rss_kib": peak,
    }


def run(seconds: float, seed: int, corpus: Path | None, index: Path | None) -> dict[str, Any]:
    """`fuzz` against a fresh server: over `corpus` and `index`, or a private copy of the
    bundled corpus indexed by the server on start (the user's own index is never touched)."""
    with tempfile.TemporaryDirectory(prefix="gcm-web-fuzz-") as scratch:
        if corpus is None or index is None:
            corpus = Path(scratch) / "corpus"
            shutil.copytree(ROOT / "corpus", corpus)
            index = Path(scratch) / "index"
        with serving(corpus, index) as (base, server):
            return fuzz(base, server, seconds, seed)


def summary(figures: dict[str, Any]) -> str:
    return (f"{figures['requests']} hostile requests in {figures['seconds']} s "
            f"({', '.join(f'{k} {v}' for k, v in figures['by_family'].items())}); statuses "
            f"{figures['statuses']}; 5xx {figures['server_errors']}, stack traces "
            f"{figures['stack_traces']}, unescaped reflections "
            f"{figures['unescaped_reflections']}, other problems {figures['other_problems']}; "
            f"slowest {figures['slowest_ms']} ms; server RSS {figures['rss_start_kib']} -> "
            f"{figures['rss_mid_kib']} (half time) -> {figures['rss_end_kib']} KiB, peak "
            f"{figures['peak_rss_kib']} KiB")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path, help="write the figures here")
    parser.add_argument("--corpus", type=Path, help="a corpus folder (with --index)")
    parser.add_argument("--index", type=Path, help="its built index folder (with --corpus)")
    args = parser.parse_args()
    figures = run(args.seconds, args.seed, args.corpus, args.index)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n",
                             encoding="utf-8")
    print(summary(figures))
    for problem in figures["problems"]:
        print(f"  {problem['status']} {problem['method']} {problem['target'][:100]}: "
              f"{problem['problem']}")
    failed = figures["server_errors"] + figures["stack_traces"] + \
        figures["unescaped_reflections"] + figures["other_problems"]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
