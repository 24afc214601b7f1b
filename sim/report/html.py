"""Report layer: self-contained HTML reports, comparison pages and a terminal headline table.

``write_report`` and ``write_comparison`` write PNG figures to ``out_dir/figures`` and one HTML file each with
the images embedded as base64 data URIs (no external CSS, JS or fonts). Templates live in
``sim/templates`` and are rendered with autoescaping, so scenario names, node ids and config text are always
HTML-escaped. Table formats are those of ``docs/architecture.md``.
"""

from __future__ import annotations

import base64
import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import jinja2
import pandas as pd
from matplotlib.figure import Figure

from sim.model import catalog
from sim.model.catalog import HIGHER_IS_BETTER, LOWER_IS_BETTER, PERCENT_KPIS
from sim.report import figures

DASH = "–"
HEADLINE_KPIS = (
    *("fill_rate", "cycle_service_level", "lost_sales", "backorders_avg", "on_hand_avg", "total_cost"),
    *figures.COST_KPIS,
)
TERMINAL_KPIS = ("fill_rate", "total_cost", "lost_sales", "backorders_avg", "on_hand_avg")
RETAILER_KPIS = ("fill_rate", "on_hand_avg", "backorders_avg", "total_cost")
_OTHER_KPIS = "demand otif inventory_turns orders_placed order_qty_mean order_qty_var demand_var pipeline_avg"
KPI_ORDER = (*HEADLINE_KPIS, *_OTHER_KPIS.split(), "lead_time_avg", "lead_time_p95", "bullwhip_ratio", "utilization")
MAX_FAN_PANELS = 6

_ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=jinja2.select_autoescape(enabled_extensions=("html", "j2"), default=True),
    trim_blocks=True,
    lstrip_blocks=True,
    undefined=jinja2.StrictUndefined,
)


# --------------------------------------------------------------------------- formatting
def kpi_label(kpi: str) -> str:
    """Human-readable KPI name (from the catalogue)."""
    return catalog.label(kpi)


def _float(x: object) -> float:
    try:
        return float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return math.nan


def _decimals(kpi: str, *values: float) -> int:
    """Decimals for a KPI given the values shown together (same precision across a table row)."""
    finite = [abs(v) for v in values if math.isfinite(v)]
    ref = max(finite, default=0.0)
    if kpi in PERCENT_KPIS:
        return 1
    if ref == 0 or ref >= 100:
        return 0
    return 1 if ref >= 10 else 2 if ref >= 1 else 3


def _fmt(kpi: str, x: float, decimals: int) -> str:
    if not math.isfinite(x):
        return DASH
    return f"{x * 100:,.{decimals}f}%" if kpi in PERCENT_KPIS else f"{x:,.{decimals}f}"


def format_estimate(
    kpi: str, mean: object, ci_low: object = math.nan, ci_high: object = math.nan, *, decimals: int | None = None
) -> str:
    """``"mean [ci_low, ci_high]"`` with KPI-appropriate units; NaN parts render as ``"–"``."""
    m, lo, hi = _float(mean), _float(ci_low), _float(ci_high)
    if not math.isfinite(m):
        return DASH
    d = _decimals(kpi, m, lo, hi) if decimals is None else decimals
    if decimals is None and kpi in PERCENT_KPIS and 0 < hi - lo < 0.002:
        d = 2
    if not (math.isfinite(lo) or math.isfinite(hi)) or lo == m == hi:
        return _fmt(kpi, m, d)
    return f"{_fmt(kpi, m, d)} [{_fmt(kpi, lo, d)}, {_fmt(kpi, hi, d)}]"


def _row_estimates(kpi: str, estimates: Sequence[tuple[float, ...]]) -> list[str]:
    """Format several (mean, lo, hi) of one KPI with a shared precision."""
    d = None if kpi in PERCENT_KPIS else _decimals(kpi, *(x for e in estimates for x in e[:3]))
    return [format_estimate(kpi, *e[:3], decimals=d) for e in estimates]


def format_difference(kpi: str, diff: object, ci_low: object, ci_high: object) -> str:
    """Signed paired difference with CI; percentage KPIs are shown in percentage points."""
    m, lo, hi = _float(diff), _float(ci_low), _float(ci_high)
    if not math.isfinite(m):
        return DASH
    pct = kpi in PERCENT_KPIS
    d, scale, unit = (2, 100.0, " pp") if pct else (_decimals(kpi, m, lo, hi), 1.0, "")

    def f(x: float) -> str:
        return DASH if not math.isfinite(x) else "0" if x == 0 else f"{x * scale:+,.{d}f}"

    if not (math.isfinite(lo) or math.isfinite(hi)) or lo == m == hi:
        return f"{f(m)}{unit}"
    return f"{f(m)}{unit} [{f(lo)}, {f(hi)}]"


def _meta_value(value: object) -> str:
    if value is None:
        return DASH
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, bool | str | dt.date):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if not math.isfinite(value):
            return DASH
        return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.4g}"
    if isinstance(value, Mapping):
        return ", ".join(f"{k}={_meta_value(v)}" for k, v in value.items())
    if isinstance(value, list | tuple | set):
        return ", ".join(_meta_value(v) for v in value)
    return str(value)


