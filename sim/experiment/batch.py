"""Monte Carlo batches: many replications of one scenario variant -> long KPI table, summary with CIs, bands.

Design choices (docs/batches.md has the user-facing story):

* Replication ``i`` uses ``sim.model.rng.replication_seed(mc.seed, i)``; nothing else about the run (worker count,
  backend, chunking, completion order, resume) enters a replication, so KPI tables are bit-identical across all of
  them, and variants run with the same ``mc.seed`` get common random numbers.
* The engine's KPI index is the same for every replication, so a batch keeps one float vector per replication and
  builds the long table only when asked (``Batch.kpis``) or streams it to disk in blocks (``Batch.write``): memory
  grows with the KPI values only. Time series are kept for the first ``mc.series_replications`` replications only.
* With ``out_dir`` every finished chunk is written atomically under ``out_dir/parts/``, which is what makes
  ``mc.resume``, Ctrl-C and crashes cheap (see :mod:`sim.experiment.parts`).
"""

from __future__ import annotations

import contextlib
import json
import logging
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Mapping
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim import paths
from sim.arguments import refuse, text
from sim.errors import ConfigError, warn
from sim.experiment.backends import chunk_size, make_runner, resolve_jobs
from sim.experiment.footprint import check_batch_fits, check_fits
from sim.experiment.monte_carlo import MCSettings, parse_seed
from sim.experiment.parts import KPI_COLUMNS, PartStore, Results, long_frame, write_long
from sim.experiment.progress import tqdm
from sim.experiment.stats import SUMMARY_STATS, bands, censored_frame, describe_rows, kpi_bounds
from sim.kpi import compute as kpi_mod
from sim.paths import atomic_path
from sim.scenario.schema import Scenario, StockNode
from sim.scenario.sources import load_scenario

log = logging.getLogger(__name__)

SUMMARY_COLUMNS = ["scenario", "variant", "node", "sku", "kpi", *SUMMARY_STATS]
FAILURE_COLUMNS = ["replication", "seed", "error", "traceback"]
UNDEFINED_TARGET = "target KPI undefined"  # stop reason: a precision target on a KPI no replication defines


