"""Block classification: which raw block is a title, a heading, an objectives line, a list item or
a paragraph. Headings become passage fields, so a misread heading loses or invents a passage.
"""

from __future__ import annotations

import pytest

from search.blocks import classify, ends_sentence, join, numbers
from search.models import Block, Span
from search.sources import Source, split_blocks


def blocks_of(text: str) -> tuple[Block, ...]:
    return classify(text, split_blocks(text))


def kinds(text: str) -> list[tuple[str, str]]:
    return [(b.kind, b.text) for b in blocks_of(text)]


def test_every_block_text_is_its_spans_joined() -> None:
    text = "Title\n\n1 Section\n\nLine one\nline two\n- item\n  wrapped\n"
    for block in blocks_of(text):
        assert block.text == join(text, block.spans)


@pytest.mark.parametrize(
    ("line", "label", "title", "objectives"),
    [
        ("1 Ensuring that migration is voluntary, orderly and regular", "1",
         "Ensuring that migration is voluntary, orderly and regular", ()),
        ("2 Protecting migrants through rights-based border governance measures "
         "(GCM Objectives: 4, 8, 9, 10, 11, 13, 21)", "2",
         "Protecting migrants through rights-based border governance measures",
         (4, 8, 9, 10, 11, 13, 21)),
        ("3. Supporting integration (Objectives: 14 and 15)", "3", "Supporting integration",
         (14, 15)),
        ("12 Something else entirely (GCM Objective 7)", "12", "Something else entirely", (7,)),
    ],
)
def test_section_heading(line: str, label: str, title: str, objectives: tuple[int, ...]) -> None:
    """A numbered heading gives the section's number, title and (inline) objectives list."""
    (block,) = blocks_of(line + "\n")
    assert (block.kind, block.label, block.title, block.objectives) == (
        "section", label, title, objectives
    )


def test_objectives_on_a_separate_line() -> None:
    """The Japan review puts the "(GCM Objectives: …)" list in a block of its own."""
    text = "1 Ensuring migration\n\n(GCM Objectives: 2, 5, 6, 12, 18)\n\na) Progress\n"
    section, listed, sub = blocks_of(text)
    assert (section.kind, section.objectives) == ("section", ())
    assert (listed.kind, listed.objectives) == ("objectives", (2, 5, 6, 12, 18))
    assert sub.kind == "subsection"


@pytest.mark.parametrize(
    "line", ["(Objectives: 1, 3)", "(gcm objectives 1 & 3)", "(GCM Objectives: 1 and 3)."]
)
def test_objectives_line_variants(line: str) -> None:
    (block,) = blocks_of("1 Section\n\n" + line + "\n")[1:]
    assert (block.kind, block.objectives) == ("objectives", (1, 3))


def test_objectives_on_the_line_right_after_the_heading() -> None:
    """Issue rule 3: the list may be "on the heading line or the next line"."""
    text = "1 Ensuring migration\n(GCM Objectives: 2, 5, 6, 12, 18)\n\nSome text.\n"
    # One heading block that wrapped: the section with its list, then the paragraph.
    section, paragraph = blocks_of(text)
    assert (section.kind, section.label, section.title) == ("section", "1", "Ensuring migration")
    assert section.objectives == (2, 5, 6, 12, 18)
    assert paragraph.kind == "paragraph"


@pytest.mark.parametrize(
    ("line", "label", "title"),
    [
        ("a) Progress", "a", "Progress"),
        ("b) Best practices", "b", "Best practices"),
        ("a) Trends", "a", "Trends"),
        ("c) Challenges and gaps", "c", "Challenges and gaps"),
    ],
)
def test_subsection_heading(line: str, label: str, title: str) -> None:
    (_, block) = blocks_of("1 Section\n\n" + line + "\n")
    assert (block.kind, block.label, block.title) == ("subsection", label, title)


@pytest.mark.parametrize(
    "line",
    ["a) this is a full sentence.", "a)Progress", "A) Progress", "ab) Progress"],
)
def test_not_a_subsection(line: str) -> None:
    """Lettered sentences and other shapes are paragraphs, not headings."""
    (_, block) = blocks_of("1 Section\n\n" + line + "\n")
    assert block.kind == "paragraph"


@pytest.mark.parametrize(
    "line",
    [
        "2020 was a year.",
        "3 cases were reported in total.",
        "3 Cases were reported in total.",
        "12 victims received support",
        "100 Things happened",
        "0 Items were lost",
    ],
)
def test_number_at_the_start_of_a_sentence_is_not_a_heading(line: str) -> None:
    """Sentences that start with a figure are common in reviews; they must stay paragraphs."""
    text = "1 Section\n\nSome text.\n\n" + line + "\n"
    assert kinds(text)[-1] == ("paragraph", line)


def test_title_before_first_section() -> None:
    text = "\n\nVoluntary GCM review by Japan\n\n1 Ensuring migration\n\nBody text.\n"
    assert kinds(text) == [
        ("title", "Voluntary GCM review by Japan"),
        ("section", "1 Ensuring migration"),
        ("paragraph", "Body text."),
    ]


