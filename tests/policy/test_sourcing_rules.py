"""Multi-sourcing rules (sim.policy.sourcing, sim.policy.sourcing_rules): fixed split by orders, primary/backup
failover and volume triggers; every route and cost below is hand arithmetic."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import sim
from sim.model.network import SupplyChain
from tests.conftest import build, const, kpi_dict, lane, product, run, stock_node, supplier


def two_sources(rule: dict[str, Any] | None, *, horizon: int = 20, policy=None, demand=None, **kw) -> dict:
    """Retailer r (base stock 100, starts with 100) sells 10 per period and orders after every demand from
    supplier a (lane a -> r, transit 2) or b (lane b -> r, transit 1, unit price 5 instead of the product's 3)."""
    a_kw, b_kw = kw.pop("a", {}), kw.pop("b", {})
    node = stock_node(
        "r",
        policy=policy or {"kind": "base_stock", "level": 100},
        source=[{"node": "a", "share": 0.6, **kw.pop("src_a", {})}, {"node": "b", "share": 0.4, "unit_cost": 5}],
        demand=demand or const(10),
    )
    if rule is not None:
        node["sourcing"] = {"w": rule}
    return {
        "name": "two_sources",
        "horizon": horizon,
        "products": [product(unit_cost=3)],
        "nodes": [supplier("a", **a_kw), supplier("b", **b_kw), node],
        "lanes": [lane("a", "r", kw.pop("transit_a", 2)), lane("b", "r", 1)],
    }


def model(data: dict, outage: tuple[float, float] | None = None) -> SupplyChain:
    """The finished model with its event log; ``outage`` = (t, duration) takes supplier a down at t."""
    chain = SupplyChain(build(data), np.random.SeedSequence(0), events=True)
    if outage is not None:

        def down():
            yield chain.env.timeout(outage[0])  # NORMAL priority: before period t's receipts, reviews and demand
            chain.suppliers["a"].fail(outage[1])

        chain.env.process(down())
    return chain.run()


def routes(chain: SupplyChain) -> dict[str, list[float]]:
    """Times at which r placed an order, per source."""
    ev = chain.events.frame()
    orders = ev[(ev.event == "order") & (ev.node == "r")]
    return {s: orders[orders.via == s].t.tolist() for s in ("a", "b")}


def test_fixed_split_by_orders_sends_whole_orders_in_proportion():
    """``by: orders`` with shares 0.6/0.4: each order goes whole to the source furthest behind its share of the
    orders so far: a, b, a, b, a, a, b, a, b, a (n = 1..10: 0.6n - count_a vs 0.4n - count_b, ties to a)."""
    chain = model(two_sources({"rule": "fixed_split", "by": "orders"}, horizon=10))
    assert routes(chain) == {"a": [0, 2, 4, 5, 7, 9], "b": [1, 3, 6, 8]}
    ev = chain.events.frame()
    assert (ev[ev.event == "order"].qty == 10).all()  # whole orders, never split


def test_fixed_split_by_units_is_the_default():
    """``by: units`` splits every order 6/4, exactly as without a sourcing entry."""
    base = run(two_sources(None, horizon=10))
    result = run(two_sources({"rule": "fixed_split", "by": "units"}, horizon=10))
    assert np.array_equal(base.kpi_values, result.kpi_values, equal_nan=True)
    by_units = kpi_dict(result)
    # a: orders t=0..7 arrive by t=9 (8 x 6 at 3); b: t=0..8 arrive by t=9 (9 x 4 at the source price 5)
    assert by_units[("r<-a", "w", "spend")] == 8 * 6 * 3
    assert by_units[("r<-b", "w", "spend")] == 9 * 4 * 5
    assert by_units[("r", "w", "purchase_cost")] == 144 + 180


FAILOVER = {"rule": "failover", "primary": "a", "backup": "b"}


def test_failover_after_exactly_the_activation_delay_and_switch_back():
    """a is down over [3, 9). The order at t=3 notices it: a's orders go on queueing at a until t = 3 + 2 (the
    activation delay), then to b; at t=9 a is up again (its outage ends before period 9's demand) and orders return.
    a holds the orders of t=3, 4 and ships them at 9 (arrive 11). Costs: b's 4 orders (t=5..8, arrive t+1) at 5,
    a's received orders (t=0..4 and t=9..17: 14 x 10) at 3."""
    chain = model(two_sources(FAILOVER | {"activation_delay": 2}), outage=(3, 6))
    assert routes(chain) == {"a": [0, 1, 2, 3, 4, *range(9, 20)], "b": [5, 6, 7, 8]}
    rule = chain.items["r", "w"].sourcing
    assert rule.switches == [(5, "backup"), (9, "primary")]
    ev = chain.events.frame()
    assert ev[ev.event.isin(["failover", "switch_back"])][["t", "event", "via"]].values.tolist() == [
        [5, "failover", "b"],
        [9, "switch_back", "a"],
    ]
    k = kpi_dict(run(build(two_sources(FAILOVER | {"activation_delay": 2}))))  # no outage: all to a
    assert k[("r<-b", "w", "orders_placed")] == 0
    from sim.kpi import compute as kpi

    index, values = kpi.compute(chain)
    got = dict(zip(index, values.tolist(), strict=True))
    assert got[("r<-b", "w", "spend")] == 4 * 10 * 5
    assert got[("r<-a", "w", "spend")] == 14 * 10 * 3
    assert got[("r", "w", "purchase_cost")] == 200 + 420


def test_failover_dropped_when_the_primary_recovers_before_activation():
    """Down over [3, 4) with an activation delay of 2: at t=4 a is up again, so nothing goes to b."""
    chain = model(two_sources(FAILOVER | {"activation_delay": 2}), outage=(3, 1))
    assert routes(chain)["b"] == [] and chain.items["r", "w"].sourcing.switches == []


def test_failover_on_late_orders_with_detection_threshold():
    """a quotes 2 periods but takes 5 (transit 5, promised 2); detection 1: an open a-order is 'late' once now >
    due + 1. The order of t=0 (due 2) is late at t=4: from then on b. switch_back: recovered returns to a when no
    open a-order is late: a's last order (t=3) arrives at 8, so back at 8; the order of 8 is late at 12, back at 16
    (the order of 11 arrives at 16, before the demand)."""
    data = two_sources(FAILOVER | {"detection": 1}, transit_a=5, src_a={"promised_lead_time": 2})
    chain = model(data)
    assert chain.items["r", "w"].sourcing.switches == [(4, "backup"), (8, "primary"), (12, "backup"), (16, "primary")]
    assert routes(chain)["b"] == [4, 5, 6, 7, 12, 13, 14, 15]
    never = FAILOVER | {"detection": 1, "switch_back": "never"}
    never = model(two_sources(never, transit_a=5, src_a={"promised_lead_time": 2}))
    assert routes(never) == {"a": [0, 1, 2, 3], "b": list(range(4, 20))}


def test_volume_trigger_spills_exactly_the_excess():
    """Threshold 8 units per period: demands 15, 5, 10 -> periodic orders of 15, 5, 10 (order-up-to, R = 1):
    a gets 8, 5, 8 and b the excess 7, 0, 2."""
    policy = {"kind": "periodic_order_up_to", "review_period": 1, "order_up_to": 100}
    rule = {"rule": "volume_trigger", "primary": "a", "secondary": "b", "threshold": 8}
    data = two_sources(rule, horizon=4, policy=policy, demand={"kind": "empirical", "values": [15, 5, 10, 0]})
    ev = model(data).events.frame()
    orders = ev[ev.event == "order"]
    got = [(t, via, q) for t, via, q in orders[["t", "via", "qty"]].values.tolist()]
    # the review at t sees the demand of t-1: orders at t=1, 2, 3
    assert got == [(1, "a", 8), (1, "b", 7), (2, "a", 5), (3, "a", 8), (3, "b", 2)]


def test_volume_trigger_counts_all_orders_of_a_period_and_reads_reserved_capacity():
    """``threshold: capacity`` is the primary's capacity for the product (7); two orders in one period share it:
    5 -> a 5; 5 -> a 2, b 3; the next period starts afresh."""
    rule = {"rule": "volume_trigger", "primary": "a", "secondary": "b", "threshold": "capacity"}
    chain = SupplyChain(build(two_sources(rule, a={"capacity": 7})), np.random.SeedSequence(0))
    item = chain.items["r", "w"]
    keyed = [[(s.key, q) for s, q in item.sourcing.split(5, item.sources)] for _ in range(2)]
    assert keyed == [[("a", 5)], [("a", 2), ("b", 3)]]
    chain.env.run(until=1)  # period 1: a fresh threshold
    assert [(s.key, q) for s, q in item.sourcing.split(9, item.sources)] == [("a", 7), ("b", 2)]


def test_capacity_threshold_needs_a_capacity():
    rule = {"rule": "volume_trigger", "primary": "a", "secondary": "b", "threshold": "capacity"}
    with pytest.raises(sim.ScenarioError, match=r"r.sourcing.w.threshold: 'capacity' needs a capacity"):
        run(two_sources(rule))


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        (FAILOVER | {"backup": "c"}, r"sourcing.w.backup: unknown source 'c'; the sources of 'w': a, b"),
        (FAILOVER | {"backup": "a"}, r"primary and backup must be different sources"),
        (FAILOVER | {"activation_delay": -1}, r"activation_delay: Input should be greater than or equal to 0"),
        (FAILOVER | {"switch_back": "maybe"}, r"switch_back: Input should be 'recovered' or 'never'"),
        (FAILOVER | {"detection": float("inf")}, r"detection: Input should be a finite number"),
        ({"rule": "volume_trigger", "primary": "a", "secondary": "b", "threshold": -3}, r"threshold"),
        ({"rule": "fixed_split", "by": "weight"}, r"by: Input should be 'units' or 'orders'"),
        ({"rule": "failover", "primary": "a"}, r"backup: required \(parameters: primary, backup, detection"),
    ],
)
def test_bad_rules_are_one_clear_error(rule, message):
    """Unknown sources, equal primary/backup, negative or non-finite numbers: one error naming field and values."""
    with pytest.raises(sim.ScenarioError, match=message):
        build(two_sources(rule))


