"""Suppliers: make-to-order sources with an optional production capacity, a production-time distribution and outages.

A ``Supplier`` is a SimPy process in the shape of SimPy's machine-shop example. Orders join a FIFO queue per capacity
pool; each period's capacity is allocated to the head of the queue (an order larger than one period's capacity is
made over several periods, never a deadlock); an order whose last unit is allocated starts its production time (a
handle the supplier holds) and then ships complete on its lane. The process itself only runs while there is queued
work left for a later period: an order that fits in this period's capacity is allocated at once, in the event that
brought it, so an unlimited supplier costs no process switches.

Outages: ``supplier.fail(duration)`` (or ``supplier.process.interrupt(Outage(duration))``) takes it down now.
While down, new orders queue, nothing is allocated, and orders in their production time are *held*: their remaining
production time resumes when the supplier is back (Ciw's "resume" preemption). ``duration=None`` means until
``repair()``. Interrupting a supplier that is already down extends the outage to the later end. Goods already handed
to a lane are not the supplier's any more.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import simpy

from sim.model.capacity import PeriodBudget
from sim.model.clock import PRODUCTION, Call, call_at, period_of, wake_at
from sim.model.orders import Order
from sim.model.records import EventLog
from sim.tolerance import EPS

if TYPE_CHECKING:
    from simpy.events import ProcessGenerator


@dataclass(frozen=True)
class Outage:
    """The cause carried by an interrupt that takes a supplier down (``duration`` None: until ``repair()``)."""

    duration: float | None = None


class CapacityPool:
    """``capacity`` units per period shared FIFO by the orders queued here."""

    __slots__ = ("budget", "capacity", "produced", "queue")

    def __init__(self, capacity: float, horizon: int) -> None:
        self.capacity = capacity
        self.budget = PeriodBudget(capacity)
        self.queue: deque[list[Any]] = deque()  # [order, units not yet allocated]
        self.produced = [0.0] * (horizon + 1)  # units allocated per period (utilisation)

    def allocate(self, now: float, done: Callable[[Order], None]) -> None:
        queue, period = self.queue, period_of(now)
        while queue:
            entry = queue[0]
            take = self.budget.take(entry[1], now)
            if take <= EPS:
                return
            entry[1] -= take
            self.produced[period] += take
            if entry[1] <= EPS:
                queue.popleft()
                done(entry[0])


class Supplier:
    """A make-to-order supplier (see the module docstring). Without capacity it is an unlimited source."""

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
        # periods in which it had an order in hand, from the order's placement to its shipment (coordination cost)
        self.in_hand = bytearray(horizon + 1)
        self.pools: dict[str, CapacityPool] = {}
        if isinstance(capacity, dict):
            self.pools = {sku: CapacityPool(c, horizon) for sku, c in capacity.items()}
        elif capacity is not None:
            shared = CapacityPool(capacity, horizon)
            self.pools = {sku: shared for sku in production_time}
        self.up = True
        self.waiting: deque[Order] = deque()  # orders of unlimited products that arrived while down
        self.in_production: dict[Call, Order] = {}  # handles of orders in their production time
        self.held: list[tuple[Order, float]] = []  # (order, remaining production time) while down
        self.down_time = 0.0  # periods spent down (availability)
        self.outages: list[list[float]] = []  # [start, end] of each outage (end = inf while still down)
        self.events: EventLog | None = None  # the opt-in event log, set by the SupplyChain
        self._wake: simpy.Event | None = None
        self._repaired: simpy.Event | None = None
        self.process = env.process(self._run())

    # -- orders ------------------------------------------------------------------------------------------
    def receive_order(self, order: Order) -> None:
        now = self.env.now
        self.ordered[period_of(now)] += order.qty
        pool = self.pools.get(order.sku)
        if not self.up:
            if pool is None:
                self.waiting.append(order)
            else:
                pool.queue.append([order, order.qty])
            return
        if pool is None:
            self._made(order)
            return
        pool.queue.append([order, order.qty])
        pool.allocate(now, self._made)
        if pool.queue and self._wake is not None:
            self._wake.succeed()  # leftover for later periods: the process takes over
            self._wake = None

    def _queued(self) -> bool:
        return any(p.queue for p in self.pools.values())

    def _allocate_all(self) -> None:
        now = self.env.now
        for pool in {id(p): p for p in self.pools.values()}.values():
            pool.allocate(now, self._made)

    def _made(self, order: Order) -> None:
        """All units allocated: the production time starts (a handle the supplier can hold)."""
        delay = self.production_time[order.sku]()
        if delay > 0:
            self._start_production(order, delay)
        else:
            self._ship(order)

    def _ship(self, order: Order) -> None:
        """The order is made: it leaves on its lane; the periods from its placement to now had it in hand."""
        _mark(self.in_hand, order.placed, self.env.now)
        order.lane.ship(order, order.qty)

    def open_orders(self) -> list[Order]:
        """The orders it holds now: waiting for capacity, in production, held by an outage, waiting for repair."""
        queued = [entry[0] for pool in {id(p): p for p in self.pools.values()}.values() for entry in pool.queue]
        return [*queued, *self.in_production.values(), *(o for o, _ in self.held), *self.waiting]

    def periods_in_hand(self, start: int, end: int) -> int:
        """Periods in ``[start, end)`` in which it had an order in hand (one still open at ``end`` counts to then)."""
        marks = bytearray(self.in_hand)
        for order in self.open_orders():
            _mark(marks, order.placed, end - 1)
        return sum(marks[start:end])

    def _start_production(self, order: Order, delay: float) -> None:
        call = call_at(self.env, delay, PRODUCTION, self._finished, order)
        call.args = (order, call)
        self.in_production[call] = order

    def _finished(self, order: Order, call: Call) -> None:
        del self.in_production[call]
        call.args = ()  # its args held the call itself: without the cycle, reference counting frees it now
        self._ship(order)

    # -- the process ---------------------------------------------------------------------------------------
    def _run(self) -> ProcessGenerator:
        env = self.env
        while True:
            try:
                if not self._queued():
                    self._wake = env.event()
                    yield self._wake
                # work left over: allocate at the start of each next period's production phase
                while self._queued():
                    yield wake_at(env, period_of(env.now) + 1 - env.now, PRODUCTION)
                    self._allocate_all()
            except simpy.Interrupt as intr:
                yield from self._outage(intr.cause)

    def _outage(self, cause: object) -> ProcessGenerator:
        env = self.env
        self._wake = None
        self.up = False
        start = env.now
        self.outages.append([start, float("inf")])
        if self.events is not None:
            self.events.add(start, "down", self.id, "", 0.0)
        for call, order in self.in_production.items():
            call.cancel()
            call.args = ()  # (order, the call itself): no cycle left behind
            self.held.append((order, call.at - start))
        self.in_production.clear()
        duration = cause.duration if isinstance(cause, Outage) else None
        end = None if duration is None else start + duration
        while True:
            try:
                if end is None:
                    self._repaired = env.event()
                    yield self._repaired
                else:
                    yield env.timeout(end - env.now)
                break
            except simpy.Interrupt as again:  # a second outage while down: the later end wins
                more = again.cause.duration if isinstance(again.cause, Outage) else None
                end = None if (more is None or end is None) else max(end, env.now + more)
        self._repaired = None
        self.up = True
        self.down_time += env.now - start
        self.outages[-1][1] = env.now
        if self.events is not None:
            self.events.add(env.now, "up", self.id, "", 0.0)
        held, self.held = self.held, []
        for order, remaining in held:
            if remaining > EPS:
                self._start_production(order, remaining)
            else:
                self._ship(order)
        waiting, self.waiting = self.waiting, deque()
        for order in waiting:
            self._made(order)
        self._allocate_all()

    # -- disruptions ---------------------------------------------------------------------------------------
    def fail(self, duration: float | None = None) -> None:
        """Take the supplier down now for ``duration`` periods (None: until :meth:`repair`)."""
        self.process.interrupt(Outage(duration))

    def repair(self) -> None:
        """End an open-ended outage now."""
        if self._repaired is not None:
            self._repaired.succeed()

    def scale_capacity(self, factor: float) -> None:
        """Capacity × ``factor`` from the next period's budget on (1.0 restores it; a capacity loss)."""
        for pool in {id(p): p for p in self.pools.values()}.values():
            pool.budget.capacity = pool.capacity * factor  # ``capacity`` stays nominal (utilisation's denominator)


def _mark(periods: bytearray, placed: float, until: float) -> None:
    """Mark the periods from the one ``placed`` falls in to the one ``until`` falls in (within the buffer)."""
    first, last = period_of(max(placed, 0.0)), min(period_of(until), len(periods) - 1)
    if first <= last:
        periods[first : last + 1] = b"\x01" * (last - first + 1)
