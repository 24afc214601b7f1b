"""Disruptions at runtime: one SimPy process per ``disruptions:`` entry of the scenario (sim.scenario.disruptions).

A disruption acts on the actors' own seams: ``Supplier.fail`` (an interrupt, SimPy's machine-shop shape) and
``scale_capacity``, ``Lane.close``/``reopen``, ``Lane.slowdown``, ``Lane.inspect`` and ``Shipment.delay``, and a
demand sink that scales the quantity handed to a stock item. Its processes wake with plain ``env.timeout``, so a
disruption starting at t acts *before* the model's phases of t (docs/timing.md): a supplier down at t makes nothing
in period t, a lane closed at t sends nothing in period t.

Randomness: each disruption draws from its own stream ``("disruption", kind, target, start)``
(``DisruptionSpec.stream_key``: never its name nor its place in the list), and no disruption draws from another
element's stream. Two random outages of two suppliers are therefore independent, and adding, removing or reordering
one disruption leaves every other draw of the replication as it was: demand, transit, production and the other
disruptions' (common random numbers; tests/model/test_disruption_streams.py checks it).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.model.facility import facility
from sim.model.rng import stream
from sim.model.warning import ControlTower
from sim.scenario.disruptions import (
    CapacityLoss,
    DemandShock,
    Disruption,
    FacilityOutage,
    LaneClosure,
    LaneSlowdown,
    MarkovOutage,
    QualityExcursion,
    RandomOutage,
    RegionalEvent,
    SupplierOutage,
)
from sim.scenario.targets import facility_lanes, regional_targets
from sim.tolerance import EPS

if TYPE_CHECKING:
    from simpy.events import ProcessGenerator

    from sim.model.actors import Actors
    from sim.model.lane import Shipment
    from sim.model.orders import Order
    from sim.model.stock_item import StockItem
    from sim.scenario.disruptions import DisruptionSpec

    Inspect = Callable[[Shipment, Order, float], float]  # Lane.inspect: units that pass a quality check


class Disruptions:
    """The disruptions of one replication and what they did: ``windows`` (label, start, end) as they happened, the
    time of the first one (``first_start``) and the stock then (``snapshot``: on hand + in transit per item)."""

    def __init__(self, chain: Actors, specs: list[DisruptionSpec], seed: np.random.SeedSequence) -> None:
        self.chain = chain
        self.env = env = chain.env
        self.horizon = chain.scenario.horizon
        self.windows: list[tuple[str, float, float]] = []
        self.first_start: float | None = None
        self.snapshot: dict[tuple[str, str], float] = {}
        self.shocks: list[Any] = []  # demand shock parameters (applied by the sinks)
        self._closures: dict[str, int] = {}  # lane id -> closures in force (overlapping events reopen once)
        self.tower = ControlTower(chain, chain.scenario.resilience.alerts)
        for spec in specs:
            if spec.kind == "demand_shock":
                self.shocks.append(spec.params)
            rng = stream(seed, "disruption", *spec.stream_key)
            env.process(PROCESSES[spec.entry](self, spec, rng))

    # -- bookkeeping -------------------------------------------------------------------------------------
    def begin(self, label: str, end: float | None) -> None:
        """A disruption starts now (until ``end``; None: the horizon). The first one takes the stock snapshot."""
        now = self.env.now
        if self.first_start is None:
            self.first_start = now
            self.snapshot = {key: it.on_hand + it.in_transit for key, it in self.chain.items.items()}
        self.windows.append((label, now, self.horizon if end is None else min(end, self.horizon)))

    def down(self, supplier: str, duration: float | None) -> None:
        """Take a supplier down now (an interrupt) and raise the control tower's supplier-down alert."""
        self.chain.suppliers[supplier].fail(duration)
        self.tower.supplier_down(supplier)

    def close(self, lane_id: str, held: bool, duration: float | None) -> None:
        lane = self.chain.lanes[lane_id]
        self._closures[lane_id] = self._closures.get(lane_id, 0) + 1
        lane.close()
        if held:  # stuck on the way: every shipment in transit arrives later by the closure's duration
            by = (self.horizon if duration is None else duration) + 0.0
            for shipment in sorted(lane.in_transit, key=lambda s: (s.arrives, s.departed)):
                shipment.delay(by)

    def reopen(self, lane_id: str) -> None:
        self._closures[lane_id] -= 1
        if self._closures[lane_id] == 0:
            self.chain.lanes[lane_id].reopen()

    # -- demand shocks -----------------------------------------------------------------------------------
    def sink(self, item: StockItem) -> Callable[[float], None]:
        """The customer-demand sink of ``item``: itself, or scaled while a demand shock covering it is on."""
        mine = [
            p
            for p in self.shocks
            if (p.nodes is None or item.node in p.nodes) and (p.skus is None or item.sku in p.skus)
        ]
        if not mine:
            return item.customer_demand
        env, serve = self.env, item.customer_demand

        def shocked(qty: float) -> None:
            now = env.now + EPS
            factor = 1.0
            for p in mine:
                if p.start <= now and (p.duration is None or now < p.start + p.duration):
                    factor *= p.multiplier
            serve(qty * factor)

        return shocked


