"""Supplier concentration from a KPI table: spend shares, the Herfindahl-Hirschman index, region shares and the
single-sourced items (docs/sourcing.md, "Concentration").

Plain data in (the scenario and ``result.kpis`` or a batch summary with a ``mean`` column), plain data out. Shares
are by spend (the supplier rows' ``spend``); HHI = Σ share² over suppliers, in [1/n, 1] (1: one supplier takes
everything; the antitrust convention multiplies by 10,000).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from sim.scenario.schema import Scenario, StockNode, SupplierNode

ALL = "ALL"


@dataclass(frozen=True)
class Concentration:
    supplier_share: pd.Series  # supplier -> share of spend
    region_share: pd.Series  # region ('' for suppliers without one) -> share of spend
    hhi_suppliers: float
    single_source_items: list[tuple[str, str]]  # (node, sku) bought from exactly one source


def concentration(scenario: Scenario, kpis: pd.DataFrame) -> Concentration:
    col = "value" if "value" in kpis.columns else "mean"
    spend_rows = kpis[(kpis.kpi == "spend") & (kpis.sku == ALL)].set_index("node")[col]
    suppliers = [n for n in scenario.nodes if isinstance(n, SupplierNode)]
    spend = pd.Series({s.id: float(spend_rows.get(s.id, 0.0)) for s in suppliers}, dtype=float)
    total = spend.sum()
    share = spend / total if total > 0 else spend * 0.0
    region = pd.Series({s.id: s.region for s in suppliers})
    by_region = share.groupby(region).sum()
    single = [
        (n.id, sku)
        for n in scenario.nodes
        if isinstance(n, StockNode)
        for sku, srcs in n.sources.items()
        if len(srcs) == 1 and isinstance(scenario.node(srcs[0].node), SupplierNode)
    ]
    return Concentration(share, by_region, float((share**2).sum()), single)
