"""Python entry points that mirror the command line (used by notebooks and tests)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from sim import paths
from sim.cli.config import compose_config
from sim.cli.run import execute
from sim.scenario.schema import Scenario


def run(
    scenario: str | Path | dict | Scenario | None = None,
    overrides: Sequence[str] = (),
    out_dir: str | Path | None = None,
):
    """Run a Monte Carlo batch exactly as ``supplysim`` would, and return the :class:`sim.experiment.batch.Batch`.

    ``scenario`` is a library name (``"serial_chain"``), a path to a YAML file, workbook or CSV folder, scenario
    data (a dict or a Scenario), or None for the default showcase;
    ``overrides`` are Hydra overrides (``["mc.replications=200", "policy=base_stock"]``). With ``out_dir`` the
    tables and the HTML report are written there; without, nothing is written. A bad argument is an
    ``ArgumentError`` naming it, before anything runs.
    """
    out = None if out_dir is None else paths.output_folder("out_dir", out_dir)
    cfg = compose_config(scenario, overrides)  # checks the scenario and that overrides is a list of strings
    return execute(cfg, out)
