"""The report's plant section (scenarios with ``plant`` nodes, docs/assembly.md): per plant, its capacity use and kit
shortages, its finished goods (output and demand per year, landed cost per unit with the components), its components
ranked by criticality, and its output against demand over time (one replication's time series).

Landed cost per unit, from the summary's means: a component's is the plant item's ``total_cost`` over the units the
kits consumed (purchase, transport, holding, ordering...: what a consumed unit cost to get and keep at the plant); a
finished good's is its own item's ``total_cost`` (production, set-up orders, holding) over the units produced plus
Σ quantity × the component's.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

import pandas as pd
from matplotlib.figure import Figure

from sim.report import attention
from sim.report.formatting import DASH, format_estimate, format_value
from sim.report.plant_figures import output_vs_demand

ALL = "ALL"


def plants(scenario: Mapping) -> list[Mapping]:
    return [n for n in scenario.get("nodes") or [] if isinstance(n, Mapping) and n.get("type") == "plant"]


def _per_unit(total: float, units: float) -> float:
    return total / units if units > 0 and math.isfinite(total) else math.nan


def landed_unit_costs(look: attention.Lookup, plant: Mapping) -> dict[str, float]:
    """Landed cost per unit of every component and finished good of ``plant`` (see the module docstring)."""
    pid = str(plant["id"])
    bom: dict[str, dict[str, float]] = plant.get("bom") or {}
    parts = list(dict.fromkeys(c for kit in bom.values() for c in kit))
    out = {c: _per_unit(look.mean(pid, c, "total_cost"), look.mean(pid, c, "components_consumed")) for c in parts}
    # sub-assemblies first (their cost feeds the products made from them): finished goods in reverse bom depth
    pending = list(bom)
    while pending:
        ready = [j for j in pending if all(c not in pending or c == j for c in bom[j])]
        for j in ready or pending:
            own = _per_unit(look.mean(pid, j, "total_cost"), look.mean(pid, j, "units_produced"))
            out[j] = own + sum(float(q) * out.get(c, math.nan) for c, q in bom[j].items())
            pending.remove(j)
    return out


def build(
    look: attention.Lookup,
    scenario: Mapping,
    currency: str,
    series: pd.DataFrame | None,
    save: Callable[[str, str, Figure, str], dict],
) -> list[dict]:
    """The plant section (one entry per plant), or none without plants."""
    found = plants(scenario)
    if not found:
        return []
    yearly = attention.per_year(scenario)
    blocks = []
    for plant in found:
        pid = str(plant["id"])
        bom: dict[str, dict[str, float]] = plant.get("bom") or {}
        landed = landed_unit_costs(look, plant)

        def est(node: str, sku: str, kpi: str, scale: float = 1.0) -> str:
            st = look.get(node, sku, kpi)
            return format_estimate(kpi, st.mean * scale, st.lo * scale, st.hi * scale)

        finished = [
            {
                "name": j,
                "cells": [
                    est(pid, j, "units_produced", yearly),
                    est(pid, j, "demand", yearly),
                    est(pid, j, "fill_rate"),
                    est(pid, j, "kit_shortage_share"),
                    est(pid, j, "lead_time_avg"),
                    est(pid, j, "wip_avg"),
                    _money(landed.get(j, math.nan)),
                ],
            }
            for j in bom
        ]
        parts = list(dict.fromkeys(c for kit in bom.values() for c in kit))
        parts.sort(key=lambda c: -_finite(look.mean(pid, c, "component_criticality")))
        components = [
            {
                "name": c,
                "cells": [
                    est(pid, c, "component_criticality"),
                    est(pid, c, "components_consumed", yearly),
                    est(pid, c, "fill_rate"),
                    est(pid, c, "on_hand_avg"),
                    _money(landed.get(c, math.nan)),
                ],
            }
            for c in parts
        ]
        caption = (
            "Units output per period against the demand the plant's finished goods receive (the DC's and other "
            "nodes' orders, and customers at the plant) and the end customers' demand for the product; replication 0."
        )
        image = None
        if series is not None:
            figure = output_vs_demand(series, scenario, pid, list(bom))
            image = save(f"plant_{pid}", f"{pid}: output and demand", figure, caption)
        blocks.append(
            {
                "id": pid,
                "region": str(plant.get("region") or ""),
                "facts": [
                    ("Capacity use", est(pid, ALL, "utilization")),
                    ("Production orders short of a kit", est(pid, ALL, "kit_shortage_share")),
                    ("Work in progress (avg units)", est(pid, ALL, "wip_avg")),
                    (f"Production cost per year ({currency})", est(pid, ALL, "production_cost", yearly)),
                ],
                "finished": finished,
                "components": components,
                "image": image,
            }
        )
    return [
        {
            "template": "sections/plants.html.j2",
            "plants": blocks,
            "currency": currency,
            "finished_columns": [
                "Output per year",
                "Demand per year",
                "Fill rate at the plant",
                "Orders short of a kit",
                "Lead time (avg)",
                "WIP (avg units)",
                f"Landed cost per unit ({currency})",
            ],
            "component_columns": [
                "Criticality",
                "Consumed per year",
                "Requirement met at once",
                "On hand (avg)",
                f"Landed cost per unit ({currency})",
            ],
        }
    ]


def _money(x: float) -> str:
    return DASH if not math.isfinite(x) else format_value("total_cost", x, 2)


def _finite(x: float) -> float:
    return x if math.isfinite(x) else -1.0
