"""Writing a scenario as a workbook or a folder of CSV files, as written: ``sim.export_scenario`` and
``supplysim mode=export scenario=NAME export.format=xlsx|csv export.path=PATH`` (sim.cli.export_mode;
docs/spreadsheets.md).

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

from sim import paths
from sim.errors import ArgumentError, SupplysimError
from sim.scenario.loading import library, read_yaml, reject_code, validate
from sim.scenario.schema import Scenario
from sim.scenario.sources import locate
from sim.scenario.tables.files import WORKBOOK_SUFFIXES, is_table_source, write_folder, write_workbook
from sim.scenario.tables.flatten import to_tables
from sim.scenario.tables.reading import read_data

FORMATS = ("xlsx", "csv")


def export_scenario(scenario: Any, path: str | Path, format: str | None = None) -> Path:
    """Write ``scenario`` (a library name, a YAML file, a workbook or CSV folder, a dict, a Scenario) to ``path``
    as a workbook (``format="xlsx"``) or a folder of CSV files (``"csv"``); default: ``xlsx`` for a path ending in
    ``.xlsx``, else ``csv``. Returns the path written."""
    target = paths.user_path("path", path, ArgumentError)
    fmt = format or ("xlsx" if target.suffix.lower() == ".xlsx" else "csv")
    target = check_target(target, fmt, ArgumentError, "")
    data, base_dir, source = scenario_data(scenario)
    return write(data, target, fmt, base_dir=base_dir, source=source)


def check_target(value: Any, fmt: Any, error: type[SupplysimError], prefix: str) -> Path:
    """The path to write: refuse an unknown format, a path the file system refuses (sim.paths), a name that does
    not fit the format and a target that exists (nothing is overwritten)."""
    if fmt not in FORMATS:
        raise error(f"{prefix}format: {fmt!r} is not a format; allowed: {', '.join(FORMATS)}")
    path = paths.output_file(f"{prefix}path", value, error)
    suffix = path.suffix.lower()
    if fmt == "xlsx" and suffix != ".xlsx":
        raise error(f"{prefix}path: a workbook's name ends with .xlsx (got {path})")
    if fmt == "csv" and (suffix in WORKBOOK_SUFFIXES or suffix in (".yaml", ".yml", ".csv")):
        raise error(f"{prefix}path: the csv format writes a folder of CSV files; give a folder name (got {path})")
    if path.is_file() or (path.is_dir() and any(path.iterdir())):
        what = "file" if path.is_file() else "folder, not empty"
        raise error(f"{prefix}path: {path} exists ({what}); nothing is overwritten: choose a new name or remove it")
    if path.exists() and not path.is_dir():
        raise error(f"{prefix}path: {path} exists; nothing is overwritten")
    return path


def scenario_data(scenario: Any) -> tuple[dict[str, Any], Path | None, str]:
    """(data as written, the folder relative files are read from, a name for messages) of any scenario source."""
    if isinstance(scenario, Scenario):
        return scenario.model_dump(by_alias=True, exclude_unset=True, mode="json"), None, f"scenario {scenario.name!r}"
    if isinstance(scenario, dict):
        return copy.deepcopy(scenario), None, "scenario"
    path = locate(scenario)
    if is_table_source(path):
        return read_data(path, check=True), path.parent, str(path)
    lib = library()
    named = str(scenario) in lib and lib[str(scenario)] == path
    return read_yaml(path), path.parent, f"scenario {str(scenario)!r}" if named else str(path)


def write(
    data: dict[str, Any],
    path: Path,
    fmt: str,
    *,
    base_dir: Path | None,
    source: str,
    error: type[SupplysimError] = ArgumentError,
    setting: str = "path",
) -> Path:
    """Validate ``data`` (nothing is written if it is invalid), then write its tables; a failure to write (a full
    disk, a folder that went away) is ``error`` naming ``setting`` and the path (the temporary file is removed)."""
    reject_code(data)
    scenario = validate(data, base_dir=base_dir, source=source)
    frames = to_tables(_inline_series(data, scenario))
    try:
        (write_workbook if fmt == "xlsx" else write_folder)(frames, path)
    except OSError as exc:
        raise error(f"{setting}: can't write {paths.shown(path)}: {paths.reason(exc)}") from None
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
