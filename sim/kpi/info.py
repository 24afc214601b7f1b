"""``KpiInfo``: the metadata of one KPI (sim.kpi.catalog holds every entry)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal


@dataclass(frozen=True)
class KpiInfo:
    """Metadata of one KPI. ``higher_is_better`` is None where neither direction is better (volumes, variances)."""

    name: str
    unit: str
    label: str
    higher_is_better: bool | None
    description: str
    # which rows carry it; the resilience kinds only come with disruptions (sim.kpi.resilience)
    # "resilience_batch": a statistic of a batch summary over the replications (no per-replication value)
    kind: Literal[
        "stock",
        "supplier",
        "both",
        "network",
        "resilience",
        "resilience_supplier",
        "change",
        "resilience_batch",
        "lane",
        "contract",
        "plant",
    ] = "stock"
    percent: bool = False  # shown as a percentage in reports
    cost: bool = False  # a cost component that adds up to total_cost
    # also carried by the sourcing rows: per supplier, per region of suppliers and per source of a multi-source item
    sourcing: bool = False
    bounds: tuple[float, float] = (-math.inf, math.inf)  # the values the KPI can take (intervals are clipped)
    network: bool = False  # a supplier KPI also on the network row (ALL, ALL), summed over the suppliers
    by_mode: bool = False  # also on the lane-mode rows (mode:<mode>, ALL)
    tco: bool = False  # supplier overhead in the network's total_cost_of_ownership (total cost of ownership)


def kpi(name: str, unit: str, label: str, hib: bool | None, description: str, **kw: Any) -> KpiInfo:
    """One catalogue entry (positional: name, unit, label, higher is better, description)."""
    return KpiInfo(name, unit, label, hib, description, **kw)
