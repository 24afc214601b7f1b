"""Disruptions and resilience KPIs: exact hand arithmetic, theory within Monte Carlo error, and common random numbers.

The deterministic example used throughout (``outage_case``): supplier ``f`` -> retailer ``r``, base stock S = 10,
demand 4 at every period, lane transit 1, no production time, horizon 20; the supplier is down over [3, 8).

| t | receipt | demand 4 | on hand / backorders after | note |
|---|---|---|---|---|
| 3 | +4 (shipped at 2) | filled | 6 / 0 | outage starts before period 3's phases: stock 6 + 4 in transit |
| 4 | – | filled | 2 / 0 | orders of 3 and 4 wait at the supplier |
| 5 | – | 2 of 4 | 0 / 2 | first unmet demand: TTS = 5 - 3 = 2 (cover 10 / 4 = 2.5) |
| 6, 7 | – | 0 | 0 / 6, 0 / 10 | |
| 8 | – | 0 | 0 / 14 | supplier up at 8 (before the phases): the 6 queued orders ship |
| 9 | +24 | filled | 6 / 0 | backorders paid; steady again |

The ``tts_optimal`` LP is checked in tests/kpi/test_survival.py, the ``disruption`` options of the command line in
tests/cli/test_disruption_options.py.
"""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest

import sim
from sim.errors import ScenarioError
from sim.experiment.replication import run_replication
from sim.model import arrivals as demand_mod
from sim.model import builders
from sim.model import network as network_mod
from sim.model.disruption_processes import PROCESSES
from sim.scenario.disruptions import DISRUPTIONS
from sim.scenario.sources import load_scenario
from tests.conftest import build, chain, const, kpi_dict, rep_seeds, run, single_stage


def outage_case(lost: bool = False, **resilience) -> dict:
    data = single_stage({"kind": "base_stock", "level": 10}, const(4), transit=1, horizon=20, lost=lost)
    data["products"][0]["price"] = 5.0
    data["disruptions"] = [{"kind": "supplier_outage", "supplier": "f", "start": 3, "duration": 5}]
    data["resilience"] = {"window": 1, "tolerance": 0.0, **resilience}
    return data


def test_every_kind_has_a_process():
    """Each registered disruption kind is played by a SimPy process (no kind is accepted and then ignored)."""
    assert {DISRUPTIONS[name] for name in DISRUPTIONS} == set(PROCESSES)


# ------------------------------------------------------------------------------------------ exact (deterministic)
def test_outage_tts_backorders_ttr_by_hand():
    """The module's table: TTS 2, cover 2.5, peak backorders 14, TTR (window 1) 6, resilience loss 3.5."""
    k = kpi_dict(run(outage_case()))
    for node in ("r", "ALL"):
        assert k[node, "w", "time_to_survive"] == 2
        assert k[node, "w", "tts_stock_cover"] == 2.5
        assert k[node, "w", "backorders_peak"] == 14
        assert k[node, "w", "time_to_recover"] == 6  # last short period 8: 8 + 1 - 3
        assert k[node, "w", "resilience_loss"] == pytest.approx(0.5 + 1 + 1 + 1)
        assert k[node, "w", "lost_sales_during"] == 0
        assert k[node, "w", "revenue_at_risk"] == pytest.approx(14 * 5.0)
    assert k["ALL", "ALL", "tts_optimal"] == pytest.approx(2.5)  # no other source: the stock cover
    assert math.isnan(k["r", "w", "tts_optimal"])
    assert k["f", "ALL", "supplier_availability"] == pytest.approx(15 / 20)
    # the projected-cover alert (margin 1): at the start of 4, 6 on hand + nothing on the way (the order of 3 waits
    # at the down supplier) < 4 × (lead time 1 + 1); first unmet demand at 5. The supplier-down alert at 3 does not
    # count (it would only repeat TTS)
    assert k["ALL", "ALL", "warning_lead_time"] == 1
    assert k["r", "w", "time_to_survive_censored"] == 0 and k["r", "w", "time_to_recover_censored"] == 0


