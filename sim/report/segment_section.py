"""The report's segment section (scenarios with ``segmentation:``): the Kraljic matrix figure, KPIs per segment and
the supplier scorecard per segment, from the batch summary's means (the first variant's; docs/sourcing.md)."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import pandas as pd
from matplotlib.figure import Figure

from sim.kpi.catalog import PERCENT_KPIS
from sim.report.formatting import format_value
from sim.report.segment_figures import segment_matrix
from sim.report.segments import by_segment, scorecard
from sim.scenario.schema import Scenario

SEGMENT_COLUMNS = (
    ("items", "Items", "orders_placed"),
    ("fill_rate", "Fill rate", "fill_rate"),
    ("lost_sales", "Lost sales", "lost_sales"),
    ("backorders_avg", "Backorders (avg)", "backorders_avg"),
    ("spend", "Spend", "spend"),
    ("total_cost", "Total cost", "total_cost"),
)
SCORECARD_COLUMNS = (
    ("cost", "Cost (supplier cost)", "supplier_cost"),
    ("reject_share", "Quality: rejected", "fill_rate"),
    ("on_time", "Delivery: OTIF", "otif"),
    ("flex_share", "Flexibility: within band", "flex_share"),
    ("late_units", "Late units", "late_units"),
    ("on_time_penalty", "On-time penalty", "on_time_penalty"),
)


def build(
    summary: pd.DataFrame, scenario: Mapping, currency: str, save: Callable[[str, str, Figure, str], dict]
) -> tuple[list[dict], list[dict]]:
    """([section], [image]) for a scenario with segmentation, else ([], [])."""
    if not scenario.get("segmentation") or summary.empty:
        return [], []
    sc = Scenario.model_validate(dict(scenario))
    means = summary
    if "variant" in summary.columns:
        means = summary[summary.variant == summary.variant.iloc[0]]
    means = means[["node", "sku", "kpi", "mean"]]
    seg, card = by_segment(sc, means), scorecard(sc, means)
    section = {
        "template": "sections/segments.html.j2",
        "segment_columns": [label for _, label, _ in SEGMENT_COLUMNS],
        "segment_rows": _rows(seg, "segment", SEGMENT_COLUMNS),
        "scorecard_columns": [label for _, label, _ in SCORECARD_COLUMNS],
        "scorecard_rows": _rows(card, "supplier", SCORECARD_COLUMNS),
        "currency": currency,
    }
    caption = "Expected annual spend and supply risk of each purchased item, scored before the run; dashed: thresholds."
    image = save("segments", "Kraljic segments", segment_matrix(sc, currency=currency), caption)
    return [section], [image]


def _rows(table: pd.DataFrame, name: str, columns: tuple) -> list[dict]:
    out = []
    for r in table.to_dict("records"):
        cells = [format_value(kpi, float(r[col]), 1 if kpi in PERCENT_KPIS else 0) for col, _, kpi in columns]
        out.append({"segment": r["segment"], "name": r.get(name, ""), "cells": cells})
    return out
