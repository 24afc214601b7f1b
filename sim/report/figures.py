"""Report figures built with matplotlib's object-oriented API.

Every function returns a fresh :class:`matplotlib.figure.Figure` attached to its own Agg canvas; nothing
touches ``pyplot`` global state, so the functions are safe in worker threads and processes. Use
:func:`save_png` to write a figure (it also clears the figure to free memory).

Inputs follow the table contracts in ``docs/architecture.md`` (summary, bands, scenario dict).
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import cast

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator, PercentFormatter

from sim.kpi.catalog import COSTS, label
from sim.report.costs import Breakdown, landed_components, overhead_components

COST_KPIS = COSTS  # the cost components that make up total_cost
METRIC_LABELS = {
    "on_hand": "on hand",
    "backorders": "backorders",
    "pipeline": "pipeline",
    "inventory_position": "inventory position",
    "fill_rate": "fill rate",
}
_THOUSANDS = FuncFormatter(lambda v, _pos: f"{v:,.0f}")
# fixed notation with a thousands separator; one decimal only where the ticks are fractional (small levels)
_PLAIN = FuncFormatter(lambda v, _pos: f"{v:,.0f}" if abs(v) >= 10 or float(v).is_integer() else f"{v:,.1f}")


def _figure(width: float, height: float) -> Figure:
    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _label(value: object) -> str:
    """User string safe for matplotlib text (no accidental mathtext)."""
    return str(value).replace("$", r"\$")


def _placeholder(fig: Figure, message: str) -> Figure:
    ax = fig.add_subplot()
    ax.axis("off")
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes, color="0.4")
    return fig


def variant_colors(variants: Iterable[object]) -> dict[str, tuple[float, ...]]:
    """Stable colour per variant (tab10 cycle, in the given order)."""
    cmap = cast(ListedColormap, matplotlib.colormaps["tab10"])
    palette = cast("Sequence[tuple[float, ...]]", cmap.colors)  # RGB tuples (typed as any array-like)
    return {str(v): palette[i % len(palette)] for i, v in enumerate(dict.fromkeys(map(str, variants)))}


def save_png(fig: Figure, path: str | Path | None = None, *, dpi: int = 110) -> bytes:
    """Render ``fig`` to PNG bytes, write them to ``path`` if given, then clear the figure."""
    buf = io.BytesIO()
    try:
        fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": None})
    finally:
        fig.clear()
    data = buf.getvalue()
    if path is not None:
        Path(path).write_bytes(data)
    return data


def _with_variant(df: pd.DataFrame) -> pd.DataFrame:
    return df if "variant" in df.columns else df.assign(variant="")


def network_rows(summary: pd.DataFrame) -> pd.DataFrame:
    """Network-level rows (``node == "ALL"`` and ``sku == "ALL"``) of a summary-like table."""
    df = _with_variant(summary)
    if df.empty or not {"node", "sku"} <= set(df.columns):
        return df.iloc[0:0]
    return df[(df["node"] == "ALL") & (df["sku"] == "ALL")]


MIN_SERVICE_SPAN = 0.02  # the Pareto plot's service axis spans at least 2 points: 99.0 vs 99.4 % is not a spread


def service_limits(low: float, high: float, span: float = MIN_SERVICE_SPAN) -> tuple[float, float]:
    """x limits of a share axis holding ``[low, high]`` (points and whiskers) with an 18 % margin, at least ``span``
    wide, not past 100 % by more than its margin (the axis of variants that all serve ~99 % stays honest)."""
    width = max(high - low, span)
    pad = 0.18 * width
    mid = (low + high) / 2
    left, right = mid - width / 2 - pad, mid + width / 2 + pad
    top = max(1.0, high) + pad / 2
    shift = max(right - top, 0.0)  # past 100 %: shift down, keeping the width (the room goes below the points)
    return left - shift, right - shift


def _err(mean: np.ndarray, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """Asymmetric error bars (2 × n) from a CI; NaNs and inverted bounds become 0."""
    lo = np.nan_to_num(mean - low, nan=0.0).clip(min=0)
    hi = np.nan_to_num(high - mean, nan=0.0).clip(min=0)
    return np.vstack([lo, hi])


# --------------------------------------------------------------------------- fan charts
def _draw_fan(ax: Axes, sub: pd.DataFrame, colors: dict[str, tuple[float, ...]]) -> None:
    for variant, g in sub.groupby("variant", sort=False, observed=True):
        g = g.sort_values("t")
        t = g["t"].to_numpy(float)
        color = colors.get(str(variant), "C0")
        ax.fill_between(
            t, g["p05"].to_numpy(float), g["p95"].to_numpy(float), step="post", color=color, alpha=0.22, lw=0
        )
        ax.plot(t, g["p50"].to_numpy(float), drawstyle="steps-post", color=color, lw=1.3, label=_label(variant))


def fan_charts(
    bands: pd.DataFrame,
    panels: Sequence[tuple[str, str]],
    metrics: Sequence[str] = ("on_hand", "backorders"),
    *,
    variants: Sequence[str] | None = None,
    windows: Sequence[tuple[float, float]] = (),
) -> Figure:
    """Small multiples: one row per (node, sku) panel, one column per metric; p50 line, p05–p95 band; the
    disruption ``windows`` (start, end) shaded."""
    bands = _with_variant(bands)
    if bands.empty or not panels:
        return _placeholder(_figure(6, 2), "No time series available")
    colors = variant_colors([*(variants or []), *pd.unique(bands["variant"])])
    # only the panels' rows before grouping: a big network's bands have thousands of items
    wanted = pd.MultiIndex.from_arrays([bands["node"], bands["sku"]]).isin(list(panels))
    groups = dict(list(bands[wanted].groupby(["node", "sku", "metric"], sort=False, observed=True)))
    fig = _figure(4.3 * len(metrics), 1.0 + 2.2 * len(panels))
    axes = fig.subplots(len(panels), len(metrics), squeeze=False, sharex=True)
    for row, (node, sku) in enumerate(panels):
        for col, metric in enumerate(metrics):
            ax = axes[row][col]
            for i, (a, b) in enumerate(windows):
                ax.axvspan(a, b, color="0.88", zorder=0, lw=0, label="disruption" if i == 0 else None)
            sub = groups.get((node, sku, metric))
            if sub is None or sub.empty:
                ax.text(0.5, 0.5, "no data", ha="center", va="center", transform=ax.transAxes, color="0.5")
            else:
                _draw_fan(ax, sub, colors)
                if metric != "fill_rate" and float(sub["p05"].min()) >= 0:
                    ax.set_ylim(0, max(ax.get_ylim()[1], 1.0))
            ax.set_title(f"{_label(node)} / {_label(sku)}: {METRIC_LABELS.get(metric, metric)}", fontsize=9)
            ax.tick_params(labelsize=8)
            ax.grid(alpha=0.3)
            # plain numbers, never "1e4" offsets: the axis is read by people who order in units
            ax.yaxis.set_major_formatter(PercentFormatter(1.0) if metric == "fill_rate" else _PLAIN)
        axes[-1][0].set_xlabel("period", fontsize=8)
    handles, labels = [], []
    for ax in axes.flat:
        for h, lab in zip(*ax.get_legend_handles_labels(), strict=True):
            if lab not in labels:
                handles.append(h)
                labels.append(lab)
    if len(labels) > 1:
        fig.legend(handles, labels, loc="outside upper center", ncols=min(len(labels), 5), fontsize=8)
    return fig


def fan_chart(bands: pd.DataFrame, node: str, sku: str, metric: str) -> Figure:
    """Single fan chart of ``metric`` for one node × SKU (all variants overlaid)."""
    return fan_charts(bands, [(node, sku)], [metric])


# --------------------------------------------------------------------------- KPI charts
def grouped_bars(ax, rows: pd.DataFrame, key: str, groups: list, variants: list[str], colors: dict) -> np.ndarray:
    """One bar per variant in each group (``rows[key]`` in ``groups``), mean with its CI as whiskers; returns the
    groups' x positions."""
    x = np.arange(len(groups))
    width = 0.8 / len(variants)
    for i, variant in enumerate(variants):
        g = rows[rows["variant"].astype(str) == variant].drop_duplicates(key).set_index(key).reindex(groups)
        mean = g["mean"].to_numpy(float)
        err = _err(mean, g["ci_low"].to_numpy(float), g["ci_high"].to_numpy(float))
        ax.bar(
            x + (i - (len(variants) - 1) / 2) * width,
            np.nan_to_num(mean),
            width,
            yerr=err,
            capsize=3,
            color=colors[variant],
            label=_label(variant),
            error_kw={"elinewidth": 1, "ecolor": "0.25"},
        )
    return x


