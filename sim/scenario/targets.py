"""What a disruption hits, read off the scenario: the suppliers and lanes of a region, the facilities a
``facility_outage`` may close, and the stock items downstream of the disrupted elements (the *affected items* that
``tts_stock_cover``, the projected-cover alert and ``warning_lead_time`` look at)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sim.scenario.schema import PlantNode, Scenario, StockNode

Item = tuple[str, str]  # (node, sku)

# the node types a facility_outage may close (sim.model.facility finds the actor that closes each: a stock point, or a
# plant; a new type needs a closer there too)
FACILITY_TYPES: tuple[str, ...] = ("buffer", "retailer", "plant")


def regional_targets(sc: Scenario, region: str) -> tuple[list[str], list[str]]:
    """(supplier ids, lane ids) a regional event hits: suppliers in the region; lanes tagged with it or leaving a
    node in it."""
    in_region = {n.id for n in sc.nodes if n.region == region}
    suppliers = [n.id for n in sc.nodes if n.id in in_region and n.type == "supplier"]
    lanes = [ln.id for ln in sc.lanes if ln.region == region or ln.from_ in in_region]
    return suppliers, lanes


def facilities(sc: Scenario) -> list[str]:
    """The nodes a ``facility_outage`` may name (a node of one of :data:`FACILITY_TYPES`)."""
    return [n.id for n in sc.nodes if n.type in FACILITY_TYPES]


def facility_lanes(sc: Scenario, node: str) -> tuple[list[str], list[str]]:
    """(inbound lane ids, outbound lane ids) of a facility: where its arrivals wait, where nothing leaves."""
    return [ln.id for ln in sc.lanes if ln.to == node], [ln.id for ln in sc.lanes if ln.from_ == node]


# -- affected items ---------------------------------------------------------------------------------------------
def _links(sc: Scenario) -> list[tuple[Item, str, str]]:
    """Every source link: (buying item, upstream node, lane id)."""
    out = []
    for n in sc.nodes:
        if isinstance(n, StockNode):
            for sku, srcs in n.sources.items():
                out += [((n.id, sku), s.node, sc.lane(s.node, n.id, s.lane).id) for s in srcs]
    return out


def _items_at(sc: Scenario, node: str) -> set[Item]:
    found = next((n for n in sc.nodes if n.id == node), None)
    return {(node, sku) for sku in found.products} if isinstance(found, StockNode) else set()


def _seeds(sc: Scenario, p: Any, links: list[tuple[Item, str, str]]) -> set[Item]:
    """The items a disruption's parameters hit directly: those buying from its supplier (or the region's
    suppliers), over its lane (or the region's lanes), at its facility; a demand shock its own items."""
    suppliers: set[str] = set()
    lanes: set[str] = set()
    items: set[Item] = set()
    if hasattr(p, "supplier"):
        suppliers.add(p.supplier)
    if hasattr(p, "lane"):
        lanes.add(p.lane)
    if hasattr(p, "region"):
        sups, lns = regional_targets(sc, p.region)
        suppliers |= set(sups)
        lanes |= set(lns)
    if hasattr(p, "node"):
        items |= _items_at(sc, p.node)
    if hasattr(p, "multiplier"):  # a demand shock: the items whose customer demand it scales
        items |= {
            (n.id, sku)
            for n in sc.nodes
            if isinstance(n, StockNode) and (p.nodes is None or n.id in p.nodes)
            for sku in n.customer_products
            if p.skus is None or sku in p.skus
        }
    return items | {item for item, up, lane in links if up in suppliers or lane in lanes}


def affected_items(sc: Scenario, specs: Iterable[Any] | None = None) -> set[Item]:
    """The stock items downstream of the disrupted elements of ``specs`` (default: the scenario's disruptions):
    the items hit directly (see :func:`_seeds`) and, level by level, every item that buys the same product from an
    affected item, and at a plant every finished good made from an affected component (its bill of materials). An
    item with another, undisrupted source is still affected (its cover is what a failover protects)."""
    links = _links(sc)
    found: set[Item] = set()
    for spec in sc.disruptions if specs is None else specs:
        found |= _seeds(sc, spec.params, links)
    return downstream(found, links, _bom_edges(sc))


def _bom_edges(sc: Scenario) -> list[tuple[Item, Item]]:
    """(component item, finished-good item) at every plant: a short component starves what is made from it."""
    return [
        ((n.id, comp), (n.id, product))
        for n in sc.nodes
        if isinstance(n, PlantNode)
        for product, kit in n.bom.items()
        for comp in kit
    ]


def downstream(
    items: set[Item], links: list[tuple[Item, str, str]], boms: Iterable[tuple[Item, Item]] = ()
) -> set[Item]:
    """``items`` and every item that buys the same product from one of them or is made from one of them (``boms``:
    component item -> finished-good item), transitively."""
    buyers: dict[Item, list[Item]] = {}
    for item, up, _ in links:
        buyers.setdefault((up, item[1]), []).append(item)
    for comp, product in boms:
        buyers.setdefault(comp, []).append(product)
    out, todo = set(items), list(items)
    while todo:
        for nxt in buyers.get(todo.pop(), []):
            if nxt not in out:
                out.add(nxt)
                todo.append(nxt)
    return out


def by_sku(items: Iterable[Item]) -> dict[str, set[str]]:
    """Affected items grouped by product: sku -> nodes."""
    out: dict[str, set[str]] = {}
    for node, sku in items:
        out.setdefault(sku, set()).add(node)
    return out
