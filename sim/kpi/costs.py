"""Cost attributions, emissions and the network's total cost of ownership (docs/kpis.md, "Costs of ownership").

Per stock item, from its source links' window records (no work in the event loop):

* ``reject_cost``: units rejected at receipt × the supplier's ``cost_per_reject`` (a cost of its own, in
  ``total_cost``);
* ``quality_cost``: ``reject_cost`` plus the transport of the replacement orders (``cost_per_unit`` × rejected +
  ``cost_per_shipment`` per replacement order, charged at the reject; that transport is also in ``transport_cost``);
* ``expedite_cost``: what the units bought through the fast source of an ``expedite`` rule (or the expedited / surge
  source of ``dual_index`` / ``base_surge``) cost beyond the regular source: received × ((price + cost_per_unit)_fast
  − (price + cost_per_unit)_regular) + orders placed there × (cost_per_shipment_fast − cost_per_shipment_regular);
  part of purchase and transport cost already (an attribution, not added again);
* ``emissions_kg``: (received + rejected) × (lane + production kg CO2e per unit) (sim.kpi.emissions).

The network row ``(ALL, ALL)`` adds what sits on supplier rows: ``admin_cost``, ``reservation_cost``,
``coordination_cost`` and ``consignment_holding_cost`` summed over the suppliers, and
``total_cost_of_ownership = total_cost + admin_cost + reservation_cost + coordination_cost`` (the buyer's TCO), its
``coordination_cost_share``, ``hhi_suppliers`` and ``single_source_items``. Mode rows ``(mode:<mode>, ALL)`` carry
the transport emissions of each lane mode.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

import numpy as np
import numpy.typing as npt

from sim.kpi import concentration
from sim.kpi.catalog import MODE_KPIS, NETWORK_KPIS, OVERHEAD
from sim.kpi.emissions import lane_factor
from sim.scenario.schema import Product, StockNode, SupplierNode

if TYPE_CHECKING:
    from sim.model.network import SupplyChain
    from sim.model.source_link import SourceLink
    from sim.model.stock_item import StockItem

ALL = "ALL"
MODE_PREFIX = "mode:"


@dataclass(frozen=True)
class LinkCost:
    """What one source link's window counts are priced and weighed with (depends on the scenario only)."""

    transport_kg: float  # kg CO2e per unit shipped on its lane
    production_kg: float  # kg CO2e per unit made by its supplier (0 for a stock node)
    per_reject: float  # the supplier's cost_per_reject
    per_unit: float  # the lane's cost_per_unit
    per_shipment: float  # the lane's cost_per_shipment
    mode: str


@dataclass(frozen=True)
class Layout:
    links: dict[tuple[str, str], list[LinkCost]]  # per item key, per source (in the item's source order)
    fast: dict[tuple[str, str], tuple[int, int]]  # items with a fast source: (regular index, fast index)
    modes: list[str]  # lane modes in the scenario's lane order, once each
    consigned: bool  # some source is a consignment source
    holding: dict[tuple[str, str], float]  # per item: its holding rate (the node's, else the product's)
    single_source_items: float  # the count (sim.kpi.concentration)
    # some link can have rejects (a supplier's defect_rate) or emissions: else the link KPIs are 0 without a look
    # at the links (a feature that is off costs nothing)
    per_link: bool


def layout(chain: SupplyChain) -> Layout:
    sc = chain.scenario
    lanes = {ln.id: ln for ln in sc.lanes}
    nodes = {n.id: n for n in sc.nodes}
    products = {p.id: p for p in sc.products}
    links: dict[tuple[str, str], list[LinkCost]] = {}
    fast: dict[tuple[str, str], tuple[int, int]] = {}
    holding: dict[tuple[str, str], float] = {}
    for key, item in chain.items.items():
        out = []
        for src in item.sources:
            lane = lanes.get(src.lane.id)
            if lane is None:  # a plant's production line (sim.model.plant_line): no transport, no emissions
                out.append(LinkCost(0.0, 0.0, 0.0, 0.0, 0.0, ""))
                continue
            up = nodes[src.lane.src]
            t_kg = lane_factor(lane, products[item.sku].weight_kg)
            p_kg = up.emissions_per_unit if isinstance(up, SupplierNode) else 0.0
            per_reject = up.cost_per_reject if isinstance(up, SupplierNode) else 0.0
            out.append(LinkCost(t_kg, p_kg, per_reject, lane.cost_per_unit, lane.cost_per_shipment, lane.mode))
        holding[key] = holding_rate(cast(StockNode, nodes[key[0]]), products[key[1]])
        links[key] = out
        for decider in (item.sourcing, item.policy):
            pair = getattr(decider, "expedite_pair", None)
            if pair is not None:
                assert decider is not None  # only a policy or rule has an ``expedite_pair``
                keys = [s.key for s in item.sources]
                fast[key] = (keys.index(getattr(decider.p, pair[0])), keys.index(getattr(decider.p, pair[1])))
    consigned = any(src.consignment for item in chain.items.values() for src in item.sources)
    single = float(len(concentration.single_source_items(sc)))
    rejects = any(src.defect_rate > 0 for item in chain.items.values() for src in item.sources)
    kg = any(c.transport_kg or c.production_kg for cs in links.values() for c in cs)
    modes: list[str] = list(dict.fromkeys(ln.mode for ln in sc.lanes))
    return Layout(links, fast, modes, consigned, holding, single, rejects or kg)


def holding_rate(node: StockNode, product: Product) -> float:
    """Holding cost per unit on hand per period of one item: the node's rate for the product, else the product's."""
    return node.holding_cost.get(product.id, product.holding_cost)


