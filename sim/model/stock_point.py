"""``StockPoint``: a buffer or retailer at runtime, owning one ``StockItem`` per product and its basket demand."""

from __future__ import annotations

from sim.model.baskets import BasketBook
from sim.model.stock_item import StockItem


class StockPoint:
    """A stock node: its products' items (``items[sku]``) and the customer-order streams it serves (``baskets``)."""

    def __init__(self, node_id: str, kind: str, region: str) -> None:
        self.id = node_id
        self.kind = kind  # "buffer" or "retailer"
        self.region = region
        self.items: dict[str, StockItem] = {}
        self.baskets: list[BasketBook] = []

    @property
    def on_hand(self) -> float:
        """Units on hand over all products."""
        return sum(item.on_hand for item in self.items.values())

    def __repr__(self) -> str:
        return f"<StockPoint {self.id} ({self.kind}): {', '.join(self.items)}>"
