"""Bullwhip dynamics: demand patterns, forecast-driven ordering against theory, the beer game, sharing and smoothing.

Theory checks follow tests/model/test_theory.py: R independent replications with batch seeds, the mean KPI within 4
Monte Carlo standard errors of the closed form. The paper's lead time L (the multiplier of the one-period forecast in
the order-up-to level) is the simulator's coverage c = lead time + review period (docs/bullwhip.md), so with a review
every period and lead time L_sim, L_paper = L_sim + 1.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import sim
from sim.errors import ScenarioError
from sim.experiment.replication import run_replication
from sim.model.network import SupplyChain
from sim.scenario.loading import validate
from sim.scenario.presets import apply_policy
from sim.scenario.sources import load_scenario
from tests.conftest import build, mc_mean, rep_seeds, single_stage

Z = 4.0
ECHELONS = ("retailer", "wholesaler", "distributor", "factory")
STERMAN = {"theta": 0.36, "alpha_s": 0.26, "beta": 0.34, "s_prime": 17}


def assert_mc(values: list[float], theory: float, what: str) -> None:
    mean, se = mc_mean(values)
    print(f"{what}: simulated {mean:.5g} ± {se:.2g} (SE, n={len(values)}), theory {theory:.5g}")
    assert abs(mean - theory) <= Z * se, f"{what}: simulated {mean:.5g} ± {se:.2g} (SE), theory {theory:.5g}"


def out_policy(**kw) -> dict:
    """Forecast order-up-to reviewing every period, fixed safety stock, excess returned (Chen et al.'s setting)."""
    return {"kind": "forecast_order_up_to", "initial_forecast": 100, "safety_stock": 300, "negative_orders": "return"}


def ratios(policy: dict, demand: dict, lead: int, reps: int = 16, horizon: int = 2000) -> list[float]:
    data = single_stage(policy, demand, transit=lead, horizon=horizon, warmup=40)
    data["nodes"][1]["initial_stock"] = {"w": 1000}
    sc = build(data)
    return [run_replication(sc, s, timeseries=False).kpi("bullwhip_ratio", "r", "w") for s in rep_seeds(11, reps)]


# -- demand patterns -------------------------------------------------------------------------------------------------


def series_of(spec: dict, horizon: int = 12, seed: int = 0) -> list[float]:
    data = single_stage({"kind": "base_stock", "level": 0}, spec, horizon=horizon)
    return run_replication(build(data), seed).timeseries["demand"].tolist()


def test_deterministic_patterns_are_exact():
    """Step, trend, promotion and indexed seasonality produce exactly their written levels (no noise)."""
    assert series_of({"kind": "step", "before": 4, "after": 8, "at": 4}, 8) == [4, 4, 4, 4, 8, 8, 8, 8]
    assert series_of({"kind": "trend", "base": 10, "slope": -3}, 6) == [10, 7, 4, 1, 0, 0]  # floored at 0
    promo = {"kind": "promotion", "base": 5, "dates": [1, 5], "multiplier": 3, "duration": 2}
    assert series_of(promo, 8) == [5, 15, 15, 5, 5, 15, 15, 5]
    assert series_of({"kind": "seasonal", "base": 10, "indices": [0.5, 1.5, 1.0]}, 6) == [5, 15, 10, 5, 15, 10]
    sine = series_of({"kind": "seasonal", "base": 10, "season_length": 4, "amplitude": 2}, 4)
    assert sine == pytest.approx([10, 12, 10, 8])


def test_noise_and_integer_rounding():
    """noise_sd adds zero-mean normal noise; integer: true rounds to whole units; same seed, same series."""
    spec = {"kind": "step", "before": 50, "after": 50, "at": 0, "noise_sd": 5, "integer": True}
    xs = np.array(series_of(spec, 4000))
    assert np.all(xs == np.rint(xs))
    assert abs(xs.mean() - 50) < 4 * 5 / math.sqrt(4000)
    assert xs.var() == pytest.approx(25 + 1 / 12, rel=0.1)  # rounding adds 1/12
    assert series_of(spec, 50, seed=3) == series_of(spec, 50, seed=3)


def test_ar1_moments():
    """AR(1) starts stationary: mean, variance sigma^2/(1 - phi^2) and lag-1 autocorrelation phi."""
    phi, sigma = 0.7, 4.0
    xs = np.array(series_of({"kind": "ar1", "mean": 100, "phi": phi, "sigma": sigma}, 20000))
    var = sigma**2 / (1 - phi**2)
    # the sample mean of an AR(1) has variance var (1 + phi) / (1 - phi) / n
    assert abs(xs.mean() - 100) < 4 * math.sqrt(var * (1 + phi) / (1 - phi) / xs.size)
    assert xs.var() == pytest.approx(var, rel=0.06)
    assert np.corrcoef(xs[1:], xs[:-1])[0, 1] == pytest.approx(phi, abs=0.02)


@pytest.mark.parametrize(
    ("spec", "field"),
    [
        ({"kind": "ar1", "mean": 10, "phi": 1.2, "sigma": 1}, "phi"),
        ({"kind": "seasonal", "base": 10}, "season_length"),
        ({"kind": "step", "before": 4, "after": 8}, "at"),
        ({"kind": "promotion", "base": 4, "dates": [-1], "multiplier": 2}, "dates"),
    ],
)
def test_bad_demand_parameters_name_the_field(spec, field):
    with pytest.raises(ScenarioError, match=field):
        build(single_stage({"kind": "base_stock", "level": 1}, spec))


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"negative_orders": "refund"}, "negative_orders.*'truncate' or 'return'"),
        ({"forecast": "arima"}, "forecast.*'moving_average', 'exponential_smoothing' or 'holt'"),
        ({"information": "pos"}, "information.*'local' or 'shared'"),
        ({"beta": 0}, "beta"),
        ({"periods": 0}, "periods"),
    ],
)
def test_bad_policy_parameters_name_the_field_and_allowed_values(params, expected):
    with pytest.raises(ScenarioError, match=expected):
        build(single_stage({"kind": "forecast_order_up_to", **params}, {"dist": "poisson", "mean": 3}))
    with pytest.raises(ScenarioError, match="theta"):
        build(single_stage({"kind": "sterman", "theta": 1.5}, {"dist": "poisson", "mean": 3}))


