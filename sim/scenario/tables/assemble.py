"""Tables -> scenario data: the same plain dict a YAML file gives, and where each part came from (for errors).

Every table is typed column by column (:func:`sim.scenario.tables.cells.from_cell` with the column's kind from the
schema), then each row becomes one element (a product, a node, a lane) or one entry of a mapping under its parent
element (``nodes[hub].policy[ec_psu]``). ``Origin`` records, for every row, the data path it filled, so that a
validation error on ``nodes[3].policy.ec_psu.level`` is reported as ``stock, row 7, column policy.level``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

from sim.scenario.tables.cells import UNSET, CellError, from_cell
from sim.scenario.tables.files import RawTable
from sim.scenario.tables.layout import BY_NAME, NODE, ROOT, TABLES, Table, allowed_columns, column_kind, is_keyed


@dataclass
class Problem:
    """A problem at a place in the tables; ``fatal``: a table or column was left out, so validating the rest would
    only report the consequences."""

    table: str | None
    row: int | tuple[int, ...] | str | None  # a row, several, or the keys of a row that is not there
    column: str | None
    message: str
    fatal: bool = False


@dataclass
class Anchor:
    """The rows that filled a data path (a row's element, or a group of rows: an item's sources)."""

    table: Table
    rows: tuple[int, ...]
    field: str = ""  # the table's field the path is under (naming the columns)
    base: int | None = None  # where the row's element starts in the path (None: at the anchor's end)


@dataclass
class Origin:
    anchors: dict[tuple, Anchor] = field(default_factory=dict)
    cells: dict[tuple[str, int], dict[str, Any]] = field(default_factory=dict)  # (table, row) -> {column: text}
    sheets: dict[str, str] = field(default_factory=dict)  # table -> the sheet or file name the user sees
    present: set[str] = field(default_factory=set)


def assemble(raw: list[RawTable]) -> tuple[dict[str, Any], Origin, list[Problem]]:
    """Scenario data from raw tables; problems found on the way (the rest is validated by the schema)."""
    origin, problems = Origin(), []
    typed: dict[str, tuple[list[str], list[int], list[dict[str, Any]]]] = {}
    for table in raw:
        if table.name not in BY_NAME:
            known = ", ".join(t.name for t in TABLES)
            msg = f"{table.sheet}: no such table; tables: {known} (a sheet whose name starts with '_' is skipped)"
            problems.append(Problem(None, None, None, msg, fatal=True))
            continue
        if table.name in typed:
            problems.append(Problem(table.name, None, None, f"two sheets hold the {table.name} table", fatal=True))
            continue
        origin.sheets[table.name] = table.sheet
        origin.present.add(table.name)
        typed[table.name] = _typed(table, origin, problems)
    data: dict[str, Any] = {}
    nodes: dict[str, int] = {}
    baskets: dict[tuple[str, str], int] = {}
    for t in TABLES:
        if t.name not in typed:
            continue
        _, rows, values = typed[t.name]
        if t.parent is ROOT and not t.fields:
            _root(t, rows, values, data, origin, problems)
        elif t.parent is ROOT:
            data[t.fields[0]] = _elements(t, rows, values, origin, problems)
            if t.name == "nodes":
                for i, node in enumerate(data["nodes"]):
                    nodes.setdefault(str(node.get("id")), i)
        else:
            _keyed(t, rows, values, data, nodes, baskets, origin, problems)
    return data, origin, problems


def _typed(table: RawTable, origin: Origin, problems: list[Problem]):
    """(columns, row numbers, row dicts) of a table: header checked, every cell typed by its column's kind."""
    t = BY_NAME[table.name]
    for number, j, msg in table.problems:
        name = table.header[j] if j < len(table.header) else f"#{j + 1}"
        problems.append(Problem(t.name, number, str(name), msg))
    keep = _header(table, problems)
    if keep is None:
        return [], [], []
    columns = [c for _, c, _ in keep]
    typed_cols = [_column(table, j, col, kind, problems) for j, col, kind in keep]
    numbers: list[int] = []
    values: list[dict[str, Any]] = []
    for i, number in enumerate(table.rows):
        cells = {col: vals[i] for col, vals in zip(columns, typed_cols, strict=True) if vals[i] is not UNSET}
        if cells:
            numbers.append(number)
            values.append(cells)
            origin.cells[t.name, number] = cells
    return columns, numbers, values


def _header(table: RawTable, problems: list[Problem]) -> list[tuple[int, str, str | None]] | None:
    """(position, name, kind) of each usable column; None when a key column is missing (the table can't be read)."""
    t = BY_NAME[table.name]
    keep: list[tuple[int, str, str | None]] = []
    seen: dict[str, int] = {}
    for j, name in enumerate(table.header):
        col = "" if name is None else str(name).strip()
        if not col:
            if any(row[j] not in (None, "") for row in table.cells):
                problems.append(Problem(t.name, table.header_row, f"#{j + 1}", "a column without a name", True))
        elif col in seen:
            problems.append(Problem(t.name, table.header_row, col, "the column appears twice", fatal=True))
        elif (kind := column_kind(t.name, col)) is None:
            hint = ", ".join(allowed_columns(t.name))
            problems.append(Problem(t.name, table.header_row, col, f"unknown column; columns: {hint}", fatal=True))
        else:
            seen[col] = j
            keep.append((j, col, kind))
    missing = [k for k in t.key_columns if k not in seen]
    if missing and table.rows:
        problems.append(Problem(t.name, table.header_row, None, f"needs the column(s) {', '.join(missing)}", True))
        return None
    return keep


