"""Distributions and demand processes: sample moments against the analytic ``mean``/``var`` they advertise.

With n independent draws the sample mean has standard error sqrt(var/n), and the sample variance has standard error
sqrt((μ4 - σ⁴)/n) (μ4 the fourth central moment, estimated from the sample). Every check is at 4 standard errors.
"""

from __future__ import annotations

import math
import re
import zlib

import numpy as np
import pytest
import yaml
from scipy import integrate, stats

from sim.errors import ScenarioError
from sim.experiment.replication import simulate
from sim.scenario.demand import DemandSpec
from sim.scenario.distributions import DISTRIBUTIONS, Dist
from tests.conftest import run, single_stage

Z = 4.0
N = 200_000

CASES = {
    "constant": [{"value": 3.5}, {"value": 0}],
    "poisson": [{"mean": 4.0}, {"mean": 0.3}],
    "normal": [{"mean": 10.0, "sd": 2.0}, {"mean": 1.0, "sd": 2.0}, {"mean": 0.0, "sd": 1.0}, {"mean": -1, "sd": 1}],
    "lognormal": [{"mean": 5.0, "sd": 2.0}, {"mean": 1.0, "sd": 0.0}],
    "gamma": [{"mean": 5.0, "sd": 2.0}, {"mean": 1.0, "sd": 3.0}],
    "negative_binomial": [{"mean": 4.0, "variance": 10.0}, {"mean": 2.5, "variance": 2.6}],
    "uniform": [{"low": 1.0, "high": 4.0}, {"low": 2.0, "high": 2.0}],
    "triangular": [{"low": 1.0, "mode": 2.0, "high": 6.0}, {"low": 0.0, "mode": 0.0, "high": 1.0}],
    "exponential": [{"mean": 3.0}],
    "discrete": [{"values": [0, 1, 5], "probs": [0.2, 0.5, 0.3]}],
}


def test_every_registered_distribution_is_covered() -> None:
    assert sorted(CASES) == list(DISTRIBUTIONS)


def _moments_match(x: np.ndarray, mean: float, var: float, what: str) -> None:
    n = x.size
    m, v = float(x.mean()), float(x.var(ddof=1))
    se_mean = math.sqrt(var / n)
    mu4 = float(((x - m) ** 4).mean())
    se_var = math.sqrt(max(mu4 - v * v, 0.0) / n)
    assert abs(m - mean) <= Z * se_mean + 1e-12, f"{what}: sample mean {m} vs {mean} (SE {se_mean:.2g})"
    assert abs(v - var) <= Z * se_var + 1e-12, f"{what}: sample variance {v} vs {var} (SE {se_var:.2g})"


@pytest.mark.parametrize(("name", "params"), [(n, p) for n, ps in CASES.items() for p in ps])
def test_sample_moments_match_analytic(name: str, params: dict) -> None:
    d = Dist(dist=name, **params)
    x = d.draw(np.random.default_rng(zlib.crc32(f"{name}{params}".encode())), N)
    assert x.shape == (N,) and x.dtype == float
    assert (x >= 0).all(), "quantities and durations are never negative"
    _moments_match(x, d.mean, d.var, f"{name} {params}")
    # the block sampler used in the event loop draws from the same distribution
    sampler = d.sampler(np.random.default_rng(7))
    y = np.array([sampler() for _ in range(20_000)])
    _moments_match(y, d.mean, d.var, f"{name} {params} (sampler)")


@pytest.mark.parametrize(("mu", "sd"), [(1.0, 2.0), (0.0, 1.0), (-1.0, 1.0), (10.0, 2.0), (3.0, 0.0), (-2.0, 0.0)])
def test_censored_normal_moments_by_integration(mu: float, sd: float) -> None:
    """``normal`` is max(X, 0) with X ~ N(μ, σ²): its analytic moments equal the integrals ∫ x^k φ over x > 0."""
    d = Dist(dist="normal", mean=mu, sd=sd)
    if sd == 0:
        assert d.mean == max(mu, 0.0) and d.var == 0.0
        return
    pdf = stats.norm(mu, sd).pdf
    m1 = integrate.quad(lambda x: x * pdf(x), 0, np.inf)[0]
    m2 = integrate.quad(lambda x: x * x * pdf(x), 0, np.inf)[0]
    assert d.mean == pytest.approx(m1, rel=1e-7, abs=1e-10)
    assert d.var == pytest.approx(m2 - m1 * m1, rel=1e-7, abs=1e-10)


def test_unknown_distribution_lists_the_known_ones() -> None:
    with pytest.raises(ValueError, match="unknown distribution 'weibull'; known: constant, discrete, exponential"):
        Dist(dist="weibull", k=2)


# ------------------------------------------------------------------------------------------------------------
# Demand processes: per-period demand seen in a run


@pytest.mark.parametrize(
    "spec",
    [
        {"kind": "poisson_process", "rate": 3.0},
        {"kind": "poisson_process", "rate": 1.5, "size": {"dist": "discrete", "values": [1, 4], "probs": [0.5, 0.5]}},
        {"dist": "gamma", "mean": 8.0, "sd": 3.0},
        {"kind": "empirical", "values": [3, 0, 7, 2]},
    ],
)
def test_demand_per_period_matches_spec_moments(spec: dict) -> None:
    """Per-period demand in a run (time series) has the process's mean and variance (compound Poisson: λE[size²]).
    Periods are independent for these processes (the empirical series is a fixed cycle: exact moments)."""
    horizon = 20_000
    res = run(single_stage({"kind": "base_stock", "level": 50}, spec, horizon=horizon), seed=3)
    x = np.asarray(res.timeseries["demand"][res.timeseries.node == "r"], dtype=float)
    d = DemandSpec.model_validate(spec)
    if spec.get("kind") == "empirical":
        assert x.mean() == pytest.approx(d.mean) and x.var() == pytest.approx(d.var)
    else:
        _moments_match(x, d.mean, d.var, f"demand {spec}")


def test_empirical_demand_repeats_in_order() -> None:
    res = run(single_stage({"kind": "base_stock", "level": 50}, {"kind": "empirical", "values": [3, 0, 7]}, horizon=8))
    assert res.timeseries["demand"].tolist() == [3, 0, 7, 3, 0, 7, 3, 0]


def test_empirical_demand_from_csv(tmp_path) -> None:
    """A CSV column, read relative to the scenario file; a missing column names the available ones."""
    (tmp_path / "sales.csv").write_text("day,units\n0,4\n1,6\n2,5\n", encoding="utf-8")
    data = single_stage({"kind": "base_stock", "level": 50}, {"kind": "empirical", "file": "sales.csv"}, horizon=4)
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    assert run_path(path).timeseries["demand"].tolist() == [4, 6, 5, 4]
    data["nodes"][1]["demand"]["w"]["column"] = "qty"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(ScenarioError, match=re.escape("column 'qty' not in sales.csv; columns: day, units")):
        run_path(path)


def run_path(path):
    return simulate(str(path), seed=0)