# -- order-up-to with a moving average: hand trace and Chen et al. (2000) --------------------------------------------


def trace(negative_orders: str) -> dict[str, list[float]]:
    demand = {"kind": "empirical", "values": [10, 14, 8, 12, 16, 2, 9]}
    policy = {
        "kind": "forecast_order_up_to",
        "periods": 2,
        "initial_forecast": 10,
        "safety_stock": 5,
        "negative_orders": negative_orders,
    }
    data = single_stage(policy, demand, transit=1, horizon=7)
    data["nodes"][1]["initial_stock"] = {"w": 25}
    ts = run_replication(build(data), 0).timeseries
    return {k: ts[k].tolist() for k in ("orders", "on_hand", "backorders")}


def test_moving_average_hand_trace():
    """p = 2, transit 1 (coverage c = 2), SS = 5, initial forecast 10, start with 25 on hand; D = 10 14 8 12 16 2 9.

    At the review of t the forecast is the mean of D_{t-1}, D_{t-2} (unseen periods count as 10), S_t = 2 f + 5 and
    the order is S_t - IP (IP before demand of t; orders arrive after one period, before that period's demand):

    | t | f  | S  | IP before | order | on hand end (receipt, demand)     |
    |---|----|----|-----------|-------|-----------------------------------|
    | 0 | 10 | 25 | 25        | 0     | 25 - 10 = 15                      |
    | 1 | 10 | 25 | 15        | 10    | 15 - 14 = 1                       |
    | 2 | 12 | 29 | 11        | 18    | 1 + 10 - 8 = 3                    |
    | 3 | 11 | 27 | 21        | 6     | 3 + 18 - 12 = 9                   |
    | 4 | 10 | 25 | 15        | 10    | 9 + 6 - 16: 0, 1 backordered      |
    | 5 | 14 | 33 | 9         | 24    | +10 pays 1, 9 - 2 = 7             |
    | 6 | 9  | 23 | 31        | -8    | 7 + 24 - 8 returned - 9 = 14      |
    """
    ret = trace("return")
    assert ret["orders"] == [0, 10, 18, 6, 10, 24, -8]
    assert ret["on_hand"] == [15, 1, 3, 9, 0, 7, 14]
    assert ret["backorders"] == [0, 0, 0, 0, 1, 0, 0]
    cut = trace("truncate")
    assert cut["orders"] == [0, 10, 18, 6, 10, 24, 0]
    assert cut["on_hand"][-1] == 22  # nothing returned: 7 + 24 - 9


