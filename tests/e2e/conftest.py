"""The browser tests' fixtures: the system Chromium (skipped without one, except under CI) and
the real `gcm-search serve` over the Japan corpus, on a free port."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, sync_playwright

from e2e.browsing import BROWSERS, CHROMIUM_ARGS, START_SECONDS, Server, find_chromium
from search.config import Config


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    path = find_chromium()
    if path is None:
        reason = (f"no system Chromium found on PATH (looked for {', '.join(BROWSERS)}); "
                  "install Debian's `chromium` package to run the browser test")
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the browser test: {reason}")
        pytest.skip(reason)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture(scope="module")
def server(japan_config: Config) -> Iterator[tuple[str, Server]]:
    served = Server(japan_config.corpus, japan_config.index)
    try:
        yield served.wait_for_address(START_SECONDS), served
    finally:
        served.stop()
