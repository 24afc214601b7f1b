"""What the disruptions changed, paired: the disrupted run's network and product KPIs minus those of the same
replication without them (its undisrupted twin, which every disrupted replication runs for the resilience KPIs).
Rows ``(ALL, ALL)`` and ``(ALL, sku)`` per product with customer demand; KPIs :data:`CHANGE_KPIS` (docs/kpis.md)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from sim.kpi.catalog import CHANGE_KPIS

ALL = "ALL"
# change KPI -> the KPI it is the paired difference of
OF = {"fill_rate_change": "fill_rate", "total_cost_change": "total_cost"}


def index(products: Sequence[str]) -> list[tuple[str, str, str]]:
    """The rows: the network, then each product (over its customer-facing items), × :data:`CHANGE_KPIS`."""
    return [(ALL, sku, k) for sku in (ALL, *products) for k in CHANGE_KPIS]


def compute(
    kpi_index: Sequence[tuple[str, str, str]], disrupted: np.ndarray, baseline: np.ndarray, products: Sequence[str]
) -> np.ndarray:
    """The values of :func:`index`'s rows from the two runs' KPI vectors (the same ``kpi_index``, in order); NaN
    where a row has no such KPI (a product without demand has no fill rate)."""
    at = {key: i for i, key in enumerate(kpi_index)}
    out = []
    for node, sku, k in index(products):
        i = at.get((node, sku, OF[k]))
        out.append(np.nan if i is None else float(disrupted[i] - baseline[i]))
    return np.array(out, dtype=float)
