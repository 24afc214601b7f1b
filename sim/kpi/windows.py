"""The KPI window of the chain's flow table, read in pieces.

The flow table (sim.model.flows.FlowTable) is laid out period by period; the KPI pass reads it items x periods. A
copy of a whole window is items x periods (12 MB a flow at 4,100 items and 365 days), so the products and sums below
copy a few columns or rows at a time. Each result is computed exactly as on the whole window: a column of a sparse
product depends only on that column, an item's sum only on its row (numpy adds a contiguous row pairwise, whatever
the rows around it), so the values are bit for bit those of the whole-window expressions.

Customer flows: an item whose every demand was a customer's has no customer rows of its own in the table (its own
demand, filled and issued rows stand in for them: sim.model.stock_item); its rows of the customer flows are read from
those.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from scipy import sparse

from sim.tolerance import EPS

if TYPE_CHECKING:
    from collections.abc import Sequence

    from sim.model.flows import FlowTable
    from sim.model.stock_item import StockItem

# the customer flows and the items' own rows that stand in for them
STAND_INS = {"cust_demand": "demand", "cust_filled": "filled", "cust_issued": "issued"}
COLUMNS = 32  # periods per piece of a sparse product
ROWS = 512  # items per piece of a sum


class Windows:
    """Flows of ``items`` (the table's rows, in order) over the periods ``start .. end - 1``."""

    def __init__(self, table: FlowTable, items: Sequence[StockItem], start: int, end: int) -> None:
        self.rows = table.rows
        self.start, self.end = start, end
        self.n = len(items)
        standing_in = np.array([not it.cust_rows for it in items], dtype=bool)
        self.standing_in = standing_in[:, None] if standing_in.any() else None

    def part(self, name: str, rows: slice, cols: slice) -> np.ndarray:
        """Items ``rows`` x window periods ``cols`` of flow ``name``, C-contiguous (a copy)."""
        first, last, _ = cols.indices(self.end - self.start)
        cut = slice(self.start + first, self.start + last)
        piece = np.ascontiguousarray(self.rows[name][rows, cut])
        if name in STAND_INS and self.standing_in is not None:
            np.copyto(piece, self.rows[STAND_INS[name]][rows, cut], where=self.standing_in[rows])
        return piece

    def over(self, m: sparse.csr_matrix | np.ndarray, name: str, add_to: np.ndarray | None = None) -> np.ndarray:
        """groups x window: ``m @`` the flow's window (added into ``add_to``, value for value ``add_to + m @ ...``,
        when given). A sparse product goes a few columns at a time; a dense one (small networks: sim.kpi.compute) on
        the whole window at once (a BLAS product may add in another order when its shape changes)."""
        every = slice(None)
        if not sparse.issparse(m):
            product: np.ndarray = m @ self.part(name, every, every)
            if add_to is None:
                return product
            add_to += product
            return add_to
        span = self.end - self.start
        out = np.empty((m.shape[0], span)) if add_to is None else add_to
        for c in range(0, span, COLUMNS):
            cols = slice(c, min(c + COLUMNS, span))
            if add_to is None:
                out[:, cols] = m @ self.part(name, every, cols)
            else:
                out[:, cols] += m @ self.part(name, every, cols)
        return out

    def total(self, name: str) -> np.ndarray:
        """Each item's sum of the flow over the window (a row's pairwise sum), a few rows at a time."""
        out = np.empty(self.n)
        for r in range(0, self.n, ROWS):
            rows = slice(r, min(r + ROWS, self.n))
            out[rows] = self.part(name, rows, slice(None)).sum(1)
        return out

    def service(self, demand: str, filled: str) -> np.ndarray:
        """Each item's share of window periods whose ``demand`` was all ``filled`` (cycle service level)."""
        out = np.empty(self.n)
        every = slice(None)
        for r in range(0, self.n, ROWS):
            rows = slice(r, min(r + ROWS, self.n))
            out[rows] = ((self.part(demand, rows, every) - self.part(filled, rows, every)) <= EPS).mean(1)
        return out
