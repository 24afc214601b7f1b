"""Bad input from the command line and the Python API: one clear error naming the field or file, exit code 2, no
traceback, nothing written; loading any input is bounded in time and memory."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

import sim
from sim.errors import ArgumentError, ScenarioError
from sim.scenario.loading import read_yaml
from sim.scenario.sources import load_scenario

ROOT = Path(__file__).resolve().parents[2]
SERIAL = ROOT / "scenarios" / "serial_chain.yaml"


def supplysim(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sim", *args], cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )


def serial_data() -> dict:
    return yaml.safe_load(SERIAL.read_text(encoding="utf-8"))


def write(path: Path, data: dict) -> Path:
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def _binary(tmp: Path) -> list[str]:
    (tmp / "bin.yaml").write_bytes(bytes(range(128, 256)) * 3)
    return [f"scenario_file={tmp / 'bin.yaml'}"]


def _latin1(tmp: Path) -> list[str]:
    (tmp / "latin1.yaml").write_bytes(
        SERIAL.read_text(encoding="utf-8").replace("name:", "# café\nname:").encode("latin-1")
    )
    return [f"scenario_file={tmp / 'latin1.yaml'}"]


def _duplicate_key(tmp: Path) -> list[str]:
    text = SERIAL.read_text(encoding="utf-8").replace("horizon:", "horizon: 5\nhorizon:", 1)
    (tmp / "dup.yaml").write_text(text, encoding="utf-8")
    return [f"scenario_file={tmp / 'dup.yaml'}"]


def _directory(tmp: Path) -> list[str]:
    (tmp / "folder").mkdir()
    return [f"scenario_file={tmp / 'folder'}"]


def _inf_unit_cost(tmp: Path) -> list[str]:
    data = serial_data()
    data["products"][0]["unit_cost"] = float("inf")
    return [f"scenario_file={write(tmp / 'inf.yaml', data)}"]


def _nan_in_series(tmp: Path) -> list[str]:
    data = serial_data()
    store = next(n for n in data["nodes"] if n["id"] == "store")
    store["demand"] = {"widget": {"kind": "empirical", "values": [3, float("nan"), 4]}}
    return [f"scenario_file={write(tmp / 'nan.yaml', data)}"]


def _empty_csv(tmp: Path) -> list[str]:
    (tmp / "empty.csv").write_text("", encoding="utf-8")
    data = serial_data()
    store = next(n for n in data["nodes"] if n["id"] == "store")
    store["demand"] = {"widget": {"kind": "empirical", "file": "empty.csv"}}
    return [f"scenario_file={write(tmp / 'csv.yaml', data)}"]


CASES = [
    ("binary file", _binary, "not UTF-8 text"),
    ("Latin-1 file", _latin1, "not UTF-8 text (byte 0xe9"),
    ("duplicate key", _duplicate_key, "duplicate key 'horizon' (first at line"),
    ("directory", _directory, "is a directory, not a scenario file"),
    ("inf unit cost", _inf_unit_cost, "products[0] (id: widget).unit_cost: Input should be a finite number"),
    ("nan in a series", _nan_in_series, "Input should be a finite number"),
    ("empty demand csv", _empty_csv, "empty.csv: can't read a demand series: it is empty"),
    ("interpolation in variant", lambda t: ["scenario=serial_chain", "variant=${oc.env:HOME}"], "variant: interpol"),
    ("interpolation in horizon", lambda t: ["scenario=serial_chain", "horizon=${oc.env:HOME}"], "horizon: interpol"),
    ("interpolation in mc.seed", lambda t: ["scenario=serial_chain", "mc.seed=${oc.env:HOME}"], "mc.seed: interpol"),
    (
        "unknown debug option",
        lambda t: ["scenario=serial_chain", "debug=quik"],
        "debug=quik: no such option; known: quick",
    ),
    (
        "unknown experiment",
        lambda t: ["experiment=nope"],
        "experiment=nope: no such option; known: bullwhip, policy_comparison",
    ),
    ("absurd horizon", lambda t: ["scenario=serial_chain", "horizon=1000000000000"], "would need ~"),
]


@pytest.mark.parametrize(("make", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_is_one_line_exit_2_nothing_written(tmp_path, make, expected):
    run_dir = tmp_path / "run"
    res = supplysim(*make(tmp_path), "mc.replications=2", f"hydra.run.dir={run_dir}", cwd=tmp_path)
    assert res.returncode == 2, (res.stdout, res.stderr)
    assert expected in res.stderr, res.stderr
    assert "Traceback" not in res.stderr and str(Path.home()) not in res.stdout + res.stderr.replace(str(tmp_path), "")
    assert not run_dir.exists()


def test_scenario_overrides_apply_to_a_users_file(tmp_path):
    """scenario.* edits (nested list elements too) work on a scenario_file; the run dir is named after the file."""
    data = serial_data()
    path = write(tmp_path / "elsewhere.yaml", data)
    store_index = next(i for i, n in enumerate(data["nodes"]) if n["id"] == "store")
    res = supplysim(
        f"scenario_file={path}",
        "scenario.horizon=50",
        "scenario.warmup=10",
        f"scenario.nodes.{store_index}.policy.widget.level=77",
        "mc.replications=2",
        "report.html=false",
        cwd=tmp_path,
    )
    assert res.returncode == 0, res.stderr
    (run_dir,) = (tmp_path / "reports" / "elsewhere").iterdir()
    used = yaml.safe_load((run_dir / "scenario.yaml").read_text(encoding="utf-8"))
    assert used["horizon"] == 50 and used["warmup"] == 10
    assert next(n for n in used["nodes"] if n["id"] == "store")["policy"]["widget"]["level"] == 77


def test_a_sweep_writes_only_inside_its_directory(tmp_path):
    """Job directories come from sanitised overrides: ../ in a value or a file path can't climb out."""
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    write(inputs / "a.yaml", serial_data())
    write(inputs / "b.yaml", {**serial_data(), "name": "chain_b"})
    work = tmp_path / "x" / "y"
    work.mkdir(parents=True)
    before = sorted(p for p in tmp_path.rglob("*"))
    res = supplysim(
        "-m",
        "scenario_file=../../inputs/a.yaml,../../inputs/b.yaml",
        "variant=../../../evil",
        "mc.replications=2",
        "horizon=40",
        "warmup=0",
        "report.html=false",
        "hydra.sweep.dir=SWEEP",
        cwd=work,
    )
    assert res.returncode == 0, res.stderr
    sweep = work / "SWEEP"
    new = [p for p in tmp_path.rglob("*") if p not in before]
    assert new and all(p == sweep or sweep in p.parents for p in new), [str(p) for p in new if sweep not in p.parents]
    assert (sweep / "comparison.csv").is_file()
    assert len([p for p in sweep.iterdir() if p.is_dir() and p.name[0].isdigit()]) == 2


