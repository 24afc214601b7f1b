"""The workshop page's logic driven by Streamlit's AppTest (no browser): open a scenario, run a what-if by its keyed
widgets, read the cards, pin two, refine, resume after a restart, and bad input shown in the page."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

pytest.importorskip("streamlit", reason="the workshop page needs Streamlit: pip install '.[workshop]'")
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[2] / "sim" / "workshop" / "app.py")


def _page(session: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    # AppTest runs the page as ``__main__`` and leaves it there: processes spawned later in this test process (a
    # Dask LocalCluster's workers) would import the page as their main module. Put the real one back afterwards.
    monkeypatch.setitem(sys.modules, "__main__", sys.modules["__main__"])
    monkeypatch.setattr(
        sys, "argv", ["app", "--scenario", "serial_chain", "--session", str(session), "--jobs", "1", "--no-ranking"]
    )
    return AppTest.from_file(APP, default_timeout=120).run()


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def _what_if(at: AppTest, duration: int) -> AppTest:
    at.selectbox(key="element").select("factory")
    at.number_input(key="start").set_value(100)
    at.number_input(key="duration").set_value(duration)
    return at.button(key="run").click().run()


def test_a_what_if_runs_pins_refines_and_resumes(tmp_path, monkeypatch):
    at = _page(tmp_path, monkeypatch)
    assert not at.exception
    assert _metrics(at)["Baseline fill rate"] == "100.0%"  # the serial chain never runs short without a disruption
    assert at.selectbox(key="element").options == ["factory"]
    _what_if(at, 30)
    assert not at.exception and not at.error
    got = _metrics(at)
    assert got["Time to survive"].endswith("days") and got["Time to recover"].endswith("days")
    head = [s.value for s in at.subheader if s.value.startswith("what-if 1")]
    assert head and "runs out on day" in head[0] and "EUR" in head[0]
    assert any(c.value.startswith("reproduce: supplysim scenario_file=") for c in at.code)
    at.button(key="pin").click().run()
    _what_if(at, 60)
    at.button(key="pin").click().run()
    board = at.table[0].value
    assert board["what-if"].tolist() == ["what-if 1", "what-if 2"]  # the longer outage costs more: ranked second
    at.radio(key="rank_by").set_value("revenue at risk").run()
    assert at.table[0].value["what-if"].tolist() == ["what-if 1", "what-if 2"]
    at.button(key="refine").click().run()
    assert any("n=40" in c.value for c in at.caption)
    # a restart: a new page on the same session folder shows both pinned what-ifs without running anything again
    parts = sorted((tmp_path / "whatifs").rglob("*.parquet"))
    again = _page(tmp_path, monkeypatch)
    assert not again.exception
    assert "Pinned what-ifs" in [s.value for s in again.subheader]
    assert again.table[0].value["what-if"].tolist() == ["what-if 1", "what-if 2"]
    assert sorted((tmp_path / "whatifs").rglob("*.parquet")) == parts


def test_a_bad_scenario_file_is_a_message_in_the_page_and_the_page_stays_usable(tmp_path, monkeypatch):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\nhorizon: -5\nproducts: []\nnodes: []\n", encoding="utf-8")
    at = _page(tmp_path / "session", monkeypatch)
    at.text_input(key="scenario_path").input(str(bad)).run()
    assert not at.exception
    assert at.error and at.error[0].value.startswith("supplysim: error: ") and "horizon" in at.error[0].value
    at.text_input(key="scenario_path").input("").run()
    assert not at.error and "Baseline fill rate" in _metrics(at)


def test_a_card_that_is_not_revealed_hides_its_details_from_the_room(tmp_path, monkeypatch):
    at = _page(tmp_path, monkeypatch)
    at.toggle(key="reveal").set_value(False).run()
    shown = [c.value for c in at.caption]
    assert "supplier down: (not revealed)" in shown
    assert not any("factory down" in c for c in shown)


def test_a_failed_run_is_a_message_in_the_page_and_the_next_run_works(tmp_path, monkeypatch):
    at = _page(tmp_path, monkeypatch)
    at.selectbox(key="ss_item").select("widget at store")
    at.radio(key="ss_mode").set_value("service_level").run()
    at.number_input(key="ss_value_service_level").set_value(1.5)
    at.button(key="run").click().run()
    assert not at.exception
    assert at.error and at.error[0].value.startswith("supplysim: error: ") and "service_level" in at.error[0].value
    at.number_input(key="ss_value_service_level").set_value(0.95)
    at.button(key="run").click().run()
    assert not at.exception and not at.error
    assert any("widget at store: service level 95%" in c.value for c in at.caption)
