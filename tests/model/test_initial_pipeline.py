"""``initial_pipeline: steady``: a replication starts in the steady state of its policies, checked to the unit."""

from __future__ import annotations

import numpy as np

import sim
from sim.scenario.loading import validate


def chain(initial_pipeline: str) -> sim.Scenario:
    """Constant demand 10/period, base-stock level 50, constant 3-period transit: lead-time demand is 30."""
    return validate(
        {
            "name": "steady",
            "horizon": 12,
            "initial_pipeline": initial_pipeline,
            "products": [{"id": "w", "holding_cost": 1}],
            "nodes": [
                {"id": "f", "type": "supplier"},
                {
                    "id": "s",
                    "type": "retailer",
                    "demand": {"w": {"dist": "constant", "value": 10}},
                    "policy": {"w": {"kind": "base_stock", "level": 50}},
                    "sources": {"w": [{"node": "f"}]},
                },
            ],
            "lanes": [{"from": "f", "to": "s", "transit": {"dist": "constant", "value": 3}}],
        }
    )


def test_steady_start_is_flat_from_period_zero():
    """Pipeline 10 arriving at t = 0, 1, 2 (ordered 'before' t = 0), on hand 50 - 30 = 20. Each period: receive 10,
    sell 10, reorder 10, so the end-of-period levels never move: on hand 20, pipeline 30, position 50."""
    ts = sim.simulate(chain("steady"), seed=1).timeseries
    assert ts["on_hand"].tolist() == [20.0] * 12
    assert ts["pipeline"].tolist() == [30.0] * 12
    assert ts["inventory_position"].tolist() == [50.0] * 12
    res = sim.simulate(chain("steady"), seed=1)
    assert res.kpi("on_hand_avg", "s", "w") == 20.0  # 20 after demand each period, 30 nowhere: demand at period start
    assert res.kpi("lead_time_avg", "s", "w") == 3.0  # preloaded orders (placed before 0) are not counted


def test_cold_start_drains_first():
    """Without a pipeline the store starts with 50 on hand and nothing in transit: 40, 30, 20, then steady."""
    ts = sim.simulate(chain("none"), seed=1).timeseries
    assert ts["on_hand"].tolist() == [40.0, 30.0] + [20.0] * 10
    assert ts["pipeline"].tolist()[:3] == [10.0, 20.0, 30.0]


def test_a_lead_time_beyond_the_horizon_is_one_order_past_it():
    """Transit 10^12 periods (a typo the memory bound can't see): the steady pipeline still holds 10 a period over
    the whole lead time (10^13 units in transit), but as 12 orders arriving at t = 0..11 and one for the rest, so
    building the replication is instant (it made 10^12 orders, one per period, and never finished)."""
    data = chain("steady").to_dict()
    data["lanes"][0]["transit"] = {"dist": "constant", "value": 1e12}
    data["nodes"][1]["initial_stock"] = {"w": 0}
    ts = sim.simulate(data, seed=1).timeseries
    # t = 0: 10 of the pipeline arrive and are sold; the rest stays in transit (10^12 - 1 periods' worth)
    assert ts["pipeline"].tolist()[0] == 10.0 * (1e12 - 1)
    assert ts["on_hand"].tolist() == [0.0] * 12  # each period receives 10 and sells 10; the policy orders nothing


def test_the_steady_pipeline_past_the_horizon_is_one_order():
    """Transit 1000 and horizon 12: open orders due at t = 0..11, one more for the 988 periods after (not 1000)."""
    from sim.experiment.replication import Prepared

    data = chain("steady").to_dict()
    data["lanes"][0]["transit"] = {"dist": "constant", "value": 1000}
    model = Prepared(sim.load_scenario(data)).chain(np.random.SeedSequence(1))
    link = model.items["s", "w"].sources[0]
    assert [o.due for o in link.open] == list(range(13))
    assert [o.qty for o in link.open] == [10.0] * 12 + [10.0 * 988]
    assert link.on_order == 10_000.0
