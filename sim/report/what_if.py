"""What a disrupted run tells a planner: its disruptions in words, the with-versus-without headline (paired
differences with their confidence intervals and n: the same replications with and without the disruptions) and the
resilience curve (service over time against the baseline, the window shaded, TTS and TTR marked).

Plain data in (the scenario as a dict, a batch summary); the terminal (sim.cli.run) and report.html both use it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.report.figures import _figure, _placeholder
from sim.report.formatting import format_difference, format_estimate, kpi_label

ALL = "ALL"
CHANGE_OF = {"fill_rate_change": "fill_rate", "total_cost_change": "total_cost"}  # a paired change -> its KPI
# the headline's rows, in order: what changed, what it cost, how soon service dropped and how long until it was back
HEADLINE = (
    "fill_rate_change",
    "total_cost_change",
    "revenue_at_risk",
    "lost_sales_during",
    "backorders_peak",
    "time_to_survive_km_median",
    "time_to_recover_km_median",
)
# the censored times by their Kaplan–Meier median (sim.experiment.survival_stats), with the share censored in words
CENSORED_SHARE = {
    "time_to_survive_km_median": ("time_to_survive_censored", "never dropped"),
    "time_to_recover_km_median": ("time_to_recover_censored", "not recovered by the end"),
}


# a time to recover of 0 (a median): the network's rolling fill rate never fell further below the baseline's than the
# tolerance in most replications, even where customers were short (time to survive counts the first short period)
NO_DIP = " (service stayed within tolerance)"


# each kind in words: the spec's fields, plus ``span`` (its window), ``pct`` (a fraction or a rate as a percentage),
# ``where`` and ``what`` (a demand shock's nodes and products)
WORDS = {
    "supplier_outage": "{supplier} down {span}",
    "facility_outage": "{node} closed {span}",
    "capacity_loss": "{supplier} at {pct} of its capacity {span}",
    "lane_closure": "lane {lane} closed {span}",
    "lane_slowdown": "lane {lane} {factor:g}× slower {span}",
    "regional_event": "region {region} out (its suppliers down, its lanes closed) {span}",
    "demand_shock": "demand × {multiplier:g} at {where} for {what} {span}",
    "quality_excursion": "{supplier} ships {pct} defective units {span}",
    "random_outage": "{supplier} fails at random (time to failure and repair drawn) from {period} {start:g}",
    "markov_outage": "{supplier} fails at random (a {p_fail:g} chance a {period}) from {period} {start:g}",
}


def describe(spec: Mapping[str, Any], period: str = "day") -> str:
    """One disruption in words: ``tw_hsinchu down 42 days from day 120``."""
    start, duration = float(spec.get("start") or 0), spec.get("duration")
    fields = {
        **spec,
        "start": start,
        "period": period,
        "span": f"from {period} {start:g} to the end of the run"
        if duration is None
        else f"{float(duration):g} {period}s from {period} {start:g}",
        "pct": f"{float(spec.get('fraction', spec.get('defect_rate', 0))) * 100:.0f}%",
        "where": ", ".join(spec.get("nodes") or []) or "every store",
        "what": ", ".join(spec.get("skus") or []) or "all products",
    }
    template = WORDS.get(str(spec.get("kind")))
    if template is None:
        return f"{spec.get('kind')} ({', '.join(f'{k}={v}' for k, v in spec.items() if k != 'kind')})"
    return template.format(**fields)


def disruptions_in_words(scenario: Mapping[str, Any]) -> list[str]:
    """Every disruption of the scenario (as a dict: ``Scenario.to_dict()``), in words."""
    period = str(scenario.get("period") or "day")
    return [describe(d, period) for d in scenario.get("disruptions") or []]


def windows(scenario: Mapping[str, Any]) -> list[tuple[float, float]]:
    """(start, end) of every scheduled disruption window (to the horizon when open-ended), to shade in charts."""
    horizon = float(scenario.get("horizon") or 0)
    out = []
    for d in scenario.get("disruptions") or []:
        if "duration" in d or d.get("kind") in ("supplier_outage", "lane_closure", "regional_event"):
            start = float(d.get("start") or 0)
            end = horizon if d.get("duration") is None else start + float(d["duration"])
            out.append((start, min(end, horizon)))
    return out


def headline(summary: pd.DataFrame, scenario: Mapping[str, Any]) -> list[dict[str, str]]:
    """The network's with-versus-without rows present in ``summary``: label, mean [CI] (the currency on money),
    n; empty for a run without disruptions."""
    net_rows = summary[(summary["node"] == ALL) & (summary["sku"] == ALL)].drop_duplicates("kpi").set_index("kpi")
    net: dict[Any, dict[Any, Any]] = net_rows.to_dict("index")
    currency = str(scenario.get("currency") or "EUR")
    period = str(scenario.get("period") or "day")
    rows = []
    for kpi in HEADLINE:
        if kpi not in net:
            continue
        r = net[kpi]
        mean, low, high = float(r["mean"]), float(r["ci_low"]), float(r["ci_high"])
        # a change is signed, and a change of a rate is in percentage points (-0.12 pp, not -0.12 %)
        text = format_difference(CHANGE_OF[kpi], mean, low, high) if kpi in CHANGE_OF else None
        text = text or format_estimate(kpi, mean, low, high)
        unit = {"total_cost_change": currency, "revenue_at_risk": currency}.get(kpi)
        unit = unit or (f"{period}s" if kpi in CENSORED_SHARE else "")
        if not any(math.isfinite(x) for x in (mean, low, high)):  # "not reached", not "not reached days"
            unit = ""
        text = f"{text} {unit}".strip() + _censored_words(net, kpi)
        if kpi == "time_to_recover_km_median" and float(r["mean"]) == 0:
            text += NO_DIP  # beside a time to survive: service dropped at some item, not the network's rolling rate
        n_value = float(r.get("n", math.nan))
        n = int(n_value) if math.isfinite(n_value) else 0
        rows.append({"kpi": kpi, "label": kpi_label(kpi), "value": text, "n": str(n)})
    return rows


def _censored_words(net: Mapping[Any, Mapping[Any, Any]], kpi: str) -> str:
    """``; 20% never dropped``: the share of replications whose time is censored, when some are."""
    if kpi not in CENSORED_SHARE:
        return ""
    indicator, words = CENSORED_SHARE[kpi]
    share = float(net.get(indicator, {}).get("mean", math.nan))
    return f"; {share * 100:.0f}% {words}" if math.isfinite(share) and share > 0 else ""


def what_if_text(summary: pd.DataFrame, scenario: Mapping[str, Any]) -> str:
    """The terminal's opening for a disrupted run: the disruptions in words, then the headline as a small table."""
    lines = ["Disruption" + ("s" if len(scenario.get("disruptions") or []) > 1 else "") + ":"]
    lines += [f"  {w}" for w in disruptions_in_words(scenario)]
    rows = headline(summary, scenario)
    if rows:
        lines.append("What it did, against the same replications without it (paired), mean [CI]:")
        width = max(len(r["label"]) for r in rows)
        lines += [f"  {r['label'].ljust(width)}  {r['value']}  (n={r['n']})" for r in rows]
    return "\n".join(lines)