class Batch:
    """The outcome of :func:`run_batch`. Holds one KPI vector per successful replication; tables are built lazily.

    ``n_replications`` counts finished replications, failed ones included (``n_failed``); the summary and bands use
    the successful ones. ``stop_reason`` is ``"fixed replications"``, ``"target half-width reached after N
    replications"``, ``"max_replications reached"``, ``"target KPI undefined"`` (a precision target on a KPI that no
    replication defines, e.g. a fill rate without demand: a warning says so) or ``"interrupted"``.
    """

    def __init__(
        self,
        scenario: Scenario,
        variant: str,
        mc: MCSettings,
        kpi_index: tuple[tuple[str, str, str], ...],
        replications: np.ndarray,
        values: np.ndarray,
        failures: list[dict[str, Any]],
        stop_reason: str,
        bands: pd.DataFrame,
        rel_halfwidth: float | None = None,
    ) -> None:
        self.scenario, self.variant, self.mc = scenario, variant, mc
        self.kpi_index = kpi_index
        self.replications = replications  # successful replication indices, ascending
        self.values = values  # len(replications) x len(kpi_index)
        self.failures = pd.DataFrame(failures, columns=FAILURE_COLUMNS).sort_values("replication", ignore_index=True)
        self.failures["replication"] = self.failures["replication"].astype(np.int64)
        self.n_failed = len(self.failures)
        self.n_replications = len(replications) + self.n_failed
        self.stop_reason = stop_reason
        self.bands = bands
        self.rel_halfwidth = rel_halfwidth  # target KPI's relative CI half-width (precision-driven batches)

    def __repr__(self) -> str:
        return (
            f"<Batch {self.scenario.name}/{self.variant}: {self.n_replications} replications "
            f"({self.n_failed} failed), {self.stop_reason}>"
        )

    def kpi_frames(self, block: int | None = None) -> Iterator[pd.DataFrame]:
        """The long KPI table in blocks of ``block`` replications (default: about 10 000 rows each)."""
        width = max(1, len(self.kpi_index))
        block = block or max(1, 10_000 // width)
        for lo in range(0, max(1, len(self.replications)), block):
            reps = self.replications[lo : lo + block]
            yield long_frame(
                self.scenario.name, self.variant, self.mc.seed, self.kpi_index, reps, self.values[lo : lo + block]
            )

    @cached_property
    def kpis(self) -> pd.DataFrame:
        """Long table ``scenario, variant, replication, seed, node, sku, kpi, value`` sorted by replication, then in
        the engine's KPI order. ``seed`` is ``"<mc.seed>/<replication>"`` (see :func:`parse_seed`)."""
        frames = list(self.kpi_frames(block=max(1, len(self.replications))))
        return frames[0]

    @cached_property
    def summary(self) -> pd.DataFrame:
        """``scenario, variant, node, sku, kpi, mean, std, ci_low, ci_high, p05, p50, p95, n`` (n = defined values);
        a disrupted scenario adds the Kaplan–Meier rows of its censored times at the end (docs/kpis.md)."""
        frame = pd.DataFrame(list(self.kpi_index) or None, columns=["node", "sku", "kpi"])
        frame.insert(0, "variant", self.variant)
        frame.insert(0, "scenario", self.scenario.name)
        step = 32  # KPI rows per pass: the transposed copy stays small however many replications there are
        lo, hi = kpi_bounds([k for _, _, k in self.kpi_index])
        parts = [
            describe_rows(self.values[:, a : a + step].T, self.mc.confidence, (lo[a : a + step], hi[a : a + step]))
            for a in range(0, self.width, step)
        ]
        for k in SUMMARY_STATS:
            frame[k] = np.concatenate([p[k] for p in parts]) if parts else np.zeros(0)
        # censored times (TTS, TTR): their Kaplan–Meier medians as rows of their own (sim.experiment.survival_stats)
        km = censored_frame(self.kpi_index, self.values, self.mc.confidence, ["node", "sku"])
        if not km.empty:
            km.insert(0, "variant", self.variant)
            km.insert(0, "scenario", self.scenario.name)
            frame = pd.concat([frame, km], ignore_index=True)
        return frame[SUMMARY_COLUMNS]

    def risk(self) -> pd.DataFrame:
        """Probability of missing the scenario's service targets: for every row of a KPI with a target
        (``targets.fill_rate``, ``targets.otif``), the share of replications whose value is below it. Columns
        ``variant, node, sku, kpi, target, p_miss, n`` (n = replications where the KPI is defined)."""
        cols = ["variant", "node", "sku", "kpi", "target", "p_miss", "n"]
        goals = self.scenario.targets.model_dump()
        picked = [(j, key, goals[key[2]]) for j, key in enumerate(self.kpi_index) if goals.get(key[2]) is not None]
        if not picked or not len(self.replications):
            return pd.DataFrame(columns=cols)
        x = self.values[:, [j for j, _, _ in picked]]
        target = np.array([t for _, _, t in picked], dtype=float)
        n = (~np.isnan(x)).sum(axis=0)
        with np.errstate(invalid="ignore"):
            p = np.where(n > 0, (x < target).sum(axis=0) / np.maximum(n, 1), np.nan)  # NaN < t is False
        keys = pd.DataFrame([key for _, key, _ in picked], columns=["node", "sku", "kpi"])
        keys.insert(0, "variant", self.variant)
        return keys.assign(target=target, p_miss=p, n=n)[cols]

    @property
    def width(self) -> int:
        """KPI values per replication."""
        return len(self.kpi_index)

    def values_of(self, kpi: str, node: str = kpi_mod.ALL, sku: str = kpi_mod.ALL) -> np.ndarray:
        """One KPI across the successful replications (NaN where undefined)."""
        try:
            return self.values[:, self.kpi_index.index((node, sku, kpi))]
        except ValueError:
            raise KeyError(f"no KPI {kpi!r} for node={node!r}, sku={sku!r}") from None

    def write(self, out_dir: str | Path) -> Path:
        """Write ``kpis.parquet``, ``kpis.csv``, ``summary.csv``, ``timeseries.parquet`` (the bands), ``batch.json``
        and, if any replication failed, ``failures.csv``. Files are replaced atomically; the KPI tables are streamed
        in blocks so writing does not need the whole long table in memory."""
        out = paths.output_folder("out_dir", out_dir)
        out.mkdir(parents=True, exist_ok=True)
        write_long(out, self.kpi_frames())
        with atomic_path(out / "summary.csv") as tmp:
            self.summary.to_csv(tmp, index=False)
        with atomic_path(out / "timeseries.parquet") as tmp:
            self.bands.to_parquet(tmp, index=False)
        if self.n_failed:
            with atomic_path(out / "failures.csv") as tmp:
                self.failures.to_csv(tmp, index=False)
        meta = {
            "scenario": self.scenario.name,
            "variant": self.variant,
            "n_replications": self.n_replications,
            "n_failed": self.n_failed,
            "stop_reason": self.stop_reason,
            "rel_halfwidth": self.rel_halfwidth,
            "seed_column": "<mc.seed>/<replication>: SeedSequence(mc.seed, spawn_key=(replication,))",
            "mc": self.mc.model_dump(),
        }
        with atomic_path(out / "batch.json") as tmp:
            tmp.write_text(json.dumps(meta, indent=2, default=str), encoding="utf-8")
        return out


def _round_targets(mc: MCSettings) -> Iterator[int]:
    """Cumulative replication counts: ``replications``, then + ``round_size`` until ``max_replications``."""
    if mc.target_halfwidth is None:
        yield mc.replications
        return
    step = mc.round_size or mc.replications
    n = min(mc.replications, mc.max_replications)
    while True:
        yield n
        if n >= mc.max_replications:
            return
        n = min(n + step, mc.max_replications)


def _check_target(scenario: Scenario, mc: MCSettings) -> tuple[str, str, str]:
    """Fail before running anything if the precision target names a node or KPI the scenario can't have."""
    key = (mc.target_node, kpi_mod.ALL, mc.target_kpi)
    if mc.target_halfwidth is None:
        return key
    nodes = {n.id: n for n in scenario.nodes}
    if mc.target_node != kpi_mod.ALL and mc.target_node not in nodes:
        raise ConfigError(f"mc.target_node: unknown node {mc.target_node!r}; known: ALL, {', '.join(nodes)}")
    node = nodes.get(mc.target_node)
    allowed = kpi_mod.SUPPLIER_KPIS if node is not None and not isinstance(node, StockNode) else kpi_mod.STOCK_KPIS
    if mc.target_kpi not in allowed:
        raise ConfigError(
            f"mc.target_kpi: {mc.target_kpi!r} is not computed for node {mc.target_node!r}; known: {', '.join(allowed)}"
        )
    return key


def run_batch(
    scenario: Scenario | str | Path | dict[str, Any],
    mc: MCSettings | Mapping[str, Any] | None = None,
    variant: str = "base",
    out_dir: str | Path | None = None,
    *,
    twins: str | Path | None = None,
) -> Batch:
    """Run a Monte Carlo batch of ``scenario`` (a validated Scenario, or anything ``load_scenario`` accepts).

    ``twins``: a folder of undisrupted twins shared between batches (sim.experiment.twins): a batch of a scenario
    without disruptions leaves each replication's twin there, and a disrupted batch with the same ``mc.seed`` takes
    its paired baseline runs from it instead of running them (the same KPI tables, in about half the time).

    With ``out_dir``, finished chunks are saved under ``out_dir/parts/`` as they arrive and the final tables are
    written by :meth:`Batch.write`; ``mc.resume=True`` finishes a batch whose parts are already there. Ctrl-C does not
    raise: the finished replications are kept (and written), and the returned batch has ``stop_reason ==
    "interrupted"`` -- callers should exit non-zero. Replications that raise end up in ``Batch.failures``.
    """
    mc = _settings(mc)
    variant = text("variant", variant)
    out = None if out_dir is None else paths.output_folder("out_dir", out_dir)
    twin_dir = None if twins is None else paths.output_folder("twins", twins).absolute()  # workers may cd elsewhere
    scenario = load_scenario(scenario)
    target_key = _check_target(scenario, mc)
    if mc.resume and out is None:
        raise ConfigError("mc.resume=true needs the output directory of the batch to finish (out_dir)")
    n_jobs = resolve_jobs(mc.n_jobs, remote=mc.address is not None)
    check_fits(scenario, timeseries=mc.series_replications > 0, workers=n_jobs if mc.address is None else 1)
    check_batch_fits(scenario, mc.max_replications if mc.target_halfwidth is not None else mc.replications)

    def start_runner():
        return make_runner(
            scenario,
            mc.seed,
            mc.series_replications,
            backend=mc.backend,
            n_jobs=n_jobs,
            address=mc.address,
            connect_timeout=mc.connect_timeout,
            twins=twin_dir,
        )

    # a Dask scheduler is reached first: if it can't be, the batch fails before anything is written
    runner = start_runner() if mc.backend == "dask" else None
    results = Results(min(mc.replications, 4096))  # grows as replications finish
    store = PartStore(out, scenario, variant, mc) if out is not None else None
    try:
        if store is not None:
            store.lock()  # one batch per output directory
            for res in store.load(resume=mc.resume):
                results.add(res)
    except BaseException:
        if store is not None:
            store.unlock()
        if runner is not None:
            runner.close()
        raise
    try:
        with _sigterm_as_interrupt():
            rounds = _Rounds(scenario, mc, variant, results, store, start_runner, runner)
            return rounds.run(out, n_jobs, target_key)
    finally:
        if store is not None:
            store.unlock()


def _settings(mc: Any) -> MCSettings:
    """``run_batch``'s ``mc``: MCSettings, a mapping of its keys or None (the defaults)."""
    if mc is None or isinstance(mc, MCSettings):
        return mc or MCSettings()
    if not isinstance(mc, Mapping) or not all(isinstance(k, str) for k in mc):
        raise refuse("mc", "an MCSettings, a dict of Monte Carlo settings ({'replications': 200, ...}) or None", mc)
    return MCSettings(**mc)


@contextlib.contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM (a cluster scheduler, ``docker stop``) stops the batch like Ctrl-C: finished work kept and written,
    a line on how to resume. Further SIGTERMs while it stops are ignored, so the files are written whole; afterwards
    a program that handles SIGTERM itself (the command line: its handler was in place before) goes on ignoring them
    while it finishes, and any other caller gets the default action back. Only the main thread can install
    handlers; elsewhere nothing changes."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # stopping already
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        stopped = signal.getsignal(signal.SIGTERM) is not handler
        signal.signal(signal.SIGTERM, signal.SIG_IGN if stopped and callable(previous) else previous)


class _Rounds:
    """The rounds of one batch: run the pending replications of each round (the first, then more until the target
    precision or ``max_replications`` with ``mc.target_halfwidth``), then build the batch, say why it stopped and
    write it."""

    def __init__(
        self,
        scenario: Scenario,
        mc: MCSettings,
        variant: str,
        results: Results,
        store: PartStore | None,
        start_runner: Callable[[], Any],
        runner: Any = None,
    ) -> None:
        self.scenario, self.mc, self.variant = scenario, mc, variant
        self.results, self.store = results, store
        self.start_runner, self.runner = start_runner, runner

    def run(self, out_dir: Path | None, n_jobs: int, target_key: tuple[str, str, str]) -> Batch:
        mc = self.mc
        bar = _progress(
            mc.progress if mc.progress is not None else sys.stderr.isatty(), f"{self.scenario.name}/{self.variant}"
        )
        reason, rel, upto = "", None, 0
        try:
            for upto in _round_targets(mc):
                self._one_round(upto, bar)
                reason, rel = self._stop(upto, target_key)
                if reason:
                    break
        except KeyboardInterrupt:
            reason = "interrupted"
            if self.runner is not None:
                self.runner.close(abort=True)
                self.runner = None
        finally:
            bar.close()
            if self.runner is not None:
                self.runner.close(abort=not reason)
        batch = self._batch(upto, reason, rel)
        self._tell(batch, upto, n_jobs)
        if out_dir is not None:
            batch.write(out_dir)
        return batch

    def _one_round(self, upto: int, bar: Any) -> None:
        """Run the replications below ``upto`` that are not finished yet (saved as they arrive)."""
        done = self.results.finished(upto)
        pending = np.flatnonzero(~done).tolist()
        bar.total, bar.n = upto, int(done.sum())
        bar.refresh()
        if not pending:
            return
        if self.runner is None:
            self.runner = self.start_runner()
        size = chunk_size(len(pending), self.runner.workers)
        for res in self.runner.run([pending[k : k + size] for k in range(0, len(pending), size)]):
            if self.store is not None:
                self.store.save(res)
            self.results.add(res)
            bar.update(len(res.replications))

    def _stop(self, upto: int, target_key: tuple[str, str, str]) -> tuple[str, float | None]:
        """Why the batch stops after the round up to ``upto`` ("" to go on), and the target's relative half-width."""
        mc = self.mc
        if mc.target_halfwidth is None:
            return "fixed replications", None
        rel = self.results.rel_halfwidth(target_key, upto, mc.confidence)
        log.info("after %d replications: relative half-width of %s = %.4g", upto, mc.target_kpi, rel)
        if self.results.kpi_index is not None and self.results.n_defined(target_key, upto) == 0:
            warn(
                f"mc.target_kpi: {mc.target_kpi} at {mc.target_node} is undefined in every replication (a fill rate "
                "where there is no customer demand, ...): the precision target can't be reached, so the batch stops "
                f"after {upto} replications"
            )
            return UNDEFINED_TARGET, rel
        if rel <= mc.target_halfwidth:
            return f"target half-width reached after {upto} replications", rel
        if upto >= mc.max_replications:
            return "max_replications reached", rel
        return "", rel

    def _batch(self, upto: int, reason: str, rel: float | None) -> Batch:
        reps, values, fails, series = self.results.final(upto, self.mc.series_replications)
        index, band = self.results.kpi_index or (), bands(self.variant, series, self.results.layout)
        return Batch(self.scenario, self.variant, self.mc, index, reps, values, fails, reason, band, rel)

    def _tell(self, batch: Batch, upto: int, n_jobs: int) -> None:
        """Say what the user needs next: how to resume an interrupted batch, where failures are."""
        if batch.stop_reason == "interrupted":
            store = self.store
            where = (
                f"finished replications are saved in {store.dir}; to finish the batch, run again with mc.resume=true "
                "and the same output directory (hydra.run.dir)"
                if store is not None
                else "nothing was saved (no out_dir)"
            )
            # print, not log: the CLI silences logging below ERROR, and this line is what the user needs next
            print(
                f"supplysim: interrupted after {batch.n_replications} of {upto} replications; {where}", file=sys.stderr
            )
        if batch.n_failed:
            log.warning(
                "%d of %d replications failed; see failures.csv / Batch.failures", batch.n_failed, batch.n_replications
            )
            if (self.mc.backend == "dask" or n_jobs > 1) and batch.failures.error.str.contains("unknown ").any():
                log.warning(
                    "hint: policies, distributions or demand processes registered in a notebook or the main script "
                    "are not visible to worker processes; put them in an importable module, or run with mc.n_jobs=1"
                )


def _progress(show: bool, desc: str) -> Any:
    return tqdm(total=0, disable=not show, unit="rep", desc=desc, file=sys.stderr, dynamic_ncols=True)


__all__ = ["KPI_COLUMNS", "Batch", "MCSettings", "parse_seed", "run_batch"]
