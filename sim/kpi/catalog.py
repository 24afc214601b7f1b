"""The KPI catalogue: name, unit, label, direction and description of every KPI (docs/kpis.md).

The one place KPI metadata lives; ``sim.kpi.compute``, the batch summaries and the reports read it. Stdlib only (no
SimPy, no NumPy), so the report layer can import it without loading the engine. The entries of the blocks that only
some scenarios have (consolidating lanes, resilience, contract terms) are in sim.kpi.blocks; the entry type in
sim.kpi.info.
"""

from __future__ import annotations

import math
from dataclasses import replace

from sim.kpi.blocks import (
    CHANGE_KPI_INFO,
    CONTRACT_KPI_INFO,
    LANE_KPI_INFO,
    PLANT_KPI_INFO,
    RESILIENCE_KPI_INFO,
)
from sim.kpi.info import KpiInfo
from sim.kpi.info import kpi as _k

# in the column order of sim.kpi.compute.compute: stock-point KPIs, then supplier-only ones
CATALOG: tuple[KpiInfo, ...] = (
    _k("demand", "units", "Demand", None, "units asked of the item (ALL rows: end-customer demand)", kind="both"),
    _k(
        "fill_rate",
        "share",
        "Fill rate",
        True,
        "share of demand filled from stock on arrival",
        percent=True,
        bounds=(0.0, 1.0),
    ),
    _k(
        "cycle_service_level",
        "share",
        "Cycle service level",
        True,
        "share of periods with all demand filled at once",
        percent=True,
        bounds=(0.0, 1.0),
    ),
    _k("on_hand_avg", "units", "On hand (avg units)", None, "time-average stock on hand"),
    _k("backorders_avg", "units", "Backorders (avg units)", False, "time-average backorders"),
    _k("lost_sales", "units", "Lost sales (units)", False, "units of customer demand lost"),
    _k("orders_placed", "orders", "Orders placed", None, "number of replenishment orders placed", sourcing=True),
    _k("order_qty_mean", "units per period", "Units ordered per period", None, "mean units ordered per period"),
    _k(
        "order_qty_var",
        "units²",
        "Units ordered per period (variance)",
        None,
        "sample variance of units ordered per period",
    ),
    _k("demand_var", "units²", "Demand var", None, "sample variance of demand per period", kind="both"),
    _k(
        "bullwhip_ratio",
        "ratio",
        "Bullwhip ratio",
        False,
        "variance of units ordered over variance of the demand the item receives, per review cycle (sim.kpi.cycles)",
    ),
    _k(
        "bullwhip_vs_consumer",
        "ratio",
        "Bullwhip vs consumer",
        False,
        "variance of units ordered over variance of end-customer demand for the product, per review cycle",
    ),
    _k(
        "delivery_sync",
        "share",
        "Delivery sync",
        True,
        "share of multi-line customer orders whose lines all arrived within the order's sync window",
        percent=True,
        bounds=(0.0, 1.0),
    ),
    _k("pipeline_avg", "units", "Pipeline (avg units)", None, "time-average stock on lanes towards the item"),
    _k("lead_time_avg", "periods", "Lead time (avg)", False, "mean lead time of completed orders", sourcing=True),
    _k(
        "lead_time_p95",
        "periods",
        "Lead time (p95)",
        False,
        "95th percentile lead time of completed orders",
        sourcing=True,
    ),
    _k(
        "otif",
        "share",
        "On time in full",
        True,
        "share of due orders complete by their due date",
        percent=True,
        sourcing=True,
        bounds=(0.0, 1.0),
    ),
    _k(
        "inventory_turns",
        "per year",
        "Inventory turns",
        True,
        "value issued per year over average value on hand (ALL rows: issues to end customers only)",
    ),
    _k("holding_cost", "money", "Holding cost", False, "holding cost over the window", cost=True),
    _k("backorder_cost", "money", "Backorder cost", False, "customer backorder cost over the window", cost=True),
    _k("lost_sale_cost", "money", "Lost sale cost", False, "lost sale penalty over the window", cost=True),
    _k("ordering_cost", "money", "Ordering cost", False, "fixed cost per order placed", cost=True),
    _k("transport_cost", "money", "Transport cost", False, "shipment costs towards the item", cost=True),
    _k("purchase_cost", "money", "Purchase cost", False, "unit cost of units bought from suppliers", cost=True),
    _k(
        "total_cost",
        "money",
        "Total cost",
        False,
        "operating cost + purchase cost: the sum of the cost components (the landed cost of the goods)",
    ),
    _k(
        "operating_cost",
        "money",
        "Operating cost",
        False,
        "every cost component but purchase: holding, backorder, lost sale, ordering, transport, ...",
    ),
    # -- costs of ownership, concentration and emissions (sim.kpi.costs; docs/kpis.md "Costs of ownership") --
    _k(
        "pipeline_holding_cost",
        "money",
        "Pipeline holding cost",
        False,
        "pipeline_holding_cost × time-integral of the goods in transit towards the item",
        cost=True,
    ),
    _k(
        "reject_cost",
        "money",
        "Reject handling cost",
        False,
        "units rejected at receipt × the supplier's cost_per_reject",
        cost=True,
    ),
    _k(
        "quality_cost",
        "money",
        "Quality cost",
        False,
        "reject handling + the replacement orders' transport (that transport is also in transport_cost)",
        kind="both",
    ),
    _k(
        "expedite_cost",
        "money",
        "Expedite premium",
        False,
        "extra purchase and transport cost of the units bought through the fast source vs the regular one "
        "(already in purchase and transport cost)",
    ),
    _k(
        "emissions_kg",
        "kg CO2e",
        "Emissions (kg CO2e)",
        False,
        "transport (lane) and production (supplier) emissions of the units received in the window",
        kind="both",
        by_mode=True,
    ),
    _k(
        "supplier_share",
        "share",
        "Share of spend",
        None,
        "the row's spend over the network's spend (region rows: the region's)",
        kind="supplier",
        percent=True,
        bounds=(0.0, 1.0),
    ),
    _k(
        "region_share",
        "share",
        "Region's share of spend",
        None,
        "spend with the suppliers of the row's region over the network's spend",
        kind="supplier",
        percent=True,
        bounds=(0.0, 1.0),
    ),
    _k(
        "coordination_cost",
        "money",
        "Coordination cost",
        False,
        "(communication + quality + administration rates) × span for a supplier with an order in the window",
        kind="supplier",
        network=True,
        tco=True,
    ),
    _k(
        "consignment_holding_cost",
        "money",
        "Consignment holding cost",
        False,
        "holding cost of consignment stock on the buyers' shelves, borne by the supplier",
        kind="supplier",
        network=True,
    ),
    _k(
        "total_cost_of_ownership",
        "money",
        "Total cost of ownership",
        False,
        "network total_cost + supplier administration, capacity reservation and coordination costs",
        kind="network",
    ),
    _k(
        "coordination_cost_share",
        "share",
        "Coordination share of TCO",
        False,
        "coordination_cost / total_cost_of_ownership",
        kind="network",
        percent=True,
        bounds=(0.0, 1.0),
    ),
    _k(
        "hhi_suppliers",
        "index",
        "Supplier HHI",
        False,
        "Herfindahl-Hirschman index of the suppliers' spend shares (1: one supplier)",
        kind="network",
        bounds=(0.0, 1.0),
    ),
    _k(
        "single_source_items",
        "items",
        "Single-sourced items",
        False,
        "stock items bought from exactly one source, a supplier",
        kind="network",
    ),
    _k(
        "utilization",
        "share",
        "Capacity use",
        None,
        "capacity allocated over capacity × span",
        kind="supplier",
        percent=True,
        bounds=(0.0, 1.0),
    ),
    # sourcing rows only: what a buyer's scorecard shows next to lead time and OTIF
    _k(
        "promised_lead_time",
        "periods",
        "Promised lead time",
        None,
        "quoted lead time (mean over the orders placed in the window)",
        kind="supplier",
        sourcing=True,
    ),
    _k("volume", "units", "Volume (units)", None, "units received in the window", kind="supplier", sourcing=True),
    _k(
        "spend",
        "money",
        "Spend",
        None,
        "purchase cost of the units received from suppliers in the window",
        kind="supplier",
        sourcing=True,
    ),
    _k(
        "rejected_units",
        "units",
        "Rejected (units)",
        False,
        "units rejected at receipt (defects) in the window; the supplier makes them again",
        kind="supplier",
        sourcing=True,
    ),
    # supplier and region rows only: the overhead of a supplier relationship (total cost of ownership)
    _k(
        "admin_cost",
        "money",
        "Administration cost",
        False,
        "admin_cost × periods of the window in which the supplier received an order",
        kind="supplier",
        network=True,
        tco=True,
    ),
    _k(
        "reservation_cost",
        "money",
        "Capacity reservation cost",
        False,
        "reservation_fee × reserved capacity (units per period) × span",
        kind="supplier",
        network=True,
        tco=True,
    ),
    _k(
        "supplier_cost",
        "money",
        "Supplier cost of ownership",
        False,
        "spend + administration + capacity reservation (transport is in the stock rows' transport_cost)",
        kind="supplier",
    ),
    *LANE_KPI_INFO,
    *RESILIENCE_KPI_INFO,
    *CHANGE_KPI_INFO,
    *CONTRACT_KPI_INFO,
    *PLANT_KPI_INFO,
)
# counts, levels, times, ratios of non-negative quantities and costs can't be negative: intervals stop at 0 (a KPI
# not listed here, e.g. a paired difference, keeps the unbounded default unless its entry says otherwise)
NON_NEGATIVE = frozenset(
    (
        *("demand", "on_hand_avg", "backorders_avg", "lost_sales", "orders_placed", "order_qty_mean"),
        *("order_qty_var", "demand_var", "bullwhip_ratio", "pipeline_avg", "lead_time_avg", "lead_time_p95"),
        *("inventory_turns", "holding_cost", "backorder_cost", "lost_sale_cost", "ordering_cost"),
        *("transport_cost", "purchase_cost", "total_cost", "operating_cost", "promised_lead_time", "volume", "spend"),
        *("rejected_units", "admin_cost", "reservation_cost", "supplier_cost"),
        *("pipeline_holding_cost", "reject_cost", "quality_cost", "emissions_kg", "coordination_cost"),
        *("consignment_holding_cost", "total_cost_of_ownership", "single_source_items"),
    )
)
CATALOG = tuple(
    replace(k, bounds=(0.0, math.inf)) if k.name in NON_NEGATIVE and k.bounds == (-math.inf, math.inf) else k
    for k in CATALOG
)
BY_NAME: dict[str, KpiInfo] = {k.name: k for k in CATALOG}

