"""Writing a scenario as a workbook or a folder of CSV files, as written: ``sim.export_scenario`` and
``supplysim mode=export scenario=NAME export.format=xlsx|csv export.path=PATH`` (docs/spreadsheets.md).

"As written" is the scenario's data before loading derives anything: a ``service_level`` stays a target (not the
level it implies), segment rules stay rules (not the policies they set), lane ids stay unset where the file leaves
them. The one exception: an empirical demand read from a CSV file (``file:``) is written with its values, in the
``demand_series`` table, so that the workbook is self-contained. The scenario is validated first; nothing is written
when it is invalid, when the target exists (a file, or a folder that is not empty) or when writing fails half-way
(a temporary file or folder is renamed into place).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from sim.errors import ArgumentError, ConfigError, ScenarioError, SupplysimError
from sim.scenario import tables
from sim.scenario.loading import library, read_yaml, reject_code, validate
from sim.scenario.schema import Scenario
from sim.scenario.tables.files import write_folder, write_workbook
from sim.scenario.tables.flatten import to_tables

FORMATS = ("xlsx", "csv")


def export_scenario(scenario: Any, path: str | Path, format: str | None = None) -> Path:
    """Write ``scenario`` (a library name, a YAML file, a workbook or CSV folder, a dict, a Scenario) to ``path``
    as a workbook (``format="xlsx"``) or a folder of CSV files (``"csv"``); default: ``xlsx`` for a path ending in
    ``.xlsx``, else ``csv``. Returns the path written."""
    path = Path(path)
    fmt = format or ("xlsx" if path.suffix.lower() == ".xlsx" else "csv")
    check_target(path, fmt, ArgumentError, "")
    data, base_dir, source = scenario_data(scenario)
    return write(data, path, fmt, base_dir=base_dir, source=source)


def check_target(path: Path, fmt: Any, error: type[SupplysimError], prefix: str) -> None:
    """Refuse an unknown format, a name that does not fit it and a target that exists (nothing is overwritten)."""
    if fmt not in FORMATS:
        raise error(f"{prefix}format: {fmt!r} is not a format; allowed: {', '.join(FORMATS)}")
    suffix = path.suffix.lower()
    if fmt == "xlsx" and suffix != ".xlsx":
        raise error(f"{prefix}path: a workbook's name ends with .xlsx (got {path})")
    if fmt == "csv" and (suffix in tables.WORKBOOK_SUFFIXES or suffix in (".yaml", ".yml", ".csv")):
        raise error(f"{prefix}path: the csv format writes a folder of CSV files; give a folder name (got {path})")
    if path.is_file() or (path.is_dir() and any(path.iterdir())):
        what = "file" if path.is_file() else "folder, not empty"
        raise error(f"{prefix}path: {path} exists ({what}); nothing is overwritten: choose a new name or remove it")
    if path.exists() and not path.is_dir():
        raise error(f"{prefix}path: {path} exists; nothing is overwritten")


def scenario_data(scenario: Any) -> tuple[dict[str, Any], Path | None, str]:
    """(data as written, the folder relative files are read from, a name for messages) of any scenario source."""
    if isinstance(scenario, Scenario):
        return scenario.model_dump(by_alias=True, exclude_unset=True, mode="json"), None, f"scenario {scenario.name!r}"
    if isinstance(scenario, dict):
        return copy.deepcopy(scenario), None, "scenario"
    if not isinstance(scenario, str | Path):
        raise ArgumentError(f"scenario: a library name, a path, a dict or a Scenario; got {scenario!r}")
    path = Path(scenario)
    if tables.is_table_source(path):
        return tables.read_tables(path, check=True), path.parent, str(path)
    if path.is_file():
        return read_yaml(path), path.parent, str(path)
    lib = library()
    if str(scenario) in lib:
        return read_yaml(lib[str(scenario)]), lib[str(scenario)].parent, f"scenario {str(scenario)!r}"
    raise ScenarioError(f"scenario {str(scenario)!r} is neither a file nor a library scenario; known: {', '.join(lib)}")


def write(data: dict[str, Any], path: Path, fmt: str, *, base_dir: Path | None, source: str) -> Path:
    """Validate ``data`` (nothing is written if it is invalid), then write its tables."""
    reject_code(data)
    scenario = validate(data, base_dir=base_dir, source=source)
    frames = to_tables(_inline_series(data, scenario))
    (write_workbook if fmt == "xlsx" else write_folder)(frames, path)
    return path


def _inline_series(data: dict[str, Any], scenario: Scenario) -> dict[str, Any]:
    """An empirical demand read from a CSV file (``file:``) with the values it read, so the tables hold them."""
    out = data
    for i, node in enumerate(data.get("nodes") or []):
        for sku, spec in (node.get("demand") or {}).items() if isinstance(node, dict) else ():
            if isinstance(spec, dict) and spec.get("kind") == "empirical" and spec.get("file") is not None:
                if out is data:
                    out = copy.deepcopy(data)
                values = getattr(scenario.node(node["id"]), "demand", {})[sku].params.values
                rest = {k: v for k, v in spec.items() if k not in ("file", "column")}
                out["nodes"][i]["demand"][sku] = {**rest, "values": list(values)}
    return out


# -- the command line -----------------------------------------------------------------------------------------------
def export_command(overrides: list[str]) -> Path:
    """``supplysim mode=export ...`` without Hydra's run folder: compose the config, export, return the path."""
    from sim.scenario.config import compose_config

    return export_config(compose_config(None, overrides))


def export_config(cfg) -> Path:
    """Export the scenario of a composed config (``scenario=``/``scenario_file=``, ``scenario.*`` overrides,
    ``horizon=``, ``warmup=``, ``disruption=``) to ``export.path`` in ``export.format``."""
    from omegaconf import OmegaConf

    from sim.scenario.config import FILE_KEY, disruption_specs

    settings = cfg.get("export") or {}
    fmt, target = settings.get("format"), settings.get("path")
    if fmt not in FORMATS:
        raise ConfigError(f"export.format: {fmt!r} is not a format; allowed: {', '.join(FORMATS)}")
    if not target:
        raise ConfigError("export.path: where to write: a new .xlsx file (xlsx) or a new or empty folder (csv)")
    check_target(Path(str(target)).expanduser(), fmt, ConfigError, "export.")
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
    return write(data, Path(str(target)).expanduser(), fmt, base_dir=base_dir, source=source)
