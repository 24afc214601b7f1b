"""Where replications run: in this process, in a local process pool (loky), or on a Dask cluster.

The unit of work is a *chunk*: a list of replication indices run one after the other by one worker. Chunks amortise
inter-process communication (a serial-chain replication takes milliseconds, a pickle round trip about as long) and are
also the unit the batch layer writes to disk, so an interrupted batch loses at most the chunks in flight.

Every backend calls the same :func:`run_chunk`, and a replication's random streams depend only on
``(mc.seed, replication index)``, so which worker ran which chunk, and in what order chunks finished, never changes a
result. Exceptions raised by a replication are caught inside the chunk and returned as failure records; only
infrastructure errors (a worker process killed, a lost scheduler) propagate.
"""

from __future__ import annotations

import logging
import os
import queue
import signal
import sys
import threading
import time
import traceback
import warnings
from collections.abc import Iterator
from concurrent.futures import as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from sim.errors import ConfigError
from sim.experiment.replication import Prepared, run_replication
from sim.experiment.stats import SERIES_METRICS
from sim.model.rng import replication_seed
from sim.scenario.schema import Scenario

log = logging.getLogger(__name__)


def seed_label(base_seed: int, replication: int) -> str:
    """The ``seed`` column of KPI tables: ``"<mc.seed>/<replication>"``, i.e. ``SeedSequence(mc.seed,
    spawn_key=(replication,))`` — rebuild it with :func:`sim.experiment.batch.parse_seed`."""
    return f"{base_seed}/{replication}"


@dataclass
class ChunkResult:
    """What a worker sends back for one chunk. ``values`` has one row per *successful* replication."""

    replications: list[int]  # every replication of the chunk, in order
    ok: list[int] = field(default_factory=list)  # the successful ones, rows of ``values``
    values: np.ndarray | None = None  # len(ok) x len(kpi_index), float64
    kpi_index: tuple[tuple[str, str, str], ...] | None = None
    series: dict[int, np.ndarray] = field(default_factory=dict)  # replication -> len(SERIES_METRICS) x rows
    layout: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None  # node, sku, t of the series rows
    failures: list[dict[str, Any]] = field(default_factory=list)  # replication, seed, error, traceback


