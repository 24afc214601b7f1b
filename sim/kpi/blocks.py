"""Catalogue entries of the KPI blocks only some scenarios have: consolidating lanes, resilience (scenarios with
disruptions), contract terms (suppliers with a ``contract``) and production (scenarios with plants). sim.kpi.catalog
appends them after the core entries, in this order (the column order of sim.kpi.compute)."""

from __future__ import annotations

import math

from sim.kpi.info import KpiInfo
from sim.kpi.info import kpi as _k

# rows (lane:<id>, ALL) per consolidating lane and (lane:ALL, ALL)
LANE_KPI_INFO: tuple[KpiInfo, ...] = (
    # consolidated shipping (lanes with a consolidation: block; sim.model.consolidating_lane): rows (lane:<id>, ALL)
    # per consolidating lane and (lane:ALL, ALL) over them, from the containers that departed in the window
    _k("shipments", "containers", "Shipments", None, "containers dispatched", kind="lane", bounds=(0.0, math.inf)),
    _k(
        "container_utilisation",
        "share",
        "Container utilisation",
        True,
        "load shipped over the capacity of the containers dispatched (lane:ALL: mean over all containers)",
        kind="lane",
        percent=True,
        bounds=(0.0, 1.0),
    ),
    _k(
        "transport_cost_per_unit",
        "money per unit",
        "Transport cost per unit",
        False,
        "transport cost of the containers dispatched over the units on them",
        kind="lane",
        bounds=(0.0, math.inf),
    ),
)

# paired against the same replication without the disruptions
RESILIENCE_KPI_INFO: tuple[KpiInfo, ...] = (
    # resilience block (scenarios with disruptions): paired against the same replication without them
    _k(
        "time_to_survive",
        "periods",
        "Time to survive",
        True,
        "disruption start to the first extra unmet demand (H − s if it never came: censored)",
        kind="resilience",
        bounds=(0.0, math.inf),
    ),
    _k(
        "time_to_survive_censored",
        "share",
        "Never dropped (TTS censored)",
        None,
        "1 if service never dropped within the run (TTS censored at H − s); the batch mean is the share",
        kind="resilience",
        percent=True,
        bounds=(0.0, 1.0),
    ),
    _k(
        "tts_stock_cover",
        "periods",
        "Stock cover at start",
        True,
        "stock on hand + in transit at the start over mean demand, affected items only",
        kind="resilience",
        bounds=(0.0, math.inf),
    ),
    _k(
        "time_to_recover",
        "periods",
        "Time to recover",
        False,
        "until the rolling fill rate is back near the baseline for good (H − s if never: censored)",
        kind="resilience",
        bounds=(0.0, math.inf),
    ),
    _k(
        "time_to_recover_censored",
        "share",
        "Not recovered (TTR censored)",
        None,
        "1 if not recovered by the end of the run (TTR censored at H − s); the batch mean is the share",
        kind="resilience",
        percent=True,
        bounds=(0.0, 1.0),
    ),
    _k(
        "lost_sales_during",
        "units",
        "Lost sales (extra)",
        False,
        "extra lost units from the disruption's start (a paired difference)",
        kind="resilience",
    ),
    _k(
        "backorders_peak",
        "units",
        "Backorders peak (extra)",
        False,
        "largest excess of end-of-period backorders",
        kind="resilience",
        bounds=(0.0, math.inf),
    ),
    _k(
        "revenue_at_risk",
        "money",
        "Revenue at risk",
        False,
        "extra units not filled on arrival × price (a paired difference)",
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
        bounds=(0.0, math.inf),
    ),
    _k(
        "warning_lead_time",
        "periods",
        "Warning lead time",
        True,
        "first item alert (projected cover, stock cover, late order) to first unmet demand",
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
        bounds=(0.0, 1.0),
    ),
    # batch summaries only (sim.experiment.survival_stats): a statistic over the replications, no per-replication value
    _k(
        "time_to_survive_km_median",
        "periods",
        "Time to survive (KM median)",
        True,
        "Kaplan–Meier median of TTS over the replications, censored ones included; inf: not reached in the run",
        kind="resilience_batch",
        bounds=(0.0, math.inf),
    ),
    _k(
        "time_to_recover_km_median",
        "periods",
        "Time to recover (KM median)",
        False,
        "Kaplan–Meier median of TTR over the replications, censored ones included; inf: not reached in the run",
        kind="resilience_batch",
        bounds=(0.0, math.inf),
    ),
)

