"""Volume-flex bands at run time (sim.scenario.contracts has the terms): one ``FlexBand`` per supplier × product,
shared by every buyer of that product.

A stock item offers each order to its source's band (``StockItem.place``): the band accepts what fits in the period's
room (``upper − accepted``; nothing while earlier refused units still wait: first come, first served) and the
buyer routes the rest (``StockItem.refused``): to its first other source without a band, else to the band's waiting
queue. Waiting units are on order for the buyer from the decision on (its inventory position counts them); at the
start of each later period (the ``ORDER`` phase) the band releases them FIFO up to its room as orders to the
supplier, due when the original order was due.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING, Any

import simpy

from sim.model.clock import ORDER, call_at, period_of
from sim.tolerance import EPS

if TYPE_CHECKING:
    from sim.model.source_link import SourceLink
    from sim.model.stock_item import StockItem


class FlexBand:
    """Accepts up to ``upper`` units per period of one product at one supplier (module docstring)."""

    def __init__(self, env: simpy.Environment, lower: float, upper: float, horizon: int, warmup: int) -> None:
        self.env = env
        self.lower, self.upper = lower, upper
        self.warmup = warmup
        self.accepted = [0.0] * (horizon + 1)  # units accepted per period (orders released to the supplier)
        self.waiting: deque[list[Any]] = deque()  # [item, source, units, placed, due]
        self.requests = 0  # orders offered in the window
        self.within = 0  # of those, accepted whole
        self.refused = 0.0  # units refused at once in the window (spilled over or waiting)
        self._release_at: float | None = None

    def offer(self, qty: float, now: float) -> float:
        """Accept what fits of an order of ``qty`` placed now; returns the accepted units."""
        k = period_of(now)
        room = 0.0 if self.waiting else max(self.upper - self.accepted[k], 0.0)
        take = min(qty, room)
        self.accepted[k] += take
        if k >= self.warmup:
            self.requests += 1
            self.within += take >= qty - EPS
            self.refused += qty - take
        return take

    def wait(self, item: StockItem, src: SourceLink, units: float, placed: float, due: float) -> None:
        self.waiting.append([item, src, units, placed, due])
        if self._release_at is None:
            self._schedule()

    def _schedule(self) -> None:
        self._release_at = period_of(self.env.now) + 1
        call_at(self.env, self._release_at - self.env.now, ORDER, self._release)

    def _release(self) -> None:
        self._release_at = None
        k = period_of(self.env.now)
        while self.waiting and self.upper - self.accepted[k] > EPS:
            entry = self.waiting[0]
            take = min(entry[2], self.upper - self.accepted[k])
            self.accepted[k] += take
            entry[2] -= take
            item, src = entry[0], entry[1]
            item.send_deferred(src, take, entry[3], entry[4])
            if entry[2] <= EPS:
                self.waiting.popleft()
        if self.waiting:
            self._schedule()

    def shortfall(self, w: int, h: int) -> float:
        """Units below the band's lower limit, summed over the periods of the window."""
        return sum(max(self.lower - a, 0.0) for a in self.accepted[w:h])
