"""Monte Carlo batch layer: settings, seeds, reproducibility, CRN, bands, failures, interruption, resume,
precision-driven stopping. Scenarios are the shipped serial chain with a short horizon so every test stays quick."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from scipy import stats as st

import sim.experiment.backends
from sim.errors import ConfigError
from sim.experiment.batch import Batch, MCSettings, parse_seed, run_batch
from sim.experiment.replication import run_replication
from sim.experiment.stats import compare, summarize
from sim.scenario.loading import validate
from sim.scenario.schema import Scenario
from sim.scenario.sources import load_scenario

ROOT = Path(__file__).resolve().parents[2]


def small(level: float = 60, horizon: int = 60) -> Scenario:
    data = load_scenario("serial_chain").to_dict()
    data["horizon"], data["warmup"] = horizon, 10
    data["nodes"][2]["policy"]["widget"]["level"] = level
    return validate(data)


def frames_equal(a: Batch, b: Batch) -> None:
    for name in ("kpis", "summary", "bands", "failures"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), check_exact=True)


# --------------------------------------------------------------------------- settings
@pytest.mark.parametrize(
    ("bad", "match"),
    [
        ({"replications": 0}, "replications"),
        ({"n_jobs": 0}, "n_jobs"),
        ({"n_jobs": -2}, "n_jobs"),
        ({"backend": "spark"}, "backend"),
        ({"confidence": 1.0}, "confidence"),
        ({"replication": 5}, "unknown key"),
        ({"target_kpi": "fil_rate"}, "unknown KPI 'fil_rate'"),
        ({"target_halfwidth": 0.01, "replications": 50, "max_replications": 10}, "max_replications"),
        ({"address": "tcp://h:8786"}, "only used with backend=dask"),
    ],
)
def test_settings_validation(bad, match):
    with pytest.raises(ConfigError, match=match) as info:
        MCSettings.from_config(bad)
    assert str(info.value).startswith("invalid Monte Carlo settings:\n  mc")


def test_settings_defaults_and_all_cores():
    mc = MCSettings()
    assert (mc.replications, mc.seed, mc.n_jobs, mc.backend, mc.confidence) == (200, 0, 1, "local", 0.95)
    assert sim.experiment.backends.resolve_jobs(-1) >= 1


def test_bad_target_node_fails_before_running():
    with pytest.raises(ConfigError, match="unknown node 'nope'"):
        run_batch(small(), MCSettings(replications=2, target_halfwidth=0.1, target_node="nope"))
    with pytest.raises(ConfigError, match="not computed for node 'factory'"):
        run_batch(small(), MCSettings(replications=2, target_halfwidth=0.1, target_node="factory"))


# --------------------------------------------------------------------------- seeds, tables, reproducibility
def test_replication_seeds_and_tables():
    sc = small()
    b = run_batch(sc, MCSettings(replications=6, seed=11, series_replications=0))
    width = len(b.kpi_index)
    assert b.n_replications == 6 and b.stop_reason == "fixed replications" and b.n_failed == 0
    assert list(b.kpis.columns) == ["scenario", "variant", "replication", "seed", "node", "sku", "kpi", "value"]
    assert len(b.kpis) == 6 * width
    for i in (0, 4):
        expected = run_replication(sc, np.random.SeedSequence(11).spawn(i + 1)[i], timeseries=False)
        rows = b.kpis[b.kpis.replication == i]
        np.testing.assert_array_equal(rows.value.to_numpy(), expected.kpi_values)
        assert rows.seed.unique().tolist() == [f"11/{i}"]
        assert parse_seed(f"11/{i}").spawn_key == (i,)
    pd.testing.assert_frame_equal(summarize(b.kpis, 0.95), b.summary, check_exact=True)
    assert b.bands.empty


def test_reproducible_across_runs_and_workers():
    sc = small()
    mc = MCSettings(replications=24, seed=3, series_replications=5)
    one = run_batch(sc, mc)
    frames_equal(one, run_batch(sc, mc))
    frames_equal(one, run_batch(sc, mc.model_copy(update={"n_jobs": 2})))


def test_summary_statistics_of_a_batch():
    b = run_batch(small(), MCSettings(replications=12, seed=2, confidence=0.9, series_replications=0))
    x = b.values_of("total_cost")
    row = b.summary.set_index(["node", "sku", "kpi"]).loc[("ALL", "ALL", "total_cost")]
    lo, hi = st.t.interval(0.9, df=11, loc=x.mean(), scale=st.sem(x))
    assert (row.ci_low, row.ci_high) == pytest.approx((lo, hi), rel=1e-12)
    assert row.n == 12


def test_bands_from_first_series_replications():
    sc = small()
    b = run_batch(sc, MCSettings(replications=8, seed=4, series_replications=5))
    series = [run_replication(sc, np.random.SeedSequence(4, spawn_key=(i,))).timeseries for i in range(5)]
    store = [ts[ts.node == "store"].sort_values("t") for ts in series]
    on_hand = np.array([ts.on_hand.to_numpy() for ts in store])
    with np.errstate(invalid="ignore", divide="ignore"):
        fill = np.array([np.where(ts.demand > 0, ts.filled / ts.demand, np.nan) for ts in store])
    got = b.bands[(b.bands.node == "store") & (b.bands.sku == "widget")]
    oh = got[got.metric == "on_hand"].sort_values("t")
    np.testing.assert_allclose(oh.p05, np.percentile(on_hand, 5, axis=0))
    np.testing.assert_allclose(oh.p95, np.percentile(on_hand, 95, axis=0))
    fr = got[got.metric == "fill_rate"].sort_values("t")
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # periods without demand in every replication
        expected = np.nanpercentile(fill, 50, axis=0)
    np.testing.assert_allclose(fr.p50, expected)
    assert set(b.bands.metric) == {"on_hand", "backorders", "pipeline", "inventory_position", "fill_rate"}
    assert len(got) == 5 * sc.horizon


def test_common_random_numbers_make_paired_ci_narrower():
    """Store base stock 24 vs 26 (at 60 the store's fill rate is 1 in every replication, nothing to compare)."""
    mc = MCSettings(replications=30, seed=5, series_replications=0)
    base, more = run_batch(small(24, 120), mc, variant="L24"), run_batch(small(26, 120), mc, variant="L26")
    comp = compare([base, more]).set_index(["variant", "node", "sku", "kpi"])
    for kpi in ("fill_rate", "total_cost"):
        a, b = base.values_of(kpi), more.values_of(kpi)
        welch = st.ttest_ind(b, a, equal_var=False).confidence_interval(0.95)
        row = comp.loc[("L26", "ALL", "ALL", kpi)]
        assert row.n_pairs == 30
        assert row.diff_mean == pytest.approx((b - a).mean())
        paired_half = (row.diff_ci_high - row.diff_ci_low) / 2
        assert paired_half < 0.5 * (welch.high - welch.low) / 2, kpi
        assert comp.loc[("L24", "ALL", "ALL", kpi), "diff_mean"] == 0.0


# --------------------------------------------------------------------------- failures and interruption
def _failing(bad: set[int], exc: type[BaseException] = RuntimeError):
    real = sim.experiment.backends.run_replication

    def run(scenario, seed, **kw):
        if seed.spawn_key[0] in bad:
            raise exc(f"boom in replication {seed.spawn_key[0]}")
        return real(scenario, seed, **kw)

    return run


def test_failed_replications_are_recorded_and_excluded(monkeypatch, tmp_path, caplog):
    monkeypatch.setattr(sim.experiment.backends, "run_replication", _failing({2, 5}))
    b = run_batch(small(), MCSettings(replications=8, seed=1, series_replications=4), out_dir=tmp_path)
    assert b.n_failed == 2 and b.n_replications == 8
    assert b.failures.replication.tolist() == [2, 5]
    assert b.failures.seed.tolist() == ["1/2", "1/5"]
    assert b.failures.error.iloc[0] == "RuntimeError: boom in replication 2"
    assert "Traceback" in b.failures.traceback.iloc[0]
    assert sorted(b.kpis.replication.unique()) == [0, 1, 3, 4, 6, 7]
    assert (b.summary.n <= 6).all() and (b.summary.n == 6).any()
    assert pd.read_csv(tmp_path / "failures.csv").replication.tolist() == [2, 5]
    assert "2 of 8 replications failed" in caplog.text


def test_keyboard_interrupt_keeps_finished_chunks_and_resumes(monkeypatch, tmp_path, capsys):
    sc, mc = small(), MCSettings(replications=40, seed=9, series_replications=12)
    monkeypatch.setattr(sim.experiment.backends, "run_replication", _failing({23}, KeyboardInterrupt))
    part = run_batch(sc, mc, out_dir=tmp_path)
    assert part.stop_reason == "interrupted"
    chunk = sim.experiment.backends.chunk_size(40, 1)
    assert part.n_replications == (23 // chunk) * chunk  # the interrupted chunk is dropped whole
    assert "mc.resume=true" in capsys.readouterr().err
    assert json.loads((tmp_path / "batch.json").read_text())["stop_reason"] == "interrupted"
    assert pd.read_csv(tmp_path / "summary.csv").n.max() == part.n_replications
    with pytest.raises(ConfigError, match=r"set mc\.resume=true"):
        run_batch(sc, mc, out_dir=tmp_path)
    with pytest.raises(ConfigError, match="seed: on disk 9, now 10"):
        run_batch(sc, mc.model_copy(update={"resume": True, "seed": 10}), out_dir=tmp_path)
    monkeypatch.undo()
    done = run_batch(sc, mc.model_copy(update={"resume": True}), out_dir=tmp_path)
    assert done.stop_reason == "fixed replications"
    frames_equal(done, run_batch(sc, mc))


BATCH_SCRIPT = """
import signal, sys
signal.signal(signal.SIGINT, signal.default_int_handler)  # even if the test runner ignores SIGINT
from sim.experiment.batch import MCSettings, run_batch
if __name__ == "__main__":
    mc = MCSettings(replications={n}, seed=7, n_jobs={n_jobs}, series_replications=30, resume=sys.argv[2] == "1")
    b = run_batch(sys.argv[1], mc, out_dir=sys.argv[3])
    sys.exit(130 if b.stop_reason == "interrupted" else 0)
"""


def _start(tmp_path: Path, n: int, n_jobs: int) -> tuple[subprocess.Popen, Path, Path]:
    scen = tmp_path / "small.yaml"
    scen.write_text(yaml.safe_dump(small().to_dict()), encoding="utf-8")
    script = tmp_path / "run.py"
    script.write_text(textwrap.dedent(BATCH_SCRIPT.format(n=n, n_jobs=n_jobs)), encoding="utf-8")
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, str(script), str(scen), "0", str(out)],
        env=env,
        start_new_session=True,
        stderr=subprocess.PIPE,
        text=True,
    )
    return proc, scen, out


