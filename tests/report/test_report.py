"""Tests for the report layer (sim.report.figures, sim.report.html) on small synthetic tables."""

from __future__ import annotations

import base64
import math
import re
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from sim.report import costs, figures, network_map
from sim.report import html as report

EVIL = "<script>alert(1)</script>"
SUMMARY_COLS = [
    "scenario",
    "variant",
    "node",
    "sku",
    "kpi",
    "mean",
    "std",
    "ci_low",
    "ci_high",
    "p05",
    "p50",
    "p95",
    "n",
]
BAND_COLS = ["variant", "node", "sku", "t", "metric", "p05", "p50", "p95"]
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

# network KPI means for the two variants; CI = mean -/+ 5 %
NETWORK = {
    "base": {
        "fill_rate": 0.9512,
        "cycle_service_level": 0.88,
        "lost_sales": 42.0,
        "backorders_avg": 3.25,
        "on_hand_avg": 512.0,
        "holding_cost": 1500.0,
        "backorder_cost": 250.0,
        "lost_sale_cost": 420.0,
        "ordering_cost": 300.0,
        "transport_cost": 800.0,
        "purchase_cost": 9000.0,
    },
    "more_stock": {
        "fill_rate": 0.9801,
        "cycle_service_level": 0.95,
        "lost_sales": 12.0,
        "backorders_avg": 1.5,
        "on_hand_avg": 780.0,
        "holding_cost": 2300.0,
        "backorder_cost": 90.0,
        "lost_sale_cost": 120.0,
        "ordering_cost": 300.0,
        "transport_cost": 800.0,
        "purchase_cost": 9100.0,
    },
}
for _kpis in NETWORK.values():
    _kpis["total_cost"] = sum(v for k, v in _kpis.items() if k in figures.COST_KPIS)


def _row(variant: str, node: str, sku: str, kpi: str, mean: float) -> dict:
    return {
        "scenario": "demo",
        "variant": variant,
        "node": node,
        "sku": sku,
        "kpi": kpi,
        "mean": mean,
        "std": abs(mean) * 0.1,
        "ci_low": mean * 0.95,
        "ci_high": mean * 1.05,
        "p05": mean * 0.8,
        "p50": mean,
        "p95": mean * 1.2,
        "n": 30,
    }


@pytest.fixture
def scenario() -> dict:
    return {
        "name": "demo <net>",
        "period": 1,
        "horizon": 100,
        "warmup": 10,
        "products": [{"id": "A"}],
        "nodes": [
            {"id": "SUP", "type": "supplier", "region": "EU"},
            {"id": "DC", "type": "buffer", "region": "EU", "sources": {"A": [{"node": "SUP", "share": 1.0}]}},
            {"id": "R1", "type": "retailer", "region": "EU", "sources": {"A": [{"node": "DC", "share": 1.0}]}},
            {"id": EVIL, "type": "retailer", "region": "EU", "sources": {"A": [{"node": "DC", "share": 1.0}]}},
        ],
        "lanes": [
            {"from": "SUP", "to": "DC", "transit": 5, "cost_per_unit": 1.0},
            {"from": "DC", "to": "R1", "transit": 2, "cost_per_unit": 0.5},
            {"from": "DC", "to": EVIL, "transit": 2, "cost_per_unit": 0.5},
        ],
    }


@pytest.fixture
def summary() -> pd.DataFrame:
    rows = [_row(v, "ALL", "ALL", k, m) for v, kpis in NETWORK.items() for k, m in kpis.items()]
    for v in NETWORK:
        for node, fr in (("R1", 0.97), (EVIL, 0.93)):
            for kpi, mean in (
                ("fill_rate", fr),
                ("on_hand_avg", 40.0),
                ("backorders_avg", 1.2),
                ("total_cost", 2500.0),
            ):
                rows.append(_row(v, node, "ALL", kpi, mean))
    return pd.DataFrame(rows, columns=SUMMARY_COLS)


