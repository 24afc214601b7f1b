"""Engine v2 seams: phases after SimPy's priorities, supplier outages by interrupt, shipment handles, lanes with ids
and modes, per-source pipelines and the ``decide(view)`` ordering protocol. Every expected time is hand arithmetic."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import simpy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from simpy.events import NORMAL, URGENT

import sim
from sim.model.clock import DEMAND, RECEIPT, REVIEW, call_at, wake_at
from sim.model.network import SupplyChain
from sim.policy.base import Policy
from tests.conftest import build, const, lane, single_stage
from tests.model.test_mass_balance import networks

ONE_ORDER = {"kind": "empirical", "values": [3] + [0] * 29}  # 3 units at t = 0, nothing after


def one_order(**kw: Any) -> dict[str, Any]:
    """Retailer r (base stock 10, starts with 10) orders 3 units at t = 0 from supplier f, over lane f -> r."""
    return single_stage({"kind": "base_stock", "level": 10}, ONE_ORDER, horizon=30, **kw)


def model(data: dict[str, Any], seed: int = 0) -> SupplyChain:
    return SupplyChain(build(data), np.random.SeedSequence(seed))


def at(env: simpy.Environment, t: float, fn) -> None:
    """Run ``fn()`` at ``t`` from a user process with a plain ``env.timeout`` (SimPy's NORMAL priority)."""

    def proc():
        yield env.timeout(t)
        fn()

    env.process(proc())


# -- clock -------------------------------------------------------------------------------------------------------


def test_simpy_priority_contract():
    """The phases are built on SimPy 4's URGENT = 0 < NORMAL = 1 and on an Event made ready by _ok/_value."""
    assert (URGENT, NORMAL) == (0, 1)
    assert simpy.__version__.split(".")[0] == "4"
    env = simpy.Environment()
    got = []

    def proc():
        got.append((yield wake_at(env, 2.5, REVIEW)))
        got.append(env.now)

    env.process(proc())
    env.run()
    assert got == [None, 2.5]
    # the hot paths read the clock field behind ``now`` and schedule objects that only have callbacks and _ok
    assert env._now == env.now == 2.5
    fired = []

    class Entry:
        _ok = True

        def __init__(self):
            self.callbacks = (fired.append,)

    env.schedule(Entry(), REVIEW, 1)
    env.run()
    assert len(fired) == 1 and env.now == 3.5
    # SupplyChain.release empties the pending-event heap, SimPy's list ``_queue``, to break the model's cycles
    env.schedule(Entry(), REVIEW, 1)
    assert isinstance(env._queue, list) and len(env._queue) == 1
    env._queue.clear()
    env.run()
    assert len(fired) == 1 and env.now == 3.5


def test_a_plain_timeout_runs_before_the_model_phases():
    """A user's env.timeout(t) wakes before the receipts, reviews and demand of period t, in that order after it."""
    env = simpy.Environment()
    seen = []
    for name, prio in (("demand", DEMAND), ("receipt", RECEIPT), ("review", REVIEW)):
        call_at(env, 3, prio, seen.append, name)
    at(env, 3, lambda: seen.append("user"))
    env.run()
    assert seen == ["user", "receipt", "review", "demand"]


def test_cancelled_call_does_nothing():
    env = simpy.Environment()
    seen = []
    call_at(env, 1, RECEIPT, seen.append, "kept")
    call_at(env, 1, RECEIPT, seen.append, "dropped").cancel()
    env.run()
    assert seen == ["kept"]


# -- supplier outages ------------------------------------------------------------------------------------------


def lead_times(chain: SupplyChain, node: str = "r") -> list[float]:
    return chain.items[node, "w"].counters.lead_times


def test_order_in_production_is_held_and_resumes():
    """Production 5, transit 1: the t = 0 order arrives at 6. Down from t = 2 for 3 periods, it has 3 periods of
    production left when the supplier is back at 5, is made at 8 and arrives at 9."""
    data = one_order(supplier_kw={"production_time": const(5)})
    assert lead_times(model(data).run()) == [6]
    chain = model(data)
    sup = chain.suppliers["f"]
    at(chain.env, 2, lambda: sup.fail(3))
    chain.run()
    assert lead_times(chain) == [9]
    assert sup.up and sup.down_time == 3 and not sup.held


def test_orders_arriving_during_an_outage_wait_in_the_queue():
    """Down from t = 0 (before the demand phase) for 4 periods: the order waits, production starts at 4, lead 10."""
    chain = model(one_order(supplier_kw={"production_time": const(5)}))
    at(chain.env, 0, lambda: chain.suppliers["f"].fail(4))
    chain.run()
    assert lead_times(chain) == [10]


def test_capacity_of_down_periods_is_lost():
    """Capacity 2/period, an order of 6 at t = 0: made 2+2+2 by t = 2, arrives 3. Down at t = 1 for 2 periods:
    2 made at t = 0, nothing in 1 and 2, 2 at 3 and 2 at 4: arrives at 5."""
    data = single_stage(
        {"kind": "base_stock", "level": 10},
        {"kind": "empirical", "values": [6] + [0] * 19},
        supplier_kw={"capacity": 2},
    )
    assert lead_times(model(data).run()) == [3]
    chain = model(data)
    at(chain.env, 1, lambda: chain.suppliers["f"].fail(2))
    chain.run()
    assert lead_times(chain) == [5]
    assert chain.suppliers["f"].pools["w"].produced[:6] == [2, 0, 0, 2, 2, 0]


def test_open_ended_outage_until_repair_and_overlapping_outages():
    """fail() without a duration lasts until repair(); a second fail while down extends to the later end."""
    data = one_order(supplier_kw={"production_time": const(5)})
    chain = model(data)
    sup = chain.suppliers["f"]
    at(chain.env, 1, sup.fail)  # held with 4 left
    at(chain.env, 7, sup.repair)  # made at 11, arrives 12
    chain.run()
    assert lead_times(chain) == [12]
    chain = model(data)
    sup = chain.suppliers["f"]
    at(chain.env, 1, lambda: sup.fail(2))  # until 3
    at(chain.env, 2, lambda: sup.fail(4))  # until 6: back at 6 with 4 left, made at 10, arrives 11
    chain.run()
    assert lead_times(chain) == [11]
    assert sup.down_time == 5


# -- shipment handles --------------------------------------------------------------------------------------------


def test_delaying_a_shipment_moves_the_receipt_exactly():
    """Transit 2: the t = 0 order ships at 0 and arrives at 2; delayed by 2.5 at t = 1 it arrives at 4.5."""
    data = one_order(transit=2)
    chain = model(data)
    ln = chain.lanes["f->r"]

    def delay():
        (shipment,) = ln.in_transit
        assert shipment.arrives == 2 and shipment.lines[0][1] == 3
        shipment.delay(2.5)

    at(chain.env, 1, delay)
    chain.run()
    assert lead_times(chain) == [4.5]
    item = chain.items["r", "w"]
    assert item.on_order == 0 and not ln.in_transit


def test_cancelled_shipment_never_arrives():
    chain = model(one_order(transit=2))
    ln = chain.lanes["f->r"]
    at(chain.env, 1, lambda: next(iter(ln.in_transit)).cancel())
    chain.run()
    item = chain.items["r", "w"]
    assert item.on_hand == 7 and item.on_order == 0 and item.in_transit == 0 and lead_times(chain) == []


# -- lanes with ids and modes --------------------------------------------------------------------------------------


def two_lanes(use: str | None) -> dict[str, Any]:
    data = one_order()
    data["lanes"] = [
        lane("f", "r", 10, id="sea", mode="sea", cost_per_unit=1),
        lane("f", "r", 2, id="air", mode="air", cost_per_unit=5),
    ]
    src = {"node": "f"} if use is None else {"node": "f", "lane": use}
    data["nodes"][1]["sources"] = {"w": [src]}
    return data


def test_the_source_on_the_second_lane_gets_its_lead_time_and_cost():
    for use, lead, cost in (("sea", 10, 3), ("air", 2, 15)):
        chain = model(two_lanes(use)).run()
        assert lead_times(chain) == [lead]
        assert chain.lanes[use].mode == use
        assert sum(chain.items["r", "w"].transport) == cost


def test_several_lanes_need_a_named_lane():
    with pytest.raises(sim.ScenarioError, match=r"several lanes; name one: sea, air"):
        build(two_lanes(None))
    with pytest.raises(sim.ScenarioError, match=r"unknown lane 'rail'; known lanes: sea, air"):
        build(two_lanes("rail"))
    data = two_lanes("air")
    data["lanes"][1]["id"] = "sea"
    with pytest.raises(sim.ScenarioError, match=r"duplicate id 'sea'"):
        build(data)


def test_adding_a_lane_moves_no_other_lanes_draws():
    """Transit draws come from a stream keyed by lane id: an unused air lane leaves the sea lane's draws alone."""
    data = single_stage(
        {"kind": "base_stock", "level": 20},
        {"dist": "poisson", "mean": 3},
        transit={"dist": "exponential", "mean": 4},
        horizon=60,
    )
    data["lanes"][0]["id"] = "sea"
    data["nodes"][1]["sources"] = {"w": [{"node": "f", "lane": "sea"}]}
    base = lead_times(model(data, 5).run())
    data["lanes"].append(lane("f", "r", 1, id="air", mode="air"))
    assert lead_times(model(data, 5).run()) == base and len(base) > 10


# -- per-source pipelines and the ordering protocol ------------------------------------------------------------------


def _pipeline_holds(chain: SupplyChain) -> None:
    for item in chain.items.values():
        assert item.on_order == pytest.approx(sum(s.on_order for s in item.sources), abs=1e-6)
        for src in item.sources:
            assert src.on_order == pytest.approx(sum(o.qty - o.received for o in src.open), abs=1e-6)
            assert all(o.completed is None for o in src.open)
            assert src.on_order >= -1e-6


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=networks(), seed=st.integers(0, 2**16))
def test_per_source_pipeline_equals_open_orders_at_every_event(data: dict[str, Any], seed: int) -> None:
    """On random networks, at every event: on order = sum over sources = sum of the open orders' missing units."""
    chain = model(data, seed)
    env, horizon = chain.env, chain.scenario.horizon
    while env.peek() < horizon:
        env.step()
        _pipeline_holds(chain)


