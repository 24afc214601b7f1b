"""``comparison.html``: the variants of a sweep side by side, each in words, with paired differences against the
first (the baseline), the items that moved most, the cost figures and, for bullwhip studies, the amplification."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from sim.experiment.stats import too_few
from sim.kpi.catalog import HIGHER_IS_BETTER, LOWER_IS_BETTER
from sim.report import aggregate, attention, bullwhip, figures
from sim.report import variants as variants_mod
from sim.report.formatting import (
    DASH,
    as_float,
    ci_label,
    format_difference,
    kpi_label,
    meta_items,
    meta_value,
    row_estimates,
)
from sim.report.page import (
    ENV,
    KPI_ORDER,
    Estimates,
    bullwhip_nodes,
    cost_images,
    estimates,
    finite_or,
    present_kpis,
    save_image,
    variants_of,
)


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
    """One row per KPI: per variant its estimate and, below it, the paired difference against the baseline (the
    table keeps one column per variant, so four variants fit the page)."""
    rows = []
    nan = (math.nan,) * 6
    for kpi in kpis:
        cells = []
        values = [est.get((v, node, sku, kpi), nan) for v in variants]
        for i, (text, (*_, dm, dlo, dhi)) in enumerate(zip(row_estimates(kpi, values), values, strict=True)):
            diff = format_difference(kpi, dm, dlo, dhi) if i > 0 else ""
            diff = "" if diff == DASH else diff  # no paired difference: nothing under the value
            cells.append({"text": text, "diff": diff, "cls": _diff_class(kpi, dlo, dhi) if i > 0 else ""})
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


def _per_node(est: Estimates, variants: Sequence[str]) -> tuple[list[dict], int]:
    """Fill rate per node (the baseline's worst first when there are many), and how many nodes are left out."""
    fill_nodes = dict.fromkeys(
        k[1]
        for k, val in est.items()
        if k[1:] != ("ALL", "ALL", "fill_rate") and k[2:] == ("ALL", "fill_rate") and math.isfinite(val[0])
    )
    nodes = list(fill_nodes)
    if len(nodes) > aggregate.MAX_ROWS:  # the baseline's worst nodes first, then cut
        nodes.sort(key=lambda n: finite_or(est.get((variants[0], n, "ALL", "fill_rate"), (math.nan,))[0], 2.0))
    nodes, more = aggregate.capped(nodes)
    return [r for n in nodes for r in _comparison_rows(est, variants, n, "ALL", ["fill_rate"])], more


def _amplification(
    comparison: pd.DataFrame, est: Estimates, variants: Sequence[str], scenario: dict | None
) -> tuple[list[dict], list[str], int]:
    """Rows of the variance-ratio table (per stock node, downstream first: amplification against the consumer, then
    the node's own ratio), the nodes shown and how many are left out; nothing without a defined amplification."""
    if scenario is None or not bullwhip.has_bullwhip(comparison, scenario):
        return [], [], 0
    nodes, more = bullwhip_nodes(comparison, scenario)
    rows = [
        {**r, "label": f"{r['label']}: {kpi_label(kpi)}"}
        for kpi in ("bullwhip_vs_consumer", "bullwhip_ratio")
        for n in nodes
        for r in _comparison_rows(est, variants, n, "ALL", [kpi])
    ]
    return rows, nodes, more


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
    get the bullwhip table and chart (echelon order, from the first variant's scenario); a bullwhip study
    (:func:`sim.report.bullwhip.is_study`) opens with them, any other comparison with the cost-versus-service plot."""
    out = Path(out_dir)
    figs_dir = out / "figures"
    figs_dir.mkdir(parents=True, exist_ok=True)
    est = estimates(comparison, extra=("diff_mean", "diff_ci_low", "diff_ci_high"))
    variants = variants_of(comparison)
    net_kpis = [
        k
        for k in present_kpis(est, "ALL", "ALL", KPI_ORDER)
        if any(math.isfinite(est.get((v, "ALL", "ALL", k), (math.nan,))[0]) for v in variants)
    ]
    per_node, per_node_more = _per_node(est, variants)
    scenarios = {str(k): v for k, v in (scenarios or {}).items()}
    scenario = next(iter(scenarios.values()), None)
    amplification, amp_nodes, amplification_more = _amplification(comparison, est, variants, scenario)
    study = bool(amplification) and any(bullwhip.is_study(sc) for sc in scenarios.values())
    pairs = pd.to_numeric(comparison.get("n_pairs", pd.Series(dtype=float)), errors="coerce").max()
    name = meta.get("scenario") or meta.get("name")
    if not name and "scenario" in comparison.columns and not comparison.empty:
        name = comparison["scenario"].iloc[0]
    readable = [variants_mod.readable_label(v, scenarios.get(v)) for v in variants]
    labels = dict(zip(variants, readable, strict=True))
    plotted = comparison.assign(variant=comparison["variant"].astype(str).map(labels))
    images, lead_images, amp_images = [], [], []
    if not comparison.empty:
        currency = str(scenario.get("currency") or "EUR") if scenario else ""
        cost_figures = cost_images(figs_dir, plotted, currency, "comparison_")[::-1]  # the Pareto plot first
        if study:  # the experiment's own KPIs first; cost and service follow the network table
            images += cost_figures
        else:
            lead_images = cost_figures
        fig = figures.cost_breakdown(plotted, kpis=attention.OPERATING)
        caption = "Operating cost components (purchase cost left out: it mostly follows demand, not the policy)."
        images.append(save_image(figs_dir, "comparison_operating_cost", "Operating cost by component", fig, caption))
    if amplification and scenario is not None:
        fig = bullwhip.amplification_chart(plotted[plotted["node"].isin(amp_nodes)], scenario)
        caption = (
            "Variance of orders over variance of end-customer demand, per review cycle (docs/bullwhip.md); "
            "1 = no amplification."
        )
        amp_images.append(save_image(figs_dir, "comparison_bullwhip", "Order-variance amplification", fig, caption))
    changed = variants_mod.what_changed(scenarios, variants[0]) if variants and scenarios else {}
    described = [
        {"label": readable[i], "raw": v, "lines": changed.get(v, [])} for i, v in enumerate(variants) if scenarios
    ]
    levels_variants, levels, same = variants_mod.policy_levels({v: scenarios[v] for v in variants if v in scenarios})
    levels, levels_more = aggregate.capped(levels)
    html = ENV.get_template("comparison.html.j2").render(
        title=f"Variant comparison: {name}" if name else "Variant comparison",
        meta_items=meta_items(meta),
        ci_label=ci_label(meta),
        baseline=readable[0] if variants else "",
        others=readable[1:],
        variants=variants,
        described=described,
        levels_variants=[labels[v] for v in levels_variants],
        levels=levels,
        levels_same=same,
        moved=[] if comparison.empty else _moved_rows(comparison, variants, ("fill_rate", "operating_cost"), labels),
        network=_comparison_rows(est, variants, "ALL", "ALL", net_kpis),
        per_node=per_node,
        per_node_more=per_node_more,
        amplification=amplification,
        amplification_more=amplification_more,
        amplification_first=study,
        amp_images=amp_images,
        levels_more=levels_more,
        n_pairs=meta_value(int(pairs)) if math.isfinite(as_float(pairs)) else "",
        caveat=too_few(as_float(pairs)),
        lead_images=lead_images,
        images=images,
    )
    path = out / "comparison.html"
    path.write_text(html, encoding="utf-8")
    return path