@pytest.fixture
def bands() -> pd.DataFrame:
    t = np.arange(20)
    rows = []
    for v in NETWORK:
        for node in ("DC", "R1"):
            for metric in ("on_hand", "backorders", "fill_rate"):
                p50 = 50 + 10 * np.sin(t / 3)
                for ti, m in zip(t, p50, strict=True):
                    rows.append((v, node, "A", ti, metric, m - 10, m, m + 10))
    return pd.DataFrame(rows, columns=BAND_COLS)


def _write(tmp_path, summary, bands, scenario, **kw):
    meta = {"replications": 30, "seed": 7, "confidence": 0.95, "date": "2024-05-01", "run_time_s": 12.345}
    return report.write_report(
        tmp_path, summary=summary, bands=bands, scenario=scenario, config_yaml=kw.get("config", "a: 1"), meta=meta
    )


# --------------------------------------------------------------------------- echelons / layout
def test_echelons_small_dag(scenario):
    assert network_map.echelons(scenario) == {"SUP": 0, "DC": 1, "R1": 2, EVIL: 2}


def test_echelons_longest_path_and_cycles():
    dag = {
        "nodes": [{"id": n, "type": "buffer"} for n in ("S", "A", "B", "C")],
        "lanes": [
            {"from": "S", "to": "A"},
            {"from": "A", "to": "B"},
            {"from": "S", "to": "B"},
            {"from": "B", "to": "C"},
        ],
    }
    assert network_map.echelons(dag) == {"S": 0, "A": 1, "B": 2, "C": 3}
    cyclic = {**dag, "lanes": [*dag["lanes"], {"from": "C", "to": "B"}]}
    ech = network_map.echelons(cyclic)  # does not hang or raise
    assert ech["S"] == 0 and ech["A"] == 1 and set(ech) == {"S", "A", "B", "C"}


def test_echelons_from_sources_only():
    scen = {"nodes": [{"id": "S"}, {"id": "R", "sources": {"x": [{"node": "S", "share": 1}]}}], "lanes": []}
    assert network_map.echelons(scen) == {"S": 0, "R": 1}


def test_network_layout_large_network():
    nodes = [{"id": f"S{i}", "type": "supplier"} for i in range(3)]
    nodes += [{"id": f"DC{i}", "type": "buffer"} for i in range(3)]
    nodes += [{"id": f"R{i}", "type": "retailer"} for i in range(14)]
    lanes = [{"from": f"S{i}", "to": f"DC{j}"} for i in range(3) for j in range(3)]
    lanes += [{"from": f"DC{i % 3}", "to": f"R{i}"} for i in range(14)]
    scen = {"name": "big", "nodes": nodes, "lanes": lanes}
    pos = network_map.network_layout(scen)
    assert {n: int(x) for n, (x, _) in pos.items()} == network_map.echelons(scen)
    assert len({p for p in pos.values()}) == 20  # no overlapping nodes
    fig = network_map.network_graph(scen)
    assert figures.save_png(fig).startswith(PNG_MAGIC)


# --------------------------------------------------------------------------- figures
def test_figures_return_figures(summary, bands, scenario):
    figs = [
        figures.fan_chart(bands, "R1", "A", "on_hand"),
        figures.fan_charts(bands, [("DC", "A"), ("R1", "A")]),
        figures.cost_breakdown(summary),
        figures.pareto_chart(costs.pareto_points(summary)),
        figures.cost_stack(costs.breakdown(summary)),
        network_map.network_graph(scenario),
        figures.fan_chart(bands.iloc[0:0], "R1", "A", "on_hand"),  # empty -> placeholder
        figures.cost_breakdown(summary.iloc[0:0]),
        figures.pareto_chart(costs.pareto_points(summary.iloc[0:0])),
        figures.cost_stack(costs.breakdown(summary.iloc[0:0])),
        network_map.network_graph({"nodes": [], "lanes": []}),
    ]
    for fig in figs:
        assert isinstance(fig, Figure)
        assert figures.save_png(fig).startswith(PNG_MAGIC)


