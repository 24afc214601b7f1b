"""What a disruption hits, read off the scenario: the suppliers and lanes of a region."""

from __future__ import annotations

from sim.scenario.schema import Scenario


def regional_targets(sc: Scenario, region: str) -> tuple[list[str], list[str]]:
    """(supplier ids, lane ids) a regional event hits: suppliers in the region; lanes tagged with it or leaving a
    node in it."""
    in_region = {n.id for n in sc.nodes if n.region == region}
    suppliers = [n.id for n in sc.nodes if n.id in in_region and n.type == "supplier"]
    lanes = [ln.id for ln in sc.lanes if ln.region == region or ln.from_ in in_region]
    return suppliers, lanes