def _end(spec: DisruptionSpec) -> float | None:
    return spec.window[1]


def _supplier_outage(d: Disruptions, spec: DisruptionSpec, rng: np.random.Generator) -> ProcessGenerator:
    p = spec.params
    yield d.env.timeout(p.start)
    d.begin(spec.label, _end(spec))
    d.down(p.supplier, p.duration)


def _random_outage(d: Disruptions, spec: DisruptionSpec, rng: np.random.Generator) -> ProcessGenerator:
    """Alternating renewal: up for a time-to-failure draw, down for a repair-time draw."""
    p, env = spec.params, d.env
    to_fail, to_repair = p.time_to_failure.sampler(rng), p.repair_time.sampler(rng)
    yield env.timeout(p.start)
    while True:
        up = to_fail()
        if p.end is not None and env.now + up >= p.end:
            return
        yield env.timeout(up)
        down = to_repair()
        d.begin(spec.label, env.now + down)
        d.down(p.supplier, down)
        yield env.timeout(down)


def _markov_outage(d: Disruptions, spec: DisruptionSpec, rng: np.random.Generator) -> ProcessGenerator:
    """A two-state chain per period, played as its geometric sojourns: up ~ Geometric(p_fail) periods (the first
    failure may come at ``start`` itself), down ~ Geometric(p_recover) periods."""
    p, env = spec.params, d.env

    def periods(prob: float) -> float:
        return float(rng.geometric(prob)) if prob > 0 else math.inf

    yield env.timeout(p.start)
    fail_at = p.start + periods(p.p_fail) - 1
    while math.isfinite(fail_at) and (p.end is None or fail_at < p.end) and fail_at < d.horizon:
        yield env.timeout(fail_at - env.now)
        down = periods(p.p_recover)
        if not math.isfinite(down):
            d.begin(spec.label, None)
            d.down(p.supplier, None)
            return
        d.begin(spec.label, env.now + down)
        d.down(p.supplier, down)
        yield env.timeout(down)
        fail_at = env.now + periods(p.p_fail)


def _capacity_loss(d: Disruptions, spec: DisruptionSpec, rng: np.random.Generator) -> ProcessGenerator:
    p = spec.params
    supplier = d.chain.suppliers[p.supplier]
    yield d.env.timeout(p.start)
    d.begin(spec.label, _end(spec))
    supplier.scale_capacity(p.fraction)
    if p.duration is not None:
        yield d.env.timeout(p.duration)
        supplier.scale_capacity(1.0)


def _lane_closure(d: Disruptions, spec: DisruptionSpec, rng: np.random.Generator) -> ProcessGenerator:
    p = spec.params
    yield d.env.timeout(p.start)
    d.begin(spec.label, _end(spec))
    d.close(p.lane, p.in_transit == "held", p.duration)
    if p.duration is not None:
        yield d.env.timeout(p.duration)
        d.reopen(p.lane)


def _lane_slowdown(d: Disruptions, spec: DisruptionSpec, rng: np.random.Generator) -> ProcessGenerator:
    p = spec.params
    lane = d.chain.lanes[p.lane]
    yield d.env.timeout(p.start)
    d.begin(spec.label, _end(spec))
    lane.slowdown *= p.factor
    if p.duration is not None:
        yield d.env.timeout(p.duration)
        lane.slowdown /= p.factor
        if abs(lane.slowdown - 1.0) < EPS:
            lane.slowdown = 1.0  # no float dust: the hot path tests ``!= 1.0``