def test_figures_thread_safe(summary, scenario):
    def render(_i: int) -> bytes:
        return figures.save_png(figures.cost_breakdown(summary)) + figures.save_png(network_map.network_graph(scenario))

    with ThreadPoolExecutor(4) as pool:
        assert all(b.startswith(PNG_MAGIC) for b in pool.map(render, range(4)))


def test_dollar_signs_do_not_trigger_mathtext(summary):
    weird = summary.assign(variant=summary["variant"].str.replace("base", "a$b$_c"))
    assert figures.save_png(figures.pareto_chart(costs.pareto_points(weird))).startswith(PNG_MAGIC)
    assert figures.save_png(figures.cost_stack(costs.breakdown(weird))).startswith(PNG_MAGIC)


# --------------------------------------------------------------------------- report
def test_write_report_files_and_self_contained(tmp_path, summary, bands, scenario):
    path = _write(tmp_path, summary, bands, scenario)
    assert path == tmp_path / "report.html"
    pngs = sorted(p.name for p in (tmp_path / "figures").glob("*.png"))
    assert pngs == ["cost_breakdown.png", "fan_charts.png", "network.png", "pareto.png"]
    html = path.read_text(encoding="utf-8")
    assert 'src="http' not in html and "<link" not in html and "<script" not in html.replace(EVIL, "")
    srcs = re.findall(r'src="([^"]*)"', html)
    assert len(srcs) == 4  # the summary has two variants: the Pareto plot instead of the per-product scatter
    for src in srcs:
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1]).startswith(PNG_MAGIC)
    for key in ("Replications", "Seed", "2024-05-01", "12.35"):
        assert key in html


def test_report_escapes_user_strings(tmp_path, summary, bands, scenario):
    config = f"name: x\nnote: '{EVIL}'\n</pre><b>bold</b>"
    html = _write(tmp_path, summary, bands, scenario, config=config).read_text(encoding="utf-8")
    assert EVIL not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "demo &lt;net&gt;" in html
    assert "&lt;/pre&gt;&lt;b&gt;bold&lt;/b&gt;" in html


def test_report_headline_numbers(tmp_path, summary, bands, scenario):
    html = _write(tmp_path, summary, bands, scenario).read_text(encoding="utf-8")
    base = NETWORK["base"]
    fr = base["fill_rate"]
    assert f"{fr * 100:.1f}% [{fr * 0.95 * 100:.1f}%, {fr * 1.05 * 100:.1f}%]" in html
    tc = base["total_cost"]
    assert f"{tc:,.0f} [{tc * 0.95:,.0f}, {tc * 1.05:,.0f}]" in html
    assert "95% CI" in html
    # retailer table lists both retailers (escaped), but not the DC
    assert ">R1<" in html and "&lt;script&gt;" in html


def test_headline_table_numbers(summary):
    text = report.headline_table(summary)
    lines = text.splitlines()
    assert "base" in lines[1] and "more_stock" in lines[1]
    for variant, kpis in NETWORK.items():
        fr, tc, ls = kpis["fill_rate"], kpis["total_cost"], kpis["lost_sales"]
        assert f"{fr * 100:.1f}% [{fr * 95:.1f}%, {fr * 105:.1f}%]" in text, variant
        assert f"{tc:,.0f} [{tc * 0.95:,.0f}, {tc * 1.05:,.0f}]" in text, variant
        assert f"{ls:.1f} [{ls * 0.95:.1f}, {ls * 1.05:.1f}]" in text, variant
        bo = kpis["backorders_avg"]
        assert f"{bo:.2f} [{bo * 0.95:.2f}, {bo * 1.05:.2f}]" in text, variant
    assert "On hand" in text and "Backorders" in text


