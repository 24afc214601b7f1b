"""``supplysim mode=export``: write the composed scenario as a workbook or a folder of CSV files, as written, and
nothing else (no run folder; docs/spreadsheets.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf

from sim.cli.config import FILE_KEY, check_keys, compose_config, disruption_specs
from sim.errors import ConfigError, ScenarioError
from sim.scenario.loading import library
from sim.scenario.tables.export import FORMATS, check_target, write


def export_command(overrides: list[str]) -> Path:
    """``supplysim mode=export ...`` without Hydra's run folder: compose the config, export, return the path."""
    return export_config(compose_config(None, overrides))


def export_config(cfg: DictConfig) -> Path:
    """Export the scenario of a composed config (``scenario=``/``scenario_file=``, ``scenario.*`` overrides,
    ``horizon=``, ``warmup=``, ``disruption=``) to ``export.path`` in ``export.format``."""
    check_keys(cfg)
    settings = cfg.get("export") or {}
    fmt, target = settings.get("format"), settings.get("path")
    if fmt not in FORMATS:
        raise ConfigError(f"export.format: {fmt!r} is not a format; allowed: {', '.join(FORMATS)}")
    if not target:
        raise ConfigError("export.path: where to write: a new .xlsx file (xlsx) or a new or empty folder (csv)")
    path = check_target(str(target), fmt, ConfigError, "export.")
    presets = [g for g in ("policy", "demand") if cfg.get(g) is not None and cfg[g].get("kind") is not None]
    if presets:
        raise ConfigError(
            f"mode=export writes the scenario as written; {' and '.join(f'{g}=' for g in presets)} presets change it "
            "when it runs: drop them"
        )
    if cfg.get("scenario") is None:
        raise ScenarioError(f"scenario: none selected; known: {', '.join(library())}")
    data: Any = OmegaConf.to_container(cfg.scenario, resolve=False)
    if not isinstance(data, dict):
        raise ScenarioError("scenario: expected a mapping (name, horizon, products, nodes, lanes)")
    file = data.pop(FILE_KEY, None)
    name = str(data.get("name", ""))
    lib = library()
    base_dir = Path(file).parent if file else (lib[name].parent if name in lib else Path.cwd())
    extra = disruption_specs(cfg)
    if extra:
        data["disruptions"] = [*(data.get("disruptions") or []), *extra]
    for key in ("horizon", "warmup"):
        if cfg.get(key) is not None:
            data[key] = cfg[key]
    source = str(file) if file else f"scenario {name!r}"
    return write(data, path, fmt, base_dir=base_dir, source=source, error=ConfigError, setting="export.path")