def _wait_for_parts(proc: subprocess.Popen, parts: Path, count: int) -> int:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        found = len(list(parts.glob("part-*.parquet"))) if parts.is_dir() else 0
        if found >= count:
            return found
        time.sleep(0.02)
    pytest.fail(f"the batch subprocess ended or stalled before writing {count} parts: {proc.communicate()[1]}")


def test_resume_after_a_hard_kill(tmp_path):
    n = 1500
    proc, scen, out = _start(tmp_path, n, 1)
    _wait_for_parts(proc, out / "parts", 4)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    found = len(list((out / "parts").glob("part-*.parquet")))
    assert found < n // sim.experiment.backends.chunk_size(n, 1), "the batch finished before it was killed"
    assert not (out / "kpis.parquet").exists()
    mc = MCSettings(replications=n, seed=7, series_replications=30)
    resumed = run_batch(scen, mc.model_copy(update={"resume": True}), out_dir=out)
    reference = run_batch(scen, mc)
    frames_equal(resumed, reference)
    pd.testing.assert_frame_equal(pd.read_parquet(out / "kpis.parquet"), reference.kpis, check_exact=True)
    pd.testing.assert_frame_equal(pd.read_parquet(out / "timeseries.parquet"), reference.bands, check_exact=True)
    assert len(pd.read_csv(out / "kpis.csv")) == len(reference.kpis)