def cost_breakdown(summary: pd.DataFrame, kpis: Sequence[str] = COST_KPIS, unit: str = "") -> Figure:
    """Grouped bars of the network cost components ``kpis`` with CI error bars, one bar per variant (``unit``: the
    currency, for the axis label). Leaving purchase cost out keeps the costs a policy moves readable."""
    net = network_rows(summary)
    rows = net[net["kpi"].isin(kpis)] if not net.empty else net
    if rows.empty:
        return _placeholder(_figure(6, 2), "No cost KPIs available")
    kpis = [k for k in kpis if k in set(rows["kpi"])]
    variants = [str(v) for v in pd.unique(rows["variant"])]
    colors = variant_colors(variants)
    fig = _figure(min(11.0, max(6.0, 1.1 * len(kpis) + 0.25 * len(kpis) * len(variants))), 4.0)
    ax = fig.add_subplot()
    x = grouped_bars(ax, rows, "kpi", kpis, variants, colors)
    ax.set_xticks(x, [k.removesuffix("_cost").replace("_", " ") for k in kpis])
    ax.yaxis.set_major_formatter(_THOUSANDS)
    ax.set_ylabel(f"cost over the window{f' ({unit})' if unit else ''}, mean and CI")
    ax.set_title("Network cost breakdown")
    ax.grid(axis="y", alpha=0.3)
    if len(variants) > 1:
        ax.legend(fontsize=8)
    return fig


