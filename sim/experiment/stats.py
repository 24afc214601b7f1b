"""Summary statistics of Monte Carlo output: means with Student-t confidence intervals, percentiles, paired
comparisons of variants.

Why Student-t and not a normal approximation: batches are often small (tens of replications) while KPIs such as fill
rate are bounded and skewed; the t quantile keeps the interval honest for small ``n`` and converges to the normal one
for large ``n``. Every statistic is NaN-aware, because some KPIs are undefined in some replications (fill rate
without demand, bullwhip ratio without demand variance): ``n`` counts the defined values only.

One kernel (:func:`describe_rows`) computes everything on a (rows x replications) matrix, so the batch summary
(computed from the value matrix) and :func:`summarize` (computed from a long KPI table) give bit-identical numbers.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np
import pandas as pd
from scipy import stats as st

from sim.arguments import fraction, refuse
from sim.errors import ArgumentError
from sim.experiment.survival_stats import CENSORED_TIMES, censored_rows
from sim.kpi import catalog


class Batch(Protocol):
    """What :func:`compare` reads of a batch (``sim.experiment.batch.Batch``)."""

    variant: str
    kpi_index: tuple[tuple[str, str, str], ...]
    values: np.ndarray
    replications: np.ndarray
    mc: Any  # MCSettings: ``seed`` and ``confidence``


KEYS = ("node", "sku", "kpi")
# below this many replications an interval says little (the t quantile is large, and for bounded, skewed KPIs such
# as fill rates the normal shape behind it is far off): reports and the terminal say so next to the numbers
FEW_REPLICATIONS = 10
SUMMARY_STATS = ("mean", "std", "ci_low", "ci_high", "p05", "p50", "p95", "n")
SERIES_METRICS = ("on_hand", "backorders", "pipeline", "inventory_position", "fill_rate")
BAND_COLUMNS = ["variant", "node", "sku", "t", "metric", "p05", "p50", "p95"]
COMPARISON_COLUMNS = [
    "variant",
    "node",
    "sku",
    "kpi",
    "mean",
    "ci_low",
    "ci_high",
    "diff_mean",
    "diff_ci_low",
    "diff_ci_high",
    "n_pairs",
]


def nanpercentiles(x: np.ndarray, q: Sequence[float], axis: int = 0) -> np.ndarray:
    """``np.nanpercentile(x, q, axis)`` (linear interpolation, NaNs skipped, all-NaN -> NaN), vectorised.

    numpy falls back to a Python loop over slices as soon as one NaN is present, which made the bands of a large
    scenario take seconds in the parent process; here one sort does all slices. Same interpolation formula as numpy.
    """
    x = np.moveaxis(np.asarray(x, dtype=float), axis, 0)
    s = np.sort(x, axis=0)  # NaNs sort last
    n = np.count_nonzero(~np.isnan(x), axis=0)
    out = np.empty((len(q), *x.shape[1:]))
    for k, p in enumerate(q):
        pos = (n - 1) * (p / 100.0)
        lo = np.floor(pos).astype(np.intp)
        hi = np.minimum(lo + 1, np.maximum(n - 1, 0))
        lo = np.maximum(lo, 0)
        a = np.take_along_axis(s, lo[None], axis=0)[0]
        b = np.take_along_axis(s, hi[None], axis=0)[0]
        t = pos - np.floor(pos)
        diff = b - a
        with np.errstate(invalid="ignore"):
            v = np.where(t >= 0.5, b - diff * (1 - t), a + diff * t)
        out[k] = np.where(n > 0, v, np.nan)
    return out


def t_halfwidth(std: np.ndarray | float, n: np.ndarray | int, confidence: float) -> np.ndarray:
    """Half-width of the two-sided Student-t CI of a mean: ``t_{(1+c)/2, n-1} * std / sqrt(n)`` (NaN if n < 2)."""
    std = np.asarray(std, dtype=float)
    n = np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        q = st.t.ppf((1 + confidence) / 2, np.where(n >= 2, n - 1, np.nan))
        return np.where(n >= 2, q * std / np.sqrt(n), np.nan)


def kpi_bounds(kpis: Sequence[str], *, difference: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """(low, high) per KPI name from the catalogue; for a paired ``difference`` of two values, ``low − high`` to
    ``high − low``."""
    lo, hi = np.array([catalog.bounds(str(k)) for k in kpis], dtype=float).reshape(-1, 2).T
    if difference:
        with np.errstate(invalid="ignore"):
            return lo - hi, hi - lo
    return lo, hi


def too_few(n: int | float) -> str | None:
    """A caveat for intervals from ``n`` replications, or None when there are enough."""
    if not np.isfinite(n) or n >= FEW_REPLICATIONS:
        return None
    if n < 2:
        return f"{int(n)} replication: no interval can be computed"
    return (
        f"only {int(n)} replications: the intervals are wide and, for shares near 0 or 1, only rough "
        f"(run at least {FEW_REPLICATIONS}, better 30+, before acting on them)"
    )


def describe_rows(
    x: np.ndarray, confidence: float, bounds: tuple[np.ndarray, np.ndarray] | None = None
) -> dict[str, np.ndarray]:
    """Statistics of each row of ``x`` (rows = KPIs, columns = replications; NaN = undefined).

    Returns arrays ``mean, std (ddof=1), ci_low, ci_high, p05, p50, p95, n``. Rows with no defined value give NaN
    statistics and ``n = 0``; rows with one value give a mean but NaN std and CI. With ``bounds`` (low, high per
    row, see :func:`kpi_bounds`) the interval is clipped to the values the KPI can take: a fill rate's interval
    never passes 100 %, a count's never goes below 0.
    """
    x = np.ascontiguousarray(x, dtype=float)
    if x.ndim != 2:
        raise ValueError(f"expected a 2-d array (rows x replications), got shape {x.shape}")
    n = np.count_nonzero(~np.isnan(x), axis=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN rows, n < 2: NaN is the right answer
        if x.shape[1] == 0:
            mean = std = np.full(x.shape[0], np.nan)
            pct = np.full((3, x.shape[0]), np.nan)
        else:
            mean = np.nanmean(x, axis=1)
            std = np.nanstd(x, axis=1, ddof=1)
            pct = nanpercentiles(x, [5, 50, 95], axis=1)
    std = np.where(n >= 2, std, np.nan)
    half = t_halfwidth(std, n, confidence)
    ci_low, ci_high = mean - half, mean + half
    if bounds is not None:
        ci_low, ci_high = np.maximum(ci_low, bounds[0]), np.minimum(ci_high, bounds[1])  # NaN stays NaN
    return {
        "mean": mean,
        "std": std,
        "ci_low": ci_low,
        "ci_high": ci_high,
        "p05": pct[0],
        "p50": pct[1],
        "p95": pct[2],
        "n": n.astype(np.int64),
    }


def bands(
    variant: str,
    series: Sequence[np.ndarray] | np.ndarray | None,
    layout: tuple[np.ndarray, np.ndarray, np.ndarray] | None,
) -> pd.DataFrame:
    """Percentile bands of per-period series across replications: ``variant, node, sku, t, metric, p05, p50, p95``.

    ``series`` holds one (metrics x rows) array per replication (metrics = ``SERIES_METRICS``), ``layout`` the node,
    sku and t of the rows. NaN-aware: a period without demand has no fill rate in that replication and is skipped
    there. One metric at a time, so the working copy is a fifth of the series.
    """
    if series is None or layout is None or len(series) == 0:
        names = ("variant", "node", "sku", "metric")
        return pd.DataFrame({c: pd.Series(dtype=object if c in names else float) for c in BAND_COLUMNS})
    node, sku, t = layout
    frames = []
    for k, m in enumerate(SERIES_METRICS):
        pct = nanpercentiles(np.stack([s[k] for s in series]), [5, 50, 95], axis=0)  # all-NaN period -> NaN
        cols = {"variant": variant, "node": node, "sku": sku, "t": t, "metric": m}
        frames.append(pd.DataFrame(cols | {"p05": pct[0], "p50": pct[1], "p95": pct[2]}))
    return pd.concat(frames, ignore_index=True)[BAND_COLUMNS]


TABLE_COLUMNS = ("replication", "node", "sku", "kpi", "value")
BATCHES = "a list of batches (sim.run_batch results) or long KPI tables (Batch.kpis), the baseline first"


def _check_batches(batches: Any) -> list[Batch | pd.DataFrame]:
    """``compare``'s ``batches``: a list or tuple of batches or KPI tables (one alone is a common slip)."""
    if not isinstance(batches, list | tuple):
        raise refuse("batches", BATCHES, batches)
    for i, item in enumerate(batches):
        if isinstance(item, pd.DataFrame):
            missing = [c for c in TABLE_COLUMNS if c not in item.columns]
            if missing:
                raise ArgumentError(f"batches[{i}]: a KPI table needs the columns {', '.join(missing)}")
            _check_values(f"batches[{i}]", item)
        elif not all(hasattr(item, a) for a in ("variant", "kpi_index", "values", "replications", "mc")):
            raise refuse(f"batches[{i}]", "a Batch (sim.run_batch) or a long KPI table (Batch.kpis)", item)
    return list(batches)


