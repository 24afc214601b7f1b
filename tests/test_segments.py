"""Kraljic segments (sim.report.segments) follow the documented value and risk thresholds: hand arithmetic on a
written KPI table, no simulation."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import build, const, lane, product, stock_node, supplier

from sim.report.segments import segments


def scenario():
    """Hub h buys x from a (single source, defect rate 2 %) and y from a and b (dual source). Window: 73 days of a
    365-day year (horizon 83, warm-up 10), so annual spend = window purchase cost × 5."""
    nodes = [
        supplier("a", defect_rate=0.02),
        supplier("b"),
        stock_node("h", kind="buffer", policy={"kind": "base_stock", "level": 5}, source="a", sku="x"),
    ]
    nodes[2]["policy"]["y"] = {"kind": "base_stock", "level": 5}
    nodes[2]["sources"]["y"] = [{"node": "a", "share": 0.5}, {"node": "b", "share": 0.5}]
    nodes.append(stock_node("r", policy={"kind": "base_stock", "level": 5}, source="h", demand=const(1), sku="x"))
    return build(
        {
            "name": "seg",
            "horizon": 83,
            "warmup": 10,
            "products": [product("x"), product("y")],
            "nodes": nodes,
            "lanes": [lane("a", "h", 1), lane("b", "h", 1), lane("h", "r", 1)],
        }
    )


def kpis(rows: list[tuple[str, str, str, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["node", "sku", "kpi", "value"])


TABLE = kpis(
    [
        ("h", "x", "purchase_cost", 200.0),  # 1000 a year
        ("h", "x", "lead_time_avg", 4.0),
        ("h", "x", "lead_time_p95", 5.0),  # spread 0.25
        ("h", "y", "purchase_cost", 600.0),  # 3000 a year
        ("h<-a", "y", "lead_time_avg", 2.0),
        ("h<-a", "y", "lead_time_p95", 5.0),  # spread 1.5 -> capped at 1
        ("h<-b", "y", "lead_time_avg", 10.0),
        ("h<-b", "y", "lead_time_p95", 11.0),  # spread 0.1
    ]
)


def test_segments_by_hand():
    """x: risk = 0.5 (single) + 0.25 × 0.25 (spread) + 0.25 × 0.02/0.05 (defects) = 0.6625; y: 0.25 × 1 (worst
    source's spread) + 0.25 × 0.4 = 0.35. Mean annual spend 2000: x low value, high risk -> bottleneck; y high
    value, low risk -> leverage. The retailer's x comes from the hub: not a purchase, no row."""
    t = segments(scenario(), TABLE).set_index(["node", "sku"])
    assert list(t.index) == [("h", "x"), ("h", "y")]
    assert t.annual_spend.tolist() == pytest.approx([1000, 3000])
    assert t.risk.tolist() == pytest.approx([0.6625, 0.35])
    assert t.segment.tolist() == ["bottleneck", "leverage"]


def test_thresholds_move_the_segments():
    """A value threshold of 500 makes both high value (x strategic); a risk threshold of 0.3 makes y strategic."""
    assert segments(scenario(), TABLE, value_threshold=500).segment.tolist() == ["strategic", "leverage"]
    assert segments(scenario(), TABLE, risk_threshold=0.3).segment.tolist() == ["bottleneck", "strategic"]
    assert segments(scenario(), TABLE, value_threshold=5000, risk_threshold=0.9).segment.tolist() == ["routine"] * 2


def test_a_batch_summary_with_a_mean_column_works_too():
    summary = TABLE.rename(columns={"value": "mean"})
    assert segments(scenario(), summary).segment.tolist() == ["bottleneck", "leverage"]


def test_concentration_by_hand():
    """Spend a 300, b 100: shares 0.75 / 0.25, HHI 0.75² + 0.25² = 0.625; a in EU, b without a region; x is the one
    item bought from a single supplier (r's x comes from the hub: not a purchase)."""
    from sim.report.concentration import concentration

    sc = scenario()
    sc = sc.model_copy(update={"nodes": [sc.nodes[0].model_copy(update={"region": "EU"}), *sc.nodes[1:]]})
    table = kpis([("a", "ALL", "spend", 300.0), ("b", "ALL", "spend", 100.0), ("h", "x", "spend", 7.0)])
    c = concentration(sc, table)
    assert c.supplier_share.to_dict() == {"a": 0.75, "b": 0.25}
    assert c.hhi_suppliers == 0.625
    assert c.region_share.to_dict() == {"": 0.25, "EU": 0.75}
    assert c.single_source_items == [("h", "x")]