def test_outage_lost_sales_by_hand():
    """Lost sales instead: 2 + 4 + 4 + 4 = 14 units lost (lost demand is not reordered, the queue is the same)."""
    k = kpi_dict(run(outage_case(lost=True)))
    assert k["r", "w", "lost_sales_during"] == 14
    assert k["r", "w", "time_to_survive"] == 2
    assert k["r", "w", "backorders_peak"] == 0
    assert k["r", "w", "revenue_at_risk"] == pytest.approx(70.0)


def test_ttr_window_counts_the_rolling_fill_rate():
    """With a 3-period rolling fill rate the last window containing period 8 ends at 10: TTR = 10 + 1 - 3 = 8."""
    assert kpi_dict(run(outage_case(window=3)))["r", "w", "time_to_recover"] == 8


def test_outage_is_paired_with_the_same_replication():
    """The baseline is the same scenario without disruptions: its KPIs equal a plain run's, and a disruption
    that never bites (far past the horizon's demand) has zero impact."""
    data = outage_case()
    data["disruptions"][0].update(start=19, duration=0.5)
    k = kpi_dict(run(data))
    # never dropped: TTS censored at H - s = 20 - 19
    assert k["r", "w", "time_to_survive"] == 1 and k["r", "w", "time_to_survive_censored"] == 1
    assert k["r", "w", "time_to_recover"] == 0 and k["r", "w", "time_to_recover_censored"] == 0
    assert k["r", "w", "revenue_at_risk"] == 0


def test_alerts_stock_cover_and_late_orders():
    """Cover < 1 period is seen at the start of period 5 (end of period 4: 2 on hand < 4); the order placed at 3 is
    due at 4 and still open at 6 > 4 + 1; with only these two alerts the warning lead time is 5 - 5 = 0."""
    data = outage_case(
        alerts={"stock_cover_below": 1, "shipment_late": 1, "supplier_down": False, "projected_cover": None}
    )
    res = run(data, events=True)
    alerts = res.events.query("event == 'alert'")
    cover = alerts[alerts.via == "stock_cover"]
    assert cover.t.tolist() == [5.0]
    late = alerts[alerts.via == "shipment_late"]
    # orders placed at t are due at t + 1 and late once now > t + 2; those of 3..6 are still open then (all
    # received at 9): alerts at 6, 7, 8, 9; the order of 7 arrives at 9, before it would be late
    assert late.t.tolist() == [6.0, 7.0, 8.0, 9.0]
    assert kpi_dict(res)["r", "w", "warning_lead_time"] == 0


def test_lane_closure_delays_exactly_the_right_shipments():
    """Closed over [4, 7): goods handed over in the window leave at 7; goods already on the way arrive as planned
    (``continue``) or 3 periods late (``held``); nothing else moves."""
    base = single_stage({"kind": "base_stock", "level": 12}, const(4), transit=3, horizon=20)
    plain = run(base, events=True).events
    for mode, stuck in (("continue", 0), ("held", 3)):
        data = copy.deepcopy(base)
        data["disruptions"] = [{"kind": "lane_closure", "lane": "f->r", "start": 4, "duration": 3, "in_transit": mode}]
        ev = run(data, events=True).events
        ships = dict(zip(ev[ev.event == "ship"].order, ev[ev.event == "ship"].t, strict=True))
        for _, row in plain[plain.event == "ship"].iterrows():
            expected = 7.0 if 4 <= row.t < 7 else row.t
            assert ships[row.order] == expected, (mode, row.order)
        got = dict(zip(ev[ev.event == "receive"].order, ev[ev.event == "receive"].t, strict=True))
        for _, row in plain[plain.event == "receive"].iterrows():
            departed = row.t - 3
            if 4 <= departed < 7:
                want = 10.0
            elif departed < 4 <= row.t:
                want = row.t + stuck
            else:
                want = row.t
            if row.order in got:
                assert got[row.order] == want, (mode, row.order)


