"""The report's consolidated shipping section (sim.report.sections._lanes, templates/sections/lanes.html.j2).

The runs are the hand-checked network of tests/model/test_consolidation.py: supplier f -> retailer r, 50 units handed to
the lane per period (30 of a, 20 of b), containers costing 60 each plus 0.5 per unit. With a departure every 7
periods at t = 2, 9, 16, ... and the KPI window [5, 40), the departures in the window are at 9, 16, 23, 30 and 37,
each with the 7 periods before it: 350 units, 1,750 in all.
"""

from __future__ import annotations

import html as htmllib
import re

import pandas as pd
import pytest

import sim
from sim.report import aggregate
from sim.report import html as report
from tests.model.test_consolidation import FIXED, UNIT, case
from tests.report.test_report import EVIL

SCHEDULE = {"dispatch": ["schedule"], "every": 7, "offset": 2}
UNITS, WINDOW = 1750.0, 35  # units shipped in the window; its periods (days)


def _section(page: str) -> str:
    start = page.find('<h2 id="lanes">')
    return "" if start < 0 else page[start : page.find("<h2", start + 1)]


def _rows(section: str) -> list[list[str]]:
    body = section[section.find("<tbody>") :]
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    return [[htmllib.unescape(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", r, re.S)] for r in rows]


def _number(cell: str) -> float:
    """The mean shown in a cell (a percentage as a share)."""
    text = re.match(r"[\d,.]+%?", cell).group(0)
    value = float(text.rstrip("%").replace(",", ""))
    return value / 100 if text.endswith("%") else value


def _report(tmp_path, consolidation: dict | None) -> tuple[str, pd.DataFrame]:
    batch = sim.run(case(consolidation, horizon=40, warmup=5), ["mc.replications=2"], out_dir=tmp_path)
    return (tmp_path / "report.html").read_text(encoding="utf-8"), batch.summary


@pytest.mark.parametrize("capacity, containers", [(200, 10), (1000, 5), (2000, 5)])
def test_section_shows_the_lane_rows_of_a_consolidating_run(tmp_path, capacity, containers):
    # 350 units per departure: two containers of 200 (200 + 150), or one of 1,000 or 2,000
    page, summary = _report(tmp_path, {"capacity": capacity, **SCHEDULE})
    section = _section(page)
    rows = _rows(section)
    assert [r[:4] for r in rows] == [["f->r", "road", "f", "r"], ["all consolidating lanes", "", "", ""]]
    fill = UNITS / (containers * capacity)  # 87.5 % or 17.5 %
    cost = (containers * FIXED + UNITS * UNIT) / UNITS  # 0.843 or 0.671
    per_year = containers * 365 / WINDOW  # 104.3 or 52.1
    mean = summary.set_index(["node", "kpi"])["mean"]
    for row, node in zip(rows, ("lane:f->r", "lane:ALL"), strict=True):
        shown = [_number(c) for c in row[4:]]
        assert shown == pytest.approx([per_year, fill, cost], rel=5e-3)  # the hand calculation, as rounded
        summary_values = [
            mean[node, "shipments"] * 365 / WINDOW,
            *(mean[node, k] for k in ("container_utilisation", "transport_cost_per_unit")),
        ]
        assert shown == pytest.approx(summary_values, rel=5e-3)
    longer = "Consider a longer sailing interval (every), or groupage"
    groupage = "Consider groupage (LCL) rates, which charge for the space used, rather than a longer sailing interval"
    if fill >= 0.5:  # 87.5 %: no advice
        assert "Containers leave" not in section
    else:  # 35 %: 1 / 0.35 = 2.9 times the weekly wait would fill them; 17.5 %: 5.7 times, too long
        assert (
            f"Containers leave {fill * 100:.1f}% full on average: a full one would take about {1 / fill:.0f} times"
            in section
        )
        assert (longer in section, groupage in section) == ((True, False) if 1 / fill <= 4 else (False, True))
    assert f"{fill * 100:.1f}% full on average" in section


def test_no_section_without_consolidation(tmp_path):
    page, summary = _report(tmp_path, None)
    assert not summary["node"].str.startswith("lane:").any()
    assert "Consolidated shipping" not in page and _section(page) == ""


def _lane_summary(n_lanes: int) -> tuple[pd.DataFrame, dict]:
    """A summary with ``n_lanes`` lanes whose utilisations are a permutation of 1 %, ..., n %, and their scenario."""
    fills = [((7 * i) % n_lanes + 1) / 100 for i in range(n_lanes)]  # 7 is prime to the n used: a permutation
    ids = [f"{EVIL}{i}" for i in range(n_lanes)]
    rows = []
    for node, fill in [*(("lane:" + i, f) for i, f in zip(ids, fills, strict=True)), ("lane:ALL", 0.2)]:
        for kpi, value in (("shipments", 10.0), ("container_utilisation", fill), ("transport_cost_per_unit", 1.5)):
            rows.append({"variant": "base", "node": node, "sku": "ALL", "kpi": kpi, "mean": value, "n": 10})
    rows.append({"variant": "base", "node": "ALL", "sku": "ALL", "kpi": "fill_rate", "mean": 0.97, "n": 10})
    df = pd.DataFrame(rows).assign(ci_low=lambda d: d["mean"] * 0.9, ci_high=lambda d: d["mean"] * 1.1)
    scenario = {
        "name": "lanes",
        "horizon": 365,
        "warmup": 0,
        "currency": "USD",
        "nodes": [{"id": "f", "type": "supplier"}, {"id": "r", "type": "retailer"}],
        "lanes": [
            {
                "id": i,
                "from": "f",
                "to": "r",
                "mode": "sea",
                "consolidation": {"capacity": 33, "dispatch": ["max_wait"]},
            }
            for i in ids
        ],
    }
    return df, scenario


@pytest.mark.parametrize("n_lanes", [3, 33])
def test_many_lanes_show_the_emptiest_and_escape_the_ids(tmp_path, n_lanes):
    df, scenario = _lane_summary(n_lanes)
    path = report.write_report(tmp_path, summary=df, bands=None, scenario=scenario, config_yaml="", meta={})
    page = path.read_text(encoding="utf-8")
    assert EVIL not in page and htmllib.escape(EVIL) in page
    section = _section(page)
    rows = _rows(section)
    assert rows[-1][0] == "all consolidating lanes" and _number(rows[-1][5]) == pytest.approx(0.2)
    fills = [_number(r[5]) for r in rows[:-1]]
    if n_lanes <= aggregate.MAX_ROWS:  # all, in the scenario's order
        assert [r[0] for r in rows[:-1]] == [f"{EVIL}{i}" for i in range(n_lanes)]
        assert "more lanes" not in section
    else:  # the TOP_N lowest utilisations, lowest first, and how many more
        assert fills == pytest.approx([(i + 1) / 100 for i in range(aggregate.TOP_N)])
        assert f"… and {n_lanes - aggregate.TOP_N} more lanes" in section
    assert all(r[1:4] == ["sea", "f", "r"] for r in rows[:-1])
    assert _number(rows[0][4]) == pytest.approx(10.0)  # 10 containers over a 365-day window: 10 per year
    assert (
        "about 5 times as long to load. Consider groupage (LCL) rates, which charge for the space used, "
        "rather than a longer maximum wait (max_wait)." in section
    )  # pooled fill 20 %
    assert "Transport cost per unit (USD)" in section and _number(rows[0][6]) == pytest.approx(1.5)
