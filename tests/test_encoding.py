"""Encoding detection for text and HTML files: byte order marks, UTF-8, Windows-1252 and Latin-1
reviews in French and Spanish, and clear errors for what is not text.

Offsets into a source count characters of the decoded text, so a wrong decoding would misplace
every highlight and citation: these tests check the exact strings.
"""

from __future__ import annotations

import codecs
import random
from pathlib import Path

import pytest

from search.errors import CorpusError
from search.sources import read_source
from search.sources.encoding import decode
from search.sources.text import read_text

FRENCH = "Objectif 10 : lutter contre la traite des êtres humains"
SPANISH = "Objetivo 10: Prevenir, combatir y erradicar la trata de personas; niños y niñas"
WESTERN_SAMPLES = [
    FRENCH,
    SPANISH,
    "Café society",
    "Señor",
    "Garantizar que la migración sea voluntaria, ordenada y regular",
    "Pour la période 2019-2021, le gouvernement a financé 12 projets d'intégration.",
    "Améliorer l'accès à la protection consulaire, à l'assistance et à la coopération",
    "Año 2022 - «Pacto Mundial para la Migración Segura, Ordenada y Regular»",
]
# Characters Windows-1252 has and Latin-1 has not (quotes, dashes, the euro, œ).
CP1252_ONLY = "L’État « Pacte mondial » : œuvre commune — 10 € … “sûres”"


@pytest.mark.parametrize(
    ("bom", "codec"),
    [
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
        (codecs.BOM_UTF32_LE, "utf-32-le"),
        (codecs.BOM_UTF32_BE, "utf-32-be"),
    ],
    ids=["utf-8", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"],
)
def test_a_byte_order_mark_wins_and_is_not_part_of_the_text(bom: bytes, codec: str) -> None:
    text = f"{FRENCH}\r\n\r\n{SPANISH}\n"
    assert decode(bom + text.encode(codec), "r.txt") == text


def test_utf8_without_a_mark() -> None:
    text = f"{FRENCH}\n{SPANISH}\n{CP1252_ONLY}\n日本語\n"
    assert decode(text.encode("utf-8"), "r.txt") == text


def test_ascii_and_empty() -> None:
    assert decode(b"Voluntary GCM review by Japan\n", "r.txt") == "Voluntary GCM review by Japan\n"
    assert decode(b"", "empty.txt") == ""


@pytest.mark.parametrize("codec", ["cp1252", "latin-1"])
@pytest.mark.parametrize("sample", WESTERN_SAMPLES)
def test_french_and_spanish_in_windows_1252_and_latin_1(sample: str, codec: str) -> None:
    """Short Western text is where detectors guess a Central European or DOS code page."""
    assert decode(sample.encode(codec), "revue.txt") == sample


def test_windows_1252_punctuation() -> None:
    assert decode(CP1252_ONLY.encode("cp1252"), "revue.txt") == CP1252_ONLY


def test_a_whole_french_review_in_windows_1252() -> None:
    text = "\n\n".join(
        [
            "Examen national volontaire du Pacte mondial",
            "1 Veiller à ce que les migrations soient sûres, ordonnées et régulières",
            "(Objectifs du PMM : 2, 5, 6, 12, 18)",
            "a) Progrès",
            f"{FRENCH}. Le ministère de l’Intérieur a créé un numéro d’appel gratuit ; "
            "les victimes reçoivent une aide juridique, médicale et psychologique.",
        ]
    )
    assert decode(text.encode("cp1252"), "france.txt") == text


def test_utf16_without_a_mark_is_detected() -> None:
    text = "Voluntary GCM review by Japan, saved as Unicode without a byte order mark"
    assert decode(text.encode("utf-16-le"), "r.txt") == text


def test_declared_encoding_is_used_when_the_bytes_are_not_utf8() -> None:
    text = "Prix : 10 € par personne"
    assert decode(text.encode("iso8859_15"), "page.html", declared="iso8859_15") == text
    # UTF-8 bytes stay UTF-8 whatever a page declares.
    assert decode(text.encode("utf-8"), "page.html", declared="cp1252") == text


@pytest.mark.parametrize(
    "data",
    [
        b"text\x00more",
        b"\x00" * 64,
        random.Random(6).randbytes(4000),
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8,
    ],
    ids=["nul", "nuls", "random", "png"],
)
def test_binary_data_is_refused_naming_the_file(data: bytes) -> None:
    with pytest.raises(CorpusError) as info:
        decode(data, "scan.txt")
    assert info.value.message == "scan.txt: not a text file (binary data)"


def test_a_broken_byte_order_mark_names_the_byte() -> None:
    with pytest.raises(CorpusError) as info:
        decode(codecs.BOM_UTF8 + b"ok \xff", "bad.txt")
    assert info.value.message == (
        "bad.txt: starts with a UTF-8 byte order mark but is not UTF-8 text (byte 6 is 0xff)"
    )
    with pytest.raises(CorpusError, match=r"odd\.txt: starts with a UTF-16 LE byte order mark"):
        decode(codecs.BOM_UTF16_LE + b"a", "odd.txt")


def test_an_undecidable_encoding_says_so() -> None:
    with pytest.raises(CorpusError) as info:
        decode(random.Random(0).randbytes(24), "x.txt")
    assert info.value.message.startswith(("x.txt: cannot tell its text encoding (not UTF-8",
                                          "x.txt: not a text file"))
    assert "\n" not in info.value.message


# --- the text reader uses it ---------------------------------------------------------------


def test_read_text_decodes_windows_1252_with_offsets_into_the_decoded_text(
    tmp_path: Path,
) -> None:
    path = tmp_path / "france.txt"
    path.write_bytes(f"Titre\r\n\r\n{FRENCH}\r\nsuite\r\n".encode("cp1252"))
    source = read_text(path)
    assert source.text == f"Titre\r\n\r\n{FRENCH}\r\nsuite\r\n"
    assert [[source.text[s:e] for s, e in b.spans] for b in source.blocks] == [
        ["Titre"], [FRENCH, "suite"]
    ]


def test_read_text_utf16_file_from_windows_notepad(tmp_path: Path) -> None:
    path = tmp_path / "espana.txt"
    path.write_bytes(codecs.BOM_UTF16_LE + f"{SPANISH}\r\n".encode("utf-16-le"))
    source = read_source(path)
    assert source.text == f"{SPANISH}\r\n"
    assert source.blocks[0].spans == ((0, len(SPANISH)),)


def test_read_text_utf8_is_unchanged(tmp_path: Path) -> None:
    """UTF-8 files decode exactly as before detection existed: the bytes' own characters."""
    data = f"\n\n{FRENCH}\n\n{CP1252_ONLY}\n".encode()
    path = tmp_path / "r.txt"
    path.write_bytes(data)
    assert read_text(path).text == data.decode("utf-8")


def test_read_text_binary_file(tmp_path: Path) -> None:
    path = tmp_path / "photo.txt"
    path.write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 4)
    with pytest.raises(CorpusError) as info:
        read_text(path)
    assert info.value.message == "photo.txt: not a text file (binary data)"
