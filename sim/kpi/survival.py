"""``tts_optimal``: the best possible time-to-survive (Simchi-Levi et al. 2015), a linear program (scipy linprog).

With the disrupted elements down, how long could the network still meet demand if the remaining inventory and the
remaining supplier capacity were reallocated optimally? Inventory is pooled across stock nodes (every unit on hand
or in transit at the disruption's start can serve any customer of its product: the optimum ignores transshipment
time), and a supplier that is still up can add ``capacity × (t − L)`` units of a product by time t, where L is its
expected lead time (order delay + mean production + mean transit) on an open lane; an unlimited supplier adds as
much as needed after L. The program, for the products J of a row:

    maximise t  subject to  d_j t − Σ_i x_ij ≤ S_j               (demand met from stock and new supply, each j)
                            x_ij ≤ c_i f_i (t − L_ij)            (supplier i's capacity over (L_ij, t])
                            Σ_j x_ij ≤ c_i f_i (t − min_j L_ij)  (a capacity shared by several products)
                            t ≥ L_ij for every supplier used,  0 ≤ t ≤ cap,  x ≥ 0

A plant (docs/assembly.md) is a supply of each product it makes, after its mean production time, within its
capacity, that *uses* its components: its output x_pj adds to product j and takes ``q_jc x_pj`` from every component
c of j's bill of materials, whose own row (demand 0 unless customers buy it too) then reads
``Σ_j q_jc x_pj − Σ_i x_ic ≤ S_c``: output ≤ stock of each component (and its new supply) ÷ its quantity. Components
the demanded products use are added to the rows, level by level.

A facility closed by a ``facility_outage`` adds nothing: its stock, its lanes and (a plant) its output are out; and
its own customers find it closed, which no reallocation changes, so a product they buy has ``tts_optimal`` 0.

``max(0, t − L)`` is convex, so the supplier set is not a linear choice; but the optimal set is always "every
supplier whose lead time is below t", a prefix in lead-time order, so the optimum is the best of one small LP per
prefix. ``cap`` (the rest of the run, H − s) bounds the answer: a network that can ride out the disruption for good
reports the cap.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linprog

from sim.scenario.schema import PlantNode, Scenario, StockNode, SupplierNode
from sim.scenario.targets import facility_lanes, regional_targets

ALL = "ALL"


@dataclass(frozen=True)
class Supply:
    """Supplier ``supplier`` can deliver product ``sku`` after ``lead`` periods, ``capacity`` units per period
    (None: unlimited), from a capacity ``pool`` shared with the other products of the same pool key."""

    supplier: str
    sku: str
    lead: float
    capacity: float | None
    pool: str
    uses: tuple[tuple[str, float], ...] = ()  # a plant's output: (component, quantity per unit) of its bom


def affected(sc: Scenario) -> tuple[set[str], set[str], dict[str, float], dict[str, float]]:
    """What the scenario's disruptions take out: (suppliers down, lanes closed, capacity factors, lane slowdowns)."""
    down: set[str] = set()
    closed: set[str] = set()
    factors: dict[str, float] = {}
    slow: dict[str, float] = {}
    for spec in sc.disruptions:
        p = spec.params
        if spec.kind in ("supplier_outage", "random_outage", "markov_outage"):
            down.add(p.supplier)
        elif spec.kind == "capacity_loss":
            factors[p.supplier] = factors.get(p.supplier, 1.0) * p.fraction
        elif spec.kind == "quality_excursion":
            factors[p.supplier] = factors.get(p.supplier, 1.0) * (1.0 - p.defect_rate)
        elif spec.kind == "lane_closure":
            closed.add(p.lane)
        elif spec.kind == "lane_slowdown":
            slow[p.lane] = slow.get(p.lane, 1.0) * p.factor
        elif spec.kind == "regional_event":
            sups, lanes = regional_targets(sc, p.region)
            down |= set(sups)
            closed |= set(lanes)
        elif spec.kind == "facility_outage":  # nothing reaches or leaves a closed facility
            inbound, outbound = facility_lanes(sc, p.node)
            closed |= set(inbound) | set(outbound)
    return down, closed, factors, slow


