"""The scenario schema (pydantic v2); loading files and refusing bad input is in ``sim.scenario.loading``.

A scenario is *data*: products, nodes (suppliers, buffers, retailers), lanes, horizon. Loading one never imports or
runs code: ``_target_`` keys and ``${...}`` interpolations are refused, and behaviour (distributions, policies, demand
processes) is picked by name from the project's registries. Every field is documented in docs/scenarios.md.
"""

from __future__ import annotations

import graphlib
import math
from functools import cached_property
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, model_validator

from sim.policy.kinds import PolicySpec, SourcingSpec
from sim.scenario import consolidation
from sim.scenario.consolidation import Consolidation
from sim.scenario.contracts import Contract
from sim.scenario.demand import DemandSpec
from sim.scenario.disruptions import DisruptionSpec, ResilienceSettings, cross_check
from sim.scenario.distributions import Dist
from sim.scenario.segmentation import Segmentation

NonNeg = Annotated[float, Field(ge=0)]
Positive = Annotated[float, Field(gt=0)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, allow_inf_nan=False)


class Product(_Model):
    id: str = Field(min_length=1)
    category: str = "general"
    unit_cost: NonNeg = 0.0
    holding_cost: NonNeg = 0.0  # per unit on hand per period
    backorder_cost: NonNeg = 0.0  # per unit of customer backorder per period
    lost_sale_cost: NonNeg = 0.0  # per unit of customer demand lost
    order_cost: NonNeg = 0.0  # per replenishment order placed
    # whose backorders cost backorder_cost: end customers' only, or all (also those owed to downstream nodes: the
    # beer game charges every echelon for its backlog)
    backorder_cost_on: Literal["customers", "all"] = "customers"
    price: NonNeg | None = None  # selling price per unit (revenue at risk); default: unit_cost
    unit_volume: Positive | None = None  # volume of one unit (lanes that consolidate by volume)
    # -- costs and emissions (docs/sourcing.md "Costs, consignment and emissions") --
    pipeline_holding_cost: NonNeg = 0.0  # per unit in transit towards a stock item per period
    weight_kg: NonNeg = 0.0  # per unit: turns a lane's distance into tonne-km (emissions)


class Source(_Model):
    node: str
    lane: str | None = None  # lane id; default: the only lane from ``node`` to this node
    share: float = Field(default=1.0, gt=0, le=1)
    order_delay: NonNeg = 0.0  # information delay: order placed -> order reaches the source
    promised_lead_time: NonNeg | None = None  # for OTIF; default: expected production + transit + delay
    # the price paid per unit bought here (a backup's premium, a nearshore price); default: the supplier's
    # unit_cost, else the product's
    unit_cost: NonNeg | None = None
    # a written starting state (sim.model.initial_state): units arriving at t = 0, 1, ... and order slips reaching
    # the source at t = 0, 1, ... (placed before t = 0, at most one per period of the order delay)
    initial_shipments: list[NonNeg] = []
    initial_orders: list[NonNeg] = []
    # consignment: stock received from here belongs to the supplier (who bears its holding cost) until it is
    # issued, and is paid on issue; default: the supplier's ``consignment``
    consignment: bool | None = None

    @model_validator(mode="after")
    def _slips_fit_the_delay(self) -> Source:
        if len(self.initial_orders) > math.ceil(self.order_delay - 1e-9):
            raise ValueError(
                f"initial_orders: {len(self.initial_orders)} slips, but an order delay of {self.order_delay:g} "
                f"holds at most {math.ceil(self.order_delay - 1e-9)} (one per period)"
            )
        return self


def _one_or_per_product(value: Any) -> str:
    one = isinstance(value, Dist) or (isinstance(value, dict) and "dist" in value)
    return "one_distribution" if one else "per_product"


# a mapping with a ``dist`` key is one distribution, any other mapping is per product: one error, not one per branch
ProductionTime = Annotated[
    Annotated[Dist, Tag("one_distribution")] | Annotated[dict[str, Dist], Tag("per_product")],
    Discriminator(_one_or_per_product),
]


