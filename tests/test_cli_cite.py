"""`gcm-search cite` and `gcm-search verify` through click's CliRunner, on the session index.

The formats' rules are checked in test_cite.py; here: what the commands print, their exit codes,
and that errors are one line on stderr, never a traceback.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from cli_checks import one_line_error
from click.testing import CliRunner, Result

from search.catalog import CATALOG
from search.cli import main
from search.config import CORPUS_ENV, INDEX_ENV, Config
from search.index import build
from search.models import Passage

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
JP = "japan-2022"
CITATION_2A6 = ("Government of Japan, Voluntary GCM review by Japan (2022), section 2(a), para. 6 "
                "[japan-2022:2a.6].")
CITATION_2B4 = ("Government of Japan, Voluntary GCM review by Japan (2022), section 2(b), para. 4 "
                "[japan-2022:2b.4].")


def cli(config: Config, *args: str) -> Result:
    """Run a command against `config`'s corpus and index (from the environment, as users may)."""
    env = {CORPUS_ENV: str(config.corpus), INDEX_ENV: str(config.index)}
    return CliRunner().invoke(main, list(args), env=env)


def _annotation_offsets(data: dict[str, Any]) -> tuple[int, int]:
    position = next(s for s in data["target"]["selector"] if s["type"] == "TextPositionSelector")
    return position["start"], position["end"]


# ---- cite ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("fmt", "check"),
    [
        ("text", lambda out, p: out == f"“{p.text}” {CITATION_2A6}\n"),
        ("markdown", lambda out, p: out == f"> {p.text}\n\n— {CITATION_2A6}\n"),
        ("csl-json", lambda out, p: json.loads(out)[0]["locator"] == "2(a), para. 6"),
        ("bibtex", lambda out, p: out.startswith("@report{japan-2022,\n")
         and "  author = {{Government of Japan}},\n" in out and out.endswith("\n}\n")),
        ("ris", lambda out, p: out.startswith("TY  - RPRT\n") and out.endswith("\nER  -\n")
         and f"N1  - section 2(a), para. 6 [{p.id}]\n" in out),
        ("annotation", lambda out, p: json.loads(out)["type"] == "Annotation"
         and json.loads(out)["body"]["value"] == CITATION_2A6),
    ],
)
def test_cite_each_format(japan_config: Config, japan_by_id: dict[str, Passage], fmt: str,
                          check: Any) -> None:
    result = cli(japan_config, "cite", f"{JP}:2a.6", "--format", fmt)
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    assert check(result.stdout, japan_by_id[f"{JP}:2a.6"]), result.stdout


def test_cite_default_is_text(japan_config: Config) -> None:
    assert cli(japan_config, "cite", f"{JP}:2a.6").stdout == \
        cli(japan_config, "cite", f"{JP}:2a.6", "-f", "text").stdout


def test_cite_quote_narrows_the_annotation(japan_config: Config,
                                           japan_by_id: dict[str, Passage]) -> None:
    """--quote: the offsets move inside the passage's, onto the quoted words."""
    whole = json.loads(cli(japan_config, "cite", f"{JP}:2a.6", "-f", "annotation").stdout)
    result = cli(japan_config, "cite", f"{JP}:2a.6", "-f", "annotation", "--quote",
                 "various programs including repatriation and reintegration")
    assert result.exit_code == 0, result.stderr
    part = json.loads(result.stdout)
    (w_start, w_end), (start, end) = _annotation_offsets(whole), _annotation_offsets(part)
    assert (w_start, w_end) == (5658, 6172)
    assert w_start < start < end < w_end
    exact = part["target"]["selector"][0]["exact"]
    assert exact == "various programs including\n\nrepatriation and reintegration"
    assert end - start == len(exact)
    text = cli(japan_config, "cite", f"{JP}:2a.6", "-q", "various programs including "
               "repatriation and reintegration").stdout
    assert text == f"“various programs including repatriation and reintegration” {CITATION_2A6}\n"


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["cite", "nope"], 1, "no passage 'nope'"),
        (["cite", f"{JP}:9z.9"], 1, "no passage"),
        (["cite", f"{JP}:1a.1", "--quote", "the number of specified skilled workers in Japan was "
          "45,907"], 2, "the number of specified skilled workers in Japan was [-45,907-] "
          "{+45,970+}"),
        (["cite", f"{JP}:1a.2", "-f", "annotation", "--quote", "45,970"], 2,
         "not verbatim in japan-2022:1a.2"),
        (["cite", f"{JP}:1a.1", "--format", "apa"], 2, "Invalid value for '-f' / '--format'"),
    ],
)
def test_cite_errors(japan_config: Config, args: list[str], code: int, message: str) -> None:
    result = cli(japan_config, *args)
    assert result.exit_code == code
    assert message in one_line_error(result)


