"""Plants (docs/assembly.md): kits, production orders, capacity, batches, allocation, outages, assemble-to-order, and a
supplier's outage reaching customers through the bill of materials. Every expected number is worked out by hand in
the test's docstring (timing: docs/timing.md, "Plants")."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from sim.kpi.compute import compute
from sim.model.network import SupplyChain
from tests.conftest import build, const, kpi_dict, lane, plant, run, series, single_stage, supplier


def one_level(horizon: int = 6) -> dict[str, Any]:
    """Plant p makes fg from 1 a + 2 b, both from supplier s over one lane of 2 periods; base stock fg 2, a 3, b 4;
    one customer a period at p wants 1 fg."""
    return {
        "name": "one_level",
        "horizon": horizon,
        "products": [{"id": "fg"}, {"id": "a"}, {"id": "b"}],
        "nodes": [
            supplier("s"),
            plant(
                "p",
                {"fg": {"a": 1, "b": 2}},
                initial_stock={"fg": 0, "a": 3, "b": 4},
                policy={f: {"kind": "base_stock", "level": lv} for f, lv in (("fg", 2), ("a", 3), ("b", 4))},
                sources={"a": [{"node": "s"}], "b": [{"node": "s"}]},
                demand={"fg": const(1)},
            ),
        ],
        "lanes": [lane("s", "p", 2)],
    }


def test_kits_wait_for_the_missing_component_period_by_period():
    """t = 0, REVIEW: fg's first review (IP 0 < 2) orders 2: kit 2 a + 4 b, on hand 3 a + 4 b: it starts, a 1, b 0,
    output 2 at once (no production time); a reorders 2, b 4 (arriving t = 2). DEMAND: 1 fg sold (fg 1), fg orders 1:
    kit 1 a + 2 b, b is missing, the order waits (a's and b's requirement are backorders: a 1/1, b 0/2) and claims
    the a on hand; a reorders 1, b 2 (arriving t = 2). t = 1: fg sold out (0), another order waits: a missing too (its
    one a is claimed by the first order): a 1 on hand / 2 owed, b 0 / 4 owed. t = 2: receipts 2 a + 4 b, then 1 a + 2 b:
    both waiting orders start (fg +2), then the day's order starts at once: fg 2, a 1, b 0. From then on every order
    starts at once: fg 2, a 1, b 0 at every period end.

    KPIs over 6 periods: 7 orders (2 + one per demand), 2 of them waited: kit_shortage_share 2/7; output 2 + 6 = 8
    fg, components consumed = bom × output: 8 a, 16 b. Waiting: over [0, 1) one order missing b only; over [1, 2) that
    order (b) and the new one (a and b: half each): a 0.5, b 2.5 of 3 order-periods -> criticality 1/6 and 5/6."""
    res = run(one_level(), events=True)
    k = kpi_dict(res)
    fg, a, b = (series(res, "p", s) for s in ("fg", "a", "b"))
    assert fg["on_hand"] == [1, 0, 2, 2, 2, 2]
    assert (a["on_hand"], a["backorders"]) == ([1, 1, 1, 1, 1, 1], [1, 2, 0, 0, 0, 0])
    assert (b["on_hand"], b["backorders"]) == ([0, 0, 0, 0, 0, 0], [2, 4, 0, 0, 0, 0])
    assert fg["filled"] == [1, 1, 1, 1, 1, 1]  # the customers never waited: fg stock covered the kits' delay
    assert fg["produced"] == [2, 0, 2 + 1, 1, 1, 1] and a["produced"] == [0] * 6  # the time series' output column
    assert k["p", "fg", "orders_placed"] == 7 and k["p", "fg", "kit_shortage_share"] == pytest.approx(2 / 7)
    assert k["p", "fg", "units_produced"] == 8 == k["p", "a", "components_consumed"]
    assert k["p", "b", "components_consumed"] == 16 and k["p", "ALL", "components_consumed"] == 24
    assert k["p", "a", "component_criticality"] == pytest.approx(1 / 6)
    assert k["p", "b", "component_criticality"] == pytest.approx(5 / 6)
    assert k["p", "a", "fill_rate"] == pytest.approx(6 / 8)  # requirement units met by a kit started at once
    assert k["p", "fg", "lead_time_avg"] == pytest.approx((2 + 1) / 7)  # the two waiting orders took 2 and 1
    events = res.events
    made = events[(events.event == "receive") & (events.via == "p:production")]
    assert made.groupby("t").qty.sum().to_dict() == {0.0: 2.0, 2.0: 3.0, 3.0: 1.0, 4.0: 1.0, 5.0: 1.0}


def test_scenarios_without_plants_keep_their_time_series_columns():
    res = run(single_stage({"kind": "base_stock", "level": 5}, const(1)))
    assert "produced" not in res.timeseries.columns and not any(k[2] == "units_produced" for k in res.kpi_index)


def two_level() -> dict[str, Any]:
    """Plant p makes top from 1 sub + 1 c in 1 period, and sub from 2 a at once; base stock top 1, sub 1, a 2, c 1; a
    comes over 2 periods, c over 1; one customer a period wants 1 top."""
    return {
        "name": "two_level",
        "horizon": 12,
        "products": [{"id": "top"}, {"id": "sub"}, {"id": "a"}, {"id": "c"}],
        "nodes": [
            supplier("s"),
            plant(
                "p",
                {"top": {"sub": 1, "c": 1}, "sub": {"a": 2}},
                production_time={"top": const(1), "sub": const(0)},
                policy={
                    f: {"kind": "base_stock", "level": lv} for f, lv in (("top", 1), ("sub", 1), ("a", 2), ("c", 1))
                },
                sources={"a": [{"node": "s", "lane": "sa"}], "c": [{"node": "s", "lane": "sc"}]},
                demand={"top": const(1)},
            ),
        ],
        "lanes": [lane("s", "p", 2, id="sa"), lane("s", "p", 1, id="sc")],
    }


def test_two_level_bom_in_one_plant_by_hand():
    """t = 0: a customer takes the one top; top's order T1 kits 1 sub + 1 c (both on hand) and is in production until
    t = 1. sub's stock went into T1, so sub orders S1: 2 a on hand, made at once (sub back to 1); a reorders 2 (t = 2),
    c 1 (t = 1). t = 1: T1 done, sold; T2 starts (sub, c on hand); S2 needs 2 a, none on hand: waits until the a
    ordered at 0 arrives at t = 2; a reorders at once (a's IP counts S2's requirement), arriving t = 3. So from t = 1
    every sub order waits one period for a, while top is always there for the customer (fill rate 1): a is the one
    critical component. T_k is output at t = k (k = 1..11 in the window; T12 at 12), always 1 top in production
    (wip_avg 1), T1..T12 kitted: 12 sub and 12 c consumed; S1 at 0, S_k at k (k = 2..11): 11 sub made, 22 a
    consumed (S12 waits for the a arriving at 12); 11 of the 12 sub orders waited."""
    k = kpi_dict(run(two_level()))
    assert k["p", "top", "fill_rate"] == 1 and k["p", "top", "units_produced"] == 11
    assert k["p", "sub", "units_produced"] == 11 and k["p", "sub", "components_consumed"] == 12
    assert k["p", "a", "components_consumed"] == 22 and k["p", "c", "components_consumed"] == 12
    assert k["p", "sub", "kit_shortage_share"] == pytest.approx(11 / 12) and k["p", "top", "kit_shortage_share"] == 0
    assert k["p", "a", "component_criticality"] == 1 and k["p", "c", "component_criticality"] == 0
    assert k["p", "top", "wip_avg"] == 1 and k["p", "sub", "wip_avg"] == 0
    assert k["p", "top", "lead_time_avg"] == 1 == k["p", "top", "otif"]  # promised: the mean production time


def competing(rule: str, priority: list[str] | None = None) -> dict[str, Any]:
    """x needs 2 c, y 1 c; 3 c on hand, more only after 5 periods; at t = 0 a customer wants 2 x, then one 1 y (both
    made to order)."""
    extra = {"priority": priority} if priority else {}
    return {
        "name": "competing",
        "horizon": 8,
        "products": [{"id": "x"}, {"id": "y"}, {"id": "c"}],
        "nodes": [
            supplier("s"),
            plant(
                "p",
                {"x": {"c": 2}, "y": {"c": 1}},
                make_to_order=True,
                allocation=rule,
                initial_stock={"c": 3},
                policy={"c": {"kind": "base_stock", "level": 3}},
                sources={"c": [{"node": "s"}]},
                demand={
                    "x": {"kind": "empirical", "values": [2, 0, 0, 0, 0, 0, 0, 0]},
                    "y": {"kind": "empirical", "values": [1, 0, 0, 0, 0, 0, 0, 0]},
                },
                **extra,
            ),
        ],
        "lanes": [lane("s", "p", 5)],
    }


@pytest.mark.parametrize(
    ("rule", "priority", "y_waits"),
    [("fifo", None, 5), ("first_fit", None, 0), ("priority", ["y", "x"], 0), ("priority", None, 5)],
)
def test_allocation_between_products_competing_for_a_component(rule, priority, y_waits):
    """x's order (4 c) can't start with 3 c. fifo: it claims the 3, so y's order (1 c) waits behind it until the c
    reordered at 0 arrives at 5 (both start then). first_fit: y's kit is on hand, it starts at once. priority y
    first: y's order is looked at first and starts; priority in bom order (x first) is fifo here."""
    k = kpi_dict(run(competing(rule, priority)))
    assert k["p", "x", "lead_time_avg"] == 5 and k["p", "x", "fill_rate"] == 0
    assert k["p", "y", "lead_time_avg"] == y_waits and k["p", "y", "fill_rate"] == (1 if y_waits == 0 else 0)
    assert k["p", "ALL", "kit_shortage_share"] == (0.5 if y_waits == 0 else 1.0)
    assert k["p", "c", "component_criticality"] == 1


