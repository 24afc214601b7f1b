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
from typing import Any, cast

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
    rows: list[dict[str, Any]] = []
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


def item_segments(scenario: Scenario, kpis: pd.DataFrame) -> dict[tuple[str, str], str]:
    """(node, sku) -> segment of every purchased item: the scenario's own segments when it has ``segmentation:``
    (computed before the run from expected demand), else the segments of this KPI table."""
    if scenario.segmentation is not None and scenario.segmentation.assigned:
        return {(n, k): s for n, per in scenario.segmentation.assigned.items() for k, s in per.items()}
    t = segments(scenario, kpis)
    return dict(zip(zip(t.node, t.sku, strict=True), t.segment, strict=True))


SEGMENT_ORDER = ("strategic", "leverage", "bottleneck", "routine")


def by_segment(scenario: Scenario, kpis: pd.DataFrame) -> pd.DataFrame:
    """Per segment (strategic, leverage, bottleneck, routine; those with items): ``items``, ``demand``,
    ``fill_rate`` (Σ fill rate × demand / Σ demand over its items: the demand-weighted fill rate), ``lost_sales``,
    ``backorders_avg``, ``spend`` (Σ ``purchase_cost``), ``total_cost`` (sums over its items)."""
    v = _values(kpis)
    seg = item_segments(scenario, kpis)
    rows = []
    for name in SEGMENT_ORDER:
        items = [key for key, s in seg.items() if s == name]
        if not items:
            continue

        def total(kpi: str, items=items) -> float:
            vals = [v.get((n, k, kpi), math.nan) for n, k in items]
            return float(sum(x for x in vals if not math.isnan(x)))

        demand = total("demand")
        filled = sum(
            v.get((n, k, "fill_rate"), 0.0) * v.get((n, k, "demand"), 0.0)
            for n, k in items
            if not math.isnan(v.get((n, k, "fill_rate"), math.nan))
        )
        rows.append(
            {
                "segment": name,
                "items": len(items),
                "demand": demand,
                "fill_rate": filled / demand if demand > 0 else math.nan,
                "lost_sales": total("lost_sales"),
                "backorders_avg": total("backorders_avg"),
                "spend": total("purchase_cost"),
                "total_cost": total("total_cost"),
            }
        )
    return pd.DataFrame(
        rows, columns=["segment", "items", "demand", "fill_rate", "lost_sales", "backorders_avg", "spend", "total_cost"]
    )


def scorecard(scenario: Scenario, kpis: pd.DataFrame) -> pd.DataFrame:
    """The supplier scorecard per segment: one row per (segment, supplier serving an item of it), with the
    supplier's own numbers (its row ``(supplier, ALL)``; a supplier serving two segments appears under both):
    ``cost`` (``supplier_cost``: spend + admin + reservation), ``reject_share`` (quality: rejected / (volume +
    rejected)), ``on_time`` (delivery: ``otif``), ``flex_share`` (flexibility: requests within the band; NaN without
    one), ``late_units`` and ``on_time_penalty`` (NaN without a contract)."""
    v = _values(kpis)
    seg = item_segments(scenario, kpis)
    suppliers = {n.id for n in scenario.nodes if isinstance(n, SupplierNode)}
    serves: dict[str, list[str]] = {}
    for (node, sku), s in seg.items():
        for src in cast(StockNode, scenario.node(node)).sources.get(sku, []):
            if src.node in suppliers and src.node not in serves.setdefault(s, []):
                serves[s].append(src.node)
    rows = []
    for name in SEGMENT_ORDER:
        for sup in serves.get(name, []):
            got = {k: v.get((sup, "ALL", k), math.nan) for k in ("supplier_cost", "rejected_units", "volume", "otif")}
            shipped = got["volume"] + got["rejected_units"]
            rows.append(
                {
                    "segment": name,
                    "supplier": sup,
                    "cost": got["supplier_cost"],
                    "reject_share": got["rejected_units"] / shipped if shipped > 0 else math.nan,
                    "on_time": got["otif"],
                    "flex_share": v.get((sup, "ALL", "flex_share"), math.nan),
                    "late_units": v.get((sup, "ALL", "late_units"), math.nan),
                    "on_time_penalty": v.get((sup, "ALL", "on_time_penalty"), math.nan),
                }
            )
    cols = ["segment", "supplier", "cost", "reject_share", "on_time", "flex_share", "late_units", "on_time_penalty"]
    return pd.DataFrame(rows, columns=cols)
