"""The opt-in event log: flat records of orders, shipments, receipts, stockouts and supplier outages.

Off by default (the per-period buffers of the stock items are the fast path). KPIs that need single events (delivery
synchronisation, time-to-recover) and users who want to trace one order switch it on with
``sim.simulate(..., events=True)`` and read ``result.events``. One record per event, in the order they happened:

| field | meaning |
|---|---|
| ``t`` | simulation time |
| ``event`` | ``order`` (placed), ``ship`` (departed on a lane), ``receive``, ``stockout`` (customer demand |
|  | not met from stock at once), ``down`` / ``up`` (a supplier's outage), ``alert`` (early warning, |
|  | sim.model.warning: ``via`` names the alert), ``reject`` (units rejected at receipt, made again), |
|  | ``failover`` / ``switch_back`` (a failover rule changed route) |
| ``node`` | the node acting: the buyer (order, receive, stockout), the lane's origin (ship), the supplier (down, up) |
| ``sku`` | the product ('' for down/up) |
| ``qty`` | units (0 for down/up) |
| ``via`` | the source (order), the lane id (ship, receive), '' otherwise |
| ``order`` | the order's number in this replication (order, ship, receive), -1 otherwise |
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from sim.model.orders import Order

COLUMNS = ("t", "event", "node", "sku", "qty", "via", "order")


class EventLog:
    """Appends flat tuples; ``frame()`` turns them into a DataFrame with :data:`COLUMNS`."""

    __slots__ = ("_next", "rows")

    def __init__(self) -> None:
        self.rows: list[tuple[float, str, str, str, float, str, int]] = []  # COLUMNS
        self._next = 0

    def number(self, order: Order) -> int:
        """Give ``order`` its number (at placement)."""
        order.ref = n = self._next
        self._next = n + 1
        return n

    def add(self, t: float, event: str, node: str, sku: str, qty: float, via: str = "", order: int = -1) -> None:
        self.rows.append((t, event, node, sku, qty, via, order))

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows, columns=list(COLUMNS))