def test_lane_slowdown_scales_transit_of_departures_in_the_window():
    """Transit × 2 for departures in [4, 7): those arrive 6 after departure, the others 3."""
    data = single_stage({"kind": "base_stock", "level": 12}, const(4), transit=3, horizon=20)
    data["disruptions"] = [{"kind": "lane_slowdown", "lane": "f->r", "factor": 2, "start": 4, "duration": 3}]
    ev = run(data, events=True).events
    ship = dict(zip(ev[ev.event == "ship"].order, ev[ev.event == "ship"].t, strict=True))
    for _, row in ev[ev.event == "receive"].iterrows():
        if row.order in ship:
            assert row.t - ship[row.order] == (6 if 4 <= ship[row.order] < 7 else 3)


def test_capacity_loss_scales_capacity_in_the_window():
    """Capacity 10 × 0.5 over [5, 10): the supplier makes 5 a period then, 10 before and after (demand 10)."""
    data = single_stage({"kind": "base_stock", "level": 40}, const(10), transit=1, horizon=20)
    data["nodes"][0]["capacity"] = 10
    data["disruptions"] = [{"kind": "capacity_loss", "supplier": "f", "fraction": 0.5, "start": 5, "duration": 5}]
    made = chain(build(data)).suppliers["f"].pools["w"].produced
    assert made[5:10] == [5.0] * 5
    assert made[2:5] == [10.0] * 3 and made[10] == 10.0  # the backlog of the window is then made at full rate


def test_demand_shock_scales_demand_in_the_window_only():
    """× 1.5 over [5, 8) at r: demand 6 there, 4 elsewhere (the same draws, scaled)."""
    data = single_stage({"kind": "base_stock", "level": 12}, const(4), transit=1, horizon=12)
    data["disruptions"] = [{"kind": "demand_shock", "multiplier": 1.5, "start": 5, "duration": 3, "nodes": ["r"]}]
    res = run(data)
    ts = res.timeseries
    assert ts[ts.node == "r"].demand.tolist() == [4.0] * 5 + [6.0] * 3 + [4.0] * 4


def test_quality_excursion_rejects_and_reorders():
    """Rejected units leave at receipt and are reordered from the same source. The policy itself orders the 400
    units of demand (continuous base stock orders on demand only), so everything the supplier was asked for beyond
    400 is reorders of rejects; and received + still on order = 400 (mass balance). Outside the window nothing is
    rejected."""
    data = single_stage({"kind": "base_stock", "level": 40}, const(10), transit=2, horizon=40)
    spec = {"kind": "quality_excursion", "supplier": "f", "defect_rate": 0.3, "start": 5, "duration": 10}
    data["disruptions"] = [spec]
    c = chain(build(data), seed=3)
    item, supplier = c.items["r", "w"], c.suppliers["f"]
    rejected = sum(supplier.ordered) - 400
    assert 10 < rejected < 80  # ~0.3 of the ~110 units shipped in [5, 15) plus reorders shipped then
    assert sum(np.frombuffer(item.bought)) + item.on_order == pytest.approx(400)
    spec["start"], spec["duration"] = 39.5, 0.5  # nothing departs in the window any more
    assert sum(chain(build(data), seed=3).suppliers["f"].ordered) == 400


# ------------------------------------------------------------------------------------------ theory (Monte Carlo)
def _availability(outage: dict, seeds: int, horizon: int = 4000) -> tuple[float, float]:
    data = single_stage({"kind": "base_stock", "level": 5}, const(1), transit=1, horizon=horizon, warmup=100)
    data["disruptions"] = [outage]
    sc = build(data)
    vals = [run_replication(sc, s, timeseries=False).kpi("supplier_availability", "f") for s in rep_seeds(7, seeds)]
    return float(np.mean(vals)), float(np.std(vals, ddof=1) / np.sqrt(seeds))


