"""Disruptions against the network: every element a disruption names exists (and can be disrupted that way)."""

from __future__ import annotations

from sim.scenario.schema import Scenario, StockNode, SupplierNode


def named_elements(sc: Scenario) -> list[str]:
    """Problems with the scenario elements the disruptions name (unknown supplier, lane, region, node, product)."""
    errs: list[str] = []
    suppliers = [n.id for n in sc.nodes if isinstance(n, SupplierNode)]
    capacitated = {n.id for n in sc.nodes if isinstance(n, SupplierNode) and n.capacity is not None}
    lanes = [ln.id for ln in sc.lanes]
    regions = sorted({n.region for n in sc.nodes if n.region} | {ln.region for ln in sc.lanes if ln.region})
    demand_nodes = [n.id for n in sc.nodes if isinstance(n, StockNode) and (n.demand or n.baskets)]
    skus = [p.id for p in sc.products]
    labels: list[str] = []
    for i, spec in enumerate(sc.disruptions):
        where, p = f"disruptions[{i}]", spec.params
        labels.append(spec.label)
        if hasattr(p, "supplier") and p.supplier not in suppliers:
            errs.append(f"{where}.supplier: unknown supplier {p.supplier!r}; known suppliers: {', '.join(suppliers)}")
        elif spec.kind == "capacity_loss" and p.supplier not in capacitated:
            errs.append(
                f"{where}.supplier: {p.supplier!r} has no capacity to lose (unlimited); suppliers with a capacity: "
                f"{', '.join(sorted(capacitated)) or 'none'} (for an unlimited one use supplier_outage)"
            )
        if hasattr(p, "lane") and p.lane not in lanes:
            errs.append(f"{where}.lane: unknown lane {p.lane!r}; known lanes: {', '.join(lanes)}")
        if hasattr(p, "region") and p.region not in regions:
            errs.append(f"{where}.region: unknown region {p.region!r}; known regions: {', '.join(regions) or 'none'}")
        for node in getattr(p, "nodes", None) or []:
            if node not in demand_nodes:
                errs.append(f"{where}.nodes: {node!r} is not a node with demand; known: {', '.join(demand_nodes)}")
        for sku in getattr(p, "skus", None) or []:
            if sku not in skus:
                errs.append(f"{where}.skus: unknown product {sku!r}; known products: {', '.join(skus)}")
        start, end = spec.window
        if start >= sc.horizon:
            errs.append(f"{where}.start: {start:g} is not before the horizon ({sc.horizon})")
        if end is not None and end < start:
            errs.append(f"{where}.end: {end:g} is before start ({start:g})")
    for d in sorted({x for x in labels if labels.count(x) > 1}):
        errs.append(f"disruptions: two disruptions share the label {d!r}; give each its own 'name'")
    return errs
