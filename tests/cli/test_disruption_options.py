"""Disruptions from the command line (split from tests/model/test_disruptions.py): a bad ``disruption`` option
exits 2 and writes nothing, the ``disruption`` group composes several options, a disrupted batch's report and
terminal show the resilience block."""

from __future__ import annotations


def test_bad_disruption_option_from_the_cli_writes_nothing(tmp_path):
    """``disruption=psu_outage`` names a supplier the serial chain doesn't have: exit code 2, nothing written."""
    import subprocess
    import sys

    run_dir = tmp_path / "run"
    res = subprocess.run(
        [sys.executable, "-m", "sim", "scenario=serial_chain", "disruption=psu_outage", f"hydra.run.dir={run_dir}"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert res.returncode == 2
    assert "unknown supplier 'tw_taoyuan'" in res.stderr
    assert not run_dir.exists() or not [p for p in run_dir.iterdir() if p.name != ".hydra"]


def test_disruption_group_composes_several_options():
    """``disruption=[psu_outage,taiwan_region]`` adds both to the showcase, each named after its option."""
    from sim.cli.config import build_scenario, compose_config

    sc = build_scenario(compose_config(None, ["disruption=[psu_outage,taiwan_region]"]))
    assert [d.label for d in sc.disruptions] == ["psu_outage", "taiwan_region"]
    assert sc.disruptions[0].params.supplier == "tw_taoyuan"


def test_batch_report_shows_the_resilience_block(tmp_path, capsys):
    """A disrupted scenario's batch report gets a resilience table (network rows, paired); the terminal too."""
    from sim.cli.config import compose_config
    from sim.cli.run import execute

    cfg = compose_config("regional_disruption", ["mc.replications=3", "mc.series_replications=3"])
    batch = execute(cfg, tmp_path, echo=True)
    assert batch.values_of("time_to_survive").shape == (3,)
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "Resilience (network)" in html and "Time to survive" in html
    out = capsys.readouterr().out
    assert "Resilience (paired, n = 3 replications)" in out and "Time to survive (KM median)" in out
