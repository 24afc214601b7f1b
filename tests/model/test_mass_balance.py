"""Mass balance and state invariants on randomly generated supply networks (Hypothesis).

A random network has 1-2 suppliers and 1-4 stock nodes (at most 6 nodes), 1-2 products, random policies from the
registry, random demand processes, transit/production distributions, supplier and lane capacities, information delays,
multiple sources with shares, backorders or lost sales. After ``SupplyChain(scenario, seed).run()`` every unit is
accounted for, order by order and item by item:

- an order that reached a stock node is either still owed in that node's backlog or has been handed to the lane;
- an order that reached a supplier is either waiting for capacity or has been made (then: in production or shipped);
- what was handed to a lane either waits for lane capacity or departed; what departed either arrived or is in transit;
- per stock item: initial + received = on hand + issued; demand = issued + lost + backorders; on order = what was
  ordered and has not arrived; in transit = what departed towards it and has not arrived;
- network: initial stock + supplier output = on hand + in production + waiting at lanes + in transit + units
  delivered to customers. Lost sales create and destroy nothing.

The lanes and suppliers are wrapped by a small recorder (test instrumentation only) that counts units handed to each
lane, departing on it and made by each supplier, per order.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, ClassVar
from unittest import mock

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.kpi import compute as kpi
from sim.model.network import SupplyChain
from sim.model.orders import Order
from sim.policy.kinds import POLICIES
from tests.conftest import build, const

TOL = 1e-6


# ------------------------------------------------------------------------------------------------------------
# Random valid networks


@st.composite
def distributions(draw: st.DrawFn, *, allow_zero: bool = True) -> dict[str, Any]:
    kind = draw(st.sampled_from(["constant", "uniform", "triangular", "exponential", "discrete"]))
    if kind == "constant":
        return const(draw(st.integers(0 if allow_zero else 1, 3)))
    if kind == "uniform":
        return {"dist": "uniform", "low": 0.0, "high": draw(st.sampled_from([0.5, 1.5, 3.0]))}
    if kind == "triangular":
        return {"dist": "triangular", "low": 0.5, "mode": 1.0, "high": 3.5}
    if kind == "exponential":
        return {"dist": "exponential", "mean": draw(st.sampled_from([0.5, 2.0]))}
    return {"dist": "discrete", "values": [0, 1, 2], "probs": [0.25, 0.5, 0.25]}


shared = st.sampled_from(["local", "shared"])


@st.composite
def policies(draw: st.DrawFn) -> dict[str, Any]:
    # policies naming two sources (dual_index, base_surge) need a dual-sourced item: tests/policy/test_dual_sourcing.py
    kind = draw(st.sampled_from(sorted(k for k in POLICIES if not POLICIES[k].source_params)))
    level = draw(st.integers(0, 25))
    if kind == "base_stock":
        return {"kind": kind, "level": level}
    if kind == "s_S":
        return {"kind": kind, "s": level, "S": level + draw(st.integers(1, 20))}
    if kind == "s_Q":
        return {"kind": kind, "s": level, "Q": draw(st.integers(1, 15))}
    review = {"review_period": draw(st.integers(1, 4)), "offset": draw(st.sampled_from([0, 0, 1, 2.5]))}
    if kind == "periodic_order_up_to":
        return {"kind": kind, "order_up_to": level, **review}
    if kind == "vmi":
        return {"kind": kind, "min": level, "max": level + draw(st.integers(1, 20)), **review}
    learn = {**review, "initial_forecast": draw(st.sampled_from([0, 2.5])), "information": draw(shared)}
    if kind == "forecast_order_up_to":
        fc = draw(
            st.sampled_from(
                [
                    {"periods": 3},
                    {"forecast": "exponential_smoothing", "alpha": 0.5},
                    {"forecast": "holt", "gamma": 0.2},
                ]
            )
        )
        return {"kind": kind, "safety_stock": level, "beta": draw(st.sampled_from([1, 0.5])), **fc, **learn}
    if kind == "sterman":
        return {"kind": kind, "s_prime": level, "integer": draw(st.booleans()), **learn}
    if kind == "pass_through":
        return {"kind": kind, **learn}
    assert kind == "periodic_s_S", kind
    return {"kind": kind, "s": level, "S": level + draw(st.integers(1, 20)), **review}


@st.composite
def demands(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(["poisson", "constant", "discrete", "poisson_process", "empirical", "normal"]))
    if kind == "normal":
        return {"dist": "normal", "mean": 4.1, "sd": 2.3}
    if kind == "poisson":
        return {"dist": "poisson", "mean": draw(st.sampled_from([1.0, 4.0, 9.0]))}
    if kind == "constant":
        return const(draw(st.integers(1, 8)))
    if kind == "discrete":
        return {"dist": "discrete", "values": [0, 3, 10], "probs": [0.3, 0.5, 0.2]}
    if kind == "poisson_process":
        return {"kind": "poisson_process", "rate": draw(st.sampled_from([0.7, 3.0])), "size": draw(distributions())}
    return {"kind": "empirical", "values": draw(st.lists(st.integers(0, 12), min_size=1, max_size=5))}


@st.composite
def networks(draw: st.DrawFn) -> dict[str, Any]:  # noqa: C901 (one random network, every optional part drawn in turn)
    skus = ["a", "b"][: draw(st.integers(1, 2))]
    n_sup = draw(st.integers(1, 2))
    n_stock = draw(st.integers(1, 6 - n_sup if n_sup == 2 else 4))
    nodes: list[dict[str, Any]] = []
    carries: dict[str, set[str]] = {}  # node -> skus it can supply
    for i in range(n_sup):
        cap_kind = draw(st.sampled_from(["none", "shared", "per_sku"]))
        sup: dict[str, Any] = {"id": f"s{i}", "type": "supplier"}
        if cap_kind == "shared":
            sup["capacity"] = draw(st.sampled_from([2.0, 5.0, 12.5]))
        elif cap_kind == "per_sku":
            sup["capacity"] = {s: draw(st.sampled_from([3.0, 8.0])) for s in skus}
        if draw(st.booleans()):
            sup["production_time"] = draw(distributions())
        nodes.append(sup)
        carries[sup["id"]] = set(skus)
    lanes: dict[tuple[str, str], dict[str, Any]] = {}
    for j in range(n_stock):
        nid = f"n{j}"
        last = j == n_stock - 1
        kind = "retailer" if last or draw(st.booleans()) else "buffer"
        mine = draw(st.lists(st.sampled_from(skus), min_size=1, max_size=len(skus), unique=True))
        node: dict[str, Any] = {"id": nid, "type": kind, "policy": {}, "sources": {}, "demand": {}}
        node["unmet_demand"] = draw(st.sampled_from(["backorder", "lost"]))
        for sku in mine:
            upstream = sorted(n for n, c in carries.items() if sku in c)
            chosen = draw(st.lists(st.sampled_from(upstream), min_size=1, max_size=2, unique=True))
            shares = [1.0] if len(chosen) == 1 else draw(st.sampled_from([[0.5, 0.5], [0.25, 0.75], [0.3, 0.7]]))
            srcs = []
            for src, share in zip(chosen, shares, strict=True):
                s: dict[str, Any] = {"node": src, "share": share}
                if draw(st.integers(0, 3)) == 0:
                    s["order_delay"] = draw(st.sampled_from([0.5, 1.0, 2.0]))
                srcs.append(s)
                if (src, nid) not in lanes:
                    ln: dict[str, Any] = {"from": src, "to": nid, "transit": draw(distributions())}
                    if draw(st.integers(0, 2)) == 0:
                        ln["capacity"] = draw(st.sampled_from([3.0, 7.5]))
                    ln["cost_per_unit"] = 0.5
                    ln["cost_per_shipment"] = 2.0
                    lanes[src, nid] = ln
            node["sources"][sku] = srcs
            node["policy"][sku] = draw(policies())
            if kind == "retailer" or draw(st.integers(0, 2)) == 0:
                node["demand"][sku] = draw(demands())
            if draw(st.integers(0, 3)) == 0:
                node.setdefault("initial_stock", {})[sku] = draw(st.integers(0, 30))
        if kind == "retailer" and not node["demand"]:
            node["demand"][mine[0]] = draw(demands())
        nodes.append(node)
        carries[nid] = set(mine)
    horizon = draw(st.integers(3, 30))
    return {
        "name": "random",
        "horizon": horizon,
        "warmup": draw(st.integers(0, horizon - 1)),
        "products": [
            {"id": s, "holding_cost": 1.0, "backorder_cost": 2.0, "lost_sale_cost": 3.0, "order_cost": 5.0}
            for s in skus
        ],
        "nodes": nodes,
        "lanes": list(lanes.values()),
    }


# ------------------------------------------------------------------------------------------------------------
# Recorder: counts units per order handed to a lane, departing on it, and made by a supplier


class RecordedOrder(Order):
    """An ``Order`` that registers itself (so the test sees every order, including those still on their way)."""

    __slots__ = ()
    created: ClassVar[list[Order]] = []

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        RecordedOrder.created.append(self)


class Recorder:
    def __init__(self, chain: SupplyChain) -> None:
        self.shipped: dict[int, float] = defaultdict(float)
        self.departed: dict[int, float] = defaultdict(float)
        self.made: dict[int, float] = defaultdict(float)
        for ln in chain.lanes.values():
            ln.ship = self._wrap(ln.ship, self.shipped)
            ln._depart = self._wrap(ln._depart, self.departed)
        for sup in chain.suppliers.values():
            sup._made = self._wrap_made(sup._made)  # pools call the supplier's _made, looked up at call time

    @staticmethod
    def _wrap(fn, counter):
        def wrapped(order, qty):
            counter[id(order)] += qty
            fn(order, qty)

        return wrapped

    def _wrap_made(self, fn):
        def wrapped(order):
            self.made[id(order)] += order.qty
            fn(order)

        return wrapped


def _close(a: float, b: float, what: str) -> None:
    assert abs(a - b) <= TOL * max(1.0, abs(a), abs(b)), f"{what}: {a} != {b}"


def _check(data: dict[str, Any], seed: int) -> None:  # noqa: C901 (every balance of one run, checked in one place)
    sc = build(data)
    RecordedOrder.created = []
    # orders are made where they are placed (sim.model.ordering) and where rejects are made again (inspection)
    with mock.patch("sim.model.ordering.Order", RecordedOrder), mock.patch("sim.model.inspection.Order", RecordedOrder):
        ch = SupplyChain(sc, np.random.SeedSequence(seed))
        rec = Recorder(ch)
        ch.run()
    orders: dict[tuple[str, str], list[Order]] = defaultdict(list)
    for o in RecordedOrder.created:
        orders[o.buyer.node, o.buyer.sku].append(o)
    horizon = sc.horizon
    items = ch.items
    initial = {key: it.log[0][1] for key, it in items.items()}

    # where each order is: owed at a stock node / waiting for supplier capacity / waiting for lane capacity
    owed: dict[int, float] = defaultdict(float)
    cust_owed: dict[tuple[str, str], float] = defaultdict(float)
    for key, it in items.items():
        for qty, order in it.backlog:
            assert qty > 0
            if order is None:
                cust_owed[key] += qty
            else:
                owed[id(order)] += qty
    pool_left: dict[int, float] = {}
    for sup in ch.suppliers.values():
        for pool in {id(p): p for p in sup.pools.values()}.values():
            for order, left in pool.queue:
                pool_left[id(order)] = pool_left.get(id(order), 0.0) + left
    lane_left: dict[int, float] = defaultdict(float)
    for ln in ch.lanes.values():
        for order, qty in ln._queue:
            lane_left[id(order)] += qty

    internal_demand: dict[tuple[str, str], float] = defaultdict(float)
    internal_in_window: dict[tuple[str, str], float] = defaultdict(float)
    served_internal: dict[tuple[str, str], float] = defaultdict(float)  # units node handed to lanes for orders
    supplier_made = supplier_in_production = 0.0
    supplier_ordered: dict[str, float] = defaultdict(float)
    allocated: dict[str, float] = defaultdict(float)  # capacity allocated to orders (made or still in the pool)
    for key, it in items.items():
        node = sc.node(it.node)
        srcs = {s.node: s for s in node.sources.get(it.sku, [])}
        in_transit = on_order = received = 0.0
        for o in orders[key]:
            i = id(o)
            upstream = o.lane.src
            reached = o.placed + srcs[upstream].order_delay < horizon
            assert 0 <= o.received <= o.qty + TOL
            assert (o.completed is not None) == (o.received >= o.qty - 1e-9)
            if not reached:
                assert rec.shipped[i] == 0 and rec.made[i] == 0
            elif upstream in ch.suppliers:
                supplier_ordered[upstream] += o.qty
                made = rec.made[i]
                if i in pool_left:  # still waiting for capacity (maybe partly allocated already)
                    assert made == 0 and 0 < pool_left[i] <= o.qty + TOL
                else:
                    _close(made, o.qty, f"supplier order {key} placed {o.placed} made complete")
                allocated[upstream] += o.qty - pool_left.get(i, 0.0) if sc.node(upstream).capacity else 0.0
                assert rec.shipped[i] in (0.0, made)
                supplier_made += made
                supplier_in_production += made - rec.shipped[i]
            else:
                internal_demand[upstream, it.sku] += o.qty
                if o.placed + srcs[upstream].order_delay >= sc.warmup:
                    internal_in_window[upstream, it.sku] += o.qty
                served_internal[upstream, it.sku] += rec.shipped[i]
                _close(o.qty, owed[i] + rec.shipped[i], f"internal order {key} placed {o.placed}")
            _close(rec.shipped[i], rec.departed[i] + lane_left[i], f"lane queue of order {key}")
            assert rec.departed[i] >= o.received - TOL
            in_transit += rec.departed[i] - o.received
            on_order += o.qty - o.received
            received += o.received
        placed_in_window = [o for o in orders[key] if o.placed >= sc.warmup]
        completed = [o.completed - o.placed for o in placed_in_window if o.completed is not None]
        recorded = sorted(it.counters.lead_times)
        assert recorded == pytest.approx(sorted(completed)), f"lead times recorded once per order {key}"
        assert it.counters.on_time <= it.counters.due <= len(placed_in_window)
        _close(it.in_transit, in_transit, f"in transit {key}")
        _close(it.on_order, on_order, f"on order {key}")
        issued = sum(it.issued[:horizon])
        _close(initial[key] + received, it.on_hand + issued, f"stock balance {key}")
        demand, lost = sum(it.demand[:horizon]), sum(it.lost[:horizon])
        _close(demand, issued + lost + it.backorders, f"demand balance {key}")
        _close(it.backorders, sum(q for q, _ in it.backlog), f"backorders = backlog {key}")
        if not it.lost_sales:
            assert lost == 0
        else:
            assert cust_owed[key] == 0, "lost sales: customers are never backordered"
        if not it.customer_facing:
            assert lost == 0 and cust_owed[key] == 0
    for name, sup in ch.suppliers.items():
        _close(sum(sup.ordered[:horizon]), supplier_ordered[name], f"orders reaching {name}")
        produced = sum(sum(p.produced[:horizon]) for p in {id(p): p for p in sup.pools.values()}.values())
        _close(produced, allocated[name], f"capacity allocated at {name}")

    delivered = 0.0  # units handed to end customers
    for key, it in items.items():
        cust_demand = sum(it.demand[:horizon]) - internal_demand[key]
        cust_issued = sum(it.issued[:horizon]) - served_internal[key]
        _close(cust_demand, cust_issued + sum(it.lost[:horizon]) + cust_owed[key], f"customer balance {key}")
        if not it.customer_facing:
            _close(cust_demand, 0.0, f"no customer demand at {key}")
        delivered += cust_issued
    left_side = sum(initial.values()) + supplier_made
    right_side = (
        sum(it.on_hand for it in items.values())
        + supplier_in_production
        + sum(lane_left.values())
        + sum(it.in_transit for it in items.values())
        + delivered
    )
    _close(left_side, right_side, "network mass balance")

    # state is never negative, and stock never sits next to a backlog
    for key, it in items.items():
        log = np.asarray(it.log)
        assert (log[:, 1:] >= -TOL).all(), f"negative level at {key}"
        assert not ((log[:, 1] > TOL) & (log[:, 2] > TOL)).any(), f"stock and backorders at once at {key}"
        assert (np.diff(log[:, 0]) >= 0).all()

    # time series: end-of-period levels; the last one is the final state; IP obeys the policy
    series = kpi.timeseries(ch)
    for key, it in items.items():
        m = (series["node"] == key[0]) & (series["sku"] == key[1])
        oh, bo, pipe, ip = (series[c][m] for c in ("on_hand", "backorders", "pipeline", "inventory_position"))
        _close(oh[-1], it.on_hand, "final on hand")
        _close(bo[-1], it.backorders, "final backorders")
        _close(pipe[-1], it.in_transit, "final pipeline")
        _close(ip[-1], it.on_hand + it.on_order - it.backorders, "final inventory position")
        _close(float(series["demand"][m].sum()), sum(it.demand[:horizon]), "series demand")
        _close(float(series["orders"][m].sum()), sum(o.qty for o in orders[key]), "series orders")
        spec = sc.node(key[0]).policy.get(key[1])
        if spec is None or key[1] in sc.node(key[0]).initial_stock:
            continue
        p = spec.model_extra
        if spec.kind == "base_stock":
            assert np.allclose(ip, p["level"]), "base-stock keeps IP at its level"
        elif spec.kind == "s_S":
            assert (ip > p["s"] - TOL).all() and (ip <= p["S"] + TOL).all(), "(s,S): s < IP <= S"
        elif spec.kind == "s_Q":
            assert (ip > p["s"] - TOL).all() and (ip <= p["s"] + p["Q"] + TOL).all(), "(s,Q): s < IP <= s+Q"
        elif spec.kind in ("periodic_order_up_to", "periodic_s_S"):
            top = p.get("order_up_to", p.get("S"))
            assert (ip <= top + TOL).all(), "periodic: IP never above the order-up-to level"

    # KPI rows add up: item rows sum to the network rows for the additive KPIs
    index, values = kpi.compute(ch)
    k = dict(zip(index, values.tolist(), strict=True))
    w = sc.warmup
    for key, it in items.items():
        _close(k[(*key, "demand")], sum(it.demand[w:horizon]), "kpi demand")
        _close(k[(*key, "lost_sales")], sum(it.lost[w:horizon]), "kpi lost sales")
    for name in ("on_hand_avg", "pipeline_avg", "orders_placed", "holding_cost", "total_cost", "transport_cost"):
        _close(k[("ALL", "ALL", name)], sum(k[(*key, name)] for key in items), f"network {name}")
    cust = [key for key, it in items.items() if it.customer_facing]
    for name in ("lost_sales",):
        _close(k[("ALL", "ALL", name)], sum(k[(*key, name)] for key in cust), f"network {name}")
    # the network's demand is end-customer demand only (not the replenishment orders between stock nodes)
    cust_window = sum(k[(*key, "demand")] - internal_in_window[key] for key in cust)
    _close(k[("ALL", "ALL", "demand")], cust_window, "network demand = customer demand")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=networks(), seed=st.integers(0, 2**16))
def test_mass_balance_random_networks(data: dict[str, Any], seed: int) -> None:
    """Every unit is accounted for on random valid networks; no level goes negative; IP obeys the policy."""
    _check(data, seed)
