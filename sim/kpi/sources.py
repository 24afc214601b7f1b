"""Sourcing KPIs of one replication: rows per supplier, per region of suppliers and per source of a multi-source item.

A buyer's scorecard asks, per supplier, how long orders really took against what was promised, how many came on
time, how much came and what it cost, and how loaded the supplier was; per source of a dual-sourced item the same,
so the two sources are not averaged into the item's one lead time. Rows (docs/kpis.md):

* ``(supplier, ALL)``: every order any stock item placed with the supplier (``SUPPLIER_KPIS``);
* ``(region:<region>, ALL)``: the suppliers of one ``region``, pooled (``SUPPLIER_KPIS``);
* ``(<node><-<source>, sku)``: one source of an item with several (``SOURCE_KPIS``); ``<source>`` is the source's
  key (its node, or its lane id when the node is reached by two lanes).

Lead times and OTIF pool the orders of the member links (not the links' means); the counts come from each
:class:`~sim.model.stock_item.SourceLink`'s window record.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

import numpy as np

from sim.kpi import concentration
from sim.kpi import costs as kpi_costs
from sim.kpi.catalog import SOURCE_KPIS, SUPPLIER_KPIS

if TYPE_CHECKING:
    from sim.model.network import SupplyChain
    from sim.model.source_link import SourceLink
    from sim.scenario.schema import SupplierNode

ALL = "ALL"
REGION_PREFIX = "region:"
Link = tuple[tuple[str, str], int]  # (stock item key, index into its sources)


@dataclass(frozen=True)
class SourceGroup:
    """One sourcing row: its label, the source links it pools and the suppliers whose capacity/orders it counts."""

    label: tuple[str, str]
    links: tuple[Link, ...]
    suppliers: tuple[str, ...]  # empty for a per-source row (it has no demand / capacity KPIs)


def groups(chain: SupplyChain) -> list[SourceGroup]:
    """Supplier rows (scenario order), region rows, then per-source rows; depends on the scenario only."""
    by_supplier: dict[str, list[Link]] = {sup: [] for sup in chain.suppliers}
    per_source: list[SourceGroup] = []
    for key, item in chain.items.items():
        for j, link in enumerate(item.sources):
            if link.external:
                by_supplier[link.upstream].append((key, j))
        if len(item.sources) > 1:
            node, sku = key
            per_source += [SourceGroup((f"{node}<-{s.key}", sku), ((key, j),), ()) for j, s in enumerate(item.sources)]
    out = [SourceGroup((sup, ALL), tuple(links), (sup,)) for sup, links in by_supplier.items()]
    regions: dict[str, list[str]] = {}
    for n in chain.scenario.nodes:
        if n.id in chain.suppliers and n.region:
            regions.setdefault(n.region, []).append(n.id)
    for region, sups in regions.items():
        links = tuple(link for s in sups for link in by_supplier[s])
        out.append(SourceGroup((f"{REGION_PREFIX}{region}", ALL), links, tuple(sups)))
    return out + per_source


def index(sg: list[SourceGroup]) -> list[tuple[str, str, str]]:
    return [(*g.label, k) for g in sg for k in (SUPPLIER_KPIS if g.suppliers else SOURCE_KPIS)]


def compute(
    chain: SupplyChain, sg: list[SourceGroup], lay: kpi_costs.Layout
) -> tuple[np.ndarray, dict[str, dict[str, float]]]:
    """The values of :func:`index`'s rows, in its order, and each supplier row as ``{supplier: {kpi: value}}``."""
    sc = chain.scenario
    w, h = sc.warmup, sc.horizon
    span = h - w
    values: list[float] = []
    specs = cast("dict[str, SupplierNode]", {n.id: n for n in sc.nodes if n.id in chain.suppliers})
    own = [g for g in sg if g.suppliers and g.label[0] in chain.suppliers]  # one supplier's row
    spend = {g.label[0]: sum(_spend(chain.items[key].sources[j]) for key, j in g.links) for g in own}
    share = concentration.shares(spend)
    region = {sid: spec.region for sid, spec in specs.items()}
    by_region = concentration.region_shares(share, region)
    suppliers: dict[str, dict[str, float]] = {}
    for g in sg:
        links = [(key[1], chain.items[key].sources[j]) for key, j in g.links]
        row = _scorecard(links)
        if g.suppliers:
            sups = [chain.suppliers[s] for s in g.suppliers]
            ordered = np.asarray(sups[0].ordered[w:h]) if len(sups) == 1 else np.sum([s.ordered[w:h] for s in sups], 0)
            pools = {id(p): p for s in sups for p in s.pools.values()}.values()
            cap = sum(p.capacity for p in pools)
            made = sum(sum(p.produced[w:h]) for p in pools)
            row["demand"] = float(ordered.sum())
            row["demand_var"] = float(ordered.var(ddof=1)) if span > 1 else np.nan
            row["utilization"] = made / (cap * span) if pools else np.nan
            row |= _overhead(chain, specs, g.suppliers, w, h)
            row["supplier_cost"] = row["spend"] + row["admin_cost"] + row["reservation_cost"]
            row |= kpi_costs.links_kpis(chain, lay, g.links)
            row["supplier_share"] = sum(share[s] for s in g.suppliers)
            row["region_share"] = by_region[region[g.suppliers[0]]]
            row["coordination_cost"] = sum(kpi_costs.coordination_cost(chain, s) for s in g.suppliers)
            row["consignment_holding_cost"] = kpi_costs.consignment_holding(chain, lay, g.links)
            if g.label[0] in spend:  # a supplier's own row (not a region's)
                suppliers[g.label[0]] = row
            values += [row[k] for k in SUPPLIER_KPIS]
        else:
            values += [row[k] for k in SOURCE_KPIS]
    return np.array(values, dtype=float), suppliers


