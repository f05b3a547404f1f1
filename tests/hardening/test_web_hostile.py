"""The web app under hostile input, through real HTTP: `python -m search serve --port 0` (a
worker process per core under gunicorn, or waitress on one core, with the bounds `serve` sets)
over the session's Japan index, sent what a hostile or careless client sends.

Hypothesis generates the values (markup and script payloads, `javascript:` URLs, quotes and query
operators, control characters, NUL, any Unicode, lone surrogates, very long strings) and how they
are put into the URL (percent-encoded, with bare slashes, double-encoded, as Latin-1); every
answer goes through bench/web_fuzz.py's `problems`, the same check the bounded fuzzing run
(`python bench/web_fuzz.py`) applies: no 5xx, no stack trace, hostile text never live in a page,
a Content-Security-Policy on every page, the app's one error shape on every 4xx, no file content.
Then the bounds (query length, paging, request size, methods), path traversal, and the log.
"""

from __future__ import annotations

import json
import operator
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from bench_modules import load
from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh.searching import Searcher

from search.caches import QUERIES
from search.config import Config
from search.index import OpenIndex
from search.query import MAX_QUERY_CHARS
from search.results import (
    MAX_CORRECTED_LETTERS,
    MAX_LIMIT,
    MAX_PAGE,
    Request,
    make_filters,
    search,
)
from search.web import MAX_REQUEST_BODY_BYTES, MAX_REQUEST_HEADER_BYTES

web_fuzz = load("web_fuzz")
Probe, Answer = web_fuzz.Probe, web_fuzz.Answer

ROOT = Path(__file__).resolve().parents[2]
BUDGET = settings(max_examples=120, deadline=None)
HEADERS = {"content-security-policy": "default-src 'self'; script-src 'self'",
           "content-type": "text/html; charset=utf-8"}

values = st.one_of(
    st.sampled_from(web_fuzz.PAYLOADS),
    st.text(max_size=60),
    st.text(st.characters(categories=["Cc", "Cf", "Cs", "Zl", "Zp", "Co"]), max_size=12),
    st.lists(st.sampled_from(web_fuzz.OPERATOR_WORDS), min_size=1, max_size=25).map(" ".join),
    st.builds(operator.mul, st.sampled_from(web_fuzz.PAYLOADS), st.integers(20, 300)),
    st.lists(st.one_of(st.sampled_from(web_fuzz.PAYLOADS), st.text(max_size=4)),
             min_size=2, max_size=6).map("".join),
)
styles = st.sampled_from(web_fuzz.ENCODINGS)
# Answers from the app itself (the server refuses some requests before it): each must have logged
# exactly one line.
APP_ANSWERS: list[str] = []


@pytest.fixture(scope="module")
def served(japan_config: Config) -> Iterator[tuple[str, Any]]:
    with web_fuzz.serving(japan_config.corpus, japan_config.index) as (base, server):
        yield base, server


@pytest.fixture(scope="module")
def base(served: tuple[str, Any]) -> str:
    return served[0]


def answer_to(base: str, probe: Any) -> Any:
    """Send `probe` and fail on any problem with its answer; the answer, for more checks."""
    answer = web_fuzz.send(base, probe)
    if "content-security-policy" in answer.headers:
        APP_ANSWERS.append(probe.target)
    assert not web_fuzz.problems(probe, answer), (probe.target[:300], answer.status,
                                                  answer.body[:300])
    return answer


def get(base: str, target: str) -> Any:
    return answer_to(base, Probe("test", "GET", target))


# ---- the checker itself: it sees what it must see ---------------------------------------------

@pytest.mark.parametrize(("body", "headers", "status", "kind"), [
    ("<h1>200</h1><script>alert(1)</script>", HEADERS, 200, "unescaped_reflections"),
    ('<input value=""><img src=x onerror=alert(1)>">', HEADERS, 200, "unescaped_reflections"),
    ('<a href=" javascript:alert(1)">x</a>', HEADERS, 200, "unescaped_reflections"),
    ('<input value="" onmouseover="alert(1)">', HEADERS, 200, "unescaped_reflections"),
    ("<h1>200</h1>", {"content-type": "text/html"}, 200, "unescaped_reflections"),
    ("Traceback (most recent call last):", HEADERS, 400, "stack_traces"),
    ("<h1>Oops</h1>", HEADERS, 400, "other_problems"),
    ("<h1>404: no passage</h1> root:x:0:0:root", HEADERS, 404, "other_problems"),
    ("<h1>502: bad gateway</h1>", HEADERS, 502, "server_errors"),
    ("<h1>302: moved</h1>", HEADERS, 302, "other_problems"),
    ("<p>" + "x" * web_fuzz.MAX_ANSWER_BYTES, HEADERS, 200, "other_problems"),
])
def test_the_check_finds_each_problem(body: str, headers: dict[str, str], status: int,
                                      kind: str) -> None:
    probe = Probe("test", "GET", "/?q=x", '"><img src=x onerror=alert(1)>')
    assert kind in {k for k, _ in web_fuzz.problems(probe, Answer(status, headers, body, 0.01))}