@pytest.mark.parametrize(("lead", "p"), [(0, 1), (1, 2), (2, 4), (4, 3)])
def test_moving_average_bullwhip_matches_chen(lead, p):
    """I.i.d. normal demand, fixed safety stock, excess returned: Var(q)/Var(D) = 1 + 2L/p + 2L^2/p^2 exactly, with
    the paper's L = lead + 1 (q_t = D_{t-1} + (L/p)(D_{t-1} - D_{t-1-p}))."""
    big_l = lead + 1
    theory = 1 + 2 * big_l / p + 2 * big_l**2 / p**2
    got = ratios({**out_policy(), "periods": p}, {"dist": "normal", "mean": 100, "sd": 10}, lead)
    assert_mc(got, theory, f"MA bullwhip L={big_l} p={p}")


def test_truncated_orders_fall_below_chen():
    """Same setting with large swings (sd 30, L = 4, p = 1: q_t = 5 D_{t-1} - 4 D_{t-2} is often negative): with the
    excess returned the formula holds; truncating negative orders to 0 makes the ratio clearly smaller."""
    demand = {"dist": "normal", "mean": 100, "sd": 30}
    theory = 1 + 2 * 4 + 2 * 16  # 41
    returned = ratios({**out_policy(), "periods": 1}, demand, 3, reps=12)
    assert_mc(returned, theory, "returned")
    truncated = ratios({**out_policy(), "periods": 1, "negative_orders": "truncate"}, demand, 3, reps=12)
    mean, se = mc_mean(truncated)
    print(f"truncated: {mean:.4g} ± {se:.2g} (SE) vs {theory}")
    assert 1 < mean < theory - 10 * se


# -- exponential smoothing: derived recursion ------------------------------------------------------------------------


def es_weights(c: float, alpha: float, n: int) -> np.ndarray:
    """Weights of D_{t-1}, D_{t-2}, ... in q_t. With f_t = a D_{t-1} + (1-a) f_{t-1}, S_t = c f_t + SS and returns,
    q_t = S_t - S_{t-1} + D_{t-1} = D_{t-1} + c a (D_{t-1} - f_{t-1}), and f_{t-1} = sum_k a (1-a)^k D_{t-2-k}:
    w_0 = 1 + c a,  w_k = -c a^2 (1-a)^(k-1) for k >= 1."""
    w = -c * alpha**2 * (1 - alpha) ** np.arange(n - 1)
    return np.concatenate([[1 + c * alpha], w])


def es_theory(c: float, alpha: float) -> float:
    """Var(q)/Var(D) = sum w_k^2 = (1 + c a)^2 + c^2 a^3 / (2 - a) = 1 + 2 c a + 2 c^2 a^2 / (2 - a)."""
    return 1 + 2 * c * alpha + 2 * c**2 * alpha**2 / (2 - alpha)


@pytest.mark.parametrize(("c", "alpha"), [(2, 0.3), (4, 0.1), (3, 0.9)])
def test_es_closed_form_equals_the_weight_series(c, alpha):
    """The algebra: the closed form equals the sum of squared weights (a check of the derivation)."""
    assert float(np.sum(es_weights(c, alpha, 5000) ** 2)) == pytest.approx(es_theory(c, alpha), rel=1e-12)


def test_es_impulse_response_is_the_derived_recursion():
    """Constant demand 100 with one extra unit at period 10: the simulated orders move by exactly w_0, w_1, ...
    one period later (the order reacts at the next review)."""
    alpha, lead = 0.4, 2  # c = 3
    values = [100.0] * 30
    values[10] = 101.0
    policy = {**out_policy(), "forecast": "exponential_smoothing", "alpha": alpha}
    data = single_stage(policy, {"kind": "empirical", "values": values}, transit=lead, horizon=30)
    data["nodes"][1]["initial_stock"] = {"w": 1000}
    orders = np.array(run_replication(build(data), 0).timeseries["orders"])
    response = orders[11:] - 100.0
    assert response == pytest.approx(es_weights(3, alpha, response.size), abs=1e-9)
    assert np.all(orders[1:11] == 100.0)


