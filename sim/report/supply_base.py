"""Supplier concentration from a KPI table: spend shares, the Herfindahl-Hirschman index, region shares and the
single-sourced items (docs/sourcing.md, "Concentration").

Plain data in (the scenario and ``result.kpis`` or a batch summary with a ``mean`` column), plain data out. Shares
are by spend (the supplier rows' ``spend``: for a batch summary, shares of the mean spend); the arithmetic is
:mod:`sim.kpi.concentration`'s, which also gives the catalogue KPIs ``supplier_share``, ``region_share``,
``hhi_suppliers`` and ``single_source_items`` of every replication.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from sim.kpi import concentration as conc
from sim.scenario.schema import Scenario, SupplierNode

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
    share = conc.shares({s.id: float(spend_rows.get(s.id, 0.0)) for s in suppliers})
    by_region = conc.region_shares(share, {s.id: s.region for s in suppliers})
    return Concentration(
        pd.Series(share, dtype=float),
        pd.Series(dict(sorted(by_region.items())), dtype=float),
        conc.hhi(share),
        conc.single_source_items(scenario),
    )
