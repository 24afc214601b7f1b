"""Issue 19 from the command line: a consolidating lane whose containers would never end is refused at once (exit 2,
one message naming the field, the estimate and the limit, nothing written); degenerate input runs with a warning."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import yaml

from tests.conftest import const, single_stage


def supplysim(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sim", *args], cwd=cwd, capture_output=True, text=True, timeout=300, check=False
    )


def test_issue_19a_tiny_containers_are_refused_at_once(tmp_path: Path) -> None:
    """Before: this never finished and grew ~50 MB/s (3.4 GB after 72 s)."""
    run_dir = tmp_path / "run"
    started = time.perf_counter()
    res = supplysim(
        "scenario=serial_chain",
        "+scenario.lanes.0.consolidation={capacity: 0.000001, dispatch: [when_full]}",
        "mc.replications=2",
        "report=tables",
        f"hydra.run.dir={run_dir}",
        cwd=tmp_path,
    )
    assert time.perf_counter() - started < 60
    assert res.returncode == 2, res.stderr
    assert res.stderr.startswith("supplysim: error: scenario 'serial_chain' is invalid:\n"), res.stderr
    assert "lanes[0].consolidation.capacity: containers of 1e-06 units" in res.stderr
    assert "make ~3.96e+09 containers; one replication may make at most 20,000,000 events" in res.stderr
    assert "Traceback" not in res.stderr
    assert not run_dir.exists() or not any(run_dir.iterdir())


def test_a_degenerate_scenario_runs_with_a_warning_line(tmp_path: Path) -> None:
    data = single_stage({"kind": "base_stock", "level": 5}, const(1), horizon=10)
    data["products"].append({"id": "spare"})
    (tmp_path / "s.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    res = supplysim(
        f"scenario_file={tmp_path / 's.yaml'}",
        "mc.replications=2",
        "report=tables",
        f"hydra.run.dir={tmp_path / 'run'}",
        cwd=tmp_path,
    )
    assert res.returncode == 0, res.stderr
    assert "supplysim: warning: products[1] (id: spare): no node stocks it" in res.stderr
    assert res.stderr.count("no node stocks it") == 1  # once, though the scenario is validated more than once
