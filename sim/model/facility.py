"""A facility outage at runtime: a closed stock point ships nothing and serves no customer; what arrives for it waits
at its door.

Closing a stock point (``StockPoint.close``) closes each of its items (``StockItem.close``: every demand finds a
queue, so customer demand is backordered or lost by the node's ``unmet_demand`` and downstream orders are
backordered) and puts a :class:`Door` on each inbound lane: an arriving shipment's lines wait there, still in transit
and on order for the buyer, and are received in the order they arrived when the facility reopens. Reviews and orders
go on (the inventory position is unchanged by the closure). Reopening pays the backorder queue from the stock kept on
hand, then receives what waited.

The door rides on the lane's arrival hook (``Lane.inspect``, the same one a quality excursion uses), so the lanes'
and stock items' hot paths do no extra work. The runtime actor a ``facility_outage`` closes is found by
:func:`facility`: a plant (``Plant.close``: its stock point closes as above, components arriving wait at its door, and
its production stops as in a plant outage: no kit starts, the work in progress is held and resumes at reopening, the
capacity of the closed periods is lost), else the node's stock point. A new kind of facility adds its lookup there
and implements :class:`Facility`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Protocol

from sim.tolerance import EPS

if TYPE_CHECKING:
    from sim.model.lane import Lane, Shipment
    from sim.model.orders import Order

    Inspect = Callable[[Shipment, Order, float], float]


class Facility(Protocol):
    """What a facility outage needs of the actor it closes (closures of one facility may overlap: the last
    reopening opens it)."""

    def close(self, inbound: list[Lane]) -> None: ...
    def reopen(self) -> None: ...


class Sites(Protocol):
    """Where the facilities of a replication are (sim.model.actors.Actors)."""

    @property
    def stock_points(self) -> Mapping[str, Facility]: ...
    @property
    def plants(self) -> Mapping[str, Facility]: ...


def facility(chain: Sites, node: str) -> Facility:
    """The actor a ``facility_outage`` of ``node`` closes (sim.scenario.targets.FACILITY_TYPES lists the node types
    it may name): the plant, else the node's stock point."""
    plant = chain.plants.get(node)
    return plant if plant is not None else chain.stock_points[node]


class Door:
    """A closed facility's door on one inbound lane: arrivals wait here, FIFO, until :meth:`open`."""

    def __init__(self, lane: Lane) -> None:
        self.lane = lane
        self.inner: Inspect | None = lane.inspect  # a quality check already on the lane: applied at reopening
        self.waiting: list[tuple[Shipment, Order, float]] = []
        lane.inspect = self.hold

    def hold(self, shipment: Shipment, order: Order, qty: float) -> float:
        """The lane's arrival hook while closed: keep the line, let nothing through now."""
        self.waiting.append((shipment, order, qty))
        return 0.0

    def open(self) -> None:
        """Restore the lane's own hook and receive what waited, in the order it arrived (inspected if the lane
        inspects)."""
        self.lane.inspect = inner = self.inner
        waiting, self.waiting = self.waiting, []
        for shipment, order, qty in waiting:
            if inner is not None:
                qty = inner(shipment, order, qty)
                if qty <= EPS:
                    continue
            order.buyer.receive(order, qty)
