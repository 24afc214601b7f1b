"""The scenario schema (pydantic v2): each field and its type. The checks across fields (references between nodes,
lanes and products) are in ``sim.scenario.checks``; loading files and refusing bad input in ``sim.scenario.loading``.

A scenario is *data*: products, nodes (suppliers, buffers, retailers), lanes, horizon. Loading one never imports or
runs code: ``_target_`` keys and ``${...}`` interpolations are refused, and behaviour (distributions, policies, demand
processes) is picked by name from the project's registries. Every field is documented in docs/scenarios.md.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, model_validator

from sim.policy.kinds import PolicySpec, SourcingSpec
from sim.scenario.consolidation import Consolidation
from sim.scenario.contracts import Contract
from sim.scenario.demand import DemandSpec
from sim.scenario.disruptions import DisruptionSpec, ResilienceSettings
from sim.scenario.distributions import Dist
from sim.scenario.ids import Id, OptionalId
from sim.scenario.segmentation import Segmentation

NonNeg = Annotated[float, Field(ge=0)]
Positive = Annotated[float, Field(gt=0)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, allow_inf_nan=False)


class Product(_Model):
    id: Id
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
    # of each order (fixed_split); 0: a standby that only a sourcing rule naming it orders from (failover backup, ...)
    share: float = Field(default=1.0, ge=0, le=1)
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
    id: Id
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

    def carries(self, sku: str) -> bool:
        """It makes ``sku``: listed in ``products``, else a key of a per-product capacity, else everything."""
        if self.products is not None:
            return sku in self.products
        return sku in self.capacity if isinstance(self.capacity, dict) else True


NO_TIME = Dist(dist="constant", value=0)


class BasketSpec(_Model):
    """Customer orders with several lines: ``orders`` per period (a distribution of counts), and per product the
    units of its line (a draw of 0 leaves the line out). ``sync_window``: periods within which all lines of an order
    should complete (delivery synchronisation)."""

    orders: Dist
    lines: dict[str, Dist] = Field(min_length=1)
    sync_window: NonNeg = 0.0


class StockNode(_Model):
    id: Id
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

    def carries(self, sku: str) -> bool:
        """It stocks ``sku``."""
        return sku in self.products

    @property
    def made(self) -> frozenset[str]:
        """Products made here (a plant's finished goods, replenished by production orders, not by sources)."""
        return frozenset()


class PlantNode(StockNode):
    """A stock point that also produces (docs/assembly.md): ``bom`` maps each finished product to its components and
    the quantity of each per unit. Components and finished goods are stock items here; the finished goods are
    replenished by production orders (their own policy, or ``make_to_order``), a production order starts when its
    whole kit is on hand (``allocation`` decides between products competing for a component), takes capacity (one
    number shared by the products, or one per product) and a production time, then its output is on the shelf."""

    type: Literal["plant"]  # type: ignore[assignment]  # the union's tag of this subclass (buffer/retailer: StockNode)
    bom: dict[str, dict[str, Positive]] = Field(min_length=1)
    capacity: Positive | dict[str, Positive] | None = None  # units per period; absent = unlimited
    production_time: ProductionTime = Dist(dist="constant", value=0)
    batch_size: Positive | dict[str, Positive] | None = None  # production orders in whole batches (rounded up)
    production_cost: NonNeg | dict[str, NonNeg] = 0.0  # money per unit produced
    make_to_order: bool | list[str] = False  # true: every finished good; a list: those products
    allocation: Literal["fifo", "first_fit", "priority"] = "fifo"  # between orders competing for a component
    priority: list[str] = []  # allocation: priority: products, highest first (default: the bom's order)

    @property
    def products(self) -> list[str]:
        """Stocked here: the finished goods and their components as well as what policies, sources, demand name."""
        parts = [c for kit in self.bom.values() for c in kit]
        return list(dict.fromkeys([*super().products, *self.bom, *parts]))

    @property
    def made(self) -> frozenset[str]:
        return frozenset(self.bom)

    @property
    def components(self) -> list[str]:
        """The products some kit here uses, in order of first appearance in the bom."""
        return list(dict.fromkeys(c for kit in self.bom.values() for c in kit))

    def to_order(self, sku: str) -> bool:
        """``sku`` is made to order (built against demand, no policy of its own)."""
        return self.make_to_order is True or (isinstance(self.make_to_order, list) and sku in self.make_to_order)

    def production_time_of(self, sku: str) -> Dist:
        if isinstance(self.production_time, dict):
            return self.production_time.get(sku, NO_TIME)
        return self.production_time

    def per_product(self, field: str, sku: str) -> float | None:
        """A field that is one number for every product or a mapping per product (``capacity``, ``batch_size``,
        ``production_cost``): its value for ``sku`` (None where it has none)."""
        value = getattr(self, field)
        return value.get(sku) if isinstance(value, dict) else value


Node = Annotated[SupplierNode | StockNode | PlantNode, Field(discriminator="type")]


class Lane(_Model):
    from_: str = Field(alias="from")
    to: str
    transit: Dist
    cost_per_unit: NonNeg = 0.0
    cost_per_shipment: NonNeg = 0.0
    capacity: Positive | None = None  # units that may depart per period
    id: OptionalId = ""  # unique lane id; default "FROM->TO" (several lanes between one pair need their own)
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


def source_keys(srcs: list[Source]) -> list[str]:
    """The names policies and sourcing rules use for the sources (as sim.model.network keys them): the node, or the
    lane id when the node is reached by two lanes."""
    nodes = [s.node for s in srcs]
    return [s.lane if nodes.count(s.node) > 1 and s.lane else s.node for s in srcs]