def test_headline_table_names_the_currency_of_money_kpis_only(summary):
    """The terminal's table (issue 20, item 11): money in the scenario's currency, other KPIs without it."""
    lines = report.headline_table(summary, currency="USD").splitlines()
    assert any(line.startswith("Total cost (USD)") for line in lines)
    assert any(line.startswith("Fill rate ") for line in lines) and not any("Fill rate (USD)" in x for x in lines)


def test_nan_renders_as_dash(tmp_path, summary, bands, scenario):
    summary = summary.copy()
    net = (summary["node"] == "ALL") & (summary["variant"] == "base")
    summary.loc[net & (summary["kpi"] == "fill_rate"), ["mean", "ci_low", "ci_high"]] = math.nan
    summary.loc[net & (summary["kpi"] == "total_cost"), ["ci_low", "ci_high"]] = math.nan
    text = report.headline_table(summary)
    fill_line = next(line for line in text.splitlines() if line.startswith("Fill rate"))
    assert fill_line.split()[2] == "–"
    tc = NETWORK["base"]["total_cost"]
    assert f"{tc:,.0f}  " in text and f"{tc:,.0f} [" not in text
    html = _write(tmp_path, summary, bands, scenario).read_text(encoding="utf-8")
    assert "<td>–</td>" in html
    assert report.format_estimate("fill_rate", None) == "–"
    assert report.format_estimate("lost_sales", 3.0, math.nan, 4.0) == "3.00 [–, 4.00]"


def test_empty_bands_and_no_bands(tmp_path, summary, scenario):
    html = _write(tmp_path / "a", summary, pd.DataFrame(columns=BAND_COLS), scenario).read_text(encoding="utf-8")
    assert "No time series" in html
    assert not (tmp_path / "a" / "figures" / "fan_charts.png").exists()
    assert _write(tmp_path / "b", summary, None, scenario).exists()
    assert _write(tmp_path / "c", summary.iloc[0:0], None, {"nodes": []}).exists()


def test_key_panels_cap_and_order(bands, scenario):
    assert report.key_panels(scenario, bands) == [("DC", "A"), ("R1", "A")]
    nodes = [{"id": "S", "type": "supplier"}, {"id": "D", "type": "buffer"}]
    nodes += [{"id": f"R{i}", "type": "retailer"} for i in range(8)]
    lanes = [{"from": "S", "to": "D"}] + [{"from": "D", "to": f"R{i}"} for i in range(8)]
    many = pd.DataFrame(
        [("v", n["id"], "A", 0, "on_hand", 0, 1, 2) for n in nodes if n["type"] != "supplier"], columns=BAND_COLS
    )
    panels = report.key_panels({"nodes": nodes, "lanes": lanes}, many)
    assert len(panels) == report.MAX_FAN_PANELS and panels[0] == ("D", "A")


# --------------------------------------------------------------------------- comparison
def _comparison() -> pd.DataFrame:
    rows = []
    base = NETWORK["base"]
    for v, kpis in NETWORK.items():
        for kpi, mean in kpis.items():
            diff = 0.0 if v == "base" else mean - base[kpi]
            half = 0.0 if v == "base" else abs(diff) * 0.5
            if kpi == "on_hand_avg" and v != "base":
                half = abs(diff) * 2  # CI straddles 0
            rows.append(
                {
                    "variant": v,
                    "node": "ALL",
                    "sku": "ALL",
                    "kpi": kpi,
                    "mean": mean,
                    "ci_low": mean * 0.95,
                    "ci_high": mean * 1.05,
                    "diff_mean": diff,
                    "diff_ci_low": diff - half,
                    "diff_ci_high": diff + half,
                    "n_pairs": 30,
                }
            )
    rows.append({**rows[0], "node": EVIL, "mean": 0.9})
    return pd.DataFrame(rows)


