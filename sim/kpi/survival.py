"""``tts_optimal``: the best possible time-to-survive (Simchi-Levi et al. 2015), a linear program (scipy linprog).

With the disrupted elements down, how long could the network still meet demand if the remaining inventory and the
remaining supplier capacity were reallocated optimally, along the network's open lanes? Stock on hand or in transit
at a node at the disruption's start can serve the customers of its product at that node and at every node it can
reach downstream through open lanes that carry the product (the optimum ignores the transit time of that
reallocation, not the topology); a supplier that is still up can add ``capacity × (t − L)`` units of a product by time
t at a node it ships to, where L is its expected lead time (order delay + mean production + mean transit) on that
lane, and those units too can go on downstream; an unlimited supplier adds as much as needed after L. The program,
for the products J of a row, with flows f from each source s (a stock item, a supply) to each customer point
(node n, product j) it reaches:

    maximise t  subject to  d_nj t − Σ_s f_s,nj ≤ 0              (each customer point's demand, by time t)
                            Σ_pt f_s,pt ≤ S_s                     (each stock item's units)
                            Σ_pt f_i,pt ≤ c_i (t − L_i)           (supplier i's capacity over (L_i, t])
                            Σ_{i in pool} Σ_pt f_i,pt ≤ c (t − min L)  (a capacity shared by several products)
                            t ≥ L_i for every supply used,  0 ≤ t ≤ cap,  f ≥ 0

A plant (docs/assembly.md) is a supply of each product it makes, at the plant, after its mean production time,
within its capacity, that *uses* its components: its output adds flows of product j from the plant and takes
``q_jc`` times its total from the component point (plant, c), which the plant's own component stock and whatever
reaches it fill: output ≤ stock of each component (and its new supply) ÷ its quantity. Components the demanded
products use are added to the rows, level by level.

A facility closed by a ``facility_outage`` adds nothing: its stock, its lanes and (a plant) its output are out; and
its own customers find it closed: nothing reaches them, so a product they buy has ``tts_optimal`` 0. A hub whose
outbound lanes are closed serves nobody downstream; a store cut off from its hub lives on its own stock (and the
supplies that still reach it).

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
HERE = ""  # the one location of the pooled form of the program (tts_optimal)
Point = tuple[str, str]  # (node, product)


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
    at: str = HERE  # the node it delivers to (a plant's output: the plant itself)


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
    """Every (supplier, product, node) a stock node buys from an open supplier over an open lane, with its shortest
    expected lead time, and every plant's output of each product it makes."""
    down, closed, factors, slow = affected(sc)
    best: dict[tuple[str, str, str], Supply] = {}
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
                supply = Supply(sup.id, sku, lead, None if cap is None else cap * f, pool, at=node.id)
                key = (sup.id, sku, node.id)
                if key not in best or lead < best[key].lead:
                    best[key] = supply
    return sorted([*best.values(), *_plant_supplies(sc)], key=lambda s: (s.lead, s.supplier, s.sku, s.at))


def _plant_supplies(sc: Scenario) -> list[Supply]:
    """Every plant's output of each product it makes, after the mean production time (the BOM constraint rides on
    ``uses``), except at a plant a facility outage closes."""
    shut = _shut(sc)  # a closed plant makes nothing
    out = []
    for node in sc.nodes:
        if isinstance(node, PlantNode) and node.id not in shut:
            for sku, kit in node.bom.items():
                cap = node.per_product("capacity", sku)
                pool = f"{node.id}/{sku}" if isinstance(node.capacity, dict) else node.id
                lead = node.production_time_of(sku).mean
                out.append(Supply(node.id, sku, lead, cap, pool, tuple(kit.items()), at=node.id))
    return out