class SupplierNode(_Model):
    id: str = Field(min_length=1)
    type: Literal["supplier"]
    region: str = ""
    # units per period; a number is shared by all products, a mapping is per product; absent = unlimited
    capacity: Positive | dict[str, Positive] | None = None
    # one distribution for everything it makes, or one per product ({product: {dist: ...}})
    production_time: ProductionTime = Dist(dist="constant", value=0)
    products: list[str] | None = None  # what it makes; default: the capacity mapping's keys, else everything
    # supplier attributes for total cost of ownership (docs/sourcing.md): price per unit (default: the product's),
    # a fee per unit of capacity per period for reserving it, the share of units rejected at receipt (made again),
    # a tier (1 strategic, 2 preferred, 3 transactional; a label) and a fixed administration cost per period in
    # which the supplier receives at least one order (the overhead a second source adds)
    unit_cost: NonNeg | None = None
    reservation_fee: NonNeg = 0.0
    defect_rate: float = Field(default=0.0, ge=0, lt=1)
    tier: Literal[1, 2, 3] | None = None
    admin_cost: NonNeg = 0.0
    contract: Contract | None = None  # on-time target and penalty, volume-flex band (sim.scenario.contracts)
    # -- costs and emissions (docs/sourcing.md "Costs, consignment and emissions") --
    consignment: bool = False  # the default of its sources' ``consignment``
    cost_per_reject: NonNeg = 0.0  # money per unit rejected at receipt (inspection, handling, paperwork)
    emissions_per_unit: NonNeg = 0.0  # kg CO2e per unit made (production emissions)

    def production_time_of(self, sku: str) -> Dist:
        """The production-time distribution for ``sku`` (validation guarantees one for every product sourced here)."""
        if isinstance(self.production_time, dict):
            return self.production_time.get(sku, NO_TIME)
        return self.production_time


NO_TIME = Dist(dist="constant", value=0)


class BasketSpec(_Model):
    """Customer orders with several lines: ``orders`` per period (a distribution of counts), and per product the
    units of its line (a draw of 0 leaves the line out). ``sync_window``: periods within which all lines of an order
    should complete (delivery synchronisation)."""

    orders: Dist
    lines: dict[str, Dist] = Field(min_length=1)
    sync_window: NonNeg = 0.0


class StockNode(_Model):
    id: str = Field(min_length=1)
    type: Literal["buffer", "retailer"]
    region: str = ""
    initial_stock: dict[str, NonNeg] = {}  # default per product: the policy's target level
    policy: dict[str, PolicySpec] = {}
    sources: dict[str, list[Source]] = {}
    sourcing: dict[str, SourcingSpec] = {}  # per product: how an order total is split over the sources
    demand: dict[str, DemandSpec] = {}
    baskets: list[BasketSpec] = []  # customer orders with lines (several products per order)
    unmet_demand: Literal["backorder", "lost"] = "backorder"
    # -- costs and ordering load (docs/sourcing.md) --
    holding_cost: dict[str, NonNeg] = {}  # per product: this node's rate (value added); default: the product's
    pipeline_holding_cost: dict[str, NonNeg] = {}  # per product, on goods in transit towards it; default: product's
    # periodic reviews of this node's items offset 0, 1, ..., R-1 round robin (docs/sourcing.md "Staggered ordering")
    stagger: bool = False

    @property
    def products(self) -> list[str]:
        """Products stocked here, in a stable order."""
        in_baskets = [sku for b in self.baskets for sku in b.lines]
        seen = dict.fromkeys([*self.policy, *self.sources, *self.demand, *self.initial_stock, *in_baskets])
        return list(seen)

    @property
    def customer_products(self) -> set[str]:
        """Products end customers buy here (single-line demand or basket lines)."""
        return set(self.demand) | {sku for b in self.baskets for sku in b.lines}


Node = Annotated[SupplierNode | StockNode, Field(discriminator="type")]


class Lane(_Model):
    from_: str = Field(alias="from")
    to: str
    transit: Dist
    cost_per_unit: NonNeg = 0.0
    cost_per_shipment: NonNeg = 0.0
    capacity: Positive | None = None  # units that may depart per period
    id: str = ""  # unique lane id; default "FROM->TO" (several lanes between one pair need their own)
    mode: Literal["road", "sea", "air", "rail", "courier", "internal"] = "road"
    region: str = ""
    consolidation: Consolidation | None = None  # containers shared by the lane's products (docs/sourcing.md)
    # emissions (sim.kpi.emissions): kg CO2e per unit shipped, or distance_km × the product's weight_kg / 1000 ×
    # emission_factor (kg CO2e per tonne-km; default by mode)
    emissions_per_unit: NonNeg | None = None
    distance_km: NonNeg | None = None
    emission_factor: NonNeg | None = None

    @model_validator(mode="after")
    def _default_id(self) -> Lane:
        if not self.id:
            object.__setattr__(self, "id", f"{self.from_}->{self.to}")  # frozen model: set once, while validating
        return self


PERIODS_PER_YEAR = {"hour": 8760, "day": 365, "week": 52, "month": 12}
Share = Annotated[float, Field(ge=0, le=1)]


