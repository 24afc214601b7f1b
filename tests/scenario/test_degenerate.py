"""Degenerate but valid scenarios load with a warning that names the field and what is degenerate
(sim.scenario.degenerate); the library scenarios load without one."""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import sim
from sim.errors import SupplysimWarning
from sim.scenario.distributions import CENSORING_TOLERANCE, Dist, censored_mean
from sim.scenario.loading import library
from sim.scenario.sources import load_scenario
from tests.conftest import const, single_stage

Mutate = Callable[[dict[str, Any]], None]


def good(horizon: int = 20) -> dict[str, Any]:
    """Supplier f -> retailer r (product w, demand 1 a period), horizon 20 (tests.conftest.single_stage)."""
    return single_stage({"kind": "base_stock", "level": 5}, const(1), horizon=horizon)


def warned(mutate: Mutate, horizon: int = 20) -> list[str]:
    data = good(horizon)
    mutate(data)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        load_scenario(data)
    return [str(w.message) for w in caught if issubclass(w.category, SupplysimWarning)]


def demand(spec: dict[str, Any]) -> Mutate:
    return lambda d: d["nodes"][1]["demand"].__setitem__("w", spec)


def phi(x: float) -> float:
    return math.exp(-x * x / 2) / math.sqrt(2 * math.pi)


def Phi(x: float) -> float:  # the normal CDF's usual name
    return 0.5 * (1 + math.erf(x / math.sqrt(2)))


