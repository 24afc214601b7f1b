"""Kraljic segmentation of purchased items: value (annual spend) × supply risk (docs/sourcing.md, "Segmentation").

Plain data in, a table out: the scenario (how many sources an item has, its suppliers' defect rates) and a KPI table
(one replication's ``result.kpis`` or a batch summary with a ``mean`` column). Each stock item with at least one
supplier as a source gets

* ``annual_spend``: its ``purchase_cost`` over the KPI window, scaled to a year (``periods_per_year / span``);
* three risk indicators in [0, 1] and their weighted sum ``risk`` (weights ``RISK_WEIGHTS``: a single source alone
  makes an item high-risk, as in Kraljic's matrix): ``single_source`` (1 with one source, else 0),
  ``lead_time_spread`` ((p95 − mean) / mean lead time, capped at 1; per source for a multi-source item, the worst
  source, so two sources' different lead times are not mistaken for variability) and ``defects`` (the worst
  supplier's defect rate / 5 %, capped at 1);
* ``segment``: high value when ``annual_spend ≥ value_threshold`` (default: the mean over the items, i.e. an
  above-average share of spend), high risk when ``risk ≥ risk_threshold`` (default 0.5) —
  strategic (high, high), leverage (high value, low risk), bottleneck (low value, high risk), routine (low, low).

The scoring and the classification are ``sim.scenario.segmentation``'s (the one implementation, also used before the
run for segment-driven sourcing, which scores *expected* spend and lead-time spread); a scenario with
``segmentation:`` lends its weights and region risks. ``by_segment`` aggregates KPIs per segment.
"""

from __future__ import annotations

import math

import pandas as pd

from sim.scenario.schema import Scenario, StockNode, SupplierNode, source_keys
from sim.scenario.segmentation import INDICATORS, Segmentation, classify, defect_risk, risk_score

COLUMNS = ("node", "sku", "suppliers", "annual_spend", *INDICATORS, "risk")


def _values(kpis: pd.DataFrame) -> dict[tuple[str, str, str], float]:
    col = "value" if "value" in kpis.columns else "mean"
    return dict(zip(zip(kpis.node, kpis.sku, kpis.kpi, strict=True), kpis[col], strict=True))


def _spread(v: dict, row: str, sku: str) -> float:
    """(p95 − mean) / mean lead time of a KPI row, capped at 1; 0 without completed orders."""
    avg, p95 = v.get((row, sku, "lead_time_avg"), math.nan), v.get((row, sku, "lead_time_p95"), math.nan)
    return min(1.0, (p95 - avg) / avg) if avg > 0 and not math.isnan(p95) else 0.0


def segments(
    scenario: Scenario,
    kpis: pd.DataFrame,
    *,
    value_threshold: float | None = None,
    risk_threshold: float = 0.5,
) -> pd.DataFrame:
    """The segment table (module docstring), one row per purchased item, in scenario order."""
    seg = scenario.segmentation or Segmentation()
    v = _values(kpis)
    years = (scenario.horizon - scenario.warmup) / scenario.periods_per_year
    suppliers = {n.id: n for n in scenario.nodes if isinstance(n, SupplierNode)}
    rows = []
    for node in scenario.nodes:
        if not isinstance(node, StockNode):
            continue
        for sku, srcs in node.sources.items():
            bought = [suppliers[s.node] for s in srcs if s.node in suppliers]
            if not bought:
                continue  # replenished from another stock node: not a purchase
            keys = [node.id] if len(srcs) == 1 else [f"{node.id}<-{k}" for k in source_keys(srcs)]
            spread = max(_spread(v, key, sku) for key in keys)
            rows.append(
                {
                    "node": node.id,
                    "sku": sku,
                    "suppliers": ", ".join(s.id for s in bought),
                    "annual_spend": v.get((node.id, sku, "purchase_cost"), 0.0) / years,
                    "single_source": float(len(srcs) == 1),
                    "lead_time_spread": spread,
                    "defects": defect_risk(max(s.defect_rate for s in bought)),
                    "region": max(seg.region_risk.get(s.region, 0.0) for s in bought),
                }
            )
    for r in rows:
        r["risk"] = risk_score(r, seg.weights)
    table = pd.DataFrame(rows, columns=list(COLUMNS))
    table["segment"] = classify(table.annual_spend.tolist(), table.risk.tolist(), value_threshold, risk_threshold)
    return table
