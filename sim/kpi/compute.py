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
from typing import TYPE_CHECKING, cast

import numpy as np
from scipy import sparse

from sim.kpi import contract_terms as kpi_contracts
from sim.kpi import costs as kpi_costs
from sim.kpi import cycles as kpi_cycles
from sim.kpi import lanes as lane_kpis
from sim.kpi import production as kpi_production
from sim.kpi import sources as kpi_sources
from sim.kpi.catalog import COSTS, NETWORK_KPIS
from sim.kpi.catalog import STOCK_KPIS as STOCK_KPIS  # re-exported for callers
from sim.kpi.catalog import SUPPLIER_KPIS as SUPPLIER_KPIS
from sim.kpi.windows import Windows
from sim.model.collector import paused_collector
from sim.model.flows import values as flow_values
from sim.tolerance import EPS

if TYPE_CHECKING:
    from sim.model.network import SupplyChain
    from sim.model.stock_item import StockItem
    from sim.scenario.schema import StockNode

ALL = "ALL"
DENSE_UP_TO = 100  # items; above, the membership matrices are sparse (a dense one grows with items squared)


@dataclass(frozen=True)
class Groups:
    """Row labels and membership matrices over stock items (sparse: every item is in four rows, whatever the size)."""

    labels: list[tuple[str, str]]
    service: sparse.csr_matrix | np.ndarray  # groups x items, 0/1: the items whose demand the row's service KPIs count
    every: sparse.csr_matrix | np.ndarray  # groups x items, 0/1: all the row's items
    network: np.ndarray  # bool per group: an ALL row (no bullwhip ratio there)
    members: list[tuple[int, ...]]  # per group: the items in ``every``
    # item and node rows serve everything the item serves; the ALL rows only end customers (a customer-facing item
    # may also fill downstream nodes' orders, which are not end-customer demand)
    service_own: sparse.csr_matrix | np.ndarray
    service_cust: sparse.csr_matrix | np.ndarray
    service_count: np.ndarray  # per group: the number of service members
    costs: np.ndarray  # items x (holding, customer backorder, lost sale, order, unit cost, pipeline holding)
    consumers: sparse.csr_matrix | np.ndarray  # groups x items, 0/1: the items of the row's products
    charged_all: np.ndarray  # bool per item: backorder_cost charges all its backorders (backorder_cost_on: all)
    cycles: np.ndarray  # per group: the review cycle its variance ratios compare totals over (sim.kpi.cycles)


def groups(chain: SupplyChain) -> Groups:
    """Item rows, then node rows, then product rows, then the network row; linear in the number of items."""
    items = list(chain.items.values())
    n = len(items)
    node_rows: dict[str, list[int]] = {}
    sku_rows: dict[str, list[int]] = {}
    for i, it in enumerate(items):
        node_rows.setdefault(it.node, []).append(i)
        sku_rows.setdefault(it.sku, []).append(i)
    cust = np.array([it.customer_facing for it in items], dtype=bool)
    members: list[tuple[int, ...]] = [(i,) for i in range(n)]
    members += [tuple(m) for m in node_rows.values()] + [tuple(m) for m in sku_rows.values()]
    members.append(tuple(range(n)))
    labels = [(it.node, it.sku) for it in items] + [(nd, ALL) for nd in node_rows] + [(ALL, k) for k in sku_rows]
    labels.append((ALL, ALL))
    network = np.zeros(len(labels), dtype=bool)
    network[n + len(node_rows) :] = True
    rows = np.repeat(np.arange(len(members)), [len(m) for m in members])
    cols = np.fromiter((i for m in members for i in m), dtype=np.int64, count=len(rows))
    shape = (len(members), n)
    served = ~network[rows] | cust[cols]  # the ALL rows count end-customer items only
    own = ~network[rows]
    every = _membership(np.ones(len(rows)), rows, cols, shape)
    service = _membership(served.astype(float), rows, cols, shape)
    service_own = _membership(own.astype(float), rows, cols, shape)
    service_cust = _membership((served & ~own).astype(float), rows, cols, shape)
    count = np.bincount(rows, weights=served.astype(float), minlength=len(members))
    prod = {p.id: p for p in chain.scenario.products}
    spec = cast("dict[str, StockNode]", {nd.id: nd for nd in chain.scenario.nodes})  # read for stock items only
    costs = np.array(
        [
            (
                kpi_costs.holding_rate(spec[it.node], prod[it.sku]),  # the node's rate (value added)
                prod[it.sku].backorder_cost * (it.customer_facing or prod[it.sku].backorder_cost_on == "all"),
                prod[it.sku].lost_sale_cost,
                prod[it.sku].order_cost,
                prod[it.sku].unit_cost,
                spec[it.node].pipeline_holding_cost.get(it.sku, prod[it.sku].pipeline_holding_cost),
            )
            for it in items
        ]
    ).reshape(n, 6)
    # consumers: per row, the items of the row's products (end-customer demand is nonzero at customer items only)
    node_skus = [list(dict.fromkeys(items[i].sku for i in m)) for m in node_rows.values()]
    con_members = [sku_rows[it.sku] for it in items] + [[i for k in ks for i in sku_rows[k]] for ks in node_skus]
    con_members += [*sku_rows.values(), list(range(n))]
    con_rows = np.repeat(np.arange(len(con_members)), [len(m) for m in con_members])
    con_cols = np.fromiter((i for m in con_members for i in m), dtype=np.int64, count=len(con_rows))
    consumers = _membership(np.ones(len(con_rows)), con_rows, con_cols, shape)
    charged_all = np.array([prod[it.sku].backorder_cost_on == "all" for it in items], dtype=bool)
    cycles = kpi_cycles.group_cycles([kpi_cycles.cycle_of(it.ordering.policy) for it in items], members)
    return Groups(
        labels,
        service,
        every,
        network,
        members,
        service_own,
        service_cust,
        count,
        costs,
        consumers,
        charged_all,
        cycles,
    )


