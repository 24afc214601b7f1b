"""The stress test: take out every supplier, lane and region in turn, in the same replications, and rank them.

Each element gets a scheduled disruption (``supplier_outage``, ``lane_closure``, ``regional_event``) of
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
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from scipy import stats

from sim.errors import ConfigError, settings_error
from sim.experiment.backends import resolve_jobs
from sim.experiment.monte_carlo import MCSettings
from sim.experiment.paired import METRICS, run_task
from sim.experiment.progress import tqdm
from sim.experiment.replication import baseline
from sim.experiment.tasks import TaskPool
from sim.kpi.survival import customer_rates_of, supplies, tts_optimal, usable_stock
from sim.scenario.disruptions import DisruptionSpec
from sim.scenario.schema import Scenario, SupplierNode
from sim.scenario.sources import load_scenario
from sim.scenario.targets import regional_targets

ElementKind = Literal["suppliers", "lanes", "regions"]


class StressSettings(BaseModel):
    """The ``stress`` config group (conf/config.yaml documents each key)."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)
    duration: float = Field(28.0, gt=0, allow_inf_nan=False)
    start: float | None = Field(None, ge=0, allow_inf_nan=False)
    elements: list[ElementKind] = ["suppliers", "lanes", "regions"]
    rank_by: str = "revenue_at_risk"
    min_replications: int = Field(20, ge=2)
    round_size: int = Field(20, ge=1)
    precision: float = Field(0.05, gt=0, allow_inf_nan=False)
    top: int = Field(5, ge=1)
    tail: int | None = Field(None, ge=0)

    @field_validator("rank_by")
    @classmethod
    def _rank_by(cls, v: str) -> str:
        if v not in METRICS:
            raise ValueError(f"unknown metric {v!r}; allowed: {', '.join(METRICS)}")
        return v

    @classmethod
    def from_config(cls, cfg: Mapping[str, Any]) -> StressSettings:
        try:
            return cls.model_validate(dict(cfg))
        except ValidationError as exc:
            raise settings_error("invalid stress-test settings", "stress", exc, cls.model_fields) from None


@dataclass(frozen=True)
class Element:
    """One element of the stress test and the disruption that takes it out."""

    kind: str  # supplier | lane | region
    id: str
    spec: dict[str, Any]

    @property
    def label(self) -> str:
        return f"{self.kind}:{self.id}"


def elements(sc: Scenario, settings: StressSettings) -> list[Element]:
    """Every supplier, lane and region of the scenario (as chosen by ``stress.elements``), with its disruption."""
    start = float(sc.warmup) if settings.start is None else settings.start
    if start >= sc.horizon:
        raise ConfigError(f"stress.start: {start:g} is not before the horizon ({sc.horizon})")
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
    for e in out:
        e.spec["name"] = e.label
    return out


def _horizon(sc: Scenario, settings: StressSettings) -> int:
    start = float(sc.warmup) if settings.start is None else settings.start
    if settings.tail is None:
        return sc.horizon
    return int(min(sc.horizon, math.ceil(start + settings.duration + settings.tail)))


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

    n_failed = 0  # the CLI's exit-code checks (a stress test has no per-replication failure records)
    stop_reason = "stress test"

    def write(self, out_dir: Any) -> None:
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        self.table.to_csv(out / "stress_test.csv", index=False)
        self.values.to_csv(out / "stress_values.csv", index=False)


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
    scenario: Scenario | str | dict,
    settings: StressSettings | Mapping[str, Any] | None = None,
    mc: Any = None,
    *,
    progress: bool | None = None,
) -> StressResult:
    """Run the stress test of ``scenario`` (see the module docstring); ``mc``: sim.experiment.batch.MCSettings
    (replications = the most any element gets; seed, n_jobs, backend, address, confidence)."""
    sc = load_scenario(scenario)
    if sc.disruptions:
        sc = baseline(sc)  # the stress test adds its own disruptions, one element at a time
    settings = settings if isinstance(settings, StressSettings) else StressSettings.from_config(settings or {})
    mc = mc if isinstance(mc, MCSettings) else MCSettings.from_config(mc or {})
    elems = elements(sc, settings)
    if not elems:
        raise ConfigError("stress test: the scenario has no suppliers, lanes or regions to take out")
    start = float(sc.warmup) if settings.start is None else settings.start
    horizon = _horizon(sc, settings)
    limit = mc.replications
    first = min(settings.min_replications, limit)
    show = mc.progress if progress is None else progress
    show = sys.stderr.isatty() if show is None else show
    bars = _bars(elems, limit, show)
    pool = TaskPool(mc.backend, resolve_jobs(mc.n_jobs, remote=mc.address is not None), mc.address, mc.connect_timeout)
    began = time.perf_counter()
    done: dict[str, dict[int, np.ndarray]] = {e.label: {} for e in elems}
    curves: dict[str, dict[int, np.ndarray]] = {e.label: {} for e in elems}
    base_curves: dict[int, np.ndarray] = {}
    stock: dict[int, dict[tuple[str, str], float]] = {}
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
                    bars[label].update(len(per))
                base_curves.update(res.base_curves)
                stock.update(res.stock)
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
    return StressResult(sc, settings, table, long, stacked, base, start, horizon, elapsed, len(base_curves))


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
    """The ranked table: mean and CI of every metric, TTS median, TTR > TTS flag, risk exposure, tts_optimal."""
    mean_stock: dict[tuple[str, str], float] = {}  # the snapshot is the same for every element: before s
    for per in stock.values():
        for key, units in per.items():
            mean_stock[key] = mean_stock.get(key, 0.0) + units / max(len(stock), 1)
    rates: dict[str, float] = {}
    for (_, sku), r in customer_rates_of(sc).items():
        rates[sku] = rates.get(sku, 0.0) + r
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
        usable = usable_stock(disrupted, mean_stock)
        row["tts_optimal"] = tts_optimal(usable, rates, supplies(disrupted), max(sc.horizon - start, 0.0))
        row["critical"] = bool(row["time_to_recover"] > row["tts_median"])
        rows.append(row)
    table = pd.DataFrame(rows)
    worst = table[settings.rank_by].abs().max()
    table["risk_exposure"] = table[settings.rank_by] / worst if worst > 0 else 0.0
    table = table.sort_values(settings.rank_by, ascending=False, ignore_index=True)
    table.insert(0, "rank", np.arange(1, len(table) + 1))
    return table