def tts_optimal(
    stock: dict[str, float],
    rates: dict[str, float],
    options: list[Supply],
    cap: float,
    unserved: Collection[str] = (),
) -> float:
    """The pooled form: every unit of ``stock`` (per product) and every supply in ``options`` at one place serving the
    customers of the products in ``rates`` (units per period); 0 if customers of one of them can't be served at all
    (``unserved``: see :func:`unserved`). A network is :func:`tts_optimal_of`."""
    if any(s in unserved for s, d in rates.items() if d > 0):
        return 0.0
    here = [Supply(o.supplier, o.sku, o.lead, o.capacity, o.pool, o.uses, HERE) for o in options]
    located = {(HERE, sku): units for sku, units in stock.items()}
    return _optimum(located, here, {}, {(HERE, sku): d for sku, d in rates.items()}, cap)


def tts_optimal_of(
    sc: Scenario, snapshot: dict[tuple[str, str], float], demand: dict[Point, float], cap: float
) -> float:
    """The program over the network of ``sc`` (its disruptions taking their elements out) for the customer points
    in ``demand`` (units per period), from the stock ``snapshot`` (on hand + in transit per node and product)."""
    return _optimum(*_network(sc, snapshot), demand, cap)


def _network(
    sc: Scenario, snapshot: dict[tuple[str, str], float]
) -> tuple[dict[Point, float], list[Supply], dict[str, dict[str, set[str]]]]:
    """The program's network: the stock outside closed facilities, the supplies, the open links per product."""
    shut = _shut(sc)
    return {key: units for key, units in snapshot.items() if key[0] not in shut}, supplies(sc), feeds(sc)


def _optimum(
    stock: dict[Point, float],
    options: list[Supply],
    links: dict[str, dict[str, set[str]]],
    demand: dict[Point, float],
    cap: float,
) -> float:
    """The best of the prefix programs (module docstring); NaN without demand."""
    demand = {pt: d for pt, d in demand.items() if d > 0}
    if not demand:
        return math.nan
    skus = _with_components(list(dict.fromkeys(sku for _, sku in demand)), options)
    options = [o for o in options if o.sku in skus and o.lead < cap]  # one that comes after the cap can't help
    stock = {pt: units for pt, units in stock.items() if pt[1] in skus and units > 0}
    reach = _Reach(links)
    # a supply whose lead time is no longer than the others' never hurts, so only prefixes that take every supply
    # of their longest lead time count; and once the longest reaches the cap no shorter one can beat it
    ends = [n for n in range(len(options) + 1) if n in (0, len(options)) or options[n].lead > options[n - 1].lead]
    best = -math.inf
    for n in reversed(ends):
        value = _solve(stock, demand, options[:n], reach, cap)
        if value is not None:
            best = max(best, value)
        if best >= cap:
            break
    return float(min(best, cap)) + 0.0  # not -0.0


def _with_components(skus: list[str], options: list[Supply]) -> list[str]:
    """``skus`` and every component a plant's output of them uses, through every level of the bills of materials."""
    out = list(skus)
    for sku in out:  # grows while it is read: each level's components join the end
        for o in options:
            if o.sku == sku:
                out += [c for c, _ in o.uses if c not in out]
    return out


class _Reach:
    """The nodes a product can get to from a node along open lanes (the node itself included), memoised."""

    def __init__(self, links: dict[str, dict[str, set[str]]]) -> None:
        self.links = links
        self.seen: dict[Point, set[str]] = {}

    def __call__(self, node: str, sku: str) -> set[str]:
        key = (node, sku)
        if key not in self.seen:
            nxt = self.links.get(sku, {})
            out, todo = {node}, [node]
            while todo:
                for to in nxt.get(todo.pop(), ()):
                    if to not in out:
                        out.add(to)
                        todo.append(to)
            self.seen[key] = out
        return self.seen[key]


