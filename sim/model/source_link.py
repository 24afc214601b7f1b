"""``SourceLink``: one replenishment source of a stock item and the pipeline of orders open there."""

from __future__ import annotations

from typing import Any, Protocol

from sim.model.lane import Lane
from sim.model.orders import Fulfiller, Order
from sim.tolerance import EPS


class Inspection(Protocol):
    """Incoming inspection of the source's receipts (sim.model.inspection)."""

    defect_rate: float

    def accept(self, item: Any, order: Order, qty: float, now: float) -> float: ...


class Band(Protocol):
    """The supplier's volume-flex band for the product (sim.model.flex_band)."""

    def offer(self, qty: float, now: float) -> float: ...
    def wait(self, buyer: Any, src: Any, units: float, placed: float, due: float) -> None: ...


class SourceLink:
    """One replenishment source of a stock item: where orders go, on which lane goods come back, and the pipeline
    of orders open there (``open``: placed, not yet fully received; ``on_order``: their units not yet received)."""

    __slots__ = (
        *("delay", "expected", "external", "key", "lane", "node", "on_order", "open", "promised", "share", "upstream"),
        *("defect_rate", "inspection", "price", "rejected"),
        *("due", "lead_times", "n_placed", "on_time", "received"),
        *("band", "late"),
        *("consignment", "paid", "reorders"),
    )

    def __init__(
        self,
        node: Fulfiller,
        lane: Lane,
        *,
        share: float,
        delay: float,
        promised: float,
        external: bool,
        expected: float,
        key: str = "",
        price: float = 0.0,
        inspection: Inspection | None = None,
        upstream: str = "",
    ) -> None:
        self.node = node  # Supplier or StockItem: anything with receive_order(order)
        self.upstream = upstream or lane.src  # the source node's id
        self.lane = lane
        self.key = key or lane.src  # the name policies use: the source node, or the lane id if a node has two lanes
        self.share = share
        self.delay = delay
        self.promised = promised  # quoted lead time (OTIF)
        self.external = external
        self.expected = expected  # expected lead time: order delay + mean production + mean transit
        self.price = price  # paid per unit received from a supplier (the source's, supplier's or product's unit_cost)
        self.inspection = inspection  # incoming inspection (sim.model.inspection), None without defects
        self.defect_rate = 0.0 if inspection is None else inspection.defect_rate  # share of units rejected
        self.rejected = 0.0  # units rejected at receipt in the window
        self.open: dict[Order, None] = {}  # insertion-ordered set of open orders
        self.on_order = 0.0
        # the KPI window's per-source record (sim.kpi.sources): the item's lead time and OTIF counts split by
        # source, so a dual-sourced item's two suppliers are not averaged into one number
        self.lead_times: list[float] = []  # completed orders placed in the window
        self.n_placed = 0  # orders placed in the window
        self.due = 0  # of those, due within the horizon
        self.on_time = 0
        self.received = 0.0  # units received in the window
        self.late = 0.0  # of those, units received after their order's due date (contract terms)
        self.band: Band | None = None  # the supplier's volume-flex band for the product, if it has one
        self.reorders = 0  # replacement orders for rejects, in the window (quality_cost: their transport)
        # consignment (sim.model.consignment): the supplier owns received units until issued; ``paid``: units issued
        # (paid for) in the window
        self.consignment = False
        self.paid = 0.0

    def due_within(self, now: float, horizon: float) -> float:
        """Units still to come from this source on orders due (placed + promised lead time) by ``now + horizon``."""
        return sum(o.qty - o.received for o in self.open if o.due <= now + horizon + EPS)