def test_write_comparison(tmp_path):
    comp = _comparison()
    path = report.write_comparison(tmp_path, comparison=comp, meta={"scenario": "demo", "confidence": 0.9})
    assert path == tmp_path / "comparison.html"
    html = path.read_text(encoding="utf-8")
    assert 'src="http' not in html
    assert all(s.startswith("data:image/png;base64,") for s in re.findall(r'src="([^"]*)"', html))
    assert EVIL not in html and "&lt;script&gt;" in html
    fr_diff = (NETWORK["more_stock"]["fill_rate"] - NETWORK["base"]["fill_rate"]) * 100
    # each variant's cell: its estimate, and below it the paired difference (classed by its direction)
    by_text = {text: cls for cls, text in re.findall(r'<span class="delta ([^"]*)">&Delta; ([^<]*)</span>', html)}
    fr_cell = next(t for t in by_text if t.startswith(f"{fr_diff:+.2f} pp"))
    assert by_text[fr_cell] == "sig better"
    tc_diff = NETWORK["more_stock"]["total_cost"] - NETWORK["base"]["total_cost"]
    assert by_text[next(t for t in by_text if t.startswith(f"{tc_diff:+,.0f} ["))] == "sig worse"
    oh_diff = NETWORK["more_stock"]["on_hand_avg"] - NETWORK["base"]["on_hand_avg"]
    assert by_text[next(t for t in by_text if t.startswith(f"{oh_diff:+,.0f} ["))] == ""
    assert "90% CI" in html and "30 common-random-number" in html


def test_write_comparison_empty(tmp_path):
    cols = ["variant", "node", "sku", "kpi", "mean", "ci_low", "ci_high", "diff_mean", "diff_ci_low", "diff_ci_high"]
    path = report.write_comparison(tmp_path, comparison=pd.DataFrame(columns=[*cols, "n_pairs"]), meta={})
    assert "No comparison data" in path.read_text(encoding="utf-8")


# --------------------------------------------------------------------------- the page names the weak spot first
WEAK_SPOT = {
    "name": "weak_spot",
    "description": "One shop, two products: 'steady' is well stocked from a quick supplier; 'fragile' comes from a "
    "slow supplier that promises 4 days but takes 12, with too little stock to cover it.",
    "currency": "CHF",
    "horizon": 120,
    "warmup": 20,
    "products": [
        {"id": "steady", "unit_cost": 2, "holding_cost": 0.01},
        {"id": "fragile", "unit_cost": 5, "holding_cost": 0.02, "backorder_cost": 1},
    ],
    "nodes": [
        {"id": "quick", "type": "supplier", "region": "Home"},
        {"id": "slow", "type": "supplier", "region": "Far away"},
        {
            "id": "shop",
            "type": "retailer",
            "demand": {"steady": {"dist": "poisson", "mean": 5}, "fragile": {"dist": "poisson", "mean": 5}},
            "policy": {"steady": {"kind": "base_stock", "level": 40}, "fragile": {"kind": "base_stock", "level": 30}},
            "sources": {
                "steady": [{"node": "quick"}],
                "fragile": [{"node": "slow", "promised_lead_time": 4}],
            },
        },
    ],
    "lanes": [
        {"from": "quick", "to": "shop", "transit": {"dist": "constant", "value": 1}},
        {"from": "slow", "to": "shop", "transit": {"dist": "constant", "value": 12}},
    ],
}


def _attention_rows(html: str) -> list[list[str]]:
    """The first cells of every table row inside the 'What needs attention' section, table by table."""
    part = html.split('id="attention"', 1)[1].split("<h2", 1)[0]
    tables = re.findall(r"<tbody>(.*?)</tbody>", part, flags=re.S)
    return [re.findall(r"<tr><td>([^<]*)</td>", t) for t in tables]


