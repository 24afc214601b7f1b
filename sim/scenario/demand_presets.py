"""Demand presets: swap the customer demand of a scenario's retailers for a time pattern (the Hydra ``demand`` group).

``supplysim scenario=serial_chain demand=ar1`` replaces the demand of every targeted (retailer, product) with the
preset's kind (sim.scenario.patterns), scaled to the demand it replaces: the level parameter (``mean`` of ``ar1``,
``base`` of ``seasonal``/``trend``/``promotion``, ``before`` of ``step``) defaults to the old mean per period, the
noise to the old standard deviation (for ``ar1``: ``sigma = sd sqrt(1 - phi^2)``, so the stationary variance is the
old variance), and ``step``'s ``after`` to ``after_factor`` (default 2) times the old mean. Parameters given in the
preset are used as they are. Baskets (multi-line orders) are left alone.
"""

from __future__ import annotations

import math
from types import MappingProxyType
from typing import Any

from sim.errors import ConfigError
from sim.scenario.demand import DEMANDS
from sim.scenario.loading import validate
from sim.scenario.schema import Scenario, StockNode

LEVEL = MappingProxyType({"ar1": "mean", "seasonal": "base", "trend": "base", "promotion": "base", "step": "before"})


def scaled(kind: str, mean: float, var: float, params: dict[str, Any]) -> dict[str, Any]:
    """The parameters of ``kind`` for a demand of ``mean``/``var`` per period (explicit ``params`` win)."""
    p = dict(params)
    sd = math.sqrt(max(var, 0.0))
    p.setdefault(LEVEL[kind], mean)
    if kind == "ar1":
        phi = float(p.get("phi", 0.0))
        p.setdefault("sigma", sd * math.sqrt(max(1 - phi**2, 0.0)))
    else:
        p.setdefault("noise_sd", sd)
    if kind == "step":
        factor = float(p.pop("after_factor", 2.0))
        p.setdefault("after", factor * p["before"])
    return {"kind": kind, **p}


def apply_demand(
    sc: Scenario, kind: str | None, *, apply_to: str | list[str] = "all", params: dict[str, Any] | None = None
) -> Scenario:
    """A copy of ``sc`` whose targeted retailers' customer demand follows ``kind`` (None keeps the scenario's).

    ``apply_to``: ``all`` (every node with customer demand) or a list of node ids."""
    if kind is None:
        return sc
    if kind not in LEVEL:
        known = ", ".join(k for k in DEMANDS if k in LEVEL)
        raise ConfigError(f"demand.kind: {kind!r} is not a time-pattern demand kind; known: {known}")
    with_demand = [n.id for n in sc.nodes if isinstance(n, StockNode) and n.demand]
    targets = set(with_demand) if apply_to == "all" else set(apply_to if isinstance(apply_to, list) else [apply_to])
    unknown = targets - set(with_demand)
    if unknown:
        raise ConfigError(
            f"demand.apply_to: no customer demand at {', '.join(sorted(unknown))}; "
            f"use all or node ids: {', '.join(with_demand)}"
        )
    data = sc.to_dict()
    for node_data, node in zip(data["nodes"], sc.nodes, strict=True):
        if node.id in targets and isinstance(node, StockNode):
            for sku, spec in node.demand.items():
                node_data["demand"][sku] = scaled(kind, spec.mean, spec.var, params or {})
    return validate(data, source=f"scenario {sc.name!r} with demand {kind!r}")
