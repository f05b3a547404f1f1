"""Readers and the catalog: corpus files -> text and line spans; catalog.json -> Documents.

Every offset that a passage, a highlight or a citation carries refers to the text that these
readers return, so the spans are checked character by character.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from search.catalog import load_catalog, parse_catalog
from search.errors import CorpusError
from search.models import Span
from search.sources import read_source, split_blocks
from search.sources.text import read_text

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
SEED = Path("/work/shared/seed/000_72600e5c51edf008.txt")

Blocks = tuple[tuple[Span, ...], ...]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", ()),
        ("\n\n  \n", ()),
        ("one line", (((0, 8),),)),
        ("para one\n\npara two", (((0, 8),), ((10, 18),))),
        ("a\nb\n\nc\n", (((0, 1), (2, 3)), ((5, 6),))),
        ("a\r\nb\r\n\r\nc", (((0, 1), (3, 4)), ((8, 9),))),
        ("  x y  \n\n\tz", (((2, 5),), ((10, 11),))),
        ("a\n   \t\nb", (((0, 1),), ((7, 8),))),
        ("\n\nlast line without newline", (((2, 27),),)),
        ("a\rb\r\rc", (((0, 1), (2, 3)), ((5, 6),))),
    ],
    ids=["empty", "blank", "one-line", "no-final-newline", "lf", "crlf", "leading-spaces",
         "whitespace-line", "leading-blank-lines", "cr"],
)
def test_split_blocks_offsets(text: str, expected: Blocks) -> None:
    """Blocks are runs of non-blank lines; each span is its line without surrounding space."""
    assert split_blocks(text) == expected


@pytest.mark.parametrize(
    "text",
    ["a\r\nb\r\n\r\nc", "  x y  \n\n\tz", "first\n  second  \r\n\n\n third"],
)
def test_split_blocks_spans_slice_trimmed_lines(text: str) -> None:
    """Each span's slice is a whole line's content: no line break, no edge whitespace."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    slices = [text[s:e] for block in split_blocks(text) for s, e in block]
    assert slices == lines


def test_read_text_drops_bom_so_offsets_start_at_the_first_character(tmp_path: Path) -> None:
    path = tmp_path / "bom.txt"
    path.write_bytes(b"\xef\xbb\xbfHello there\r\n\r\nSecond.")
    source = read_text(path)
    assert source.text == "Hello there\r\n\r\nSecond."
    assert [b.spans for b in source.blocks] == [((0, 11),), ((15, 22),)]
    assert [source.text[s:e] for b in source.blocks for s, e in b.spans] == ["Hello there",
                                                                             "Second."]
    assert source.path == str(path)


def test_read_source_reads_txt_and_md_case_insensitively(tmp_path: Path) -> None:
    for name in ("a.TXT", "b.md", "c.text"):
        path = tmp_path / name
        path.write_text("Ünïcode line\n", encoding="utf-8")
        assert read_source(path).text == "Ünïcode line\n"


def test_read_text_detects_a_latin1_file(tmp_path: Path) -> None:
    """A Latin-1 (or Windows-1252) review is decoded as such, not refused or garbled."""
    path = tmp_path / "latin1-review.txt"
    path.write_bytes("Caf\u00e9 society\n".encode("latin-1"))
    assert read_text(path).text == "Caf\u00e9 society\n"


def test_read_text_rejects_nul_bytes(tmp_path: Path) -> None:
    path = tmp_path / "binary.txt"
    path.write_bytes(b"text\x00more")
    with pytest.raises(CorpusError, match=r"binary\.txt"):
        read_text(path)


def test_read_text_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "absent.txt"
    with pytest.raises(CorpusError, match=r"absent\.txt"):
        read_source(path)


@pytest.mark.parametrize(("name", "words"), [("review.odt", ".odt"), ("README", "extensionless")])
def test_read_source_unknown_extension(tmp_path: Path, name: str, words: str) -> None:
    """Unknown formats are a corpus error naming the file, never read as text."""
    path = tmp_path / name
    path.write_text("Some text.\n", encoding="utf-8")
    with pytest.raises(CorpusError) as info:
        read_source(path)
    assert name in info.value.message
    assert words in info.value.message
    assert ".txt" in info.value.hint


def test_corpus_file_is_the_seed_byte_for_byte() -> None:
    """The bundled review is the shared seed, unaltered: offsets and hashes depend on it."""
    assert SEED.is_file(), "the shared seed is missing"
    assert (CORPUS / SEED.name).read_bytes() == SEED.read_bytes()


