"""One small builder per actor kind: each makes the actors of one kind for a replication from the scenario and its
:class:`~sim.model.build_plan.BuildPlan`, with the random streams keyed by purpose and element (sim.model.rng).

:class:`sim.model.network.SupplyChain` calls them in a fixed order (same-instant events keep their order).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np
import simpy

from sim.model import arrivals
from sim.model.actors import Actors
from sim.model.baskets import BasketBook
from sim.model.build_plan import BuildPlan
from sim.model.consignment import ConsignmentItem
from sim.model.consolidating_lane import ConsolidatingLane
from sim.model.disruption_processes import Disruptions
from sim.model.flex_band import FlexBand
from sim.model.inspection import Inspection
from sim.model.lane import Lane
from sim.model.plant import Plant
from sim.model.plant_items import ComponentItem, MadeToOrderItem
from sim.model.rng import stream
from sim.model.source_link import SourceLink
from sim.model.stock_item import StockItem
from sim.model.stock_point import StockPoint
from sim.model.supplier import Supplier
from sim.scenario.distributions import Dist
from sim.scenario.moments import demand_moments
from sim.scenario.schema import PlantNode, StockNode, SupplierNode


def lanes(chain: Actors, plan: BuildPlan) -> dict[str, Lane]:
    """Every lane by id; each draws transit times from its own stream (adding a lane moves no other draws)."""
    seed, env = chain.seed, chain.env
    return {
        ln.id: Lane(
            env,
            ln.from_,
            ln.to,
            sampler(ln.transit, seed, "transit", ln.id),
            ln.cost_per_unit,
            ln.cost_per_shipment,
            ln.capacity,
            lane_id=ln.id,
            mode=ln.mode,
        )
        if ln.consolidation is None
        else ConsolidatingLane(env, ln, sampler(ln.transit, seed, "transit", ln.id), plan.unit_volume)
        for ln in chain.scenario.lanes
    }


def suppliers(chain: Actors, plan: BuildPlan) -> dict[str, Supplier]:
    """Every supplier, with a production-time stream per product it serves."""
    found: dict[str, Supplier] = {}
    for node in chain.scenario.nodes:
        if isinstance(node, SupplierNode):
            times = {
                sku: sampler(node.production_time_of(sku), chain.seed, "production", node.id, sku)
                for sku in plan.served[node.id]
            }
            found[node.id] = Supplier(chain.env, node.id, node.capacity, times, chain.scenario.horizon)
    return found


def stock_items(chain: Actors, plan: BuildPlan, stock_nodes: list[StockNode], record_log: bool) -> None:
    """A stock point per stock node and a stock item per node × product (row i of the flow table: the i-th item)."""
    sc = chain.scenario
    for node in stock_nodes:
        point = chain.stock_points[node.id] = StockPoint(node.id, node.type, node.region)
        for sku in plan.products[node.id]:
            policy = node.policy[sku].build() if sku in node.policy else None
            # a reorder point below 0 can put the target below 0 too: then the item starts empty
            initial = node.initial_stock.get(sku, max(policy.target, 0.0) if policy else 0.0)
            consigned = any(plan.consigned.get((node.id, sku), ()))
            kind = PLANT_ITEMS.get(plan.plant_items.get((node.id, sku), ""))  # a plant's component or made to order
            chain.items[node.id, sku] = point.items[sku] = (kind or (ConsignmentItem if consigned else StockItem))(
                chain.env,
                node.id,
                sku,
                initial,
                policy,
                node.unmet_demand == "lost",
                sc.horizon,
                sku in node.customer_products,
                warmup=sc.warmup,
                record_log=record_log,
                flows=chain.flows.views(len(chain.items)),
            )
        if node.stagger:
            stagger(point.items.values())


PLANT_ITEMS: dict[str, type[StockItem]] = {"component": ComponentItem, "made_to_order": MadeToOrderItem}


def plants(chain: Actors, plan: BuildPlan) -> dict[str, Plant]:
    """Every plant, with a production-time stream per finished good, bound to its component items; each finished good
    gets its one source: the plant's production, over the plant's production line (sim.model.plant)."""
    found: dict[str, Plant] = {}
    sc = chain.scenario
    for node in plan.plants:
        times = {sku: sampler(node.production_time_of(sku), chain.seed, "production", node.id, sku) for sku in node.bom}
        plant = found[node.id] = Plant(chain.env, node, times, sc.horizon, sc.warmup)
        site = chain.stock_points[node.id]
        plant.bind(site.items, site)
        for sku in node.bom:
            item = chain.items[node.id, sku]
            made = production_lead(node, sku)
            link = SourceLink(plant, plant.line, share=1.0, delay=0.0, promised=made, external=False, expected=made,
                              key=node.id, upstream=node.id)  # fmt: skip
            item.sources.append(link)
            item.sourcing.bind(item)
    return found


def production_lead(node: PlantNode, sku: str) -> float:
    """A production order's expected lead time as its item quotes it (OTIF, expected_lead_time): the mean production
    time (a kit's wait and the capacity queue come on top when they happen)."""
    return node.production_time_of(sku).mean


def flex_bands(chain: Actors, plan: BuildPlan) -> dict[tuple[str, str], FlexBand]:
    """One volume-flex band per supplier × product it has a commitment for (none without contracts)."""
    sc = chain.scenario
    bands = {}
    for node in sc.nodes:
        if isinstance(node, SupplierNode) and node.contract is not None and node.contract.flex is not None:
            for sku in plan.served[node.id]:
                limits = node.contract.flex.limits(sku)
                if limits is not None:
                    bands[node.id, sku] = FlexBand(chain.env, *limits, sc.horizon, sc.warmup)
    return bands


def sources(
    chain: Actors, plan: BuildPlan, stock_nodes: list[StockNode], bands: dict[tuple[str, str], FlexBand]
) -> None:
    """Every item's source links (in the scenario's order, with its supplier's flex band for the product) and its
    sourcing rule, bound to the item."""
    quality: dict[tuple[str, str], np.random.Generator] = {}  # one rejects stream per lane x product
    for node in stock_nodes:
        for sku in node.sources:
            item = chain.items[node.id, sku]
            if sku in node.sourcing:
                item.ordering.sourcing = node.sourcing[sku].build()
            for spec, consigned in zip(plan.links[node.id, sku], plan.consigned[node.id, sku], strict=True):
                src, external, lane_id, delay, promised, expected, key, price, defects = spec
                target = chain.suppliers[src.node] if external else chain.items[src.node, sku]
                inspection = None
                if defects > 0:
                    rng = quality.get((lane_id, sku))
                    if rng is None:  # the lane names supplier and buyer: no buyer moves another's rejects
                        rng = quality[lane_id, sku] = stream(chain.seed, "quality", lane_id, sku)
                    inspection = Inspection(defects, rng)
                link = SourceLink(
                    target,
                    chain.lanes[lane_id],
                    share=src.share,
                    delay=delay,
                    promised=promised,
                    external=external,
                    expected=expected,
                    key=key,
                    price=price,
                    inspection=inspection,
                    upstream=src.node,
                )
                if bands and external:
                    link.band = bands.get((src.node, sku))
                link.consignment = consigned
                item.sources.append(link)
            item.sourcing.bind(item)  # the rule sees the item as its read-only view


def baskets(chain: Actors, stock_nodes: list[StockNode]) -> list[BasketBook]:
    """The customer-order streams (multi-product baskets), each with its own stream per node and position."""
    books: list[BasketBook] = []
    for node in stock_nodes:
        point = chain.stock_points[node.id]
        for b, spec in enumerate(node.baskets):
            rng = stream(chain.seed, "baskets", node.id, str(b))
            book = BasketBook(chain.env, node.id, spec, point.items, rng, chain.scenario.horizon)
            point.baskets.append(book)
            books.append(book)
    return books


def preload_pipelines(chain: Actors, stock_nodes: list[StockNode]) -> None:
    """``initial_pipeline: steady``: goods in transit over each source's expected lead time; on hand defaults to the
    policy target minus that pipeline (never below 0)."""
    moments = demand_moments(chain.scenario)
    for node in stock_nodes:
        for sku in node.sources:
            item = chain.items[node.id, sku]
            mean = moments[node.id, sku][0]
            for src in item.sources:
                item.ordering.preload(src, mean * src.share, chain.scenario.horizon)
            if sku not in node.initial_stock and item.policy is not None:
                item.on_hand = max(item.policy.target - item.on_order, 0.0)
                if item.log is not None:
                    item.log[0] = (0.0, item.on_hand, 0.0, item.in_transit, item.on_order)


def demand(
    chain: Actors, stock_nodes: list[StockNode], disruptions: Disruptions | None
) -> tuple[arrivals.PeriodicDemand, list[simpy.Process]]:
    """Customer demand: the shared periodic event and one process per ``poisson_process`` stream; each item's demand
    draws from its own stream (through the disruptions' sink when a demand shock may scale it)."""
    env, horizon = chain.env, chain.scenario.horizon
    periodic = arrivals.PeriodicDemand(env, horizon)
    processes: list[simpy.Process] = []
    for node in stock_nodes:
        for sku, spec in node.demand.items():
            item = chain.items[node.id, sku]
            rng = stream(chain.seed, "demand", node.id, sku)
            sink = item.customer_demand if disruptions is None else disruptions.sink(item)
            proc = arrivals.start(env, spec, sink, rng, horizon, periodic)
            if proc is not None:
                processes.append(proc)
    return periodic, processes


def stagger(items: Iterable[StockItem]) -> None:
    """``stagger: true``: the i-th item with a periodic policy (in the scenario's product order) reviews first at
    ``i mod R`` (R its review period), so R items with the same period order on R different days."""
    policies = [it.policy for it in items]
    periodic = [p for p in policies if p is not None and p.review_period is not None]
    for i, policy in enumerate(periodic):
        policy.offset = float(i % policy.review_period)  # type: ignore[operator]


def sampler(dist: Dist, seed: np.random.SeedSequence, *key: str) -> Callable[[], float]:
    """A draw function for ``dist`` from the stream keyed ``key``; a constant needs no stream (creating one is the
    costliest part of building a small model)."""
    return dist.sampler(None) if dist.is_constant else dist.sampler(stream(seed, *key))  # type: ignore[arg-type]
