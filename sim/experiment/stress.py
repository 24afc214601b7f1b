"""The stress test: take out every supplier, lane, region and facility in turn, in the same replications, and rank
them.

Each element gets a scheduled disruption (``supplier_outage``, ``lane_closure``, ``regional_event``,
``facility_outage``) of
``stress.duration`` periods from ``stress.start`` (default: the warm-up). Its impact is paired: replication r of the
element against replication r of the undisrupted scenario, same seeds (sim.model.rng), so the network KPIs'
differences carry no demand or transit noise of their own.

What makes it fast enough for a live workshop:

* **one baseline per replication**, shared by every element: a task runs replication r's baseline once and then
  every element still running on the same seed;
* **rounds with early stopping**: elements run ``round_size`` replications at a time (after ``min_replications``) and
  stop once the paired CI half-width of ``rank_by`` is below ``precision`` × the worst element's mean, or once the
  element's upper confidence bound is below the lower bound of the ``top``-th element (it can't reach the top);
* **tasks in parallel** on ``mc.n_jobs`` local processes or Dask, each a chunk of replications × the running
  elements; results depend only on (mc.seed, replication), never on the backend or the chunking;
* ``stress.tail`` (optional): simulate only ``tail`` periods after the outage ends, for both runs. A run cut at h is
  exactly the full run up to h (the model is causal and every stream is drawn in the same order), so the KPIs only
  lose what happens after h; tests/experiment/test_stress.py shows where that changes nothing.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from sim.errors import ConfigError
from sim.experiment.backends import resolve_jobs
from sim.experiment.footprint import check_stress_fits
from sim.experiment.monte_carlo import MCSettings
from sim.experiment.paired import METRICS, run_task
from sim.experiment.progress import tqdm
from sim.experiment.replication import baseline
from sim.experiment.stress_inputs import Progress, StressSettings, outage_window, stress_arguments
from sim.experiment.tasks import TaskPool
from sim.kpi.survival import customer_rates_of, tts_optimal_of
from sim.scenario.disruptions import DisruptionSpec
from sim.scenario.schema import Scenario, SupplierNode
from sim.scenario.sources import load_scenario
from sim.scenario.targets import facilities, regional_targets


@dataclass(frozen=True)
class Element:
    """One element of the stress test and the disruption that takes it out; ``same``: the other elements whose outage
    takes out exactly the same actors (a region holding one lane and no supplier is that lane): one row names them
    all and runs once."""

    kind: str  # supplier | lane | region | facility
    id: str
    spec: dict[str, Any]
    same: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return " = ".join((f"{self.kind}:{self.id}", *self.same))


def elements(sc: Scenario, settings: StressSettings) -> list[Element]:
    """Every supplier, lane, region and facility of the scenario (as chosen by ``stress.elements``), with its
    disruption."""
    start = float(sc.warmup) if settings.start is None else settings.start
    window = {"start": start, "duration": settings.duration}
    out: list[Element] = []
    if "suppliers" in settings.elements:
        for n in sc.nodes:
            if isinstance(n, SupplierNode):
                spec = {"kind": "supplier_outage", "supplier": n.id, **window}
                out.append(Element("supplier", n.id, spec))
    if "lanes" in settings.elements:
        for ln in sc.lanes:
            out.append(Element("lane", ln.id, {"kind": "lane_closure", "lane": ln.id, **window}))
    if "regions" in settings.elements:
        regions = sorted({n.region for n in sc.nodes if n.region} | {ln.region for ln in sc.lanes if ln.region})
        for region in regions:
            if any(regional_targets(sc, region)):
                out.append(Element("region", region, {"kind": "regional_event", "region": region, **window}))
    if "facilities" in settings.elements:  # buffers, retailers and plants (sim.scenario.targets.FACILITY_TYPES)
        for node in facilities(sc):
            out.append(Element("facility", node, {"kind": "facility_outage", "node": node, **window}))
    out = _merged(sc, out)
    for e in out:
        e.spec["name"] = e.label
    return out


def _merged(sc: Scenario, elems: list[Element]) -> list[Element]:
    """One element per set of actors taken out (suppliers down, lanes closed, facilities closed), in first-seen order,
    naming the others that take out the same set: their outages are the same run."""
    groups: dict[tuple[frozenset[str], ...], list[Element]] = {}
    for e in elems:
        groups.setdefault(_actors(sc, e), []).append(e)
    return [
        Element(first.kind, first.id, first.spec, tuple(f"{o.kind}:{o.id}" for o in rest))
        for first, *rest in groups.values()
    ]


def _actors(sc: Scenario, e: Element) -> tuple[frozenset[str], ...]:
    """(suppliers down, lanes closed, facilities closed) by the element's outage."""
    none: frozenset[str] = frozenset()
    if e.kind == "supplier":
        return frozenset({e.id}), none, none
    if e.kind == "lane":
        return none, frozenset({e.id}), none
    if e.kind == "facility":  # closed, not the same as its lanes closed (its own customers find it closed too)
        return none, none, frozenset({e.id})
    suppliers, lanes = regional_targets(sc, e.id)
    return frozenset(suppliers), frozenset(lanes), none


