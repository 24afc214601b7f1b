"""How much memory one replication needs, checked before anything runs (an absurd horizon is refused up front).

The model keeps per-period buffers for every stock item (twelve float64 flows: 96 bytes per period, at most), per-period
lists at suppliers and pre-drawn demand (~32 bytes per period and stream), and, with time series, the state log and
the table built from it (~250 bytes per period and item, measured on the showcase), and a record per container of a
consolidating lane (~250 bytes, measured; sim.scenario.workload estimates the containers). The estimate is deliberately
simple and on the high side; the limit is the machine's physical memory (or the process's address-space limit, if
lower), shared by the workers that run replications at once.
"""

from __future__ import annotations

import contextlib
import os
import resource

from sim.errors import ConfigError, ScenarioError
from sim.kpi.catalog import (
    CHANGE_KPIS,
    CONTRACT_KPIS,
    LANE_KPIS,
    MODE_KPIS,
    NETWORK_KPIS,
    RESILIENCE_KPIS,
    SOURCE_KPIS,
    STOCK_KPIS,
    SUPPLIER_KPIS,
)
from sim.scenario import workload
from sim.scenario.schema import Scenario, StockNode, SupplierNode

BYTES_PER_ITEM_PERIOD = 96
BYTES_PER_STREAM_PERIOD = 32
BYTES_PER_SERIES_ITEM_PERIOD = 250
# the stress test keeps, per element (and the baseline) and replication, a float32 service curve (held, stacked once
# and, from a worker, pickled: ~12 bytes per period) and its metrics with their table row (~2 KiB; measured on the
# serial chain with tracemalloc: ~8 bytes per period + ~2 KiB)
BYTES_PER_CURVE_PERIOD = 12
BYTES_PER_STRESS_RUN = 2048
BYTES_PER_CONTAINER = 250


def replication_bytes(scenario: Scenario, *, timeseries: bool) -> int:
    """Estimated peak memory of one replication of ``scenario``."""
    stock = [n for n in scenario.nodes if isinstance(n, StockNode)]
    items = sum(len(n.products) for n in stock)
    streams = sum(len(n.demand) for n in stock) + sum(isinstance(n, SupplierNode) for n in scenario.nodes) * 2
    per_period = items * (BYTES_PER_ITEM_PERIOD + (BYTES_PER_SERIES_ITEM_PERIOD if timeseries else 0))
    per_period += streams * BYTES_PER_STREAM_PERIOD
    return (scenario.horizon + 1) * per_period + int(workload.containers(scenario) * BYTES_PER_CONTAINER)


