"""Settings read off the composed config: the Monte Carlo group, the run's label in comparisons, a sweep's keys."""

from __future__ import annotations

import sys
from typing import Any, cast

from hydra.core.hydra_config import HydraConfig
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf

from sim.experiment.monte_carlo import MCSettings


def mc_settings(cfg: DictConfig) -> MCSettings:
    """Validated Monte Carlo settings from the ``mc`` config group (one ConfigError naming every bad key)."""
    return MCSettings.from_config(cast("dict[str, Any]", OmegaConf.to_container(cfg.mc, resolve=True)))


def variant_label(cfg: DictConfig) -> str:
    """The run's name in comparisons: ``variant=...``, else a sweep job's overrides, else the policy preset."""
    if cfg.get("variant"):
        return str(cfg.variant)
    if HydraConfig.initialized():
        hc = HydraConfig.get()
        if hc.mode == RunMode.MULTIRUN and hc.job.override_dirname:
            varying = sweep_keys(sys.argv[1:])
            mine = [o for o in hc.overrides.task if o.split("=", 1)[0].lstrip("+~") in varying]
            return ",".join(mine) if mine else str(hc.job.override_dirname)
    label = "base" if cfg.policy.kind is None else str(cfg.policy.name)
    demand = cfg.get("demand")
    if demand is not None and demand.kind is not None:  # a demand preset is part of the variant too
        label = str(demand.name) if label == "base" else f"{label}+{demand.name}"
    return label


def sweep_keys(argv: list[str]) -> set[str]:
    """The override keys a ``-m`` command line sweeps over (``policy=a,b``, ``x=range(1,3)``): a job's label shows
    only those, as the comparison does. Empty if the arguments can't be parsed."""
    try:
        parsed = OverridesParser.create().parse_overrides([a for a in argv if not a.startswith("-")])
    except Exception:  # not Hydra's syntax (e.g. a flag's value): fall back to the full label
        return set()
    return {o.key_or_group for o in parsed if o.is_sweep_override()}