def test_japan_source_blocks_slice_non_blank_lines() -> None:
    source = read_source(CORPUS / SEED.name)
    assert source.text == SEED.read_bytes().decode("utf-8")
    lines = [line.strip() for line in source.text.splitlines() if line.strip()]
    assert [source.text[s:e] for b in source.blocks for s, e in b.spans] == lines
    assert source.text[slice(*source.blocks[0].spans[0])] == "Voluntary GCM review by Japan"


# --- catalog -------------------------------------------------------------------------------

GOOD_ENTRY: dict[str, Any] = {
    "id": "japan-2022",
    "file": "000_72600e5c51edf008.txt",
    "title": "Voluntary GCM review by Japan",
    "country": "Japan",
    "iso3": "JPN",
    "year": 2022,
    "author": "Government of Japan",
}


def _catalog(**changes: Any) -> dict[str, Any]:
    entry = copy.deepcopy(GOOD_ENTRY)
    for key, value in changes.items():
        if value is None:
            del entry[key]
        else:
            entry[key] = value
    return {"documents": [entry]}


def test_load_catalog_on_the_real_corpus() -> None:
    (doc,) = load_catalog(CORPUS)
    assert (doc.id, doc.country, doc.iso3, doc.year, doc.author) == (
        "japan-2022", "Japan", "JPN", 2022, "Government of Japan"
    )
    assert doc.file == SEED.name
    assert doc.cycle == "IMRF 2022"
    assert doc.language == "en"
    assert (CORPUS / doc.file).is_file()


def test_parse_catalog_accepts_minimal_entry_with_defaults() -> None:
    (doc,) = parse_catalog(_catalog())
    assert doc.id == "japan-2022"
    assert (doc.cycle, doc.language, doc.url) == ("", "en", "")


def test_parse_catalog_ignores_unknown_keys() -> None:
    (doc,) = parse_catalog(_catalog(notes="free text"))
    assert doc.title == GOOD_ENTRY["title"]


@pytest.mark.parametrize("field", ["id", "file", "title", "country", "iso3", "year", "author"])
def test_parse_catalog_missing_field(field: str) -> None:
    with pytest.raises(CorpusError, match=rf"lacks {field}"):
        parse_catalog(_catalog(**{field: None}), "cat.json")


@pytest.mark.parametrize("bad_id", ["Japan-2022", "japan 2022", "-japan", "japan_2022", "a" * 65,
                                    "japan:2022"])
def test_parse_catalog_bad_id(bad_id: str) -> None:
    """Ids become passage id prefixes ("japan-2022:2a.6"): only slugs are allowed."""
    with pytest.raises(CorpusError, match="is not a slug"):
        parse_catalog(_catalog(id=bad_id))


def test_parse_catalog_duplicate_ids() -> None:
    data = _catalog()
    data["documents"].append(copy.deepcopy(GOOD_ENTRY))
    with pytest.raises(CorpusError, match="duplicate document ids: japan-2022"):
        parse_catalog(data)


@pytest.mark.parametrize("year", ["2022", 2022.0, [2022]])
def test_parse_catalog_year_must_be_an_int(year: object) -> None:
    with pytest.raises(CorpusError, match="year must be a number"):
        parse_catalog(_catalog(year=year))


def test_parse_catalog_rejects_boolean_year() -> None:
    """JSON `true` is not a year; isinstance(True, int) lets it through as Document.year=True."""
    with pytest.raises(CorpusError):
        parse_catalog(_catalog(year=True))


@pytest.mark.parametrize("file", ["sub/review.txt", "../review.txt", "/etc/passwd"])
def test_parse_catalog_file_must_be_a_plain_name(file: str) -> None:
    """A catalog must not point outside its corpus folder."""
    with pytest.raises(CorpusError, match="plain file name"):
        parse_catalog(_catalog(file=file))


@pytest.mark.parametrize(
    "data",
    [[], {"docs": []}, {"documents": {}}, None, {"documents": ["japan-2022"]}],
    ids=["list", "wrong-key", "not-a-list", "null", "entry-not-object"],
)
def test_parse_catalog_bad_shape(data: object) -> None:
    with pytest.raises(CorpusError, match=r"cat\.json"):
        parse_catalog(data, "cat.json")


def test_load_catalog_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="does not exist"):
        load_catalog(tmp_path / "nowhere")


def test_load_catalog_missing_file(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="is missing"):
        load_catalog(tmp_path)


def test_load_catalog_invalid_json(tmp_path: Path) -> None:
    (tmp_path / "catalog.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(CorpusError, match="cannot be read"):
        load_catalog(tmp_path)


def test_load_catalog_reads_a_written_catalog(tmp_path: Path) -> None:
    (tmp_path / "catalog.json").write_text(json.dumps(_catalog(year=2019)), encoding="utf-8")
    (doc,) = load_catalog(tmp_path)
    assert doc.year == 2019
