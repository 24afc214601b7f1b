"""Bullwhip from the command line and its Python twin (split from tests/model/test_bullwhip.py): the issue's CLI
examples, the ``demand`` preset group, and variant labels that name the demand preset."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import sim


def test_cli_examples_of_the_issue(tmp_path):
    """`supplysim scenario=beer_game policy=sterman` and the -m sweep over three presets run and compare."""
    one = sim.run("beer_game", overrides=["policy=sterman", "mc.replications=2"])
    assert one.summary.query("node == 'factory' and kpi == 'bullwhip_vs_consumer'")["mean"].iloc[0] > 10
    sweep = tmp_path / "sweep"
    res = subprocess.run(
        [sys.executable, "-m", "sim", "-m", "scenario=beer_game", "policy=sterman,order_up_to_ma,order_up_to_ma_shared",
         "mc.replications=2", "report.html=false", f"hydra.sweep.dir={sweep}"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    cmp = pd.read_csv(sweep / "comparison.csv")
    assert set(cmp["variant"]) == {"policy=sterman", "policy=order_up_to_ma", "policy=order_up_to_ma_shared"}
    amp = cmp.query("kpi == 'bullwhip_vs_consumer' and node == 'factory' and sku == 'beer'").set_index("variant")
    assert amp.loc["policy=order_up_to_ma_shared", "mean"] < amp.loc["policy=order_up_to_ma", "mean"]
    assert (Path(sweep) / "comparison.html").is_file()


def test_terminal_leads_with_the_amplification_of_a_bullwhip_study(capsys):
    """`supplysim experiment=bullwhip` prints the amplification per echelon (downstream first) before the network
    KPIs; a run that is no bullwhip study prints no such table."""
    from sim.cli.config import compose_config
    from sim.cli.run import execute

    execute(compose_config(None, ["experiment=bullwhip", "mc.replications=2"]), None, echo=True)
    out = capsys.readouterr().out
    assert out.index("Order-variance amplification by echelon") < out.index("Network KPIs")
    table = out.split("Order-variance amplification", 1)[1].split("Network KPIs", 1)[0]
    assert [line.split()[0] for line in table.splitlines()[3:] if line.strip()] == [
        "retailer", "wholesaler", "distributor", "factory"
    ]  # fmt: skip
    execute(compose_config("serial_chain", ["mc.replications=2"]), None, echo=True)
    assert "amplification" not in capsys.readouterr().out


def test_demand_group_swaps_in_a_scaled_pattern():
    """`demand=ar1` keeps each retailer's mean and variance (Poisson 10: variance 10) and adds phi = 0.7; the policy
    preset is sized from the new demand; `demand=step` doubles the mean from period 4."""
    from sim.cli.config import build_scenario, compose_config
    from sim.errors import ConfigError
    from sim.scenario.demand_presets import apply_demand

    sc = build_scenario(compose_config("serial_chain", ["demand=ar1", "demand.params.phi=0.5"]))
    spec = sc.node("store").demand["widget"]
    assert spec.kind == "ar1" and spec.mean == 10 and spec.var == pytest.approx(10)
    assert spec.params.phi == 0.5
    step = build_scenario(compose_config("serial_chain", ["demand=step"])).node("store").demand["widget"]
    assert (step.params.before, step.params.after, step.params.at) == (10, 20, 4)
    with pytest.raises(ConfigError, match="known: ar1, promotion, seasonal, step, trend"):
        apply_demand(sc, "poisson_process")
    with pytest.raises(ConfigError, match="no customer demand at dc"):
        apply_demand(sc, "ar1", apply_to=["dc"])


def test_variant_labels_name_the_demand_preset():
    """A run's variant label names a demand preset too, so sim.compare can tell such runs apart."""
    from sim.cli.config import compose_config
    from sim.cli.settings import variant_label

    assert variant_label(compose_config("serial_chain", ["demand=ar1"])) == "ar1"
    assert variant_label(compose_config("serial_chain", ["demand=ar1", "policy=sterman"])) == "sterman+ar1"
    assert variant_label(compose_config("serial_chain", ["policy=sterman"])) == "sterman"
    cfg = compose_config(None, ["experiment=bullwhip", "policy=order_up_to_smoothed"])
    assert cfg.policy.params == {**cfg.policy.params, "periods": 12, "safety_stock": 80, "beta": 0.4}