def _solve(
    stock: dict[Point, float], demand: dict[Point, float], used: list[Supply], reach: _Reach, cap: float
) -> float | None:
    """One prefix's program: max t over t and the flows (module docstring); None if infeasible."""
    points = list(demand) + sorted({(o.at, c) for o in used for c, _ in o.uses} - set(demand))
    sources: list[Point] = [*stock, *((o.at, o.sku) for o in used)]
    flows: list[tuple[int, int]] = [  # (source, point) pairs: a source's product, a point it reaches
        (k, q) for k, (node, sku) in enumerate(sources) for q, pt in enumerate(points)
        if pt[1] == sku and pt[0] in reach(node, sku)
    ]  # fmt: skip
    n = 1 + len(flows)
    out_of: dict[int, list[int]] = {}
    into: dict[int, list[int]] = {}
    for v, (k, q) in enumerate(flows, start=1):
        out_of.setdefault(k, []).append(v)
        into.setdefault(q, []).append(v)
    rows, rhs = [], []
    first_supply = len(stock)
    for q, pt in enumerate(points):  # demand (and a plant's use of its components) by t, met by what reaches it
        row = np.zeros(n)
        row[0] = demand.get(pt, 0.0)
        row[into.get(q, [])] = -1.0
        for k, o in enumerate(used):
            for component, qty in o.uses:
                if o.at == pt[0] and component == pt[1]:  # a plant's output is made, and uses its parts, there
                    row[out_of.get(first_supply + k, [])] += qty
        rows.append(row)
        rhs.append(0.0)
    for k, units in enumerate(stock.values()):
        row = np.zeros(n)
        row[out_of.get(k, [])] = 1.0
        rows.append(row)
        rhs.append(units)
    _capacities(used, out_of, first_supply, n, rows, rhs)
    low = max((o.lead for o in used), default=0.0)
    res = linprog(
        c=np.r_[-1.0, np.zeros(n - 1)],
        A_ub=np.array(rows),
        b_ub=np.array(rhs),
        bounds=[(low, cap)] + [(0, None)] * (n - 1),
        method="highs",
    )
    return float(res.x[0]) if res.status == 0 else None


def _capacities(
    used: list[Supply], out_of: dict[int, list[int]], first: int, n: int, rows: list[np.ndarray], rhs: list[float]
) -> None:
    """Rows of each capacitated supply (its output by t) and of each capacity several supplies share."""
    pools: dict[str, list[int]] = {}
    for k, o in enumerate(used):
        if o.capacity is None:
            continue
        row = np.zeros(n)
        row[out_of.get(first + k, [])], row[0] = 1.0, -o.capacity
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
                row[out_of.get(first + k, [])] = 1.0
            rows.append(row)
            rhs.append(-c * min(used[k].lead for k in members))


def _shut(sc: Scenario) -> set[str]:
    return {spec.params.node for spec in sc.disruptions if spec.kind == "facility_outage"}


def feeds(sc: Scenario) -> dict[str, dict[str, set[str]]]:
    """Per product, the nodes each stock node or plant ships it to over an open lane (the network's sourcing, minus
    closed lanes and closed facilities)."""
    _, closed, _, _ = affected(sc)
    shut = _shut(sc)
    out: dict[str, dict[str, set[str]]] = {}
    for node in sc.nodes:
        if not isinstance(node, StockNode) or node.id in shut:
            continue
        for sku, srcs in node.sources.items():
            for src in srcs:
                up = sc.node(src.node)
                if isinstance(up, SupplierNode) or up.id in shut or sc.lane(up.id, node.id, src.lane).id in closed:
                    continue
                out.setdefault(sku, {}).setdefault(up.id, set()).add(node.id)
    return out


def unserved(sc: Scenario) -> set[str]:
    """The products whose customers a ``facility_outage`` closes in: customers of a closed node find it closed, and
    no reallocation of stock serves them elsewhere, so the optimum too is short at once (``tts_optimal`` 0)."""
    shut = _shut(sc)
    return {sku for n in sc.nodes if isinstance(n, StockNode) and n.id in shut for sku in n.customer_products}


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
    """``tts_optimal`` for the resilience rows: each product row over that product's customers, the network row
    over every product's jointly; NaN on the item rows."""
    demand = customer_rates_of(sc)
    cap = max(sc.horizon - start, 0.0)
    out = np.full(len(labels), np.nan)
    if not snapshot:
        return out
    network = _network(sc, snapshot)
    for r, (node, sku) in enumerate(labels):
        if node != ALL:
            continue
        want = demand if sku == ALL else {pt: d for pt, d in demand.items() if pt[1] == sku}
        out[r] = _optimum(*network, want, cap)
    return out
