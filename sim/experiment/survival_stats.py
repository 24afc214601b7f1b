"""Censored times in batch summaries: the Kaplan–Meier estimator, its median with a Brookmeyer–Crowley interval.

Time to survive and time to recover are *censored* in some replications: a service that never dropped within the run
survived at least ``H − s``; one not recovered by the end recovers after at least ``H − s`` (sim.kpi.resilience,
indicators ``time_to_survive_censored`` and ``time_to_recover_censored``). A plain mean either drops those
replications (biased down, and n shrinks without notice) or averages lower bounds. The Kaplan–Meier estimator uses
them for what they are:

    S(t) = Π_{t_j ≤ t} (1 − d_j / n_j)         t_j: distinct event times, d_j events at t_j, n_j at risk (time ≥ t_j;
                                               a replication censored at t_j is still at risk at t_j)
    Var S(t) = S(t)² Σ_{t_j ≤ t} d_j / (n_j (n_j − d_j))    (Greenwood; 0 where S(t) = 0)

The median is the first event time with S(t) ≤ 0.5 (``inf``: not reached, more than half never had the event
within the run); its interval (Brookmeyer & Crowley 1982) is the set of times where 0.5 lies inside the pointwise
band S(t) ± z·se(t): from the first time the band's lower edge is ≤ 0.5 to the first time its upper edge is ≤ 0.5
(``inf``: not reached). The 5th and 95th percentiles are read the same way (S(t) ≤ 0.95, S(t) ≤ 0.05).

Batch summaries carry them as rows ``time_to_survive_km_median`` and ``time_to_recover_km_median`` (docs/kpis.md):
``mean`` and ``p50`` hold the median, ``ci_low``/``ci_high`` its interval, ``p05``/``p95`` the KM percentiles,
``std`` is NaN, ``n`` counts the replications (events and censored), next to the ``*_censored`` rows whose mean is
the share censored. numpy and scipy only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats as st

# the censored times of the resilience block: KPI -> (its censoring indicator, its batch-summary median row)
CENSORED_TIMES = {
    "time_to_survive": ("time_to_survive_censored", "time_to_survive_km_median"),
    "time_to_recover": ("time_to_recover_censored", "time_to_recover_km_median"),
}


@dataclass(frozen=True)
class KaplanMeier:
    """The estimate at each distinct event time: ``times``, ``at_risk``, ``events``, ``survival`` S(t) and its
    Greenwood standard error ``se``; ``n`` observations in all."""

    times: np.ndarray
    at_risk: np.ndarray
    events: np.ndarray
    survival: np.ndarray
    se: np.ndarray
    n: int

    def quantile(self, q: float, curve: np.ndarray | None = None) -> float:
        """The first event time at which ``curve`` (default S) is ≤ 1 − q; ``inf`` if it never is."""
        s = self.survival if curve is None else curve
        hit = np.flatnonzero(s <= 1 - q + 1e-12)
        return float(self.times[hit[0]]) if hit.size else np.inf

    def median(self, confidence: float = 0.95) -> tuple[float, float, float]:
        """(median, ci_low, ci_high): the Brookmeyer–Crowley interval from the Greenwood band (module docstring)."""
        if self.n == 0:
            return np.nan, np.nan, np.nan
        z = float(st.norm.ppf((1 + confidence) / 2))
        low_band, high_band = self.survival - z * self.se, self.survival + z * self.se
        return self.quantile(0.5), self.quantile(0.5, low_band), self.quantile(0.5, high_band)


def kaplan_meier(times: Sequence[float] | np.ndarray, censored: Sequence[float] | np.ndarray) -> KaplanMeier:
    """The Kaplan–Meier estimate of observations ``times`` with ``censored`` flags (1: censored, the event came
    later; 0: the event happened at that time). NaN observations (time or flag) are left out."""
    t = np.asarray(times, dtype=float)
    c = np.asarray(censored, dtype=float)
    keep = ~(np.isnan(t) | np.isnan(c))
    t, event = t[keep], c[keep] < 0.5
    uniq, counts = np.unique(t[event], return_counts=True)
    at_risk = (t.size - np.searchsorted(np.sort(t), uniq, side="left")).astype(float)  # time >= t_j
    events = counts.astype(float)
    survival = np.cumprod(1 - events / at_risk) if uniq.size else np.zeros(0)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(at_risk > events, events / (at_risk * (at_risk - events)), 0.0)
    se = np.where(survival > 0, survival * np.sqrt(np.cumsum(terms)), 0.0)
    return KaplanMeier(uniq, at_risk, events, survival, se, int(t.size))


def km_summary(times: np.ndarray, censored: np.ndarray, confidence: float) -> dict[str, float]:
    """One batch-summary row of a censored time: the KM median in ``mean`` and ``p50``, its interval, the KM 5th
    and 95th percentiles, ``std`` NaN, ``n`` the observations."""
    km = kaplan_meier(times, censored)
    median, low, high = km.median(confidence)
    empty = km.n == 0
    return {
        "mean": median,
        "std": np.nan,
        "ci_low": low,
        "ci_high": high,
        "p05": np.nan if empty else km.quantile(0.05),
        "p50": median,
        "p95": np.nan if empty else km.quantile(0.95),
        "n": km.n,
    }


def censored_rows(
    index: Sequence[tuple[str, ...]], values: np.ndarray, confidence: float
) -> list[tuple[tuple[str, ...], str, dict[str, float]]]:
    """The KM rows of a summary: for every row key ``(*keys, kpi)`` of ``index`` whose KPI is a censored time and
    whose indicator row is in ``index`` too, ``(keys, median KPI name, statistics)``, in ``index`` order.
    ``values``: replications × rows (the rows of ``index``)."""
    where = {key: j for j, key in enumerate(index)}
    out = []
    for j, key in enumerate(index):
        *keys, kpi = key
        if kpi not in CENSORED_TIMES:
            continue
        flag, name = CENSORED_TIMES[kpi]
        k = where.get((*keys, flag))
        if k is not None:
            out.append((tuple(keys), name, km_summary(values[:, j], values[:, k], confidence)))
    return out
