"""Assemble-to-order against theory: base-stock components, deterministic lead times, Poisson demand (the family of
Song 1998, "On the order fill rate in a multi-item, base-stock inventory system", Operations Research 46(6)).

The system: plant p assembles ``fg`` from components i = 1..n, q_i of component i per unit, made to order (no
policy of its own), no production time, unlimited capacity; customers buy fg at p. Component i has a base stock S_i
and one supplier (no production time, unlimited) over a lane of constant transit L_i (integer periods).

**Song's model (continuous time).** Unit demands arrive as a Poisson process of rate λ; each component is reordered
one-for-one the instant it is demanded and arrives L_i later. A demand at τ is filled at once iff every component has
one unit free, i.e. the units of component i ordered in (τ − L_i, τ) are at most S_i − q_i:

    P(fill) = P( N(L_i) ≤ s_i − 1 for every i ),  s_i = ⌊S_i / q_i⌋,

with N(L) the arrivals in the last L periods: *nested* windows of one Poisson process (PASTA), not independent ones.

**The simulator's timing (docs/timing.md, docs/assembly.md).** With ``periodic`` Poisson demand, one customer a period
asks for D_t ~ Poisson(λ) units at the DEMAND instant of t. Being made to order, fg places a production order for
D_t before serving it; the plant books q_i D_t on each component (its demand, owed until the kit starts) and the base
stock reorders exactly that at once, arriving at t + L_i in the RECEIPT phase, before that period's demand. So at the
DEMAND instant of t, component i has received S_i + q_i Σ_{j ≤ t−L_i} D_j in all. Kits start first come first
served (one product: fifo), each as soon as the components are on hand, so t's kit starts at t iff, for every i, the
cumulative supply covers the cumulative requirement including D_t (which then covers every earlier order too):

    S_i + q_i Σ_{j ≤ t−L_i} D_j ≥ q_i Σ_{j ≤ t} D_j   ⟺   W_i := D_{t−L_i+1} + … + D_t ≤ s_i.

With no production time the output is on the shelf at once and t's customer is served on arrival; otherwise the
whole order waits (no partial kits). The windows W_i are nested and all contain D_t: sorted by lead time,
W_(k) = W_(k−1) + a Poisson(λ (L_(k) − L_(k−1))) of other periods, W_(1) = D_t + Poisson(λ (L_(1) − 1)). Exactly, for
every period t ≥ max L_i (so a warm-up of max L_i periods makes every counted period stationary):

* cycle service level (share of periods whose demand is all filled at once) = P(D_t = 0) + P(D_t ≥ 1, all W_i ≤ s_i);
* units filled at once per period = E[D_t 1{all W_i ≤ s_i}];
* production orders delayed by a missing component per period = P(D_t ≥ 1, not all W_i ≤ s_i).

Each is a finite nested sum over Poisson pmfs (:func:`nested`, no simulation). The unit fill rate meets Song's form
exactly: E[D 1{D + X ≤ s}] = λ P(D + X ≤ s − 1) for D ~ Poisson(λ) independent of X (size-biasing), so units filled
/ units demanded = P(Poisson(λ L_i) nested ≤ s_i − 1 for all i), Song's order fill rate with unit demands. The
per-customer probability (P(filled | D_t ≥ 1)) is the period-booked one and differs. With ``poisson_process`` demand
(unit customers in continuous time) the simulator is Song's model itself and its fill rate matches Song's formula.

The simulated values are means over independent replications with a 99.9 % Student-t interval (several checks per
test); each replication's value is a sum over its periods divided by the window (unbiased for the per-period
expectation). Per period the simulator's "served at once" is exactly the indicator of the windows' condition on the
realised demands (:func:`test_each_period_is_served_at_once_exactly_when_every_window_fits`, on every period); what
remains is the Monte Carlo error of the demand draws themselves. The product of the
windows' marginals (as if they were independent) is far outside the intervals: the joint form is needed.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from scipy import stats

from sim.experiment.replication import run_replication
from sim.scenario.sources import load_scenario
from tests.conftest import rep_seeds

LAMBDA = 1.0
HORIZON, WARMUP, REPS = 2500, 10, 30
LEVEL = 0.999  # each test makes several checks: each interval misses with probability 0.1 %
IDENTICAL = [(3, 1, 5), (3, 2, 9), (3, 1, 4)]  # (L_i, q_i, S_i): s = 5, 4, 4
DIFFERENT = [(1, 1, 3), (3, 2, 8), (6, 1, 8)]  # s = 3, 4, 8: every window binds sometimes


def nested(lam: float, comps: list[tuple[int, float, float]], *, first: int, shift: int, weight: int = 0) -> float:
    """Σ over the nested windows' values, exactly: E[D^weight 1{D ≥ first, W_(k) ≤ s_(k) − shift for all k}] where
    W_(1) = D + Poisson(λ (L_(1) − 1)) and W_(k) = W_(k−1) + Poisson(λ (L_(k) − L_(k−1))), D ~ Poisson(λ)."""
    comps = sorted(comps)
    limits = [int(np.floor(S / q + 1e-9)) - shift for _, q, S in comps]
    top = max(max(limits), 0)
    v = np.arange(top + 1)
    d = stats.poisson.pmf(v, lam) * v.astype(float) ** weight * (v >= first)
    g = np.convolve(d, stats.poisson.pmf(v, lam * (comps[0][0] - 1)))[: top + 1]
    g[v > limits[0]] = 0.0
    for (prev, _, _), (lead, _, _), limit in zip(comps, comps[1:], limits[1:], strict=False):
        g = np.convolve(g, stats.poisson.pmf(v, lam * (lead - prev)))[: top + 1]
        g[v > limit] = 0.0
    return float(g.sum())


def exact(comps: list[tuple[int, float, float]]) -> dict[str, float]:
    p0 = float(stats.poisson.pmf(0, LAMBDA))
    ok = nested(LAMBDA, comps, first=1, shift=0)
    return {
        "csl": p0 + ok,
        "filled": nested(LAMBDA, comps, first=1, shift=0, weight=1),
        "short": (1 - p0) - ok,
        "song": song(comps),
    }


def song(comps: list[tuple[int, float, float]]) -> float:
    """Song's continuous-time order fill rate, written independently of :func:`nested`: N(L_(1)) ~ Poisson(λ L_(1))
    and nested increments, each window's count ≤ s_(k) − 1 (the arriving unit excluded)."""
    comps = sorted(comps)
    limits = [int(np.floor(S / q + 1e-9)) - 1 for _, q, S in comps]
    v = np.arange(max(limits) + 1)
    g = stats.poisson.pmf(v, LAMBDA * comps[0][0])
    g[v > limits[0]] = 0.0
    for (prev, _, _), (lead, _, _), limit in zip(comps, comps[1:], limits[1:], strict=False):
        g = np.convolve(g, stats.poisson.pmf(v, LAMBDA * (lead - prev)))[: len(v)]
        g[v > limit] = 0.0
    return float(g.sum())