def consigned_on_hand(items: Iterable[StockItem], end: float) -> npt.NDArray[np.float64]:
    """Per item: the time-integral of its consigned stock on hand (0 without consignment sources)."""
    return np.array([sum(it.consigned_areas(end)) if hasattr(it, "consigned_areas") else 0.0 for it in items])


def consignment_holding(chain: SupplyChain, lay: Layout, links: Iterable[tuple[tuple[str, str], int]]) -> float:
    """The holding cost of the consigned stock received through ``links`` (borne by the supplier)."""
    if not lay.consigned:
        return 0.0
    total, end = 0.0, chain.scenario.horizon
    for key, j in links:
        item = chain.items[key]
        if hasattr(item, "consigned_areas"):
            total += item.consigned_areas(end)[j] * lay.holding[key]
    return total


def _price(src: SourceLink) -> float:
    return src.price if src.external else 0.0


def _quality(src: SourceLink, c: LinkCost) -> float:
    """One link's quality cost: its rejects' handling and the replacement orders' transport."""
    return src.rejected * (c.per_reject + c.per_unit) + src.reorders * c.per_shipment


def _kg(src: SourceLink, c: LinkCost) -> float:
    """One link's emissions: every unit shipped on it (accepted or rejected) × (lane + production) kg CO2e."""
    return (src.received + src.rejected) * (c.transport_kg + c.production_kg)


def item_kpis(chain: SupplyChain, lay: Layout) -> dict[str, np.ndarray]:
    """Per stock item (in ``chain.items`` order): reject_cost, quality_cost, expedite_cost, emissions_kg."""
    n = len(chain.items)
    out = {k: np.zeros(n) for k in ("reject_cost", "quality_cost", "expedite_cost", "emissions_kg")}
    if lay.per_link:
        for i, (key, item) in enumerate(chain.items.items()):
            for src, c in zip(item.sources, lay.links[key], strict=True):
                out["reject_cost"][i] += src.rejected * c.per_reject
                out["quality_cost"][i] += _quality(src, c)
                out["emissions_kg"][i] += _kg(src, c)
    if lay.fast:
        pos = {key: i for i, key in enumerate(chain.items)}
        for key, (r, f) in lay.fast.items():
            item = chain.items[key]
            reg, fst = item.sources[r], item.sources[f]
            creg, cfst = lay.links[key][r], lay.links[key][f]
            unit = (_price(fst) + cfst.per_unit) - (_price(reg) + creg.per_unit)
            premium = fst.received * unit + fst.n_placed * (cfst.per_shipment - creg.per_shipment)
            out["expedite_cost"][pos[key]] = premium
    return out


def links_kpis(chain: SupplyChain, lay: Layout, links: Iterable[tuple[tuple[str, str], int]]) -> dict[str, float]:
    """quality_cost and emissions_kg over source links ``[(item key, index), ...]`` (a supplier or region row)."""
    quality = kg = 0.0
    for key, j in links if lay.per_link else ():
        src, c = chain.items[key].sources[j], lay.links[key][j]
        quality += _quality(src, c)
        kg += _kg(src, c)
    return {"quality_cost": quality, "emissions_kg": kg}


def coordination_cost(chain: SupplyChain, supplier: str) -> float:
    """(communication + quality + administration) × the window's periods in which the supplier had an order in hand
    (from its placement to its shipment): a standby used for a week costs a week, not the window."""
    sc = chain.scenario
    rate = sc.coordination.rate
    return rate * chain.suppliers[supplier].periods_in_hand(sc.warmup, sc.horizon) if rate else 0.0


def network_kpis(
    chain: SupplyChain, lay: Layout, total_cost: float, suppliers: dict[str, dict[str, float]]
) -> np.ndarray:
    """The network row's NETWORK_KPIS from its total_cost and the supplier rows' values (``{supplier: row}``)."""
    row = {k: sum(r[k] for r in suppliers.values()) for k in NETWORK_KPIS if k in _SUMMED}
    tlc = total_cost
    for k in OVERHEAD:  # the catalogue's tco=True KPIs: the supplier overhead of the cost of ownership
        tlc += row[k]
    row["total_cost_of_ownership"] = tlc
    row["coordination_cost_share"] = row["coordination_cost"] / tlc if tlc > 0 else math.nan
    share = {s: r["supplier_share"] for s, r in suppliers.items()}
    row["hhi_suppliers"] = concentration.hhi(share) if not any(map(math.isnan, share.values())) else math.nan
    row["single_source_items"] = lay.single_source_items
    return np.array([row[k] for k in NETWORK_KPIS], dtype=float)


_SUMMED = ("admin_cost", "reservation_cost", "coordination_cost", "consignment_holding_cost")


def mode_index(lay: Layout) -> list[tuple[str, str, str]]:
    return [(f"{MODE_PREFIX}{m}", ALL, k) for m in lay.modes for k in MODE_KPIS]


def mode_kpis(chain: SupplyChain, lay: Layout) -> np.ndarray:
    """Transport emissions per lane mode (production emissions belong to no mode)."""
    kg = dict.fromkeys(lay.modes, 0.0)
    for key, item in chain.items.items() if lay.per_link else ():
        for src, c in zip(item.sources, lay.links[key], strict=True):
            if c.mode:  # (a production line has no mode)
                kg[c.mode] += (src.received + src.rejected) * c.transport_kg
    return np.array([kg[m] for m in lay.modes for _ in MODE_KPIS], dtype=float)