def test_report_names_the_weak_spot_first(tmp_path):
    """A scenario whose weak spot is known by construction (fragile: base stock 30 against 12 days x 5 per day of
    lead-time demand, from a supplier promising 4 days): the page's first section lists that item first and its
    supplier as missing the on-time target; the steady item is not flagged; costs are in the scenario's currency."""
    import yaml

    import sim

    path = tmp_path / "weak_spot.yaml"
    path.write_text(yaml.safe_dump(WEAK_SPOT), encoding="utf-8")
    sim.run(str(path), overrides=["mc.replications=4", "mc.series_replications=4"], out_dir=tmp_path / "run")
    html = (tmp_path / "run" / "report.html").read_text(encoding="utf-8")
    first_h2 = re.search(r"<h2[^>]*>([^<]*)</h2>", html).group(1)
    assert first_h2 == "What needs attention"
    service, supply, *_ = _attention_rows(html)
    assert service[0] == "fragile at shop" and not any("steady" in r for r in service)
    assert supply[0] == "slow (all its orders)" and not any("quick" in r for r in supply)
    body = html.split('id="attention"', 1)[1]  # after the scenario's own description
    assert body.index("fragile at shop") < body.index("steady")  # named before anything else about the products
    assert "CHF" in html and "days 20–120 (100 days; warm-up 20, horizon 120)" in html
    assert "only 4 replications" in html  # too few for the intervals to mean much, and the page says so
    assert "<details>" in html and html.index("<details>") > html.index("Suppliers")


def test_fan_panels_pick_worst_service_then_largest_backlog():
    """Not file order: the lowest fill rate of each product first (customer items), then the largest backlogs."""
    from sim.report import attention

    rows = [
        ("DC", "A", "fill_rate", 0.5, "backorders_avg", 90.0),  # internal service: not a customer item
        ("R1", "A", "fill_rate", 0.97, "backorders_avg", 1.0),
        ("R2", "A", "fill_rate", 0.80, "backorders_avg", 5.0),
        ("R1", "B", "fill_rate", 0.60, "backorders_avg", 2.0),
        ("R2", "B", "fill_rate", 0.99, "backorders_avg", 0.0),
    ]
    summary = pd.DataFrame(
        [_row("v", n, s, k1, m1) for n, s, k1, m1, _, _ in rows]
        + [_row("v", n, s, k2, m2) for n, s, _, _, k2, m2 in rows],
        columns=SUMMARY_COLS,
    )
    look = attention.lookup(summary)
    available = {(n, s) for n, s, *_ in rows}
    customer = available - {("DC", "A")}
    assert attention.fan_panels(look, available, 4, customer) == [("R1", "B"), ("R2", "A"), ("DC", "A"), ("R1", "A")]


def test_batch_risk_is_the_share_of_replications_below_target():
    """P(miss) = share of replications whose KPI is below the scenario's target (NaN replications left out)."""
    from sim.experiment.batch import MCSettings, run_batch

    b = run_batch("serial_chain", MCSettings(replications=6, seed=1, series_replications=0))
    risk = b.risk().set_index(["node", "sku", "kpi"])
    x = b.values_of("fill_rate")
    assert risk.loc[("ALL", "ALL", "fill_rate"), "p_miss"] == np.mean(x < 0.95)
    assert risk.loc[("ALL", "ALL", "fill_rate"), "target"] == 0.95
    assert set(risk.index.get_level_values("kpi")) == {"fill_rate", "otif"}


def test_variants_in_words():
    """Overrides read as words (list positions named by id); scenario changes name the element and the values."""
    from sim.report import variants

    base = {"nodes": [{"id": "f", "type": "supplier"}, {"id": "hub", "policy": {"A": {"kind": "s_S", "s": 5, "S": 9}}}]}
    other = {
        "nodes": [{"id": "f", "type": "supplier"}, {"id": "hub", "policy": {"A": {"kind": "s_S", "s": 7, "S": 9}}}]
    }
    assert (
        variants.readable_label("scenario.nodes.1.policy.A.s=7,mc.seed=3", other)
        == "hub / policy / A / s = 7; mc.seed = 3"
    )
    assert variants.readable_label("policy=lean") == "policy = lean"
    assert variants.what_changed({"a": base, "b": other}, "a") == {"b": ["A at hub: reorder point 5 → 7"]}
    names, rows, same = variants.policy_levels({"a": base, "b": other})
    assert names == ["a", "b"] and not same
    assert rows == [{"item": "A at hub", "cells": ["reorder at 5 up to 9", "reorder at 7 up to 9"]}]
    assert variants.policy_levels({"a": base, "b": base})[2]


