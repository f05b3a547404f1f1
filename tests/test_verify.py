"""verify.py on the Japan review: every passage round-trips (cite as an annotation, verify it;
verify its text as a quote), misquotes get the closest passage and the words that differ, and
annotations made before a correction of the corpus re-anchor (or are orphaned).
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from search import corpus
from search.anchor import Misquote, passage_range
from search.cite import annotation, citation, quote_of
from search.config import Config
from search.errors import BadInput
from search.models import Document, Passage
from search.passages import chunk
from search.sources import Source
from search.verify import Orphaned, Text, Verified, verify_annotation, verify_quote

JP = "japan-2022"


@pytest.fixture(scope="module")
def texts(japan_document: Document, japan_source: Source) -> list[Text]:
    return [Text(japan_document, japan_source.text)]


def _changes(misquote: Misquote) -> list[tuple[str, list[str], list[str]]]:
    return [op for op in misquote.ops if op[0] != "equal"]


# ---- round trips ------------------------------------------------------------------------------

def test_every_passage_round_trips_as_an_annotation(
    japan_passages: tuple[Passage, ...], japan_document: Document, japan_source: Source,
    texts: list[Text],
) -> None:
    """cite -> annotation -> verify: the same passage, by position, on the same characters."""
    source = japan_source.text
    assert len(japan_passages) == 36
    for p in japan_passages:
        made = annotation(quote_of(p, japan_document), source)
        exact = made["target"]["selector"][0]["exact"]
        verdict = verify_annotation(made, texts, japan_passages)
        assert isinstance(verdict, Verified), (p.id, verdict)
        assert verdict.passage.id == p.id
        assert verdict.method == "position"
        assert (verdict.start, verdict.end) == passage_range(p)
        assert source[verdict.start : verdict.end] == verdict.exact == exact
        assert verdict.forgiven == []
        assert verdict.citation == citation(p, japan_document)


def test_every_passage_verifies_as_a_quote(
    japan_passages: tuple[Passage, ...], japan_source: Source, texts: list[Text],
) -> None:
    """A passage's text is found at its own offsets; its joined line breaks are forgiven."""
    for p in japan_passages:
        verdict = verify_quote(p.text, texts, japan_passages)
        assert isinstance(verdict, Verified), (p.id, verdict)
        assert verdict.passage.id == p.id
        assert (verdict.start, verdict.end) == passage_range(p)
        assert verdict.exact == japan_source.text[verdict.start : verdict.end]
        assert verdict.method == "quote"
        assert verdict.forgiven == (["line breaks"] if len(p.spans) > 1 else []), p.id


def test_every_part_round_trips(japan_by_id: dict[str, Passage], japan_document: Document,
                                japan_source: Source, texts: list[Text]) -> None:
    """Sentences cited with --quote verify by position too, including across 2a.6's break."""
    parts = {
        "1a.1": "At the end of November 2021, the number of specified skilled workers in Japan "
                "was 45,970.",
        "2a.6": "various programs including repatriation and reintegration",
        "2a.7": "In 2021, Japan contributed approx. US$142,000 to the IOM.",
        "4b.7": "in 2020. - The number",
    }
    passages = tuple(japan_by_id.values())
    for pid, part in parts.items():
        q = quote_of(japan_by_id[f"{JP}:{pid}"], japan_document, part)
        verdict = verify_annotation(annotation(q, japan_source.text), texts, passages)
        assert isinstance(verdict, Verified) and verdict.method == "position"
        assert verdict.passage.id == f"{JP}:{pid}"
        assert (verdict.start, verdict.end) == (q.start, q.end)


