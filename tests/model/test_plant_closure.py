"""``facility_outage`` of a plant (sim.model.plant, sim.model.facility): a closed plant produces nothing and ships
nothing, its customers' demand is backordered, components arriving wait at its door; its reviews and orders go on;
at reopening the finished goods pay their backorders from stock, the components that waited are received, then
production resumes (held work first, then the waiting kits). Exact hand arithmetic on two deterministic chains.

Plant case (``plant_case``): supplier ``s`` -> plant ``p`` over a lane of 1 period; ``p`` makes fg from 1 c in 1
period; base stock 4 for fg and c (continuous review), starting at 4; customers buy 2 fg a period at ``p``; ``p``
closed over [4, 7). Before the closure every period runs alike: the c ordered the period before arrives (c 4), the fg
whose kit started the period before is output (fg 4), 2 fg are sold (fg 2), fg orders 2: the kit starts at once (c
2), c reorders 2. So each period ends with fg 2, c 2, 2 fg in production and 2 c on the lane.

| t | at the door | production | fg: on hand / backorders | c: on hand / owed to kits | orders |
|---|---|---|---|---|---|
| 4 | closes: c 2 ordered at 3 waits | the 2 fg due at 4 held (0 left) | 2 / 2 (sale backordered) | 2 / 2 | fg 2, c 2 |
| 5, 6 | c 2 more waits each day | nothing starts | 2 / 4, 6 | 2 / 4, 6 | fg 2, c 2 |
| 7 | reopens (below); c 2 ordered at 6 arrives | 2 held out; 3 kits + 1 start | 0 / 4 | 2 / 0 | fg 2, c 2 |
| 8 | | the 4 kits of 4..7 are output: 8 fg | 2 / 0 | 2 / 0 | fg 2, c 2 |

At 7, before the day's phases: fg's 2 on hand pay 2 of its 6 backorders (4 left), the three c that waited are
received (c 8), then production comes back up: the held 2 fg are output at once (they pay 2: backorders 2), the three
waiting kits start (c 2). The c ordered at 6 arrives (c 4); the day's sale is backordered (fg 0 / 4), fg orders 2,
that kit starts at once (c 2). At 8 the four kits (8 fg) are output: 4 pay the backorders, the sale takes 2: fg 2.
"""

from __future__ import annotations

from typing import Any

import pytest

from sim.errors import ScenarioError
from sim.kpi.survival import supplies
from tests.conftest import build, const, kpi_dict, lane, plant, run, series, stock_node, supplier


def plant_case(horizon: int = 12) -> dict[str, Any]:
    return {
        "name": "plant_closure",
        "horizon": horizon,
        "products": [{"id": "fg"}, {"id": "c"}],
        "nodes": [
            supplier("s"),
            plant(
                "p",
                {"fg": {"c": 1}},
                production_time=const(1),
                initial_stock={"fg": 4, "c": 4},
                policy={"fg": {"kind": "base_stock", "level": 4}, "c": {"kind": "base_stock", "level": 4}},
                sources={"c": [{"node": "s"}]},
                demand={"fg": const(2)},
            ),
        ],
        "lanes": [lane("s", "p", 1)],
        "disruptions": [{"kind": "facility_outage", "node": "p", "start": 4, "duration": 3}],
        "resilience": {"window": 1, "tolerance": 0.0},
    }


def test_a_closed_plant_produces_nothing_and_resumes_at_reopening():
    res = run(plant_case(), events=True)
    fg, c = series(res, "p", "fg"), series(res, "p", "c")
    assert fg["on_hand"][:10] == [2, 2, 2, 2, 2, 2, 2, 0, 2, 2]  # its stock is kept, not sold, while closed
    assert fg["backorders"][:10] == [0, 0, 0, 0, 2, 4, 6, 4, 0, 0]
    assert fg["filled"][:10] == [2, 2, 2, 2, 0, 0, 0, 0, 2, 2]
    assert fg["produced"][:10] == [0, 2, 2, 2, 0, 0, 0, 2, 8, 2]  # nothing made while closed; the held 2 at 7
    assert fg["orders"][:10] == [2] * 10 == c["orders"][:10]  # reviews and orders go on
    assert c["on_hand"][:10] == [2] * 10  # the arrivals of 4, 5, 6 waited at the door
    assert c["backorders"][:10] == [0, 0, 0, 0, 2, 4, 6, 0, 0, 0]  # the kits booked while closed
    events = res.events
    received = events.query("event == 'receive' and node == 'p' and sku == 'c' and t >= 4 and t <= 7")
    assert received.t.tolist() == [7.0] * 4  # three from the door, then the one due at 7
    assert events.query("node == 'p' and event in ('down', 'up')").event.tolist() == ["down", "up"]  # logged once
    made = events.query("event == 'receive' and via == 'p:production' and t >= 4 and t <= 8")
    assert made.groupby("t").qty.sum().to_dict() == {7.0: 2.0, 8.0: 8.0}
    k = kpi_dict(res)
    assert k["p", "fg", "units_produced"] == 2 * 12 - 2  # the kit of t = 11 is still in production at the end
    assert k["p", "fg", "time_to_survive"] == 0  # the closed plant served nothing from the first day
    assert k["p", "fg", "backorders_peak"] == 6
    assert k["p", "fg", "time_to_recover"] == 4  # last short period 7: 7 + 1 - 4
    assert k["p", "fg", "tts_stock_cover"] == 0  # a closed site's stock serves nobody


