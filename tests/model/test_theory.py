"""The engine against closed-form inventory and queueing theory.

Each test runs R independent replications (seeds exactly as a batch derives them), takes the mean of a KPI over the
replications and compares it with the theoretical value within 4 Monte Carlo standard errors (the replications are
independent, so SE = sd / sqrt(R)). Warm-up windows are chosen so that the simulated system is exactly in its
stationary regime over the KPI window (argued per test); where a closed form is only asymptotic, the extra bias
allowance is derived in the test.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from sim.experiment.replication import run_replication
from sim.kpi import compute as kpi
from sim.model.network import SupplyChain
from tests.conftest import build, chain, lane, mc_mean, product, rep_seeds, single_stage, stock_node, supplier

Z = 4.0  # standard errors


def assert_mc(values: list[float], theory: float, what: str, bias: float = 0.0) -> None:
    """Mean of independent replications equals ``theory`` within Z standard errors (+ a derived bias allowance)."""
    mean, se = mc_mean(values)
    print(f"{what}: simulated {mean:.6g} ± {se:.2g} (SE, n={len(values)}), theory {theory:.6g}")
    assert abs(mean - theory) <= Z * se + bias, f"{what}: simulated {mean:.5g} ± {se:.2g} (SE), theory {theory:.5g}"


# ------------------------------------------------------------------------------------------------------------
# 1. One-for-one base stock, Poisson demand, constant lead time


def erlang_b(servers: int, load: float) -> float:
    """Erlang's loss formula B(S, a) by the stable recursion B(n) = a B(n-1) / (n + a B(n-1))."""
    b = 1.0
    for n in range(1, servers + 1):
        b = load * b / (n + load * b)
    return b


@pytest.mark.parametrize(("rate", "lead", "level"), [(2.0, 3.0, 8), (0.5, 4.0, 3)])
def test_base_stock_poisson_backorders(rate: float, lead: float, level: int) -> None:
    """Continuous-review base stock S, Poisson(λ) unit demand, constant lead time L, backorders.

    Net stock at time t >= L is S - D(t-L, t] with D(t-L, t] ~ Poisson(λL) (every unit demanded in (t-L, t] has been
    reordered and not yet received; everything ordered earlier has arrived). The system starts with IP = S and nothing
    on order, so this holds exactly from t = L on: a warm-up >= L gives the stationary regime.
    By PASTA, fill rate = P(net stock > 0 at an arrival) = P(D <= S - 1); the time averages are
    E[backorders] = E[(D - S)+] and E[on hand] = E[(S - D)+] = S - λL + E[(D - S)+]; pipeline = λL (Little).
    """
    data = single_stage(
        {"kind": "base_stock", "level": level},
        {"kind": "poisson_process", "rate": rate},
        transit=lead,
        horizon=4000,
        warmup=int(lead) + 1,
    )
    sc = build(data)
    load = rate * lead
    lead_demand = stats.poisson(load)
    k = np.arange(0, int(load + 20 * math.sqrt(load) + level + 20))
    pmf = lead_demand.pmf(k)
    fill = lead_demand.cdf(level - 1)
    backorders = float(np.sum(np.maximum(k - level, 0) * pmf))
    on_hand = float(np.sum(np.maximum(level - k, 0) * pmf))
    res = [run_replication(sc, s, timeseries=False) for s in rep_seeds(11, 32)]
    assert_mc([r.kpi("fill_rate", "r", "w") for r in res], fill, "fill rate = P(Poisson(λL) <= S-1)")
    assert_mc([r.kpi("backorders_avg", "r", "w") for r in res], backorders, "E[backorders] = E[(D-S)+]")
    assert_mc([r.kpi("on_hand_avg", "r", "w") for r in res], on_hand, "E[on hand] = E[(S-D)+]")
    assert_mc([r.kpi("pipeline_avg", "r", "w") for r in res], load, "pipeline = λL")
    # the network rows of a one-item network are the item's
    assert res[0].kpi("fill_rate") == res[0].kpi("fill_rate", "r", "w")


