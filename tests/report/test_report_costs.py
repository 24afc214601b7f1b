"""The report's cost breakdown (stacked bar per variant) and cost-versus-service Pareto frontier (sim.report.costs)."""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest

from sim.kpi import catalog
from sim.report import costs, figures
from sim.report import html as report

EVIL = "<script>alert(1)</script>"
LANDED = {
    "holding_cost": 1200.0,
    "backorder_cost": 150.0,
    "lost_sale_cost": 330.0,
    "ordering_cost": 400.0,
    "transport_cost": 700.0,
    "purchase_cost": 9490.0,
}  # total cost 12,270


def _row(variant: str, node: str, sku: str, kpi: str, mean: float, half: float | None = None) -> dict:
    h = abs(mean) * 0.05 if half is None else half
    return {
        "variant": variant,
        "node": node,
        "sku": sku,
        "kpi": kpi,
        "mean": mean,
        "ci_low": mean - h,
        "ci_high": mean + h,
    }


def _summary(variants: dict[str, tuple[float, float]]) -> pd.DataFrame:
    """Per variant (fill rate, cost scale): the landed components scaled, total_cost their sum, two suppliers with
    admin and reservation costs, their region's pooled row (the same money again) and a per-source row."""
    rows = []
    for v, (fill, scale) in variants.items():
        parts = {k: x * scale for k, x in LANDED.items()}
        rows += [_row(v, "ALL", "ALL", k, x) for k, x in parts.items()]
        rows += [_row(v, "ALL", "ALL", "total_cost", sum(parts.values())), _row(v, "ALL", "ALL", "fill_rate", fill)]
        rows += [_row(v, "ALL", "ALL", "operating_cost", sum(parts.values()) - parts["purchase_cost"])]
        for sup, admin, fee in (("far", 40.0, 0.0), ("near", 25.0, 10.0)):
            rows += [_row(v, sup, "ALL", "admin_cost", admin), _row(v, sup, "ALL", "reservation_cost", fee)]
            rows += [_row(v, sup, "ALL", "supplier_cost", 1000 + admin + fee), _row(v, sup, "ALL", "spend", 1000)]
        rows += [_row(v, "region:EU", "ALL", "admin_cost", 65.0), _row(v, "shop<-far", "A", "spend", 500.0)]
    return pd.DataFrame(rows)


def test_breakdown_segments_sum_to_the_total_cost_of_ownership_exactly():
    """Components from the catalogue: the cost=True KPIs of the network row add up to total_cost (12,270 here),
    supplier overhead is summed over the supplier rows (40 + 25 admin, 10 reservation), not the region's row."""
    b = costs.breakdown(_summary({"base": (0.95, 1.0), "lean": (0.9, 0.5)}))
    assert set(b.landed) == set(LANDED) and set(b.landed) <= set(costs.landed_components())
    assert b.overhead == ("admin_cost", "reservation_cost")
    landed = b.table[list(b.landed)].sum(axis=1)
    assert landed["base"] == b.total["base"] == 12270.0
    assert landed["lean"] == b.total["lean"] == 6135.0
    assert b.table.loc["base", "admin_cost"] == 65.0 and b.table.loc["lean", "reservation_cost"] == 10.0
    assert b.grand_total()["base"] == 12270.0 + 75.0


def test_stacked_bar_draws_exactly_the_table():
    """The figure's segments: one bar per variant, the landed segments end at total_cost from the KPI table, the
    hatched overhead after it."""
    b = costs.breakdown(_summary({"base": (0.95, 1.0), "lean": (0.9, 0.5)}))
    fig = figures.cost_stack(b, "EUR")
    ax = fig.axes[0]
    ends: dict[float, float] = {}
    landed_ends: dict[float, float] = {}
    for bars in ax.containers:
        hatched = any(p.get_hatch() for p in bars.patches)
        for p in bars.patches:
            y = round(p.get_y() + p.get_height() / 2, 6)
            ends[y] = max(ends.get(y, 0.0), p.get_x() + p.get_width())
            if not hatched:
                landed_ends[y] = max(landed_ends.get(y, 0.0), p.get_x() + p.get_width())
    assert len(ax.containers) == len(b.components) == 8
    assert sorted(landed_ends.values()) == [6135.0, 12270.0]
    assert sorted(ends.values()) == [6135.0 + 75.0, 12270.0 + 75.0]
    ticks = {t.get_text(): t.get_position()[1] for t in ax.get_yticklabels()}
    assert ticks["base"] > ticks["lean"]  # the first variant on top


