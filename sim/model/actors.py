"""``Actors``: one replication's actors in one SimPy environment, as the helpers that act on several of them see it
(disruptions, the control tower, information sharing, the written starting state) and as the KPI pass reads them.

A plain container: :class:`sim.model.network.SupplyChain` builds and runs it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import simpy

from sim.model.baskets import BasketBook
from sim.model.flows import FlowTable
from sim.model.lane import Lane
from sim.model.plant import Plant
from sim.model.records import EventLog
from sim.model.stock_item import StockItem
from sim.model.stock_point import StockPoint
from sim.model.supplier import Supplier

if TYPE_CHECKING:
    from sim.scenario.schema import Scenario


class Actors:
    """Suppliers, plants, lanes, stock items (per node × product, and grouped per node as stock points), basket
    streams and the opt-in event log of one replication."""

    def __init__(self, scenario: Scenario, seed: np.random.SeedSequence, env: simpy.Environment) -> None:
        self.scenario = scenario
        self.seed = seed
        self.env = env
        self.lanes: dict[str, Lane] = {}  # by lane id
        self.suppliers: dict[str, Supplier] = {}
        self.plants: dict[str, Plant] = {}  # plants (sim.model.plant), by node id
        self.items: dict[tuple[str, str], StockItem] = {}
        self.stock_points: dict[str, StockPoint] = {}  # node id -> its items and basket streams
        self.flows = FlowTable(0, 0)  # every item's per-period flows (item i = row i, in ``items`` order)
        self.baskets: list[BasketBook] = []
        self.events: EventLog | None = None
