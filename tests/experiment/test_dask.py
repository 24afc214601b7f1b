"""Dask backend: a real LocalCluster of 2 worker processes (one per module) gives the local backend's tables."""

from __future__ import annotations

import pandas as pd
import pytest

from sim.experiment.batch import MCSettings, run_batch
from sim.scenario.loading import validate
from sim.scenario.schema import Scenario
from sim.scenario.sources import load_scenario

pytestmark = pytest.mark.dask
distributed = pytest.importorskip("distributed")


def small() -> Scenario:
    data = load_scenario("serial_chain").to_dict()
    data["horizon"], data["warmup"] = 60, 10
    return validate(data)


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, host="127.0.0.1"
    ) as c:
        yield c


def _same(a, b) -> None:
    for name in ("kpis", "summary", "bands", "failures"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), check_exact=True)


def test_dask_equals_local(cluster, tmp_path):
    sc = small()
    mc = MCSettings(replications=40, seed=12, series_replications=6)
    local = run_batch(sc, mc)
    remote = run_batch(sc, mc.model_copy(update={"backend": "dask", "address": cluster.scheduler_address}))
    _same(local, remote)
    assert remote.stop_reason == "fixed replications"
    # parts + resume work the same way: a dask run finishing a local run's directory
    partial = run_batch(sc, mc.model_copy(update={"replications": 15}), out_dir=tmp_path)
    assert partial.n_replications == 15
    resumed = run_batch(
        sc,
        mc.model_copy(update={"backend": "dask", "address": cluster.scheduler_address, "resume": True}),
        out_dir=tmp_path,
    )
    _same(local, resumed)


def test_dask_own_local_cluster_and_precision_rounds():
    """Without an address, run_batch starts (and closes) its own LocalCluster; rounds reuse it."""
    sc = small()
    mc = MCSettings(
        replications=6, round_size=6, max_replications=18, seed=3, target_halfwidth=1e-12, target_kpi="total_cost"
    )
    got = run_batch(sc, mc.model_copy(update={"backend": "dask", "n_jobs": 2, "series_replications": 4}))
    ref = run_batch(sc, mc.model_copy(update={"series_replications": 4}))
    assert got.stop_reason == "max_replications reached" and got.n_replications == 18
    _same(ref, got)
