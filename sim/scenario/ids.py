"""Ids as a scenario writes them: the ids of products, nodes and lanes, and disruptions' names.

An id is text without leading or trailing whitespace (``" dc"`` and ``"dc"`` would look alike in every table but
never match), not blank, and not a label the KPI tables use for their aggregate rows: ``ALL`` (every node or every
product), the row prefixes ``lane:``, ``mode:`` and ``region:`` (sim.kpi.lanes, sim.kpi.costs, sim.kpi.sources) and
``<-`` (a per-source row is ``<node><-<source>``). A number or a boolean where an id is expected is refused with a
hint to quote it (sim.registry.quote_hint): YAML reads ``id: 007`` as the number 7 and ``id: yes`` as true; that holds
for every text field and key, and for references too (a lane's ``from``, a source's ``node``: an unknown one is
reported by the checks, with the known ids).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator

ALL = "ALL"  # the aggregate row of every node / every product
RESERVED_PREFIXES = ("lane:", "mode:", "region:")  # the rows of lanes, transport modes and supplier regions
SOURCE_SEPARATOR = "<-"  # a per-source row: <node><-<source>


def check_id(value: str) -> str:
    """The rules of a defined id (see the module docstring); the message says what is wrong and what to do."""
    if not value.strip():
        raise ValueError(f"{value!r} is blank; write an id (text)")
    if value != value.strip():
        raise ValueError(f"{value!r} has leading or trailing whitespace; write {value.strip()!r}")
    reserved = reserved_in(value)
    if reserved:
        raise ValueError(f"{value!r} {reserved}; choose another id")
    return value


def reserved_in(value: str) -> str:
    """How ``value`` clashes with a label of the KPI tables ('' if it doesn't)."""
    if value == ALL:
        return "is the label of the KPI tables' aggregate rows (every node, every product)"
    for prefix in RESERVED_PREFIXES:
        if value.startswith(prefix):
            return f"starts with {prefix!r}, the prefix of the KPI tables' {prefix[:-1]} rows"
    if SOURCE_SEPARATOR in value:
        return f"contains {SOURCE_SEPARATOR!r}, which separates the node and the source in per-source KPI rows"
    return ""


def check_name(value: str) -> str:
    """A name that labels (a disruption's): not blank once written, no leading or trailing whitespace."""
    if value and value != value.strip():
        raise ValueError(
            f"{value!r} is blank; drop it for the default label"
            if not value.strip()
            else f"{value!r} has leading or trailing whitespace; write {value.strip()!r}"
        )
    return value


def check_optional_id(value: str) -> str:
    """An id that may be left empty for its default (a lane's: ``FROM->TO``); written, it follows the rules."""
    return check_id(value) if value else value


Id = Annotated[str, AfterValidator(check_id)]
OptionalId = Annotated[str, AfterValidator(check_optional_id)]
Name = Annotated[str, AfterValidator(check_name)]
