"""Undisrupted twins kept on disk, so what-ifs against one baseline don't run it again.

A disrupted replication pairs with its twin: the same scenario without the disruptions, run with the same seed
(sim.experiment.replication). That twin is exactly the replication a batch of the undisrupted scenario runs with that
seed, so a folder of them lets a baseline batch hand its replications to every later what-if of the same scenario and
seed (the workshop page runs its baseline once, then many what-ifs; a sweep of disruptions with one ``mc.seed`` runs
each twin once). Without a folder nothing changes: each disrupted replication runs its twin.

A twin is what the paired KPIs read from the undisrupted run: its KPI vector and its customer service record
(sim.kpi.resilience.ServiceRecord), as recorded without the state log (what a disrupted replication's own twin run
records). Files are named by the scenario's fingerprint and the replication's seed and replaced atomically, so the
workers of several batches can share a folder; a file that can't be read is run again, never trusted.
"""

from __future__ import annotations

import hashlib
import zipfile
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import numpy as np

from sim.kpi.resilience import ServiceRecord
from sim.paths import atomic_path
from sim.scenario.loading import scenario_digest
from sim.scenario.schema import Scenario


def _version() -> str:
    try:
        return version("supplysim")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "source"


VERSION = _version()  # twins of one engine version only


@dataclass(frozen=True)
class Twin:
    """An undisrupted run as its disrupted twin reads it: the KPI vector and the customer service record."""

    values: np.ndarray
    record: ServiceRecord


def fingerprint(scenario: Scenario) -> str:
    """A digest of the scenario's data and of the engine's version: equal for two scenarios exactly when they
    simulate the same way (a folder kept from an older supplysim is not read by a newer one)."""
    return hashlib.sha256(f"{VERSION}:{scenario_digest(scenario)}".encode()).hexdigest()[:20]


def _seed_name(seed: np.random.SeedSequence) -> str:
    return "-".join(str(x) for x in (seed.entropy, *seed.spawn_key))


class TwinStore:
    """Twins in ``folder/<scenario fingerprint>/<seed>.npz``."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def path(self, key: str, seed: np.random.SeedSequence) -> Path:
        return self.folder / key / f"{_seed_name(seed)}.npz"

    def load(self, key: str, seed: np.random.SeedSequence) -> Twin | None:
        """The twin of scenario ``key`` and ``seed``, or None if there is none (or it can't be read)."""
        path = self.path(key, seed)
        try:
            with np.load(path, allow_pickle=False) as f:
                values = f["values"]
                keys = list(zip(f["nodes"].tolist(), f["skus"].tolist(), strict=True))
                record = ServiceRecord(keys, f["demand"], f["filled"], f["lost"], f["backorders"])
        except (OSError, KeyError, ValueError, zipfile.BadZipFile):
            return None
        return Twin(values, record)

    def save(self, key: str, seed: np.random.SeedSequence, twin: Twin) -> None:
        path = self.path(key, seed)
        path.parent.mkdir(parents=True, exist_ok=True)
        rec = twin.record
        nodes = np.array([n for n, _ in rec.keys], dtype=str)
        skus = np.array([s for _, s in rec.keys], dtype=str)
        with atomic_path(path) as tmp, open(tmp, "wb") as fh:
            np.savez(
                fh, values=twin.values, nodes=nodes, skus=skus, demand=rec.demand, filled=rec.filled, lost=rec.lost,
                backorders=rec.backorders,
            )  # fmt: skip
