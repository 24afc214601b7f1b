"""Resilience KPIs of one replication: the disrupted run against the *same* replication without its disruptions.

Both runs share every random stream (sim.model.rng), so differences are paired. Definitions (docs/disruptions.md):
``s`` is the instant the first disruption began and ``k0 = floor(s)`` its period; per row (customer-facing item,
product over all retailers, network), over periods ``k0 .. H-1``. *Affected items* are the stock items downstream of
the disrupted elements (sim.scenario.targets.affected_items).

- ``time_to_survive``: ``k - s`` for the first period k whose unmet customer demand (not filled on arrival) exceeds
  the baseline's; ``H - s`` if service never drops, a censored time (``time_to_survive_censored`` = 1);
- ``time_to_recover``: ``k + 1 - s`` for the last period k whose rolling fill rate (``resilience.window`` periods)
  is more than ``resilience.tolerance`` below the baseline's; 0 if it never is; ``H - s`` if not recovered by the
  end, a censored time (``time_to_recover_censored`` = 1). Batch summaries add Kaplan-Meier medians of both
  (sim.experiment.survival_stats);
- ``tts_stock_cover``: stock on hand + in transit at s over the mean demand rate, over the affected items only (a
  product row: its affected items' stock over their customers' demand; the network: the first affected product to
  run out, i.e. the minimum over affected products; NaN where nothing is affected);
- ``lost_sales_during``: extra lost units; ``backorders_peak``: largest excess of end-of-period backorders;
- ``revenue_at_risk``: extra units not filled on arrival × price (``price``, default ``unit_cost``);
- ``resilience_loss``: sum of (baseline − disrupted) per-period fill rate (the resilience triangle's area);
- ``tts_optimal``: the linear program of sim.kpi.survival (product and network rows; NaN on item rows);
- ``warning_lead_time``: first unmet demand (s + TTS) minus the first item alert (sim.model.warning.ITEM_ALERTS) at
  or after s about an affected item of the row's products;
- ``supplier_availability`` (supplier rows): share of the KPI window [warmup, H) the supplier was up.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.kpi.catalog import RESILIENCE_KPIS
from sim.kpi.survival import customer_rates_of, tts_optimal_rows
from sim.model.flows import values as flow_values
from sim.model.warning import ITEM_ALERTS
from sim.scenario.targets import affected_items
from sim.tolerance import EPS

if TYPE_CHECKING:
    from sim.model.network import SupplyChain
    from sim.model.stock_item import StockItem
    from sim.scenario.disruptions import DisruptionSpec

ALL = "ALL"


@dataclass
class ServiceRecord:
    """Per-period customer service of the customer-facing items of one run (items × periods 0..H-1)."""

    keys: list[tuple[str, str]]
    demand: np.ndarray
    filled: np.ndarray
    lost: np.ndarray
    backorders: np.ndarray  # end-of-period customer backorders

    def window(self, h: int) -> ServiceRecord:
        """The first ``h`` periods (a run with a shorter horizon is the same run cut there)."""
        cut = (a[:, :h] for a in (self.demand, self.filled, self.lost, self.backorders))
        return ServiceRecord(self.keys, *cut)


def record(chain: SupplyChain) -> ServiceRecord:
    """Read the customer service series of a finished run."""
    h = chain.scenario.horizon
    items = [it for it in chain.items.values() if it.customer_facing]

    def arr(it: StockItem, attr: str) -> np.ndarray:
        return flow_values(getattr(it, attr))[:h]

    demand = np.array([arr(it, "cust_demand") for it in items]).reshape(len(items), h)
    filled = np.array([arr(it, "cust_filled") for it in items]).reshape(len(items), h)
    lost = np.array([arr(it, "lost") for it in items]).reshape(len(items), h)
    backorders = np.vstack([_backorders(it, h) for it in items]) if items else np.zeros((0, h))
    return ServiceRecord([(it.node, it.sku) for it in items], demand, filled, lost, backorders)


def _backorders(it: StockItem, h: int) -> np.ndarray:
    """End-of-period backorders: from the flows for a pure customer item (new shortfalls minus later fills from the
    backorder queue = issued − filled on arrival), from the state log otherwise."""
    d, f = flow_values(it.demand)[:h], flow_values(it.filled)[:h]
    if np.array_equal(d, flow_values(it.cust_demand)[:h]):
        new = d - f - flow_values(it.lost)[:h]
        paid = flow_values(it.issued)[:h] - f
        return np.maximum(np.cumsum(new - paid), 0.0)
    if it.log is None:
        return np.full(h, np.nan)
    a = np.array(it.log, dtype=float)
    idx = np.searchsorted(a[:, 0], np.arange(1, h + 1, dtype=float), side="left") - 1
    level: np.ndarray = a[idx, 2]  # the log's backorders column
    return level


@dataclass(frozen=True)
class Rows:
    """Row labels of the resilience block and their membership over the record's items."""

    labels: list[tuple[str, str]]
    member: np.ndarray  # rows × items (0/1)