URL = "https://example.org/reviews/japan_2022.pdf"


@pytest.fixture(scope="module")
def online_config(tmp_path_factory: pytest.TempPathFactory) -> Config:
    """The Japan corpus as if it had been added from a URL on 3 December 2026."""
    base = tmp_path_factory.mktemp("online")
    corpus = base / "corpus"
    shutil.copytree(CORPUS, corpus)
    catalog = json.loads((corpus / CATALOG).read_text(encoding="utf-8"))
    catalog["documents"][0].update(url=URL, accessed="2026-12-03")
    (corpus / CATALOG).write_text(json.dumps(catalog), encoding="utf-8")
    config = Config(corpus=corpus, index=base / "index")
    build(config)
    return config


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [
        ("text", f"{CITATION_2A6} Available at: {URL} (accessed 3 December 2026).\n"),
        ("markdown", f"{CITATION_2A6} Available at: <{URL}> (accessed 3 December 2026).\n"),
        ("csl-json", f'"URL": "{URL}",\n    "accessed": {{\n      "date-parts": [\n        [\n'
                     "          2026,\n          12,\n          3\n        ]\n      ]\n    },"),
        ("bibtex", f"  url = {{{URL}}},\n  urldate = {{2026-12-03}}\n}}\n"),
        ("ris", f"UR  - {URL}\nY2  - 2026/12/03/\nLA  - en\nER  -\n"),
        ("annotation", f'"source": "{URL}"'),
    ],
)
def test_cite_a_document_added_from_a_url(online_config: Config, fmt: str,
                                          expected: str) -> None:
    result = cli(online_config, "cite", f"{JP}:2a.6", "--format", fmt)
    assert result.exit_code == 0, result.stderr
    assert expected in result.stdout


# ---- verify -------------------------------------------------------------------------------------

def test_verify_a_quote(japan_config: Config) -> None:
    result = cli(japan_config, "verify", "various programs including repatriation")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines == [
        "Found in japan-2022:2a.6, characters 5792-5832 of 000_72600e5c51edf008.txt "
        "(forgiven: line breaks).",
        CITATION_2A6,
    ]


def test_verify_a_quote_json(japan_config: Config) -> None:
    result = cli(japan_config, "verify", "the police arrested 339 suspects", "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert set(data) == {"found", "passage", "passages", "doc", "file", "start", "end", "exact",
                         "forgiven", "method", "citation"}
    assert data["passages"] == [f"{JP}:2b.4"]
    assert data["found"] is True and data["passage"] == f"{JP}:2b.4"
    assert data["exact"] == "the police arrested 339 suspects"
    assert data["end"] - data["start"] == len(data["exact"])
    assert (data["forgiven"], data["method"], data["citation"]) == ([], "quote", CITATION_2B4)


def test_verify_a_misquote(japan_config: Config) -> None:
    result = cli(japan_config, "verify", "in 2020, the arrested police 339 suspects")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert re.fullmatch(r"Not in the corpus\. Closest: japan-2022:2b\.4 \(\d+% similar\)\. "
                        r"Words that differ, \[-as quoted-\]\{\+as in the source\+\}:", lines[0])
    assert lines[1] == "in 2020, the {+police+} arrested [-police-] 339 suspects"
    assert "Error" not in result.stderr


def test_verify_a_changed_number(japan_config: Config) -> None:
    result = cli(japan_config, "verify", "the number of specified skilled workers in Japan was "
                 "45,907")
    assert result.exit_code == 1
    assert re.search(r"\[-45,907-\] ?\{\+45,970\+\}", result.stdout)


