"""Reorder points below zero where demand is backordered, and reorder levels set from a target cycle service level
(lead-time-aware safety stock): a hand trace, the (r, Q) closed form with Poisson demand, the formula by hand and a
simulated cycle service level."""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import build, const, kpi_dict, mc_mean, rep_seeds, run, series, single_stage
from scipy import integrate, stats

import sim
from sim.model.network import SupplyChain


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


def test_safety_stock_formula_by_hand():
    """z(0.97) = 1.88079; demand 10 ± 3 a period, lead time 5 ± 1.5: SS = 1.88079 × sqrt(5 × 9 + 100 × 2.25) =
    1.88079 × sqrt(270); the reorder point adds 50. Periodic review every 2: protection 7 periods."""
    z = 1.8807936081512509
    assert sim.safety_stock(0.97, (10, 9), (5, 2.25)) == pytest.approx(z * math.sqrt(270))
    assert sim.reorder_level(0.97, (10, 9), (5, 2.25)) == pytest.approx(50 + z * math.sqrt(270))
    assert sim.reorder_level(0.97, (10, 9), (5, 2.25), review=2) == pytest.approx(70 + z * math.sqrt(7 * 9 + 225))
    # constant lead time: the classic z σ sqrt(L); distributions give their own moments (Poisson: variance = mean)
    assert sim.safety_stock(0.9, {"dist": "poisson", "mean": 4}, 9) == pytest.approx(1.2815515655 * 2 * 3)
    gamma = {"dist": "gamma", "mean": 5, "sd": 1.5}
    assert sim.safety_stock(0.97, (10, 9), gamma) == sim.safety_stock(0.97, (10, 9), (5, 2.25))
    with pytest.raises(ValueError, match="service_level: a probability strictly between 0 and 1"):
        sim.safety_stock(1.0, 10, 5)


def sl_store(alpha: float, kind: str = "s_Q", **policy) -> dict:
    """Unit Poisson customers, 20 a period; supplier f makes in 1 period; lane transit gamma 4 ± 1.5."""
    data = single_stage(
        {"kind": kind, "service_level": alpha, **policy},
        {"kind": "poisson_process", "rate": 20.0},
        transit={"dist": "gamma", "mean": 4, "sd": 1.5},
        horizon=100,
        supplier_kw={"production_time": const(1)},
    )
    return data


def test_service_level_sets_the_level_from_the_scenario():
    """Lead time 1 + 4 (variance 2.25), demand 20 (variance 20): s = 100 + z sqrt(5 × 20 + 400 × 2.25); the loaded
    scenario carries the number. Periodic review adds R to the protection period."""
    z = stats.norm.ppf(0.97)
    sc = build(sl_store(0.97, Q=400))
    assert sc.nodes[1].policy["w"].params.s == pytest.approx(100 + z * math.sqrt(100 + 900))
    sc = build(sl_store(0.9, "periodic_order_up_to", review_period=3))
    z = stats.norm.ppf(0.9)
    assert sc.nodes[1].policy["w"].params.order_up_to == pytest.approx(160 + z * math.sqrt(8 * 20 + 900))
    assert build(sl_store(0.5, "base_stock")).nodes[1].policy["w"].params.level == pytest.approx(100)


def test_service_level_bad_input():
    with pytest.raises(sim.ScenarioError, match=r"policy.w.service_level: a probability strictly between 0 and 1"):
        build(sl_store(1.2, Q=5))
    with pytest.raises(sim.ScenarioError, match=r"service_level: sets 's'; give one of service_level and s"):
        build(sl_store(0.9, s=3, Q=5))
    with pytest.raises(sim.ScenarioError, match=r"service_level: only for base_stock, s_S"):
        build(sl_store(0.9, "sterman"))


@pytest.mark.slow
def test_simulated_cycle_service_level_meets_the_target():
    """(s, Q) with s from service_level 0.97 and Q = 400 (one order in flight: a cycle of ~20 periods against a lead
    time of ~5), lead time 1 + normal(4, 1). Unit customers cross the reorder point exactly (no undershoot), so a
    replenishment cycle is free of stockouts iff the lead-time demand N(L) stays at or below s: the cycle service
    level the formula targets. Measured: the share of orders with no stockout between placing and receiving them
    (~1,200 cycles over 24,000 periods), against the exact P(N(L) <= s) (Poisson given L, integrated over L), which
    the normal approximation puts within 0.005 of the target here."""
    data = sl_store(0.97, Q=400)
    data["horizon"] = 24_000
    data["lanes"][0]["transit"] = {"dist": "normal", "mean": 4, "sd": 1}
    sc = build(data)
    s = sc.nodes[1].policy["w"].params.s
    exact = integrate.quad(
        lambda x: stats.poisson.cdf(math.floor(s), 20 * (1 + x)) * stats.norm.pdf(x, 4, 1), 0, 20, limit=200
    )[0]
    assert abs(exact - 0.97) < 0.005
    chain = SupplyChain(sc, np.random.SeedSequence(5), record_log=False, events=True).run()
    ev = chain.events.frame()
    placed = ev[ev.event == "order"].t.to_numpy()
    got = ev[ev.event == "receive"].t.to_numpy()
    outs = ev[ev.event == "stockout"].t.to_numpy()
    n = len(got)
    assert n > 1000 and np.all(placed[1:n] > got[: n - 1])  # one order in flight at a time
    hit = [np.any((outs > placed[i]) & (outs <= got[i])) for i in range(n)]
    csl = 1 - np.mean(hit)
    se = math.sqrt(exact * (1 - exact) / n)
    assert abs(csl - exact) < 4 * se, (csl, exact, n)
