"""comparison.html as a reader sees it (issue 20): each variant as the few things that changed, in words; the page
fits 1,400 px with four variants (measured in headless Chromium); a bullwhip study opens with the amplification;
the cost-versus-service plot does not blow a few tenths of a point of fill rate up to the whole axis."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest

import sim
from sim.experiment.batch import MCSettings, run_batch
from sim.report import figures, variants
from sim.report.comparison_page import write_comparison

# a board assembler: two components from a Taiwanese fab by sea, a US distributor as an alternative, a hub in
# Mexico reviewed weekly, two assembly lines drawing from it
NETWORK: dict[str, Any] = {
    "name": "board_assembly",
    "period": "day",
    "currency": "USD",
    "horizon": 240,
    "warmup": 30,
    "products": [
        {"id": "ctrl", "unit_cost": 12.0, "holding_cost": 0.01, "backorder_cost": 2.0, "order_cost": 150},
        {"id": "pwr", "unit_cost": 18.0, "holding_cost": 0.01, "backorder_cost": 2.0, "order_cost": 150},
    ],
    "nodes": [
        {"id": "asia_fab", "type": "supplier", "region": "Taiwan", "capacity": 150,
         "production_time": {"dist": "triangular", "low": 5, "mode": 7, "high": 12}},
        {"id": "us_dist", "type": "supplier", "region": "US", "capacity": 60, "unit_cost": 14.4,
         "production_time": {"dist": "triangular", "low": 2, "mode": 4, "high": 7}},
        {"id": "hub_mx", "type": "buffer", "region": "Mexico",
         "policy": {"ctrl": {"kind": "periodic_order_up_to", "review_period": 7, "order_up_to": 1642},
                    "pwr": {"kind": "periodic_order_up_to", "review_period": 7, "order_up_to": 1642}},
         "sources": {"ctrl": [{"node": "asia_fab"}], "pwr": [{"node": "asia_fab"}]}},
        *(
            {"id": line, "type": "retailer", "region": "Mexico",
             "demand": {"ctrl": {"dist": "poisson", "mean": 14}, "pwr": {"dist": "poisson", "mean": 14}},
             "policy": {s: {"kind": "periodic_order_up_to", "review_period": 7, "order_up_to": 160}
                        for s in ("ctrl", "pwr")},
             "sources": {"ctrl": [{"node": "hub_mx"}], "pwr": [{"node": "hub_mx"}]}}
            for line in ("line_north", "line_west")
        ),
    ],
    "lanes": [
        {"from": "asia_fab", "to": "hub_mx", "mode": "sea", "transit": {"dist": "uniform", "low": 25, "high": 35},
         "cost_per_unit": 0.4},
        {"from": "us_dist", "to": "hub_mx", "transit": {"dist": "constant", "value": 4}, "cost_per_unit": 0.6},
        {"from": "hub_mx", "to": "line_north", "transit": {"dist": "constant", "value": 2}, "cost_per_unit": 0.1},
        {"from": "hub_mx", "to": "line_west", "transit": {"dist": "constant", "value": 3}, "cost_per_unit": 0.1},
    ],
}  # fmt: skip


def four_variants() -> dict[str, dict[str, Any]]:
    """The baseline and three what-ifs, keyed as a sweep labels them: dual-source ctrl 80/20, a higher pwr level,
    a six-week outage of the fab."""
    dual, level, outage = (copy.deepcopy(NETWORK) for _ in range(3))
    dual["nodes"][2]["sources"]["ctrl"] = [{"node": "asia_fab", "share": 0.8}, {"node": "us_dist", "share": 0.2}]
    level["nodes"][2]["policy"]["pwr"]["order_up_to"] = 2057
    outage["disruptions"] = [{"kind": "supplier_outage", "supplier": "asia_fab", "start": 120, "duration": 42}]
    return {
        "baseline": NETWORK,
        "ctrl dual-sourced 80/20 with the US distributor": dual,
        "scenario.nodes.2.policy.pwr.order_up_to=2057": level,
        "asia_fab down six weeks from day 120": outage,
    }


def validated(data: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Each variant's scenario as a job writes it (scenario.yaml: every field, defaults included)."""
    return {k: sim.load_scenario(copy.deepcopy(v)).to_dict() for k, v in data.items()}


def test_variants_read_as_the_few_fields_that_changed():
    """Against the baseline, each variant is one line in words, not the validated dicts with every default."""
    scenarios = validated(four_variants())
    changed = variants.what_changed(scenarios, "baseline")
    assert list(changed.values()) == [
        ["ctrl at hub_mx: asia_fab 80 %, us_dist 20 % (was asia_fab 100 %)"],
        ["pwr at hub_mx: order-up-to 1,642 → 2,057"],
        ["asia_fab down 42 days from day 120"],
    ]
    partial = copy.deepcopy(scenarios["baseline"])  # defaults left out, as a person writes them
    partial["nodes"][2]["sources"]["ctrl"] = [{"node": "asia_fab"}]
    del partial["nodes"][0]["reservation_fee"], partial["targets"], partial["lanes"][1]["mode"]
    assert variants.what_changed({"a": scenarios["baseline"], "b": partial}, "a") == {
        "b": ["the same scenario as the baseline (only run settings differ)"]
    }


