"""Report layer: self-contained HTML reports, comparison pages and a terminal headline table.

``write_report`` and ``write_comparison`` write PNG figures to ``out_dir/figures`` and one HTML file each with
the images embedded as base64 data URIs (no external CSS, JS or fonts). Templates live in
``sim/report/templates`` and are rendered with autoescaping, so scenario names, node ids and config text are always
HTML-escaped. Table formats are those of ``docs/architecture.md``. How numbers read is in ``sim.report.formatting``; the
report's sections (what needs attention, costs, store × product, suppliers) are built in ``sim.report.sections``.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import jinja2
import pandas as pd
from matplotlib.figure import Figure

from sim.experiment.stats import too_few
from sim.kpi import catalog
from sim.kpi.catalog import HIGHER_IS_BETTER, LOWER_IS_BETTER
from sim.report import aggregate, attention, bullwhip, costs, figures, segment_section
from sim.report import variants as variants_mod
from sim.report.formatting import (
    as_float,
    ci_label,
    format_difference,
    format_estimate,
    kpi_label,
    meta_items,
    meta_value,
    row_estimates,
)
from sim.report.sections import report_sections, run_facts

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

_ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=jinja2.select_autoescape(enabled_extensions=("html", "j2"), default=True),
    trim_blocks=True,
    lstrip_blocks=True,
    undefined=jinja2.StrictUndefined,
)


# --------------------------------------------------------------------------- formatting
# --------------------------------------------------------------------------- tables
Estimates = dict[tuple[str, str, str, str], tuple[float, ...]]


def _estimates(df: pd.DataFrame, extra: Sequence[str] = ()) -> Estimates:
    """(variant, node, sku, kpi) -> (mean, ci_low, ci_high, *extra)."""
    cols = ["variant", "node", "sku", "kpi", "mean", "ci_low", "ci_high", *extra]
    table = df.reindex(columns=cols)
    if "variant" not in df.columns:
        table["variant"] = ""
    return {
        (str(v), str(n), str(s), str(k)): tuple(as_float(x) for x in rest)
        for v, n, s, k, *rest in table.itertuples(index=False, name=None)
    }


def _variants(df: pd.DataFrame) -> list[str]:
    if df.empty or "variant" not in df.columns:
        return [""] if not df.empty else []
    return [str(v) for v in pd.unique(df["variant"])]


def _present_kpis(est: Estimates, node: str, sku: str, order: Iterable[str]) -> list[str]:
    present = {k[3] for k in est if k[1] == node and k[2] == sku}
    ordered = [k for k in order if k in present]
    return ordered + sorted(present - set(ordered))


def _kpi_rows(est: Estimates, variants: Sequence[str], kpis: Iterable[str]) -> list[dict]:
    nan3 = (math.nan,) * 3
    return [
        {
            "label": kpi_label(k),
            "cells": row_estimates(k, [est.get((v, "ALL", "ALL", k), nan3) for v in variants]),
        }
        for k in kpis
    ]


def headline_table(
    summary: pd.DataFrame, kpis: Sequence[str] = TERMINAL_KPIS, title: str = "Network KPIs, mean [CI]"
) -> str:
    """Compact plain-text table of the network headline KPIs (rows) per variant (columns)."""
    est = _estimates(summary)
    variants = _variants(summary)
    kpis = [k for k in kpis if any((v, "ALL", "ALL", k) in est for v in variants)]
    if not kpis:
        return "(no network KPIs)"
    rows = [["KPI", *(v or "value" for v in variants)]]
    rows += [[r["label"], *r["cells"]] for r in _kpi_rows(est, variants, kpis)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    n = pd.to_numeric(summary.get("n", pd.Series(dtype=float)), errors="coerce").max()
    caveat = too_few(n) if math.isfinite(as_float(n)) else None
    return f"{title}\n" + "\n".join(lines) + (f"\nNote: {caveat}." if caveat else "")


def _retailers(scenario: dict, est: Estimates) -> list[str]:
    types = figures.node_types(scenario)
    retailers = [n for n, t in types.items() if t == "retailer"]
    if retailers:
        return retailers
    return list(dict.fromkeys(k[1] for k in est if k[1] != "ALL" and k[3] == "demand" and est[k][0] > 0))


def key_panels(scenario: dict, bands: pd.DataFrame, cap: int = MAX_FAN_PANELS) -> list[tuple[str, str]]:
    """(node, sku) fan-chart panels: the most upstream buffer first, then retailers; at most ``cap``."""
    if bands.empty:
        return []
    ech = figures.echelons(scenario)
    types = figures.node_types(scenario)
    buffers = sorted((n for n, t in types.items() if t == "buffer"), key=lambda n: ech.get(n, 0))
    nodes = buffers[:1] + [n for n, t in types.items() if t == "retailer"]
    skus_by_node = {str(n): [str(s) for s in pd.unique(g["sku"])] for n, g in bands.groupby("node", sort=False)}
    nodes = [n for n in nodes if n in skus_by_node] or list(skus_by_node)
    panels: list[tuple[str, str]] = []
    depth = 0
    while len(panels) < cap and any(len(skus_by_node[n]) > depth for n in nodes):
        panels += [(n, skus_by_node[n][depth]) for n in nodes if len(skus_by_node[n]) > depth]
        depth += 1
    return panels[:cap]


# --------------------------------------------------------------------------- writers
def _data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _save(figs_dir: Path, name: str, title: str, fig: Figure, caption: str = "") -> dict[str, str]:
    png = figures.save_png(fig, figs_dir / f"{name}.png")
    return {"title": title, "src": _data_uri(png), "caption": caption, "alt": title}


def _empty_summary(df: pd.DataFrame | None) -> pd.DataFrame:
    cols = ["scenario", "variant", "node", "sku", "kpi", "mean", "ci_low", "ci_high"]
    return pd.DataFrame(columns=cols) if df is None else df


def write_report(
    out_dir: str | Path,
    *,
    summary: pd.DataFrame,
    bands: pd.DataFrame | None,
    scenario: dict,
    config_yaml: str,
    meta: Mapping[str, object],
    risk: pd.DataFrame | None = None,
    orders: pd.DataFrame | None = None,
) -> Path:
    """Write ``out_dir/figures/*.png`` and a self-contained ``out_dir/report.html``; return the HTML path.

    The page opens with what needs attention (items and suppliers below the scenario's targets, worst first, and the
    biggest cost drivers), then the network KPIs and costs, the store × product, supplier and source tables, the
    figures, and the configuration (collapsed) at the end. ``risk`` (:meth:`Batch.risk`) adds the probability of
    missing each target. ``orders``: the time series of one replication (``ReplicationResult.timeseries``) for the
    orders-over-time chart of the bullwhip section, which appears when some node's consumer-relative amplification is
    defined."""
    out = Path(out_dir)
    figs_dir = out / "figures"
    figs_dir.mkdir(parents=True, exist_ok=True)
    summary = _empty_summary(summary)
    bands = pd.DataFrame(columns=["variant", "node", "sku", "t", "metric"]) if bands is None else bands
    est = _estimates(summary)
    variants = _variants(summary)
    name = scenario.get("name") or meta.get("scenario")
    if not name and "scenario" in summary.columns and not summary.empty:
        name = summary["scenario"].iloc[0]
    name = str(name or "Scenario")
    look = attention.lookup(summary, risk)
    currency = str(scenario.get("currency") or "EUR")

    headline = _kpi_rows(est, variants, [k for k in HEADLINE_KPIS if k in {key[3] for key in est}])
    # scenarios with disruptions: the paired resilience block (docs/disruptions.md)
    resilience = _kpi_rows(est, variants, [k for k in catalog.RESILIENCE_KPIS if any(key[3] == k for key in est)])
    retailer_rows = []
    retailers = _retailers(scenario, est)
    if len(retailers) > aggregate.MAX_ROWS:  # the worst stores first, then cut (the aggregate views sum the rest)
        first = variants[0] if variants else ""
        retailers.sort(key=lambda n: _finite_or(est.get((first, n, "ALL", "fill_rate"), (math.nan,))[0], 2.0))
    retailers, retailers_more = aggregate.capped(retailers)
    for node in retailers:
        for v in variants:
            cells = [format_estimate(k, *est.get((v, node, "ALL", k), (math.nan,) * 3)) for k in RETAILER_KPIS]
            retailer_rows.append({"node": node, "variant": v, "cells": cells})

    available = {(str(n), str(k)) for n, k in bands[["node", "sku"]].drop_duplicates().itertuples(index=False)}
    customer = set(attention.customer_items(scenario))
    panels = attention.fan_panels(look, available, MAX_FAN_PANELS, customer or None) or key_panels(scenario, bands)
    images = []
    if panels:
        caption = (
            "The items with the lowest fill rate (one per product), then the largest average backlogs. "
            "Median (line) and 5–95% band across replications."
        )
        fig = figures.fan_charts(bands, panels, variants=variants)
        images.append(_save(figs_dir, "fan_charts", "Inventory and backorders over time", fig, caption))
    cost_images = _cost_images(figs_dir, summary, currency, "")  # shown in the costs section, beside the table
    if len(variants) < 2:
        fig = figures.service_vs_cost_by_product(summary, unit=currency, labels=aggregate.TOP_N)
        images.append(_save(figs_dir, "service_vs_cost", "Service vs operating cost by product", fig))
    shown = aggregate.grouped_network(scenario)
    caption = "" if shown is scenario else "Nodes grouped by echelon, type and region (the network is large)."
    images.append(_save(figs_dir, "network", "Network", figures.network_graph(dict(shown)), caption))
    ratio_header: list[str] = []
    ratio_rows: list[dict] = []
    ratio_more = 0
    if bullwhip.has_bullwhip(summary, scenario):
        keep, ratio_more = _bullwhip_nodes(summary, scenario)
        table = summary[summary["node"].isin(keep)]
        ratio_header, ratio_rows = bullwhip.ratio_table(table, scenario, format_estimate)
        fig = bullwhip.amplification_chart(table, scenario)
        caption = "Variance of orders per period over variance of end-customer demand; mean and CI across replications."
        if ratio_more:
            caption += f" The {len(keep)} stock nodes with the largest amplification."
        images.append(_save(figs_dir, "bullwhip_amplification", "Order-variance amplification", fig, caption))
        if orders is not None:
            fig = bullwhip.orders_over_time(orders, scenario, nodes=keep)
            images.append(_save(figs_dir, "bullwhip_orders", "Orders over time by echelon", fig, "Replication 0."))

    # scenarios with segmentation: the Kraljic matrix, KPIs per segment, the scorecard (sim.report.segment_section)
    seg_sections, seg_images = segment_section.build(summary, scenario, currency, lambda *a: _save(figs_dir, *a))
    images += seg_images
    n = max((st.n for st in look.stats.values() if math.isfinite(st.n)), default=math.nan)
    html = _ENV.get_template("report.html.j2").render(
        title=f"Simulation report: {name}",
        scenario_name=name,
        description=str(scenario.get("description") or ""),
        facts=run_facts(scenario, meta, currency),
        caveat=too_few(n),
        sections=[*report_sections(look, scenario, currency, ci_label=ci_label(meta)), *seg_sections],
        ci_label=ci_label(meta),
        variants=variants,
        show_variants=len(variants) > 1,
        headline=headline,
        resilience=resilience,
        retailer_columns=[kpi_label(k) for k in RETAILER_KPIS],
        retailer_rows=retailer_rows,
        retailers_more=retailers_more,
        has_bands=bool(panels),
        ratio_header=ratio_header,
        ratio_rows=ratio_rows,
        ratio_more=ratio_more,
        cost_images=cost_images,
        images=images,
        config_yaml=_config_shown(config_yaml or ""),
    )
    path = out / "report.html"
    path.write_text(html, encoding="utf-8")
    return path


MAX_CONFIG_CHARS = 200_000  # the configuration printed at the end of the report; the files keep all of it


def _config_shown(text: str, limit: int = MAX_CONFIG_CHARS) -> str:
    """The configuration for the report's last section: whole up to ``limit`` characters, else its head and where the
    rest is (a big network's scenario would otherwise make most of the page)."""
    if len(text) <= limit:
        return text
    head = text[: text.rfind("\n", 0, limit) + 1]
    return head + (
        f"\n… {len(text) - len(head):,} more characters: the whole configuration is in .hydra/config.yaml and the "
        "validated scenario in scenario.yaml, next to this report.\n"
    )


def _finite_or(x: float, default: float) -> float:
    return x if math.isfinite(x) else default


def _bullwhip_nodes(summary: pd.DataFrame, scenario: dict) -> tuple[list[str], int]:
    """The stock nodes of the bullwhip table and chart: all of them, or, above ``aggregate.MAX_ROWS``, the
    ``aggregate.TOP_N`` with the largest amplification against the consumer (first variant), and how many are left
    out."""
    nodes = bullwhip.stock_nodes_downstream_first(scenario)
    if len(nodes) <= aggregate.MAX_ROWS:
        return nodes, 0
    look = attention.lookup(summary)
    ranked = sorted(nodes, key=lambda n: -_finite_or(look.mean(n, "ALL", "bullwhip_vs_consumer"), -1.0))
    keep = set(ranked[: aggregate.TOP_N])
    return [n for n in nodes if n in keep], len(nodes) - len(keep)


def _cost_images(figs_dir: Path, table: pd.DataFrame, currency: str, prefix: str) -> list[dict[str, str]]:
    """The cost breakdown per variant (stacked, the catalogue's components: sim.report.costs) and, with two variants
    or more, the cost-versus-service Pareto plot."""
    b = costs.breakdown(table)
    caption = (
        f"Mean over the KPI window, {currency}. The components of the total landed cost are the catalogue's cost "
        "KPIs and add up to it exactly" + ("; supplier overhead (hatched) comes on top of it." if b.overhead else ".")
    )
    out = [_save(figs_dir, f"{prefix}cost_breakdown", "Cost breakdown", figures.cost_stack(b, currency), caption)]
    tco = costs.TCO in set(table["kpi"])  # the cost of ownership (supplier overhead included) where the table has it
    points = costs.pareto_points(table, cost=costs.TCO if tco else costs.LANDED_TOTAL)
    what = "total cost of ownership (total_landed_cost)" if tco else "total landed cost"
    if len(points) >= 2:
        caption = (
            f"Network fill rate against {what} per variant; whiskers: each variant's own confidence "
            "interval (paired differences between variants, in the tables, are narrower). Efficient: no other variant "
            "has at least its fill rate at no more cost. The best corner is bottom right."
        )
        axis = "total cost of ownership" if tco else "total landed cost"
        fig = figures.pareto_chart(points, unit=currency, cost=axis)
        out.append(_save(figs_dir, f"{prefix}pareto", "Cost versus service (Pareto frontier)", fig, caption))
    return out


def _diff_class(kpi: str, lo: float, hi: float) -> str:
    if not (math.isfinite(lo) and math.isfinite(hi)) or lo <= 0 <= hi:
        return ""
    up = lo > 0
    if kpi in HIGHER_IS_BETTER:
        return "sig better" if up else "sig worse"
    if kpi in LOWER_IS_BETTER:
        return "sig worse" if up else "sig better"
    return "sig"


def _comparison_rows(est: Estimates, variants: Sequence[str], node: str, sku: str, kpis: Iterable[str]):
    rows = []
    nan = (math.nan,) * 6
    for kpi in kpis:
        cells = []
        values = [est.get((v, node, sku, kpi), nan) for v in variants]
        for i, (text, (*_, dm, dlo, dhi)) in enumerate(zip(row_estimates(kpi, values), values, strict=True)):
            cells.append({"text": text, "cls": "value"})
            if i > 0:
                cells.append({"text": format_difference(kpi, dm, dlo, dhi), "cls": _diff_class(kpi, dlo, dhi)})
        rows.append({"label": kpi_label(kpi) if node == "ALL" else node, "cells": cells})
    return rows


def _moved_rows(
    comparison: pd.DataFrame, variants: Sequence[str], kpis: Sequence[str], labels: Mapping[str, str]
) -> list[dict]:
    """Per non-baseline variant and KPI: the items whose paired difference is largest (see variants.moved_most)."""
    rows = []
    r: Any  # an itertuples row (pandas-stubs types its fields as any scalar)
    for v in variants[1:]:
        for kpi in kpis:
            for r in variants_mod.moved_most(comparison, v, kpi).itertuples(index=False):
                base = variants_mod.baseline_mean(comparison, variants[0], r.node, r.sku, kpi)
                rows.append(
                    {
                        "variant": labels[v],
                        "item": f"{r.sku} at {r.node}",
                        "kpi": kpi_label(kpi),
                        "cells": [{"text": t, "cls": "value"} for t in row_estimates(kpi, [(base,) * 3, (r.mean,) * 3])]
                        + [
                            {
                                "text": format_difference(kpi, r.diff_mean, r.diff_ci_low, r.diff_ci_high),
                                "cls": _diff_class(kpi, r.diff_ci_low, r.diff_ci_high),
                            }
                        ],
                    }
                )
    return rows


def write_comparison(
    out_dir: str | Path,
    *,
    comparison: pd.DataFrame,
    meta: Mapping[str, object],
    scenarios: Mapping[str, dict] | None = None,
) -> Path:
    """Write ``out_dir/comparison.html``: each variant in words (what changed against the first, the baseline, and
    the policy levels it used, from ``scenarios``: variant -> scenario dict), network KPIs per variant with paired
    differences, the items that moved most, fill rate per node and the figures. Nodes with a defined amplification
    get the bullwhip table and chart (echelon order, from the first variant's scenario)."""
    out = Path(out_dir)
    figs_dir = out / "figures"
    figs_dir.mkdir(parents=True, exist_ok=True)
    est = _estimates(comparison, extra=("diff_mean", "diff_ci_low", "diff_ci_high"))
    variants = _variants(comparison)
    net_kpis = [
        k
        for k in _present_kpis(est, "ALL", "ALL", KPI_ORDER)
        if any(math.isfinite(est.get((v, "ALL", "ALL", k), (math.nan,))[0]) for v in variants)
    ]
    network = _comparison_rows(est, variants, "ALL", "ALL", net_kpis)
    fill_nodes = dict.fromkeys(
        k[1]
        for k, val in est.items()
        if k[1:] != ("ALL", "ALL", "fill_rate") and k[2:] == ("ALL", "fill_rate") and math.isfinite(val[0])
    )
    nodes = list(fill_nodes)
    if len(nodes) > aggregate.MAX_ROWS:  # the baseline's worst nodes first, then cut
        nodes.sort(key=lambda n: _finite_or(est.get((variants[0], n, "ALL", "fill_rate"), (math.nan,))[0], 2.0))
    nodes, per_node_more = aggregate.capped(nodes)
    per_node = [r for n in nodes for r in _comparison_rows(est, variants, n, "ALL", ["fill_rate"])]
    amplification = []
    scenario = next(iter(scenarios.values()), None) if scenarios else None
    amplification_more = 0
    if scenario is not None and bullwhip.has_bullwhip(comparison, scenario):
        nodes, amplification_more = _bullwhip_nodes(comparison, scenario)
        for kpi in ("bullwhip_ratio", "bullwhip_vs_consumer"):
            amplification += [
                {**r, "label": f"{r['label']}: {kpi_label(kpi)}"}
                for n in nodes
                for r in _comparison_rows(est, variants, n, "ALL", [kpi])
            ]
    pairs = pd.to_numeric(comparison.get("n_pairs", pd.Series(dtype=float)), errors="coerce").max()
    name = meta.get("scenario") or meta.get("name")
    if not name and "scenario" in comparison.columns and not comparison.empty:
        name = comparison["scenario"].iloc[0]
    scenarios = {str(k): v for k, v in (scenarios or {}).items()}
    readable = [variants_mod.readable_label(v, scenarios.get(v)) for v in variants]
    plotted = comparison.assign(
        variant=comparison["variant"].astype(str).map(dict(zip(variants, readable, strict=True)))
    )
    images, lead_images = [], []
    if not comparison.empty:
        currency = str(next(iter(scenarios.values()), {}).get("currency") or "EUR") if scenarios else ""
        lead_images = _cost_images(figs_dir, plotted, currency, "comparison_")[::-1]  # the Pareto plot first
        fig = figures.cost_breakdown(plotted, kpis=attention.OPERATING)
        caption = "Operating cost components (purchase cost left out: it mostly follows demand, not the policy)."
        images.append(_save(figs_dir, "comparison_operating_cost", "Operating cost by component", fig, caption))
    if amplification:
        assert scenario is not None  # amplification rows come only with a scenario
        fig = bullwhip.amplification_chart(comparison[comparison["node"].isin(nodes)], scenario)
        images.append(_save(figs_dir, "comparison_bullwhip", "Order-variance amplification by echelon", fig))
    changed = variants_mod.what_changed(scenarios, variants[0]) if variants and scenarios else {}
    described = [
        {"label": readable[i], "raw": v, "lines": changed.get(v, [])} for i, v in enumerate(variants) if scenarios
    ]
    levels_variants, levels, same = variants_mod.policy_levels({v: scenarios[v] for v in variants if v in scenarios})
    levels, levels_more = aggregate.capped(levels)
    html = _ENV.get_template("comparison.html.j2").render(
        title=f"Variant comparison: {name}" if name else "Variant comparison",
        meta_items=meta_items(meta),
        ci_label=ci_label(meta),
        baseline=readable[0] if variants else "",
        others=readable[1:],
        variants=variants,
        described=described,
        levels_variants=[readable[variants.index(v)] for v in levels_variants],
        levels=levels,
        levels_same=same,
        moved=_moved_rows(
            comparison, variants, ("fill_rate", "operating_cost"), dict(zip(variants, readable, strict=True))
        )
        if not comparison.empty
        else [],
        network=network,
        per_node=per_node,
        per_node_more=per_node_more,
        amplification=amplification,
        amplification_more=amplification_more,
        levels_more=levels_more,
        n_pairs=meta_value(int(pairs)) if math.isfinite(as_float(pairs)) else "",
        caveat=too_few(as_float(pairs)),
        lead_images=lead_images,
        images=images,
    )
    path = out / "comparison.html"
    path.write_text(html, encoding="utf-8")
    return path
