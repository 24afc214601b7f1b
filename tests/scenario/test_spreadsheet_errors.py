"""Bad workbooks and CSV folders: every problem at once, by sheet, row and column as a spreadsheet user sees them (row
1 is the header); workbooks are data (cached values, no macros, no links) and bounded like YAML files."""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest

import sim
from sim.errors import ScenarioError
from sim.scenario.loading import library, read_yaml
from sim.scenario.tables.files import write_folder, write_workbook
from sim.scenario.tables.flatten import to_tables

Tables = dict[str, tuple[list[str], list[list[Any]]]]


def chain() -> Tables:
    """serial_chain's tables (columns, rows) to break."""
    return to_tables(read_yaml(library()["serial_chain"]))


def put(tables: Tables, table: str, row: int, column: str, value: Any) -> None:
    """Set a cell by its spreadsheet row (2 = the first data row); a new column is added."""
    columns, rows = tables[table]
    if column not in columns:
        columns.append(column)
        for r in rows:
            r.append(None)
    rows[row - 2][columns.index(column)] = value


def drop_column(tables: Tables, table: str, prefix: str) -> None:
    columns, rows = tables[table]
    keep = [i for i, c in enumerate(columns) if not (c == prefix or c.startswith(prefix + "."))]
    tables[table] = ([columns[i] for i in keep], [[r[i] for i in keep] for r in rows])


def errors(path: Path) -> str:
    with pytest.raises(ScenarioError) as info:
        sim.load_scenario(path)
    return str(info.value)


def save(tables: Tables, tmp_path: Path, fmt: str) -> Path:
    path = tmp_path / ("t.xlsx" if fmt == "xlsx" else "t")
    (write_workbook if fmt == "xlsx" else write_folder)(tables, path)
    return path


def sheet(fmt: str, name: str) -> str:
    return name if fmt == "xlsx" else f"{name}.csv"


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_all_problems_at_once_by_sheet_row_and_column(tmp_path, fmt):
    t = chain()
    put(t, "stock", 3, "policy.level", -5)  # the store's base-stock level
    put(t, "products", 2, "unit_cost", "abc")
    drop_column(t, "lanes", "transit")
    msg = errors(save(t, tmp_path, fmt))
    assert f"{sheet(fmt, 'stock')}, row 3, column policy.level: must be ≥ 0" in msg
    assert f"{sheet(fmt, 'products')}, row 2, column unit_cost: must be a number (got 'abc')" in msg
    assert f"{sheet(fmt, 'lanes')}, row 2, column transit: required" in msg
    assert f"{sheet(fmt, 'lanes')}, row 3, column transit: required" in msg
    assert len(msg.splitlines()) == 5  # the header line and the four problems


def test_unknown_references_name_their_cell(tmp_path):
    t = chain()
    put(t, "sources", 3, "source", "dcx")
    put(t, "lanes", 3, "to", "stor")
    msg = errors(save(t, tmp_path, "xlsx"))
    assert "lanes, row 3, column to: unknown node 'stor'" in msg
    assert "sources, row 3, column source: unknown node 'dcx'" in msg


def test_a_missing_row_is_named_by_its_keys(tmp_path):
    """Sources for an item without a stock row: the row to add, by node and product."""
    t = chain()
    columns, rows = t["stock"]
    t["stock"] = (columns, rows[:1])
    msg = errors(save(t, tmp_path, "csv"))
    assert "stock.csv, node store, product widget, column policy: missing; known policies:" in msg


def test_a_bad_policy_kind_names_its_column(tmp_path):
    t = chain()
    put(t, "stock", 2, "policy.kind", "magic")
    put(t, "lanes", 2, "transit.dist", "weibull")
    msg = errors(save(t, tmp_path, "xlsx"))
    assert "stock, row 2, column policy.kind: unknown policy 'magic'; known:" in msg
    assert "lanes, row 2, column transit.dist: unknown distribution 'weibull'" in msg


def test_structural_problems_come_first(tmp_path):
    """A misspelt column, a missing key column, an unknown table: named once each, before any cell is checked."""
    t = chain()
    put(t, "products", 2, "unit_cots", 3)
    drop_column(t, "sources", "product")
    folder = save(t, tmp_path, "csv")
    (folder / "demand.csv").rename(folder / "stocks.csv")
    (folder / "stock.csv").rename(folder / "_old_stock.csv")  # skipped: starts with '_'
    (folder / "README.txt").write_text("notes")  # skipped: not a .csv
    msg = errors(folder)
    assert "products.csv, row 1, column unit_cots: unknown column; columns: id, category, unit_cost" in msg
    assert "sources.csv, row 1: needs the column(s) product" in msg
    assert re.search(r"stocks\.csv: no such table; tables: scenario\.csv, products\.csv", msg)
    assert "README" not in msg and "_old_stock" not in msg