def test_renewal_availability_is_mtbf_over_mtbf_plus_mttr():
    """Exponential up (MTBF 20) and down (MTTR 5) times: availability 20 / 25 within 4 standard errors."""
    exp = {"dist": "exponential"}
    mean, se = _availability(
        {
            "kind": "random_outage",
            "supplier": "f",
            "time_to_failure": {**exp, "mean": 20},
            "repair_time": {**exp, "mean": 5},
        },
        12,
    )
    assert abs(mean - 0.8) < 4 * se + 1e-3, (mean, se)


def test_markov_availability_is_p_recover_over_sum():
    """Per-period chain with p_fail 0.1, p_recover 0.3: availability 0.3 / 0.4 = 0.75 within 4 standard errors."""
    mean, se = _availability({"kind": "markov_outage", "supplier": "f", "p_fail": 0.1, "p_recover": 0.3}, 12)
    assert abs(mean - 0.75) < 4 * se + 1e-3, (mean, se)


def test_fill_rate_with_unreliable_supplier_matches_markov_chain():
    """Base stock S = 3, demand 1 a period, transit 1, supplier on a Markov chain (p_f 0.1, p_r 0.4). The demand of
    period t is filled iff the supplier's current down run at t - 1 is shorter than S (the orders of that run are
    the only ones missing). Stationary distribution of (up, down run age 1..S) solved numerically."""
    p_f, p_r, S = 0.1, 0.4, 3
    n = S + 1  # state 0 = up, k = down for k periods (S = "S or more")
    P = np.zeros((n, n))
    P[0, 0], P[0, 1] = 1 - p_f, p_f
    for k in range(1, n):
        P[k, 0] = p_r
        P[k, min(k + 1, S)] += 1 - p_r
    w, v = np.linalg.eig(P.T)
    pi = np.real(v[:, np.argmin(abs(w - 1))])
    pi /= pi.sum()
    exact = pi[:S].sum()
    closed = p_r / (p_f + p_r) * (1 + p_f * (1 - (1 - p_r) ** (S - 1)) / p_r)
    assert exact == pytest.approx(closed)
    data = single_stage({"kind": "base_stock", "level": S}, const(1), transit=1, horizon=3000, warmup=100)
    data["disruptions"] = [{"kind": "markov_outage", "supplier": "f", "p_fail": p_f, "p_recover": p_r}]
    sc = build(data)
    vals = [run_replication(sc, s, timeseries=False).kpi("fill_rate", "r", "w") for s in rep_seeds(3, 12)]
    mean, se = float(np.mean(vals)), float(np.std(vals, ddof=1) / np.sqrt(len(vals)))
    assert abs(mean - exact) < 4 * se + 1e-3, (mean, exact, se)


# ------------------------------------------------------------------------------------------ common random numbers
def _recorded_draws(sc, seed, monkeypatch) -> tuple[list[list[float]], dict[tuple[str, ...], list[float]]]:
    demands: list[list[float]] = []
    draws: dict[tuple[str, ...], list[float]] = {}
    original_sampler, original_add = builders.sampler, demand_mod.PeriodicDemand.add

    def sampler(dist, s, *key):
        inner = original_sampler(dist, s, *key)
        bucket = draws.setdefault(key, [])

        def draw():
            x = inner()
            bucket.append(x)
            return x

        return draw

    def add(self, quantities, sink):
        demands.append(list(quantities))
        original_add(self, quantities, sink)

    monkeypatch.setattr(builders, "sampler", sampler)
    monkeypatch.setattr(demand_mod.PeriodicDemand, "add", add)
    network_mod.SupplyChain(sc, seed, record_log=False).run()  # one run (run_replication adds the baseline)
    monkeypatch.undo()
    return demands, draws


