"""Every product a node names is a product of the scenario; a retailer has customer demand."""

from __future__ import annotations

from sim.scenario.schema import Scenario, StockNode, SupplierNode


def of_supplier(sc: Scenario, where: str, node: SupplierNode) -> list[str]:
    """The products a supplier's capacity, product list, production times and flex commitment name."""
    skus = [p.id for p in sc.products]
    caps = node.capacity if isinstance(node.capacity, dict) else {}
    times = node.production_time if isinstance(node.production_time, dict) else {}
    flex = node.contract.flex if node.contract is not None and node.contract.flex is not None else None
    committed = flex.commitment if flex is not None and isinstance(flex.commitment, dict) else {}
    errs = []
    for field, listed in (
        ("capacity", caps),
        ("products", node.products or []),
        ("production_time", times),
        ("contract.flex.commitment", committed),
    ):
        errs += [_unknown(where, field, sku, skus) for sku in listed if sku not in skus]
    return errs


def of_stock_node(sc: Scenario, where: str, node: StockNode) -> list[str]:
    """The products a stock node's stock, policies, sources, sourcing rules and demand name."""
    skus = [p.id for p in sc.products]
    return [
        _unknown(where, field, sku, skus)
        for field in ("initial_stock", "policy", "sources", "sourcing", "demand")
        for sku in getattr(node, field)
        if sku not in skus
    ]


def customer_demand(sc: Scenario, where: str, node: StockNode) -> list[str]:
    """A retailer has demand; the lines of its customer orders are products."""
    skus = [p.id for p in sc.products]
    errs = []
    if node.type == "retailer" and not node.demand and not node.baskets:
        errs.append(f"{where}.demand: a retailer needs customer demand for at least one product (demand or baskets)")
    for b, basket in enumerate(node.baskets):
        errs += [_unknown(where, f"baskets[{b}].lines", sku, skus) for sku in basket.lines if sku not in skus]
    return errs


def _unknown(where: str, field: str, sku: str, skus: list[str]) -> str:
    return f"{where}.{field}: unknown product {sku!r}; known products: {', '.join(skus)}"