class Targets(_Model):
    """Service targets the report checks every item and supplier against (None: not checked)."""

    fill_rate: Share | None = 0.95  # per customer-facing item (and product, node, network)
    otif: Share | None = 0.90  # per supplier and per source of a multi-source item


class Coordination(_Model):
    """Hidden costs of every active supplier (one that received an order in the window), money per period each."""

    communication: NonNeg = 0.0
    quality: NonNeg = 0.0
    administration: NonNeg = 0.0

    @property
    def rate(self) -> float:
        return self.communication + self.quality + self.administration


class Scenario(_Model):
    name: str = Field(min_length=1)
    description: str = ""
    period: Literal["hour", "day", "week", "month"] = "day"
    currency: str = Field(default="EUR", min_length=1, max_length=12)  # the unit of every cost (a label only)
    targets: Targets = Targets()
    horizon: int = Field(gt=0)
    warmup: int = Field(default=0, ge=0)
    # "steady": replenished items start with goods in transit (mean demand per period over the expected lead time,
    # as if ordered before t = 0) and, unless initial_stock says otherwise, on hand = policy target - that pipeline
    initial_pipeline: Literal["none", "steady"] = "none"
    products: list[Product] = Field(min_length=1)
    nodes: list[Node] = Field(min_length=1)
    lanes: list[Lane] = []
    disruptions: list[DisruptionSpec] = []  # outages, closures, shocks (sim.scenario.disruptions)
    resilience: ResilienceSettings = ResilienceSettings()  # how the resilience KPIs are measured
    # Kraljic segments and per-segment sourcing rules, applied when the scenario is loaded (sim.scenario.segmentation)
    segmentation: Segmentation | None = None
    coordination: Coordination = Coordination()  # per active supplier per period (docs/sourcing.md)

    @model_validator(mode="after")
    def _cross_check(self) -> Scenario:
        problems = _cross_references(self, segmented=self.segmentation is not None)
        if not problems and self.segmentation is not None:
            problems = _apply_segmentation(self)
        if not problems:  # the disruptions name elements: check them once the network itself is sound
            problems = cross_check(self) + consolidation.cross_check(self)
        if problems:
            raise ValueError("\n".join(problems))
        return self

    # -- derived data ----------------------------------------------------------------------------------
    @cached_property
    def memo(self) -> dict[str, Any]:
        """A cache for what the model layer derives from this (frozen) scenario once instead of per replication,
        e.g. the KPI row layout. Not part of the data: not compared, not pickled, not copied."""
        return {}

    def __getstate__(self) -> dict[str, Any]:
        state = super().__getstate__()
        state["__dict__"] = {k: v for k, v in state["__dict__"].items() if k != "memo"}
        return state

    def model_copy(self, *, update: dict[str, Any] | None = None, deep: bool = False) -> Scenario:
        copy = super().model_copy(update=update, deep=deep)
        copy.__dict__.pop("memo", None)  # a copy with other data must not inherit this one's derived data
        return copy

    # -- convenience lookups -------------------------------------------------------------------------
    def node(self, node_id: str) -> SupplierNode | StockNode:
        return next(n for n in self.nodes if n.id == node_id)

    def lane(self, src: str, dst: str, lane_id: str | None = None) -> Lane:
        """The lane a source uses: the named one, else the only lane of the pair (validation guarantees one)."""
        if lane_id is not None:
            return next(ln for ln in self.lanes if ln.id == lane_id)
        return next(ln for ln in self.lanes if ln.from_ == src and ln.to == dst)

    def product(self, sku: str) -> Product:
        return next(p for p in self.products if p.id == sku)

    @property
    def periods_per_year(self) -> int:
        return PERIODS_PER_YEAR[self.period]

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(by_alias=True, exclude_defaults=False, mode="json")


def _apply_segmentation(sc: Scenario) -> list[str]:
    """Segment rules set what the items do not write themselves (sim.scenario.segmentation); the resolved nodes and
    every item's segment replace the written ones, then the network is checked again as resolved."""
    from sim.scenario.segmentation import apply

    nodes, resolved, problems = apply(sc)
    if problems:
        return problems
    object.__setattr__(sc, "nodes", nodes)  # frozen model: set once, while validating
    object.__setattr__(sc, "segmentation", resolved)
    return _cross_references(sc)


def _dupes(ids: list[str]) -> set[str]:
    return {i for i in ids if ids.count(i) > 1}


