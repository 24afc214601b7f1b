"""A stock node's cost rates and policy levels fit the node: rates name products it stocks, consignment is a
supplier's, staggered reviews set no offsets, negative reorder points only where demand is backordered
(docs/sourcing.md)."""

from __future__ import annotations

from typing import Any

from sim.scenario.schema import StockNode, SupplierNode


def rates_and_levels(where: str, node: StockNode, by_id: dict[str, Any]) -> list[str]:
    return _rates(where, node, by_id) + _levels(where, node)


def _rates(where: str, node: StockNode, by_id: dict[str, Any]) -> list[str]:
    errs = []
    stocked = node.products
    for field in ("holding_cost", "pipeline_holding_cost"):
        for sku in getattr(node, field):
            if sku not in stocked:
                errs.append(f"{where}.{field}.{sku}: {node.id!r} does not stock {sku!r} (it stocks: "
                            f"{', '.join(stocked) or 'nothing'})")  # fmt: skip
    for sku, srcs in node.sources.items():
        for j, s in enumerate(srcs):
            if s.consignment and s.node in by_id and not isinstance(by_id[s.node], SupplierNode):
                errs.append(f"{where}.sources.{sku}[{j}].consignment: {s.node!r} is a stock node; consignment "
                            "stock is a supplier's (set it on a supplier source)")  # fmt: skip
    return errs


def _levels(where: str, node: StockNode) -> list[str]:
    errs = []
    if node.stagger:
        for sku, spec in node.policy.items():
            if getattr(spec.params, "offset", 0):
                errs.append(f"{where}.policy.{sku}.offset: stagger: true sets the review offsets; drop one of them")
    if node.unmet_demand == "lost":
        for sku, spec in node.policy.items():
            for param, value in spec.negative_levels().items():
                errs.append(
                    f"{where}.policy.{sku}.{param}: {value:g} is below 0, which needs unmet_demand: backorder (a "
                    "negative reorder point waits for backorders; with lost sales the inventory position of "
                    "customer demand never goes below 0)"
                )
    return errs