def test_short_line_after_body_text_is_not_a_title() -> None:
    """Once a paragraph has been seen, a short unpunctuated line is body text."""
    assert kinds("Intro paragraph.\n\nShort line\n") == [
        ("paragraph", "Intro paragraph."),
        ("paragraph", "Short line"),
    ]


def test_sentence_before_first_section_is_a_paragraph() -> None:
    assert kinds("This review was prepared in 2022.\n\n1 Section\n")[0] == (
        "paragraph", "This review was prepared in 2022."
    )


@pytest.mark.parametrize("bullet", ["-", "–", "•", "*"])
def test_list_item(bullet: str) -> None:
    text = f"1 Section\n\nIntro:\n\n{bullet} first item\n"
    assert kinds(text)[-1] == ("list_item", f"{bullet} first item")


def test_several_bullets_in_one_block_are_split() -> None:
    """Items written on consecutive lines are separate blocks; a wrapped item stays whole."""
    text = "1 Section\n\nThe figures were:\n- one case\n- two cases,\n  then more\n* three\n"
    assert kinds(text)[1:] == [
        ("paragraph", "The figures were:"),
        ("list_item", "- one case"),
        ("list_item", "- two cases, then more"),
        ("list_item", "* three"),
    ]
    item = blocks_of(text)[3]
    assert [text[s:e] for s, e in item.spans] == ["- two cases,", "then more"]


def test_hyphen_without_space_is_not_a_bullet() -> None:
    assert kinds("1 Section\n\n-5 degrees were recorded.\n")[-1][0] == "paragraph"


def test_multi_line_paragraph_is_one_block() -> None:
    text = "1 Section\n\nFirst line of a paragraph\ncontinues here.\n"
    para = blocks_of(text)[-1]
    assert para.kind == "paragraph"
    assert para.text == "First line of a paragraph continues here."
    assert len(para.spans) == 2


def test_japan_blocks(japan_source: Source) -> None:
    """The real review: one title, 4 sections, 9 subsections, 1 objectives line, 2 items."""
    found = classify(japan_source.text, japan_source.blocks)
    by_kind: dict[str, list[Block]] = {}
    for block in found:
        by_kind.setdefault(block.kind, []).append(block)
    assert [b.text for b in by_kind["title"]] == ["Voluntary GCM review by Japan"]
    assert [(b.label, b.objectives) for b in by_kind["section"]] == [
        ("1", ()),
        ("2", (4, 8, 9, 10, 11, 13, 21)),
        ("3", (14, 15, 16, 19, 20, 22)),
        ("4", (1, 3, 7, 17, 23)),
    ]
    assert [b.objectives for b in by_kind["objectives"]] == [(2, 5, 6, 12, 18)]
    assert [f"{b.label}) {b.title}" for b in by_kind["subsection"]] == [
        "a) Progress", "b) Best practices",
        "a) Progress", "b) Best practices",
        "a) Trends", "b) Progress", "c) Best practices",
        "a) Progress", "b) Best practices",
    ]
    assert len(by_kind["list_item"]) == 2
    assert all(b.text.startswith("- The number of") for b in by_kind["list_item"])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("A sentence.", True),
        ("A question?", True),
        ("Wow!", True),
        ("as follows:", True),
        ("first; ", True),
        ('He said "yes."', True),
        ("He said “yes.”", True),
        ("(It can be used (video)).", True),
        ("(see above.)", True),
        ("various programs including", False),
        ("was 45,970", False),
        ("a quoted “name”", False),
        ("", False),
        ("   ", False),
        ('"', False),
    ],
)
def test_ends_sentence(text: str, expected: bool) -> None:
    """Terminal punctuation, looking through closing quotes and brackets, ends a sentence."""
    assert ends_sentence(text) is expected


@pytest.mark.parametrize(
    ("listed", "expected"),
    [("4, 8, 9 and 10", (4, 8, 9, 10)), ("1 & 3", (1, 3)), ("", ())],
)
def test_numbers(listed: str, expected: tuple[int, ...]) -> None:
    assert numbers(listed) == expected


def test_join_uses_single_spaces() -> None:
    spans: tuple[Span, ...] = ((0, 3), (4, 7))
    assert join("abc\ndef", spans) == "abc def"


def test_heading_on_the_first_line_of_a_block_is_split_off() -> None:
    """A subsection heading with its first paragraph right below it (no blank line) is still a
    heading, and the paragraph keeps its own exact spans."""
    text = "1 Section\n\nb) Best practices\nThe training started in 2020.\n"
    blocks = classify(text, split_blocks(text))
    assert [(b.kind, b.label) for b in blocks] == [
        ("section", "1"), ("subsection", "b"), ("paragraph", "")
    ]
    assert blocks[-1].text == "The training started in 2020."
    assert join(text, blocks[-1].spans) == blocks[-1].text


def test_large_numbers_do_not_make_sections() -> None:
    """Reviews have a few numbered sections; "45 Foreign residents …" is a line of text."""
    text = "45 Foreign residents live here\n"
    assert [b.kind for b in classify(text, split_blocks(text))] != ["section"]
