"""Numbers -> a horizontal bar chart as server-rendered SVG (no JavaScript), for the document page
(passages per objective) and the objective page (passages per country).

Built here in Python rather than in a template so that the layout's arithmetic is tested with the
rest, and every text and attribute goes through markupsafe's escaping in one place.

The chart is as wide as the page allows and as tall as its bars need: widths are percentages and
there is no viewBox, so the text keeps its size on a phone instead of shrinking with the chart.

Accessible and plain: each bar's name sits above it and its number beside it as visible text, so
nothing depends on colour (it reads in greyscale) or on hovering. A chart whose bars are links is
a named group of links (`role="group"`: the role "img" would hide the links from a screen
reader), each link named "label: N passages"; a chart without links is one image
(`role="img"`). Either way `<title>` and `<desc>` name it and say every number. No inline style
(the CSP forbids it): presentation attributes, and classes for style.css.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

ROW = 42
"""The height of one bar with its label above it, in pixels."""
BAR = 16
LABEL_GAP = 4
TOP = 6
LONGEST = 85
"""The longest bar's share of the width, in percent: the rest is room for its number."""
MAX_LABEL = 60
# XML 1.0 refuses these characters, even escaped: a label holding one would break the page.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    href: str = ""
    title: str = ""
    """A longer name, said by a screen reader and shown on hover (the objective's full title)."""


def _text(value: str) -> Markup:
    return escape(_NOT_XML.sub("", value))


def _short(label: str) -> str:
    return label if len(label) <= MAX_LABEL else label[:MAX_LABEL - 1] + "…"


def unit_of(value: int, unit: str) -> str:
    return f"{value} {unit}" + ("" if value == 1 else "s")


def bar_chart(bars: Sequence[Bar], *, title: str, description: str, ident: str,
              unit: str = "passage") -> Markup:
    """The SVG of `bars` in the order given, the longest scaled to the width; `ident` makes its
    ids unique on a page; `description` says what is counted (every bar's number is added)."""
    ident = re.sub(r"[^A-Za-z0-9_-]", "-", ident)
    largest = max((b.value for b in bars), default=0)
    said = "; ".join(f"{_NOT_XML.sub('', b.label)}: {unit_of(b.value, unit)}" for b in bars)
    desc = f"{description} {said}." if bars else f"{description} Nothing to show."
    height = TOP + ROW * max(len(bars), 1)
    linked = any(b.href for b in bars)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{ident}" '
        f'width="100%" height="{height}" '
        f'role="{"group" if linked else "img"}" '
        f'aria-labelledby="{ident}-title" aria-describedby="{ident}-desc">',
        f'<title id="{ident}-title">{_text(title)}</title>',
        f'<desc id="{ident}-desc">{_text(desc)}</desc>',
    ]
    if not bars:
        parts.append(f'<text class="chart-empty" x="0" y="{TOP + 20}">Nothing to show.</text>')
    for number, bar in enumerate(bars):
        top = TOP + number * ROW
        length = round(LONGEST * bar.value / largest, 2) if largest else 0.0
        # A bar of 0 is a hairline, so that its row still shows where a bar would be.
        shown = max(length, 0.2)
        label = _short(bar.label)
        group = [
            f'<text class="chart-label" x="0" y="{top + 12}">{_text(label)}</text>',
            f'<rect class="chart-bar" x="0" y="{top + 12 + LABEL_GAP}" width="{shown}%" '
            f'height="{BAR}" rx="2"/>',
            f'<text class="chart-value" x="{shown}%" dx="6" y="{top + 12 + LABEL_GAP + BAR - 3}">'
            f'{bar.value}</text>',
        ]
        name = f"{bar.title or bar.label}: {unit_of(bar.value, unit)}"
        if bar.href:
            # The link's name says it all; its pieces are not read out again one by one.
            parts.append(f'<a href="{_text(bar.href)}" aria-label="{_text(name)}">'
                         f'<title>{_text(name)}</title><g aria-hidden="true">{"".join(group)}'
                         "</g></a>")
        else:
            parts.append(f'<g><title>{_text(name)}</title>{"".join(group)}</g>')
    parts.append("</svg>")
    return Markup("".join(parts))
