"""Honest supplier targets and sizing on the lead time the sourcing rule uses (issue 20, items 4 and 5).

The default promised lead time is the 95th percentile of the source's lead time (order delay + production + the wait
for a shared container + transit), so a supplier that behaves as specified is on time about 95 % of the time and is
not flagged against the 90 % OTIF target; a genuinely late one (a capacity queue) still is. ``service_level`` sizing
plans a failover item on its primary's lead time (a standby backup has share 0), a split on the mixture."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

import sim
from sim.errors import ScenarioError
from sim.scenario.moments import PROMISE_QUANTILE, Promises, lead_time_moments
from sim.scenario.safety_stock import reorder_level
from tests.conftest import build, const, lane, single_stage


def promise_of(data: dict) -> float:
    sc = build(data)
    node = sc.node("r")
    return Promises(sc).of(node, "w", node.sources["w"][0])


def test_a_constant_lead_time_is_promised_as_it_is():
    """Order delay 1 + production 2 + transit 3: promised 6, exactly."""
    data = single_stage(
        {"kind": "base_stock", "level": 5}, const(1), transit=3, supplier_kw={"production_time": const(2)}
    )
    data["nodes"][1]["sources"]["w"][0]["order_delay"] = 1
    assert promise_of(data) == 6


def test_the_default_promise_is_the_lead_times_95th_percentile():
    """Exponential production (mean 5) + constant transit 3 + delay 1: the 95th percentile is 4 + 5 ln 20 = 18.98;
    a weekly sailing (uniform wait over 7 days) on a constant lead time of 4 adds its 95th percentile, 6.65."""
    data = single_stage(
        {"kind": "base_stock", "level": 5},
        const(1),
        transit=3,
        supplier_kw={"production_time": {"dist": "exponential", "mean": 5}},
    )
    data["nodes"][1]["sources"]["w"][0]["order_delay"] = 1
    assert promise_of(data) == pytest.approx(4 + 5 * math.log(1 / (1 - PROMISE_QUANTILE)), abs=0.4)
    sailing = single_stage({"kind": "base_stock", "level": 5}, const(1), transit=4)
    sailing["lanes"][0]["consolidation"] = {"capacity": 1000, "dispatch": ["schedule"], "every": 7}
    assert promise_of(sailing) == pytest.approx(4 + 0.95 * 7, abs=0.1)


def test_a_written_promise_wins():
    data = single_stage({"kind": "base_stock", "level": 5}, const(1), transit=3)
    data["nodes"][1]["sources"]["w"][0]["promised_lead_time"] = 2.5
    assert promise_of(data) == 2.5


def test_a_supplier_behaving_as_specified_meets_the_otif_target():
    """Gamma production (mean 10, sd 3), transit 2, capacity to spare: the simulated on-time share matches
    P(lead time <= promise) from the gamma's own CDF (about 0.95), above the 90 % target; with the old default (the
    mean) it was about 0.5."""
    data = single_stage(
        {"kind": "base_stock", "level": 60},
        {"dist": "poisson", "mean": 4},
        transit=2,
        horizon=400,
        warmup=50,
        supplier_kw={"production_time": {"dist": "gamma", "mean": 10, "sd": 3}},
    )
    promise = promise_of(data)
    shape, scale = (10 / 3) ** 2, 9 / 10
    exact = float(stats.gamma.cdf(promise - 2, shape, scale=scale))
    values = [sim.simulate(data, seed=s, timeseries=False).kpi("otif", "f") for s in range(6)]
    mean, se = float(np.mean(values)), float(np.std(values, ddof=1) / np.sqrt(len(values)))
    assert 0.93 < exact < 0.97
    assert abs(mean - exact) < 4 * se + 0.01, (mean, exact, se)
    assert mean > 0.9


def test_only_the_genuinely_late_supplier_is_flagged():
    """Two suppliers with random production: one with capacity to spare (on time), one whose capacity is nearly all
    used, so orders queue (late against the same kind of promise); the OTIF target (0.9) flags only the second."""
    made = {"dist": "triangular", "low": 2, "mode": 3, "high": 6}
    data = {
        "name": "two_suppliers",
        "horizon": 400,
        "warmup": 50,
        "targets": {"otif": 0.9},
        "products": [{"id": "a"}, {"id": "b"}],
        "nodes": [
            {"id": "easy", "type": "supplier", "production_time": made},
            {"id": "busy", "type": "supplier", "capacity": 10.5, "production_time": made},
            {"id": "r", "type": "retailer",
             "demand": {"a": {"dist": "poisson", "mean": 10}, "b": {"dist": "poisson", "mean": 10}},
             "policy": {k: {"kind": "periodic_order_up_to", "review_period": 7, "order_up_to": 150} for k in "ab"},
             "sources": {"a": [{"node": "easy"}], "b": [{"node": "busy"}]}},
        ],
        "lanes": [lane("easy", "r", {"dist": "uniform", "low": 1, "high": 3}), lane("busy", "r", 2)],
    }  # fmt: skip
    run = sim.simulate(data, seed=3, timeseries=False)
    assert run.kpi("otif", "easy") >= 0.9
    assert run.kpi("otif", "busy") < 0.9


# ------------------------------------------------------------------------------------------ sizing (item 5)
def two_sources(sourcing: dict | None, shares: tuple[float, float]) -> dict:
    """A store sourcing from a far (transit 30) and a near (transit 5) supplier with the given shares."""
    data = single_stage(
        {"kind": "periodic_order_up_to", "review_period": 7, "service_level": 0.95},
        {"dist": "poisson", "mean": 20},
        transit=30,
        horizon=100,
    )
    data["nodes"].insert(1, {"id": "near", "type": "supplier"})
    data["lanes"].append(lane("near", "r", 5))
    r = data["nodes"][2]
    r["sources"]["w"] = [{"node": "f", "share": shares[0]}, {"node": "near", "share": shares[1]}]
    if sourcing is not None:
        r["sourcing"] = {"w": sourcing}
    return data


def level(data: dict) -> float:
    return build(data).node("r").policy["w"].params.order_up_to


def test_failover_sizes_on_the_primary_alone_without_a_dummy_share():
    """A failover's standby (share 0) adds nothing: the level equals the single source's, by hand
    mu (L + R) + z sqrt((L + R) var) = 20 x 37 + 1.645 x sqrt(37 x 20)."""
    single = single_stage(
        {"kind": "periodic_order_up_to", "review_period": 7, "service_level": 0.95},
        {"dist": "poisson", "mean": 20},
        transit=30,
        horizon=100,
    )
    by_hand = 20 * 37 + stats.norm.ppf(0.95) * math.sqrt(37 * 20)
    assert level(single) == pytest.approx(by_hand)
    failover = two_sources({"rule": "failover", "primary": "f", "backup": "near"}, (1.0, 0.0))
    assert level(failover) == pytest.approx(by_hand)


def test_a_split_sizes_on_the_mixture():
    """80/20 far/near: lead time 30 w.p. 0.8, 5 w.p. 0.2: mean 25, variance 0.8 x 0.2 x 25^2 = 100."""
    data = two_sources(None, (0.8, 0.2))
    sc = build(data)
    assert lead_time_moments(sc, sc.node("r"), "w") == pytest.approx((25.0, 100.0))
    assert level(data) == pytest.approx(reorder_level(0.95, (20, 20), (25, 100), 7))


def test_a_zero_share_nothing_orders_from_is_refused():
    data = two_sources(None, (1.0, 0.0))
    with pytest.raises(ScenarioError, match=r"sources\.w\[1\]\.share: 0 makes 'near' a standby, but nothing orders"):
        build(data)


def test_a_standby_gets_no_orders_until_the_failover():
    """With fixed shares 1/0 a standby named by a failover never receives a 0-unit order; after its primary fails it
    gets them all."""
    data = two_sources({"rule": "failover", "primary": "f", "backup": "near"}, (1.0, 0.0))
    data["disruptions"] = [{"kind": "supplier_outage", "supplier": "f", "start": 40, "duration": 30}]
    events = sim.simulate(data, seed=1, events=True).events
    orders = events[events["event"] == "order"]
    assert (orders["qty"] > 0).all()
    assert set(orders[orders["t"] < 40]["via"]) == {"f"} and "near" in set(orders[orders["t"] >= 40]["via"])
