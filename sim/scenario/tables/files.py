"""Workbooks and CSV folders on disk: read their tables as raw cells (bounded, data only), write tables.

A workbook is data: formulas are read as the values Excel cached when it last saved the file (a formula without one
is an error naming its cell), macro-enabled files are refused (by name and by content), external links are never
followed (openpyxl ``keep_links=False``). Before anything is parsed the file is checked against the YAML limits
(``sim.scenario.limits``): its size, what it unpacks to (an .xlsx is a zip: a "zip bomb" unpacks to gigabytes), and
while reading the number of cells.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import tempfile
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.errors import ScenarioError
from sim.scenario import limits
from sim.scenario.tables.layout import BY_NAME, TABLES

UNPACK_FACTOR = 4  # an .xlsx may unpack to this many times the file-size limit (its XML; ~10x its zipped size)
MAX_MEMBERS = 10_000
MACRO_SUFFIXES = (".xlsm", ".xltm")
_FORMULA = re.compile(rb"<(?:\w+:)?f[ >/]")


@dataclass
class RawTable:
    """A table as read: the header and, per data row, its row number (1 = the header row) and cells."""

    name: str  # the table: "stock"
    sheet: str  # as the user sees it: the sheet "Stock", the file "stock.csv"
    header: list[Any]
    header_row: int = 1
    rows: list[int] = field(default_factory=list)
    cells: list[list[Any]] = field(default_factory=list)
    problems: list[tuple[int, int, str]] = field(default_factory=list)  # (row, column index, message)


WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xltx", ".xltm", ".xls", ".xlsb")


def is_table_source(path: str | Path) -> bool:
    """A workbook (by its name) or a folder (of CSV files): what sim.scenario.tables.reading reads."""
    p = Path(path)
    return p.suffix.lower() in WORKBOOK_SUFFIXES or p.is_dir()


def table_name(name: str) -> str | None:
    """The table a sheet or CSV file holds (case-insensitive), None for one to skip (``_notes``)."""
    return None if name.startswith("_") else name.strip().lower()


def _too_big(what: str, size: int, limit: int) -> ScenarioError:
    return ScenarioError(
        f"{what}: {size / 2**20:.1f} MB is larger than the {limit / 2**20:.0f} MB a scenario may have (raise it with "
        f"{limits.ENV_FILE_MB}=<MB>)"
    )


def _too_many(what: str, limit: int) -> ScenarioError:
    return ScenarioError(f"{what}: more than {limit:,} cells; raise the limit with {limits.ENV_NODES}=<n>")


# -- reading a workbook --------------------------------------------------------------------------------------------
def check_workbook(path: Path) -> dict[str, bool]:
    """Refuse what is not a plain .xlsx before parsing it; return {worksheet part: holds formulas}."""
    suffix = path.suffix.lower()
    if suffix in MACRO_SUFFIXES:
        raise ScenarioError(f"{path}: a macro-enabled workbook is refused (a scenario is data); save it as .xlsx")
    if suffix in (".xls", ".xlsb"):
        raise ScenarioError(f"{path}: {suffix} workbooks can't be read; save it as .xlsx (Excel workbook)")
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ScenarioError(f"{path}: can't read the file ({exc.strerror})") from None
    if size > limits.max_file_bytes:
        raise _too_big(str(path), size, limits.max_file_bytes)
    try:
        with zipfile.ZipFile(path) as zf:
            members = zf.infolist()
            if len(members) > MAX_MEMBERS:
                raise ScenarioError(f"{path}: {len(members):,} parts; not a scenario workbook")
            unpacked = sum(m.file_size for m in members)
            if unpacked > UNPACK_FACTOR * limits.max_file_bytes:
                raise ScenarioError(
                    f"{path}: unpacks to {unpacked / 2**20:,.0f} MB, more than {UNPACK_FACTOR} x the "
                    f"{limits.max_file_bytes / 2**20:.0f} MB a scenario may have (a zip bomb?); raise it with "
                    f"{limits.ENV_FILE_MB}=<MB>"
                )
            names = {m.filename for m in members}
            types = zf.read("[Content_Types].xml") if "[Content_Types].xml" in names else b""
            if any(n.lower().endswith("vbaproject.bin") for n in names) or b"macroEnabled" in types:
                raise ScenarioError(f"{path}: holds macros (VBA); a macro-enabled workbook is refused (save as .xlsx)")
            sheets = [m.filename for m in members if m.filename.startswith("xl/worksheets/")]
            return {name: _has_formulas(zf, name) for name in sheets}
    except zipfile.BadZipFile:
        raise ScenarioError(f"{path}: not an .xlsx workbook (not a zip archive)") from None
    except OSError as exc:
        raise ScenarioError(f"{path}: can't read the file ({exc.strerror or exc})") from None


def _has_formulas(zf: zipfile.ZipFile, name: str) -> bool:
    """Whether a worksheet's XML has a formula element (streamed: the part is never held whole)."""
    tail = b""
    with zf.open(name) as part:
        while chunk := part.read(1 << 20):
            if _FORMULA.search(tail + chunk):
                return True
            tail = chunk[-16:]
    return False


