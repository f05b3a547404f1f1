"""Generated text through the chunker (blocks -> passages -> tagging): any text, and text shaped
like the review template (section headings with their objectives, "a) Progress", "Objective N:",
numbered paragraphs, bullets). It never raises; passages are verbatim slices of the text at their
spans, in order and without overlap; ids are unique and the same for the same text; tags are
well-formed; and appending a section leaves the passages before it as they were.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from search.blocks import join
from search.models import KINDS, OBJECTIVE_SOURCES, Document, Passage
from search.passages import chunk
from search.tagging import explicit_objectives

DOCUMENT = Document(id="doc-2022", file="doc.txt", title="A review", country="Japan", iso3="JPN",
                    year=2022, author="tests")
BOUNDED = settings(max_examples=200, deadline=timedelta(seconds=5), database=None,
                   suppress_health_check=[HealthCheck.too_slow])

OBJECTIVE = st.integers(0, 30)  # 0 and 24-30 are not objectives: they must not become tags
WORDS = st.lists(st.sampled_from(
    "the Government of Japan migrants workers children trafficking visa residence objective "
    "Objective objectives GCM progress “Specified Skilled Worker” (see 2a) above) 2019 and or "
    "support return reintegration detention alternatives data consular étrangers migración "
    "— – : ; , . ! ?".split()), min_size=1, max_size=25).map(" ".join)
LINE = st.one_of(
    st.builds(lambda n, title, objectives: f"{n} {title.capitalize()} (GCM Objectives: "
              + ", ".join(map(str, objectives)) + ")",
              st.integers(0, 120), WORDS, st.lists(OBJECTIVE, min_size=1, max_size=6)),
    st.builds(lambda n, title: f"{n} {title.capitalize()}", st.integers(1, 9), WORDS),
    st.builds(lambda letter, title: f"{letter}) {title}", st.sampled_from("abcdz"),
              st.sampled_from(["Progress", "Best practices", "Trends", "Challenges", "Progrès"])),
    st.builds(lambda word, n, title: f"{word} {n}: {title}",
              st.sampled_from(["Objective", "OBJECTIVE", "Objectif", "Objetivo", "GCM Objective"]),
              OBJECTIVE, WORDS),
    st.builds(lambda objectives: "(GCM Objectives: " + " and ".join(map(str, objectives)) + ")",
              st.lists(OBJECTIVE, min_size=1, max_size=4)),
    st.builds(lambda n, text: f"{n}. {text.capitalize()}.", st.integers(0, 1200), WORDS),
    st.builds(lambda mark, text: f"{mark} {text}", st.sampled_from(["-", "–", "•", "*", "1.",
                                                                  "a)", "(b)", "iv."]), WORDS),
    WORDS,
    st.text(max_size=40),
)
SEPARATOR = st.sampled_from(["\n", "\n\n", "\n\n\n", "\r\n", "\r\n\r\n", "\n \n", "\t\n\n"])
TEMPLATE = st.lists(st.tuples(LINE, SEPARATOR), max_size=40).map(
    lambda lines: "".join(line + separator for line, separator in lines))
ANY_TEXT = st.one_of(st.text(max_size=2000), TEMPLATE)


def check(text: str, passages: tuple[Passage, ...]) -> None:
    """What every passage of every text must be."""
    ids = [p.id for p in passages]
    assert len(set(ids)) == len(ids), ids
    previous_end = 0
    for position, passage in enumerate(passages):
        assert passage.position == position
        assert passage.doc == DOCUMENT.id and passage.id.startswith(f"{DOCUMENT.id}:")
        assert passage.spans, passage
        for start, end in passage.spans:
            # Spans are in reading order and no character belongs to two passages.
            assert previous_end <= start < end <= len(text), (passage.id, passage.spans)
            previous_end = end
        assert passage.text == join(text, passage.spans)
        assert passage.text.strip() == passage.text and passage.text
        assert passage.sha256 == hashlib.sha256(passage.text.encode()).hexdigest()
        assert passage.para >= 1
        assert passage.kind in KINDS
        assert passage.cluster is None or 1 <= passage.cluster <= 4
        assert passage.objective_source in OBJECTIVE_SOURCES
        assert all(1 <= n <= 23 for n in passage.objectives)
        assert len(set(passage.objectives)) == len(passage.objectives)
        if passage.objective_source == "explicit":
            assert passage.objectives == explicit_objectives(passage.text)[0]
        if passage.objective_source == "cluster":
            assert passage.objectives == ()


@BOUNDED
@given(text=ANY_TEXT)
def test_passages_are_slices_of_the_text_with_unique_ids(text: str) -> None:
    check(text, chunk(DOCUMENT, text))


@BOUNDED
@given(text=ANY_TEXT)
def test_the_same_text_gives_the_same_passages(text: str) -> None:
    assert chunk(DOCUMENT, text) == chunk(DOCUMENT, text)


@BOUNDED
@given(text=TEMPLATE)
def test_a_section_added_at_the_end_leaves_the_passages_before_it(text: str) -> None:
    """Ids are stable: what comes after a passage does not change it (tagging looks back only)."""
    text = "Voluntary review\n\n" + text  # a first line is the document's title
    before = chunk(DOCUMENT, text)
    after = chunk(DOCUMENT, text + "\n\n30 Appended section\n\nA new paragraph.\n")
    check(text, before)
    assert after[: len(before)] == before
    assert len(after) == len(before) + 1
    assert (after[-1].section, after[-1].text) == ("30", "A new paragraph.")


@settings(max_examples=20, deadline=timedelta(seconds=10), database=None)
@given(line=LINE.filter(lambda line: line.strip()), count=st.integers(2_000, 6_000))
def test_many_repeated_lines_are_chunked_in_bounded_time(line: str, count: int) -> None:
    """A file of thousands of list items or numbered paragraphs is linear work (tagging once
    looked back through every earlier passage: 8,000 "1. x" lines took 9 s, 300,000 hours)."""
    text = f"{line}\n" * count
    check(text, chunk(DOCUMENT, text))