def plant_hub() -> dict[str, Any]:
    """s -> plant p (fg from 1 c at once; base stock 10 for fg and c) -> retailer r (base stock 10, 4 a day, lanes of
    1 period); p closed over [3, 6)."""
    return {
        "name": "plant_hub",
        "horizon": 16,
        "products": [{"id": "fg"}, {"id": "c"}],
        "nodes": [
            supplier("s"),
            plant(
                "p",
                {"fg": {"c": 1}},
                policy={"fg": {"kind": "base_stock", "level": 10}, "c": {"kind": "base_stock", "level": 10}},
                sources={"c": [{"node": "s"}]},
            ),
            stock_node("r", policy={"kind": "base_stock", "level": 10}, source="p", demand=const(4), sku="fg"),
        ],
        "lanes": [lane("s", "p", 1), lane("p", "r", 1)],
        "disruptions": [{"kind": "facility_outage", "node": "p", "start": 3, "duration": 3}],
        "resilience": {"window": 1, "tolerance": 0.0},
    }


def test_a_plant_closure_reaches_the_retailer_it_supplies():
    """s -> plant p (fg from 1 c at once; base stock 10 for fg and c) -> retailer r (base stock 10, 4 a day, lanes of
    1 period); p closed over [3, 6). As a closed hub (tests/model/test_facility_outage.py): p ships none of r's orders
    of 3, 4, 5 and makes nothing (fg's production orders wait: 0 output in 3..5, then 3 × 4 + the day's 4 at 6); r
    lives on its 6 on hand + the 4 shipped at 2: periods 3 and 4 and half of 5 (2 short), then 4 short at 6. TTS
    5 − 3 = 2, peak 2 + 4 = 6; cover at 3: r's 10 units / 4 a day = 2.5 (p's stock and production are closed in), and
    the optimum has no more (no supply reaches r but through p). r's last short period is 6: TTR 6 + 1 − 3 = 4; the
    projected-cover alert fires at 3 (p is closed: nothing dependable), so the warning comes 5 − 3 = 2 ahead."""
    res = run(plant_hub())
    assert series(res, "p", "fg")["produced"][:8] == [4, 4, 4, 0, 0, 0, 16, 4]
    r = series(res, "r", "fg")
    assert r["filled"][:8] == [4, 4, 4, 4, 4, 2, 0, 4]
    assert r["backorders"][:8] == [0, 0, 0, 0, 0, 2, 6, 0]
    k = kpi_dict(res)
    assert k["ALL", "ALL", "time_to_survive"] == 2
    assert k["ALL", "ALL", "backorders_peak"] == 6
    assert k["ALL", "ALL", "time_to_recover"] == 4
    assert k["ALL", "ALL", "tts_stock_cover"] == 2.5
    assert k["ALL", "ALL", "tts_optimal"] == 2.5
    assert k["ALL", "ALL", "warning_lead_time"] == 2
    assert k["r", "fg", "time_to_survive"] == 2  # the retailer is downstream of the closed plant: an affected item


def test_overlapping_plant_closures_reopen_when_the_last_one_ends():
    """[4, 6) and [5, 7) close p over [4, 7): the same run as one closure of 3 days."""
    data = plant_case()
    data["disruptions"] = [{"kind": "facility_outage", "node": "p", "start": start, "duration": 2} for start in (4, 5)]
    assert series(run(data), "p", "fg") == series(run(plant_case()), "p", "fg")


def test_a_closed_plant_is_no_supply_of_the_optimum():
    """tts_optimal's supplies (sim.kpi.survival) leave out a plant's output while a facility outage closes it."""
    closed = build(plant_case())
    data = plant_case()
    data["disruptions"] = [{"kind": "lane_closure", "lane": "s->p", "start": 4, "duration": 3}]
    assert [s.supplier for s in supplies(build(data)) if s.sku == "fg"] == ["p"]
    assert [s.supplier for s in supplies(closed) if s.sku == "fg"] == []


def test_facility_outage_names_a_plant_but_not_a_supplier():
    data = plant_case()
    data["disruptions"][0]["node"] = "s"
    msg = r"'s' is not a facility \(a buffer, retailer or plant\); known facilities: p"
    with pytest.raises(ScenarioError, match=msg):
        build(data)
