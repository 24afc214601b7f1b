"""Where a scenario comes from: ``load_scenario`` takes a Scenario, a dict, a library name, a YAML file, an Excel
workbook or a folder of CSV files, and returns the validated Scenario (the same checks for every source)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sim.errors import ArgumentError, ScenarioError
from sim.scenario.loading import library, read_yaml, validate
from sim.scenario.schema import Scenario
from sim.scenario.tables.files import is_table_source
from sim.scenario.tables.reading import load_tables


def load_scenario(src: str | Path | dict[str, Any] | Scenario) -> Scenario:
    """A Scenario from a model, a dict, a YAML file, a workbook or CSV folder, or the name of a library scenario."""
    if isinstance(src, Scenario):
        return src
    if isinstance(src, dict):
        return validate(src)
    if not isinstance(src, str | Path):
        raise ArgumentError(f"scenario: a path, a library scenario name, a dict or a Scenario; got {src!r}")
    path = Path(src)
    if is_table_source(path):  # a workbook or a folder of CSV files (docs/spreadsheets.md)
        return load_tables(path)
    if not path.is_file():
        lib = library()
        if str(src) in lib:
            path = lib[str(src)]
        else:
            raise ScenarioError(
                f"scenario {str(src)!r} is neither a file nor a library scenario; known: {', '.join(lib)}"
            )
    return validate(read_yaml(path), base_dir=path.parent, source=str(path))
