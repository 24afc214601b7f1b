"""Costs of ownership by hand: holding rates per node and on pipeline stock, consignment stock, reject, quality and
expedite costs, coordination overhead and the network TCO row, concentration KPIs, emissions, staggered reviews."""

from __future__ import annotations

import numpy as np
import pytest

import sim
from sim.kpi import catalog
from sim.kpi.emissions import MODE_FACTORS
from sim.model.network import SupplyChain
from sim.report.supply_base import concentration
from tests.conftest import build, const, kpi_dict, lane, product, run, single_stage, stock_node, supplier

EVERY_OTHER = {"kind": "periodic_order_up_to", "review_period": 2, "order_up_to": 40}


def one_supplier(costs=None, **sup) -> dict:
    """Retailer r reviews every 2nd period (R = 2, S = 40, starts with 40) and buys from f (transit 1); demand 10 a
    period, horizon 10. Orders of 20 at t = 2, 4, 6, 8, received at 3, 5, 7, 9 (80 units). End-of-period on hand:
    30, 20, 10, 20, 10, 20, 10, 20, 10, 20 (sum 170); in transit 20 over [2, 3), [4, 5), [6, 7), [8, 9) (80)."""
    return single_stage(EVERY_OTHER, const(10), horizon=10, costs={"unit_cost": 3, **(costs or {})}, supplier_kw=sup)


def test_holding_cost_per_node_and_on_pipeline_stock():
    data = one_supplier({"holding_cost": 0.1, "pipeline_holding_cost": 0.2})
    k = kpi_dict(run(data))
    assert k[("r", "w", "on_hand_avg")] * 10 == 170 and k[("r", "w", "pipeline_avg")] * 10 == 80
    assert k[("r", "w", "holding_cost")] == pytest.approx(0.1 * 170)
    assert k[("r", "w", "pipeline_holding_cost")] == pytest.approx(0.2 * 80)
    data["nodes"][1] |= {"holding_cost": {"w": 0.5}, "pipeline_holding_cost": {"w": 0.3}}  # the node's own rates
    k = kpi_dict(run(data))
    assert k[("r", "w", "holding_cost")] == pytest.approx(0.5 * 170)
    assert k[("r", "w", "pipeline_holding_cost")] == pytest.approx(0.3 * 80)
    parts = sum(k.get(("ALL", "ALL", c), 0.0) for c in catalog.COSTS)  # (production_cost: plants only)
    assert k[("ALL", "ALL", "total_cost")] == pytest.approx(parts) == pytest.approx(0.5 * 170 + 0.3 * 80 + 3 * 80)


def test_node_rates_must_name_stocked_products():
    data = one_supplier()
    data["nodes"][1]["holding_cost"] = {"x": 1.0}
    with pytest.raises(sim.ScenarioError, match=r"holding_cost.x: 'r' does not stock 'x' \(it stocks: w\)"):
        build(data)


def test_consignment_stock_is_the_suppliers_until_issued():
    """With f on consignment the initial 40 are r's own, every receipt is f's. Issues take r's own units first:
    own on hand at the period ends 30, 20, 10, then 0; consigned 0, 0, 0, 20, 10, 20, 10, 20, 10, 20 (sum 110). r
    pays for what it issues from consigned stock: 10 a period from t = 4 to 9 = 60 units × 3 (not 80 × 3 on
    receipt); r's holding 0.5 × 60, f's consignment holding 0.5 × 110."""
    plain = kpi_dict(run(one_supplier({"holding_cost": 0.5})))
    k = kpi_dict(run(one_supplier({"holding_cost": 0.5}, consignment=True)))
    assert plain[("r", "w", "purchase_cost")] == 80 * 3 and plain[("r", "w", "holding_cost")] == 0.5 * 170
    assert k[("r", "w", "purchase_cost")] == k[("f", "ALL", "spend")] == 60 * 3
    assert k[("r", "w", "holding_cost")] == 0.5 * 60
    assert k[("f", "ALL", "consignment_holding_cost")] == 0.5 * 110
    assert k[("ALL", "ALL", "consignment_holding_cost")] == 0.5 * 110
    assert k[("f", "ALL", "volume")] == 80 and k[("r", "w", "on_hand_avg")] == plain[("r", "w", "on_hand_avg")]
    # a source's own flag overrides the supplier's; a stock node can't be a consignment source
    data = one_supplier({"holding_cost": 0.5}, consignment=True)
    data["nodes"][1]["sources"]["w"][0]["consignment"] = False
    assert kpi_dict(run(data))[("r", "w", "purchase_cost")] == 80 * 3