def scenario(comps: list[tuple[int, float, float]], continuous: bool) -> dict[str, Any]:
    nodes: list[dict[str, Any]] = [{"id": f"s{i}", "type": "supplier"} for i in range(len(comps))]
    demand = {"kind": "poisson_process", "rate": LAMBDA} if continuous else {"dist": "poisson", "mean": LAMBDA}
    nodes.append(
        {
            "id": "p",
            "type": "plant",
            "bom": {"fg": {f"c{i}": q for i, (_, q, _) in enumerate(comps)}},
            "make_to_order": True,
            "policy": {f"c{i}": {"kind": "base_stock", "level": S} for i, (_, _, S) in enumerate(comps)},
            "sources": {f"c{i}": [{"node": f"s{i}"}] for i in range(len(comps))},
            "demand": {"fg": demand},
        }
    )
    return {
        "name": "assemble_to_order",
        "horizon": HORIZON,
        "warmup": WARMUP,
        "products": [{"id": "fg"}, *({"id": f"c{i}"} for i in range(len(comps)))],
        "nodes": nodes,
        "lanes": [
            {"from": f"s{i}", "to": "p", "transit": {"dist": "constant", "value": L}}
            for i, (L, _, _) in enumerate(comps)
        ],
    }


def simulate(comps: list[tuple[int, float, float]], continuous: bool) -> dict[str, np.ndarray]:
    sc = load_scenario(scenario(comps, continuous))
    span = HORIZON - WARMUP
    out: dict[str, list[float]] = {"csl": [], "filled": [], "short": [], "fill_rate": []}
    for seed in rep_seeds(21, REPS):
        r = run_replication(sc, seed, timeseries=False)
        demand = r.kpi("demand", "p", "fg")
        out["csl"].append(r.kpi("cycle_service_level", "p", "fg"))
        out["filled"].append(r.kpi("fill_rate", "p", "fg") * demand / span)
        out["short"].append(r.kpi("kit_shortage_share", "p", "fg") * r.kpi("orders_placed", "p", "fg") / span)
        out["fill_rate"].append(r.kpi("fill_rate", "p", "fg"))
    return {k: np.asarray(v) for k, v in out.items()}


