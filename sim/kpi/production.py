"""Production KPIs of a scenario with plants (docs/kpis.md, "Plants"), from the plants' records (sim.model.plant).

Rows, after every other block (a scenario without plants has none, so its KPI table is unchanged):

* ``(plant, finished good)``: ``units_produced``, ``production_cost``, ``kit_shortage_share``, ``wip_avg``;
* ``(plant, component)``: ``components_consumed``, ``component_criticality``;
* ``(plant, ALL)``: ``units_produced``, ``production_cost``, ``kit_shortage_share`` (pooled over the orders),
  ``wip_avg``, ``utilization`` (as a supplier's) and ``components_consumed``, summed over the plant's products;
* ``(ALL, product)`` for every product some plant makes, and ``(ALL, ALL)``: ``units_produced``, ``production_cost``.

Window ``[warmup, horizon)``: output and consumption per period, production orders created in it, time integrals
from the warm-up. ``production_cost`` is also a component of the stock rows' ``total_cost`` (on the finished good's
item: :func:`item_costs`).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sim.model.network import SupplyChain
    from sim.model.plant import Plant

ALL = "ALL"
FINISHED = ("units_produced", "production_cost", "kit_shortage_share", "wip_avg")
COMPONENT = ("components_consumed", "component_criticality")
PLANT = ("units_produced", "production_cost", "kit_shortage_share", "wip_avg", "utilization", "components_consumed")
MADE = ("units_produced", "production_cost")


def made(chain: SupplyChain) -> list[str]:
    """Products some plant makes, in the scenario's product order."""
    skus = {sku for plant in chain.plants.values() for sku in plant.products}
    return [p.id for p in chain.scenario.products if p.id in skus]


def index(chain: SupplyChain) -> list[tuple[str, str, str]]:
    out: list[tuple[str, str, str]] = []
    for pid, plant in chain.plants.items():
        out += [(pid, sku, k) for sku in plant.products for k in FINISHED]
        out += [(pid, c, k) for c in plant.consumed for k in COMPONENT]
        out += [(pid, ALL, k) for k in PLANT]
    out += [(ALL, sku, k) for sku in made(chain) for k in MADE]
    return out + [(ALL, ALL, k) for k in MADE]


def _window(values: list[float], w: int, h: int) -> float:
    return float(sum(values[w:h]))


def _ratio(num: float, den: float) -> float:
    return num / den if den > 0 else math.nan


def plant_rows(plant: Plant, w: int, h: int) -> dict[tuple[str, str], dict[str, float]]:
    """One plant's rows: ``{(plant, sku or ALL): {kpi: value}}``."""
    span = h - w
    rows: dict[tuple[str, str], dict[str, float]] = {}
    wip = plant.wip_until(h)
    for sku in plant.products:
        units = _window(plant.produced[sku], w, h)
        rows[plant.id, sku] = {
            "units_produced": units,
            "production_cost": units * plant.unit_cost[sku],
            "kit_shortage_share": _ratio(plant.delayed[sku], plant.created[sku]),
            "wip_avg": wip[sku] / span,
        }
    waiting = plant.waiting_until(h)
    total_wait = sum(waiting.values())
    for c, per_period in plant.consumed.items():
        rows.setdefault((plant.id, c), {}).update(  # a sub-assembly made here has its finished-good KPIs too
            components_consumed=_window(per_period, w, h), component_criticality=_ratio(waiting[c], total_wait)
        )
    finished = [rows[plant.id, s] for s in plant.products]
    pools = {id(p): p for p in plant.stage.pools.values()}.values()
    capacity = sum(p.capacity for p in pools)
    rows[plant.id, ALL] = {
        "units_produced": sum(r["units_produced"] for r in finished),
        "production_cost": sum(r["production_cost"] for r in finished),
        "kit_shortage_share": _ratio(sum(plant.delayed.values()), sum(plant.created.values())),
        "wip_avg": sum(wip.values()) / span,
        "utilization": _ratio(sum(sum(p.produced[w:h]) for p in pools), capacity * span),
        "components_consumed": sum(rows[plant.id, c]["components_consumed"] for c in plant.consumed),
    }
    return rows


def compute(chain: SupplyChain) -> np.ndarray:
    """The values of :func:`index`'s rows, in its order."""
    sc = chain.scenario
    w, h = sc.warmup, sc.horizon
    rows: dict[tuple[str, str], dict[str, float]] = {}
    for plant in chain.plants.values():
        rows |= plant_rows(plant, w, h)
    finished = [rows[pid, sku] for pid, plant in chain.plants.items() for sku in plant.products]
    for sku in made(chain):
        mine = [rows[pid, sku] for pid, plant in chain.plants.items() if sku in plant.produced]
        rows[ALL, sku] = {k: sum(r[k] for r in mine) for k in MADE}
    rows[ALL, ALL] = {k: sum(r[k] for r in finished) for k in MADE}
    return np.array([rows[node, sku][k] for node, sku, k in index(chain)], dtype=float)


def item_costs(chain: SupplyChain) -> np.ndarray:
    """Per stock item (``chain.items`` order): the production cost of its output in the window (finished goods at a
    plant; 0 elsewhere), which the stock rows add to their ``total_cost``."""
    sc = chain.scenario
    out = np.zeros(len(chain.items))
    for i, (node, sku) in enumerate(chain.items):
        plant = chain.plants.get(node)
        if plant is not None and sku in plant.produced:
            out[i] = _window(plant.produced[sku], sc.warmup, sc.horizon) * plant.unit_cost[sku]
    return out
