"""The run's report page (``report.html``) and the terminal's headline table; the comparison page of a sweep is
sim.report.comparison_page (``write_comparison``, also importable from here), what the pages share sim.report.page.

``write_report`` and ``write_comparison`` write PNG figures to ``out_dir/figures`` and one HTML file each with
the images embedded as base64 data URIs (no external CSS, JS or fonts). Templates live in
``sim/report/templates`` and are rendered with autoescaping, so scenario names, node ids and config text are always
HTML-escaped. Table formats are those of ``docs/architecture.md``. How numbers read is in ``sim.report.formatting``; the
report's sections (what needs attention, costs, store × product, suppliers) are built in ``sim.report.sections``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.experiment.stats import too_few
from sim.kpi import catalog
from sim.report import aggregate, attention, bullwhip, figures, network_map, plant_section, segment_section, what_if
from sim.report.comparison_page import write_comparison
from sim.report.formatting import (
    as_float,
    ci_label,
    format_estimate,
    kpi_label,
)
from sim.report.page import (
    ENV,
    HEADLINE_KPIS,
    MAX_FAN_PANELS,
    RETAILER_KPIS,
    TERMINAL_KPIS,
    Estimates,
    bullwhip_nodes,
    cost_images,
    estimates,
    finite_or,
    kpi_rows,
    resilience_kpis,
    save_image,
    variants_of,
)
from sim.report.sections import report_sections, run_facts

__all__ = ["amplification_table", "headline_table", "key_panels", "write_comparison", "write_report"]


def _text_table(title: str, rows: list[list[str]], n: object = None) -> str:
    """Plain-text table: a header row, a rule, the rows; the small-sample note when ``n`` replications are few."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    caveat = too_few(as_float(n)) if math.isfinite(as_float(n)) else None
    return f"{title}\n" + "\n".join(lines) + (f"\nNote: {caveat}." if caveat else "")


def headline_table(
    summary: pd.DataFrame,
    kpis: Sequence[str] = TERMINAL_KPIS,
    title: str = "Network KPIs, mean [CI]",
    currency: str | None = None,
) -> str:
    """Compact plain-text table of the network headline KPIs (rows) per variant (columns); money KPIs name the
    ``currency``."""
    est = estimates(summary)
    variants = variants_of(summary)
    kpis = [k for k in kpis if any((v, "ALL", "ALL", k) in est for v in variants)]
    if not kpis:
        return "(no network KPIs)"
    rows = [["KPI", *(v or "value" for v in variants)]]
    money = {catalog.label(k) for k in kpis if catalog.info(k).unit == "money"}
    unit = f" ({currency})" if currency else ""
    rows += [[r["label"] + (unit if r["label"] in money else ""), *r["cells"]] for r in kpi_rows(est, variants, kpis)]
    return _text_table(title, rows, pd.to_numeric(summary.get("n", pd.Series(dtype=float)), errors="coerce").max())


def amplification_table(summary: pd.DataFrame, scenario: dict) -> str | None:
    """Plain-text table of the amplification per echelon, downstream first: against the consumer and the node's
    own ratio, mean [CI] (the first table of a bullwhip study's terminal output); None without a defined one."""
    if not bullwhip.has_bullwhip(summary, scenario):
        return None
    keep, more = bullwhip_nodes(summary, scenario)
    est = estimates(summary)
    variant = variants_of(summary)[0]
    kpis = ("bullwhip_vs_consumer", "bullwhip_ratio")
    rows = [["Node", *(kpi_label(k) for k in kpis)]]
    nan3 = (math.nan,) * 3
    for node in keep:
        rows.append([node, *(format_estimate(k, *est.get((variant, node, "ALL", k), nan3)) for k in kpis)])
    title = "Order-variance amplification by echelon (downstream first; per review cycle), mean [CI]"
    extra = f"\n… and {more} more stock nodes (summary.csv)" if more else ""
    return _text_table(title, rows) + extra


def _retailers(scenario: dict, est: Estimates) -> list[str]:
    types = network_map.node_types(scenario)
    retailers = [n for n, t in types.items() if t == "retailer"]
    if retailers:
        return retailers
    return list(dict.fromkeys(k[1] for k in est if k[1] != "ALL" and k[3] == "demand" and est[k][0] > 0))


