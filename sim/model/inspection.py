"""Incoming inspection of a source with defects (a supplier's ``defect_rate``): at each receipt a Binomial share of
the units is rejected; the rejects leave the pipeline and the source makes them again on a replacement order."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.model.clock import ORDER, call_at
from sim.model.orders import Order
from sim.tolerance import EPS

if TYPE_CHECKING:
    from sim.model.stock_item import StockItem


class Inspection:
    """Rejects from one source's receipts, drawn from the lane × product's ``quality`` stream."""

    __slots__ = ("defect_rate", "rng")

    def __init__(self, defect_rate: float, rng: np.random.Generator) -> None:
        self.defect_rate = defect_rate
        self.rng = rng

    def accept(self, item: StockItem, order: Order, qty: float, now: float) -> float:
        """Reject a Binomial(qty, defect rate) share of ``qty`` units arriving for ``order`` (whole units: the draw
        is on ``round(qty)``); the rejects leave the pipeline and the source makes them again on a replacement order
        (same source, due one promised lead time from now; not a new buyer decision: not counted in orders or
        ordered). Returns the accepted units. The rejected units are not paid for."""
        src = order.source  # a SourceLink (this inspection is its own)
        bad = float(self.rng.binomial(round(qty), self.defect_rate)) if qty >= 1 else 0.0
        if bad <= 0:
            return qty
        item.in_transit -= bad
        order.qty -= bad  # the original order now asks for what was accepted; the rest moves to the replacement
        src.on_order -= bad
        if int(now + EPS) >= item.warmup:
            src.rejected += bad
            src.reorders += 1
        again = Order(item, item.sku, bad, src.lane, now, now + src.promised, src.external, src)
        src.open[again] = None
        src.on_order += bad
        if item.events is not None:
            item.events.add(now, "reject", item.node, item.sku, bad, src.key, order.ref)
            item.events.number(again)  # the replacement's own number (its receipts are logged under it)
        if src.delay > 0:
            call_at(item.env, src.delay, ORDER, src.node.receive_order, again)
        else:
            src.node.receive_order(again)
        return qty - bad
