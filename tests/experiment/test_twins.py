"""Undisrupted twins kept in a folder (sim.experiment.twins): a disrupted replication that takes its twin from the
folder gives the KPI vector it gives when it runs the twin itself, bit for bit; the twin is really taken (the
baseline model is not run); only runs without the state log leave a twin; a damaged file is run again."""

from __future__ import annotations

from pathlib import Path

import numpy as np

import sim
from sim.experiment.replication import Prepared, baseline, run_replication
from sim.model.rng import replication_seed
from sim.scenario.schema import Scenario

MC = {"replications": 3, "seed": 5, "n_jobs": 1, "series_replications": 0, "progress": False}


def disrupted() -> Scenario:
    data = sim.load_scenario("serial_chain").to_dict()
    data["horizon"] = 120
    data["disruptions"] = [{"kind": "supplier_outage", "supplier": "factory", "start": 30, "duration": 20}]
    return sim.load_scenario(data)


def twin_files(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.npz"))


def test_a_batch_with_the_baselines_twins_gives_the_same_kpi_table(tmp_path: Path) -> None:
    sc = disrupted()
    ref = sim.run_batch(sc, MC)
    sim.run_batch(baseline(sc), MC, twins=tmp_path)
    assert len(twin_files(tmp_path)) == 3  # one per replication of the baseline batch
    got = sim.run_batch(sc, MC, twins=tmp_path)
    assert got.kpi_index == ref.kpi_index
    assert np.array_equal(got.values, ref.values, equal_nan=True)
    assert len(twin_files(tmp_path)) == 3  # read, not written again


def test_a_stored_twin_is_read_instead_of_running_the_baseline(tmp_path: Path) -> None:
    sc = disrupted()
    seed = replication_seed(5, 0)
    run_replication(Prepared(baseline(sc), tmp_path), seed, timeseries=False)  # leaves the twin
    prep = Prepared(sc, tmp_path)

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the baseline model ran although its twin was stored")

    prep.baseline.chain = refuse  # type: ignore[method-assign]
    got = run_replication(prep, seed, timeseries=False)
    ref = run_replication(sc, seed, timeseries=False)
    assert np.array_equal(got.kpi_values, ref.kpi_values, equal_nan=True)
    assert np.array_equal(got.baseline_values, ref.baseline_values, equal_nan=True)


def test_a_missing_twin_is_run_and_left_for_the_next_what_if(tmp_path: Path) -> None:
    sc = disrupted()
    seed = replication_seed(5, 1)
    first = run_replication(Prepared(sc, tmp_path), seed, timeseries=False)
    assert len(twin_files(tmp_path)) == 1
    again = run_replication(Prepared(sc, tmp_path), seed, timeseries=False)
    assert np.array_equal(first.kpi_values, again.kpi_values, equal_nan=True)


def test_runs_with_the_state_log_leave_no_twin(tmp_path: Path) -> None:
    run_replication(Prepared(baseline(disrupted()), tmp_path), replication_seed(5, 0), timeseries=True)
    assert twin_files(tmp_path) == []


def test_a_damaged_twin_is_run_again(tmp_path: Path) -> None:
    sc = disrupted()
    seed = replication_seed(5, 2)
    run_replication(Prepared(baseline(sc), tmp_path), seed, timeseries=False)
    (path,) = twin_files(tmp_path)
    path.write_bytes(b"not a twin")
    got = run_replication(Prepared(sc, tmp_path), seed, timeseries=False)
    ref = run_replication(sc, seed, timeseries=False)
    assert np.array_equal(got.kpi_values, ref.kpi_values, equal_nan=True)


def test_another_scenario_has_its_own_twins(tmp_path: Path) -> None:
    sc = disrupted()
    other = sim.load_scenario({**sc.to_dict(), "horizon": 100})
    sim.run_batch(baseline(sc), MC, twins=tmp_path)
    sim.run_batch(baseline(other), MC, twins=tmp_path)
    assert len({p.parent for p in twin_files(tmp_path)}) == 2
    got = sim.run_batch(other, MC, twins=tmp_path)
    ref = sim.run_batch(other, MC)
    assert np.array_equal(got.values, ref.values, equal_nan=True)


def test_worker_processes_share_the_folder(tmp_path: Path) -> None:
    sc = disrupted()
    sim.run_batch(baseline(sc), {**MC, "n_jobs": 2}, twins=tmp_path)
    got = sim.run_batch(sc, {**MC, "n_jobs": 2}, twins=tmp_path)
    assert np.array_equal(got.values, sim.run_batch(sc, MC).values, equal_nan=True)
