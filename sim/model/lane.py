"""Shipping lanes: goods move from one node to another with a stochastic transit time, cost and capacity."""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable

import simpy

from sim.model.clock import PRODUCTION, RECEIPT, call_at
from sim.model.orders import Order

EPS = 1e-9


class Lane:
    """A directed lane. ``ship`` sends goods now; they arrive after a transit-time draw (lane's own stream).

    With a ``capacity`` (units per period) shipments beyond it wait, FIFO, for the next periods' capacity
    (a shipment may be split across periods). Each departing shipment pays ``cost_per_shipment`` plus
    ``cost_per_unit`` per unit, charged to the receiving stock item.
    """

    def __init__(
        self,
        env: simpy.Environment,
        src: str,
        dst: str,
        transit: Callable[[], float],
        cost_per_unit: float,
        cost_per_shipment: float,
        capacity: float | None,
    ) -> None:
        self.env = env
        self.src, self.dst = src, dst
        self.transit = transit
        self.cost_per_unit = cost_per_unit
        self.cost_per_shipment = cost_per_shipment
        self.capacity = capacity
        self.shipments = 0
        self._queue: deque[list] = deque()  # [order, qty] waiting for capacity
        self._period = -1
        self._left = 0.0
        self._ticking = False

    def ship(self, order: Order, qty: float) -> None:
        if self.capacity is None:
            self._depart(order, qty)
        else:
            self._queue.append([order, qty])
            self._release()

    def _depart(self, order: Order, qty: float) -> None:
        self.shipments += 1
        order.buyer.dispatched(qty, self.cost_per_shipment + self.cost_per_unit * qty)
        call_at(self.env, self.transit(), RECEIPT, order.buyer.receive, order, qty)

    def _release(self) -> None:
        now = self.env.now
        period = math.floor(now + EPS)
        if period != self._period:
            self._period, self._left = period, self.capacity
        queue = self._queue
        while queue and self._left > EPS:
            entry = queue[0]
            take = min(entry[1], self._left)
            self._left -= take
            entry[1] -= take
            self._depart(entry[0], take)
            if entry[1] <= EPS:
                queue.popleft()
        if queue and not self._ticking:
            self._ticking = True
            call_at(self.env, period + 1 - now, PRODUCTION, self._tick)

    def _tick(self) -> None:
        self._ticking = False
        self._release()