class PerSource(Policy):
    """Orders up to 10 at each review, 1 unit from the far source, the rest from the near one."""

    def __init__(self) -> None:
        super().__init__(None)

    def decide(self, view):
        gap = 10 - view.inventory_position
        return {"far": 1.0, "near": gap - 1.0} if gap > 1 else {}

    @property
    def target(self):
        return 10


def test_a_policy_can_order_per_source():
    data = one_order()
    data["nodes"] = [
        {"id": "far", "type": "supplier"},
        {"id": "near", "type": "supplier"},
        {
            "id": "r",
            "type": "retailer",
            "initial_stock": {"w": 10},
            "policy": {"w": {"kind": "base_stock", "level": 10}},
            "sources": {"w": [{"node": "far", "share": 0.5}, {"node": "near", "share": 0.5}]},
            "demand": {"w": ONE_ORDER},
        },
    ]
    data["lanes"] = [lane("far", "r", 8), lane("near", "r", 1)]
    chain = model(data)
    item = chain.items["r", "w"]
    item.ordering.set_policy(PerSource())
    seen = []
    far = item.source("far")
    at(chain.env, 4, lambda: seen.append((item.supply_line("far"), item.supply_line("near"), item.supply_line())))
    at(chain.env, 4, lambda: seen.append((far.due_within(4, 3), far.due_within(4, 4))))  # the far order is due at 8
    chain.run()
    assert seen == [
        (1.0, 0.0, 1.0),
        (0, 1.0),
    ]  # the near order (2 units) arrived at 1, the far one (1 unit) is due at 8
    assert sorted(lead_times(chain)) == [1, 8]
    assert item.on_hand == 10


