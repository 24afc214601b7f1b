"""Consolidated shipping (sim/model/consolidating_lane.py): containers shared by a lane's products, checked by hand.

The test network: supplier f (no capacity, no production time) -> retailer r over one lane (transit 2). r sells two
products with constant demand, a = 30 and b = 20 per period, and keeps one-for-one base stock, so in the DEMAND phase
of every period t it orders 30 of a, then 20 of b, and f hands both to the lane at once: 50 units per period, the
first at t = 0. The lane costs ``cost_per_unit`` 0.5 and ``cost_per_shipment`` (per container) 60.
"""

from __future__ import annotations

import copy
import math
from pathlib import Path

import numpy as np
import pytest
import yaml

import sim
from sim.errors import ScenarioError
from sim.model.consolidating_lane import ConsolidatingLane
from sim.model.lane import Lane
from sim.model.network import SupplyChain
from sim.scenario.sources import load_scenario
from tests.conftest import const, kpi_dict, lane, run

A, B = 30.0, 20.0  # units ordered per period
PER_PERIOD = A + B
UNIT, FIXED = 0.5, 60.0
LANE = "f->r"
ROOT = Path(__file__).resolve().parents[2]


def case(consolidation: dict, horizon: int = 20, warmup: int = 0, volumes: dict | None = None, **extra) -> dict:
    products = [{"id": sku, **({"unit_volume": volumes[sku]} if volumes else {})} for sku in ("a", "b")]
    retailer = {
        "id": "r",
        "type": "retailer",
        "demand": {"a": const(A), "b": const(B)},
        "policy": {sku: {"kind": "base_stock", "level": 100} for sku in ("a", "b")},
        "sources": {sku: [{"node": "f"}] for sku in ("a", "b")},
    }
    return {
        "name": "consolidation",
        "horizon": horizon,
        "warmup": warmup,
        "products": products,
        "nodes": [{"id": "f", "type": "supplier"}, retailer],
        "lanes": [lane("f", "r", 2, cost_per_unit=UNIT, cost_per_shipment=FIXED, consolidation=consolidation)],
        **extra,
    }


def model(data: dict, until: float | None = None, events: bool = False) -> SupplyChain:
    chain = SupplyChain(load_scenario(copy.deepcopy(data)), np.random.SeedSequence(0), events=events)
    chain.env.run(until=until if until is not None else chain.scenario.horizon)
    return chain


def departures(data: dict) -> list[tuple[float, float]]:
    """(time, load) of every container that left."""
    return [(t, load) for t, load, _, _ in model(data).lanes[LANE].departures]


def lane_kpis(data: dict, lane_id: str = LANE) -> dict[str, float]:
    k = kpi_dict(run(data))
    return {
        name: k[f"lane:{lane_id}", "ALL", name]
        for name in ("shipments", "container_utilisation", "transport_cost_per_unit")
    }


# -- when_full -----------------------------------------------------------------------------------------------------
def test_when_full_containers_leave_the_instant_they_fill():
    # 50 units/period fill a 120-unit container k when the cumulative 50 (t + 1) reaches 120 k: in period
    # ceil(120 k / 50) - 1; 24 periods ship 1,200 units = exactly 10 containers
    data = case({"capacity": 120}, horizon=24)
    chain = model(data)
    expected = [math.ceil(120 * k / PER_PERIOD) - 1 for k in range(1, 11)]
    assert [t for t, *_ in chain.lanes[LANE].departures] == expected
    assert chain.lanes[LANE].units_waiting == 0
    got = lane_kpis(data)
    assert got["shipments"] == 10
    assert got["container_utilisation"] == 1.0
    assert got["transport_cost_per_unit"] == pytest.approx(UNIT + FIXED / 120)  # 1.0
    # the container's fixed cost goes to the lines by units: 0.5 per unit, on top of 0.5 per unit
    k = kpi_dict(run(data))
    assert k["r", "a", "transport_cost"] == pytest.approx(24 * A * (UNIT + FIXED / 120))  # 720
    assert k["r", "b", "transport_cost"] == pytest.approx(24 * B * (UNIT + FIXED / 120))  # 480
    assert k["r", "ALL", "transport_cost"] == pytest.approx(10 * (FIXED + 120 * UNIT))


def test_a_container_carries_several_products_in_one_shipment():
    # the first container fills at t = 2: a 30, b 20 (t = 0), a 30, b 20 (t = 1), then 20 of t = 2's 30 units of a;
    # the other 10 start the second container
    chain = model(case({"capacity": 120}), until=3)
    (shipment,) = chain.lanes[LANE].in_transit
    assert shipment.departed == 2 and shipment.arrives == 4
    assert [(order.sku, qty) for order, qty in shipment.lines] == [
        ("a", 30), ("b", 20), ("a", 30), ("b", 20), ("a", 20)
    ]  # fmt: skip
    (box,) = chain.lanes[LANE].waiting
    assert [(order.sku, qty) for order, qty, _ in box.lines] == [("a", 10), ("b", 20)]


