"""What a manager should look at first: the items and suppliers that miss their targets, and what drives cost.

Pure functions from the batch summary (``node, sku, kpi, mean, ci_low, ci_high, p05, n``), the optional risk table
(``node, sku, kpi, target, p_miss``, from :meth:`sim.experiment.batch.Batch.risk`) and the scenario dict to plain
rows the templates print. Everything is ranked worst first; nothing here formats numbers (``sim.report.html`` does).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd

from sim.kpi.catalog import COSTS, OVERHEAD

ALL = "ALL"
OPERATING = tuple(c for c in COSTS if c != "purchase_cost")  # the costs policies and sourcing decide
DEFAULT_TARGETS = {"fill_rate": 0.95, "otif": 0.90}  # the schema's defaults, for a scenario dict without targets
PERIOD_WORDS = {"hour": "hours", "day": "days", "week": "weeks", "month": "months"}
PERIODS_PER_YEAR = {"hour": 8760, "day": 365, "week": 52, "month": 12}


@dataclass(frozen=True)
class Stat:
    """One KPI's summary: mean, interval, 5th percentile across replications, n, probability of missing target."""

    mean: float = math.nan
    lo: float = math.nan
    hi: float = math.nan
    p05: float = math.nan
    n: float = math.nan
    p_miss: float = math.nan


@dataclass
class Lookup:
    """(node, sku, kpi) -> Stat for one variant (the first one of the summary)."""

    stats: dict[tuple[str, str, str], Stat] = field(default_factory=dict)

    def get(self, node: str, sku: str, kpi: str) -> Stat:
        return self.stats.get((node, sku, kpi), Stat())

    def mean(self, node: str, sku: str, kpi: str) -> float:
        return self.get(node, sku, kpi).mean


def _num(x: object) -> float:
    try:
        v = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return math.nan
    return v


def lookup(summary: pd.DataFrame, risk: pd.DataFrame | None = None, variant: str | None = None) -> Lookup:
    """The summary rows of ``variant`` (default: the first) keyed by (node, sku, kpi), with P(miss) from ``risk``."""
    df = summary
    if "variant" in df.columns and not df.empty:
        df = df[df["variant"].astype(str) == (str(df["variant"].iloc[0]) if variant is None else variant)]
    miss: dict[tuple[str, str, str], float] = {}
    if risk is not None and not risk.empty:
        r = risk
        if "variant" in r.columns and variant is not None:
            r = r[r["variant"].astype(str) == variant]
        miss = {
            (str(n), str(s), str(k)): _num(p) for n, s, k, p in r[["node", "sku", "kpi", "p_miss"]].itertuples(False)
        }
    cols = [c if c in df.columns else None for c in ("mean", "ci_low", "ci_high", "p05", "n")]
    out = Lookup()
    for row in df.itertuples(index=False):
        key = (str(row.node), str(row.sku), str(row.kpi))
        mean, lo, hi, p05, n = (_num(getattr(row, c)) if c else math.nan for c in cols)
        out.stats[key] = Stat(mean, lo, hi, p05, n, p_miss=miss.get(key, math.nan))
    return out


# --------------------------------------------------------------------------- scenario facts
def nodes_of(scenario: Mapping, kind: str) -> list[dict]:
    return [n for n in scenario.get("nodes") or [] if isinstance(n, dict) and n.get("type") == kind]


def customer_items(scenario: Mapping) -> list[tuple[str, str]]:
    """(node, sku) of every item end customers buy (single-line demand or basket lines), in scenario order."""
    out: list[tuple[str, str]] = []
    for n in scenario.get("nodes") or []:
        if not isinstance(n, dict) or n.get("type") == "supplier":
            continue
        skus = list(n.get("demand") or {}) + [s for b in n.get("baskets") or [] for s in (b.get("lines") or {})]
        out += [(str(n["id"]), str(s)) for s in dict.fromkeys(skus)]
    return out


def targets(scenario: Mapping) -> dict[str, float | None]:
    given = scenario.get("targets") or {}
    return {k: given.get(k, v) for k, v in DEFAULT_TARGETS.items()}


def window(scenario: Mapping) -> tuple[int, int, str]:
    """(warm-up, horizon, period word) of the scenario."""
    period = str(scenario.get("period") or "day")
    return int(scenario.get("warmup") or 0), int(scenario.get("horizon") or 0), period


