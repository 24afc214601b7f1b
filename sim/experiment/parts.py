"""State of a running batch: in memory (:class:`Results`) and on disk (:class:`PartStore`, one parquet part per
finished chunk under ``out_dir/parts/``).

Why parts: a batch of thousands of replications can run for hours; writing each chunk as it finishes means Ctrl-C,
a crash or a killed job loses only the chunks in flight, and ``mc.resume=true`` reruns just the missing replications.
Every file is written to a temporary name and renamed, so a part either exists completely or not at all: a
replication counts as done exactly when the part holding it exists. A part's KPI rows are the long-table rows of its
successful replications; its schema metadata lists every replication of the chunk and the failure records, so failed
replications are not retried on resume (the result must equal an uninterrupted run). Time series of replications
below ``mc.series_replications`` go to a ``series-*`` file written *before* the matching ``part-*`` file.
"""

from __future__ import annotations

import json
import logging
import math
import os
import socket
import time
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.errors import ConfigError
from sim.experiment.backends import ChunkResult, seed_label
from sim.experiment.stats import SERIES_METRICS, describe_rows
from sim.paths import atomic_path
from sim.scenario.loading import scenario_digest
from sim.scenario.schema import Scenario

if TYPE_CHECKING:
    from sim.experiment.monte_carlo import MCSettings

log = logging.getLogger(__name__)

KPI_COLUMNS = ["scenario", "variant", "replication", "seed", "node", "sku", "kpi", "value"]
KPI_SCHEMA = pa.schema(
    [(c, pa.int64() if c == "replication" else pa.float64() if c == "value" else pa.string()) for c in KPI_COLUMNS]
)
META_KEY = b"supplysim"


def long_frame(
    scenario: str,
    variant: str,
    base_seed: int,
    kpi_index: tuple[tuple[str, str, str], ...],
    replications: np.ndarray | list[int],
    values: np.ndarray,
) -> pd.DataFrame:
    """Long KPI rows for ``replications`` (rows of ``values``): replication-major, engine KPI order inside."""
    reps = np.asarray(replications, dtype=np.int64)
    width, n = len(kpi_index), len(reps)
    idx = np.array(kpi_index, dtype=object).reshape(width, 3)
    seeds = np.array([seed_label(base_seed, int(i)) for i in reps], dtype=object)
    return pd.DataFrame(
        {
            "scenario": np.full(n * width, scenario, dtype=object),
            "variant": np.full(n * width, variant, dtype=object),
            "replication": np.repeat(reps, width),
            "seed": np.repeat(seeds, width),
            "node": np.tile(idx[:, 0], n),
            "sku": np.tile(idx[:, 1], n),
            "kpi": np.tile(idx[:, 2], n),
            "value": np.asarray(values, dtype=np.float64).reshape(n * width),
        }
    )


def _arrow(frame: pd.DataFrame) -> pa.Table:
    return pa.Table.from_pandas(frame, schema=KPI_SCHEMA, preserve_index=False)


def write_long(out_dir: Path, frames: Iterable[pd.DataFrame]) -> None:
    """Stream KPI blocks into ``kpis.parquet`` (one row group per block) and ``kpis.csv``."""
    with (  # exits in reverse: the writers close before the renames
        atomic_path(out_dir / "kpis.parquet") as tp,
        atomic_path(out_dir / "kpis.csv") as tc,
        pq.ParquetWriter(tp, KPI_SCHEMA) as writer,
        open(tc, "w", newline="", encoding="utf-8") as fh,
    ):
        for i, frame in enumerate(frames):
            writer.write_table(_arrow(frame))
            frame.to_csv(fh, header=i == 0, index=False)


