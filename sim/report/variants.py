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

from sim.report import describe

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


def policy_text(policy: Mapping[str, Any]) -> str:
    """``order-up-to (review every 7, order-up-to 715)`` for a policy spec (sim.report.describe)."""
    return describe.policy_text(policy)


def policy_levels(scenarios: Mapping[str, Mapping]) -> tuple[list[str], list[dict], bool]:
    """(variants, rows, same) of the policy each variant used per stock item, for the items where they differ; all
    items if every variant uses the same levels (``same``), so the table still says what was run. A product with
    the same policies at several nodes is one row (``case at factory, distributor``)."""
    variants = list(scenarios)
    per: dict[tuple[str, str], dict[str, str]] = {}
    for v, sc in scenarios.items():
        for node in sc.get("nodes") or []:
            for sku, pol in (node.get("policy") or {}).items() if isinstance(node, dict) else ():
                per.setdefault((str(node["id"]), str(sku)), {})[v] = policy_text(pol or {})
    differ = {k: p for k, p in per.items() if len({p.get(v, "–") for v in variants}) > 1}
    grouped: dict[tuple[str, tuple[str, ...]], list[str]] = {}
    for (node, sku), p in (differ or per).items():
        grouped.setdefault((sku, tuple(p.get(v, "–") for v in variants)), []).append(node)
    rows = [{"item": f"{sku} at {', '.join(nodes)}", "cells": list(cells)} for (sku, cells), nodes in grouped.items()]
    return variants, rows, not differ


def what_changed(scenarios: Mapping[str, Mapping], baseline: str) -> dict[str, list[str]]:
    """Per variant, its scenario's differences from the baseline's in words (sim.report.describe; capped at
    ``MAX_CHANGES`` lines)."""
    base = scenarios.get(baseline)
    out: dict[str, list[str]] = {}
    for v, sc in scenarios.items():
        if v == baseline or base is None:
            continue
        lines = describe.describe(base, sc)
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