def test_a_rule_does_not_move_demand_draws():
    """Common random numbers: the failover rule routes orders but the customers see the same Poisson demand."""
    demand = {"dist": "poisson", "mean": 8}
    plain = run(two_sources(None, demand=demand), seed=3)
    routed = run(two_sources(FAILOVER, demand=demand), seed=3)
    d = lambda r: r.timeseries.query("node == 'r'").demand.tolist()  # noqa: E731
    assert d(plain) == d(routed)
    again = run(two_sources(FAILOVER, demand=demand), seed=3)  # same seed, same KPIs
    assert np.array_equal(again.kpi_values, routed.kpi_values, equal_nan=True)


def test_expedite_sends_orders_below_the_trigger_by_air():
    """Supplier f with a sea lane (3 periods, 0.5 per unit) and an air lane (1 period, 2 per unit) to r; periodic
    order-up-to 30 (R = 1), demand 5, 12, 8, 15, 3, expedite below IP 20. The review at t sees IP = 30 - d(t-1):
    t=1: 25 -> sea 5; t=2: 18 -> air 12; t=3: 22 -> sea 8; t=4: 15 -> air 15. Transport: 0.5 x 13 + 2 x 27 = 60.5."""
    node = stock_node(
        "r",
        policy={"kind": "periodic_order_up_to", "review_period": 1, "order_up_to": 30},
        source=[{"node": "f", "lane": "f-sea", "share": 0.5}, {"node": "f", "lane": "f-air", "share": 0.5}],
        demand={"kind": "empirical", "values": [5, 12, 8, 15, 3]},
    )
    node["sourcing"] = {"w": {"rule": "expedite", "regular": "f-sea", "fast": "f-air", "trigger": 20}}
    data = {
        "name": "expedite",
        "horizon": 5,
        "products": [product()],
        "nodes": [supplier("f"), node],
        "lanes": [
            lane("f", "r", 3, id="f-sea", mode="sea", cost_per_unit=0.5),
            lane("f", "r", 1, id="f-air", mode="air", cost_per_unit=2),
        ],
    }
    chain = SupplyChain(build(data), np.random.SeedSequence(0), events=True).run()
    ev = chain.events.frame()
    orders = ev[ev.event == "order"][["t", "via", "qty"]].values.tolist()
    assert orders == [[1, "f-sea", 5], [2, "f-air", 12], [3, "f-sea", 8], [4, "f-air", 15]]
    assert kpi_dict(run(data))[("r", "w", "transport_cost")] == 0.5 * 13 + 2 * 27
    bad = node["sourcing"]["w"] | {"fast": "f-sea"}
    data["nodes"][1]["sourcing"] = {"w": bad}
    with pytest.raises(sim.ScenarioError, match="regular and fast must be different sources"):
        build(data)