def test_an_order_larger_than_a_container_splits_over_several():
    # containers of 10 units: each period's 30 of a fill three, its 20 of b two, every one full when it leaves
    data = case({"capacity": 10}, horizon=4)
    chain = model(data, events=True)
    assert len(chain.lanes[LANE].departures) == 4 * 5
    ships = chain.events.frame().query("event == 'ship'")
    assert ships.groupby(["t", "sku"]).qty.apply(list).to_dict() == {
        (t, sku): [10.0] * (3 if sku == "a" else 2) for t in range(4) for sku in ("a", "b")
    }
    got = lane_kpis(data)
    assert got == {"shipments": 20, "container_utilisation": 1.0, "transport_cost_per_unit": UNIT + FIXED / 10}


# -- max_wait ------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("wait", [2.5, 3.0])
def test_max_wait_dispatch_times(wait):
    # a container opened by the DEMAND of period 3j leaves at 3j + wait (PRODUCTION phase: at an integer instant
    # before that period's demand), with the orders of periods 3j .. 3j+2; the next opens at 3j + 3
    data = case({"capacity": 1000, "dispatch": ["when_full", "max_wait"], "max_wait": wait}, horizon=20)
    chain = model(data)
    leave = [3 * j + wait for j in range(7) if 3 * j + wait < 20]
    assert [(t, load) for t, load, *_ in chain.lanes[LANE].departures] == [(t, 3 * PER_PERIOD) for t in leave]
    assert chain.lanes[LANE].units_waiting == 20 * PER_PERIOD - len(leave) * 3 * PER_PERIOD  # periods 18 and 19
    got = lane_kpis(data)
    assert got["shipments"] == len(leave) == 6
    assert got["container_utilisation"] == pytest.approx(150 / 1000)
    assert got["transport_cost_per_unit"] == pytest.approx(UNIT + FIXED / 150)


# -- schedule ------------------------------------------------------------------------------------------------------
def test_schedule_dispatch_with_several_containers_per_departure():
    # departures at t = 2, 9, 16 (PRODUCTION phase, before that period's demand): at 2 the orders of periods 0-1
    # (100 units, one container), at 9 and 16 those of seven periods (350 = 200 + 150); periods 16-19 (200 units)
    # wait in one full container that, without when_full, waits for the next departure
    data = case({"capacity": 200, "dispatch": ["schedule"], "every": 7, "offset": 2}, horizon=20)
    assert departures(data) == [(2, 100), (9, 200), (9, 150), (16, 200), (16, 150)]
    assert model(data).lanes[LANE].units_waiting == 200
    got = lane_kpis(data)
    assert got["shipments"] == 5
    assert got["container_utilisation"] == pytest.approx(800 / (5 * 200))
    assert got["transport_cost_per_unit"] == pytest.approx((5 * FIXED + 800 * UNIT) / 800)
    # the window counts containers that left in [warmup, horizon): with warmup 5 the first one is out
    late = lane_kpis(case(data["lanes"][0]["consolidation"], horizon=20, warmup=5))
    assert late["shipments"] == 4
    assert late["container_utilisation"] == pytest.approx(700 / (4 * 200))
    assert late["transport_cost_per_unit"] == pytest.approx((4 * FIXED + 700 * UNIT) / 700)


def test_schedule_or_full():
    # with when_full as well, a container that fills between departures leaves at once: periods 2-5 fill one at
    # t = 5 (b's order), periods 6-8 (150) take the departure at 9, and so on
    data = case({"capacity": 200, "dispatch": ["when_full", "schedule"], "every": 7, "offset": 2}, horizon=20)
    assert departures(data) == [(2, 100), (5, 200), (9, 150), (12, 200), (16, 150), (19, 200)]


# -- volume and cost allocation -------------------------------------------------------------------------------------
def test_volume_containers_and_cost_allocated_by_volume_share():
    # a = 0.5, b = 2.0 volume per unit: 15 + 40 = 55 per period; 20 periods fill exactly 11 containers of 100. The
    # fixed 60 per container is 0.6 per unit of volume: a pays 0.6 x 300 = 180 of it, b 0.6 x 800 = 480
    data = case({"capacity": 100, "measure": "volume"}, horizon=20, volumes={"a": 0.5, "b": 2.0})
    k = kpi_dict(run(data))
    assert k["lane:f->r", "ALL", "shipments"] == 11
    assert k["lane:f->r", "ALL", "container_utilisation"] == 1.0
    assert k["r", "a", "transport_cost"] == pytest.approx(20 * A * UNIT + 0.6 * 20 * A * 0.5)  # 480
    assert k["r", "b", "transport_cost"] == pytest.approx(20 * B * UNIT + 0.6 * 20 * B * 2.0)  # 680
    assert k["lane:f->r", "ALL", "transport_cost_per_unit"] == pytest.approx((11 * FIXED + 1000 * UNIT) / 1000)


