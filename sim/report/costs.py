"""Cost breakdown per variant and the cost-versus-service Pareto frontier across variants (docs/outputs.md).

Which KPIs are cost components is read from the catalogue (``sim.kpi.catalog``), never listed here, so a cost KPI
added there appears in the breakdown without a change to this file:

* **cost components**: every KPI flagged ``cost=True`` (the parts of ``total_cost``: operating cost plus
  purchases, the landed cost), read from the network row ``(ALL, ALL)``; they add up to ``total_cost`` exactly;
* **supplier overhead**: every KPI flagged ``tco=True`` (the supplier overhead that ``total_cost_of_ownership``, the
  total cost of ownership, adds to ``total_cost``) — today ``coordination_cost``, ``admin_cost`` and
  ``reservation_cost`` — read from the network row, or summed over the supplier rows ``(<supplier>, ALL)`` of a
  table without it. Cost components plus overhead add up to ``total_cost_of_ownership``.

Plain data in (a batch summary or a comparison table: ``variant, node, sku, kpi, mean, ci_low, ci_high``), plain data
out; the figures are drawn by ``sim.report.figures``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.kpi import catalog

ALL = "ALL"
TOTAL = "total_cost"
TCO = "total_cost_of_ownership"  # total_cost + the supplier overhead: the network's total cost of ownership
# KPIs that are sums of other cost KPIs: never a segment of their own (a new total KPI is added here)
TOTALS = frozenset({"total_cost", "operating_cost", "supplier_cost", "total_cost_of_ownership"})


def landed_components() -> tuple[str, ...]:
    """The catalogue's components of the total cost (``cost=True``), in catalogue order."""
    return tuple(k.name for k in catalog.CATALOG if k.cost and k.name not in TOTALS)


def overhead_components() -> tuple[str, ...]:
    """The catalogue's supplier overhead of the total cost of ownership (``tco=True``)."""
    return tuple(k.name for k in catalog.CATALOG if k.tco and not k.cost and k.name not in TOTALS)


def _with_variant(df: pd.DataFrame) -> pd.DataFrame:
    return df if "variant" in df.columns else df.assign(variant="")


def _supplier_row(node: pd.Series) -> pd.Series:
    """A supplier's own row: not the network, a region's pooled row or a per-source row."""
    text = node.astype(str)
    return (text != ALL) & ~text.str.startswith("region:") & ~text.str.contains("<-", regex=False)


@dataclass(frozen=True)
class Breakdown:
    """Mean cost over the KPI window per variant (rows) and component (columns), and the totals from the table."""

    table: pd.DataFrame  # variant × component, window totals
    landed: tuple[str, ...]  # the columns that add up to the total cost
    overhead: tuple[str, ...]  # supplier overhead columns (not in total_cost)
    total: pd.Series  # total_cost per variant, as the KPI table has it (NaN where absent)

    @property
    def components(self) -> tuple[str, ...]:
        return self.landed + self.overhead

    def grand_total(self) -> pd.Series:
        """Total cost plus supplier overhead per variant (the whole cost of ownership)."""
        return self.table[list(self.landed)].sum(axis=1) + self.table[list(self.overhead)].sum(axis=1)


def breakdown(table: pd.DataFrame) -> Breakdown:
    """The cost breakdown of each variant of ``table``: components present in it, zero in every variant left out."""
    df = _with_variant(table)
    variants = [str(v) for v in pd.unique(df["variant"])] if not df.empty else []
    df = df.assign(variant=df["variant"].astype(str)) if not df.empty else df
    net = df[(df["node"] == ALL) & (df["sku"] == ALL)] if not df.empty else df
    landed_all, over_all = landed_components(), overhead_components()
    on_net = set(net["kpi"]) if not net.empty else set()
    means: dict[str, pd.Series] = {}
    for k in (*landed_all, *over_all):
        if k in on_net:
            rows = net[net["kpi"] == k].drop_duplicates("variant")
            means[k] = pd.to_numeric(rows.set_index("variant")["mean"], errors="coerce")
        elif k in over_all and not df.empty:
            rows = df[(df["kpi"] == k) & (df["sku"] == ALL) & _supplier_row(df["node"])]
            if not rows.empty:
                means[k] = pd.to_numeric(rows["mean"], errors="coerce").groupby(rows["variant"]).sum(min_count=1)
    wide = pd.DataFrame(means, index=pd.Index(variants, name="variant")).reindex(columns=list(means))

    def kept(names: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(k for k in names if k in wide.columns and bool((wide[k].fillna(0) != 0).any()))

    landed, overhead = kept(landed_all), kept(over_all)
    total = pd.Series(math.nan, index=wide.index, dtype=float)
    if TOTAL in on_net:
        landed_means = net[net["kpi"] == TOTAL].drop_duplicates("variant").set_index("variant")["mean"]
        total = pd.to_numeric(landed_means, errors="coerce").reindex(wide.index)
    return Breakdown(wide[list(landed + overhead)].fillna(0.0), landed, overhead, total)


# --------------------------------------------------------------------------- Pareto frontier
def pareto_front(service: np.ndarray, cost: np.ndarray) -> np.ndarray:
    """Boolean mask of the efficient points: no other point has at least the service at no more cost and is better
    in one of the two. Identical points are all efficient; a point with a NaN is never. O(n log n)."""
    service, cost = np.asarray(service, float), np.asarray(cost, float)
    efficient = np.zeros(service.shape, bool)
    ok = np.flatnonzero(np.isfinite(service) & np.isfinite(cost))
    # cheapest first, the better service first among equal costs: a point is efficient when it serves better than
    # every cheaper (or equally cheap, better-serving) point before it
    order = ok[np.lexsort((-service[ok], cost[ok]))]
    best, last = -math.inf, None
    for i in order:
        if service[i] > best:
            efficient[i], best, last = True, service[i], i
        elif last is not None and service[i] == service[last] and cost[i] == cost[last]:
            efficient[i] = True
    return efficient


def pareto_points(table: pd.DataFrame, service: str = "fill_rate", cost: str = TOTAL) -> pd.DataFrame:
    """One row per variant of ``table`` with a finite network ``service`` and ``cost``: their means and intervals
    (``service, service_lo, service_hi, cost, cost_lo, cost_hi``) and ``efficient`` (:func:`pareto_front`)."""
    df = _with_variant(table)
    cols = ["variant", "service", "service_lo", "service_hi", "cost", "cost_lo", "cost_hi", "efficient"]
    if df.empty:
        return pd.DataFrame(columns=cols)
    net = df[(df["node"] == ALL) & (df["sku"] == ALL) & df["kpi"].isin([service, cost])]
    net = net.assign(variant=net["variant"].astype(str)).drop_duplicates(["variant", "kpi"])
    rows = []
    for variant in dict.fromkeys(net["variant"]):
        g = net[net["variant"] == variant].set_index("kpi")
        if not {service, cost} <= set(g.index):
            continue
        vals = [
            pd.to_numeric(g.loc[k, c], errors="coerce") for k in (service, cost) for c in ("mean", "ci_low", "ci_high")
        ]
        if math.isfinite(vals[0]) and math.isfinite(vals[3]):
            rows.append([variant, *map(float, vals)])
    out = pd.DataFrame(rows, columns=cols[:-1])
    out["efficient"] = pareto_front(out["service"].to_numpy(float), out["cost"].to_numpy(float))
    return out