@pytest.mark.parametrize(
    ("quote", "pid", "forgiven", "exact"),
    [
        ('residence "Specified Skilled Worker (i)"', "1a.1", ["quotes"],
         "residence “Specified Skilled Worker (i)”"),
        ("approx. US$142,000", "2a.7", ["escapes"], "approx. US\\$142,000"),
        ("mid– to long–term foreign residents", "3a.1", ["dashes"],
         "mid- to long-term foreign residents"),
        ("the police  arrested 339 suspects", "2b.4", ["whitespace"],
         "the police arrested 339 suspects"),
        ("including repatriation", "2a.6", ["line breaks"], "including\n\nrepatriation"),
        ("the police arrested 339 suspects", "2b.4", [], "the police arrested 339 suspects"),
    ],
)
def test_forgiven_differences_are_named(japan_passages: tuple[Passage, ...], texts: list[Text],
                                        quote: str, pid: str, forgiven: list[str],
                                        exact: str) -> None:
    verdict = verify_quote(quote, texts, japan_passages)
    assert isinstance(verdict, Verified)
    assert verdict.passage.id == f"{JP}:{pid}"
    assert verdict.forgiven == forgiven
    assert verdict.exact == exact
    assert texts[0].text[verdict.start : verdict.end] == exact


def test_verified_to_dict(japan_passages: tuple[Passage, ...], texts: list[Text]) -> None:
    verdict = verify_quote("including\nrepatriation", texts, japan_passages)
    assert isinstance(verdict, Verified)
    start = texts[0].text.index("including\n\nrepatriation")
    assert verdict.to_dict() == {
        "found": True, "passage": f"{JP}:2a.6", "passages": [f"{JP}:2a.6"], "doc": JP,
        "file": "000_72600e5c51edf008.txt",
        "start": start, "end": start + len("including\n\nrepatriation"),
        "exact": "including\n\nrepatriation", "forgiven": ["line breaks"], "method": "quote",
        "citation": ("Government of Japan, Voluntary GCM review by Japan (2022), section 2(a), "
                     "para. 6 [japan-2022:2a.6]."),
    }


@pytest.mark.parametrize(
    ("quote", "ids"),
    [
        # A heading is in the review but in no passage: found, cited without a pinpoint.
        ("Protecting migrants through rights-based border governance measures", []),
        # The end of 1a.1 and the start of 1a.2: found in both.
        ("in Japan was 45,970. Based on the establishment", [f"{JP}:1a.1", f"{JP}:1a.2"]),
        ("in Japan was 45,970.", [f"{JP}:1a.1"]),
    ],
)
def test_found_passages_hold_the_quote(japan_passages: tuple[Passage, ...], texts: list[Text],
                                       quote: str, ids: list[str]) -> None:
    verdict = verify_quote(quote, texts, japan_passages)
    assert isinstance(verdict, Verified)  # the words are in the review
    assert [p.id for p in verdict.passages] == ids
    for p in verdict.passages:
        first, last = passage_range(p)
        assert first < verdict.end and verdict.start < last, p.id
    if not ids:
        assert verdict.citation == "Government of Japan, Voluntary GCM review by Japan (2022)."
        assert verdict.to_dict()["passage"] is None


# ---- misquotes --------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("quote", "pid", "changes"),
    [
        ("At the end of November 2021, the number of specified skilled workers in Japan was "
         "45,907.", "1a.1", [("replace", ["45,907"], ["45,970"])]),
        ("A total of 283 officials attended training.", "1b.1", [("insert", [], ["the"])]),
        ("in 2020, the arrested police 339 suspects in 335 cases", "2b.4",
         [("insert", [], ["police"]), ("delete", ["police"], [])]),
        ("the police have arrested 339 suspects in 335 cases", "2b.4",
         [("delete", ["have"], [])]),
        ("Since 2005, this project has provided support with 345 victims", "2a.7",
         [("replace", ["345"], ["354"])]),
    ],
    ids=["changed number", "dropped word", "swapped words", "added word", "transposed digits"],
)
def test_misquotes(japan_passages: tuple[Passage, ...], texts: list[Text], quote: str, pid: str,
                   changes: list[tuple[str, list[str], list[str]]]) -> None:
    verdict = verify_quote(quote, texts, japan_passages)
    assert isinstance(verdict, Misquote)
    assert verdict.passage.id == f"{JP}:{pid}"
    assert _changes(verdict) == changes
    assert verdict.to_dict()["closest"] == f"{JP}:{pid}"


@pytest.mark.parametrize("quote", ["", "   ", "\n\t"])
def test_empty_quote_is_bad_input(japan_passages: tuple[Passage, ...], texts: list[Text],
                                  quote: str) -> None:
    with pytest.raises(BadInput, match="empty"):
        verify_quote(quote, texts, japan_passages)


