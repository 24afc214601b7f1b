"""Stock points: inventory buffers (warehouses, DCs, hubs) and retailers, one ``StockItem`` per node × product.

A stock item holds stock, serves demand (customer demand at retailers, replenishment orders from downstream nodes)
and replenishes from its sources by its policy.

Allocation rule: demand is served first come, first served. A demand that finds enough stock and no queue is filled
at once; otherwise what is on hand is shipped now (a partial fill) and the rest joins the back of the backorder queue
(or, for customer demand at a node with ``unmet_demand: lost``, is lost). Receipts go to the queue first, in FIFO
order, partially filling its head if need be; only then does stock build up again. Internal (downstream) orders are
always backordered, never lost.
"""

from __future__ import annotations

from array import array
from collections import deque
from collections.abc import Generator

import simpy

from sim.model.baskets import Line
from sim.model.clock import ORDER, RECEIPT, REVIEW, call_at, period_of, wake_at

# hot paths inline ``period_of(now)`` as ``int(now + EPS)`` (the same for times >= 0, without a call)
from sim.model.flows import FLOWS, zeros
from sim.model.orders import Order
from sim.model.records import EventLog
from sim.model.source_link import SourceLink
from sim.policy.base import Policy
from sim.policy.sourcing import FixedSplit, SourcingRule
from sim.tolerance import EPS

RETURN = object()  # owner of a backlog entry that is a return owed to the source (negative_orders: return)

