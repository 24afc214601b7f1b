"""Inputs that size time or memory are bounded at validation: the events a replication would make
(sim.scenario.workload: containers, customers, reviews), a demand CSV (before pandas reads it), and the magnitude of
every registry parameter."""

from __future__ import annotations

import time
from typing import Any

import pytest

from sim.errors import ScenarioError
from sim.experiment import replication as engine
from sim.scenario import limits, workload
from sim.scenario.demand_kinds import read_series
from sim.scenario.loading import library, read_yaml
from sim.scenario.sources import load_scenario
from tests.conftest import const, single_stage


def boxed(capacity: float = 4.0, horizon: int = 20) -> dict[str, Any]:
    """Supplier f -> retailer r over a lane of containers of ``capacity`` units (when full); demand 10 a period,
    base stock 5 (so 5 on hand at t = 0)."""
    data = single_stage({"kind": "base_stock", "level": 5}, const(10), horizon=horizon)
    data["lanes"][0]["consolidation"] = {"capacity": capacity, "dispatch": ["when_full"]}
    return data


def refused(data: dict[str, Any]) -> str:
    with pytest.raises(ScenarioError) as info:
        load_scenario(data)
    return str(info.value)


@pytest.fixture
def nothing_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*args: Any, **kw: Any) -> None:
        raise AssertionError("a model was built")

    monkeypatch.setattr(engine, "SupplyChain", boom)


def test_issue_19a_a_tiny_container_is_refused_before_anything_runs(nothing_runs: None) -> None:
    """The reproduction: serial_chain with containers of 0.000001 units on lane 0 ran for ever, ~50 MB/s. The DC's
    item draws the store's 10 a period over 365 periods, plus its policy's levels up front (review 7 + order-up-to
    300): (3650 + 307) / 1e-6 = 3.957e9 containers."""
    data = read_yaml(library()["serial_chain"])
    data["lanes"][0]["consolidation"] = {"capacity": 0.000001, "dispatch": ["when_full"]}
    started = time.perf_counter()
    message = refused(data)
    assert time.perf_counter() - started < 5
    assert message.startswith(
        "scenario is invalid:\n  lanes[0].consolidation.capacity: containers of 1e-06 units for ~10 units a period "
        "over 365 periods (+307 up front) make ~3.96e+09 containers; one replication may make at most 20,000,000 "
        "events"
    ), message
    assert "raise the limit with SUPPLYSIM_MAX_EVENTS=<n>" in message


def test_the_container_estimate_bounds_the_containers_that_leave() -> None:
    """Base stock orders the demand: 20 orders of 10 units, 200 units in full containers of 4: 50 leave. The
    estimate is (10 x 20 + the level 5 up front) / 4 = 51.25."""
    from sim.experiment.replication import run_replication

    sc = load_scenario(boxed())
    assert workload.containers(sc) == pytest.approx(51.25)
    result = run_replication(sc, 1, timeseries=False)
    assert result.kpi("shipments", "lane:f->r", "ALL") == 50


def test_containers_by_volume_and_schedule() -> None:
    """By volume (0.5 a unit, containers of 4: 8 units each) and a weekly sailing: (10 x 21 + 5) x 0.5 / 4 = 26.875
    full ones, plus one sailing every 7 periods (21 / 7 = 3)."""
    data = boxed(horizon=21)
    data["products"][0]["unit_volume"] = 0.5
    data["lanes"][0]["consolidation"] = {"capacity": 4, "measure": "volume", "dispatch": ["schedule"], "every": 7}
    assert workload.containers(load_scenario(data)) == pytest.approx((10 * 21 + 5) * 0.5 / 4 + 3)


@pytest.mark.parametrize(
    ("mutate", "field", "count"),
    [
        (lambda d: d["nodes"][1].__setitem__("demand", {"w": {"kind": "poisson_process", "rate": 2e6}}),
         "nodes[1] (id: r).demand.w.rate: 2e+06 customers a period over 20 periods", "4e+07 customers"),
        (lambda d: d["nodes"][1].update(demand={}, baskets=[{"orders": {"dist": "poisson", "mean": 2e6},
                                                             "lines": {"w": const(1)}}]),
         "nodes[1] (id: r).baskets[0].orders: ~2e+06 customer orders a period", "4e+07 customer orders"),
        (lambda d: d["nodes"][1]["policy"].__setitem__("w", {"kind": "periodic_order_up_to", "review_period": 1e-7,
                                                             "order_up_to": 5}),
         "nodes[1] (id: r).policy.w.review_period: a review every 1e-07 periods", "2e+08 reviews"),
    ],
    ids=["poisson_process", "baskets", "review_period"],
)  # fmt: skip
def test_customers_and_reviews_are_bounded(nothing_runs: None, mutate: Any, field: str, count: str) -> None:
    data = single_stage({"kind": "base_stock", "level": 5}, const(1), horizon=20)
    mutate(data)
    message = refused(data)
    assert field in message and f"make ~{count}" in message, message


