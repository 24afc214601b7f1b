"""``SupplyChain``: builds the SimPy model of one replication from a validated scenario and runs it."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import simpy

from sim.model import demand, initial_state, sharing
from sim.model.baskets import BasketBook
from sim.model.buffer import FlowTable, SourceLink, StockItem
from sim.model.clock import WARMUP, call_at
from sim.model.consignment import ConsignmentItem, is_consignment
from sim.model.consolidation import ConsolidatingLane
from sim.model.contracts import FlexBand
from sim.model.disruption import Disruptions
from sim.model.lane import Lane
from sim.model.records import EventLog
from sim.model.rng import stream
from sim.model.stock_point import StockPoint
from sim.model.supplier import Supplier
from sim.scenario.distributions import Dist
from sim.scenario.presets import demand_moments
from sim.scenario.schema import Scenario, StockNode, SupplierNode


class SupplyChain:
    """One replication's model: suppliers, lanes, stock items and demand processes in one environment.

    Every random stream is keyed by purpose and element (see ``sim.model.rng``), so variants of a scenario share demand
    and transit draws.
    """

    def __init__(
        self, scenario: Scenario, seed: np.random.SeedSequence, *, record_log: bool = True, events: bool = False
    ) -> None:
        self.scenario = sc = scenario
        self.seed = seed
        self.env = env = simpy.Environment()
        horizon = sc.horizon
        plan = sc.memo.get("build_plan")  # what the scenario implies beyond its fields: derived once per scenario
        if plan is None:
            plan = sc.memo["build_plan"] = _Plan(sc)
        # keyed by lane id; each lane draws transit times from its own stream (adding a lane moves no other draws)
        self.lanes: dict[str, Lane] = {
            ln.id: Lane(
                env,
                ln.from_,
                ln.to,
                _sampler(ln.transit, seed, "transit", ln.id),
                ln.cost_per_unit,
                ln.cost_per_shipment,
                ln.capacity,
                lane_id=ln.id,
                mode=ln.mode,
            )
            if ln.consolidation is None
            else ConsolidatingLane(env, ln, _sampler(ln.transit, seed, "transit", ln.id), plan.unit_volume)
            for ln in sc.lanes
        }
        self.suppliers: dict[str, Supplier] = {}
        for node in sc.nodes:
            if isinstance(node, SupplierNode):
                times = {
                    sku: _sampler(node.production_time_of(sku), seed, "production", node.id, sku)
                    for sku in plan.served[node.id]
                }
                self.suppliers[node.id] = Supplier(env, node.id, node.capacity, times, horizon)
        self.items: dict[tuple[str, str], StockItem] = {}
        self.stock_points: dict[str, StockPoint] = {}  # node id -> its items and basket streams
        stock_nodes = [n for n in sc.nodes if isinstance(n, StockNode)]
        # every item's per-period flows in one block per flow (item i = row i, in self.items order)
        self.flows = FlowTable(sum(len(plan.products[n.id]) for n in stock_nodes), horizon)
        for node in stock_nodes:
            point = self.stock_points[node.id] = StockPoint(node.id, node.type, node.region)
            for sku in plan.products[node.id]:
                policy = node.policy[sku].build() if sku in node.policy else None
                # a reorder point below 0 can put the target below 0 too: then the item starts empty
                initial = node.initial_stock.get(sku, max(policy.target, 0.0) if policy else 0.0)
                consigned = any(plan.consigned.get((node.id, sku), ()))
                self.items[node.id, sku] = point.items[sku] = (ConsignmentItem if consigned else StockItem)(
                    env,
                    node.id,
                    sku,
                    initial,
                    policy,
                    node.unmet_demand == "lost",
                    horizon,
                    sku in node.customer_products,
                    warmup=sc.warmup,
                    record_log=record_log,
                    flows=self.flows.views(len(self.items)),
                )
            if node.stagger:
                stagger(point.items.values())
        self.bands = _bands(env, sc, plan)  # volume-flex bands per (supplier, product) (sim.model.contracts)
        quality: dict[tuple[str, str], np.random.Generator] = {}  # one rejects stream per supplier x product
        for node in stock_nodes:
            for sku in node.sources:
                item = self.items[node.id, sku]
                if sku in node.sourcing:
                    item.sourcing = node.sourcing[sku].build()
                for spec, consigned in zip(plan.links[node.id, sku], plan.consigned[node.id, sku], strict=True):
                    src, external, lane_id, delay, promised, expected, key, price, defects = spec
                    target = self.suppliers[src.node] if external else self.items[src.node, sku]
                    rng = None
                    if defects > 0:
                        rng = quality.get((src.node, sku))
                        if rng is None:
                            rng = quality[src.node, sku] = stream(seed, "quality", src.node, sku)
                    link = SourceLink(
                        target, self.lanes[lane_id], src.share, delay, promised, external, expected, key,
                        price, defects, rng,
                    )  # fmt: skip
                    if self.bands and external:
                        link.band = self.bands.get((src.node, sku))
                    link.consignment = consigned
                    item.sources.append(link)
                item.sourcing.bind(item)
        self.baskets: list[BasketBook] = []
        for node in stock_nodes:
            point = self.stock_points[node.id]
            for b, spec in enumerate(node.baskets):
                book = BasketBook(env, node.id, spec, point.items, stream(seed, "baskets", node.id, str(b)), horizon)
                point.baskets.append(book)
                self.baskets.append(book)
        self.events = EventLog() if events else None
        if events:
            for actor in (*self.lanes.values(), *self.suppliers.values(), *self.items.values(), *self.baskets):
                actor.events = self.events
        if sc.initial_pipeline == "steady":
            self._preload_pipelines(stock_nodes)
        initial_state.load(self)  # goods and order slips written in the sources (the beer game board)
        sharing.connect(self)  # end-customer demand for policies with information: shared
        for item in self.items.values():
            item.start()
        if sc.warmup > 0:
            call_at(env, sc.warmup, WARMUP, self._end_warmup)
        # disruptions (outages, closures, shocks) start before demand: a demand shock wraps the items' sinks
        self.disruptions = Disruptions(self, list(sc.disruptions), seed) if sc.disruptions else None
        self.periodic_demand = demand.PeriodicDemand(env, horizon)
        self.arrival_processes: list[simpy.Process] = []  # one per poisson_process stream
        for node in stock_nodes:
            for sku, spec in node.demand.items():
                item = self.items[node.id, sku]
                rng = stream(seed, "demand", node.id, sku)
                sink = item.customer_demand if self.disruptions is None else self.disruptions.sink(item)
                proc = demand.start(env, spec, sink, rng, horizon, self.periodic_demand)
                if proc is not None:
                    self.arrival_processes.append(proc)

    def _preload_pipelines(self, stock_nodes: list[StockNode]) -> None:
        """``initial_pipeline: steady``: goods in transit over each source's expected lead time; on hand defaults
        to the policy target minus that pipeline (never below 0)."""
        moments = demand_moments(self.scenario)
        for node in stock_nodes:
            for sku in node.sources:
                item = self.items[node.id, sku]
                mean = moments[node.id, sku][0]
                for src in item.sources:
                    item.preload(src, mean * src.share)
                if sku not in node.initial_stock and item.policy is not None:
                    item.on_hand = max(item.policy.target - item.on_order, 0.0)
                    if item.log is not None:
                        item.log[0] = (0.0, item.on_hand, 0.0, item.in_transit, item.on_order)

    def _end_warmup(self) -> None:
        for item in self.items.values():
            item.restart_areas()

    def run(self) -> SupplyChain:
        self.env.run(until=self.scenario.horizon)
        return self

    def release(self) -> None:
        """Drop what a finished run holds (after its KPIs and series are read).

        The model is a web of reference cycles (environment -> queued events -> actors -> environment, processes
        <-> their generators), which only a full garbage collection frees. Emptying the event queue and dropping the
        per-period buffers and state logs frees the bulk now, whenever the collector runs."""
        self.env._queue.clear()
        self.periodic_demand.streams.clear()
        for item in self.items.values():
            item.release()
        self.flows = FlowTable(0, 0)
        for supplier in self.suppliers.values():
            supplier.ordered = []
            for pool in supplier.pools.values():
                pool.produced = []
        for lane in self.lanes.values():
            lane.in_transit.clear()


def _bands(env: simpy.Environment, sc: Scenario, plan: _Plan) -> dict[tuple[str, str], FlexBand]:
    """One flex band per supplier x product it has a commitment for (none without contracts: nothing to do)."""
    bands = {}
    for node in sc.nodes:
        if isinstance(node, SupplierNode) and node.contract is not None and node.contract.flex is not None:
            for sku in plan.served[node.id]:
                limits = node.contract.flex.limits(sku)
                if limits is not None:
                    bands[node.id, sku] = FlexBand(env, *limits, sc.horizon, sc.warmup)
    return bands


def stagger(items) -> None:
    """``stagger: true``: the i-th item with a periodic policy (in the scenario's product order) reviews first at
    ``i mod R`` (R its review period), so R items with the same period order on R different days."""
    periodic = [it for it in items if it.policy is not None and it.policy.review_period is not None]
    for i, it in enumerate(periodic):
        it.policy.offset = float(i % it.policy.review_period)


def _sampler(dist: Dist, seed: np.random.SeedSequence, *key: str) -> Callable[[], float]:
    # a constant needs no stream (and creating one is the costliest part of building a small model)
    return dist.sampler(None) if dist.is_constant else dist.sampler(stream(seed, *key))  # type: ignore[arg-type]


class _Plan:
    """The parts of building a replication that depend on the scenario only (kept in ``scenario.memo``)."""

    def __init__(self, sc: Scenario) -> None:
        self.served = {n.id: _served(sc, n.id) for n in sc.nodes if isinstance(n, SupplierNode)}
        self.unit_volume = {p.id: p.unit_volume for p in sc.products if p.unit_volume is not None}
        stock_nodes = [n for n in sc.nodes if isinstance(n, StockNode)]
        self.products = {n.id: _ordered(sc, n) for n in stock_nodes}
        # per item, its sources: (source spec, external, lane id, order delay, promised and expected lead time, key)
        self.links: dict[tuple[str, str], list[tuple]] = {}
        for node in stock_nodes:
            for sku, sources in node.sources.items():
                twice = {s.node for s in sources if [x.node for x in sources].count(s.node) > 1}
                self.links[node.id, sku] = [_link(sc, node.id, sku, src, twice) for src in sources]
        # per item, per source: a consignment source (sim.model.consignment)
        self.consigned = {key: [is_consignment(sc, link[0]) for link in links] for key, links in self.links.items()}


def _link(sc: Scenario, node_id: str, sku: str, src, twice: set[str]) -> tuple:
    lane_spec = sc.lane(src.node, node_id, src.lane)
    upstream = sc.node(src.node)
    external = isinstance(upstream, SupplierNode)
    made = upstream.production_time_of(sku).mean if external else 0.0
    expected = src.order_delay + made + lane_spec.transit.mean
    promised = expected if src.promised_lead_time is None else src.promised_lead_time
    key = lane_spec.id if src.node in twice else src.node  # a node reached by two lanes: name the source by lane
    # the price: the source's own, else the supplier's, else the product's (internal transfers are not bought)
    price = src.unit_cost
    if price is None:
        price = upstream.unit_cost if external and upstream.unit_cost is not None else sc.product(sku).unit_cost
    defects = upstream.defect_rate if external else 0.0
    return (src, external, lane_spec.id, src.order_delay, promised, expected, key, price, defects)


def _served(sc: Scenario, supplier: str) -> list[str]:
    """Products some stock node sources from ``supplier``."""
    found = {
        sku
        for n in sc.nodes
        if isinstance(n, StockNode)
        for sku, srcs in n.sources.items()
        if any(s.node == supplier for s in srcs)
    }
    return [p.id for p in sc.products if p.id in found]


def _ordered(sc: Scenario, node: StockNode) -> list[str]:
    """The node's products in the scenario's product order (stable KPI row order)."""
    mine = set(node.products)
    return [p.id for p in sc.products if p.id in mine]
