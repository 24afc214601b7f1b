"""The network as the report draws it: node types, edges (lanes and sources), echelons (suppliers at 0, then by
distance downstream), a layout by echelon, and the network graph figure."""

from __future__ import annotations

import graphlib
from collections.abc import Mapping

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch

from sim.report.figures import _figure, _label, _placeholder

NODE_STYLES = {
    "supplier": ("s", "#b07c2b"),
    "buffer": ("D", "#3b78b5"),
    "retailer": ("o", "#3a9a4a"),
    "plant": ("P", "#8e44ad"),
}
_OTHER_STYLE = ("h", "#8c8c8c")


def _nodes(scenario: Mapping) -> list[dict]:
    nodes = scenario.get("nodes") or []
    if isinstance(nodes, dict):  # tolerate {id: {...}} mappings
        return [{"id": k, **(v or {})} for k, v in nodes.items()]
    return [n for n in nodes if isinstance(n, dict) and "id" in n]


def node_types(scenario: Mapping) -> dict[str, str]:
    """Node id -> type (``supplier``, ``buffer``, ``retailer`` or whatever the scenario says)."""
    return {str(n["id"]): str(n.get("type", "")) for n in _nodes(scenario)}


def network_edges(scenario: Mapping) -> list[tuple[str, str]]:
    """Directed (from, to) pairs from the lanes plus the stocking nodes' ``sources``; deduplicated."""
    edges: dict[tuple[str, str], None] = {}
    for lane in scenario.get("lanes") or []:
        src, dst = lane.get("from", lane.get("from_")), lane.get("to")
        if src is not None and dst is not None:
            edges[(str(src), str(dst))] = None
    for node in _nodes(scenario):
        for sources in (node.get("sources") or {}).values():
            for source in sources or []:
                src = source.get("node") if isinstance(source, dict) else source
                if src is not None:
                    edges[(str(src), str(node["id"]))] = None
    return [e for e in edges if e[0] != e[1]]


def echelons(scenario: Mapping) -> dict[str, int]:
    """Echelon of each node = longest path (in lanes) from a node without inbound lanes (suppliers).

    Cycles (e.g. two-way transshipment lanes) are broken by ignoring one edge per cycle.
    """
    nodes = list(dict.fromkeys([*node_types(scenario), *(n for e in network_edges(scenario) for n in e)]))
    preds: dict[str, set[str]] = {n: set() for n in nodes}
    for src, dst in network_edges(scenario):
        preds[dst].add(src)
    while True:
        try:
            order = list(graphlib.TopologicalSorter(preds).static_order())
            break
        except graphlib.CycleError as err:
            cycle = err.args[1]
            a, b = cycle[-2], cycle[-1]
            if a in preds[b]:
                preds[b].discard(a)
            else:
                preds[a].discard(b)
    level: dict[str, int] = {}
    for n in order:
        level[n] = max((level[p] + 1 for p in preds[n]), default=0)
    return {n: level[n] for n in nodes}


def network_layout(scenario: Mapping) -> dict[str, tuple[float, float]]:
    """(x, y) per node: x = echelon column; y ordered by barycentre of neighbours to limit crossings."""
    ech = echelons(scenario)
    edges = network_edges(scenario)
    columns: dict[int, list[str]] = {}
    for n, e in ech.items():
        columns.setdefault(e, []).append(n)
    y: dict[str, float] = {}

    def place(col: list[str]) -> None:
        for i, n in enumerate(col):
            y[n] = (len(col) - 1) / 2 - i

    for col in columns.values():
        place(col)
    keys = sorted(columns)
    for sweep in (keys[1:], keys[-2::-1], keys[1:]):
        for k in sweep:
            neighbours: dict[str, list[float]] = {n: [] for n in columns[k]}
            for a, b in edges:
                if b in neighbours and ech[a] != k:
                    neighbours[b].append(y[a])
                if a in neighbours and ech[b] != k:
                    neighbours[a].append(y[b])

            def barycentre(n: str, nb: dict[str, list[float]] = neighbours) -> float | np.floating:
                return -np.mean(nb[n]) if nb[n] else -y[n]

            columns[k].sort(key=barycentre)
            place(columns[k])
    return {n: (float(ech[n]), y[n]) for n in ech}


def network_graph(scenario: dict) -> Figure:
    """Scenario network: columns by echelon, lanes as arrows, markers/colours by node type."""
    pos = network_layout(scenario)
    if not pos:
        return _placeholder(_figure(6, 2), "No network nodes")
    types = node_types(scenario)
    ncols = int(max(x for x, _ in pos.values())) + 1
    max_rows = max(sum(1 for x, _ in pos.values() if x == c) for c in range(ncols))
    fig = _figure(max(6.0, 2.3 * ncols), max(3.0, 0.62 * max_rows + 1.4))
    ax = fig.add_subplot()
    ax.axis("off")
    for src, dst in network_edges(scenario):
        (xa, ya), (xb, yb) = pos[src], pos[dst]
        rad = 0.0 if xb > xa else 0.4
        arrow = FancyArrowPatch(
            (xa, ya),
            (xb, yb),
            arrowstyle="-|>",
            mutation_scale=10,
            shrinkA=8,
            shrinkB=8,
            connectionstyle=f"arc3,rad={rad}",
            color="0.55",
            lw=0.9,
            zorder=1,
        )
        ax.add_patch(arrow)
    present = {types.get(n, "") for n in pos}
    kinds = [k for k in dict.fromkeys([*NODE_STYLES, *(types.get(n, "") for n in pos)]) if k in present]
    for kind in kinds:
        members = [n for n in pos if types.get(n, "") == kind]
        marker, color = NODE_STYLES.get(kind, _OTHER_STYLE)
        xs, ys = zip(*(pos[n] for n in members), strict=True)
        ax.scatter(xs, ys, marker=marker, s=90, color=color, edgecolor="white", zorder=3, label=kind or "other")
    fontsize = 8 if max_rows <= 12 else 7
    for n, (x, yv) in pos.items():
        ax.annotate(
            _label(n),
            (x, yv),
            xytext=(0, 8),
            textcoords="offset points",
            ha="center",
            va="bottom",
            fontsize=fontsize,
            zorder=4,
            bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.8},
        )
    top = (max_rows - 1) / 2
    for c in range(ncols):
        ax.text(c, top + 0.9, f"echelon {c}", ha="center", va="bottom", fontsize=8, color="0.4")
    ax.set_xlim(-0.6, ncols - 0.4)
    ax.set_ylim(-top - 0.7, top + 1.3)
    ax.set_title("Supply network")
    fig.legend(loc="outside lower center", ncols=len(kinds), fontsize=8, frameon=False)
    return fig