def test_the_elements_that_make_the_total_are_named_and_the_limit_can_be_raised(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Limit 100: reviews every 0.1 periods (200, 180 beyond one a period) and 51.25 containers (31.25 beyond): both
    named, the biggest first."""
    data = boxed()
    data["nodes"][1]["policy"]["w"] = {"kind": "periodic_order_up_to", "review_period": 0.1, "order_up_to": 5}
    monkeypatch.setenv(limits.ENV_EVENTS, "100")
    lines = refused(data).splitlines()[1:]
    assert lines[0].startswith("  nodes[1] (id: r).policy.w.review_period: a review every 0.1 periods"), lines
    assert lines[1].startswith("  lanes[0].consolidation.capacity: containers of 4 units"), lines
    assert len(lines) == 2
    assert "at most 100 events beyond one a period per element" in lines[-1] and "the fields above" in lines[-1]
    monkeypatch.setenv(limits.ENV_EVENTS, "1000")
    load_scenario(data)


def test_one_event_a_period_is_the_horizons_business() -> None:
    """A daily review over 10^9 periods is what the memory estimate refuses (the horizon), not the events bound."""
    data = single_stage({"kind": "periodic_order_up_to", "review_period": 1, "order_up_to": 5}, const(1))
    data["horizon"] = 10**9
    sc = load_scenario(data)
    assert [load.beyond for load in workload.loads(sc)] == [0.0]


def _csv(path, rows: int) -> None:
    path.write_text("day,qty\n" + "".join(f"{i},{i % 7}\n" for i in range(rows)), encoding="utf-8")


def test_a_demand_csv_is_bounded_before_pandas_reads_it(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    import pandas as pd

    _csv(tmp_path / "d.csv", 3000)
    assert read_series(tmp_path / "d.csv", None)[:8] == [0, 1, 2, 3, 4, 5, 6, 0]

    def boom(*args: Any, **kw: Any) -> None:
        raise AssertionError("pandas read a file over the limit")

    monkeypatch.setattr(pd, "read_csv", boom)
    monkeypatch.setenv(limits.ENV_FILE_MB, "0.01")  # 10 KiB; the file is ~22 KiB
    with pytest.raises(ValueError, match=r"d.csv: 0.019 MB is larger than the 0.01 MB .* SUPPLYSIM_MAX_SCENARIO_MB"):
        read_series(tmp_path / "d.csv", None)
    monkeypatch.delenv(limits.ENV_FILE_MB)
    monkeypatch.setenv(limits.ENV_NODES, "1000")
    with pytest.raises(ValueError, match=r"3,001 lines, more than the 1,000 values .* SUPPLYSIM_MAX_SCENARIO_NODES"):
        read_series(tmp_path / "d.csv", None)


def test_a_long_demand_csv_is_refused_naming_the_field(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    _csv(tmp_path / "d.csv", 600)
    data = single_stage({"kind": "base_stock", "level": 5}, {"kind": "empirical", "file": "d.csv"})
    monkeypatch.setenv(limits.ENV_NODES, "500")
    with pytest.raises(ScenarioError, match=r"nodes\[1\] \(id: r\)\.demand\.w: .*601 lines, more than the 500"):
        from sim.scenario.loading import validate

        validate(data, base_dir=tmp_path)


@pytest.mark.parametrize(
    ("spec", "words"),
    [
        ({"dist": "poisson", "mean": 1e30}, "distribution 'poisson': mean: 1e+30 is larger than 1e+15 in magnitude"),
        ({"dist": "gamma", "mean": 8, "sd": 1e-300}, "sd: 1e-300 is less than 1/1e+12 of the mean (8)"),
        ({"dist": "lognormal", "mean": 5e-324, "sd": 1}, "sd: 1 is more than 1e+12 times the mean"),
        ({"dist": "negative_binomial", "mean": 1e-300, "variance": 200}, "mean: 1e-300 is too small for a variance"),
    ],
    ids=["poisson mean", "gamma sd", "lognormal sd", "negative_binomial mean"],
)
def test_absurd_distribution_parameters_are_refused(spec: dict[str, Any], words: str) -> None:
    """numpy's samplers refuse or overflow here (a Poisson mean over ~9e18: ValueError mid-run; gamma's shape
    (mean / sd)^2 = 6e601: OverflowError; a negative binomial's n = mean^2 / (variance - mean) underflowing to 0:
    ValueError mid-run); validation says which parameter instead."""
    data = single_stage({"kind": "base_stock", "level": 5}, spec)
    assert words in refused(data)


def test_policy_levels_are_bounded_too() -> None:
    data = single_stage({"kind": "base_stock", "level": 1e16}, const(1))
    assert "policy 'base_stock': level: 1e+16 is larger than 1e+15 in magnitude" in refused(data)


def test_negative_zero_is_zero() -> None:
    """-0.0 passes ``>= 0``, but numpy's normal sampler refused it mid-run ("scale < 0"): it reads as 0."""
    from sim.experiment.replication import run_replication

    spec = {"dist": "normal", "mean": 3, "sd": -0.0}
    sc = load_scenario(single_stage({"kind": "base_stock", "level": 5}, spec, horizon=5))
    assert run_replication(sc, 1).kpi("demand", "r", "w") == 15
