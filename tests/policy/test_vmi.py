"""Vendor-managed inventory (sim.policy.vmi): the supplier's min/max on the buyer's on hand + on order, by hand."""

from __future__ import annotations

import pytest

from sim.errors import ScenarioError
from tests.conftest import build, const, lane, product, run, series, stock_node, supplier

DEMAND = {"kind": "empirical", "values": [8, 12, 6, 20, 20, 0, 0, 0]}


def scenario(policy: dict) -> dict:
    """Store s, one supplier f, transit 2 (an order of t arrives before the review of t + 2), backorders; starts at
    the policy's target (30)."""
    return {
        "name": "vmi",
        "horizon": 8,
        "products": [product()],
        "nodes": [supplier("f"), stock_node("s", policy=policy, source="f", demand=DEMAND)],
        "lanes": [lane("f", "s", 2)],
    }


VMI = {"kind": "vmi", "min": 10, "max": 30}


def test_vmi_hand_trace():
    """Reviews come after the period's receipts, before its demand. t0 sees 30, t1 22: nothing. t2 sees 10 <= min:
    30 - 10 = 20 (arrives t4). t3 sees 4 + 20: nothing; 20 asked, 4 there: 16 backordered. t4: the 20 arrive and
    go to the backlog, 4 on hand: order 26; 20 asked: 16 backordered again. t5: on hand 0 + on order 26 = 26 > 10:
    nothing — the supplier does not see the 16 owed to customers. t6: the 26 arrive, 16 to the backlog, 10 on hand:
    order 20. t7 sees 10 + 20."""
    s = series(run(scenario(VMI)), "s")
    assert s["orders"] == [0, 0, 20, 0, 26, 0, 20, 0]
    assert s["on_hand"] == [22, 10, 4, 0, 0, 0, 10, 10]
    assert s["backorders"] == [0, 0, 0, 16, 16, 16, 0, 0]


def test_the_buyers_own_min_max_sees_the_backorders():
    """The buyer's periodic (s, S) on the inventory position (backorders subtracted) orders at t5: IP = 0 + 26 - 16
    = 10 <= 10, so 30 - 10 = 20 — where vmi orders nothing; at t6 it then sees IP 30 and orders nothing."""
    own = {"kind": "periodic_s_S", "review_period": 1, "s": 10, "S": 30}
    assert series(run(scenario(own)), "s")["orders"] == [0, 0, 20, 0, 26, 20, 0, 0]


def test_vmi_with_lost_sales_is_the_periodic_min_max():
    """No backorders to hide: the supplier sees the inventory position, so vmi = periodic (s, S), period by period."""
    own = {"kind": "periodic_s_S", "review_period": 1, "s": 10, "S": 30}
    lost = [scenario(p) for p in (VMI, own)]
    for d in lost:
        d["nodes"][1]["unmet_demand"] = "lost"
        d["horizon"] = 8
    assert series(run(lost[0]), "s")["orders"] == series(run(lost[1]), "s")["orders"]


def test_vmi_review_period_and_sizing():
    """Every 2 periods from offset 1: reviews at t1, t3, t5, t7 only. t1 sees 22; t3 sees 4: order 26 (arrives t5);
    t4 ends 36 backordered; t5: the 26 go to the backlog (10 still owed), on hand 0 + on order 0: order 30; t7
    sees 20 on hand."""
    s = series(run(scenario({**VMI, "review_period": 2, "offset": 1})), "s")
    assert s["orders"] == [0, 0, 0, 26, 0, 30, 0, 0]
    from sim.policy.vmi import VendorManaged

    assert VendorManaged.size(10, 0, 2, 1, 1.65) == {"review_period": 1, "min": 30, "max": 40}


def test_min_must_be_below_max():
    d = scenario({**VMI, "min": 30})
    with pytest.raises(ScenarioError, match=r"max \(30\) must be greater than min \(30\)"):
        build(d)
    assert const(1)  # the shared builders import cleanly