def per_year(scenario: Mapping) -> float:
    """Factor from a window total to a yearly figure (NaN if the window is empty or the period unknown)."""
    w, h, period = window(scenario)
    ppy = PERIODS_PER_YEAR.get(period)
    return ppy / (h - w) if ppy and h > w else math.nan


# --------------------------------------------------------------------------- what needs attention
@dataclass(frozen=True)
class Shortfall:
    """An item or a supplier/source below its target: the KPI, its stats and context figures."""

    node: str
    sku: str
    kpi: str
    target: float
    stat: Stat
    extra: dict[str, float] = field(default_factory=dict)

    @property
    def name(self) -> str:
        """``ec_psu at south_milan``; a supplier row ``tw_taoyuan (all its orders)``; a source row
        ``de_bavaria (pk_tray for hub_venlo)``."""
        if "<-" in self.node:
            buyer, source = self.node.split("<-", 1)
            return f"{source} ({self.sku} for {buyer})"
        return f"{self.node} (all its orders)" if self.sku == ALL else f"{self.sku} at {self.node}"


def service_shortfalls(look: Lookup, scenario: Mapping) -> list[Shortfall]:
    """Customer-facing items whose mean fill rate is below the target, lowest first (ties: more demand first)."""
    target = targets(scenario)["fill_rate"]
    if target is None:
        return []
    yearly = per_year(scenario)
    out = []
    for node, sku in customer_items(scenario):
        st = look.get(node, sku, "fill_rate")
        if math.isfinite(st.mean) and st.mean < target:
            demand = look.mean(node, sku, "demand")
            short = demand * (1 - st.mean) * yearly if math.isfinite(demand) else math.nan
            extra = {"short_per_year": short, "backorders_avg": look.mean(node, sku, "backorders_avg")}
            extra["lost_sales"] = look.mean(node, sku, "lost_sales")
            out.append(Shortfall(node, sku, "fill_rate", target, st, extra))
    return sorted(out, key=lambda s: (s.stat.mean, -_finite(s.extra["short_per_year"])))


def _finite(x: float) -> float:
    return x if math.isfinite(x) else 0.0


def supply_shortfalls(look: Lookup, scenario: Mapping) -> list[Shortfall]:
    """Suppliers and sources of multi-source items whose OTIF is below the target, lowest first."""
    target = targets(scenario)["otif"]
    if target is None:
        return []
    sources = source_rows(look)
    # a supplier that serves one item only, through a listed source row, would be the same numbers twice
    served: dict[str, set[tuple[str, str]]] = {}
    for n in scenario.get("nodes") or []:
        for sku, srcs in (n.get("sources") or {}).items() if isinstance(n, dict) else ():
            for src in srcs or []:
                served.setdefault(str(src.get("node")), set()).add((str(n["id"]), str(sku)))
    shown = {node.split("<-", 1)[1] for node, _ in sources}
    rows = [
        (str(n["id"]), ALL)
        for n in nodes_of(scenario, "supplier")
        if not (str(n["id"]) in shown and len(served.get(str(n["id"]), ())) == 1)
    ] + sources
    out = []
    for node, sku in rows:
        st = look.get(node, sku, "otif")
        if math.isfinite(st.mean) and st.mean < target:
            extra = {k: look.mean(node, sku, k) for k in ("lead_time_avg", "lead_time_p95", "promised_lead_time")}
            extra["spend"] = look.mean(node, sku, "spend")
            out.append(Shortfall(node, sku, "otif", target, st, extra))
    return sorted(out, key=lambda s: (s.stat.mean, -_finite(s.extra["spend"])))


def source_rows(look: Lookup) -> list[tuple[str, str]]:
    """The per-source rows ``(<node><-<source>, sku)`` present in the summary."""
    return list(dict.fromkeys((n, s) for n, s, _ in look.stats if "<-" in n))


@dataclass(frozen=True)
class CostLine:
    kpi: str
    stat: Stat
    share: float  # of the operating cost (NaN for purchase and the totals)


