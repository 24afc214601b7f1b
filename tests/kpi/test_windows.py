"""The KPI pass reads the period-major flow table in pieces (sim.kpi.windows) and row variances in chunks
(sim.kpi.cycles.row_variances): every value must be bit for bit what the whole-window expressions on an items x
periods matrix give (equal arrays, not approximately equal)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
from scipy import sparse

from sim.kpi import windows
from sim.kpi.cycles import row_variances
from sim.model.flows import FlowTable

ITEMS, HORIZON, W = 1100, 300, 20  # more items than a piece of rows, more periods than numpy's pairwise block (128)


def _table(standing_in: np.ndarray) -> tuple[FlowTable, dict[str, np.ndarray]]:
    """A table of non-integer flows (so the order of additions shows in the last bits) and each flow as an items x
    periods matrix, C-contiguous (the layout before), with the stand-in items' customer rows read from their own."""
    rng = np.random.default_rng(7)
    table = FlowTable(ITEMS, HORIZON)
    before = {}
    for name in ("demand", "filled", "issued", "cust_demand", "cust_filled", "cust_issued", "lost"):
        table.blocks[name][:] = rng.exponential(3.3, table.blocks[name].shape) * (rng.random((HORIZON + 1, 1)) < 0.9)
        before[name] = np.ascontiguousarray(table.blocks[name].T)
    for cust, own in windows.STAND_INS.items():
        table.blocks[cust][:, standing_in] = 7.0  # what a stand-in item never writes must not be read
        before[cust][standing_in] = before[own][standing_in]
    return table, before


def _items(standing_in: np.ndarray) -> list:
    return [SimpleNamespace(cust_rows=not s) for s in standing_in]


def test_pieces_give_the_whole_windows_values_bit_for_bit():
    standing_in = np.random.default_rng(1).random(ITEMS) < 0.5
    table, before = _table(standing_in)
    win = windows.Windows(table, _items(standing_in), W, HORIZON)
    rng = np.random.default_rng(2)
    m = sparse.random(40, ITEMS, density=0.2, format="csr", random_state=3)
    for name in ("demand", "cust_demand", "lost"):
        assert np.array_equal(win.total(name), before[name][:, W:HORIZON].sum(1))
        assert np.array_equal(win.over(m, name), (m @ before[name])[:, W:HORIZON])
        dense = rng.random((5, ITEMS))
        assert np.array_equal(win.over(dense, name), dense @ np.ascontiguousarray(before[name][:, W:HORIZON]))
    acc = win.over(m, "demand")
    win.over(m, "cust_demand", acc)
    assert np.array_equal(acc, (m @ before["demand"])[:, W:HORIZON] + (m @ before["cust_demand"])[:, W:HORIZON])
    for d, f in (("demand", "filled"), ("cust_demand", "cust_filled")):
        expected = ((before[d][:, W:HORIZON] - before[f][:, W:HORIZON]) <= 1e-9).mean(1)
        assert np.array_equal(win.service(d, f), expected)


def test_a_period_major_sum_would_add_in_another_order():
    """Why the pieces are copied: summing the period-major block across its rows changes the last bits (so the test
    above can fail)."""
    table, before = _table(np.zeros(ITEMS, dtype=bool))
    strided = table.rows["demand"][:, W:HORIZON].sum(1)
    assert not np.array_equal(strided, before["demand"][:, W:HORIZON].sum(1))


def test_row_variances_equal_numpys_var():
    x = np.random.default_rng(4).lognormal(1.0, 1.2, (1300, 251))
    assert np.array_equal(row_variances(x), x.var(axis=1, ddof=1))
    assert np.isnan(row_variances(x[:, :1])).all()