@pytest.mark.parametrize(("lead", "alpha"), [(1, 0.3), (3, 0.2)])
def test_es_bullwhip_matches_the_recursion(lead, alpha):
    """I.i.d. normal demand: simulated Var(q)/Var(D) equals 1 + 2 c a + 2 c^2 a^2 / (2 - a), c = lead + 1."""
    policy = {**out_policy(), "forecast": "exponential_smoothing", "alpha": alpha}
    got = ratios(policy, {"dist": "normal", "mean": 100, "sd": 10}, lead)
    assert_mc(got, es_theory(lead + 1, alpha), f"ES bullwhip c={lead + 1} a={alpha}")


@pytest.mark.parametrize(("lead", "p", "phi"), [(1, 2, 0.6), (2, 4, -0.4), (3, 3, 0.3)])
def test_ar1_factor(lead, p, phi):
    """AR(1) demand with correlation rho = phi: 1 + (2L/p + 2L^2/p^2)(1 - rho^p) (Chen et al. 2000)."""
    big_l = lead + 1
    theory = 1 + (2 * big_l / p + 2 * big_l**2 / p**2) * (1 - phi**p)
    got = ratios({**out_policy(), "periods": p}, {"kind": "ar1", "mean": 100, "phi": phi, "sigma": 8}, lead)
    assert_mc(got, theory, f"AR(1) L={big_l} p={p} phi={phi}")


def test_z_sigma_safety_stock_tracks_the_forecast_error():
    """safety: z_sigma uses z x RMS one-period error x sqrt(c); for a p-period moving average of i.i.d. demand the
    error variance is sigma^2 (1 + 1/p)."""
    policy = {"kind": "forecast_order_up_to", "periods": 4, "initial_forecast": 100, "safety": "z_sigma", "z": 2}
    policy["error_window"] = 400
    data = single_stage(policy, {"dist": "normal", "mean": 100, "sd": 10}, transit=2, horizon=3000)
    chain = SupplyChain(build(data), np.random.SeedSequence(5)).run()
    pol = chain.items["r", "w"].policy
    safety = pol.level - 3 * pol.forecaster.value
    assert safety == pytest.approx(2 * 10 * math.sqrt(1 + 1 / 4) * math.sqrt(3), rel=0.12)


def test_common_random_numbers_across_policies():
    """The demand a policy sees never depends on the policy; the same seed gives identical KPIs."""
    sc = load_scenario("bullwhip_chain").model_copy(update={"horizon": 120})
    other = apply_policy(sc, "sterman", review_period=1, params={**STERMAN, "s_prime": 400})
    a, b = run_replication(sc, 4), run_replication(other, 4)
    cust = a.timeseries.query("node == 'retailer'")["demand"].to_numpy()
    assert np.array_equal(cust, b.timeseries.query("node == 'retailer'")["demand"].to_numpy())
    assert not np.array_equal(a.timeseries["orders"], b.timeseries["orders"])
    assert np.array_equal(a.kpi_values, run_replication(sc, 4).kpi_values, equal_nan=True)


# -- the beer game ---------------------------------------------------------------------------------------------------