COSTS = tuple(k.name for k in CATALOG if k.cost)  # the cost components that add up to total_cost
# the breakdown of the network row's total_cost_of_ownership (total cost of ownership): COSTS + the supplier overhead
OVERHEAD = tuple(k.name for k in CATALOG if k.tco)  # admin, reservation, coordination
TCO_PARTS = (*COSTS, *OVERHEAD)
MONEY_KPIS = frozenset(k.name for k in CATALOG if k.unit == "money")  # every money KPI (components, totals, shares)
STOCK_KPIS = tuple(k.name for k in CATALOG if k.kind in ("stock", "both"))
# supplier rows: their own KPIs first (demand, variance, capacity use), then the sourcing scorecard
SUPPLIER_KPIS = tuple(k.name for k in CATALOG if k.kind in ("supplier", "both") and not k.sourcing) + tuple(
    k.name for k in CATALOG if k.sourcing
)
SOURCE_KPIS = tuple(k.name for k in CATALOG if k.sourcing)  # rows (node<-source, sku) of a multi-source item
# the network row (ALL, ALL) adds these after its stock KPIs; the lane-mode rows carry MODE_KPIS
NETWORK_KPIS = tuple(k.name for k in CATALOG if k.network or k.kind == "network")
MODE_KPIS = tuple(k.name for k in CATALOG if k.by_mode)
RESILIENCE_KPIS = tuple(k.name for k in CATALOG if k.kind == "resilience")
CHANGE_KPIS = tuple(k.name for k in CATALOG if k.kind == "change")  # rows (ALL, ALL), (ALL, sku) with disruptions
# batch-summary statistics of censored times (sim.experiment.survival_stats): rows of the summary, not of a replication
BATCH_KPIS = tuple(k.name for k in CATALOG if k.kind == "resilience_batch")
LANE_KPIS = tuple(k.name for k in CATALOG if k.kind == "lane")  # rows of consolidating lanes
CONTRACT_KPIS = tuple(k.name for k in CATALOG if k.kind == "contract")
PLANT_KPIS = tuple(k.name for k in CATALOG if k.kind == "plant")  # rows of plants (sim.kpi.production)
# emitted only with disruptions (the resilience block, supplier availability), consolidation, contracts or plants
CONDITIONAL_KPIS = frozenset(
    k.name
    for k in CATALOG
    if k.kind in ("resilience", "resilience_supplier", "resilience_batch", "change", "lane", "contract", "plant")
)
KNOWN_KPIS = tuple(BY_NAME)
PERCENT_KPIS = frozenset(k.name for k in CATALOG if k.percent)
HIGHER_IS_BETTER = frozenset(k.name for k in CATALOG if k.higher_is_better is True)
LOWER_IS_BETTER = frozenset(k.name for k in CATALOG if k.higher_is_better is False)


def info(name: str) -> KpiInfo:
    """Catalogue entry of a KPI; KeyError naming the known KPIs otherwise."""
    try:
        return BY_NAME[name]
    except KeyError:
        raise KeyError(f"unknown KPI {name!r}; known: {', '.join(KNOWN_KPIS)}") from None


def bounds(name: str) -> tuple[float, float]:
    """The range a KPI's values (and so its intervals) can take; (-inf, inf) for a KPI not in the catalogue."""
    k = BY_NAME.get(name)
    return k.bounds if k else (-math.inf, math.inf)


def label(name: str) -> str:
    """Human-readable KPI name (the name itself, capitalised, for a KPI not in the catalogue)."""
    k = BY_NAME.get(name)
    return k.label if k else name.replace("_", " ").capitalize()
