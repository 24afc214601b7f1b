"""Dual-index and tailored base-surge (sim.policy.dual_sourcing): hand traces of the orders, the reduction of
dual-index to base-stock with equal lead times, and the constant base of base-surge."""

from __future__ import annotations

import numpy as np
import pytest

import sim
from sim.model.network import SupplyChain
from tests.conftest import build, lane, product, run, stock_node, supplier

DEMAND = {"kind": "empirical", "values": [4, 8, 2, 6, 5]}


def dual(policy: dict, *, far: float = 3, near: float = 1, demand=None, horizon: int = 5, initial=10.0) -> dict:
    """Retailer r (starts with ``initial``) orders from far supplier s (transit ``far``) and near supplier e
    (transit ``near``); shares are irrelevant (the policy names the source of every unit)."""
    node = stock_node(
        "r",
        policy=policy,
        source=[{"node": "s", "share": 0.5}, {"node": "e", "share": 0.5}],
        demand=demand or DEMAND,
        initial_stock={"w": initial},
    )
    return {
        "name": "dual",
        "horizon": horizon,
        "products": [product(unit_cost=1)],
        "nodes": [supplier("s"), supplier("e"), node],
        "lanes": [lane("s", "r", far), lane("e", "r", near)],
    }


def orders(data: dict) -> dict[str, list[float]]:
    """Units ordered per period from each source."""
    sc = build(data)
    chain = SupplyChain(sc, np.random.SeedSequence(0), events=True).run()
    ev = chain.events.frame()
    ev = ev[ev.event == "order"]
    out = {}
    for src in ("s", "e"):
        per = [0.0] * sc.horizon
        for t, q in ev[ev.via == src][["t", "qty"]].values.tolist():
            per[int(t)] += q
        out[src] = per
    return out


DUAL_INDEX = {"kind": "dual_index", "regular": "s", "expedited": "e", "z_r": 14, "z_e": 6}


def test_dual_index_trace_by_hand():
    """Lead times 3 (regular) and 1 (expedited), z_r = 14, z_e = 6, on hand 10, demand 4, 8, 2, 6, 5. At each
    review: IP_e = net stock + on order due within 1 period; expedite (6 - IP_e)+; then order (14 - IP - q_e)+.
      t=0: net 10, IP_e 10 -> 0; IP 10 -> regular 4 (due 3)            ; demand 4 -> net 6
      t=1: IP_e 6 (the 4 is due at 3 > 2) -> 0; IP 10 -> regular 4        ; demand 8 -> net -2
      t=2: IP_e -2 + 4 (due 3) = 2 -> expedite 4; IP -2 + 8 + 4 = 10 -> 4 ; demand 2 -> net -4
      t=3: receive 4 + 4 -> net 4; IP_e 4 + 4 = 8 -> 0; IP 4 + 8 = 12 -> 2; demand 6 -> net -2
      t=4: receive 4 -> net 2; IP_e 2 + 4 = 6 -> 0; IP 2 + 4 + 2 = 8 -> 6"""
    assert orders(dual(DUAL_INDEX)) == {"s": [4, 4, 4, 2, 6], "e": [0, 0, 4, 0, 0]}


def test_dual_index_with_equal_lead_times_is_base_stock():
    """With equal lead times every order on the way counts in IP_e = IP, so z_e = z_r = S orders S - IP from the
    expedited source each period: the periodic order-up-to (R = 1) policy, KPI for KPI, on random demand."""
    demand = {"dist": "poisson", "mean": 5}
    di = dual(DUAL_INDEX | {"z_r": 14, "z_e": 14}, far=2, near=2, demand=demand, horizon=200, initial=14)
    base = dual({"kind": "periodic_order_up_to", "review_period": 1, "order_up_to": 14}, far=2, near=2)
    base["nodes"][2] = stock_node(
        "r",
        policy=base["nodes"][2]["policy"]["w"],
        source="e",
        demand=demand,
        initial_stock={"w": 14},
    )
    base["horizon"] = 200
    a = run(di, seed=5).kpis.set_index(["node", "sku", "kpi"]).value
    b = run(base, seed=5).kpis.set_index(["node", "sku", "kpi"]).value
    for key in ("fill_rate", "on_hand_avg", "backorders_avg", "order_qty_var", "purchase_cost"):
        assert a["r", "w", key] == pytest.approx(b["r", "w", key], rel=1e-12), key
    assert orders(di)["s"] == [0.0] * 200  # nothing from the regular source
    assert 0 < a["r", "w", "fill_rate"] < 1  # a real test: stock-outs happen


def test_dual_index_z_e_above_z_r_is_refused():
    with pytest.raises(sim.ScenarioError, match=r"z_e \(20\) must not exceed z_r \(14\)"):
        build(dual(DUAL_INDEX | {"z_e": 20}))


BASE_SURGE = {"kind": "base_surge", "base_source": "s", "surge_source": "e", "base": 3, "order_up_to": 5}


def test_base_surge_orders_exactly_the_base_each_period_and_surges_by_hand():
    """base 3 from s (lead 3) every period; surge up to 5 on IP_e from e (lead 1). On hand 10, demand 4, 8, 2, 6, 5:
    t=0: IP_e 10 -> 0 (net 6 after demand); t=1: IP_e 6 -> 0 (net -2); t=2: IP_e -2 + 3 = 1 -> surge 4 (net -4);
    t=3: receive 3 + 4 -> net 3, IP_e 3 + 3 = 6 -> 0 (net -3); t=4: receive 3 -> 0, IP_e 0 + 3 = 3 -> surge 2."""
    assert orders(dual(BASE_SURGE)) == {"s": [3] * 5, "e": [0, 0, 4, 0, 2]}


def test_base_surge_base_is_constant_on_random_demand():
    """Whatever the demand does, the far source sees exactly ``base`` every review: its order variance is 0."""
    got = orders(dual(BASE_SURGE | {"base": 4, "order_up_to": 9}, demand={"dist": "poisson", "mean": 5}, horizon=60))
    assert got["s"] == [4.0] * 60
    assert np.var(got["e"]) > 0


def test_unknown_source_named_by_a_policy_is_one_clear_error():
    with pytest.raises(sim.ScenarioError, match=r"policy.w.expedited: unknown source 'x'; the sources of 'w': s, e"):
        build(dual(DUAL_INDEX | {"expedited": "x"}))


def test_mass_balance_with_dual_index():
    """Units ordered = received + still on order, per source and in total, on random demand and transit."""
    data = dual(DUAL_INDEX | {"z_r": 30, "z_e": 12}, demand={"dist": "poisson", "mean": 5}, horizon=80)
    data["lanes"][0]["transit"] = {"dist": "discrete", "values": [2, 3, 4], "probs": [0.3, 0.4, 0.3]}
    chain = SupplyChain(build(data), np.random.SeedSequence(1)).run()
    item = chain.items["r", "w"]
    assert sum(item.ordered) == pytest.approx(sum(item.bought) + item.on_order)
    assert item.on_order == pytest.approx(sum(s.on_order for s in item.sources))
    for s in item.sources:
        assert s.on_order == pytest.approx(sum(o.qty - o.received for o in s.open))