def test_the_architecture_docs_worked_example_runs(capsys):
    """docs/architecture.md's process-based actor runs as printed: 12 audits of 2 periods in 365 days."""
    import re
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "docs" / "architecture.md").read_text(encoding="utf-8")
    block = re.search(r"### Worked example.*?```python\n(.*?)```", text, re.S).group(1)
    exec(compile(block, "architecture.md", "exec"), {})
    assert capsys.readouterr().out.strip() == "24.0"


def test_every_demand_kind_has_a_process():
    """Each registered demand kind starts in sim.model.arrivals (one shared periodic process, or its own)."""
    from sim.scenario.demand import DEMANDS

    examples = {
        "periodic": {"dist": "poisson", "mean": 2},
        "empirical": {"kind": "empirical", "values": [1, 2]},
        "poisson_process": {"kind": "poisson_process", "rate": 2},
        "ar1": {"kind": "ar1", "mean": 3, "phi": 0.5, "sigma": 1},
        "seasonal": {"kind": "seasonal", "base": 3, "season_length": 4, "amplitude": 1},
        "trend": {"kind": "trend", "base": 3, "slope": 0.1},
        "promotion": {"kind": "promotion", "base": 3, "dates": [2], "multiplier": 2},
        "step": {"kind": "step", "before": 2, "after": 4, "at": 3, "noise_sd": 0.5},
    }
    assert set(DEMANDS) == set(examples)
    for kind, spec in examples.items():
        result = sim.simulate(single_stage({"kind": "base_stock", "level": 5}, spec, horizon=10), seed=1)
        assert result.kpi("demand", "r", "w") > 0, kind