# ------------------------------------------------------------------------------------------------- the stress test
@dataclass
class StressResult:
    """The outcome: ``table`` (one row per element, ranked), ``values`` (element × replication × metric, long),
    the service ``curves`` per element (replications × periods) and the baseline's, and the run's facts."""

    scenario: Scenario
    settings: StressSettings
    table: pd.DataFrame
    values: pd.DataFrame
    curves: dict[str, np.ndarray]
    base_curves: np.ndarray
    start: float
    horizon: int
    elapsed: float
    replications: int
    product_impact: pd.DataFrame = field(default_factory=pd.DataFrame)  # element × product: mean revenue at risk

    n_failed = 0  # the CLI's exit-code checks (a stress test has no per-replication failure records)
    stop_reason = "stress test"

    def write(self, out_dir: Any) -> None:
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        self.table.to_csv(out / "stress_test.csv", index=False)
        self.values.to_csv(out / "stress_values.csv", index=False)
        self.product_impact.to_csv(out / "stress_products.csv")


def _ci(x: np.ndarray, confidence: float) -> tuple[float, float, float, int]:
    x = x[~np.isnan(x)]
    n = x.size
    if n == 0:
        return math.nan, math.nan, math.nan, 0
    mean = float(x.mean())
    if n < 2:
        return mean, math.nan, math.nan, n
    hw = float(stats.t.ppf(0.5 + confidence / 2, n - 1) * x.std(ddof=1) / math.sqrt(n))
    return mean, mean - hw, mean + hw, n


def _still_running(
    done: dict[str, np.ndarray], active: list[str], settings: StressSettings, confidence: float, limit: int
) -> list[str]:
    """The elements that need more replications. With b the midpoint between the ``top``-th and the next mean
    (the edge of the top group), an element stops once its CI lies below b (it can't reach the top), or lies above
    b and is tight (half-width <= ``precision`` × the worst mean); an element whose CI straddles b runs on, up to
    ``mc.replications``."""
    k = METRICS.index(settings.rank_by)
    est = {e: _ci(done[e][:, k], confidence) for e in done}
    means = sorted((m for m, *_ in est.values() if not math.isnan(m)), reverse=True)
    scale = max((abs(m) for m in means), default=0.0)
    edge = (means[settings.top - 1] + means[settings.top]) / 2 if len(means) > settings.top else -math.inf
    keep = []
    for e in active:
        _, lo, hi, _ = est[e]
        n = len(done[e])
        if n >= limit:
            continue
        if n >= settings.min_replications and not math.isnan(hi):
            tight = (hi - lo) / 2 <= settings.precision * scale
            if hi < edge or (lo > edge and tight):
                continue
        keep.append(e)
    return keep