def test_pooled_lane_row():
    # two lanes into r (a over one that fills 60-unit containers, b over one with 100): lane:ALL is the mean fill
    # of every container (each full: 1) and the pooled cost per unit
    data = case({"capacity": 60}, horizon=10)
    data["nodes"].insert(1, {"id": "g", "type": "supplier"})
    data["nodes"][2]["sources"]["b"] = [{"node": "g"}]
    data["lanes"].append(lane("g", "r", 2, cost_per_unit=UNIT, cost_per_shipment=30, consolidation={"capacity": 100}))
    k = kpi_dict(run(data))
    assert k["lane:f->r", "ALL", "shipments"] == 10 * A // 60  # 5
    assert k["lane:g->r", "ALL", "shipments"] == 10 * B // 100  # 2
    assert k["lane:ALL", "ALL", "shipments"] == 7
    assert k["lane:ALL", "ALL", "container_utilisation"] == 1.0
    cost = 5 * (FIXED + 60 * UNIT) + 2 * (30 + 100 * UNIT)
    assert k["lane:ALL", "ALL", "transport_cost_per_unit"] == pytest.approx(cost / (5 * 60 + 2 * 100))


# -- lane closure ----------------------------------------------------------------------------------------------------
def test_closure_holds_containers_and_reopening_sends_the_overdue():
    # closed over [4, 7): the container opened at t = 3 is due at 6 while closed and leaves when the lane reopens
    # at 7 (before that period's demand) with the orders of periods 3-6; the next opens at 7 and leaves at 10
    closure = [{"kind": "lane_closure", "lane": LANE, "start": 4, "duration": 3}]
    rule = {"capacity": 1000, "dispatch": ["max_wait"], "max_wait": 3}
    assert departures(case(rule, disruptions=closure)) == [
        (3, 150),
        (7, 200),
        (10, 150),
        (13, 150),
        (16, 150),
        (19, 150),
    ]


def test_closure_misses_a_scheduled_departure():
    # closed over [8, 11): the departure at 9 is missed, nothing is due at reopening, the one at 16 takes periods
    # 2-15 (700 units: three full containers of 200 and one of 100)
    closure = [{"kind": "lane_closure", "lane": LANE, "start": 8, "duration": 3}]
    rule = {"capacity": 200, "dispatch": ["schedule"], "every": 7, "offset": 2}
    assert departures(case(rule, disruptions=closure)) == [(2, 100), (16, 200), (16, 200), (16, 200), (16, 100)]


# -- mass balance and the showcase ----------------------------------------------------------------------------
def test_mass_balance_on_the_showcase():
    """Every unit handed to a consolidating lane is in a container waiting, in transit, or received; a stock item's
    pipeline is exactly the lines of the shipments in transit towards it."""
    chain = SupplyChain(load_scenario("consolidated_sourcing"), np.random.SeedSequence(7), events=True).run()
    frame = chain.events.frame()
    boxed = [ln for ln in chain.lanes.values() if isinstance(ln, ConsolidatingLane)]
    assert len(boxed) == 7
    for ln in boxed:
        sent = sum(units for _, _, units, _ in ln.departures)
        shipped = frame.query("event == 'ship' and via == @ln.id").qty.sum()
        received = frame.query("event == 'receive' and via == @ln.id and order >= 0").qty.sum()
        moving = sum(q for s in ln.in_transit for _, q in s.lines)
        assert shipped == pytest.approx(sent)
        assert received + moving == pytest.approx(sent)
        assert ln.shipments == len(ln.departures)
        assert all(0 < load <= ln.container_capacity + 1e-9 for _, load, _, _ in ln.departures)
    for (node, sku), item in chain.items.items():
        moving = sum(q for ln in chain.lanes.values() for s in ln.in_transit for o, q in s.lines if o.buyer is item)
        assert item.in_transit == pytest.approx(moving, abs=1e-6), (node, sku)