def _column(table: RawTable, j: int, col: str, kind: str | None, problems: list[Problem]) -> list[Any]:
    """The cells of column ``j`` typed by its kind (UNSET where a cell can't be read, a problem noted)."""
    out: list[Any] = []
    for number, row in zip(table.rows, table.cells, strict=True):
        try:
            out.append(from_cell(row[j], kind))
        except CellError as exc:
            problems.append(Problem(table.name, number, col, str(exc)))
            out.append(UNSET)
    return out


@functools.cache
def _plan(name: str, column: str) -> tuple[str, tuple[str, ...]] | None:
    """(field, sub-path) of a table's value column; None for a key column (computed once per column)."""
    t = BY_NAME[name]
    return None if column in t.key_columns else t.split(column)


def _unflatten(t: Table, row: dict[str, Any], number: int, problems: list[Problem]) -> dict[str, Any]:
    """{field: value} of a row; a field's columns nest at their dots (``transit.dist`` -> transit: {dist: ...})."""
    out: dict[str, Any] = {}
    for col, value in row.items():
        split = _plan(t.name, col)
        if split is None:
            continue
        fld, sub = split
        if not sub:
            if fld in out:
                problems.append(Problem(t.name, number, col, f"set twice: by {col} and by {col}.*"))
            out[fld] = value
            continue
        here = out.setdefault(fld, {})
        for part in sub[:-1]:
            nxt = here.setdefault(part, {}) if isinstance(here, dict) else None
            if not isinstance(nxt, dict):
                problems.append(Problem(t.name, number, col, f"set twice: by {col} and by a column above it"))
                break
            here = nxt
        else:
            if not isinstance(here, dict) or sub[-1] in here:
                problems.append(Problem(t.name, number, col, f"set twice: by {col} and by {col}.*"))
            else:
                here[sub[-1]] = value
    return out


def _root(t, rows, values, data, origin, problems) -> None:
    if len(rows) > 1:
        problems.append(Problem(t.name, tuple(rows[1:]), None, "holds one row (the scenario's fields); more found"))
    if rows:
        data.update(_unflatten(t, values[0], rows[0], problems).get("", {}))
    for col in allowed_columns(t.name):
        origin.anchors[(col,)] = Anchor(t, tuple(rows[:1]), base=0)


def _elements(t, rows, values, origin, problems) -> list[dict[str, Any]]:
    out = []
    path = t.fields[0]
    origin.anchors[(path,)] = Anchor(t, tuple(rows))
    for i, (number, row) in enumerate(zip(rows, values, strict=True)):
        out.append(_unflatten(t, row, number, problems).get(path, {}))
        origin.anchors[(path, i)] = Anchor(t, (number,))
    return out


def _keyed(t: Table, rows, values, data, nodes, baskets, origin: Origin, problems: list[Problem]) -> None:
    """Rows of a table under parent elements: each fills its parent's mapping (or list) entry."""
    series: dict[tuple, list[tuple[Any, int, Any]]] = {}
    seen: dict[tuple, int] = {}
    for number, row in zip(rows, values, strict=True):
        found = _parent(t, row, number, data, nodes, baskets, problems)
        if found is None:
            continue
        path, parent = found
        keys = tuple(row.get(k) for k in t.keys)
        if None in keys:
            problems.append(Problem(t.name, number, t.keys[keys.index(None)], "empty; every row needs it"))
        elif t.series:
            series.setdefault((*path, t.fields[0], *keys), []).append(
                (row.get(t.series[1]), number, row.get(t.series[2]))
            )
        elif t.label:  # a list under the parent (baskets), numbered by the label column for child tables
            fields = _unflatten(t, row, number, problems)
            _labelled(t, row, number, path, parent, fields, seen, baskets, origin, problems)
        elif (*path, *keys) in seen and not t.each:
            key_text = ", ".join(f"{k} {row.get(k)}" for k in (*t.parent.keys, *t.keys))
            problems.append(Problem(t.name, number, None, f"{key_text} again (first in row {seen[(*path, *keys)]})"))
        else:
            seen.setdefault((*path, *keys), number)
            _entry(t, number, path, parent, keys, _unflatten(t, row, number, problems), origin, problems)
    for ident, entries in series.items():
        _series(t, ident, entries, data, origin, problems)


