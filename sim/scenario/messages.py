"""Readable messages for invalid scenarios: a pydantic error becomes one line with the field path as the user wrote
it (list elements named by their ``id``), what is wrong and what is allowed."""

from __future__ import annotations

from typing import Any, get_args

from pydantic import BaseModel, ValidationError

from sim.registry import quote_hint
from sim.scenario.schema import PlantNode, Scenario, StockNode, SupplierNode

_NODE_TAGS = ("supplier", "buffer", "retailer", "plant")
_NODE_CLASSES = {"supplier": SupplierNode, "plant": PlantNode}


def _branch_tag(part: str) -> bool:
    """A loc part naming the member of a union that failed (``constrained-float``, ``dict[str,constrained-float]``)."""
    return part.startswith("constrained-") or ("[" in part and not part.startswith("function-"))


def _allowed_fields(loc: tuple) -> str:
    """The field names allowed where an unknown field ``loc[-1]`` was found (for a typo's message)."""
    here: Any = Scenario
    for part in loc[:-1]:
        if part in _NODE_TAGS:
            here = _NODE_CLASSES.get(part, StockNode)
        elif isinstance(here, type) and issubclass(here, BaseModel):
            field = next((f for n, f in here.model_fields.items() if part in (n, f.alias)), None)
            if field is None:
                return ""
            here = field.annotation
        else:  # an item of a list or a value of a mapping
            args = get_args(here)
            here = args[-1] if args else None
    if isinstance(here, type) and issubclass(here, BaseModel):
        return ", ".join(f.alias or n for n, f in here.model_fields.items())
    return ""


def element_id(data: Any, path: list[Any]) -> str:
    """`` (id: hub)`` for a list element of the input that has an ``id`` (or ``from``/``to`` for a lane)."""
    here = data
    for key in path:
        try:
            here = here[key]
        except (KeyError, IndexError, TypeError):
            return ""
    if not isinstance(here, dict):
        return ""
    if "id" in here:
        return f" (id: {here['id']})"
    if "from" in here and "to" in here:
        return f" ({here['from']} -> {here['to']})"
    return ""


def format_errors(exc: ValidationError, data: Any = None) -> str:
    """One line per problem of a pydantic ``ValidationError`` of a scenario: the field path as the user wrote it (with
    the ``id`` of list elements), what is wrong and, for an unknown field, the allowed ones."""
    return "\n".join(_lines([_entry(e, data) for e in exc.errors()]))


def _entry(e: Any, data: Any) -> tuple[str, str, str | None, bool]:
    """(loc, message, the union field it belongs to or None, is a bare type mismatch) of one pydantic error."""
    loc, union = "", None
    walked: list[Any] = []  # the loc parts that are keys of the input data
    parts = list(e["loc"])
    for i, part in enumerate(parts):
        if part == "[key]":  # the key itself is wrong (the part before it): already in loc
            continue
        if isinstance(part, int) and parts[i + 1 : i + 2] == ["[key]"]:  # a mapping's key that is a number
            loc += f".{part}"
        elif isinstance(part, int):
            walked.append(part)
            loc += f"[{part}]" + element_id(data, walked)
        elif part in _NODE_TAGS or part in ("one_distribution", "per_product") or part.startswith("function-"):
            continue
        elif _branch_tag(part):
            union = loc
        else:
            walked.append(part)
            loc += f".{part}" if loc else str(part)
    msg = str(e["msg"]).replace("Value error, ", "")
    if e["type"] == "string_type" and isinstance(e.get("input"), bool | int | float):
        msg = quote_hint(e["input"])
    elif e["type"] == "extra_forbidden":
        allowed = _allowed_fields(e["loc"])
        msg = f"unknown field; allowed: {allowed}" if allowed else "unknown field"
    elif e["type"] == "union_tag_invalid":
        msg = f"type must be one of: {', '.join(_NODE_TAGS)}"
    return loc, msg, union, e["type"].endswith(("_type", "_parsing"))


def _lines(entries: list[tuple[str, str, str | None, bool]]) -> list[str]:
    lines = []
    for loc, msg, union, mismatch in entries:
        if union is not None:
            # a value of a union field (a number or a mapping): report the member the value was meant for, i.e.
            # drop the other members' mere type mismatches; if every member only mismatched, say so once
            members = [x for x in entries if x[2] == union]
            if all(x[3] for x in members):
                if members[0][1] != msg:
                    continue
                loc, msg = union, "; or: ".join(x[1] for x in members)
            elif mismatch:
                continue
        for i, line in enumerate(msg.splitlines()):
            lines.append(f"  {loc}: {line}" if loc and i == 0 else f"  {line}")
    return lines