def _component_colors() -> dict[str, tuple[float, ...]]:
    """One colour per cost component of the catalogue, in catalogue order: the same component looks the same in
    every report and comparison."""
    cmap = cast(ListedColormap, matplotlib.colormaps["tab20"])
    palette = cast("Sequence[tuple[float, ...]]", cmap.colors)  # RGB tuples (typed as any array-like)
    names = [*landed_components(), *overhead_components()]
    return {k: palette[(2 * i) % 20 if i < 10 else (2 * i + 1) % 20] for i, k in enumerate(names)}


def _short(kpi: str) -> str:
    return label(kpi).removesuffix(" cost").lower()


def cost_stack(b: Breakdown, unit: str = "") -> Figure:
    """Horizontal stacked bar per variant: its total cost split into the catalogue's components (largest
    first, summing to ``total_cost``), then supplier overhead hatched beyond it; the totals written at the end."""
    if b.table.empty or not b.components:
        return _placeholder(_figure(6, 2), "No cost KPIs available")
    variants = list(b.table.index)

    def larger_first(k: str) -> float:
        return -float(b.table[k].mean())

    order = sorted(b.landed, key=larger_first) + sorted(b.overhead, key=larger_first)
    colors = _component_colors()
    fig = _figure(10.0, 1.6 + 0.55 * len(variants))
    ax = fig.add_subplot()
    y = np.arange(len(variants))[::-1]
    left = np.zeros(len(variants))
    grand = b.grand_total().to_numpy(float)
    span = float(np.nanmax(grand)) if np.isfinite(grand).any() else 1.0
    for k in order:
        width = b.table[k].to_numpy(float)
        over = k in b.overhead
        ax.barh(
            y,
            width,
            left=left,
            height=0.6,
            color=colors.get(k, "0.6"),
            edgecolor="white" if not over else "0.3",
            hatch="//" if over else None,
            lw=0.6,
            label=_short(k)
            + (" (supplier overhead)" if over else "")
            + (f": {width[0]:,.0f} ({width[0] / grand[0]:.1%})" if len(variants) == 1 else ""),
        )
        for yi, w, x0, whole in zip(y, width, left, grand, strict=True):
            if w / span >= 0.07:  # wide enough to name inside
                ax.text(
                    x0 + w / 2,
                    yi,
                    f"{_short(k)}\n{w / whole:.0%}",
                    ha="center",
                    va="center",
                    fontsize=7.5,
                    color="white" if not over else "black",
                )
        left = left + width
    landed_total = b.table[list(b.landed)].sum(axis=1).to_numpy(float)
    for yi, tot, whole in zip(y, landed_total, grand, strict=True):
        text = f"{tot:,.0f}" if whole - tot <= 0 else f"{tot:,.0f} + {whole - tot:,.0f} overhead"
        ax.text(whole + span * 0.01, yi, text, va="center", ha="left", fontsize=8.5)
        if b.overhead:
            ax.plot([tot, tot], [yi - 0.36, yi + 0.36], color="black", lw=1.2)
    ax.set_yticks(y, [_label(v) or "this run" for v in variants])
    ax.set_xlim(0, span * (1.32 if b.overhead else 1.16))
    ax.xaxis.set_major_formatter(_THOUSANDS)
    ax.xaxis.set_major_locator(MaxNLocator(7))
    what = "total cost" + (" + supplier overhead" if b.overhead else "")
    ax.set_xlabel(f"{what} over the window{f' ({unit})' if unit else ''}, mean across replications")
    ax.set_title("Where the money goes: cost breakdown" + (" per variant" if len(variants) > 1 else ""))
    ax.grid(axis="x", alpha=0.3)
    ax.set_axisbelow(True)
    # one run's legend names the amounts too: three to a row then
    ncols = min(len(order), 3 if len(variants) == 1 else 6)
    fig.legend(loc="outside lower center", ncols=ncols, fontsize=8, frameon=False)
    return fig