def cost_lines(look: Lookup) -> list[CostLine]:
    """The network's operating cost components, largest first, then the operating cost, purchase and the total
    cost, then the supplier overhead (the catalogue's ``tco=True`` KPIs) and the total cost of ownership
    (``total_cost_of_ownership``). A component that is exactly 0 (a cost the scenario never incurs: no pipeline holding
    rate, no reject cost, no coordination rates) is left out."""
    op = look.mean(ALL, ALL, "operating_cost")
    parts = [CostLine(k, look.get(ALL, ALL, k), look.mean(ALL, ALL, k) / op if op else math.nan) for k in OPERATING]
    parts = [c for c in parts if c.stat.mean != 0]
    parts.sort(key=lambda c: -_finite(c.stat.mean))
    totals = [CostLine(k, look.get(ALL, ALL, k), math.nan) for k in ("operating_cost", "purchase_cost", "total_cost")]
    overhead = [CostLine(k, look.get(ALL, ALL, k), math.nan) for k in OVERHEAD]
    overhead = [c for c in overhead if c.stat.mean != 0]
    tco = "total_cost_of_ownership"
    whole = [CostLine(tco, look.get(ALL, ALL, tco), math.nan)] if overhead else []
    return [c for c in parts + totals + overhead + whole if math.isfinite(c.stat.mean)]


def supply_base(look: Lookup, yearly: float) -> list[tuple[str, Stat, float]]:
    """The network's supply base and footprint: supplier concentration (HHI of spend), single-sourced items, the
    coordination share of the cost of ownership and emissions per year (kg CO2e; only where the scenario has
    emission factors): (kpi, estimate, scale) where the network row carries them."""
    rows = [("hhi_suppliers", 1.0), ("single_source_items", 1.0), ("coordination_cost_share", 1.0)]
    rows.append(("emissions_kg", yearly))
    out = []
    for kpi, scale in rows:
        st = look.get(ALL, ALL, kpi)
        if math.isfinite(st.mean) and not (kpi in ("emissions_kg", "coordination_cost_share") and st.mean == 0):
            out.append((kpi, st, scale))
    return out


@dataclass(frozen=True)
class CostDriver:
    """An item whose operating cost is among the largest, with its largest component."""

    node: str
    sku: str
    cost: float
    share: float  # of the network's operating cost
    main: str  # its largest operating cost component
    main_share: float  # of the item's operating cost


def cost_drivers(look: Lookup, scenario: Mapping, top: int = 5) -> list[CostDriver]:
    """The ``top`` stock items by mean operating cost, largest first."""
    net = look.mean(ALL, ALL, "operating_cost")
    items = list(dict.fromkeys((n, s) for n, s, k in look.stats if k == "operating_cost" and ALL not in (n, s)))
    out = []
    for node, sku in items:
        cost = look.mean(node, sku, "operating_cost")
        if not math.isfinite(cost) or cost <= 0:
            continue
        parts = {k: look.mean(node, sku, k) for k in OPERATING}
        main = max(parts, key=lambda k: _finite(parts[k]))
        out.append(CostDriver(node, sku, cost, cost / net if net else math.nan, main, parts[main] / cost))
    return sorted(out, key=lambda d: -d.cost)[:top]


def fan_panels(
    look: Lookup, available: set[tuple[str, str]], cap: int, customer: set[tuple[str, str]] | None = None
) -> list[tuple[str, str]]:
    """Fan-chart panels for the items that matter: the worst end-customer fill rates (one item per product; among
    ``customer`` items if given), then the largest average backlogs anywhere, among the (node, sku) pairs that have
    time series."""
    items = [(n, s) for n, s in dict.fromkeys((n, s) for n, s, _ in look.stats) if (n, s) in available]
    by_fill = sorted(
        (x for x in items if math.isfinite(look.mean(*x, "fill_rate")) and (customer is None or x in customer)),
        key=lambda x: look.mean(x[0], x[1], "fill_rate"),
    )
    by_backlog = sorted(
        (x for x in items if _finite(look.mean(*x, "backorders_avg")) > 0),
        key=lambda x: -look.mean(x[0], x[1], "backorders_avg"),
    )
    panels: list[tuple[str, str]] = []
    skus: set[str] = set()
    for x in by_fill:  # one panel per product first, so two weak products both show
        if len(panels) >= (cap + 1) // 2:
            break
        if x[1] not in skus and look.mean(*x, "fill_rate") < 1:
            panels.append(x)
            skus.add(x[1])
    for x in by_backlog:
        if len(panels) >= cap:
            break
        if x not in panels:
            panels.append(x)
    return panels
