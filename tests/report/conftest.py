"""Fixtures of the report tests: a headless Chromium (Playwright, the system's browser) to measure rendered pages.

Playwright is launched with the system's Chromium (``/usr/bin/chromium``, ``apt-get install -y chromium``); it
never downloads a browser (``playwright install`` fails on machines without network access). Without Chromium the
browser tests skip with the reason, except under ``CI=true`` (.ci/run), where they fail.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path(os.environ.get("SUPPLYSIM_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    *("--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"),
    *("--disable-sync", "--no-first-run"),
]


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true: .ci/run installs it)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """A headless Chromium for the session (one per xdist worker)."""
    if not CHROMIUM.is_file():
        _unavailable(f"Chromium not found at {CHROMIUM}: apt-get install -y chromium")
    try:
        from playwright.sync_api import sync_playwright  # deferred: only the browser tests need it
    except ImportError:
        _unavailable("the playwright package is not installed: pip install '.[test]'")
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
