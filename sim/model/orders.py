"""Orders (information flow) and their bookkeeping; goods move separately as shipments on lanes."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sim.model.buffer import SourceLink, StockItem
    from sim.model.lane import Lane


class Order:
    """A replenishment order from ``buyer`` (a stock item) to one source, for ``qty`` units of ``sku``.

    Goods may arrive in several shipments (partial fills upstream, lane capacity); the order is complete when
    ``received`` reaches ``qty``.
    """

    __slots__ = ("buyer", "completed", "due", "external", "lane", "placed", "qty", "received", "ref", "sku", "source")

    def __init__(
        self,
        buyer: StockItem,
        sku: str,
        qty: float,
        lane: Lane,
        placed: float,
        due: float,
        external: bool,
        source: SourceLink | None = None,
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
