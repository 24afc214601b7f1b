"""Scenarios as workbooks and CSV folders (docs/spreadsheets.md): every library scenario survives YAML -> tables ->
scenario unchanged (and so do its KPI tables), tables hold the scenario as written, and the command line reads and
writes them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import sim
from sim.errors import ArgumentError, ConfigError, ScenarioError
from sim.scenario.loading import library, read_yaml, validate
from sim.scenario.sources import load_scenario
from sim.scenario.tables.reading import read_data as read_tables

ROOT = Path(__file__).resolve().parents[2]
SMALL = ["mc.replications=3", "horizon=60", "warmup=10", "mc.series_replications=3"]


def supplysim(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sim", *args], cwd=cwd, capture_output=True, text=True, timeout=300, check=False
    )


def target(tmp_path: Path, name: str, fmt: str) -> Path:
    return tmp_path / (f"{name}.xlsx" if fmt == "xlsx" else name)


def constructs() -> dict:
    """Scenario data with what the library leaves out: baskets, per-product production times and flex commitments,
    two lanes between a pair, a demand series, nested distributions, null targets, ids that look like numbers."""
    const = {"dist": "constant", "value": 1}
    return {
        "name": "constructs",
        "description": "=not a formula, [not a list]",
        "period": "week",
        "currency": "USD",
        "targets": {"fill_rate": None, "otif": 0.8},
        "horizon": 60,
        "warmup": 5,
        "products": [
            {"id": "1001", "unit_cost": 2, "holding_cost": 0.1, "unit_volume": 0.5, "price": 3.5},
            {"id": "007", "unit_cost": 1.25, "backorder_cost_on": "all", "category": ""},
        ],
        "nodes": [
            {
                "id": "42",
                "type": "supplier",
                "region": "EU",
                "capacity": {"1001": 50},
                "products": ["1001", "007"],
                "production_time": {"1001": {"dist": "gamma", "mean": 2, "sd": 1}, "007": const},
                "contract": {
                    "on_time_target": 0.9,
                    "late_penalty": 0.5,
                    "flex": {"commitment": {"1001": 20}, "band": 0.2},
                },
                "tier": 1,
                "consignment": True,
            },
            {
                "id": "far",
                "type": "supplier",
                "products": ["1001"],
                "contract": {"flex": {"commitment": 30, "band": 0.1}},
            },
            {"id": "spare", "type": "supplier", "products": [], "contract": {}},  # a contract with the defaults
            {
                "id": "dc",
                "type": "buffer",
                "stagger": True,
                "policy": {
                    "1001": {"kind": "periodic_order_up_to", "review_period": 2, "order_up_to": 80},
                    "007": {"kind": "periodic_s_S", "review_period": 2, "s": 10, "S": 30},
                },
                "sources": {
                    "1001": [{"node": "42", "share": 0.5, "lane": "road"}, {"node": "far", "share": 0.5}],
                    "007": [{"node": "42", "lane": "rail", "unit_cost": 1.5}],
                },
                "sourcing": {
                    "1001": {"rule": "volume_trigger", "primary": "42", "secondary": "far", "threshold": "capacity"}
                },
                "holding_cost": {"1001": 0.2},
            },
            {
                "id": "shop",
                "type": "retailer",
                "unmet_demand": "lost",
                "initial_stock": {"1001": 12, "007": 0},
                "policy": {"1001": {"kind": "s_Q", "s": 4, "Q": 10}, "007": {"kind": "base_stock", "level": 5}},
                "sources": {
                    "1001": [{"node": "dc", "order_delay": 1, "initial_orders": [3], "initial_shipments": [2, 2]}],
                    "007": [{"node": "dc"}],
                },
                "demand": {
                    "1001": {"kind": "empirical", "values": [3, 4, 0, 5.5]},
                    "007": {
                        "kind": "poisson_process",
                        "rate": 1.5,
                        "size": {"dist": "discrete", "values": [1, 2], "probs": [0.5, 0.5]},
                    },
                },
                "baskets": [
                    {
                        "orders": {"dist": "poisson", "mean": 1},
                        "lines": {"1001": const, "007": {"dist": "discrete", "values": [0, 1], "probs": [0.5, 0.5]}},
                        "sync_window": 2,
                    },
                    {"orders": const, "lines": {"007": {"dist": "constant", "value": 2}}},
                ],
            },
        ],
        "lanes": [
            {
                "id": "road",
                "from": "42",
                "to": "dc",
                "transit": const,
                "region": "Alps",
                "consolidation": {
                    "capacity": 20,
                    "measure": "volume",
                    "dispatch": ["when_full", "max_wait"],
                    "max_wait": 3,
                },
            },
            {
                "id": "rail",
                "from": "42",
                "to": "dc",
                "mode": "rail",
                "transit": {"dist": "uniform", "low": 1, "high": 3},
            },
            {
                "from": "far",
                "to": "dc",
                "transit": {"dist": "lognormal", "mean": 4, "sd": 1},
                "emissions_per_unit": 0.3,
            },
            {"from": "dc", "to": "shop", "transit": {"dist": "constant", "value": 0}, "capacity": 40},
        ],
        "disruptions": [
            {
                "kind": "random_outage",
                "supplier": "far",
                "time_to_failure": {"dist": "exponential", "mean": 20},
                "repair_time": {"dist": "constant", "value": 2},
            },
            {
                "kind": "demand_shock",
                "start": 10,
                "duration": 5,
                "multiplier": 2,
                "nodes": ["shop"],
                "skus": ["007", "1001"],
            },
            {"kind": "lane_closure", "lane": "road", "start": 3, "duration": None, "name": "alps shut"},
        ],
        "resilience": {"window": 7, "alerts": {"stock_cover_below": 2.5, "supplier_down": False}},
        "segmentation": {},  # segments with the default settings (not "no segmentation")
        "coordination": {"communication": 1, "quality": 0.5},
    }


def assert_same(a, b) -> None:
    """Equal scenarios and equal KPI tables of one replication."""
    assert a.model_dump() == b.model_dump()
    pd.testing.assert_frame_equal(sim.simulate(a, seed=1).kpis, sim.simulate(b, seed=1).kpis)


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
@pytest.mark.parametrize("name", sorted(library()))
def test_library_scenario_round_trip(tmp_path, name, fmt):
    """YAML -> workbook (or CSV folder) -> scenario is the original, and so are its KPI tables."""
    path = sim.export_scenario(name, target(tmp_path, name, fmt), format=fmt)
    assert_same(load_scenario(path), load_scenario(name))
    assert read_tables(path) == read_yaml(library()[name])  # the data as written, too


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_every_construct_round_trips(tmp_path, fmt):
    path = sim.export_scenario(constructs(), target(tmp_path, "c", fmt), format=fmt)
    assert_same(load_scenario(path), validate(constructs()))
    products = pd.read_csv(path / "products.csv", dtype=str) if fmt == "csv" else None
    if products is not None:  # ids that look like numbers are written and read as text
        assert list(products["id"]) == ["1001", "007"]
        series = pd.read_csv(path / "demand_series.csv")
        assert list(series["quantity"]) == [3, 4, 0, 5.5] and list(series["period"]) == [0, 1, 2, 3]


def test_tables_need_no_simulation_engine():
    """The tables live in the scenario layer: reading and writing them never imports SimPy."""
    code = "import sim.scenario.tables.reading, sim.scenario.tables.export, sys; assert 'simpy' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_a_loaded_scenario_exports_and_loads_back(tmp_path):
    """A Scenario object (segments resolved, assigned and scored) writes its segment tables; it loads back equal."""
    loaded = load_scenario("segmented_sourcing")
    path = sim.export_scenario(loaded, tmp_path / "seg.xlsx")
    assert_same(load_scenario(path), loaded)


def test_export_writes_the_scenario_as_written(tmp_path):
    """A service level stays a target, segment rules stay rules (no policy written for the items they set)."""
    near = sim.export_scenario("nearshoring", tmp_path / "near", format="csv")
    stock = pd.read_csv(near / "stock.csv").set_index("node")
    assert stock.loc["s_offshore", "policy.service_level"] == 0.97
    assert pd.isna(stock.loc["s_offshore", "policy.order_up_to"])
    seg = sim.export_scenario("segmented_sourcing", tmp_path / "seg", format="csv")
    assert not (seg / "stock.csv").exists()
    rules = pd.read_csv(seg / "segment_rules.csv").set_index("segment")
    assert rules.loc["bottleneck", "backup"] == "lyon_connect"
    tables = ["demand", "lanes", "nodes", "products", "scenario", "sources", "sourcing", "stock"]  # those with rows
    assert sorted(p.name for p in near.iterdir()) == [f"{t}.csv" for t in tables]


def test_a_demand_read_from_a_file_is_written_with_its_values(tmp_path):
    data = read_yaml(library()["serial_chain"])
    (tmp_path / "series.csv").write_text("day,units\n0,4\n1,6\n2,5\n", encoding="utf-8")
    data["nodes"][2]["demand"] = {"widget": {"kind": "empirical", "file": "series.csv", "column": "units"}}
    (tmp_path / "mine.yaml").write_text(__import__("yaml").safe_dump(data), encoding="utf-8")
    path = sim.export_scenario(tmp_path / "mine.yaml", tmp_path / "mine", format="csv")
    assert list(pd.read_csv(path / "demand_series.csv")["quantity"]) == [4, 6, 5]
    assert load_scenario(path).node("store").demand["widget"].params.values == [4, 6, 5]


def test_export_refuses_to_overwrite_and_writes_nothing_for_bad_input(tmp_path):
    (tmp_path / "taken.xlsx").write_bytes(b"mine")
    with pytest.raises(ArgumentError, match="exists"):
        sim.export_scenario("serial_chain", tmp_path / "taken.xlsx")
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "notes.txt").write_text("mine")
    with pytest.raises(ArgumentError, match="not empty"):
        sim.export_scenario("serial_chain", tmp_path / "full", format="csv")
    with pytest.raises(ArgumentError, match=r"format: 'ods' is not a format; allowed: xlsx, csv"):
        sim.export_scenario("serial_chain", tmp_path / "x", format="ods")
    (tmp_path / "empty").mkdir()
    assert (sim.export_scenario("serial_chain", tmp_path / "empty", format="csv") / "nodes.csv").is_file()
    bad = read_yaml(library()["serial_chain"])
    bad["horizon"] = -1
    with pytest.raises(ScenarioError, match="horizon"):
        sim.export_scenario(bad, tmp_path / "bad.xlsx")
    assert not (tmp_path / "bad.xlsx").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty", "full", "taken.xlsx"]  # no temp files left


def test_the_python_api_reads_tables(tmp_path):
    """sim.load_scenario, sim.simulate and sim.run take a workbook or a CSV folder."""
    book = sim.export_scenario("serial_chain", tmp_path / "chain.xlsx")
    folder = sim.export_scenario("serial_chain", tmp_path / "chain", format="csv")
    assert sim.simulate(book, seed=1).kpis.equals(sim.simulate("serial_chain", seed=1).kpis)
    batch = sim.run(folder, overrides=SMALL)
    assert batch.n_replications == 3 and batch.scenario.name == "serial_chain"


def test_example_workbook_holds_the_showcase():
    """scenarios/workbooks/consolidated_sourcing.xlsx (scenarios/workbooks/regenerate.py) holds the same scenario as
    the YAML: compared by content (a workbook carries timestamps, so its bytes change on every export)."""
    book = ROOT / "scenarios" / "workbooks" / "consolidated_sourcing.xlsx"
    assert read_tables(book) == read_yaml(library()["consolidated_sourcing"]), "run scenarios/workbooks/regenerate.py"
    assert load_scenario(book).model_dump() == load_scenario("consolidated_sourcing").model_dump()


def test_cli_exports_without_a_run_folder_and_runs_the_workbook(tmp_path):
    res = supplysim("mode=export", "scenario=serial_chain", "export.path=chain.xlsx", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert "chain.xlsx" in res.stdout and sorted(p.name for p in tmp_path.iterdir()) == ["chain.xlsx"]
    res = supplysim("mode=export", "scenario_file=chain.xlsx", "export.format=csv", "export.path=chain", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert (tmp_path / "chain" / "stock.csv").is_file()
    for source in ("chain.xlsx", "chain"):
        run_dir = tmp_path / f"run_{source}"
        res = supplysim(f"scenario_file={source}", *SMALL, f"hydra.run.dir={run_dir}", cwd=tmp_path)
        assert res.returncode == 0, res.stderr
        assert (run_dir / "report.html").is_file()


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["export.format=xls", "export.path=x.xls"], "export.format: 'xls' is not a format; allowed: xlsx, csv"),
        (["export.path=x.csv", "export.format=csv"], "export.path: the csv format writes a folder"),
        ([], "export.path: where to write"),
        (["export.path=x.xlsx", "policy=base_stock"], "policy= presets change it"),
    ],
)
def test_cli_export_errors_are_one_line_and_write_nothing(tmp_path, args, expected):
    res = supplysim("mode=export", "scenario=serial_chain", *args, cwd=tmp_path)
    assert res.returncode == 2, (res.stdout, res.stderr)
    assert expected in res.stderr and "Traceback" not in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


def test_export_from_the_composed_config_keeps_overrides(tmp_path):
    """mode=export through sim.run (Hydra's path) writes the scenario with its overrides; nothing else."""
    out = tmp_path / "o.xlsx"
    assert sim.run("serial_chain", overrides=["mode=export", f"export.path={out}", "horizon=90"]) is None
    assert load_scenario(out).horizon == 90
    with pytest.raises(ConfigError, match=r"export\.format"):
        sim.run("serial_chain", overrides=["mode=export", f"export.path={tmp_path / 'p'}", "export.format=pdf"])