def test_the_check_passes_an_escaped_page_and_a_json_error() -> None:
    probe = Probe("test", "GET", "/api/search?q=x", "<script>alert(1)</script>")
    page = ('<script src="/static/app.js" defer></script><h1>400: no &lt;script&gt;</h1>'
            '<input value="&lt;script&gt;alert(1)&lt;/script&gt;">')
    assert web_fuzz.problems(probe, Answer(400, {**HEADERS, "content-type": "application/json"},
                                           json.dumps({"error": {"status": 400, "message": "m",
                                                                 "hint": ""}}), 0.01)) == []
    assert web_fuzz.problems(Probe("test", "GET", "/", probe.value),
                             Answer(400, HEADERS, page, 0.01)) == []
    wrong = json.dumps({"error": {"status": 404, "message": "m", "hint": ""}})
    assert web_fuzz.problems(probe, Answer(400, {**HEADERS, "content-type": "application/json"},
                                           wrong, 0.01))


# ---- generated values in every parameter of every route ---------------------------------------

@BUDGET
@given(param=st.sampled_from(web_fuzz.SEARCH_PARAMS), api=st.booleans(), value=values,
       style=styles)
def test_search_parameters(base: str, param: str, api: bool, value: str, style: str) -> None:
    """Any value of any search parameter: results, or a 400 naming the problem."""
    answer = answer_to(base, web_fuzz.search_probe(value, param, style, api))
    assert answer.status in (200, 400)
    if api and answer.status == 200:
        assert {"results", "total"} <= set(json.loads(answer.body))


@BUDGET
@given(family=st.sampled_from(("passage", "document", "objective", "static")),
       variant=st.integers(0, 1), value=values, style=styles)
def test_path_segments(base: str, family: str, variant: int, value: str, style: str) -> None:
    """Any id, document name, objective number or static file name: found, or a 404 (400 for
    an objective number out of range)."""
    answer = answer_to(base, web_fuzz.path_probe(family, value, style, variant))
    assert answer.status in ((200, 400, 404) if family == "objective" else (200, 404))


@settings(max_examples=60, deadline=None)
@given(param=st.sampled_from(web_fuzz.COMPARE_PARAMS), api=st.booleans(), value=values,
       style=styles)
def test_compare_parameters(base: str, param: str, api: bool, value: str, style: str) -> None:
    assert answer_to(base, web_fuzz.compare_probe(value, param, style, api)).status in (200, 400)


@settings(max_examples=60, deadline=None)
@given(route=st.sampled_from(web_fuzz.OUTPUT_ROUTES), data=st.data(), value=values,
       style=styles)
def test_output_parameters(base: str, route: str, data: st.DataObject, value: str,
                           style: str) -> None:
    """Any value of any parameter of the coverage matrix or an export: the page or file, or a
    400 naming the problem (with no query and no filter, an export has nothing to give)."""
    param = data.draw(st.sampled_from(web_fuzz.output_params(route)))
    answer = answer_to(base, web_fuzz.output_probe(value, param, style, route))
    assert answer.status in (200, 400)


@settings(max_examples=30, deadline=None)
@given(route=st.sampled_from(("/objectives", "/api/objectives", "/api/documents")),
       value=values, style=styles)
def test_listings_ignore_unknown_parameters(base: str, route: str, value: str,
                                            style: str) -> None:
    assert answer_to(base, web_fuzz.listing_probe(value, style, route)).status == 200


@pytest.mark.parametrize("line", web_fuzz.RAW_REQUESTS, ids=repr)
def test_malformed_requests(base: str, line: bytes) -> None:
    """Invalid UTF-8, bare NUL and control bytes, odd request lines: a clean answer, never 5xx."""
    answer = answer_to(base, web_fuzz.raw_probe(line))
    assert 200 <= answer.status < 500