def test_no_passages_is_orphaned(texts: list[Text]) -> None:
    verdict = verify_quote("words that are not in the review", texts, [])
    assert isinstance(verdict, Orphaned)
    assert verdict.to_dict() == {"found": False, "orphaned": True, "reason": verdict.reason}


# ---- re-anchoring after a correction of the corpus -----------------------------------------------

KEPT = {  # passage -> a quote that the correction leaves as it was
    "1a.1": "At the end of November 2021, the number of specified skilled workers in Japan was "
            "45,970.",
    "2a.6": "various programs including repatriation and reintegration",
    "2a.7": "In 2021, Japan contributed approx. US$142,000 to the IOM.",
    "3b.1": "",  # the whole passage
}
EDITED = ("1b.1", "A total of 283 officials attended the training.",
          "A total of 283 officers attended the training.")
DELETED = ("2b.2", " Of these victims, 193, who had illegally entry and illegally overstayed, "
                   "and of all were granted special permission to stay and aiming to stabilize "
                   "legal status.")
INSERTED = "This review was corrected in 2023; the corrections are marked in the text.\n\n"


def test_reanchoring_after_a_correction(fresh_config: Config, japan_by_id: dict[str, Passage],
                                        japan_document: Document) -> None:
    """Annotations made on the original text, checked against a corrected copy of it: a new
    paragraph at the start, a word changed in one quoted sentence, another sentence deleted."""
    path = fresh_config.corpus / japan_document.file
    original = path.read_text(encoding="utf-8")
    made: dict[str, dict[str, Any]] = {}
    for pid, part in [*KEPT.items(), EDITED[:2], (DELETED[0], DELETED[1].strip())]:
        made[pid] = annotation(quote_of(japan_by_id[f"{JP}:{pid}"], japan_document, part or None),
                               original)

    assert original.count(EDITED[1]) == original.count(DELETED[1]) == 1
    corrected = (original.replace("1 Ensuring", INSERTED + "1 Ensuring", 1)
                 .replace(EDITED[1], EDITED[2]).replace(DELETED[1], ""))
    path.write_text(corrected, encoding="utf-8")

    document, source = corpus.document(fresh_config, JP)
    assert source.text == corrected
    passages = chunk(document, source.text, source.blocks)
    texts = [Text(d, s.text) for d, s in corpus.documents(fresh_config)]
    by_id = {p.id: p for p in passages}
    assert by_id[f"{JP}:0.1"].text == INSERTED.strip()  # the new paragraph, before section 1
    assert citation(by_id[f"{JP}:0.1"], document).endswith(", para. 1 [japan-2022:0.1].")

    def offsets(pid: str) -> tuple[int, int]:
        position = made[pid]["target"]["selector"][1]
        return position["start"], position["end"]

    shift_after_edit = len(INSERTED) + len(EDITED[2]) - len(EDITED[1])
    expected_shift = {"1a.1": len(INSERTED), "2a.6": shift_after_edit,
                      "2a.7": shift_after_edit, "3b.1": shift_after_edit - len(DELETED[1])}
    for pid in KEPT:
        verdict = verify_annotation(made[pid], texts, passages)
        assert isinstance(verdict, Verified), (pid, verdict)
        assert verdict.method == "quote", pid
        start, end = offsets(pid)
        shift = expected_shift[pid]
        assert (verdict.start, verdict.end) == (start + shift, end + shift), pid
        assert verdict.exact == made[pid]["target"]["selector"][0]["exact"] == \
            corrected[verdict.start : verdict.end]
        assert verdict.passage.id == f"{JP}:{pid}"
        assert verdict.forgiven == []

    verdict = verify_annotation(made[EDITED[0]], texts, passages)
    assert isinstance(verdict, Verified)
    assert verdict.method == "fuzzy"
    start = offsets(EDITED[0])[0] + len(INSERTED)
    assert (verdict.start, verdict.end) == (start, start + len(EDITED[2]))
    assert verdict.exact == corrected[verdict.start : verdict.end] == EDITED[2]
    assert verdict.passage.id == f"{JP}:{EDITED[0]}"

    verdict = verify_annotation(made[DELETED[0]], texts, passages)
    assert isinstance(verdict, Orphaned)
    assert verdict.reason == "its text is no longer in the document"