def _cross_references(sc: Scenario, segmented: bool = False) -> list[str]:
    """``segmented``: a missing policy is not an error yet (a segment rule may set it)."""
    errs: list[str] = []
    skus = [p.id for p in sc.products]
    ids = [n.id for n in sc.nodes]
    known_nodes = ", ".join(sorted(ids))
    known_skus = ", ".join(skus)
    for d in sorted(_dupes(skus)):
        errs.append(f"products: duplicate id {d!r}")
    for d in sorted(_dupes(ids)):
        errs.append(f"nodes: duplicate id {d!r}")
    if sc.warmup >= sc.horizon:
        errs.append(f"warmup: must be smaller than horizon ({sc.horizon}), got {sc.warmup}")
    written = [n.id for n in sc.nodes if any(s.initial_shipments or s.initial_orders for s in _sources_of(n))]
    if sc.initial_pipeline == "steady" and written:
        errs.append(
            "initial_pipeline: 'steady' fills the pipelines itself; drop it or the initial_shipments/initial_orders "
            f"written at {', '.join(written)}"
        )
    by_id = {n.id: n for n in sc.nodes}
    lanes = {(ln.from_, ln.to) for ln in sc.lanes}
    for i, ln in enumerate(sc.lanes):
        for end, nid in (("from", ln.from_), ("to", ln.to)):
            if nid not in by_id:
                errs.append(f"lanes[{i}].{end}: unknown node {nid!r}; known nodes: {known_nodes}")
        if ln.to in by_id and by_id[ln.to].type == "supplier":
            errs.append(f"lanes[{i}].to: {ln.to!r} is a supplier; lanes must end at a buffer or retailer")
        if ln.from_ == ln.to:
            errs.append(f"lanes[{i}]: a lane from {ln.from_!r} to itself")
    for d in sorted(_dupes([ln.id for ln in sc.lanes])):
        errs.append(f"lanes: duplicate id {d!r} (several lanes between one pair of nodes need their own ids)")
    lane_ids = {ln.id: ln for ln in sc.lanes}
    pair_lanes: dict[tuple[str, str], list[str]] = {}
    for ln in sc.lanes:
        pair_lanes.setdefault((ln.from_, ln.to), []).append(ln.id)
    graph: dict[str, set[str]] = {n: set() for n in ids}
    for i, node in enumerate(sc.nodes):
        where = f"nodes[{i}] (id: {node.id})"
        if isinstance(node, SupplierNode):
            caps = node.capacity if isinstance(node.capacity, dict) else {}
            times = node.production_time if isinstance(node.production_time, dict) else {}
            flex = node.contract.flex if node.contract is not None and node.contract.flex is not None else None
            committed = flex.commitment if flex is not None and isinstance(flex.commitment, dict) else {}
            for field, listed in (
                ("capacity", caps),
                ("products", node.products or []),
                ("production_time", times),
                ("contract.flex.commitment", committed),
            ):
                for sku in listed:
                    if sku not in skus:
                        errs.append(f"{where}.{field}: unknown product {sku!r}; known products: {known_skus}")
            continue
        for field in ("initial_stock", "policy", "sources", "sourcing", "demand"):
            for sku in getattr(node, field):
                if sku not in skus:
                    errs.append(f"{where}.{field}: unknown product {sku!r}; known products: {known_skus}")
        errs += _cost_fields(where, node, by_id)
        if node.type == "retailer" and not node.demand and not node.baskets:
            errs.append(
                f"{where}.demand: a retailer needs customer demand for at least one product (demand or baskets)"
            )
        for b, basket in enumerate(node.baskets):
            for sku in basket.lines:
                if sku not in skus:
                    errs.append(f"{where}.baskets[{b}].lines: unknown product {sku!r}; known products: {known_skus}")
        for sku in node.policy:
            if sku not in node.sources:
                errs.append(f"{where}.sources.{sku}: a policy for {sku!r} needs at least one source")
        for sku, srcs in node.sources.items():
            path = f"{where}.sources.{sku}"
            if sku not in node.policy and not segmented:
                errs.append(f"{where}.policy.{sku}: missing; known policies: {_policies()}")
            if not srcs:
                errs.append(f"{path}: needs at least one source")
                continue
            total = sum(s.share for s in srcs)
            if abs(total - 1) > 1e-6:
                errs.append(f"{path}: shares must sum to 1 (they sum to {total:g})")
            for j, s in enumerate(srcs):
                if s.node not in by_id:
                    errs.append(f"{path}[{j}].node: unknown node {s.node!r}; known nodes: {known_nodes}")
                    continue
                if s.node == node.id:
                    errs.append(f"{path}[{j}].node: a node can't source from itself")
                    continue
                if s.lane is not None:
                    ln = lane_ids.get(s.lane)
                    if ln is None:
                        errs.append(f"{path}[{j}].lane: unknown lane {s.lane!r}; known lanes: {', '.join(lane_ids)}")
                    elif (ln.from_, ln.to) != (s.node, node.id):
                        errs.append(
                            f"{path}[{j}].lane: lane {s.lane!r} runs {ln.from_} -> {ln.to}, not {s.node} -> {node.id}"
                        )
                elif (s.node, node.id) not in lanes:
                    errs.append(f"{path}[{j}]: no lane from {s.node!r} to {node.id!r}; add it under 'lanes'")
                elif len(pair_lanes[s.node, node.id]) > 1:
                    errs.append(
                        f"{path}[{j}].lane: {s.node!r} -> {node.id!r} has several lanes; name one: "
                        f"{', '.join(pair_lanes[s.node, node.id])}"
                    )
                if not _can_supply(by_id[s.node], sku, skus):
                    errs.append(f"{path}[{j}].node: {s.node!r} does not carry {sku!r}")
                times = getattr(by_id[s.node], "production_time", None)
                if isinstance(times, dict) and sku not in times:
                    errs.append(
                        f"{path}[{j}].node: {s.node!r} has no production_time for {sku!r} "
                        f"(it has: {', '.join(times) or 'none'})"
                    )
                graph[node.id].add(s.node)
            keys = source_keys(srcs)
            errs += [f"{where}.{msg}" for msg in _named_sources(node, sku, keys)]
    try:
        tuple(graphlib.TopologicalSorter(graph).static_order())
    except graphlib.CycleError as exc:
        cycle = " -> ".join(exc.args[1])
        errs.append(f"sources: the supply graph has a cycle: {cycle}")
    return errs


