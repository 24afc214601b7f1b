"""Stopping a batch on the local process pool: SIGTERM ends it like Ctrl-C (exit code 130, one line on how to
resume, no traceback from loky's threads), and what finished is saved and resumable (docs/batches.md)."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time

import pytest
from joblib.externals.loky import get_reusable_executor

from sim.experiment.backends import drop_queued
from sim.experiment.monte_carlo import MCSettings
from tests.conftest import const, single_stage

ARGS = ["scenario=serial_chain", "horizon=1000", "warmup=0", "mc.n_jobs=2", "mc.replications=400", "report.html=false"]


def _nap(seconds: float) -> float:
    time.sleep(seconds)
    return seconds


def test_a_pool_is_shut_down_with_no_work_queued_for_it():
    """What makes the stop quiet, checked directly: work still queued for the workers (a batch submits ~8 chunks a
    worker) is dropped before loky's shutdown, whose manager thread would otherwise look its futures up after
    failing them (KeyError); the futures all end, and no thread raises."""
    seen: list[str] = []
    hook = threading.excepthook
    threading.excepthook = lambda a: seen.append(a.exc_type.__name__)
    try:
        executor = get_reusable_executor(max_workers=2, timeout=60)
        futures = [executor.submit(_nap, 0.5) for _ in range(16)]
        time.sleep(0.3)
        assert not executor._work_ids.empty()  # the precondition: queued beyond what the workers hold
        drop_queued(executor)
        assert executor._work_ids.empty()
        executor.shutdown(wait=True, kill_workers=True)
    finally:
        threading.excepthook = hook
    assert all(f.done() for f in futures) and seen == []


def test_sigterm_stops_a_pool_batch_keeps_what_finished_and_resumes(tmp_path):
    """The stop comes while chunks are still queued for the workers: loky's manager thread used to end with a
    KeyError traceback after the "interrupted" line (sim.experiment.backends.drop_queued)."""
    run = tmp_path / "run"
    cmd = [sys.executable, "-m", "sim", *ARGS, f"hydra.run.dir={run}"]
    proc = subprocess.Popen(cmd, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 240
        while not list((run / "parts").glob("part-*.parquet")) and time.monotonic() < deadline:
            if proc.poll() is not None:
                pytest.fail(f"the batch ended before it was stopped: {proc.communicate()}")
            time.sleep(0.2)
        deadline = time.monotonic() + 240
        while proc.poll() is None and time.monotonic() < deadline:  # more while it stops must not cut it short
            proc.send_signal(signal.SIGTERM)
            time.sleep(0.3)
        out, err = proc.communicate(timeout=240)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, (out, err)
    assert "Traceback" not in err and "Exception in thread" not in err, err
    assert "supplysim: interrupted after " in err and "run again with mc.resume=true" in err, err
    meta = json.loads((run / "batch.json").read_text(encoding="utf-8"))
    saved = list((run / "parts").glob("part-*.parquet"))
    assert meta["stop_reason"] == "interrupted" and saved and 0 < meta["n_replications"] < 400
    resumed = subprocess.run(
        [*cmd, "mc.resume=true"], cwd=tmp_path, capture_output=True, text=True, timeout=600, check=False
    )
    assert resumed.returncode == 0, resumed.stderr
    meta = json.loads((run / "batch.json").read_text(encoding="utf-8"))
    assert meta["n_replications"] == 400 and meta["stop_reason"] == "fixed replications"


def test_a_precision_target_on_a_kpi_no_replication_defines_stops_with_a_warning():
    """No customer demand at the target: its fill rate is undefined in every replication, so no number of
    replications can reach the precision target; the batch warns and stops after the first round instead of
    running to max_replications."""
    import sim

    no_demand = single_stage({"kind": "base_stock", "level": 5}, const(0), horizon=10)
    mc = MCSettings(replications=3, target_halfwidth=0.01, max_replications=500, progress=False)
    with pytest.warns(sim.SupplysimWarning, match=r"^mc.target_kpi: fill_rate at ALL is undefined in every repl"):
        batch = sim.run_batch(no_demand, mc)
    assert batch.n_replications == 3 and batch.stop_reason == "target KPI undefined"
    with_demand = single_stage({"kind": "base_stock", "level": 5}, const(2), horizon=10)
    assert sim.run_batch(with_demand, mc).stop_reason.startswith("target half-width reached")  # always filled
