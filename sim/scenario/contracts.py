"""Contract terms of a supplier (``contract:`` on a supplier node; docs/sourcing.md, "Contract terms").

* ``on_time_target`` and ``late_penalty``: a unit received after its order's due date (placed + promised lead time)
  is *late*; the supplier owes ``late_penalty × (late units − (1 − on_time_target) × units delivered)`` over the KPI
  window: a penalty per late unit beyond the target's allowance, a reward (negative) when it does better than the
  target. With the default target 1 every late unit costs ``late_penalty``.
* ``flex``: a volume-flex band around a forecast ``commitment`` (units per period, one number for every product or
  one per product): the supplier accepts up to ``commitment × (1 + band)`` units of a product per period (over all
  its buyers). What an order asks beyond that is refused: it spills over to the item's first other source without a
  band, else it waits at the supplier's order desk and is accepted first thing in the next periods with room (FIFO,
  same due date, so its lateness counts). Periods ordering less than ``commitment × (1 − band)`` leave a shortfall
  (take-or-pay units; counted, not charged).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

Share = Annotated[float, Field(ge=0, le=1)]
Positive = Annotated[float, Field(gt=0)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class FlexBand(_Model):
    commitment: Positive | dict[str, Positive]  # units per period: every product, or per product
    band: Annotated[float, Field(ge=0, lt=1)]  # accepted per period: commitment × (1 ± band)

    def limits(self, sku: str) -> tuple[float, float] | None:
        """(lower, upper) units per period for ``sku``; None for a product without a commitment."""
        c = self.commitment.get(sku) if isinstance(self.commitment, dict) else self.commitment
        return None if c is None else (c * (1 - self.band), c * (1 + self.band))


class Contract(_Model):
    on_time_target: Share = 1.0
    late_penalty: float = Field(default=0.0, ge=0)  # money per late unit beyond the target's allowance
    flex: FlexBand | None = None