@pytest.mark.parametrize(("rate", "lead", "level"), [(2.0, 3.0, 8), (0.5, 4.0, 3)])
def test_base_stock_poisson_lost_sales_erlang(rate: float, lead: float, level: int) -> None:
    """Lost sales, one-for-one base stock S: the S units are the servers of an M/D/S/S loss system (a unit is busy
    while its replenishment is on the way, for L). By Palm's theorem the loss probability is Erlang's B(S, λL) for any
    service-time distribution, so fill rate = 1 - B (PASTA), units on order = λL(1 - B) (carried load),
    on hand = S - λL(1 - B), lost / demand = B.

    The loss system is started empty (all S units on hand); it forgets its start within a few L. The warm-up of 10 L
    leaves a transient of relative size far below the Monte Carlo error (the M/D/S/S occupancy after 10 service
    times has no memory of its start: every unit busy at t was sold after t - L).
    """
    data = single_stage(
        {"kind": "base_stock", "level": level},
        {"kind": "poisson_process", "rate": rate},
        transit=lead,
        horizon=4000,
        warmup=int(10 * lead),
        lost=True,
    )
    sc = build(data)
    load = rate * lead
    b = erlang_b(level, load)
    res = [run_replication(sc, s, timeseries=False) for s in rep_seeds(12, 32)]
    assert_mc([r.kpi("fill_rate", "r", "w") for r in res], 1 - b, "fill rate = 1 - ErlangB(S, λL)")
    assert_mc([r.kpi("lost_sales", "r", "w") / r.kpi("demand", "r", "w") for r in res], b, "lost share = B")
    assert_mc([r.kpi("pipeline_avg", "r", "w") for r in res], load * (1 - b), "pipeline = λL(1-B)")
    assert_mc([r.kpi("on_hand_avg", "r", "w") for r in res], level - load * (1 - b), "on hand = S - λL(1-B)")
    assert all(r.kpi("backorders_avg", "r", "w") == 0 for r in res)


# ------------------------------------------------------------------------------------------------------------
# 2. Periodic order-up-to (R, S), normal demand per period


def normal_loss(z: float) -> float:
    """Standard normal loss function G(z) = E[(Z - z)+] = φ(z) - z (1 - Φ(z))."""
    return float(stats.norm.pdf(z) - z * stats.norm.sf(z))