def board_game(decide, demand: list[float], weeks: int = 36) -> dict[str, np.ndarray]:
    """An independent beer game in plain Python, in supplysim's documented phase order (docs/bullwhip.md).

    Echelon 0 = retailer ... 3 = factory. Each week t: (1) shipments due arrive and pay the backlog first; (2) order
    slips due reach the echelon above (the brewery makes the factory's at once) and are shipped as far as stock
    allows, the rest backlogged; (3) every echelon orders ``decide(i, t, stock, backlog, supply line, history)``;
    (4) the customer's demand reaches the retailer. Order delay 2 (factory's production request 1), shipping 2.
    """
    delays = [2, 2, 2, 1]
    stock, backlog = [12.0] * 4, [0.0] * 4
    arrive = [dict.fromkeys(range(2), 4.0) for _ in range(4)]  # week -> units arriving at echelon i
    slips = [dict.fromkeys(range(d), 4.0) for d in delays]  # week -> order of echelon i reaching its supplier
    supply = [sum(a.values()) + sum(s.values()) for a, s in zip(arrive, slips, strict=True)]
    history: list[list[float]] = [[] for _ in range(4)]
    out = {k: np.zeros((4, weeks)) for k in ("orders", "stock", "backlog", "demand")}

    def ship(i: int, qty: float, t: int) -> None:  # echelon i sends qty down to i - 1 (or to the customer)
        if i > 0 and qty > 0:
            arrive[i - 1][t + 2] = arrive[i - 1].get(t + 2, 0.0) + qty

    def serve(i: int, qty: float, t: int) -> None:
        out["demand"][i, t] += qty
        owed = backlog[i] + qty
        sent = min(stock[i], owed)
        stock[i] -= sent
        backlog[i] = owed - sent
        ship(i, sent, t)

    for t in range(weeks):
        for i in range(4):
            got = arrive[i].pop(t, 0.0)
            supply[i] -= got
            stock[i] += got
            paid = min(stock[i], backlog[i])
            stock[i] -= paid
            backlog[i] -= paid
            ship(i, paid, t)
        for i in range(4):
            q = slips[i].pop(t, 0.0)
            if i == 3:  # the brewery: production starts at once, two weeks to brew
                arrive[3][t + 2] = arrive[3].get(t + 2, 0.0) + q
            elif q > 0:
                serve(i + 1, q, t)
        for i in range(4):
            q = decide(i, t, stock[i], backlog[i], supply[i], history[i])
            out["orders"][i, t] = q
            supply[i] += q
            if q > 0:
                slips[i][t + delays[i]] = q
        serve(0, demand[t], t)
        for i in range(4):
            history[i].append(out["demand"][i, t])
            out["stock"][i, t], out["backlog"][i, t] = stock[i], backlog[i]
    return out


def sterman_rule(integer: bool = False):
    expected = [4.0] * 4

    def decide(i, t, stock, backlog, supply, history):
        if history:
            expected[i] = 0.36 * history[-1] + 0.64 * expected[i]
        q = max(0.0, expected[i] + 0.26 * (17 - (stock - backlog) - 0.34 * supply))
        return math.floor(q + 0.5) if integer else q

    return decide


def pass_through(i, t, stock, backlog, supply, history):
    return history[-1] if history else 4.0


def beer(policy: str | None = None, **params) -> sim.Scenario:
    sc = load_scenario("beer_game")
    if policy is not None:
        sc = apply_policy(sc, policy, review_period=1, params=params or None)
    return sc


def simulated(sc: sim.Scenario) -> tuple[dict[str, np.ndarray], sim.ReplicationResult]:
    res = run_replication(sc, 0)
    ts = res.timeseries
    pick = {"orders": "orders", "stock": "on_hand", "backlog": "backorders", "demand": "demand"}
    out = {k: np.vstack([ts.query(f"node == '{n}'")[col].to_numpy() for n in ECHELONS]) for k, col in pick.items()}
    return out, res


def step_demand(weeks: int = 36) -> list[float]:
    return [4.0] * 4 + [8.0] * (weeks - 4)


def test_board_starting_state_is_in_the_scenario():
    """Every echelon starts with 12 on hand and a supply line of 16 (two shipments and two slips of 4; the factory
    12: one production request); the slips reach the echelon above in weeks 1 and 2 as its demand."""
    chain = SupplyChain(beer(), np.random.SeedSequence(0))
    lines = {n: chain.items[n, "beer"].on_order for n in ECHELONS}
    assert lines == {"retailer": 16, "wholesaler": 16, "distributor": 16, "factory": 12}
    assert all(chain.items[n, "beer"].on_hand == 12 for n in ECHELONS)
    board, _ = simulated(beer())
    assert board["demand"][1:, :2].tolist() == [[4, 4]] * 3