def _cost_fields(where: str, node: StockNode, by_id: dict) -> list[str]:
    """Per-node cost rates name products the node stocks; consignment needs a supplier; a negative reorder point
    needs backorders (docs/sourcing.md)."""
    errs = []
    stocked = node.products
    for field in ("holding_cost", "pipeline_holding_cost"):
        for sku in getattr(node, field):
            if sku not in stocked:
                errs.append(f"{where}.{field}.{sku}: {node.id!r} does not stock {sku!r} (it stocks: "
                            f"{', '.join(stocked) or 'nothing'})")  # fmt: skip
    for sku, srcs in node.sources.items():
        for j, s in enumerate(srcs):
            if s.consignment and s.node in by_id and not isinstance(by_id[s.node], SupplierNode):
                errs.append(f"{where}.sources.{sku}[{j}].consignment: {s.node!r} is a stock node; consignment "
                            "stock is a supplier's (set it on a supplier source)")  # fmt: skip
    if node.stagger:
        for sku, spec in node.policy.items():
            if getattr(spec.params, "offset", 0):
                errs.append(f"{where}.policy.{sku}.offset: stagger: true sets the review offsets; drop one of them")
    if node.unmet_demand == "lost":
        for sku, spec in node.policy.items():
            for param, value in spec.negative_levels().items():
                errs.append(
                    f"{where}.policy.{sku}.{param}: {value:g} is below 0, which needs unmet_demand: backorder (a "
                    "negative reorder point waits for backorders; with lost sales the inventory position of "
                    "customer demand never goes below 0)"
                )
    return errs


def source_keys(srcs: list[Source]) -> list[str]:
    """The names policies and sourcing rules use for the sources (as sim.model.network keys them): the node, or the
    lane id when the node is reached by two lanes."""
    nodes = [s.node for s in srcs]
    return [s.lane if nodes.count(s.node) > 1 and s.lane else s.node for s in srcs]


def _named_sources(node: StockNode, sku: str, keys: list[str]) -> list[str]:
    """Sources a policy or sourcing rule names by parameter (primary, backup, regular, ...) must be the item's."""
    out = []
    specs = [("policy", node.policy.get(sku)), ("sourcing", node.sourcing.get(sku))]
    for field, spec in specs:
        if spec is None:
            continue
        for param, key in spec.named_sources().items():
            if key not in keys:
                out.append(f"{field}.{sku}.{param}: unknown source {key!r}; the sources of {sku!r}: {', '.join(keys)}")
    return out


def _sources_of(node: SupplierNode | StockNode) -> list[Source]:
    return [s for srcs in getattr(node, "sources", {}).values() for s in srcs]


def _can_supply(node: SupplierNode | StockNode, sku: str, skus: list[str]) -> bool:
    if isinstance(node, SupplierNode):
        if node.products is not None:
            return sku in node.products
        return sku in node.capacity if isinstance(node.capacity, dict) else True
    return sku in node.products


def _policies() -> str:
    from sim.policy.kinds import POLICIES

    return ", ".join(POLICIES)
