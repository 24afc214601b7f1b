"""What the report's pages share: the template environment (autoescaping: every user string is escaped), the KPI
orders, estimates read from a summary or comparison table, images saved and embedded as data URIs, and the cost
figures of a page."""

from __future__ import annotations

import base64
import math
from collections.abc import Iterable, Sequence
from pathlib import Path

import jinja2
import pandas as pd
from matplotlib.figure import Figure

from sim.kpi import catalog
from sim.report import aggregate, attention, bullwhip, costs, figures
from sim.report.formatting import as_float, kpi_label, row_estimates

HEADLINE_KPIS = (
    *("fill_rate", "cycle_service_level", "lost_sales", "backorders_avg", "on_hand_avg", "inventory_turns"),
    *("operating_cost", "total_cost"),
)
TERMINAL_KPIS = ("fill_rate", "operating_cost", "total_cost", "lost_sales", "backorders_avg", "on_hand_avg")
RETAILER_KPIS = ("fill_rate", "on_hand_avg", "backorders_avg", "total_cost")
_OTHER_KPIS = "demand otif orders_placed order_qty_mean order_qty_var demand_var pipeline_avg"
KPI_ORDER = (
    *HEADLINE_KPIS,
    *figures.COST_KPIS,
    *_OTHER_KPIS.split(),
    "lead_time_avg",
    "lead_time_p95",
    "bullwhip_ratio",
    "bullwhip_vs_consumer",
    "utilization",
)
MAX_FAN_PANELS = 6
# the resilience table: censored times by their Kaplan–Meier median and the share censored first (a mean of censored
# times is a lower bound), then the rest of the resilience block in catalogue order
RESILIENCE_FIRST = (
    *("time_to_survive_km_median", "time_to_survive_censored", "tts_stock_cover", "tts_optimal", "warning_lead_time"),
    *("time_to_recover_km_median", "time_to_recover_censored"),
)

ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=jinja2.select_autoescape(enabled_extensions=("html", "j2"), default=True),
    trim_blocks=True,
    lstrip_blocks=True,
    undefined=jinja2.StrictUndefined,
)


Estimates = dict[tuple[str, str, str, str], tuple[float, ...]]


def estimates(df: pd.DataFrame, extra: Sequence[str] = ()) -> Estimates:
    """(variant, node, sku, kpi) -> (mean, ci_low, ci_high, *extra)."""
    cols = ["variant", "node", "sku", "kpi", "mean", "ci_low", "ci_high", *extra]
    table = df.reindex(columns=cols)
    if "variant" not in df.columns:
        table["variant"] = ""
    return {
        (str(v), str(n), str(s), str(k)): tuple(as_float(x) for x in rest)
        for v, n, s, k, *rest in table.itertuples(index=False, name=None)
    }


def variants_of(df: pd.DataFrame) -> list[str]:
    if df.empty or "variant" not in df.columns:
        return [""] if not df.empty else []
    return [str(v) for v in pd.unique(df["variant"])]


def present_kpis(est: Estimates, node: str, sku: str, order: Iterable[str]) -> list[str]:
    present = {k[3] for k in est if k[1] == node and k[2] == sku}
    ordered = [k for k in order if k in present]
    return ordered + sorted(present - set(ordered))


def resilience_kpis(est: Estimates) -> list[str]:
    """The resilience KPIs a summary has, in the order of the report's resilience table; a censored time's mean (a
    mix of observed times and lower bounds) gives way to its Kaplan–Meier median when the summary has one."""
    present = {key[3] for key in est}
    order = (*RESILIENCE_FIRST, *(k for k in catalog.RESILIENCE_KPIS if k not in RESILIENCE_FIRST))
    return [k for k in order if k in present and f"{k}_km_median" not in present]


def kpi_rows(est: Estimates, variants: Sequence[str], kpis: Iterable[str]) -> list[dict]:
    nan3 = (math.nan,) * 3
    return [
        {
            "label": kpi_label(k),
            "cells": row_estimates(k, [est.get((v, "ALL", "ALL", k), nan3) for v in variants]),
        }
        for k in kpis
    ]


def data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def save_image(figs_dir: Path, name: str, title: str, fig: Figure, caption: str = "") -> dict[str, str]:
    png = figures.save_png(fig, figs_dir / f"{name}.png")
    return {"title": title, "src": data_uri(png), "caption": caption, "alt": title}


def finite_or(x: float, default: float) -> float:
    return x if math.isfinite(x) else default


def bullwhip_nodes(summary: pd.DataFrame, scenario: dict) -> tuple[list[str], int]:
    """The stock nodes of the bullwhip table and chart: all of them, or, above ``aggregate.MAX_ROWS``, the
    ``aggregate.TOP_N`` with the largest amplification against the consumer (first variant), and how many are left
    out."""
    nodes = bullwhip.stock_nodes_downstream_first(scenario)
    if len(nodes) <= aggregate.MAX_ROWS:
        return nodes, 0
    look = attention.lookup(summary)
    ranked = sorted(nodes, key=lambda n: -finite_or(look.mean(n, "ALL", "bullwhip_vs_consumer"), -1.0))
    keep = set(ranked[: aggregate.TOP_N])
    return [n for n in nodes if n in keep], len(nodes) - len(keep)


def cost_images(figs_dir: Path, table: pd.DataFrame, currency: str, prefix: str) -> list[dict[str, str]]:
    """The cost breakdown per variant (stacked, the catalogue's components: sim.report.costs) and, with two variants
    or more, the cost-versus-service Pareto plot."""
    b = costs.breakdown(table)
    caption = (
        f"Mean over the KPI window, {currency}. The components of the total cost are the catalogue's cost "
        "KPIs and add up to it exactly" + ("; supplier overhead (hatched) comes on top of it." if b.overhead else ".")
    )
    out = [save_image(figs_dir, f"{prefix}cost_breakdown", "Cost breakdown", figures.cost_stack(b, currency), caption)]
    tco = costs.TCO in set(table["kpi"])  # the cost of ownership (supplier overhead included) where the table has it
    points = costs.pareto_points(table, cost=costs.TCO if tco else costs.TOTAL)
    what = "total cost of ownership (total_cost_of_ownership)" if tco else "total cost"
    if len(points) >= 2:
        caption = (
            f"Network fill rate against {what} per variant; whiskers: each variant's own confidence "
            "interval (paired differences between variants, in the tables, are narrower). Efficient: no other variant "
            "has at least its fill rate at no more cost. The best corner is bottom right."
        )
        axis = "total cost of ownership" if tco else "total cost"
        fig = figures.pareto_chart(points, unit=currency, cost=axis)
        out.append(save_image(figs_dir, f"{prefix}pareto", "Cost versus service (Pareto frontier)", fig, caption))
    return out
