"""A what-if tells its story (issue 20): disruptions in words, the with-versus-without headline with paired CIs and
n, the resilience curve; and the report's first screen shows the disruption and what it cost."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

import sim
from sim.report import what_if


@pytest.mark.parametrize(
    ("spec", "words"),
    [
        ({"kind": "supplier_outage", "supplier": "tw_hsinchu", "start": 120, "duration": 42},
         "tw_hsinchu down 42 days from day 120"),
        ({"kind": "lane_closure", "lane": "a->b", "start": 10}, "lane a->b closed from day 10 to the end of the run"),
        ({"kind": "capacity_loss", "supplier": "x", "fraction": 0.5, "start": 3, "duration": 4},
         "x at 50% of its capacity 4 days from day 3"),
        ({"kind": "demand_shock", "multiplier": 1.5, "nodes": ["north"], "start": 3, "duration": 4},
         "demand × 1.5 at north for all products 4 days from day 3"),
        ({"kind": "regional_event", "region": "Asia", "start": 60, "duration": 30},
         "region Asia out (its suppliers down, its lanes closed) 30 days from day 60"),
    ],
)  # fmt: skip
def test_disruptions_in_words(spec, words):
    assert what_if.describe(spec, "day") == words


def test_headline_reads_the_paired_rows_with_units_and_n():
    rows = [("fill_rate_change", -0.0123, -0.02, -0.005), ("total_cost_change", 38000, 36500, 39500),
            ("time_to_survive", 47, 40, 56), ("time_to_survive_km_median", 48, 40, 56),
            ("time_to_survive_censored", 0.25, 0.0, 0.5), ("time_to_recover_km_median", math.inf, 60, math.inf),
            ("time_to_recover_censored", 0.0, 0.0, 0.0), ("fill_rate", 0.9, 0.89, 0.91)]  # fmt: skip
    summary = pd.DataFrame(
        [
            {"node": "ALL", "sku": "ALL", "kpi": k, "mean": m, "ci_low": lo, "ci_high": hi, "n": 20}
            for k, m, lo, hi in rows
        ]
    )
    got = {r["kpi"]: r for r in what_if.headline(summary, {"currency": "EUR", "period": "day"})}
    # the headline's, in order; the censored times by their Kaplan–Meier medians, not by the plain mean
    want = ["fill_rate_change", "total_cost_change", "time_to_survive_km_median", "time_to_recover_km_median"]
    assert list(got) == want
    assert got["total_cost_change"]["value"] == "+38,000 [+36,500, +39,500] EUR"
    assert got["fill_rate_change"]["value"] == "-1.23 pp [-2.00, -0.50]"  # a change of a rate: percentage points
    assert got["time_to_survive_km_median"]["value"] == "48.0 [40.0, 56.0] days; 25% never dropped"
    assert got["time_to_recover_km_median"]["value"] == "not reached [60.0, not reached] days"  # none censored
    assert got["fill_rate_change"]["n"] == "20"
    assert "within tolerance" not in got["time_to_recover_km_median"]["value"]
    rows[5] = ("time_to_recover_km_median", 0.0, 0.0, 0.0)  # never below the tolerance in most replications
    summary = pd.DataFrame(
        [
            {"node": "ALL", "sku": "ALL", "kpi": k, "mean": m, "ci_low": lo, "ci_high": hi, "n": 20}
            for k, m, lo, hi in rows
        ]
    )
    value = what_if.headline(summary, {"period": "day"})[3]["value"]
    assert value == "0 days (service stayed within tolerance)"


def test_the_first_screen_names_the_disruption_and_its_cost(tmp_path: Path, chromium):
    """Rendered in a real browser at 1,400 × 900: the disruption in words and the total cost change with its CI are
    on the first screen, above what needs attention."""
    outage = "{kind: supplier_outage, supplier: factory, start: 100, duration: 30}"
    sim.run("serial_chain", ["mc.replications=4", f"+scenario.disruptions=[{outage}]"], out_dir=tmp_path)
    page = chromium.new_page(viewport={"width": 1400, "height": 900})
    try:
        page.goto((tmp_path / "report.html").as_uri())
        words = page.get_by_text("factory down 30 days from day 100")
        cost = page.locator("table.what-if tr", has_text="Total cost change")
        assert words.bounding_box()["y"] < 900
        box = cost.bounding_box()
        assert box is not None and box["y"] + box["height"] <= 900
        assert " [" in cost.inner_text() and "EUR" in cost.inner_text()
    finally:
        page.close()


def test_fan_charts_shade_the_disruption_windows():
    """Each panel shades every scheduled window: a 30-day outage from day 100 on a 365-day horizon, and an open-ended
    closure from day 300 (shaded to the horizon)."""
    import numpy as np

    from sim.report import figures

    scenario = {
        "horizon": 365,
        "disruptions": [
            {"kind": "supplier_outage", "supplier": "f", "start": 100, "duration": 30},
            {"kind": "lane_closure", "lane": "f->r", "start": 300},
        ],
    }
    spans = what_if.windows(scenario)
    assert spans == [(100.0, 130.0), (300.0, 365.0)]
    t = np.arange(365)
    bands = pd.DataFrame({"variant": "v", "node": "r", "sku": "w", "t": t, "metric": "on_hand", "p05": 1.0, "p50": 2.0,
                          "p95": 3.0})  # fmt: skip
    fig = figures.fan_charts(bands, [("r", "w")], metrics=("on_hand",), windows=spans)
    shaded = [p.get_x() for p in fig.axes[0].patches]
    assert sorted(shaded) == [100.0, 300.0]
