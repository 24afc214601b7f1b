"""The KPI catalogue: name, unit, label, direction and description of every KPI (docs/kpis.md).

The one place KPI metadata lives; ``sim.model.kpi``, the batch summaries and the reports read it. Stdlib only (no
SimPy, no NumPy), so the report layer can import it without loading the engine.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class KpiInfo:
    """Metadata of one KPI. ``higher_is_better`` is None where neither direction is better (volumes, variances)."""

    name: str
    unit: str
    label: str
    higher_is_better: bool | None
    description: str
    # which rows carry it; the resilience kinds only come with disruptions (sim.model.resilience)
    kind: Literal["stock", "supplier", "both", "resilience", "resilience_supplier"] = "stock"
    percent: bool = False  # shown as a percentage in reports
    cost: bool = False  # a cost component that adds up to total_cost


def _k(name, unit, label, hib, description, **kw) -> KpiInfo:
    return KpiInfo(name, unit, label, hib, description, **kw)


# in the column order of sim.model.kpi.compute: stock-point KPIs, then supplier-only ones
CATALOG: tuple[KpiInfo, ...] = (
    _k("demand", "units", "Demand", None, "units asked of the item (ALL rows: end-customer demand)", kind="both"),
    _k("fill_rate", "share", "Fill rate", True, "share of demand filled from stock on arrival", percent=True),
    _k(
        "cycle_service_level",
        "share",
        "Cycle service level",
        True,
        "share of periods with all demand filled at once",
        percent=True,
    ),
    _k("on_hand_avg", "units", "On hand (avg units)", None, "time-average stock on hand"),
    _k("backorders_avg", "units", "Backorders (avg units)", False, "time-average backorders"),
    _k("lost_sales", "units", "Lost sales (units)", False, "units of customer demand lost"),
    _k("orders_placed", "orders", "Orders placed", None, "number of replenishment orders placed"),
    _k("order_qty_mean", "units per period", "Units ordered per period", None, "mean units ordered per period"),
    _k(
        "order_qty_var",
        "units²",
        "Units ordered per period (variance)",
        None,
        "sample variance of units ordered per period",
    ),
    _k("demand_var", "units²", "Demand var", None, "sample variance of demand per period", kind="both"),
    _k("bullwhip_ratio", "ratio", "Bullwhip ratio", False, "order variance over demand variance"),
    _k("pipeline_avg", "units", "Pipeline (avg units)", None, "time-average stock on lanes towards the item"),
    _k("lead_time_avg", "periods", "Lead time (avg)", False, "mean lead time of completed orders"),
    _k("lead_time_p95", "periods", "Lead time (p95)", False, "95th percentile lead time of completed orders"),
    _k("otif", "share", "On time in full", True, "share of due orders complete by their due date", percent=True),
    _k("inventory_turns", "per year", "Inventory turns", True, "issues per year over average on hand"),
    _k("holding_cost", "money", "Holding cost", False, "holding cost over the window", cost=True),
    _k("backorder_cost", "money", "Backorder cost", False, "customer backorder cost over the window", cost=True),
    _k("lost_sale_cost", "money", "Lost sale cost", False, "lost sale penalty over the window", cost=True),
    _k("ordering_cost", "money", "Ordering cost", False, "fixed cost per order placed", cost=True),
    _k("transport_cost", "money", "Transport cost", False, "shipment costs towards the item", cost=True),
    _k("purchase_cost", "money", "Purchase cost", False, "unit cost of units bought from suppliers", cost=True),
    _k("total_cost", "money", "Total cost", False, "sum of the six cost components"),
    _k("utilization", "share", "Utilization", None, "capacity allocated over capacity × span", kind="supplier"),
    # resilience block (scenarios with disruptions): paired against the same replication without them
    _k(
        "time_to_survive",
        "periods",
        "Time to survive",
        True,
        "disruption start to the first extra unmet demand",
        kind="resilience",
    ),
    _k(
        "tts_stock_cover",
        "periods",
        "Stock cover at start",
        True,
        "stock on hand + in transit at the start over mean demand",
        kind="resilience",
    ),
    _k(
        "time_to_recover",
        "periods",
        "Time to recover",
        False,
        "until the rolling fill rate is back near the baseline for good",
        kind="resilience",
    ),
    _k(
        "lost_sales_during",
        "units",
        "Lost sales (extra)",
        False,
        "extra lost units from the disruption's start",
        kind="resilience",
    ),
    _k(
        "backorders_peak",
        "units",
        "Backorders peak (extra)",
        False,
        "largest excess of end-of-period backorders",
        kind="resilience",
    ),
    _k(
        "revenue_at_risk",
        "money",
        "Revenue at risk",
        False,
        "extra units not filled on arrival × price",
        kind="resilience",
    ),
    _k(
        "resilience_loss",
        "periods",
        "Resilience loss",
        False,
        "area between baseline and disrupted fill-rate curves",
        kind="resilience",
    ),
    _k(
        "tts_optimal",
        "periods",
        "Time to survive (optimal)",
        True,
        "LP: longest demand can be met with optimal reallocation",
        kind="resilience",
    ),
    _k(
        "warning_lead_time",
        "periods",
        "Warning lead time",
        True,
        "first alert to first unmet demand",
        kind="resilience",
    ),
    _k(
        "supplier_availability",
        "share",
        "Supplier availability",
        True,
        "share of the window the supplier was up",
        kind="resilience_supplier",
        percent=True,
    ),
)
BY_NAME: dict[str, KpiInfo] = {k.name: k for k in CATALOG}

COSTS = tuple(k.name for k in CATALOG if k.cost)  # the cost components that add up to total_cost
STOCK_KPIS = tuple(k.name for k in CATALOG if k.kind in ("stock", "both"))
SUPPLIER_KPIS = tuple(k.name for k in CATALOG if k.kind in ("supplier", "both"))
RESILIENCE_KPIS = tuple(k.name for k in CATALOG if k.kind == "resilience")
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


def label(name: str) -> str:
    """Human-readable KPI name (the name itself, capitalised, for a KPI not in the catalogue)."""
    k = BY_NAME.get(name)
    return k.label if k else name.replace("_", " ").capitalize()
