"""Plants and their bills of materials (docs/assembly.md): every product a bom names exists, a finished good is made
(not bought) and has a policy unless made to order, every component is stocked at the plant with sources or made
there, per-product production fields name finished goods, components serve the plant's production only, and the
bills of materials have no loop (refused with the loop named)."""

from __future__ import annotations

from sim.scenario.bom import bom_loop, plants
from sim.scenario.schema import PlantNode, Scenario, StockNode, SupplierNode

PER_PRODUCT = ("capacity", "production_time", "batch_size", "production_cost")


def of_plant(sc: Scenario, where: str, node: PlantNode) -> list[str]:
    """The plant's own fields: products, finished goods, components, per-product fields, allocation."""
    return _products(sc, where, node) + _finished(where, node) + _components(sc, where, node) + _fields(where, node)


def _products(sc: Scenario, where: str, node: PlantNode) -> list[str]:
    skus = [p.id for p in sc.products]
    known = ", ".join(skus)
    errs = []
    for product, kit in node.bom.items():
        if product not in skus:
            errs.append(f"{where}.bom.{product}: unknown product {product!r}; known products: {known}")
        if not kit:
            errs.append(f"{where}.bom.{product}: needs at least one component ({{component: quantity per unit}})")
        errs += [
            f"{where}.bom.{product}.{c}: unknown product {c!r}; known products: {known}" for c in kit if c not in skus
        ]
    return errs


def _finished(where: str, node: PlantNode) -> list[str]:
    """A finished good is replenished by production: no sources; a policy if made to stock, none if made to order."""
    errs = []
    listed = node.make_to_order if isinstance(node.make_to_order, list) else []
    errs += [
        f"{where}.make_to_order: {sku!r} is not made here; the plant makes: {', '.join(node.bom)}"
        for sku in listed
        if sku not in node.bom
    ]
    for sku in node.bom:
        if sku in node.sources:
            errs.append(
                f"{where}.sources.{sku}: {sku!r} is made here (bom); production replenishes it, drop its sources"
            )
        if node.to_order(sku) and sku in node.policy:
            errs.append(f"{where}.policy.{sku}: {sku!r} is made to order (built against demand); drop its policy")
        elif not node.to_order(sku) and sku not in node.policy:
            errs.append(f"{where}.policy.{sku}: missing; a finished good made to stock needs a policy (or list it in "
                        "make_to_order)")  # fmt: skip
        if sku in node.sourcing:
            errs.append(f"{where}.sourcing.{sku}: {sku!r} is made here; its one source is the plant's production "
                        "(drop the sourcing rule)")  # fmt: skip
        spec = node.policy.get(sku)
        for param, key in (spec.named_sources() if spec is not None else {}).items():
            if key != node.id:
                errs.append(f"{where}.policy.{sku}.{param}: unknown source {key!r}; a finished good's one source is "
                            f"the plant's production, {node.id!r}")  # fmt: skip
        if node.to_order(sku) and sku in node.components:
            errs.append(f"{where}.make_to_order: {sku!r} is also a component here; a sub-assembly is made to stock "
                        "(give it a policy)")  # fmt: skip
    return errs


def _components(sc: Scenario, where: str, node: PlantNode) -> list[str]:
    """Each component is bought here (sources) or made here, and serves production only (no customers of its own);
    plant items are not consignment stock."""
    errs = []
    skus = {p.id for p in sc.products}
    for c in node.components:
        if c in skus and c not in node.sources and c not in node.bom:
            product = next(p for p, kit in node.bom.items() if c in kit)  # one message, at its first use
            errs.append(f"{where}.bom.{product}.{c}: component {c!r} has no sources at {node.id!r} and is not made "
                        f"there; add sources.{c} (and a policy)")  # fmt: skip
    errs += [
        f"{where}.demand.{c}: {c!r} is a component here (for the plant's production); sell it from another node"
        for c in node.components
        if c in node.customer_products
    ]
    suppliers = {n.id: n for n in sc.nodes if isinstance(n, SupplierNode)}
    for sku, srcs in node.sources.items():
        for j, s in enumerate(srcs):
            sup = suppliers.get(s.node)
            if sup is not None and (s.consignment if s.consignment is not None else sup.consignment):
                errs.append(f"{where}.sources.{sku}[{j}].consignment: a plant's stock is not consignment stock "
                            "(set consignment: false here)")  # fmt: skip
    return errs


def _fields(where: str, node: PlantNode) -> list[str]:
    made = ", ".join(node.bom)
    errs = []
    for field in PER_PRODUCT:
        value = getattr(node, field)
        if isinstance(value, dict):
            errs += [
                f"{where}.{field}.{sku}: {node.id!r} does not make {sku!r}; it makes: {made}"
                for sku in value
                if sku not in node.bom
            ]
    times = node.production_time
    if isinstance(times, dict):
        errs += [
            f"{where}.production_time: no production time for {sku!r} (it has: {', '.join(times) or 'none'})"
            for sku in node.bom
            if sku not in times
        ]
    errs += [
        f"{where}.priority: {sku!r} is not made here; it makes: {made}" for sku in node.priority if sku not in node.bom
    ]
    if node.priority and node.allocation != "priority":
        errs.append(f"{where}.priority: only with allocation: priority (allocation is {node.allocation!r})")
    return errs


def across_plants(sc: Scenario) -> list[str]:
    """What spans nodes: the bills of materials have no loop; no node sources a plant's component from the plant."""
    found = plants(sc)
    if not found:
        return []
    errs = []
    loop = bom_loop(p.bom for p in found)
    if loop is not None:
        errs.append(f"bom: the bills of materials loop: {' -> '.join(loop)} (a product can't be made from itself)")
    parts = {p.id: set(p.components) for p in found}
    for i, node in enumerate(sc.nodes):
        if not isinstance(node, StockNode):
            continue
        for sku, srcs in node.sources.items():
            for j, s in enumerate(srcs):
                if sku in parts.get(s.node, ()):
                    errs.append(f"nodes[{i}] (id: {node.id}).sources.{sku}[{j}].node: {s.node!r} holds {sku!r} as a "
                                "component of its production; source it from a supplier or another node")  # fmt: skip
    return errs
