"""What a scenario implies before any run: the mean and variance of demand every stock item faces, and each item's
expected replenishment lead time (the policy presets, segment rules, safety stock and early warning size from them).
"""

from __future__ import annotations

import graphlib
from collections.abc import Callable

from sim.scenario.demand import DemandSpec
from sim.scenario.schema import Scenario, StockNode, SupplierNode


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
        for sku, srcs in stock[nid].sources.items():
            mean, var = moments[nid, sku]
            for s in srcs:
                if s.node in stock:
                    up = moments[s.node, sku]
                    up[0] += s.share * mean
                    up[1] += s.share**2 * var
    return {k: (v[0], v[1]) for k, v in moments.items()}


def lead_time(sc: Scenario, node: StockNode, sku: str) -> float:
    """Expected replenishment lead time: share-weighted (order delay + production + transit) of the sources."""
    total = 0.0
    for s in node.sources.get(sku, []):
        up = sc.node(s.node)
        made = up.production_time_of(sku).mean if isinstance(up, SupplierNode) else 0.0
        expected = s.order_delay + made + sc.lane(s.node, node.id, s.lane).transit.mean
        total += s.share * (s.promised_lead_time if s.promised_lead_time is not None else expected)
    return total
