"""Big networks stay readable: aggregate views (by region, product category, echelon) and top-N lists instead of one
row, cell or panel per item (docs/outputs.md, "Large networks").

Thresholds (documented in docs/outputs.md):

* ``MAX_ITEMS``: up to this many customer-facing items (node × product) the report prints the store × product fill
  rate table; above it, the aggregate views and the worst ``TOP_N`` items take its place;
* ``MAX_ROWS``: a list of single elements (items below target, stores, suppliers, sources, policy levels, nodes of
  the bullwhip table) longer than this shows its first ``TOP_N`` in the list's ranking and says how many more there
  are; the network graph groups its nodes above this many nodes.

Everything here is one pass over the summary (a dict lookup per row): no step is quadratic in the items.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

from sim.report import attention
from sim.report.network_map import echelons, network_edges, node_types

MAX_ITEMS = 100
MAX_ROWS = 30
TOP_N = 10
T = TypeVar("T")


def capped(rows: Sequence[T], limit: int = MAX_ROWS, top: int = TOP_N) -> tuple[list[T], int]:
    """``(shown, more)``: all of ``rows`` when there are at most ``limit``, else the first ``top`` and the count
    left out (``rows`` are ranked by the caller: worst or largest first)."""
    if len(rows) <= limit:
        return list(rows), 0
    return list(rows[:top]), len(rows) - top


def is_large(scenario: Mapping) -> bool:
    """Whether the network has more customer-facing items than the store × product table shows (``MAX_ITEMS``)."""
    return len(attention.customer_items(scenario)) > MAX_ITEMS


def customer_distance(scenario: Mapping) -> dict[str, int]:
    """Echelon of each node counted from the customers: 1 for a node end customers buy from, 2 for the nodes that
    supply those, and so on (the shortest way down to a customer, breadth first over the lanes and sources). Nodes
    from which no goods reach a customer are left out."""
    customers = dict.fromkeys(n for n, _ in attention.customer_items(scenario))
    supplies: dict[str, list[str]] = {}
    for src, dst in network_edges(scenario):
        supplies.setdefault(dst, []).append(src)
    level = dict.fromkeys(customers, 1)
    queue = deque(customers)
    while queue:
        n = queue.popleft()
        for up in supplies.get(n, ()):
            if up not in level:
                level[up] = level[n] + 1
                queue.append(up)
    return level


def echelon_name(level: int) -> str:
    return "1: sells to customers" if level == 1 else f"{level}: {level - 1} step{'s' * (level > 2)} from customers"


@dataclass
class Group:
    """One group of stock items and its sums (the means across replications, summed over the members)."""

    name: str
    items: int = 0
    demand: float = 0.0
    filled: float = 0.0  # Σ mean fill rate × mean demand: the demand-weighted fill rate's numerator
    below: int = 0  # customer-facing items below the fill-rate target
    operating_cost: float = 0.0
    on_hand: float = 0.0
    worst: tuple[float, str] = (math.inf, "")  # (fill rate, item) of its lowest-fill customer-facing item

    @property
    def fill_rate(self) -> float:
        return self.filled / self.demand if self.demand > 0 else math.nan


def groups(look: attention.Lookup, scenario: Mapping, by: str) -> list[Group]:
    """The stock items (node × product rows of the summary) grouped ``by`` ``"region"`` (the node's), ``"category"``
    (the product's) or ``"echelon"`` (:func:`customer_distance`), in the scenario's order of the groups.

    A group's fill rate is the demand-weighted mean of its items' mean fill rates, Σ fill·demand / Σ demand (for one
    replication exactly the group's units filled at once over its demand); ``below`` counts its customer-facing
    items whose mean fill rate misses ``targets.fill_rate``."""
    nodes = {str(n["id"]): n for n in scenario.get("nodes") or [] if isinstance(n, dict) and "id" in n}
    category = {str(p["id"]): str(p.get("category") or "general") for p in scenario.get("products") or []}
    level = customer_distance(scenario) if by == "echelon" else {}
    customer = set(attention.customer_items(scenario))
    goal = attention.targets(scenario)["fill_rate"]
    types = node_types(scenario)

    def key(node: str, sku: str) -> str:
        if by == "region":
            return str(nodes[node].get("region") or "(no region)")
        if by == "category":
            return category.get(sku, "general")
        return echelon_name(level[node]) if node in level else "not upstream of customers"

    out: dict[str, Group] = {}
    for node, sku, kpi in look.stats:
        if node not in nodes or sku == attention.ALL or types.get(node) == "supplier" or kpi != "operating_cost":
            continue  # one visit per stock item: its operating cost row
        g = out.setdefault(key(node, sku), Group(key(node, sku)))
        g.items += 1
        g.operating_cost += _zero(look.mean(node, sku, "operating_cost"))
        g.on_hand += _zero(look.mean(node, sku, "on_hand_avg"))
        fill, demand = look.mean(node, sku, "fill_rate"), look.mean(node, sku, "demand")
        if math.isfinite(fill) and math.isfinite(demand) and demand > 0:
            g.demand += demand
            g.filled += fill * demand
        if (node, sku) in customer and math.isfinite(fill):
            if goal is not None and fill < goal:
                g.below += 1
            if fill < g.worst[0]:
                g.worst = (fill, f"{sku} at {node}")
    if by == "echelon":  # customers first, then upstream
        order = {echelon_name(e): e for e in set(level.values())}
    else:  # the scenario's order
        order = {k: i for i, k in enumerate(dict.fromkeys(key(n, s) for n in nodes for s in _skus(nodes[n])))}
    return sorted(out.values(), key=lambda g: order.get(g.name, len(order) + 10**9))


def _skus(node: Mapping) -> list[str]:
    return list(dict.fromkeys([*(node.get("policy") or {}), *(node.get("sources") or {}), *(node.get("demand") or {})]))


def _zero(x: float) -> float:
    return x if math.isfinite(x) else 0.0


def worst_items(look: attention.Lookup, scenario: Mapping, top: int = TOP_N) -> list[tuple[str, str]]:
    """The ``top`` customer-facing items with the lowest mean fill rate (ties: more demand first)."""
    items = [x for x in attention.customer_items(scenario) if math.isfinite(look.mean(*x, "fill_rate"))]
    items.sort(key=lambda x: (look.mean(x[0], x[1], "fill_rate"), -_zero(look.mean(x[0], x[1], "demand"))))
    return items[:top]


def grouped_network(scenario: Mapping, limit: int = MAX_ROWS) -> Mapping:
    """The scenario itself with at most ``limit`` nodes; above, a scenario-shaped summary of it for the network
    graph: one node per (echelon, type, region) holding the count (``"40 retailer nodes (EU)"``), one lane per pair
    of groups that some lane joins."""
    types = node_types(scenario)
    if len(types) <= limit:
        return scenario
    ech = echelons(scenario)
    region = {str(n["id"]): str(n.get("region") or "") for n in scenario.get("nodes") or [] if isinstance(n, dict)}
    members: dict[tuple[int, str, str], list[str]] = {}
    for n, t in types.items():
        members.setdefault((ech.get(n, 0), t, region.get(n, "")), []).append(n)
    name: dict[str, str] = {}
    used: set[str] = set()
    for (e, t, r), ids in members.items():
        label = ids[0] if len(ids) == 1 else f"{len(ids)} {t or 'other'} nodes{f' ({r})' if r else ''}"
        label = label if label not in used else f"{label} [column {e}]"
        used.add(label)
        for n in ids:
            name[n] = label
    nodes = [{"id": label, "type": t} for (_, t, _), label in ((k, name[v[0]]) for k, v in members.items())]
    lanes = dict.fromkeys((name[a], name[b]) for a, b in network_edges(scenario) if a in name and b in name)
    return {"nodes": nodes, "lanes": [{"from": a, "to": b} for a, b in lanes if a != b]}