@pytest.mark.parametrize("header", web_fuzz.HEADER_ATTACKS, ids=lambda h: f"{h[0]}: {h[1][:20]}")
def test_hostile_headers(base: str, header: tuple[str, str]) -> None:
    """Ranges, dates, encodings, cookies, hosts: a clean answer on every kind of route."""
    for route in ("/?q=victims", "/api/search?q=victims", "/p/japan-2022:2a.6", "/static/app.js"):
        answer = answer_to(base, web_fuzz.header_probe(header, route))
        assert answer.status in (200, 400, 416)


# ---- bounds -----------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/", "/api/search", "/objectives/10", "/api/compare/10"])
@pytest.mark.parametrize("char", ["a", "é", "移", "😀"])
def test_query_length_is_bounded_in_characters(base: str, path: str, char: str) -> None:
    at_most = get(base, f"{path}?q={quote(char * MAX_QUERY_CHARS)}")
    assert at_most.status == 200
    over = get(base, f"{path}?q={quote(char * (MAX_QUERY_CHARS + 1))}")
    assert over.status == 400
    assert str(MAX_QUERY_CHARS) in over.body


NOT_WHOLE_NUMBERS = ["abc", "1e3", "5.0", "0x10", "1_0", "1 0", "+5", "\uff11", "\u0663", "5\x00",
                     "\u00b2"]


@pytest.mark.parametrize(("path", "name", "highest"), [
    ("/", "page", MAX_PAGE), ("/api/search", "page", MAX_PAGE),
    ("/", "limit", MAX_LIMIT), ("/api/search", "limit", MAX_LIMIT),
    ("/objectives/10", "per", MAX_LIMIT), ("/api/compare/10", "per", MAX_LIMIT),
])
def test_paging_is_bounded(base: str, path: str, name: str, highest: int) -> None:
    """Out of range, negative, huge or not plain ASCII digits (int() takes "１" and "1_0"):
    a 400 naming the parameter. In range: fine."""
    for value in ["0", "-1", str(highest + 1), "9" * 19, "9" * 5000, *NOT_WHOLE_NUMBERS]:
        answer = get(base, f"{path}?q=victims&{name}={quote(value)}")
        assert answer.status == 400, (name, value, answer.status)
        assert f"{name} must be" in answer.body.replace("&#39;", "'"), (name, value)
    for value in ["1", str(highest), "", " 2 "]:
        assert get(base, f"{path}?q=victims&{name}={quote(value)}").status == 200


@pytest.mark.parametrize(("normal", "repeated"), [
    ("q=victims", "q=victims&" + "&".join(f"q=a{i}" for i in range(3000))),
    ("q=victims&limit=20", "q=victims&" + "&".join(f"limit={20 + i % 80}" for i in range(3000))),
    ("q=victims&country=Japan",
     "q=victims&" + "&".join(f"country={'+' * i}{c}" for i in range(100)
                             for c in ("Japan", "jpn", "JAPAN"))),
    ("q=victims&kind=progress", "q=victims&" + "&".join(f"kind={'+' * i}Progress"
                                                        for i in range(300))),
    ("q=victims&section=2", "q=victims&" + "&".join(f"section={'+' * i}2" for i in range(300))),
    ("q=victims&objective=10",
     "q=victims&" + "&".join(f"objective={o}" for o in ("10", "trafficking", "+10") * 500)),
])
def test_repeated_values_do_not_multiply_the_page(base: str, normal: str, repeated: str) -> None:
    """Every link on a results page carries the search state: 300 spellings of one country made a
    49 KB request a 15 MB page, 5,000 `q=` a 730 KB one. Now the state is the checked filters,
    each once, and the first `q` and `limit`: the page is the one for the plain request."""
    plain = get(base, f"/?{normal}")
    many = get(base, f"/?{repeated}")
    assert plain.status == many.status == 200
    assert many.body == plain.body


def _spellings(param: str) -> st.SearchStrategy[tuple[str, list[str]]]:
    padded = st.builds(lambda before, value, after: " " * before + value + " " * after,
                       st.integers(0, 3), st.sampled_from(web_fuzz.SPELLINGS[param]),
                       st.integers(0, 3))
    return st.tuples(st.just(param), st.lists(padded, min_size=1, max_size=400))


@settings(max_examples=40, deadline=None)
@given(repeated=st.sampled_from(web_fuzz.SEARCH_PARAMS).flatmap(_spellings), api=st.booleans())
def test_repeated_valid_values_keep_the_answer_small(base: str, repeated: tuple[str, list[str]],
                                                     api: bool) -> None:
    """Hundreds of spellings of valid values: an ordinary answer (the bundled corpus's pages are
    under 40 KB), not one that grows with the request."""
    answer = answer_to(base, web_fuzz.repeated_probe(*repeated, api))
    assert answer.status == 200 and len(answer.body) < 100_000


