"""The Kaplan–Meier estimator, its median and the Brookmeyer–Crowley interval against hand arithmetic, and the
censored-time rows of a batch summary."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.experiment.survival_stats import censored_rows, kaplan_meier, km_summary

Z95 = 1.959963984540054


def test_kaplan_meier_by_hand_on_a_censored_sample():
    """Eight replications: events at 2, 3, 5, 8; censored at 3, 6, 9, 10 (a censored 3 is still at risk at 3).

    | t | at risk | events | S(t)                 | Greenwood sum            |
    |---|---------|--------|----------------------|--------------------------|
    | 2 | 8       | 1      | 7/8 = 0.875          | 1/56                     |
    | 3 | 7       | 1      | 0.875 × 6/7 = 0.75   | 1/56 + 1/42 = 1/24       |
    | 5 | 5       | 1      | 0.75 × 4/5 = 0.6     | 1/24 + 1/20 = 11/120     |
    | 8 | 3       | 1      | 0.6 × 2/3 = 0.4      | 11/120 + 1/6 = 31/120    |
    """
    km = kaplan_meier([2, 3, 3, 5, 6, 8, 9, 10], [0, 0, 1, 0, 1, 0, 1, 1])
    assert km.n == 8
    assert km.times.tolist() == [2, 3, 5, 8]
    assert km.at_risk.tolist() == [8, 7, 5, 3]
    assert km.events.tolist() == [1, 1, 1, 1]
    assert km.survival == pytest.approx([0.875, 0.75, 0.6, 0.4])
    greenwood = np.array([1 / 56, 1 / 24, 11 / 120, 31 / 120])
    assert km.se == pytest.approx(np.array([0.875, 0.75, 0.6, 0.4]) * np.sqrt(greenwood))
    median, low, high = km.median(0.95)
    # median: the first S <= 0.5 is at 8; lower edge S - z se: 0.875 - 0.229 = 0.646 at 2, 0.75 - 0.300 = 0.450 at 3
    # (<= 0.5); upper edge S + z se at 8: 0.4 + 1.96 × 0.2033 = 0.798 > 0.5, never below: not reached
    assert (median, low, high) == (8.0, 3.0, math.inf)
    assert 0.75 - Z95 * 0.75 * math.sqrt(1 / 24) <= 0.5 < 0.875 - Z95 * 0.875 * math.sqrt(1 / 56)


def test_uncensored_sample_gives_the_binomial_variance_and_a_finite_interval():
    """Ten events at 1..10, none censored: S(k) = (10 - k)/10 and Greenwood = S(1 - S)/n (the binomial variance).
    Median 5 (S = 0.5); lower edge at 3: 0.7 - 1.96 √(0.021) = 0.416 <= 0.5 (at 2: 0.552); upper edge at 8:
    0.2 + 1.96 √(0.016) = 0.448 <= 0.5 (at 7: 0.584). So 5 [3, 8]."""
    km = kaplan_meier(np.arange(1, 11), np.zeros(10))
    s = (10 - np.arange(1, 11)) / 10
    assert km.survival == pytest.approx(s)
    assert km.se == pytest.approx(np.sqrt(s * (1 - s) / 10))
    assert km.median(0.95) == (5.0, 3.0, 8.0)


def test_more_than_half_censored_median_not_reached_and_nan_dropped():
    """Two events out of five (the others censored at the end): S never reaches 0.5: median inf. NaN rows are left
    out (a replication where the row is undefined)."""
    km = kaplan_meier([4, 7, 20, 20, 20, np.nan], [0, 0, 1, 1, 1, 0])
    assert km.n == 5
    assert km.survival == pytest.approx([0.8, 0.6])
    assert km.median()[0] == math.inf
    row = km_summary(np.array([4, 7, 20, 20, 20.0]), np.array([0, 0, 1, 1, 1.0]), 0.95)
    assert row["mean"] == row["p50"] == math.inf and row["p05"] == 4 and row["n"] == 5 and math.isnan(row["std"])


def test_empty_sample_is_nan_with_n_zero():
    row = km_summary(np.array([np.nan]), np.array([np.nan]), 0.95)
    assert row["n"] == 0 and math.isnan(row["mean"]) and math.isnan(row["ci_low"])


def test_censored_rows_pair_each_time_with_its_indicator():
    """Rows (node, sku, kpi): the TTS row and its indicator give a KM row; a TTS row without an indicator does not."""
    index = [
        ("ALL", "ALL", "time_to_survive"),
        ("ALL", "ALL", "time_to_survive_censored"),
        ("r", "w", "time_to_survive"),
    ]
    values = np.array([[2.0, 0, 1], [10.0, 1, 1], [4.0, 0, 1]])  # replications x rows
    rows = censored_rows(index, values, 0.95)
    assert [(keys, name) for keys, name, _ in rows] == [(("ALL", "ALL"), "time_to_survive_km_median")]
    # events at 2 and 4, one censored at 10: S(2) = 2/3, S(4) = 1/3 -> median 4
    assert rows[0][2]["mean"] == 4 and rows[0][2]["n"] == 3
