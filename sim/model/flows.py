"""Per-period flows of the stock items: what each item records per period (``FLOWS``) and the ``FlowTable`` that
holds every item's rows in one block per flow."""

from __future__ import annotations

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
    """A row as a float64 array over the same memory (no copy)."""
    return np.frombuffer(row)  # type: ignore[arg-type]  # a float64 buffer (typeshed types memoryview by int items)


def zeros(n: int) -> array[float]:
    """A float64 buffer of ``n`` zeros (a stock item's own flows when it has no row in a FlowTable)."""
    return array("d", bytes(8 * n))


class FlowTable:
    """The per-period flow buffers of many stock items in one block per flow: ``rows[name]`` is an ``items x
    (horizon + 1)`` float64 matrix, item after item; each item writes into its own row through a ``memoryview`` (as
    fast to index as an array of its own). The KPI pass reads a flow of every item as one matrix, without a copy per
    item. The blocks are ``np.zeros`` (calloc): pages that no item writes -- the transport costs of free lanes, lost
    sales where demand is backordered, purchases at nodes without a supplier -- are never made resident."""

    def __init__(self, items: int, horizon: int) -> None:
        self.items, self.width = items, horizon + 1
        self.rows = {name: np.zeros((items, self.width)) for name in FLOWS}

    def views(self, i: int) -> dict[str, Row]:
        """Item ``i``'s rows, one writable view per flow (float64 items: ``memoryview`` of a ``d`` buffer)."""
        return {name: cast("memoryview[float]", memoryview(block[i])) for name, block in self.rows.items()}
