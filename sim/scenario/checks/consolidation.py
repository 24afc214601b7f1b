"""Consolidating lanes against the rest of the scenario."""

from __future__ import annotations

from sim.scenario.schema import Scenario


def consolidating_lanes(sc: Scenario) -> list[str]:
    """Consolidating lanes against the rest of the scenario: no per-period ``capacity`` next to the containers, and a
    ``unit_volume`` for every product shipped on a lane that fills containers by volume."""
    errs: list[str] = []
    volumes = {p.id: p.unit_volume for p in sc.products}
    for i, ln in enumerate(sc.lanes):
        block = ln.consolidation
        if block is None:
            continue
        if ln.capacity is not None:
            errs.append(
                f"lanes[{i}].capacity: a consolidating lane's capacity is its containers (consolidation.capacity); "
                "drop capacity"
            )
        if block.measure == "volume":
            missing = [sku for sku in shipped_on(sc, ln.id) if volumes[sku] is None]
            if missing:
                errs.append(
                    f"lanes[{i}].consolidation.measure: 'volume' needs products' unit_volume; missing for "
                    f"{', '.join(missing)}"
                )
    return errs


def shipped_on(sc: Scenario, lane_id: str) -> list[str]:
    """The products some stock node orders over the lane (scenario product order)."""
    lane = next(ln for ln in sc.lanes if ln.id == lane_id)
    found = set()
    for node in sc.nodes:
        if node.id != lane.to:
            continue
        for sku, srcs in getattr(node, "sources", {}).items():
            if any(s.node == lane.from_ and (s.lane is None or s.lane == lane_id) for s in srcs):
                found.add(sku)
    return [p.id for p in sc.products if p.id in found]
