"""A per-period capacity budget, shared by suppliers (production) and lanes (departures)."""

from __future__ import annotations

from sim.model.clock import period_of


class PeriodBudget:
    """``capacity`` units per period; ``take(want, now)`` grants what is left of the current period's budget."""

    __slots__ = ("_left", "_period", "capacity")

    def __init__(self, capacity: float) -> None:
        self.capacity = capacity
        self._period = -1
        self._left = 0.0

    def take(self, want: float, now: float) -> float:
        period = period_of(now)
        if period != self._period:
            self._period, self._left = period, self.capacity
        got = min(want, self._left)
        self._left -= got
        return got