def test_ctrl_c_with_a_process_pool(tmp_path):
    """SIGINT to the whole process group, as a terminal's Ctrl-C: the batch stops, keeps and writes what finished."""
    proc, _, out = _start(tmp_path, 6000, 2)
    _wait_for_parts(proc, out / "parts", 3)
    os.killpg(proc.pid, signal.SIGINT)
    try:
        _, err = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        pytest.fail("the batch did not stop after Ctrl-C")
    assert proc.returncode == 130, err
    assert "mc.resume=true" in err
    meta = json.loads((out / "batch.json").read_text())
    assert meta["stop_reason"] == "interrupted" and 0 < meta["n_replications"] < 6000
    assert len(pd.read_parquet(out / "kpis.parquet").replication.unique()) == meta["n_replications"]


# --------------------------------------------------------------------------- precision-driven stopping
def _rel_half(values: np.ndarray) -> float:
    lo, hi = st.t.interval(0.95, len(values) - 1, loc=values.mean(), scale=st.sem(values))
    return (hi - lo) / 2 / abs(values.mean())


def test_precision_target_reached_after_some_rounds():
    sc = small()
    ref = run_batch(sc, MCSettings(replications=60, seed=8, series_replications=0)).values_of("total_cost")
    rels = {n: _rel_half(ref[:n]) for n in range(10, 61, 10)}
    # first round (after the first) whose half-width beats every earlier round: the batch must stop exactly there
    stop = next(n for n in list(rels)[1:] if rels[n] < min(rels[m] for m in rels if m < n))
    target = rels[stop] * (1 + 1e-9)
    mc = MCSettings(replications=10, round_size=10, seed=8, target_halfwidth=target, target_kpi="total_cost")
    b = run_batch(sc, mc.model_copy(update={"series_replications": 0}))
    assert b.stop_reason == f"target half-width reached after {stop} replications"
    assert b.n_replications == stop
    assert b.rel_halfwidth == pytest.approx(rels[stop])
    np.testing.assert_array_equal(b.values_of("total_cost"), ref[:stop])


