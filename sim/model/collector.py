"""Pausing Python's cyclic garbage collector while the model runs (``paused_collector``).

The event loop allocates and frees objects by the million (orders, shipments, queue entries) but leaves no reference
cycles behind: reference counting frees every one of them. The cyclic collector still runs after every 700 net
allocations, and every few hundred of those runs walks every tracked object of the process (the scenario, the
model's items, lanes, sources: ~330,000 objects at 40 x 100). At 40 x 100 those full walks took ~20 % of a
replication's CPU time and evicted the model's state from the caches on the way; at 4 x 5 they hardly run.

The pause only defers collection: what a user's own code (a custom policy, a process) leaves in cycles is collected
after the run, when the collector runs again. A caller who disabled the collector keeps it disabled. Overlapping
pauses (in threads) leave it as the first of them found it; the others may see it enabled again before they end,
which costs time, never correctness.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused_collector() -> Iterator[None]:
    """Disable the cyclic garbage collector for the block (reference counting still frees everything acyclic)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
