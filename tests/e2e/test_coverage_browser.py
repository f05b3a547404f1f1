"""End to end (issue 15): the coverage heat map on a phone-width screen in a real Chromium against
the real `gcm-search serve` over the Japan corpus: it shows, the page does not scroll sideways
(the table scrolls in its own box), a cell leads to the search for its passages, both downloads
arrive as files, and the document page's chart shows; no script error or CSP violation."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from openpyxl import load_workbook
from playwright.sync_api import Browser, expect

from e2e.browsing import PHONE, Server, no_horizontal_scroll, watched_page


def test_the_heat_map_on_a_phone(browser: Browser, server: tuple[str, Server],
                                 tmp_path: Path) -> None:
    base, _ = server
    context = browser.new_context(viewport=PHONE, accept_downloads=True)
    context.set_default_timeout(10_000)
    page, problems = watched_page(context)  # script errors and CSP violations go here
    try:

        page.goto(base + "/")
        page.get_by_role("navigation", name="Site").get_by_role("link", name="Coverage").click()
        page.wait_for_url(re.compile(r"/coverage$"))
        table = page.get_by_role("table", name=re.compile("Passages per objective"))
        expect(table).to_be_visible()
        no_horizontal_scroll(page)
        # The table is wider than the phone: its own box scrolls, and the review's name stays.
        box = page.locator(".heat-scroll")
        assert box.evaluate("e => e.scrollWidth > e.clientWidth")
        row = table.locator("tbody tr").first
        expect(row.locator("th")).to_have_text(re.compile(r"^\s*Japan\s+2022\s*$"))
        expect(page.locator(".heat-legend")).to_contain_text("none")

        # Objective 10's cell, scrolled into view, leads to the search for its passages.
        cell = row.locator("td").nth(9)
        expect(cell).to_have_text("6")
        cell.get_by_role("link").click()
        page.wait_for_url(re.compile(r"/\?objective=10&country=Japan&year=2022$"))
        expect(page.locator("h1.summary")).to_contain_text("6 passages")
        expect(page.locator("article.hit")).to_have_count(6)
        page.go_back()
        page.wait_for_url(re.compile(r"/coverage$"))

        # Both downloads arrive as files with the matrix in them.
        with page.expect_download() as csv_download:
            page.get_by_role("link", name="CSV").click()
        assert csv_download.value.suggested_filename == "gcm-coverage.csv"
        csv_path = tmp_path / "coverage.csv"
        csv_download.value.save_as(csv_path)
        rows = list(csv.reader(io.StringIO(csv_path.read_text(encoding="utf-8-sig"))))
        assert rows[0][:8] == ["Document", "Party", "Country", "ISO3", "Scope", "Year", "Cycle",
                               "1 Data"]
        assert rows[1][0] == "japan-2022" and rows[1][rows[0].index("10 Trafficking")] == "6"
        with page.expect_download() as xlsx_download:
            page.get_by_role("link", name="Excel").click()
        assert xlsx_download.value.suggested_filename == "gcm-coverage.xlsx"
        xlsx_path = tmp_path / "coverage.xlsx"
        xlsx_download.value.save_as(xlsx_path)
        sheet = load_workbook(xlsx_path)["Coverage"]
        assert [["" if c is None else str(c) for c in r]
                for r in sheet.iter_rows(values_only=True)] == rows

        # Stated tags only, by the form: the same page, narrowed, still no sideways scroll.
        page.get_by_label("stated tags only").check()
        page.get_by_role("button", name="Show").click()
        page.wait_for_url(re.compile(r"/coverage\?.*stated=1"))
        expect(table).to_be_visible()
        no_horizontal_scroll(page)

        # The document's chart: its bars are links to their passages.
        page.goto(base + "/d/japan-2022")
        chart = page.locator("svg#objectives-chart")
        expect(chart).to_be_visible()
        no_horizontal_scroll(page)
        chart.get_by_role("link", name=re.compile(r"trafficking.*: 6 passages", re.I)).click()
        page.wait_for_url(re.compile(r"/\?objective=10&country=Japan&year=2022$"))
        expect(page.locator("article.hit")).to_have_count(6)
    finally:
        context.close()

    assert problems == []
