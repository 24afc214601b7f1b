"""``OrderCounters``: the KPI window's record of a stock item's replenishment orders (docs/kpis.md: lead time,
OTIF). Each source keeps the same counts for its own orders (``SourceLink``), so a dual-sourced item's suppliers are
not averaged into one number."""

from __future__ import annotations


class OrderCounters:
    """Of the orders placed after the warm-up: the lead times of the completed ones, how many were due within the
    horizon (``due``) and how many of those arrived by their due date (``on_time``)."""

    __slots__ = ("due", "lead_times", "on_time")

    def __init__(self) -> None:
        self.lead_times: list[float] = []
        self.due = 0
        self.on_time = 0
