"""Consolidated shipping KPIs (docs/kpis.md, "Consolidated shipping KPIs"): rows ``(lane:<id>, ALL)`` per
consolidating lane (sim.model.consolidating_lane) and ``(lane:ALL, ALL)`` over them, from the containers that
departed in the KPI window ``[warmup, horizon)``."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

import numpy as np

from sim.kpi.catalog import LANE_KPIS
from sim.model.clock import period_of
from sim.model.network import SupplyChain
from sim.tolerance import EPS

if TYPE_CHECKING:
    from sim.model.consolidating_lane import ConsolidatingLane

LANE_PREFIX = "lane:"
ALL = "ALL"


def kpi_index(lane_ids: list[str]) -> list[tuple[str, str, str]]:
    """Rows ``(lane:<id>, ALL)`` per consolidating lane, then ``(lane:ALL, ALL)``; none without consolidation."""
    if not lane_ids:
        return []
    labels = [f"{LANE_PREFIX}{i}" for i in lane_ids] + [f"{LANE_PREFIX}{ALL}"]
    return [(label, ALL, k) for label in labels for k in LANE_KPIS]


def kpi_values(chain: SupplyChain, lane_ids: list[str]) -> np.ndarray:
    """The values of :func:`kpi_index`'s rows: containers that departed in ``[warmup, horizon)``."""
    if not lane_ids:
        return np.zeros(0)
    w = chain.scenario.warmup
    values: list[float] = []
    fills: list[float] = []  # every container's load over its capacity, for the pooled row
    units = cost = 0.0
    for lid in lane_ids:
        lane = cast("ConsolidatingLane", chain.lanes[lid])  # kpi_index lists consolidating lanes only
        sent = [d for d in lane.departures if period_of(d[0]) >= w]
        cap = lane.container_capacity
        fills += [d[1] / cap for d in sent]
        u, c = sum(d[2] for d in sent), sum(d[3] for d in sent)
        units, cost = units + u, cost + c
        values += _row(len(sent), sum(d[1] for d in sent) / (len(sent) * cap) if sent else np.nan, u, c)
    values += _row(len(fills), sum(fills) / len(fills) if fills else np.nan, units, cost)
    return np.array(values, dtype=float)


def _row(n: int, utilisation: float, units: float, cost: float) -> list[float]:
    row = {
        "shipments": float(n),
        "container_utilisation": utilisation,
        "transport_cost_per_unit": cost / units if units > EPS else np.nan,
    }
    return [row[k] for k in LANE_KPIS]
