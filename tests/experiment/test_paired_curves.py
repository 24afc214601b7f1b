"""``sim.paired_curves``: the public resilience curves pair with a batch's replications, and bad arguments are one
clear error each."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import sim


def test_paired_curves_are_the_batch_replications():
    """Replication r of the curves uses the seed of replication r of a batch with the same ``mc.seed``: the paired
    metrics equal the batch's resilience KPIs, replication by replication."""
    curves, base, paired = sim.paired_curves("regional_disruption", replications=3, seed=4)
    batch = sim.run_batch("regional_disruption", {"replications": 3, "seed": 4})
    assert curves.shape == base.shape == (3, batch.scenario.horizon)
    for kpi in ("revenue_at_risk", "lost_sales_during", "backorders_peak", "time_to_recover"):
        np.testing.assert_allclose(paired[kpi].to_numpy(), batch.values_of(kpi))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"scenario": "serial_chain"}, "scenario: paired_curves needs a scenario with disruptions"),
        ({"replications": 0}, "replications: an integer >= 1; got 0"),
        ({"seed": -1}, "seed: an integer >= 0; got -1"),
        ({"sku": "nope"}, "sku: unknown product 'nope'; known: gadget_concentrated, gadget_spread"),
    ],
)
def test_bad_arguments(kwargs, message):
    args = {"scenario": "regional_disruption", **kwargs}
    with pytest.raises(sim.ArgumentError, match=message):
        sim.paired_curves(**args)


def test_the_same_curves_on_two_processes():
    """``n_jobs`` shares the replications out; every number stays as on one process."""
    one = sim.paired_curves("regional_disruption", replications=3, seed=2)
    two = sim.paired_curves("regional_disruption", replications=3, seed=2, n_jobs=2)
    np.testing.assert_array_equal(one[0], two[0])
    np.testing.assert_array_equal(one[1], two[1])
    pd.testing.assert_frame_equal(one[2], two[2])
