"""Hydra-level misuse of the command line (a config group set to null, an unknown option or key, a value of the
wrong type, a flag after the overrides, a bad sweep) is supplysim's one line: ``supplysim: error: ...``, exit code 2,
no traceback, no run or sweep directory left behind."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from sim.cli.hydra_messages import one_line
from tests.conftest import supplysim_main

SIM = [sys.executable, "-m", "sim"]
FAST = ["mc.replications=2", "horizon=20", "warmup=0", "report.html=false"]
POLICIES = "base_stock, lean, order_up_to_daily"

CASES = [
    (["mc=null"], "mc=null: the mc group needs an option; known: dask, default, precise, quick"),
    (["report=null"], "report=null: the report group needs an option; known: default, tables"),
    (["scenario=null"], "scenario=null: the scenario group needs an option; known: beer_game,"),
    (["policy=null"], f"policy=null: the policy group needs an option; known: {POLICIES}"),
    (["demand=null"], "demand=null: the demand group needs an option; known: ar1,"),
    (["hydra=null"], "hydra=null: the hydra group needs an option; known: default"),
    (["mc=nonexistent"], "mc=nonexistent: no such option; known: dask, default, precise, quick"),
    (["hydra/launcher=nope"], "hydra/launcher=nope: no such option; known: basic"),
    (["disruption=nope"], "disruption=nope: no such option; known: demand_shock, facility_outage,"),
    (["disruption=[red_sea,nope]"], "disruption=nope: no such option; known: demand_shock, facility_outage,"),
    (["+mc.unknown=1"], "invalid Monte Carlo settings:"),
    (["mc.unknown=1"], "mc.unknown: no such key (Key 'unknown' not in 'MCConfig'); supplysim --cfg job shows"),
    (["+horizn=50"], "horizn: no such key; top-level keys: mode, export,"),
    (["+report.htm=false"], "report.htm: no such key; keys of report: html, csv, parquet, headline"),
    (["stress=null"], "stress=null: field 'stress' is not Optional"),
    (["report.html=maybe"], "report.html=maybe: Value 'maybe' is not a valid bool"),
    (["horizon=abc"], "horizon=abc: Value 'abc' of type 'str' could not be converted to Integer"),
    (["mc.replications=[1,2"], "mc.replications=[1,2: no viable alternative at input '[1,2'"),
    (["--cfg", "nope"], "argument --cfg/-c: invalid choice: 'nope' (choose from 'job', 'hydra', 'all')"),
    (["--cfg", "job", "mc=null"], "mc=null: the mc group needs an option"),
    (["--nope"], "unrecognized arguments: --nope"),
    (["--resolve"], "The --resolve flag can only be used in conjunction with --cfg or --help"),
    (["--config-name=nope"], "Cannot find primary config 'nope'."),
    (["scenario=serial_chain", "-m", "policy=s_S"], "unrecognized arguments: policy=s_S mc.replications=2"),
    (["-m", "policy=base_stock,nope"], "policy=nope: no such option; known: base_stock,"),
    (["-m", "horizon=20,abc"], "horizon=abc: Value 'abc' of type 'str' could not be converted to Integer"),
    (["-m", "mc=quick,null"], "mc=quick,null: the mc group needs an option"),
    (["-m", "mc.replications=range(a)"], "mc.replications=range(a): TypeError while evaluating 'range(a)'"),
    (["-m", "mc.seed=interval(0,1)"], "mc.seed: a sweep needs a list of values (a,b,c), range() or glob()"),
    (["-m", "mc.replications=1,x"], "mc.replications=x: Value 'x' of type 'str' could not be converted"),
]


@pytest.mark.parametrize(("args", "says"), CASES, ids=[" ".join(c[0]) for c in CASES])
def test_hydra_misuse_is_one_line_exit_2_nothing_written(tmp_path, args, says, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    scenario = [] if any(a.startswith("scenario=") for a in args) else ["scenario=serial_chain"]
    dirs = [f"hydra.run.dir={tmp_path / 'run'}", f"hydra.sweep.dir={tmp_path / 'sweep'}"]
    code, stderr = supplysim_main([*args, *scenario, *FAST, *dirs], monkeypatch, capsys)
    lines = stderr.strip().splitlines()
    assert code == 2, stderr
    assert lines and lines[0].startswith(f"supplysim: error: {says}"), stderr
    if not says.startswith("invalid Monte Carlo settings"):  # that one lists every bad key on its own line
        assert len(lines) == 1, stderr
    assert "Traceback" not in stderr and "HYDRA_FULL_ERROR" not in stderr
    assert list(tmp_path.iterdir()) == [], "a run or sweep directory was left behind"


def test_a_failing_sweep_job_leaves_no_sweep_directory(tmp_path, monkeypatch, capsys):
    """Every value composes, but the first job's scenario is invalid: the job's folder and the sweep folder (only
    Hydra's multirun.yaml in it) are removed."""
    monkeypatch.chdir(tmp_path)
    args = ["-m", "scenario=serial_chain", "horizon=-5,20", "mc.replications=2", f"hydra.sweep.dir={tmp_path}/sweep"]
    code, stderr = supplysim_main(args, monkeypatch, capsys)
    assert code == 2 and stderr.startswith("supplysim: error: scenario 'serial_chain' is invalid"), stderr
    assert "Traceback" not in stderr and list(tmp_path.iterdir()) == []


def test_hydra_full_error_keeps_hydras_own_report(tmp_path):
    """A user who asks Hydra for its full errors gets them (the traceback of the composition)."""
    res = subprocess.run(
        [sys.executable, "-m", "sim", "scenario=serial_chain", "horizon=abc"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
        env={**os.environ, "HYDRA_FULL_ERROR": "1"},
    )
    assert res.returncode != 0 and "Traceback" in res.stderr and "ConfigCompositionException" in res.stderr


def test_one_line_drops_hydras_extras():
    """The message of a missing option: the option, its group's options, no search path, no blank lines."""

    class Missing(Exception):
        pass

    text = (
        "In 'config': Could not find 'policy/nope'\n\nAvailable options in 'policy':\n\tbase_stock\n\ts_S\n"
        "Config search path:\n\tprovider=hydra, path=pkg://hydra.conf\n\tprovider=main, path=file:///conf"
    )
    assert one_line(Missing(text)) == "policy=nope: no such option; known: base_stock, s_S"
    try:
        raise Missing("Error merging override horizon=abc") from ValueError(
            "Value 'abc' of type 'str' could not be converted to Integer\n    full_key: horizon\n    object_type=Config"
        )
    except Missing as exc:
        assert one_line(exc) == "horizon=abc: Value 'abc' of type 'str' could not be converted to Integer"
    assert one_line(Missing("first\n\nSet the environment variable HYDRA_FULL_ERROR=1 for ...")) == "first"


def test_a_good_sweep_still_runs(tmp_path):
    """The checks before a sweep refuse nothing valid: two jobs and the comparison."""
    sweep = tmp_path / "sweep"
    res = subprocess.run(
        [*SIM, "-m", "scenario=serial_chain", "policy=base_stock,s_S", *FAST, f"hydra.sweep.dir={sweep}"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert res.returncode == 0, res.stderr
    assert (sweep / "comparison.csv").is_file() and len([p for p in sweep.iterdir() if p.name[0].isdigit()]) == 2
