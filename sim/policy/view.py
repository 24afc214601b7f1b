"""What a strategy may read of the stock point it serves: the read-only view protocols.

A policy is asked ``decide(view)`` and a sourcing rule ``split(total, sources)`` with the item bound once through
``bind(item)``; both see only these attributes (``sim.model.stock_item.StockItem`` and ``SourceLink`` implement
them), so the strategies stay free of SimPy and of the model's internals.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol


class OpenOrder(Protocol):
    """An order placed at a source and not yet fully received."""

    qty: float
    received: float
    due: float


class SourceView(Protocol):
    """One replenishment source of a stock item and its pipeline."""

    key: str  # the name policies and rules use: the source node, or the lane id if a node has two lanes
    share: float
    promised: float  # quoted lead time
    expected: float  # order delay + mean production + mean transit
    on_order: float  # units on order at this source, not yet received
    node: Any  # the supplier or upstream stock item (a supplier has ``up`` and ``pools``)

    @property
    def open(self) -> Iterable[OpenOrder]: ...
    def due_within(self, now: float, horizon: float) -> float: ...


class EventSink(Protocol):
    """The opt-in event log (``sim.model.records.EventLog``)."""

    def add(self, t: float, event: str, node: str, sku: str, qty: float, via: str = "", order: int = -1) -> None: ...


class StockView(Protocol):
    """What a policy may read of its stock item."""

    node: str
    sku: str
    on_hand: float
    backorders: float
    on_order: float  # the supply line over all sources
    events: EventSink | None

    @property
    def now(self) -> float: ...
    @property
    def inventory_position(self) -> float: ...
    @property
    def sources(self) -> list[Any]: ...  # SourceView each (a list, so the model's own links type-check too)
    def supply_line(self, source: str | None = None) -> float: ...
    def demand_history(self, periods: int | None = None) -> list[float]: ...
    def expected_lead_time(self) -> float: ...
    def source(self, key: str) -> Any: ...  # the SourceView named ``key``
