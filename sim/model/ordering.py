"""The ordering side of a stock item (``Ordering``): its policy, sourcing rule and sources; the reviews; placing
orders (and a volume-flex band's say in them).

At a review the policy decides (``decide(view)``; the stock item is the view): a total, which the sourcing rule
splits over the sources, or units per source. Continuous-review policies are asked after every event that lowers the
inventory position (the stock item asks, sim.model.stock_item); periodic ones at ``offset, offset + R, ...`` (the
review process here). Each order is booked on the item (on order, ``ordered``, ``n_orders``) and on its source (the
open orders and the KPI window's counters) before it is sent, after the source's order delay.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator
from typing import Protocol

import simpy

from sim.model.clock import ORDER, RECEIPT, REVIEW, call_at, wake_at
from sim.model.counters import OrderCounters
from sim.model.flows import Row
from sim.model.orders import Buyer, Order
from sim.model.records import EventLog
from sim.model.source_link import SourceLink
from sim.policy.base import Policy
from sim.policy.sourcing import FixedSplit, SourcingRule
from sim.policy.view import StockView
from sim.tolerance import EPS


class StockCore(Buyer, StockView, Protocol):
    """What ordering reads and books of its stock item (sim.model.stock_item.StockItem): the levels, the order
    flows, the counters, and the policy's flags it sets; the item is also its orders' buyer and its policy's view."""

    env: simpy.Environment
    node: str
    sku: str
    warmup: int
    horizon: int
    log: list[tuple[float, float, float, float, float]] | None
    on_hand: float  # writable here (the view's are read-only)
    backorders: float
    on_order: float
    events: EventLog | None  # the log itself, not only the view's sink
    in_transit: float
    ordered: Row
    n_orders: Row
    counters: OrderCounters
    continuous: bool
    observe: Callable[[float, bool], None] | None
    plain: bool
    idle_above: float

    def send_return(self, qty: float) -> None: ...
    def receive(self, order: Order, qty: float) -> None: ...


