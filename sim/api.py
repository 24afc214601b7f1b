"""Python entry points that mirror the command line (used by notebooks and tests)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from sim.cli.config import compose_config
from sim.cli.run import execute


def run(
    scenario: str | Path | dict | None = None,
    overrides: Sequence[str] = (),
    out_dir: str | Path | None = None,
):
    """Run a Monte Carlo batch exactly as ``supplysim`` would, and return the :class:`sim.experiment.batch.Batch`.

    ``scenario`` is a library name (``"serial_chain"``), a YAML path, scenario data (a dict), or None for the
    default showcase;
    ``overrides`` are Hydra overrides (``["mc.replications=200", "policy=base_stock"]``). With ``out_dir`` the
    tables and the HTML report are written there; without, nothing is written.
    """
    cfg = compose_config(scenario, overrides)  # checks that overrides is a list of strings
    return execute(cfg, None if out_dir is None else Path(out_dir))
