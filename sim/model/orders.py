"""Orders (information flow) and their bookkeeping; goods move separately as shipments on lanes.

The parties to an order are typed by the roles they play (protocols), not by their classes, so that orders, lanes
and stock items need not import each other: a ``Buyer`` (a stock item) is told what was dispatched, received or
lost; a ``Carrier`` (a lane) ships an order's units; a ``Fulfiller`` (a supplier or an upstream stock item) is
where it is sent.
"""

from __future__ import annotations

from typing import Any, Protocol


class Buyer(Protocol):
    """The stock item that placed an order: the lane tells it what happens to the order's goods."""

    node: str
    sku: str
    ordering: Any  # its ordering side (sim.model.ordering.Ordering): places a reorder of rejected units

    def dispatched(self, qty: float, cost: float) -> None: ...
    def receive(self, order: Order, qty: float) -> None: ...
    def lost_in_transit(self, order: Order, qty: float) -> None: ...


class Carrier(Protocol):
    """The lane an order's goods travel on."""

    id: str

    def ship(self, order: Order, qty: float) -> None: ...


class Fulfiller(Protocol):
    """Where an order is sent: a supplier or an upstream stock item."""

    def receive_order(self, order: Order) -> None: ...


class Order:
    """A replenishment order from ``buyer`` (a stock item) to one source, for ``qty`` units of ``sku``.

    Goods may arrive in several shipments (partial fills upstream, lane capacity); the order is complete when
    ``received`` reaches ``qty``.
    """

    __slots__ = ("buyer", "completed", "due", "external", "lane", "placed", "qty", "received", "ref", "sku", "source")

    def __init__(
        self,
        buyer: Buyer,
        sku: str,
        qty: float,
        lane: Carrier,
        placed: float,
        due: float,
        external: bool,
        source: Any = None,
    ) -> None:
        self.buyer = buyer
        self.source = source  # the buyer's source this order went to (per-source pipeline)
        self.sku = sku
        self.qty = qty
        self.lane = lane
        self.placed = placed
        self.due = due  # placed + promised lead time (for OTIF)
        self.external = external  # bought from a supplier (purchase cost applies)
        self.received = 0.0
        self.completed: float | None = None  # time the last unit arrived
        self.ref = -1  # its number in the event log (when the log is on)