class Ordering:
    """How one stock item replenishes (see the module docstring)."""

    __slots__ = ("item", "policy", "sources", "sourcing")

    def __init__(self, item: StockCore, policy: Policy | None) -> None:
        self.item = item
        self.sources: list[SourceLink] = []
        self.sourcing: SourcingRule = FixedSplit()
        self.policy: Policy | None = None
        self.set_policy(policy)

    def set_policy(self, policy: Policy | None) -> None:
        """Use ``policy`` from now on (before the run: also for the first review)."""
        self.policy = policy
        item = self.item
        # the flags the item reads on every demand, kept on the item itself (its hot state)
        item.continuous = policy is not None and policy.review_period is None
        item.observe = policy.observe if policy is not None and policy.observes else None
        item.plain = policy is not None and type(policy).decide is Policy.decide
        # a plain policy's reorder level: inventory positions above it order nothing, and the item doesn't ask
        item.idle_above = policy.idle_level() if policy is not None else math.inf

    def source(self, key: str) -> SourceLink:
        for src in self.sources:
            if src.key == key:
                return src
        item = self.item
        raise KeyError(f"{item.node}/{item.sku}: no source {key!r}; sources: {', '.join(s.key for s in self.sources)}")

    def expected_lead_time(self) -> float:
        """Share-weighted expected lead time of the sources (order delay + mean production + mean transit)."""
        return sum(src.share * src.expected for src in self.sources)

    # -- reviews ---------------------------------------------------------------------------------------------
    def review(self) -> None:
        """Ask the policy what to order (a total, split by the sourcing rule, or units per source) and place it."""
        item, policy = self.item, self.policy
        assert policy is not None  # only items with a policy review
        decision: float | dict[str, float]
        if item.plain:  # the policy decides on the inventory position alone: skip building the view call
            decision = policy.order_quantity(item.on_hand + item.on_order - item.backorders)
        else:
            decision = policy.decide(item)
        if isinstance(decision, dict):
            split = [(self.source(key), q) for key, q in decision.items() if q > EPS]
            if split:
                self.place(split)
        elif decision > EPS:
            self.place(self.sourcing.split(decision, self.sources))  # type: ignore[arg-type]  # its own links
        elif decision < -EPS:  # only a policy with negative_orders: return decides a negative order
            item.send_return(-decision)

    def start(self) -> None:
        """Start the reviews: periodic ones, or one initial continuous review at t = 0."""
        if self.policy is None:
            return
        env = self.item.env
        if self.policy.review_period is None:
            call_at(env, 0, REVIEW, self.review)
        else:
            env.process(self._periodic())

    def _periodic(self) -> Generator[simpy.Event, None, None]:
        assert self.policy is not None and self.policy.review_period is not None
        env = self.item.env
        yield wake_at(env, self.policy.offset, REVIEW)
        period = self.policy.review_period
        while True:
            self.review()
            yield wake_at(env, period, REVIEW)

    # -- orders ----------------------------------------------------------------------------------------------
    def place(self, split: list[tuple[SourceLink, float]]) -> None:
        """Send one order per (source, units)."""
        item = self.item
        env = item.env
        now = env._now  # SimPy's clock field: ``now`` is a property call (pinned in tests/model/test_engine_v2.py)
        k = int(now + EPS)
        events = item.events
        for src, q in split:
            if src.band is not None:  # a volume-flex band: the supplier accepts what fits this period
                take = src.band.offer(q, now)
                if take < q - EPS:
                    self.refused(src, q - take, now, counted=take > EPS)
                if take <= EPS:
                    continue
                q = take
            order = Order(item, item.sku, q, src.lane, now, now + src.promised, src.external, src)
            if events is not None:
                events.add(now, "order", item.node, item.sku, q, src.key, events.number(order))
            self._book(src, order, now)
            src.on_order += q
            item.on_order += q
            item.ordered[k] += q
            item.n_orders[k] += 1
            if src.delay > 0:
                call_at(env, src.delay, ORDER, src.node.receive_order, order)
            else:
                src.node.receive_order(order)
        if item.log is not None:
            item.log.append((now, item.on_hand, item.backorders, item.in_transit, item.on_order))

    def _book(self, src: SourceLink, order: Order, placed: float) -> None:
        """Open ``order`` at ``src``; an order placed in the KPI window counts there (and if due in the horizon)."""
        src.open[order] = None
        item = self.item
        if placed >= item.warmup:
            src.n_placed += 1
            if order.due < item.horizon:
                item.counters.due += 1
                src.due += 1

    def refused(self, src: SourceLink, qty: float, now: float, counted: bool) -> None:
        """``qty`` units of an order to ``src`` lie beyond its flex band: they spill over to the first other source
        without a band, else they wait at the band (on order from now; sent when the band has room). ``counted``:
        the accepted part already counts as this decision's order."""
        other = next((s for s in self.sources if s is not src and s.band is None), None)
        if other is not None:
            self.place([(other, qty)])
            return
        assert src.band is not None
        item = self.item
        k = int(now + EPS)
        item.on_order += qty
        src.on_order += qty
        item.ordered[k] += qty
        if not counted:
            item.n_orders[k] += 1
        src.band.wait(self, src, qty, now, now + src.promised)

    def send_deferred(self, src: SourceLink, qty: float, placed: float, due: float) -> None:
        """Waiting units the band accepts now go to the supplier as an order (already on order: placed at ``placed``,
        due at ``due``)."""
        item = self.item
        order = Order(item, item.sku, qty, src.lane, placed, due, src.external, src)
        if item.events is not None:
            item.events.add(item.env.now, "order", item.node, item.sku, qty, src.key, item.events.number(order))
        self._book(src, order, placed)  # its units are on order since the decision
        src.node.receive_order(order)

    def preload(self, src: SourceLink, per_period: float, horizon: int) -> None:
        """Start with goods in transit from ``src``: ``per_period`` units arriving at t = 0, 1, ... while t is within
        the expected lead time, as if ordered before t = 0 (``initial_pipeline: steady``). What would arrive at or
        after the horizon is one order due at the horizon (the same units in transit, one order however long the
        lead time: a lead time of 10^12 periods costs no more than one of the horizon)."""
        item = self.item
        j = 0
        while j < src.expected and per_period > EPS:
            qty = per_period
            if j == horizon:  # every period from here to the lead time: one order, never received in the run
                qty = per_period * (math.ceil(src.expected) - j)
            order = Order(item, item.sku, qty, src.lane, j - src.expected, j, src.external, src)
            src.open[order] = None
            src.on_order += qty
            item.on_order += qty
            item.in_transit += qty
            call_at(item.env, j, RECEIPT, item.receive, order, qty)
            if j == horizon:
                break
            j += 1
        if item.log is not None:
            item.log[0] = (0.0, item.on_hand, 0.0, item.in_transit, item.on_order)
