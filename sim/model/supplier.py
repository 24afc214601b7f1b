"""Suppliers: make-to-order sources with an optional production capacity and a production-time distribution."""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable

import simpy

from sim.model.clock import PRODUCTION, call_at
from sim.model.orders import Order

EPS = 1e-9


class CapacityPool:
    """Capacity of ``capacity`` units per period shared by the orders queued here (FIFO).

    An order takes what is left of the current period's capacity the moment it arrives and the rest from the next
    periods, so an order larger than one period's capacity is made over several periods (never a deadlock).
    ``done(order)`` is called when the order's last unit has been allocated.
    """

    def __init__(self, env: simpy.Environment, capacity: float, done: Callable[[Order], None], horizon: int):
        self.env = env
        self.capacity = capacity
        self.done = done
        self.queue: deque[list] = deque()
        self.produced = [0.0] * (horizon + 1)  # units allocated per period (utilisation)
        self._period = -1
        self._left = 0.0
        self._ticking = False

    def add(self, order: Order) -> None:
        self.queue.append([order, order.qty])
        self._allocate()

    def _allocate(self) -> None:
        now = self.env.now
        period = math.floor(now + EPS)
        if period != self._period:
            self._period, self._left = period, self.capacity
        queue = self.queue
        while queue and self._left > EPS:
            entry = queue[0]
            take = min(entry[1], self._left)
            self._left -= take
            entry[1] -= take
            self.produced[period] += take
            if entry[1] <= EPS:
                queue.popleft()
                self.done(entry[0])
        if queue and not self._ticking:
            self._ticking = True
            call_at(self.env, period + 1 - now, PRODUCTION, self._tick)

    def _tick(self) -> None:
        self._ticking = False
        self._allocate()


class Supplier:
    """A make-to-order supplier. An order is produced (capacity permitting), then takes a production-time draw,
    then ships complete on the lane to its buyer. A supplier without capacity is an unlimited source."""

    def __init__(
        self,
        env: simpy.Environment,
        node_id: str,
        capacity: float | dict[str, float] | None,
        production_time: dict[str, Callable[[], float]],
        horizon: int,
    ) -> None:
        self.env = env
        self.id = node_id
        self.production_time = production_time  # per sku sampler (own stream per sku)
        self.horizon = horizon
        self.ordered = [0.0] * (horizon + 1)  # units ordered from this supplier per period
        self.pools: dict[str, CapacityPool] = {}
        if isinstance(capacity, dict):
            self.pools = {sku: CapacityPool(env, c, self._made, horizon) for sku, c in capacity.items()}
        elif capacity is not None:
            shared = CapacityPool(env, capacity, self._made, horizon)
            self.pools = {sku: shared for sku in production_time}

    def receive_order(self, order: Order) -> None:
        self.ordered[int(self.env.now)] += order.qty
        pool = self.pools.get(order.sku)
        if pool is None:
            self._made(order)
        else:
            pool.add(order)

    def _made(self, order: Order) -> None:
        delay = self.production_time[order.sku]()
        if delay > 0:
            call_at(self.env, delay, PRODUCTION, order.lane.ship, order, order.qty)
        else:
            order.lane.ship(order, order.qty)
