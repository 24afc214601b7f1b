"""Deterministic chains checked to the unit against hand arithmetic.

Constant demand, constant lead times: every level, order, backorder and cost below was worked out period by period by
hand from the timing convention (sim/model/clock.py, docs/timing.md): at each integer t, receipts (1), then production
(2), then delayed orders reaching their source (3), then periodic reviews (4), then customer demand (5), which triggers
continuous reviews at once. Levels change only at integer instants here, so the level *during* period t equals the
end-of-period level in the time series, and time averages are plain averages of those.
"""

from __future__ import annotations

import math

import pytest

from tests.conftest import const, kpi_dict, lane, product, run, series, single_stage, stock_node, supplier

NAN = math.nan


def _check_row(k: dict, node: str, sku: str, expected: dict[str, float]) -> None:
    for name, value in expected.items():
        got = k[(node, sku, name)]
        if isinstance(value, float) and math.isnan(value):
            assert math.isnan(got), f"{node}/{sku}/{name}: {got} (expected NaN)"
        else:
            assert got == pytest.approx(value, rel=1e-12, abs=1e-12), f"{node}/{sku}/{name}: {got} != {value}"


# ------------------------------------------------------------------------------------------------------------
# Two-stage chain: supplier f -> dc (s,S) -> store (base stock)


def two_stage(horizon: int = 12, warmup: int = 0) -> dict:
    return {
        "name": "two_stage",
        "horizon": horizon,
        "warmup": warmup,
        "products": [product(holding_cost=1, backorder_cost=5, order_cost=10, unit_cost=2)],
        "nodes": [
            supplier(),
            stock_node(
                "dc", kind="buffer", policy={"kind": "s_S", "s": 5, "S": 30}, source="f", initial_stock={"w": 30}
            ),
            stock_node("store", policy={"kind": "base_stock", "level": 25}, source="dc", demand=const(10)),
        ],
        "lanes": [
            lane("f", "dc", 3, cost_per_unit=0.5),
            lane("dc", "store", 1, cost_per_unit=0.1, cost_per_shipment=3),
        ],
    }


