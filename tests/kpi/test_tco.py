"""Supplier attributes for total cost of ownership: prices per source and supplier, administration cost per active
supplier, capacity reservation fees, defects rejected at receipt and made again. Hand arithmetic throughout."""

from __future__ import annotations

import numpy as np
import pytest

import sim
from sim.kpi import catalog
from sim.model.network import SupplyChain
from sim.model.rng import stream
from tests.conftest import build, const, kpi_dict, run, single_stage

EVERY_OTHER = {"kind": "periodic_order_up_to", "review_period": 2, "order_up_to": 40}


def one_supplier(**sup) -> dict:
    """Retailer r orders every 2nd period (R = 2, S = 40, starts with 40) from supplier f (transit 1); demand 10."""
    return single_stage(EVERY_OTHER, const(10), horizon=10, costs={"unit_cost": 3}, supplier_kw=sup)


def test_price_chain_source_then_supplier_then_product():
    """Orders at t = 0 (none: IP 40), 2, 4, 6, 8 of 20 units, received at 3, 5, 7, 9: 80 units. The price is the
    source's unit_cost, else the supplier's, else the product's."""
    assert kpi_dict(run(one_supplier()))[("r", "w", "purchase_cost")] == 80 * 3
    assert kpi_dict(run(one_supplier(unit_cost=4)))[("r", "w", "purchase_cost")] == 80 * 4
    data = one_supplier(unit_cost=4)
    data["nodes"][1]["sources"]["w"][0]["unit_cost"] = 2.5
    k = kpi_dict(run(data))
    assert k[("r", "w", "purchase_cost")] == k[("f", "ALL", "spend")] == 80 * 2.5


def test_admin_and_reservation_cost_per_supplier():
    """Admin 7 per period in which f receives an order (t = 2, 4, 6, 8: 4 periods) = 28; reservation fee 0.5 per unit
    of capacity (30/period) per period over 10 periods = 150; supplier_cost = spend 240 + 28 + 150."""
    k = kpi_dict(run(one_supplier(admin_cost=7, reservation_fee=0.5, capacity=30, tier=1)))
    assert k[("f", "ALL", "admin_cost")] == 28
    assert k[("f", "ALL", "reservation_cost")] == 150
    assert k[("f", "ALL", "supplier_cost")] == 240 + 28 + 150


def test_region_rows_sum_the_overhead():
    data = one_supplier(admin_cost=7, region="EU")
    k = kpi_dict(run(data))
    assert k[("region:EU", "ALL", "admin_cost")] == k[("f", "ALL", "admin_cost")] == 28


def defective(rate: float, horizon: int = 40) -> dict:
    """Retailer r (periodic R = 1 up to 30, starts with 30) buys from f (defect_rate ``rate``, transit 1)."""
    data = single_stage(
        {"kind": "periodic_order_up_to", "review_period": 1, "order_up_to": 30},
        {"dist": "poisson", "mean": 6},
        horizon=horizon,
        costs={"unit_cost": 2},
        supplier_kw={"defect_rate": rate},
    )
    return data


def test_defects_are_drawn_from_their_own_stream_and_made_again():
    """Each receipt of q units rejects Binomial(q, rate) drawn in order from stream(seed, 'quality', f->r, w); the
    rejects are made again (a replacement order, one lead time later), paid only when accepted; demand is
    unchanged (common random numbers)."""
    seed = np.random.SeedSequence(4)
    sc = build(defective(0.2))
    chain = SupplyChain(sc, seed, events=True).run()
    ev = chain.events.frame()
    rng = stream(seed, "quality", "f->r", "w")
    # every arrival logs its rejects ('reject', if any) and then the accepted units ('receive'), under its order
    for _, got in ev[ev.event == "receive"].iterrows():
        rejects = ev[(ev.event == "reject") & (ev.order == got.order) & (ev.t == got.t)].qty.sum()
        assert rejects == rng.binomial(round(got.qty + rejects), 0.2), got.to_dict()
    item = chain.items["r", "w"]
    link = item.sources[0]
    rejected = ev[ev.event == "reject"].qty.sum()
    assert rejected > 0 and link.rejected == rejected
    # mass balance: ordered = accepted + still on order (rejects were re-ordered, not lost)
    assert sum(item.ordered) == pytest.approx(sum(item.bought) + item.on_order)
    k = kpi_dict(run(sc, seed))
    assert k[("f", "ALL", "rejected_units")] == rejected
    assert k[("r", "w", "purchase_cost")] == pytest.approx(2 * sum(item.bought))
    clean = run(build(defective(0.0)), seed).timeseries
    assert clean.demand.tolist() == run(sc, seed).timeseries.demand.tolist()


def test_defect_rate_one_is_refused():
    with pytest.raises(sim.ScenarioError, match=r"defect_rate: Input should be less than 1"):
        build(defective(1.0))


def test_tier_must_be_1_2_or_3():
    with pytest.raises(sim.ScenarioError, match=r"tier: Input should be 1, 2 or 3"):
        build(one_supplier(tier=4))


def test_new_kpis_catalogued_with_bounds():
    for name in ("rejected_units", "admin_cost", "reservation_cost", "supplier_cost"):
        assert catalog.bounds(name) == (0.0, float("inf"))
        assert name in catalog.SUPPLIER_KPIS
    assert "rejected_units" in catalog.SOURCE_KPIS and "admin_cost" not in catalog.SOURCE_KPIS
