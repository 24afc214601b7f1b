"""Disruptions against the network: every element a disruption names exists (and can be disrupted that way), no two
disruptions that draw random numbers share a stream, and (warnings) windows that miss or outlast the horizon."""

from __future__ import annotations

from dataclasses import dataclass

from sim.scenario.disruptions import TARGET_FIELDS, DisruptionSpec
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
        errs += _targets(where, spec, known) + _window(where, spec)
    shared = _shared_streams(sc.disruptions)
    errs += [msg for msg, _ in shared]
    reported = {sc.disruptions[i].label for _, group in shared for i in group}
    labels = [spec.label for spec in sc.disruptions]
    for d in sorted({x for x in labels if labels.count(x) > 1} - reported):
        errs.append(f"disruptions: two disruptions share the label {d!r}; give each its own 'name'")
    return errs


def _shared_streams(specs: list[DisruptionSpec]) -> list[tuple[str, list[int]]]:
    """Disruptions that draw random numbers with one stream key (same kind, target and start): they would draw the
    very same numbers (two outages at the same instants), so they are refused, naming every entry of the group."""
    groups: dict[tuple[str, ...], list[int]] = {}
    for i, spec in enumerate(specs):
        if spec.draws:
            groups.setdefault(spec.stream_key, []).append(i)
    out = []
    for group in (g for g in groups.values() if len(g) > 1):
        first = specs[group[0]]
        start = first.window[0]
        names = [f"disruptions[{i}]" for i in group]
        entries = f"{', '.join(names[:-1])} and {names[-1]}"
        out.append(
            (
                f"{entries}: {first.kind} on {_hit(first)} from t = {start:g}, {len(group)} times, would draw the "
                "same random numbers (a disruption's stream is keyed by its kind, its target and its start, not by "
                "its name or its place in the list); keep one, or give the others a later start "
                f"(e.g. start: {start + 1:g}): entries with different starts draw independent numbers",
                group,
            )
        )
    return out


def _hit(spec: DisruptionSpec) -> str:
    """What a disruption hits, for messages: "supplier 'f'", "lane 'a->b'", "region 'EU'", "node 'w'" (a facility),
    "nodes 'x', 'y'" (a demand shock)."""
    p = spec.params
    for field in TARGET_FIELDS:
        if hasattr(p, field):
            return f"{field} {getattr(p, field)!r}"
    nodes = getattr(p, "nodes", None)
    return f"nodes {', '.join(map(repr, nodes))}" if nodes else "every node with demand"


def degenerate(sc: Scenario) -> list[str]:
    """Warnings for valid but degenerate windows: a disruption that starts at or after the horizon never happens
    (a scenario written for a longer run, say); a scheduled window that runs past the horizon is cut there."""
    out = []
    for i, spec in enumerate(sc.disruptions):
        start, end = spec.window
        where, what = f"disruptions[{i}]", f"{spec.kind} on {_hit(spec)}"
        if start >= sc.horizon:
            out.append(
                f"{where}.start: t = {start:g} is not before the horizon ({sc.horizon}): the {what} never happens in "
                "this run"
            )
        elif end is not None and end > sc.horizon and hasattr(spec.params, "duration"):
            out.append(
                f"{where}.duration: the {what} from t = {start:g} would last to t = {end:g}, past the horizon "
                f"({sc.horizon}); it is cut at {sc.horizon} (leave 'duration' out to last to the end of the run)"
            )
    return out


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
            f"{where}.node: {p.node!r} is not a facility (a {', '.join(FACILITY_TYPES[:-1])} or {FACILITY_TYPES[-1]}); "
            f"known facilities: "
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


def _window(where: str, spec: DisruptionSpec) -> list[str]:
    start, end = spec.window
    return [f"{where}.end: {end:g} is before start ({start:g})"] if end is not None and end < start else []
