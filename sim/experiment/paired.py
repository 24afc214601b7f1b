"""Paired runs: a replication of the baseline (the scenario without disruptions) and, with the same seed, of each
disrupted variant; the paired metrics of one row (the network, or a product over its customer-facing items) and the
rolling fill-rate curves. The stress test runs them per element (sim.experiment.stress); ``paired_curves`` gives them
for one disrupted scenario (the resilience curve of notebooks and pages)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from sim.arguments import integer, one_of
from sim.errors import ArgumentError
from sim.experiment.footprint import check_fits
from sim.experiment.replication import Prepared, baseline
from sim.experiment.tasks import TaskPool
from sim.kpi import compute as kpi_mod
from sim.kpi import resilience
from sim.model.network import SupplyChain
from sim.model.rng import replication_seed
from sim.scenario.disruptions import DisruptionSpec
from sim.scenario.schema import Scenario
from sim.scenario.sources import load_scenario

METRICS = (
    "revenue_at_risk",
    "lost_sales_during",
    "backorders_peak",
    "time_to_survive",
    "time_to_recover",
    "resilience_loss",
    "cost_delta",
)


@dataclass
class TaskResult:
    """What one task sends back: per element label, per replication, the metric vector and the service curve."""

    values: dict[str, dict[int, np.ndarray]] = field(default_factory=dict)
    curves: dict[str, dict[int, np.ndarray]] = field(default_factory=dict)
    base_curves: dict[int, np.ndarray] = field(default_factory=dict)
    # per replication: the stock snapshot at the start (on hand + in transit per node × product)
    stock: dict[int, dict[tuple[str, str], float]] = field(default_factory=dict)
    # per element label, per replication: revenue at risk per product (the product rows, in ``products`` order)
    products: dict[str, dict[int, np.ndarray]] = field(default_factory=dict)
    product_ids: list[str] = field(default_factory=list)


def run_task(
    scenario: Scenario,
    specs: list[tuple[str, dict[str, Any] | list[dict[str, Any]]]],
    base_seed: int,
    replications: list[int],
    horizon: int,
    start: float,
    sku: str | None = None,
) -> TaskResult:
    """Replications ``replications`` of the baseline (once each) and of every element in ``specs``; the metrics and
    curves of the network row, or of product ``sku`` over its customer-facing items."""
    sc = scenario.model_copy(update={"horizon": horizon})
    base_sc = Prepared(baseline(sc))
    res = sc.resilience
    prices = {p.id: p.price if p.price is not None else p.unit_cost for p in sc.products}
    variants = [
        (
            label,
            Prepared(sc.model_copy(update={"disruptions": [DisruptionSpec.model_validate(x) for x in _listed(spec)]})),
        )
        for label, spec in specs
    ]
    out = TaskResult()
    for r in replications:
        seed = replication_seed(base_seed, r)
        base = base_sc.chain(seed, record_log=False).run()
        base_rec = resilience.record(base)
        base_cost = _total_cost(base_sc, base)
        out.base_curves[r] = _curve(base_rec, res.window, sku)
        for label, var in variants:
            chain = var.chain(seed, record_log=False).run()
            rec = resilience.record(chain)
            d = chain.disruptions
            s = d.first_start if d is not None and d.first_start is not None else start
            g, kp = resilience.compare(rec, base_rec, s, window=res.window, tolerance=res.tolerance, prices=prices)
            at = g.labels.index((resilience.ALL, sku or resilience.ALL))
            row = [kp[m][at] for m in METRICS[:-1]] + [_total_cost(var, chain) - base_cost]
            out.values.setdefault(label, {})[r] = np.array(row)
            rows = [i for i, (node, s_) in enumerate(g.labels) if node == resilience.ALL and s_ != resilience.ALL]
            out.product_ids = [g.labels[i][1] for i in rows]
            out.products.setdefault(label, {})[r] = kp["revenue_at_risk"][rows]
            out.curves.setdefault(label, {})[r] = _curve(rec, res.window, sku)
            if r not in out.stock and d is not None:
                out.stock[r] = dict(d.snapshot)
            chain.release()  # what the next run needs is read; free the model now, not at the next full GC
        base.release()
    return out


def _listed(spec: dict[str, Any] | list[dict[str, Any]]) -> list[dict[str, Any]]:
    return spec if isinstance(spec, list) else [spec]


def paired_curves(
    scenario: Scenario | str | dict,
    replications: int = 20,
    seed: int = 0,
    sku: str | None = None,
    n_jobs: int = 1,
) -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
    """For a scenario with disruptions (``sim.paired_curves``): the rolling customer fill rate
    (``resilience.window`` periods) per replication (replications × periods) of the network or of product ``sku``,
    the same for the replications without the disruptions, and the paired metrics of that row per replication (the
    columns of :data:`METRICS`; ``time_to_survive`` NaN where service never dropped). Replication r uses the seed of
    replication r of a batch with ``mc.seed = seed``, so the curves pair with ``sim.run``'s replications. Feeds
    :func:`sim.report.stress_page.resilience_curves`. ``n_jobs`` local processes share the replications (the same
    numbers whatever it is)."""
    sc = load_scenario(scenario)
    if not sc.disruptions:
        raise ArgumentError("scenario: paired_curves needs a scenario with disruptions; it has none")
    replications = integer("replications", replications, minimum=1)
    seed = integer("seed", seed, minimum=0)
    n_jobs = integer("n_jobs", n_jobs, minimum=1)
    if sku is not None:
        sku = one_of("sku", sku, [p.id for p in sc.products], what="product")
    check_fits(sc, timeseries=False)
    start = min(spec.window[0] for spec in sc.disruptions)
    specs: list[tuple[str, dict[str, Any] | list[dict[str, Any]]]] = [
        ("disrupted", [d.model_dump() for d in sc.disruptions])
    ]
    reps = list(range(replications))
    pool = TaskPool("local", min(n_jobs, replications), None)
    size = -(-replications // pool.workers)  # one chunk of replications per worker
    tasks = [(baseline(sc), specs, seed, reps[a : a + size], sc.horizon, start, sku) for a in range(0, len(reps), size)]
    res = TaskResult()
    try:
        for part in pool.map(run_task, tasks):
            res.values.setdefault("disrupted", {}).update(part.values["disrupted"])
            res.curves.setdefault("disrupted", {}).update(part.curves["disrupted"])
            res.base_curves.update(part.base_curves)
    finally:
        pool.close()
    values = pd.DataFrame([res.values["disrupted"][r] for r in reps], columns=list(METRICS))
    curves = np.vstack([res.curves["disrupted"][r] for r in reps])
    return curves, np.vstack([res.base_curves[r] for r in reps]), values


def _total_cost(prep: Prepared, chain: SupplyChain) -> float:
    index, values = prep.kpis(chain)
    return float(values[index.index((kpi_mod.ALL, kpi_mod.ALL, "total_cost"))])


def _curve(rec: resilience.ServiceRecord, window: int, sku: str | None = None) -> np.ndarray:
    """The rolling customer fill rate per period of the network, or of one product (float32: it only feeds the
    resilience curve)."""
    rows = [i for i, (_, s) in enumerate(rec.keys) if sku is None or s == sku]
    f, d = rec.filled[rows].sum(axis=0, keepdims=True), rec.demand[rows].sum(axis=0, keepdims=True)
    return resilience._rolling(f, d, window)[0].astype(np.float32)
