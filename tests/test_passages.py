"""The chunker (issue 2, rules 1-4, 6 and 7): document text -> passages with fields, exact text,
spans and stable ids. Each rule is checked on small hand-made texts and on the real Japan review.
Objective tagging (rule 5) is in test_tagging.py.
"""

from __future__ import annotations

import hashlib
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from search.blocks import classify, join
from search.models import Document, Passage
from search.passages import CHUNKER_VERSION, chunk, kind_of
from search.sources import Source, split_blocks

DOC = Document("doc", "doc.txt", "Test review", "Testland", "TST", 2020, "Government of Testland")


def passages_of(text: str) -> tuple[Passage, ...]:
    return chunk(DOC, text)


def texts(text: str) -> list[str]:
    return [p.text for p in passages_of(text)]


# --- rule 1: a paragraph broken mid-sentence is one passage ---------------------------------


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_rule1_broken_paragraph_is_rejoined(newline: str) -> None:
    text = newline.join([
        "1 Section", "",
        "The government runs various programs including", "",
        "repatriation and reintegration assistance.", "",
        "Another paragraph.", "",
    ])
    (first, second) = passages_of(text)
    assert first.text == (
        "The government runs various programs including repatriation and reintegration "
        "assistance."
    )
    assert len(first.spans) == 2
    assert second.text == "Another paragraph."


def test_rule1_colon_introduces_a_lower_case_continuation() -> None:
    """A block that stops at a colon and one that goes on in lower case are one paragraph."""
    text = "1 Section\n\nThe measures are as follows:\n\nthe police will act quickly.\n"
    (only,) = passages_of(text)
    assert only.text == "The measures are as follows: the police will act quickly."


def test_rule1_chain_of_fragments() -> None:
    """A paragraph broken twice is still one passage."""
    text = "1 Section\n\nfigures rose to\n\nabout 45,970 in\n\nthe last year.\n"
    (only,) = passages_of(text)
    assert only.text == "figures rose to about 45,970 in the last year."
    assert len(only.spans) == 3


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("A sentence that ends.", "lower case start is a new paragraph."),
        ("The figure was 45,970", "The next paragraph starts in upper case."),
        ("The figure was 45,970", "2021 saw a further rise."),
        ("The figure was 45,970", "“quoted” start is not lower case."),
    ],
)
def test_rule1_not_joined(first: str, second: str) -> None:
    """Only a block without terminal punctuation followed by a lower-case start is rejoined."""
    assert texts(f"1 Section\n\n{first}\n\n{second}\n") == [first, second]


def test_rule1_not_joined_across_a_heading() -> None:
    text = "1 Section\n\na) Progress\n\nwork continued on\n\nb) Best practices\n\nmore work.\n"
    assert texts(text) == ["work continued on", "more work."]


def test_rule1_japan_broken_paragraph(japan_by_id: dict[str, Passage], japan_source: Source,
                                      japan_passages: tuple[Passage, ...]) -> None:
    """The seed's "…various programs including" / "repatriation and reintegration…" is 2a.6."""
    p = japan_by_id["japan-2022:2a.6"]
    assert p.text.startswith("As for the objective 10, in order to prevent and eradicate")
    assert "various programs including repatriation and reintegration assistance" in p.text
    assert p.text.endswith("UNAFEI, UNODC and UN Women.")
    assert len(p.spans) == 2
    assert japan_source.text[p.spans[0][0]:p.spans[0][1]].endswith("various programs including")
    assert japan_source.text[slice(*p.spans[1])].startswith("repatriation and reintegration")
    assert not any(q.text.startswith("repatriation") for q in japan_passages)
    assert japan_by_id["japan-2022:2a.7"].text.startswith("Since 2005, Japan has been")


# --- rule 2: list items belong to the paragraph that introduces them ---------------------------


def test_rule2_items_in_separate_blocks_join_their_intro() -> None:
    text = "1 Section\n\nThe figures were:\n\n- 598 cases\n\n- 60 cases\n\nNext paragraph.\n"
    assert texts(text) == ["The figures were: - 598 cases - 60 cases", "Next paragraph."]


def test_rule2_items_in_the_same_block_join_their_intro() -> None:
    text = "1 Section\n\nThe figures were:\n- 598 cases\n- 60 cases,\n  newly\n"
    (only,) = passages_of(text)
    assert only.text == "The figures were: - 598 cases - 60 cases, newly"
    assert len(only.spans) == 4


def test_rule2_items_join_an_intro_that_ends_a_sentence() -> None:
    """The Japan intro ends with "in 2020." and its items still belong to it."""
    text = "1 Section\n\nCases in 2020.\n\n- one\n\n- two\n"
    assert texts(text) == ["Cases in 2020. - one - two"]


