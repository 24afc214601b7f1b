"""The reports' bullwhip section (split from tests/model/test_bullwhip.py): variance ratios, amplification by echelon
and orders over time in report.html and comparison.html; placeholder figures for empty tables."""

from __future__ import annotations

import pandas as pd

import sim
from tests.model.test_bullwhip import beer


def test_report_has_the_bullwhip_section(tmp_path):
    """A run's report: variance ratio table, amplification by echelon and orders over time; a sweep's comparison:
    ratio table with paired differences and the amplification chart."""
    sim.run("beer_game", overrides=["policy=sterman", "mc.replications=1"], out_dir=tmp_path)
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "Order-variance amplification (bullwhip)" in html and "Orders over time by echelon" in html
    assert {"bullwhip_amplification.png", "bullwhip_orders.png"} <= {p.name for p in (tmp_path / "figures").iterdir()}
    from sim.report.html import write_comparison

    batches = [sim.run("beer_game", overrides=[f"policy={p}", "mc.replications=1"]) for p in ("sterman", "lean")]
    cmp = sim.compare(batches)
    scenarios = {b.variant: b.scenario.to_dict() for b in batches}
    page = write_comparison(tmp_path / "cmp", comparison=cmp, meta={}, scenarios=scenarios)
    text = page.read_text(encoding="utf-8")
    assert 'id="amplification"' in text and "factory: Bullwhip vs consumer" in text
    assert (tmp_path / "cmp" / "figures" / "comparison_bullwhip.png").is_file()


def test_a_bullwhip_study_report_leads_with_the_amplification(tmp_path):
    """report.html of a bullwhip study (a forecast-driven policy: sim.report.bullwhip.is_study) opens with the
    amplification per echelon, before what needs attention; another run with varying demand keeps it further down."""
    sim.run("beer_game", overrides=["policy=sterman", "mc.replications=1"], out_dir=tmp_path / "study")
    html = (tmp_path / "study" / "report.html").read_text(encoding="utf-8")
    assert html.index('id="bullwhip"') < html.index('id="attention"') < html.index("Headline KPIs")
    sim.run("beer_game", overrides=["policy=lean", "mc.replications=1"], out_dir=tmp_path / "lean")
    html = (tmp_path / "lean" / "report.html").read_text(encoding="utf-8")
    assert html.index('id="attention"') < html.index("Headline KPIs") < html.index('id="bullwhip"')


def test_bullwhip_figures_degrade_to_placeholders():
    """Empty tables give a placeholder figure, not an error (reports of runs without varying demand)."""
    from sim.report import bullwhip as bw
    from sim.report.figures import save_png

    scenario = beer().to_dict()
    for fig in (bw.amplification_chart(pd.DataFrame(), scenario), bw.orders_over_time(None, scenario)):
        assert save_png(fig).startswith(b"\x89PNG")
    assert bw.stock_nodes_downstream_first(scenario) == ["retailer", "wholesaler", "distributor", "factory"]
    assert not bw.has_bullwhip(pd.DataFrame(), scenario)