def test_duplicate_rows_wrong_node_type_and_set_twice(tmp_path):
    t = chain()
    columns, rows = t["stock"]
    rows.append(list(rows[0]))  # dc, widget again
    t["stock"][1].append([None] * len(columns))
    t["stock"][1][-1][:2] = ["factory", "widget"]  # a supplier has no stock
    put(t, "stock", 5, "policy.kind", "base_stock")
    put(t, "nodes", 2, "capacity", 100)  # and per product in supplier_products
    msg = errors(save(t, tmp_path, "xlsx"))
    assert "stock, row 4: node dc, product widget again (first in row 2)" in msg
    assert (
        "stock, row 5, column node: 'factory' is a supplier; this table is for buffer, retailer and plant nodes" in msg
    )
    assert "supplier_products, row 2: capacity is also given in the node's own row" in msg


def test_text_ids_that_excel_made_numbers_and_typed_cells(tmp_path):
    """An id typed as a number (1001) is the text '1001'; numbers, booleans and lists keep their types."""
    data = read_yaml(library()["serial_chain"])
    data["products"][0]["id"] = "1001"
    for node in data["nodes"]:
        for field in ("capacity", "initial_stock", "policy", "sources", "demand"):
            if isinstance(node.get(field), dict):
                node[field] = {"1001": node[field]["widget"]}
    t = to_tables(data)
    for table in ("products", "stock", "sources", "demand", "supplier_products"):
        columns, rows = t[table]
        col = columns.index("id" if table == "products" else "product")
        for r in rows:
            r[col] = 1001  # a number cell, as Excel stores a typed 1001
    path = save(t, tmp_path, "xlsx")
    sc = sim.load_scenario(path)
    assert sc.products[0].id == "1001" and sc.node("store").policy["1001"].params.level == 60


def test_formulas_are_read_as_cached_values(tmp_path):
    """A formula with a cached value (as Excel saves it) is that value; one without names its cell."""
    t = chain()
    put(t, "stock", 3, "policy.level", "=30*2")  # written as text: turn it into a formula below
    put(t, "lanes", 2, "cost_per_unit", "=1/0")
    path = save(t, tmp_path, "xlsx")
    wb = openpyxl.load_workbook(path)
    for ws in (wb["stock"], wb["lanes"]):
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    cell.data_type = "f"
    wb.save(path)
    msg = errors(path)
    assert "stock, row 3, column policy.level: a formula without a value (=30*2)" in msg
    assert "lanes, row 2, column cost_per_unit: a formula without a value (=1/0)" in msg
    _cache(path, {"60", "#DIV/0!"})  # what Excel would have stored on saving
    msg = errors(path)
    assert "lanes, row 2, column cost_per_unit: the cell holds the error #DIV/0!" in msg
    assert "stock" not in msg  # =30*2 is read as its cached 60


def _cache(path: Path, values: set[str]) -> None:
    """Give every formula of the workbook a cached value (60 or the error), as Excel does on saving."""
    with zipfile.ZipFile(path) as zf:
        parts = {n: zf.read(n) for n in zf.namelist()}

    def fill(m: re.Match) -> bytes:
        value = b"60" if b"30*2" in m[0] else b"#DIV/0!"
        kind = b' t="e"' if value.startswith(b"#") else b""
        return m[1].replace(b"<c ", b"<c" + kind + b" ", 1) + m[2] + b"<v>" + value + b"</v></c>"

    with zipfile.ZipFile(path, "w") as zf:
        for name, data in parts.items():
            if name.startswith("xl/worksheets/"):
                data = re.sub(rb"(<c [^>]*>)(<f>[^<]*</f>)(?:<v\s*/>|<v></v>)?</c>", fill, data)
            zf.writestr(name, data)
    assert values


def test_macros_are_refused(tmp_path):
    path = save(chain(), tmp_path, "xlsx")
    renamed = tmp_path / "t.xlsm"
    renamed.write_bytes(path.read_bytes())
    assert "macro-enabled workbook is refused" in errors(renamed)
    with zipfile.ZipFile(path, "a") as zf:  # an .xlsx with a VBA project inside
        zf.writestr("xl/vbaProject.bin", b"\x00" * 64)
    assert "holds macros (VBA)" in errors(path)


