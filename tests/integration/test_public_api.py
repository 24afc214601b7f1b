"""Every public function of ``sim`` checks its arguments up front: a wrong type or value is one ``ArgumentError``
naming the argument and what it accepts (docs/configuration.md, "Error types"), never a raw ``TypeError``,
``AttributeError`` or ``KeyError`` from deep inside, and nothing runs or is written first."""

from __future__ import annotations

import inspect
import math
from pathlib import Path

import pytest

import sim
from sim import arguments
from sim.errors import ArgumentError, ConfigError, ScenarioError
from tests.conftest import const, single_stage

ROOT = Path(__file__).resolve().parents[2]
SERIAL = ROOT / "scenarios" / "serial_chain.yaml"
YAML_TEXT = SERIAL.read_text(encoding="utf-8")
GRID = {"level": [40, 60]}
# the stress test's arguments are checked by its own tests (tests/experiment/test_stress.py)
OTHERS = {"run_stress"}


def tiny() -> dict:
    """A one-stage scenario that runs in milliseconds."""
    return single_stage({"kind": "base_stock", "level": 5}, const(2), horizon=10)


def outage() -> dict:
    """``tiny`` with its supplier down for two periods."""
    sc = tiny()
    sc["disruptions"] = [{"kind": "supplier_outage", "supplier": "f", "start": 3, "duration": 2}]
    return sc


def a_batch():
    return sim.run_batch(tiny(), {"replications": 2, "series_replications": 0, "progress": False})


def text_values():
    """A batch's KPI table with one value that is not a number (as a hand-edited CSV might have)."""
    table = a_batch().kpis.assign(variant="edited")
    table["value"] = table["value"].astype(object)
    table.loc[1, "value"] = "n/a"
    return table


