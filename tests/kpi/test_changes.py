"""The paired change KPIs of a disrupted replication: its network and product KPIs minus those of the same
replication without the disruptions (issue 20: every disrupted batch carries its paired baseline)."""

from __future__ import annotations

import numpy as np
import pytest

import sim
from tests.conftest import const, single_stage


def outage(data: dict) -> dict:
    return {**data, "disruptions": [{"kind": "supplier_outage", "supplier": "f", "start": 10, "duration": 8}]}


def test_changes_are_the_disrupted_run_minus_the_same_run_without():
    """With common random numbers the twin equals a separate run of the scenario without disruptions: each change is
    the difference of the two runs' KPIs, exactly."""
    calm = single_stage({"kind": "base_stock", "level": 12}, {"dist": "poisson", "mean": 4}, transit=2, horizon=60)
    hit = sim.simulate(outage(calm), seed=5, timeseries=False)
    alone = sim.simulate(calm, seed=5, timeseries=False)
    for change, kpi in (("fill_rate_change", "fill_rate"), ("total_cost_change", "total_cost")):
        for sku in ("ALL", "w"):
            assert hit.kpi(change, "ALL", sku) == hit.kpi(kpi, "ALL", sku) - alone.kpi(kpi, "ALL", sku)
    assert hit.kpi("fill_rate_change") < 0  # the outage hurts
    base = hit.baseline.set_index(["node", "sku", "kpi"])["value"]
    mine = alone.kpis.set_index(["node", "sku", "kpi"])["value"]
    np.testing.assert_array_equal(base.to_numpy(), mine.loc[base.index].to_numpy())


def test_by_hand():
    """Demand 2 a period, base stock 4, transit 1; the supplier is down over [10, 18): the order of day 9 arrives on
    day 10, so days 10 and 11 are filled from stock; the orders of days 10-17 leave when it is back on day 18 and
    arrive on day 19, so days 12-18 (7 periods × 2 units) are not filled at once: the fill rate over the window
    (60 periods, 120 units) drops by 14/120."""
    calm = single_stage({"kind": "base_stock", "level": 4}, const(2), transit=1, horizon=60)
    hit = sim.simulate(outage(calm), seed=0, timeseries=False)
    assert hit.kpi("fill_rate_change") == pytest.approx(-14 / 120)
    assert sim.simulate(calm, seed=0, timeseries=False).baseline is None


def test_a_calm_scenario_has_no_change_rows():
    calm = single_stage({"kind": "base_stock", "level": 4}, const(2), transit=1, horizon=30)
    kpis = sim.simulate(calm, seed=0, timeseries=False).kpis
    assert not kpis["kpi"].isin(["fill_rate_change", "total_cost_change"]).any()