# -- the event log -------------------------------------------------------------------------------------------------


def test_event_log_traces_one_order_exactly():
    """Production 5, transit 1, down from 2 to 5: order at 0, supplier down at 2 and up at 5, ship at 8, receive 9."""
    chain = SupplyChain(
        build(one_order(supplier_kw={"production_time": const(5)})), np.random.SeedSequence(0), events=True
    )
    at(chain.env, 2, lambda: chain.suppliers["f"].fail(3))
    chain.run()
    rows = [(r.t, r.event, r.node, r.qty, r.via, r.order) for r in chain.events.frame().itertuples()]
    assert rows == [
        (0, "order", "r", 3, "f", 0),
        (2, "down", "f", 0, "", -1),
        (5, "up", "f", 0, "", -1),
        (8, "ship", "f", 3, "f->r", 0),
        (9, "receive", "r", 3, "f->r", 0),
    ]


def test_event_log_is_off_by_default_and_agrees_with_the_kpis():
    data = single_stage({"kind": "base_stock", "level": 4}, {"dist": "poisson", "mean": 3}, horizon=50)
    assert sim.simulate(data, seed=3).events is None
    result = sim.simulate(data, seed=3, events=True)
    log = result.events
    assert log.t.is_monotonic_increasing
    ts = result.timeseries
    ordered = log[log.event == "order"].qty.sum()
    assert ordered == pytest.approx(ts.orders.sum(), abs=1e-9) and ordered > 0
    received = log[log.event == "receive"].qty.sum()
    shipped = log[log.event == "ship"].qty.sum()
    assert received <= shipped <= ordered + 1e-9
    stockouts = log[log.event == "stockout"].qty.sum()
    assert stockouts == pytest.approx((ts.demand - ts.filled).sum(), abs=1e-9) and stockouts > 0


# -- customer orders with lines ----------------------------------------------------------------------------------------


