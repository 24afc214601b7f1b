"""What distinguishes the variants of a comparison, in words: readable labels, the scenario changes against the
baseline, the policy levels each variant used, and the items whose KPIs moved most.

Inputs are plain data (the comparison table of :func:`sim.experiment.stats.compare` and, optionally, each
variant's scenario dict as written to its ``scenario.yaml``), so a sweep, a notebook and a test use it alike.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import pandas as pd

ALL = "ALL"
MAX_CHANGES = 6  # lines of "what changed" per variant before "... and N more" (scenario.yaml has them all)
KEYED_LISTS = {"nodes": "id", "products": "id", "lanes": "id"}  # lists whose elements are named by a key


def readable_label(label: str, scenario: Mapping | None = None) -> str:
    """``policy=lean,scenario.horizon=730`` -> ``policy = lean; horizon = 730`` (overrides in words); with the
    variant's ``scenario``, list positions become names: ``scenario.nodes.8.capacity.pk_tray=400`` ->
    ``de_bavaria / capacity / pk_tray = 400``."""
    parts = []
    for kv in str(label).split(","):
        key, eq, value = kv.partition("=")
        if not eq:
            parts.append(kv)
            continue
        path = key.lstrip("+~").removeprefix("scenario.").split(".")
        sep = "."
        if scenario is not None and len(path) > 1 and path[0] in KEYED_LISTS and path[1].isdigit():
            items = scenario.get(path[0]) or []
            i = int(path[1])
            if i < len(items) and isinstance(items[i], dict) and KEYED_LISTS[path[0]] in items[i]:
                path, sep = [str(items[i][KEYED_LISTS[path[0]]]), *path[2:]], " / "
        parts.append(f"{sep.join(path)} = {value}")
    return "; ".join(parts)


def _keyed(items: list, key: str) -> dict[str, Any] | None:
    if all(isinstance(x, dict) and key in x for x in items):
        return {str(x[key]): x for x in items}
    return None


def _fmt(value: Any) -> str:
    """A value as a reader wants it: levels to the unit (a computed 1642.49 reads 1,642; the run keeps it exact),
    small parameters to three significant digits (alpha 0.3, a share 0.05)."""
    if isinstance(value, float):
        return f"{value:,.0f}" if value.is_integer() or abs(value) >= 10 else f"{value:.3g}"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_fmt(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_fmt(v) for v in value) + "]"
    return (
        "–" if value is None else f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else str(value)
    )


def changes(base: Any, other: Any, path: tuple[str, ...] = ()) -> list[str]:
    """Every difference between two scenario dicts, as ``hub / policy / ec_psu / s: 850 → 1000`` lines (nodes,
    products and lanes named by their id, not their position)."""
    where = " / ".join(path)
    if isinstance(base, dict) and isinstance(other, dict):
        out = []
        for k in dict.fromkeys([*base, *other]):
            if k not in other:
                out.append(f"{' / '.join((*path, str(k)))}: removed")
            elif k not in base:
                out.append(f"{' / '.join((*path, str(k)))}: {_fmt(other[k])} (new)")
            else:
                out += changes(base[k], other[k], (*path, str(k)))
        return out
    if isinstance(base, list) and isinstance(other, list) and path and path[-1] in KEYED_LISTS:
        a, b = _keyed(base, KEYED_LISTS[path[-1]]), _keyed(other, KEYED_LISTS[path[-1]])
        if a is not None and b is not None:
            return changes(a, b, path[:-1])  # nodes by id: "hub_venlo / policy / ..."
    if base != other:
        return [f"{where or 'scenario'}: {_fmt(base)} → {_fmt(other)}"]
    return []


def policy_text(policy: Mapping[str, Any]) -> str:
    """``s_S: s 850, S 1,000`` for a policy spec."""
    kind = policy.get("kind", "?")
    params = ", ".join(f"{k} {_fmt(v)}" for k, v in policy.items() if k != "kind" and v is not None)
    return f"{kind}: {params}" if params else str(kind)


def policy_levels(scenarios: Mapping[str, Mapping]) -> tuple[list[str], list[dict], bool]:
    """(variants, rows, same) of the policy each variant used per stock item, for the items where they differ; all
    items if every variant uses the same levels (``same``), so the table still says what was run."""
    variants = list(scenarios)
    per: dict[tuple[str, str], dict[str, str]] = {}
    for v, sc in scenarios.items():
        for node in sc.get("nodes") or []:
            for sku, pol in (node.get("policy") or {}).items() if isinstance(node, dict) else ():
                per.setdefault((str(node["id"]), str(sku)), {})[v] = policy_text(pol or {})
    differ = {k: p for k, p in per.items() if len({p.get(v, "–") for v in variants}) > 1}
    shown = differ or per
    rows = [
        {"item": f"{sku} at {node}", "cells": [p.get(v, "–") for v in variants]} for (node, sku), p in shown.items()
    ]
    return variants, rows, not differ


def what_changed(scenarios: Mapping[str, Mapping], baseline: str) -> dict[str, list[str]]:
    """Per variant, its scenario's differences from the baseline's (capped at ``MAX_CHANGES`` lines)."""
    base = scenarios.get(baseline)
    out: dict[str, list[str]] = {}
    for v, sc in scenarios.items():
        if v == baseline or base is None:
            continue
        lines = changes(dict(base), dict(sc))
        if len(lines) > MAX_CHANGES:
            lines = [*lines[:MAX_CHANGES], f"… and {len(lines) - MAX_CHANGES} more"]
        out[v] = lines or ["the same scenario as the baseline (only run settings differ)"]
    return out


def moved_most(comparison: pd.DataFrame, variant: str, kpi: str, top: int = 5) -> pd.DataFrame:
    """The item rows (node × product) whose paired difference in ``kpi`` is largest for ``variant``: intervals that
    exclude 0 first, then by absolute difference."""
    df = comparison
    mask = (
        (df["variant"].astype(str) == variant)
        & (df["kpi"] == kpi)
        & (df["node"] != ALL)
        & (df["sku"] != ALL)
        & ~df["node"].astype(str).str.contains("<-", regex=False)
    )
    rows = df[mask & df["diff_mean"].notna()].copy()
    if rows.empty:
        return rows
    rows["sig"] = (rows["diff_ci_low"] > 0) | (rows["diff_ci_high"] < 0)
    rows["size"] = rows["diff_mean"].abs()
    rows = rows[rows["size"] > 0]
    return rows.sort_values(["sig", "size"], ascending=[False, False]).head(top)


def baseline_mean(comparison: pd.DataFrame, baseline: str, node: str, sku: str, kpi: str) -> float:
    m = comparison[
        (comparison["variant"].astype(str) == baseline)
        & (comparison["node"] == node)
        & (comparison["sku"] == sku)
        & (comparison["kpi"] == kpi)
    ]["mean"]
    return float(m.iloc[0]) if len(m) else math.nan
