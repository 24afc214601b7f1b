"""Search an item's policy parameters with common random numbers: "which levels?" (docs/sourcing.md).

A grid search, deliberately simple: every combination of the grid runs the same replications (the same seeds, so
the same demand and transit draws: common random numbers), and the combinations are ranked by the mean of one KPI.
The table carries the standard error of each mean and of each combination's paired difference to the best, so a
user can see which combinations the replications cannot tell apart.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from sim.arguments import flag, integer, one_of, refuse, text
from sim.arguments import values as listed
from sim.errors import ArgumentError
from sim.experiment.replication import ReplicationResult, run_replication
from sim.kpi.catalog import KNOWN_KPIS
from sim.model.rng import replication_seed
from sim.scenario.schema import Scenario
from sim.scenario.sources import load_scenario

ALL = "ALL"


def optimise(
    scenario: str | dict | Scenario,
    node: str,
    sku: str,
    grid: Mapping[str, Sequence[float]],
    *,
    kpi: str = "total_cost",
    row: tuple[str, str] = (ALL, ALL),
    replications: int = 8,
    seed: int = 0,
    maximise: bool = False,
) -> pd.DataFrame:
    """Rank the combinations of ``grid`` (policy parameter -> values) for ``node``/``sku``'s policy by the mean of
    ``kpi`` in ``row`` (default the network's total cost) over ``replications`` common-random-number replications.

    Returns one row per combination, best first: the parameters, ``mean``, ``se`` and ``diff_se`` (standard error
    of the paired difference to the best combination). A combination the schema refuses (e.g. ``z_e > z_r``) is
    skipped; an unknown item or parameter is an error."""
    replications = integer("replications", replications, minimum=2)  # at least 2, for standard errors
    seed, maximise = integer("seed", seed, minimum=0), flag("maximise", maximise)
    node, sku = text("node", node), text("sku", sku)
    kpi = one_of("kpi", kpi, KNOWN_KPIS, what="KPI")
    if not isinstance(row, tuple | list) or len(row) != 2 or not all(isinstance(r, str) for r in row):
        raise refuse("row", "a (node, sku) pair of strings, e.g. ('ALL', 'ALL') or ('store', 'widget')", row)
    grid = {k: listed(f"grid[{k!r}]", v, numeric=False) for k, v in _grid(grid).items()}
    base = load_scenario(scenario).to_dict()
    stock = next((n for n in base["nodes"] if n["id"] == node and n["type"] != "supplier"), None)
    if stock is None or sku not in stock.get("policy", {}):
        raise ArgumentError(f"{node}/{sku}: no such item with a policy")
    policy = stock["policy"][sku]
    unknown = [k for k in grid if k not in policy and k != "kind"]
    if unknown:
        known = ", ".join(k for k in policy if k != "kind")
        raise ArgumentError(f"grid: unknown parameter(s) {', '.join(unknown)} of {policy['kind']!r}; known: {known}")
    names = list(grid)
    seeds = [replication_seed(seed, i) for i in range(replications)]
    results: list[tuple[dict[str, Any], np.ndarray]] = []
    for values in itertools.product(*(grid[k] for k in names)):
        params = dict(zip(names, values, strict=True))
        stock["policy"][sku] = {**policy, **params}
        try:
            sc = load_scenario(base)
        except ValueError:
            continue  # an infeasible combination (the schema says why when it is tried alone)
        got = np.array([_value(run_replication(sc, s, timeseries=False), kpi, row) for s in seeds])
        results.append((params, got))
    stock["policy"][sku] = policy
    if not results:
        raise ArgumentError("grid: no combination is a valid policy")
    sign = -1.0 if maximise else 1.0
    best = min(results, key=lambda r: sign * r[1].mean())[1]
    rows = [
        {
            **params,
            "mean": float(v.mean()),
            "se": float(v.std(ddof=1) / np.sqrt(len(v))),
            "diff_se": float((v - best).std(ddof=1) / np.sqrt(len(v))),
        }
        for params, v in results
    ]
    table = pd.DataFrame(rows)
    return table.sort_values("mean", ascending=not maximise, kind="stable").reset_index(drop=True)


def _grid(grid: Any) -> Mapping[str, Any]:
    """``grid``: a non-empty mapping of parameter names to lists of values."""
    accepts = "a dict of policy parameter -> list of values, e.g. {'s': [10, 20], 'S': [40, 60]}"
    if not isinstance(grid, Mapping) or not grid or not all(isinstance(k, str) for k in grid):
        raise refuse("grid", accepts, grid)
    return grid


def _value(result: ReplicationResult, kpi: str, row: Sequence[str]) -> float:
    try:
        return result.kpi(kpi, *row)
    except KeyError:
        known = sorted({(n, s) for n, s, k in result.kpi_index if k == kpi})
        raise ArgumentError(
            f"row: this scenario has no {kpi!r} for node={row[0]!r}, sku={row[1]!r}; rows with it: "
            + ", ".join(f"({n}, {s})" for n, s in known[:20])
            + (" ..." if len(known) > 20 else "")
        ) from None
