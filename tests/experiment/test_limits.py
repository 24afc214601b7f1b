"""Bounded under careless input: absurd counts refused with their cost, workers capped, one batch per output
directory, parts verified on resume, SIGTERM handled like Ctrl-C, memory flat over replications. Subprocesses run
under an address-space limit, so a regression can't take the machine down."""

from __future__ import annotations

import gc
import json
import os
import resource
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import psutil
import pytest
import yaml

from sim.errors import ConfigError
from sim.experiment.backends import cores
from sim.experiment.batch import MCSettings, run_batch
from sim.experiment.replication import run_replication
from sim.scenario.loading import validate
from sim.scenario.sources import load_scenario

ROOT = Path(__file__).resolve().parents[2]
CAP = 4 * 2**30  # address space for subprocesses (a Python with numpy/pandas/Hydra needs < 2 GiB)


def _capped() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (CAP, CAP))


def supplysim(*args: str, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sim", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        preexec_fn=_capped,
    )


def small(horizon: int = 60):
    data = load_scenario("serial_chain").to_dict()
    data["horizon"], data["warmup"] = horizon, 10
    return validate(data)


def test_absurd_replication_count_is_refused_with_its_cost(tmp_path):
    started = time.monotonic()
    res = supplysim(
        "scenario=serial_chain", "mc.replications=1000000000", f"hydra.run.dir={tmp_path / 'run'}", cwd=tmp_path
    )
    assert res.returncode == 2, res.stderr
    assert "mc.replications=1000000000: the KPI table alone would hold 1,000,000,000 x" in res.stderr
    assert "Traceback" not in res.stderr and "MemoryError" not in res.stderr
    assert not (tmp_path / "run").exists()
    assert time.monotonic() - started < 60


def test_worker_count_is_capped_at_the_cores(tmp_path):
    res = supplysim(
        "scenario=serial_chain",
        "mc.n_jobs=1000",
        "mc.replications=4",
        "horizon=40",
        "warmup=0",
        "report.html=false",
        f"hydra.run.dir={tmp_path / 'run'}",
        cwd=tmp_path,
    )
    assert res.returncode == 0, res.stderr
    assert f"mc.n_jobs=1000, but this machine has {cores()} cores: using {cores()}" in res.stderr
    assert json.loads((tmp_path / "run" / "batch.json").read_text())["n_replications"] == 4


def test_unreachable_dask_scheduler_fails_fast_and_leaves_nothing(tmp_path):
    res = supplysim(
        "scenario=serial_chain",
        "mc=dask",
        "mc.address=tcp://127.0.0.1:9",
        "mc.connect_timeout=2",
        f"hydra.run.dir={tmp_path / 'run'}",
        cwd=tmp_path,
    )
    assert res.returncode == 2, res.stderr
    assert "mc.address: can't reach the Dask scheduler at tcp://127.0.0.1:9 within 2 s" in res.stderr
    assert "Traceback" not in res.stderr
    assert not (tmp_path / "run").exists()


def test_output_folder_that_cant_be_created(tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("", encoding="utf-8")
    res = supplysim("scenario=serial_chain", f"hydra.run.dir={blocker / 'run'}", cwd=tmp_path)
    assert res.returncode == 2
    assert f"hydra.run.dir: can't create {blocker / 'run'}: {blocker} is a file, not a folder" in res.stderr


def test_one_batch_per_output_directory(tmp_path):
    """A live batch's lock refuses a second one; a lock left by a dead process is taken over."""
    sc, mc = small(), MCSettings(replications=6, seed=1, series_replications=0)
    holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        lock = tmp_path / ".batch.lock"
        lock.write_text(json.dumps({"pid": holder.pid, "host": os.uname().nodename, "started": 0}), encoding="utf-8")
        with pytest.raises(ConfigError, match=f"in use by another batch \\(pid {holder.pid}\\)"):
            run_batch(sc, mc, out_dir=tmp_path)
        assert not (tmp_path / "parts").exists()  # nothing of the refused batch was written
    finally:
        holder.kill()
        holder.wait()
    done = run_batch(sc, mc, out_dir=tmp_path)  # the holder is gone: a stale lock
    assert done.n_replications == 6 and not lock.exists()


def test_resume_refuses_a_part_of_another_batch(tmp_path):
    sc = small()
    mc = MCSettings(replications=6, seed=1, series_replications=0)
    run_batch(sc, mc.model_copy(update={"seed": 2}), out_dir=tmp_path / "other")
    run_batch(sc, mc, out_dir=tmp_path / "mine")
    stray = sorted((tmp_path / "other" / "parts").glob("part-*.parquet"))[0]
    (tmp_path / "mine" / "parts" / "part-9999999-9999999.parquet").write_bytes(stray.read_bytes())
    with pytest.raises(ConfigError, match="belongs to a different batch \\(seed 2, this batch 1\\)"):
        run_batch(sc, mc.model_copy(update={"resume": True}), out_dir=tmp_path / "mine")


SCRIPT = """
import sys
from sim.experiment.batch import MCSettings, run_batch
mc = MCSettings(replications=3000, seed=7, series_replications=0, resume=sys.argv[2] == "1")
b = run_batch(sys.argv[1], mc, out_dir=sys.argv[3])
sys.exit(130 if b.stop_reason == "interrupted" else 0)
"""


def test_sigterm_stops_like_ctrl_c_and_resumes(tmp_path):
    scen = tmp_path / "small.yaml"
    scen.write_text(yaml.safe_dump(small().to_dict()), encoding="utf-8")
    script = tmp_path / "run.py"
    script.write_text(textwrap.dedent(SCRIPT), encoding="utf-8")
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, str(script), str(scen), "0", str(out)], env=env, stderr=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None and len(list(out.glob("parts/part-*"))) < 3:
        time.sleep(0.02)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "interrupted after" in err and "mc.resume=true" in err and "leaked" not in err
    meta = json.loads((out / "batch.json").read_text())
    assert meta["stop_reason"] == "interrupted" and 0 < meta["n_replications"] < 3000
    mc = MCSettings(replications=3000, seed=7, series_replications=0)
    resumed = run_batch(scen, mc.model_copy(update={"resume": True}), out_dir=out)
    pd.testing.assert_frame_equal(resumed.kpis, run_batch(scen, mc).kpis, check_exact=True)


def test_memory_stays_flat_over_long_replications():
    """A finished replication releases its buffers and logs: RSS does not grow with replications."""
    sc = load_scenario("serial_chain").model_copy(update={"horizon": 25_000, "warmup": 0})
    proc = psutil.Process()
    run_replication(sc, 0, timeseries=True)
    gc.collect()
    start = proc.memory_info().rss
    for i in range(1, 11):
        run_replication(sc, i, timeseries=True)
    grown = (proc.memory_info().rss - start) / 2**20
    assert grown < 40, f"RSS grew by {grown:.0f} MiB over 10 replications (~25 MiB each before the fix)"
