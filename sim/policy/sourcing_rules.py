"""Multi-sourcing rules beyond a fixed split: primary/backup failover, volume triggers, expediting (docs/sourcing.md).

Both rules name their sources by key (the source node, or the lane id when a node is reached by two lanes) and are
composable with any ordering policy that returns a total: the policy decides how much, the rule decides where.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, Literal, Self

from pydantic import Field, model_validator

from sim.errors import ScenarioError
from sim.policy.sourcing import RuleParams, SourcingRule
from sim.policy.view import SourceView, StockView
from sim.tolerance import EPS


def _is_down(src: SourceView) -> bool:
    """A supplier's outage (``Supplier.up``); a stock node as a source is never 'down'."""
    return not getattr(src.node, "up", True)


def _late(src: SourceView, now: float, detection: float) -> bool:
    """Some order open at ``src`` is more than ``detection`` periods past its due date."""
    return any(now > o.due + detection + EPS for o in src.open)


class Failover(SourcingRule):
    """Primary / backup. Every order goes whole to ``primary`` while it is healthy. The primary is *failing* when
    its supplier is down, or (with ``detection`` set) one of its open orders is more than ``detection`` periods past
    due. The buyer notices at an order decision; ``activation_delay`` periods later (qualification, ramp-up) orders
    go to ``backup`` (at the backup's price: its source's ``unit_cost``). If the primary recovers before that, the
    activation is dropped. ``switch_back: recovered`` returns to the primary at the first decision at which it is
    healthy again (up, and no open order late beyond ``detection``); ``never`` stays with the backup.

    Every change of route is kept in ``switches`` as (time, "backup" | "primary") and in the event log as
    ``failover`` / ``switch_back`` (via: the source now used)."""

    source_params = ("primary", "backup")

    class Params(RuleParams):
        primary: str
        backup: str
        detection: float | None = Field(default=None, ge=0)
        activation_delay: float = Field(default=0.0, ge=0)
        switch_back: Literal["recovered", "never"] = "recovered"

        @model_validator(mode="after")
        def _two(self) -> Self:
            if self.primary == self.backup:
                raise ValueError(f"primary and backup must be different sources (both are {self.primary!r})")
            return self

    p: Params

    def __init__(self, p: Any) -> None:
        super().__init__(p)
        self.mode: Literal["primary", "activating", "backup"] = "primary"
        self.since = 0.0  # when the failure was noticed
        self.switches: list[tuple[float, str]] = []

    def _failing(self, primary: SourceView, now: float) -> bool:
        if _is_down(primary):
            return True
        return self.p.detection is not None and _late(primary, now, self.p.detection)

    def split(self, total: float, sources: Sequence[SourceView]) -> list[tuple[SourceView, float]]:
        item = self.item
        assert item is not None, "split before bind"
        now = item.now
        primary, backup = item.source(self.p.primary), item.source(self.p.backup)
        failing = self._failing(primary, now)
        if self.mode == "primary" and failing:
            self.mode, self.since = "activating", now
        if self.mode == "activating":
            if not failing:
                self.mode = "primary"
            elif now >= self.since + self.p.activation_delay - EPS:
                self._switch(now, "backup", backup)
        elif self.mode == "backup" and not failing and self.p.switch_back == "recovered":
            self._switch(now, "primary", primary)
        return [(backup if self.mode == "backup" else primary, total)]

    def _switch(self, now: float, to: Literal["primary", "backup"], src: SourceView) -> None:
        self.mode = to
        self.switches.append((now, to))
        item = self.item
        assert item is not None, "split before bind"
        if item.events is not None:
            kind = "failover" if to == "backup" else "switch_back"
            item.events.add(now, kind, item.node, item.sku, 0.0, src.key)


class VolumeTrigger(SourcingRule):
    """The primary takes the units of each period's orders up to ``threshold`` (units per period, or ``capacity``:
    the primary supplier's capacity for the product, i.e. what it reserved); the excess spills to ``secondary``. An
    order that crosses the threshold is split: the primary gets what is left of the period's threshold."""

    source_params = ("primary", "secondary")

    class Params(RuleParams):
        primary: str
        secondary: str
        threshold: Annotated[float, Field(ge=0)] | Literal["capacity"]

        @model_validator(mode="after")
        def _two(self) -> Self:
            if self.primary == self.secondary:
                raise ValueError(f"primary and secondary must be different sources (both are {self.primary!r})")
            return self

    p: Params

    def __init__(self, p: Any) -> None:
        super().__init__(p)
        self.period = -1
        self.used = 0.0  # units sent to the primary in ``period``
        self.limit = 0.0

    def bind(self, item: StockView) -> None:
        super().bind(item)
        if self.p.threshold != "capacity":
            self.limit = float(self.p.threshold)
            return
        pool = getattr(item.source(self.p.primary).node, "pools", {}).get(item.sku)
        if pool is None:
            raise ScenarioError(
                f"{item.node}.sourcing.{item.sku}.threshold: 'capacity' needs a capacity for {item.sku!r} at "
                f"the primary {self.p.primary!r}; give the supplier a capacity or a number of units per period"
            )
        self.limit = pool.capacity

    def split(self, total: float, sources: Sequence[SourceView]) -> list[tuple[SourceView, float]]:
        item = self.item
        assert item is not None, "split before bind"
        k = int(item.now + EPS)
        if k != self.period:
            self.period, self.used = k, 0.0
        first = min(total, max(self.limit - self.used, 0.0))
        self.used += first
        out: list[tuple[SourceView, float]] = []
        if first > EPS:
            out.append((item.source(self.p.primary), first))
        if total - first > EPS:
            out.append((item.source(self.p.secondary), total - first))
        return out


class Expedite(SourcingRule):
    """An order placed while the inventory position (before the order) is below ``trigger`` goes whole to ``fast``
    (an air lane, a courier, a near supplier: its lane cost and price apply); every other order to ``regular``."""

    source_params = ("regular", "fast")
    expedite_pair = ("regular", "fast")  # (regular, fast) parameters: expedite_cost prices fast against regular

    class Params(RuleParams):
        regular: str
        fast: str
        trigger: float

        @model_validator(mode="after")
        def _two(self) -> Self:
            if self.regular == self.fast:
                raise ValueError(f"regular and fast must be different sources (both are {self.regular!r})")
            return self

    p: Params

    def split(self, total: float, sources: Sequence[SourceView]) -> list[tuple[SourceView, float]]:
        item = self.item
        assert item is not None, "split before bind"
        key = self.p.fast if item.inventory_position < self.p.trigger - EPS else self.p.regular
        return [(item.source(key), total)]
