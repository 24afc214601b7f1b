"""``StockPoint``: a buffer or retailer at runtime, owning one ``StockItem`` per product and its basket demand."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.model.baskets import BasketBook
from sim.model.facility import Door
from sim.model.stock_item import StockItem

if TYPE_CHECKING:
    from sim.model.lane import Lane


class StockPoint:
    """A stock node: its products' items (``items[sku]``) and the customer-order streams it serves (``baskets``)."""

    def __init__(self, node_id: str, kind: str, region: str) -> None:
        self.id = node_id
        self.kind = kind  # "buffer" or "retailer"
        self.region = region
        self.items: dict[str, StockItem] = {}
        self.baskets: list[BasketBook] = []
        self.closures = 0  # facility outages in force (sim.model.facility): closed while > 0
        self.doors: list[Door] = []

    @property
    def on_hand(self) -> float:
        """Units on hand over all products."""
        return sum(item.on_hand for item in self.items.values())

    def close(self, inbound: list[Lane]) -> None:
        """A facility outage: serve nothing and hold the arrivals of ``inbound`` at the door (sim.model.facility)."""
        self.closures += 1
        if self.closures == 1:
            for item in self.items.values():
                item.close()
            self.doors = [Door(lane) for lane in inbound]

    def reopen(self) -> None:
        """The end of a facility outage (the last one in force): serve the queue, then receive what waited."""
        self.closures -= 1
        if self.closures == 0:
            for item in self.items.values():
                item.reopen()
            doors, self.doors = self.doors, []
            for door in doors:
                door.open()

    def __repr__(self) -> str:
        return f"<StockPoint {self.id} ({self.kind}): {', '.join(self.items)}>"