def capacity_and_batches() -> dict[str, Any]:
    return {
        "name": "batches",
        "horizon": 8,
        "products": [{"id": "fg"}, {"id": "c"}],
        "nodes": [
            supplier("s"),
            plant(
                "p",
                {"fg": {"c": 1}},
                capacity=3,
                batch_size=4,
                production_time=const(2),
                production_cost=2.5,
                initial_stock={"c": 100, "fg": 0},
                policy={
                    "c": {"kind": "base_stock", "level": 100},
                    "fg": {"kind": "periodic_order_up_to", "review_period": 5, "order_up_to": 10},
                },
                sources={"c": [{"node": "s"}]},
            ),
        ],
        "lanes": [lane("s", "p", 1)],
    }


def test_capacity_batches_and_production_time_by_hand():
    """The review at 0 orders 10; whole batches of 4 make it 12 (fg's on order and units ordered: 12). The kit (12 c)
    is there: consumed at once; capacity 3 a period: 3 at t = 0 (at once), 3 at each PRODUCTION phase of 1, 2, 3; the
    last unit allocated at 3 starts the production time of 2: output at 5 (PRODUCTION, before the review at 5, which
    sees IP 12 and orders nothing). Work in progress 12 over [0, 5): 60 / 8; capacity used 12 of 3 × 8; production
    cost 2.5 × 12, all of the network's total cost."""
    res = run(capacity_and_batches())
    k = kpi_dict(res)
    fg = series(res, "p", "fg")
    assert fg["orders"][0] == 12 and fg["on_hand"] == [0, 0, 0, 0, 0, 12, 12, 12]
    assert fg["inventory_position"] == [12] * 8
    assert k["p", "fg", "units_produced"] == 12 and k["p", "fg", "lead_time_avg"] == 5
    assert k["p", "fg", "wip_avg"] == 60 / 8 and k["p", "ALL", "utilization"] == 12 / 24
    assert k["p", "fg", "production_cost"] == 30 == k["ALL", "ALL", "production_cost"] == k["ALL", "ALL", "total_cost"]
    assert k["p", "fg", "total_cost"] == 30 and k["ALL", "fg", "production_cost"] == 30
    assert k["ALL", "ALL", "operating_cost"] == 30 and k["ALL", "ALL", "total_cost_of_ownership"] == 30


