"""The command line and its Python twin: composition, outputs, sweeps, and one clear error for bad input."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml
from omegaconf import OmegaConf

import sim
from sim.cli.config import build_scenario, compose_config
from sim.errors import ConfigError, ScenarioError

ROOT = Path(__file__).resolve().parents[2]
SMALL = ["mc.replications=3", "horizon=60", "warmup=10", "mc.series_replications=3"]


def supplysim(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sim", *args], cwd=cwd, capture_output=True, text=True, timeout=300, check=False
    )


def test_run_writes_every_output(tmp_path):
    """A run writes tables, bands, the report and Hydra's record of the composed config."""
    run_dir = tmp_path / "run"
    res = supplysim("scenario=serial_chain", *SMALL, f"hydra.run.dir={run_dir}", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    for name in ("kpis.parquet", "kpis.csv", "summary.csv", "timeseries.parquet", "report.html", "scenario.yaml"):
        assert (run_dir / name).is_file(), name
    config = yaml.safe_load((run_dir / ".hydra" / "config.yaml").read_text())
    assert config["mc"]["replications"] == 3 and config["horizon"] == 60
    kpis = pd.read_parquet(run_dir / "kpis.parquet")
    assert sorted(kpis["replication"].unique()) == [0, 1, 2]
    summary = pd.read_csv(run_dir / "summary.csv")
    fill = summary.query("node == 'ALL' and sku == 'ALL' and kpi == 'fill_rate'").iloc[0]
    assert fill["n"] == 3 and 0 <= fill["mean"] <= 1
    assert "Fill rate" in res.stdout and "report:" in res.stdout


def test_same_seed_same_tables_any_n_jobs(tmp_path):
    """Same config and seed give identical KPI tables, whatever mc.n_jobs."""
    one = sim.run("serial_chain", overrides=[*SMALL, "mc.n_jobs=1"])
    two = sim.run("serial_chain", overrides=[*SMALL, "mc.n_jobs=2"])
    pd.testing.assert_frame_equal(one.kpis, two.kpis)


def test_scenario_file_from_anywhere_with_overrides(tmp_path):
    """scenario_file=PATH runs a YAML outside the repo; horizon= overrides it."""
    data = yaml.safe_load((ROOT / "scenarios" / "serial_chain.yaml").read_text())
    data["name"] = "my_network"
    path = tmp_path / "elsewhere" / "my_network.yaml"
    path.parent.mkdir()
    path.write_text(yaml.safe_dump(data))
    cfg = compose_config(None, [f"scenario_file={path}", "horizon=90"])
    scenario = build_scenario(cfg)
    assert scenario.name == "my_network" and scenario.horizon == 90


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["scenario=nope"], "supplysim: error: scenario=nope: no such option; known: beer_game, bullwhip_chain,"),
        (["mc.replications=abc"], "mc.replications"),
        (["mc.nope=1"], "nope"),
        (["scenario=serial_chain", "scenario.nodes.1.policy.widget.kind=magic"], "known: base_stock"),
        (
            ["scenario=serial_chain", "scenario.lanes.1.transit.value=-1"],
            "lanes[1] (dc -> store).transit: distribution 'constant': value: Input should be greater than or equal",
        ),
        (["scenario=serial_chain", "+scenario.colour=red"], "colour: unknown field"),
        (["scenario=serial_chain", "mc.confidence=1.5"], "mc.confidence"),
        (["scenario=serial_chain", "policy.kind=magic"], "policy.kind"),
    ],
)
def test_bad_input_is_one_clear_error_and_nothing_written(tmp_path, args, expected):
    """Bad overrides/options/scenarios: exit code 2, a message naming the field, no traceback, no run dir."""
    run_dir = tmp_path / "run"
    res = supplysim(*args, f"hydra.run.dir={run_dir}", cwd=tmp_path)
    assert res.returncode == 2, (res.stdout, res.stderr)
    assert expected in res.stderr + res.stdout
    assert "Traceback" not in res.stderr
    assert not run_dir.exists()


def test_scenario_files_are_data(tmp_path):
    """A scenario file can't name Python objects or read the environment."""
    data = yaml.safe_load((ROOT / "scenarios" / "serial_chain.yaml").read_text())
    data["nodes"][1]["policy"]["widget"] = {"_target_": "os.system", "command": "echo pwned"}
    evil = tmp_path / "evil.yaml"
    evil.write_text(yaml.safe_dump(data))
    res = supplysim(f"scenario_file={evil}", f"hydra.run.dir={tmp_path / 'run'}", cwd=tmp_path)
    assert res.returncode == 2 and "_target_" in res.stderr and "pwned" not in res.stdout
    with pytest.raises(ConfigError, match="interpolations"):  # refused before composition
        build_scenario(compose_config("serial_chain", ["scenario.name=${oc.env:HOME}"]))


