"""Consolidated shipping: goods wait on a lane for a container (or truck) that every product on the lane shares.

A :class:`ConsolidatingLane` is a :class:`~sim.model.lane.Lane` built for a lane with a ``consolidation:`` block
(plain lanes keep their own, tuned ``ship``: consolidation costs them nothing). Goods handed to it fill containers
FIFO; a line that does not fit in the open container fills it and goes on in the next one, so an order larger than a
container splits over several. A container leaves at the first dispatch rule that fires (docs/sourcing.md,
"Consolidated shipping"; timing in docs/timing.md):

* ``when_full``: at once, in the event that filled it;
* ``schedule``: at ``offset, offset + every, ...`` in the ``PRODUCTION`` phase, with everything that waits;
* ``max_wait``: ``max_wait`` periods after its first unit began waiting, in the ``PRODUCTION`` phase.

A departing container is one :class:`~sim.model.lane.Shipment` with one line per order on it and one transit draw.
It costs the lane's ``cost_per_shipment`` (per container) plus ``cost_per_unit`` per unit; the fixed part is
allocated to the lines by their share of the container's load (units, or volume with ``measure: volume``) and
charged, like every transport cost, to the receiving stock items. While the lane is closed nothing leaves: goods
still join containers, a missed scheduled departure is missed, and on reopening every container that is full (with
``when_full``) or past its maximum wait leaves at once.

Each lane keeps its ``departures`` (time, load, units, cost); sim.kpi.lanes turns them into the lane KPIs.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import simpy

from sim.model.clock import PRODUCTION, RECEIPT, Call, call_at
from sim.model.lane import Lane, Shipment
from sim.model.orders import Order
from sim.scenario.consolidation import Consolidation
from sim.tolerance import EPS

if TYPE_CHECKING:
    from sim.scenario.schema import Lane as LaneSpec


class Container:
    """A container being loaded: its lines ``[order, units, load]``, its load (units or volume), when its first unit
    began waiting, and its maximum-wait timer."""

    __slots__ = ("due", "full", "lines", "load", "opened", "timer")

    def __init__(self, opened: float) -> None:
        self.lines: list[list[Any]] = []  # [order, units, load]
        self.load = 0.0
        self.opened = opened
        self.full = False
        self.due = False  # its maximum wait passed while the lane was closed
        self.timer: Call | None = None

    def add(self, order: Order, units: float, load: float) -> None:
        last = self.lines[-1] if self.lines else None
        if last is not None and last[0] is order:  # more of the same order: one line
            last[1] += units
            last[2] += load
        else:
            self.lines.append([order, units, load])
        self.load += load


class ConsolidatingLane(Lane):
    """A lane whose goods leave in shared containers (see the module docstring)."""

    def __init__(
        self, env: simpy.Environment, lane: LaneSpec, transit: Callable[[], float], unit_volume: dict[str, float]
    ) -> None:
        """The model lane of scenario lane ``lane`` (with a ``consolidation:`` block)."""
        super().__init__(
            env, lane.from_, lane.to, transit, lane.cost_per_unit, lane.cost_per_shipment, None, lane.id, lane.mode
        )
        spec: Consolidation = lane.consolidation  # type: ignore[assignment]
        self.container_capacity = spec.capacity
        self.unit_volume = unit_volume if spec.measure == "volume" else None  # None: the load is units
        self.when_full = "when_full" in spec.dispatch
        self.max_wait = spec.max_wait
        self.waiting: deque[Container] = deque()  # loading FIFO; only the last one can still take goods
        # one record per departed container: (departed, load, units, cost)
        self.departures: list[tuple[float, float, float, float]] = []
        if spec.every is not None:
            call_at(env, spec.offset, PRODUCTION, self._sail, float(spec.every))

    @property
    def units_waiting(self) -> float:
        units: float = sum(line[1] for box in self.waiting for line in box.lines)
        return units

    def ship(self, order: Order, qty: float) -> None:
        per_unit = 1.0 if self.unit_volume is None else self.unit_volume[order.sku]
        cap = self.container_capacity
        while qty > EPS:
            box = self.waiting[-1] if self.waiting and not self.waiting[-1].full else None
            if box is None:
                box = Container(self.env.now)
                self.waiting.append(box)
                if self.max_wait is not None:
                    box.timer = call_at(self.env, self.max_wait, PRODUCTION, self._expire, box)
            room = cap - box.load
            if qty * per_unit < room - EPS:  # fits, with room to spare
                box.add(order, qty, qty * per_unit)
                return
            take = min(qty, room / per_unit)
            qty = qty - take if qty - take > EPS else 0.0
            box.add(order, take, room)
            box.load, box.full = cap, True  # exactly full (no float dust left as room)
            if self.when_full and not self.closed:
                self._send(box)

    def reopen(self) -> None:
        """Departures again: every container that is full (with ``when_full``) or past its maximum wait leaves now."""
        self.closed = False
        for box in list(self.waiting):
            if box.due or (box.full and self.when_full):
                self._send(box)

    def _expire(self, box: Container) -> None:
        box.timer = None
        if self.closed:
            box.due = True
        else:
            self._send(box)

    def _sail(self, every: float) -> None:
        if not self.closed:
            while self.waiting:
                self._send(self.waiting[0])
        call_at(self.env, every, PRODUCTION, self._sail, every)

    def _send(self, box: Container) -> None:
        """The container leaves now: one shipment, costs allocated to its lines by their share of the load."""
        self.waiting.remove(box)
        if box.timer is not None:
            box.timer.cancel()
        env = self.env
        now = env.now
        transit = self.transit()
        if self.slowdown != 1.0:
            transit *= self.slowdown
        fixed = self.cost_per_shipment / box.load
        units = total = 0.0
        for order, qty, load in box.lines:
            cost = self.cost_per_unit * qty + fixed * load
            order.buyer.dispatched(qty, cost)
            units += qty
            total += cost
            if self.events is not None:
                self.events.add(now, "ship", self.src, order.sku, qty, self.id, order.ref)
        self.shipments += 1
        self.departures.append((now, box.load, units, total))
        shipment = Shipment(self, [(order, qty) for order, qty, _ in box.lines], now, now + transit)
        shipment._entry = shipment
        env.schedule(shipment, RECEIPT, transit)  # type: ignore[arg-type]
        self.in_transit.add(shipment)