def _series(ts: Any) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Stack a replication's time series (``ReplicationResult.series_columns``: column name -> array)."""
    demand = np.asarray(ts["demand"], dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        fill = np.where(demand > 0, np.asarray(ts["filled"], dtype=float) / demand, np.nan)
    levels = [np.asarray(ts[m], dtype=float) for m in SERIES_METRICS[:-1]]
    layout = (
        np.asarray(ts["node"], dtype=object),
        np.asarray(ts["sku"], dtype=object),
        np.asarray(ts["t"], dtype=np.int64),
    )
    return np.vstack([*levels, fill]), layout


def run_chunk(
    scenario: Scenario | Prepared,
    base_seed: int,
    replications: list[int],
    series_replications: int,
    twins: Path | None = None,
) -> ChunkResult:
    """Run ``replications`` of ``scenario`` in order; keep time series only for indices < ``series_replications``;
    ``twins``: the folder of undisrupted twins (sim.experiment.twins) the replications share.

    A replication that raises is recorded in ``failures`` (with its traceback) instead of ending the chunk: one bad
    corner of the input space should not cost the rest of a long batch.
    """
    prep = scenario if isinstance(scenario, Prepared) else Prepared(scenario, twins)
    out = ChunkResult(list(replications))
    rows: list[np.ndarray] = []
    for i in replications:
        try:
            res = run_replication(prep, replication_seed(base_seed, i), timeseries=i < series_replications)
            if out.kpi_index is None:
                out.kpi_index = res.kpi_index
            elif res.kpi_index != out.kpi_index:
                raise RuntimeError("the engine returned a different KPI index for this replication")
            if i < series_replications:
                series, layout = _series(res.series_columns)
                out.layout = out.layout or layout
                out.series[i] = series
            rows.append(np.asarray(res.kpi_values, dtype=np.float64))
            out.ok.append(i)
        except Exception as exc:
            out.failures.append(
                {
                    "replication": i,
                    "seed": seed_label(base_seed, i),
                    "error": f"{type(exc).__name__}: {exc}",
                    "traceback": traceback.format_exc(),
                }
            )
    width = len(out.kpi_index) if out.kpi_index is not None else 0
    out.values = np.vstack(rows) if rows else np.zeros((0, width))
    return out


def cores() -> int:
    """The cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def resolve_jobs(n_jobs: int, *, remote: bool = False) -> int:
    """Worker processes to start here: ``-1`` means every core; more than the cores is capped (with one line on
    stderr), since extra processes only add memory (~25 MB each) and switching. A remote Dask cluster (``remote``)
    brings its own workers, so nothing is capped."""
    if remote:
        return n_jobs
    have = cores()
    if n_jobs == -1:
        return have
    if n_jobs > have:
        print(f"supplysim: mc.n_jobs={n_jobs}, but this machine has {have} cores: using {have}", file=sys.stderr)
        return have
    return n_jobs


class InProcess:
    """n_jobs=1: run chunks here, in order. No pickling, and a debugger or profiler sees everything."""

    def __init__(self, scenario: Scenario, base_seed: int, series_replications: int, twins: Path | None) -> None:
        self.args = (Prepared(scenario, twins), base_seed, series_replications)  # derived once for every chunk
        self.workers = 1

    def run(self, chunks: list[list[int]]) -> Iterator[ChunkResult]:
        scenario, seed, series_n = self.args
        for chunk in chunks:
            yield run_chunk(scenario, seed, chunk, series_n)

    def close(self, abort: bool = False) -> None:
        pass


def _worker_init(parent: int) -> None:
    """Pool workers leave Ctrl-C to the parent, which stops the pool and keeps what finished; and they exit when the
    parent dies without cleaning up (SIGKILL, OOM killer), instead of idling forever as orphans."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, name="supplysim-parent-watch", daemon=True).start()


POOL_IDLE = "SUPPLYSIM_POOL_IDLE"  # seconds an idle local worker waits for more work before it exits; default 60


def pool_idle() -> float:
    """How long idle workers of the local pool stay (``SUPPLYSIM_POOL_IDLE``, 1..86400 s, default 60): a long-lived
    program that runs batches now and then (the workshop page) keeps them longer, so its next batch doesn't wait
    for fresh interpreters to start and import supplysim."""
    raw = os.environ.get(POOL_IDLE)
    if raw is None:
        return 60.0
    try:
        value = float(raw)
    except ValueError:
        value = float("nan")
    if not 1 <= value <= 86400:
        raise ConfigError(f"{POOL_IDLE}: seconds an idle worker process stays, 1..86400; got {raw!r}")
    return value


def local_executor(n_jobs: int) -> Any:
    """loky's reusable process pool of ``n_jobs`` workers (Ctrl-C left to the parent; workers exit with it)."""
    from joblib.externals.loky import get_reusable_executor  # deferred: only local pools need loky

    idle = pool_idle()
    return get_reusable_executor(max_workers=n_jobs, timeout=idle, initializer=_worker_init, initargs=(os.getpid(),))


def connect_dask(n_jobs: int, address: str | None, connect_timeout: float = 10.0) -> tuple[Any, Any]:
    """(client, cluster): a client of the scheduler at ``address``, or of a new ``LocalCluster`` of ``n_jobs``
    single-threaded worker processes (then ``cluster`` is it; the caller closes both). An unreachable scheduler is a
    ``ConfigError`` after ``connect_timeout`` seconds, with nothing left running."""
    try:
        from distributed import Client, LocalCluster  # deferred: Dask only when asked for (seconds to import)
    except ImportError as exc:  # pragma: no cover - dask[distributed] is a dependency
        raise RuntimeError("mc.backend=dask needs the 'distributed' package: pip install 'dask[distributed]'") from exc
    cluster = None
    if address is None:
        with warnings.catch_warnings():  # the HTTP server falls back to a free port when another cluster has 8787
            warnings.filterwarnings("ignore", message="Port 8787 is already in use")
            cluster = LocalCluster(
                n_workers=n_jobs,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                host="127.0.0.1",
                silence_logs=logging.WARNING,
            )
        address = cluster.scheduler_address
    try:
        return Client(address, set_as_default=False, timeout=connect_timeout), cluster
    except (OSError, TimeoutError) as exc:
        if cluster is not None:
            cluster.close()
        raise ConfigError(
            f"mc.address: can't reach the Dask scheduler at {address} within {connect_timeout:g} s "
            f"({type(exc).__name__}); check the address and that the scheduler runs, or raise mc.connect_timeout"
        ) from None


class LocalPool:
    """A loky process pool (joblib's reusable executor). Workers are fresh interpreters, so scripts need no
    ``if __name__ == "__main__"`` guard, and the pool is reused by later batches in the same process (precision
    rounds, notebooks), which saves the worker start-up time."""

    def __init__(
        self, scenario: Scenario, base_seed: int, series_replications: int, n_jobs: int, twins: Path | None
    ) -> None:
        self.args = (scenario, base_seed, series_replications, twins)
        self.workers = n_jobs
        self.executor = local_executor(n_jobs)
        self.futures: list[Any] = []

    def run(self, chunks: list[list[int]]) -> Iterator[ChunkResult]:
        scenario, seed, series_n, twins = self.args
        self.futures = [self.executor.submit(run_chunk, scenario, seed, c, series_n, twins) for c in chunks]
        for fut in as_completed(self.futures):
            yield fut.result()

    def close(self, abort: bool = False) -> None:
        if abort:  # Ctrl-C, SIGTERM or an error: drop queued chunks and stop the running ones now (loky fails the
            # futures; cancelling them here first would trip its manager thread and leave the workers running)
            drop_queued(self.executor)
            self.executor.shutdown(wait=True, kill_workers=True)


def drop_queued(executor: Any) -> None:
    """Empty loky's queue of work ids not yet handed to a worker, before ``shutdown(kill_workers=True)``.

    On that shutdown loky's manager thread fails every pending future and removes it, then takes the next work id
    still queued and looks its future up: a ``KeyError`` traceback from the thread ("Exception in thread
    ExecutorManagerThread") after the batch said it stopped (loky's ``add_call_item_to_queue``; the standard
    library's ProcessPoolExecutor drains that queue itself). Only this thread submits, so once the queue is empty
    nothing refills it; the futures of the dropped ids still fail, as they should."""
    ids = getattr(executor, "_work_ids", None)  # loky's queue.Queue of submitted work ids
    while ids is not None:
        try:
            ids.get_nowait()
        except queue.Empty:
            return


class DaskRunner:
    """Chunks as Dask tasks. With ``address`` it connects to a running scheduler (and leaves it running); without,
    it starts a ``LocalCluster`` of ``n_jobs`` single-threaded worker processes and closes it at the end."""

    def __init__(
        self,
        scenario: Scenario,
        base_seed: int,
        series_replications: int,
        n_jobs: int,
        address: str | None,
        connect_timeout: float = 10.0,
        twins: Path | None = None,
    ) -> None:
        self.client, self.cluster = connect_dask(n_jobs, address, connect_timeout)
        self.workers = max(1, sum(self.client.nthreads().values()))
        # sent once, not per chunk; a worker keeps what the first chunk derives (KPI layout)
        self.scenario = self.client.scatter(Prepared(scenario, twins), broadcast=True, hash=False)
        self.args = (base_seed, series_replications)
        self.futures: list[Any] = []

    def run(self, chunks: list[list[int]]) -> Iterator[ChunkResult]:
        from distributed import as_completed  # deferred: Dask only when asked for

        seed, series_n = self.args
        self.futures = [self.client.submit(run_chunk, self.scenario, seed, c, series_n, pure=False) for c in chunks]
        for fut in as_completed(self.futures, loop=self.client.loop):
            yield fut.result()
            fut.release()

    def close(self, abort: bool = False) -> None:
        try:
            if abort and self.futures:
                self.client.cancel(self.futures)
            self.client.close()
        finally:
            if self.cluster is not None:
                self.cluster.close()


def make_runner(
    scenario: Scenario,
    base_seed: int,
    series_replications: int,
    *,
    backend: str,
    n_jobs: int,
    address: str | None,
    connect_timeout: float = 10.0,
    twins: Path | None = None,
) -> InProcess | LocalPool | DaskRunner:
    """The runner for ``mc.backend`` / ``mc.n_jobs``; the caller must ``close()`` it."""
    if backend == "dask":
        return DaskRunner(scenario, base_seed, series_replications, n_jobs, address, connect_timeout, twins)
    if n_jobs == 1:
        return InProcess(scenario, base_seed, series_replications, twins)
    return LocalPool(scenario, base_seed, series_replications, n_jobs, twins)


def chunk_size(n_pending: int, workers: int, cap: int = 50) -> int:
    """About 8 chunks per worker (load balance, frequent parts on disk), at most ``cap`` replications each."""
    return max(1, min(cap, -(-n_pending // (8 * workers))))
