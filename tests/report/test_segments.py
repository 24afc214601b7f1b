"""Kraljic segments (sim.report.segments) follow the documented value and risk thresholds: hand arithmetic on a
written KPI table, no simulation."""

from __future__ import annotations

import pandas as pd
import pytest

from sim.report.segments import segments
from tests.conftest import build, const, lane, product, stock_node, supplier


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
    from sim.report.supply_base import concentration

    sc = scenario()
    sc = sc.model_copy(update={"nodes": [sc.nodes[0].model_copy(update={"region": "EU"}), *sc.nodes[1:]]})
    table = kpis([("a", "ALL", "spend", 300.0), ("b", "ALL", "spend", 100.0), ("h", "x", "spend", 7.0)])
    c = concentration(sc, table)
    assert c.supplier_share.to_dict() == {"a": 0.75, "b": 0.25}
    assert c.hhi_suppliers == 0.625
    assert c.region_share.to_dict() == {"": 0.25, "EU": 0.75}
    assert c.single_source_items == [("h", "x")]


def test_kpis_per_segment_by_hand():
    """x (bottleneck): demand 100, fill rate 0.9, 5 lost; y (leverage): demand 300, fill 0.8. Per segment the
    demand-weighted fill rate, sums of spend (purchase cost) and total cost."""
    from sim.report.segments import by_segment

    extra = kpis(
        [
            ("h", "x", "demand", 100.0),
            ("h", "x", "fill_rate", 0.9),
            ("h", "x", "lost_sales", 5.0),
            ("h", "x", "total_cost", 250.0),
            ("h", "y", "demand", 300.0),
            ("h", "y", "fill_rate", 0.8),
            ("h", "y", "lost_sales", 0.0),
            ("h", "y", "total_cost", 700.0),
        ]
    )
    t = by_segment(scenario(), pd.concat([TABLE, extra])).set_index("segment")
    assert list(t.index) == ["leverage", "bottleneck"]
    assert t.loc["bottleneck", ["items", "demand", "fill_rate", "lost_sales", "spend", "total_cost"]].tolist() == (
        pytest.approx([1, 100, 0.9, 5, 200, 250])
    )
    assert t.loc["leverage", ["fill_rate", "spend", "total_cost"]].tolist() == pytest.approx([0.8, 600, 700])


def test_supplier_scorecard_per_segment_by_hand():
    """a serves x (bottleneck) and y (leverage), b only y. a: 95 accepted + 5 rejected -> reject share 0.05; OTIF
    0.9; a flex band accepted 3 of 4 orders; b without contract terms: NaN."""
    from sim.report.segments import scorecard

    rows = kpis(
        [
            ("a", "ALL", "supplier_cost", 1200.0),
            ("a", "ALL", "volume", 95.0),
            ("a", "ALL", "rejected_units", 5.0),
            ("a", "ALL", "otif", 0.9),
            ("a", "ALL", "flex_share", 0.75),
            ("a", "ALL", "late_units", 10.0),
            ("a", "ALL", "on_time_penalty", 20.0),
            ("b", "ALL", "supplier_cost", 300.0),
            ("b", "ALL", "volume", 40.0),
            ("b", "ALL", "rejected_units", 0.0),
            ("b", "ALL", "otif", 1.0),
        ]
    )
    t = scorecard(scenario(), pd.concat([TABLE, rows]))
    assert list(zip(t.segment, t.supplier, strict=True)) == [("leverage", "a"), ("leverage", "b"), ("bottleneck", "a")]
    a = t.iloc[0]
    assert [a.cost, a.reject_share, a.on_time, a.flex_share, a.late_units, a.on_time_penalty] == pytest.approx(
        [1200, 0.05, 0.9, 0.75, 10, 20]
    )
    assert t.iloc[1][["flex_share", "late_units"]].isna().all()


def test_segment_matrix_and_report_section(tmp_path):
    """The figure puts each item at its scored (spend, risk) with the thresholds as lines; a report of a scenario
    with segmentation gets the figure and the segment tables, one without gets neither."""
    import sim
    from sim.report.html import write_report
    from sim.report.segment_figures import segment_matrix, segment_points

    sc = sim.load_scenario("segmented_sourcing")
    pts = segment_points(sc)
    assert dict(zip(pts.sku, pts.segment, strict=True))["connector"] == "bottleneck"
    fig = segment_matrix(sc)
    ax = fig.axes[0]
    lines = [(tuple(ln.get_xdata()), tuple(ln.get_ydata())) for ln in ax.get_lines()]
    assert ((pts.annual_spend.mean(),) * 2, (0, 1)) in lines  # the value threshold (default: mean spend)
    assert ((0, 1), (0.5, 0.5)) in lines  # the risk threshold
    offsets = [tuple(p) for coll in ax.collections for p in coll.get_offsets()]
    assert sorted(offsets) == sorted(zip(pts.annual_spend, pts.risk, strict=True))

    res = sim.simulate(sc.model_copy(update={"horizon": 60}), seed=1)
    summary = res.kpis.rename(columns={"value": "mean"}).assign(
        variant="base", ci_low=float("nan"), ci_high=float("nan")
    )
    meta = {"replications": 1, "seed": 1}
    page = write_report(
        tmp_path / "a", summary=summary, bands=None, scenario=sc.model_dump(by_alias=True), config_yaml="", meta=meta
    ).read_text()
    assert 'id="segments"' in page and "Supplier scorecard per segment" in page and "hsinchu_semis" in page
    assert (tmp_path / "a" / "figures" / "segments.png").is_file()
    plain = sim.load_scenario("dual_sourcing")
    page = write_report(
        tmp_path / "b", summary=summary, bands=None, scenario=plain.model_dump(by_alias=True), config_yaml="", meta=meta
    ).read_text()
    assert 'id="segments"' not in page
