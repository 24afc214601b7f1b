"""Consignment stock: units received from a consignment source stay the supplier's until they are issued.

A stock item with at least one consignment source is a :class:`ConsignmentItem`. It splits its stock on hand into
the buyer's own units (the initial stock and receipts from ordinary sources) and consigned lots (receipts from
consignment sources, first in first out). Issues (fills of demand and of backorders, returns) take the buyer's own
units first, then the oldest consigned lot: the buyer keeps using what it already paid for and pays the supplier
only for what it takes. Timing of payment: a consigned unit is paid, at its source's price, in the period it is
issued (``purchase_cost``, ``spend``), not when it is received; a consigned unit returned upstream is not paid.
Holding: the item's holding cost counts its own units only; the consigned units' time-integral × the item's holding
rate is the supplier's ``consignment_holding_cost`` (docs/sourcing.md, "Consignment").

The item's own hot path is untouched: the subclass wraps the methods that move stock on hand and reconciles
the split from the change in ``on_hand`` and ``issued``, so items without consignment pay nothing.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from sim.model.baskets import Line
from sim.model.orders import Order
from sim.model.stock_item import StockItem
from sim.scenario.schema import Scenario, Source, SupplierNode
from sim.tolerance import EPS


def is_consignment(sc: Scenario, src: Source) -> bool:
    """The source's ``consignment``, else its supplier's (a stock node is never a consignment source)."""
    up = sc.node(src.node)
    if not isinstance(up, SupplierNode):
        return False
    return up.consignment if src.consignment is None else src.consignment


class ConsignmentItem(StockItem):
    """A stock item holding consignment stock (see the module docstring)."""

    __slots__ = ("c_area", "c_last", "held", "lots", "own")

    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.own = self.on_hand  # the buyer's units on hand; the initial stock is the buyer's
        self.lots: deque[list[Any]] = deque()  # [units, source index] of consigned stock on hand, oldest first
        self.held: dict[int, float] = {}  # consigned units on hand per source index
        self.c_area: dict[int, float] = {}  # their time-integrals since the warm-up
        self.c_last = 0.0

    # -- the three ways stock on hand moves ---------------------------------------------------------------
    def _serve(self, qty: float, order: Order | None = None, line: Line | None = None) -> None:
        before = self.on_hand
        StockItem._serve(self, qty, order, line)
        self._issue(before - self.on_hand, pay=True)

    customer_demand = _serve

    def send_return(self, qty: float) -> None:
        before = self.on_hand
        StockItem.send_return(self, qty)
        self._issue(before - self.on_hand, pay=False)  # consigned units going back are not bought

    def reopen(self) -> None:
        before = self.on_hand
        StockItem.reopen(self)
        self._issue(before - self.on_hand, pay=True)  # backorders paid from the stock kept while closed

    def receive(self, order: Order, qty: float) -> None:
        k = int(self.env._now + EPS)
        before, issued, spent = self.on_hand, self.issued[k], self.spent[k]
        StockItem.receive(self, order, qty)
        out = self.issued[k] - issued  # backorders paid from this receipt
        accepted = self.on_hand - before + out
        src = order.source
        if src is not None and src.consignment:
            self.spent[k] = spent  # paid on issue, not on receipt
            j = self.sources.index(src)
            self._advance_consigned()
            self.lots.append([accepted, j])
            self.held[j] = self.held.get(j, 0.0) + accepted
        else:
            self.own += accepted
        self._issue(out, pay=True)

    def _issue(self, qty: float, pay: bool) -> None:
        """``qty`` units left stock: the buyer's own first, then consigned lots FIFO (paid now if ``pay``)."""
        take = min(self.own, qty)
        self.own -= take
        rest = qty - take
        if rest <= EPS:
            return
        self._advance_consigned()
        k = int(self.env._now + EPS)
        while rest > EPS and self.lots:
            lot = self.lots[0]
            used = min(lot[0], rest)
            lot[0] -= used
            rest -= used
            self.held[lot[1]] -= used
            if pay:
                src = self.sources[lot[1]]
                self.spent[k] += used * src.price
                if k >= self.warmup:
                    src.paid += used
            if lot[0] <= EPS:
                self.lots.popleft()

    # -- time-integrals of the consigned stock ------------------------------------------------------------
    def _advance_consigned(self) -> None:
        now = self.env._now
        dt = now - self.c_last
        if dt:
            for j, units in self.held.items():
                self.c_area[j] = self.c_area.get(j, 0.0) + units * dt
            self.c_last = now

    def restart_areas(self) -> None:
        super().restart_areas()
        self._advance_consigned()
        self.c_area = dict.fromkeys(self.c_area, 0.0)

    def consigned_areas(self, end: float) -> list[float]:
        """Per source (the item's source order): the integral of its consigned units on hand up to ``end``."""
        return [self.c_area.get(j, 0.0) + self.held.get(j, 0.0) * (end - self.c_last) for j in range(len(self.sources))]
