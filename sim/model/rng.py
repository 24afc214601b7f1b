"""Random streams: one numpy Generator per purpose and model element, derived from the replication's seed.

A stream's identity is a stable key (``"demand", node, sku``), hashed into the SeedSequence spawn key. Changing a
policy, adding a node or a disruption therefore never shifts the draws any other element sees: variants of a scenario
get common random numbers, and paired comparisons stay tight.
"""

from __future__ import annotations

import json
import zlib

import numpy as np

from sim.errors import ArgumentError


def replication_seed(base_seed: int, replication: int) -> np.random.SeedSequence:
    """Seed of replication ``i`` of a batch: ``SeedSequence(base_seed).spawn(i + 1)[i]``."""
    return np.random.SeedSequence(base_seed, spawn_key=(replication,))


def as_seed(seed: int | np.random.SeedSequence) -> np.random.SeedSequence:
    """A replication's SeedSequence from a non-negative integer (or the SeedSequence itself)."""
    if isinstance(seed, np.random.SeedSequence):
        return seed
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ArgumentError(f"seed: a non-negative integer or a numpy SeedSequence; got {seed!r}")
    return np.random.SeedSequence(int(seed))


def stream(seed: np.random.SeedSequence, *key: str) -> np.random.Generator:
    """The Generator for ``key`` (e.g. ``stream(seed, "transit", "dc", "store")``)."""
    tag = zlib.crc32(json.dumps(key).encode("utf-8"))  # JSON: ("a/b", "c") and ("a", "b/c") stay distinct
    child = np.random.SeedSequence(seed.entropy, spawn_key=(*seed.spawn_key, tag))
    return np.random.Generator(np.random.PCG64(child))
