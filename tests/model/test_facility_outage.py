"""``facility_outage``: a closed stock point ships nothing and serves no customer; arrivals wait at its door and are
received when it reopens; reviews and orders go on. Exact hand arithmetic on two small networks.

Retailer case (``retailer_case``): supplier ``f`` -> retailer ``r``, base stock 10 (continuous review), demand 4 every
period, transit 1, no production time, horizon 20; ``r`` closed over [3, 8) (5 days). Before the closure, each period
starts with 6 on hand + 4 arriving (ordered the period before).

| t | arrival | demand 4 | on hand / backorders after | orders |
|---|---|---|---|---|
| 3 | 4 waits at the door | backordered | 6 / 4 | 4 (IP = 6 + 4 on order - 4 = 6) |
| 4..7 | 4 waits each day | backordered | 6 / 8, 12, 16, 20 | 4 each day |
| 8 | reopens (see below), then the order of 7 arrives: 6 + 4 = 10 | filled | 6 / 0 | 4 |

At 8, before the phases: the 6 on hand pay 6 of the 20 backorders, the 5 arrivals that waited (20 units) pay the
other 14 and leave 6.

At a lost-sales retailer the 20 units of demand in [3, 8) are lost; the inventory position never drops (6 on hand +
4 waiting), so no order is placed in 3..7, and at 8 the one waiting arrival brings it back to 10.
"""

from __future__ import annotations

import pytest

from sim.errors import ScenarioError
from tests.conftest import build, const, kpi_dict, lane, product, run, series, single_stage, stock_node, supplier


def retailer_case(lost: bool = False, windows: tuple[tuple[float, float], ...] = ((3, 5),)) -> dict:
    data = single_stage({"kind": "base_stock", "level": 10}, const(4), transit=1, horizon=20, lost=lost)
    data["products"][0]["price"] = 5.0
    data["disruptions"] = [
        {"kind": "facility_outage", "node": "r", "start": start, "duration": duration} for start, duration in windows
    ]
    data["resilience"] = {"window": 1, "tolerance": 0.0}
    return data


def test_closed_retailer_backorders_its_customers_and_receives_at_reopening():
    res = run(retailer_case(), events=True)
    s = series(res, "r")
    assert s["filled"][:10] == [4, 4, 4, 0, 0, 0, 0, 0, 4, 4]
    assert s["backorders"][:10] == [0, 0, 0, 4, 8, 12, 16, 20, 0, 0]
    assert s["on_hand"][:10] == [6] * 10  # the stock on hand is kept, not served, while closed
    assert s["orders"][:10] == [4] * 10  # its reviews go on: one order of 4 per day
    receipts = res.events.query("event == 'receive' and node == 'r' and t >= 3 and t <= 8")
    assert receipts.t.tolist() == [8.0] * 6  # the five that waited at the door, then the one due at 8
    k = kpi_dict(res)
    assert k["r", "w", "time_to_survive"] == 0  # served nothing from the first day
    assert k["r", "w", "backorders_peak"] == 20
    assert k["r", "w", "time_to_recover"] == 5  # last short period 7: 7 + 1 - 3
    assert k["r", "w", "resilience_loss"] == pytest.approx(5)
    assert k["r", "w", "revenue_at_risk"] == pytest.approx(20 * 5.0)
    assert k["r", "w", "tts_stock_cover"] == 0  # a closed site's stock serves nobody
    assert k["ALL", "ALL", "tts_optimal"] == 0  # nor can the optimum use it, and its lane is closed with it


def test_closed_lost_sales_retailer_loses_the_window_and_orders_nothing():
    res = run(retailer_case(lost=True), events=True)
    s = series(res, "r")
    assert s["filled"][:10] == [4, 4, 4, 0, 0, 0, 0, 0, 4, 4]
    assert s["orders"][:10] == [4, 4, 4, 0, 0, 0, 0, 0, 4, 4]  # reviewed, nothing to order: IP stays at 10
    assert s["backorders"][:10] == [0] * 10
    k = kpi_dict(res)
    assert k["r", "w", "lost_sales_during"] == 20
    assert res.events.query("event == 'receive' and node == 'r' and t >= 3 and t <= 8").t.tolist() == [8.0]


