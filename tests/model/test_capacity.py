"""Capacity and allocation: supplier capacity (per order, shared, per product), lane capacity, partial shipments and
first-come-first-served allocation of a short stock point across its downstream orders.

Conventions (sim/model/supplier.py, sim/model/lane.py): a period's capacity starts at its PRODUCTION instant; an order
takes what is left of the current period's capacity the moment it arrives and the rest from the next periods (FIFO). A
supplier ships an order complete once its last unit is made (+ production time); a lane with a capacity sends what fits
now and the rest in the next periods (split shipments, each paying ``cost_per_shipment``).
"""

from __future__ import annotations

import math
from fractions import Fraction

import pytest

from tests.conftest import chain, const, kpi_dict, lane, product, run, series, stock_node, supplier


def one_order(qty: float, capacity: float | dict, *, production: float = 0, transit: float = 1, horizon: int = 30):
    """A buffer with nothing on hand orders ``qty`` once, at t = 0 (periodic review far apart), from ``f``."""
    return {
        "name": "one_order",
        "horizon": horizon,
        "products": [product()],
        "nodes": [
            supplier(capacity=capacity, production_time=const(production)),
            stock_node(
                "b",
                kind="buffer",
                policy={"kind": "periodic_order_up_to", "review_period": 1000, "order_up_to": qty},
                source="f",
                initial_stock={"w": 0},
            ),
        ],
        "lanes": [lane("f", "b", transit)],
    }


@pytest.mark.parametrize(
    ("qty", "cap", "production"),
    [(25, 10, 0), (20, 10, 0), (7, 10, 0), (10, 10, 2), (100, 7, 1), ("0.9", "0.3", 0), (12.5, 2.5, 0)],
)
def test_large_order_completes_over_ceil_q_over_c_periods(qty, cap, production) -> None:
    """An order of q at t = 0 against capacity c is made in periods 0 .. ceil(q/c)-1 (c units each, the rest in
    the last), so it ships at ceil(q/c) - 1 + production time and is on the shelf one transit later.
    (ceil is taken on exact fractions: 0.9 / 0.3 is 3 periods, although 0.9/0.3 > 3 in floating point.)"""
    periods = math.ceil(Fraction(str(qty)) / Fraction(str(cap)))
    qty, cap = float(qty), float(cap)
    arrival = periods - 1 + production + 1
    sc_data = one_order(qty, cap, production=production)
    ch = chain(sc_data)
    produced = ch.suppliers["f"].pools["w"].produced
    expected = [cap] * (periods - 1) + [qty - cap * (periods - 1)]
    assert produced[:periods] == pytest.approx(expected, abs=1e-9)
    assert sum(produced[periods:]) == 0
    res = run(sc_data)
    b = series(res, "b")
    assert b["on_hand"][: int(arrival)] == [0] * int(arrival)
    assert b["on_hand"][int(arrival)] == pytest.approx(qty)
    assert kpi_dict(res)[("b", "w", "lead_time_avg")] == pytest.approx(arrival)


def two_products(capacity: float | dict) -> dict:
    """Buffer b orders 10 of ``a`` and then 10 of ``c`` at t = 0 from supplier f."""
    policy = {"kind": "periodic_order_up_to", "review_period": 1000, "order_up_to": 10}
    return {
        "name": "two_products",
        "horizon": 6,
        "products": [product("a"), product("c")],
        "nodes": [
            supplier(capacity=capacity),
            {
                "id": "b",
                "type": "buffer",
                "initial_stock": {"a": 0, "c": 0},
                "policy": {"a": policy, "c": policy},
                "sources": {"a": [{"node": "f"}], "c": [{"node": "f"}]},
            },
        ],
        "lanes": [lane("f", "b", 1)],
    }


def test_shared_capacity_is_first_come_first_served_across_products() -> None:
    """Shared capacity 15: a's order (first) takes 10 of period 0, c's gets the other 5 and 5 of period 1, so a
    arrives at t=1 and c at t=2. Utilization = 20 units / (15 × 6 periods)."""
    res = run(two_products(15))
    assert series(res, "b", "a")["on_hand"][:3] == [0, 10, 10]
    assert series(res, "b", "c")["on_hand"][:3] == [0, 0, 10]
    assert kpi_dict(res)[("f", "ALL", "utilization")] == pytest.approx(20 / (15 * 6))


def test_per_product_capacity_is_independent() -> None:
    """Capacity {a: 10, c: 10}: both orders are made in period 0 and arrive at t=1; utilization 20 / (20 × 6)."""
    res = run(two_products({"a": 10, "c": 10}))
    assert series(res, "b", "a")["on_hand"][:2] == [0, 10]
    assert series(res, "b", "c")["on_hand"][:2] == [0, 10]
    assert kpi_dict(res)[("f", "ALL", "utilization")] == pytest.approx(20 / (20 * 6))


def test_per_product_capacity_only_limits_its_product() -> None:
    """Capacity {a: 4} with products [a, c]: a takes 3 periods (4+4+2), c is unlimited."""
    data = two_products({"a": 4})
    data["nodes"][0]["products"] = ["a", "c"]
    res = run(data)
    assert series(res, "b", "a")["on_hand"][:4] == [0, 0, 0, 10]
    assert series(res, "b", "c")["on_hand"][:2] == [0, 10]