def supplies(sc: Scenario) -> list[Supply]:
    """Every (supplier, product) the stock nodes buy, with its shortest expected lead time over the open lanes."""
    down, closed, factors, slow = affected(sc)
    best: dict[tuple[str, str], Supply] = {}
    for node in sc.nodes:
        if not isinstance(node, StockNode):
            continue
        for sku, srcs in node.sources.items():
            for src in srcs:
                sup = sc.node(src.node)
                if not isinstance(sup, SupplierNode) or sup.id in down:
                    continue
                lane = sc.lane(src.node, node.id, src.lane)
                if lane.id in closed:
                    continue
                lead = src.order_delay + sup.production_time_of(sku).mean + lane.transit.mean * slow.get(lane.id, 1.0)
                f = factors.get(sup.id, 1.0)
                if isinstance(sup.capacity, dict):
                    cap = sup.capacity.get(sku)
                    pool = f"{sup.id}/{sku}"
                else:
                    cap, pool = sup.capacity, sup.id
                supply = Supply(sup.id, sku, lead, None if cap is None else cap * f, pool)
                key = (sup.id, sku)
                if key not in best or lead < best[key].lead:
                    best[key] = supply
    return sorted([*best.values(), *_plant_supplies(sc)], key=lambda s: (s.lead, s.supplier, s.sku))


def _plant_supplies(sc: Scenario) -> list[Supply]:
    """Every plant's output of each product it makes, after the mean production time (the BOM constraint rides on
    ``uses``), except at a plant a facility outage closes."""
    shut = {spec.params.node for spec in sc.disruptions if spec.kind == "facility_outage"}  # closed: makes nothing
    out = []
    for node in sc.nodes:
        if isinstance(node, PlantNode) and node.id not in shut:
            for sku, kit in node.bom.items():
                cap = node.per_product("capacity", sku)
                pool = f"{node.id}/{sku}" if isinstance(node.capacity, dict) else node.id
                lead = node.production_time_of(sku).mean
                out.append(Supply(node.id, sku, lead, cap, pool, tuple(kit.items())))
    return out


def tts_optimal(
    stock: dict[str, float],
    rates: dict[str, float],
    options: list[Supply],
    cap: float,
    unserved: Collection[str] = (),
) -> float:
    """The LP of the module docstring for the products in ``rates`` (units per period), ``stock`` per product; 0 if
    customers of one of them can't be served at all (``unserved``: see :func:`unserved`)."""
    skus = [s for s, d in rates.items() if d > 0]
    if not skus:
        return math.nan
    if any(s in unserved for s in skus):
        return 0.0
    skus = _with_components(skus, options)
    options = [o for o in options if o.sku in skus]
    best = -math.inf
    for n in range(len(options) + 1):
        used = options[:n]
        if used and used[-1].lead >= cap:
            break
        value = _solve(skus, stock, rates, used, cap)
        if value is not None:
            best = max(best, value)
    return float(min(best, cap))


def _with_components(skus: list[str], options: list[Supply]) -> list[str]:
    """``skus`` and every component a plant's output of them uses, through every level of the bills of materials."""
    out = list(skus)
    for sku in out:  # grows while it is read: each level's components join the end
        for o in options:
            if o.sku == sku:
                out += [c for c, _ in o.uses if c not in out]
    return out