def _check_values(name: str, table: pd.DataFrame) -> None:
    """A KPI table's ``value`` column holds numbers (NaN where a KPI is undefined)."""
    values = table["value"]
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        return
    bad = values[values.notna() & pd.to_numeric(values, errors="coerce").isna()]
    if len(bad) or pd.api.types.is_bool_dtype(values):
        shown = repr(bad.iloc[0]) if len(bad) else "True/False"
        raise ArgumentError(f"{name}: a KPI table's value column holds numbers; got {shown}")


def summarize(kpis: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """Summary table of a long KPI table (columns ``[scenario, variant,] replication, node, sku, kpi, value``).

    One row per (scenario, variant, node, sku, kpi) in order of first appearance, with ``mean, std, ci_low,
    ci_high, p05, p50, p95, n``. Values are ordered by replication inside each group before reducing, so the result
    does not depend on the row order of ``kpis`` and equals :attr:`Batch.summary` for a batch's table. Censored
    times (``time_to_survive``, ``time_to_recover`` with their ``*_censored`` indicators) add their Kaplan–Meier
    rows at the end (sim.experiment.survival_stats).
    """
    confidence = fraction("confidence", confidence)
    if not isinstance(kpis, pd.DataFrame):
        raise refuse("kpis", "a long KPI table (a pandas DataFrame: Batch.kpis)", kpis)
    missing = {"node", "sku", "kpi", "value"} - set(kpis.columns)
    if missing:
        raise ArgumentError(
            f"kpis: summarize() needs columns node, sku, kpi, value; missing: {', '.join(sorted(missing))}"
        )
    _check_values("kpis", kpis)
    keys = [c for c in ("scenario", "variant") if c in kpis.columns] + list(KEYS)
    cols = [*keys, *SUMMARY_STATS]
    if kpis.empty:
        return pd.DataFrame({c: pd.Series(dtype=float if c in SUMMARY_STATS else object) for c in cols})
    frame = kpis.reset_index(drop=True)
    group = frame.groupby(keys, sort=False, dropna=False).ngroup().to_numpy()
    order_cols = [group] + ([frame["replication"].to_numpy()] if "replication" in frame.columns else [])
    order = np.lexsort(order_cols[::-1])
    group, values = group[order], frame["value"].to_numpy(dtype=float)[order]
    firsts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
    sizes = np.diff(np.r_[firsts, len(group)])
    labels = frame.iloc[order[firsts]][keys].reset_index(drop=True)
    lo, hi = kpi_bounds(labels["kpi"].tolist())
    if (sizes == sizes[0]).all():  # the usual case: every KPI in every replication
        out = describe_rows(values.reshape(len(firsts), sizes[0]), confidence, (lo, hi))
    else:
        parts = [
            describe_rows(values[a : a + s][None, :], confidence, (lo[i : i + 1], hi[i : i + 1]))
            for i, (a, s) in enumerate(zip(firsts, sizes, strict=True))
        ]
        out = {k: np.concatenate([p[k] for p in parts]) for k in SUMMARY_STATS}
    for k in SUMMARY_STATS:
        labels[k] = out[k]
    km = _censored_from_long(frame, labels, keys, confidence)
    return labels[cols] if km.empty else pd.concat([labels[cols], km], ignore_index=True)


def censored_frame(
    index: Sequence[tuple[str, ...]], values: np.ndarray, confidence: float, key_names: Sequence[str]
) -> pd.DataFrame:
    """The Kaplan–Meier rows of a summary (sim.experiment.survival_stats): one per censored time of ``index``
    (row keys ``(*keys, kpi)``) with its indicator, columns ``key_names, kpi`` and the summary statistics.
    ``values``: replications × rows."""
    rows = censored_rows(index, values, confidence)
    data = [(*keys, name, *(stats[k] for k in SUMMARY_STATS)) for keys, name, stats in rows]
    frame = pd.DataFrame(data, columns=[*key_names, "kpi", *SUMMARY_STATS])
    for k in SUMMARY_STATS:
        frame[k] = frame[k].astype(np.int64 if k == "n" else float)
    return frame


def _censored_from_long(frame: pd.DataFrame, labels: pd.DataFrame, keys: list[str], confidence: float) -> pd.DataFrame:
    """:func:`censored_frame` of a long KPI table, in the order of the summary rows ``labels``."""
    names = {*CENSORED_TIMES, *(flag for flag, _ in CENSORED_TIMES.values())}
    sub = frame[frame["kpi"].isin(names)]
    if sub.empty:
        return censored_frame([], np.zeros((0, 0)), confidence, keys[:-1])
    rep = sub["replication"] if "replication" in sub.columns else sub.groupby(keys, sort=False).cumcount()
    wide = sub.assign(_rep=rep.to_numpy()).set_index([*keys, "_rep"])["value"].unstack("_rep").sort_index(axis=1)
    order = [tuple(k) for k in labels[keys].itertuples(index=False, name=None) if k[-1] in names]
    wide = wide.reindex(pd.MultiIndex.from_tuples(order, names=keys))
    return censored_frame(order, wide.to_numpy(dtype=float).T, confidence, keys[:-1])


def _wide(kpis: pd.DataFrame) -> pd.DataFrame:
    """Wide view of a long KPI table: index (node, sku, kpi) in order of first appearance, one column per
    replication (sorted)."""
    keyed = kpis.set_index([*KEYS, "replication"])["value"]
    if keyed.index.has_duplicates:
        raise ArgumentError("batches: compare(): a KPI table has several values for one (node, sku, kpi, replication)")
    wide = keyed.unstack("replication").sort_index(axis=1)
    order = pd.MultiIndex.from_frame(kpis[list(KEYS)].drop_duplicates())
    return wide.reindex(order)


def _as_wide(item: Batch | pd.DataFrame) -> tuple[str, pd.DataFrame]:
    if isinstance(item, pd.DataFrame):
        variants = item["variant"].unique() if "variant" in item.columns else ["?"]
        if len(variants) != 1:
            raise ArgumentError(f"batches: compare() takes one variant per KPI table, got {list(variants)}")
        return str(variants[0]), _wide(item)
    index = pd.MultiIndex.from_tuples(item.kpi_index, names=list(KEYS))
    return item.variant, pd.DataFrame(item.values.T, index=index, columns=pd.Index(item.replications))


def _base_seed(item: Batch | pd.DataFrame) -> str | None:
    """``mc.seed`` of a batch, or the ``<mc.seed>`` part of a KPI table's ``seed`` column (``"<mc.seed>/<i>"``)."""
    if not isinstance(item, pd.DataFrame):
        return str(item.mc.seed)
    if "seed" not in item.columns or item.empty:
        return None
    bases = {str(s).partition("/")[0] for s in item["seed"].unique()}
    return bases.pop() if len(bases) == 1 else None


def compare(batches: Sequence[Batch | pd.DataFrame], confidence: float | None = None) -> pd.DataFrame:
    """Paired comparison of variants against the first one (the baseline).

    For each variant and KPI row: the variant's own mean and t-CI, and the mean and t-CI of the per-replication
    difference ``variant - baseline``, pairing replications by index (inner join on ``replication``; pairs where
    either value is NaN are dropped; ``n_pairs`` counts the rest). With common random numbers (same ``mc.seed``)
    the pairs share demand and transit draws, so the paired CI is much narrower than an unpaired one. The baseline's
    own rows have a difference of 0.

    ``batches`` are :class:`~sim.experiment.batch.Batch` or long KPI tables (one variant each); ``confidence`` defaults
    to the first batch's ``mc.confidence`` (0.95 for tables).
    """
    batches = _check_batches(batches)
    if not batches:
        raise ArgumentError("batches: compare() needs at least one batch (a Batch or a KPI table); got none")
    if confidence is None:
        first = batches[0]
        confidence = 0.95 if isinstance(first, pd.DataFrame) else first.mc.confidence
    confidence = fraction("confidence", confidence)
    tables = [_as_wide(b) for b in batches]
    names = [v for v, _ in tables]
    dupes = sorted({v for v in names if names.count(v) > 1})
    if dupes:
        raise ArgumentError(f"batches: compare() needs distinct variant names, got {names} (duplicates: {dupes})")
    seeds = {s for b in batches if (s := _base_seed(b)) is not None}
    if len(seeds) > 1:
        warnings.warn(
            f"compare(): batches use different mc.seed values {sorted(seeds)}; replications are still paired "
            "by index, but without common random numbers the paired CI is no narrower than an unpaired one",
            stacklevel=2,
        )
    base = tables[0][1]
    rows = []
    for variant, wide in tables:
        kpi_names = wide.index.get_level_values("kpi").tolist()
        own = describe_rows(wide.to_numpy(dtype=float), confidence, kpi_bounds(kpi_names))
        common = wide.columns.intersection(base.columns)
        paired_base = base.reindex(index=wide.index, columns=common).to_numpy(dtype=float)
        diff = describe_rows(
            wide[common].to_numpy(dtype=float) - paired_base, confidence, kpi_bounds(kpi_names, difference=True)
        )
        frame = wide.index.to_frame(index=False)
        frame.insert(0, "variant", variant)
        for k in ("mean", "ci_low", "ci_high"):
            frame[k] = own[k]
        for k in ("mean", "ci_low", "ci_high"):
            frame[f"diff_{k}"] = diff[k]
        frame["n_pairs"] = diff["n"]
        if variant == names[0]:  # exactly 0 (not -0.0 or NaN) so the baseline reads as the reference
            defined = frame["n_pairs"] > 0
            for k in ("diff_mean", "diff_ci_low", "diff_ci_high"):
                frame[k] = np.where(defined, 0.0, np.nan)
        rows.append(frame)
    out = pd.concat(rows, ignore_index=True)
    return out[COMPARISON_COLUMNS]
