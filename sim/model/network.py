"""``SupplyChain``: builds the SimPy model of one replication from a validated scenario and runs it.

The actors are built in a fixed order, one builder per actor kind (sim.model.builders): lanes, suppliers, stock
items, their sources, plants (and their finished goods' production sources), basket streams; then the written
starting state, information sharing, the items' review processes, the warm-up, the disruptions and, last, customer
demand. The order matters: SimPy breaks ties between
events at the same instant and priority by the order they were scheduled in.
"""

from __future__ import annotations

import numpy as np
import simpy

from sim.model import builders, initial_state, sharing
from sim.model.actors import Actors
from sim.model.build_plan import BuildPlan
from sim.model.clock import WARMUP, call_at
from sim.model.collector import paused_collector
from sim.model.disruption_processes import Disruptions
from sim.model.flows import FlowTable
from sim.model.records import EventLog
from sim.scenario.schema import Scenario, StockNode


class SupplyChain(Actors):
    """One replication's model: suppliers, lanes, stock items and demand processes in one environment.

    Every random stream is keyed by purpose and element (see ``sim.model.rng``), so variants of a scenario share demand
    and transit draws. ``plan``: what the scenario implies beyond its fields (a :class:`BuildPlan`), when the caller
    keeps one per scenario; built here otherwise.
    """

    def __init__(
        self,
        scenario: Scenario,
        seed: np.random.SeedSequence,
        *,
        record_log: bool = True,
        events: bool = False,
        plan: BuildPlan | None = None,
    ) -> None:
        super().__init__(scenario, seed, simpy.Environment())
        with paused_collector():  # building allocates objects by the thousand, none of them garbage: no full walks
            self._build(plan if plan is not None else BuildPlan(scenario), record_log, events)

    def _build(self, plan: BuildPlan, record_log: bool, events: bool) -> None:
        sc, env = self.scenario, self.env
        stock_nodes = [n for n in sc.nodes if isinstance(n, StockNode)]
        self.lanes = builders.lanes(self, plan)
        self.suppliers = builders.suppliers(self, plan)
        self.flows = FlowTable(sum(len(plan.products[n.id]) for n in stock_nodes), sc.horizon)
        builders.stock_items(self, plan, stock_nodes, record_log)
        self.bands = builders.flex_bands(self, plan)  # volume-flex bands per (supplier, product)
        builders.sources(self, plan, stock_nodes, self.bands)
        if plan.plants:  # production orders of the plants' finished goods (sim.model.plant)
            self.plants = builders.plants(self, plan)
        self.baskets = builders.baskets(self, stock_nodes)
        self.events = EventLog() if events else None
        if self.events is not None:
            for lane in self.lanes.values():
                lane.events = self.events
            for supplier in self.suppliers.values():
                supplier.events = self.events
            for plant in self.plants.values():
                plant.stage.events = plant.line.events = self.events
            for item in self.items.values():
                item.events = self.events
            for book in self.baskets:
                book.events = self.events
        if sc.initial_pipeline == "steady":
            builders.preload_pipelines(self, stock_nodes)
        initial_state.load(self)  # goods and order slips written in the sources (the beer game board)
        sharing.connect(self)  # end-customer demand for policies with information: shared
        for item in self.items.values():
            item.ordering.start()
        if sc.warmup > 0:
            call_at(env, sc.warmup, WARMUP, self._end_warmup)
        # disruptions (outages, closures, shocks) start before demand: a demand shock wraps the items' sinks
        self.disruptions = Disruptions(self, list(sc.disruptions), self.seed) if sc.disruptions else None
        self.periodic_demand, self.arrival_processes = builders.demand(self, stock_nodes, self.disruptions)

    def _end_warmup(self) -> None:
        for item in self.items.values():
            item.restart_areas()

    def run(self) -> SupplyChain:
        with paused_collector():  # the run leaves no reference cycles: full collections would only walk the model
            self.env.run(until=self.scenario.horizon)
        return self

    def release(self) -> None:
        """Drop what a finished run holds (after its KPIs and series are read).

        The model is a web of reference cycles (environment -> queued events -> actors -> environment, processes
        <-> their generators), which only a full garbage collection frees. Emptying the event queue and dropping the
        per-period buffers and state logs frees the bulk now, whenever the collector runs."""
        self.env._queue.clear()
        self.periodic_demand.streams.clear()
        for item in self.items.values():
            item.release()
        self.flows = FlowTable(0, 0)
        for supplier in self.suppliers.values():
            supplier.ordered = []
            for pool in supplier.pools.values():
                pool.produced = []
        for lane in self.lanes.values():
            lane.in_transit.clear()