def test_rule2_items_do_not_cross_a_heading() -> None:
    """An item right after a heading has no intro: it starts its own passage."""
    text = "1 Section\n\na) Progress\n\nIntro.\n\nb) Best practices\n\n- first\n\n- second\n"
    (intro, items) = passages_of(text)
    assert intro.text == "Intro."
    assert (items.text, items.subsection) == ("- first - second", "b")


def test_rule2_paragraph_after_items_is_new() -> None:
    text = "1 Section\n\nIntro:\n\n- an item without a stop\n\nlower case paragraph.\n"
    assert texts(text) == ["Intro: - an item without a stop", "lower case paragraph."]


def test_rule2_japan_items_belong_to_the_last_passage(japan_passages: tuple[Passage, ...]) -> None:
    last = japan_passages[-1]
    assert last.id == "japan-2022:4b.7"
    assert last.text.startswith("The human rights bodies of the Ministry of Justice accepted")
    assert last.text.endswith(
        "in 2020. - The number of human rights counseling related to discrimination against "
        "foreign nationals 598 cases - The number of human rights violation cases related to "
        "discrimination against foreign nationals (started newly in the year) 60cases"
    )
    assert len(last.spans) == 3
    assert not any(p.text.startswith("-") for p in japan_passages)


# --- rule 3: sections -------------------------------------------------------------------------


def test_rule3_section_inline_objectives() -> None:
    text = (
        "2 Protecting migrants (GCM Objectives: 4, 8, 9, 10, 11, 13, 21)\n\nText.\n\n"
        "3 Supporting integration\n\n(GCM Objectives: 14, 15, 16, 19, 20, 22)\n\nMore.\n\n"
        "4 No list here\n\nLast.\n"
    )
    fields = [(p.section, p.section_title, p.cluster) for p in passages_of(text)]
    assert fields == [
        ("2", "Protecting migrants", 2),
        ("3", "Supporting integration", 3),
        ("4", "No list here", None),
    ]


def test_rule3_new_section_resets_subsection() -> None:
    text = "1 First\n\nb) Best practices\n\nOne.\n\n2 Second\n\nTwo.\n"
    (one, two) = passages_of(text)
    assert (one.section, one.subsection) == ("1", "b")
    assert (two.section, two.subsection, two.subsection_title, two.kind) == ("2", "", "", "other")


def test_rule3_headings_and_title_are_not_passages() -> None:
    text = ("My review\n\n1 First (GCM Objectives: 2, 5)\n\n(GCM Objectives: 2, 5)\n\n"
            "a) Progress\n\nBody.\n")
    assert texts(text) == ["Body."]


def test_rule3_text_before_any_section() -> None:
    (p,) = passages_of("This review was written in 2022.\n\n1 First\n")
    assert (p.section, p.section_title, p.cluster, p.id) == ("", "", None, "doc:0.1")


JAPAN_SECTIONS = {
    "1": ("Ensuring that migration is voluntary, orderly and regular", 1),
    "2": ("Protecting migrants through rights-based border governance measures", 2),
    "3": ("Supporting the integration of migrants and their contribution to development", 3),
    "4": ("Improving value-driven and evidence-based policymaking and public debate, and "
          "enhancing cooperation on migration", 4),
}


@pytest.mark.parametrize(("section", "expected"), sorted(JAPAN_SECTIONS.items()))
def test_rule3_japan_sections(japan_passages: tuple[Passage, ...], section: str,
                              expected: tuple[str, int]) -> None:
    """Section 1 takes its cluster from a separate objectives line; 2-4 from the heading."""
    ours = [p for p in japan_passages if p.section == section]
    assert ours
    assert {(p.section_title, p.cluster) for p in ours} == {expected}


def test_rule3_japan_every_passage_in_a_section(japan_passages: tuple[Passage, ...]) -> None:
    assert {p.section for p in japan_passages} == set(JAPAN_SECTIONS)


# --- rule 4: subsections ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "kind"),
    [
        ("Progress", "progress"),
        ("Progress made", "progress"),
        ("Best practices", "best_practice"),
        ("Good practice", "best_practice"),
        ("Trends", "trends"),
        ("Trend analysis", "trends"),
        ("Challenges", "other"),
        ("", "other"),
    ],
)
def test_kind_of(title: str, kind: str) -> None:
    assert kind_of(title) == kind


def test_rule4_subsection_fields() -> None:
    text = ("3 Integration\n\na) Trends\n\nT.\n\nb) Progress\n\nP.\n\nc) Best practices\n\nB.\n\n"
            "d) Challenges ahead\n\nC.\n")
    fields = [(p.subsection, p.subsection_title, p.kind, p.text) for p in passages_of(text)]
    assert fields == [
        ("a", "Trends", "trends", "T."),
        ("b", "Progress", "progress", "P."),
        ("c", "Best practices", "best_practice", "B."),
        ("d", "Challenges ahead", "other", "C."),
    ]