def test_pass_through_with_steady_demand_has_the_flat_board_cost():
    """Demand 4 every week and order-what-was-ordered: nothing ever moves; each echelon holds 12 cases at 0.5, so the
    chain pays 4 x 6 = 24 a week, 864 over 36 weeks, and no backlog."""
    data = beer().to_dict()
    data["nodes"][4]["demand"]["beer"]["after"] = 4
    board, res = simulated(validate(data))
    assert (board["stock"] == 12).all() and (board["orders"] == 4).all()
    assert res.kpi("holding_cost", "ALL", "ALL") == 864
    assert res.kpi("backorder_cost", "ALL", "ALL") == 0


def test_pass_through_step_matches_the_board_and_charges_every_backlog():
    """With the step to 8 the scenario's pass-through run equals the independent board week by week; backlog cost is
    charged at every echelon, including backlog owed to the echelon below (1.0 per case-week)."""
    board, res = simulated(beer())
    ref = board_game(pass_through, step_demand())
    for k in ("orders", "stock", "backlog", "demand"):
        np.testing.assert_allclose(board[k], ref[k], atol=1e-9, err_msg=k)
    for i, n in enumerate(ECHELONS):
        assert res.kpi("backorder_cost", n, "beer") == pytest.approx(ref["backlog"][i].sum())
        assert res.kpi("holding_cost", n, "beer") == pytest.approx(0.5 * ref["stock"][i].sum())
    assert res.kpi("backorder_cost", "wholesaler", "beer") > 0  # owed to the retailer, not to a customer


@pytest.mark.parametrize("integer", [False, True])
def test_sterman_heuristic_matches_an_independent_board(integer):
    """Sterman's heuristic with his mean parameters, continuous or whole-case orders: orders, stock and backlog of
    every echelon equal an independent implementation week by week; total cost is their cost."""
    board, res = simulated(beer("sterman", **STERMAN, integer=integer))
    ref = board_game(sterman_rule(integer), step_demand())
    for k in ("orders", "stock", "backlog", "demand"):
        np.testing.assert_allclose(board[k], ref[k], rtol=1e-9, atol=1e-9, err_msg=k)
    cost = 0.5 * ref["stock"].sum() + 1.0 * ref["backlog"].sum()
    print(f"Sterman beer game cost (integer={integer}): {cost:.2f}")
    assert res.kpi("total_cost", "ALL", "ALL") == pytest.approx(cost)


def test_sterman_amplification_grows_upstream():
    """Order variance relative to end-customer demand: retailer < wholesaler < distributor < factory."""
    _, res = simulated(beer("sterman", **STERMAN))
    amp = [res.kpi("bullwhip_vs_consumer", n, "beer") for n in ECHELONS]
    print("bullwhip_vs_consumer by echelon:", np.round(amp, 2))
    assert amp == sorted(amp) and amp[0] > 1


# -- information sharing and order smoothing -------------------------------------------------------------------------


@pytest.mark.slow
def test_sharing_then_smoothing_lower_upstream_bullwhip():
    """bullwhip_chain, paired (common random numbers): sharing point-of-sale data lowers the factory's order variance
    relative to consumer demand; smoothing (beta = 0.4) lowers it further. Paired 95% CIs of the differences exclude
    0. The retailer is unchanged by sharing (its own demand is the point-of-sale data)."""
    base = load_scenario("bullwhip_chain")
    common = {"periods": 12, "coverage": 4, "initial_forecast": 100, "safety_stock": 80}
    shared = apply_policy(base, "forecast_order_up_to", review_period=1, params={**common, "information": "shared"})
    smooth = apply_policy(
        base, "forecast_order_up_to", review_period=1, params={**common, "information": "shared", "beta": 0.4}
    )
    mc = {"replications": 10, "seed": 3, "series_replications": 0}
    batches = [sim.run_batch(sc, mc, variant=v) for v, sc in (("local", base), ("shared", shared), ("smooth", smooth))]
    cmp = sim.compare(batches).query("kpi == 'bullwhip_vs_consumer' and sku == 'case'").set_index(["variant", "node"])
    sh, sm = cmp.loc[("shared", "factory")], cmp.loc[("smooth", "factory")]
    print(cmp[["mean", "ci_low", "ci_high", "diff_mean", "diff_ci_low", "diff_ci_high"]])
    assert sh["diff_ci_high"] < 0 and sm["diff_ci_high"] < sh["diff_ci_low"]
    assert cmp.loc[("shared", "retailer"), "diff_mean"] == 0
    upstream = [cmp.loc[("local", n), "mean"] for n in ECHELONS]
    assert upstream == sorted(upstream)  # without sharing, amplification grows upstream