class PartStore:
    """Parts of one batch (scenario, variant, seed) in ``out_dir/parts``."""

    LOCK = ".batch.lock"

    def __init__(self, out_dir: Path, scenario: Scenario, variant: str, mc: MCSettings) -> None:
        self.root = Path(out_dir)
        self.dir = self.root / "parts"
        self._lock: Path | None = None
        self.scenario, self.variant, self.seed = scenario, variant, mc.seed
        self.manifest = {
            "format": 1,
            "scenario": scenario.name,
            "scenario_sha256": scenario_digest(scenario),
            "variant": variant,
            "seed": mc.seed,
            "series_replications": mc.series_replications,
        }

    def lock(self) -> None:
        """Take the output directory for this batch: a lock file with our pid. A second batch started on the same
        directory is refused while the first runs; a lock left by a process that is gone (kill -9) is taken over."""
        self.root.mkdir(parents=True, exist_ok=True)
        path = self.root / self.LOCK
        for _ in range(3):
            try:
                fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                holder = _lock_holder(path)
                if holder is not None:
                    raise ConfigError(
                        f"{self.root} is in use by another batch ({holder}); wait for it to finish, or use another "
                        f"output directory (if that batch is gone, delete {path})"
                    ) from None
                path.unlink(missing_ok=True)  # stale: its process is gone
                continue
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump({"pid": os.getpid(), "host": socket.gethostname(), "started": time.time()}, fh)
            self._lock = path
            return
        raise ConfigError(f"{self.root}: can't take the batch lock {path}")  # pragma: no cover - a race lost 3 times

    def unlock(self) -> None:
        if self._lock is not None:
            self._lock.unlink(missing_ok=True)
            self._lock = None

    def load(self, resume: bool) -> list[ChunkResult]:
        """Results already on disk (``resume``), or prepare an empty parts directory."""
        parts = sorted(self.dir.glob("part-*.parquet")) if self.dir.is_dir() else []
        if not parts:
            if resume:
                log.info("mc.resume: no parts in %s yet; running the whole batch", self.dir)
            self.dir.mkdir(parents=True, exist_ok=True)
            with atomic_path(self.dir / "manifest.json") as tmp:
                tmp.write_text(json.dumps(self.manifest, indent=2), encoding="utf-8")
            return []
        if not resume:
            raise ConfigError(
                f"{self.dir} already holds {len(parts)} part(s) of a batch: set mc.resume=true to finish it, "
                "or use an empty output directory"
            )
        self._check_manifest()
        for stale in [*self.dir.glob(".*.tmp"), *self._orphans(parts)]:
            stale.unlink(missing_ok=True)
        out = [self._read(p) for p in parts]
        log.info("mc.resume: %d replications already done in %s", sum(len(r.replications) for r in out), self.dir)
        return out

    def _check_manifest(self) -> None:
        try:
            found = json.loads((self.dir / "manifest.json").read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ConfigError(f"{self.dir}/manifest.json is missing or unreadable ({exc}); can't resume") from None
        diff = [f"{k}: on disk {found.get(k)!r}, now {v!r}" for k, v in self.manifest.items() if found.get(k) != v]
        if diff:
            raise ConfigError(
                f"can't resume: {self.dir} holds a different batch\n  " + "\n  ".join(diff) + "\n  (use a new output "
                "directory, or the same scenario, variant, mc.seed and mc.series_replications)"
            )

    def _orphans(self, parts: list[Path]) -> list[Path]:
        names = {p.name.removeprefix("part-") for p in parts}
        return [s for s in self.dir.glob("series-*.parquet") if s.name.removeprefix("series-") not in names]

    def save(self, res: ChunkResult) -> None:
        """Write the chunk's series (if any), then its KPI part -- the part's rename marks the chunk as done."""
        name = f"{res.replications[0]:07d}-{res.replications[-1]:07d}.parquet"
        if res.series and res.layout is not None:
            with atomic_path(self.dir / f"series-{name}") as tmp:
                self._series_frame(res).to_parquet(tmp, index=False)
        index = res.kpi_index or ()
        values = res.values if res.values is not None else np.zeros((0, len(index)))
        table = _arrow(long_frame(self.scenario.name, self.variant, self.seed, index, res.ok, values))
        meta = {"replications": res.replications, "failures": res.failures, **self._identity()}
        table = table.replace_schema_metadata({META_KEY: json.dumps(meta).encode("utf-8")})
        with atomic_path(self.dir / f"part-{name}") as tmp:
            pq.write_table(table, tmp)

    @staticmethod
    def _series_frame(res: ChunkResult) -> pd.DataFrame:
        assert res.layout is not None
        node, sku, t = res.layout
        reps = sorted(res.series)
        rows = len(t)
        frame = pd.DataFrame(
            {
                "replication": np.repeat(np.asarray(reps, dtype=np.int64), rows),
                "node": np.tile(node, len(reps)),
                "sku": np.tile(sku, len(reps)),
                "t": np.tile(t, len(reps)),
            }
        )
        stacked = np.stack([res.series[i] for i in reps])  # reps x metrics x rows
        for k, m in enumerate(SERIES_METRICS):
            frame[m] = stacked[:, k, :].reshape(-1)
        return frame

    def _identity(self) -> dict[str, Any]:
        """What every part records of the batch it belongs to (checked on resume)."""
        return {k: self.manifest[k] for k in ("scenario_sha256", "variant", "seed")}

    def _read(self, path: Path) -> ChunkResult:
        table = pq.read_table(path)
        meta = json.loads(table.schema.metadata[META_KEY])
        wrong = {k: meta.get(k) for k, v in self._identity().items() if meta.get(k) != v}
        if wrong:  # e.g. copied in from another batch, or written by one started on the same directory
            raise ConfigError(
                f"can't resume: {path} belongs to a different batch ("
                + ", ".join(f"{k} {meta.get(k)!r}, this batch {self.manifest[k]!r}" for k in wrong)
                + "); use a new output directory"
            )
        res = ChunkResult([int(i) for i in meta["replications"]], failures=meta["failures"])
        reps = table.column("replication").to_numpy()
        if len(reps):
            width = int(np.count_nonzero(reps == reps[0]))
            cols = [table.column(c).to_numpy(zero_copy_only=False)[:width] for c in ("node", "sku", "kpi")]
            res.kpi_index = tuple((str(a), str(b), str(c)) for a, b, c in zip(*cols, strict=True))
            res.ok = [int(i) for i in reps[::width]]
            res.values = table.column("value").to_numpy().reshape(len(res.ok), width)
        else:
            res.values = np.zeros((0, 0))
        series_path = path.with_name("series-" + path.name.removeprefix("part-"))
        if series_path.exists():
            frame = pd.read_parquet(series_path)
            ids = frame["replication"].to_numpy()
            first = ids == ids[0]
            res.layout = (
                frame["node"].to_numpy(dtype=object)[first],
                frame["sku"].to_numpy(dtype=object)[first],
                frame["t"].to_numpy(dtype=np.int64)[first],
            )
            metrics = frame[list(SERIES_METRICS)].to_numpy(dtype=float)
            rows = int(first.sum())
            for k, rep in enumerate(ids[::rows]):
                res.series[int(rep)] = np.ascontiguousarray(metrics[k * rows : (k + 1) * rows].T)
        return res


def _lock_holder(path: Path) -> str | None:
    """Who holds a batch lock, if that process still runs (None: stale or unreadable lock)."""
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
        pid, host = int(info["pid"]), str(info["host"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if host != socket.gethostname():
        return f"pid {pid} on {host}"  # can't check another machine's processes: assume it runs
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass  # another user's live process
    return f"pid {pid}"


class Results:
    """Everything finished so far, indexed by replication (so arrival order never matters).

    KPI vectors are copied into one preallocated matrix as they arrive (row = replication index) and each chunk's
    array is dropped at once: one large block instead of thousands of long-lived small ones keeps the heap from
    fragmenting, so peak memory is the KPI values plus a constant."""

    def __init__(self, capacity: int) -> None:
        self.kpi_index: tuple[tuple[str, str, str], ...] | None = None
        self.capacity = capacity
        self.values: np.ndarray | None = None  # capacity x len(kpi_index), valid where self.ok
        self.ok = np.zeros(capacity, dtype=bool)
        self.series: dict[int, np.ndarray] = {}
        self.layout: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        self.failures: dict[int, dict[str, Any]] = {}

    def reserve(self, n: int) -> None:
        if n <= self.capacity:
            return
        self.ok = np.concatenate([self.ok, np.zeros(n - self.capacity, dtype=bool)])
        if self.values is not None:
            grown = np.empty((n, self.values.shape[1]))
            grown[: self.capacity] = self.values
            self.values = grown
        self.capacity = n

    def add(self, res: ChunkResult) -> None:
        if res.kpi_index is not None:
            if self.kpi_index is not None and res.kpi_index != self.kpi_index:
                raise RuntimeError("replications of one batch returned different KPI indexes")
            self.kpi_index = res.kpi_index
        self.reserve(max(res.replications) + 1)
        if res.ok:
            if self.values is None:
                self.values = np.empty((self.capacity, len(res.kpi_index or ())))
            self.values[res.ok] = res.values
            self.ok[res.ok] = True
        self.series.update(res.series)
        self.layout = self.layout or res.layout
        self.failures.update({f["replication"]: f for f in res.failures})

    def finished(self, upto: int) -> np.ndarray:
        self.reserve(upto)
        done = self.ok[:upto].copy()
        done[[i for i in self.failures if i < upto]] = True
        return done

    def _ok_values(self, upto: int) -> tuple[np.ndarray, np.ndarray]:
        """(replications, values) of the successful replications below ``upto``; a view when there are no gaps."""
        reps = np.flatnonzero(self.ok[:upto])
        if self.values is None:
            return reps, np.zeros((len(reps), len(self.kpi_index or ())))
        if len(reps) == upto:
            return reps, self.values[:upto]
        return reps, self.values[reps]

    def n_defined(self, key: tuple[str, str, str], upto: int) -> int:
        """Successful replications below ``upto`` in which the KPI ``key`` is defined (not NaN)."""
        if self.kpi_index is None or key not in self.kpi_index:
            return 0
        _, values = self._ok_values(upto)
        return int(np.count_nonzero(~np.isnan(values[:, self.kpi_index.index(key)])))

    def rel_halfwidth(self, key: tuple[str, str, str], upto: int, confidence: float) -> float:
        if self.kpi_index is None:
            return math.nan
        if key not in self.kpi_index:
            raise ConfigError(f"mc.target_kpi/target_node: this scenario has no KPI {key[2]!r} at node {key[0]!r}")
        _, values = self._ok_values(upto)
        s = describe_rows(values[:, self.kpi_index.index(key)][None, :], confidence)
        half, mean = float(s["ci_high"][0] - s["mean"][0]), float(s["mean"][0])
        if half == 0 and mean == 0:
            return 0.0
        return half / abs(mean) if mean != 0 else math.inf

    def final(self, upto: int, series_replications: int) -> tuple[np.ndarray, np.ndarray, list, list | None]:
        """Replication indices, KPI values, failure records and series (metrics x rows, one per replication with a
        time series) of the replications below ``upto``."""
        self.reserve(upto)
        reps, values = self._ok_values(upto)
        fails = [f for i, f in sorted(self.failures.items()) if i < upto]
        used = [i for i in reps if i < series_replications and i in self.series]
        series = [self.series[i] for i in used] if self.layout is not None else None
        return reps.astype(np.int64), values, fails, series
