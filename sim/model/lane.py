"""Shipping lanes: goods move from one node to another with a stochastic transit time, cost and capacity.

A lane has an ``id`` and a ``mode`` (several lanes may join the same pair of nodes: sea next to air). Every departure
is a :class:`Shipment` handle with its lines; its arrival is a scheduled call the shipment owns, so the model can
``delay`` it (the receipt moves by exactly that much), ``cancel`` it, or read when it is due.

Departures: a lane without capacity dispatches at once, in the event that handed it the goods. With a ``capacity``
(units per period), goods beyond it wait FIFO; the lane's dispatcher process releases them at the start of each
later period's production phase (a shipment may be split across periods). The dispatcher only runs while goods are
waiting. Each departing shipment pays ``cost_per_shipment`` plus ``cost_per_unit`` per unit, charged to the
receiving stock item. A lane with a ``consolidation:`` block is a ``ConsolidatingLane`` (sim.model.consolidating_lane):
its goods wait for shared containers; the plain lane's hot path here does not know about them.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import simpy

from sim.model.capacity import PeriodBudget
from sim.model.clock import PRODUCTION, RECEIPT, Call, call_at, period_of, wake_at
from sim.model.orders import Order
from sim.model.records import EventLog
from sim.tolerance import EPS

if TYPE_CHECKING:
    from simpy.events import ProcessGenerator


class Shipment:
    """Goods in transit on one lane: ``lines`` of (order, units); arrives at ``arrives`` unless delayed/cancelled.

    The shipment is itself its arrival's entry in SimPy's event queue (``Environment.step`` reads only ``callbacks``
    and ``_ok``; see sim.model.clock), so a departure costs one object. After a ``delay`` the arrival moves to a
    :class:`~sim.model.clock.Call` and the shipment's own entry does nothing when it comes up.
    """

    __slots__ = ("_entry", "arrives", "callbacks", "departed", "lane", "lines")
    _ok = True

    def __init__(self, lane: Lane, lines: list[tuple[Order, float]], departed: float, arrives: float) -> None:
        self.lane = lane
        self.lines = lines
        self.departed = departed
        self.arrives = arrives
        self.callbacks = _LAND
        self._entry: Shipment | Call | None = None  # the queue entry that will land it (None: not in transit)

    @property
    def in_transit(self) -> bool:
        return self._entry is not None

    def delay(self, by: float) -> None:
        """Arrive ``by`` periods later than planned (``by`` >= 0)."""
        if by < 0:
            raise ValueError(f"a shipment can't be delayed by a negative time ({by})")
        if self._entry is None:
            raise RuntimeError("this shipment is no longer in transit")
        if self._entry is not self:
            self._entry.cancel()
        self.arrives += by
        self._entry = call_at(self.lane.env, max(self.arrives - self.lane.env.now, 0.0), RECEIPT, self._arrive)

    def cancel(self) -> None:
        """Lose the shipment: it never arrives (its units leave the buyer's pipeline as lost in transit)."""
        if self._entry is None:
            raise RuntimeError("this shipment is no longer in transit")
        if self._entry is not self:
            self._entry.cancel()
        self._entry = None
        self.lane.in_transit.discard(self)
        for order, qty in self.lines:
            order.buyer.lost_in_transit(order, qty)

    def _arrive(self) -> None:
        self._entry = None
        lane = self.lane
        lane.in_transit.discard(self)
        for order, qty in self.lines:
            if lane.inspect is not None:  # a quality excursion: rejected units leave here and are reordered
                qty = lane.inspect(self, order, qty)
                if qty <= EPS:
                    continue
            order.buyer.receive(order, qty)


def _land(shipment: Shipment) -> None:
    """The shipment's own queue entry came up: it arrives, unless it was delayed (a Call lands it) or cancelled."""
    if shipment._entry is shipment:
        shipment._arrive()


_LAND = (_land,)


class Lane:
    """A directed lane (see the module docstring)."""

    def __init__(
        self,
        env: simpy.Environment,
        src: str,
        dst: str,
        transit: Callable[[], float],
        cost_per_unit: float,
        cost_per_shipment: float,
        capacity: float | None,
        lane_id: str = "",
        mode: str = "road",
    ) -> None:
        self.env = env
        self.src, self.dst = src, dst
        self.id = lane_id or f"{src}->{dst}"
        self.mode = mode
        self.transit = transit
        self.cost_per_unit = cost_per_unit
        self.cost_per_shipment = cost_per_shipment
        self.capacity = capacity
        self.shipments = 0
        self.in_transit: set[Shipment] = set()  # handles of the shipments on the way
        self.events: EventLog | None = None  # the opt-in event log, set by the SupplyChain
        # disruptions (sim.model.disruption_processes): closed = no departures; slowdown scales transit draws;
        # inspect rejects
        self.closed = False
        self.slowdown = 1.0
        self.inspect: Callable[[Shipment, Order, float], float] | None = None
        self._held: list[tuple[Order, float]] = []  # goods handed over while closed, FIFO
        self._budget = PeriodBudget(capacity) if capacity is not None else None
        self._queue: deque[list[Any]] = deque()  # [order, qty] waiting for capacity
        self._wake: simpy.Event | None = None
        self.process = env.process(self._dispatcher()) if capacity is not None else None

    def ship(self, order: Order, qty: float) -> None:
        if self.closed:
            self._held.append((order, qty))
            return
        if self._budget is None:
            self._depart(order, qty)
            return
        self._queue.append([order, qty])
        self._release()
        if self._queue and self._wake is not None:
            self._wake.succeed()
            self._wake = None

    def _depart(self, order: Order, qty: float) -> None:
        env = self.env
        self.shipments += 1
        order.buyer.dispatched(qty, self.cost_per_shipment + self.cost_per_unit * qty)
        now = env._now  # SimPy's clock field (``now`` costs a call; pinned in tests/model/test_engine_v2.py)
        transit = self.transit()
        if self.slowdown != 1.0:
            transit *= self.slowdown
        if self.events is not None:
            self.events.add(now, "ship", self.src, order.sku, qty, self.id, order.ref)
        shipment = Shipment(self, [(order, qty)], now, now + transit)
        shipment._entry = shipment
        env.schedule(shipment, RECEIPT, transit)  # type: ignore[arg-type]
        self.in_transit.add(shipment)

    def close(self) -> None:
        """No departures from now on: goods handed over wait (FIFO) until :meth:`reopen`."""
        self.closed = True

    def reopen(self) -> None:
        """Departures again: what waited leaves now, in the order it was handed over (capacity still applies)."""
        self.closed = False
        held, self._held = self._held, []
        for order, qty in held:
            self.ship(order, qty)

    def _release(self) -> None:
        if self.closed:
            return
        queue, now = self._queue, self.env.now
        while queue:
            entry = queue[0]
            take = self._budget.take(entry[1], now)  # type: ignore[union-attr]
            if take <= EPS:
                return
            entry[1] -= take
            self._depart(entry[0], take)
            if entry[1] <= EPS:
                queue.popleft()

    def _dispatcher(self) -> ProcessGenerator:
        env = self.env
        while True:
            if not self._queue:
                self._wake = env.event()
                yield self._wake
            while self._queue:
                yield wake_at(env, period_of(env.now) + 1 - env.now, PRODUCTION)
                self._release()