def run_stress(
    scenario: Scenario | str | Path | dict,
    settings: StressSettings | Mapping[str, Any] | None = None,
    mc: MCSettings | Mapping[str, Any] | None = None,
    *,
    progress: bool | Progress | None = None,
) -> StressResult:
    """Run the stress test of ``scenario`` (a Scenario, a dict, a library name or a file); ``settings``: a
    StressSettings, a mapping of ``stress`` keys or None; ``mc``: a sim.MCSettings, a mapping of ``mc`` keys or None
    (replications = the most any element gets; seed, n_jobs, backend, address, confidence); ``progress``: bars on
    stderr (True, or None: when it is a terminal), none (False), or a function called with (replications run,
    replications planned, over all elements) as they finish. Every argument, the outage window and the memory the
    test needs are checked before anything runs (sim.experiment.stress_inputs)."""
    settings, mc, progress = stress_arguments(settings, mc, progress)
    sc = load_scenario(scenario)
    if sc.disruptions:
        sc = baseline(sc)  # the stress test adds its own disruptions, one element at a time
    start, horizon = outage_window(sc, settings)
    elems = elements(sc, settings)
    if not elems:
        raise ConfigError(
            f"stress test: the scenario has no {' or '.join(settings.elements)} to take out (stress.elements)"
        )
    limit = mc.replications
    jobs = resolve_jobs(mc.n_jobs, remote=mc.address is not None)
    workers = jobs if mc.address is None else 1  # a remote cluster's workers have their own memory
    check_stress_fits(sc, periods=horizon, elements=len(elems), replications=limit, workers=workers)
    first = min(settings.min_replications, limit)
    report = progress if callable(progress) else None
    show = mc.progress if progress is None else progress is True
    show = sys.stderr.isatty() if show is None else show
    bars = _bars(elems, limit, show)
    pool = TaskPool(mc.backend, jobs, mc.address, mc.connect_timeout)
    began = time.perf_counter()
    done: dict[str, dict[int, np.ndarray]] = {e.label: {} for e in elems}
    curves: dict[str, dict[int, np.ndarray]] = {e.label: {} for e in elems}
    base_curves: dict[int, np.ndarray] = {}
    stock: dict[int, dict[tuple[str, str], float]] = {}
    products: dict[str, dict[int, np.ndarray]] = {e.label: {} for e in elems}
    product_ids: list[str] = []
    by_label = {e.label: e for e in elems}
    active = [e.label for e in elems]
    lo, hi = 0, first
    aborted = True
    try:
        while active and lo < hi:
            reps = list(range(lo, hi))
            specs = [(e, by_label[e].spec) for e in active]
            size = max(1, -(-len(reps) // (2 * pool.workers)))
            tasks = [(sc, specs, mc.seed, reps[a : a + size], horizon, start) for a in range(0, len(reps), size)]
            for res in pool.map(run_task, tasks):
                for label, per in res.values.items():
                    done[label].update(per)
                    curves[label].update(res.curves[label])
                    products[label].update(res.products.get(label, {}))
                    bars[label].update(len(per))
                product_ids = res.product_ids or product_ids
                base_curves.update(res.base_curves)
                stock.update(res.stock)
                if report is not None:  # elements stopped early are planned at what they got
                    ran = sum(len(per) for per in done.values())
                    report(ran, ran + sum(limit - len(done[e]) for e in active))
            active = _still_running(
                {e: np.array(list(done[e].values())) for e in done}, active, settings, mc.confidence, limit
            )
            for label in done:
                if label not in active:
                    bars[label].set_postfix_str(f"done ({len(done[label])})", refresh=True)
            lo, hi = hi, min(hi + settings.round_size, limit)
        aborted = False
    finally:
        for bar in bars.values():
            bar.close()
        pool.close(abort=aborted)
    elapsed = time.perf_counter() - began
    table = _table(sc, elems, done, stock, settings, mc.confidence, start)
    long = pd.DataFrame(
        [(label, r, *v) for label, per in done.items() for r, v in sorted(per.items())],
        columns=["element", "replication", *METRICS],
    )
    stacked = {label: np.vstack([per[r] for r in sorted(per)]) for label, per in curves.items() if per}
    base = np.vstack([base_curves[r] for r in sorted(base_curves)])
    impact = pd.DataFrame(
        {label: np.mean(np.vstack(list(per.values())), axis=0) for label, per in products.items() if per},
        index=pd.Index(product_ids, name="sku"),
    ).T.reindex(table["element"])  # element (ranked) × product: mean revenue at risk
    return StressResult(sc, settings, table, long, stacked, base, start, horizon, elapsed, len(base_curves), impact)


def _bars(elems: list[Element], total: int, show: bool) -> dict[str, Any]:
    return {
        e.label: tqdm(total=total, desc=e.label, position=i, disable=not show, file=sys.stderr, leave=True, unit="rep")
        for i, e in enumerate(elems)
    }


def _table(
    sc: Scenario,
    elems: list[Element],
    done: dict[str, dict[int, np.ndarray]],
    stock: dict[int, dict[tuple[str, str], float]],
    settings: StressSettings,
    confidence: float,
    start: float,
) -> pd.DataFrame:
    """The ranked table: mean and CI of each metric, TTS median, critical (TTS < outage), risk exposure, tts_optimal."""
    mean_stock: dict[tuple[str, str], float] = {}  # the snapshot is the same for every element: before s
    for per in stock.values():
        for key, units in per.items():
            mean_stock[key] = mean_stock.get(key, 0.0) + units / max(len(stock), 1)
    demand = customer_rates_of(sc)
    rows = []
    for e in elems:
        vals = np.array([done[e.label][r] for r in sorted(done[e.label])])
        row: dict[str, Any] = {"element": e.label, "kind": e.kind, "id": e.id, "n": len(vals)}
        for k, m in enumerate(METRICS):
            mean, low, high, _ = _ci(vals[:, k], confidence)
            row[m], row[f"{m}_ci_low"], row[f"{m}_ci_high"] = mean, low, high
        tts = vals[:, METRICS.index("time_to_survive")]
        row["tts_median"] = float(np.median(np.where(np.isnan(tts), np.inf, tts)))
        row["share_dropped"] = float(np.mean(~np.isnan(tts)))
        disrupted = sc.model_copy(update={"disruptions": [DisruptionSpec.model_validate(e.spec)]})
        cap = max(sc.horizon - start, 0.0)
        row["tts_optimal"] = tts_optimal_of(disrupted, mean_stock, demand, cap)
        row["tts_optimal_capped"] = bool(row["tts_optimal"] >= cap - 1e-9)  # never runs out within the run
        # Simchi-Levi et al.'s test, TTS < TTR, with the element's own time to recover: the outage's length. (The
        # network's measured time_to_recover runs from the start until service is back, so it outlasts the time to
        # survive whenever service drops at all: as the test it made nearly every element critical.)
        row["critical"] = bool(row["tts_median"] < settings.duration)
        rows.append(row)
    table = pd.DataFrame(rows)
    worst = table[settings.rank_by].abs().max()
    table["risk_exposure"] = table[settings.rank_by] / worst if worst > 0 else 0.0
    table = table.sort_values(settings.rank_by, ascending=False, ignore_index=True)
    table.insert(0, "rank", np.arange(1, len(table) + 1))
    return table
