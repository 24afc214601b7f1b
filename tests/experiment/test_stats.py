"""Summary statistics and paired comparison on synthetic data, checked against independent numpy/scipy
computations."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats as st

from sim.experiment.stats import SERIES_METRICS, bands, compare, describe_rows, nanpercentiles, summarize, t_halfwidth


def long_table(values: dict[tuple[str, str, str], np.ndarray], variant: str = "v") -> pd.DataFrame:
    """Long KPI table from {(node, sku, kpi): values by replication}."""
    rows = [
        {"scenario": "s", "variant": variant, "replication": i, "node": n, "sku": s, "kpi": k, "value": float(v)}
        for (n, s, k), vals in values.items()
        for i, v in enumerate(vals)
    ]
    return pd.DataFrame(rows)


def test_t_interval_matches_scipy_on_normal_data():
    rng = np.random.default_rng(1)
    x = rng.normal(10.0, 2.0, size=37)
    out = summarize(long_table({("ALL", "ALL", "cost"): x}), confidence=0.9).iloc[0]
    lo, hi = st.t.interval(0.9, df=len(x) - 1, loc=x.mean(), scale=st.sem(x))
    assert out["n"] == 37
    assert out["mean"] == pytest.approx(x.mean(), rel=1e-12)
    assert out["std"] == pytest.approx(x.std(ddof=1), rel=1e-12)
    assert (out["ci_low"], out["ci_high"]) == pytest.approx((lo, hi), rel=1e-12)
    assert [out["p05"], out["p50"], out["p95"]] == pytest.approx(np.percentile(x, [5, 50, 95]), rel=1e-12)
    assert t_halfwidth(x.std(ddof=1), 37, 0.9) == pytest.approx((hi - lo) / 2, rel=1e-12)


def test_t_interval_coverage_small_samples():
    """4000 samples of n=8 from N(3, 1): the 95 % t-CI covers 3 about 95 % of the time (a z-interval would cover
    about 92 %, more than 4 standard errors lower)."""
    rng = np.random.default_rng(2024)
    x = rng.normal(3.0, 1.0, size=(4000, 8))
    s = describe_rows(x, 0.95)
    coverage = np.mean((s["ci_low"] <= 3.0) & (s["ci_high"] >= 3.0))
    assert 0.94 <= coverage <= 0.96


def test_nan_aware():
    x = np.array([[1.0, np.nan, 3.0, 5.0], [np.nan] * 4, [np.nan, 2.0, np.nan, np.nan]])
    s = describe_rows(x, 0.95)
    assert s["n"].tolist() == [3, 0, 1]
    assert s["mean"][0] == pytest.approx(3.0)
    assert s["std"][0] == pytest.approx(2.0)
    assert (s["ci_low"][0], s["ci_high"][0]) == pytest.approx(st.t.interval(0.95, 2, loc=3.0, scale=2 / np.sqrt(3)))
    assert s["p50"][0] == 3.0
    assert np.isnan([s[k][1] for k in ("mean", "std", "ci_low", "p05")]).all()
    assert s["mean"][2] == 2.0 and np.isnan(s["std"][2]) and np.isnan(s["ci_low"][2])


def test_summarize_is_row_order_independent_and_handles_ragged_groups():
    rng = np.random.default_rng(5)
    table = long_table({("a", "x", "k1"): rng.normal(size=20), ("b", "x", "k1"): rng.normal(size=20)})
    ragged = pd.concat([table, long_table({("c", "x", "k2"): rng.normal(size=7)})], ignore_index=True)
    ref = summarize(ragged)
    shuffled = summarize(ragged.sample(frac=1.0, random_state=3))
    assert ref[["node", "kpi", "n"]].values.tolist() == [["a", "k1", 20], ["b", "k1", 20], ["c", "k2", 7]]
    pd.testing.assert_frame_equal(
        ref.sort_values("node", ignore_index=True), shuffled.sort_values("node", ignore_index=True), check_exact=True
    )
    c = ragged[ragged.node == "c"].value.to_numpy()
    assert ref.iloc[2]["ci_high"] == pytest.approx(c.mean() + st.t.ppf(0.975, 6) * c.std(ddof=1) / np.sqrt(7))


def test_summarize_rejects_bad_input():
    with pytest.raises(ValueError, match="confidence"):
        summarize(long_table({("a", "x", "k"): np.ones(3)}), confidence=1.0)
    with pytest.raises(ValueError, match="missing: value"):
        summarize(pd.DataFrame({"node": [], "sku": [], "kpi": []}))


def test_compare_paired_differences_by_hand():
    base = long_table({("ALL", "ALL", "cost"): np.array([10.0, 12.0, 11.0, 15.0, np.nan])}, "base")
    alt_vals = np.array([9.0, 11.5, 10.0, 13.0, 8.0, 99.0])  # replication 5 has no partner, 4 pairs with NaN
    alt = long_table({("ALL", "ALL", "cost"): alt_vals}, "alt")
    out = compare([base, alt], confidence=0.95).set_index("variant")
    d = np.array([-1.0, -0.5, -1.0, -2.0])
    lo, hi = st.t.interval(0.95, 3, loc=d.mean(), scale=d.std(ddof=1) / 2)
    assert out.loc["alt", "n_pairs"] == 4
    assert out.loc["alt", "diff_mean"] == pytest.approx(d.mean())
    assert (out.loc["alt", "diff_ci_low"], out.loc["alt", "diff_ci_high"]) == pytest.approx((lo, hi))
    assert out.loc["alt", "mean"] == pytest.approx(alt_vals.mean())  # the variant's own mean uses all its values
    assert out.loc["base", ["diff_mean", "diff_ci_low", "diff_ci_high"]].tolist() == [0.0, 0.0, 0.0]
    assert out.loc["base", "n_pairs"] == 4
    assert list(out.reset_index().columns) == [
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


def test_compare_needs_distinct_variants():
    t = long_table({("ALL", "ALL", "cost"): np.ones(3)}, "same")
    with pytest.raises(ValueError, match="distinct"):
        compare([t, t])


def test_bands_nan_aware_percentiles():
    layout = (np.array(["n", "n"], dtype=object), np.array(["s", "s"], dtype=object), np.array([0, 1]))
    series = np.zeros((4, len(SERIES_METRICS), 2))
    series[:, 0, 0] = [1.0, 2.0, 3.0, 4.0]  # on_hand at t=0
    series[:, -1, 1] = [np.nan, 0.5, np.nan, 1.0]  # fill rate at t=1: two periods without demand
    series[:, -1, 0] = np.nan  # no demand at t=0 anywhere
    out = bands("v", series, layout).set_index(["metric", "t"])
    assert out.loc[("on_hand", 0), ["p05", "p50", "p95"]].tolist() == pytest.approx(
        np.percentile([1, 2, 3, 4], [5, 50, 95])
    )
    assert out.loc[("fill_rate", 1), "p50"] == pytest.approx(0.75)
    assert np.isnan(out.loc[("fill_rate", 0), "p50"])
    assert bands("v", None, None).empty


def test_compare_warns_without_common_random_numbers():
    a = long_table({("ALL", "ALL", "cost"): np.arange(4.0)}, "a").assign(
        seed=lambda t: [f"0/{i}" for i in t.replication]
    )
    b = long_table({("ALL", "ALL", "cost"): np.arange(4.0)}, "b").assign(
        seed=lambda t: [f"1/{i}" for i in t.replication]
    )
    with pytest.warns(UserWarning, match="different mc.seed"):
        compare([a, b])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        compare([a, b.assign(seed=a.seed)])


def test_nanpercentiles_equal_numpy():
    rng = np.random.default_rng(11)
    x = rng.normal(size=(40, 3, 200)) * 7
    x[rng.random(x.shape) < 0.3] = np.nan
    x[:, 1, 5] = np.nan  # an all-NaN slice
    q = [0, 5, 12.5, 50, 95, 100]
    for axis in (0, 2):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            expected = np.nanpercentile(x, q, axis=axis)
        np.testing.assert_array_equal(nanpercentiles(x, q, axis=axis), expected)


def test_intervals_stay_inside_the_kpi_range():
    """Two replications of a fill rate near 100 % and a count near 0: the t-interval would leave [0, 1] and go below
    0 (the issue's ``99.4% [97.5%, 101.4%]`` and ``26 [-50, 102]``); summaries clip it to the catalogue's bounds."""
    from sim.experiment.stats import summarize

    kpis = pd.DataFrame(
        {
            "replication": [0, 1, 0, 1, 0, 1],
            "node": ["ALL"] * 6,
            "sku": ["ALL"] * 6,
            "kpi": ["fill_rate", "fill_rate", "lost_sales", "lost_sales", "made_up", "made_up"],
            "value": [0.988, 1.0, 0.0, 52.0, 0.0, 52.0],
        }
    )
    s = summarize(kpis).set_index("kpi")
    assert s.loc["fill_rate", "ci_high"] == 1.0 and s.loc["fill_rate", "ci_low"] < 0.988
    assert s.loc["lost_sales", "ci_low"] == 0.0 and s.loc["lost_sales", "ci_high"] > 52
    assert s.loc["made_up", "ci_low"] < 0  # not in the catalogue: no bounds to clip to
    assert (s["ci_low"] <= s["mean"]).all() and (s["mean"] <= s["ci_high"]).all()


def test_batch_summary_and_comparison_clip_intervals():
    """The batch summary clips like summarize(); a paired difference of shares stays within [-1, 1]."""
    from sim.experiment.batch import MCSettings, run_batch
    from sim.experiment.stats import compare, kpi_bounds

    b = run_batch("serial_chain", MCSettings(replications=2, seed=3, series_replications=0))
    s = b.summary
    lo, hi = kpi_bounds(s["kpi"].tolist())
    ok = s["ci_low"].isna() | ((s["ci_low"] >= lo) & (s["ci_high"] <= hi))
    assert ok.all()
    other = run_batch("serial_chain", MCSettings(replications=2, seed=3, series_replications=0), variant="again")
    c = compare([b, other])
    lo, hi = kpi_bounds(c["kpi"].tolist(), difference=True)
    assert ((c["diff_ci_low"].isna()) | (c["diff_ci_low"] >= lo)).all()
    assert kpi_bounds(["fill_rate"], difference=True) == (np.array([-1.0]), np.array([1.0]))


def test_too_few_replications_caveat():
    from sim.experiment.stats import too_few

    assert "only 2 replications" in too_few(2)
    assert too_few(1).startswith("1 replication")
    assert too_few(10) is None and too_few(float("nan")) is None