@pytest.mark.parametrize("probe", web_fuzz.oversized_probes(MAX_REQUEST_HEADER_BYTES),
                         ids=["request line", "header", "many headers", "body",
                              "declared body", "chunked body"])
def test_oversized_requests_are_refused_quickly(served: tuple[str, Any], probe: Any) -> None:
    """Past the bounds: 413 for a body, 431 for headers. A request line is part of the headers
    to waitress (431); gunicorn, which serves several workers, answers a request line of its own
    with 414 (URI Too Long): the same bound, a more precise status."""
    base, server = served
    answer = answer_to(base, probe)
    line = 414 if any("(gunicorn," in line for line in server.lines) else 431
    expected = 413 if probe.body or b"Content-Length" in probe.raw or b"chunked" in probe.raw \
        else line if probe.target.startswith("/?q=") else 431
    assert answer.status == expected
    assert answer.seconds < 5


def test_the_bounds_leave_room_for_the_longest_query(base: str) -> None:
    """The longest query of 4-byte characters, percent-encoded, with every filter, fits."""
    filters = "&".join(f"{name}={quote('x' * 200)}" for name in web_fuzz.FILTERS)
    target = f"/api/search?q={quote('😀' * MAX_QUERY_CHARS)}&{filters}"
    assert len(target) > 12_000
    assert get(base, target).status == 400  # the filters are unknown values, not too big
    body = b"a" * (MAX_REQUEST_BODY_BYTES - 1)
    assert answer_to(base, Probe("test", "GET", "/?q=victims", body=body)).status == 200


@pytest.mark.parametrize("route", web_fuzz.GET_ROUTES)
def test_other_methods_are_405(base: str, route: str) -> None:
    for method in ("POST", "PUT", "DELETE", "PATCH"):
        assert answer_to(base, Probe("method", method, route)).status == 405
    head = answer_to(base, Probe("method", "HEAD", route))
    assert head.status == 200 and head.body == ""


