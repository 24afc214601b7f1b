"""How many discrete events one replication of a scenario makes beyond its per-period ones, estimated before anything
runs: a scenario whose estimate is above ``limits.max_events`` is refused at validation, naming the fields that size
it (a typo like ``consolidation: {capacity: 0.000001}`` would otherwise run for hours and fill the memory).

An element's events up to one a period are sized by the horizon, like every per-period buffer, and bounded with it
by the memory estimate (sim.experiment.footprint); what counts against ``max_events`` is what an element makes beyond
one a period (``events - H``). Per element, over the horizon H:

- a consolidating lane: its containers, ``(goods per period × H + goods ordered up front) / capacity``. The goods per
  period are the highest expected demand per period over the horizon of every item that can source over the lane,
  as if that source carried all of it (sim.scenario.moments; rejects at receipt are made again, so a supplier's
  ``defect_rate`` adds ``1 / (1 - defect_rate)``); up front are the item's policy parameters (its first orders
  bring the stock up to its levels) and ``initial_orders``. In units, or volume with ``measure: volume``.
- a ``poisson_process`` demand: its customers, ``rate × H``; a basket stream: its orders, ``orders.mean × H``;
- a policy that reviews every ``review_period``: its reviews, ``H / review_period``.

The memory of the containers' records counts in the replication's memory estimate (sim.experiment.footprint).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sim.scenario import limits
from sim.scenario.demand import DemandSpec
from sim.scenario.moments import demand_moments
from sim.scenario.schema import Scenario, StockNode, SupplierNode


@dataclass(frozen=True)
class Load:
    """One element's expected events over the horizon: ``field`` sizes them, ``how`` says how (for the message)."""

    field: str
    events: float
    what: str  # containers, customers, customer orders, reviews
    how: str
    horizon: int

    @property
    def beyond(self) -> float:
        """Its events beyond one a period (what counts against the limit)."""
        return max(self.events - self.horizon, 0.0)


def loads(sc: Scenario) -> list[Load]:
    """Every element's expected events in one replication of ``sc`` (see the module docstring)."""
    return _containers(sc) + _customers(sc) + _reviews(sc)


def containers(sc: Scenario) -> float:
    """Expected containers of one replication, all consolidating lanes together."""
    return sum(load.events for load in _containers(sc))


def problems(sc: Scenario) -> list[str]:
    """The elements behind an estimate above ``limits.max_events`` (largest first), one line each; [] if it fits."""
    found = sorted(loads(sc), key=lambda load: -load.beyond)
    total, limit = sum(load.beyond for load in found), limits.max_events
    if total <= limit:
        return []
    lines, covered = [], 0.0
    for load in found:  # the elements that make most of the total (at most five)
        lines.append(f"{load.field}: {load.how} make ~{load.events:.3g} {load.what}")
        covered += load.beyond
        if covered >= 0.9 * total or len(lines) == 5:
            break
    lines[-1] += (
        f"; one replication may make at most {limit:,} events beyond one a period per element (containers, "
        f"customers, reviews) and this one would make ~{total:.3g}: change the field{'s' if len(lines) > 1 else ''} "
        f"above, or raise the limit with {limits.ENV_EVENTS}=<n>"
    )
    return lines


def _highest(horizon: int) -> Callable[[DemandSpec], tuple[float, float]]:
    def of(spec: DemandSpec) -> tuple[float, float]:
        return spec.entry.highest(spec.params, horizon), 0.0

    return of


def _containers(sc: Scenario) -> list[Load]:
    boxed = {ln.id: i for i, ln in enumerate(sc.lanes) if ln.consolidation is not None}
    if not boxed:
        return []
    per_period = dict.fromkeys(boxed, 0.0)
    up_front = dict.fromkeys(boxed, 0.0)
    demand = demand_moments(sc, _highest(sc.horizon))
    volume = {p.id: p.unit_volume or 0.0 for p in sc.products}
    for node in sc.nodes:
        if not isinstance(node, StockNode):
            continue
        for sku, srcs in node.sources.items():
            for s in srcs:
                lane = sc.lane(s.node, node.id, s.lane)
                if lane.id not in boxed:
                    continue
                block = lane.consolidation
                size = volume[sku] if block is not None and block.measure == "volume" else 1.0
                up = sc.node(s.node)
                remade = 1 / (1 - up.defect_rate) if isinstance(up, SupplierNode) else 1.0
                per_period[lane.id] += demand[node.id, sku][0] * size * remade
                up_front[lane.id] += (_policy_units(node, sku) + sum(s.initial_orders)) * size
    out = []
    for lane_id, i in boxed.items():
        block = sc.lanes[i].consolidation
        assert block is not None
        unit = " units" if block.measure == "units" else " volume"
        count = (per_period[lane_id] * sc.horizon + up_front[lane_id]) / block.capacity
        if block.every is not None:  # a scheduled departure takes whatever waits, full or not
            count += sc.horizon / block.every
        how = (
            f"containers of {block.capacity:g}{unit} for ~{per_period[lane_id]:.3g}{unit} a period over "
            f"{sc.horizon} periods (+{up_front[lane_id]:.3g} up front)"
        )
        out.append(Load(f"lanes[{i}].consolidation.capacity", count, "containers", how, sc.horizon))
    return out


def _policy_units(node: StockNode, sku: str) -> float:
    """The policy's numeric parameters added up: a generous bound on what its first orders bring up."""
    spec = node.policy.get(sku)
    if spec is None:
        return 0.0
    values = [getattr(spec.params, name) for name in type(spec.params).model_fields]
    return sum(abs(v) for v in values if isinstance(v, int | float) and not isinstance(v, bool))


def _customers(sc: Scenario) -> list[Load]:
    out = []
    for i, node in enumerate(sc.nodes):
        if not isinstance(node, StockNode):
            continue
        where = f"nodes[{i}] (id: {node.id})"
        for sku, spec in node.demand.items():
            if spec.kind == "poisson_process":
                rate = spec.params.rate
                how = f"{rate:g} customers a period over {sc.horizon} periods"
                out.append(Load(f"{where}.demand.{sku}.rate", rate * sc.horizon, "customers", how, sc.horizon))
        for b, basket in enumerate(node.baskets):
            rate = basket.orders.mean
            how = f"~{rate:.3g} customer orders a period over {sc.horizon} periods"
            out.append(Load(f"{where}.baskets[{b}].orders", rate * sc.horizon, "customer orders", how, sc.horizon))
    return out


def _reviews(sc: Scenario) -> list[Load]:
    out = []
    for i, node in enumerate(sc.nodes):
        if not isinstance(node, StockNode):
            continue
        for sku, spec in node.policy.items():
            review = vars(spec.params).get("review_period")  # (getattr with a default: slow on a miss)
            if review:
                how = f"a review every {review:g} periods over {sc.horizon} periods"
                field = f"nodes[{i}] (id: {node.id}).policy.{sku}.review_period"
                out.append(Load(field, sc.horizon / review, "reviews", how, sc.horizon))
    return out
