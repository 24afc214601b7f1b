"""Variance ratios of items reviewed every R periods: totals over R-period blocks (sim.kpi.cycles, docs/bullwhip.md).

Per period, an item reviewed weekly orders on one day in seven, and its "bullwhip ratio" measured the calendar
(about 1 + (R − 1) μ² / σ²: 341 for Poisson demand of 57 a day passed on exactly). Over R-period blocks the ratio
measures amplification again, and Chen et al.'s closed form extends to R > 1 (derived below, checked by simulation).
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.experiment.replication import run_replication
from sim.kpi.cycles import block_variances, cycle_of, group_cycles
from tests.conftest import build, kpi_dict, mc_mean, rep_seeds, run, single_stage

Z = 4.0  # Monte Carlo standard errors, as in tests/model/test_bullwhip.py
RETURNS = {"kind": "forecast_order_up_to", "initial_forecast": 100, "negative_orders": "return"}  # Chen's setting


def assert_mc(values: list[float], theory: float, what: str) -> None:
    mean, se = mc_mean(values)
    print(f"{what}: simulated {mean:.5g} ± {se:.2g} (SE, n={len(values)}), theory {theory:.5g}")
    assert abs(mean - theory) <= Z * se, f"{what}: simulated {mean:.5g} ± {se:.2g} (SE), theory {theory:.5g}"


class _Policy:
    def __init__(self, review_period: float | None) -> None:
        self.review_period = review_period


def test_cycle_of_reads_whole_review_periods():
    """Continuous review, every period and non-integer periods count per period; R = 7 counts in weeks."""
    assert [cycle_of(_Policy(r)) for r in (None, 1, 1.0, 2.5, 7, 7.0)] == [1, 1, 1, 1, 7, 7]
    assert cycle_of(None) == 1


def test_group_cycles_take_the_least_common_multiple():
    """A node with weekly and fortnightly items: blocks of 14; weekly and 5-day items: 35; too long: per period."""
    got = group_cycles([7, 14, 5, 1, 997, 991], [(0,), (0, 1), (0, 2), (3,), (0, 3), (4, 5), ()])
    assert got.tolist() == [7, 14, 35, 1, 7, 1, 1]


def test_block_variances_by_hand():
    """Rows [1..8] with R = 2 (blocks 3, 7, 11, 15: variance 80/3) and R = 3 (6, 15; the 7, 8 left out: 81/2), and
    R = 1 the per-period variance (6)."""
    x = np.tile(np.arange(1.0, 9.0), (3, 1))
    got = block_variances(x, np.array([2, 3, 1]))
    assert got == pytest.approx([80 / 3, 81 / 2, 6.0])
    assert np.isnan(block_variances(x[:1, :5], np.array([3]))[0])  # one whole block: undefined


def test_weekly_order_up_to_passes_demand_on_by_hand():
    """Order-up-to reviewed every 2 periods, D = 1 3 6 2 0 4 5 5, starting at S: the orders at t = 0, 2, 4, 6 are
    0, D0 + D1, D2 + D3, D4 + D5 = 0, 4, 8, 4, and the demand per 2-period block is 4, 8, 4, 10. Block variances
    32/3 and 9: ratio 32/27 (per period it read (64/7) / 4.5 = 128/63, twice as large)."""
    demand = {"kind": "empirical", "values": [1, 3, 6, 2, 0, 4, 5, 5]}
    data = single_stage({"kind": "periodic_order_up_to", "review_period": 2, "order_up_to": 50}, demand, horizon=8)
    k = kpi_dict(run(data))
    assert k[("r", "w", "order_qty_var")] == pytest.approx(64 / 7)  # still per period
    assert k[("r", "w", "demand_var")] == pytest.approx(4.5)
    for row in (("r", "w"), ("r", "ALL")):
        assert k[(*row, "bullwhip_ratio")] == pytest.approx(32 / 27)
        assert k[(*row, "bullwhip_vs_consumer")] == pytest.approx(32 / 27)


def test_weekly_review_of_poisson_demand_is_no_amplification():
    """The issue's example: Poisson(57) a day, weekly order-up-to (orders = last week's demand). Per period the
    ratio would be about 1 + 6 × 57 = 343; over weeks it is 1 up to sampling noise."""
    policy = {"kind": "periodic_order_up_to", "review_period": 7, "order_up_to": 2000}
    data = single_stage(policy, {"dist": "poisson", "mean": 57}, horizon=7 * 300, warmup=70)
    got = [kpi_dict(run(data, s))[("r", "w", "bullwhip_ratio")] for s in rep_seeds(3, 6)]
    assert_mc(got, 1.0, "weekly order-up-to over weeks")


def chen_r(c: int, p: int, review: int) -> float:
    """Var(Q)/Var(D over R periods) for a p-period moving average reviewed every R periods, coverage c, fixed
    safety stock, excess returned. At a review at t the inventory position is S_{t−R} minus the demand of
    [t−R, t), so Q_t = Σ_[t−R, t) D + c (f_t − f_{t−R}), and f_t − f_{t−R} = (Σ_[t−p, t) D − Σ_[t−R−p, t−R) D) / p.
    p ≥ R: Q = (1 + c/p) Σ_[t−R, t) D − (c/p) Σ_[t−p−R, t−p) D (disjoint blocks of R periods), ratio
    1 + 2c/p + 2c²/p² (Chen's form with L = c). p < R: weights 1 + c/p on p periods, 1 on R − p, −c/p on p:
    Var = σ² (R + 2c + 2c²/p), ratio 1 + 2c/R + 2c²/(pR). Both: 1 + 2c/m + 2c²/(p m), m = max(p, R)."""
    m = max(p, review)
    return 1 + 2 * c / m + 2 * c**2 / (p * m)


def test_chen_r_reduces_to_chen_for_one_period_reviews():
    for c, p in [(1, 1), (3, 4), (5, 2)]:
        assert chen_r(c, p, 1) == pytest.approx(1 + 2 * c / p + 2 * c**2 / p**2)


@pytest.mark.parametrize(("lead", "p", "review"), [(2, 8, 4), (1, 3, 7), (0, 7, 7)])
def test_moving_average_reviewed_every_r_periods_matches_the_closed_form(lead, p, review):
    """I.i.d. normal demand, coverage c = lead + R: the simulated ratio over R-period blocks equals chen_r."""
    c = lead + review
    policy = {**RETURNS, "periods": p, "review_period": review, "safety_stock": 600}
    data = single_stage(policy, {"dist": "normal", "mean": 100, "sd": 10}, transit=lead, horizon=4000, warmup=60)
    data["nodes"][1]["initial_stock"] = {"w": 2000}
    sc = build(data)
    got = [run_replication(sc, s, timeseries=False).kpi("bullwhip_ratio", "r", "w") for s in rep_seeds(17, 16)]
    assert_mc(got, chen_r(c, p, review), f"MA bullwhip c={c} p={p} R={review}")
