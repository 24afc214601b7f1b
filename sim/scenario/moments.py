"""What a scenario implies before any run: the mean and variance of demand every stock item faces, each source's
lead time (mean, variance, and the lead time a supplier promises by default) and the lead time an item's sourcing rule
plans with (the policy presets, segment rules, safety stock and early warning size from them).
At a plant, the demand its finished goods face reaches their components through the bill of materials
(sim.scenario.bom.expand_moments, docs/assembly.md).
"""

from __future__ import annotations

import graphlib
import json
import zlib
from collections.abc import Callable

import numpy as np

from sim.scenario.bom import expand_moments
from sim.scenario.demand import DemandSpec
from sim.scenario.distributions import Dist
from sim.scenario.schema import PlantNode, Scenario, Source, StockNode, SupplierNode


def _moments(spec: DemandSpec) -> tuple[float, float]:
    return spec.mean, spec.var


def demand_moments(
    sc: Scenario, of: Callable[[DemandSpec], tuple[float, float]] = _moments
) -> dict[tuple[str, str], tuple[float, float]]:
    """(mean, variance) of demand per period faced by every stock item (customer demand + downstream orders).

    ``of``: the (mean, variance) of one item's customer demand (default: its ``mean`` and ``var``, the moments at the
    start of a time pattern; sim.scenario.workload passes the highest mean over the horizon)."""
    stock = {n.id: n for n in sc.nodes if isinstance(n, StockNode)}
    moments: dict[tuple[str, str], list[float]] = {}
    for node in stock.values():
        for sku in node.products:
            spec = node.demand.get(sku)
            moments[node.id, sku] = list(of(spec)) if spec else [0.0, 0.0]
        for basket in node.baskets:  # a compound sum: N orders a period, each line X units (a 0 draw: no line)
            n = basket.orders
            for sku, x in basket.lines.items():
                moments[node.id, sku][0] += n.mean * x.mean
                moments[node.id, sku][1] += n.mean * x.var + n.var * x.mean**2
    downstream_first = graphlib.TopologicalSorter(
        {n: {s.node for srcs in stock[n].sources.values() for s in srcs} & set(stock) for n in stock}
    ).static_order()
    for nid in reversed(list(downstream_first)):  # every node after all the nodes it supplies
        node = stock[nid]
        if isinstance(node, PlantNode):  # finished goods' production orders -> their components
            expand_moments(node, moments)
        for sku, srcs in stock[nid].sources.items():
            mean, var = moments[nid, sku]
            for s in srcs:
                if s.node in stock:
                    up = moments[s.node, sku]
                    up[0] += s.share * mean
                    up[1] += s.share**2 * var
    return {k: (v[0], v[1]) for k, v in moments.items()}


def lead_time(sc: Scenario, node: StockNode, sku: str) -> float:
    """Replenishment lead time the policy presets plan with: over the sources the sourcing rule plans on
    (:func:`planning_sources`), share-weighted, each source's promised lead time if written, else its expected one
    (order delay + production + transit)."""
    chosen = planning_sources(node, sku)
    total = sum(s.share for s in chosen)
    lead = 0.0
    for s in chosen:
        promised = s.promised_lead_time
        lead += s.share / total * (promised if promised is not None else source_lead_time(sc, node, sku, s)[0])
    return lead


# the default promise: the 95th percentile of the source's lead time, so a supplier that behaves as specified
# (production and transit as written, capacity to spare) is on time 95 % of the time, above the default 90 % OTIF
# target (docs/kpis.md "otif"). A sum of distributions has no closed-form quantile in general: it is read off
# PROMISE_DRAWS draws of a fixed generator seeded by the parts themselves (the same parts, the same promise).
PROMISE_QUANTILE = 0.95
PROMISE_DRAWS = 20_000


