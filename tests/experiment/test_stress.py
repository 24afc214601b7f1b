"""The stress test: a ranking known by construction, paired and reproducible results, early stopping, the report."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest
import yaml

import sim
from sim.errors import ArgumentError, ConfigError
from sim.experiment import footprint, stress
from sim.experiment.stress import StressSettings, elements, run_stress
from sim.experiment.stress_inputs import outage_window
from sim.scenario.sources import load_scenario


def two_products(poisson: bool = True, single: str = "s_single") -> dict:
    """Product ``a`` single-sourced from ``single``; ``b`` split 50/50 over ``s_dual1`` and ``s_dual2`` (the same
    demand, lead times 2 + 3 and policies), lost sales, price 10. Each supplier sits in its own region."""
    dem = {"dist": "poisson", "mean": 10} if poisson else {"dist": "constant", "value": 10}
    sup = [(single, "east"), ("s_dual1", "west"), ("s_dual2", "north")]
    return {
        "name": "two_products",
        "horizon": 90,
        "warmup": 10,
        "products": [{"id": "a", "unit_cost": 5, "price": 10}, {"id": "b", "unit_cost": 5, "price": 10}],
        "nodes": [
            *(
                {"id": s, "type": "supplier", "region": reg, "production_time": {"dist": "constant", "value": 2}}
                for s, reg in sup
            ),
            {
                "id": "r",
                "type": "retailer",
                "unmet_demand": "lost",
                "demand": {"a": dem, "b": dem},
                "policy": {"a": {"kind": "base_stock", "level": 65}, "b": {"kind": "base_stock", "level": 65}},
                "sources": {
                    "a": [{"node": single}],
                    "b": [{"node": "s_dual1", "share": 0.5}, {"node": "s_dual2", "share": 0.5}],
                },
            },
        ],
        "lanes": [{"from": s, "to": "r", "transit": {"dist": "constant", "value": 3}} for s, _ in sup],
    }


SETTINGS = {"duration": 15, "start": 20, "elements": ["suppliers"], "min_replications": 6, "round_size": 6}


def test_single_sourced_supplier_ranks_first():
    """Taking out the sole source of ``a`` costs more than taking out either source of the dual-sourced ``b``: it
    ranks first with risk exposure 1, and service drops before the supplier is back (TTS < the outage: critical)."""
    res = run_stress(two_products(), SETTINGS, {"replications": 12, "seed": 1}, progress=False)
    t = res.table
    assert t.element.iloc[0] == "supplier:s_single"
    assert t.risk_exposure.iloc[0] == 1 and (t.risk_exposure.iloc[1:] < 0.8).all()
    top = t.iloc[0]
    assert top.revenue_at_risk_ci_low > t.iloc[1].revenue_at_risk_ci_high  # separated, not just ahead on average
    assert bool(top.critical) and top.tts_median < SETTINGS["duration"]
    assert (t.critical == (t.tts_median < SETTINGS["duration"])).all()  # a dual source's outage: b's other source
    assert set(t.n) <= set(range(6, 13))


def test_all_element_kinds_and_region_targets():
    """Suppliers, lanes, regions and facilities are all taken out by default; each region hits its supplier and its
    outbound lane."""
    sc = load_scenario(two_products())
    got = [e.label for e in elements(sc, StressSettings())]
    assert got[:3] == ["supplier:s_single", "supplier:s_dual1", "supplier:s_dual2"]
    assert "lane:s_single->r" in got and "region:east" in got and got[-1] == "facility:r" and len(got) == 3 + 3 + 3 + 1


def test_same_seed_same_table_any_n_jobs():
    """Results depend on (mc.seed, replication) only: n_jobs 1 and 2 give identical tables."""
    one = run_stress(two_products(), SETTINGS, {"replications": 6, "n_jobs": 1}, progress=False)
    two = run_stress(two_products(), SETTINGS, {"replications": 6, "n_jobs": 2}, progress=False)
    pd.testing.assert_frame_equal(one.values, two.values)
    pd.testing.assert_frame_equal(one.table, two.table)


def test_a_progress_function_hears_of_every_finished_replication():
    """``progress=f``: f(run, planned) after each task; the last call has every replication of every element, and
    the table is the one without it."""
    calls: list[tuple[int, int]] = []
    got = run_stress(
        two_products(), SETTINGS, {"replications": 6}, progress=lambda run, planned: calls.append((run, planned))
    )
    ref = run_stress(two_products(), SETTINGS, {"replications": 6}, progress=False)
    pd.testing.assert_frame_equal(got.table, ref.table)
    runs = [run for run, _ in calls]
    assert runs == sorted(runs) and all(run <= planned for run, planned in calls)
    assert calls[-1] == (len(got.values), len(got.values))  # one row per element and replication


def test_deterministic_network_stops_early_and_tail_changes_nothing():
    """Constant demand: every replication is the same, so each element stops at min_replications. After recovery the
    disrupted run is back in the baseline's exact state, so simulating only 30 periods past the outage changes no
    metric (here the disruption's effect has provably died out)."""
    full = run_stress(two_products(poisson=False), SETTINGS, {"replications": 50}, progress=False)
    assert (full.table.n == 6).all()
    cut = run_stress(two_products(poisson=False), {**SETTINGS, "tail": 30}, {"replications": 50}, progress=False)
    assert cut.horizon == 20 + 15 + 30
    cols = ["element", "revenue_at_risk", "lost_sales_during", "time_to_recover", "time_to_survive", "resilience_loss"]
    pd.testing.assert_frame_equal(full.table[cols], cut.table[cols])
    # by hand for the sole source (lead time 2 + 3, steady on hand 15 after demand): at t = 20 there are 15 on hand and
    # the orders of 15..17 in transit (30); those of 18, 19 are in production, held by the outage. The first post-outage
    # receipt is the order of 18 (production done, shipped at 35, arriving 38). So the demand of periods 20..37
    # (18 × 10) meets only 45 units: 135 lost; the first short period is 24 (15 on hand at 23, 5 of 10 at 24)
    top = full.table.set_index("element").loc["supplier:s_single"]
    assert top.lost_sales_during == 135 and top.revenue_at_risk == 1350 and top.time_to_survive == 4


def test_cli_writes_ranked_table_and_escaped_report(tmp_path):
    """``mode=stress_test`` from Python (as the CLI runs it) writes stress_test.csv and a stress_test.html whose user
    strings are escaped."""
    data = two_products(single="s<b>")
    path = tmp_path / "net.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    out = tmp_path / "run"
    overrides = ["mode=stress_test", "stress.duration=15", "stress.start=20", "stress.min_replications=4"]
    res = sim.run(str(path), overrides=[*overrides, "mc.replications=4"], out_dir=out)
    table = pd.read_csv(out / "stress_test.csv")
    assert table["rank"].tolist() == list(range(1, len(table) + 1)) == list(range(1, len(res.table) + 1))
    html = (out / "stress_test.html").read_text(encoding="utf-8")
    assert "supplier:s&lt;b&gt;" in html and "s<b>" not in html
    assert (out / "figures" / "stress_tornado.png").is_file()


@pytest.mark.parametrize(
    ("override", "expected"),
    [("stress.rank_by=nope", "stress.rank_by: unknown metric 'nope'"), ("mode=nope", "unknown mode 'nope'")],
)
def test_bad_stress_settings_exit_2_and_write_nothing(tmp_path, override, expected):
    run_dir = tmp_path / "run"
    res = subprocess.run(
        [
            sys.executable,
            "-m",
            "sim",
            "scenario=serial_chain",
            "mode=stress_test",
            override,
            f"hydra.run.dir={run_dir}",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert res.returncode == 2 and expected in res.stderr
    assert not run_dir.exists() or not [p for p in run_dir.iterdir() if p.name != ".hydra"]


def test_settings_validation_names_the_key():
    with pytest.raises(ConfigError, match=r"stress.duration: Input should be greater than 0"):
        StressSettings.from_config({"duration": -1})


@pytest.mark.dask
def test_dask_backend_gives_the_same_table():
    """``mc.backend=dask`` (a LocalCluster of 2 workers) runs the same tasks: the same table as in-process."""
    pytest.importorskip("distributed")
    a = run_stress(two_products(), SETTINGS, {"replications": 6, "backend": "dask", "n_jobs": 2}, progress=False)
    b = run_stress(two_products(), SETTINGS, {"replications": 6}, progress=False)
    pd.testing.assert_frame_equal(a.table, b.table)


def test_stress_report_imports_without_simpy():
    """The stress report, like the other report modules, loads without the engine."""
    code = "import sim.report.stress_page, sys; assert 'simpy' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


# ------------------------------------------------------------------------------------------ bounded and meaningful
@pytest.fixture
def no_run(monkeypatch):
    """Fail the test if the stress test gets as far as starting its task pool (every check comes before it)."""

    def refuse(*args, **kwargs):
        raise AssertionError("the stress test started running")

    monkeypatch.setattr(stress, "TaskPool", refuse)


@pytest.mark.parametrize(
    ("args", "kwargs", "expected"),
    [
        (  # the reproduction: Hydra overrides where the settings go
            ("serial_chain", ["stress.duration=28"], sim.MCSettings(replications=2)),
            {},
            "settings: a StressSettings, a mapping of stress keys such as {'duration': 28, 'start': 60}, or None for "
            "the defaults; got list ['stress.duration=28'] (Hydra overrides go to sim.run: sim.run(scenario, "
            "['mode=stress_test', 'stress.duration=28']))",
        ),
        (("serial_chain", {"duration": 0}), {}, "settings: invalid stress-test settings:\n  stress.duration: Input"),
        (("serial_chain", None, [2]), {}, "mc: a sim.MCSettings, a mapping of mc keys"),
        (("serial_chain", None, {"replications": 0}), {}, "mc: invalid Monte Carlo settings:\n  mc.replications"),
        (("serial_chain",), {"progress": "yes"}, "progress: True, False or None (a bar when stderr is a terminal), or"),
        ((42,), {}, "scenario: a library name, a path to a YAML file, workbook or CSV folder, a dict or a Scenario"),
    ],
)
def test_run_stress_names_the_argument_it_cannot_use(no_run, args, kwargs, expected):
    with pytest.raises(ArgumentError) as exc:
        run_stress(*args, **kwargs)
    assert str(exc.value).startswith(expected)


# two_products: horizon 90, warm-up 10, resilience.window 14: an outage must end by t = 90 - 14 = 76
@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        (
            {"duration": 100},
            "stress.duration=100: the outage from t = 10 (the warm-up, stress.start's default) would last to t = 110, "
            "past the horizon (90); time_to_recover needs resilience.window = 14 periods after the outage",
        ),
        ({"duration": 100}, "a ranking that means nothing. Use stress.duration <= 66, or horizon >= 124"),
        (
            {"start": 70, "duration": 15},
            "stress.start=70, stress.duration=15: the outage from t = 70 ends at t = 85, only 5 periods before the "
            "horizon (90)",
        ),
        (
            {"start": 70, "duration": 15},
            "Use stress.duration <= 6, or an earlier stress.start (<= 61), or horizon >= 99",
        ),
        (
            {"start": 20, "duration": 15, "tail": 13},
            "stress.tail=13: the run would stop 13 periods after the outage ends (t = 35); time_to_recover needs",
        ),
        ({"start": 20, "duration": 15, "tail": 13}, "Use stress.tail >= 14, or leave it out to run to the horizon"),
        ({"start": 90}, "stress.start: 90 is not before the horizon (90)"),
    ],
)
def test_an_outage_that_leaves_no_time_to_recover_is_refused(no_run, settings, expected):
    with pytest.raises(ConfigError) as exc:
        run_stress(two_products(), settings, {"replications": 4}, progress=False)
    assert expected in str(exc.value) and "\n" not in str(exc.value)


def test_an_outage_that_leaves_exactly_the_window_is_accepted():
    sc = load_scenario(two_products())
    assert outage_window(sc, StressSettings(start=20, duration=56)) == (20.0, 90)
    assert outage_window(sc, StressSettings(start=20, duration=15, tail=14)) == (20.0, 49)
    assert outage_window(sc, StressSettings(duration=66)) == (10.0, 90)


def test_replications_whose_results_cannot_be_kept_are_refused(no_run, monkeypatch):
    """Per replication the test keeps (9 elements + the baseline) x (12 bytes x 90 periods + 2048) = 31,280 bytes;
    with 1 GiB, half of it holds 536,870,912 // 31,280 = 17,163 replications."""
    monkeypatch.setattr(footprint, "available_bytes", lambda: 2**30)
    with pytest.raises(ConfigError) as exc:
        settings = {"start": 20, "duration": 15, "elements": ["suppliers", "lanes", "regions"]}
        run_stress(two_products(), settings, {"replications": 17_164}, progress=False)
    msg = str(exc.value)
    assert msg.startswith("mc.replications=17164: the stress test keeps a service curve of 90 periods and the metrics")
    assert "of each of its 9 elements and the baseline" in msg and "At most 17,163 replications fit" in msg
    sc = load_scenario(two_products())
    footprint.check_stress_fits(sc, periods=90, elements=9, replications=17_163, workers=1)  # fits: no error


def test_a_horizon_whose_runs_cannot_be_held_is_refused(no_run, monkeypatch):
    """two_products per period: 2 items x 96 bytes + (2 demand streams + 3 suppliers x 2) x 32 = 448 bytes; a
    baseline and an element's run of 10^6 periods: 448 x 1,000,001 x 2 = 896,000,896 bytes (854.5 MiB)."""
    monkeypatch.setattr(footprint, "available_bytes", lambda: 2**29)
    data = {**two_products(), "horizon": 1_000_000}
    with pytest.raises(ConfigError) as exc:
        run_stress(data, {"start": 20, "duration": 15}, {"replications": 2}, progress=False)
    assert str(exc.value).startswith(
        "horizon=1000000: holding a baseline and an element's run of 1,000,000 periods would need ~854.5 MiB of "
        "memory; this machine has 512.0 MiB."
    )
    sc = load_scenario(data)
    with pytest.raises(ConfigError, match=r"2 workers, each holding .* ~1\.7 GiB"):
        footprint.check_stress_fits(sc, periods=1_000_000, elements=9, replications=2, workers=2)
    footprint.check_stress_fits(sc, periods=65, elements=9, replications=2, workers=2)  # stress.tail=30: 65 periods