JAPAN_SUBSECTIONS = {
    "1a": "Progress", "1b": "Best practices",
    "2a": "Progress", "2b": "Best practices",
    "3a": "Trends", "3b": "Progress", "3c": "Best practices",
    "4a": "Progress", "4b": "Best practices",
}
KIND = {"Progress": "progress", "Best practices": "best_practice", "Trends": "trends"}


def test_rule4_japan_subsections(japan_passages: tuple[Passage, ...]) -> None:
    seen = set()
    for p in japan_passages:
        key = p.section + p.subsection
        seen.add(key)
        assert p.subsection_title == JAPAN_SUBSECTIONS[key], p.id
        assert p.kind == KIND[p.subsection_title], p.id
    assert seen == set(JAPAN_SUBSECTIONS)


@pytest.mark.parametrize(
    ("pid", "subsection", "kind"),
    [("japan-2022:3a.1", "a", "trends"), ("japan-2022:3b.1", "b", "progress"),
     ("japan-2022:3c.1", "c", "best_practice"), ("japan-2022:4b.7", "b", "best_practice")],
)
def test_rule4_japan_examples(japan_by_id: dict[str, Passage], pid: str, subsection: str,
                              kind: str) -> None:
    assert (japan_by_id[pid].subsection, japan_by_id[pid].kind) == (subsection, kind)


# --- rule 6: exact text -------------------------------------------------------------------------


def test_rule6_japan_every_passage_text_is_its_spans(japan_passages: tuple[Passage, ...],
                                                     japan_source: Source) -> None:
    """Citations quote `text`; highlights and "open at offset" use `spans`: they must agree."""
    for p in japan_passages:
        assert " ".join(japan_source.text[s:e] for s, e in p.spans) == p.text, p.id
        assert p.sha256 == hashlib.sha256(p.text.encode("utf-8")).hexdigest(), p.id
        assert "\n" not in p.text and "\r" not in p.text, p.id


def test_rule6_japan_no_text_lost(japan_passages: tuple[Passage, ...],
                                  japan_source: Source) -> None:
    """Every non-heading line of the review is in exactly one passage, in order."""
    headings = {span for b in classify(japan_source.text, japan_source.blocks)
                if b.kind in ("title", "section", "objectives", "subsection") for span in b.spans}
    lines = [span for block in japan_source.blocks for span in block.spans
             if span not in headings]
    assert [span for p in japan_passages for span in p.spans] == lines
    assert len(headings) == 1 + 4 + 1 + 9


def test_rule6_text_of_a_wrapped_paragraph() -> None:
    text = "1 Section\r\n\r\n   First line \r\n\tsecond line.  \r\n"
    (p,) = passages_of(text)
    assert p.text == "First line second line."
    assert [text[s:e] for s, e in p.spans] == ["First line", "second line."]


# A generated document: headings, objective lists, subsections, paragraphs (some broken
# mid-sentence or in lower case), bullets, stray spaces, blank lines and mixed line endings.
_words = st.text(alphabet="abcdefgh XYZ,.;:()“”'\"-0123456789éß", min_size=1, max_size=40)
_line = st.one_of(
    _words,
    st.builds(lambda n, w: f"{n} {w.capitalize()}", st.integers(0, 120), _words),
    st.builds(lambda w: f"(GCM Objectives: {w})", st.sampled_from(["1, 3", "2 and 5", "14"])),
    st.builds(lambda c, w: f"{c}) {w}", st.sampled_from("abcA"),
              st.sampled_from(["Progress", "Best practices", "Trends", "Other things"])),
    st.builds(lambda b, w: f"{b} {w}", st.sampled_from(["-", "•", "*", "–"]), _words),
    st.builds(lambda w: w + ".", _words),
)
_padded = st.builds(lambda lead, line, trail: lead + line + trail,
                    st.sampled_from(["", " ", "\t", "  "]), _line,
                    st.sampled_from(["", " ", "\t"]))
_document = st.lists(
    st.tuples(st.lists(_padded, min_size=1, max_size=4),
              st.sampled_from(["\n", "\r\n"]),
              st.sampled_from(["\n", "\n\n", "\r\n\r\n", "\n  \n", ""])),
    max_size=25,
).map(lambda blocks: "".join(nl.join(lines) + nl + gap for lines, nl, gap in blocks))