def test_malformed_yaml_names_file_and_line(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nhorizon: 10\nnodes: [\n  {id: a\n")
    res = supplysim(f"scenario_file={bad}", f"hydra.run.dir={tmp_path / 'run'}", cwd=tmp_path)
    assert res.returncode == 2
    assert f"{bad}:" in res.stderr and "malformed YAML" in res.stderr


def test_sweep_writes_comparison(tmp_path):
    """-m runs one job per variant; the callback compares them (paired differences vs the first job)."""
    sweep = tmp_path / "sweep"
    res = supplysim(
        "-m", "scenario=serial_chain", "policy=scenario,lean", *SMALL, f"hydra.sweep.dir={sweep}", cwd=tmp_path
    )
    assert res.returncode == 0, res.stderr
    comparison = pd.read_csv(sweep / "comparison.csv")
    assert set(comparison["variant"]) == {"policy=scenario", "policy=lean"}
    base = comparison.query("variant == 'policy=scenario'")
    assert (base["diff_mean"].fillna(0) == 0).all()
    html = (sweep / "comparison.html").read_text(encoding="utf-8")
    # each variant in words, the policy levels it ran with, and the items that moved most
    assert "The variants" in html and "policy = lean" in html and "Policy levels each variant used" in html
    lean = yaml.safe_load(next(sweep.glob("*policy=lean*/scenario.yaml")).read_text())
    store = next(n for n in lean["nodes"] if n["id"] == "store")
    level = next(iter(store["policy"].values()))
    assert level["kind"] == "periodic_order_up_to"  # lean: weekly order-up-to, in words with its level to the unit
    assert f"order up to {level['order_up_to']:,.0f} every {level['review_period']:g}" in html
    assert "Items that moved most" in html
    assert "only 3 replications" in html  # SMALL runs 3: the page says the intervals mean little
    # the terminal headline of each job is titled with the swept override only
    headers = [line for line in res.stdout.splitlines() if line.startswith("KPI ")]
    assert headers and all("mc.replications" not in h and "policy=" in h for h in headers)


def test_help_lists_groups(tmp_path):
    res = supplysim("--help", cwd=tmp_path)
    assert res.returncode == 0
    for group in ("scenario:", "policy:", "mc:", "consolidated_sourcing", "serial_chain"):
        assert group in res.stdout


def test_help_registers_the_library_by_name_only():
    """``--help`` lists the scenario options without their data (Hydra deep-copies the whole store for every group it
    lists: with the library's data that took ~15 s); a run registers the data."""
    from hydra.core.config_store import ConfigStore

    from sim.cli.config import register_configs

    store = ConfigStore.instance()
    register_configs(names_only=True)
    assert OmegaConf.to_container(store.load("scenario/serial_chain.yaml").node) == {"name": "serial_chain"}
    register_configs()
    assert "nodes" in OmegaConf.to_container(store.load("scenario/serial_chain.yaml").node)


def test_tables_only_run_names_its_folder(tmp_path):
    """A run without report.html (debug=quick) says where its tables are, not "report:"."""
    run_dir = tmp_path / "run"
    res = supplysim("scenario=serial_chain", "debug=quick", f"hydra.run.dir={run_dir}", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert f"tables: {run_dir}" in res.stdout and "report:" not in res.stdout


def test_unknown_policy_preset_kind_lists_known():
    with pytest.raises(ConfigError, match="known: base_stock"):
        build_scenario(compose_config("serial_chain", ["policy.kind=magic"]))


def test_python_api_writes_nothing_for_bad_input(tmp_path):
    """sim.run with an invalid override raises one clear error and leaves no output directory."""
    target = tmp_path / "out"
    with pytest.raises(ScenarioError, match=r"lanes\[1\] \(dc -> store\)\.transit"):
        sim.run("serial_chain", overrides=["scenario.lanes.1.transit.value=-1"], out_dir=target)
    assert not target.exists()
    batch = sim.run("serial_chain", overrides=SMALL, out_dir=target)
    assert (target / "report.html").is_file() and batch.n_replications == 3
