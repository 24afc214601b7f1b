"""One cell: from what a workbook or CSV file holds to a scenario value, and back.

An empty cell is "not set". In a text column (ids, names, references: :func:`sim.scenario.tables.layout.column_kind`)
a cell is its text, a number Excel made of an id included (``1001``). Elsewhere a cell is read as what it looks like:
``12`` an integer, ``0.5`` a number, ``TRUE``/``FALSE`` a boolean, ``null`` "none" (e.g. ``targets.otif: null``: not
checked), ``[a, b]`` a list (``consolidation.dispatch``, ``initial_shipments``), ``{}`` an empty mapping
(``segmentation: {}``), ``""`` empty text (``category: ""``, not the default ``general``), anything else text.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

from sim.scenario.tables.layout import TEXT, TEXT_LIST


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()  # an empty cell: the field is not set
NULL = "null"
_INT = re.compile(r"[+-]?\d+\Z")
_FLOAT = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\Z")
# what Excel shows in a cell whose formula failed
EXCEL_ERRORS = frozenset(
    {"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA", "#SPILL!", "#CALC!"}
    | {"#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!"}
)


class CellError(ValueError):
    """A cell that can't be read (an error value, a malformed list)."""


def scalar(text: str) -> Any:
    """A number, a boolean, None or the text itself (``text`` is stripped and not empty)."""
    if _INT.match(text):
        return int(text)
    if _FLOAT.match(text):
        return float(text)
    low = text.lower()
    if low == NULL:
        return None
    if low in ("true", "false"):
        return low == "true"
    return text


def parse_text(text: str, kind: str | None) -> Any:
    """The value of a cell holding ``text`` in a column of ``kind`` (UNSET when blank)."""
    text = text.strip()
    if not text:
        return UNSET
    if text == '""':
        return ""  # empty text, set (``category: ""``), unlike an empty cell
    if text in EXCEL_ERRORS:
        raise CellError(f"the cell holds the error {text}; fix its formula or type the value")
    if kind == TEXT:
        return text
    if text[0] == "[" and text[-1] == "]":
        return parse_list(text, kind)
    if text == "{}":
        return {}  # an empty mapping: e.g. ``segmentation: {}`` (segments with the default settings)
    if kind == TEXT_LIST:
        return text  # not a list: validation says what it should be
    return scalar(text)


def parse_list(text: str, kind: str | None) -> list[Any]:
    """``[a, b, c]``: elements split at commas; ``"..."`` or ``'...'`` keeps an element's text as is."""
    inner = text[1:-1].strip()
    if not inner:
        return []
    if "[" in inner or "]" in inner:
        raise CellError(f"a list of lists can't be read from a cell: {text}")
    out: list[Any] = []
    for item in inner.split(","):
        item = item.strip()
        if len(item) >= 2 and item[0] == item[-1] and item[0] in "'\"":
            out.append(item[1:-1])
        elif not item:
            raise CellError(f"an empty element in the list {text}")
        else:
            out.append(item if kind == TEXT_LIST else scalar(item))
    return out


def number_text(value: int | float) -> str:
    """A number as an id's text: ``1001`` (Excel stores every number as a float: 1001.0 is 1001)."""
    if isinstance(value, float) and value.is_integer() and math.isfinite(value):
        return str(int(value))
    return str(value)


def from_cell(value: Any, kind: str | None) -> Any:
    """The scenario value of a typed workbook cell (openpyxl: None, str, int, float, bool, dates) or a CSV cell."""
    if value is None:
        return UNSET
    if isinstance(value, str):
        return parse_text(value, kind)
    if isinstance(value, bool):
        return ("TRUE" if value else "FALSE") if kind == TEXT else value
    if isinstance(value, int | float):
        if isinstance(value, float) and math.isnan(value):
            return UNSET
        return number_text(value) if kind in (TEXT, TEXT_LIST) else value
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()  # a date where a number or a name belongs: validation names the cell
    return str(value)


def to_cell(value: Any, kind: str | None = None) -> Any:
    """What a cell holds for a scenario value: numbers, text and booleans as they are, None as ``null``, a list as
    ``[a, b]``."""
    if value is None:
        return NULL
    if value == "":
        return '""'
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_item(x, kind) for x in value) + "]"
    if isinstance(value, dict):
        if not value:
            return "{}"
        raise CellError("a mapping doesn't fit in one cell")
    return value


def _item(value: Any, kind: str | None) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if value is None:
        return NULL
    if isinstance(value, dict | list | tuple):
        raise CellError("a list of lists or of records doesn't fit in one cell")
    text = str(value)
    if any(c in text for c in ",[]'\"") or text != text.strip() or not text:
        raise CellError(f"the list element {text!r} can't be written in a cell (a comma, bracket or quote)")
    if kind != TEXT_LIST and not isinstance(scalar(text), str):
        return f'"{text}"'  # text that would read back as a number
    return text