def test_consignment_needs_a_supplier_source():
    data = {
        "name": "hub",
        "horizon": 5,
        "products": [product()],
        "nodes": [
            supplier("f"),
            stock_node("h", kind="buffer", policy={"kind": "base_stock", "level": 5}, source="f"),
            stock_node(
                "r",
                policy={"kind": "base_stock", "level": 5},
                demand=const(1),
                source=[{"node": "h", "consignment": True}],
            ),
        ],
        "lanes": [lane("f", "h", 1), lane("h", "r", 1)],
    }
    with pytest.raises(sim.ScenarioError, match=r"consignment: 'h' is a stock node"):
        build(data)


def test_coordination_overhead_and_the_network_tco_row():
    """f has an order in hand in the periods 2, 4, 6 and 8 (each made and shipped the period it is placed), g never
    gets one: coordination 3.5 a period × 4 periods for f only. The network TCO adds admin (7 × 4 periods with an
    order), reservation (0.5 × 30 × 10) and coordination to the stock rows' total cost."""
    data = one_supplier(admin_cost=7, reservation_fee=0.5, capacity=30)
    data["nodes"].append(supplier("g"))
    data["coordination"] = {"communication": 1.0, "quality": 0.5, "administration": 2.0}
    k = kpi_dict(run(data))
    assert k[("f", "ALL", "coordination_cost")] == 14 and k[("g", "ALL", "coordination_cost")] == 0
    tco = k[("ALL", "ALL", "total_cost")] + 28 + 150 + 14
    assert k[("ALL", "ALL", "total_cost_of_ownership")] == pytest.approx(tco)
    assert k[("ALL", "ALL", "admin_cost")] == 28 and k[("ALL", "ALL", "reservation_cost")] == 150
    assert k[("ALL", "ALL", "coordination_cost_share")] == pytest.approx(14 / tco)
    assert sum(k.get(("ALL", "ALL", c), 0.0) for c in catalog.TCO_PARTS) == pytest.approx(tco)  # the breakdown adds up


def test_coordination_is_charged_per_period_with_an_order_in_hand():
    """A failover backup (production time 2) gets the orders of days 10-14 while the primary is down: each is in its
    hand from its placement to its shipment two days later, so the periods 10-16 (7) are charged, 3.5 each = 24.5,
    not 3.5 × the 30-period window; in a calm run it never gets an order and costs nothing."""
    data = single_stage({"kind": "periodic_order_up_to", "review_period": 1, "order_up_to": 40}, const(10), horizon=30)
    data["nodes"].insert(1, supplier("b", production_time=const(2)))
    data["lanes"].append(lane("b", "r", 1))
    r = data["nodes"][2]
    r["sources"]["w"] = [{"node": "f"}, {"node": "b", "share": 0}]
    r["sourcing"] = {"w": {"rule": "failover", "primary": "f", "backup": "b"}}
    data["coordination"] = {"communication": 1.0, "quality": 0.5, "administration": 2.0}
    assert kpi_dict(run(data))[("b", "ALL", "coordination_cost")] == 0
    data["disruptions"] = [{"kind": "supplier_outage", "supplier": "f", "start": 10, "duration": 5}]
    k = kpi_dict(run(data))
    assert k[("b", "ALL", "coordination_cost")] == pytest.approx(3.5 * 7)


def test_concentration_kpis_match_the_report_function():
    sc = sim.load_scenario("consolidated_sourcing")
    r = sim.simulate(sc, seed=1)
    c = concentration(sc, r.kpis)
    for sup, share in c.supplier_share.items():
        assert r.kpi("supplier_share", sup) == pytest.approx(share)
    regions = {n.id: n.region for n in sc.nodes if n.type == "supplier"}
    for sup, region in regions.items():
        assert r.kpi("region_share", sup) == pytest.approx(c.region_share[region])
        if region:
            assert r.kpi("supplier_share", f"region:{region}") == pytest.approx(c.region_share[region])
    assert r.kpi("hhi_suppliers") == pytest.approx(c.hhi_suppliers) == pytest.approx((c.supplier_share**2).sum())
    assert r.kpi("single_source_items") == len(c.single_source_items) >= 1