# Hand simulation (D = store demand 10 at every t; store orders 10 right after it, the dc serves it at once):
#
#  t | store: receipt, on hand after demand, backorders | dc: on hand after serving, backlog, order placed
#  0 |  -   25-10=15                         0          | 30-10=20                0   IP 20 > 5: none
#  1 | +10  15                                0          | 10                      0   IP 10 > 5: none
#  2 | +10  15                                0          |  0                      0   IP 0 <= 5: order 30 (arr 5)
#  3 | +10  15                                0          |  0, store order owed   10   IP 30-10 = 20: none
#  4 |  -    5                                0          |  0                     20   IP 10: none
#  5 |  -   5-10: fill 5, backorder 5         5          | +30: ships 10+10 owed, then 10 now -> 0; IP 0:
#    |                                                   |      order 30 (arr 8)
#  6 | +30: pays backorder 5, 25-10 = 15      0          |  0, owed 10   IP 20
#  7 |  -    5                                0          |  0, owed 20   IP 10
#  8 |  -    0, backorder 5                   5          | +30 -> as t=5, order 30 (arr 11)
#  9..11 repeat 6..8.
#
# Store: on hand per period 15,15,15,15,5,0,15,5,0,15,5,0 (sum 105); backorders 5 at t=5,8,11 (sum 15); pipeline:
# 10 at t=0,1,2 (shipped at t, arrives t+1), 30 at t=5,8,11 (three shipments leave at t, arrive t+1), else 0
# (sum 120). Filled at once: 10 except 5 at t=5,8,11 (sum 105 of 120). Orders: 10 every period (12 orders).
# Lead times: t=0,1,2 -> 1; t=3 -> 3 (shipped at 5, arrives 6); t=4 -> 2; t=5 -> 1; t=6 -> 3; t=7 -> 2; t=8 -> 1;
# t=9,10,11 arrive at 12 = horizon: open. Mean 15/9; p95 of [1,1,1,1,2,2,3,3,3] = 3. Promised lead time = transit
# mean 1, so on time: t=0,1,2,5,8 of the 11 orders due before t=12 (t=11's is due at 12 = horizon, a time the run
# never reaches, so it can't be judged): OTIF 5/11.
# Transport (charged at departure): 4 = 3 + 0.1*10 per shipment; one at t=0,1,2, three at t=5,8,11: 48.
# Store costs: holding 1*105, backorder 5*15, ordering 10*12, transport 48 => 348.
#
# DC: on hand per period 20,10,0,... (sum 30); backorders 10,20,0 at t=3,4,5 and again (sum 90); pipeline: each
# 30-unit order in transit for 3 periods: placed at 2, 5, 8 -> 90 each; placed at 11 -> 30 within the horizon
# (sum 300). Filled at once: t=0,1,2 and 10 at t=5,8,11 -> 60 of 120. Orders 0,0,30 repeating: mean 10,
# sample variance (4*20^2 + 8*10^2)/11 = 2400/11. Lead times 3,3,3 (t=11's open), all on time (promised 3; the
# t=11 order is due at 14 > 12 and not counted). Received from the supplier: 30 at t=5,8,11 -> purchase 2*90.
# DC costs: holding 30, backorder 0 (internal), ordering 4*10, transport 4*(0.5*30)=60, purchase 180 => 310.
STORE = {
    "demand": 120.0,
    "fill_rate": 105 / 120,
    "cycle_service_level": 9 / 12,
    "on_hand_avg": 105 / 12,
    "backorders_avg": 15 / 12,
    "lost_sales": 0.0,
    "orders_placed": 12.0,
    "order_qty_mean": 10.0,
    "order_qty_var": 0.0,
    "demand_var": 0.0,
    "bullwhip_ratio": NAN,  # 0 / 0
    "pipeline_avg": 120 / 12,
    "lead_time_avg": 15 / 9,
    "lead_time_p95": 3.0,
    "otif": 5 / 11,
    "inventory_turns": (115 / 12) * 365 / (105 / 12),  # issued: 105 at once + 5 + 5 backorders paid at t=6, 9
    "holding_cost": 105.0,
    "backorder_cost": 75.0,
    "lost_sale_cost": 0.0,
    "ordering_cost": 120.0,
    "transport_cost": 48.0,
    "purchase_cost": 0.0,
    "total_cost": 348.0,
    "operating_cost": 348.0,
}
DC = {
    "demand": 120.0,
    "fill_rate": 60 / 120,
    "cycle_service_level": 6 / 12,
    "on_hand_avg": 30 / 12,
    "backorders_avg": 90 / 12,
    "orders_placed": 4.0,
    "order_qty_mean": 10.0,
    "order_qty_var": 2400 / 11,
    "demand_var": 0.0,
    "pipeline_avg": 300 / 12,
    "lead_time_avg": 3.0,
    "lead_time_p95": 3.0,
    "otif": 1.0,
    "inventory_turns": (120 / 12) * 365 / (30 / 12),
    "holding_cost": 30.0,
    "backorder_cost": 0.0,
    "ordering_cost": 40.0,
    "transport_cost": 60.0,
    "purchase_cost": 180.0,
    "total_cost": 310.0,
    "operating_cost": 130.0,  # without the purchase cost
}


def test_two_stage_chain_kpis_by_hand() -> None:
    """Every KPI of the store, the dc, the aggregate rows and the supplier, as derived in the comment above."""
    k = kpi_dict(run(two_stage()))
    _check_row(k, "store", "w", STORE)
    _check_row(k, "store", "ALL", STORE)
    _check_row(k, "dc", "w", DC)
    _check_row(k, "dc", "ALL", DC)
    assert math.isnan(k[("dc", "w", "bullwhip_ratio")])  # undefined: order variance over a constant demand
    network = {
        # service: end-customer demand only (the store); inventory and costs: both stock points
        "demand": 120.0,
        "fill_rate": 105 / 120,
        "cycle_service_level": 9 / 12,
        "backorders_avg": 15 / 12,
        "on_hand_avg": (105 + 30) / 12,
        "pipeline_avg": (120 + 300) / 12,
        "orders_placed": 16.0,
        "order_qty_mean": 20.0,
        "order_qty_var": 2400 / 11,
        "demand_var": 0.0,
        "bullwhip_ratio": NAN,
        "lead_time_avg": (15 + 9) / 12,
        "otif": (5 + 3) / (11 + 3),
        "holding_cost": 135.0,
        "backorder_cost": 75.0,
        "total_cost": 658.0,
        "operating_cost": 478.0,
        # network turns count only what leaves to end customers (the store's 115 issues), by value (unit cost 2
        # at both stock points): (2 x 115 / 12 x 365) / (2 x 135 / 12); the dc's transfers to the store don't count
        "inventory_turns": 115 * 365 / 135,
    }
    _check_row(k, "ALL", "ALL", network)
    _check_row(k, "ALL", "w", network)
    # supplier: the dc's four orders reach it at t=2,5,8,11; no capacity -> utilization undefined
    _check_row(k, "f", "ALL", {"demand": 120.0, "demand_var": 2400 / 11, "utilization": NAN})