def _delivery_sync(chain: SupplyChain, g: Groups, w: int, h: int) -> np.ndarray:
    """Per row: the share of multi-line customer orders (baskets) whose last line arrived at most ``sync_window``
    periods after the order was placed. Orders count in every row they touch (the node's, each of their products',
    the network's) if placed in the window with their whole sync window inside the run; NaN where there are none."""
    num, den = np.zeros(len(g.labels)), np.zeros(len(g.labels))
    if not chain.baskets:
        return np.full(len(g.labels), np.nan)
    row = {label: i for i, label in enumerate(g.labels)}
    for book in chain.baskets:
        window = book.sync_window
        for order in book.orders:
            if len(order.lines) < 2 or order.placed < w or order.placed + window >= h:
                continue
            synced = order.completed is not None and order.completed - order.placed <= window + EPS
            rows = {row[book.node, ALL], row[ALL, ALL]}
            rows.update(row[book.node, sku] for sku in order.lines)
            rows.update(row[ALL, sku] for sku in order.lines)
            idx = list(rows)
            den[idx] += 1
            num[idx] += synced
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / den, np.nan)


def _membership(
    values: np.ndarray, rows: np.ndarray, cols: np.ndarray, shape: tuple[int, int]
) -> sparse.csr_matrix | np.ndarray:
    """A groups x items matrix: dense for small networks (a dense product costs less per call than a sparse one;
    same sums), sparse above ``DENSE_UP_TO`` items (a dense one grows with items squared)."""
    if shape[1] > DENSE_UP_TO:
        return sparse.csr_matrix((values, (rows, cols)), shape=shape)
    out = np.zeros(shape)
    out[rows, cols] = values
    return out


_var = kpi_cycles.row_variances


class KpiLayout:
    """The rows of a scenario's KPI vector and how items group into them: they depend on the scenario only, so they
    are derived once (from the first replication's chain, by :meth:`of`) and reused by every replication of a batch
    (sim.experiment.replication keeps one beside the scenario)."""

    def __init__(self, chain: SupplyChain) -> None:
        sc = chain.scenario
        self.has_items = bool(chain.items)
        self.groups = groups(chain)
        self.costs = kpi_costs.layout(chain)
        self.source_groups = kpi_sources.groups(chain)
        self.consolidating = [ln.id for ln in sc.lanes if ln.consolidation is not None]
        index = [(node, sku, k) for node, sku in self.groups.labels for k in STOCK_KPIS] if self.has_items else []
        index += [(ALL, ALL, k) for k in NETWORK_KPIS] if self.has_items else []  # the network's cost of ownership
        index += kpi_sources.index(self.source_groups) + kpi_costs.mode_index(self.costs)
        index += lane_kpis.kpi_index(self.consolidating)  # consolidated shipping: rows per consolidating lane
        index += kpi_contracts.index(chain)  # rows of suppliers with contract terms (none without)
        self.plants = bool(chain.plants)
        index += kpi_production.index(chain) if self.plants else []  # rows of plants (none without)
        self.index = index
        self.contracts = bool(kpi_contracts.suppliers(chain))


