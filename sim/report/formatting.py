"""How the report layer writes numbers and labels: KPI names, estimates with intervals, paired differences, run facts.

Shared by the report, the comparison page, the stress-test page and the terminal table, so a KPI reads the same
everywhere (percentages for shares, fixed notation, a dash for undefined values).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence

import numpy as np

from sim.kpi import catalog
from sim.kpi.catalog import BATCH_KPIS, PERCENT_KPIS

DASH = "–"


def kpi_label(kpi: str) -> str:
    """Human-readable KPI name (from the catalogue)."""
    return catalog.label(kpi)


def as_float(x: object) -> float:
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


NOT_REACHED = "not reached"  # a Kaplan–Meier median (or its upper limit) beyond the run: inf in the summary


def format_value(kpi: str, x: float, decimals: int) -> str:
    if x == math.inf and kpi in BATCH_KPIS:
        return NOT_REACHED
    if not math.isfinite(x):
        return DASH
    return f"{x * 100:,.{decimals}f}%" if kpi in PERCENT_KPIS else f"{x:,.{decimals}f}"


def format_estimate(
    kpi: str, mean: object, ci_low: object = math.nan, ci_high: object = math.nan, *, decimals: int | None = None
) -> str:
    """``"mean [ci_low, ci_high]"`` with KPI-appropriate units; NaN parts render as ``"–"``."""
    m, lo, hi = as_float(mean), as_float(ci_low), as_float(ci_high)
    if not math.isfinite(m) and not (m == math.inf and kpi in BATCH_KPIS):
        return DASH
    d = _decimals(kpi, m, lo, hi) if decimals is None else decimals
    if decimals is None and kpi in PERCENT_KPIS and 0 < hi - lo < 0.002:
        d = 2
    if not (math.isfinite(lo) or math.isfinite(hi)) or lo == m == hi:
        return format_value(kpi, m, d)
    return f"{format_value(kpi, m, d)} [{format_value(kpi, lo, d)}, {format_value(kpi, hi, d)}]"


def row_estimates(kpi: str, estimates: Sequence[tuple[float, ...]]) -> list[str]:
    """Format several (mean, lo, hi) of one KPI with a shared precision."""
    d = None if kpi in PERCENT_KPIS else _decimals(kpi, *(x for e in estimates for x in e[:3]))
    return [format_estimate(kpi, *e[:3], decimals=d) for e in estimates]


def format_difference(kpi: str, diff: object, ci_low: object, ci_high: object) -> str:
    """Signed paired difference with CI; percentage KPIs are shown in percentage points."""
    m, lo, hi = as_float(diff), as_float(ci_low), as_float(ci_high)
    if not math.isfinite(m):
        return DASH
    pct = kpi in PERCENT_KPIS
    d, scale, unit = (2, 100.0, " pp") if pct else (_decimals(kpi, m, lo, hi), 1.0, "")

    def f(x: float) -> str:
        if not math.isfinite(x):
            return DASH
        text = f"{x * scale:+,.{d}f}"
        return "0" if float(text.replace(",", "")) == 0 else text  # float dust (+0.000, -0.000) is no change

    if not (math.isfinite(lo) or math.isfinite(hi)) or lo == m == hi or f(lo) == f(hi) == "0":
        return f"{f(m)}{unit}"
    return f"{f(m)}{unit} [{f(lo)}, {f(hi)}]"


def meta_value(value: object) -> str:
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
        if abs(value) >= 1000:
            return f"{value:,.0f}"
        # fixed notation, 4 significant digits: 0.00001234, never 1.234e-05
        return np.format_float_positional(value, precision=4, unique=False, fractional=False, trim="-")
    if isinstance(value, Mapping):
        return ", ".join(f"{k}={meta_value(v)}" for k, v in value.items())
    if isinstance(value, list | tuple | set):
        return ", ".join(meta_value(v) for v in value)
    return str(value)


def meta_items(meta: Mapping[str, object]) -> list[tuple[str, str]]:
    return [(str(k).replace("_", " ").strip().capitalize(), meta_value(v)) for k, v in meta.items()]


def ci_label(meta: Mapping[str, object]) -> str:
    conf = as_float(meta.get("confidence"))
    if math.isfinite(conf) and 0 < conf < 1:
        return f"mean [{conf * 100:g}% CI]"
    return "mean [CI]"