def _spend(src: SourceLink) -> float:
    """What was paid to a supplier through one link in the window: units received × price, or for consignment
    stock units issued (paid on issue) × price; 0 for an internal source."""
    if not src.external:
        return 0.0
    return (src.paid if src.consignment else src.received) * src.price


def _overhead(
    chain: SupplyChain, specs: dict[str, SupplierNode], suppliers: tuple[str, ...], w: int, h: int
) -> dict[str, float]:
    """Administration (per period with an order) and capacity reservation cost of the suppliers, summed."""
    admin = reserve = 0.0
    for sid in suppliers:
        spec = specs[sid]
        sup = chain.suppliers[sid]
        if spec.admin_cost:  # per period with an order
            admin += spec.admin_cost * sum(1 for q in sup.ordered[w:h] if q > 0)
        if spec.reservation_fee:
            pools = {id(p): p for p in sup.pools.values()}.values()
            reserve += spec.reservation_fee * sum(p.capacity for p in pools) * (h - w)
    return {"admin_cost": admin, "reservation_cost": reserve}


def _scorecard(links: list[tuple[str, SourceLink]]) -> dict[str, float]:
    """Pooled over the links: orders placed, lead time mean and p95, OTIF, promised lead time, volume, spend."""
    lts = [x for _, s in links for x in s.lead_times]
    placed = sum(s.n_placed for _, s in links)
    due = sum(s.due for _, s in links)
    promised = [s.promised for _, s in links]
    if placed:  # the quote the orders actually carried: weighted by the orders placed on each link
        quoted = sum(s.promised * s.n_placed for _, s in links) / placed
    else:
        quoted = sum(promised) / len(promised) if promised else np.nan
    return {
        "orders_placed": float(placed),
        "lead_time_avg": sum(lts) / len(lts) if lts else np.nan,
        "lead_time_p95": p95(lts) if lts else np.nan,
        "otif": sum(s.on_time for _, s in links) / due if due else np.nan,
        "promised_lead_time": quoted,
        "volume": float(sum(s.received for _, s in links)),
        "spend": float(sum(_spend(s) for _, s in links)),
        "rejected_units": float(sum(s.rejected for _, s in links)),
    }


def p95(values: list[float]) -> float:
    """95th percentile with linear interpolation (numpy's default method), on a small Python list."""
    xs = sorted(values)
    pos = (len(xs) - 1) * 0.95
    lo = int(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)