def compute(chain: SupplyChain, layout: KpiLayout | None = None) -> tuple[list[tuple[str, str, str]], np.ndarray]:
    """(index, values) for one finished replication (``layout``: the scenario's, when the caller keeps one)."""
    with paused_collector():  # the pass leaves no cycles; a full collection would walk the whole model once more
        return _compute(chain, layout)


def _compute(chain: SupplyChain, layout: KpiLayout | None) -> tuple[list[tuple[str, str, str]], np.ndarray]:
    sc = chain.scenario
    w, h = sc.warmup, sc.horizon
    span = h - w
    items = list(chain.items.values())
    lay = layout if layout is not None else KpiLayout(chain)
    rows = _stock_kpis(chain, items, lay.groups, w, h, span, lay.costs) if items else {}
    sourcing, suppliers = kpi_sources.compute(chain, lay.source_groups, lay.costs)
    values = []
    if items:
        values.append(np.column_stack([rows[k] for k in STOCK_KPIS]).ravel())
        values.append(kpi_costs.network_kpis(chain, lay.costs, float(rows["total_cost"][-1]), suppliers))
    values += [sourcing, kpi_costs.mode_kpis(chain, lay.costs)]
    if lay.consolidating:
        values.append(lane_kpis.kpi_values(chain, lay.consolidating))
    if lay.contracts:
        values.append(kpi_contracts.compute(chain))
    if lay.plants:
        values.append(kpi_production.compute(chain))
    return list(lay.index), np.concatenate(values)


def _stock_kpis(
    chain: SupplyChain, items: list[StockItem], g: Groups, w: int, h: int, span: int, lay: kpi_costs.Layout
) -> dict[str, np.ndarray]:
    sc = chain.scenario

    # items x periods of the window: the chain's flow table, read a few columns or rows at a time (sim.kpi.windows)
    win = Windows(chain.flows, items, w, h)
    over = win.over
    lost, n_orders, issued, transport, spent, cust_issued = (
        win.total(f) for f in ("lost", "n_orders", "issued", "transport", "spent", "cust_issued")
    )
    ints = np.array([it.areas(h) for it in items])  # items x (on_hand, backorders, in_transit, customer backorders)
    hold, back, lsc, oc, uc, pipe = g.costs.T
    S, A, S_own, S_cust = g.service, g.every, g.service_own, g.service_cust
    with np.errstate(invalid="ignore", divide="ignore"):
        # the groups x window matrices one at a time, each dropped once read (at 40 x 100 each is ~12 MB)
        out: dict[str, np.ndarray] = {}
        d_g = over(S_own, "demand")
        over(S_cust, "cust_demand", d_g)
        out["demand"] = d_g.sum(1)
        out["demand_var"] = _var(d_g)
        d_var = kpi_cycles.block_variances(d_g, g.cycles, out["demand_var"])
        del d_g
        f_g = over(S_own, "filled")
        over(S_cust, "cust_filled", f_g)
        out["fill_rate"] = f_g.sum(1) / out["demand"]
        del f_g
        o_g = over(A, "ordered")
        out["order_qty_mean"] = o_g.mean(1)
        out["order_qty_var"] = _var(o_g)
        # the ratios compare totals over the row's review cycle (per period for items reviewed every period:
        # sim.kpi.cycles); undefined (NaN, not inf) for network rows and when demand does not vary
        o_var = kpi_cycles.block_variances(o_g, g.cycles, out["order_qty_var"])
        del o_g
        csl_own = win.service("demand", "filled")
        csl_cust = win.service("cust_demand", "cust_filled")
        out["cycle_service_level"] = (S_own @ csl_own + S_cust @ csl_cust) / g.service_count
        out["on_hand_avg"] = A @ ints[:, 0] / span
        out["backorders_avg"] = (S_own @ ints[:, 1] + S_cust @ ints[:, 3]) / span
        out["lost_sales"] = S @ lost
        out["orders_placed"] = A @ n_orders
        out["bullwhip_ratio"] = np.where(g.network | ~(d_var > EPS), np.nan, o_var / d_var)
        # the same numerator over the variance of end-customer demand for the row's products (all retailers)
        cons_var = kpi_cycles.block_variances(over(g.consumers, "cust_demand"), g.cycles)
        out["bullwhip_vs_consumer"] = np.where(g.network | ~(cons_var > EPS), np.nan, o_var / cons_var)
        out["delivery_sync"] = _delivery_sync(chain, g, w, h)
        out["pipeline_avg"] = A @ ints[:, 2] / span
        out["lead_time_avg"], out["lead_time_p95"], out["otif"] = _lead_times(items, g.members)
        # turns by value (unit cost; by units if nothing has a cost), so a tray and a power module don't count
        # alike; the ALL rows count only what leaves the network to end customers, not every transfer on the way
        value = uc if uc.any() else np.ones_like(uc)
        out_flow = np.where(g.network, A @ (value * cust_issued), A @ (value * issued))
        stock_value = A @ (value * ints[:, 0]) / span
        issued_rate = out_flow / span * sc.periods_per_year
        out["inventory_turns"] = np.where(stock_value > EPS, issued_rate / stock_value, np.nan)
        owned = ints[:, 0] - kpi_costs.consigned_on_hand(items, h) if lay.consigned else ints[:, 0]
        out["holding_cost"] = A @ (hold * owned)  # consigned stock is the supplier's (consignment_holding_cost)
        out["pipeline_holding_cost"] = A @ (pipe * ints[:, 2])  # goods in transit towards the item
        # all backorders (backorder_cost_on: all, e.g. the beer game) or the customers' only
        out["backorder_cost"] = A @ (back * np.where(g.charged_all, ints[:, 1], ints[:, 3]))
        out["lost_sale_cost"] = A @ (lsc * lost)
        out["ordering_cost"] = A @ (oc * n_orders)
        out["transport_cost"] = A @ transport
        out["purchase_cost"] = A @ spent  # each source's own price (sim.model.network: the price chain)
        for name, per_item in kpi_costs.item_kpis(chain, lay).items():  # rejects, expediting, emissions
            out[name] = A @ per_item
        if chain.plants:  # the plants' production cost, on their finished goods' items (sim.kpi.production)
            out["production_cost"] = A @ kpi_production.item_costs(chain)
        # COSTS' components of the rows present (a plant's production cost: with plants only); never the 0 start
        out["total_cost"] = cast(np.ndarray, sum(out[c] for c in COSTS if c in out))
        out["operating_cost"] = cast(np.ndarray, sum(out[c] for c in COSTS if c != "purchase_cost" and c in out))
    return out


