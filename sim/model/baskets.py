"""Customer orders with lines (baskets): one customer asks for several products at once.

A retailer's ``baskets`` demand emits, each period, a number of customer orders; each order has a line per listed
product (a line whose quantity draw is 0 is absent). Every line is served from that product's stock item exactly
like single-unit customer demand (FIFO, partial fills, backorders or lost sales), and the order records when each
line is complete: at once when the shelf covers it, else when its backorder is filled; a lost line never completes.
The order is complete when its last line is. Records: ``BasketBook.orders`` (one :class:`CustomerOrder` each) and,
with the event log on, ``line`` and ``basket`` events.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Protocol

import numpy as np
import simpy

from sim.model.clock import DEMAND, wake_at
from sim.model.records import EventLog

if TYPE_CHECKING:
    from simpy.events import ProcessGenerator

    from sim.scenario.schema import BasketSpec


class LineServer(Protocol):
    """A product's stock item as a basket sees it: it serves one line of a customer order."""

    def customer_line(self, qty: float, line: Line) -> None: ...


class CustomerOrder:
    """One customer's order: ``lines`` maps product -> units; ``done`` maps product -> completion time."""

    __slots__ = ("book", "completed", "done", "lines", "lost", "number", "placed")

    def __init__(self, book: BasketBook, number: int, placed: float, lines: dict[str, float]) -> None:
        self.book = book
        self.number = number
        self.placed = placed
        self.lines = lines
        self.done: dict[str, float] = {}
        self.lost: set[str] = set()
        self.completed: float | None = None

    def line_done(self, sku: str, now: float) -> None:
        self.done[sku] = now
        events = self.book.events
        if events is not None:
            events.add(now, "line", self.book.node, sku, self.lines[sku], "", self.number)
        if len(self.done) == len(self.lines):
            self.completed = now
            if events is not None:
                events.add(now, "basket", self.book.node, "", sum(self.lines.values()), "", self.number)

    def line_lost(self, sku: str) -> None:
        self.lost.add(sku)


class Line:
    """What a stock item's backlog holds for a basket line (so the receipt that fills it can tell the order)."""

    __slots__ = ("order", "sku")

    def __init__(self, order: CustomerOrder, sku: str) -> None:
        self.order = order
        self.sku = sku

    def done(self, now: float) -> None:
        self.order.line_done(self.sku, now)


class BasketBook:
    """A retailer's basket demand stream: a SimPy process that emits the customer orders of each period."""

    def __init__(
        self,
        env: simpy.Environment,
        node: str,
        spec: BasketSpec,
        items: Mapping[str, LineServer],
        rng: np.random.Generator,
        horizon: int,
    ) -> None:
        self.env, self.node, self.horizon = env, node, horizon
        self.items = items
        self.sync_window = spec.sync_window
        self.orders: list[CustomerOrder] = []
        self.events: EventLog | None = None
        # draws: orders per period, then every line of every order, all from this stream, in a fixed order
        self._counts = spec.orders.draw(rng, horizon).astype(int).tolist()
        total = int(sum(self._counts))
        self._lines = {sku: dist.draw(rng, max(total, 1)).tolist() for sku, dist in spec.lines.items()}
        self.process = env.process(self._run())

    def _run(self) -> ProcessGenerator:
        env = self.env
        yield wake_at(env, 0, DEMAND)
        j = 0
        for t in range(self.horizon):
            for _ in range(self._counts[t]):
                lines = {sku: draws[j] for sku, draws in self._lines.items() if draws[j] > 0}
                j += 1
                if lines:
                    self.place(lines)
            if t + 1 < self.horizon:
                yield wake_at(env, 1, DEMAND)

    def place(self, lines: dict[str, float]) -> CustomerOrder:
        """A customer orders ``lines`` now; each line is served from its product's stock."""
        order = CustomerOrder(self, len(self.orders), self.env.now, lines)
        self.orders.append(order)
        for sku, qty in lines.items():
            self.items[sku].customer_line(qty, Line(order, sku))
        return order