def test_two_stage_chain_timeseries_by_hand() -> None:
    """End-of-period levels and per-period flows, as in the hand simulation."""
    res = run(two_stage())
    store, dc = series(res, "store"), series(res, "dc")
    assert store["t"] == list(range(12))
    assert store["on_hand"] == [15, 15, 15, 15, 5, 0, 15, 5, 0, 15, 5, 0]
    assert store["backorders"] == [0, 0, 0, 0, 0, 5, 0, 0, 5, 0, 0, 5]
    assert store["pipeline"] == [10, 10, 10, 0, 0, 30, 0, 0, 30, 0, 0, 30]
    assert store["inventory_position"] == [25] * 12  # base stock keeps IP at its level
    assert store["demand"] == [10] * 12
    assert store["orders"] == [10] * 12
    assert store["filled"] == [10, 10, 10, 10, 10, 5, 10, 10, 5, 10, 10, 5]
    assert dc["on_hand"] == [20, 10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
    assert dc["backorders"] == [0, 0, 0, 10, 20, 0, 10, 20, 0, 10, 20, 0]
    assert dc["pipeline"] == [0, 0, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30]
    assert dc["inventory_position"] == [20, 10, 30, 20, 10, 30, 20, 10, 30, 20, 10, 30]
    assert dc["orders"] == [0, 0, 30, 0, 0, 30, 0, 0, 30, 0, 0, 30]
    assert dc["filled"] == [10, 10, 10, 0, 0, 10, 0, 0, 10, 0, 0, 10]


def test_two_stage_chain_warmup_window() -> None:
    """With warmup 3 the KPIs cover periods 3..11 only (span 9): same hand simulation, shorter sums.

    Store: filled 10,10,5 x3 = 75 of 90; on hand 15,5,0 x3 = 60; backorders 15; orders placed at t >= 3: lead
    times 3,2,1,3,2,1 (t=9..11 open) -> mean 2; on time t=5,8 of the 8 orders due before 12 -> OTIF 2/8.
    """
    k = kpi_dict(run(two_stage(warmup=3)))
    _check_row(
        k,
        "store",
        "w",
        {
            "demand": 90.0,
            "fill_rate": 75 / 90,
            "cycle_service_level": 6 / 9,
            "on_hand_avg": 60 / 9,
            "backorders_avg": 15 / 9,
            "pipeline_avg": 90 / 9,
            "orders_placed": 9.0,
            "lead_time_avg": 2.0,
            "otif": 2 / 8,
            "holding_cost": 60.0,
            "backorder_cost": 75.0,
            "transport_cost": 36.0,
        },
    )
    # dc: on hand 0 throughout periods 3..11; backorders 10,20,0 x3; pipeline 30 every period; orders at 5, 8, 11
    _check_row(
        k,
        "dc",
        "w",
        {"on_hand_avg": 0.0, "backorders_avg": 90 / 9, "pipeline_avg": 30.0, "orders_placed": 3.0, "otif": 1.0},
    )
    _check_row(k, "f", "ALL", {"demand": 90.0})


# ------------------------------------------------------------------------------------------------------------
# Periodic order-up-to with an information delay and a production time: what "lead time" covers


def test_periodic_order_up_to_with_delays_by_hand() -> None:
    """R = 3, S = 26, demand 4 per period; an order takes 1 period to reach the supplier (order_delay), 1 to be made
    (production_time) and 2 in transit: lead time 4 (placed at t, on the shelf at t+4 before that period's demand),
    so S must cover R + L = 7 periods (28 units): with 26 the last period of every cycle is 2 short.

      t  | review (IP -> order)  | receipt | on hand / backorders after demand | in transit (end of period)
      0  | IP 26: none           |         | 22                                 | 0
      1,2|                       |         | 18, 14                             | 0
      3  | IP 14: order 12       |         | 10                                 | 0  (reaches f at 4, made, ships 5)
      4,5|                       |         | 6, 2                               | 0, 12
      6  | IP 2+12: order 12     |         | 0 / 2 (filled 2)                   | 12
      7  |                       | +12     | 12-2-4 = 6                         | 0
      8  |                       |         | 2                                  | 12 (order of t=6 ships at 8)
      9  | IP 14: order 12       |         | 0 / 2                              | 12
      10 |                       | +12     | 6                                  | 0
      11 |                       |         | 2                                  | 12

    Filled 44 of 48; on hand sum 88; backorders sum 4; in transit sum 60. Lead times 4, 4 (the t=9 order is open);
    promised = delay 1 + mean production 1 + mean transit 2 = 4: both on time; t=9's due date 13 is past the
    horizon. Costs: holding 0.5*88, backorder 3*4, ordering 7*3, transport 4 per departure (t=5, 8, 11), purchase
    1 per unit received (24).
    """
    data = single_stage(
        {"kind": "periodic_order_up_to", "review_period": 3, "order_up_to": 26},
        const(4),
        transit=2,
        horizon=12,
        costs={"holding_cost": 0.5, "backorder_cost": 3, "order_cost": 7, "unit_cost": 1},
        supplier_kw={"production_time": const(1)},
        lane_kw={"cost_per_shipment": 4},
    )
    data["nodes"][1]["sources"]["w"][0]["order_delay"] = 1
    res = run(data)
    r = series(res, "r")
    assert r["on_hand"] == [22, 18, 14, 10, 6, 2, 0, 6, 2, 0, 6, 2]
    assert r["backorders"] == [0, 0, 0, 0, 0, 0, 2, 0, 0, 2, 0, 0]
    assert r["pipeline"] == [0, 0, 0, 0, 0, 12, 12, 0, 12, 12, 0, 12]
    assert r["orders"] == [0, 0, 0, 12, 0, 0, 12, 0, 0, 12, 0, 0]
    assert r["inventory_position"] == [22, 18, 14, 22, 18, 14, 22, 18, 14, 22, 18, 14]
    assert r["filled"] == [4, 4, 4, 4, 4, 4, 2, 4, 4, 2, 4, 4]
    _check_row(
        kpi_dict(res),
        "r",
        "w",
        {
            "demand": 48.0,
            "fill_rate": 44 / 48,
            "cycle_service_level": 10 / 12,
            "on_hand_avg": 88 / 12,
            "backorders_avg": 4 / 12,
            "pipeline_avg": 60 / 12,
            "orders_placed": 3.0,
            "lead_time_avg": 4.0,
            "lead_time_p95": 4.0,
            "otif": 1.0,
            "holding_cost": 44.0,
            "backorder_cost": 12.0,
            "ordering_cost": 21.0,
            "transport_cost": 12.0,
            "purchase_cost": 24.0,
            "total_cost": 113.0,
        },
    )
    # the supplier sees the orders when they reach it (t = 4, 7, 10)
    assert kpi_dict(res)[("f", "ALL", "demand")] == 36.0


# ------------------------------------------------------------------------------------------------------------
# Outage-like: a supplier slower than demand


def test_supplier_capacity_below_demand_stockout_and_backlog_growth() -> None:
    """Supplier capacity 6 per period, demand 10 per period, base stock 20, transit 1.

    The store orders 10 right after each period's demand; orders are made FIFO at 6 per period and ship complete.
    Cumulative production by the end of period p is 6(p+1), so order j (placed at j) is complete in period
    ceil(10(j+1)/6) - 1 and arrives one period later: at ceil(10(j+1)/6). Orders received by t: floor(0.6 t).
    End-of-period net stock = 20 + 10 floor(0.6 t) - 10(t+1):
      t:        0   1   2    3    4    5    6    7    8    9   10   11   12   13
      net:     10   0   0  -10  -10  -10  -20  -20  -30  -30  -30  -40  -40  -50
    First unmet demand in period 3; since floor(0.6 (t+5)) = floor(0.6 t) + 3, net(t+5) = net(t) + 30 - 50: the
    backlog grows by exactly 20 every 5 periods (10 - 6 = 4 per period). The supplier runs flat out from t = 0:
    utilization 1.
    """
    horizon = 14
    data = single_stage(
        {"kind": "base_stock", "level": 20},
        const(10),
        transit=1,
        horizon=horizon,
        supplier_kw={"capacity": 6},
    )
    res = run(data)
    r = series(res, "r")
    net = [20 + 10 * math.floor(0.6 * t) - 10 * (t + 1) for t in range(horizon)]
    assert [oh - bo for oh, bo in zip(r["on_hand"], r["backorders"], strict=True)] == net
    assert r["backorders"] == [max(0, -n) for n in net]
    assert min(t for t in range(horizon) if r["filled"][t] < r["demand"][t]) == 3
    assert r["filled"] == [10, 10, 10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
    assert all(net[t + 5] - net[t] == -20 for t in range(horizon - 5))
    k = kpi_dict(res)
    assert k[("f", "ALL", "utilization")] == 1.0
    assert k[("r", "w", "fill_rate")] == 30 / 140


# ------------------------------------------------------------------------------------------------------------
# A stock point serving both end customers and a downstream node


def test_mixed_node_network_rows_count_end_customers_only() -> None:
    """Hub (12 units, no replenishment) sells 3 per period to its own customers and supplies a store (base stock 2,
    demand 2 per period, transit 1). Each period the hub's customers come first (its demand stream was scheduled
    first), then the store's demand and the store's order to the hub.

      t | hub: customers (filled/short) | store order (filled/owed) | hub on hand | store: receipt, filled, backorders
      0 | 3 / 0                         | 2 / 0                     | 7           |  -, 2, 0
      1 | 3 / 0                         | 2 / 0                     | 2           | +2, 2, 0
      2 | 2 / 1                         | 0 / 2 (queue not empty)   | 0           | +2, 2, 0
      3 | 0 / 3                         | 0 / 2                     | 0           |  -, 0, 2
      4 | 0 / 3                         | 0 / 2                     | 0           |  -, 0, 4

    Hub row (everything it serves): demand 15 + 10 = 25, filled 12; backorders 3, 8, 13 at t=2..4 (sum 24).
    Network rows (end customers only): demand 15 + 10 = 25, filled 8 + 6 = 14; customer backorders: hub 1, 4, 7
    (sum 12) + store 2, 4 (sum 6); cycle service level = mean over the two customer-facing items of the share of
    periods without a shortage: (2/5 + 3/5) / 2. Backorder cost (1 per unit and period) is charged on customer
    backorders only: hub 12, store 6.
    """
    data = {
        "name": "mixed",
        "horizon": 5,
        "products": [product(backorder_cost=1)],
        "nodes": [
            stock_node("hub", kind="buffer", demand=const(3), initial_stock={"w": 12}),
            stock_node("store", policy={"kind": "base_stock", "level": 2}, source="hub", demand=const(2)),
        ],
        "lanes": [lane("hub", "store", 1)],
    }
    res = run(data)
    k = kpi_dict(res)
    hub = series(res, "hub")
    assert hub["on_hand"] == [7, 2, 0, 0, 0]
    assert hub["backorders"] == [0, 0, 3, 8, 13]
    assert series(res, "store")["backorders"] == [0, 0, 0, 2, 4]
    _check_row(
        k,
        "hub",
        "w",
        {"demand": 25.0, "fill_rate": 12 / 25, "cycle_service_level": 2 / 5, "backorders_avg": 24 / 5},
    )
    _check_row(k, "hub", "w", {"backorder_cost": 12.0})
    network = {
        "demand": 25.0,
        "fill_rate": 14 / 25,
        "cycle_service_level": (2 / 5 + 3 / 5) / 2,
        "backorders_avg": (12 + 6) / 5,
        "demand_var": 0.0,
        "backorder_cost": 18.0,
    }
    _check_row(k, "ALL", "ALL", network)
    _check_row(k, "ALL", "w", network)
