"""Contract KPIs of one replication: a row ``(supplier, ALL)`` per supplier with a ``contract`` (sim.scenario.contracts;
docs/kpis.md): late units and the on-time penalty over the KPI window, and for a flex band the refused units, the
share of requests accepted whole and the shortfall below the band. Only scenarios with contracts have these rows."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.kpi.catalog import CONTRACT_KPIS
from sim.scenario.schema import SupplierNode

if TYPE_CHECKING:
    from sim.model.network import SupplyChain

ALL = "ALL"


def suppliers(chain: SupplyChain) -> list[SupplierNode]:
    return [n for n in chain.scenario.nodes if isinstance(n, SupplierNode) and n.contract is not None]


def index(chain: SupplyChain) -> list[tuple[str, str, str]]:
    return [(n.id, ALL, k) for n in suppliers(chain) for k in CONTRACT_KPIS]


def compute(chain: SupplyChain) -> np.ndarray:
    """The values of :func:`index`'s rows, in its order."""
    w, h = chain.scenario.warmup, chain.scenario.horizon
    values: list[float] = []
    for node in suppliers(chain):
        terms = node.contract
        assert terms is not None  # suppliers() keeps those with a contract
        links = [s for item in chain.items.values() for s in item.sources if s.external and s.upstream == node.id]
        late = sum(s.late for s in links)
        delivered = sum(s.received for s in links)
        bands = [b for (sup, _), b in chain.bands.items() if sup == node.id]
        requests = sum(b.requests for b in bands)
        row = {
            "late_units": late,
            "on_time_penalty": terms.late_penalty * (late - (1 - terms.on_time_target) * delivered),
            "refused_units": sum(b.refused for b in bands) if bands else np.nan,
            "flex_share": sum(b.within for b in bands) / requests if requests else np.nan,
            "flex_shortfall": sum(b.shortfall(w, h) for b in bands) if bands else np.nan,
        }
        values += [row[k] for k in CONTRACT_KPIS]
    return np.array(values, dtype=float)
