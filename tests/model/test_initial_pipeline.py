"""``initial_pipeline: steady``: a replication starts in the steady state of its policies, checked to the unit."""

from __future__ import annotations

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