# -- more hand traces, the exact recursion, written starting states -------------------------------------------------
# (the bullwhip feature's CLI and report tests: tests/cli/test_bullwhip_cli.py, tests/report/test_bullwhip_report.py)


def test_proportional_order_up_to_hand_trace():
    """beta = 0.5 on the hand-trace setting: q = f + 0.5 (S - f - IP).
    t = 0: f 10, S 25, IP 25 -> 5; t = 1: f 10, IP 25 + 5 - 10 = 20 -> 7.5; t = 2: f 12, S 29, IP 20 + 7.5 - 14 = 13.5
    -> 12 + 0.5 (29 - 12 - 13.5) = 13.75."""
    policy = {"kind": "forecast_order_up_to", "periods": 2, "initial_forecast": 10, "safety_stock": 5, "beta": 0.5}
    data = single_stage(policy, {"kind": "empirical", "values": [10, 14, 8]}, transit=1, horizon=3)
    data["nodes"][1]["initial_stock"] = {"w": 25}
    assert run_replication(build(data), 0).timeseries["orders"].tolist() == [5, 7.5, 13.75]


def two_store_pass_through(information: str) -> sim.Scenario:
    """A DC (pass-through) serving two stores (base stock 0, so they order each demand at once, order delay 1)."""
    store = {"type": "retailer", "policy": {"w": {"kind": "base_stock", "level": 0}}}
    return build(
        {
            "name": "pos",
            "horizon": 12,
            "products": [{"id": "w"}],
            "nodes": [
                {"id": "f", "type": "supplier"},
                {
                    "id": "dc",
                    "type": "buffer",
                    "initial_stock": {"w": 100},
                    "policy": {"w": {"kind": "pass_through", "information": information}},
                    "sources": {"w": [{"node": "f"}]},
                },
                {**store, "id": "a", "demand": {"w": {"dist": "poisson", "mean": 3}},
                 "sources": {"w": [{"node": "dc", "order_delay": 1}]}},
                {**store, "id": "b", "demand": {"w": {"dist": "poisson", "mean": 5}},
                 "sources": {"w": [{"node": "dc", "order_delay": 1}]}},
            ],
            "lanes": [
                {"from": "f", "to": "dc", "transit": {"dist": "constant", "value": 1}},
                {"from": "dc", "to": "a", "transit": {"dist": "constant", "value": 1}},
                {"from": "dc", "to": "b", "transit": {"dist": "constant", "value": 1}},
            ],
        }
    )  # fmt: skip


def test_shared_information_is_the_point_of_sale_feed():
    """With sharing the DC's order at t is the stores' customer demand of t - 1; without, the orders it received in
    t - 1 (the stores' orders of t - 2, delayed by the order delay)."""
    for information, lag in (("shared", 1), ("local", 2)):
        res = run_replication(two_store_pass_through(information), 2)
        ts = res.timeseries
        pos = ts.query("node in ['a', 'b']").groupby("t")["demand"].sum().to_numpy()
        dc = ts.query("node == 'dc'")["orders"].to_numpy()
        assert dc[lag:].tolist() == pos[:-lag].tolist(), information
        # amplification vs the consumer: the DC's order variance over the variance of both stores' demand summed
        expected = np.var(dc, ddof=1) / np.var(pos, ddof=1)
        assert res.kpi("bullwhip_vs_consumer", "dc", "w") == pytest.approx(expected)
        assert res.kpi("bullwhip_vs_consumer", "a", "w") == pytest.approx(
            np.var(ts.query("node == 'a'")["orders"], ddof=1) / np.var(pos, ddof=1)
        )


