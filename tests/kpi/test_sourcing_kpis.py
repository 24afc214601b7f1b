"""Sourcing rows (per supplier, per region, per source of a dual-sourced item), operating cost and network turns,
checked against hand arithmetic."""

from __future__ import annotations

import math

import pytest

from sim.kpi import catalog
from sim.scenario.sources import load_scenario
from tests.conftest import const, kpi_dict, lane, product, run, stock_node, supplier


def dual_sourced() -> dict:
    """Retailer r (base stock 100, starts with 100) sells 10 per period; each demand's order of 10 goes 60 % to
    supplier a (transit 2, promised 3) and 40 % to supplier b (capacity 5/period, transit 5, promised 4)."""
    return {
        "name": "dual",
        "horizon": 10,
        "products": [product(unit_cost=3)],
        "nodes": [
            supplier("a", region="EU"),
            supplier("b", region="EU", capacity=5),
            stock_node(
                "r",
                policy={"kind": "base_stock", "level": 100},
                source=[
                    {"node": "a", "share": 0.6, "promised_lead_time": 3},
                    {"node": "b", "share": 0.4, "promised_lead_time": 4},
                ],
                demand=const(10),
            ),
        ],
        "lanes": [lane("a", "r", 2), lane("b", "r", 5)],
    }


# Hand arithmetic (orders at t = 0..9, right after each demand; no order delay, no production time):
#   a: 6 units per order, arrive t+2 -> orders t=0..7 complete (lead time 2), t=8,9 arrive at 10 = horizon (open).
#      due t+3 < 10 for t <= 6: 7 due, all on time. Received in the window: 8 x 6 = 48 units, spend 3 x 48 = 144.
#   b: 4 units per order, arrive t+5 -> t=0..4 complete (lead time 5). due t+4 < 10 for t <= 5: 6 due, none on
#      time. Received: 5 x 4 = 20, spend 60. Capacity 5/period, 4 allocated each period: 40 / (5 x 10) = 0.8.
#   The item (both sources): lead times 8 x 2 and 5 x 5 -> mean 41/13, p95 5; OTIF 7 of 13.
SOURCE_A = {"orders_placed": 10, "lead_time_avg": 2, "lead_time_p95": 2, "otif": 1, "promised_lead_time": 3}
SOURCE_A |= {"volume": 48, "spend": 144}
SOURCE_B = {"orders_placed": 10, "lead_time_avg": 5, "lead_time_p95": 5, "otif": 0, "promised_lead_time": 4}
SOURCE_B |= {"volume": 20, "spend": 60}


def _check(k: dict, node: str, sku: str, expected: dict) -> None:
    for name, value in expected.items():
        got = k[(node, sku, name)]
        if isinstance(value, float) and math.isnan(value):
            assert math.isnan(got), f"{node}/{sku}/{name}: {got}"
        else:
            assert got == pytest.approx(value, rel=1e-12, abs=1e-12), f"{node}/{sku}/{name}: {got} != {value}"


def test_per_source_rows_split_a_dual_sourced_item():
    """Each source of the dual-sourced item has its own lead time, OTIF, volume and spend; the item row pools them."""
    k = kpi_dict(run(dual_sourced()))
    _check(k, "r<-a", "w", SOURCE_A)
    _check(k, "r<-b", "w", SOURCE_B)
    _check(k, "r", "w", {"lead_time_avg": 41 / 13, "lead_time_p95": 5.0, "otif": 7 / 13, "purchase_cost": 204.0})


def test_supplier_and_region_rows():
    """Supplier rows carry the scorecard plus demand and capacity use; a region pools its suppliers' orders."""
    k = kpi_dict(run(dual_sourced()))
    _check(k, "a", "ALL", SOURCE_A | {"demand": 60, "demand_var": 0, "utilization": math.nan})
    _check(k, "b", "ALL", SOURCE_B | {"demand": 40, "demand_var": 0, "utilization": 0.8})
    region = {"orders_placed": 20, "lead_time_avg": 41 / 13, "lead_time_p95": 5.0, "otif": 7 / 13}
    region |= {"promised_lead_time": 3.5, "volume": 68, "spend": 204, "demand": 100, "utilization": 0.8}
    _check(k, "region:EU", "ALL", region)


def test_single_source_items_have_no_source_rows():
    """A single-sourced item's row already is its source's: no extra rows."""
    data = dual_sourced()
    data["nodes"][2]["sources"]["w"] = [{"node": "a"}]
    k = kpi_dict(run(data))
    assert not [key for key in k if "<-" in key[0]]
    assert k[("a", "ALL", "volume")] == 8 * 10  # 10 per order, t=0..7 arrive in the window


def test_row_layout_cached_per_scenario_matches_rebuild():
    """The KPI index (the layout a Prepared scenario caches) equals the one a fresh scenario builds, sourcing rows
    included."""
    from tests.conftest import build

    sc = build(dual_sourced())
    first = run(sc).kpi_index
    assert run(sc).kpi_index == first == run(build(dual_sourced())).kpi_index
    assert len(first) == len(set(first))
    assert {k for _, _, k in first} == set(catalog.KNOWN_KPIS) - catalog.CONDITIONAL_KPIS  # no disruptions here


def test_kpi_width_estimate_counts_the_sourcing_rows():
    """The memory guard's KPI width (sim.experiment.footprint) equals what a replication returns, sourcing rows
    included."""
    from sim.experiment.footprint import kpi_width
    from tests.conftest import build

    names = ("consolidated_sourcing", "regional_disruption", "segmented_sourcing")  # the last with contract rows
    for sc in (build(dual_sourced()), *(load_scenario(n) for n in names)):
        assert kpi_width(sc) == len(run(sc).kpi_index)
