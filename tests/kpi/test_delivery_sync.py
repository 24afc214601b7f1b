"""delivery_sync: the share of multi-line customer orders whose lines all arrive within the sync window."""

from __future__ import annotations

import math

import sim


def basket_store(stock_b: float, window: float, horizon: int = 20) -> dict:
    """One order a period for a (always in stock) and b (``stock_b`` units, never replenished)."""
    return {
        "name": "sync",
        "horizon": horizon,
        "products": [{"id": "a"}, {"id": "b"}],
        "nodes": [
            {
                "id": "shop",
                "type": "retailer",
                "initial_stock": {"a": 1000, "b": stock_b},
                "baskets": [
                    {
                        "orders": {"dist": "constant", "value": 1},
                        "lines": {"a": {"dist": "constant", "value": 1}, "b": {"dist": "constant", "value": 1}},
                        "sync_window": window,
                    }
                ],
            }
        ],
    }


def test_share_of_synced_orders_by_hand():
    """b covers the orders of t = 0..4; later orders wait for b forever: 5 of the 20 orders are synced."""
    res = sim.simulate(basket_store(5, 0), seed=1)
    for node, sku in (("shop", "ALL"), ("shop", "a"), ("shop", "b"), ("ALL", "ALL"), ("ALL", "b")):
        assert res.kpi("delivery_sync", node, sku) == 5 / 20


def test_orders_whose_window_passes_the_horizon_are_left_out():
    """Window 3: only orders placed at t + 3 < 20 count (17 orders); 5 synced."""
    res = sim.simulate(basket_store(5, 3), seed=1)
    assert res.kpi("delivery_sync", "shop", "ALL") == 5 / 17


def test_no_baskets_is_nan():
    res = sim.simulate("serial_chain", seed=0)
    assert math.isnan(res.kpi("delivery_sync", "ALL", "ALL"))


def test_a_line_one_period_late_is_synced_only_with_a_window_of_one():
    """b: base stock 1 from a 2-period supplier. Order 0 takes the unit on the shelf; every later order's b line is
    backordered and filled by the receipt of the next period (lag 1). Window 0: 1 of 20 synced; window 1: 19 of 19."""

    def data(window: float) -> dict:
        d = basket_store(1, window)
        d["nodes"][0]["policy"] = {"b": {"kind": "base_stock", "level": 1}}
        d["nodes"][0]["sources"] = {"b": [{"node": "maker"}]}
        d["nodes"].append({"id": "maker", "type": "supplier"})
        d["lanes"] = [{"from": "maker", "to": "shop", "transit": {"dist": "constant", "value": 2}}]
        return d

    assert sim.simulate(data(0), seed=1).kpi("delivery_sync", "shop", "ALL") == 1 / 20
    assert sim.simulate(data(1), seed=1).kpi("delivery_sync", "shop", "ALL") == 1.0
