"""Reports of big networks stay readable and small: aggregate views and top-N lists instead of one row, cell or panel
per item above the thresholds of sim.report.aggregate (docs/outputs.md, "Large networks")."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from sim.report import aggregate, attention

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from report_size import labelled  # the scaling benchmark's networks with regions and categories


def test_customer_distance_by_hand():
    """Echelons counted from the customers: the nearest way down to a node end customers buy from."""
    scen = {
        "nodes": [
            {"id": "S", "type": "supplier"},
            {"id": "A", "type": "buffer"},
            {"id": "B", "type": "buffer", "demand": {"x": {}}},  # sells to customers and supplies R
            {"id": "R", "type": "retailer", "demand": {"x": {}}},
            {"id": "Z", "type": "buffer"},  # supplied, but supplies nobody who sells
        ],
        "lanes": [
            {"from": "S", "to": "A"},
            {"from": "A", "to": "B"},
            {"from": "B", "to": "R"},
            {"from": "S", "to": "Z"},
        ],
    }
    assert aggregate.customer_distance(scen) == {"B": 1, "R": 1, "A": 2, "S": 3}


def test_capped():
    assert aggregate.capped(list(range(30))) == (list(range(30)), 0)
    assert aggregate.capped(list(range(31))) == (list(range(10)), 21)


def test_group_fill_rate_is_units_filled_over_demand():
    """For one replication the demand-weighted fill rate of a group is exactly its units filled at once over its
    demand: the customer-facing echelon's equals the network's fill rate; the regions' demands add up to it."""
    import sim
    from sim.scenario.loading import validate

    sc = validate(labelled(6, 5, horizon=60))
    r = sim.simulate(sc, seed=3)
    look = attention.lookup(r.kpis.rename(columns={"value": "mean"}))
    scenario = sc.to_dict()
    echelon = {g.name: g for g in aggregate.groups(look, scenario, "echelon")}
    assert set(echelon) == {"1: sells to customers", "2: 1 step from customers"}
    shop = echelon["1: sells to customers"]
    assert shop.items == 30 and shop.fill_rate == pytest.approx(r.kpi("fill_rate"), rel=1e-12)
    regions = aggregate.groups(look, scenario, "region")
    assert [g.name for g in regions] == ["(no region)", "North", "South", "East"]  # the DC has none
    assert sum(g.demand for g in regions[1:]) == pytest.approx(r.kpi("demand"), rel=1e-12)
    cats = aggregate.groups(look, scenario, "category")
    assert sum(g.items for g in cats) == 35 and sum(g.operating_cost for g in cats) == pytest.approx(
        r.kpi("operating_cost"), rel=1e-9
    )


def test_grouped_network_graph():
    net = labelled(40, 2)
    g = aggregate.grouped_network(net)
    assert sorted(n["id"] for n in g["nodes"]) == sorted(
        ["supplier", "dc", "14 retailer nodes (North)", "13 retailer nodes (South)", "13 retailer nodes (East)"]
    )
    assert len(g["lanes"]) == 4
    small = labelled(4, 2)
    assert aggregate.grouped_network(small) is small


def test_report_of_a_10x20_network_has_no_per_item_panels_and_is_small(tmp_path):
    """10 stores × 20 products (200 customer-facing items, above MAX_ITEMS): no store × product table, aggregate
    views by region, category and echelon instead, the worst TOP_N items, at most TOP_N rows in each long list, and
    the page stays far below a megabyte."""
    import yaml

    import sim

    data = labelled(10, 20, horizon=90)
    data["nodes"][2]["region"] = "<b>North</b>"  # a user string in the aggregate views: escaped
    path = tmp_path / "big.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    sim.run(str(path), overrides=["mc.replications=2", "mc.series_replications=2"], out_dir=tmp_path / "run")
    page = tmp_path / "run" / "report.html"
    html = page.read_text(encoding="utf-8")
    assert page.stat().st_size < 1_000_000
    assert "Fill rate per store and product" not in html
    assert "Service and cost by region, category and echelon" in html
    for title in ("By region (of the node)", "By product category", "By echelon"):
        assert title in html
    assert "<b>North</b>" not in html and "&lt;b&gt;North&lt;/b&gt;" in html
    worst = html.split("customer-facing items with the lowest fill rate", 1)[1].split("</table>", 1)[0]
    assert worst.count("<tr>") == aggregate.TOP_N + 1  # the header and TOP_N items
    # no list prints more than MAX_ROWS rows; the number of table rows does not grow with the 220 items
    for body in re.findall(r"<tbody>(.*?)</tbody>", html, flags=re.S):
        assert body.count("<tr") <= aggregate.MAX_ROWS
    assert html.count("<tr") < 200
    assert len(re.findall(r'src="data:image/png', html)) <= 8


def test_a_huge_configuration_is_cut_with_a_pointer_to_the_files(tmp_path):
    from sim.report import html as report

    config = "".join(f"key_{i}: {'x' * 40}\n" for i in range(10_000))  # 500,000 characters
    page = report.write_report(tmp_path, summary=None, bands=None, scenario={"nodes": []}, config_yaml=config, meta={})
    html = page.read_text(encoding="utf-8")
    assert "key_0: " in html and "key_9999: " not in html
    head = html.split("<pre>", 1)[1].split("\n… ", 1)[0]
    more = int(re.search(r"… ([\d,]+) more characters", html).group(1).replace(",", ""))
    assert config.startswith(head) and len(head) + more == len(config) and len(head) <= report.MAX_CONFIG_CHARS
    assert ".hydra/config.yaml" in html
    assert page.stat().st_size < report.MAX_CONFIG_CHARS + 100_000