def key_panels(scenario: dict, bands: pd.DataFrame, cap: int = MAX_FAN_PANELS) -> list[tuple[str, str]]:
    """(node, sku) fan-chart panels: the most upstream buffer first, then retailers; at most ``cap``."""
    if bands.empty:
        return []
    ech = network_map.echelons(scenario)
    types = network_map.node_types(scenario)
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
    curves: tuple[np.ndarray, np.ndarray] | None = None,
) -> Path:
    """Write ``out_dir/figures/*.png`` and a self-contained ``out_dir/report.html``; return the HTML path.

    The page opens with what needs attention (items and suppliers below the scenario's targets, worst first, and the
    biggest cost drivers), then the network KPIs and costs, the store × product, supplier and source tables, the
    figures, and the configuration (collapsed) at the end. ``risk`` (:meth:`Batch.risk`) adds the probability of
    missing each target. ``orders``: the time series of one replication (``ReplicationResult.timeseries``) for the
    orders-over-time chart of the bullwhip section, which appears when some node's consumer-relative amplification is
    defined, and opens the page in a bullwhip study (:func:`sim.report.bullwhip.is_study`). A scenario with
    disruptions opens with what they did (:func:`_what_if`); ``curves``: the network's rolling fill rate per
    replication with and without them (replications × periods each) for its resilience curve; ``orders`` also feeds
    the plant section's output over time (scenarios with plants)."""
    out = Path(out_dir)
    figs_dir = out / "figures"
    figs_dir.mkdir(parents=True, exist_ok=True)
    summary = _empty_summary(summary)
    bands = pd.DataFrame(columns=["variant", "node", "sku", "t", "metric"]) if bands is None else bands
    est = estimates(summary)
    variants = variants_of(summary)
    name = scenario.get("name") or meta.get("scenario")
    if not name and "scenario" in summary.columns and not summary.empty:
        name = summary["scenario"].iloc[0]
    name = str(name or "Scenario")
    look = attention.lookup(summary, risk)
    currency = str(scenario.get("currency") or "EUR")

    headline = kpi_rows(est, variants, [k for k in HEADLINE_KPIS if k in {key[3] for key in est}])
    # scenarios with disruptions: the paired resilience block (docs/disruptions.md)
    resilience = kpi_rows(est, variants, resilience_kpis(est))
    resilience_n = _replications(summary, catalog.RESILIENCE_KPIS)
    retailer_rows = []
    retailers = _retailers(scenario, est)
    if len(retailers) > aggregate.MAX_ROWS:  # the worst stores first, then cut (the aggregate views sum the rest)
        first = variants[0] if variants else ""
        retailers.sort(key=lambda n: finite_or(est.get((first, n, "ALL", "fill_rate"), (math.nan,))[0], 2.0))
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
        fig = figures.fan_charts(bands, panels, variants=variants, windows=what_if.windows(scenario))
        images.append(save_image(figs_dir, "fan_charts", "Inventory and backorders over time", fig, caption))
    cost_figures = cost_images(figs_dir, summary, currency, "")  # shown in the costs section, beside the table
    if len(variants) < 2:
        fig = figures.service_vs_cost_by_product(summary, unit=currency, labels=aggregate.TOP_N)
        images.append(save_image(figs_dir, "service_vs_cost", "Service vs operating cost by product", fig))
    shown = aggregate.grouped_network(scenario)
    caption = "" if shown is scenario else "Nodes grouped by echelon, type and region (the network is large)."
    images.append(save_image(figs_dir, "network", "Network", network_map.network_graph(dict(shown)), caption))
    ratio_header: list[str] = []
    ratio_rows: list[dict[str, Any]] = []
    ratio_more = 0
    bullwhip_images = []
    if bullwhip.has_bullwhip(summary, scenario):
        keep, ratio_more = bullwhip_nodes(summary, scenario)
        table = summary[summary["node"].isin(keep)]
        ratio_header, ratio_rows = bullwhip.ratio_table(table, scenario, format_estimate)
        fig = bullwhip.amplification_chart(table, scenario)
        caption = (
            "Variance of orders over variance of end-customer demand, per review cycle (docs/bullwhip.md); mean and "
            "CI across replications; 1 = no amplification."
        )
        if ratio_more:
            caption += f" The {len(keep)} stock nodes with the largest amplification."
        bullwhip_images.append(
            save_image(figs_dir, "bullwhip_amplification", "Order-variance amplification", fig, caption)
        )
        if orders is not None:
            fig = bullwhip.orders_over_time(orders, scenario, nodes=keep)
            bullwhip_images.append(
                save_image(figs_dir, "bullwhip_orders", "Orders over time by echelon", fig, "Replication 0.")
            )

    # scenarios with segmentation: the Kraljic matrix, KPIs per segment, the scorecard (sim.report.segment_section)
    seg_sections, seg_images = segment_section.build(summary, scenario, currency, lambda *a: save_image(figs_dir, *a))
    images += seg_images
    # scenarios with plants: output, kits and components by criticality (sim.report.plant_section)
    plant_sections = plant_section.build(look, scenario, currency, orders, lambda *a: save_image(figs_dir, *a))
    n = max((st.n for st in look.stats.values() if math.isfinite(st.n)), default=math.nan)
    html = ENV.get_template("report.html.j2").render(
        title=f"Simulation report: {name}",
        scenario_name=name,
        description=str(scenario.get("description") or ""),
        facts=run_facts(scenario, meta, currency),
        caveat=too_few(n),
        sections=[
            *_what_if(look, summary, scenario, meta, curves, figs_dir),
            *report_sections(look, scenario, currency, ci_label=ci_label(meta)),
            *plant_sections,
            *seg_sections,
        ],
        ci_label=ci_label(meta),
        variants=variants,
        show_variants=len(variants) > 1,
        headline=headline,
        resilience=resilience,
        resilience_n=resilience_n,
        retailer_columns=[kpi_label(k) for k in RETAILER_KPIS],
        retailer_rows=retailer_rows,
        retailers_more=retailers_more,
        has_bands=bool(panels),
        ratio_header=ratio_header,
        ratio_rows=ratio_rows,
        ratio_more=ratio_more,
        bullwhip_images=bullwhip_images,
        bullwhip_first=bool(ratio_rows) and bullwhip.is_study(scenario),
        cost_images=cost_figures,
        images=images,
        config_yaml=_config_shown(config_yaml or ""),
    )
    path = out / "report.html"
    path.write_text(html, encoding="utf-8")
    return path


