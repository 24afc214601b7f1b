"""Per-period flows of the stock items: what each item records per period (``FLOWS``) and the ``FlowTable`` that
holds every item's rows in one block per flow."""

from __future__ import annotations

import mmap
from array import array
from typing import TypeAlias, cast

import numpy as np
import numpy.typing as npt

# the per-period flow buffers of a stock item (index = period)
FLOWS = (
    "demand",
    "filled",
    "cust_demand",
    "cust_filled",
    "lost",
    "issued",
    "ordered",
    "n_orders",
    "transport",
    "bought",
    "cust_issued",
    "spent",
)


# one item's per-period values of one flow (index = period): a row of a FlowTable, or a buffer of its own
Row: TypeAlias = "array[float] | memoryview[float]"


def values(row: Row) -> npt.NDArray[np.float64]:
    """A row as a float64 array over the same memory (no copy; strided for a row of a period-major FlowTable)."""
    return np.asarray(row, dtype=np.float64)


def zeros(n: int) -> array[float]:
    """A float64 buffer of ``n`` zeros (a stock item's own flows when it has no row in a FlowTable)."""
    return array("d", bytes(8 * n))


HUGE = 1 << 22  # numpy asks for transparent huge pages from 4 MiB on


def _zeros(rows: int, columns: int) -> npt.NDArray[np.float64]:
    """A rows x columns float64 block of zeros; a large one in a private anonymous memory map, whose pages become
    resident one by one (4 KiB) as they are first written. (``np.zeros`` asks Linux for transparent huge pages on
    large blocks, so a single write makes 2 MiB resident: one item writing a flow once a period -- a DC's purchases
    -- would make a period-major block resident in full.)"""
    size = 8 * rows * columns
    if size < HUGE:  # small: calloc from the heap (a map of its own costs two system calls and a page fault a page)
        return np.zeros((rows, columns))
    private = mmap.mmap(-1, size, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)  # reading an unwritten page maps none
    return np.frombuffer(private, dtype=np.float64).reshape(rows, columns)


class FlowTable:
    """The per-period flow buffers of many stock items in one block per flow, laid out period by period:
    ``blocks[name]`` is a ``(horizon + 1) x items`` float64 matrix whose row ``k`` holds period ``k`` of every item,
    side by side. A period's events (every retailer's demand of the day, then their orders) write next to each other,
    so one simulated period touches a contiguous stretch of each block instead of one cache line per item (six flow
    writes per item-day measured 240-263 ns at 4,100 items laid out by period, 353-368 ns item by item). Each item
    writes into its column through a strided ``memoryview`` (as fast to index as an array of its own).

    ``rows[name]`` is the same memory seen items x periods (the transpose, no copy), as the KPI pass reads it. It is
    not C-contiguous: a reduction along periods must run on a contiguous copy (:meth:`window`) to add the values in
    the same (pairwise) order as an items x periods matrix. The blocks are ``np.zeros`` (calloc): flows that no item
    writes -- the transport costs of free lanes, lost sales where demand is backordered, purchases at nodes without a
    supplier -- are never made resident (see ``_zeros``)."""

    def __init__(self, items: int, horizon: int) -> None:
        self.items, self.width = items, horizon + 1
        self.blocks = {name: _zeros(self.width, items) for name in FLOWS}
        self.rows = {name: block.T for name, block in self.blocks.items()}
        # each block as one flat float64 memoryview: an item's column is a strided slice of it (one memoryview object
        # per item and flow, all sharing the block's buffer; a column view of numpy's would keep a numpy view and a
        # buffer of its own per column: ~400 bytes more each, 24 MB at 40 x 100)
        self._flat = {name: memoryview(cast("bytes", block.reshape(-1))) for name, block in self.blocks.items()}

    def views(self, i: int) -> dict[str, Row]:
        """Item ``i``'s rows, one writable (strided) view per flow: a ``d`` memoryview of its column."""
        step = self.items
        return {name: cast("memoryview[float]", flat[i::step]) for name, flat in self._flat.items()}

    def window(self, name: str, start: int, end: int) -> npt.NDArray[np.float64]:
        """Flow ``name`` of every item over periods ``start .. end - 1`` as a C-contiguous items x periods copy (what
        an item-by-item layout would give, value for value and in memory order)."""
        return np.ascontiguousarray(self.rows[name][:, start:end])
