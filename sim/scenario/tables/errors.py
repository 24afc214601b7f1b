"""Validation errors in a spreadsheet user's terms: ``stock, row 7, column policy.level: must be ≥ 0``.

Scenario data from tables goes through the same validation as YAML (``sim.scenario.loading.validate``), whose
message names each problem by its data path (``nodes[3] (id: hub).policy.ec_psu: policy 's_S': S: ...``). Each path
is walked through the data (ids may hold dots) to the row that filled it (``assemble.Origin``), and the column is the
rest of the path. Row 1 is the header: the first data row is row 2.
"""

from __future__ import annotations

import re
from typing import Any

from sim.scenario.tables.assemble import Anchor, Origin, Problem
from sim.scenario.tables.layout import NODE, TABLES, Table

MAX_LINES = 200
_REGISTRY = re.compile(r"^(?P<what>[a-z][a-z ]*) '(?P<name>[^']*)': (?P<body>.*) \(parameters: (?P<params>[^)]*)\)$")
_UNKNOWN_ENTRY = re.compile(r"^unknown [a-z ]+ '[^']*'; known:|^missing '(kind|dist|rule)'")
_PHRASES = [
    (re.compile(r"Input should be greater than or equal to (\S+)"), r"must be ≥ \1"),
    (re.compile(r"Input should be greater than (\S+)"), r"must be > \1"),
    (re.compile(r"Input should be less than or equal to (\S+)"), r"must be ≤ \1"),
    (re.compile(r"Input should be less than (\S+)"), r"must be < \1"),
    (re.compile(r"Input should be a valid number(, unable to parse string as a number)?"), "must be a number"),
    (re.compile(r"Input should be a valid integer(, [^;]*)?"), "must be a whole number"),
    (re.compile(r"Input should be a valid string"), "must be text"),
    (re.compile(r"Input should be a valid boolean(, [^;]*)?"), "must be TRUE or FALSE"),
    (re.compile(r"Input should be a valid list"), "must be a list, like [a, b]"),
    (re.compile(r"Input should be a finite number"), "must be a finite number"),
    (re.compile(r"Input should be "), "must be "),
    (re.compile(r"^Field required$|^required$"), "required (empty)"),
]
_TYPE_WORDS = ("must be a number", "must be a whole number", "must be text", "must be TRUE", "must be a list")


def located(message: str, data: dict[str, Any], origin: Origin) -> list[Problem]:
    """One Problem per line of a ScenarioError message (its header line dropped)."""
    out = []
    for i, raw in enumerate(message.splitlines()):
        line = raw.strip()
        if line and not (i == 0 and line.endswith(" is invalid:")):
            out += _locate(line, data, origin)
    return out


def _locate(line: str, data: dict[str, Any], origin: Origin) -> list[Problem]:
    parsed = parse_loc(line, data)
    if parsed is None:
        return [Problem(None, None, None, _phrase(line))]
    path, msg = parsed
    anchor, n = None, len(path)
    while n >= 0 and anchor is None:
        anchor = origin.anchors.get(path[:n])
        n -= 1
    n += 1
    if anchor is None:
        table = next((t for t in TABLES if t.parent.path == () and t.fields and t.fields[0] == path[0]), None)
        if table is not None and table.name not in origin.present:
            return [Problem(table.name, None, None, f"{_phrase(msg)} (no {table.name} table)")]
        return [Problem(None, None, None, _phrase(line))]
    rest = path[n:] if anchor.base is None else path[anchor.base :]
    child = _child_table(anchor, path[:n], rest, data) if anchor.base is None else None
    if child is not None:  # a value no row holds (a missing policy): name the row the user would add
        table, desc, column = child
        return [Problem(table.name, desc, column, _phrase(msg))]
    t = anchor.table
    named = rest or t.series or t.value or (anchor.field and t.prefix)
    column = t.column(anchor.field, rest) if named else None
    rows = anchor.rows[0] if len(anchor.rows) == 1 else (anchor.rows or None)
    return _refine(t, rows, column, msg, origin)


def _child_table(anchor: Anchor, at: tuple, rest: tuple, data: dict[str, Any]) -> tuple[Table, str, str | None] | None:
    """For a path under a node row into a field a keyed table holds: (table, 'node X, product Y', column)."""
    if anchor.table.name != "nodes" or not rest:
        return None
    node = data["nodes"][at[1]].get("id") if len(at) == 2 and isinstance(at[1], int) else None
    for t in TABLES:
        if t.parent is not NODE or t.series:
            continue
        for fld in t.fields:
            parts = tuple(fld.split("."))
            if rest[: len(parts)] == parts and len(rest) > len(parts):
                keys = rest[len(parts) : len(parts) + len(t.keys)]
                sub = tuple(rest[len(parts) + len(t.keys) + (1 if t.each else 0) :])
                desc = ", ".join([f"node {node}", *(f"{k} {v}" for k, v in zip(t.keys, keys, strict=False))])
                column = t.column(fld, sub) if (sub or t.prefix or t.value) else None
                return t, desc, column
    return None