def _what_if(
    look: attention.Lookup,
    summary: pd.DataFrame,
    scenario: dict,
    meta: Mapping[str, object],
    curves: tuple[np.ndarray, np.ndarray] | None,
    figs_dir: Path,
) -> list[dict[str, Any]]:
    """The first section of a disrupted run: its disruptions in words, the with-versus-without headline and the
    resilience curve (sim.report.what_if); none without disruptions."""
    words = what_if.disruptions_in_words(scenario)
    if not words:
        return []
    image = None
    if curves is not None:
        spans = what_if.windows(scenario)
        start = min((a for a, _ in spans), default=math.nan)
        # the Kaplan–Meier medians (censored replications included); inf, "not reached", is not marked
        tts = look.mean("ALL", "ALL", "time_to_survive_km_median")
        ttr = look.mean("ALL", "ALL", "time_to_recover_km_median")
        fig = what_if.curve_figure(curves[0], curves[1], spans, tts, ttr, start)
        window = (scenario.get("resilience") or {}).get("window", 14)
        caption = (
            f"Network fill rate over the last {window} periods, {len(curves[0])} replications: median and 5–95% band "
            "with the disruption, the median without it (dashed); the disruption shaded; the median time to survive "
            "and to recover (Kaplan–Meier) marked."
        )
        image = save_image(figs_dir, "resilience_curve", "Service over time, with and without", fig, caption)
    rows = what_if.headline(summary, scenario)
    section = {"disruptions": words, "rows": rows, "image": image, "ci_label": ci_label(meta)}
    return [{"template": "sections/what_if.html.j2", **section}]


def _replications(summary: pd.DataFrame, kpis: Sequence[str]) -> str:
    """The replications behind the network rows of ``kpis`` (one number, or a range when they differ): ``n``."""
    rows = summary[(summary["node"] == "ALL") & (summary["sku"] == "ALL") & summary["kpi"].isin(kpis)]
    n = pd.to_numeric(rows.get("n", pd.Series(dtype=float)), errors="coerce").dropna()
    if n.empty:
        return ""
    low, high = int(n.min()), int(n.max())
    return f"n = {low:,}" if low == high else f"n = {low:,}–{high:,}"


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
