"""The stock items of a plant that behave differently from a buffer's (sim.model.plant, docs/assembly.md).

* ``ComponentItem``: a component at a plant. Its demand is the kits' requirement, booked when a production order is
  created (``require``: demand, and a backorder until the kit starts, so the inventory position drops at once and a
  base-stock component reorders at once); the kit is issued when the whole kit starts (``consume``: on hand and the
  backorder drop together, so the inventory position does not move; ``filled`` counts a requirement met in the event
  that created it). A receipt lets the plant check its waiting kits.
* ``MadeToOrderItem``: a finished good made to order. A demand (a customer's or a downstream order) that its stock and
  open production orders do not cover places a production order for the rest *before* it is served, so when the kit
  is on hand, capacity is free and production takes no time, the demand is filled on arrival (assemble-to-order).

Both are subclasses, so items of a plant-free scenario run the plain ``StockItem`` hot path, untouched.
"""

from __future__ import annotations

from typing import Any, Protocol

from sim.model.baskets import Line
from sim.model.orders import Order
from sim.model.stock_item import StockItem
from sim.tolerance import EPS


class Kits(Protocol):
    """The plant whose kits use the component (sim.model.plant.Plant)."""

    def kit_check(self) -> None: ...


class _NoPlant:
    def kit_check(self) -> None:
        """Before the plant is bound (building): nothing waits."""


class ComponentItem(StockItem):
    """A component stocked at a plant (see the module docstring)."""

    __slots__ = ("plant",)

    def __init__(self, *args: Any, **kw: Any) -> None:  # StockItem's own arguments
        super().__init__(*args, **kw)
        self.plant: Kits = _NoPlant()

    def require(self, qty: float) -> None:
        """A production order needs ``qty`` units for its kit: demand now, owed until the kit starts."""
        now = self.env._now
        if now != self.last_change:
            self._advance(now)
        self.demand[int(now + EPS)] += qty
        self.backorders += qty
        if self.log is not None:
            self.log.append((now, self.on_hand, self.backorders, self.in_transit, self.on_order))

    def reviewed(self, qty: float) -> None:
        """After a requirement, as after any demand: the policy sees it (a forecast) and a continuous one reviews."""
        if self.observe is not None:
            self.observe(qty, False)
        if self.continuous:
            self.ordering.review()

    def consume(self, qty: float, at_once: bool) -> None:
        """The kit starts: ``qty`` units leave stock for production (``at_once``: in the event that created it)."""
        now = self.env._now
        if now != self.last_change:
            self._advance(now)
        k = int(now + EPS)
        self.on_hand -= qty
        self.backorders -= qty
        if self.on_hand < EPS:
            self.on_hand = 0.0  # float dust of fractional quantities
        if self.backorders < EPS:
            self.backorders = 0.0
        self.issued[k] += qty
        if at_once:
            self.filled[k] += qty
        if self.log is not None:
            self.log.append((now, self.on_hand, self.backorders, self.in_transit, self.on_order))

    def receive(self, order: Order, qty: float) -> None:
        StockItem.receive(self, order, qty)
        self.plant.kit_check()


class MadeToOrderItem(StockItem):
    """A finished good made to order (see the module docstring)."""

    __slots__ = ()

    def _serve(self, qty: float, order: Order | None = None, line: Line | None = None) -> None:
        short = qty - (self.on_hand + self.on_order - self.backorders)
        if short > EPS:  # build what stock and open production orders don't cover, before serving
            self.ordering.place([(self.ordering.sources[0], short)])
        StockItem._serve(self, qty, order, line)

    customer_demand = _serve
