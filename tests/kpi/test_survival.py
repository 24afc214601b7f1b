"""``tts_optimal``: the best possible time-to-survive, a linear program (sim.kpi.survival), by hand and from a
scenario (split from tests/model/test_disruptions.py)."""

from __future__ import annotations

import pytest

from sim.kpi.survival import Supply, supplies, tts_optimal, tts_optimal_of, unserved
from tests.conftest import build, const, kpi_dict, lane, run, single_stage, stock_node


def test_tts_optimal_by_hand():
    """Stock 100, demand 10/period; a backup with capacity 4 after lead time 5: 100 + 4 (t - 5) = 10 t gives
    t = 80 / 6. With stock 40 the backup comes too late (cover 4 < 5): t = 4. Unlimited backup: the cap."""
    backup = [Supply("b", "w", 5.0, 4.0, "b")]
    assert tts_optimal({"w": 100}, {"w": 10}, backup, 365) == pytest.approx(80 / 6)
    assert tts_optimal({"w": 40}, {"w": 10}, backup, 365) == pytest.approx(4.0)
    assert tts_optimal({"w": 60}, {"w": 10}, [Supply("b", "w", 5.0, None, "b")], 200) == 200
    # a capacity of 6 shared by two products (demand 10 each, stock 100 each, lead 5): the LP splits it:
    # 200 + 6 (t - 5) = 20 t -> t = 170 / 14
    shared = [Supply("b", "x", 5.0, 6.0, "b"), Supply("b", "y", 5.0, 6.0, "b")]
    got = tts_optimal({"x": 100, "y": 100}, {"x": 10, "y": 10}, shared, 365)
    assert got == pytest.approx(170 / 14)


def test_tts_optimal_from_a_scenario():
    """Primary ``f`` down; backup ``g`` (capacity 4, lead 1 + 2 + 2 = 5) still up: the scenario-level options feed
    the same LP; in a run the stock at the outage's start is the snapshot (on hand + in transit)."""
    data = single_stage({"kind": "base_stock", "level": 10}, const(10), transit=2, horizon=60)
    data["nodes"].append({"id": "g", "type": "supplier", "capacity": 4, "production_time": const(2)})
    data["nodes"][1]["sources"]["w"] = [{"node": "f", "share": 0.5}, {"node": "g", "share": 0.5, "order_delay": 1}]
    data["lanes"].append(lane("g", "r", 2))
    data["disruptions"] = [{"kind": "supplier_outage", "supplier": "f", "start": 10, "duration": 20}]
    opts = supplies(build(data))
    assert [(o.supplier, o.lead, o.capacity) for o in opts] == [("g", 5.0, 4.0)]
    res = run(data)
    k = kpi_dict(res)
    stock = k["ALL", "w", "tts_stock_cover"] * 10
    want = tts_optimal({"w": stock}, {"w": 10}, opts, 50)
    assert k["ALL", "w", "tts_optimal"] == pytest.approx(want)


def test_tts_optimal_leaves_out_stock_cut_off_by_closed_lanes():
    """f -> hub (50 units) -> r (10 units, 4 a day), f down: open, the hub's stock reaches r's customers: 60 / 4 = 15;
    with hub->r closed too only r's own 10 do: 2.5 (the pooled optimum said 15)."""
    data = single_stage({"kind": "base_stock", "level": 10}, const(4), transit=1, horizon=30)
    data["nodes"].insert(1, stock_node("hub", kind="buffer", policy={"kind": "base_stock", "level": 50}, source="f"))
    data["nodes"][2]["sources"]["w"] = [{"node": "hub"}]
    data["lanes"] = [lane("f", "hub", 1), lane("hub", "r", 1)]
    snapshot = {("hub", "w"): 50.0, ("r", "w"): 10.0}
    down = {"kind": "supplier_outage", "supplier": "f", "start": 5, "duration": 10}
    data["disruptions"] = [down]
    assert tts_optimal_of(build(data), snapshot, {("r", "w"): 4.0}, 25) == pytest.approx(15)
    data["disruptions"] = [down, {"kind": "lane_closure", "lane": "hub->r", "start": 5, "duration": 10}]
    assert tts_optimal_of(build(data), snapshot, {("r", "w"): 4.0}, 25) == pytest.approx(2.5)


def test_a_store_cut_off_runs_out_while_its_sister_store_lives_on():
    """Hub (stock 40) -> stores a and b (stock 8 each, 2 a day each), the supplier down and hub->a closed: a lives on
    its 8 units (4 days), b on its 8 plus the hub's 40 (24 days); the product and the network: 4, the first customers
    to go short. Pooling all 56 units over 4 a day would have said 14."""
    data = {
        "name": "two_stores_one_hub",
        "horizon": 60,
        "products": [{"id": "w"}],
        "nodes": [
            {"id": "f", "type": "supplier"},
            stock_node("hub", kind="buffer", policy={"kind": "base_stock", "level": 40}, source="f"),
            stock_node("a", policy={"kind": "base_stock", "level": 8}, source="hub", demand=const(2)),
            stock_node("b", policy={"kind": "base_stock", "level": 8}, source="hub", demand=const(2)),
        ],
        "lanes": [lane("f", "hub", 1), lane("hub", "a", 1), lane("hub", "b", 1)],
        "disruptions": [
            {"kind": "supplier_outage", "supplier": "f", "start": 10, "duration": 40},
            {"kind": "lane_closure", "lane": "hub->a", "start": 10, "duration": 40},
        ],
    }
    sc = build(data)
    snapshot = {("hub", "w"): 40.0, ("a", "w"): 8.0, ("b", "w"): 8.0}
    assert tts_optimal_of(sc, snapshot, {("a", "w"): 2.0}, 50) == pytest.approx(4)
    assert tts_optimal_of(sc, snapshot, {("b", "w"): 2.0}, 50) == pytest.approx(24)
    assert tts_optimal_of(sc, snapshot, {("a", "w"): 2.0, ("b", "w"): 2.0}, 50) == pytest.approx(4)
    assert tts_optimal({"w": 56.0}, {"w": 4.0}, [], 50) == pytest.approx(14)  # the pooled form


def test_a_closed_store_leaves_its_customers_short_even_at_the_optimum():
    """Supplier f -> stores r1 and r2 (base stock 10, 4 a day each); r1 closed over [3, 8). r2's stock could be
    pooled (the optimum ignores transshipment), but r1's customers find r1 closed: nobody serves them, so the best
    possible time to survive is 0 for their product and the network, as observed (r1 short from the first day)."""
    data = {
        "name": "two_stores",
        "horizon": 20,
        "products": [{"id": "w"}],
        "nodes": [
            {"id": "f", "type": "supplier"},
            stock_node("r1", policy={"kind": "base_stock", "level": 10}, source="f", demand=const(4)),
            stock_node("r2", policy={"kind": "base_stock", "level": 10}, source="f", demand=const(4)),
        ],
        "lanes": [lane("f", "r1", 1), lane("f", "r2", 1)],
        "disruptions": [{"kind": "facility_outage", "node": "r1", "start": 3, "duration": 5}],
        "resilience": {"window": 1, "tolerance": 0.0},
    }
    assert unserved(build(data)) == {"w"}
    k = kpi_dict(run(data))
    assert k["ALL", "ALL", "time_to_survive"] == 0
    assert k["ALL", "ALL", "tts_optimal"] == 0 == k["ALL", "w", "tts_optimal"]
    assert tts_optimal({"w": 100}, {"w": 4}, [], 17, unserved={"w"}) == 0  # the pooled stock would last 25
    assert tts_optimal({"w": 100}, {"w": 4}, [], 17) == 17