def pareto_chart(
    points: pd.DataFrame, *, service: str = "fill rate", cost: str = "total cost", unit: str = ""
) -> Figure:
    """Cost (y) against service (x), one labelled point per variant with CI whiskers where the table has intervals;
    the efficient variants (``points.efficient``) filled and joined by the frontier, the dominated ones hollow."""
    fig = _figure(7.5, 4.8)
    if points.empty:
        return _placeholder(fig, "No fill rate / total cost KPIs available")
    ax = fig.add_subplot()
    p = points.sort_values("service")
    front = p[p["efficient"].astype(bool)]
    if len(front) > 1:
        ax.plot(front["service"], front["cost"], color="#1a7f37", lw=1.6, zorder=2, label="efficient frontier")
    s, c = p["service"].to_numpy(float), p["cost"].to_numpy(float)
    xerr = _err(s, p["service_lo"].to_numpy(float), p["service_hi"].to_numpy(float))
    yerr = _err(c, p["cost_lo"].to_numpy(float), p["cost_hi"].to_numpy(float))
    ax.errorbar(s, c, xerr=xerr, yerr=yerr, fmt="none", ecolor="0.45", elinewidth=1, capsize=3, zorder=1)
    eff = p["efficient"].astype(bool).to_numpy()
    ax.scatter(s[eff], c[eff], s=60, color="#1a7f37", zorder=3, label="efficient: no variant is cheaper and better")
    if (~eff).any():
        ax.scatter(s[~eff], c[~eff], s=60, facecolor="white", edgecolor="#cf222e", lw=1.5, zorder=3, label="dominated")
    middle = (np.nanmin(s) + np.nanmax(s)) / 2
    for i, (variant, xi, yi) in enumerate(zip(p["variant"], s, c, strict=True)):
        # above and below in turn (in service order), so neighbouring variants' names do not print over each other;
        # left of the points in the right half, so no name runs off the axes
        right = xi > middle
        ax.annotate(
            _label(variant) or "this run",
            (xi, yi),
            xytext=(-7 if right else 7, 6 if i % 2 == 0 else -13),
            textcoords="offset points",
            ha="right" if right else "left",
            fontsize=8.5,
            zorder=4,
            bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.85},
        )
    ax.margins(0.18)
    ends = np.concatenate([s, p["service_lo"].to_numpy(float), p["service_hi"].to_numpy(float)])
    if (ends := ends[np.isfinite(ends)]).size:
        ax.set_xlim(*service_limits(float(ends.min()), float(ends.max())))
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.yaxis.set_major_formatter(_THOUSANDS)
    ax.set_xlabel(f"{service} (mean, CI) — better to the right")
    ax.set_ylabel(f"{cost}{f' ({unit})' if unit else ''} — better lower")
    ax.set_title("Cost versus service across variants (Pareto frontier)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="best")
    return fig


def service_vs_cost_by_product(summary: pd.DataFrame, unit: str = "", labels: int | None = None) -> Figure:
    """One point per product (rows ``(ALL, sku)``): its end-customer fill rate against its operating cost over the
    window, CI whiskers; a single-variant report has something to compare this way. ``labels``: name only that many
    products (the lowest fill rates) when there are more, so a big catalogue stays legible."""
    df = _with_variant(summary)
    if df.empty:
        return _placeholder(_figure(6, 2), "No product KPIs available")
    first = df["variant"].iloc[0]
    df = df[(df["variant"] == first) & (df["node"] == "ALL") & (df["sku"] != "ALL")]
    df = df[df["kpi"].isin(["fill_rate", "operating_cost"])].drop_duplicates(["sku", "kpi"])
    wide = df.pivot(index="sku", columns="kpi", values=["mean", "ci_low", "ci_high"]) if not df.empty else df
    if df.empty or not {"fill_rate", "operating_cost"} <= set(df["kpi"]):
        return _placeholder(_figure(6, 2), "No product KPIs available")
    wide = wide.dropna(subset=[("mean", "fill_rate"), ("mean", "operating_cost")])
    if wide.empty:
        return _placeholder(_figure(6, 2), "No product KPIs available")
    fig = _figure(7, 4.4)
    ax = fig.add_subplot()
    x, y = wide[("mean", "operating_cost")].to_numpy(float), wide[("mean", "fill_rate")].to_numpy(float)
    ax.errorbar(
        x,
        y,
        xerr=_err(
            x, wide[("ci_low", "operating_cost")].to_numpy(float), wide[("ci_high", "operating_cost")].to_numpy(float)
        ),
        yerr=_err(y, wide[("ci_low", "fill_rate")].to_numpy(float), wide[("ci_high", "fill_rate")].to_numpy(float)),
        fmt="o",
        color="C0",
        capsize=3,
        ms=6,
        lw=1,
    )
    named = set(wide.index) if labels is None or len(wide) <= labels else set(wide.index[np.argsort(y)[:labels]])
    for sku, xi, yi in zip(wide.index, x, y, strict=True):
        if sku not in named:
            continue
        ax.annotate(_label(sku), (xi, yi), xytext=(5, 4), textcoords="offset points", fontsize=8)
    ax.margins(0.15)
    ax.xaxis.set_major_locator(MaxNLocator(6))
    ax.xaxis.set_major_formatter(_THOUSANDS)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel(f"operating cost over the window{f' ({unit})' if unit else ''}")
    ax.set_ylabel("end-customer fill rate")
    ax.set_title(
        "Service vs operating cost, per product"
        + (f" ({len(named)} lowest fill rates named)" if len(named) < len(wide) else "")
    )
    ax.grid(alpha=0.3)
    return fig