def test_adding_disruptions_changes_no_demand_or_transit_draw(monkeypatch):
    """Every kind at once on the showcase: each demand stream is the same list, and each transit / production stream
    gives the same draws in the same order (a run may use more or fewer of them, never different ones)."""
    base = load_scenario("consolidated_sourcing")
    specs = [
        {"kind": "supplier_outage", "supplier": "tw_taoyuan", "start": 90, "duration": 42},
        {
            "kind": "random_outage",
            "supplier": "de_rhein",
            "time_to_failure": {"dist": "exponential", "mean": 40},
            "repair_time": {"dist": "exponential", "mean": 5},
        },
        {"kind": "markov_outage", "supplier": "cn_shenzhen", "p_fail": 0.02, "p_recover": 0.2},
        {"kind": "capacity_loss", "supplier": "de_bavaria", "fraction": 0.5, "start": 80, "duration": 30},
        {"kind": "lane_closure", "lane": "hub_venlo->west_lyon", "start": 100, "duration": 10, "in_transit": "held"},
        {"kind": "lane_slowdown", "lane": "vn_haiphong->hub_venlo", "factor": 1.5, "start": 70, "duration": 60},
        {"kind": "regional_event", "region": "Mexico", "start": 120, "duration": 20},
        {"kind": "demand_shock", "multiplier": 1.4, "start": 100, "duration": 14, "skus": ["pk_tray"]},
        {"kind": "quality_excursion", "supplier": "pl_poznan", "defect_rate": 0.2, "start": 90, "duration": 20},
    ]
    disrupted = load_scenario({**base.to_dict(), "disruptions": specs})
    seed = rep_seeds(5, 1)[0]
    d0, t0 = _recorded_draws(base, seed, monkeypatch)
    d1, t1 = _recorded_draws(disrupted, seed, monkeypatch)
    assert d0 == d1 and len(d0) > 30
    assert set(t0) == set(t1)
    for key in t0:
        n = min(len(t0[key]), len(t1[key]))
        assert n > 0 and t0[key][:n] == t1[key][:n], key


# ------------------------------------------------------------------------------------------ tts_optimal (LP)


# ------------------------------------------------------------------------------------------ validation
@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (
            {"kind": "supplier_outage", "supplier": "nope", "start": 1},
            "disruptions[0].supplier: unknown supplier 'nope'; known suppliers: f",
        ),
        ({"kind": "lane_closure", "lane": "x->y", "start": 1}, "known lanes: f->r"),
        ({"kind": "regional_event", "region": "Mars", "start": 1}, "unknown region 'Mars'; known regions: none"),
        (
            {"kind": "supplier_outage", "supplier": "f", "start": 1, "duration": -2},
            "duration: Input should be greater than 0",
        ),
        (
            {"kind": "markov_outage", "supplier": "f", "p_fail": 1.5, "p_recover": 0.1},
            "p_fail: Input should be less than or equal to 1",
        ),
        ({"kind": "supplier_outage", "supplier": "f", "start": float("nan")}, "start: Input should be a finite number"),
        ({"kind": "flood", "start": 1}, "unknown disruption 'flood'; known: capacity_loss, demand_shock"),
        ({"kind": "capacity_loss", "supplier": "f", "fraction": 0.5}, "has no capacity to lose"),
        (
            {"kind": "random_outage", "supplier": "f", "time_to_failure": const(0), "repair_time": const(1)},
            "time_to_failure must have a mean > 0",
        ),
        ({"kind": "demand_shock", "multiplier": 2, "nodes": ["f"]}, "'f' is not a node with demand; known: r"),
    ],
)
def test_bad_disruption_is_one_clear_error(spec, expected):
    """Unknown elements, negative durations, probabilities outside [0, 1], non-finite numbers, unknown kinds."""
    data = single_stage({"kind": "base_stock", "level": 10}, const(4))
    data["disruptions"] = [spec]
    with pytest.raises(ScenarioError) as exc:
        build(data)
    assert expected in str(exc.value)
    assert "disruptions[0]" in str(exc.value)