def test_expedite_cost_prices_the_fast_source_against_the_regular():
    """tests/policy/test_sourcing_rules.py's expedite case over 8 periods (demand 5, 12, 8, 15, 3, 5, 12, 8): air
    orders at t = 2 (12), 4 (15) and 7 (12, arriving at the horizon: not received). Per unit by air (12 + 2) − by sea
    (10 + 0.5) = 3.5, per shipment 5 − 1 = 4: 27 × 3.5 + 3 × 4."""
    node = stock_node(
        "r",
        policy={"kind": "periodic_order_up_to", "review_period": 1, "order_up_to": 30},
        source=[
            {"node": "f", "lane": "f-sea", "share": 0.5, "unit_cost": 10},
            {"node": "f", "lane": "f-air", "share": 0.5, "unit_cost": 12},
        ],
        demand={"kind": "empirical", "values": [5, 12, 8, 15, 3]},
    )
    node["sourcing"] = {"w": {"rule": "expedite", "regular": "f-sea", "fast": "f-air", "trigger": 20}}
    data = {
        "name": "expedite",
        "horizon": 8,
        "products": [product()],
        "nodes": [supplier("f"), node],
        "lanes": [
            lane("f", "r", 3, id="f-sea", mode="sea", cost_per_unit=0.5, cost_per_shipment=1),
            lane("f", "r", 1, id="f-air", mode="air", cost_per_unit=2, cost_per_shipment=5),
        ],
    }
    k = kpi_dict(run(data))
    assert k[("r<-f-air", "w", "volume")] == 27 and k[("r<-f-air", "w", "orders_placed")] == 3
    assert k[("r", "w", "expedite_cost")] == 27 * 3.5 + 3 * 4
    assert k[("ALL", "ALL", "expedite_cost")] == 27 * 3.5 + 3 * 4


def test_reject_and_quality_cost():
    """Rejects at receipt cost cost_per_reject each (in total_cost) and travel again: quality cost adds the
    replacements' transport, cost_per_unit × rejected + cost_per_shipment per replacement order (one per receipt
    with rejects, read from the event log)."""
    data = single_stage(
        {"kind": "periodic_order_up_to", "review_period": 1, "order_up_to": 30},
        {"dist": "poisson", "mean": 6},
        horizon=60,
        supplier_kw={"defect_rate": 0.2, "cost_per_reject": 4},
        lane_kw={"cost_per_unit": 0.5, "cost_per_shipment": 2},
    )
    sc = build(data)
    chain = SupplyChain(sc, np.random.SeedSequence(3), events=True).run()
    ev = chain.events.frame()
    rejects = ev[ev.event == "reject"]
    k = kpi_dict(run(sc, np.random.SeedSequence(3)))
    assert k[("f", "ALL", "rejected_units")] == rejects.qty.sum() > 0
    assert k[("r", "w", "reject_cost")] == 4 * rejects.qty.sum()
    quality = rejects.qty.sum() * (4 + 0.5) + 2 * len(rejects)
    assert k[("r", "w", "quality_cost")] == k[("f", "ALL", "quality_cost")] == pytest.approx(quality)
    parts = sum(k.get(("r", "w", c), 0.0) for c in catalog.COSTS)
    assert k[("r", "w", "total_cost")] == pytest.approx(parts)


def test_emissions_units_times_factor():
    """80 units received over a 500 km road lane, 2 kg each: 500 × 2 / 1000 t-km × the road factor per unit; made by
    f at 1.5 kg each. An explicit kg per unit on the lane wins over distance × weight."""
    data = one_supplier(emissions_per_unit=1.5)
    data["products"][0]["weight_kg"] = 2
    data["lanes"][0] |= {"distance_km": 500, "mode": "road"}
    k = kpi_dict(run(data))
    per_unit = 500 * 2 / 1000 * MODE_FACTORS["road"]
    assert k[("mode:road", "ALL", "emissions_kg")] == pytest.approx(80 * per_unit)
    assert k[("f", "ALL", "emissions_kg")] == pytest.approx(80 * (per_unit + 1.5))
    assert k[("r", "w", "emissions_kg")] == k[("ALL", "ALL", "emissions_kg")] == pytest.approx(80 * (per_unit + 1.5))
    data["lanes"][0] |= {"emissions_per_unit": 0.25, "mode": "air"}
    k = kpi_dict(run(data))
    assert k[("mode:air", "ALL", "emissions_kg")] == 80 * 0.25
    data["lanes"][0] |= {"emissions_per_unit": None, "emission_factor": 0.1}
    assert kpi_dict(run(data))[("mode:air", "ALL", "emissions_kg")] == pytest.approx(80 * 500 * 2 / 1000 * 0.1)