# ---- annotations that do not fit ----------------------------------------------------------------

@pytest.fixture(scope="module")
def good(japan_by_id: dict[str, Passage], japan_document: Document,
         japan_source: Source) -> dict[str, Any]:
    return annotation(quote_of(japan_by_id[f"{JP}:2b.4"], japan_document,
                               "the police arrested 339 suspects"), japan_source.text)


def test_annotation_of_another_document_is_orphaned(
    good: dict[str, Any], japan_passages: tuple[Passage, ...], texts: list[Text],
) -> None:
    other = copy.deepcopy(good)
    other["target"]["source"] = "urn:gcm-search:philippines-2022"
    verdict = verify_annotation(other, texts, japan_passages)
    assert isinstance(verdict, Orphaned)
    assert "urn:gcm-search:philippines-2022" in verdict.reason


def test_annotation_matched_by_document_url(good: dict[str, Any], japan_document: Document,
                                            japan_source: Source,
                                            japan_passages: tuple[Passage, ...]) -> None:
    """A document with a URL is the target of annotations on that URL."""
    online = Document(**{**japan_document.to_dict(), "url": "https://example.org/japan.pdf"})
    moved = copy.deepcopy(good)
    moved["target"]["source"] = online.url
    verdict = verify_annotation(moved, [Text(online, japan_source.text)], japan_passages)
    assert isinstance(verdict, Verified) and verdict.exact == "the police arrested 339 suspects"


@pytest.mark.parametrize(
    ("edit", "result"),
    [
        (lambda a: a.pop("target"), "no target"),
        (lambda a: a.update(target=None), "no target"),
        (lambda a: a.update(target="urn:gcm-search:japan-2022"), "no target"),
        (lambda a: a.update(target=[]), "no target"),
        (lambda a: a["target"].pop("selector"), "no selector"),
        (lambda a: a["target"].update(selector=[]), "no selector"),
        (lambda a: a["target"].update(selector=["TextQuoteSelector"]), "no selector"),
        (lambda a: a["target"].update(selector=[{"type": "CssSelector", "value": "p"}]),
         "orphaned"),
        (lambda a: a.update(target=[a["target"]]), "verified"),  # a list of targets: the first
        (lambda a: a["target"].update(selector=a["target"]["selector"][0]), "verified"),  # one
        (lambda a: a["target"].update(selector=a["target"]["selector"][1:]), "verified"),
    ],
    ids=["no target", "null target", "string target", "empty target list", "no selector",
         "empty selectors", "selector strings", "css selector", "target list",
         "single quote selector", "position selector only"],
)
def test_malformed_annotations(good: dict[str, Any], japan_passages: tuple[Passage, ...],
                               texts: list[Text], edit: Any, result: str) -> None:
    broken = copy.deepcopy(good)
    edit(broken)
    if result.startswith("no "):
        with pytest.raises(BadInput, match=result):
            verify_annotation(broken, texts, japan_passages)
        return
    verdict = verify_annotation(broken, texts, japan_passages)
    if result == "orphaned":
        assert isinstance(verdict, Orphaned)
    else:
        assert isinstance(verdict, Verified)
        assert verdict.exact == "the police arrested 339 suspects"
        assert verdict.passage.id == f"{JP}:2b.4"


@pytest.mark.parametrize("not_an_annotation", [[], "text", 42, None])
def test_not_an_object_is_bad_input(not_an_annotation: Any, japan_passages: tuple[Passage, ...],
                                    texts: list[Text]) -> None:
    with pytest.raises(BadInput, match="no target"):
        verify_annotation(not_an_annotation, texts, japan_passages)


def test_annotation_with_no_passages_of_its_document(good: dict[str, Any],
                                                     texts: list[Text]) -> None:
    """The words are found in the source; with no passages indexed, no pinpoint is claimed."""
    verdict = verify_annotation(good, texts, [])
    assert isinstance(verdict, Verified) and verdict.passages == ()
    assert verdict.citation == "Government of Japan, Voluntary GCM review by Japan (2022)."
