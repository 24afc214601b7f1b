"""Cross-reference checks of a scenario whose fields are each valid: one module per concern, run in a fixed order
by :func:`references` and :func:`named_elements` (sim.scenario.loading runs them after the schema; each problem is one
line naming its field).

The network's own references come first; the elements disruptions and consolidating lanes name are checked once the
network is sound.
"""

from __future__ import annotations

from sim.scenario import workload
from sim.scenario.checks import bom, consolidation, costs, disruptions, network, products, sources
from sim.scenario.schema import PlantNode, Scenario, StockNode, SupplierNode


def references(sc: Scenario, segmented: bool = False) -> list[str]:
    """Ids, lanes, every node's products, costs and sources, the supply graph. ``segmented``: a missing policy is
    not an error yet (a segment rule may set it)."""
    errs = network.ids_and_window(sc) + network.lanes(sc)
    by_id = {n.id: n for n in sc.nodes}
    for i, node in enumerate(sc.nodes):
        where = f"nodes[{i}] (id: {node.id})"
        if isinstance(node, SupplierNode):
            errs += products.of_supplier(sc, where, node)
            continue
        assert isinstance(node, StockNode)
        errs += products.of_stock_node(sc, where, node)
        errs += costs.rates_and_levels(where, node, by_id)
        errs += products.customer_demand(sc, where, node)
        errs += sources.policies_have_sources(where, node)
        if isinstance(node, PlantNode):
            errs += bom.of_plant(sc, where, node)
        for sku, srcs in node.sources.items():
            errs += sources.of_item(sc, where, node, sku, srcs, segmented)
    return errs + network.supply_cycle(sc) + bom.across_plants(sc)


def named_elements(sc: Scenario) -> list[str]:
    """What the disruptions and consolidating lanes name (after :func:`references` found nothing); then the events
    one replication would make, against their limit (sim.scenario.workload)."""
    return disruptions.named_elements(sc) + consolidation.consolidating_lanes(sc) or workload.problems(sc)


def degenerate(sc: Scenario) -> list[str]:
    """Warnings (valid but degenerate input) about the disruptions of a scenario that passed every check: one line
    each, naming the field (the scenario's other degenerate input: sim.scenario.degenerate)."""
    return disruptions.degenerate(sc)
