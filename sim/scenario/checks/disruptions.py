"""Disruptions against the network: every element a disruption names exists (and can be disrupted that way), and
its window starts within the horizon."""

from __future__ import annotations

from dataclasses import dataclass

from sim.scenario.disruptions import DisruptionSpec
from sim.scenario.schema import Scenario, StockNode, SupplierNode
from sim.scenario.targets import FACILITY_TYPES, facilities


@dataclass(frozen=True)
class _Known:
    """The elements of the scenario a disruption may name."""

    suppliers: list[str]
    capacitated: set[str]
    lanes: list[str]
    regions: list[str]
    demand_nodes: list[str]
    skus: list[str]
    facilities: list[str]

    @classmethod
    def of(cls, sc: Scenario) -> _Known:
        return cls(
            suppliers=[n.id for n in sc.nodes if isinstance(n, SupplierNode)],
            capacitated={n.id for n in sc.nodes if isinstance(n, SupplierNode) and n.capacity is not None},
            lanes=[ln.id for ln in sc.lanes],
            regions=sorted({n.region for n in sc.nodes if n.region} | {ln.region for ln in sc.lanes if ln.region}),
            demand_nodes=[n.id for n in sc.nodes if isinstance(n, StockNode) and (n.demand or n.baskets)],
            skus=[p.id for p in sc.products],
            facilities=facilities(sc),
        )


def named_elements(sc: Scenario) -> list[str]:
    """Problems with the scenario elements the disruptions name (unknown supplier, lane, region, node, product)."""
    known = _Known.of(sc)
    errs: list[str] = []
    for i, spec in enumerate(sc.disruptions):
        where = f"disruptions[{i}]"
        errs += _targets(where, spec, known) + _window(where, spec, sc.horizon)
    labels = [spec.label for spec in sc.disruptions]
    for d in sorted({x for x in labels if labels.count(x) > 1}):
        errs.append(f"disruptions: two disruptions share the label {d!r}; give each its own 'name'")
    return errs


def _targets(where: str, spec: DisruptionSpec, known: _Known) -> list[str]:
    p, errs = spec.params, []
    if hasattr(p, "supplier") and p.supplier not in known.suppliers:
        errs.append(f"{where}.supplier: unknown supplier {p.supplier!r}; known suppliers: {', '.join(known.suppliers)}")
    elif spec.kind == "capacity_loss" and p.supplier not in known.capacitated:
        errs.append(
            f"{where}.supplier: {p.supplier!r} has no capacity to lose (unlimited); suppliers with a capacity: "
            f"{', '.join(sorted(known.capacitated)) or 'none'} (for an unlimited one use supplier_outage)"
        )
    if hasattr(p, "lane") and p.lane not in known.lanes:
        errs.append(f"{where}.lane: unknown lane {p.lane!r}; known lanes: {', '.join(known.lanes)}")
    if hasattr(p, "region") and p.region not in known.regions:
        errs.append(f"{where}.region: unknown region {p.region!r}; known regions: {', '.join(known.regions) or 'none'}")
    if hasattr(p, "node") and p.node not in known.facilities:
        errs.append(
            f"{where}.node: {p.node!r} is not a facility (a {' or '.join(FACILITY_TYPES)}); known facilities: "
            f"{', '.join(known.facilities) or 'none'}"
        )
    errs += [
        f"{where}.nodes: {node!r} is not a node with demand; known: {', '.join(known.demand_nodes)}"
        for node in getattr(p, "nodes", None) or []
        if node not in known.demand_nodes
    ]
    errs += [
        f"{where}.skus: unknown product {sku!r}; known products: {', '.join(known.skus)}"
        for sku in getattr(p, "skus", None) or []
        if sku not in known.skus
    ]
    return errs


def _window(where: str, spec: DisruptionSpec, horizon: int) -> list[str]:
    start, end = spec.window
    errs = []
    if start >= horizon:
        errs.append(f"{where}.start: {start:g} is not before the horizon ({horizon})")
    if end is not None and end < start:
        errs.append(f"{where}.end: {end:g} is before start ({start:g})")
    return errs