def test_comparison_items_that_moved_most(tmp_path):
    """Item rows with the largest paired differences are listed, significant ones first, with readable labels."""
    comp = _comparison()
    extra = []
    for node, d, half in (("R1", 0.01, 0.02), ("R2", -0.05, 0.01), ("R3", 0.03, 0.01)):
        for v in NETWORK:
            dd = 0.0 if v == "base" else d
            extra.append(
                {
                    **comp.iloc[0].to_dict(),
                    "variant": v,
                    "node": node,
                    "sku": "A",
                    "kpi": "fill_rate",
                    "mean": 0.9 + dd,
                    "diff_mean": dd,
                    "diff_ci_low": dd - half,
                    "diff_ci_high": dd + half,
                }
            )
    comp = pd.concat([comp, pd.DataFrame(extra)], ignore_index=True)
    scen = {"nodes": [{"id": "R1", "policy": {"A": {"kind": "base_stock", "level": 5}}}]}
    more = {"nodes": [{"id": "R1", "policy": {"A": {"kind": "base_stock", "level": 8}}}]}
    html = report.write_comparison(
        tmp_path, comparison=comp, meta={}, scenarios={"base": scen, "more_stock": more}
    ).read_text(encoding="utf-8")
    moved = html.split('id="moved"', 1)[1].split("<h2", 1)[0]
    items = re.findall(r'<td class="label">(A at R\d)</td>', moved)
    assert items == ["A at R2", "A at R3", "A at R1"]  # |-5 pp| and 3 pp exclude 0; 1 pp does not
    assert "A at R1: base-stock level 5 → 8" in html and "base stock 8" in html


def test_costs_per_year_and_store_product_table(tmp_path, summary, bands, scenario):
    """Costs per year = window total × periods per year / window length; operating cost sits beside the total
    landed cost; the store × product table marks cells below the fill-rate target."""
    scenario = {**scenario, "period": "day", "currency": "USD", "targets": {"fill_rate": 0.95, "otif": None}}
    scenario["nodes"] = [
        {**n, "demand": {"A": {"dist": "poisson", "mean": 1}}} if n["type"] == "retailer" else n
        for n in scenario["nodes"]
    ]
    op = sum(v for k, v in NETWORK["base"].items() if k in figures.COST_KPIS and k != "purchase_cost")
    summary = pd.concat(
        [
            summary,
            pd.DataFrame(
                [_row("base", "ALL", "ALL", "operating_cost", op), _row("base", "R1", "A", "fill_rate", 0.90)],
                columns=SUMMARY_COLS,
            ),
        ],
        ignore_index=True,
    )
    html = _write(tmp_path, summary, bands, scenario).read_text(encoding="utf-8")
    costs = html.split('id="costs"', 1)[1].split("<h3", 1)[0]
    year = 365 / 90  # horizon 100, warm-up 10
    row = re.search(r"<td>Operating cost</td><td>([^<]*)</td><td>([^<]*)</td>", costs)
    assert row.group(1) == f"{op:,.0f} [{op * 0.95:,.0f}, {op * 1.05:,.0f}]"
    assert row.group(2) == f"{op * year:,.0f} [{op * 0.95 * year:,.0f}, {op * 1.05 * year:,.0f}]"
    assert "Total cost" in costs and "USD" in costs
    stores = html.split('id="stores"', 1)[1].split("<h2", 1)[0]
    assert re.search(r'<tr><td>R1</td><td class="miss" title="[^"]*">90.0%</td>', stores)
    assert "days 10–100 (90 days; warm-up 10, horizon 100)" in html
    assert "on-time-in-full target" not in html  # targets.otif: null switches that check off