def outage_plant() -> dict[str, Any]:
    """fg takes 4 periods to make (c plenty); base stock fg 5, starting empty; customers want 2 fg at t = 3."""
    return {
        "name": "plant_outage",
        "horizon": 12,
        "products": [{"id": "fg"}, {"id": "c"}],
        "nodes": [
            supplier("s"),
            plant(
                "p",
                {"fg": {"c": 1}},
                production_time=const(4),
                initial_stock={"c": 50, "fg": 0},
                policy={"c": {"kind": "base_stock", "level": 50}, "fg": {"kind": "base_stock", "level": 5}},
                sources={"c": [{"node": "s"}]},
                demand={"fg": {"kind": "empirical", "values": [0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0]}},
            ),
        ],
        "lanes": [lane("s", "p", 1)],
    }


def _down(chain: SupplyChain, at: float, duration: float | None, repair_at: float | None = None) -> None:
    env = chain.env

    def outage():  # plain timeouts: before the model's phases of the instant (docs/timing.md)
        yield env.timeout(at)
        chain.plants["p"].fail(duration)
        if repair_at is not None:
            yield env.timeout(repair_at - at)
            chain.plants["p"].repair()

    env.process(outage())


@pytest.mark.parametrize("repair", [False, True])
def test_a_plant_outage_holds_work_in_progress_and_resumes(repair):
    """Order 1 (5 fg at 0) is in production until 4; the plant is down over [2, 5) (for 3 periods, or open-ended and
    repaired at 5): its remaining 2 periods resume at 5, output at 7. The customers' 2 at t = 3 are backordered; fg
    orders 2 (IP 5 + 0 − 2 = 3): the kit is there, but nothing starts while the plant is down, so it waits until 5
    (not a component shortage), then takes 4: output at 9. Lead times 7 and 6; work in progress 5 × 7 + 2 × 4 = 43
    order-units over 12 periods."""
    chain = SupplyChain(build(outage_plant()), np.random.SeedSequence(0))
    _down(chain, 2, None if repair else 3, 5 if repair else None)
    chain.run()
    index, values = compute(chain)
    k = dict(zip(index, values.tolist(), strict=True))
    fg = chain.items["p", "fg"]
    assert sorted(fg.counters.lead_times) == [6, 7]
    assert k["p", "fg", "wip_avg"] == pytest.approx(43 / 12)
    assert k["p", "fg", "kit_shortage_share"] == 0 and k["p", "fg", "units_produced"] == 7
    assert chain.plants["p"].stage.down_time == 3 and chain.plants["p"].up
    assert k["p", "c", "components_consumed"] == 7  # both kits consumed: at 0 and at 5