def test_lanes_without_consolidation_are_untouched():
    """A plain lane stays a plain Lane, and an element the consolidation does not reach has bit-identical KPIs: the
    serial chain next to an unrelated consolidating branch against the serial chain alone."""
    serial = yaml.safe_load((ROOT / "scenarios" / "serial_chain.yaml").read_text(encoding="utf-8"))
    alone = run(serial, seed=3)
    assert not [k for k in alone.kpi_index if k[0].startswith("lane:")]
    both = copy.deepcopy(serial)
    extra = case({"capacity": 120, "dispatch": ["when_full", "max_wait"], "max_wait": 4})
    both["products"] += extra["products"]
    g, r2 = copy.deepcopy(extra["nodes"])
    g["id"], r2["id"], r2["sources"] = "g", "r2", {sku: [{"node": "g"}] for sku in ("a", "b")}
    both["nodes"] += [g, r2]
    both["lanes"].append(
        lane("g", "r2", 2, cost_per_unit=UNIT, cost_per_shipment=FIXED, consolidation={"capacity": 120})
    )
    mixed = run(both, seed=3)
    chain = SupplyChain(load_scenario(both), np.random.SeedSequence(3))
    assert type(chain.lanes["factory->dc"]) is Lane and type(chain.lanes["g->r2"]) is ConsolidatingLane
    ref, got = kpi_dict(alone), kpi_dict(mixed)
    mine = [k for k in ref if k[0] in ("factory", "dc", "store") or k[0] == "region:EU"]
    assert mine
    assert np.array_equal([got[k] for k in mine], [ref[k] for k in mine], equal_nan=True)


def test_stripping_the_block_gives_the_plain_showcase():
    """The showcase without its consolidation blocks: every ocean lane is plain again, no lane rows."""
    data = yaml.safe_load((ROOT / "scenarios" / "consolidated_sourcing.yaml").read_text(encoding="utf-8"))
    for ln in data["lanes"]:
        ln.pop("consolidation", None)
    data["horizon"], data["warmup"] = 90, 20
    result = sim.simulate(data, seed=1)
    assert not [k for k in result.kpi_index if k[0].startswith("lane:")]
    with_block = yaml.safe_load((ROOT / "scenarios" / "consolidated_sourcing.yaml").read_text(encoding="utf-8"))
    with_block["horizon"], with_block["warmup"] = 90, 20
    k_plain, k_boxed = kpi_dict(result), kpi_dict(sim.simulate(with_block, seed=1))
    # consolidation only changes the ocean lanes' shipments: fewer shipments, so less fixed cost at the hub
    assert k_boxed["lane:ALL", "ALL", "shipments"] > 0
    assert k_boxed["hub_venlo", "ALL", "transport_cost"] < k_plain["hub_venlo", "ALL", "transport_cost"]


# -- validation ----------------------------------------------------------------------------------------------------
BAD = [
    ({"capacity": 0}, "lanes[0] (f -> r).consolidation.capacity", "greater than 0"),
    ({"capacity": float("inf")}, "lanes[0] (f -> r).consolidation.capacity", "finite"),
    ({"capacity": 10, "dispatch": ["when_ful"]}, "consolidation.dispatch[0]", "'when_full', 'schedule' or 'max_wait'"),
    ({"capacity": 10, "dispatch": []}, "consolidation.dispatch", "at least 1"),
    ({"capacity": 10, "dispatch": ["schedule"]}, "consolidation", "every: the 'schedule' dispatch rule needs it"),
    ({"capacity": 10, "max_wait": 3}, "consolidation", "max_wait: only used by the 'max_wait' dispatch rule"),
    ({"capacity": 10, "dispatch": ["schedule"], "every": 7, "offset": 7}, "consolidation", "offset: must be smaller"),
    ({"capacity": 10, "dispatch": ["max_wait"], "max_wait": -1}, "consolidation.max_wait", "greater than 0"),
    ({"capacity": 10, "measure": "weight"}, "consolidation.measure", "'units' or 'volume'"),
    ({"capacity": 10, "measure": "volume"}, "lanes[0].consolidation.measure", "unit_volume; missing for a, b"),
    ({"capacity": 10, "dispatch": ["when_full", "when_full"]}, "consolidation", "a rule is listed twice"),
]


@pytest.mark.parametrize(("block", "path", "allowed"), BAD, ids=[b[2] for b in BAD])
def test_bad_consolidation_gives_one_clear_error(block, path, allowed):
    with pytest.raises(ScenarioError) as err:
        sim.simulate(case(block))
    lines = [ln.strip() for ln in str(err.value).splitlines()[1:]]
    assert len(lines) == 1, str(err.value)
    assert path in lines[0] and allowed in lines[0], lines[0]


def test_per_period_capacity_next_to_containers_is_refused():
    data = case({"capacity": 10})
    data["lanes"][0]["capacity"] = 50
    with pytest.raises(ScenarioError, match=r"lanes\[0\]\.capacity: a consolidating lane's capacity is its containers"):
        sim.simulate(data)
