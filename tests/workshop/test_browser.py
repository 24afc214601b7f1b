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
SUPPLIER = "tw_hsinchu"  # the showcase's single source of the MCU
WAIT = 240_000  # ms: the showcase's 20 paired replications on a loaded machine (the whole suite on 2 cores)


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
            *(sys.executable, "-m", "sim", "mode=workshop", "scenario=consolidated_sourcing", f"workshop.port={port}"),
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
    """The page of the showcase (the issue's walk-through: its background stress ranking runs meanwhile)."""
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
    expect(found).to_have_count(1, timeout=WAIT)
    return found


def _row(cells: list[str]) -> tuple[str, float]:
    """(what-if, Δ cost) of a leaderboard row: rank, what-if, answer, Δ cost ("+8,190 [+5,492, +10,888] EUR"), ..."""
    cells = [c.strip() for c in cells]
    return cells[1], float(cells[3].split()[0].replace(",", ""))


def _what_if(page, duration: int) -> None:
    box = _one(page, ".st-key-duration input")
    box.fill(str(duration))
    box.press("Enter")
    page.locator(".st-key-disruption_card").get_by_text(f"{SUPPLIER} down {duration} days from day 90").wait_for()
    _one(page, ".st-key-run button").click()


def test_a_supplier_outage_run_pinned_and_compared_in_chromium(server, chromium):
    from playwright.sync_api import expect  # deferred: like the chromium fixture, only where a browser runs

    page = chromium.new_page(viewport={"width": 1400, "height": 1000})
    hosts: set[str] = set()
    page.on("request", lambda r: hosts.add(urlparse(r.url).netloc))
    page.on("websocket", lambda ws: hosts.add(urlparse(ws.url).netloc))
    try:
        page.goto(server)
        page.get_by_text("Baseline fill rate").wait_for(timeout=WAIT)
        page.locator(".st-key-kind").click()  # pick the card: a supplier outage, of the factory
        page.get_by_role("option", name="supplier down").click()
        page.locator(".st-key-element").click()
        page.get_by_role("option", name=SUPPLIER, exact=True).click()
        page.locator(".st-key-disruption_card").get_by_text(f"{SUPPLIER} down 42 days from day 90").wait_for()
        _what_if(page, 30)
        tts = page.locator(".st-key-card_tts")
        # each card's text, once Streamlit has drawn it (a keyed container can be on the page a moment before)
        expect(tts).to_contain_text("Time to survive", timeout=WAIT)
        expect(tts).to_contain_text("days", timeout=WAIT)
        expect(page.locator(".st-key-card_ttr")).to_contain_text("n=20", timeout=WAIT)
        _one(page, ".st-key-pin button").click()
        page.get_by_text("Pinned what-ifs", exact=True).wait_for(timeout=30_000)
        _what_if(page, 60)
        page.get_by_text("what-if 2: runs out").wait_for(timeout=WAIT)
        _one(page, ".st-key-pin button").click()
        page.locator(".st-key-pinned_what-if_2").wait_for(timeout=30_000)
        assert page.locator(".st-key-pinned_what-if_1").is_visible()
        rows = page.locator(".st-key-leaderboard tbody tr")
        expect(rows).to_have_count(2, timeout=WAIT)  # the leaderboard comes after the pinned what-ifs
        ranked = [_row(rows.nth(i).locator("td, th").all_inner_texts()) for i in range(rows.count())]
        assert sorted(name for name, _ in ranked) == ["what-if 1", "what-if 2"], ranked
        assert ranked[0][1] <= ranked[1][1], ranked  # by cost: the smaller Δ cost first
    finally:
        page.close()
    assert hosts == {urlparse(server).netloc}, hosts
