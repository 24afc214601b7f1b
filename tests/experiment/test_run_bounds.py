"""Every way into a replication passes the memory estimate and the window check before anything is allocated: also
a scenario changed after validation (``model_copy`` skips the schema), and the containers of a consolidating lane
count in the estimate."""

from __future__ import annotations

from typing import Any

import pytest

import sim
from sim.errors import ConfigError, ScenarioError
from sim.experiment import footprint
from sim.experiment import replication as engine
from sim.scenario import workload
from sim.scenario.sources import load_scenario
from tests.conftest import const, single_stage


@pytest.fixture
def nothing_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*args: Any, **kw: Any) -> None:
        raise AssertionError("a model was built")

    monkeypatch.setattr(engine, "SupplyChain", boom)


def scenario() -> sim.Scenario:
    return load_scenario(single_stage({"kind": "base_stock", "level": 5}, const(1), horizon=20))


@pytest.mark.parametrize("run", [engine.run_replication, lambda sc, seed: engine.simulate(sc, seed)])
def test_a_huge_horizon_set_after_validation_is_refused(nothing_runs: None, run: Any) -> None:
    with pytest.raises(ConfigError, match=r"horizon=1000000000000: one replication would need ~"):
        run(scenario().model_copy(update={"horizon": 10**12}), 1)


@pytest.mark.parametrize(
    ("update", "words"),
    [
        ({"horizon": 0}, "horizon: a whole number of periods > 0 is needed, got 0"),
        ({"horizon": 2.5}, "horizon: a whole number of periods > 0 is needed, got 2.5"),
        ({"warmup": 20}, "warmup: a whole number of periods, >= 0 and smaller than horizon (20), got 20"),
        ({"warmup": -1}, "warmup: a whole number of periods, >= 0 and smaller than horizon (20), got -1"),
    ],
)
def test_a_window_no_replication_can_run_is_refused(nothing_runs: None, update: dict, words: str) -> None:
    """Before: horizon 0 was a SimPy ValueError, 2.5 a TypeError, a warm-up past the horizon NaN KPIs."""
    with pytest.raises(ScenarioError) as info:
        engine.run_replication(scenario().model_copy(update=update), 1)
    assert str(info.value) == words
    with pytest.raises(ScenarioError):
        engine.Prepared(scenario().model_copy(update=update))


def test_containers_count_in_the_memory_estimate() -> None:
    data = single_stage({"kind": "base_stock", "level": 5}, const(10), horizon=20)
    plain = load_scenario(data)
    data["lanes"][0]["consolidation"] = {"capacity": 4, "dispatch": ["when_full"]}
    boxed = load_scenario(data)
    assert workload.containers(boxed) == pytest.approx((10 * 20 + 5) / 4)
    extra = footprint.replication_bytes(boxed, timeseries=False) - footprint.replication_bytes(plain, timeseries=False)
    assert extra == int((10 * 20 + 5) / 4 * footprint.BYTES_PER_CONTAINER)