def assemble_to_order(level: int) -> dict[str, Any]:
    return {
        "name": "ato",
        "horizon": 10,
        "products": [{"id": "fg"}, {"id": "c"}],
        "nodes": [
            supplier("s"),
            plant(
                "p",
                {"fg": {"c": 1}},
                make_to_order=True,
                policy={"c": {"kind": "base_stock", "level": level}},
                sources={"c": [{"node": "s"}]},
                demand={"fg": const(1)},
            ),
        ],
        "lanes": [lane("s", "p", 3)],
    }


@pytest.mark.parametrize(("level", "filled"), [(2, 2), (3, 10)])
def test_assemble_to_order_fills_a_demand_at_once_when_its_kit_is_there(level, filled):
    """Made to order, no production time: a customer at t is served on arrival iff the kit is on hand then, i.e. the
    units of c consumed by the kits of the last 3 periods (t − 2 .. t; the reorders take 3) are at most the base
    stock. Level 2: periods 0 and 1 are served at once (c 2 → 1 → 0), from t = 2 on each kit waits for the c ordered
    3 periods before (fill 2 of 10). Level 3: 3 ≤ 3, every customer served at once."""
    k = kpi_dict(run(assemble_to_order(level)))
    assert k["p", "fg", "fill_rate"] == filled / 10 and k["p", "fg", "cycle_service_level"] == filled / 10
    assert k["p", "fg", "kit_shortage_share"] == (10 - filled) / 10
    assert k["p", "fg", "on_hand_avg"] == 0  # nothing is made ahead of demand