def _meta_items(meta: Mapping[str, object]) -> list[tuple[str, str]]:
    return [(str(k).replace("_", " ").strip().capitalize(), _meta_value(v)) for k, v in meta.items()]


def _ci_label(meta: Mapping[str, object]) -> str:
    conf = _float(meta.get("confidence"))
    if math.isfinite(conf) and 0 < conf < 1:
        return f"mean [{conf * 100:g}% CI]"
    return "mean [CI]"


# --------------------------------------------------------------------------- tables
Estimates = dict[tuple[str, str, str, str], tuple[float, ...]]


def _estimates(df: pd.DataFrame, extra: Sequence[str] = ()) -> Estimates:
    """(variant, node, sku, kpi) -> (mean, ci_low, ci_high, *extra)."""
    cols = ["variant", "node", "sku", "kpi", "mean", "ci_low", "ci_high", *extra]
    table = df.reindex(columns=cols)
    if "variant" not in df.columns:
        table["variant"] = ""
    return {
        (str(v), str(n), str(s), str(k)): tuple(_float(x) for x in rest)
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
            "cells": _row_estimates(k, [est.get((v, "ALL", "ALL", k), nan3) for v in variants]),
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
    return f"{title}\n" + "\n".join(lines)


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
) -> Path:
    """Write ``out_dir/figures/*.png`` and a self-contained ``out_dir/report.html``; return the HTML path."""
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

    headline = _kpi_rows(est, variants, [k for k in HEADLINE_KPIS if k in {key[3] for key in est}])
    # scenarios with disruptions: the paired resilience block (docs/disruptions.md)
    resilience = _kpi_rows(est, variants, [k for k in catalog.RESILIENCE_KPIS if any(key[3] == k for key in est)])
    retailer_rows = []
    for node in _retailers(scenario, est):
        for v in variants:
            cells = [format_estimate(k, *est.get((v, node, "ALL", k), (math.nan,) * 3)) for k in RETAILER_KPIS]
            retailer_rows.append({"node": node, "variant": v, "cells": cells})

    panels = key_panels(scenario, bands)
    images = []
    if panels:
        caption = "Median (line) and 5–95% band across replications."
        fig = figures.fan_charts(bands, panels, variants=variants)
        images.append(_save(figs_dir, "fan_charts", "Inventory and backorders over time", fig, caption))
    images.append(_save(figs_dir, "cost_breakdown", "Cost breakdown", figures.cost_breakdown(summary)))
    images.append(_save(figs_dir, "service_vs_cost", "Service vs cost", figures.service_vs_cost(summary)))
    images.append(_save(figs_dir, "network", "Network", figures.network_graph(scenario)))

    html = _ENV.get_template("report.html.j2").render(
        title=f"Simulation report: {name}",
        scenario_name=name,
        meta_items=_meta_items(meta),
        ci_label=_ci_label(meta),
        variants=variants,
        show_variants=len(variants) > 1,
        headline=headline,
        resilience=resilience,
        retailer_columns=[kpi_label(k) for k in RETAILER_KPIS],
        retailer_rows=retailer_rows,
        has_bands=bool(panels),
        images=images,
        config_yaml=config_yaml or "",
    )
    path = out / "report.html"
    path.write_text(html, encoding="utf-8")
    return path


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
        for i, (text, (*_, dm, dlo, dhi)) in enumerate(zip(_row_estimates(kpi, values), values, strict=True)):
            cells.append({"text": text, "cls": "value"})
            if i > 0:
                cells.append({"text": format_difference(kpi, dm, dlo, dhi), "cls": _diff_class(kpi, dlo, dhi)})
        rows.append({"label": kpi_label(kpi) if node == "ALL" else node, "cells": cells})
    return rows


def write_comparison(out_dir: str | Path, *, comparison: pd.DataFrame, meta: Mapping[str, object]) -> Path:
    """Write ``out_dir/comparison.html`` (network KPIs per variant, paired differences vs the first variant)."""
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
    per_node = [r for n in fill_nodes for r in _comparison_rows(est, variants, n, "ALL", ["fill_rate"])]
    pairs = pd.to_numeric(comparison.get("n_pairs", pd.Series(dtype=float)), errors="coerce").max()
    name = meta.get("scenario") or meta.get("name")
    if not name and "scenario" in comparison.columns and not comparison.empty:
        name = comparison["scenario"].iloc[0]
    images = []
    if not comparison.empty:
        images.append(
            _save(figs_dir, "comparison_service_vs_cost", "Service vs cost", figures.service_vs_cost(comparison))
        )
        images.append(
            _save(figs_dir, "comparison_cost_breakdown", "Cost breakdown", figures.cost_breakdown(comparison))
        )
    html = _ENV.get_template("comparison.html.j2").render(
        title=f"Variant comparison: {name}" if name else "Variant comparison",
        meta_items=_meta_items(meta),
        ci_label=_ci_label(meta),
        baseline=variants[0] if variants else "",
        others=variants[1:],
        variants=variants,
        network=network,
        per_node=per_node,
        n_pairs=_meta_value(int(pairs)) if math.isfinite(_float(pairs)) else "",
        images=images,
    )
    path = out / "comparison.html"
    path.write_text(html, encoding="utf-8")
    return path
