"""Bills of materials across a scenario's plants (docs/assembly.md): which plant makes what from what, the BOM's
loops, an order of a plant's products with every finished good before its components, and demand moments carried
through the BOM (what sizing reads)."""

from __future__ import annotations

import graphlib
from collections.abc import Iterable

from sim.scenario.schema import PlantNode, Scenario


def plants(sc: Scenario) -> list[PlantNode]:
    """The scenario's plants, in node order."""
    return [n for n in sc.nodes if isinstance(n, PlantNode)]


def bom_loop(boms: Iterable[dict[str, dict[str, float]]]) -> list[str] | None:
    """A loop of products through the bills of materials (``a -> b -> a``: a is made from b, b from a), else None.
    Every plant's bom counts: a product made at one plant from a component another plant makes from it loops too."""
    graph: dict[str, set[str]] = {}
    for bom in boms:
        for product, kit in bom.items():
            graph.setdefault(product, set()).update(kit)
    try:
        tuple(graphlib.TopologicalSorter(graph).static_order())
    except graphlib.CycleError as exc:
        loop: list[str] = list(exc.args[1])
        return loop[::-1]  # graphlib names it against the edges; "made from" reads forward
    return None


def finished_first(plant: PlantNode) -> list[str]:
    """The plant's products (finished goods and components) with every finished good before its own components (a
    two-level bom made in one plant: the top product, then the sub-assembly, then the parts)."""
    graph = {p: set(kit) for p, kit in plant.bom.items()}
    parts_first = list(graphlib.TopologicalSorter(graph).static_order())
    return parts_first[::-1]


def expand_moments(plant: PlantNode, moments: dict[tuple[str, str], list[float]]) -> None:
    """Carry the demand moments of the plant's finished goods to their components, in place: a component's demand
    per period is ``Σ_j q_jc × P_j`` over the products j using it, with ``P_j`` the production orders of j per period.
    Approximation (docs/assembly.md): ``P_j`` has the mean and variance of the demand the finished good faces (a
    policy's batching and a batch size change the variance, not the mean), and products are independent, so means add
    ``q × mean`` and variances ``q² × variance``."""
    for product in finished_first(plant):
        kit = plant.bom.get(product)
        if not kit:
            continue
        mean, var = moments[plant.id, product]
        for component, qty in kit.items():
            up = moments[plant.id, component]
            up[0] += qty * mean
            up[1] += qty * qty * var
