"""Citations: a passage (or a verbatim part of it) and its document -> a reference a reader can
follow to the paragraph, in the formats people paste into reports and reference managers. Pure.

    Government of Japan, Voluntary GCM review by Japan (2022), section 2(a), para. 6
    [japan-2022:2a.6].

`Quote` says what is cited: the passage, the exact words, and their offsets in the source text.
A document added from a URL keeps it and its access date, and every format carries both (the text
and markdown forms end "Available at: URL (accessed 3 December 2026)."). Documents of every scope
are cited by their corporate author, so one without a country (a regional review, the Compact, an
organisation's submission) reads as naturally as a country's.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from .errors import BadInput
from .escapes import unescape
from .models import Document, Passage, Scope

FORMATS = ("text", "markdown", "csl-json", "bibtex", "ris", "annotation")
GENRE = "Voluntary GCM review"
GENRES: dict[Scope, str] = {
    "national": GENRE,
    "regional": "Regional GCM review",
    "global": "Global Compact for Migration document",
    "stakeholder": "Stakeholder contribution to the GCM review",
}
"""What kind of report each scope's documents are (CSL `genre`, BibTeX `type`, RIS `M3`)."""
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")


@dataclass(frozen=True)
class Quote:
    """What is cited: a passage, the words quoted from it, and their source offsets."""

    passage: Passage
    document: Document
    words: str
    start: int
    end: int


def pinpoint(passage: Passage) -> str:
    """Where the passage is in the document, as a reader finds it: "section 2(a), para. 6";
    a printed paragraph number when the review numbers them; the pages of a PDF."""
    parts = []
    sub = f"({passage.subsection})" if passage.subsection else ""
    if passage.section:
        parts.append(f"section {passage.section}{sub}")
    elif passage.section_title:
        parts.append(f"section “{passage.section_title}”{sub}")
    parts.append(f"para. {passage.number or passage.para}")
    if passage.pages:
        first, last = passage.pages[0], passage.pages[-1]
        parts.append(f"p. {first}" if first == last else f"pp. {first}–{last}")
    return ", ".join(parts)


def citation(passage: Passage, document: Document) -> str:
    """The one-line reference: author, title (year), pinpoint [stable id]. Every hit has one.

    It names no country: the author is the corporate one ("Government of Japan", "United
    Nations Network on Migration"), so documents without a country read the same way.
    """
    return (
        f"{document.author}, {document.title} ({document.year}), {pinpoint(passage)} "
        f"[{passage.id}]."
    )


def genre(document: Document) -> str:
    return GENRES.get(document.scope, GENRE)


def availability(document: Document, *, markdown: bool = False) -> str:
    """"Available at: URL (accessed 3 December 2026)." for a document added from a URL; "" for
    the others. In markdown the URL is an autolink, so that no character of it is read as
    emphasis."""
    if not document.url:
        return ""
    url = f"<{_autolink(document.url)}>" if markdown else document.url
    accessed = _accessed(document)
    when = (f" (accessed {accessed.day} {MONTHS[accessed.month - 1]} {accessed.year})"
            if accessed else f" (accessed {document.accessed})" if document.accessed else "")
    return f"Available at: {url}{when}."


def _accessed(document: Document) -> date | None:
    """The access date, when the catalog has a valid one (it is kept as YYYY-MM-DD)."""
    try:
        return date.fromisoformat(document.accessed) if document.accessed else None
    except ValueError:
        return None


def _autolink(url: str) -> str:
    # A CommonMark autolink ends at a space or ">": those are percent-encoded, the same URL.
    return url.replace(" ", "%20").replace("<", "%3C").replace(">", "%3E")


def _with_availability(reference: str, document: Document, *, markdown: bool = False) -> str:
    available = availability(document, markdown=markdown)
    return f"{reference} {available}" if available else reference


def quote_of(passage: Passage, document: Document, part: str | None = None) -> Quote:
    """Cite the whole passage, or `part` of it, which must be in it word for word."""
    # Finding quotes is for citing and checking them: a search, which only shows `citation`s,
    # never loads it.
    from .anchor import closest, find_in_passage, passage_range, source_range

    if not part:
        start, end = passage_range(passage)
        return Quote(passage, document, passage.text, start, end)
    found = find_in_passage(part, passage)
    if found is None:
        differ = closest(part, [passage])
        diff = f": {differ.rendered}" if differ else ""
        raise BadInput(f"the quote is not verbatim in {passage.id}{diff}",
                       "[-quoted-]{+as in the passage+}; copy the words from `gcm-search show`")
    start, end = source_range(passage, *found)
    return Quote(passage, document, passage.text[found[0] : found[1]], start, end)


def as_text(quote: Quote) -> str:
    # Pasted into reports, so as a reader sees it: the source's "US\$" escapes undone.
    reference = _with_availability(citation(quote.passage, quote.document), quote.document)
    return f"“{unescape(quote.words)}” {reference}"