def test_a_zip_bomb_is_refused_before_it_is_unpacked(tmp_path, monkeypatch):
    path = save(chain(), tmp_path, "xlsx")
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/media/padding.bin", b"\x00" * (6 * 2**20))  # 6 MB of zeros, a few kB zipped
    assert path.stat().st_size < 2**20
    monkeypatch.setenv("SUPPLYSIM_MAX_SCENARIO_MB", "1")

    def never(*args, **kwargs):
        raise AssertionError("the workbook was parsed")

    monkeypatch.setattr(openpyxl, "load_workbook", never)
    msg = errors(path)
    assert "unpacks to 6 MB, more than 4 x the 1 MB a scenario may have (a zip bomb?)" in msg
    monkeypatch.setenv("SUPPLYSIM_MAX_SCENARIO_MB", "0.001")
    assert "larger than the 0 MB a scenario may have" in errors(path)


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_the_value_count_limit_applies(tmp_path, monkeypatch, fmt):
    path = save(chain(), tmp_path, fmt)
    monkeypatch.setenv("SUPPLYSIM_MAX_SCENARIO_NODES", "40")
    assert "more than 40 cells; raise the limit with SUPPLYSIM_MAX_SCENARIO_NODES" in errors(path)


def test_external_links_are_never_followed(tmp_path, monkeypatch):
    calls = []
    real = openpyxl.load_workbook

    def spy(*args, **kwargs):
        calls.append(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(openpyxl, "load_workbook", spy)
    sim.load_scenario(save(chain(), tmp_path, "xlsx"))
    assert calls and all(c.get("keep_links") is False and c.get("read_only") for c in calls)


def test_cli_run_of_a_bad_workbook_is_one_error_and_writes_nothing(tmp_path):
    t = chain()
    put(t, "stock", 3, "policy.level", -5)
    path = save(t, tmp_path, "xlsx")
    run_dir = tmp_path / "run"
    res = subprocess.run(
        [sys.executable, "-m", "sim", f"scenario_file={path}", f"hydra.run.dir={run_dir}"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert res.returncode == 2
    assert "stock, row 3, column policy.level: must be ≥ 0" in res.stderr and "Traceback" not in res.stderr
    assert not run_dir.exists()


def test_sheet_names_notes_dates_and_series_gaps(tmp_path):
    """Table names match without regard to case, '_' sheets are skipped, another sheet is an error; a date is not a
    number; a demand series needs periods 0, 1, 2, ..."""
    path = save(chain(), tmp_path, "xlsx")
    wb = openpyxl.load_workbook(path)
    wb["stock"].title = "tmp"
    wb["tmp"].title = "Stock"
    wb.create_sheet("_notes").append(["anything", 1])
    wb.create_sheet("pivot").append(["x"])
    wb["lanes"]["H2"] = __import__("datetime").datetime(2024, 1, 2)  # cost_per_unit, as Excel makes of "1-2"
    series = wb.create_sheet("demand_series")
    for row in (["node", "product", "period", "quantity"], ["store", "widget", 0, 5], ["store", "widget", 2, 6]):
        series.append(row)
    wb.save(path)
    msg = errors(path)
    assert "pivot: no such table; tables: scenario, products" in msg
    assert "_notes:" not in msg
    del wb["pivot"]
    wb.save(path)
    msg = errors(path)
    assert re.search(r"lanes, row 2, column \S+: must be a number \(got '2024-01-02T00:00:00'\)", msg)
    assert (
        "demand_series, row 3, column period: periods must be 0, 1, 2, ... (whole numbers, once each, no gaps); got 2"
        in msg
    )
    assert "Stock" not in msg  # read as the stock table


def test_files_that_are_no_workbook_or_csv(tmp_path):
    folder = save(chain(), tmp_path, "csv")
    (folder / "nodes.csv").write_text("id;type\nfactory;supplier\n", encoding="utf-8")
    assert "columns are separated by ';'" in errors(folder)
    (folder / "nodes.csv").write_bytes("id,type\nf\xe4ctory,supplier\n".encode("latin-1"))
    assert "not UTF-8 text (byte 0xe4" in errors(folder)
    (tmp_path / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    assert "save it as .xlsx" in errors(tmp_path / "old.xls")
    (tmp_path / "fake.xlsx").write_text("not a zip")
    assert "not an .xlsx workbook (not a zip archive)" in errors(tmp_path / "fake.xlsx")
    assert "no such file" in errors(tmp_path / "missing.xlsx")
    (tmp_path / "empty").mkdir()
    assert "is a directory, not a scenario file (YAML, .xlsx), nor a folder of scenario tables" in errors(
        tmp_path / "empty"
    )
