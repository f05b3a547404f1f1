"""What the browser tests share: the system Chromium, the served app, and checks on a page."""

from __future__ import annotations

import shutil

from bench_modules import load
from playwright.sync_api import BrowserContext, Page

BROWSERS = ("chromium", "chromium-browser", "google-chrome")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
# `python -m search serve --port 0`, its log kept (the same server the web fuzzer attacks).
Server = load("web_fuzz").Server
START_SECONDS = 60
CITATION_2A6 = ("Government of Japan, Voluntary GCM review by Japan (2022), section 2(a), para. 6 "
                "[japan-2022:2a.6].")
PHONE = {"width": 390, "height": 844}
# What "not highlighted" computes to: no background, or the page's white.
PLAIN_BACKGROUNDS = {"rgba(0, 0, 0, 0)", "transparent", "rgb(255, 255, 255)"}


def find_chromium() -> str | None:
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    return None


def no_horizontal_scroll(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"] + 4, (page.url, width)


def watched_page(context: BrowserContext) -> tuple[Page, list[str]]:
    """A new page of `context` and the list its script errors and CSP violations go to (a test
    asserts it stays empty)."""
    problems: list[str] = []
    page = context.new_page()
    page.on("console", lambda m: problems.append(f"{m.text} ({m.location.get('url')})")
            if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    return page, problems