def three_line_basket() -> dict[str, Any]:
    """One customer order at t = 0 for a (2 units), b (1) and c (4) at retailer r. r has 2 a, 0 b, 1 c on hand;
    b comes from supplier f over a 3-period lane, c from supplier g over a 5-period lane (base stock: the order's
    shortfall is reordered at once)."""
    skus = ("a", "b", "c")
    return {
        "name": "basket",
        "horizon": 20,
        "products": [{"id": s} for s in skus],
        "nodes": [
            {"id": "f", "type": "supplier"},
            {"id": "g", "type": "supplier"},
            {
                "id": "r",
                "type": "retailer",
                "initial_stock": {"a": 2, "b": 0, "c": 1},
                "policy": {s: {"kind": "base_stock", "level": lvl} for s, lvl in (("a", 2), ("b", 0), ("c", 1))},
                "sources": {"a": [{"node": "f"}], "b": [{"node": "f"}], "c": [{"node": "g"}]},
                "baskets": [
                    {
                        "orders": const(0),  # no random orders: the test places its one order itself
                        "lines": {"a": const(2), "b": const(1), "c": const(4)},
                    }
                ],
            },
        ],
        "lanes": [lane("f", "r", 3), lane("g", "r", 5)],
    }


def test_three_line_basket_reports_exact_line_completion_times():
    """a is on the shelf (done at 0); b is backordered and arrives at 3; c gets 1 now, 3 more arrive at 5: the
    order completes at 5, when its last line does."""
    chain = SupplyChain(build(three_line_basket()), np.random.SeedSequence(0), events=True)
    (book,) = chain.baskets
    order = []
    chain.env.process(_place_at_zero(chain.env, book, order))
    chain.run()
    (cust,) = order
    assert cust.done == {"a": 0, "b": 3, "c": 5}
    assert cust.completed == 5
    log = chain.events.frame()
    lines = log[log.event == "line"]
    assert list(zip(lines.t, lines.sku, strict=True)) == [(0, "a"), (3, "b"), (5, "c")]
    assert log[log.event == "basket"].t.tolist() == [5]


def _place_at_zero(env, book, out):
    yield wake_at(env, 0, DEMAND)
    out.append(book.place({"a": 2, "b": 1, "c": 4}))


def test_basket_demand_draws_orders_and_lines_per_period():
    """Two orders every period, lines of 1 a and 3 b: the items see 2 and 6 units of customer demand a period."""
    data = three_line_basket()
    data["nodes"][2]["baskets"] = [{"orders": const(2), "lines": {"a": const(1), "b": const(3)}}]
    data["nodes"][2]["initial_stock"] = {"a": 100, "b": 200, "c": 1}
    chain = SupplyChain(build(data), np.random.SeedSequence(0)).run()
    (book,) = chain.baskets
    point = chain.stock_points["r"]
    assert point.baskets == [book] and set(point.items) == {"a", "b", "c"} and point.items["a"] is book.items["a"]
    assert point.on_hand == sum(it.on_hand for it in point.items.values())
    assert len(book.orders) == 40 and all(o.completed == o.placed for o in book.orders)
    assert list(chain.items["r", "a"].cust_demand[:20]) == [2.0] * 20
    assert list(chain.items["r", "b"].cust_demand[:20]) == [6.0] * 20


def test_sourcing_rule_is_chosen_by_name_from_the_registry():
    """``sourcing: {w: {rule: fixed_split}}`` is the default split; an unknown rule is one clear error."""
    data = single_stage({"kind": "base_stock", "level": 5}, {"dist": "poisson", "mean": 2}, horizon=30)
    base = sim.simulate(data, seed=2).kpis
    data["nodes"][1]["sourcing"] = {"w": {"rule": "fixed_split"}}
    assert sim.simulate(data, seed=2).kpis.equals(base)
    data["nodes"][1]["sourcing"] = {"w": {"rule": "cheapest"}}
    known = "expedite, failover, fixed_split, volume_trigger"
    with pytest.raises(sim.ScenarioError, match=rf"unknown sourcing rule 'cheapest'; known: {known}"):
        build(data)


def test_data_and_report_layers_do_not_load_simpy():
    """`sim.scenario` is plain data and `sim.report` reads tables: neither imports SimPy (or the engine)."""
    import subprocess
    import sys

    code = (
        "import sys, sim.scenario.schema, sim.scenario.presets, sim.report.html, sim.report.figures; "
        "print('simpy' in sys.modules, 'sim.model.network' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]