def _regional_event(d: Disruptions, spec: DisruptionSpec, rng: np.random.Generator) -> ProcessGenerator:
    p = spec.params
    suppliers, lanes = regional_targets(d.chain.scenario, p.region)
    yield d.env.timeout(p.start)
    d.begin(spec.label, _end(spec))
    for sup in suppliers:
        d.down(sup, p.duration)
    for lane in lanes:
        d.close(lane, p.in_transit == "held", p.duration)
    if p.duration is not None:
        yield d.env.timeout(p.duration)
        for lane in lanes:
            d.reopen(lane)


def _facility_outage(d: Disruptions, spec: DisruptionSpec, rng: np.random.Generator) -> ProcessGenerator:
    """The facility is closed over the window (sim.model.facility); the event log records ``down`` / ``up``."""
    p, env, events = spec.params, d.env, d.chain.events
    site = facility(d.chain, p.node)
    inbound = [d.chain.lanes[lane] for lane in facility_lanes(d.chain.scenario, p.node)[0]]
    yield env.timeout(p.start)
    d.begin(spec.label, _end(spec))
    site.close(inbound)
    if p.node in d.chain.plants:
        events = None  # a plant's production stage logs its own ``down`` / ``up``
    if events is not None:
        events.add(env.now, "down", p.node, "", 0.0)
    if p.duration is not None:
        yield env.timeout(p.duration)
        if events is not None:
            events.add(env.now, "up", p.node, "", 0.0)
        site.reopen()


def _demand_shock(d: Disruptions, spec: DisruptionSpec, rng: np.random.Generator) -> ProcessGenerator:
    # the scaling itself happens in the sinks (Disruptions.sink); this process only marks the window
    yield d.env.timeout(spec.params.start)
    d.begin(spec.label, _end(spec))


def _quality_excursion(d: Disruptions, spec: DisruptionSpec, rng: np.random.Generator) -> ProcessGenerator:
    p = spec.params
    start, end = spec.window
    stop = math.inf if end is None else end

    def inspect(shipment: Shipment, order: Order, qty: float) -> float:
        if not (start - EPS <= shipment.departed < stop - EPS):
            return qty
        whole = round(qty)
        bad = float(rng.binomial(whole, p.defect_rate)) if abs(qty - whole) < EPS else qty * p.defect_rate
        if bad <= EPS:
            return qty
        buyer = order.buyer
        buyer.lost_in_transit(order, bad)  # rejected at receipt: these units never reach the shelf ...
        if order.source is not None:
            buyer.ordering.place([(order.source, bad)])  # ... and are reordered from the same source
        return qty - bad

    for lane in d.chain.lanes.values():
        if lane.src == p.supplier:
            lane.inspect = inspect if lane.inspect is None else _both(lane.inspect, inspect)
    yield d.env.timeout(p.start)
    d.begin(spec.label, end)


def _both(first: Inspect, second: Inspect) -> Inspect:
    """Two quality excursions on one supplier's lanes: the units the first lets through meet the second."""

    def inspect(shipment: Shipment, order: Order, qty: float) -> float:
        return second(shipment, order, first(shipment, order, qty))

    return inspect


# the process that plays each disruption kind, keyed by the kind's class in sim.scenario.disruptions.DISRUPTIONS
# (the one table of kinds and their names); tests/model/test_disruptions.py checks that every kind has one
PROCESSES: dict[type[Disruption], Callable[[Disruptions, DisruptionSpec, np.random.Generator], ProcessGenerator]] = {
    SupplierOutage: _supplier_outage,
    RandomOutage: _random_outage,
    MarkovOutage: _markov_outage,
    CapacityLoss: _capacity_loss,
    LaneClosure: _lane_closure,
    LaneSlowdown: _lane_slowdown,
    RegionalEvent: _regional_event,
    FacilityOutage: _facility_outage,
    DemandShock: _demand_shock,
    QualityExcursion: _quality_excursion,
}
