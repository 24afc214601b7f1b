"""The network's shape: unique ids, a horizon longer than the warm-up, lanes between known nodes, no supply cycle."""

from __future__ import annotations

import graphlib

from sim.scenario.schema import Scenario, StockNode, SupplierNode


def dupes(ids: list[str]) -> set[str]:
    return {i for i in ids if ids.count(i) > 1}


def ids_and_window(sc: Scenario) -> list[str]:
    """Unique product and node ids; the warm-up ends before the horizon; a steady pipeline is not also written."""
    errs = [f"products: duplicate id {d!r}" for d in sorted(dupes([p.id for p in sc.products]))]
    errs += [f"nodes: duplicate id {d!r}" for d in sorted(dupes([n.id for n in sc.nodes]))]
    if sc.warmup >= sc.horizon:
        errs.append(f"warmup: must be smaller than horizon ({sc.horizon}), got {sc.warmup}")
    written = [
        n.id
        for n in sc.nodes
        if isinstance(n, StockNode)
        and any(s.initial_shipments or s.initial_orders for srcs in n.sources.values() for s in srcs)
    ]
    if sc.initial_pipeline == "steady" and written:
        errs.append(
            "initial_pipeline: 'steady' fills the pipelines itself; drop it or the initial_shipments/initial_orders "
            f"written at {', '.join(written)}"
        )
    return errs


def lanes(sc: Scenario) -> list[str]:
    """Lanes run between two known nodes, never into a supplier or back to their start, with unique ids."""
    errs = []
    by_id = {n.id: n for n in sc.nodes}
    known_nodes = ", ".join(sorted(by_id))
    for i, ln in enumerate(sc.lanes):
        for end, nid in (("from", ln.from_), ("to", ln.to)):
            if nid not in by_id:
                errs.append(f"lanes[{i}].{end}: unknown node {nid!r}; known nodes: {known_nodes}")
        if ln.to in by_id and isinstance(by_id[ln.to], SupplierNode):
            errs.append(f"lanes[{i}].to: {ln.to!r} is a supplier; lanes must end at a buffer or retailer")
        if ln.from_ == ln.to:
            errs.append(f"lanes[{i}]: a lane from {ln.from_!r} to itself")
    for d in sorted(dupes([ln.id for ln in sc.lanes])):
        errs.append(f"lanes: duplicate id {d!r} (several lanes between one pair of nodes need their own ids)")
    return errs


def supply_cycle(sc: Scenario) -> list[str]:
    """Goods flow one way: no node is, through its sources, its own source."""
    known = {n.id for n in sc.nodes}
    graph: dict[str, set[str]] = {n.id: set() for n in sc.nodes}
    for node in sc.nodes:
        if isinstance(node, StockNode):
            for srcs in node.sources.values():
                graph[node.id].update(s.node for s in srcs if s.node in known and s.node != node.id)
    try:
        tuple(graphlib.TopologicalSorter(graph).static_order())
    except graphlib.CycleError as exc:
        return [f"sources: the supply graph has a cycle: {' -> '.join(exc.args[1])}"]
    return []