@pytest.mark.parametrize(
    ("review", "lead", "level", "offset"),
    [(5, 2, 720.0, 0), (1, 0, 115.0, 0), (3, 4, 780.0, 1)],
)
def test_periodic_order_up_to_normal(review: int, lead: int, level: float, offset: int) -> None:
    """(R, S) with per-period demand N(μ, σ²) (censoring at 0 negligible: μ = 5σ), constant lead time L.

    Timing (sim/model/clock.py): at a review t receipts come first, then the review (IP raised to S), then period t's
    demand; the order placed at t arrives at t + L before period t+L's demand. So at the end of period t+L+j-1,
    j = 1..R, every order up to the one placed at t has arrived and none later, and

        net stock(end of period t+L+j-1) = S - D_{L+j},     D_n ~ N(nμ, nσ²) (demand of n periods from t on).

    Levels change only at integer instants, so the time average of backorders is the average of end-of-period
    backorders over the R periods of a cycle:

        E[backorders_avg] = (1/R) Σ_{j=1..R} E[(D_{L+j} - S)+],   E[(D_n - S)+] = σ√n G((S - nμ)/(σ√n)).

    Shortage (demand not filled at once) during the cycle's periods t+L .. t+L+R-1 telescopes, path by path, to the
    growth of backorders after the receipt at t+L: (D_{L+R} - S)+ - (D_L - S)+. Hence

        fill rate = 1 - (E[(D_{R+L} - S)+] - E[(D_L - S)+]) / (R μ),     (the classic σ√(R+L) G(·) term)

    and E[on hand] = (1/R) Σ_j (S - (L+j)μ + E[(D_{L+j} - S)+]). The first order is placed at the first review with
    IP = S (initial stock = S, nothing on order), which is the stationary state already; the window starts after
    offset + L and spans a whole number of cycles, so every phase j is equally weighted.
    """
    mu, sd = 100.0, 20.0

    def exp_back(n: int) -> float:
        if n == 0:
            return max(0.0, -level)
        s = sd * math.sqrt(n)
        return s * normal_loss((level - n * mu) / s)

    warmup = offset + lead + review
    cycles = 600
    data = single_stage(
        {"kind": "periodic_order_up_to", "review_period": review, "order_up_to": level, "offset": offset},
        {"dist": "normal", "mean": mu, "sd": sd},
        transit=lead,
        horizon=warmup + cycles * review,
        warmup=warmup,
    )
    sc = build(data)
    backorders = float(np.mean([exp_back(lead + j) for j in range(1, review + 1)]))
    on_hand = float(np.mean([level - (lead + j) * mu + exp_back(lead + j) for j in range(1, review + 1)]))
    fill = 1 - (exp_back(review + lead) - exp_back(lead)) / (review * mu)
    res = [run_replication(sc, s, timeseries=False) for s in rep_seeds(21, 32)]
    assert_mc([r.kpi("fill_rate", "r", "w") for r in res], fill, "fill rate (normal loss, σ√(R+L))")
    assert_mc([r.kpi("backorders_avg", "r", "w") for r in res], backorders, "time-averaged backorders")
    assert_mc([r.kpi("on_hand_avg", "r", "w") for r in res], on_hand, "time-averaged on hand")
    # one order per review, of the review period's demand: units ordered per period = E[demand] (censored normal)
    mean_demand = sc.node("r").demand["w"].mean
    assert_mc([r.kpi("order_qty_mean", "r", "w") for r in res], mean_demand, "units ordered per period = E[D]")


# ------------------------------------------------------------------------------------------------------------
# 3. Little's law and a capacitated supplier as a queue


@pytest.mark.parametrize(
    "transit",
    [
        {"dist": "triangular", "low": 1.0, "mode": 2.0, "high": 6.0},
        {"dist": "gamma", "mean": 2.5, "sd": 1.5},
    ],
)
def test_littles_law_pipeline(transit: dict) -> None:
    """Average pipeline stock = throughput × mean transit time, for a stochastic transit (orders may overtake).

    A base-stock retailer orders each period's demand from an unlimited supplier with no production time, so units
    enter the lane when ordered: throughput = units ordered per period (order_qty_mean). In the stationary regime
    E[∫ pipeline over the window] = span × E[throughput] × E[T] exactly, so no bias allowance; the warm-up exceeds
    the transit time's bulk (the first orders are placed at t = 0). Compared per replication (the difference has a
    much smaller variance than either side).
    """
    data = single_stage(
        {"kind": "base_stock", "level": 40},
        {"dist": "poisson", "mean": 6.0},
        transit=transit,
        horizon=2000,
        warmup=40,
    )
    sc = build(data)
    mean_t = sc.lanes[0].transit.mean
    diffs, pipes = [], []
    for s in rep_seeds(31, 32):
        r = run_replication(sc, s, timeseries=False)
        pipes.append(r.kpi("pipeline_avg", "r", "w"))
        diffs.append(r.kpi("pipeline_avg", "r", "w") - r.kpi("order_qty_mean", "r", "w") * mean_t)
    assert_mc(diffs, 0.0, "pipeline_avg - throughput × E[T]")
    assert_mc(pipes, 6.0 * mean_t, "pipeline_avg = λ E[T]")