def read_workbook(path: Path) -> list[RawTable]:
    """The tables of an .xlsx workbook: every sheet, as cached values (openpyxl read-only, data only, no links)."""
    import openpyxl  # deferred: only workbooks need openpyxl

    formulas = check_workbook(path)
    budget = limits.max_nodes
    tables = []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about unsupported extensions (data validation, ...)
            wb = openpyxl.load_workbook(path, read_only=True, data_only=True, keep_links=False)
        try:
            for ws in wb.worksheets:
                if table_name(ws.title) is None:
                    continue
                table = RawTable(table_name(ws.title) or "", ws.title, [])
                budget = _read_sheet(ws.iter_rows(min_row=1, values_only=True), table, budget, str(path))
                if formulas.get(getattr(ws, "_worksheet_path", ""), True):
                    _check_formulas(path, ws.title, table)
                tables.append(table)
        finally:
            wb.close()
    except ScenarioError:
        raise
    except Exception as exc:  # openpyxl raises many kinds on a damaged file
        raise ScenarioError(f"{path}: can't read the workbook ({type(exc).__name__}: {exc})") from None
    return tables


def _read_sheet(rows, table: RawTable, budget: int, source: str) -> int:
    """Fill ``table`` from an iterator of row tuples (row 1 first); count cells against ``budget``."""
    width = 0
    for number, row in enumerate(rows, start=1):
        budget -= max(len(row), 1)
        if budget < 0:
            raise _too_many(source, limits.max_nodes)
        if not any(v is not None and v != "" for v in row):
            continue
        if not table.header:
            table.header, table.header_row = list(row), number
            while table.header and table.header[-1] in (None, ""):
                table.header.pop()
            width = len(table.header)
            continue
        cells = list(row[:width]) + [None] * (width - len(row))
        for j, v in enumerate(row[width:], start=width):
            if v is not None and v != "":
                table.problems.append((number, j, "a value in a column without a header"))
        table.rows.append(number)
        table.cells.append(cells)
    return budget


def _check_formulas(path: Path, title: str, table: RawTable) -> None:
    """Cells holding a formula without a cached value (a file written by a program, never opened in Excel)."""
    import openpyxl  # deferred: only workbooks need openpyxl

    cached = dict(zip(table.rows, table.cells, strict=True))
    wb = openpyxl.load_workbook(path, read_only=True, data_only=False, keep_links=False)
    try:
        for number, row in enumerate(wb[title].iter_rows(min_row=1), start=1):
            for j, cell in enumerate(row):
                if getattr(cell, "data_type", None) != "f":
                    continue
                values = table.header if number == table.header_row else cached.get(number)
                if values is None or j >= len(values) or values[j] is None:
                    msg = f"a formula without a value ({cell.value}); save the workbook in Excel, or paste values"
                    table.problems.append((number, j, msg))
    finally:
        wb.close()


