"""A written starting state: goods already in transit and order slips already on their way (the beer game board).

A source may list ``initial_shipments`` (units arriving at t = 0, 1, ...: goods shipped before t = 0) and
``initial_orders`` (order slips reaching the source at t = 0, 1, ...: orders placed before t = 0, still travelling
as information through the ``order_delay``). Both count in the buyer's supply line (on order) from t = 0; the slips
are served by the source like any order when they arrive.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.model.clock import ORDER, RECEIPT, call_at
from sim.model.orders import Order
from sim.tolerance import EPS

if TYPE_CHECKING:
    from sim.model.actors import Actors
    from sim.model.source_link import SourceLink
    from sim.model.stock_item import StockItem


def load(chain: Actors) -> None:
    """Put every source's ``initial_shipments`` and ``initial_orders`` into the model (before the run)."""
    for node in chain.scenario.nodes:
        for sku, specs in getattr(node, "sources", {}).items():
            item = chain.items[node.id, sku]
            for spec, link in zip(specs, item.sources, strict=True):
                for j, q in enumerate(spec.initial_shipments):
                    if q > EPS:
                        _shipment(chain, item, link, j, q)
                for j, q in enumerate(spec.initial_orders):
                    if q > EPS:
                        _slip(chain, item, link, j, q)
            if item.log is not None:
                item.log[0] = (0.0, item.on_hand, 0.0, item.in_transit, item.on_order)


def _book(item: StockItem, link: SourceLink, order: Order) -> None:
    link.open[order] = None
    link.on_order += order.qty
    item.on_order += order.qty


def _shipment(chain: Actors, item: StockItem, link: SourceLink, j: int, q: float) -> None:
    order = Order(item, item.sku, q, link.lane, j - link.expected, j, link.external, link)
    _book(item, link, order)
    item.in_transit += q
    call_at(chain.env, j, RECEIPT, item.receive, order, q)


def _slip(chain: Actors, item: StockItem, link: SourceLink, j: int, q: float) -> None:
    placed = j - link.delay
    order = Order(item, item.sku, q, link.lane, placed, placed + link.promised, link.external, link)
    _book(item, link, order)
    call_at(chain.env, j, ORDER, link.node.receive_order, order)