def _check_invariants(text: str) -> None:
    passages = chunk(DOC, text)
    previous_end = 0
    for position, p in enumerate(passages):
        assert join(text, p.spans) == p.text
        assert " ".join(text[s:e] for s, e in p.spans) == p.text
        assert p.sha256 == hashlib.sha256(p.text.encode("utf-8")).hexdigest()
        assert p.position == position
        for start, end in p.spans:
            assert previous_end <= start < end <= len(text)
            piece = text[start:end]
            assert piece == piece.strip()
            assert len(piece.splitlines()) == 1
            previous_end = end
    ids = [p.id for p in passages]
    assert len(ids) == len(set(ids))
    assert chunk(DOC, text) == passages
    # Nothing lost: passage spans and heading spans together are every line of the text.
    blocks = classify(text, split_blocks(text))
    headings = [s for b in blocks if b.kind not in ("paragraph", "list_item") for s in b.spans]
    body = [s for p in passages for s in p.spans]
    assert sorted(headings + body) == [s for block in split_blocks(text) for s in block]


@settings(max_examples=300, deadline=None)
@given(_document)
def test_rule6_property_generated_documents(text: str) -> None:
    """For any review-shaped text, every passage's spans rebuild its text exactly."""
    _check_invariants(text)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_rule6_property_arbitrary_text(text: str) -> None:
    """Even for arbitrary Unicode (odd line breaks, odd spaces), the invariant holds."""
    _check_invariants(text)


# --- rule 7: ids --------------------------------------------------------------------------------

JAPAN_IDS = [
    *(f"japan-2022:1a.{n}" for n in range(1, 8)),
    *(f"japan-2022:1b.{n}" for n in range(1, 4)),
    *(f"japan-2022:2a.{n}" for n in range(1, 10)),
    *(f"japan-2022:2b.{n}" for n in range(1, 5)),
    "japan-2022:3a.1",
    *(f"japan-2022:3b.{n}" for n in range(1, 4)),
    "japan-2022:3c.1",
    "japan-2022:4a.1",
    *(f"japan-2022:4b.{n}" for n in range(1, 8)),
]


def test_rule7_japan_total_and_ids_in_order(japan_passages: tuple[Passage, ...]) -> None:
    assert len(japan_passages) == 36
    assert [p.id for p in japan_passages] == JAPAN_IDS


def test_rule7_japan_ids_unique_and_readable(japan_passages: tuple[Passage, ...]) -> None:
    ids = [p.id for p in japan_passages]
    assert len(set(ids)) == len(ids)
    for p in japan_passages:
        assert re.fullmatch(r"japan-2022:\d[a-z]?\.\d+", p.id), p.id
        assert p.id == f"{p.doc}:{p.section}{p.subsection}.{p.para}"


def test_rule7_japan_ids_stable_across_runs(japan_document: Document, japan_source: Source,
                                            japan_passages: tuple[Passage, ...]) -> None:
    """Rebuilding from the same text gives the same passages, ids and hashes."""
    again = chunk(japan_document, japan_source.text, japan_source.blocks)
    assert again == japan_passages
    from_text_only = chunk(japan_document, japan_source.text)
    assert [(p.id, p.sha256) for p in from_text_only] == [
        (p.id, p.sha256) for p in japan_passages
    ]


def test_rule7_japan_positions_and_metadata(japan_passages: tuple[Passage, ...]) -> None:
    assert [p.position for p in japan_passages] == list(range(36))
    for p in japan_passages:
        assert (p.doc, p.country, p.iso3, p.year) == ("japan-2022", "Japan", "JPN", 2022)


def test_rule7_ordinals_restart_per_subsection() -> None:
    text = "1 A\n\na) Progress\n\nOne.\n\nTwo.\n\nb) Best practices\n\nThree.\n\n2 B\n\nFour.\n"
    assert [(p.id, p.para) for p in passages_of(text)] == [
        ("doc:1a.1", 1), ("doc:1a.2", 2), ("doc:1b.1", 1), ("doc:2.1", 1)
    ]


def test_rule7_ids_do_not_depend_on_objective_tags() -> None:
    """Adding an objective mention changes tags, not ids: citations keep working."""
    plain = "1 A\n\na) Progress\n\nOne.\n\nTwo.\n"
    tagged = "1 A\n\na) Progress\n\nAs for objective 5, one.\n\nTwo.\n"
    assert [p.id for p in passages_of(plain)] == [p.id for p in passages_of(tagged)]


def test_passage_dict_round_trip(japan_passages: tuple[Passage, ...]) -> None:
    """The index stores passages as dicts: every field must come back unchanged."""
    for p in japan_passages:
        assert Passage.from_dict(p.to_dict()) == p


def test_chunker_version_is_a_string() -> None:
    """It is part of the index fingerprint, so it must be hashable text."""
    assert isinstance(CHUNKER_VERSION, str) and CHUNKER_VERSION