def test_a_long_run_of_letters_is_not_spell_checked(japan_index: OpenIndex,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """`?q=` + "abcdefghij" * 100 took a second of CPU per request, in Whoosh's edit-distance
    automaton for the typo correction; typos are corrected in words of up to 40 letters."""
    asked: list[str] = []

    def suggest(self: Searcher, fieldname: str, text: str, **kwargs: Any) -> list[str]:
        asked.append(text)
        return []

    monkeypatch.setattr(Searcher, "suggest", suggest)
    filters = make_filters(japan_index)
    for word in ("abcdefghij" * 100, "a" * (MAX_CORRECTED_LETTERS + 1)):
        assert search(japan_index, Request(word, filters, 1, 10)).total == 0
    assert asked == []
    search(japan_index, Request("traffikcingg", filters, 1, 10))
    assert asked == ["traffikcingg"]


def test_distinct_phrases_do_not_grow_the_term_cache(japan_index: OpenIndex,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Each distinct phrase is a cache entry, and one matching nothing added nothing to the
    cache's size bound: the server's memory grew with every hostile phrase query. Now each entry
    counts its key too, within the one budget (lowered here, to see it without 100,000
    searches)."""
    QUERIES.clear()
    monkeypatch.setattr(QUERIES, "budget", 50_000)
    filters = make_filters(japan_index)
    for n in range(200):
        assert search(japan_index, Request(f'"migrants zq{n}x"', filters, 1, 10)).total == 0
        assert QUERIES.size <= 50_000
    assert QUERIES.evicted > 0
    assert search(japan_index, Request('"trafficking in persons"', filters, 1, 10)).total > 0
    QUERIES.clear()


# ---- path traversal ---------------------------------------------------------------------------

@pytest.mark.parametrize("target", web_fuzz.TRAVERSALS)
def test_path_traversal_is_a_404(base: str, target: str) -> None:
    """Ids, document names and static file names never reach the file system: a 404, without
    the content of the file aimed at (`/p//etc/passwd` was a redirect)."""
    assert get(base, target).status == 404


def test_corpus_file_names_are_never_paths(base: str, japan_config: Config) -> None:
    """The catalog's source files are read by the indexer only; no URL serves them."""
    catalog = json.loads((japan_config.corpus / "catalog.json").read_text(encoding="utf-8"))
    for document in catalog["documents"]:
        name = document["file"]
        head = (japan_config.corpus / name).read_text(encoding="utf-8")[:60]
        for target in (f"/d/{name}", f"/p/{name}", f"/api/passages/{name}", f"/static/{name}",
                       f"/static/../corpus/{name}", f"/static/..%2fcorpus%2f{name}",
                       f"/d/..%2fcorpus%2f{name}", f"/{name}", f"/corpus/{name}",
                       f"/static/{quote(str(japan_config.corpus / name), safe='')}"):
            answer = get(base, target)
            assert answer.status == 404, target
            assert head not in answer.body
        assert get(base, f"/d/{document['id']}").status == 200


# ---- the log, and the server after all this ---------------------------------------------------

@pytest.mark.parametrize("target", [
    "/p/x%0a2026-01-01%2000:00:00,000%20127.0.0.1%20GET%20/forged%20200%201.0ms",
    "/d/x%0d%0aforged", "/p/x%1b[31mred", "/d/x%c2%85y", "/d/x%e2%80%a8y", "/p/a%00b",
    "/?q=x%0a%0dforged", "/api/search?q=%0aforged&country=%0d",
])
def test_each_request_is_one_log_line(served: tuple[str, Any], target: str) -> None:
    """A decoded newline (or NEL, or line separator) in a path cannot forge a log line, nor an
    escape sequence colour the terminal: the target is logged percent-encoded."""
    base, server = served
    before = len(server.lines)
    get(base, target)
    deadline = time.monotonic() + 5
    while len(server.lines) == before and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.05)  # a forged second line would be here by now
    new = server.lines[before:]
    assert len(new) == 1 and len(new[0].splitlines()) == 1, new
    assert web_fuzz.LOG_LINE.match(new[0]) and "\x1b" not in new[0], new
    assert "forged" not in new[0] or "%0" in new[0]


def test_the_server_still_answers_and_logged_every_request(served: tuple[str, Any]) -> None:
    """After everything above (this test runs last): a normal query gets its usual results,
    and the log holds one well-formed line per request and no traceback."""
    base, server = served
    answer = get(base, "/api/search?q=trafficking")
    assert answer.status == 200 and json.loads(answer.body)["total"] == 11
    deadline = time.monotonic() + 5  # the log is read from the server's stderr as it comes
    while len(server.request_lines()) < len(APP_ANSWERS) and time.monotonic() < deadline:
        time.sleep(0.05)
    requests = server.request_lines()
    well_formed = [line for line in requests if web_fuzz.LOG_LINE.match(line)]
    assert (len(well_formed), len(requests)) == (len(APP_ANSWERS), len(APP_ANSWERS)), \
        [line for line in requests if line not in well_formed][:5]
    assert not [line for line in server.lines if "Traceback" in line]


# ---- the bounded fuzzing run ------------------------------------------------------------------

def test_web_fuzz_bench_runs_and_reports(japan_config: Config, tmp_path: Path) -> None:
    """`python bench/web_fuzz.py` for a few seconds: it runs, finds nothing, and writes the
    figures bench/hardening.py reads."""
    out = tmp_path / "web_fuzz.json"
    subprocess.run([sys.executable, "bench/web_fuzz.py", "--seconds", "3", "--seed", "3",
                    "--json", str(out), "--corpus", str(japan_config.corpus),
                    "--index", str(japan_config.index)],
                   cwd=ROOT, check=True, timeout=120, capture_output=True)
    figures = json.loads(out.read_text(encoding="utf-8"))
    assert set(figures) == {"seconds", "seed", "requests", "by_family", "statuses",
                            "server_errors", "stack_traces", "unescaped_reflections",
                            "other_problems", "problems", "slowest_ms", "log_lines",
                            "rss_start_kib", "rss_mid_kib", "rss_end_kib", "peak_rss_kib"}
    assert figures["seconds"] >= 3 and figures["requests"] > 50
    assert sum(figures["by_family"].values()) == figures["requests"]
    assert sum(figures["statuses"].values()) == figures["requests"]
    assert re.fullmatch(r"[0-9]{3}", min(figures["statuses"]))
    assert (figures["server_errors"], figures["stack_traces"], figures["unescaped_reflections"],
            figures["other_problems"], figures["problems"]) == (0, 0, 0, 0, [])
    assert 0 < figures["log_lines"] <= figures["requests"] + 1  # +1: the warm-up request
    assert 0 < figures["rss_start_kib"] <= figures["peak_rss_kib"]
    assert 0 < figures["rss_mid_kib"] <= figures["peak_rss_kib"]
    assert figures["rss_end_kib"] <= figures["peak_rss_kib"]
