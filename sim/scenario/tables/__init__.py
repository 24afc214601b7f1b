"""Scenarios as tables: read and write a scenario as an Excel workbook or a folder of CSV files (docs/spreadsheets.md).

``load_tables(path)`` reads one into a validated Scenario (through the same validation as a YAML file, with errors
naming the sheet, row and column), ``read_tables(path)`` into plain scenario data, and ``export_scenario`` writes any
scenario as written. The layout (which table holds what) is :mod:`sim.scenario.tables.layout`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xltx", ".xltm", ".xls", ".xlsb")


def is_table_source(path: str | Path) -> bool:
    """A workbook (by its name) or a folder (of CSV files): what :func:`load_tables` reads."""
    p = Path(path)
    return p.suffix.lower() in WORKBOOK_SUFFIXES or p.is_dir()


def load_tables(path: str | Path):
    """The validated Scenario of a workbook or CSV folder; one ScenarioError naming every bad cell."""
    from sim.scenario.tables.reading import load_tables as load

    return load(Path(path))


def read_tables(path: str | Path, *, check: bool = False) -> dict[str, Any]:
    """The scenario data of a workbook or CSV folder (``check``: validated too, errors by sheet, row and column)."""
    from sim.scenario.tables.reading import read_data

    return read_data(Path(path), check=check)


def export_scenario(scenario: Any, path: str | Path, format: str | None = None) -> Path:
    """Write a scenario (library name, file, workbook, CSV folder, dict or Scenario) as written, as a workbook
    (``format="xlsx"``) or a folder of CSV files (``"csv"``; default: by the path's suffix)."""
    from sim.scenario.tables.export import export_scenario as export

    return export(scenario, path, format)