def test_lane_capacity_splits_a_shipment() -> None:
    """Lane capacity 4, an order of 10, transit 2: 4 leave at t=0, 4 at t=1, 2 at t=2 (three shipments) and arrive
    at t=2, 3, 4. In transit at the end of periods 0..4: 4, 8, 6 (4 arrived, 2 left), 2, 0. Transport cost =
    3 shipments × 5 + 10 units × 1; the order is complete (lead time) when its last part arrives: 4."""
    data = one_order(10, None, transit=2, horizon=8)
    del data["nodes"][0]["capacity"]
    data["lanes"][0].update(capacity=4, cost_per_shipment=5, cost_per_unit=1)
    res = run(data)
    b = series(res, "b")
    assert b["pipeline"][:6] == [4, 8, 6, 2, 0, 0]
    assert b["on_hand"][:6] == [0, 0, 4, 8, 10, 10]
    k = kpi_dict(res)
    assert k[("b", "w", "transport_cost")] == 25
    assert k[("b", "w", "lead_time_avg")] == 4
    assert k[("b", "w", "pipeline_avg")] == pytest.approx((4 + 8 + 6 + 2) / 8)


def test_partial_fills_are_allocated_fifo_across_downstream_orders() -> None:
    """A dc with 5 units gets an order of 8 from store A and then one of 6 from store B (both at t=0; A's review runs
    first). It ships 5 to A at once and owes A 3, B 6. At t=1 it reviews (IP = 0 + 0 - 9) and orders 14 up to 5; the
    lane from the factory carries 7 per period, so 7 arrive at t=2 and 7 at t=3. At t=2: A's 3 (A complete), then 4
    of B's 6; at t=3: B's last 2, and 5 stay on hand. With transit 1 to the stores:
      A on hand: 0, 5, 5, 8 (at t=1 and t=3);   B on hand: 0, 0, 0, 4, 6 (at t=3 and t=4).
    Lead times: A's order 3, B's 4. The dc's backorders at the end of periods 0..3: 9, 9, 2, 0."""
    store = {"kind": "periodic_order_up_to", "review_period": 1000}
    data = {
        "name": "fifo",
        "horizon": 6,
        "products": [product()],
        "nodes": [
            supplier(),
            stock_node(
                "dc",
                kind="buffer",
                policy={"kind": "periodic_order_up_to", "review_period": 1000, "order_up_to": 5, "offset": 1},
                source="f",
                initial_stock={"w": 5},
            ),
            stock_node("A", kind="buffer", policy={**store, "order_up_to": 8}, source="dc", initial_stock={"w": 0}),
            stock_node("B", kind="buffer", policy={**store, "order_up_to": 6}, source="dc", initial_stock={"w": 0}),
        ],
        "lanes": [lane("f", "dc", 1, capacity=7), lane("dc", "A", 1), lane("dc", "B", 1)],
    }
    res = run(data)
    assert series(res, "A")["on_hand"] == [0, 5, 5, 8, 8, 8]
    assert series(res, "B")["on_hand"] == [0, 0, 0, 4, 6, 6]
    dc = series(res, "dc")
    assert dc["backorders"] == [9, 9, 2, 0, 0, 0]
    assert dc["on_hand"] == [0, 0, 0, 5, 5, 5]
    assert dc["orders"] == [0, 14, 0, 0, 0, 0]
    k = kpi_dict(res)
    assert k[("A", "w", "lead_time_avg")] == 3
    assert k[("B", "w", "lead_time_avg")] == 4
    assert k[("dc", "w", "fill_rate")] == 5 / 14


def test_float_dust_is_not_shipped_and_orders_complete_once() -> None:
    """Float dust: the dc keeps 0.30000000000000004 - 0.3 ≈ 5.6e-17 units after the store's first order. That dust
    must not travel as a shipment of its own (it would pay a shipment cost and could arrive after the rest of the
    order, recording the order's lead time twice): the store's second order (5 units) waits in the dc's backlog and
    ships whole at t=3, after the dc's receipt. Each order completes exactly once, whatever the transit draws."""
    data = {
        "name": "dust",
        "horizon": 20,
        "products": [product()],
        "nodes": [
            supplier(),
            stock_node(
                "dc",
                kind="buffer",
                policy={"kind": "periodic_order_up_to", "review_period": 1000, "order_up_to": 10, "offset": 2},
                source="f",
                initial_stock={"w": 0.30000000000000004},
            ),
            stock_node(
                "s",
                policy={"kind": "base_stock", "level": 5.3},
                source="dc",
                demand={"kind": "empirical", "values": [0.3, 5] + [0] * 18},
            ),
        ],
        "lanes": [lane("f", "dc", 1), lane("dc", "s", {"dist": "discrete", "values": [1, 4], "probs": [0.5, 0.5]})],
    }

    for seed in range(10):
        store = chain(data, seed).items["s", "w"]
        shipped = [b[3] - a[3] for a, b in zip(store.log, store.log[1:], strict=False) if b[3] > a[3]]
        assert shipped and min(shipped) > 1e-9  # no dust shipments into the store's pipeline
        assert len(store.counters.lead_times) == 2  # two orders (t=0: 0.3, t=1: 5), each completed once
        assert store.counters.on_time <= store.counters.due