def _queue_scenario(rate: float, horizon: int, warmup: int) -> dict:
    return {
        "name": "queue",
        "horizon": horizon,
        "warmup": warmup,
        "products": [product()],
        "nodes": [
            supplier(capacity=1.0),
            stock_node(
                "r", policy={"kind": "base_stock", "level": 10}, source="f", demand={"dist": "poisson", "mean": rate}
            ),
        ],
        "lanes": [lane("f", "r", 1)],
    }


def test_capacitated_supplier_lindley_recursion_exact() -> None:
    """Capacity c per period, FIFO: the supplier's backlog after period k obeys Lindley's recursion exactly,
    Q_k = max(Q_{k-1} + a_k - c, 0), a_k = units ordered in period k (orders take what is left of the period's
    capacity the moment they arrive). And utilization = units produced / (c × span) with
    produced(window) = ordered(window) + Q_{w-1} - Q_{h-1}."""
    sc = build(_queue_scenario(0.9, horizon=400, warmup=50))
    ch = chain(sc, seed=5)
    sup = ch.suppliers["f"]
    ordered = np.asarray(sup.ordered[: sc.horizon])
    produced = np.asarray(sup.pools["w"].produced[: sc.horizon])
    q, queue = 0.0, []
    for a in ordered:
        q = max(q + a - 1.0, 0.0)
        queue.append(q)
    assert np.allclose(np.cumsum(ordered) - np.cumsum(produced), queue, atol=1e-9)
    assert max(queue) >= 3, "the test needs a queue that builds up"
    w, h = sc.warmup, sc.horizon
    index, values = kpi.compute(ch)
    util = dict(zip(index, values, strict=True))[("f", "ALL", "utilization")]
    assert util == pytest.approx((ordered[w:h].sum() + queue[w - 1] - queue[h - 1]) / (h - w), abs=1e-12)


@pytest.mark.slow
def test_capacitated_supplier_queue_theory() -> None:
    """Poisson(λ) units ordered per period, capacity 1 per period: a discrete-time M/D/1 queue. From Lindley's
    recursion Q' = (Q + A - 1)+ with A ~ Poisson(λ): E[Q'] = E[Q] gives P(Q + A = 0) = 1 - λ, and E[Q'^2] = E[Q^2]
    gives E[Q] = λ² / (2 (1 - λ)) (end-of-period backlog at the supplier).

    The order of period k (D_k units, placed at its demand, only when D_k >= 1) finds Q_{k-1} units ahead (period
    k's capacity already started on them), so its last unit is made in period k + Q_{k-1} + D_k - 1 and it arrives one
    transit (1) later: E[lead time] = E[Q] + E[D | D >= 1] = λ²/(2(1-λ)) + λ/(1 - e^{-λ}). Utilization = λ.

    Lead times count orders completed within the horizon; those open at the end (placed within about one lead time
    of it) are left out, a bias of at most E[LT²]/span ≈ 2 E[LT]²/span, allowed for.
    """
    rate, horizon, warmup = 0.7, 6000, 100
    sc = build(_queue_scenario(rate, horizon, warmup))
    mean_q = rate**2 / (2 * (1 - rate))
    lead_time = mean_q + rate / (1 - math.exp(-rate))
    queues, lts, utils = [], [], []
    for s in rep_seeds(41, 32):
        ch = SupplyChain(sc, s, record_log=False).run()
        sup = ch.suppliers["f"]
        backlog = np.cumsum(sup.ordered[:horizon]) - np.cumsum(sup.pools["w"].produced[:horizon])
        queues.append(float(backlog[warmup:].mean()))
        k = dict(zip(*kpi.compute(ch), strict=True))
        lts.append(k[("r", "w", "lead_time_avg")])
        utils.append(k[("f", "ALL", "utilization")])
    assert_mc(queues, mean_q, "E[supplier backlog] = λ²/(2(1-λ))")
    assert_mc(utils, rate, "utilization = λ / c")
    assert_mc(lts, lead_time, "E[lead time]", bias=2 * lead_time**2 / (horizon - warmup))
