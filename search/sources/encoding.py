"""Bytes -> text for the text and HTML readers: which encoding a corpus file is in.

Readers call `decode()` once on the file's bytes; every offset a passage carries then counts
characters of the string it returns. The order of evidence is: a byte order mark, strict UTF-8,
an encoding the file declares (HTML `<meta charset>`), then detection with charset-normalizer.
Reviews come in English, French and Spanish, so when Windows-1252 (a superset of Latin-1 for
printable text) is among the readings the detector finds plausible, it is the one taken: on short
French or Spanish text charset-normalizer often ranks an equally "clean" Central European or DOS
code page first, which would turn "êtres" into "ętres".
"""

from __future__ import annotations

import codecs
import unicodedata

from ..errors import CorpusError

# UTF-32 before UTF-16: the UTF-32 LE mark starts with the UTF-16 LE one.
_BOMS: tuple[tuple[bytes, str, str], ...] = (
    (codecs.BOM_UTF8, "utf-8", "UTF-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le", "UTF-32 LE"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "UTF-32 BE"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16 LE"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16 BE"),
)

_WESTERN = "cp1252"
# How much more "chaos" (charset-normalizer's mess ratio, 0-1) than the best reading a
# Windows-1252 reading may have and still be preferred.
_WESTERN_SLACK = 0.05
# Control characters that real text files do contain: tab, line breaks, form feed (page breaks
# in pdftotext output), vertical tab, and the DOS end-of-file mark.
_TEXT_CONTROLS = frozenset("\t\n\r\f\v\x1a")
# A text with more than this share of other control, private-use or unassigned characters is
# taken for binary data decoded by accident.
_MAX_JUNK = 0.01

_SAVE_AS_UTF8 = "save the file as UTF-8 text"


def decode(data: bytes, name: str, *, declared: str | None = None) -> str:
    """Decode a corpus file's bytes, or raise `CorpusError` naming the file (`name`) and why.

    `declared` is an encoding the file itself names (an HTML `<meta charset>`); it is used only
    when there is no byte order mark and the bytes are not UTF-8.
    """
    for bom, codec, label in _BOMS:
        if data.startswith(bom):
            # The mark is not part of the text: offsets count from the first real character.
            return _no_nul(_strict(data, len(bom), codec, label, name), name)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        utf8_error = f"not UTF-8: byte {exc.start} is {data[exc.start]:#04x}"
    else:
        if "\x00" not in text:
            return text
        # Valid UTF-8 with NULs: binary data, unless it is UTF-16/32 without a byte order mark.
        wide = _detect(data, name, "", wide_only=True)
        if wide is None or not _plausible(wide):
            raise CorpusError(f"{name}: not a text file (binary data)")
        return wide
    if declared:
        text_or_none = _try(data, declared)
        if text_or_none is not None and _plausible(text_or_none):
            return text_or_none
    guessed = _detect(data, name, utf8_error)
    if guessed is None or not _plausible(guessed):
        raise CorpusError(f"{name}: not a text file (binary data)")
    return guessed


def _strict(data: bytes, skip: int, codec: str, label: str, name: str) -> str:
    try:
        return data[skip:].decode(codec)
    except UnicodeDecodeError as exc:
        at = skip + exc.start
        raise CorpusError(
            f"{name}: starts with a {label} byte order mark but is not {label} text "
            f"(byte {at} is {data[at]:#04x})",
            _SAVE_AS_UTF8,
        ) from exc


def _try(data: bytes, codec: str) -> str | None:
    try:
        return data.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def _detect(data: bytes, name: str, utf8_error: str, *, wide_only: bool = False) -> str | None:
    """charset-normalizer's reading of `data` (Windows-1252 when it is a close second); None when
    `wide_only` and the reading is not UTF-16 or UTF-32."""
    # Imported here: plain UTF-8 files, nearly all of them, never need the detector.
    from charset_normalizer import from_bytes

    matches = list(from_bytes(data))
    if wide_only:
        wide = [m for m in matches if m.encoding.startswith(("utf_16", "utf_32"))]
        return str(wide[0]) if wide else None
    if not matches:
        if b"\x00" in data[:4096]:
            raise CorpusError(f"{name}: not a text file (binary data)")
        raise CorpusError(f"{name}: cannot tell its text encoding ({utf8_error})", _SAVE_AS_UTF8)
    best = matches[0]
    western = _try(data, _WESTERN)
    if western is not None:
        for match in matches:
            # Decoded here, not with str(match), which would keep every candidate's text alive.
            if match.chaos <= best.chaos + _WESTERN_SLACK and _try(data, match.encoding) == western:
                return western
    return str(best)


def _no_nul(text: str, name: str) -> str:
    if "\x00" in text:
        raise CorpusError(f"{name}: not a text file (binary data)")
    return text


def _plausible(text: str) -> bool:
    """No NULs, and hardly any control, private-use or unassigned characters.

    Applied to guessed decodings only: a file that is valid UTF-8 (or has a byte order mark) is
    taken as its author wrote it, NULs apart.
    """
    if "\x00" in text:
        return False
    sample = text[:100_000]
    junk = sum(
        1
        for char in sample
        if char not in _TEXT_CONTROLS
        and (char < " " or "\x7f" <= char <= "\x9f"
             or (char > "\x9f" and unicodedata.category(char) in ("Co", "Cn")))
    )
    return junk <= _MAX_JUNK * len(sample)
