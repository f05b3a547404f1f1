"""The HTML reader: web pages -> pieces with hints (heading levels, paragraphs, list items with
their markers, table rows), page furniture dropped, and spans that slice the source text exactly.
"""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from search.errors import CorpusError
from search.sources import Source, read_source
from search.sources.html_reader import read

Shape = list[tuple[str, int, list[str]]]


def _read(tmp_path: Path, body: str, name: str = "page.html") -> Source:
    path = tmp_path / name
    path.write_text(f"<!DOCTYPE html><html><head><title>Page</title></head><body>{body}"
                    "</body></html>", encoding="utf-8")
    return read(path)


def _shape(source: Source) -> Shape:
    """(hint, level, lines) per block, after checking every span against the text."""
    _check_spans(source)
    return [(b.hint, b.level, [source.text[s:e] for s, e in b.spans]) for b in source.blocks]


def _check_spans(source: Source) -> None:
    """Spans slice the text to exactly the blocks' lines, in order, and cover all of its text."""
    previous_end = 0
    for block in source.blocks:
        for start, end in block.spans:
            line = source.text[start:end]
            assert start >= previous_end
            assert line and line == line.strip() and "\n" not in line
            assert "  " not in line
            previous_end = end
    lines = [line for line in source.text.splitlines() if line.strip()]
    assert [source.text[s:e] for b in source.blocks for s, e in b.spans] == lines


def _texts(source: Source) -> list[str]:
    return [" ".join(source.text[s:e] for s, e in b.spans) for b in source.blocks]


def test_headings_paragraphs_and_line_breaks(tmp_path: Path) -> None:
    source = _read(tmp_path, """
        <h1>Voluntary GCM review by Spain</h1>
        <h2>1 Ensuring that migration is voluntary</h2>
        <p>First paragraph,
           folded   across source lines.</p>
        <p>Line one<br>line two<br/>
           line three</p>
        <h3>a) Progress</h3><h4>Four</h4><h5>Five</h5><h6>Six</h6>
    """)
    assert _shape(source) == [
        ("heading", 1, ["Voluntary GCM review by Spain"]),
        ("heading", 2, ["1 Ensuring that migration is voluntary"]),
        ("paragraph", 0, ["First paragraph, folded across source lines."]),
        ("paragraph", 0, ["Line one", "line two", "line three"]),
        ("heading", 3, ["a) Progress"]),
        ("heading", 4, ["Four"]),
        ("heading", 5, ["Five"]),
        ("heading", 6, ["Six"]),
    ]
    assert source.path == str(tmp_path / "page.html")
    assert source.text.startswith("Voluntary GCM review by Spain\n\n1 Ensuring")


def test_a_heading_is_one_line_and_inline_markup_joins_words(tmp_path: Path) -> None:
    source = _read(tmp_path, "<h2>2 Protecting<br>migrants</h2><p>The <b>Government</b> of "
                             "<a href='#'>Spain</a>'s re<i>view</i></p>")
    assert _shape(source) == [
        ("heading", 2, ["2 Protecting migrants"]),
        ("paragraph", 0, ["The Government of Spain's review"]),
    ]


def test_bare_text_in_containers_becomes_paragraphs_without_double_counting(
    tmp_path: Path,
) -> None:
    source = _read(tmp_path, """
        <div>Intro text in a div <span>with a span</span>
          <p>A paragraph inside it.</p>
          trailing text
          <section><article>Deep text</article></section>
        </div>
        <blockquote>Quoted words<p>Quoted paragraph</p></blockquote>
        Text straight in the body
    """)
    assert _shape(source) == [
        ("paragraph", 0, ["Intro text in a div with a span"]),
        ("paragraph", 0, ["A paragraph inside it."]),
        ("paragraph", 0, ["trailing text"]),
        ("paragraph", 0, ["Deep text"]),
        ("paragraph", 0, ["Quoted words"]),
        ("paragraph", 0, ["Quoted paragraph"]),
        ("paragraph", 0, ["Text straight in the body"]),
    ]


