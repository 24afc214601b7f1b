"""Bounds on what a scenario may be, so that loading any input takes bounded time and memory.

A YAML file can describe a huge tree in a few lines (anchors and aliases that refer to each other: an "alias bomb"),
nest deeper than Python can recurse, or simply be enormous. Before anything walks a scenario's data, it is checked
against these limits (docs/configuration.md lists them and how to raise them):

- ``max_file_bytes``: the size of a scenario file (``SUPPLYSIM_MAX_SCENARIO_MB``, default 20 MB);
- ``max_nodes``: values in the data with every alias expanded (``SUPPLYSIM_MAX_SCENARIO_NODES``, default 500,000;
  a 40-store x 100-product network is ~60,000);
- ``max_depth``: nesting levels (100; a scenario needs ~8);
- ``max_events``: the discrete events one replication may make beyond one a period per element: containers on
  consolidating lanes, customers who arrive one by one, reviews (``SUPPLYSIM_MAX_EVENTS``, default 20,000,000, a few
  minutes of one core; sim.scenario.workload estimates them).

A demand series read from a CSV file (``kind: empirical``, ``file:``) is a file of the scenario: it is bounded by
``max_file_bytes`` before it is read and its rows by ``max_nodes`` (they become values of the scenario).
"""

from __future__ import annotations

import os
from typing import Any

from sim.errors import ScenarioError

ENV_FILE_MB = "SUPPLYSIM_MAX_SCENARIO_MB"
ENV_NODES = "SUPPLYSIM_MAX_SCENARIO_NODES"
ENV_EVENTS = "SUPPLYSIM_MAX_EVENTS"
max_depth = 100


def _env_number(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ScenarioError(f"{name}: a number is needed, got {raw!r}") from None
    if not value > 0:
        raise ScenarioError(f"{name}: must be > 0, got {raw!r}")
    return value


def __getattr__(name: str) -> Any:
    # read from the environment when asked, so a changed variable applies without re-importing
    if name == "max_file_bytes":
        return int(_env_number(ENV_FILE_MB, 20) * 2**20)
    if name == "max_nodes":
        return int(_env_number(ENV_NODES, 500_000))
    if name == "max_events":
        return int(_env_number(ENV_EVENTS, 20_000_000))
    raise AttributeError(name)


def check_tree(data: Any, source: str) -> None:
    """Refuse data with more than ``max_nodes`` values (aliases expanded) or deeper than ``max_depth`` levels.

    Iterative and stopping at the first limit, so an alias bomb costs at most ``max_nodes`` steps."""
    limit = __getattr__("max_nodes")
    stack: list[tuple[Any, int]] = [(data, 0)]
    count = 0
    while stack:
        value, depth = stack.pop()
        count += 1
        if count > limit:
            raise ScenarioError(
                f"{source}: more than {limit:,} values once YAML aliases are expanded (an alias bomb?); "
                f"raise the limit with {ENV_NODES}=<n>"
            )
        if depth > max_depth:
            raise ScenarioError(f"{source}: nested deeper than {max_depth} levels")
        if isinstance(value, dict):
            stack.extend((v, depth + 1) for v in value.values())
            count += len(value)  # the keys
        elif isinstance(value, list | tuple):
            stack.extend((v, depth + 1) for v in value)