def curve_figure(
    disrupted: np.ndarray,
    baseline: np.ndarray,
    windows: list[tuple[float, float]],
    tts: float = math.nan,
    ttr: float = math.nan,
    start: float = math.nan,
) -> Figure:
    """Service over time: the network's rolling fill rate per replication (replications × periods), median and
    p05–p95 band, the baseline's median beside it, the disruption windows shaded, the median TTS and TTR marked."""
    fig = _figure(9, 3.0)
    if disrupted.size == 0:
        return _placeholder(fig, "no replications with a curve")
    ax = fig.add_subplot(1, 1, 1)
    t = np.arange(disrupted.shape[1])
    ax.fill_between(t, np.nanpercentile(disrupted, 5, axis=0), np.nanpercentile(disrupted, 95, axis=0), alpha=0.25)
    ax.plot(t, np.nanmedian(disrupted, axis=0), lw=1.4, label="with the disruption (median, p05–p95)")
    ax.plot(t, np.nanmedian(baseline, axis=0), lw=1, ls="--", color="0.3", label="without it (median)")
    for i, (a, b) in enumerate(windows):
        ax.axvspan(a, b, color="0.85", zorder=0, label="disruption" if i == 0 else None)
    if math.isfinite(start) and math.isfinite(tts):
        ax.axvline(start + tts, color="#c0392b", lw=1, label=f"time to survive {tts:.0f} (median)")
    if math.isfinite(start) and math.isfinite(ttr) and ttr > 0:
        ax.axvline(start + ttr, color="#27ae60", lw=1, label=f"time to recover {ttr:.0f} (median)")
    ax.set_ylabel("fill rate (rolling)")
    ax.set_xlabel("period")
    ax.legend(fontsize=7, loc="lower right")
    return fig
