"""Reading a scenario from a workbook or a folder of CSV files: raw tables (``files``), scenario data
(``assemble``), then the same validation as a YAML file with errors by sheet, row and column (``errors``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sim import paths
from sim.errors import ScenarioError
from sim.scenario.loading import validate
from sim.scenario.schema import Scenario
from sim.scenario.tables.assemble import Origin, Problem, assemble
from sim.scenario.tables.errors import located, render
from sim.scenario.tables.files import read_folder, read_workbook
from sim.scenario.tables.layout import TABLES


def read(path: Path) -> tuple[dict[str, Any], Origin, list[Problem]]:
    """Scenario data, where it came from, and the problems found while reading (not yet validated); a file or folder
    that can't be read (no permission, a file that went away) is a ScenarioError naming it."""
    try:
        return _read(path)
    except OSError as exc:
        where = exc.filename or path
        raise ScenarioError(f"{where}: can't read it: {paths.reason(exc)}") from None


def _read(path: Path) -> tuple[dict[str, Any], Origin, list[Problem]]:
    if path.is_dir():
        raw, unknown = read_folder(path)
        if not raw and not unknown:
            names = ", ".join(f"{t.name}.csv" for t in TABLES)
            raise ScenarioError(
                f"{path}: is a directory, not a scenario file (YAML, .xlsx), nor a folder of scenario tables (CSV "
                f"files named {names})"
            )
        data, origin, problems = assemble(raw)
        for name in unknown:
            known = ", ".join(f"{t.name}.csv" for t in TABLES)
            skipped = "files whose name starts with '_' and files that are not .csv are skipped"
            problems.append(Problem(None, None, None, f"{name}: no such table; tables: {known} ({skipped})", True))
        for table in origin.sheets:
            origin.sheets[table] = f"{table}.csv"
        return data, origin, problems
    if not path.is_file():
        raise ScenarioError(f"{path}: no such file")
    return assemble(read_workbook(path))


def read_data(path: Path, *, check: bool = False) -> dict[str, Any]:
    """The scenario data of a workbook or CSV folder, as a YAML file would give it (``check``: validated too)."""
    if check:
        return _checked(path)[0]
    data, origin, problems = read(path)
    if problems:
        raise ScenarioError(render(problems, origin.sheets, str(path)))
    return data


def load_tables(path: Path) -> Scenario:
    """The validated Scenario of a workbook or CSV folder; one ScenarioError naming every bad cell."""
    return _checked(path)[1]


def _checked(path: Path) -> tuple[dict[str, Any], Scenario]:
    data, origin, problems = read(path)
    if any(p.fatal for p in problems):
        raise ScenarioError(render(problems, origin.sheets, str(path)))
    try:
        scenario = validate(data, base_dir=path.parent, source=str(path))
    except ScenarioError as exc:
        flagged = {(p.table, p.row, p.column) for p in problems}
        problems += [p for p in located(str(exc), data, origin) if (p.table, p.row, p.column) not in flagged]
    if problems:
        raise ScenarioError(render(problems, origin.sheets, str(path)))
    return data, scenario