def test_python_api_errors_name_the_argument():
    with pytest.raises(ArgumentError, match="seed: a non-negative integer"):
        sim.simulate("serial_chain", seed=-1)
    with pytest.raises(ArgumentError, match="seed: a non-negative integer"):
        sim.simulate("serial_chain", seed="abc")
    with pytest.raises(ArgumentError, match="scenario: a library name, a path"):
        sim.simulate(None)
    with pytest.raises(ArgumentError, match="overrides: a list of 'key=value' strings"):
        sim.run("serial_chain", overrides="mc.replications=2")
    with pytest.raises(ArgumentError, match="batches: compare"):
        sim.compare([])


def test_python_run_accepts_scenario_data():
    batch = sim.run(serial_data(), overrides=["mc.replications=2", "horizon=40", "warmup=0"])
    assert batch.n_replications == 2 and batch.scenario.horizon == 40


def test_alias_bomb_and_deep_nesting_are_refused_quickly(tmp_path):
    levels = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        levels.append(f"{name}: &{name} [{', '.join([f'*{prev}'] * 9)}]")
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text("name: x\nhorizon: 1\n" + "\n".join(levels) + "\n", encoding="utf-8")
    started = time.perf_counter()
    with pytest.raises(ScenarioError, match="aliases are expanded"):
        read_yaml(bomb)
    assert time.perf_counter() - started < 10  # bounded (a full expansion is 9^9 values)
    deep = tmp_path / "deep.yaml"
    deep.write_text("name: x\nv: " + "[" * 150 + "]" * 150 + "\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match="nested deeper than 100 levels"):
        read_yaml(deep)
    deeper = tmp_path / "deeper.yaml"
    deeper.write_text("name: x\nv: " + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"deeper\.yaml"):
        read_yaml(deeper)


def test_file_size_limit(tmp_path, monkeypatch):
    monkeypatch.setenv("SUPPLYSIM_MAX_SCENARIO_MB", "0.001")
    with pytest.raises(ScenarioError, match="larger than the 0 MB a scenario file may have"):
        read_yaml(SERIAL)


def test_non_finite_numbers_are_refused_in_every_registry_entry():
    """Distributions, policies, demand patterns and disruptions share one Params base that refuses .inf/.nan."""
    data = load_scenario("consolidated_sourcing").to_dict()
    lane = data["lanes"][0]["id"]
    for entry in (
        {"kind": "lane_slowdown", "lane": lane, "start": 10, "duration": float("inf"), "factor": 2},
        {"kind": "lane_slowdown", "lane": lane, "start": float("nan"), "duration": 5, "factor": 2},
    ):
        with pytest.raises(ScenarioError, match=r"disruptions\[0\]: .*Input should be a finite number"):
            load_scenario({**data, "disruptions": [entry]})
    store = next(n for n in data["nodes"] if n.get("demand"))
    sku = next(iter(store["demand"]))
    store["demand"][sku] = {"kind": "ar1", "mean": 10, "phi": 0.5, "sigma": 2, "noise_sd": float("inf")}
    with pytest.raises(ScenarioError, match="Input should be a finite number"):
        load_scenario(data)
