"""The classic inventory policies: base stock, (s, S), (s, Q) = (r, Q), and their periodic-review forms (R, S) and
(R, s, S). Each sizes itself for the policy presets (``size``); registered by name in :mod:`sim.policy.kinds`."""

from __future__ import annotations

import math
from typing import Any, Self

from pydantic import Field, model_validator

from sim.policy.base import Policy, cover, cycle
from sim.registry import EntryParams
from sim.tolerance import EPS


class BaseStock(Policy):
    """Continuous review, one-for-one: whenever IP < level, order level - IP."""

    class Params(EntryParams):
        level: float = Field(ge=0)

    p: Params

    def order_quantity(self, ip: float) -> float:
        return self.p.level - ip if ip < self.p.level - EPS else 0.0

    @property
    def idle_above(self) -> float:  # type: ignore[override]  # a level of its parameters
        return self.p.level - EPS

    @staticmethod
    def size(mean: float, var: float, lead: float, review: float, z: float) -> dict[str, float]:
        return {"level": cover(mean, var, lead, z)}

    @property
    def target(self) -> float:
        return self.p.level


class MinMax(Policy):
    """Continuous review (s, S): when IP <= s, order up to S. ``s`` may be negative where demand is backordered."""

    signed_params = ("s",)

    class Params(EntryParams):
        s: float
        S: float = Field(gt=0)

        @model_validator(mode="after")
        def _ordered(self) -> Self:
            if self.s >= self.S:
                raise ValueError(f"S ({self.S:g}) must be greater than s ({self.s:g})")
            return self

    p: Params

    def order_quantity(self, ip: float) -> float:
        return self.p.S - ip if ip <= self.p.s + EPS else 0.0

    @property
    def idle_above(self) -> float:  # type: ignore[override]  # a level of its parameters
        return self.p.s + EPS

    @staticmethod
    def size(mean: float, var: float, lead: float, review: float, z: float) -> dict[str, float]:
        s = cover(mean, var, lead, z)
        return {"s": s, "S": s + cycle(mean, review)}

    @property
    def target(self) -> float:
        return self.p.S


class ReorderPointQuantity(Policy):
    """Continuous review (s, Q), the (r, Q) policy: when IP <= s, order the smallest multiple of Q that lifts IP above
    s. ``s`` may be negative where demand is backordered."""

    signed_params = ("s",)

    class Params(EntryParams):
        s: float
        Q: float = Field(gt=0)

    p: Params

    @property
    def idle_above(self) -> float:  # type: ignore[override]  # a level of its parameters
        return self.p.s + EPS

    def order_quantity(self, ip: float) -> float:
        if ip > self.p.s + EPS:
            return 0.0
        return self.p.Q * (math.floor((self.p.s - ip) / self.p.Q + EPS) + 1)

    @staticmethod
    def size(mean: float, var: float, lead: float, review: float, z: float) -> dict[str, float]:
        return {"s": cover(mean, var, lead, z), "Q": cycle(mean, review)}

    @property
    def target(self) -> float:
        return self.p.s + self.p.Q


class _Periodic(Policy):
    def __init__(self, p: Any) -> None:
        super().__init__(p)
        self.review_period = p.review_period
        self.offset = p.offset


class OrderUpTo(_Periodic):
    """Periodic review (R, S): every R periods order S - IP (if positive)."""

    class Params(EntryParams):
        review_period: float = Field(gt=0)
        order_up_to: float = Field(ge=0)
        offset: float = Field(default=0, ge=0)

    p: Params

    def order_quantity(self, ip: float) -> float:
        return self.p.order_up_to - ip if ip < self.p.order_up_to - EPS else 0.0

    @staticmethod
    def size(mean: float, var: float, lead: float, review: float, z: float) -> dict[str, float]:
        return {"review_period": review, "order_up_to": cover(mean, var, review + lead, z)}

    @property
    def target(self) -> float:
        return self.p.order_up_to


class PeriodicMinMax(_Periodic, MinMax):
    """Periodic review (R, s, S): every R periods, if IP <= s order S - IP (the (s, S) rule at review times only)."""

    class Params(MinMax.Params):
        review_period: float = Field(gt=0)
        offset: float = Field(default=0, ge=0)

    p: Params

    @staticmethod
    def size(mean: float, var: float, lead: float, review: float, z: float) -> dict[str, float]:
        s = cover(mean, var, review + lead, z)
        return {"review_period": review, "s": s, "S": s + cycle(mean, review)}
