"""Vendor-managed inventory: the supplier watches the buyer's stock and replenishes it to an agreed min/max.

``kind: vmi`` (docs/sourcing.md, "Vendor-managed inventory"). The buyer places no orders of its own: at every review
(each ``review_period`` periods from ``offset``, default every period: the supplier reads a daily stock feed) the
supplier looks at what it can see — the buyer's stock **on hand** plus what is **on order** with it (its own queued,
in-production and in-transit replenishments) — and, when that is at or below ``min``, ships up to ``max``:

    q = max − (on hand + on order)   if on hand + on order ≤ min, else 0

The buyer's **backorders are not shared** (the customer backlog stays in the buyer's systems), so unlike the buyer's
own periodic (s, S) the supplier does not replace units already owed to customers: with backorders the vmi order is
smaller by exactly the backorders. With lost sales (no backorders) the two coincide.
"""

from __future__ import annotations

from typing import Self

from pydantic import Field, model_validator

from sim.policy.base import cover, cycle
from sim.policy.classic import _Periodic
from sim.policy.view import StockView
from sim.registry import EntryParams
from sim.tolerance import EPS


class VendorManaged(_Periodic):
    """The supplier's min/max on the buyer's on hand + on order (module docstring)."""

    class Params(EntryParams):
        min: float = Field(ge=0)
        max: float = Field(gt=0)
        review_period: float = Field(default=1.0, gt=0)
        offset: float = Field(default=0.0, ge=0)

        @model_validator(mode="after")
        def _ordered(self) -> Self:
            if self.min >= self.max:
                raise ValueError(f"max ({self.max:g}) must be greater than min ({self.min:g})")
            return self

    p: Params

    def decide(self, view: StockView) -> float:
        seen = view.on_hand + view.on_order  # not the buyer's backorders: they are not shared
        return self.p.max - seen if seen <= self.p.min + EPS else 0.0

    @staticmethod
    def size(mean: float, var: float, lead: float, review: float, z: float) -> dict[str, float]:
        low = cover(mean, var, review + lead, z)
        return {"review_period": review, "min": low, "max": low + cycle(mean, review)}

    @property
    def target(self) -> float:
        return self.p.max
