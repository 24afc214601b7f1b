"""The ``consolidation:`` block of a lane: goods wait for a container (or truck) shared by every product on the lane.

Data only (the SimPy side is ``sim.model.consolidating_lane``); docs/sourcing.md, "Consolidated shipping".
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

if TYPE_CHECKING:
    from sim.scenario.schema import Scenario

DispatchRule = Literal["when_full", "schedule", "max_wait"]


class Consolidation(BaseModel):
    """Containers of ``capacity`` (units, or volume with ``measure: volume``) leave at the first rule that fires:
    ``when_full`` (a full container leaves at once), ``schedule`` (a departure every ``every`` periods from
    ``offset``: all that waits leaves) or ``max_wait`` (a container leaves ``max_wait`` periods after its first unit
    began waiting). The lane's ``cost_per_shipment`` is charged per container."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    capacity: float = Field(gt=0)  # per container: units, or volume (measure: volume; products' unit_volume)
    measure: Literal["units", "volume"] = "units"
    dispatch: Annotated[list[DispatchRule], Field(min_length=1)] = ["when_full"]
    every: int | None = Field(default=None, gt=0)  # schedule: periods between departures
    offset: int = Field(default=0, ge=0)  # schedule: the first departure
    max_wait: float | None = Field(default=None, gt=0)  # max_wait: periods

    @model_validator(mode="after")
    def _rules_have_their_parameters(self) -> Consolidation:
        rules = self.dispatch
        if len(set(rules)) < len(rules):
            raise ValueError(f"dispatch: a rule is listed twice ({', '.join(rules)})")
        for rule, param, value in (("schedule", "every", self.every), ("max_wait", "max_wait", self.max_wait)):
            if rule in rules and value is None:
                raise ValueError(f"{param}: the '{rule}' dispatch rule needs it")
            if rule not in rules and value is not None:
                raise ValueError(
                    f"{param}: only used by the '{rule}' dispatch rule; add it to dispatch or drop {param}"
                )
        if self.every is not None and self.offset >= self.every:
            raise ValueError(f"offset: must be smaller than every ({self.every}), got {self.offset}")
        if self.every is None and self.offset:
            raise ValueError("offset: only used by the 'schedule' dispatch rule")
        return self


def cross_check(sc: Scenario) -> list[str]:
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
