"""The ``consolidation:`` block of a lane: goods wait for a container (or truck) shared by every product on the lane.

Data only (the SimPy side is ``sim.model.consolidating_lane``); docs/sourcing.md, "Consolidated shipping".
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

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
