"""The stress test's reproductions of issue 19 from the command line: an absurd horizon, an absurd replication count
and an outage longer than the run are each one line on stderr, exit code 2, no traceback, no run folder. The
subprocesses run under the address-space cap of tests/experiment/test_limits.py, so a regression can't take the
machine down (and the memory the checks see is at most that cap)."""

from __future__ import annotations

import pytest

from tests.experiment.test_limits import supplysim

CASES = [
    (
        "absurd horizon",
        ["horizon=100000000", "mc.replications=2"],
        "supplysim: error: horizon=100000000: holding a baseline and an element's run of 100,000,000 periods would "
        "need ~",
    ),
    (
        "absurd replications and rounds",
        [
            "mc.replications=100000000",
            "stress.min_replications=100000000",
            "stress.round_size=100000000",
            "stress.duration=10",
        ],
        "supplysim: error: mc.replications=100000000: the stress test keeps a service curve of 365 periods",
    ),
    (
        "outage longer than the run",
        ["stress.duration=1000", "mc.replications=4"],
        "supplysim: error: stress.duration=1000: the outage from t = 30 (the warm-up, stress.start's default) would "
        "last to t = 1030, past the horizon (365)",
    ),
]


@pytest.mark.parametrize(("args", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_stress_test_input_is_bounded_and_meaningful(tmp_path, args, expected):
    run_dir = tmp_path / "run"
    res = supplysim(
        "mode=stress_test", "scenario=serial_chain", *args, f"hydra.run.dir={run_dir}", cwd=tmp_path, timeout=60
    )
    assert res.returncode == 2, res.stderr
    assert res.stderr.startswith(expected), res.stderr
    assert res.stderr.count("\n") == 1 and "Traceback" not in res.stderr and "MemoryError" not in res.stderr
    assert not run_dir.exists()