def test_regional_scenario_shows_concentration_costs():
    """regional_disruption.yaml: the product dual-sourced within Asia loses more than the one spread over regions
    (paired over 6 replications; the spread product keeps half its supply)."""
    sc = load_scenario("regional_disruption")
    conc, spread = [], []
    for s in rep_seeds(0, 6):
        r = run_replication(sc, s, timeseries=False)
        conc.append(r.kpi("lost_sales_during", "ALL", "gadget_concentrated"))
        spread.append(r.kpi("lost_sales_during", "ALL", "gadget_spread"))
    diff = np.array(conc) - np.array(spread)
    assert diff.mean() > 4 * diff.std(ddof=1) / np.sqrt(diff.size)
    assert (
        sim.simulate("regional_disruption", seed=1).kpi("tts_optimal", "ALL", "gadget_spread") == 240 - 60
    )  # EU backup: the cap


def test_a_disruption_that_never_happens_has_no_impact():
    """A Markov outage with p_fail 0 never starts: nothing observed (TTS NaN, not censored: no start), TTR 0, no
    losses, full availability."""
    data = single_stage({"kind": "base_stock", "level": 10}, const(4), transit=1, horizon=20)
    data["disruptions"] = [{"kind": "markov_outage", "supplier": "f", "p_fail": 0, "p_recover": 0.5}]
    k = kpi_dict(run(data))
    assert math.isnan(k["r", "w", "time_to_survive"]) and math.isnan(k["ALL", "ALL", "tts_stock_cover"])
    assert math.isnan(k["r", "w", "time_to_survive_censored"])
    assert k["r", "w", "time_to_recover"] == 0 and k["r", "w", "lost_sales_during"] == 0
    assert k["f", "ALL", "supplier_availability"] == 1


def test_outage_past_the_horizon_is_cut_there_with_a_warning():
    """The module's case with the outage moved to [15, 25) on a 20-period run: it warns, and the supplier is down
    5 of 20 periods (availability 15/20), exactly as with an outage to the end of the run."""
    data = outage_case()
    data["disruptions"] = [{"kind": "supplier_outage", "supplier": "f", "start": 15, "duration": 10}]
    with pytest.warns(sim.SupplysimWarning, match=r"disruptions\[0\].duration: .* it is cut at 20"):
        cut = kpi_dict(run(data))
    data["disruptions"][0]["duration"] = None
    to_end = kpi_dict(run(data))
    assert cut["f", "ALL", "supplier_availability"] == pytest.approx(15 / 20)
    assert cut == pytest.approx(to_end, nan_ok=True)


def test_demand_shock_after_the_horizon_warns_and_changes_nothing():
    """A shock from t = 30 on a 20-period run never happens: a warning, and no resilience impact at all."""
    data = outage_case()
    data["disruptions"] = [{"kind": "demand_shock", "multiplier": 3, "start": 30, "duration": 5}]
    with pytest.warns(sim.SupplysimWarning, match="never happens in this run"):
        k = kpi_dict(run(data))
    assert math.isnan(k["r", "w", "time_to_survive"]) and k["r", "w", "lost_sales_during"] == 0
    assert k["r", "w", "fill_rate"] == 1


def test_disrupted_batch_same_tables_any_n_jobs():
    """Disruption draws are per replication: a disrupted batch gives identical KPI tables with 1 or 2 workers."""
    one = sim.run_batch("regional_disruption", {"replications": 4, "n_jobs": 1})
    two = sim.run_batch("regional_disruption", {"replications": 4, "n_jobs": 2})
    assert one.kpis.kpi.isin(["revenue_at_risk", "supplier_availability"]).any()
    import pandas as pd

    pd.testing.assert_frame_equal(one.kpis, two.kpis)