def test_two_line_breaks_end_a_paragraph(tmp_path: Path) -> None:
    source = _read(tmp_path, "<div>First paragraph<br><br>\n<br>Second paragraph<br></div>")
    assert _texts(source) == ["First paragraph", "Second paragraph"]


def test_lists_carry_their_markers(tmp_path: Path) -> None:
    source = _read(tmp_path, """
        <ul><li>Bullet one</li><li>Bullet <em>two</em></li></ul>
        <ol><li>First</li><li>Second</li></ol>
        <ol start="7"><li>Seventh</li><li>Eighth</li></ol>
        <ol start="3"><li>c</li><li value="10">ten</li><li>eleven</li></ol>
        <ol reversed><li>Three</li><li>Two</li><li>One</li></ol>
        <ol type="a"><li>alpha</li><li>beta</li></ol>
        <ol type="I" start="4"><li>four</li></ol>
        <li>Stray item</li>
    """)
    assert _shape(source) == [
        ("list_item", 0, ["- Bullet one"]),
        ("list_item", 0, ["- Bullet two"]),
        ("list_item", 0, ["1. First"]),
        ("list_item", 0, ["2. Second"]),
        ("list_item", 0, ["7. Seventh"]),
        ("list_item", 0, ["8. Eighth"]),
        ("list_item", 0, ["3. c"]),
        ("list_item", 0, ["10. ten"]),
        ("list_item", 0, ["11. eleven"]),
        ("list_item", 0, ["3. Three"]),
        ("list_item", 0, ["2. Two"]),
        ("list_item", 0, ["1. One"]),
        ("list_item", 0, ["a. alpha"]),
        ("list_item", 0, ["b. beta"]),
        ("list_item", 0, ["IV. four"]),
        ("list_item", 0, ["- Stray item"]),
    ]


def test_nested_lists_are_items_too_and_the_parent_text_is_not_repeated(
    tmp_path: Path,
) -> None:
    source = _read(tmp_path, """
        <ol>
          <li>Parent item
            <ul><li>Child one</li><li>Child two
              <ol start="5"><li>Grandchild</li></ol></li></ul>
          </li>
          <li><p>Second parent, in a paragraph</p><p>and its second paragraph</p></li>
          <li>Line one<br>line two</li>
        </ol>
    """)
    assert _shape(source) == [
        ("list_item", 0, ["1. Parent item"]),
        ("list_item", 0, ["- Child one"]),
        ("list_item", 0, ["- Child two"]),
        ("list_item", 0, ["5. Grandchild"]),
        ("list_item", 0, ["2. Second parent, in a paragraph"]),
        ("paragraph", 0, ["and its second paragraph"]),
        ("list_item", 0, ["3. Line one", "line two"]),
    ]


def test_unclosed_list_items_cells_and_rows(tmp_path: Path) -> None:
    """Valid HTML that the html.parser builder nests instead of closing."""
    source = _read(tmp_path, """
        <ol><li>one<li>two<li>three</ol>
        <table><tr><td>a<td>b<tr><td>c<td>d</table>
        <p>para one<p>para two
    """)
    assert _shape(source) == [
        ("list_item", 0, ["1. one"]),
        ("list_item", 0, ["2. two"]),
        ("list_item", 0, ["3. three"]),
        ("table_row", 0, ["a | b"]),
        ("table_row", 0, ["c | d"]),
        ("paragraph", 0, ["para one"]),
        ("paragraph", 0, ["para two"]),
    ]


