"""Scenario data -> tables: the inverse of :mod:`sim.scenario.tables.assemble`, driven by the same layout.

Each element's fields become dotted columns, except the parts a table of its own holds (``layout.owned``): a node's
``policy`` mapping goes to the ``stock`` table, one row per product. Columns come in the order of the table's fields,
then as first written; rows in the data's order (so mappings and lists read back in the same order).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sim.errors import ScenarioError
from sim.scenario.tables.cells import CellError, to_cell
from sim.scenario.tables.layout import NODE, ROOT, TABLES, Parent, Table, column_kind, element_path, is_keyed, owned

Tables = dict[str, tuple[list[str], list[list[Any]]]]


def to_tables(data: dict[str, Any]) -> Tables:
    """The tables of scenario data (only those with rows)."""
    out: Tables = {}
    for t in TABLES:
        rows = list(_rows(t, data))
        if rows:
            out[t.name] = _frame(t, rows)
    return out


def _frame(t: Table, rows: list[dict[str, Any]]) -> tuple[list[str], list[list[Any]]]:
    """(columns, rows as lists of cells): key columns first, then by field, then as first seen."""
    order: dict[str, tuple[int, int, int]] = {}
    groups: dict[str, int] = {}  # a column's first name (``transit`` of ``transit.mean``): nested columns together
    fields = list(t.fields)
    for row in rows:
        for col in row:
            if col not in order:
                split = None if col in t.key_columns else t.split(col)
                rank = -1 if split is None else (fields.index(split[0]) if split[0] in fields else 0)
                group = groups.setdefault(split[1][0] if split and split[1] and not t.prefix else col, len(groups))
                order[col] = (rank, group, len(order))
    keys = [k for k in t.key_columns if k in order]
    columns = keys + sorted((c for c in order if c not in keys), key=order.__getitem__)
    cells = []
    for row in rows:
        line: list[Any] = []
        for col in columns:
            value = row.get(col, _MISSING)
            if value is _MISSING:
                line.append(None)
                continue
            try:
                line.append(to_cell(value, column_kind(t.name, col)))
            except CellError as exc:
                raise ScenarioError(f"{t.name}, column {col}: {exc}") from None
        cells.append(line)
    return columns, cells


_MISSING = object()


def flatten(value: Any, skip: tuple[tuple[str, ...], ...], path: tuple[str, ...] = ()) -> dict[tuple[str, ...], Any]:
    """{sub-path: value} of an element's fields, without the keyed parts at ``skip`` (held by other tables)."""
    out: dict[tuple[str, ...], Any] = {}
    if not isinstance(value, dict):
        return {path: value}
    for k, v in value.items():
        sub = (*path, str(k))
        if sub in skip and is_keyed(v):
            continue
        if isinstance(v, dict) and v:
            if any("." in str(x) for x in v):
                raise ScenarioError(f"{'.'.join(sub)}: a key with a dot can't be a column name ({', '.join(v)})")
            out.update(flatten(v, skip, sub))
        elif isinstance(v, list) and any(isinstance(x, dict) for x in v):
            raise ScenarioError(f"{'.'.join(sub)}: a list of records has no table to be written to")
        else:  # a value, a list, or an empty mapping (a cell "{}": ``segmentation: {}`` is not "no segmentation")
            out[sub] = v
    return out


def _parents(parent: Parent, data: dict[str, Any]) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """(key columns, element) of every element a table's rows belong to."""
    if parent.under is not None:
        for keys, element in _parents(parent.under, data):
            items = element.get(parent.path[-2]) if isinstance(element, dict) else None
            for n, item in enumerate(items if isinstance(items, list) else [], start=1):
                yield {**keys, str(parent.key): n}, item
        return
    if "*" in parent.path:
        for element in data.get(parent.path[0]) or []:
            if isinstance(element, dict):
                yield {str(parent.key): element.get("id")}, element
        return
    here: Any = data
    for part in parent.path:
        here = here.get(part) if isinstance(here, dict) else None
    if isinstance(here, dict):
        yield {}, here


def _get(element: dict[str, Any], fld: str) -> Any:
    here: Any = element
    for part in fld.split("."):
        here = here.get(part) if isinstance(here, dict) else None
    return here


def _columns(t: Table, fld: str, flat: dict[tuple[str, ...], Any]) -> dict[str, Any]:
    return {t.column(fld, sub): v for sub, v in flat.items()}


def _rows(t: Table, data: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The rows of table ``t``: the scenario's own fields, its top-level lists, or entries under parent elements."""
    if t.parent is ROOT and not t.fields:
        row = _columns(t, "", flatten(data, owned(())))
        if row:
            yield row
        return
    if t.parent is ROOT:
        skip = owned(element_path(t, t.fields[0]))
        for element in data.get(t.fields[0]) or []:
            yield _columns(t, "", flatten(element, skip))
        return
    series_of = next((s for s in TABLES if s.series and s.parent is t.parent and s.fields == t.fields), None)
    for keys, element in _parents(t.parent, data):
        if t.node_types and t.parent is NODE and element.get("type") not in t.node_types:
            continue  # another node type's table holds its fields (a plant's capacity: plant_products)
        if t.label:
            skip = owned(element_path(t, t.fields[0]))
            for n, item in enumerate(element.get(t.fields[0]) or [], start=1):
                yield {**keys, t.label: n, **_columns(t, t.fields[0], flatten(item, skip))}
        else:
            yield from _keyed_rows(t, keys, element, series_of)


def _keyed_rows(t: Table, keys: dict[str, Any], element: dict[str, Any], series_of: Table | None):
    """The rows of one parent element's keyed fields (one row per key; ``t.each``: one per list item)."""
    merged: dict[tuple, dict[str, Any]] = {}
    for fld in t.fields:
        value = _get(element, fld)
        if not is_keyed(value) or not isinstance(value, dict):
            continue
        for key, entry in _entries(value, len(t.keys)):
            row_keys = {**keys, **dict(zip(t.keys, key, strict=True))}
            if t.series:
                yield from _series_rows(t, row_keys, entry)
                continue
            if series_of is not None and _series_holds(series_of, entry):
                entry = {k: v for k, v in entry.items() if k != series_of.series[0]}  # type: ignore[index]
            for item in entry if t.each and isinstance(entry, list) else [entry]:
                row = merged.setdefault((*key, len(merged)) if t.each else key, dict(row_keys))
                row.update(_columns(t, fld, flatten(item, ())))
    yield from merged.values()


def _entries(value: dict[str, Any], depth: int, prefix: tuple = ()) -> Iterator[tuple[tuple, Any]]:
    for k, v in value.items():
        if depth > 1 and isinstance(v, dict):
            yield from _entries(v, depth - 1, (*prefix, k))
        elif depth == 1:
            yield (*prefix, k), v


def _series_holds(t: Table, entry: Any) -> bool:
    """Whether the series table holds this entry's list (an empirical demand's ``values``)."""
    if not isinstance(entry, dict) or not isinstance(entry.get(t.series[0]), list):  # type: ignore[index]
        return False
    return t.series_when is None or entry.get(t.series_when[0]) == t.series_when[1]


def _series_rows(t: Table, row_keys: dict[str, Any], entry: Any) -> Iterator[dict[str, Any]]:
    if not _series_holds(t, entry):
        return
    _, index_col, value_col = t.series  # type: ignore[misc]
    for i, v in enumerate(entry[t.series[0]]):  # type: ignore[index]
        yield {**row_keys, index_col: i, value_col: v}