def interval(x: np.ndarray) -> tuple[float, float]:
    """(mean, half-width of the ``LEVEL`` Student-t interval)."""
    half = float(stats.t.ppf((1 + LEVEL) / 2, x.size - 1) * x.std(ddof=1) / np.sqrt(x.size))
    return float(x.mean()), half


def independent_windows(comps: list[tuple[int, float, float]]) -> float:
    """Song's fill rate as if the components' windows were independent: Π_i P(Poisson(λ L_i) ≤ s_i − 1) (wrong)."""
    return float(np.prod([stats.poisson.cdf(int(S / q + 1e-9) - 1, LAMBDA * L) for L, q, S in comps]))


def test_the_nested_sum_by_hand():
    """One component, L = 1, s = 1: csl = P(D ≤ 1) = e^-1 (1 + 1); two components with L = 1 and 2, s = 1 and 1:
    P(D_t ≤ 1, D_t + D_{t-1} ≤ 1) = e^-2 (1 + 2) (both 0, or one of the two is 1)."""
    assert exact([(1, 1, 1)])["csl"] == pytest.approx(2 * np.exp(-1))
    both = nested(LAMBDA, [(1, 1, 1), (2, 1, 1)], first=0, shift=0)
    assert both == pytest.approx(3 * np.exp(-2))
    # size-biasing: the units filled per period equal λ × Song's fill rate (two independent computations)
    for comps in (IDENTICAL, DIFFERENT):
        assert exact(comps)["filled"] == pytest.approx(LAMBDA * song(comps), rel=1e-12)
        assert nested(LAMBDA, comps, first=0, shift=1) == pytest.approx(song(comps), rel=1e-12)


@pytest.mark.slow
@pytest.mark.parametrize("comps", [IDENTICAL, DIFFERENT], ids=["identical_lead_times", "different_lead_times"])
def test_period_booked_assemble_to_order_matches_the_exact_joint_probability(comps):
    want = exact(comps)
    got = simulate(comps, continuous=False)
    for key in ("csl", "filled", "short"):
        mean, half = interval(got[key])
        assert abs(mean - want[key]) <= half, (key, mean, half, want[key])
    assert want["short"] > 0.1  # shortages happen: the test has something to measure
    mean, half = interval(got["filled"])
    assert abs(LAMBDA * independent_windows(comps) - mean) > 10 * half  # the joint form is needed


@pytest.mark.slow
@pytest.mark.parametrize("comps", [IDENTICAL, DIFFERENT], ids=["identical_lead_times", "different_lead_times"])
def test_unit_customers_in_continuous_time_match_songs_order_fill_rate(comps):
    want = exact(comps)["song"]
    got = simulate(comps, continuous=True)
    mean, half = interval(got["filled"] / LAMBDA)
    assert abs(mean - want) <= half, (mean, half, want)
    mean, half = interval(got["fill_rate"])
    assert abs(mean - want) <= half + 0.002  # the ratio of sums: its bias is O(1 / customers), far below 0.002


@pytest.mark.parametrize("comps", [IDENTICAL, DIFFERENT], ids=["identical_lead_times", "different_lead_times"])
def test_each_period_is_served_at_once_exactly_when_every_window_fits(comps):
    """The derivation, period by period on one replication: a period's customer is served on arrival iff
    D_{t−L_i+1} + … + D_t ≤ s_i for every component i (read from the realised demand series)."""
    data = scenario(comps, continuous=False)
    data["horizon"] = 600
    res = run_replication(load_scenario(data), 3)
    ts = res.timeseries
    fg = ts[(ts.node == "p") & (ts.sku == "fg")].sort_values("t")
    demand, filled = fg.demand.to_numpy(), fg.filled.to_numpy()
    limits = [(lead, int(np.floor(S / q + 1e-9))) for lead, q, S in comps]
    served = [
        all(demand[t - lead + 1 : t + 1].sum() <= s for lead, s in limits) for t in range(WARMUP, 600) if demand[t] > 0
    ]
    at_once = [demand[t] - filled[t] <= 1e-9 for t in range(WARMUP, 600) if demand[t] > 0]
    assert served == at_once and 0 < sum(served) < len(served)  # both outcomes occur