def _refine(table: Table, rows, column: str | None, msg: str, origin: Origin) -> list[Problem]:
    """Split a registry message (``policy 's_S': s: ...; S: ...``) into one problem per parameter's column."""
    m = _REGISTRY.match(msg)
    if m is None:
        if _UNKNOWN_ENTRY.match(msg) and column is not None:
            column = _key_column(table, rows, column, origin)
        return [Problem(table.name, rows, column, _with_value(_phrase(msg), table, rows, column, origin))]
    out = []
    for part in m["body"].split("; "):
        pm = re.match(r"^([\w.]+): (.*)$", part)
        if pm is None:
            text = f"{m['what']} '{m['name']}': {_phrase(part)}"
            out.append(Problem(table.name, rows, column, text))
            continue
        sub = tuple(pm[1].split("."))
        col = ".".join([*([column] if column else []), *sub])
        text = _phrase(pm[2])
        if text == "unknown parameter":
            text += f" of {m['what']} '{m['name']}'; its parameters: {m['params']}"
        out.append(Problem(table.name, rows, col, _with_value(text, table, rows, col, origin)))
    return out


def _key_column(table: Table, rows, column: str, origin: Origin) -> str:
    """The column naming the entry (``policy.kind``, ``transit.dist``, ``rule``) under ``column``."""
    cells = origin.cells.get((table.name, rows)) if isinstance(rows, int) else None
    for key in ("kind", "dist", "rule"):
        for cand in (f"{column}.{key}", key):
            if cells is not None and cand in cells:
                return cand
    return column


def _with_value(msg: str, table: Table, rows, column: str | None, origin: Origin) -> str:
    """A type error with the cell's value: ``must be a number (got 'abc')``."""
    if not isinstance(rows, int) or column is None or not msg.startswith(_TYPE_WORDS):
        return msg
    cells = origin.cells.get((table.name, rows), {})
    return f"{msg} (got {cells[column]!r})" if column in cells else msg


def _phrase(msg: str) -> str:
    for pattern, repl in _PHRASES:
        msg = pattern.sub(repl, msg)
    return msg


def parse_loc(line: str, data: Any) -> tuple[tuple, str] | None:
    """(data path, message) of a ``loc: message`` line, walking the data so that keys may hold dots; None when the
    line does not start with a path into the data or a scenario field."""
    pos, here = 0, data
    path: list[Any] = []
    while pos < len(line):
        if path and line.startswith(": ", pos):
            return tuple(path), line[pos + 2 :]
        if line[pos] == "[":
            m = re.match(r"\[(\d+)\]", line[pos:])
            if m is None:
                return None
            i = int(m[1])
            pos += m.end()
            path.append(i)
            here = here[i] if isinstance(here, list) and i < len(here) else None
            note = _element_note(here)
            if note and line.startswith(note, pos):
                pos += len(note)
            continue
        if path:
            if line[pos] != ".":
                return None
            pos += 1
        key = None
        if isinstance(here, dict):
            fits = [k for k in here if isinstance(k, str) and line.startswith(k, pos) and _ends(line, pos + len(k))]
            key = max(fits, key=len) if fits else None
        if key is None:
            m = re.match(r"[^.\[:]+", line[pos:])
            if m is None:
                return None
            key = m[0]
            if not path and not isinstance(data, dict):
                return None
        pos += len(key)
        path.append(key)
        here = here.get(key) if isinstance(here, dict) else None
    return None


def _ends(line: str, pos: int) -> bool:
    return pos == len(line) or line[pos] in ".[" or line.startswith(": ", pos)


def _element_note(element: Any) -> str:
    """What the validator writes after a list index (``sim.scenario.loading._element_id``)."""
    if not isinstance(element, dict):
        return ""
    if "id" in element:
        return f" (id: {element['id']})"
    if "from" in element and "to" in element:
        return f" ({element['from']} -> {element['to']})"
    return ""


def render(problems: list[Problem], sheets: dict[str, str], source: str) -> str:
    """The message of one ScenarioError: a header, then one line per problem in table and row order."""
    order = {t.name: i for i, t in enumerate(TABLES)}
    unique = list(dict.fromkeys((p.table, p.row, p.column, p.message) for p in problems))

    def rank(p):
        row = p[1][0] if isinstance(p[1], tuple) else (p[1] if isinstance(p[1], int) else 0)
        return (order.get(p[0], -1), row)

    lines = []
    for table, row, column, message in sorted(unique, key=rank):
        where = [] if table is None else [sheets.get(table, table)]
        if isinstance(row, int):
            where.append(f"row {row}")
        elif isinstance(row, tuple):
            where.append(f"rows {', '.join(map(str, row))}" if len(row) < 6 else f"rows {row[0]}-{row[-1]}")
        elif isinstance(row, str) and row:
            where.append(row)
        if column:
            where.append(f"column {column}")
        lines.append(f"  {', '.join(where)}: {message}" if where else f"  {message}")
    if len(lines) > MAX_LINES:
        lines = [*lines[:MAX_LINES], f"  ... and {len(lines) - MAX_LINES:,} more"]
    return f"{source} is invalid:\n" + "\n".join(lines)
