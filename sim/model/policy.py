"""Replenishment (ordering) policies, selected by ``kind`` in a scenario.

A policy is a small strategy object with one question to answer: *given the inventory position now, how much do I
order?* Continuous-review policies are asked after every event that lowers the inventory position (a demand, a
downstream order); periodic-review policies are asked at reviews ``offset, offset + R, offset + 2R, ...``.
Inventory position = on hand + on order - backorders.

New policies (forecast-driven order-up-to, dual-index, base-surge, ...) register here with a ``Params`` model.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar, Protocol

from pydantic import BaseModel, Field, model_validator

from sim.scenario.registry import EntryParams, Registry, Spec

EPS = 1e-9


class StockView(Protocol):
    """What a policy may read of its stock item (``sim.model.buffer.StockItem`` implements it)."""

    now: float
    on_hand: float
    backorders: float
    on_order: float  # the supply line over all sources

    @property
    def inventory_position(self) -> float: ...
    def supply_line(self, source: str | None = None) -> float: ...
    def demand_history(self, periods: int | None = None) -> list[float]: ...
    def expected_lead_time(self) -> float: ...

    # per-source pipelines, for policies that order per source (sim.model.dual_sourcing)
    sources: list  # SourceLink: .key, .on_order, .open, .promised, .due_within(now, horizon)

    def source(self, key: str) -> Any: ...


class Policy:
    """Base class. ``review_period`` is None for continuous review.

    The ordering protocol: at each review the stock item calls ``decide(view)``, which returns either a total (the
    item's sourcing rule splits it over the sources) or ``{source: units}`` (a policy that orders per source, e.g.
    dual-index). The default ``decide`` asks ``order_quantity(inventory position)``, which is all the classic
    policies need. A policy that learns from demand sets ``observes = True`` and gets ``observe(qty, customer)``
    for every demand the item receives (``customer`` False for a downstream node's order).
    """

    Params: ClassVar[type[BaseModel]]
    review_period: float | None = None
    offset: float = 0.0
    observes: ClassVar[bool] = False
    source_params: ClassVar[tuple[str, ...]] = ()  # parameters naming a source of the item (checked by the schema)
    # reorder levels that may be negative (cheap backorders); the schema refuses a negative one under lost sales
    signed_params: ClassVar[tuple[str, ...]] = ()

    def __init__(self, p: Any) -> None:
        self.p = p

    def decide(self, view: StockView) -> float | dict[str, float]:
        return self.order_quantity(view.on_hand + view.on_order - view.backorders)

    def observe(self, qty: float, customer: bool) -> None:  # pragma: no cover - protocol
        """See one demand (only called when ``observes`` is True)."""

    def order_quantity(self, ip: float) -> float:  # pragma: no cover - protocol
        raise NotImplementedError

    @property
    def target(self) -> float:
        """The stock level the policy aims at; the default initial on-hand stock."""
        raise NotImplementedError  # pragma: no cover - protocol

    @staticmethod
    def size(mean: float, var: float, lead: float, review: float, z: float) -> dict[str, float]:
        """Parameters for an item with per-period demand ``mean``/``var``, lead time ``lead``, review period
        ``review`` and safety factor ``z`` (the policy presets; see sim.scenario.presets)."""
        raise NotImplementedError  # pragma: no cover - a policy without a sizing rule needs explicit params


def cover(mean: float, var: float, periods: float, z: float) -> float:
    """Stock that covers ``periods`` periods of demand with safety factor ``z``: ceil(mu*n + z*sigma*sqrt(n))."""
    return math.ceil(mean * periods + z * math.sqrt(var) * math.sqrt(periods))


def cycle(mean: float, review: float) -> float:
    """An order quantity of one review period's mean demand (at least 1)."""
    return max(1, math.ceil(mean * review))


POLICIES: Registry[type[Policy]] = Registry("policy", "kind")


@POLICIES.register("base_stock")
class BaseStock(Policy):
    """Continuous review, one-for-one: whenever IP < level, order level - IP."""

    class Params(EntryParams):
        level: float = Field(ge=0)

    def order_quantity(self, ip):
        return self.p.level - ip if ip < self.p.level - EPS else 0.0

    @staticmethod
    def size(mean, var, lead, review, z):
        return {"level": cover(mean, var, lead, z)}

    @property
    def target(self):
        return self.p.level


@POLICIES.register("s_S")
class MinMax(Policy):
    """Continuous review (s, S): when IP <= s, order up to S. ``s`` may be negative where demand is backordered."""

    signed_params = ("s",)

    class Params(EntryParams):
        s: float
        S: float = Field(gt=0)

        @model_validator(mode="after")
        def _ordered(self):
            if self.s >= self.S:
                raise ValueError(f"S ({self.S:g}) must be greater than s ({self.s:g})")
            return self

    def order_quantity(self, ip):
        return self.p.S - ip if ip <= self.p.s + EPS else 0.0

    @staticmethod
    def size(mean, var, lead, review, z):
        s = cover(mean, var, lead, z)
        return {"s": s, "S": s + cycle(mean, review)}

    @property
    def target(self):
        return self.p.S


@POLICIES.register("s_Q")
class ReorderPointQuantity(Policy):
    """Continuous review (s, Q), the (r, Q) policy: when IP <= s, order the smallest multiple of Q that lifts IP above
    s. ``s`` may be negative where demand is backordered."""

    signed_params = ("s",)

    class Params(EntryParams):
        s: float
        Q: float = Field(gt=0)

    def order_quantity(self, ip):
        if ip > self.p.s + EPS:
            return 0.0
        return self.p.Q * (math.floor((self.p.s - ip) / self.p.Q + EPS) + 1)

    @staticmethod
    def size(mean, var, lead, review, z):
        return {"s": cover(mean, var, lead, z), "Q": cycle(mean, review)}

    @property
    def target(self):
        return self.p.s + self.p.Q


class _Periodic(Policy):
    def __init__(self, p):
        super().__init__(p)
        self.review_period = p.review_period
        self.offset = p.offset


@POLICIES.register("periodic_order_up_to")
class OrderUpTo(_Periodic):
    """Periodic review (R, S): every R periods order S - IP (if positive)."""

    class Params(EntryParams):
        review_period: float = Field(gt=0)
        order_up_to: float = Field(ge=0)
        offset: float = Field(default=0, ge=0)

    def order_quantity(self, ip):
        return self.p.order_up_to - ip if ip < self.p.order_up_to - EPS else 0.0

    @staticmethod
    def size(mean, var, lead, review, z):
        return {"review_period": review, "order_up_to": cover(mean, var, review + lead, z)}

    @property
    def target(self):
        return self.p.order_up_to


@POLICIES.register("periodic_s_S")
class PeriodicMinMax(_Periodic, MinMax):
    """Periodic review (R, s, S): every R periods, if IP <= s order S - IP (the (s, S) rule at review times only)."""

    class Params(MinMax.Params):
        review_period: float = Field(gt=0)
        offset: float = Field(default=0, ge=0)

    @staticmethod
    def size(mean, var, lead, review, z):
        s = cover(mean, var, review + lead, z)
        return {"review_period": review, "s": s, "S": s + cycle(mean, review)}


class PolicySpec(Spec):
    """A policy as written in a scenario: ``{kind: <name>, <param>: <value>, ...}``."""

    registry: ClassVar[Registry] = POLICIES
    kind: str

    def named_sources(self) -> dict[str, str]:
        """{parameter: source key} for the parameters that name a source (checked against the item's sources)."""
        return {k: getattr(self._params, k) for k in self.entry.source_params}

    def negative_levels(self) -> dict[str, float]:
        """{parameter: value} for the reorder levels set below 0 (allowed only where demand is backordered)."""
        return {k: getattr(self._params, k) for k in self.entry.signed_params if getattr(self._params, k) < 0}

    def build(self) -> Policy:
        """A fresh policy object (policies may keep state, e.g. a forecast)."""
        return self.entry(self._params)


# forecast-driven policies (forecast_order_up_to, sterman, pass_through), dual sourcing and vmi register on import
from sim.model import dual_sourcing, forecasting, vmi  # noqa: E402, F401