# (public function, a call with a bad argument, the error it must raise, what its message must say)
CASES = [
    ("simulate", lambda: sim.simulate(YAML_TEXT), ArgumentError, r"^scenario: this is YAML text, not a path"),
    ("simulate", lambda: sim.simulate(42), ArgumentError, r"^scenario: a library name, a path .*; got 42$"),
    ("simulate", lambda: sim.simulate(tiny(), seed=-1), ArgumentError, r"^seed: a non-negative integer"),
    ("simulate", lambda: sim.simulate(tiny(), seed=1.5), ArgumentError, r"^seed: a non-negative integer"),
    ("simulate", lambda: sim.simulate(tiny(), timeseries="no"), ArgumentError, r"^timeseries: True or False"),
    ("simulate", lambda: sim.simulate(tiny(), events=1), ArgumentError, r"^events: True or False; got 1$"),
    (
        "run_replication",
        lambda: sim.run_replication("serial_chain", 1),
        ArgumentError,
        r"^scenario: a Scenario from sim.load_scenario \(sim.simulate takes a name, a path or a dict\); got ",
    ),
    ("run_replication", lambda: sim.run_replication(sim.load_scenario(tiny()), "x"), ArgumentError, r"^seed: "),
    ("load_scenario", lambda: sim.load_scenario(YAML_TEXT), ArgumentError, r"^scenario: this is YAML text"),
    ("load_scenario", lambda: sim.load_scenario("name: x"), ArgumentError, r"^scenario: this is YAML text"),
    ("load_scenario", lambda: sim.load_scenario(b"serial_chain"), ArgumentError, r"^scenario: a library name"),
    ("load_scenario", lambda: sim.load_scenario(["serial_chain"]), ArgumentError, r"^scenario: a library name"),
    (
        "load_scenario",
        lambda: sim.load_scenario("https://example.com/net.yaml"),
        ArgumentError,
        r"^scenario: https://example.com/net.yaml is a URL; give a path on this machine",
    ),
    (
        "load_scenario",
        lambda: sim.load_scenario("~nonexistentuser/net.yaml"),
        ArgumentError,
        r"^scenario: can't expand '~nonexistentuser' in ~nonexistentuser/net.yaml: no such user",
    ),
    (
        "load_scenario",
        lambda: sim.load_scenario("nope"),
        ScenarioError,
        r"^scenario 'nope' is neither a file nor a library scenario; known: .*serial_chain",
    ),
    (
        "export_scenario",
        lambda: sim.export_scenario("serial_chain", 42),
        ArgumentError,
        r"^path: a path \(a string or pathlib.Path\); got 42$",
    ),
    (
        "export_scenario",
        lambda: sim.export_scenario("serial_chain", "out.ods", format="ods"),
        ArgumentError,
        r"^format: 'ods' is not a format; allowed: xlsx, csv$",
    ),
    (
        "export_scenario",
        lambda: sim.export_scenario(YAML_TEXT, "never_written.xlsx"),
        ArgumentError,
        r"^scenario: this is YAML text",
    ),
    ("run", lambda: sim.run("serial_chain", overrides="mc.replications=2"), ArgumentError, r"^overrides: a list of"),
    ("run", lambda: sim.run("serial_chain", overrides=["mc.replications", 2]), ArgumentError, r"^overrides: a list"),
    ("run", lambda: sim.run(42), ArgumentError, r"^scenario: a library name, a path"),
    ("run", lambda: sim.run(YAML_TEXT), ArgumentError, r"^scenario: this is YAML text"),
    ("run", lambda: sim.run("serial_chain", out_dir=42), ArgumentError, r"^out_dir: a path"),
    (
        "run",
        lambda: sim.run("serial_chain", ["mc=null"]),
        ConfigError,
        r"^mc=null: the mc group needs an option; known: dask, default, precise, quick$",
    ),
    (
        "run",
        lambda: sim.run("serial_chain", ["scenario=nope"]),
        ConfigError,
        r"^scenario=nope: no such option; known: beer_game, .*serial_chain",
    ),
    ("run_batch", lambda: sim.run_batch(tiny(), mc=5), ArgumentError, r"^mc: an MCSettings, a dict of Monte Carlo"),
    (
        "run_batch",
        lambda: sim.run_batch(tiny(), mc={"replications": 0}),
        ArgumentError,
        r"^invalid Monte Carlo settings:\n  mc.replications: Input should be greater than or equal to 1",
    ),
    ("run_batch", lambda: sim.run_batch(tiny(), {"replications": 2}, variant=3), ArgumentError, r"^variant: a non"),
    ("run_batch", lambda: sim.run_batch(tiny(), {"replications": 2}, out_dir=3), ArgumentError, r"^out_dir: a path"),
    ("run_batch", lambda: sim.run_batch("name: x", {"replications": 2}), ArgumentError, r"^scenario: this is YAML"),
    ("run_batch", lambda: sim.run_batch(tiny(), {"replications": 2}, twins=3), ArgumentError, r"^twins: a path"),
    (
        "run_batch",
        lambda: sim.run_batch(tiny(), {"replications": 2}, twins=SERIAL),
        ArgumentError,
        r"^twins: .* is a file",
    ),
    (
        "MCSettings",
        lambda: sim.MCSettings(replications="many", n_jobs=0),
        ArgumentError,
        r"^invalid Monte Carlo settings:\n  mc.replications: .*\n  mc.n_jobs: must be >= 1, or -1 for all cores",
    ),
    ("MCSettings", lambda: sim.MCSettings(confidence=95), ArgumentError, r"mc.confidence: Input should be less than 1"),
    ("parse_seed", lambda: sim.parse_seed(17), ArgumentError, r"^label: a seed label '<mc.seed>/<replication>'"),
    ("parse_seed", lambda: sim.parse_seed("0/x"), ArgumentError, r"^label: a seed label .*; got '0/x'$"),
    ("parse_seed", lambda: sim.parse_seed("-1/3"), ArgumentError, r"^label: a seed label"),
    (
        "compare",
        lambda: sim.compare("serial_chain"),
        ArgumentError,
        r"^batches: a list of batches \(sim.run_batch results\) or long KPI tables .*; got 'serial_chain'$",
    ),
    ("compare", lambda: sim.compare(a_batch()), ArgumentError, r"^batches: a list of batches"),
    ("compare", lambda: sim.compare(["serial_chain"]), ArgumentError, r"^batches\[0\]: a Batch \(sim.run_batch\)"),
    ("compare", lambda: sim.compare([a_batch().kpis[["kpi", "value"]]]), ArgumentError, r"^batches\[0\]: a KPI"),
    ("compare", lambda: sim.compare([]), ArgumentError, r"^batches: compare\(\) needs at least one batch"),
    ("compare", lambda: sim.compare([a_batch()], confidence=95), ArgumentError, r"^confidence: a number strictly"),
    ("summarize", lambda: sim.summarize("kpis.csv"), ArgumentError, r"^kpis: a long KPI table \(a pandas DataFrame"),
    ("summarize", lambda: sim.summarize(a_batch().kpis, 1.0), ArgumentError, r"^confidence: a number strictly"),
    ("summarize", lambda: sim.summarize(text_values()), ArgumentError, r"^kpis: a KPI table's value column holds nu"),
    ("compare", lambda: sim.compare([a_batch(), text_values()]), ArgumentError, r"^batches\[1\]: a KPI table's val"),
    (
        "optimise",
        lambda: sim.optimise(tiny(), "r", "w", {"level": 5}),
        ArgumentError,
        r"^grid\['level'\]: a non-empty list of values; got 5$",
    ),
    ("optimise", lambda: sim.optimise(tiny(), "r", "w", [40, 60]), ArgumentError, r"^grid: a dict of policy parameter"),
    ("optimise", lambda: sim.optimise(tiny(), "r", "w", {}), ArgumentError, r"^grid: a dict of policy parameter"),
    (
        "optimise",
        lambda: sim.optimise(tiny(), "r", "w", GRID, kpi="fil_rate"),
        ArgumentError,
        r"^kpi: unknown KPI 'fil_rate' \(did you mean 'fill_rate'.*\); known: demand, fill_rate",
    ),
    ("optimise", lambda: sim.optimise(tiny(), "r", "w", GRID, kpi=3), ArgumentError, r"^kpi: a KPI name \(a string\)"),
    (
        "optimise",
        lambda: sim.optimise(tiny(), "r", "w", GRID, kpi="fill_rate", row=("x", "w")),
        ArgumentError,
        r"^row: this scenario has no 'fill_rate' for node='x', sku='w'; rows with it: \(ALL, ALL\)",
    ),
    ("optimise", lambda: sim.optimise(tiny(), "r", "w", GRID, row="ALL"), ArgumentError, r"^row: a \(node, sku\)"),
    ("optimise", lambda: sim.optimise(tiny(), "r", "w", GRID, replications=1), ArgumentError, r"^replications: an "),
    ("optimise", lambda: sim.optimise(tiny(), "r", "w", GRID, seed=-2), ArgumentError, r"^seed: an integer >= 0"),
    ("optimise", lambda: sim.optimise(tiny(), "r", "w", GRID, maximise="yes"), ArgumentError, r"^maximise: True or"),
    ("optimise", lambda: sim.optimise(tiny(), 3, "w", GRID), ArgumentError, r"^node: a non-empty string; got 3$"),
    (
        "safety_stock",
        lambda: sim.safety_stock(95, 4, 2),
        ArgumentError,
        r"^service_level: a probability strictly between",
    ),
    ("safety_stock", lambda: sim.safety_stock(0.95, "4", 2), ArgumentError, r"^demand: a distribution spec .*'4'$"),
    ("safety_stock", lambda: sim.safety_stock(0.95, 4, (2, -1)), ArgumentError, r"^lead_time\[1\] \(variance\): "),
    ("safety_stock", lambda: sim.safety_stock(0.95, 4, 2, review=math.nan), ArgumentError, r"^review: a finite num"),
    (
        "safety_stock",
        lambda: sim.safety_stock(0.95, {"dist": "poison", "mean": 4}, 2),
        ArgumentError,
        r"^demand: unknown distribution 'poison'",
    ),
    ("paired_curves", lambda: sim.paired_curves(42), ArgumentError, r"^scenario: a library name, a path to a YAML"),
    ("paired_curves", lambda: sim.paired_curves(tiny()), ArgumentError, r"^scenario: paired_curves needs a"),
    ("paired_curves", lambda: sim.paired_curves(outage(), 0), ArgumentError, r"^replications: an integer >= 1; got 0$"),
    ("paired_curves", lambda: sim.paired_curves(outage(), seed=-1), ArgumentError, r"^seed: an integer >= 0; got -1$"),
    ("paired_curves", lambda: sim.paired_curves(outage(), sku="x"), ArgumentError, r"^sku: unknown product 'x'; known"),
    ("paired_curves", lambda: sim.paired_curves(outage(), n_jobs=0), ArgumentError, r"^n_jobs: an integer >= 1; got 0"),
    ("reorder_level", lambda: sim.reorder_level(True, 4, 2), ArgumentError, r"^service_level: a probability strictly"),
    ("reorder_level", lambda: sim.reorder_level(0.9, 4, None), ArgumentError, r"^lead_time: a distribution spec"),
]


