"""A variant in words (sim.report.describe): every kind of change names the element and says old → new, with the
schema's defaults left out; the expected lines are written by hand from the changes made."""

from __future__ import annotations

import copy

import pytest

import sim
from sim.report.describe import describe, disruption_text, policy_text, sources_text
from tests.report.test_comparison_page import NETWORK


def validated(data: dict) -> dict:
    return sim.load_scenario(copy.deepcopy(data)).to_dict()


def test_every_kind_of_change_in_words():
    other = copy.deepcopy(NETWORK)
    fab, dist, hub, north = other["nodes"][0], other["nodes"][1], other["nodes"][2], other["nodes"][3]
    fab["capacity"] = 200
    fab["production_time"] = {"dist": "triangular", "low": 4, "mode": 6, "high": 10}
    hub["sources"]["pwr"] = [{"node": "asia_fab", "share": 0.5}, {"node": "us_dist", "share": 0.5, "order_delay": 2}]
    hub["sourcing"] = {"pwr": {"rule": "failover", "primary": "asia_fab", "backup": "us_dist", "detection": 2}}
    hub["policy"]["ctrl"] = {"kind": "s_S", "s": 800, "S": 1600}
    north["demand"]["ctrl"] = {"dist": "poisson", "mean": 20}
    other["horizon"] = 365
    other["products"][0]["unit_cost"] = 13
    other["lanes"][0]["transit"] = {"dist": "uniform", "low": 30, "high": 45}
    other["nodes"].append({"id": "eu_fab", "type": "supplier", "region": "EU", "capacity": 50})
    del dist["unit_cost"]  # back to the product's price
    assert describe(validated(NETWORK), validated(other)) == [
        "asia_fab: capacity 150 → 200",
        "asia_fab: production time triangular (low 5, mode 7, high 12) → triangular (low 4, mode 6, high 10)",
        "us_dist: unit cost 14.4 → –",
        "pwr at hub_mx: asia_fab 50 %, us_dist 50 % (order delay 2) (was asia_fab 100 %); "
        "sourcing fixed split → failover (primary asia_fab, backup us_dist, detection 2)",
        "ctrl at hub_mx: order up to 1,642 every 7 → reorder at 800 up to 1,600",
        "ctrl at line_north: demand per period poisson (mean 14) → poisson (mean 20)",
        "new supplier eu_fab (region EU, capacity 50)",
        "ctrl: unit cost 12 → 13",
        "lane asia_fab->hub_mx: transit uniform (low 25, high 35) → uniform (low 30, high 45)",
        "horizon: 240 → 365",
    ]
    back = describe(validated(other), validated(NETWORK))
    assert "supplier eu_fab removed" in back and back[-1] == "horizon: 365 → 240"


def test_the_same_change_at_several_nodes_is_one_line():
    other = copy.deepcopy(NETWORK)
    for node in other["nodes"][3:]:
        node["policy"]["pwr"]["order_up_to"] = 200
    assert describe(validated(NETWORK), validated(other)) == ["pwr at line_north, line_west: order-up-to 160 → 200"]


@pytest.mark.parametrize(
    ("spec", "words"),
    [
        ({"kind": "supplier_outage", "supplier": "asia_fab", "start": 120, "duration": 42},
         "asia_fab down 42 days from day 120"),
        ({"kind": "supplier_outage", "supplier": "asia_fab", "start": 120}, "asia_fab down from day 120 to the end"),
        ({"kind": "capacity_loss", "supplier": "us_dist", "fraction": 0.5, "start": 30, "duration": 14},
         "us_dist at 50 % capacity 14 days from day 30"),
        ({"kind": "lane_closure", "lane": "asia_fab->hub_mx", "start": 100, "duration": 7},
         "lane asia_fab->hub_mx closed 7 days from day 100"),
        ({"kind": "lane_slowdown", "lane": "asia_fab->hub_mx", "factor": 1.5, "start": 0, "duration": 60},
         "lane asia_fab->hub_mx 1.5× slower 60 days from day 0"),
        ({"kind": "regional_event", "region": "Taiwan", "start": 10, "duration": 5, "name": "typhoon"},
         "typhoon: region Taiwan down (its suppliers and lanes) 5 days from day 10"),
        ({"kind": "quality_excursion", "supplier": "asia_fab", "defect_rate": 0.05, "start": 60, "duration": 30},
         "asia_fab ships 5 % defective 30 days from day 60"),
        ({"kind": "demand_shock", "multiplier": 1.5, "skus": ["pwr"], "start": 50, "duration": 10},
         "demand for pwr ×1.5 at every customer 10 days from day 50"),
        ({"kind": "random_outage", "supplier": "asia_fab", "time_to_failure": {"dist": "exponential", "mean": 100},
          "repair_time": {"dist": "exponential", "mean": 10}},
         "asia_fab fails at random (time to failure exponential (mean 100), repair time exponential (mean 10))"),
    ],
)  # fmt: skip
def test_disruptions_in_words(spec, words):
    """Each kind as a manager says it; a variant that adds one says that line, one that drops it says 'no longer'."""
    assert disruption_text(spec, NETWORK) == words
    other = {**copy.deepcopy(NETWORK), "disruptions": [spec]}
    assert describe(validated(NETWORK), validated(other)) == [words]
    assert describe(validated(other), validated(NETWORK)) == [f"no longer: {words}"]


def test_policies_and_sources_as_sentences():
    assert policy_text({"kind": "periodic_order_up_to", "review_period": 7, "order_up_to": 1642.49}) == (
        "order up to 1,642 every 7"
    )  # levels read to the unit; the run keeps 1642.49
    assert policy_text({"kind": "periodic_order_up_to", "review_period": 7, "order_up_to": 9, "offset": 1}) == (
        "order up to 9 every 7 (offset 1)"
    )
    assert policy_text({"kind": "base_stock", "level": 40}) == "base stock 40"
    assert policy_text({"kind": "s_Q", "s": 30, "Q": 100}) == "reorder 100 at 30"
    assert policy_text({"kind": "forecast_order_up_to", "periods": 12, "beta": 0.4}) == (
        "forecast order-up-to (moving average over 12, smoothing β 0.4)"
    )
    failover = [{"node": "asia_fab", "share": 1.0}, {"node": "us_dist", "share": 0.0, "unit_cost": 20.5}]
    assert sources_text(failover) == "asia_fab 100 %, us_dist standby (unit cost 20.5)"
    assert sources_text([{"node": "asia_fab", "share": 1.0, "order_delay": 0.0, "lane": None}]) == "asia_fab 100 %"