def _lead_times(items: list[StockItem], members_of: list[tuple[int, ...]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per group: mean and p95 lead time of orders placed in the window and completed; OTIF of orders placed in
    the window whose due date falls within the horizon (orders still open past due count as late)."""
    n_groups = len(members_of)
    avg, p95, otif = np.full(n_groups, np.nan), np.full(n_groups, np.nan), np.full(n_groups, np.nan)
    done: dict[tuple[int, ...], tuple[float, float, float]] = {}
    for gi, members in enumerate(members_of):
        if members not in done:  # a single-product node's row equals its item's row
            lts = list(_chain.from_iterable(items[i].counters.lead_times for i in members))
            n_due = sum(items[i].counters.due for i in members)
            done[members] = (
                sum(lts) / len(lts) if lts else np.nan,
                kpi_sources.p95(lts) if lts else np.nan,
                sum(items[i].counters.on_time for i in members) / n_due if n_due else np.nan,
            )
        avg[gi], p95[gi], otif[gi] = done[members]
    return avg, p95, otif


def timeseries(chain: SupplyChain) -> dict[str, np.ndarray]:
    """End-of-period levels and per-period flows for every stock item, as columns (all periods 0..H-1); with plants
    also ``produced``: the units a plant output of the item's product per period (0 for every other item)."""
    h = chain.scenario.horizon
    ends = np.arange(1, h + 1, dtype=float)
    cols: dict[str, list[np.ndarray]] = {
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
        cols["demand"].append(flow_values(it.demand)[:h].copy())
        cols["orders"].append(flow_values(it.ordered)[:h].copy())
        cols["filled"].append(flow_values(it.filled)[:h].copy())
        if chain.plants:  # scenarios with plants only: the other scenarios' series keep their columns
            plant = chain.plants.get(it.node)
            made = plant.produced.get(it.sku) if plant is not None else None
            cols.setdefault("produced", []).append(np.asarray(made[:h], dtype=float) if made else np.zeros(h))
    return {k: (np.concatenate(v) if v else np.zeros(0)) for k, v in cols.items()}