def test_tables_become_rows(tmp_path: Path) -> None:
    source = _read(tmp_path, """
        <table>
          <caption>Victims identified</caption>
          <thead><tr><th>Year</th><th>Victims</th><th>Returned</th></tr></thead>
          <tbody>
            <tr><td>2019</td><td><p>47</p></td><td>12<br>(IOM)</td></tr>
            <tr><td> </td><td>&nbsp;</td><td></td></tr>
            <tr><td>2020</td><td></td><td>9</td></tr>
            <tr><td>Total <table><tr><td>nested</td><td>cells</td></tr></table></td>
                <td>80</td></tr>
          </tbody>
        </table>
    """)
    assert _shape(source) == [
        ("paragraph", 0, ["Victims identified"]),
        ("table_row", 0, ["Year | Victims | Returned"]),
        ("table_row", 0, ["2019 | 47 | 12 (IOM)"]),
        ("table_row", 0, ["2020 | 9"]),
        ("table_row", 0, ["Total nested cells | 80"]),
    ]


def test_page_furniture_and_hidden_elements_leave_no_text(tmp_path: Path) -> None:
    source = _read(tmp_path, """
        <header><div>SITE BANNER</div><nav><a>NAV LINK</a></nav></header>
        <div role="navigation">ROLE NAV</div>
        <script>var SCRIPT = "SCRIPT TEXT";</script>
        <style>.STYLE { color: red }</style>
        <noscript>NOSCRIPT TEXT</noscript>
        <template><p>TEMPLATE TEXT</p></template>
        <main>
          <p>Kept one.</p>
          <p hidden>HIDDEN TEXT</p>
          <div aria-hidden="true"><p>ARIA HIDDEN</p></div>
          <span style="display: none">DISPLAY NONE</span>
          <p>Kept <span style="visibility:hidden">INVISIBLE</span>two.</p>
          <!-- COMMENT TEXT -->
          <form><label>FORM LABEL</label><input value="INPUT"><button>BUTTON</button></form>
          <button>LONE BUTTON</button>
          <aside>ASIDE TEXT</aside>
        </main>
        <footer><p>FOOTER TEXT</p></footer>
    """)
    assert _texts(source) == ["Kept one.", "Kept two."]
    assert not any(ch.isupper() for ch in source.text.replace("K", ""))


def test_a_header_inside_the_article_keeps_only_its_headings(tmp_path: Path) -> None:
    source = _read(tmp_path, """
        <header><h1>Site name</h1></header>
        <article>
          <header><h1>Voluntary review by Chile</h1><p>Published 3 May 2022</p></header>
          <p>Body.</p>
          <footer>Share this</footer>
        </article>
    """)
    assert _shape(source) == [
        ("heading", 1, ["Voluntary review by Chile"]),
        ("paragraph", 0, ["Body."]),
    ]


def test_entities_and_non_breaking_spaces(tmp_path: Path) -> None:
    source = _read(tmp_path, "<p>Migrants&nbsp;&amp;&nbsp;refugees &ndash; 10&#8239;000 "
                             "caf&eacute;s &lt;b&gt; &#x201C;quoted&#x201D; l&rsquo;&Eacute;tat"
                             " auto&shy;matic</p><p>&nbsp;</p>")
    assert _texts(source) == ["Migrants & refugees – 10 000 cafés <b> “quoted” l’État automatic"]


def test_preformatted_text_keeps_its_lines(tmp_path: Path) -> None:
    source = _read(tmp_path, "<pre>\nline one\n  line two\n\nnext paragraph</pre>")
    assert _shape(source) == [
        ("paragraph", 0, ["line one", "line two"]),
        ("paragraph", 0, ["next paragraph"]),
    ]


def test_definition_lists_and_figures(tmp_path: Path) -> None:
    source = _read(tmp_path, "<dl><dt>IOM</dt><dd>International Organization for Migration</dd>"
                             "</dl><figure><img alt='chart'><figcaption>Figure 1</figcaption>"
                             "</figure>")
    assert _texts(source) == ["IOM", "International Organization for Migration", "Figure 1"]