def source_lead_time(sc: Scenario, node: StockNode, sku: str, src: Source) -> tuple[float, float]:
    """(mean, variance) of one source's lead time: order delay + production (a supplier's) + the wait for a shared
    container (a consolidating lane with a schedule or a maximum wait: uniform over the interval, the longest it can
    be) + transit. Waiting for capacity, a container that leaves only when full, and a stock node's own stockouts
    when the source is one, are not in it."""
    parts, wait = _parts(sc, node, sku, src)
    mean = src.order_delay + sum(d.mean for d in parts) + wait / 2
    return mean, sum(d.var for d in parts) + wait**2 / 12


def _parts(sc: Scenario, node: StockNode, sku: str, src: Source) -> tuple[list[Dist], float]:
    """The random parts of a source's lead time (transit, a supplier's production) and the longest container wait."""
    up = sc.node(src.node)
    lane = sc.lane(src.node, node.id, src.lane)
    parts = [lane.transit] + ([up.production_time_of(sku)] if isinstance(up, SupplierNode) else [])
    block = lane.consolidation
    waits = [x for x in (block.every, block.max_wait) if x] if block is not None else []
    # every: the next sailing; max_wait: the container's deadline (with both, whichever comes first)
    return parts, float(min(waits)) if waits else 0.0


class Promises:
    """The lead time each source promises (:meth:`of`), computed once per distinct lead time of a scenario."""

    def __init__(self, sc: Scenario) -> None:
        self.sc = sc
        self._known: dict[str, float] = {}

    def of(self, node: StockNode, sku: str, src: Source) -> float:
        """The source's ``promised_lead_time``, else the :data:`PROMISE_QUANTILE` of its lead time
        (:func:`source_lead_time`'s parts; a constant lead time is promised as it is)."""
        if src.promised_lead_time is not None:
            return src.promised_lead_time
        parts, wait = _parts(self.sc, node, sku, src)
        key = json.dumps([src.order_delay, wait, *(d.model_dump() for d in parts)], sort_keys=True)
        if key not in self._known:
            self._known[key] = _quantile(src.order_delay, parts, wait, key)
        return self._known[key]


def _quantile(delay: float, parts: list[Dist], wait: float, key: str) -> float:
    if wait == 0 and all(d.is_constant for d in parts):
        return delay + sum(d.mean for d in parts)
    rng = np.random.default_rng(zlib.crc32(key.encode()))  # a numerical method, not a replication's stream
    total = np.full(PROMISE_DRAWS, delay) + rng.uniform(0.0, wait, PROMISE_DRAWS)
    for d in parts:
        total += d.draw(rng, PROMISE_DRAWS)
    return float(np.quantile(total, PROMISE_QUANTILE))


def planning_sources(node: StockNode, sku: str) -> list[Source]:
    """The sources an item's lead time is planned on, by its sourcing rule: a failover's primary alone (the backup is
    a standby), every source by its share otherwise (a split: the share-weighted mixture)."""
    sources = node.sources.get(sku, [])
    rule = node.sourcing.get(sku)
    if rule is not None and rule.rule == "failover":
        primary = rule.params.primary
        keys = [s.lane if [x.node for x in sources].count(s.node) > 1 and s.lane else s.node for s in sources]
        return [s.model_copy(update={"share": 1.0}) for s, k in zip(sources, keys, strict=True) if k == primary]
    return [s for s in sources if s.share > 0]


def lead_time_moments(sc: Scenario, node: StockNode, sku: str) -> tuple[float, float]:
    """(mean, variance) of the item's replenishment lead time as its sourcing rule plans it (:func:`planning_sources`):
    several sources mix by share (the lead time of a share-weighted random source)."""
    chosen = planning_sources(node, sku)
    total = sum(s.share for s in chosen)
    mean = second = 0.0
    for s in chosen:
        m, v = source_lead_time(sc, node, sku, s)
        mean += s.share / total * m
        second += s.share / total * (v + m * m)
    return mean, max(second - mean * mean, 0.0)