# -- reading a folder of CSV files ---------------------------------------------------------------------------------
def read_folder(path: Path) -> tuple[list[RawTable], list[str]]:
    """The tables of a folder of CSV files (``<table>.csv``, UTF-8); other files are skipped. Returns the tables and
    the CSV files that are no table."""
    import pandas as pd  # deferred: only CSV folders need pandas

    files = sorted(p for p in path.iterdir() if p.suffix.lower() == ".csv" and p.is_file())
    total = sum(p.stat().st_size for p in files)
    if total > limits.max_file_bytes:
        raise _too_big(f"{path} (its CSV files)", total, limits.max_file_bytes)
    budget = limits.max_nodes
    tables, unknown = [], []
    for p in files:
        name = table_name(p.stem)
        if name is None:
            continue
        if name not in BY_NAME:
            unknown.append(p.name)
            continue
        raw = p.read_bytes()
        budget -= raw.count(b",") + raw.count(b"\n") + 1  # at most this many cells: counted before parsing
        if budget < 0:
            raise _too_many(str(path), limits.max_nodes)
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ScenarioError(
                f"{p}: not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start}); save it as CSV UTF-8"
            ) from None
        table = RawTable(name, p.name, [])
        try:
            frame = pd.read_csv(
                io.StringIO(text), header=None, dtype=str, keep_default_na=False, skip_blank_lines=False
            )
        except pd.errors.EmptyDataError:
            frame = pd.DataFrame()
        except pd.errors.ParserError as exc:
            raise ScenarioError(f"{p}: malformed CSV: {str(exc).strip()}") from None
        rows = frame.to_numpy(dtype=object, na_value=None).tolist()  # type: ignore[arg-type]  # in bulk: str or None
        _read_sheet(rows, table, 1 << 62, str(p))
        if len(table.header) == 1 and ";" in str(table.header[0]):
            raise ScenarioError(f"{p}: columns are separated by ';'; supplysim reads CSV with commas (',')")
        tables.append(table)
    return tables, unknown


# -- writing -------------------------------------------------------------------------------------------------------
def write_workbook(tables: dict[str, tuple[list[str], list[list[Any]]]], path: Path) -> None:
    """Write tables as one .xlsx (a sheet each, bold frozen header), atomically: a temp file renamed into place."""
    import openpyxl  # deferred: only workbooks need openpyxl
    from openpyxl.cell import WriteOnlyCell  # deferred, as above
    from openpyxl.styles import Font  # deferred, as above
    from openpyxl.utils import get_column_letter  # deferred, as above

    wb = openpyxl.Workbook(write_only=True)
    bold = Font(bold=True)
    for name in (t.name for t in TABLES if t.name in tables):
        columns, rows = tables[name]
        ws = wb.create_sheet(name)
        ws.freeze_panes = "A2"
        for j, col in enumerate(columns, start=1):
            longest = max([len(str(col)), *(len(str(r[j - 1])) for r in rows[:200] if r[j - 1] is not None)])
            ws.column_dimensions[get_column_letter(j)].width = min(max(10, longest + 2), 60)
        header = []
        for col in columns:
            cell = WriteOnlyCell(ws, value=col)
            cell.font = bold
            header.append(cell)
        ws.append(header)
        for row in rows:
            ws.append([_text_cell(ws, v) if isinstance(v, str) and v.startswith("=") else v for v in row])
    _atomic(path, lambda tmp: wb.save(tmp))


def _text_cell(ws, value: str):
    """A text cell that starts with '=': text, never a formula."""
    from openpyxl.cell import WriteOnlyCell  # deferred: only workbooks need openpyxl

    cell = WriteOnlyCell(ws, value=value)
    cell.data_type = "s"
    return cell


def write_folder(tables: dict[str, tuple[list[str], list[list[Any]]]], path: Path) -> None:
    """Write tables as ``<table>.csv`` (UTF-8) in a new folder, atomically: a temp folder renamed into place."""
    import pandas as pd  # deferred: only CSV folders need pandas

    def write(tmp: Path) -> None:
        tmp.mkdir()
        for name in (t.name for t in TABLES if t.name in tables):
            columns, rows = tables[name]
            frame = pd.DataFrame(rows, columns=columns, dtype=object)
            frame.to_csv(tmp / f"{name}.csv", index=False, lineterminator="\n", encoding="utf-8")

    _atomic(path, write)


def _atomic(path: Path, write) -> None:
    parent = path.parent
    parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", dir=parent))
    try:
        target = tmp / path.name
        write(target)
        if path.is_dir():
            path.rmdir()  # an empty folder (checked by the caller): replaced
        os.replace(target, path)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