def test_a_page_without_html_or_body_tags(tmp_path: Path) -> None:
    path = tmp_path / "fragment.htm"
    path.write_text("<h2>Title</h2>\n<p>Text.</p>\n", encoding="utf-8")
    assert _shape(read_source(path)) == [("heading", 2, ["Title"]), ("paragraph", 0, ["Text."])]


@pytest.mark.parametrize("content", ["", "<html><body></body></html>", "   \n"])
def test_an_empty_page_has_no_blocks(tmp_path: Path, content: str) -> None:
    path = tmp_path / "empty.html"
    path.write_text(content, encoding="utf-8")
    source = read(path)
    assert source.blocks == ()
    assert source.text.strip() == ""


def test_markup_that_looks_like_a_url_does_not_warn(tmp_path: Path) -> None:
    """bs4 warns when markup resembles a URL or file name; warnings are errors in this suite."""
    path = tmp_path / "link.html"
    path.write_text("https://www.migrationnetwork.un.org/reviews", encoding="utf-8")
    assert _texts(read(path)) == ["https://www.migrationnetwork.un.org/reviews"]


def test_xhtml_with_an_xml_declaration(tmp_path: Path) -> None:
    path = tmp_path / "review.xhtml"
    path.write_bytes(
        '<?xml version="1.0" encoding="ISO-8859-1"?>\n<html xmlns="http://www.w3.org/1999/xhtml">'
        "<body><h1>Révision</h1><p>Objectif 10 : êtres humains<br/>suite</p></body></html>"
        .encode("latin-1")
    )
    assert _shape(read_source(path)) == [
        ("heading", 1, ["Révision"]),
        ("paragraph", 0, ["Objectif 10 : êtres humains", "suite"]),
    ]


# --- encodings -----------------------------------------------------------------------------

FRENCH = "Objectif 10 : lutter contre la traite des êtres humains"


@pytest.mark.parametrize(
    "head",
    ['<meta charset="windows-1252">',
     '<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">',
     ""],
    ids=["meta-charset", "http-equiv-latin1", "undeclared"],
)
def test_windows_1252_pages(tmp_path: Path, head: str) -> None:
    path = tmp_path / "revue.html"
    page = f"<html><head>{head}</head><body><h1>Révision – l’État</h1><p>{FRENCH}</p></body></html>"
    path.write_bytes(page.encode("cp1252"))
    assert _texts(read(path)) == ["Révision – l’État", FRENCH]


def test_a_declared_charset_the_bytes_fit(tmp_path: Path) -> None:
    """ISO-8859-15 has the euro at 0xA4, where Windows-1252 has the currency sign."""
    path = tmp_path / "prix.html"
    path.write_bytes('<meta charset="iso-8859-15"><p>Coût : 10 € par personne</p>'
                     .encode("iso8859_15"))
    assert _texts(read(path)) == ["Coût : 10 € par personne"]


def test_utf8_wins_over_a_wrong_declaration(tmp_path: Path) -> None:
    path = tmp_path / "wrong.html"
    path.write_bytes(f'<meta charset="iso-8859-1"><p>{FRENCH}</p>'.encode())
    assert _texts(read(path)) == [FRENCH]


def test_utf16_page_with_a_byte_order_mark(tmp_path: Path) -> None:
    path = tmp_path / "unicode.html"
    path.write_bytes(codecs.BOM_UTF16_LE
                     + f'<meta charset="utf-16"><h2>Objetivo 10</h2><p>{FRENCH}</p>'
                     .encode("utf-16-le"))
    assert _shape(read(path)) == [("heading", 2, ["Objetivo 10"]), ("paragraph", 0, [FRENCH])]


def test_binary_file_named_html_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "scan.html"
    path.write_bytes(b"%PDF-1.7\n\x00\x01\x02binary" + bytes(range(256)))
    with pytest.raises(CorpusError) as info:
        read_source(path)
    assert info.value.message == "scan.html: not a text file (binary data)"


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match=r"absent\.html: cannot be read"):
        read_source(tmp_path / "absent.html")
