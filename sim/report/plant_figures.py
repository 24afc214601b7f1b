"""The plant section's figure: a plant's output against the demand for its finished goods over time (one replication's
time series, its ``produced`` column; docs/assembly.md). matplotlib's object-oriented API only, no SimPy."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.report.figures import _figure, _label, _placeholder

SMOOTH = {"hour": 24, "day": 7, "week": 4, "month": 1}  # periods per rolling mean: a day's, a week's, a month's


def _rolling(values: pd.Series, n: int) -> np.ndarray:
    return values.rolling(n, min_periods=1).mean().to_numpy(float)


def output_vs_demand(series: pd.DataFrame | None, scenario: Mapping, plant: str, products: list[str]) -> Figure:
    """One panel per finished good of ``plant``: units output per period, the demand its item at the plant receives
    (customers and downstream orders) and the end customers' demand for the product (every customer-facing item),
    each as a rolling mean; the warm-up shaded."""
    if series is None or series.empty or "produced" not in series.columns:
        return _placeholder(_figure(6, 2), "No time series for this run")
    period = str(scenario.get("period") or "day")
    n = SMOOTH.get(period, 1)
    customers = {
        (str(node["id"]), str(sku))
        for node in scenario.get("nodes") or []
        for sku in (node.get("demand") or {})
        if isinstance(node, Mapping)
    }
    shown = products[:4]
    fig = _figure(9.0, 2.4 * len(shown) + 0.6)
    axes = fig.subplots(len(shown), 1, sharex=True, squeeze=False)[:, 0]
    warmup = int(scenario.get("warmup") or 0)
    for ax, sku in zip(axes, shown, strict=True):
        own = series[(series["node"] == plant) & (series["sku"] == sku)].sort_values("t")
        if own.empty:
            continue
        t = own["t"].to_numpy()
        ax.plot(t, _rolling(own["produced"], n), color="#8e44ad", lw=1.6, label="output")
        ax.plot(t, _rolling(own["demand"], n), color="#3b78b5", lw=1.1, label=f"demand at {_label(plant)}")
        keys = series.set_index(["node", "sku"]).index
        cust = series[keys.isin(list(customers)) & (series["sku"] == sku)].groupby("t")["demand"].sum()
        if not cust.empty:
            ax.plot(cust.index, _rolling(cust, n), color="black", lw=1.0, ls=":", label="end customers")
        if warmup:
            ax.axvspan(0, warmup, color="0.92", lw=0)
        ax.set_ylabel(f"{_label(sku)} per {period}")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="upper right", ncol=3)
    axes[-1].set_xlabel(period)
    fig.suptitle(f"{_label(plant)}: output and demand ({n}-{period} rolling mean, one replication)", fontsize=10)
    return fig
