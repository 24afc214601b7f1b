"""The report's plant section (sim.report.plant_section, docs/assembly.md): landed cost per unit by hand from a
summary, components ranked by criticality, the output-over-time figure, and no section without plants."""

from __future__ import annotations

import math
import re

import pandas as pd
import pytest

from sim.report import attention, plant_section
from sim.report import html as report

PLANT = {
    "id": "p",
    "type": "plant",
    "region": "MX",
    "bom": {"top": {"sub": 1, "c": 2}, "sub": {"a": 3}},
}
SCENARIO = {"name": "plants", "period": "day", "warmup": 0, "horizon": 365, "currency": "USD", "nodes": [PLANT]}
MEANS = {
    ("p", "a", "total_cost"): 600.0,
    ("p", "a", "components_consumed"): 300.0,  # 2 a unit
    ("p", "c", "total_cost"): 100.0,
    ("p", "c", "components_consumed"): 200.0,  # 0.5 a unit
    ("p", "sub", "total_cost"): 400.0,
    ("p", "sub", "units_produced"): 100.0,  # own 4 a unit
    ("p", "sub", "components_consumed"): 100.0,
    ("p", "top", "total_cost"): 1000.0,
    ("p", "top", "units_produced"): 100.0,  # own 10 a unit
    ("p", "a", "component_criticality"): 0.25,
    ("p", "c", "component_criticality"): 0.7,
    ("p", "sub", "component_criticality"): 0.05,
    ("p", "ALL", "utilization"): 0.8,
}


def summary() -> pd.DataFrame:
    rows = [
        {"scenario": "plants", "variant": "", "node": n, "sku": s, "kpi": k, "mean": v, "ci_low": v, "ci_high": v}
        for (n, s, k), v in MEANS.items()
    ]
    return pd.DataFrame(rows)


def test_landed_cost_per_unit_by_hand():
    """a: 600 / 300 = 2 a unit; c: 100 / 200 = 0.5; sub: 400 / 100 + 3 × 2 = 10; top: 1000 / 100 + 1 × 10 + 2 × 0.5
    = 21 (the sub-assembly's full cost first)."""
    got = plant_section.landed_unit_costs(attention.lookup(summary()), PLANT)
    assert got == pytest.approx({"a": 2.0, "c": 0.5, "sub": 10.0, "top": 21.0})


def test_the_section_ranks_components_by_criticality_and_draws_output(tmp_path):
    series = pd.DataFrame(
        {
            "node": ["p"] * 10,
            "sku": ["top"] * 5 + ["sub"] * 5,
            "t": list(range(5)) * 2,
            "demand": [1.0] * 10,
            "produced": [0.0, 2.0, 1.0, 1.0, 1.0] * 2,
        }
    )
    saved: list[str] = []

    def save(name, title, fig, caption):
        saved.append(name)
        return {"title": title, "src": "data:", "caption": caption, "alt": title}

    (section,) = plant_section.build(attention.lookup(summary()), SCENARIO, "USD", series, save)
    (block,) = section["plants"]
    assert [r["name"] for r in block["components"]] == ["c", "a", "sub"]
    assert [r["name"] for r in block["finished"]] == ["top", "sub"]
    assert block["finished"][0]["cells"][-1] == "21.00" and saved == ["plant_p"]
    assert ("Capacity use", "80.0%") in block["facts"]
    assert plant_section.build(attention.lookup(summary()), {"nodes": [{"id": "s", "type": "supplier"}]}, "", None,
                               save) == []  # fmt: skip


def test_write_report_has_a_plant_section_only_with_plants(tmp_path):
    page = report.write_report(
        tmp_path / "with", summary=summary(), bands=None, scenario=SCENARIO, config_yaml="", meta={}, orders=None
    ).read_text()
    assert '<h2 id="plants">Plants</h2>' in page and "Components, the most critical first" in page
    names = re.findall(r"<tr><td>(\w+)</td>", page[page.index("the most critical first") :])
    assert names[:3] == ["c", "a", "sub"]
    other = dict(SCENARIO, nodes=[{"id": "r", "type": "retailer"}])
    page = report.write_report(
        tmp_path / "without", summary=summary(), bands=None, scenario=other, config_yaml="", meta={}
    ).read_text()
    assert 'id="plants"' not in page
    assert not math.isnan(attention.per_year(SCENARIO))