def staggered(n_products: int, review: int, stagger: bool) -> dict:
    """One store, ``n_products`` products each reviewed every ``review`` periods (no offset), demand 3 a period."""
    skus = [f"p{i}" for i in range(n_products)]
    policy = {"kind": "periodic_order_up_to", "review_period": review, "order_up_to": 30}
    node = {
        "id": "r",
        "type": "retailer",
        "stagger": stagger,
        "policy": dict.fromkeys(skus, policy),
        "sources": {s: [{"node": "f"}] for s in skus},
        "demand": {s: const(3) for s in skus},
    }
    return {
        "name": "stagger",
        "horizon": 30,
        "products": [product(s) for s in skus],
        "nodes": [supplier("f"), node],
        "lanes": [lane("f", "r", 2)],
    }


@pytest.mark.parametrize(("n", "review"), [(3, 3), (4, 2), (5, 3)])
def test_stagger_levels_the_orders_per_day(n, review):
    """Product i reviews from offset i mod R; every review after the first period orders (demand 3 a day), so from
    day R on, day t has #{i : i mod R == t mod R} orders. Without stagger all n order on the same day."""
    ts = run(staggered(n, review, True)).timeseries
    per_day = ts[ts.orders > 0].groupby("t").size().reindex(range(30), fill_value=0)
    expected = [sum(1 for i in range(n) if i % review == t % review) for t in range(30)]
    assert per_day.tolist()[review:] == expected[review:]
    plain = run(staggered(n, review, False)).timeseries
    flat = plain[plain.orders > 0].groupby("t").size().reindex(range(30), fill_value=0).tolist()
    assert flat[review:] == [n if t % review == 0 else 0 for t in range(review, 30)]
    assert max(per_day.tolist()[review:]) == -(-n // review)  # levelled: at most ceil(n / R) a day


def test_stagger_refuses_an_explicit_offset():
    data = staggered(2, 2, True)
    data["nodes"][1]["policy"]["p1"] = {
        "kind": "periodic_order_up_to",
        "review_period": 2,
        "order_up_to": 30,
        "offset": 1,
    }
    with pytest.raises(sim.ScenarioError, match=r"policy.p1.offset: stagger: true sets the review offsets"):
        build(data)


def test_consigned_receipts_that_pay_backorders_are_paid_at_once():
    """tests/policy/test_reorder_levels.py's (s, Q) = (-3, 5) trace with f on consignment (price 2, holding 1): every
    receipt (t = 4, 6, 9, 5 units each) goes straight to the backorder queue, so the consigned units are issued, and
    paid, at the instant they arrive and never sit on the shelf (no consignment holding). With a warm-up of 5 the
    window pays for the receipts at 6 and 9 only: 10 × 2."""
    data = single_stage({"kind": "s_Q", "s": -3, "Q": 5}, const(2), transit=2, horizon=10, warmup=5,
                        costs={"unit_cost": 2, "holding_cost": 1}, supplier_kw={"consignment": True})  # fmt: skip
    k = kpi_dict(run(data))
    assert k[("r", "w", "purchase_cost")] == k[("f", "ALL", "spend")] == 10 * 2
    assert k[("f", "ALL", "consignment_holding_cost")] == 0 and k[("r", "w", "holding_cost")] == 0
    assert k[("f", "ALL", "volume")] == 10
    data["warmup"] = 0
    assert kpi_dict(run(data))[("r", "w", "purchase_cost")] == 15 * 2


def test_own_stock_is_issued_before_consigned_stock():
    """one_supplier's store buying half of every order from f (3 EUR) and half from g on consignment (4 EUR): 10 + 10
    arrive at t = 3, 5, 7, 9. Own units go first, so own on hand at the period ends is 30, 20, 10, 10, then 0, and
    consigned 0, 0, 0, 10, 10, 20, 10, 20, 10, 20 (sum 100); r issues consigned units only at t = 6 and 8 (10 each,
    from the oldest lots). Purchases 40 × 3 from f + 20 × 4 from g; r's holding 0.5 × 70, g's 0.5 × 100."""
    data = one_supplier({"holding_cost": 0.5})
    data["nodes"].append(supplier("g", consignment=True, unit_cost=4))
    data["nodes"][1]["sources"]["w"] = [{"node": "f", "share": 0.5}, {"node": "g", "share": 0.5}]
    data["lanes"].append(lane("g", "r", 1))
    k = kpi_dict(run(data))
    assert k[("f", "ALL", "spend")] == 40 * 3 and k[("g", "ALL", "spend")] == 20 * 4
    assert k[("r", "w", "purchase_cost")] == 40 * 3 + 20 * 4
    assert k[("r", "w", "holding_cost")] == 0.5 * 70
    assert k[("g", "ALL", "consignment_holding_cost")] == 0.5 * 100 and k[("f", "ALL", "consignment_holding_cost")] == 0