def as_markdown(quote: Quote) -> str:
    reference = _with_availability(citation(quote.passage, quote.document), quote.document,
                                   markdown=True)
    return f"> {unescape(quote.words)}\n\n— {reference}"


def csl_item(quote: Quote) -> dict[str, Any]:
    """A CSL-JSON item for the document, with the citation-item pinpoint (locator, label)."""
    document, passage = quote.document, quote.passage
    item: dict[str, Any] = {
        "id": document.id,
        "type": "report",
        "title": document.title,
        "author": [{"literal": document.author}],
        "issued": {"date-parts": [[document.year]]},
        "genre": genre(document),
        "publisher": document.author,
        "note": f"gcm-search passage {passage.id}",
        "locator": _locator(passage),
        "label": "section" if passage.section else "paragraph",
    }
    if document.cycle:
        item["collection-title"] = document.cycle
    if document.url:
        item["URL"] = document.url
        accessed = _accessed(document)
        if accessed:
            item["accessed"] = {"date-parts": [[accessed.year, accessed.month, accessed.day]]}
        elif document.accessed:
            item["accessed"] = {"raw": document.accessed}
    if document.language:
        item["language"] = document.language
    return item


def as_csl_json(quote: Quote) -> str:
    return json.dumps([csl_item(quote)], ensure_ascii=False, indent=2)


def _locator(passage: Passage) -> str:
    return pinpoint(passage).removeprefix("section ")


def as_bibtex(quote: Quote) -> str:
    document, passage = quote.document, quote.passage
    fields = [
        ("author", "{" + _tex(document.author) + "}"),  # corporate author: one name, kept whole
        ("title", _tex(document.title)),
        ("institution", _tex(document.author)),
        ("type", _tex(genre(document))),
        ("year", str(document.year)),
        ("note", _tex(f"{pinpoint(passage)} [{passage.id}]")),
    ]
    if document.url:
        # biblatex's url and urldate (ISO date); braces would unbalance the entry, and are not
        # legal in a URL unescaped anyway.
        fields.append(("url", document.url.replace("{", "%7B").replace("}", "%7D")))
        accessed = _accessed(document)
        if accessed or document.accessed:
            urldate = accessed.isoformat() if accessed else _tex(document.accessed)
            fields.append(("urldate", urldate))
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@report{{{document.id},\n{body}\n}}"


def _tex(text: str) -> str:
    """Escape what LaTeX would read as commands, so braces always balance."""
    replacements = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "&": r"\&", "%": r"\%",
                    "$": r"\$", "#": r"\#", "_": r"\_", "~": r"\textasciitilde{}",
                    "^": r"\textasciicircum{}"}
    return re.sub(r"[\\{}&%$#_~^]", lambda m: replacements[m.group()], text)


def as_ris(quote: Quote) -> str:
    document, passage = quote.document, quote.passage
    lines = [
        ("TY", "RPRT"),
        ("AU", document.author),
        ("TI", document.title),
        ("PY", str(document.year)),
        ("PB", document.author),
        ("M3", genre(document)),
        ("N1", f"{pinpoint(passage)} [{passage.id}]"),
        ("ID", document.id),
    ]
    if document.cycle:
        lines.append(("T3", document.cycle))
    if document.url:
        lines.append(("UR", document.url))
        accessed = _accessed(document)
        if accessed or document.accessed:
            # Y2 is the access date in the 2011 RIS specification, written YYYY/MM/DD/.
            y2 = (f"{accessed.year:04d}/{accessed.month:02d}/{accessed.day:02d}/" if accessed
                  else document.accessed)
            lines.append(("Y2", y2))
    if document.language:
        lines.append(("LA", document.language))
    lines.append(("ER", ""))
    return "\n".join(f"{tag}  - {value}".rstrip() if tag == "ER" else f"{tag}  - {value}"
                     for tag, value in lines)


def source_uri(document: Document) -> str:
    """The annotation target: the document's URL, or a URN naming it in this corpus."""
    return document.url or f"urn:gcm-search:{document.id}"


def annotation(quote: Quote, source_text: str) -> dict[str, Any]:
    """A W3C Web Annotation whose target selects the quoted words in the source text."""
    from .anchor import selectors

    return {
        "@context": "http://www.w3.org/ns/anno.jsonld",
        "type": "Annotation",
        "motivation": "quoting",
        "body": {"type": "TextualBody", "value": citation(quote.passage, quote.document),
                 "format": "text/plain"},
        "target": {
            "source": source_uri(quote.document),
            "selector": selectors(source_text, quote.start, quote.end),
        },
    }


def as_annotation(quote: Quote, source_text: str) -> str:
    return json.dumps(annotation(quote, source_text), ensure_ascii=False, indent=2)


def render(fmt: str, quote: Quote, source_text: str) -> str:
    """`quote` in one of `FORMATS`."""
    if fmt == "annotation":
        return as_annotation(quote, source_text)
    renderers = {"text": as_text, "markdown": as_markdown, "csl-json": as_csl_json,
                 "bibtex": as_bibtex, "ris": as_ris}
    return renderers[fmt](quote)
