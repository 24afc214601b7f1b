"""KPIs of one replication, computed after the run from the model's plain-list records (docs/kpis.md).

Rows are node × product, plus aggregates: ``(node, ALL)`` per stock node, ``(ALL, sku)`` and the network row
``(ALL, ALL)``. In the ``ALL`` rows, service KPIs (demand, fill rate, cycle service level, backorders, lost sales)
aggregate customer-facing items only (end-customer demand), while inventory and cost KPIs sum over every stock item.
All measures cover the window ``[warmup, horizon)``; time averages are exact integrals of the piecewise-constant
levels, divided by the window length.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import chain as _chain
from typing import TYPE_CHECKING

import numpy as np

from sim.model.catalog import COSTS, STOCK_KPIS, SUPPLIER_KPIS

if TYPE_CHECKING:
    from sim.model.network import SupplyChain

ALL = "ALL"
EPS = 1e-9


@dataclass(frozen=True)
class Groups:
    """Row labels and membership matrices over stock items: service members and all members."""

    labels: list[tuple[str, str]]
    service: np.ndarray  # groups x items, 0/1
    every: np.ndarray  # groups x items, 0/1
    network: np.ndarray  # bool per group: an ALL row (no bullwhip ratio there)
    consumers: np.ndarray  # groups x items, 0/1: the items whose end-customer demand is the row's products'


def groups(chain: SupplyChain) -> Groups:
    items = list(chain.items.values())
    n = len(items)
    labels: list[tuple[str, str]] = []
    serv: list[np.ndarray] = []
    every: list[np.ndarray] = []
    net: list[bool] = []
    cust = np.array([it.customer_facing for it in items], dtype=float)

    def add(label, members, service_members, is_net=False):
        labels.append(label)
        every.append(members.astype(float))
        serv.append(service_members.astype(float))
        net.append(is_net)

    for i, it in enumerate(items):
        m = np.zeros(n)
        m[i] = 1
        add((it.node, it.sku), m, m)
    for node in dict.fromkeys(it.node for it in items):
        m = np.array([it.node == node for it in items])
        add((node, ALL), m, m)
    for sku in dict.fromkeys(it.sku for it in items):
        m = np.array([it.sku == sku for it in items])
        add((ALL, sku), m, m * cust, True)
    add((ALL, ALL), np.ones(n), cust, True)
    skus = np.array([it.sku for it in items], dtype=object)
    consumers = np.array([np.isin(skus, skus[np.asarray(m) > 0]) for m in every], dtype=float).reshape(len(every), n)
    return Groups(labels, np.array(serv), np.array(every), np.array(net), consumers)


def _var(x: np.ndarray) -> np.ndarray:
    return x.var(axis=1, ddof=1) if x.shape[1] > 1 else np.full(x.shape[0], np.nan)


def compute(chain: SupplyChain) -> tuple[list[tuple[str, str, str]], np.ndarray]:
    """(index, values) for one finished replication."""
    sc = chain.scenario
    w, h = sc.warmup, sc.horizon
    span = h - w
    items = list(chain.items.values())
    g = groups(chain)
    rows = []
    if items:
        rows = _stock_kpis(chain, items, g, w, h, span)
    index = [(node, sku, k) for node, sku in g.labels for k in STOCK_KPIS] if items else []
    values = [np.column_stack([rows[k] for k in STOCK_KPIS]).ravel()] if items else []
    for sup in chain.suppliers.values():
        ordered = np.asarray(sup.ordered[w:h])
        pools = {id(p): p for p in sup.pools.values()}.values()
        cap = sum(p.capacity for p in pools)
        made = sum(sum(p.produced[w:h]) for p in pools)
        util = made / (cap * span) if pools else np.nan
        var = ordered.var(ddof=1) if span > 1 else np.nan
        index += [(sup.id, ALL, k) for k in SUPPLIER_KPIS]
        values.append(np.array([ordered.sum(), var, util]))
    return index, (np.concatenate(values) if values else np.zeros(0))


def _stock_kpis(chain, items, g: Groups, w: int, h: int, span: int) -> dict[str, np.ndarray]:
    sc = chain.scenario

    def cols(attr: str) -> np.ndarray:  # items x periods of the window, read from the array('d') buffers
        return np.vstack([np.frombuffer(getattr(it, attr))[w:h] for it in items])

    demand, filled, lost = cols("demand"), cols("filled"), cols("lost")
    cust_demand, cust_filled = cols("cust_demand"), cols("cust_filled")
    ordered, n_orders, issued = cols("ordered"), cols("n_orders"), cols("issued")
    transport, bought = cols("transport"), cols("bought")
    ints = np.array([it.areas(h) for it in items])  # items x (on_hand, backorders, in_transit, customer backorders)
    prod = {p.id: p for p in sc.products}
    costs = np.array(
        [
            (
                prod[it.sku].holding_cost,
                prod[it.sku].backorder_cost * (it.customer_facing or prod[it.sku].backorder_cost_on == "all"),
                prod[it.sku].lost_sale_cost,
                prod[it.sku].order_cost,
                prod[it.sku].unit_cost,
            )
            for it in items
        ]
    )
    hold, back, lsc, oc, uc = costs.T
    S, A = g.service, g.every
    # item and node rows serve everything the item serves; the ALL rows only end customers (a customer-facing item
    # may also fill downstream nodes' orders, which are not end-customer demand)
    S_own = np.where(g.network[:, None], 0.0, S)
    S_cust = S - S_own
    with np.errstate(invalid="ignore", divide="ignore"):
        d_g = S_own @ demand + S_cust @ cust_demand
        f_g = S_own @ filled + S_cust @ cust_filled
        o_g = A @ ordered
        out: dict[str, np.ndarray] = {}
        out["demand"] = d_g.sum(1)
        out["fill_rate"] = f_g.sum(1) / out["demand"]
        csl_own = ((demand - filled) <= EPS).mean(1)
        csl_cust = ((cust_demand - cust_filled) <= EPS).mean(1)
        out["cycle_service_level"] = (S_own @ csl_own + S_cust @ csl_cust) / S.sum(1)
        out["on_hand_avg"] = A @ ints[:, 0] / span
        out["backorders_avg"] = (S_own @ ints[:, 1] + S_cust @ ints[:, 3]) / span
        out["lost_sales"] = S @ lost.sum(1)
        out["orders_placed"] = A @ n_orders.sum(1)
        out["order_qty_mean"] = o_g.mean(1)
        out["order_qty_var"] = _var(o_g)
        out["demand_var"] = _var(d_g)
        # undefined (NaN, not inf) for network rows and when demand does not vary
        out["bullwhip_ratio"] = np.where(
            g.network | ~(out["demand_var"] > EPS), np.nan, out["order_qty_var"] / out["demand_var"]
        )
        # the same numerator over the variance of end-customer demand for the row's products (all retailers)
        cons_var = _var(g.consumers @ cust_demand)
        out["bullwhip_vs_consumer"] = np.where(g.network | ~(cons_var > EPS), np.nan, out["order_qty_var"] / cons_var)
        out["pipeline_avg"] = A @ ints[:, 2] / span
        out["lead_time_avg"], out["lead_time_p95"], out["otif"] = _lead_times(items, A)
        issued_rate = (A @ issued.sum(1)) / span * sc.periods_per_year
        out["inventory_turns"] = np.where(out["on_hand_avg"] > EPS, issued_rate / out["on_hand_avg"], np.nan)
        out["holding_cost"] = A @ (hold * ints[:, 0])
        charged = np.array([prod[it.sku].backorder_cost_on == "all" for it in items])  # all backorders, or customers'
        out["backorder_cost"] = A @ (back * np.where(charged, ints[:, 1], ints[:, 3]))
        out["lost_sale_cost"] = A @ (lsc * lost.sum(1))
        out["ordering_cost"] = A @ (oc * n_orders.sum(1))
        out["transport_cost"] = A @ transport.sum(1)
        out["purchase_cost"] = A @ (uc * bought.sum(1))
        out["total_cost"] = sum(out[c] for c in COSTS)
    return out


def _p95(values: list[float]) -> float:
    """95th percentile with linear interpolation (numpy's default method), on a small Python list."""
    xs = sorted(values)
    pos = (len(xs) - 1) * 0.95
    lo = int(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def _lead_times(items, A: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per group: mean and p95 lead time of orders placed in the window and completed; OTIF of orders placed in
    the window whose due date falls within the horizon (orders still open past due count as late)."""
    n_groups = A.shape[0]
    avg, p95, otif = np.full(n_groups, np.nan), np.full(n_groups, np.nan), np.full(n_groups, np.nan)
    done: dict[tuple[int, ...], tuple[float, float, float]] = {}
    for gi in range(n_groups):
        members = tuple(np.flatnonzero(A[gi]).tolist())
        if members not in done:  # a single-product node's row equals its item's row
            lts = [x for i in members for x in items[i].lead_times]
            n_due = sum(items[i].due_in_horizon for i in members)
            done[members] = (
                sum(lts) / len(lts) if lts else np.nan,
                _p95(lts) if lts else np.nan,
                sum(items[i].on_time for i in members) / n_due if n_due else np.nan,
            )
        avg[gi], p95[gi], otif[gi] = done[members]
    return avg, p95, otif


def timeseries(chain: SupplyChain) -> dict[str, np.ndarray | list]:
    """End-of-period levels and per-period flows for every stock item, as columns (all periods 0..H-1)."""
    h = chain.scenario.horizon
    ends = np.arange(1, h + 1, dtype=float)
    cols: dict[str, list] = {
        k: []
        for k in (
            "node",
            "sku",
            "t",
            "on_hand",
            "backorders",
            "pipeline",
            "inventory_position",
            "demand",
            "orders",
            "filled",
        )
    }
    for it in chain.items.values():
        if it.log is None:
            raise ValueError("time series need the state log: build the SupplyChain with record_log=True")
        # fromiter over the flattened tuples is ~2x faster than np.asarray(list of tuples)
        a = np.fromiter(_chain.from_iterable(it.log), float, count=5 * len(it.log)).reshape(-1, 5)
        idx = np.searchsorted(a[:, 0], ends, side="left") - 1  # last record strictly before the next period
        s = a[idx]
        cols["node"].append(np.full(h, it.node, dtype=object))
        cols["sku"].append(np.full(h, it.sku, dtype=object))
        cols["t"].append(np.arange(h))
        cols["on_hand"].append(s[:, 1])
        cols["backorders"].append(s[:, 2])
        cols["pipeline"].append(s[:, 3])
        cols["inventory_position"].append(s[:, 1] + s[:, 4] - s[:, 2])
        cols["demand"].append(np.frombuffer(it.demand)[:h].copy())
        cols["orders"].append(np.frombuffer(it.ordered)[:h].copy())
        cols["filled"].append(np.frombuffer(it.filled)[:h].copy())
    return {k: (np.concatenate(v) if v else np.zeros(0)) for k, v in cols.items()}
