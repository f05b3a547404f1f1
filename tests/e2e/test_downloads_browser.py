"""End to end, exports and keyword in context (issue 15): in a real Chromium against the real
`gcm-search serve`, a user searches, pages through the results, clicks "Download CSV" and
"Download Excel", and opens both files (csv module, openpyxl): they hold every passage of every
page, in the list's order. Then the "keyword in context" toggle shows the lines, also on a phone.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import openpyxl
from playwright.sync_api import Browser, Page, expect

from e2e.browsing import PHONE, Server, no_horizontal_scroll, watched_page


def listed_ids(page: Page) -> list[str]:
    """The passage ids of every page of the result list, following "Next ›" to the end."""
    ids: list[str] = []
    while True:
        ids += page.locator("article.hit a.pid").all_inner_texts()
        following = page.locator('nav.pages a[rel="next"]')
        if not following.count():
            return ids
        following.click()
        page.wait_for_load_state()


def download(page: Page, link: str, folder: Path) -> Path:
    with page.expect_download() as started:
        page.get_by_role("link", name=link).click()
    saved = folder / started.value.suggested_filename
    started.value.save_as(saved)
    return saved


def test_download_both_files_and_read_in_context(browser: Browser, server: tuple[str, Server],
                                                 tmp_path: Path) -> None:
    base, _ = server
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    context.set_default_timeout(10_000)
    page, problems = watched_page(context)  # script errors and CSP violations go here
    try:

        first_page = f"{base}/?q=trafficking&limit=5"
        page.goto(first_page)
        ids = listed_ids(page)
        assert len(ids) == 11 and len(set(ids)) == 11  # three pages of five
        page.goto(first_page)
        expect(page.locator("p.downloads")).to_contain_text("All 11")

        saved = download(page, "Download CSV", tmp_path)
        assert saved.name == "gcm-search-trafficking.csv"
        with saved.open(encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.DictReader(handle))
        assert [r["id"] for r in rows] == ids
        assert rows[0]["link"] == f"{base}/p/{ids[0]}"

        saved = download(page, "Download Excel", tmp_path)
        assert saved.name == "gcm-search-trafficking.xlsx"
        sheet = openpyxl.load_workbook(saved).worksheets[0]
        header = [c.value for c in sheet[1]]
        column = header.index("id")
        assert [row[column] for row in sheet.iter_rows(min_row=2, values_only=True)] == ids

        # Keyword in context: a line per occurrence, the match marked, the id a link.
        page.get_by_role("link", name="keyword in context").click()
        page.wait_for_url(re.compile(r"[?&]view=kwic(&|$)"))
        lines = page.locator("table.kwic tbody tr")
        expect(lines.first).to_be_visible()
        expect(lines.first.locator("td.match mark")).to_have_text(re.compile(r"^traffick",
                                                                             re.IGNORECASE))
        assert lines.first.locator("td.pid a").inner_text() in ids[:5]
        expect(page.locator("article.hit")).to_have_count(0)
        page.locator('nav.pages a[rel="next"]').click()
        page.wait_for_url(re.compile(r"page=2"))
        assert "view=kwic" in page.url
        expect(lines.first).to_be_visible()

        # On a phone the lines scroll inside their box; the page does not scroll sideways.
        page.set_viewport_size(PHONE)
        page.reload()
        expect(lines.first).to_be_visible()
        no_horizontal_scroll(page)
    finally:
        context.close()
    assert problems == []
