"""Supplier concentration: spend shares per supplier and per supplier region, the Herfindahl-Hirschman index and the
single-sourced items (docs/sourcing.md, "Concentration").

The one implementation: the KPI pass (``sim.kpi.sources``: ``supplier_share``, ``region_share``,
``hhi_suppliers``, ``single_source_items``) and the report's :func:`sim.report.supply_base.concentration` both call
it. Plain Python on the scenario and a spend per supplier: no SimPy, no NumPy.
"""

from __future__ import annotations

import math

from sim.scenario.schema import Scenario, StockNode, SupplierNode


def shares(spend: dict[str, float]) -> dict[str, float]:
    """Each supplier's share of the total spend (NaN for all when nothing was spent)."""
    total = sum(spend.values())
    return {s: (v / total if total > 0 else math.nan) for s, v in spend.items()}


def region_shares(share: dict[str, float], region: dict[str, str]) -> dict[str, float]:
    """The share of each region (``region[supplier]``, '' for suppliers without one): its suppliers' shares summed."""
    out: dict[str, float] = {}
    for s, v in share.items():
        out[region[s]] = out.get(region[s], 0.0) + v
    return out


def hhi(share: dict[str, float]) -> float:
    """Herfindahl-Hirschman index Σ share², in [1/n, 1] (1: one supplier takes everything; ×10,000 for the antitrust
    scale); NaN without spend."""
    return sum(v * v for v in share.values()) if share else math.nan


def single_source_items(scenario: Scenario) -> list[tuple[str, str]]:
    """(node, sku) bought from exactly one source, that source a supplier (an item fed by a hub is not a purchase)."""
    return [
        (n.id, sku)
        for n in scenario.nodes
        if isinstance(n, StockNode)
        for sku, srcs in n.sources.items()
        if len(srcs) == 1 and isinstance(scenario.node(srcs[0].node), SupplierNode)
    ]
