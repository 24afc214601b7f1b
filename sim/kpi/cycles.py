"""Review cycles for the variance ratios: an item reviewed every R periods orders at most once per cycle, so its
orders per period are zero R − 1 periods out of R and their variance measures the calendar, not amplification
(weekly order-up-to passing on demand exactly would show a "bullwhip ratio" of about 1 + (R − 1) μ² / σ²). The
ratios therefore compare totals over R-period blocks: Var(orders per block) / Var(demand per block) (docs/kpis.md,
docs/bullwhip.md).

Any block of R consecutive periods holds exactly one review of an item reviewed every R periods, whatever its
offset, so the blocks start at the window's start. A group row (a node's ``ALL`` row) uses the least common
multiple of its items' cycles, which holds a whole number of each item's reviews. Items reviewed continuously, every
period or every non-integer number of periods count per period (R = 1).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Protocol

import numpy as np

from sim.tolerance import EPS

MAX_CYCLE = 1_000  # periods; a longer common cycle (mixed review periods at one node) falls back to per period


class Reviewing(Protocol):
    """What the cycle of a policy is read from (``sim.policy.base.Policy``)."""

    review_period: float | None


def cycle_of(policy: Reviewing | None) -> int:
    """The block length of an item's ratios: its review period when it is a whole number ≥ 2, else 1."""
    r = None if policy is None else policy.review_period
    if r is None or abs(r - round(r)) > EPS or round(r) < 2:
        return 1
    return round(r)


def group_cycles(item_cycles: Sequence[int], members: Iterable[tuple[int, ...]]) -> np.ndarray:
    """Per group: the least common multiple of its members' cycles (1 for an empty group or above ``MAX_CYCLE``)."""
    out = []
    for m in members:
        c = math.lcm(*(item_cycles[i] for i in m)) if m else 1
        out.append(c if c <= MAX_CYCLE else 1)
    return np.array(out, dtype=np.int64)


def row_variances(x: np.ndarray) -> np.ndarray:
    """Each row's sample variance (NaN with fewer than two columns), 512 rows at a time: numpy's ``var`` works row by
    row (mean, deviations, their squares' sum), so the values equal ``x.var(axis=1, ddof=1)``'s without its two
    temporaries the size of ``x`` (12 MB each for the groups x periods of a 4,100-item network)."""
    if x.shape[1] <= 1:
        return np.full(x.shape[0], np.nan)
    out = np.empty(x.shape[0])
    for r in range(0, x.shape[0], 512):
        out[r : r + 512] = x[r : r + 512].var(axis=1, ddof=1)
    return out


_var = row_variances


def block_variances(x: np.ndarray, cycles: np.ndarray, per_period: np.ndarray | None = None) -> np.ndarray:
    """Per row of ``x`` (rows × periods): the sample variance of its totals over consecutive blocks of
    ``cycles[row]`` periods from the first column (a last, incomplete block left out); NaN with fewer than two
    blocks. Rows with a cycle of 1: the variance per period (``per_period`` when the caller has it already)."""
    out = _var(x) if per_period is None else per_period.copy()
    for c in np.unique(cycles[cycles > 1]):
        rows = np.flatnonzero(cycles == c)
        n = x.shape[1] // int(c)
        blocks = x[rows, : n * int(c)].reshape(rows.size, n, int(c)).sum(axis=2)
        out[rows] = _var(blocks)
    return out