def bom_outage() -> dict[str, Any]:
    """tw (MCU, 2 periods away) and loc (harness, 1 period) feed plant p (fg = 1 MCU + 1 harness, base stock fg 2,
    MCU 4, harness 4); p feeds retailer r (1 period; base stock 3; one customer a period); tw is down over [10, 30)."""
    return {
        "name": "bom_outage",
        "horizon": 40,
        "products": [{"id": "fg", "price": 10}, {"id": "mcu"}, {"id": "har"}],
        "nodes": [
            supplier("tw"),
            supplier("loc"),
            plant(
                "p",
                {"fg": {"mcu": 1, "har": 1}},
                policy={f: {"kind": "base_stock", "level": lv} for f, lv in (("fg", 2), ("mcu", 4), ("har", 4))},
                sources={"mcu": [{"node": "tw"}], "har": [{"node": "loc"}]},
            ),
            {
                "id": "r",
                "type": "retailer",
                "demand": {"fg": const(1)},
                "policy": {"fg": {"kind": "base_stock", "level": 3}},
                "sources": {"fg": [{"node": "p"}]},
            },
        ],
        "lanes": [lane("tw", "p", 2), lane("loc", "p", 1), lane("p", "r", 1)],
        "disruptions": [{"kind": "supplier_outage", "supplier": "tw", "start": 10, "duration": 20}],
        "resilience": {"window": 1},
    }


def test_a_component_suppliers_outage_reaches_customers_through_the_bom():
    """At t = 10 (steady state: r has 2 on hand + 1 on the way, p 2 fg, 2 MCU on hand + 2 on the way): the MCUs
    shipped before the outage make 4 more fg (t = 10..13), p's fg lasts until it ships at 15, r's last arrival comes at
    16 and its stock lasts until t = 18: 2 + 1 + 2 + 4 = 9 customers served, the first unmet at 19: time to survive 9.
    tw is back at 30: the queued MCU orders arrive at 32, kits start, fg reaches r at 33 and pays the 14 customers
    backordered over 19..32 (peak 14, revenue at risk 140; with a 1-period window, recovered after 32: TTR 23).
    tts_optimal with the BOM constraint: fg stock 3 + 2, output ≤ the 4 MCUs left (no supply while tw is down): 9,
    as the simulation (the harness never binds); without the plant's output it would be 5. p orders one fg a period
    (40); those of t = 14..31 wait for MCUs (18), which are then the whole of the kits' waiting. Early warning (the
    supplier-down alert does not count): p's MCUs dependable at the start of 11 are 4 − 1 = 3 (on hand and on the
    way; the orders at tw don't count), not below 1 a period × (lead time 2 + margin 1) = 3; at the start of 12 they
    are 2 < 3, the projected-cover alert about p's MCU, and so about the fg made from it: lead time 19 − 12 = 7."""
    k = kpi_dict(run(bom_outage()))
    assert k["r", "fg", "time_to_survive"] == 9 and k["ALL", "fg", "time_to_survive"] == 9
    assert k["r", "fg", "backorders_peak"] == 14 and k["r", "fg", "revenue_at_risk"] == 140
    assert k["r", "fg", "time_to_recover"] == 23
    assert k["ALL", "fg", "tts_optimal"] == pytest.approx(9) and k["ALL", "ALL", "tts_optimal"] == pytest.approx(9)
    assert k["p", "fg", "orders_placed"] == 40 and k["p", "fg", "kit_shortage_share"] == 18 / 40
    assert k["ALL", "fg", "warning_lead_time"] == 7  # the MCU alert at 12 concerns the fg made from the MCUs
    assert k["p", "mcu", "component_criticality"] == 1


def test_production_cost_is_a_component_of_the_total_cost_on_every_row():
    """The library's plant scenario: on the network, product, plant and item rows, total_cost is the sum of the
    catalogue's cost components the row has (production cost on the finished goods' rows only)."""
    from sim.kpi import catalog
    from sim.scenario.sources import load_scenario

    sc = load_scenario("contract_manufacturer").model_copy(update={"horizon": 150, "warmup": 30})
    k = kpi_dict(run(sc))
    rows = [("ALL", "ALL"), ("ALL", "board_a"), ("mx_plant", "ALL"), ("mx_plant", "board_b"), ("mx_plant", "mcu")]
    for row in rows:
        parts = sum(k.get((*row, c), 0.0) for c in catalog.COSTS)
        assert k[(*row, "total_cost")] == pytest.approx(parts, rel=1e-12), row
    assert k["ALL", "ALL", "production_cost"] == pytest.approx(
        14 * k["mx_plant", "board_a", "units_produced"] + 11 * k["mx_plant", "board_b", "units_produced"]
    )
    assert ("mx_plant", "mcu", "production_cost") not in k and k["ALL", "ALL", "production_cost"] > 0