def test_verify_a_misquote_json(japan_config: Config) -> None:
    result = cli(japan_config, "verify", "the police have arrested 339 suspects", "--json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert set(data) == {"found", "closest", "similarity", "diff", "ops"}
    assert data["found"] is False and data["closest"] == f"{JP}:2b.4"
    assert data["diff"] == "the police [-have-] arrested 339 suspects"
    assert data["ops"] == [{"op": "delete", "quote": ["have"], "source": []}]
    assert 0 < data["similarity"] < 100


def _write_annotation(japan_config: Config, tmp_path: Path, *args: str) -> Path:
    made = cli(japan_config, "cite", *args, "--format", "annotation")
    assert made.exit_code == 0, made.stderr
    path = tmp_path / "annotation.json"
    path.write_text(made.stdout, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("args", "passage_id"),
    [
        ([f"{JP}:2a.6"], f"{JP}:2a.6"),
        ([f"{JP}:2a.7", "--quote", "In 2021, Japan contributed approx. US$142,000 to the IOM."],
         f"{JP}:2a.7"),
        ([f"{JP}:4b.7"], f"{JP}:4b.7"),
    ],
)
def test_verify_an_annotation_made_by_cite(japan_config: Config, tmp_path: Path,
                                           args: list[str], passage_id: str) -> None:
    path = _write_annotation(japan_config, tmp_path, *args)
    made = json.loads(path.read_text(encoding="utf-8"))
    result = cli(japan_config, "verify", "--annotation", str(path))
    assert result.exit_code == 0, result.stderr
    start, end = _annotation_offsets(made)
    assert result.stdout.splitlines()[0] == (
        f"Found in {passage_id}, characters {start}-{end} of 000_72600e5c51edf008.txt, "
        "re-anchored by position.")
    as_json = json.loads(cli(japan_config, "verify", "--annotation", str(path), "--json").stdout)
    assert (as_json["passage"], as_json["start"], as_json["end"]) == (passage_id, start, end)
    assert as_json["exact"] == made["target"]["selector"][0]["exact"]
    assert as_json["method"] == "position"


def test_verify_an_orphaned_annotation(japan_config: Config, tmp_path: Path) -> None:
    path = _write_annotation(japan_config, tmp_path, f"{JP}:2a.6")
    data = json.loads(path.read_text(encoding="utf-8"))
    data["target"]["source"] = "urn:gcm-search:elsewhere-2020"
    path.write_text(json.dumps(data), encoding="utf-8")
    result = cli(japan_config, "verify", "--annotation", str(path))
    assert result.exit_code == 1
    assert result.stdout.startswith("Orphaned: its source 'urn:gcm-search:elsewhere-2020'")
    as_json = json.loads(cli(japan_config, "verify", "--annotation", str(path), "--json").stdout)
    assert as_json["found"] is False and as_json["orphaned"] is True


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read"),  # no file
        ("{not json", "is not JSON"),
        ("", "is not JSON"),
        (b"\xff\xfe\x00garbage", "is not JSON"),
        ("[]", "the annotation has no target"),
        ('{"target": {"source": "urn:gcm-search:japan-2022"}}', "has no selector"),
    ],
)
def test_verify_bad_annotation_files(japan_config: Config, tmp_path: Path,
                                     content: str | bytes | None, message: str) -> None:
    path = tmp_path / "annotation.json"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content, encoding="utf-8")
    result = cli(japan_config, "verify", "--annotation", str(path))
    assert result.exit_code != 0
    assert message in one_line_error(result)


@pytest.mark.parametrize(
    "args",
    [
        ["verify"],
        ["verify", "a quote", "--annotation", "annotation.json"],
        ["verify", "", "--json"],
    ],
    ids=["neither", "both", "empty quote"],
)
def test_verify_usage_errors(japan_config: Config, args: list[str]) -> None:
    result = cli(japan_config, *args)
    assert result.exit_code == 2
    assert "give a QUOTE or --annotation FILE" in one_line_error(result)