def available_bytes() -> int | None:
    """Memory this process could have: the machine's physical memory, capped by RLIMIT_AS (None if unknown)."""
    found = []
    with contextlib.suppress(ValueError, OSError, AttributeError):  # sysconf names differ off Linux
        found.append(os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    if soft != resource.RLIM_INFINITY:
        found.append(soft)
    return min(found) if found else None


def check_window(scenario: Scenario) -> None:
    """Refuse a horizon or warm-up no replication can run (a scenario changed after validation, by ``model_copy``)."""
    h, w = scenario.horizon, scenario.warmup
    if not isinstance(h, int) or isinstance(h, bool) or h <= 0:
        raise ScenarioError(f"horizon: a whole number of periods > 0 is needed, got {h!r}")
    if not isinstance(w, int) or isinstance(w, bool) or not 0 <= w < h:
        raise ScenarioError(f"warmup: a whole number of periods, >= 0 and smaller than horizon ({h}), got {w!r}")


def check_fits(scenario: Scenario, *, timeseries: bool, workers: int = 1) -> None:
    """Refuse a run whose horizon can't be run (:func:`check_window`) or whose replications would not fit in memory,
    with the estimate and the limit."""
    check_window(scenario)
    need = replication_bytes(scenario, timeseries=timeseries) * max(workers, 1)
    have = available_bytes()
    if have is not None and need > have:
        who = f"{workers} workers x one replication" if workers > 1 else "one replication"
        raise ConfigError(
            f"horizon={scenario.horizon}: {who} would need ~{_size(need)} of memory; this machine has {_size(have)}."
            f" Shorten the horizon, lower mc.n_jobs, or run fewer items."
        )


def kpi_width(scenario: Scenario) -> int:
    """KPI values one replication returns (rows x KPIs, as sim.kpi.compute lays them out)."""

    stock = [n for n in scenario.nodes if isinstance(n, StockNode)]
    items = sum(len(n.products) for n in stock)
    skus = len({sku for n in stock for sku in n.products})
    supplier_nodes = [n for n in scenario.nodes if isinstance(n, SupplierNode)]
    regions = len({n.region for n in supplier_nodes if n.region})  # sim.kpi.sources: region rows
    sources = sum(len(srcs) for n in stock for srcs in n.sources.values() if len(srcs) > 1)  # per-source rows
    rows = items + len(stock) + skus + 1 if items else 0
    width = rows * len(STOCK_KPIS) + (len(supplier_nodes) + regions) * len(SUPPLIER_KPIS) + sources * len(SOURCE_KPIS)
    width += (len(NETWORK_KPIS) if items else 0) + len({ln.mode for ln in scenario.lanes}) * len(MODE_KPIS)
    boxed = sum(ln.consolidation is not None for ln in scenario.lanes)  # sim.model.consolidating_lane: lane rows
    width += (boxed + 1) * len(LANE_KPIS) if boxed else 0
    contracts = sum(1 for n in supplier_nodes if n.contract is not None)  # sim.kpi.contract_terms: their rows
    return width + contracts * len(CONTRACT_KPIS) + resilience_width(scenario)


def resilience_width(scenario: Scenario) -> int:
    """The resilience block of a disrupted scenario (sim.kpi.resilience): customer-facing items, products over
    them and the network, × the resilience KPIs; plus supplier availability per supplier."""
    if not scenario.disruptions:
        return 0
    cust = [(n.id, sku) for n in scenario.nodes if isinstance(n, StockNode) for sku in n.customer_products]
    skus = {sku for _, sku in cust}
    suppliers = sum(isinstance(n, SupplierNode) for n in scenario.nodes)
    return (len(cust) + len(skus) + 1) * len(RESILIENCE_KPIS) + suppliers + (len(skus) + 1) * len(CHANGE_KPIS)


def check_batch_fits(scenario: Scenario, replications: int) -> None:
    """Refuse a batch whose KPI table could not be held in memory (a typo like mc.replications=1000000000)."""
    width = kpi_width(scenario)
    need = replications * width * 8  # the KPI matrix a batch summarises
    have = available_bytes()
    if have is not None and need > have // 2:
        raise ConfigError(
            f"mc.replications={replications}: the KPI table alone would hold {replications:,} x {width} values = "
            f"{_size(need)} in memory (and about {_size(need * 3)} of parts on disk); this machine has {_size(have)}. "
            "Ask for fewer replications, or use mc.target_halfwidth to stop once the intervals are tight."
        )


def check_stress_fits(scenario: Scenario, *, periods: int, elements: int, replications: int, workers: int) -> None:
    """Refuse a stress test that would not fit in memory, before anything is allocated: each worker holds the
    baseline and one element's run of ``periods`` periods at once, and the test keeps a service curve and the
    metrics of every element and the baseline in every replication (at most ``replications``)."""
    have = available_bytes()
    if have is None:
        return
    workers = max(workers, 1)
    run = replication_bytes(scenario.model_copy(update={"horizon": periods}), timeseries=False) * 2 * workers
    if run > have:
        who = f"{workers} workers, each holding" if workers > 1 else "holding"
        raise ConfigError(
            f"horizon={scenario.horizon}: {who} a baseline and an element's run of {periods:,} periods would need "
            f"~{_size(run)} of memory; this machine has {_size(have)}. Shorten the horizon (or simulate fewer periods "
            "after the outage with stress.tail), or lower mc.n_jobs."
        )
    per_replication = (elements + 1) * (BYTES_PER_CURVE_PERIOD * periods + BYTES_PER_STRESS_RUN)
    if replications * per_replication > have // 2:
        fit = have // 2 // per_replication
        raise ConfigError(
            f"mc.replications={replications}: the stress test keeps a service curve of {periods:,} periods and the "
            f"metrics of each of its {elements} elements and the baseline in every replication, up to "
            f"{_size(replications * per_replication)} for {replications:,} replications; this machine has "
            f"{_size(have)}. At most {fit:,} replications fit: lower mc.replications, simulate fewer periods "
            "(horizon, stress.tail) or take out fewer elements (stress.elements)."
        )


def _size(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if n < 1024 or unit == "PiB":
            return f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} PiB"  # pragma: no cover - the loop always returns