def _entry(t: Table, number: int, path: tuple, parent: dict, keys: tuple, fields: dict[str, Any], origin, problems):
    """One keyed row's fields into its parent: a mapping entry, or (``t.each``) one more item of a list."""
    for fld in t.fields:
        at = (*path, *fld.split("."), *keys)
        if fld not in fields:
            origin.anchors.setdefault(at, Anchor(t, (number,), fld))  # named in errors about a missing value
            continue
        holder = _holder(parent, fld, t, number, problems)
        if holder is None:
            continue
        for k in keys[:-1]:
            holder = holder.setdefault(k, {})
        if not t.each:
            origin.anchors[at] = Anchor(t, (number,), fld)
            holder[keys[-1]] = fields[fld]
            continue
        group = holder.setdefault(keys[-1], [])
        prev = origin.anchors.get(at)
        origin.anchors[at] = Anchor(t, (*(prev.rows if prev and prev.table is t else ()), number), fld)
        origin.anchors[(*at, len(group))] = Anchor(t, (number,), fld)
        group.append(fields[fld])


def _labelled(t: Table, row, number, path, parent, fields, seen, baskets, origin, problems) -> None:
    label = row.get(t.label)
    lst = parent.setdefault(t.fields[0], [])
    if label is None or (*path, label) in seen or not isinstance(lst, list):
        problems.append(Problem(t.name, number, t.label, f"needs a {t.label} number of its own"))
        return
    seen[(*path, label)] = number
    baskets[str(row.get("node")), str(label)] = len(lst)
    origin.anchors[(*path, t.fields[0], len(lst))] = Anchor(t, (number,))
    lst.append(fields.get(t.fields[0], {}))


def _parent(t: Table, row, number, data, nodes, baskets, problems) -> tuple[tuple, dict] | None:
    """(data path, element) of the parent a row names, or None (a problem noted)."""
    if t.parent is NODE or t.parent.under is NODE:
        node = row.get("node")
        i = nodes.get(str(node))
        if i is None:
            known = ", ".join(list(nodes)[:12]) + (", ..." if len(nodes) > 12 else "")
            problems.append(Problem(t.name, number, "node", f"unknown node {node!r}; nodes: {known or 'none'}"))
            return None
        element = data["nodes"][i]
        kind = element.get("type")
        if t.node_types and kind not in t.node_types:
            kinds = " and ".join(
                [", ".join(t.node_types[:-1]), t.node_types[-1]] if len(t.node_types) > 1 else t.node_types
            )
            problems.append(Problem(t.name, number, "node", f"{node!r} is a {kind}; this table is for {kinds} nodes"))
            return None
        if t.parent is NODE:
            return ("nodes", i), element
        j = baskets.get((str(node), str(row.get("basket"))))
        if j is None:
            problems.append(Problem(t.name, number, "basket", f"{node!r} has no basket {row.get('basket')!r}"))
            return None
        return ("nodes", i, "baskets", j), element["baskets"][j]
    holder = data
    for part in t.parent.path:
        holder = holder.setdefault(part, {})
    if not isinstance(holder, dict):
        problems.append(Problem(t.name, number, None, f"{'.'.join(t.parent.path)} is not a mapping"))
        return None
    return t.parent.path, holder


def _holder(parent: dict, fld: str, t: Table, number: int, problems) -> dict | None:
    """The mapping at ``fld`` of the parent (created); None if the parent's row set it otherwise."""
    here = parent
    parts = fld.split(".")
    for part in parts[:-1]:
        here = here.setdefault(part, {})
        if not isinstance(here, dict):
            return None
    value = here.setdefault(parts[-1], {})
    if not is_keyed(value) or not isinstance(value, dict):
        problems.append(Problem(t.name, number, None, f"{fld} is also given in the {t.parent.name}'s own row (one "
                                "value for every product); give it in one place"))  # fmt: skip
        return None
    return value


def _series(t: Table, ident: tuple, entries: list, data, origin: Origin, problems: list[Problem]) -> None:
    """A time series (demand_series): periods 0, 1, ..., n-1 in any row order -> the list at ``series[0]``."""
    list_field, index_col, value_col = t.series  # type: ignore[misc]
    *spec_path, key = ident
    entries.sort(key=lambda e: (not isinstance(e[0], int), e[0] if isinstance(e[0], int) else 0))
    periods = [e[0] for e in entries]
    if periods != list(range(len(entries))):
        bad = next(e for i, e in enumerate(entries) if e[0] != i)
        problems.append(Problem(t.name, bad[1], index_col, "periods must be 0, 1, 2, ... (whole numbers, once each, "
                                f"no gaps); got {bad[0]!r}"))  # fmt: skip
        return
    here = data
    for part in spec_path:
        here = here[part] if isinstance(here, list) else here.setdefault(part, {})
    spec = here.setdefault(key, dict([t.series_when]) if t.series_when else {})
    path = (*spec_path, key, list_field)
    if not isinstance(spec, dict) or list_field in spec:
        problems.append(Problem(t.name, entries[0][1], None, f"{list_field} also given in its row of "
                                f"{t.fields[0]}; give it in one place"))  # fmt: skip
        return
    spec[list_field] = [e[2] for e in entries]
    origin.anchors[path] = Anchor(t, tuple(e[1] for e in entries))
    for i, e in enumerate(entries):
        origin.anchors[(*path, i)] = Anchor(t, (e[1],), value_col)