# supplier rows of suppliers with a contract
CONTRACT_KPI_INFO: tuple[KpiInfo, ...] = (
    # -- contract terms (supplier rows of suppliers with a ``contract``; sim.kpi.contract_terms) -------------------
    _k(
        "late_units",
        "units",
        "Late units",
        False,
        "units received after their order's due date in the window",
        kind="contract",
        bounds=(0.0, math.inf),
    ),
    _k(
        "on_time_penalty",
        "money",
        "On-time penalty",
        None,
        "late_penalty × (late units − (1 − on_time_target) × units delivered); negative: a reward",
        kind="contract",
    ),
    _k(
        "refused_units",
        "units",
        "Refused units (flex band)",
        False,
        "units ordered beyond the flex band: spilled over or waiting",
        kind="contract",
        bounds=(0.0, math.inf),
    ),
    _k(
        "flex_share",
        "share",
        "Requests within band",
        True,
        "share of orders the flex band accepted whole",
        kind="contract",
        percent=True,
        bounds=(0.0, 1.0),
    ),
    _k(
        "flex_shortfall",
        "units",
        "Shortfall below band",
        None,
        "units below the band's lower limit, summed over the periods (take-or-pay)",
        kind="contract",
        bounds=(0.0, math.inf),
    ),
)


# the disruption's effect on the network and on each product (rows (ALL, ALL) and (ALL, sku)): the disrupted run's
# KPI minus the same replication's without the disruptions (sim.kpi.changes), so its summary is a paired difference
CHANGE_KPI_INFO: tuple[KpiInfo, ...] = (
    _k(
        "fill_rate_change",
        "share",
        "Fill rate change",
        True,
        "fill rate with the disruptions minus without them, in the same replication",
        kind="change",
        percent=True,
        bounds=(-1.0, 1.0),
    ),
    _k(
        "total_cost_change",
        "money",
        "Total cost change",
        False,
        "total cost with the disruptions minus without them, in the same replication",
        kind="change",
    ),
)


# rows of plants (sim.kpi.production): per plant × finished good, per plant × component, (plant, ALL); units produced
# and production cost also per made product (ALL, sku) and for the network (ALL, ALL)
PLANT_KPI_INFO: tuple[KpiInfo, ...] = (
    _k(
        "units_produced",
        "units",
        "Units produced",
        None,
        "finished goods output in the window",
        kind="plant",
        bounds=(0.0, math.inf),
    ),
    _k(
        "kit_shortage_share",
        "share",
        "Orders short of a kit",
        False,
        "share of the production orders created in the window that waited for a missing component",
        kind="plant",
        percent=True,
        bounds=(0.0, 1.0),
    ),
    _k(
        "component_criticality",
        "share",
        "Component criticality",
        None,
        "the component's share of the plant's kit waiting (each instant an order waits is split equally among the "
        "components missing then)",
        kind="plant",
        percent=True,
        bounds=(0.0, 1.0),
    ),
    _k(
        "wip_avg",
        "units",
        "Work in progress (avg units)",
        None,
        "time-average units kitted and not yet output (waiting for capacity or in production)",
        kind="plant",
        bounds=(0.0, math.inf),
    ),
    _k(
        "components_consumed",
        "units",
        "Components consumed",
        None,
        "component units consumed by the kits started in the window",
        kind="plant",
        bounds=(0.0, math.inf),
    ),
    _k(
        "production_cost",
        "money",
        "Production cost",
        False,
        "production_cost per unit × units produced in the window (part of total_cost)",
        kind="plant",
        cost=True,
        bounds=(0.0, math.inf),
    ),
)
