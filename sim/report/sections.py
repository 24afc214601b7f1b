"""The sections of report.html after its title, in reading order: what needs attention, network costs and risk, the
store × product table, the supplier scorecards, consolidated shipping (scenarios with consolidating lanes). Each is a
partial template in ``templates/sections/`` and the data built here; a new section is one more builder and one more
entry in :func:`report_sections`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from sim.report import aggregate, attention
from sim.report.formatting import DASH, as_float, format_estimate, format_value, kpi_label, meta_items, row_estimates


def run_facts(scenario: Mapping, meta: Mapping[str, object], currency: str) -> list[tuple[str, str]]:
    """The run's setting in words: period and window, currency, then the run's own facts (replications, seed...)."""
    w, h, period = attention.window(scenario)
    words = attention.PERIOD_WORDS.get(period, period)
    facts: list[tuple[str, str]] = []
    if h:
        facts.append(("Period", f"1 {period}"))
        facts.append(("KPI window", f"{words} {w:,}–{h:,} ({h - w:,} {words}; warm-up {w:,}, horizon {h:,})"))
    facts.append(("Currency", currency))
    skip = {"scenario"}
    return facts + [item for item in meta_items({k: v for k, v in meta.items() if k not in skip})]


def report_sections(look: attention.Lookup, scenario: Mapping, currency: str, *, ci_label: str) -> list[dict]:
    """The report's sections after the title, in order: each a partial template and its data. A new section is one
    more entry here and one more ``templates/sections/*.html.j2`` (the page includes them in this order)."""
    sections = [
        _attention(look, scenario, currency),
        _network(look, scenario, currency, ci_label),
        _store_product(look, scenario, currency),
        _suppliers(look, scenario, currency),
    ]
    lanes = _lanes(look, scenario, currency, ci_label)
    return sections + ([lanes] if lanes else [])


def _pct(x: float) -> str:
    return DASH if not math.isfinite(x) else f"{x * 100:.0f}%"


def _money(x: float) -> str:
    return DASH if not math.isfinite(x) else f"{x:,.0f}"


def _est(kpi: str, st: attention.Stat, scale: float = 1.0) -> str:
    return format_estimate(kpi, st.mean * scale, st.lo * scale, st.hi * scale)


def _attention(look: attention.Lookup, scenario: Mapping, currency: str) -> dict:
    goals = attention.targets(scenario)
    service_short, service_more = aggregate.capped(attention.service_shortfalls(look, scenario))
    supply_short, supply_more = aggregate.capped(attention.supply_shortfalls(look, scenario))
    service = [
        {
            "name": s.name,
            "value": _est("fill_rate", s.stat),
            "p05": format_value("fill_rate", s.stat.p05, 1),
            "p_miss": _pct(s.stat.p_miss),
            "short": _money(s.extra["short_per_year"]),
            "backorders": format_estimate("backorders_avg", s.extra["backorders_avg"]),
        }
        for s in service_short
    ]
    supply = [
        {
            "name": s.name,
            "value": _est("otif", s.stat),
            "p_miss": _pct(s.stat.p_miss),
            "lead_time": format_estimate("lead_time_avg", s.extra["lead_time_avg"]),
            "p95": format_estimate("lead_time_p95", s.extra["lead_time_p95"]),
            "promised": format_estimate("promised_lead_time", s.extra["promised_lead_time"]),
            "spend": _money(s.extra["spend"]),
        }
        for s in supply_short
    ]
    yearly = attention.per_year(scenario)
    lines = attention.cost_lines(look)
    drivers = [
        {
            "name": f"{d.sku} at {d.node}",
            "cost": _money(d.cost * yearly),
            "share": _pct(d.share),
            "main": f"{kpi_label(d.main).lower()} ({_pct(d.main_share)})",
        }
        for d in attention.cost_drivers(look, scenario)
    ]
    net = look.get("ALL", "ALL", "fill_rate")
    summary = []
    if math.isfinite(net.mean) and goals["fill_rate"] is not None:
        verdict = "below" if net.mean < goals["fill_rate"] else "meets"
        text = f"Network fill rate {_est('fill_rate', net)}: {verdict} the {goals['fill_rate'] * 100:g}% target"
        if math.isfinite(net.p_miss):
            text += f"; missed in {_pct(net.p_miss)} of replications"
        summary.append(text + ".")
    top = [c for c in lines if c.kpi in attention.OPERATING][:2]
    op = look.get("ALL", "ALL", "operating_cost")
    if top and math.isfinite(op.mean):
        parts = " and ".join(f"{kpi_label(c.kpi).lower()} ({_pct(c.share)})" for c in top)
        summary.append(
            f"Operating cost {_money(op.mean * yearly)} {currency} per year, mostly {parts}; "
            f"purchases add {_money(look.mean('ALL', 'ALL', 'purchase_cost') * yearly)} {currency} per year."
        )
    return {
        "template": "sections/attention.html.j2",
        "fill_target": _pct(goals["fill_rate"]) if goals["fill_rate"] is not None else None,
        "otif_target": _pct(goals["otif"]) if goals["otif"] is not None else None,
        "summary": summary,
        "service": service,
        "service_more": service_more,
        "supply": supply,
        "tco_label": kpi_label("total_cost_of_ownership"),
        "supply_more": supply_more,
        "drivers": drivers,
        "currency": currency,
    }


def _network(look: attention.Lookup, scenario: Mapping, currency: str, ci_label: str) -> dict:
    goals = attention.targets(scenario)
    fr = look.get("ALL", "ALL", "fill_rate")
    risk = [
        ("5th percentile of fill rate across replications", format_value("fill_rate", fr.p05, 1)),
        (f"Probability of missing the {_pct(goals['fill_rate'] or math.nan)} fill-rate target", _pct(fr.p_miss)),
    ]
    yearly = attention.per_year(scenario)
    costs = [
        {
            "label": kpi_label(c.kpi),
            "total": c.kpi in ("operating_cost", "total_cost", "total_cost_of_ownership"),
            "window": row_estimates(c.kpi, [(c.stat.mean, c.stat.lo, c.stat.hi)])[0],
            "year": row_estimates(c.kpi, [(c.stat.mean * yearly, c.stat.lo * yearly, c.stat.hi * yearly)])[0],
            "share": _pct(c.share),
        }
        for c in attention.cost_lines(look)
    ]
    turns = look.get("ALL", "ALL", "inventory_turns")
    supply = [
        (kpi_label(k) + (" per year" if scale != 1.0 else ""), _est(k, st, scale))
        for k, st, scale in attention.supply_base(look, yearly)
    ]
    return {
        "template": "sections/network.html.j2",
        "supply": supply,
        "tco_label": kpi_label("total_cost_of_ownership"),
        "ci_label": ci_label,
        "risk": risk if math.isfinite(fr.mean) else [],
        "costs": costs,
        "currency": currency,
        "turns": _est("inventory_turns", turns),
    }


def _store_product(look: attention.Lookup, scenario: Mapping, currency: str) -> dict:
    """Fill rate per customer-facing node (rows) and product (columns), the node's and product's totals; above
    ``aggregate.MAX_ITEMS`` customer-facing items, the aggregate views and the worst items instead."""
    if aggregate.is_large(scenario):
        return _aggregates(look, scenario, currency)
    goal = attention.targets(scenario)["fill_rate"]
    items = attention.customer_items(scenario)
    nodes = list(dict.fromkeys(n for n, _ in items))
    skus = [str(p["id"]) for p in scenario.get("products") or [] if any(s == str(p["id"]) for _, s in items)]

    def cell(node: str, sku: str) -> dict:
        st = look.get(node, sku, "fill_rate")
        miss = goal is not None and math.isfinite(st.mean) and st.mean < goal
        lo_hi = f"{_est('fill_rate', st)}; 5th percentile {format_value('fill_rate', st.p05, 1)}"
        return {"text": format_value("fill_rate", st.mean, 1), "cls": "miss" if miss else "", "title": lo_hi}

    stocked = {(n, s) for n, s in items}
    rows = [
        {
            "node": n,
            "cells": [cell(n, s) if (n, s) in stocked else {"text": "", "cls": "na", "title": ""} for s in skus]
            + [cell(n, "ALL")],
        }
        for n in nodes
    ]
    rows.append({"node": "all stores", "cells": [cell("ALL", s) for s in skus] + [cell("ALL", "ALL")]})
    return {"template": "sections/store_product.html.j2", "skus": skus, "rows": rows, "target": _pct(goal or math.nan)}


GROUPINGS = {"region": "By region (of the node)", "category": "By product category", "echelon": "By echelon"}


def _aggregates(look: attention.Lookup, scenario: Mapping, currency: str) -> dict:
    """Service and cost by region, product category and echelon (those with two groups or more), and the worst
    items by fill rate: what a big network's store × product table would say, in a few rows."""
    goal = attention.targets(scenario)["fill_rate"]
    yearly = attention.per_year(scenario)
    views = []
    for by, title in GROUPINGS.items():
        rows = aggregate.groups(look, scenario, by)
        if len(rows) < 2:
            continue
        shown, more = aggregate.capped(rows)
        views.append(
            {
                "title": title,
                "more": more,
                "rows": [
                    {
                        "name": g.name,
                        "count": f"{g.items:,}",
                        "fill": format_value("fill_rate", g.fill_rate, 1),
                        "miss": goal is not None and math.isfinite(g.fill_rate) and g.fill_rate < goal,
                        "below": f"{g.below:,}",
                        "worst": f"{g.worst[1]} ({format_value('fill_rate', g.worst[0], 1)})" if g.worst[1] else DASH,
                        "cost": _money(g.operating_cost * yearly),
                        "on_hand": format_estimate("on_hand_avg", g.on_hand),
                    }
                    for g in shown
                ],
            }
        )
    worst = [
        {
            "name": f"{sku} at {node}",
            "value": _est("fill_rate", look.get(node, sku, "fill_rate")),
            "miss": goal is not None and look.mean(node, sku, "fill_rate") < goal,
            "demand": _money(look.mean(node, sku, "demand") * yearly),
        }
        for node, sku in aggregate.worst_items(look, scenario)
    ]
    return {
        "template": "sections/aggregates.html.j2",
        "views": views,
        "worst": worst,
        "n_items": f"{len(attention.customer_items(scenario)):,}",
        "limit": aggregate.MAX_ITEMS,
        "target": _pct(goal or math.nan),
        "currency": currency,
    }


SCORECARD = ("orders_placed", "lead_time_avg", "lead_time_p95", "promised_lead_time", "otif", "volume", "spend")
SCORECARD_COLUMNS = ("Orders", "Lead time (avg)", "Lead time (p95)", "Promised", "OTIF [CI]", "Volume (units)")


def _scorecard_cells(look: attention.Lookup, node: str, sku: str, goal: float | None, util: bool) -> list[dict]:
    cells = []
    for k in (*SCORECARD, "utilization") if util else SCORECARD:
        st = look.get(node, sku, k)
        text = format_estimate(k, st.mean) if k != "otif" else _est(k, st)
        miss = k == "otif" and goal is not None and math.isfinite(st.mean) and st.mean < goal
        cells.append({"text": text, "cls": "miss" if miss else ""})
    return cells


def _suppliers(look: attention.Lookup, scenario: Mapping, currency: str) -> dict:
    goal = attention.targets(scenario)["otif"]
    sups = attention.nodes_of(scenario, "supplier")
    rows: list[dict[str, Any]] = [
        {
            "name": str(n["id"]),
            "second": str(n.get("region") or ""),
            "spend": look.mean(str(n["id"]), "ALL", "spend"),
            "cells": _scorecard_cells(look, str(n["id"]), "ALL", goal, True),
        }
        for n in sups
    ]
    rows.sort(key=lambda r: -attention._finite(r["spend"]))
    rows, rows_more = aggregate.capped(rows)
    regions = list(dict.fromkeys(n for n, s, _ in look.stats if n.startswith("region:") and s == "ALL"))
    region_rows = [
        {"name": r.removeprefix("region:"), "second": "", "cells": _scorecard_cells(look, r, "ALL", goal, True)}
        for r in regions
    ]
    region_rows.sort(key=lambda r: -attention._finite(look.mean(f"region:{r['name']}", "ALL", "spend")))
    region_rows, region_more = aggregate.capped(region_rows)
    shares = {}
    for n in scenario.get("nodes") or []:
        for sku, srcs in (n.get("sources") or {}).items():
            for src in srcs or []:
                shares[(f"{n['id']}<-{src.get('lane') or src.get('node')}", sku)] = src.get("share", 1.0)
                shares.setdefault((f"{n['id']}<-{src.get('node')}", sku), src.get("share", 1.0))
    source_rows = [
        {
            "name": f"{sku} at {node.split('<-')[0]}",
            "second": f"{node.split('<-', 1)[1]} ({_pct(as_float(shares.get((node, sku))))} of each order)",
            "cells": _scorecard_cells(look, node, sku, goal, False),
        }
        for node, sku in _worst_otif_first(look, attention.source_rows(look))
    ]
    source_rows, source_more = aggregate.capped(source_rows)
    return {
        "template": "sections/suppliers.html.j2",
        "columns": [*SCORECARD_COLUMNS, f"Spend ({currency})"],
        "rows": rows,
        "region_rows": region_rows,
        "source_rows": source_rows,
        "more": {"rows": rows_more, "region_rows": region_more, "source_rows": source_more},
        "target": _pct(goal or math.nan),
    }


def _worst_otif_first(look: attention.Lookup, rows: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Source rows as the summary lists them, or worst OTIF first (undefined last) when the list will be cut."""
    if len(rows) <= aggregate.MAX_ROWS:
        return rows

    def otif(row: tuple[str, str]) -> float:
        x = look.mean(*row, "otif")
        return x if math.isfinite(x) else 2.0

    return sorted(rows, key=otif)


# --------------------------------------------------------------------------- consolidated shipping
LANE_PREFIX = "lane:"
POOLED_LANE = "lane:ALL"
LOW_FILL = 0.5  # below this mean container utilisation the section says how to fill containers better
LONGEST_WAIT = 4  # a longer wait is suggested only if this many times the current one would fill the containers
LONGER_WAIT = {"schedule": "a longer sailing interval (every)", "max_wait": "a longer maximum wait (max_wait)"}


def _lanes(look: attention.Lookup, scenario: Mapping, currency: str, ci_label: str) -> dict | None:
    """Consolidated shipping: per consolidating lane (the summary's ``(lane:<id>, ALL)`` rows, scenario order; above
    ``aggregate.MAX_ROWS`` the ``aggregate.TOP_N`` lowest utilisations) its mode and ends, containers per year,
    container utilisation and transport cost per unit; the pooled ``lane:ALL`` row last. None without lane rows."""
    found = [n for n, s, k in look.stats if n.startswith(LANE_PREFIX) and n != POOLED_LANE and s == "ALL"]
    if not found:
        return None
    specs = {}
    for spec in scenario.get("lanes") or []:
        if isinstance(spec, Mapping):
            specs[str(spec.get("id") or f"{spec.get('from')}->{spec.get('to')}")] = spec
    order = {lane_id: i for i, lane_id in enumerate(specs)}
    ids = sorted(dict.fromkeys(n.removeprefix(LANE_PREFIX) for n in found), key=lambda i: order.get(i, len(order)))
    if len(ids) > aggregate.MAX_ROWS:  # the emptiest containers first (no container in the window: last), then cut

        def fill(lane_id: str) -> float:
            x = look.mean(LANE_PREFIX + lane_id, "ALL", "container_utilisation")
            return x if math.isfinite(x) else 2.0

        ids.sort(key=fill)
    shown, more = aggregate.capped(ids)
    yearly = attention.per_year(scenario)

    def cells(node: str) -> list[str]:
        return [
            _est("shipments", look.get(node, "ALL", "shipments"), yearly),
            _est("container_utilisation", look.get(node, "ALL", "container_utilisation")),
            _est("transport_cost_per_unit", look.get(node, "ALL", "transport_cost_per_unit")),
        ]

    rows = [
        {
            "lane": lane_id,
            "mode": str(specs.get(lane_id, {}).get("mode") or ""),
            "from": str(specs.get(lane_id, {}).get("from") or ""),
            "to": str(specs.get(lane_id, {}).get("to") or ""),
            "cells": cells(LANE_PREFIX + lane_id),
        }
        for lane_id in shown
    ]
    has_pooled = any(n == POOLED_LANE for n, _, _ in look.stats)  # (a hand-made table may leave it out)
    pooled = {"lane": "all consolidating lanes", "mode": "", "from": "", "to": "", "cells": cells(POOLED_LANE)}
    return {
        "template": "sections/lanes.html.j2",
        "ci_label": ci_label,
        "currency": currency,
        "rows": rows,
        "pooled": pooled if has_pooled else None,
        "more": more,
        "summary": _lane_summary(look, [specs.get(i, {}) for i in ids], len(ids), yearly, currency)
        if has_pooled
        else [],
    }


def _lane_summary(look: attention.Lookup, specs: list, n_lanes: int, yearly: float, currency: str) -> list[str]:
    """What the pooled row says in words; when containers leave less than ``LOW_FILL`` full on average, what would
    fill them better: a longer wait (for the dispatch rules the lanes use) when at most ``LONGEST_WAIT`` times the
    current one would fill them at the same volume, else groupage rates."""
    fill = look.mean(POOLED_LANE, "ALL", "container_utilisation")
    if not math.isfinite(fill):
        return [f"No container left the {n_lanes:,} consolidating lane{'s' * (n_lanes != 1)} in the KPI window."]
    per_year = look.mean(POOLED_LANE, "ALL", "shipments") * yearly
    cost = look.mean(POOLED_LANE, "ALL", "transport_cost_per_unit")
    lanes = f"{n_lanes:,} consolidating lanes dispatch" if n_lanes != 1 else "The consolidating lane dispatches"
    lines = [
        f"{lanes} "
        f"{format_estimate('shipments', per_year)} containers per year, "
        f"{format_value('container_utilisation', fill, 1)} full on average, at "
        f"{format_estimate('transport_cost_per_unit', cost)} {currency} transport cost per unit."
    ]
    if fill < LOW_FILL:
        rules = dict.fromkeys(r for s in specs for r in (s.get("consolidation") or {}).get("dispatch") or ())
        longer = " or ".join(LONGER_WAIT[r] for r in rules if r in LONGER_WAIT)
        text = f"Containers leave {format_value('container_utilisation', fill, 1)} full on average"
        if fill > 0:  # the goods arriving at this rate would fill a container in 1 / fill times the current wait
            text += f": a full one would take about {1 / fill:,.0f} times as long to load"
        if longer and fill * LONGEST_WAIT >= 1:
            text += f". Consider {longer}, or groupage (LCL) rates, which charge for the space used."
        else:
            text += ". Consider groupage (LCL) rates, which charge for the space used"
            text += f", rather than {longer}." if longer else "."
        lines.append(text)
    return lines