@pytest.mark.parametrize("name", sorted(library()))
def test_library_scenarios_load_without_warnings(name: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", SupplysimWarning)
        load_scenario(name)


@pytest.mark.parametrize(("mu", "sd"), [(1.0, 3.0), (10.0, 3.0), (-2.0, 1.0), (0.0, 1.0), (5.0, 0.0), (-5.0, 0.0)])
def test_censored_mean_is_the_closed_form(mu: float, sd: float) -> None:
    """E[max(X, 0)] = mu Phi(mu/sd) + sd phi(mu/sd) for X ~ N(mu, sd) (max(mu, 0) when sd = 0), and the draws agree."""
    expected = max(mu, 0.0) if sd == 0 else mu * Phi(mu / sd) + sd * phi(mu / sd)
    assert censored_mean(mu, sd) == pytest.approx(expected, rel=1e-12, abs=1e-15)
    draws = Dist(dist="normal", mean=mu, sd=sd).draw(np.random.default_rng(1), 400_000)
    assert draws.mean() == pytest.approx(expected, abs=5 * sd / math.sqrt(len(draws)) + 1e-12)


def test_a_normal_warns_exactly_when_censoring_moves_its_mean_beyond_the_tolerance() -> None:
    """The boundary, by bisection on the closed form: mean/sd = a* where a Phi(a) + phi(a) - a = tol a (~1.75)."""
    lo, hi = 1.0, 3.0
    for _ in range(60):
        a = (lo + hi) / 2
        lo, hi = (a, hi) if a * Phi(a) + phi(a) - a > CENSORING_TOLERANCE * a else (lo, a)
    assert 1.7 < lo < 1.8
    below, above = lo * 0.999, hi * 1.001
    got = warned(demand({"dist": "normal", "mean": below * 10, "sd": 10}))
    assert len(got) == 1 and got[0].startswith("nodes[1] (id: r).demand.w.quantity: normal with mean"), got
    mean = below * 10 * Phi(below) + 10 * phi(below)
    assert f"its mean is {mean:.4g}, not {below * 10:g} as written" in got[0]
    assert warned(demand({"dist": "normal", "mean": above * 10, "sd": 10})) == []


def test_a_censored_transit_time_warns() -> None:
    got = warned(lambda d: d["lanes"][0].__setitem__("transit", {"dist": "normal", "mean": 0, "sd": 2}))
    assert got == [
        "lanes[0] (id: f->r).transit: normal with mean 0 and sd 2 is censored at 0 (a negative draw becomes 0): its "
        f"mean is {2 * phi(0):.4g}, not 0 as written; give a mean well above the sd (>= 1.75 sd) or another "
        "distribution"
    ]


def test_time_patterns_floored_at_zero_warn() -> None:
    """A trend that falls below 0 (10 - 1 x 19 = -9 at the last period); an AR(1) with stationary sd 2/sqrt(0.75);
    a season whose trough is 0 with noise 1: each mean moves as the closed form says."""
    trend = warned(demand({"kind": "trend", "base": 10, "slope": -1}))
    assert trend == [
        "nodes[1] (id: r).demand.w: the trend level falls to -9 within the horizon (20), and demand is floored at 0: "
        "where the level is below 0 demand is 0, not the level written"
    ]
    sd = 2 / math.sqrt(1 - 0.5**2)
    ar1 = warned(demand({"kind": "ar1", "mean": 2, "phi": 0.5, "sigma": 2}))
    assert len(ar1) == 1 and f"makes its mean {2 * Phi(2 / sd) + sd * phi(2 / sd):.4g}, not 2 as written" in ar1[0]
    season = warned(demand({"kind": "seasonal", "base": 5, "amplitude": 5, "season_length": 4, "noise_sd": 1}))
    assert len(season) == 1 and f"lowest (0), a spread of sd 1 makes its mean {phi(0):.4g}" in season[0]
    # the same season over 1 period never reaches its trough (sin 0 = 0): level 5, noise 1, 5 sd above 0
    assert warned(demand({"kind": "seasonal", "base": 5, "amplitude": 5, "season_length": 4, "noise_sd": 1}), 1) == []


def test_a_promotion_or_step_outside_the_horizon_warns() -> None:
    promo = warned(demand({"kind": "promotion", "base": 4, "dates": [3, 20, 25], "multiplier": 2}))
    assert promo == [
        f"nodes[1] (id: r).demand.w.dates[{i}]: a promotion from period {d} is wholly outside the horizon (20): it "
        "never happens"
        for i, d in ((1, 20), (2, 25))
    ]
    assert warned(demand({"kind": "promotion", "base": 4, "dates": [19], "multiplier": 2})) == []
    step = warned(demand({"kind": "step", "before": 4, "after": 8, "at": 20}))
    assert step == [
        "nodes[1] (id: r).demand.w.at: the step at period 20 is not before the horizon (20): demand stays 4"
    ]


def test_a_product_no_node_stocks_warns() -> None:
    got = warned(lambda d: d["products"].append({"id": "spare"}))
    assert got == [
        "products[1] (id: spare): no node stocks it (no policy, source, demand or initial stock names it); it has no "
        "KPIs"
    ]


def test_zero_risk_weights_warn() -> None:
    def segmented(weights: dict[str, float], threshold: float = 0.5) -> Mutate:
        return lambda d: d.__setitem__("segmentation", {"weights": weights, "risk_threshold": threshold})

    zero = dict.fromkeys(("single_source", "lead_time_spread", "defects", "region"), 0.0)
    assert warned(segmented(zero)) == [
        "segmentation.weights: all zero, so every item's risk score is 0: no item is high risk"
    ]
    assert warned(segmented(zero, 0.0)) == [
        "segmentation.weights: all zero, so every item's risk score is 0: every item is high risk"
    ]
    low = {**zero, "defects": 0.2, "region": 0.1}
    assert warned(segmented(low)) == [
        "segmentation.risk_threshold: 0.5 is above the most a risk score can be (the weights add up to 0.3): no item "
        "is high risk"
    ]
    assert warned(segmented({**zero, "single_source": 0.5})) == []


def test_a_lane_that_never_dispatches_and_a_review_after_the_horizon_warn() -> None:
    sail = {"capacity": 100, "dispatch": ["schedule"], "every": 30, "offset": 25}
    got = warned(lambda d: d["lanes"][0].__setitem__("consolidation", sail))
    assert got == [
        "lanes[0] (id: f->r).consolidation: no dispatch rule fires before the horizon (20): no container leaves"
    ]
    assert warned(lambda d: d["lanes"][0].__setitem__("consolidation", {**sail, "offset": 19})) == []
    review = {"kind": "periodic_order_up_to", "review_period": 50, "order_up_to": 5, "offset": 20}
    assert warned(lambda d: d["nodes"][1]["policy"].__setitem__("w", review)) == [
        "nodes[1] (id: r).policy.w.offset: the first review (period 20) is not before the horizon (20): 'w' is never "
        "reordered there"
    ]


def test_warnings_are_ordinary_python_warnings() -> None:
    data = good()
    data["products"].append({"id": "spare"})
    with pytest.warns(sim.SupplysimWarning, match=r"products\[1\] \(id: spare\): no node stocks it"):
        sim.load_scenario(data)


def _may_hold(annotation: Any, seen: set[Any]) -> bool:
    """The type ``annotation`` can hold a distribution or a demand spec at some depth."""
    import typing

    from pydantic import BaseModel

    from sim.scenario.demand import DemandSpec

    if annotation in seen:
        return False
    seen.add(annotation)
    if isinstance(annotation, type) and issubclass(annotation, Dist | DemandSpec):
        return True
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return any(_may_hold(f.annotation, seen) for f in annotation.model_fields.values())
    return any(_may_hold(a, seen) for a in typing.get_args(annotation))


def test_the_models_the_walk_skips_hold_no_distribution() -> None:
    """sim.scenario.degenerate skips these models for speed: none of them (nor any policy or sourcing rule's
    parameters) can hold a distribution or a demand spec, so nothing censored is missed."""
    from sim.policy.kinds import POLICIES, SOURCING
    from sim.registry import Spec
    from sim.scenario import degenerate

    for model in degenerate.NO_DISTRIBUTIONS:
        assert not _may_hold(model, set()), model
    for registry in (POLICIES, SOURCING):
        for name in registry:
            assert not _may_hold(registry[name].Params, set()), name
    assert issubclass(degenerate.NO_DISTRIBUTIONS[0], Spec)  # the walk would otherwise enter a spec's parameters
    assert _may_hold(sim.Scenario, set())  # the check can fail
