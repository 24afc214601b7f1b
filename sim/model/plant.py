"""Plants: stock points that assemble finished goods from components by a bill of materials (docs/assembly.md).

A finished good's item orders from the plant like from any source (a ``SourceLink`` whose node is the plant and whose
lane is its ``ProductionLine``): a **production order**. The plant

1. rounds it up to whole batches (``batch_size``; the finished good's books grow by the extra units at once);
2. books the kit's requirement on every component item (its demand, owed until the kit starts: sim.model.plant_items)
   and queues the order for its **kit**;
3. starts an order when every component of its kit is on hand (no partial kits): the kit is consumed at once and the
   order joins the production stage (sim.model.plant_line: capacity per period FIFO, then the production time, as at a
   supplier); from then until its output it is **work in progress**;
4. hands the output to the finished-goods item the instant production ends.

Kits are checked when an order is created, when a component arrives and when the plant comes back up, in that
event. Orders compete for components by ``allocation``: ``fifo`` (in creation order, and a waiting order keeps its
claim: a later order may start only with what is left after every earlier waiting order's kit), ``priority`` (the
same with orders ranked by product, then creation) or ``first_fit`` (in creation order, every order whose kit is on
hand starts; nothing is claimed, so a big order may wait while later small ones start).

Outages: ``fail(duration)`` / ``repair()`` as at a supplier: nothing starts while the plant is down, orders in their
production time are held and resume, capacity of the down periods is lost.

A facility outage (``close`` / ``reopen``, sim.model.facility) closes the plant's stock point (its finished goods ship
nothing and serve no customer; components arriving wait at its door) and takes production down as in an outage for
as long as it is closed. Its reviews and orders go on: its components reorder, and its finished goods' production
orders are created and book their kits, which start at reopening (a kit whose components wait at the door counts as
short of them). At reopening, in this order: the finished goods pay their backorders from stock on hand, the
components that waited are received, then production comes back up (held work resumes, waiting kits start).

Records for the KPIs (sim.kpi.production): units produced and components consumed per period, production orders
created in the window and those delayed by a missing component, the waiting split among the components missing at
each instant (criticality) and the time integral of the work in progress.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable
from typing import TYPE_CHECKING

import simpy

from sim.model.clock import period_of
from sim.model.orders import Order
from sim.model.plant_items import ComponentItem
from sim.model.plant_line import ProductionLine, ProductionStage
from sim.model.stock_item import StockItem
from sim.scenario.schema import PlantNode
from sim.tolerance import EPS

if TYPE_CHECKING:
    from sim.model.lane import Lane
    from sim.model.stock_point import StockPoint


class Job:
    """A production order waiting for its kit: the finished good's order, the kit (component -> units), when it was
    created, its place in the queue and the components missing for it at the last check."""

    __slots__ = ("counted", "created", "kit", "missing", "order", "rank", "short")

    def __init__(self, order: Order, kit: dict[str, float], created: float, rank: tuple[int, int]) -> None:
        self.order = order
        self.kit = kit
        self.created = created
        self.rank = rank  # the queue's order: (product rank, creation number)
        self.missing: tuple[str, ...] = ()
        self.short = False  # it waited for a missing component
        self.counted = False  # created in the KPI window


class Plant:
    """A plant at run time (see the module docstring)."""

    def __init__(
        self,
        env: simpy.Environment,
        node: PlantNode,
        production_time: dict[str, Callable[[], float]],
        horizon: int,
        warmup: int,
    ) -> None:
        self.env = env
        self.id = node.id
        self.horizon, self.warmup = horizon, warmup
        self.bom = {sku: dict(kit) for sku, kit in node.bom.items()}
        self.products = list(node.bom)
        self.batch = {sku: node.per_product("batch_size", sku) for sku in node.bom}
        self.unit_cost = {sku: node.per_product("production_cost", sku) or 0.0 for sku in node.bom}
        self.allocation = node.allocation
        ranked = (node.priority or self.products) if node.allocation == "priority" else []
        self._rank = {sku: (ranked.index(sku) if sku in ranked else len(ranked)) for sku in node.bom}
        self.stage = ProductionStage(self, env, node.capacity, production_time, horizon)
        self.line = ProductionLine(env, self)
        self.components: dict[str, ComponentItem] = {}  # bound by sim.model.builders.plants
        self.kits: list[Job] = []  # waiting for their kit, in queue order
        self.site: StockPoint | None = None  # its stock point (bound by sim.model.builders.plants)
        # records
        self.produced = {sku: [0.0] * (horizon + 1) for sku in node.bom}  # units output per period
        self.consumed = {c: [0.0] * (horizon + 1) for c in node.components}  # units into kits per period
        self.created = dict.fromkeys(node.bom, 0)  # production orders created in the window
        self.delayed = dict.fromkeys(node.bom, 0)  # of those, delayed by a missing component
        self.waiting = dict.fromkeys(node.components, 0.0)  # order-periods of waiting, split among missing parts
        self.wip = dict.fromkeys(node.bom, 0.0)  # units kitted, not yet output
        self.wip_area = dict.fromkeys(node.bom, 0.0)
        self._waited_at = self._wip_at = 0.0
        self._seq = 0
        self._busy = self._again = False
        self._creating: Job | None = None

    def bind(self, items: dict[str, StockItem], site: StockPoint | None = None) -> None:
        """The plant's component items (``{component: item}``, each a ComponentItem) and the stock point holding its
        items (``site``: what a facility outage closes)."""
        self.site = site
        for c in self.consumed:
            item = items[c]
            assert isinstance(item, ComponentItem), f"{self.id}/{c}: a component item"
            item.plant = self
            self.components[c] = item

    # -- production orders -----------------------------------------------------------------------------------
    def receive_order(self, order: Order) -> None:
        """A finished good's production order: whole batches, the kit's requirement booked, then a kit check."""
        now = self.env.now
        batch = self.batch[order.sku]
        if batch:
            extra = math.ceil(order.qty / batch - EPS) * batch - order.qty
            if extra > EPS:
                _enlarge(order, extra, now)
        kit = {c: q * order.qty for c, q in self.bom[order.sku].items()}
        self._seq += 1
        job = Job(order, kit, now, (self._rank[order.sku], self._seq))
        if period_of(now) >= self.warmup:
            job.counted = True
            self.created[order.sku] += 1
        for c, need in kit.items():
            self.components[c].require(need)
        if self.allocation == "priority":
            bisect.insort(self.kits, job, key=lambda j: j.rank)
        else:
            self.kits.append(job)
        self._creating = job
        self.kit_check()
        self._creating = None
        for c, need in kit.items():
            self.components[c].reviewed(need)

    def kit_check(self) -> None:
        """Start every waiting order the allocation rule lets start (again, if a receipt during the pass asks)."""
        if self._busy:
            self._again = True
            return
        self._busy = True
        again = True
        while again:
            self._again = False
            self._pass()
            again = self._again
        self._busy = False

    def _pass(self) -> None:
        now = self.env.now
        self._accrue(now)
        avail = {c: item.on_hand for c, item in self.components.items()}
        up, claims = self.stage.up, self.allocation != "first_fit"
        waiting: list[Job] = []
        for job in self.kits:
            missing = tuple(c for c, need in job.kit.items() if avail[c] < need - EPS)
            if up and not missing:
                for c, need in job.kit.items():
                    avail[c] -= need
                self._start(job, now)
                continue
            job.missing = missing
            if missing and not job.short:
                job.short = True
                self.delayed[job.order.sku] += job.counted
            waiting.append(job)
            if claims:  # later orders can't take what this one waits for
                for c, need in job.kit.items():
                    avail[c] = max(avail[c] - need, 0.0)
        self.kits = waiting

    def _start(self, job: Job, now: float) -> None:
        """The kit is complete: consumed now; the order is work in progress at the production stage."""
        k = period_of(now)
        at_once = job is self._creating
        for c, need in job.kit.items():
            self.components[c].consume(need, at_once)
            self.consumed[c][k] += need
        self._wip_change(job.order.sku, job.order.qty, now)
        self.stage.receive_order(job.order)

    def finished(self, order: Order, qty: float) -> None:
        """Output (called by the production line): out of work in progress, counted as produced."""
        now = self.env.now
        self._wip_change(order.sku, -qty, now)
        self.produced[order.sku][period_of(now)] += qty

    # -- outages (as at a supplier; a facility outage takes the plant down through these) -------------------------
    def fail(self, duration: float | None = None) -> None:
        """Take the plant down now for ``duration`` periods (None: until :meth:`repair`)."""
        self.stage.fail(duration)

    def repair(self) -> None:
        """End an open-ended outage now."""
        self.stage.repair()

    @property
    def up(self) -> bool:
        return self.stage.up

    # -- a facility outage (sim.model.facility) ------------------------------------------------------------------
    def close(self, inbound: list[Lane]) -> None:
        """Closed: the stock point serves nothing and holds the arrivals of ``inbound``; production is down."""
        site = self.site
        assert site is not None, f"{self.id}: bound to its stock point"
        site.close(inbound)
        if site.closures == 1:
            self.stage.fail(None)

    def reopen(self) -> None:
        """The end of the last closure in force: the stock point reopens (backorders paid, arrivals received), then
        production comes back up."""
        site = self.site
        assert site is not None, f"{self.id}: bound to its stock point"
        site.reopen()
        if site.closures == 0:
            self.stage.repair()

    # -- time integrals (from the warm-up) ------------------------------------------------------------------------
    def _accrue(self, now: float) -> None:
        """Split the waiting since the last check among each waiting order's missing components."""
        start = max(self._waited_at, float(self.warmup))
        if now > start:
            dt = now - start
            for job in self.kits:
                if job.missing:
                    share = dt / len(job.missing)
                    for c in job.missing:
                        self.waiting[c] += share
        self._waited_at = now

    def _wip_change(self, sku: str, delta: float, now: float) -> None:
        start = max(self._wip_at, float(self.warmup))
        if now > start:
            for s, units in self.wip.items():
                self.wip_area[s] += units * (now - start)
        self._wip_at = now
        self.wip[sku] += delta
        if abs(self.wip[sku]) < EPS:
            self.wip[sku] = 0.0

    def waiting_until(self, end: float) -> dict[str, float]:
        """Criticality areas up to ``end`` (the horizon), without changing the records."""
        out = dict(self.waiting)
        dt = end - max(self._waited_at, float(self.warmup))
        if dt > 0:
            for job in self.kits:
                for c in job.missing:
                    out[c] += dt / len(job.missing)
        return out

    def wip_until(self, end: float) -> dict[str, float]:
        """Work-in-progress areas up to ``end``, per product."""
        dt = max(end - max(self._wip_at, float(self.warmup)), 0.0)
        return {s: self.wip_area[s] + units * dt for s, units in self.wip.items()}


def _enlarge(order: Order, extra: float, now: float) -> None:
    """Whole batches: the order and its buyer's books grow by ``extra`` units (on order and ordered, now)."""
    item = order.buyer
    assert isinstance(item, StockItem)
    order.qty += extra
    item.on_order += extra
    item.ordered[period_of(now)] += extra
    if order.source is not None:
        order.source.on_order += extra