@pytest.mark.parametrize(
    ("call", "error", "message"), [c[1:] for c in CASES], ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)]
)
def test_a_bad_argument_is_one_error_naming_it(call, error, message, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # whatever a call might write would land here
    with pytest.raises(error, match=message) as info:
        call()
    assert type(info.value) is error  # not a subclass standing in, not a raw exception with the same text
    assert list(tmp_path.iterdir()) == []  # refused before anything was written


def test_every_public_function_has_its_cases():
    """A new public function gets argument checks and a case above: this fails until it has one."""
    public = {n for n in sim._EXPORTS if callable(getattr(sim, n)) and not inspect.isclass(getattr(sim, n))}
    public |= {"MCSettings"}  # a class, but called like a function with the mc keys
    covered = {c[0] for c in CASES}
    assert public - OTHERS <= covered, sorted(public - OTHERS - covered)


def test_the_helpers_accept_what_they_promise():
    """The checks pass good values through (normalised) and refuse their neighbours."""
    import numpy as np

    assert arguments.integer("n", np.int64(3), minimum=0) == 3 and type(arguments.integer("n", 3)) is int
    assert arguments.fraction("c", 0.95) == 0.95 and arguments.flag("f", np.bool_(True)) is True
    assert arguments.values("v", range(3)) == [0, 1, 2] and arguments.values("v", np.array([1.5])) == [1.5]
    assert arguments.strings("o", ("a=1",), accepts="strings") == ["a=1"]
    for bad in (True, 2.0, "3", -1):
        with pytest.raises(ArgumentError, match=r"^n: an integer >= 0; got "):
            arguments.integer("n", bad, minimum=0)
    for bad in (0, 1, math.inf, math.nan, "0.5", False):
        with pytest.raises(ArgumentError, match=r"^c: a number strictly between 0 and 1; got "):
            arguments.fraction("c", bad)
    with pytest.raises(ArgumentError, match=r"^v: a non-empty list of numbers; got \[1, nan\]$"):
        arguments.values("v", [1, math.nan])
    long = arguments.shown("x" * 500)
    assert len(long) <= arguments.SHOWN and long.endswith("...")


def test_good_arguments_still_work(tmp_path):
    """The checks refuse nothing that worked before: paths as str or Path, a Scenario, mappings, numpy numbers."""
    import numpy as np

    sc = sim.load_scenario(SERIAL)
    assert sim.load_scenario(str(SERIAL)).name == sc.name == sim.load_scenario("serial_chain").name
    assert sim.simulate(tiny(), seed=np.int64(3), timeseries=False).kpi("fill_rate") >= 0
    batch = sim.run_batch(tiny(), sim.MCSettings(replications=3, progress=False), out_dir=tmp_path / "new" / "dir")
    assert (tmp_path / "new" / "dir" / "summary.csv").is_file() and batch.n_replications == 3
    assert sim.parse_seed("0/17").spawn_key == (17,)
    assert len(sim.summarize(batch.kpis, 0.9)) == len(sim.compare([batch, batch.kpis.assign(variant="b")])) // 2
    assert sim.safety_stock(0.5, (4, 1), 2) == pytest.approx(0.0, abs=1e-12)  # z = 0
    assert sim.reorder_level(0.5, {"dist": "poisson", "mean": 4}, const(2)) == pytest.approx(8.0)
    assert sim.run(sc, ["mc.replications=2", "mc.progress=false", "horizon=20", "warmup=0"]).n_replications == 2