def rows(keys: list[tuple[str, str]]) -> Rows:
    labels = list(keys)
    skus = list(dict.fromkeys(s for _, s in keys))
    labels += [(ALL, s) for s in skus] + [(ALL, ALL)]
    n = len(keys)
    member = np.zeros((len(labels), n))
    member[np.arange(n), np.arange(n)] = 1
    for r, s in enumerate(skus):
        member[n + r] = [k[1] == s for k in keys]
    member[-1] = 1
    return Rows(labels, member)


def _rolling(filled: np.ndarray, demand: np.ndarray, w: int) -> np.ndarray:
    """Fill rate over the last ``w`` periods (1 where there was no demand in the window)."""
    cf = np.cumsum(filled, axis=1)
    cd = np.cumsum(demand, axis=1)
    cf[:, w:] = cf[:, w:] - cf[:, :-w].copy()
    cd[:, w:] = cd[:, w:] - cd[:, :-w].copy()
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(cd > EPS, cf / np.where(cd > EPS, cd, 1.0), 1.0)


def per_period_fill(filled: np.ndarray, demand: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(demand > EPS, filled / np.where(demand > EPS, demand, 1.0), 1.0)


def compare(
    dis: ServiceRecord,
    base: ServiceRecord,
    start: float,
    *,
    window: int,
    tolerance: float,
    prices: dict[str, float],
) -> tuple[Rows, dict[str, np.ndarray]]:
    """The paired service KPIs (TTS, TTR, lost sales, backorder peak, revenue at risk, resilience loss) per row."""
    g = rows(dis.keys)
    M = g.member
    h = dis.demand.shape[1]
    k0 = min(max(math.floor(start + EPS), 0), h)
    price = np.array([prices[s] for _, s in dis.keys])
    out: dict[str, np.ndarray] = {}
    d_d, f_d, d_b, f_b = M @ dis.demand, M @ dis.filled, M @ base.demand, M @ base.filled
    unmet_d, unmet_b = d_d - f_d, d_b - f_b
    # a disruption that never happened (start = H): an empty window, padded with one column of "no difference"
    pad = np.zeros((M.shape[0], 1)) if k0 >= h else np.zeros((M.shape[0], 0))
    extra = np.hstack([(unmet_d - unmet_b)[:, k0:], pad])
    n_rows = len(g.labels)
    tts = np.full(n_rows, np.nan)
    hit = extra > EPS
    first = hit.argmax(axis=1)
    has = hit.any(axis=1)
    tts[has] = first[has] + k0 - start
    out["time_to_survive"] = tts
    rf_d, rf_b = _rolling(f_d, d_d, window), _rolling(f_b, d_b, window)
    bad = np.hstack([(rf_d < rf_b - tolerance - EPS)[:, k0:], pad.astype(bool)])
    last = bad.shape[1] - 1 - bad[:, ::-1].argmax(axis=1)
    out["time_to_recover"] = np.where(bad.any(axis=1), last + 1 + k0 - start, 0.0)
    out["lost_sales_during"] = (M @ (dis.lost - base.lost))[:, k0:].sum(axis=1)
    excess_bo = (M @ (dis.backorders - base.backorders))[:, k0:]
    out["backorders_peak"] = np.maximum(excess_bo.max(axis=1, initial=0.0), 0.0)
    unmet_items = (dis.demand - dis.filled) - (base.demand - base.filled)
    out["revenue_at_risk"] = (M @ (unmet_items * price[:, None]))[:, k0:].sum(axis=1)
    out["resilience_loss"] = (per_period_fill(f_b, d_b) - per_period_fill(f_d, d_d))[:, k0:].sum(axis=1)
    return g, out


def stock_cover(
    labels: list[tuple[str, str]],
    snapshot: dict[tuple[str, str], float],
    rates: dict[tuple[str, str], float],
    affected: set[tuple[str, str]],
) -> np.ndarray:
    """``tts_stock_cover`` per row, over the ``affected`` items only: an item row its own stock over its own demand
    rate; a product row the stock of its affected items (every stock node downstream of the disruption) over the
    demand rate of its affected customer-facing items; the network row the minimum over the affected products. NaN
    where nothing is affected (the disruption does not touch that row)."""
    if not snapshot:  # no disruption began: there is no start to measure the cover at
        return np.full(len(labels), np.nan)
    by_sku_stock: dict[str, float] = {}
    by_sku_rate: dict[str, float] = {}
    for (node, sku), units in snapshot.items():
        if (node, sku) in affected:
            by_sku_stock[sku] = by_sku_stock.get(sku, 0.0) + units
    for (node, sku), rate in rates.items():
        if (node, sku) in affected:
            by_sku_rate[sku] = by_sku_rate.get(sku, 0.0) + rate
    out = np.full(len(labels), np.nan)
    for r, (node, sku) in enumerate(labels):
        if node != ALL:
            rate = rates.get((node, sku), 0.0)
            if (node, sku) in affected and rate > 0:
                out[r] = snapshot.get((node, sku), np.nan) / rate
        elif sku != ALL:
            rate = by_sku_rate.get(sku, 0.0)
            out[r] = by_sku_stock.get(sku, 0.0) / rate if rate > 0 else np.nan
    product_rows = [out[r] for r, (n, s) in enumerate(labels) if n == ALL and s != ALL]
    out[-1] = np.nanmin(product_rows) if product_rows and not np.all(np.isnan(product_rows)) else np.nan
    return out


def shocked_rates(
    rates: dict[tuple[str, str], float], specs: list[DisruptionSpec], at: float
) -> dict[tuple[str, str], float]:
    """Customer demand rates at instant ``at``: × the multipliers of the demand shocks in force then."""
    out = dict(rates)
    for spec in specs:
        p = spec.params
        if spec.kind == "demand_shock" and _on(spec, at):
            for node, sku in out:
                if (p.nodes is None or node in p.nodes) and (p.skus is None or sku in p.skus):
                    out[node, sku] *= p.multiplier
    return out


def warning_lead_times(
    labels: list[tuple[str, str]],
    start: float,
    tts: np.ndarray,
    alerts: list[tuple[float, str, str, str]],
    affected: set[tuple[str, str]],
    boms: Sequence[dict[str, dict[str, float]]] = (),
) -> np.ndarray:
    """First unmet demand (``start + tts``) minus the first item alert (projected cover, stock cover, late shipment)
    at or after ``start`` about an affected item of the row's products; NaN without either. A supplier-down alert
    does not count: it fires at the start by definition, so its lead time would just repeat the time to survive.
    Negative: the first alert came after the first shortfall. Through the plants' ``boms`` an alert about a
    component is also one about every product made from it, at any level."""
    first: dict[str, float] = {}  # sku -> first item alert time (>= start)
    for t, kind, node, sku in alerts:
        if t >= start - EPS and kind in ITEM_ALERTS and (node, sku) in affected:
            first.setdefault(sku, t)
    _through_boms(boms, first)
    out = np.full(len(labels), np.nan)
    for r, (_, sku) in enumerate(labels):
        times = list(first.values()) if sku == ALL else [first[sku]] if sku in first else []
        if times and not np.isnan(tts[r]):
            out[r] = start + tts[r] - min(times)
    return out


def _through_boms(boms: Sequence[dict[str, dict[str, float]]], first: dict[str, float]) -> None:
    """An alert about a component concerns every product made from it, at any level of the bills of materials."""
    changed = bool(boms)
    while changed:  # the boms have no loop: this settles within their depth
        changed = False
        for bom in boms:
            for product, kit in bom.items():
                times = [first[c] for c in kit if c in first]
                if times and min(times) < first.get(product, np.inf):
                    first[product] = min(times)
                    changed = True


def availability(chain: SupplyChain) -> tuple[list[str], np.ndarray]:
    """Share of the KPI window [warmup, H) each supplier was up."""
    sc = chain.scenario
    w, h = sc.warmup, sc.horizon
    ids, vals = [], []
    for sid, sup in chain.suppliers.items():
        down = sum(max(0.0, min(b, h) - max(a, w)) for a, b in sup.outages)
        ids.append(sid)
        vals.append(1.0 - down / (h - w))
    return ids, np.array(vals)


def censor(out: dict[str, np.ndarray], start: float, horizon: int) -> None:
    """TTS and TTR as censored times: a row whose service never dropped survives at least ``H - s`` (its TTS is
    ``H - s``, censored); a row not recovered by the end recovers after at least ``H - s`` (censored). The
    indicators are 1 for censored, 0 for observed; NaN when no disruption began (nothing was observed)."""
    n = len(out["time_to_survive"])
    if start >= horizon:
        out["time_to_survive_censored"] = out["time_to_recover_censored"] = np.full(n, np.nan)
        return
    rest = horizon - start
    never = np.isnan(out["time_to_survive"])
    out["time_to_survive_censored"] = never.astype(float)
    out["time_to_survive"] = np.where(never, rest, out["time_to_survive"])
    out["time_to_recover_censored"] = (out["time_to_recover"] >= rest - EPS).astype(float)


def _on(spec: DisruptionSpec, at: float) -> bool:
    """The disruption's window contains the instant ``at``."""
    start, end = spec.window
    return start <= at + EPS and (end is None or at + EPS < end)


def compute(chain: SupplyChain, base: ServiceRecord) -> tuple[list[tuple[str, str, str]], np.ndarray]:
    """The resilience block of a disrupted replication (``chain``) against its baseline (``base``: the undisrupted
    twin's service record)."""
    sc = chain.scenario
    d = chain.disruptions
    assert d is not None, "resilience KPIs need a run with disruptions"
    start = d.first_start if d.first_start is not None else float(sc.horizon)
    res = sc.resilience
    prices = {p.id: p.price if p.price is not None else p.unit_cost for p in sc.products}
    g, out = compare(record(chain), base, start, window=res.window, tolerance=res.tolerance, prices=prices)
    affected = affected_items(sc)
    rates = shocked_rates(customer_rates_of(sc), list(sc.disruptions), start)
    closed = {spec.params.node for spec in sc.disruptions if spec.kind == "facility_outage" and _on(spec, start)}
    usable = {key: 0.0 if key[0] in closed else units for key, units in d.snapshot.items()}  # a closed site's stock
    out["tts_stock_cover"] = stock_cover(g.labels, usable, rates, affected)
    out["tts_optimal"] = tts_optimal_rows(sc, g.labels, d.snapshot, start)
    boms = [plant.bom for plant in chain.plants.values()]
    out["warning_lead_time"] = warning_lead_times(
        g.labels, start, out["time_to_survive"], d.tower.alerts, affected, boms
    )
    censor(out, start, sc.horizon)
    index = [(node, sku, k) for node, sku in g.labels for k in RESILIENCE_KPIS]
    values = np.column_stack([out[k] for k in RESILIENCE_KPIS]).ravel() if g.labels else np.zeros(0)
    ids, avail = availability(chain)
    index += [(sid, ALL, "supplier_availability") for sid in ids]
    return index, np.concatenate([values, avail])
