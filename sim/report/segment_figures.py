"""The Kraljic matrix as a figure: every purchased item at (annual spend, supply risk), the two thresholds as lines,
the four quadrants named, items labelled and coloured by segment (docs/sourcing.md, "Segment rules")."""

from __future__ import annotations

from typing import Any

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from sim.report.segments import segments
from sim.scenario.schema import Scenario

COLOURS = {"strategic": "#c0392b", "leverage": "#2471a3", "bottleneck": "#d68910", "routine": "#7f8c8d"}


def segment_points(scenario: Scenario, kpis: pd.DataFrame | None = None) -> pd.DataFrame:
    """node, sku, annual_spend, risk, segment per purchased item: the scenario's scores when it has
    ``segmentation:`` (expected, before the run), else the segments of ``kpis``."""
    seg = scenario.segmentation
    if seg is not None and seg.scores:
        rows = [
            (n, k, spend, risk, seg.assigned[n][k]) for n, per in seg.scores.items() for k, (spend, risk) in per.items()
        ]
        return pd.DataFrame(rows, columns=["node", "sku", "annual_spend", "risk", "segment"])
    if kpis is None:
        raise ValueError("segment_points: a scenario without segmentation needs a KPI table")
    return segments(scenario, kpis)[["node", "sku", "annual_spend", "risk", "segment"]]


def segment_matrix(scenario: Scenario, kpis: pd.DataFrame | None = None, *, currency: str = "EUR") -> Figure:
    """Value (annual spend, log scale when it spans more than a factor 20) against supply risk, thresholds dashed."""
    pts = segment_points(scenario, kpis)
    seg = scenario.segmentation
    value_cut = seg.value_threshold if seg is not None and seg.value_threshold is not None else None
    if value_cut is None:
        value_cut = float(pts.annual_spend.mean()) if len(pts) else 0.0
    risk_cut = seg.risk_threshold if seg is not None else 0.5
    fig = Figure(figsize=(7.5, 5.2))
    ax = fig.subplots()
    positive = pts.annual_spend[pts.annual_spend > 0]
    if len(positive) and positive.max() > 20 * positive.min():
        ax.set_xscale("log")
    for name, colour in COLOURS.items():
        sub = pts[pts.segment == name]
        if len(sub):
            ax.scatter(sub.annual_spend, sub.risk, s=48, color=colour, label=f"{name} ({len(sub)})", zorder=3)
    one_node = pts.node.nunique() == 1
    r: Any  # an itertuples row (pandas-stubs types its fields as any scalar)
    for i, r in enumerate(pts.itertuples(index=False)):
        label = r.sku if one_node else f"{r.node}/{r.sku}"
        up = i % 2 == 0  # alternate above and below: neighbours' labels do not print over each other
        offset = (4, 5 if up else -11)
        ax.annotate(label, (r.annual_spend, r.risk), xytext=offset, textcoords="offset points", fontsize=7)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:,.0f}"))
    ax.axvline(value_cut, color="0.3", ls="--", lw=1)
    ax.axhline(risk_cut, color="0.3", ls="--", lw=1)
    ax.set_ylim(-0.05, 1.05)
    corners = {"bottleneck": (0.02, 0.98), "strategic": (0.98, 0.98), "routine": (0.02, 0.02), "leverage": (0.98, 0.02)}
    for name, (x, y) in corners.items():
        ha, va = ("left" if x < 0.5 else "right"), ("top" if y > 0.5 else "bottom")
        ax.text(x, y, name, transform=ax.transAxes, ha=ha, va=va, color=COLOURS[name], fontsize=9, alpha=0.8)
    ax.set_xlabel(f"Expected annual spend ({currency})" if seg is not None else f"Annual spend ({currency})")
    ax.set_ylabel("Supply risk (0–1)")
    ax.set_title(f"Kraljic segments (value threshold {value_cut:,.0f}, risk threshold {risk_cut:g})")
    ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=8, frameon=False)
    fig.tight_layout()
    return fig
