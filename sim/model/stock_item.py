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
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import simpy

from sim.model.baskets import Line
from sim.model.clock import period_of
from sim.model.counters import OrderCounters
from sim.model.flows import FLOWS, Row, zeros
from sim.model.ordering import Ordering
from sim.model.orders import Order
from sim.model.records import EventLog
from sim.model.source_link import SourceLink
from sim.policy.base import Policy
from sim.policy.sourcing import SourcingRule
from sim.tolerance import EPS

# hot paths inline ``period_of(now)`` as ``int(now + EPS)`` (the same for times >= 0, without a call)

RETURN = object()  # owner of a backlog entry that is a return owed to the source (negative_orders: return)


# owner of the 0-unit marker a closed item keeps at the head of its backorder queue (a facility outage); a receipt that
# reaches it anyway (the starting pipeline comes by no lane, so not through the door) pays it off and reopens the item
CLOSED = SimpleNamespace(lane=SimpleNamespace(ship=lambda order, qty: None))


class StockItem:
    """Inventory of one product at one node: the stock-keeping core.

    It owns the levels (on hand, backorders and their queue, on order, in transit), their time integrals and the
    per-period flows, serves demand and receives goods. Its collaborators: ``ordering`` (policy, sourcing rule,
    sources, reviews, placing orders: sim.model.ordering), ``counters`` (the KPI window's order record:
    sim.model.counters), each source's ``inspection`` (sim.model.inspection) and ``band`` (sim.model.flex_band).

    Hot-path bookkeeping is kept to plain arithmetic: per-period flows go into the item's rows of the chain's
    ``FlowTable`` (sim.model.flows: read by numpy as matrices, without copying), time-weighted levels are accumulated
    as areas when they change, and the optional state log (for time series) is a list of tuples. KPIs are computed
    after the run (sim.kpi.compute).
    """

    # slotted: the hot paths read and write these attributes on every event (faster and smaller than a __dict__).
    # Hot state first, in the order serving a customer reads it, so that it shares the object's first cache lines;
    # cold state (names, settings, rows written rarely, collaborators' state) after it
    __slots__ = (
        # levels and their time integrals since the warm-up
        *("env", "last_change", "on_hand", "backorders", "in_transit", "cust_backorders"),
        *("area_on_hand", "area_backorders", "area_in_transit", "area_cust_backorders"),
        # the rows a customer's demand writes (of the chain's FlowTable) and what serving it reads next
        *("demand", "backlog", "filled", "issued", "cust_rows", "log", "observe", "continuous", "plain"),
        *("idle_above", "ordering", "on_order", "ordered", "n_orders"),
        # cold: rows written by other events, settings, collaborators
        *("cust_demand", "cust_filled", "cust_issued", "lost", "transport", "bought", "spent", "spare_rows"),
        *("node", "sku", "lost_sales", "customer_facing", "warmup", "horizon", "events", "counters"),
    )

    # set by Ordering.set_policy (slots: declared here for the type checker)
    continuous: bool
    observe: Callable[[float, bool], None] | None
    plain: bool
    idle_above: float

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
        flows: dict[str, Row] | None = None,
    ) -> None:
        self.env = env
        self.node, self.sku = node, sku
        self.lost_sales = lost_sales
        self.customer_facing = customer_facing
        self.warmup = warmup
        self.horizon = horizon
        self.events: EventLog | None = None  # the opt-in event log (sim.model.records), set by the SupplyChain
        self.on_hand = float(initial)
        self.backorders = 0.0
        self.cust_backorders = 0.0  # the part of ``backorders`` owed to end customers
        self.on_order = 0.0  # ordered, not yet received (at the source, in production or in transit)
        self.in_transit = 0.0  # shipped towards this item, not yet arrived (pipeline stock)
        self.backlog: deque[list[Any]] = deque()  # [units owed, Order (downstream) | Line (basket) | None (customer)]
        # per-period flows (index = period): the item's rows of the chain's FlowTable, or buffers of its own
        row: dict[str, Row] = flows if flows is not None else {name: zeros(horizon + 1) for name in FLOWS}
        self.demand = row["demand"]
        self.filled = row["filled"]  # filled from stock on arrival
        self.lost = row["lost"]
        self.issued = row["issued"]  # units leaving stock (immediate fills and later backorder fills)
        # the end-customer part of demand / filled / issued (excludes downstream orders and returns; issued: network
        # turns). While every demand is a customer's they equal the item's own rows, which stand in for them (no
        # writes, no memory); the first downstream order or return gives the item rows of its own
        # (``split_customer_rows``). Subclasses (plant items, consignment) write the flows on paths of their own:
        # they keep their own customer rows from the start.
        self.spare_rows = (row["cust_demand"], row["cust_filled"], row["cust_issued"])
        self.cust_demand, self.cust_filled, self.cust_issued = self.demand, self.filled, self.issued
        self.cust_rows = False
        if type(self) is not StockItem:
            self.split_customer_rows()
        self.ordered = row["ordered"]
        self.n_orders = row["n_orders"]
        self.transport = row["transport"]
        self.bought = row["bought"]  # units received from suppliers
        self.spent = row["spent"]  # their price (purchase cost: each source's own unit price)
        # time-weighted levels: area under on_hand, backorders, in_transit since the last restart (warm-up)
        self.area_on_hand = self.area_backorders = self.area_in_transit = self.area_cust_backorders = 0.0
        self.last_change = 0.0
        # state log for time series: (time, on_hand, backorders, in_transit, on_order) after every change
        self.log: list[tuple[float, float, float, float, float]] | None = (
            [(0.0, self.on_hand, 0.0, 0.0, 0.0)] if record_log else None
        )
        self.counters = OrderCounters()
        self.ordering = Ordering(self, policy)

    # -- the collaborators' parts, as readers see them ------------------------------------------------------
    @property
    def policy(self) -> Policy | None:
        return self.ordering.policy

    @property
    def sourcing(self) -> SourcingRule:
        return self.ordering.sourcing

    @property
    def sources(self) -> list[SourceLink]:
        return self.ordering.sources

    # -- time integrals --------------------------------------------------------------------------------------
    def _advance(self, now: float) -> None:
        """Accumulate the areas under the levels up to ``now`` (call before a level changes)."""
        dt = now - self.last_change
        if dt:
            # a level at zero adds exactly nothing (area + 0.0 is area): skipped, which saves a new float each
            if self.on_hand:
                self.area_on_hand += self.on_hand * dt
            if self.backorders:
                self.area_backorders += self.backorders * dt
            if self.cust_backorders:
                self.area_cust_backorders += self.cust_backorders * dt
            if self.in_transit:
                self.area_in_transit += self.in_transit * dt
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

    def split_customer_rows(self) -> None:
        """Keep the end-customer part of demand, fills and issues in rows of the item's own from now on (until now
        every demand was a customer's, so they start as copies of the item's own rows: value for value what they
        would have recorded). Called on the first downstream order or return, and by whatever keeps a reference to
        ``cust_demand`` during the run (sim.model.sharing)."""
        if self.cust_rows:
            return
        self.cust_rows = True
        rows = self.spare_rows
        now = int(self.env._now + EPS)  # no flow has a later period yet
        for mine, theirs in zip(rows, (self.demand, self.filled, self.issued), strict=True):
            for k in range(min(now + 1, len(theirs))):
                if theirs[k]:  # zeros stay unwritten: a page of the block that nothing writes is not made resident
                    mine[k] = theirs[k]
        self.cust_demand, self.cust_filled, self.cust_issued = rows

    # -- demand side -----------------------------------------------------------------------------------
    def receive_order(self, order: Order) -> None:
        """A downstream node's replenishment order arrives."""
        if not self.cust_rows:
            self.split_customer_rows()
        self._serve(order.qty, order)

    def customer_line(self, qty: float, line: Line) -> None:
        """One line of a customer's multi-product order asks for ``qty`` units now (sim.model.baskets)."""
        self._serve(qty, None, line)

    def _serve(self, qty: float, order: Order | None = None, line: Line | None = None) -> None:  # noqa: C901 (the hot path of every demand, kept in one frame)
        now = self.env._now  # SimPy's clock field: ``now`` is a property call (pinned in tests/model/test_engine_v2.py)
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
        if order is None and self.cust_rows:
            self.cust_demand[k] += qty
            self.cust_filled[k] += fill
            self.cust_issued[k] += fill
        if short > EPS:
            self._unmet(short, order, line, k, now)
        elif line is not None:
            line.done(now)
        if self.log is not None:
            self.log.append((now, self.on_hand, self.backorders, self.in_transit, self.on_order))
        if self.observe is not None:
            self.observe(qty, order is None)
        if self.continuous:
            ordering = self.ordering
            if self.plain:  # review() without its dispatch: the hot path of every (s,S)/base-stock demand
                ip = self.on_hand + self.on_order - self.backorders
                if ip <= self.idle_above:  # above its reorder level the policy orders nothing: don't ask it
                    policy: Policy = ordering.policy  # type: ignore[assignment]  # continuous: an item with a policy
                    q = policy.order_quantity(ip)
                    if q > EPS:
                        ordering.place(ordering.sourcing.split(q, ordering.sources))  # type: ignore[arg-type]
            else:
                ordering.review()

    customer_demand = _serve  # customer_demand(qty): a customer asks for ``qty`` units now

    def _unmet(self, short: float, order: Order | None, line: Line | None, k: int, now: float) -> None:
        """``short`` units of a demand could not be filled now: a customer's are lost (``lost_sales``) or
        backordered, a downstream order's always backordered."""
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
        return self.ordering.source(key)

    def expected_lead_time(self) -> float:
        """Share-weighted expected lead time of the sources (order delay + mean production + mean transit)."""
        return self.ordering.expected_lead_time()

    def demand_history(self, periods: int | None = None) -> list[float]:
        """Demand received (customer demand and downstream orders) in the completed periods, oldest first."""
        k = period_of(self.env.now)
        start = 0 if periods is None else max(k - periods, 0)
        return list(self.demand[start:k])

    # -- supply side -----------------------------------------------------------------------------------
    def send_return(self, qty: float) -> None:
        """A negative order: ``qty`` units go back to the source at no cost (``negative_orders: return``), booked as
        ``-qty`` ordered. They leave stock on hand at once; what is not on hand (or would jump the backorder queue) is
        owed, counted in backorders and paid from the next receipts. Either way IP drops by exactly ``qty``."""
        if not self.cust_rows:
            self.split_customer_rows()
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

    def dispatched(self, qty: float, cost: float) -> None:
        """A lane has sent ``qty`` units towards this item (now in the pipeline)."""
        now = self.env._now
        if now != self.last_change:
            self._advance(now)
        self.in_transit += qty
        if cost:  # a free lane's shipment leaves the period's cost as it is (and its page of the block untouched)
            self.transport[int(now + EPS)] += cost
        if self.log is not None:
            self.log.append((now, self.on_hand, self.backorders, self.in_transit, self.on_order))

    def receive(self, order: Order, qty: float) -> None:
        """A shipment arrives: stock up, then serve the backorder queue FIFO."""
        now = self.env._now
        if now != self.last_change:
            self._advance(now)
        src = order.source
        if src is not None and src.inspection is not None:
            qty = src.inspection.accept(self, order, qty, now)
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
            self._completed(order, now)
        on_hand = self.on_hand + qty
        if self.backlog:
            on_hand = self._pay_backlog(on_hand, k, now)
        self.on_hand = on_hand
        if self.log is not None:
            self.log.append((now, on_hand, self.backorders, self.in_transit, self.on_order))

    def _completed(self, order: Order, now: float) -> None:
        """The last units of ``order`` arrived: close it at its source; one placed in the KPI window records its lead
        time and whether it was on time (OTIF), for the item and for its source."""
        src = order.source
        order.completed = now
        if src is not None:
            del src.open[order]
        if order.placed >= self.warmup:
            counters = self.counters
            counters.lead_times.append(now - order.placed)
            on_time = order.due < self.horizon and now <= order.due + EPS
            counters.on_time += on_time
            if src is not None:
                src.lead_times.append(now - order.placed)
                src.on_time += on_time

    def _pay_backlog(self, on_hand: float, k: int, now: float) -> float:
        """Serve the backorder queue FIFO from ``on_hand`` units (partly filling its head if need be); returns what
        is left on hand."""
        backlog = self.backlog
        cust = self.cust_rows  # else the customer's issues are the item's own
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
                if cust:
                    self.cust_issued[k] += fill
            elif owner.__class__ is Line:
                self.cust_backorders -= fill
                if cust:
                    self.cust_issued[k] += fill
                if entry[0] <= EPS:
                    owner.done(now)
            elif owner is not RETURN:  # a return owed upstream just leaves the model
                owner.lane.ship(owner, fill)
            if entry[0] <= EPS:
                backlog.popleft()
        if not backlog:
            self.backorders = self.cust_backorders = 0.0  # clear float dust
        return on_hand

    # -- a facility outage (sim.model.facility) --------------------------------------------------------------
    def close(self) -> None:
        """Serve nothing (a facility outage): with a marker (``CLOSED``) at the head of the queue every demand is
        backordered, or lost at a lost-sales node; arrivals wait at the facility's door until :meth:`reopen`."""
        self.backlog.appendleft([0.0, CLOSED])

    def reopen(self) -> None:
        """Serve again: drop the marker and pay the backorder queue from stock on hand, first come first served."""
        backlog = self.backlog
        for i, entry in enumerate(backlog):
            if entry[1] is CLOSED:
                del backlog[i]
                break
        now = self.env.now
        self._advance(now)
        if backlog:
            self.on_hand = self._pay_backlog(self.on_hand, int(now + EPS), now)
        if self.log is not None:
            self.log.append((now, self.on_hand, self.backorders, self.in_transit, self.on_order))

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
        empty: array[float] = array("d")
        for name in FLOWS:
            setattr(self, name, empty)
        self.spare_rows = (empty, empty, empty)
        self.log = None
        self.counters.lead_times = []
        self.backlog.clear()
        for src in self.sources:
            src.open.clear()
            src.lead_times = []
