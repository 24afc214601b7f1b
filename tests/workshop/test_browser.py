"""The workshop page in a real browser: ``supplysim mode=workshop`` serves it on 127.0.0.1 and headless Chromium (the
system's: the ``chromium`` fixture of tests/conftest.py) picks a supplier outage, runs it, reads the TTS card, pins two
what-ifs and compares them; no request leaves 127.0.0.1. Without Chromium it skips with the reason (fails under
CI=true)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

pytest.importorskip("streamlit", reason="the workshop page needs Streamlit: pip install '.[workshop]'")
ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(session: Path) -> tuple[subprocess.Popen[bytes], str]:
    """The page's server on a free port, up (a port taken between the look and the start, e.g. by a Dask test's
    scheduler, means another try on another port)."""
    for _ in range(3):
        port = _free_port()
        command = [
            *(sys.executable, "-m", "sim", "mode=workshop", "scenario=serial_chain", f"workshop.port={port}"),
            *("workshop.open_browser=false", f"workshop.session={session}", "workshop.n_jobs=1"),
        ]
        log = session / f"server-{port}.log"
        with log.open("wb") as out:
            env = {**os.environ, "PYTHONPATH": str(ROOT)}
            proc = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True, stdout=out, stderr=out)
        url = f"http://127.0.0.1:{port}/"
        deadline = time.monotonic() + 180  # a loaded machine (the whole suite on 2 cores) starts it slowly
        while proc.poll() is None and time.monotonic() < deadline:
            try:
                urllib.request.urlopen(url + "_stcore/health", timeout=2)
                return proc, url
            except OSError:
                time.sleep(0.5)
        _stop(proc)
        if "already in use" not in log.read_text(errors="replace"):
            break
    pytest.fail(f"the page's server is not up: {log.read_text(errors='replace')}")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)  # the server and its children (the group this test started)
    proc.wait(timeout=30)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The page of the serial chain (a small network: the browser test checks the page, not the engine's speed)."""
    proc, url = _start(tmp_path_factory.mktemp("workshop"))
    try:
        yield url
    finally:
        _stop(proc)


def _one(page, selector: str):
    """The one element ``selector`` finds, once there is one: while Streamlit reruns, a widget's old copy and its new
    one can both be on the page for a moment (a click then finds two)."""
    from playwright.sync_api import expect  # deferred: like the chromium fixture, only where a browser runs

    found = page.locator(selector)
    expect(found).to_have_count(1, timeout=60_000)
    return found


def _what_if(page, duration: int) -> None:
    box = _one(page, ".st-key-duration input")
    box.fill(str(duration))
    box.press("Enter")
    page.locator(".st-key-disruption_card").get_by_text(f"factory down {duration} days from day 90").wait_for()
    _one(page, ".st-key-run button").click()


def test_a_supplier_outage_run_pinned_and_compared_in_chromium(server, chromium):
    page = chromium.new_page(viewport={"width": 1400, "height": 1000})
    hosts: set[str] = set()
    page.on("request", lambda r: hosts.add(urlparse(r.url).netloc))
    page.on("websocket", lambda ws: hosts.add(urlparse(ws.url).netloc))
    try:
        page.goto(server)
        page.get_by_text("Baseline fill rate").wait_for(timeout=60_000)
        page.locator(".st-key-kind").click()  # pick the card: a supplier outage, of the factory
        page.get_by_role("option", name="supplier down").click()
        page.locator(".st-key-element").click()
        page.get_by_role("option", name="factory").click()
        page.locator(".st-key-disruption_card").get_by_text("factory down 42 days from day 90").wait_for()
        _what_if(page, 30)
        tts = page.locator(".st-key-card_tts")
        tts.wait_for(timeout=60_000)
        assert "Time to survive" in tts.inner_text() and "days" in tts.inner_text()
        assert "n=20" in page.locator(".st-key-card_ttr").inner_text()
        _one(page, ".st-key-pin button").click()
        page.get_by_text("Pinned what-ifs", exact=True).wait_for(timeout=30_000)
        _what_if(page, 60)
        page.get_by_text("what-if 2: runs out").wait_for(timeout=60_000)
        _one(page, ".st-key-pin button").click()
        page.locator(".st-key-pinned_what-if_2").wait_for(timeout=30_000)
        assert page.locator(".st-key-pinned_what-if_1").is_visible()
        board = page.locator(".st-key-leaderboard").inner_text()
        assert board.index("what-if 1") < board.index("what-if 2")  # by cost: the shorter outage first
    finally:
        page.close()
    assert hosts == {urlparse(server).netloc}, hosts
