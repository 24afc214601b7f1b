"""A plant's production stage and its output line (sim.model.plant).

``ProductionStage`` is a supplier's production process (sim.model.supplier: capacity pools FIFO per period, a
production time per order held as a handle, outages by interrupt that hold the work in progress and resume it) that
tells its plant when an outage ends, so waiting kits are checked again. ``ProductionLine`` is the carrier of a
finished good's production orders: it hands the output to the finished-goods item at once, the instant production
ends (no transit, no cost), so a production order completes like any order (on order, lead time, OTIF).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

import simpy

from sim.model.lane import Lane
from sim.model.orders import Order
from sim.model.supplier import Supplier

if TYPE_CHECKING:
    from simpy.events import ProcessGenerator


class Plant(Protocol):
    """What the stage and the line tell their plant (sim.model.plant.Plant)."""

    id: str

    def kit_check(self) -> None: ...
    def finished(self, order: Order, qty: float) -> None: ...


class ProductionStage(Supplier):
    """The plant's capacity and production time: a supplier's process whose outage end re-checks the waiting kits."""

    def __init__(
        self,
        plant: Plant,
        env: simpy.Environment,
        capacity: float | dict[str, float] | None,
        production_time: dict[str, Callable[[], float]],
        horizon: int,
    ) -> None:
        super().__init__(env, plant.id, capacity, production_time, horizon)
        self.plant = plant

    def _outage(self, cause: object) -> ProcessGenerator:
        yield from super()._outage(cause)
        self.plant.kit_check()  # back up: kits that waited for the plant (or completed while it was down) start


def _no_transit() -> float:
    return 0.0


class ProductionLine(Lane):
    """The plant's output to its finished-goods items: delivered the instant production ends."""

    def __init__(self, env: simpy.Environment, plant: Plant) -> None:
        super().__init__(env, plant.id, plant.id, _no_transit, 0.0, 0.0, None, lane_id=f"{plant.id}:production",
                         mode="internal")  # fmt: skip
        self.plant = plant

    def ship(self, order: Order, qty: float) -> None:
        self.plant.finished(order, qty)
        self.shipments += 1
        if self.events is not None:
            self.events.add(self.env.now, "ship", self.src, order.sku, qty, self.id, order.ref)
        order.buyer.dispatched(qty, 0.0)
        order.buyer.receive(order, qty)
