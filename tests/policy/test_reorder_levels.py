"""Reorder points below zero where demand is backordered: a hand trace and the (r, Q) closed form with Poisson demand.
Reorder levels set from a target cycle service level are in tests/scenario/test_safety_stock.py."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

import sim
from tests.conftest import build, const, kpi_dict, mc_mean, rep_seeds, run, series, single_stage


def test_negative_reorder_point_by_hand():
    """(s, Q) = (-3, 5), demand 2 a period, transit 2, backorders; starts with s + Q = 2 on hand. IP after each
    demand: 0, -2, -4 -> order 5 (IP 1), -1, [receipt at 4 pays 5 of 6 backorders] -3 -> order 5 (IP 2), 0,
    [receipt] -2, -4 -> order (IP 1), -1, -3 -> order (IP 2): orders at t = 2, 4, 7, 9, and the IP at the period ends
    stays in {s + 1, ..., s + Q} = {-2, ..., 2}. Backorders at the period ends 0, 2, 4, 6, 3, 5, 2, 4, 6, 3."""
    data = single_stage({"kind": "s_Q", "s": -3, "Q": 5}, const(2), transit=2, horizon=10)
    r = run(data)
    s = series(r, "r")
    assert s["inventory_position"] == [0, -2, 1, -1, 2, 0, -2, 1, -1, 2]
    assert s["backorders"] == [0, 2, 4, 6, 3, 5, 2, 4, 6, 3]
    assert s["on_hand"] == [0] * 10
    assert [t for t, q in enumerate(s["orders"]) if q] == [2, 4, 7, 9] and set(s["orders"]) == {0, 5}
    k = kpi_dict(r)
    assert k[("r", "w", "fill_rate")] == 2 / 20 and k[("r", "w", "backorders_avg")] == 35 / 10


def test_negative_s_of_s_S_triggers_on_the_inventory_position():
    """(s, S) = (-2, 3), demand 2, transit 1: IP after demand 1, -1, -3 -> order 6 (IP 3), 1, -1, -3 -> order 6."""
    s = series(run(single_stage({"kind": "s_S", "s": -2, "S": 3}, const(2), transit=1, horizon=8)), "r")
    assert s["inventory_position"] == [1, -1, 3, 1, -1, 3, 1, -1]
    assert [q for q in s["orders"] if q] == [6, 6]


def test_negative_reorder_point_refused_under_lost_sales():
    data = single_stage({"kind": "s_Q", "s": -3, "Q": 5}, const(2), lost=True)
    with pytest.raises(sim.ScenarioError, match=r"policy.w.s: -3 is below 0, which needs unmet_demand: backorder"):
        build(data)


def rq_closed_form(r: int, q: int, mean_lead_demand: float) -> tuple[float, float]:
    """(E on hand, E backorders) of continuous-review (r, Q) with unit Poisson demand and a constant lead time: the
    inventory position is uniform on {r+1, ..., r+Q} and independent of the lead-time demand D (Hadley-Whitin)."""
    d = stats.poisson(mean_lead_demand)
    k = np.arange(0, int(mean_lead_demand * 10 + 50))
    p = d.pmf(k)
    ys = np.arange(r + 1, r + q + 1)
    on_hand = np.mean([np.sum(np.maximum(y - k, 0) * p) for y in ys])
    back = np.mean([np.sum(np.maximum(k - y, 0) * p) for y in ys])
    return float(on_hand), float(back)


def test_rq_with_cheap_backorders_matches_the_closed_form_at_a_negative_optimum():
    """Poisson demand 1 a period (unit customers), lead time 2, Q = 10, holding 1, backorders 0.2 per unit and period:
    the cost-minimising reorder point of the closed form is negative; simulated at it, the average stock on hand and
    backorders agree with the closed form (4 replications × 4000 periods after a 100-period warm-up)."""
    q, lead, h, b = 10, 2, 1.0, 0.2

    def cost(r):
        on_hand, back = rq_closed_form(r, q, lead * 1.0)
        return h * on_hand + b * back

    best = min(range(-20, 10), key=cost)
    assert best < 0
    want_oh, want_bo = rq_closed_form(best, q, lead * 1.0)
    data = single_stage(
        {"kind": "s_Q", "s": best, "Q": q},
        {"kind": "poisson_process", "rate": 1.0},
        transit=lead,
        horizon=4100,
        warmup=100,
        costs={"holding_cost": h, "backorder_cost": b},
    )
    sc = build(data)
    ks = [kpi_dict(run(sc, seed, timeseries=False)) for seed in rep_seeds(11, 4)]
    oh, oh_se = mc_mean([k[("r", "w", "on_hand_avg")] for k in ks])
    bo, bo_se = mc_mean([k[("r", "w", "backorders_avg")] for k in ks])
    assert abs(oh - want_oh) < 4 * oh_se + 0.01, (oh, want_oh, oh_se)
    assert abs(bo - want_bo) < 4 * bo_se + 0.02, (bo, want_bo, bo_se)
    hold, back = (np.mean([k[("r", "w", c)] for k in ks]) / 4000 for c in ("holding_cost", "backorder_cost"))
    assert hold + back == pytest.approx(cost(best), rel=0.05)