def test_a_cost_kpi_added_to_the_catalogue_appears_without_code_changes(monkeypatch):
    """The rule reads the catalogue: a new cost=True KPI is a landed component, a new tco=True KPI is
    overhead; totals and the direction-less spend never are."""
    extra = (
        catalog.KpiInfo("expedite_cost", "money", "Expedite cost", False, "x", cost=True),
        catalog.KpiInfo("courier_fee", "money", "Courier fee", False, "x", kind="supplier", tco=True),
    )
    monkeypatch.setattr(catalog, "CATALOG", catalog.CATALOG + extra)
    assert costs.landed_components()[-1] == "expedite_cost"
    assert costs.overhead_components()[-1] == "courier_fee"
    table = _summary({"base": (0.95, 1.0)})
    more = [_row("base", "ALL", "ALL", "expedite_cost", 30.0), _row("base", "far", "ALL", "courier_fee", 7.0)]
    table = pd.concat([table, pd.DataFrame(more)], ignore_index=True)
    b = costs.breakdown(table)
    assert "expedite_cost" in b.landed and b.table.loc["base", "courier_fee"] == 7.0
    # an overhead KPI the network row already carries is taken from there, not summed again over the suppliers
    table = pd.concat([table, pd.DataFrame([_row("base", "ALL", "ALL", "admin_cost", 65.0)])], ignore_index=True)
    assert costs.breakdown(table).table.loc["base", "admin_cost"] == 65.0


def test_breakdown_of_a_real_batch_matches_the_kpi_definitions():
    """On dual_sourcing (admin costs and a reservation fee): the landed components' means add up to the mean total
    landed cost, and the overhead equals Σ over suppliers of supplier_cost − spend (its definition in docs/kpis.md)."""
    from sim.experiment.batch import MCSettings, run_batch

    s = run_batch("dual_sourcing", MCSettings(replications=3, seed=2, series_replications=0)).summary
    b = costs.breakdown(s)
    v = b.table.index[0]
    assert b.table.loc[v, list(b.landed)].sum() == pytest.approx(b.total[v], rel=1e-12)
    assert set(b.overhead) == {"admin_cost", "reservation_cost"}
    sup = s[(s["sku"] == "ALL") & s["node"].isin(["far", "near"])].set_index(["node", "kpi"])["mean"]
    expected = sum(sup[(n, "supplier_cost")] - sup[(n, "spend")] for n in ("far", "near"))
    assert b.table.loc[v, list(b.overhead)].sum() == pytest.approx(expected, rel=1e-12)
    tco = s[(s["node"] == "ALL") & (s["sku"] == "ALL") & (s["kpi"] == "total_cost_of_ownership")]["mean"].iloc[0]
    assert b.grand_total()[v] == pytest.approx(tco, rel=1e-12)  # landed + overhead = the cost of ownership


# --------------------------------------------------------------------------- Pareto frontier
def test_pareto_front_hand_example():
    #            A     B     C     D     E     F (= B)  G (NaN)  H
    service = [0.90, 0.95, 0.93, 0.90, 0.99, 0.95, math.nan, 0.85]
    cost = [100.0, 120.0, 130.0, 110.0, 200.0, 120.0, 50.0, 100.0]
    # C: B serves more for less; D: A serves as well for less; H: A costs the same and serves more
    expected = [True, True, False, False, True, True, False, False]
    assert costs.pareto_front(np.array(service), np.array(cost)).tolist() == expected


def _dominated(i: int, s: np.ndarray, c: np.ndarray) -> bool:
    return any(s[j] >= s[i] and c[j] <= c[i] and (s[j] > s[i] or c[j] < c[i]) for j in range(len(s)) if j != i)


def test_pareto_front_matches_the_definition_on_random_points():
    """Against the O(n²) definition, with many ties (values on a coarse grid)."""
    rng = np.random.default_rng(4)
    for _ in range(50):
        n = int(rng.integers(1, 15))
        s, c = rng.integers(0, 5, n) / 4, rng.integers(0, 5, n) * 10.0
        assert costs.pareto_front(s, c).tolist() == [not _dominated(i, s, c) for i in range(n)]


