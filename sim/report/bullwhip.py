"""Bullwhip section of the reports: order-variance amplification by echelon, orders over time, variance ratio table.

Reads the summary / comparison tables (``bullwhip_ratio``, ``bullwhip_vs_consumer``, ``order_qty_var``,
``demand_var`` per node) and, for the orders-over-time chart, the time series of one replication. Echelons are
ordered downstream first (retailers, then the nodes that supply them), the order in which amplification builds up.
Like ``sim.report.figures``: matplotlib's object-oriented API only, no SimPy.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any, cast

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.report.figures import _figure, _label, _placeholder, grouped_bars, variant_colors
from sim.report.network_map import echelons, node_types

RATIO_KPIS = ("demand_var", "order_qty_var", "bullwhip_ratio", "bullwhip_vs_consumer")
# policies that order from a forecast of the demand they see: the bullwhip presets (conf/policy: order_up_to_ma,
# order_up_to_ma_shared, order_up_to_smoothed, sterman) and the beer game's own pass-through
FORECAST_POLICIES = frozenset({"forecast_order_up_to", "sterman", "pass_through"})


def is_study(scenario: Mapping[str, Any]) -> bool:
    """Whether a run is a bullwhip study, whose pages and terminal lead with the amplification per echelon: some
    stock item orders by a forecast-driven policy (``FORECAST_POLICIES``: experiment=bullwhip, the beer game, the
    bullwhip presets on any scenario). Other runs keep the variance ratios further down (docs/bullwhip.md)."""
    for node in scenario.get("nodes") or []:
        policies = node.get("policy") if isinstance(node, Mapping) else None
        for spec in (policies or {}).values():
            if isinstance(spec, Mapping) and spec.get("kind") in FORECAST_POLICIES:
                return True
    return False


def stock_nodes_downstream_first(scenario: dict) -> list[str]:
    """Stock nodes (buffers and retailers), the most downstream first."""
    types = node_types(scenario)
    ech = echelons(scenario)
    stock = [n for n, t in types.items() if t in ("buffer", "retailer")]
    return sorted(stock, key=lambda n: -ech.get(n, 0))


def node_rows(table: pd.DataFrame, scenario: dict, kpis: tuple[str, ...] = RATIO_KPIS) -> pd.DataFrame:
    """The ``(node, ALL)`` rows of ``kpis`` for stock nodes, with a ``variant`` column, downstream first."""
    if table.empty or "kpi" not in table.columns:
        return table.iloc[0:0]
    order = {n: i for i, n in enumerate(stock_nodes_downstream_first(scenario))}
    rows = table[(table["sku"] == "ALL") & table["node"].isin(order) & table["kpi"].isin(kpis)].copy()
    if "variant" not in rows.columns:
        rows["variant"] = ""
    rows["_order"] = rows["node"].map(order)
    return rows.sort_values(["_order"], kind="stable").drop(columns="_order")


def has_bullwhip(table: pd.DataFrame, scenario: dict) -> bool:
    """Whether any stock node has a defined amplification (varying consumer demand)."""
    rows = node_rows(table, scenario, ("bullwhip_vs_consumer",))
    return bool(np.isfinite(pd.to_numeric(rows.get("mean", pd.Series(dtype=float)), errors="coerce")).any())


def amplification_chart(table: pd.DataFrame, scenario: dict, kpi: str = "bullwhip_vs_consumer") -> Figure:
    """Bars of order-variance amplification per echelon (downstream first), one bar per variant, CI whiskers."""
    rows = node_rows(table, scenario, (kpi,))
    rows = rows[np.isfinite(pd.to_numeric(rows["mean"], errors="coerce"))] if not rows.empty else rows
    if rows.empty:
        return _placeholder(_figure(6, 2), "No order-variance amplification to show")
    nodes = list(dict.fromkeys(rows["node"]))
    variants = [str(v) for v in pd.unique(rows["variant"])]
    colors = variant_colors(variants)
    fig = _figure(min(11.0, max(6.0, 1.2 * len(nodes) + 0.3 * len(nodes) * len(variants))), 4.0)
    ax = fig.add_subplot()
    x = grouped_bars(ax, rows, "node", nodes, variants, colors)
    ax.axhline(1.0, color="0.4", lw=0.8, ls="--")  # no amplification
    ax.set_xticks(x, [_label(n) for n in nodes])
    top = float(np.nanmax(rows["mean"].to_numpy(float)))
    if top > 50:  # amplification compounds upstream: a log scale keeps the retailer's bar readable
        ax.set_yscale("log")
    ax.set_ylabel("Var(orders) / Var(consumer demand)" if kpi == "bullwhip_vs_consumer" else "bullwhip ratio")
    ax.set_title("Order-variance amplification by echelon (downstream → upstream)")
    ax.grid(axis="y", alpha=0.3)
    if len(variants) > 1 or variants != [""]:
        ax.legend(fontsize=8)
    return fig


def orders_over_time(
    timeseries: pd.DataFrame | None, scenario: dict, title: str = "", nodes: list[str] | None = None
) -> Figure:
    """Units ordered per period by every stock node (or those of ``nodes``; their first product), and end-customer
    demand (every retailer's), one replication."""
    if timeseries is None or timeseries.empty:
        return _placeholder(_figure(6, 2), "No time series for this run")
    present = set(timeseries["node"])
    shown = None if nodes is None else set(nodes)
    every = [n for n in stock_nodes_downstream_first(scenario) if n in present]
    nodes = [n for n in every if shown is None or n in shown]
    if not nodes:
        return _placeholder(_figure(6, 2), "No stock nodes")
    types = node_types(scenario)
    fig = _figure(9.0, 4.0)
    ax = fig.add_subplot()
    retailers = [n for n in every if types.get(n) == "retailer"]
    sku = str(timeseries.loc[timeseries["node"] == nodes[0], "sku"].iloc[0])
    cust = timeseries[(timeseries["sku"] == sku) & timeseries["node"].isin(retailers)].groupby("t")["demand"].sum()
    if not cust.empty:
        ax.plot(cust.index, cust.to_numpy(), color="black", lw=1.6, ls=":", label="consumer demand")
    colors = variant_colors(nodes)
    for n in nodes:
        sub = timeseries[(timeseries["node"] == n) & (timeseries["sku"] == sku)].sort_values("t")
        ax.plot(sub["t"], sub["orders"], lw=1.2, color=colors[n], label=f"{_label(n)} orders")
    ax.set_xlabel("period")
    ax.set_ylabel(f"units of {_label(sku)} per period")
    ax.set_title(title or "Orders over time by echelon (one replication)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, ncol=2)
    return fig


def ratio_table(
    table: pd.DataFrame, scenario: dict, fmt: Callable[[str, float, float, float], str]
) -> tuple[list[str], list[dict]]:
    """Header and rows of the variance ratio table: per node (downstream first) and variant, ``fmt(kpi, mean, lo,
    hi)`` of demand variance, order variance, bullwhip ratio and amplification vs the consumer."""
    rows = node_rows(table, scenario)
    if rows.empty:
        return [], []
    out = []
    for (node, variant), g in rows.groupby(["node", "variant"], sort=False):
        by = g.drop_duplicates("kpi").set_index("kpi")
        cells = []
        for k in RATIO_KPIS:
            if k in by.index:
                r = cast(pd.Series, by.loc[k])  # one row: the kpis are unique
                cells.append(fmt(k, float(r["mean"]), float(r["ci_low"]), float(r["ci_high"])))
            else:
                cells.append(fmt(k, math.nan, math.nan, math.nan))
        out.append({"node": str(node), "variant": str(variant), "cells": cells})
    header = ["Demand variance", "Order variance", "Bullwhip ratio", "Vs consumer"]
    return header, out