def _solve(
    skus: list[str], stock: dict[str, float], rates: dict[str, float], used: list[Supply], cap: float
) -> float | None:
    n = 1 + len(used)  # t, then one x per supply used
    rows, rhs = [], []
    for sku in skus:
        row = np.zeros(n)
        row[0] = rates.get(sku, 0.0)
        for k, o in enumerate(used):
            if o.sku == sku:
                row[1 + k] = -1.0
            for component, qty in o.uses:  # a plant's output takes its components
                if component == sku:
                    row[1 + k] += qty
        rows.append(row)
        rhs.append(stock.get(sku, 0.0))
    pools: dict[str, list[int]] = {}
    for k, o in enumerate(used):
        if o.capacity is None:
            continue
        row = np.zeros(n)
        row[1 + k], row[0] = 1.0, -o.capacity
        rows.append(row)
        rhs.append(-o.capacity * o.lead)
        pools.setdefault(o.pool, []).append(k)
    for members in pools.values():
        if len(members) > 1:
            c = used[members[0]].capacity
            assert c is not None  # only capacitated supplies join a pool
            row = np.zeros(n)
            row[0] = -c
            for k in members:
                row[1 + k] = 1.0
            rows.append(row)
            rhs.append(-c * min(used[k].lead for k in members))
    low = max((o.lead for o in used), default=0.0)
    res = linprog(
        c=np.r_[-1.0, np.zeros(n - 1)],
        A_ub=np.array(rows),
        b_ub=np.array(rhs),
        bounds=[(low, cap)] + [(0, None)] * (n - 1),
        method="highs",
    )
    return float(res.x[0]) if res.status == 0 else None


def unserved(sc: Scenario) -> set[str]:
    """The products whose customers a ``facility_outage`` closes in: customers of a closed node find it closed, and
    no reallocation of stock serves them elsewhere, so the optimum too is short at once (``tts_optimal`` 0)."""
    shut = {spec.params.node for spec in sc.disruptions if spec.kind == "facility_outage"}
    return {sku for n in sc.nodes if isinstance(n, StockNode) and n.id in shut for sku in n.customer_products}


def usable_stock(sc: Scenario, snapshot: dict[tuple[str, str], float]) -> dict[str, float]:
    """Units per product the optimum may reallocate: every stock item's on hand + in transit, except at a node the
    disruptions cut off (all its outbound lanes closed and no customers of its own for the product) or close (a
    facility outage)."""
    _, closed, _, _ = affected(sc)
    shut = {spec.params.node for spec in sc.disruptions if spec.kind == "facility_outage"}
    outbound: dict[str, list[str]] = {}
    for ln in sc.lanes:
        outbound.setdefault(ln.from_, []).append(ln.id)
    sells = {(n.id, sku) for n in sc.nodes if isinstance(n, StockNode) for sku in n.customer_products}
    stock: dict[str, float] = {}
    for (node, sku), units in snapshot.items():
        if node in shut:
            continue
        lanes = outbound.get(node, [])
        if (node, sku) not in sells and lanes and all(ln in closed for ln in lanes):
            continue
        stock[sku] = stock.get(sku, 0.0) + units
    return stock


def customer_rates_of(sc: Scenario) -> dict[tuple[str, str], float]:
    """Mean end-customer demand per period of every customer-facing item (single-line demand and basket lines)."""
    own: dict[tuple[str, str], float] = {}
    for node in sc.nodes:
        for sku, spec in getattr(node, "demand", {}).items():
            own[node.id, sku] = own.get((node.id, sku), 0.0) + spec.mean
        for basket in getattr(node, "baskets", []):
            for sku, x in basket.lines.items():
                own[node.id, sku] = own.get((node.id, sku), 0.0) + basket.orders.mean * x.mean
    return own


def tts_optimal_rows(
    sc: Scenario, labels: list[tuple[str, str]], snapshot: dict[tuple[str, str], float], start: float
) -> np.ndarray:
    """``tts_optimal`` for the resilience rows: each product row alone, the network row all products jointly;
    NaN on the item rows (the optimum pools the whole network's stock)."""
    stock = usable_stock(sc, snapshot)
    rates: dict[str, float] = {}
    for (_, sku), r in customer_rates_of(sc).items():
        rates[sku] = rates.get(sku, 0.0) + r
    options, closed_in = supplies(sc), unserved(sc)
    cap = max(sc.horizon - start, 0.0)
    out = np.full(len(labels), np.nan)
    if not snapshot:
        return out
    for r, (node, sku) in enumerate(labels):
        if node != ALL:
            continue
        want = rates if sku == ALL else {sku: rates.get(sku, 0.0)}
        out[r] = tts_optimal(stock, want, options, cap, closed_in)
    return out