def test_pareto_points_and_chart():
    """Points from the network rows with their intervals; 'costly' costs more than 'base' for less service."""
    table = _summary({"base": (0.95, 1.0), "lean": (0.90, 0.5), "costly": (0.93, 1.2)})
    p = costs.pareto_points(table).set_index("variant")
    assert p.loc["base", "cost"] == 12270.0 and p.loc["base", "cost_lo"] == 12270.0 * 0.95
    assert p.loc["lean", "service_hi"] == pytest.approx(0.90 * 1.05)
    assert p["efficient"].to_dict() == {"base": True, "lean": True, "costly": False}
    fig = figures.pareto_chart(p.reset_index(), unit="EUR")
    line = next(ln for ln in fig.axes[0].get_lines() if ln.get_label() == "efficient frontier")
    assert line.get_xdata().tolist() == [0.90, 0.95]  # the frontier joins the efficient points by service
    assert figures.save_png(fig).startswith(b"\x89PNG")


def test_comparison_and_report_show_both_plots_and_escape_names(tmp_path):
    """A comparison draws the stacked breakdown and the Pareto plot; a single-variant report the breakdown only.
    Variant names are user strings: escaped in the page, safe in matplotlib text."""
    table = _summary({"base": (0.95, 1.0), EVIL: (0.90, 0.5), "a$b$_c": (0.93, 1.2)})
    comp = table.assign(diff_mean=0.0, diff_ci_low=0.0, diff_ci_high=0.0, n_pairs=5)
    html = report.write_comparison(tmp_path / "c", comparison=comp, meta={}).read_text(encoding="utf-8")
    assert EVIL not in html and "&lt;script&gt;" in html
    assert "Cost versus service (Pareto frontier)" in html and "Cost breakdown" in html
    assert (tmp_path / "c" / "figures" / "comparison_pareto.png").exists()
    one = _summary({"base": (0.95, 1.0)}).assign(scenario="demo")
    html = report.write_report(
        tmp_path / "r", summary=one, bands=None, scenario={"nodes": []}, config_yaml="", meta={}
    ).read_text(encoding="utf-8")
    assert "Cost breakdown" in html and "Pareto" not in html
    assert re.search(r"supplier overhead \(hatched\)", html)


def test_zero_components_are_left_out():
    table = _summary({"base": (0.95, 1.0)})
    table.loc[table["kpi"] == "lost_sale_cost", ["mean", "ci_low", "ci_high"]] = 0.0
    table.loc[table["kpi"] == "total_cost", "mean"] = 12270.0 - 330.0
    table.loc[table["kpi"].isin(["admin_cost", "reservation_cost"]), "mean"] = 0.0
    b = costs.breakdown(table)
    assert "lost_sale_cost" not in b.landed and b.overhead == ()
    assert b.table[list(b.landed)].sum(axis=1)["base"] == b.total["base"] == 12270.0 - 330.0


def test_catalogue_totals_and_spend_are_never_components():
    names = (*costs.landed_components(), *costs.overhead_components())
    assert not set(names) & costs.TOTALS and "spend" not in names
    assert all(catalog.info(k).unit == "money" for k in names)


def test_report_shows_the_cost_of_ownership_and_the_supply_base(tmp_path):
    """report.html's cost table ends with the supplier overhead and the total cost of ownership, and its supply-base
    table shows the network's HHI, single-sourced items and yearly emissions, each as the summary has them."""
    import sim
    from sim.report.formatting import format_estimate

    batch = sim.run("dual_sourcing", ["mc.replications=3"], out_dir=tmp_path)
    net = batch.summary.query("node == 'ALL' and sku == 'ALL'").set_index("kpi")
    page = re.sub(r"\s+", " ", (tmp_path / "report.html").read_text(encoding="utf-8"))

    def cell(kpi: str, scale: float = 1.0) -> str:
        r = net.loc[kpi]
        return format_estimate(kpi, r["mean"] * scale, r["ci_low"] * scale, r["ci_high"] * scale)

    assert re.search(rf"<td>Total cost of ownership</td><td>{re.escape(cell('total_cost_of_ownership'))}</td>", page)
    assert net.loc["total_cost_of_ownership", "mean"] == pytest.approx(
        net.loc[["total_cost", "admin_cost", "reservation_cost"], "mean"].sum(), rel=1e-12
    )
    assert f"<td>Administration cost</td><td>{cell('admin_cost')}</td>" in page
    assert "Coordination cost</td>" not in page  # no coordination rates in this scenario: left out, not a row of 0
    assert f"<td>Supplier HHI</td><td>{cell('hhi_suppliers')}</td>" in page
    per_year = 365 / (365 - 30)  # the window is days 30-365
    assert f"<td>Emissions (kg CO2e) per year</td><td>{cell('emissions_kg', per_year)}</td>" in page
