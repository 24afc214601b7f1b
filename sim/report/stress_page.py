"""The stress test's report: ``stress_test.html`` with the ranked table, a heat map, a tornado chart and the
resilience curves of the worst elements (figures also as ``figures/stress_*.png``).

Only pandas, numpy and matplotlib (no SimPy): the report can be rebuilt from ``stress_test.csv`` alone, apart from
the curves. User strings (element ids) are escaped by the template's autoescaping.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from sim.kpi.catalog import label as kpi_label
from sim.report.figures import _figure, _label, _placeholder
from sim.report.formatting import meta_items
from sim.report.page import ENV, save_image

if TYPE_CHECKING:  # the engine's result type only: the report layer never imports SimPy
    from sim.experiment.stress import StressResult

HEAT_METRICS = ("revenue_at_risk", "lost_sales_during", "backorders_peak", "time_to_recover", "resilience_loss")
TABLE_METRICS = ("revenue_at_risk", "lost_sales_during", "time_to_recover", "cost_delta")
_LABELS = {"cost_delta": "Cost delta"}


def _metric_label(m: str) -> str:
    return _LABELS.get(m, kpi_label(m))


def heat_map(table: pd.DataFrame, top: int = 20) -> Figure:
    """Elements (ranked) × impact metrics, each column scaled to its worst element (1 = worst)."""
    sub = table.head(top)
    fig = _figure(8, 0.32 * len(sub) + 1.6)
    metrics = [m for m in HEAT_METRICS if np.nan_to_num(sub[m].to_numpy(dtype=float)).any()]  # no all-zero column
    if sub.empty or not metrics:
        return _placeholder(fig, "no elements" if sub.empty else "no element changed anything")
    data = np.array([sub[m].to_numpy(dtype=float) for m in metrics]).T
    worst = np.nanmax(np.abs(data), axis=0)
    scaled = np.divide(data, worst, out=np.zeros_like(data), where=worst > 0)
    ax = fig.add_subplot()
    im = ax.imshow(scaled, aspect="auto", cmap="Reds", vmin=0, vmax=1)
    ax.set_yticks(range(len(sub)), [_label(e) for e in sub["element"]], fontsize=8)
    ax.set_xticks(range(len(metrics)), [_metric_label(m) for m in metrics], rotation=20, fontsize=8)
    fig.colorbar(im, ax=ax, label="share of the worst element")
    return fig


CRITICAL, NOT_CRITICAL = "#c0392b", "#3b78b5"  # the tornado's bars and their key


def tornado(table: pd.DataFrame, metric: str, top: int = 15, unit: str = "") -> Figure:
    """Mean impact with its paired confidence interval, worst element on top."""
    sub = table.head(top).iloc[::-1]
    fig = _figure(8, 0.3 * len(sub) + 1.4)
    if sub.empty:
        return _placeholder(fig, "no elements")
    ax = fig.add_subplot()
    mean = sub[metric].to_numpy(dtype=float)
    lo = mean - sub[f"{metric}_ci_low"].to_numpy(dtype=float)
    hi = sub[f"{metric}_ci_high"].to_numpy(dtype=float) - mean
    colors = [CRITICAL if c else NOT_CRITICAL for c in sub["critical"]]
    ax.barh(range(len(sub)), mean, xerr=np.nan_to_num(np.vstack([lo, hi])), color=colors, capsize=2)
    ax.set_yticks(range(len(sub)), [_label(e) for e in sub["element"]], fontsize=8)
    what = f"{_metric_label(metric)}" + (f" ({unit})" if unit else "")
    ax.set_xlabel(f"{what}: mean and paired CI")
    critical = Patch(color=CRITICAL, label="critical: service drops before it is back")
    keys = [critical, Patch(color=NOT_CRITICAL, label="not critical")]
    ax.legend(handles=keys, loc="lower right", fontsize=8, frameon=False)
    return fig


def resilience_curves(
    curves: Mapping[str, np.ndarray],
    base: np.ndarray,
    elements: list[str],
    start: float,
    duration: float,
    marks: Mapping[str, tuple[float, float]] | None = None,
) -> Figure:
    """Service level over time (network rolling fill rate): median and p05–p95 band across replications per
    element, the baseline's median dashed, the disruption window shaded, median TTS / TTR marked."""
    fig = _figure(9, 2.6 * max(len(elements), 1))
    if not elements:
        return _placeholder(fig, "no elements")
    t = np.arange(base.shape[1])
    for i, element in enumerate(elements):
        ax = fig.add_subplot(len(elements), 1, i + 1)
        c = curves[element]
        ax.fill_between(t, np.nanpercentile(c, 5, axis=0), np.nanpercentile(c, 95, axis=0), alpha=0.25, lw=0)
        ax.plot(t, np.nanmedian(c, axis=0), lw=1.4, label="disrupted (median, p05–p95)")
        ax.plot(t, np.nanmedian(base, axis=0), lw=1, ls="--", color="0.3", label="baseline (median)")
        ax.axvspan(start, start + duration, color="0.85", zorder=0, label="disruption")
        tts, ttr = (marks or {}).get(element, (math.nan, math.nan))
        if math.isfinite(tts):
            ax.axvline(start + tts, color="#c0392b", lw=1, label=f"TTS {tts:.0f}")
        if math.isfinite(ttr) and ttr > 0:
            ax.axvline(start + ttr, color="#27ae60", lw=1, label=f"TTR {ttr:.0f}")
        ax.set_title(_label(element), fontsize=9, loc="left")
        ax.set_ylabel("fill rate")
        ax.legend(fontsize=7, loc="lower right")
    ax.set_xlabel("period")
    return fig


