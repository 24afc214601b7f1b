"""A stress test a manager reads in 30 seconds (issue 20, item 7): elements that take out the same actors are one
row; the impact of the worst elements per product; units and currency; a capped optimum reads as such."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from sim.experiment.stress import StressSettings, elements, run_stress
from sim.report import stress_page
from sim.scenario.sources import load_scenario
from tests.experiment.test_stress import SETTINGS, two_products
from tests.model.test_plant_closure import plant_hub


def test_elements_that_take_out_the_same_actors_are_one_row():
    """A region holding only a lane (tagged with it, no supplier in it) takes out what closing that lane takes out:
    one element named ``lane:... = region:...``; a region holding a supplier also closes its outbound lane, so it
    stays a row of its own."""
    data = two_products()
    data["lanes"][0]["region"] = "strait"
    got = [e.label for e in elements(load_scenario(data), StressSettings())]
    assert "lane:s_single->r = region:strait" in got
    assert "region:strait" not in got and "region:east" in got
    assert len(got) == 3 + 3 + 3 + 1  # 10 actors' sets: the strait is the lane's; the retailer closed


def test_product_impact_adds_up_to_the_network_and_names_the_product():
    """Per element, the revenue at risk of its products sums to its network revenue at risk (the same replications);
    the single source's outage hurts product ``a`` only."""
    res = run_stress(two_products(), SETTINGS, {"replications": 6, "seed": 1}, progress=False)
    impact, table = res.product_impact, res.table.set_index("element")
    assert list(impact.columns) == ["a", "b"] and list(impact.index) == list(res.table["element"])
    for element, row in impact.iterrows():
        assert row.sum() == pytest.approx(table.loc[element, "revenue_at_risk"])
    assert impact.loc["supplier:s_single", "a"] > 0 and impact.loc["supplier:s_single", "b"] == 0
    products, rows = stress_page.product_rows(impact)  # the products hurt most over the worst elements first
    totals = impact.head(5).abs().sum()
    assert products == sorted(totals.index, key=lambda p: -totals[p]) and rows[0]["element"] == "supplier:s_single"


def test_a_capped_optimum_and_a_survived_outage_read_in_words():
    assert stress_page.tts_text(math.inf, 70.0, True, "days") == ("never runs out", "≥ 70 (never runs out)")
    assert stress_page.tts_text(12.0, 40.0, False, "days") == ("12", "40")


def test_the_heat_map_leaves_out_columns_no_element_changed():
    table = pd.DataFrame(
        {"element": ["x", "y"], "revenue_at_risk": [5.0, 1.0], "lost_sales_during": [0.0, 0.0],
         "backorders_peak": [3.0, 0.0], "time_to_recover": [4.0, 2.0], "resilience_loss": [0.0, np.nan]}
    )  # fmt: skip
    labels = [t.get_text() for t in stress_page.heat_map(table).axes[0].get_xticklabels()]
    assert len(labels) == 3 and "Lost sales (extra)" not in labels


def test_the_first_lines_say_what_hurts_most_with_units():
    res = run_stress(two_products(), SETTINGS, {"replications": 6, "seed": 1}, progress=False)
    unit = stress_page.units("EUR", "day")
    lines = stress_page.summary_lines(res.table, "revenue_at_risk", unit)
    assert lines[0].startswith("supplier:s_single: revenue at risk ") and " EUR [" in lines[0]
    assert "days" in lines[0]


def test_facilities_are_elements_on_request_and_merge_with_nothing_else():
    """``stress.elements`` with ``facilities`` (the default): every buffer, retailer and plant is closed in turn by a
    ``facility_outage``; closing the retailer is not the same as closing its lanes (its own customers find it closed),
    so it is a row of its own; without it, no facility is closed."""
    sc = load_scenario(two_products())
    labels = [e.label for e in elements(sc, StressSettings())]
    assert labels[-1] == "facility:r" and len(labels) == 3 + 3 + 3 + 1
    without = [e.label for e in elements(sc, StressSettings(elements=["suppliers", "lanes", "regions"]))]
    assert without == labels[:-1]
    only = elements(sc, StressSettings(elements=["facilities"]))
    assert [(e.kind, e.spec["kind"], e.spec["node"]) for e in only] == [("facility", "facility_outage", "r")]


def test_closing_the_retailer_loses_the_window_exactly():
    """Constant demand of 10 a day for each of two products at a lost-sales retailer closed over [20, 35): the
    2 × 10 × 15 = 300 units asked for in the window are lost (price 10: 3,000 of revenue at risk), from the first day
    (TTS 0); the inventory position never dropped, so nothing is short after it reopens."""
    res = run_stress(
        two_products(poisson=False), {**SETTINGS, "elements": ["facilities"]}, {"replications": 6}, progress=False
    )
    row = res.table.set_index("element").loc["facility:r"]
    assert row.lost_sales_during == 300 and row.revenue_at_risk == 3000
    assert row.time_to_survive == 0 and row.n == 6


def test_a_plant_is_a_stress_element_with_the_hand_worked_impact():
    """The plant feeding a retailer (tests/model/test_plant_closure.py, worked by hand there), closed by the stress
    test over the same window [3, 6): its row has the same time to survive (2), backorder peak (6) and time to recover
    (4) as the scenario's own facility outage; nothing is random, so every replication agrees (CI of zero width)."""
    data = plant_hub()
    data["disruptions"] = []
    settings = {"duration": 3, "start": 3, "elements": ["facilities"], "min_replications": 3, "round_size": 3}
    res = run_stress(data, settings, {"replications": 3}, progress=False)
    assert set(res.table.element) == {"facility:p", "facility:r"}
    row = res.table.set_index("element").loc["facility:p"]
    assert (row.time_to_survive, row.backorders_peak, row.time_to_recover) == (2, 6, 4)
    assert row.backorders_peak_ci_low == row.backorders_peak_ci_high == 6