def test_overlapping_closures_reopen_when_the_last_one_ends():
    """[3, 5) and [4, 8) close r over [3, 8): the same run as one closure of 5 days."""
    two = series(run(retailer_case(windows=((3, 2), (4, 4)))), "r")
    one = series(run(retailer_case()), "r")
    assert two == one


def test_closed_hub_backorders_downstream_orders_and_the_retailer_runs_down():
    """f -> hub h -> retailer r, base stock 10 at both, demand 4 at r, transits 1; h closed over [3, 6).

    h fills none of r's orders in periods 3, 4, 5 (its backorders 4, 8, 12) and keeps ordering 4 a day; the f
    shipments arriving at 3, 4, 5 wait at its door. r lives on its own stock: 6 on hand + 4 arriving at 3 (shipped by
    h at 2) cover periods 3 and 4 and half of 5 (2 short), and nothing arrives at 6 (h shipped nothing at 5): 4 more
    short. At 6 h reopens, pays r's orders of 3 and part of 4 from its 6 on hand, receives the 12 that waited, and
    ships the rest; everything reaches r at 7. TTS = 5 - 3 = 2, peak backorders 2 + 4 = 6, cover at 3: r's 6 + 4
    over 4 a day = 2.5 (h's stock is closed in). The projected-cover alert fires for h at 3 (a closed site: nothing
    dependable), so the warning lead time is 5 - 3 = 2."""
    data = {
        "name": "hub",
        "horizon": 16,
        "products": [product()],
        "nodes": [
            supplier(),
            stock_node("h", kind="buffer", policy={"kind": "base_stock", "level": 10}, source="f"),
            stock_node("r", policy={"kind": "base_stock", "level": 10}, source="h", demand=const(4)),
        ],
        "lanes": [lane("f", "h", 1), lane("h", "r", 1)],
        "disruptions": [{"kind": "facility_outage", "node": "h", "start": 3, "duration": 3}],
        "resilience": {"window": 1, "tolerance": 0.0},
    }
    res = run(data, events=True)
    h, r = series(res, "h"), series(res, "r")
    assert h["filled"][:8] == [4, 4, 4, 0, 0, 0, 4, 4]
    assert h["backorders"][:8] == [0, 0, 0, 4, 8, 12, 0, 0]
    assert h["orders"][:8] == [4] * 8
    assert r["filled"][:8] == [4, 4, 4, 4, 4, 2, 0, 4]
    assert r["backorders"][:8] == [0, 0, 0, 0, 0, 2, 6, 0]
    waited = res.events.query("event == 'receive' and node == 'h' and t >= 3 and t <= 6")
    assert waited.t.tolist() == [6.0] * 4  # three from the door, then the one due at 6
    k = kpi_dict(res)
    assert k["ALL", "ALL", "time_to_survive"] == 2
    assert k["ALL", "ALL", "backorders_peak"] == 6
    assert k["ALL", "ALL", "tts_stock_cover"] == 2.5
    assert k["ALL", "ALL", "tts_optimal"] == 2.5  # r's 10 units; no supply reaches it through the closed hub
    assert k["ALL", "ALL", "warning_lead_time"] == 2


def test_facility_outage_names_a_stock_node():
    data = retailer_case()
    data["disruptions"][0]["node"] = "f"
    with pytest.raises(ScenarioError, match=r"disruptions\[0\]\.node: 'f' is not a facility .*known facilities: r"):
        build(data)


def test_closure_moves_no_demand_draw():
    """Common random numbers: closing the retailer changes what is served, never what customers ask for."""
    data = single_stage({"kind": "base_stock", "level": 12}, {"dist": "poisson", "mean": 4}, transit=2, horizon=40)
    plain = series(run(data, seed=3), "r")
    data["disruptions"] = [{"kind": "facility_outage", "node": "r", "start": 10, "duration": 6}]
    closed = series(run(data, seed=3), "r")
    assert closed["demand"] == plain["demand"] and sum(plain["demand"]) > 100
    assert closed["filled"] != plain["filled"]