class StockItem:
    """Inventory of one product at one node.

    Hot-path bookkeeping is kept to plain arithmetic: per-period flows go into the item's rows of the chain's
    ``FlowTable`` (sim.model.flows; read by numpy as matrices, without copying), time-weighted levels are accumulated as areas when
    they change, and the optional state log (for time series) is a list of tuples. KPIs are computed after the run
    (sim.kpi.compute).
    """

    # slotted: the hot paths read and write these attributes on every event (faster and smaller than a __dict__)
    __slots__ = (
        "_observe",
        "_plain",
        "area_backorders",
        "area_cust_backorders",
        "area_in_transit",
        "area_on_hand",
        "backlog",
        "backorders",
        "bought",
        "continuous",
        "cust_backorders",
        "cust_demand",
        "cust_filled",
        "cust_issued",
        "customer_facing",
        "demand",
        "due_in_horizon",
        "env",
        "events",
        "filled",
        "horizon",
        "in_transit",
        "issued",
        "last_change",
        "lead_times",
        "log",
        "lost",
        "lost_sales",
        "n_orders",
        "node",
        "on_hand",
        "on_order",
        "on_time",
        "ordered",
        "policy",
        "sku",
        "sources",
        "sourcing",
        "spent",
        "transport",
        "warmup",
    )

    def __init__(
        self,
        env: simpy.Environment,
        node: str,
        sku: str,
        initial: float,
        policy: Policy | None,
        lost_sales: bool,
        horizon: int,
        customer_facing: bool,
        warmup: int = 0,
        record_log: bool = True,
        flows: dict[str, memoryview] | None = None,
    ) -> None:
        self.env = env
        self.node, self.sku = node, sku
        self.lost_sales = lost_sales
        self.customer_facing = customer_facing
        self.warmup = warmup
        self.sources: list[SourceLink] = []
        self.sourcing: SourcingRule = FixedSplit()
        self.events: EventLog | None = None  # the opt-in event log (sim.model.records), set by the SupplyChain
        self.set_policy(policy)
        self.on_hand = float(initial)
        self.backorders = 0.0
        self.cust_backorders = 0.0  # the part of ``backorders`` owed to end customers
        self.on_order = 0.0  # ordered, not yet received (at the source, in production or in transit)
        self.in_transit = 0.0  # shipped towards this item, not yet arrived (pipeline stock)
        self.backlog: deque[list] = deque()  # [units owed, Order (downstream) | Line (basket) | None (customer)]
        # per-period flows (index = period): the item's rows of the chain's FlowTable, or buffers of its own
        row = flows if flows is not None else {name: zeros(horizon + 1) for name in FLOWS}
        self.demand = row["demand"]
        self.filled = row["filled"]  # filled from stock on arrival
        self.cust_demand = row["cust_demand"]  # end-customer part of demand / filled (excludes downstream orders)
        self.cust_filled = row["cust_filled"]
        self.lost = row["lost"]
        self.issued = row["issued"]  # units leaving stock (immediate fills and later backorder fills)
        self.cust_issued = row["cust_issued"]  # the part of ``issued`` that went to end customers (network turns)
        self.ordered = row["ordered"]
        self.n_orders = row["n_orders"]
        self.transport = row["transport"]
        self.bought = row["bought"]  # units received from suppliers
        self.spent = row["spent"]  # their price (purchase cost: each source's own unit price)
        # time-weighted levels: area under on_hand, backorders, in_transit since the last restart (warm-up)
        self.area_on_hand = self.area_backorders = self.area_in_transit = self.area_cust_backorders = 0.0
        self.last_change = 0.0
        # replenishment orders placed after the warm-up: lead times of completed ones, due/on-time counts (OTIF)
        self.lead_times: list[float] = []
        self.due_in_horizon = 0
        self.on_time = 0
        self.horizon = horizon
        # state log for time series: (time, on_hand, backorders, in_transit, on_order) after every change
        self.log: list[tuple[float, float, float, float, float]] | None = (
            [(0.0, self.on_hand, 0.0, 0.0, 0.0)] if record_log else None
        )

    def _advance(self, now: float) -> None:
        """Accumulate the areas under the levels up to ``now`` (call before a level changes)."""
        dt = now - self.last_change
        if dt:
            self.area_on_hand += self.on_hand * dt
            self.area_backorders += self.backorders * dt
            self.area_in_transit += self.in_transit * dt
            self.area_cust_backorders += self.cust_backorders * dt
            self.last_change = now

    def restart_areas(self) -> None:
        """Start the KPI window (at the warm-up time): areas count from now."""
        self._advance(self.env.now)
        self.area_on_hand = self.area_backorders = self.area_in_transit = self.area_cust_backorders = 0.0

    def areas(self, end: float) -> tuple[float, float, float, float]:
        """Areas under on_hand, backorders, in_transit and customer backorders from the warm-up up to ``end``."""
        dt = end - self.last_change
        return (
            self.area_on_hand + self.on_hand * dt,
            self.area_backorders + self.backorders * dt,
            self.area_in_transit + self.in_transit * dt,
            self.area_cust_backorders + self.cust_backorders * dt,
        )

    def set_policy(self, policy: Policy | None) -> None:
        """Use ``policy`` from now on (before the run: also for the first review)."""
        self.policy = policy
        self.continuous = policy is not None and policy.review_period is None
        self._observe = policy.observe if policy is not None and policy.observes else None
        self._plain = policy is not None and type(policy).decide is Policy.decide

    # -- demand side -----------------------------------------------------------------------------------
    def receive_order(self, order: Order) -> None:
        """A downstream node's replenishment order arrives."""
        self._serve(order.qty, order)

    def customer_line(self, qty: float, line: Line) -> None:
        """One line of a customer's multi-product order asks for ``qty`` units now (sim.model.baskets)."""
        self._serve(qty, None, line)

    def _serve(self, qty: float, order: Order | None = None, line: Line | None = None) -> None:
        now = self.env._now  # SimPy's clock field: ``now`` is a property call (pinned in tests/test_engine_v2.py)
        if now != self.last_change:
            self._advance(now)
        k = int(now + EPS)
        self.demand[k] += qty
        fill = 0.0 if self.backlog else min(self.on_hand, qty)
        if fill <= EPS:  # float dust on the shelf is not a shipment
            fill = 0.0
        else:
            self.on_hand -= fill
            self.filled[k] += fill
            self.issued[k] += fill
            if order is not None:
                order.lane.ship(order, fill)
        short = qty - fill
        if order is None:
            self.cust_demand[k] += qty
            self.cust_filled[k] += fill
            self.cust_issued[k] += fill
        if short > EPS:
            if order is None and self.events is not None:
                self.events.add(now, "stockout", self.node, self.sku, short)
            if order is None and self.lost_sales:
                self.lost[k] += short
                if line is not None:
                    line.order.line_lost(line.sku)
            else:
                self.backlog.append([short, order if order is not None else line])
                self.backorders += short
                if order is None:
                    self.cust_backorders += short
        elif line is not None:
            line.done(now)
        if self.log is not None:
            self.log.append((now, self.on_hand, self.backorders, self.in_transit, self.on_order))
        if self._observe is not None:
            self._observe(qty, order is None)
        if self.continuous:
            if self._plain:  # review() without its dispatch: the hot path of every (s,S)/base-stock demand
                q = self.policy.order_quantity(self.on_hand + self.on_order - self.backorders)
                if q > EPS:
                    self.place(self.sourcing.split(q, self.sources))
            else:
                self.review()

    customer_demand = _serve  # customer_demand(qty): a customer asks for ``qty`` units now

    # -- the policy's view -------------------------------------------------------------------------------
    @property
    def now(self) -> float:
        return self.env.now

    @property
    def inventory_position(self) -> float:
        """On hand + on order - backorders."""
        return self.on_hand + self.on_order - self.backorders

    def supply_line(self, source: str | None = None) -> float:
        """Units on order (placed, not yet received): from all sources, or from the source named ``source``."""
        if source is None:
            return self.on_order
        return self.source(source).on_order

    def source(self, key: str) -> SourceLink:
        for src in self.sources:
            if src.key == key:
                return src
        raise KeyError(f"{self.node}/{self.sku}: no source {key!r}; sources: {', '.join(s.key for s in self.sources)}")

    def demand_history(self, periods: int | None = None) -> list[float]:
        """Demand received (customer demand and downstream orders) in the completed periods, oldest first."""
        k = period_of(self.env.now)
        start = 0 if periods is None else max(k - periods, 0)
        return list(self.demand[start:k])

    # -- supply side -----------------------------------------------------------------------------------
    def review(self) -> None:
        """Ask the policy what to order (a total, split by the sourcing rule, or units per source) and place it."""
        if self._plain:  # the policy decides on the inventory position alone: skip building the view call
            decision = self.policy.order_quantity(self.on_hand + self.on_order - self.backorders)
        else:
            decision = self.policy.decide(self)
        if isinstance(decision, dict):
            split = [(self.source(key), q) for key, q in decision.items() if q > EPS]
            if split:
                self.place(split)
        elif decision > EPS:
            self.place(self.sourcing.split(decision, self.sources))
        elif decision < -EPS:  # only a policy with negative_orders: return decides a negative order
            self.send_return(-decision)

    def send_return(self, qty: float) -> None:
        """A negative order: ``qty`` units go back to the source at no cost (``negative_orders: return``), booked as
        ``-qty`` ordered. They leave stock on hand at once; what is not on hand (or would jump the backorder queue) is
        owed, counted in backorders and paid from the next receipts. Either way IP drops by exactly ``qty``."""
        now = self.env.now
        self._advance(now)
        k = int(now + EPS)
        self.ordered[k] -= qty
        take = 0.0 if self.backlog else min(self.on_hand, qty)
        self.on_hand -= take
        self.issued[k] += take
        if qty - take > EPS:
            self.backlog.append([qty - take, RETURN])
            self.backorders += qty - take
        if self.log is not None:
            self.log.append((now, self.on_hand, self.backorders, self.in_transit, self.on_order))

    def expected_lead_time(self) -> float:
        """Share-weighted expected lead time of the sources (order delay + mean production + mean transit)."""
        return sum(src.share * src.expected for src in self.sources)

    def place(self, split: list[tuple[SourceLink, float]]) -> None:
        """Send one order per (source, units)."""
        env = self.env
        now = env._now
        k = int(now + EPS)
        events = self.events
        for src, q in split:
            if src.band is not None:  # a volume-flex band: the supplier accepts what fits this period
                take = src.band.offer(q, now)
                if take < q - EPS:
                    self.refused(src, q - take, now, counted=take > EPS)
                if take <= EPS:
                    continue
                q = take
            order = Order(self, self.sku, q, src.lane, now, now + src.promised, src.external, src)
            if events is not None:
                events.add(now, "order", self.node, self.sku, q, src.key, events.number(order))
            src.open[order] = None
            src.on_order += q
            if now >= self.warmup:
                src.n_placed += 1
                if order.due < self.horizon:
                    self.due_in_horizon += 1
                    src.due += 1
            self.on_order += q
            self.ordered[k] += q
            self.n_orders[k] += 1
            if src.delay > 0:
                call_at(env, src.delay, ORDER, src.node.receive_order, order)
            else:
                src.node.receive_order(order)
        if self.log is not None:
            self.log.append((now, self.on_hand, self.backorders, self.in_transit, self.on_order))

    def refused(self, src: SourceLink, qty: float, now: float, counted: bool) -> None:
        """``qty`` units of an order to ``src`` lie beyond its flex band: they spill over to the first other source
        without a band, else they wait at the band (on order from now; sent when the band has room). ``counted``:
        the accepted part already counts as this decision's order."""
        other = next((s for s in self.sources if s is not src and s.band is None), None)
        if other is not None:
            self.place([(other, qty)])
            return
        k = int(now + EPS)
        self.on_order += qty
        src.on_order += qty
        self.ordered[k] += qty
        if not counted:
            self.n_orders[k] += 1
        src.band.wait(self, src, qty, now, now + src.promised)

    def send_deferred(self, src: SourceLink, qty: float, placed: float, due: float) -> None:
        """Waiting units the band accepts now go to the supplier as an order (already on order: placed at ``placed``,
        due at ``due``)."""
        order = Order(self, self.sku, qty, src.lane, placed, due, src.external, src)
        if self.events is not None:
            self.events.add(self.env.now, "order", self.node, self.sku, qty, src.key, self.events.number(order))
        src.open[order] = None
        if placed >= self.warmup:
            src.n_placed += 1
            if due < self.horizon:
                self.due_in_horizon += 1
                src.due += 1
        src.node.receive_order(order)

    def dispatched(self, qty: float, cost: float) -> None:
        """A lane has sent ``qty`` units towards this item (now in the pipeline)."""
        now = self.env._now
        if now != self.last_change:
            self._advance(now)
        self.in_transit += qty
        self.transport[int(now + EPS)] += cost
        if self.log is not None:
            self.log.append((now, self.on_hand, self.backorders, self.in_transit, self.on_order))

    def receive(self, order: Order, qty: float) -> None:
        """A shipment arrives: stock up, then serve the backorder queue FIFO."""
        now = self.env._now
        if now != self.last_change:
            self._advance(now)
        src = order.source
        if src is not None and src.quality is not None:
            qty = self._inspect(order, qty, now)
        self.in_transit -= qty
        self.on_order -= qty
        if src is not None:
            src.on_order -= qty
        if self.events is not None:
            self.events.add(now, "receive", self.node, self.sku, qty, order.lane.id, order.ref)
        k = int(now + EPS)
        if order.external:
            self.bought[k] += qty
            self.spent[k] += qty * src.price
        if src is not None and k >= self.warmup:
            src.received += qty
            if now > order.due + EPS:
                src.late += qty
        order.received += qty
        if order.completed is None and order.received >= order.qty - EPS:  # once: a later dust part changes nothing
            order.completed = now
            if src is not None:
                del src.open[order]
            if order.placed >= self.warmup:
                self.lead_times.append(now - order.placed)
                on_time = order.due < self.horizon and now <= order.due + EPS
                self.on_time += on_time
                if src is not None:
                    src.lead_times.append(now - order.placed)
                    src.on_time += on_time
        on_hand = self.on_hand + qty
        backlog = self.backlog
        if backlog:
            while backlog and on_hand > EPS:
                entry = backlog[0]
                fill = min(on_hand, entry[0])
                on_hand -= fill
                entry[0] -= fill
                self.backorders -= fill
                self.issued[k] += fill
                owner = entry[1]
                if owner is None:
                    self.cust_backorders -= fill
                    self.cust_issued[k] += fill
                elif owner.__class__ is Line:
                    self.cust_backorders -= fill
                    self.cust_issued[k] += fill
                    if entry[0] <= EPS:
                        owner.done(now)
                elif owner is not RETURN:  # a return owed upstream just leaves the model
                    owner.lane.ship(owner, fill)
                if entry[0] <= EPS:
                    backlog.popleft()
            if not backlog:
                self.backorders = self.cust_backorders = 0.0  # clear float dust
        self.on_hand = on_hand
        if self.log is not None:
            self.log.append((now, on_hand, self.backorders, self.in_transit, self.on_order))

    def _inspect(self, order: Order, qty: float, now: float) -> float:
        """Incoming inspection: reject a Binomial(qty, defect rate) share of the units (whole units: the draw is on
        ``round(qty)``); the rejects leave the pipeline and the source makes them again on a replacement order (same
        source, due one promised lead time from now; not a new buyer decision: not counted in orders or ordered).
        Returns the accepted units. The rejected units are not paid for."""
        src = order.source
        bad = float(src.quality.binomial(round(qty), src.defect_rate)) if qty >= 1 else 0.0
        if bad <= 0:
            return qty
        self.in_transit -= bad
        order.qty -= bad  # the original order now asks for what was accepted; the rest moves to the replacement
        src.on_order -= bad
        if int(now + EPS) >= self.warmup:
            src.rejected += bad
            src.reorders += 1
        again = Order(self, self.sku, bad, src.lane, now, now + src.promised, src.external, src)
        src.open[again] = None
        src.on_order += bad
        if self.events is not None:
            self.events.add(now, "reject", self.node, self.sku, bad, src.key, order.ref)
            self.events.number(again)  # the replacement's own number (its receipts are logged under it)
        if src.delay > 0:
            call_at(self.env, src.delay, ORDER, src.node.receive_order, again)
        else:
            src.node.receive_order(again)
        return qty - bad

    def lost_in_transit(self, order: Order, qty: float) -> None:
        """A shipment towards this item was cancelled: its units leave the pipeline and will never arrive."""
        now = self.env.now
        self._advance(now)
        self.in_transit -= qty
        self.on_order -= qty
        order.qty -= qty  # the order now asks only for what can still come
        src = order.source
        if src is not None:
            src.on_order -= qty
            if order.completed is None and order.received >= order.qty - EPS:
                del src.open[order]
        if self.log is not None:
            self.log.append((now, self.on_hand, self.backorders, self.in_transit, self.on_order))

    def release(self) -> None:
        """Drop the run's records once they are read (SupplyChain.release): the per-period buffers, the state log,
        the queues."""
        empty = array("d")
        for name in FLOWS:
            setattr(self, name, empty)
        self.log = None
        self.lead_times = []
        self.backlog.clear()
        for src in self.sources:
            src.open.clear()
            src.lead_times = []

    def preload(self, src: SourceLink, per_period: float) -> None:
        """Start with goods in transit from ``src``: ``per_period`` units arriving at t = 0, 1, ... while t is within
        the expected lead time, as if ordered before t = 0 (``initial_pipeline: steady``)."""
        j = 0
        while j < src.expected and per_period > EPS:
            order = Order(self, self.sku, per_period, src.lane, j - src.expected, j, src.external, src)
            src.open[order] = None
            src.on_order += per_period
            self.on_order += per_period
            self.in_transit += per_period
            call_at(self.env, j, RECEIPT, self.receive, order, per_period)
            j += 1
        if self.log is not None:
            self.log[0] = (0.0, self.on_hand, 0.0, self.in_transit, self.on_order)

    def start(self) -> None:
        """Start the review process: periodic reviews, or one initial continuous review at t = 0."""
        if self.policy is None:
            return
        if self.policy.review_period is None:
            call_at(self.env, 0, REVIEW, self.review)
        else:
            self.env.process(self._periodic())

    def _periodic(self) -> Generator:
        yield wake_at(self.env, self.policy.offset, REVIEW)
        period = self.policy.review_period
        while True:
            self.review()
            yield wake_at(self.env, period, REVIEW)