def _fmt(x: object, digits: int = 0) -> str:
    try:
        v = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return str(x)
    if math.isnan(v):
        return "–"
    if math.isinf(v):
        return "never"
    text = f"{v:,.{digits}f}"
    return text[1:] if text.startswith("-") and not any(c in text.strip("-0.,") for c in "123456789") else text


def units(currency: str, period: str) -> dict[str, str]:
    """The unit of each stress metric as the page and the terminal show it."""
    periods = f"{period}s"
    return {
        "revenue_at_risk": currency,
        "cost_delta": currency,
        "lost_sales_during": "units",
        "backorders_peak": "units",
        "time_to_survive": periods,
        "time_to_recover": periods,
        "resilience_loss": periods,
    }


def tts_text(median: float, optimal: float, capped: bool, periods: str) -> tuple[str, str]:
    """The median time to survive and the LP's optimum as a reader wants them: a capped optimum is "≥ cap (never runs
    out)", an infinite median "never runs out"."""
    med = "never runs out" if math.isinf(median) else _fmt(median)
    opt = f"≥ {_fmt(optimal)} (never runs out)" if capped else _fmt(optimal)
    return med, opt


def summary_lines(table: pd.DataFrame, rank_by: str, unit: Mapping[str, str], top: int = 3) -> list[str]:
    """The first screen in words: the worst elements, what losing each costs and how long the stock lasts."""
    lines = []
    r: Any
    for r in table.head(top).itertuples(index=False):
        d = r._asdict()
        lo, hi = _fmt(d[rank_by + "_ci_low"]), _fmt(d[rank_by + "_ci_high"])
        value = f"{_fmt(d[rank_by])} {unit.get(rank_by, '')} [{lo}, {hi}]"
        med = (
            "customers keep being served"
            if math.isinf(d["tts_median"])
            else f"customers short after {_fmt(d['tts_median'])} {unit['time_to_survive']} (median)"
        )
        back = f"service back {_fmt(d['time_to_recover'])} {unit['time_to_recover']} after the outage began"
        verdict = " — critical: service drops before the element is back" if d["critical"] else ""
        lines.append(f"{d['element']}: {_metric_label(rank_by).lower()} {value}; {med}; {back}{verdict}.")
    return lines


def product_rows(impact: pd.DataFrame, top: int = 5, products: int = 8) -> tuple[list[str], list[dict[str, Any]]]:
    """The top elements × the products their loss hurts most (mean revenue at risk): (products, rows)."""
    if impact.empty:
        return [], []
    sub = impact.head(top)
    cols = list(sub.abs().sum().sort_values(ascending=False).index[:products])
    cols = [c for c in cols if np.nan_to_num(sub[c].to_numpy(dtype=float)).any()]
    rows = [{"element": e, "cells": [_fmt(v) for v in sub.loc[e, cols]]} for e in sub.index]
    return cols, rows


def write_stress_report(
    out_dir: str | Path, result: StressResult, meta: Mapping[str, object], config_yaml: str = ""
) -> Path:
    """Write ``stress_test.html`` (and its figures) for a :class:`sim.experiment.stress.StressResult`."""
    out = Path(out_dir)
    figs = out / "figures"
    figs.mkdir(parents=True, exist_ok=True)
    table = result.table
    rank_by = result.settings.rank_by
    sc = result.scenario
    unit = units(sc.currency, sc.period)
    rows = []
    r: Any  # an itertuples row (pandas-stubs types its fields as any scalar)
    for r in table.itertuples(index=False):
        d = r._asdict()
        cells = [
            {"value": _fmt(d[m]), "ci": f"[{_fmt(d[m + '_ci_low'])}, {_fmt(d[m + '_ci_high'])}]"} for m in TABLE_METRICS
        ]
        tts, optimal = tts_text(
            d["tts_median"], d["tts_optimal"], bool(d.get("tts_optimal_capped")), unit["time_to_survive"]
        )
        rows.append(
            {
                "rank": d["rank"],
                "element": d["element"],
                "n": d["n"],
                "cells": cells,
                "tts": tts,
                "tts_optimal": optimal,
                "exposure": _fmt(d["risk_exposure"], 2),
                "critical": bool(d["critical"]),
            }
        )
    worst = list(table["element"].head(3))
    marks = {
        e: (
            float(table.loc[table.element == e, "tts_median"].iloc[0]),
            float(table.loc[table.element == e, "time_to_recover"].iloc[0]),
        )
        for e in worst
    }
    images = [
        save_image(figs, "stress_tornado", "Tornado: impact per element", tornado(table, rank_by, unit=unit[rank_by])),
        save_image(figs, "stress_heatmap", "Heat map: impact metrics (1 = worst element)", heat_map(table)),
        save_image(
            figs,
            "stress_curves",
            "Resilience curves of the three worst elements",
            resilience_curves(result.curves, result.base_curves, worst, result.start, result.settings.duration, marks),
            "Network rolling fill rate; shaded: the outage; red: median time to survive; green: mean time to recover.",
        ),
    ]
    html = ENV.get_template("stress_test.html.j2").render(
        title=f"Stress test: {result.scenario.name}",
        meta_items=meta_items(meta),
        columns=[f"{_metric_label(m)} ({unit[m]})" for m in TABLE_METRICS],
        rows=rows,
        rank_label=_metric_label(rank_by),
        summary=summary_lines(table, rank_by, unit),
        outage=f"{result.settings.duration:g} {unit['time_to_survive']} from {sc.period} {result.start:g}",
        periods=unit["time_to_survive"],
        products=product_rows(result.product_impact)[0],
        product_rows=product_rows(result.product_impact)[1],
        currency=sc.currency,
        images=images,
        config_yaml=config_yaml,
    )
    path = out / "stress_test.html"
    path.write_text(html, encoding="utf-8")
    return path
