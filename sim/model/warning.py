"""Early warning: the control tower's alerts (what a planner would see first when a disruption hits).

Alerts (``resilience.alerts`` in the scenario, docs/disruptions.md "Early warning"):

- ``projected_cover`` (on by default, margin M = 1 period): an affected item (downstream of a disrupted element,
  sim.scenario.targets.affected_items) whose supply is cut (a source's supplier is down, its lane closed, its
  upstream facility closed, or its own facility closed) and whose *dependable* supply covers less than its mean
  demand over its expected lead time L + M periods. Dependable supply = the inventory position less the units of
  cut sources not yet shipped (on order there, not on the way): on hand + goods on the way + orders at sources that
  are up − backorders (nothing at a closed facility). An order placed now arrives after L periods, so the alert
  leaves M periods to act (expedite, switch source) before the shortfall;
- ``stock_cover_below: N``: an item's on-hand cover falls below N periods of its mean demand;
- ``shipment_late: N``: an order is still open N periods past its due date;
- ``supplier_down``: a supplier goes down (raised the instant the outage starts).

The item alerts are checked once per period, at the start of each period before anything else happens (so they see
the end-of-period state of the period before). Each alert is kept in ``alerts`` as (t, kind, node, sku) and, with
the event log on, recorded as an ``alert`` event (``via`` = kind). An item's cover alerts re-arm once it is back
above its threshold; a late order alerts once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.scenario.moments import demand_moments
from sim.scenario.targets import affected_items

if TYPE_CHECKING:
    from simpy.events import ProcessGenerator

    from sim.model.actors import Actors
    from sim.model.orders import Order
    from sim.model.source_link import SourceLink
    from sim.model.stock_item import StockItem
    from sim.scenario.disruptions import AlertSettings

ITEM_ALERTS = ("projected_cover", "stock_cover", "shipment_late")  # about one item (warning_lead_time reads these)


class ControlTower:
    """Watches the stock items and suppliers of one replication and records alerts."""

    def __init__(self, chain: Actors, settings: AlertSettings) -> None:
        self.chain = chain
        self.settings = settings
        self.alerts: list[tuple[float, str, str, str]] = []
        self._low: set[tuple[str, str]] = set()  # items whose cover alert is raised (re-armed when back above N)
        self._short: set[tuple[str, str]] = set()  # items whose projected-cover alert is raised
        self._late: set[Order] = set()  # orders already reported late
        watched = settings.projected_cover is not None
        if watched or settings.stock_cover_below is not None or settings.shipment_late is not None:
            moments = demand_moments(chain.scenario)
            self.rates = {key: moments.get(key, (0.0, 0.0))[0] for key in chain.items}
            # the items the projected-cover alert watches: affected ones with demand and sources
            self.watched = (
                [
                    key
                    for key in sorted(affected_items(chain.scenario))
                    if key in chain.items and self.rates[key] > 0 and chain.items[key].sources
                ]
                if watched
                else []
            )
            chain.env.process(self._watch())

    def _alert(self, kind: str, node: str, sku: str, value: float = 0.0) -> None:
        now = self.chain.env.now
        self.alerts.append((now, kind, node, sku))
        events = self.chain.events
        if events is not None:
            events.add(now, "alert", node, sku, value, kind)

    def supplier_down(self, supplier: str) -> None:
        if self.settings.supplier_down:
            self._alert("supplier_down", supplier, "")

    def _watch(self) -> ProcessGenerator:
        env = self.chain.env
        while True:
            yield env.timeout(1)
            if self.watched:
                self._projected()
            if self.settings.stock_cover_below is not None or self.settings.shipment_late is not None:
                self._stock_and_orders(env.now)

    def _stock_and_orders(self, now: float) -> None:
        cover, late = self.settings.stock_cover_below, self.settings.shipment_late
        for key, item in self.chain.items.items():
            rate = self.rates[key]
            if cover is not None and rate > 0:
                periods = item.on_hand / rate
                if periods < cover and key not in self._low:
                    self._low.add(key)
                    self._alert("stock_cover", *key, periods)
                elif periods >= cover:
                    self._low.discard(key)
            if late is not None:
                for src in item.sources:
                    for order in src.open:
                        if now > order.due + late and order not in self._late:
                            self._late.add(order)
                            self._alert("shipment_late", *key, now - order.due)

    def _projected(self) -> None:
        margin = self.settings.projected_cover
        assert margin is not None
        for key in self.watched:
            item = self.chain.items[key]
            dependable = self.dependable(item)
            if dependable is None:  # supply not cut: nothing to warn about
                self._short.discard(key)
                continue
            rate = self.rates[key]
            need = rate * (item.expected_lead_time() + margin)
            if dependable < need and key not in self._short:
                self._short.add(key)
                self._alert("projected_cover", *key, dependable / rate)
            elif dependable >= need:
                self._short.discard(key)

    def dependable(self, item: StockItem) -> float | None:
        """The item's dependable supply (units), or None while none of its supply is cut."""
        points = self.chain.stock_points
        if points[item.node].closures:
            return 0.0  # a closed facility serves nothing
        cut = [src for src in item.sources if self._cut(src)]
        if not cut:
            return None
        position = item.on_hand + item.on_order - item.backorders
        return position - sum(src.on_order - _on_the_way(src) for src in cut)

    def _cut(self, src: SourceLink) -> bool:
        """The source can't ship now: its supplier is down, its lane closed or its upstream facility closed."""
        if src.lane.closed:
            return True
        supplier = self.chain.suppliers.get(src.upstream)
        if supplier is not None:
            return not supplier.up
        point = self.chain.stock_points.get(src.upstream)
        return point is not None and point.closures > 0


def _on_the_way(src: SourceLink) -> float:
    """Units of the source's open orders that are on its lane now (shipped, not yet arrived)."""
    return sum(qty for shipment in src.lane.in_transit for order, qty in shipment.lines if order.source is src)
