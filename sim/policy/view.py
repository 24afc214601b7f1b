"""What a strategy may read of the stock point it serves: the read-only view protocols.

A policy is asked ``decide(view)`` and a sourcing rule ``split(total, sources)`` with the item bound once through
``bind(item)``; both see only these attributes (``sim.model.stock_item.StockItem`` and ``SourceLink`` implement
them), so the strategies stay free of SimPy and of the model's internals.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol


class OpenOrder(Protocol):
    """An order placed at a source and not yet fully received."""

    @property
    def qty(self) -> float: ...
    @property
    def received(self) -> float: ...
    @property
    def due(self) -> float: ...


class SourceView(Protocol):
    """One replenishment source of a stock item and its pipeline.

    Members are read-only properties: a strategy reads them, and a model class that stores plain attributes (of the
    same or a narrower type) implements them."""

    @property
    def key(self) -> str: ...  # the name policies and rules use: the source node, or the lane id (two lanes)
    @property
    def share(self) -> float: ...
    @property
    def promised(self) -> float: ...  # quoted lead time
    @property
    def expected(self) -> float: ...  # order delay + mean production + mean transit
    @property
    def on_order(self) -> float: ...  # units on order at this source, not yet received
    @property
    def node(self) -> object: ...  # the supplier or upstream stock item (a supplier has ``up`` and ``pools``)
    @property
    def open(self) -> Iterable[OpenOrder]: ...
    def due_within(self, now: float, horizon: float) -> float: ...


class EventSink(Protocol):
    """The opt-in event log (``sim.model.records.EventLog``)."""

    def add(self, t: float, event: str, node: str, sku: str, qty: float, via: str = "", order: int = -1) -> None: ...


class StockView(Protocol):
    """What a policy may read of its stock item (read-only properties, like :class:`SourceView`)."""

    @property
    def node(self) -> str: ...
    @property
    def sku(self) -> str: ...
    @property
    def on_hand(self) -> float: ...
    @property
    def backorders(self) -> float: ...
    @property
    def on_order(self) -> float: ...  # the supply line over all sources
    @property
    def events(self) -> EventSink | None: ...
    @property
    def now(self) -> float: ...
    @property
    def inventory_position(self) -> float: ...
    @property
    def sources(self) -> Sequence[SourceView]: ...
    def supply_line(self, source: str | None = None) -> float: ...
    def demand_history(self, periods: int | None = None) -> list[float]: ...
    def expected_lead_time(self) -> float: ...
    def source(self, key: str) -> SourceView: ...  # the source named ``key``
