"""Seeds and common random numbers (CRN).

Replication i of a batch with seed s uses SeedSequence(s).spawn(i + 1)[i]; every random stream inside a replication
is keyed by purpose and element, so a variant of a scenario (another policy, another node) sees the same demand draws.
"""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd

from sim.model.rng import replication_seed, stream
from tests.conftest import const, lane, run, single_stage, stock_node


def _base() -> dict:
    data = single_stage(
        {"kind": "base_stock", "level": 20},
        {"dist": "poisson", "mean": 5},
        transit={"dist": "triangular", "low": 1, "mode": 2, "high": 4},
        horizon=60,
        warmup=5,
    )
    data["nodes"].append(
        stock_node(
            "r2", policy={"kind": "s_S", "s": 5, "S": 25}, source="f", demand={"kind": "poisson_process", "rate": 2}
        )
    )
    data["lanes"].append(lane("f", "r2", {"dist": "exponential", "mean": 2}))
    return data


def _demand(res, node: str) -> list[float]:
    ts = res.timeseries
    return ts[ts.node == node].sort_values("t")["demand"].tolist()


def test_replication_seed_is_the_spawned_child() -> None:
    for base, i in [(0, 0), (7, 3), (12345, 10)]:
        child = np.random.SeedSequence(base).spawn(i + 1)[i]
        mine = replication_seed(base, i)
        assert mine.entropy == child.entropy and mine.spawn_key == child.spawn_key
        assert (mine.generate_state(4) == child.generate_state(4)).all()


def test_streams_are_keyed() -> None:
    seed = replication_seed(1, 0)
    a1 = stream(seed, "demand", "r", "w").random(5)
    a2 = stream(seed, "demand", "r", "w").random(5)
    b = stream(seed, "demand", "r2", "w").random(5)
    c = stream(replication_seed(1, 1), "demand", "r", "w").random(5)
    assert (a1 == a2).all()
    assert not np.allclose(a1, b) and not np.allclose(a1, c)


def test_same_seed_same_results() -> None:
    """Same scenario and seed: identical KPI vector (NaNs in the same places) and time series."""
    data = _base()
    r1, r2 = run(data, seed=42), run(data, seed=42)
    assert r1.kpi_index == r2.kpi_index
    np.testing.assert_array_equal(r1.kpi_values, r2.kpi_values)
    pd.testing.assert_frame_equal(r1.kpis, r2.kpis)
    pd.testing.assert_frame_equal(r1.timeseries, r2.timeseries)
    r3 = run(data, seed=43)
    assert not np.array_equal(_demand(r1, "r"), _demand(r3, "r"))


def test_int_seed_equals_its_seed_sequence() -> None:
    data = _base()
    np.testing.assert_array_equal(run(data, seed=5).kpi_values, run(data, seed=np.random.SeedSequence(5)).kpi_values)


def test_policy_change_keeps_demand_draws() -> None:
    """CRN: another policy (and another lane transit) at r changes r's orders, not the demand either retailer sees."""
    data = _base()
    variant = copy.deepcopy(data)
    variant["nodes"][1]["policy"]["w"] = {"kind": "periodic_order_up_to", "review_period": 7, "order_up_to": 60}
    variant["lanes"][0]["transit"] = const(3)
    seed = replication_seed(9, 2)
    a, b = run(data, seed=seed), run(variant, seed=seed)
    assert _demand(a, "r") == _demand(b, "r")
    assert _demand(a, "r2") == _demand(b, "r2")
    ts_a, ts_b = a.timeseries, b.timeseries
    assert ts_a[ts_a.node == "r"]["orders"].tolist() != ts_b[ts_b.node == "r"]["orders"].tolist()
    assert sum(_demand(a, "r")) > 0 and sum(_demand(a, "r2")) > 0


def test_adding_a_node_keeps_other_draws() -> None:
    """Adding a retailer with its own demand does not shift the demand (or the transit times) the others see."""
    data = _base()
    bigger = copy.deepcopy(data)
    bigger["nodes"].insert(
        1,
        stock_node("r0", policy={"kind": "base_stock", "level": 9}, source="f", demand={"dist": "poisson", "mean": 3}),
    )
    bigger["lanes"].insert(0, lane("f", "r0", {"dist": "uniform", "low": 0, "high": 3}))
    seed = replication_seed(9, 0)
    a, b = run(data, seed=seed), run(bigger, seed=seed)
    for node in ("r", "r2"):
        assert _demand(a, node) == _demand(b, node)
        # the same demand, policy and transit stream: the item's whole history is unchanged
        ts_a, ts_b = a.timeseries, b.timeseries
        cols = ["t", "on_hand", "backorders", "pipeline", "inventory_position", "orders", "filled"]
        pd.testing.assert_frame_equal(
            ts_a[ts_a.node == node][cols].reset_index(drop=True), ts_b[ts_b.node == node][cols].reset_index(drop=True)
        )