def test_too_many_initial_order_slips_is_one_clear_error():
    data = beer().to_dict()
    data["nodes"][1]["sources"]["beer"][0]["initial_orders"] = [4, 4]  # the factory's order delay is 1
    with pytest.raises(ScenarioError, match="initial_orders: 2 slips, but an order delay of 1 holds at most 1"):
        validate(data)


@pytest.mark.slow
@pytest.mark.parametrize("information", ["local", "shared"])
def test_serial_chain_matches_the_exact_recursion(information):
    """Four echelons, MA p = 12, coverage c = 4 (a = c/p), order delay 1, shipping 2, demand N(100, 5^2) (orders
    never come near 0, so nothing is truncated). In the simulator's phase order an upstream echelon serves the
    order that reaches it at t *before* its review at t, while its forecast sees only periods < t, so

        retailer   q1_t = D_{t-1} + a (D_{t-1} - D_{t-1-p})
        echelon k  qk_t = q(k-1)_{t-1} + a (d_{t-1} - d_{t-1-p}),   d = what it forecasts from:
                   the orders it received (d_s = q(k-1)_{s-1}) or, shared, the consumer's D_s.

    Var(qk)/Var(D) is the sum of squared coefficients of D in qk: local, the polynomial F(x) H(x)^(k-1) with
    F = (1+a) - a x^p, H = 1 + a x - a x^(p+1); shared, 1 + 2a + 2k a^2 (the lags never coincide for p >= k).
    """
    from numpy.polynomial import polynomial as P

    data = load_scenario("bullwhip_chain").to_dict()
    data.update(warmup=80, horizon=2080)
    data["nodes"][4]["demand"]["case"] = {"dist": "normal", "mean": 100, "sd": 5}
    params = {"periods": 12, "coverage": 4, "initial_forecast": 100, "safety_stock": 80, "information": information}
    sc = apply_policy(validate(data), "forecast_order_up_to", review_period=1, params=params)
    results = [run_replication(sc, s, timeseries=False) for s in rep_seeds(1, 8)]
    ts = run_replication(sc, rep_seeds(1, 1)[0]).timeseries
    assert ts.query("t >= 80")["orders"].min() > 0  # no order was ever truncated
    a, p = 4 / 12, 12
    poly = np.zeros(p + 1)
    poly[[0, p]] = 1 + a, -a
    h = np.zeros(p + 2)
    h[[0, 1, p + 1]] = 1, a, -a
    for k, node in enumerate(ECHELONS, start=1):
        if k > 1:
            poly = P.polymul(poly, h)
        theory = float(np.sum(poly**2)) if information == "local" else 1 + 2 * a + 2 * k * a**2
        got = [r.kpi("bullwhip_vs_consumer", node, "case") for r in results]
        assert_mc(got, theory, f"{information} {node}")


def test_holt_follows_a_trend_without_lag():
    """Demand 10 + 2t (kind trend), transit 1 (c = 2), Holt started exact (first forecast 10, trend 2): the forecasts
    stay exact, S_t = 2 level + trend (1 + 2) with level = D_{t-1}, so q_t = S_t - S_{t-1} + D_{t-1} = 2c + D_{t-1}
    = 12 + 2t from t = 1 (0 at t = 0: the start is S_0 = 2 x 8 + 6 = 22). Exponential smoothing lags the trend and
    orders less every period."""
    demand = {"kind": "trend", "base": 10, "slope": 2}

    def orders(**forecast):
        policy = {"kind": "forecast_order_up_to", "initial_forecast": 10, **forecast}
        data = single_stage(policy, demand, transit=1, horizon=8)
        data["nodes"][1]["initial_stock"] = {"w": 22}
        return run_replication(build(data), 0).timeseries["orders"].to_numpy()

    holt = orders(forecast="holt", alpha=0.5, gamma=0.3, initial_trend=2)
    assert holt.tolist() == [0, *[12 + 2 * t for t in range(1, 8)]]
    smooth = orders(forecast="exponential_smoothing", alpha=0.5)
    assert (smooth[1:] < holt[1:]).all()


def test_written_state_and_steady_pipeline_do_not_mix():
    data = beer().to_dict()
    data["initial_pipeline"] = "steady"
    with pytest.raises(ScenarioError, match=r"initial_pipeline: 'steady' fills the pipelines itself.*retailer"):
        validate(data)