def test_precision_target_not_reached():
    mc = MCSettings(
        replications=5,
        round_size=7,
        max_replications=19,
        seed=8,
        target_halfwidth=1e-9,
        target_kpi="total_cost",
        target_node="store",
        series_replications=0,
    )
    b = run_batch(small(), mc)
    assert b.stop_reason == "max_replications reached"
    assert b.n_replications == 19
    assert b.rel_halfwidth > 1e-9


# --------------------------------------------------------------------------- output files and progress
def test_output_files(tmp_path, capsys):
    b = run_batch(small(), MCSettings(replications=5, seed=2, series_replications=3, progress=None), out_dir=tmp_path)
    assert capsys.readouterr().err == ""  # no progress bar when stderr is not a terminal
    for name in ("kpis.parquet", "kpis.csv", "summary.csv", "timeseries.parquet", "batch.json"):
        assert (tmp_path / name).is_file(), name
    assert not (tmp_path / "failures.csv").exists()
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "kpis.parquet"), b.kpis, check_exact=True)
    csv = pd.read_csv(tmp_path / "summary.csv")
    assert list(csv.columns) == list(b.summary.columns)
    np.testing.assert_allclose(csv["mean"], b.summary["mean"], rtol=1e-15, equal_nan=True)
    assert not list(tmp_path.glob(".*.tmp"))
    run_batch(small(), MCSettings(replications=3, seed=2, progress=True))
    assert "rep" in capsys.readouterr().err


def test_idle_workers_stay_as_long_as_the_environment_says(monkeypatch):
    from sim.experiment.backends import pool_idle

    monkeypatch.delenv("SUPPLYSIM_POOL_IDLE", raising=False)
    assert pool_idle() == 60.0
    monkeypatch.setenv("SUPPLYSIM_POOL_IDLE", "1800")
    assert pool_idle() == 1800.0
    for bad in ("0", "soon", "1e9", "nan"):
        monkeypatch.setenv("SUPPLYSIM_POOL_IDLE", bad)
        with pytest.raises(ConfigError, match=r"^SUPPLYSIM_POOL_IDLE: seconds an idle worker process stays, 1..86400"):
            pool_idle()
