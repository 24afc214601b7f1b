"""Early warning: the control tower's alerts (what a planner would see first when a disruption hits).

Alerts (``resilience.alerts`` in the scenario): a stock item's on-hand cover falls below N periods of its mean
demand; an order is still open ``shipment_late`` periods past its due date; a supplier goes down. The first two are
checked once per period, at the start of each period before anything else happens (so they see the end-of-period
state of the period before); a supplier-down alert is raised the instant the outage starts. Each alert is kept in
``alerts`` as (t, kind, node, sku) and, with the event log on, recorded as an ``alert`` event (``via`` = kind).
An item's cover alert re-arms once its cover is back above N; a late order alerts once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.scenario.moments import demand_moments

if TYPE_CHECKING:
    from simpy.events import ProcessGenerator

    from sim.model.actors import Actors
    from sim.model.orders import Order
    from sim.scenario.disruptions import AlertSettings


class ControlTower:
    """Watches the stock items and suppliers of one replication and records alerts."""

    def __init__(self, chain: Actors, settings: AlertSettings) -> None:
        self.chain = chain
        self.settings = settings
        self.alerts: list[tuple[float, str, str, str]] = []
        self._low: set[tuple[str, str]] = set()  # items whose cover alert is raised (re-armed when back above N)
        self._late: set[Order] = set()  # orders already reported late
        if settings.stock_cover_below is not None or settings.shipment_late is not None:
            moments = demand_moments(chain.scenario)
            self.rates = {key: moments.get(key, (0.0, 0.0))[0] for key in chain.items}
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
        env, cover, late = self.chain.env, self.settings.stock_cover_below, self.settings.shipment_late
        while True:
            yield env.timeout(1)
            now = env.now
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
