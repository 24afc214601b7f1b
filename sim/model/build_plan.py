"""``BuildPlan``: what building a replication derives from the scenario alone (which products each supplier serves,
each node's products in order, every item's source links), computed once per scenario and reused by every
replication of a batch (sim.experiment.replication keeps it beside the scenario; the frozen scenario holds no
derived state)."""

from __future__ import annotations

from typing import Any

from sim.model.consignment import is_consignment
from sim.scenario.moments import Promises
from sim.scenario.schema import PlantNode, Scenario, Source, StockNode, SupplierNode


class BuildPlan:
    """The parts of building a replication that depend on the scenario only."""

    def __init__(self, sc: Scenario) -> None:
        self.served = {n.id: _served(sc, n.id) for n in sc.nodes if isinstance(n, SupplierNode)}
        self.unit_volume = {p.id: p.unit_volume for p in sc.products if p.unit_volume is not None}
        stock_nodes = [n for n in sc.nodes if isinstance(n, StockNode)]
        self.products = {n.id: _ordered(sc, n) for n in stock_nodes}
        # per item, its sources: (source spec, external, lane id, order delay, promised and expected lead time, key)
        self.links: dict[tuple[str, str], list[tuple[Any, ...]]] = {}
        promises = Promises(sc)  # the default promised lead times (sim.scenario.moments), each distinct one once
        for node in stock_nodes:
            for sku, sources in node.sources.items():
                twice = {s.node for s in sources if [x.node for x in sources].count(s.node) > 1}
                self.links[node.id, sku] = [_link(sc, node.id, sku, src, twice, promises) for src in sources]
        # per item, per source: a consignment source (sim.model.consignment)
        self.consigned = {key: [is_consignment(sc, link[0]) for link in links] for key, links in self.links.items()}
        # plants (sim.model.plant): their nodes, and the items that are not plain stock items there
        self.plants = [n for n in stock_nodes if isinstance(n, PlantNode)]
        self.plant_items: dict[tuple[str, str], str] = {}
        for plant in self.plants:
            self.plant_items |= {(plant.id, sku): "made_to_order" for sku in plant.bom if plant.to_order(sku)}
            self.plant_items |= {(plant.id, c): "component" for c in plant.components}


def _link(sc: Scenario, node_id: str, sku: str, src: Source, twice: set[str], promises: Promises) -> tuple[Any, ...]:
    lane_spec = sc.lane(src.node, node_id, src.lane)
    upstream = sc.node(src.node)
    external = isinstance(upstream, SupplierNode)
    made = upstream.production_time_of(sku).mean if isinstance(upstream, SupplierNode) else 0.0
    expected = src.order_delay + made + lane_spec.transit.mean
    node = sc.node(node_id)
    assert isinstance(node, StockNode)
    promised = promises.of(node, sku, src)
    key = lane_spec.id if src.node in twice else src.node  # a node reached by two lanes: name the source by lane
    # the price: the source's own, else the supplier's, else the product's (internal transfers are not bought)
    price = src.unit_cost
    if price is None:
        supplier_price = upstream.unit_cost if isinstance(upstream, SupplierNode) else None
        price = supplier_price if supplier_price is not None else sc.product(sku).unit_cost
    defects = upstream.defect_rate if isinstance(upstream, SupplierNode) else 0.0
    return (src, external, lane_spec.id, src.order_delay, promised, expected, key, price, defects)


def _served(sc: Scenario, supplier: str) -> list[str]:
    """Products some stock node sources from ``supplier``."""
    found = {
        sku
        for n in sc.nodes
        if isinstance(n, StockNode)
        for sku, srcs in n.sources.items()
        if any(s.node == supplier for s in srcs)
    }
    return [p.id for p in sc.products if p.id in found]


def _ordered(sc: Scenario, node: StockNode) -> list[str]:
    """The node's products in the scenario's product order (stable KPI row order)."""
    mine = set(node.products)
    return [p.id for p in sc.products if p.id in mine]
