"""Reorder levels set from a target cycle service level (lead-time-aware safety stock, sim.scenario.safety_stock):
the formula by hand, ``service_level`` in a scenario, bad input, and a simulated cycle service level (split from
tests/policy/test_reorder_levels.py)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, stats

import sim
from sim.model.network import SupplyChain
from tests.conftest import build, const, single_stage


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