def test_policy_levels_read_as_sentences_and_group_nodes():
    """The levels table: 'order up to 1,642 every 7'; the same policies at both lines are one row."""
    scenarios = validated(four_variants())
    _, rows, same = variants.policy_levels(scenarios)
    assert not same and rows == [
        {"item": "pwr at hub_mx", "cells": ["order up to 1,642 every 7"] * 2 + ["order up to 2,057 every 7"] + [
            "order up to 1,642 every 7"]}
    ]  # fmt: skip
    _, rows, same = variants.policy_levels({"a": scenarios["baseline"], "b": scenarios["baseline"]})
    assert same and {"item": "ctrl at line_north, line_west", "cells": ["order up to 160 every 7"] * 2} in rows


@pytest.fixture(scope="module")
def four_variant_page(tmp_path_factory: pytest.TempPathFactory):
    """comparison.html of the four variants (2 replications each: the page's layout, not the numbers, is tested)."""
    data = four_variants()
    batches = [run_batch(sc, MCSettings(replications=2, seed=3), variant=name) for name, sc in data.items()]
    scenarios = {b.variant: b.scenario.to_dict() for b in batches}
    out = tmp_path_factory.mktemp("comparison")
    return write_comparison(
        out, comparison=sim.compare(batches), meta={"scenario": "board_assembly"}, scenarios=scenarios
    )


MEASURE = """() => {
  const all = [...document.querySelectorAll('body *')];
  const clipped = all.filter(e => getComputedStyle(e).overflowX !== 'visible' && e.scrollWidth > e.clientWidth + 1);
  return {
    scroll: document.documentElement.scrollWidth,
    right: Math.max(...all.map(e => e.getBoundingClientRect().right)),
    clipped: clipped.map(e => e.tagName + '.' + e.className),
  };
}"""


def test_the_page_fits_1400_px_with_four_variants(four_variant_page, chromium):
    """At 1,400 px the page does not scroll sideways, no element reaches past the window and no table scrolls inside
    its box (the last variant's Δ was off-screen)."""
    page = chromium.new_page(viewport={"width": 1400, "height": 900})
    try:
        page.goto(four_variant_page.as_uri())
        got = page.evaluate(MEASURE)
    finally:
        page.close()
    assert got["scroll"] <= 1400, got
    assert got["right"] <= 1400, got
    assert got["clipped"] == [], got


def test_the_page_says_each_variant_in_words(four_variant_page):
    html = four_variant_page.read_text(encoding="utf-8")
    described = html.split('id="variants"', 1)[1].split("<h2", 1)[0]
    assert "ctrl at hub_mx: asia_fab 80 %, us_dist 20 % (was asia_fab 100 %)" in described
    assert "asia_fab down 42 days from day 120" in described
    assert "order_delay" not in described and "initial_shipments" not in described


def test_a_bullwhip_comparison_opens_with_the_amplification(tmp_path):
    """The beer game under Sterman's heuristic against order-up-to: the amplification per echelon comes right after
    the variants, before the cost-versus-service plot; a comparison that is no bullwhip study opens with the plot."""
    runs = [sim.run("beer_game", overrides=[f"policy={p}", "mc.replications=2"]) for p in ("sterman", "lean")]
    scenarios = {b.variant: b.scenario.to_dict() for b in runs}
    html = write_comparison(tmp_path / "bw", comparison=sim.compare(runs), meta={}, scenarios=scenarios).read_text(
        encoding="utf-8"
    )
    headings = re.findall(r"<h2[^>]*>([^<]*)</h2>", html)
    assert headings[:3] == ["The variants", "Order-variance amplification", "Policy levels each variant used"]
    assert headings.index("Cost versus service (Pareto frontier)") > headings.index("Network KPIs")
    lean = [sim.run("beer_game", overrides=[f"policy={p}", "mc.replications=2"]) for p in ("lean", "base_stock")]
    scenarios = {b.variant: b.scenario.to_dict() for b in lean}
    html = write_comparison(tmp_path / "lean", comparison=sim.compare(lean), meta={}, scenarios=scenarios).read_text(
        encoding="utf-8"
    )
    headings = re.findall(r"<h2[^>]*>([^<]*)</h2>", html)
    assert headings[1] == "Cost versus service (Pareto frontier)"
    assert headings.index("Order-variance amplification") > headings.index("Network KPIs")


def test_the_service_axis_spans_at_least_two_points():
    """Variants at 99.0–99.4 % fill rate: the axis spans 2 points and stops just past 100 %, not 98.9–99.5 %."""
    import pandas as pd

    points = pd.DataFrame(
        {
            "variant": ["a", "b", "c"],
            "service": [0.990, 0.992, 0.994],
            "service_lo": [0.989, 0.991, 0.993],
            "service_hi": [0.991, 0.993, 0.995],
            "cost": [680e3, 682e3, 687e3],
            "cost_lo": [675e3, 677e3, 682e3],
            "cost_hi": [685e3, 687e3, 692e3],
            "efficient": [True, True, False],
        }
    )
    left, right = figures.pareto_chart(points).axes[0].get_xlim()
    assert right - left >= 0.02  # two points of fill rate
    assert left < 0.989 and 0.995 < right <= 1.02
    assert figures.service_limits(0.5, 0.9) == pytest.approx((0.5 - 0.072, 0.9 + 0.072))  # wide data: margins only
