"""Large networks: the KPI pass is linear in the items (sparse membership) and gives the same numbers as the dense
products used for small networks."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from sim.model import kpi
from sim.model.network import SupplyChain
from sim.model.rng import replication_seed
from sim.scenario.loading import validate

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from scaling import network  # the benchmark's synthetic networks


def test_sparse_and_dense_kpi_passes_agree(monkeypatch):
    sc = validate(network(6, 20, horizon=60))  # 126 items: above the dense threshold
    chain = SupplyChain(sc, replication_seed(0, 3), record_log=False).run()
    index, sparse_values = kpi.compute(chain)
    g = sc.memo["kpi_groups"]
    assert not isinstance(g.every, np.ndarray)  # sparse
    n_items = len(chain.items)
    assert g.every.nnz == 4 * n_items  # each item is in its own, its node's, its product's and the network row
    sc.memo.clear()
    monkeypatch.setattr(kpi, "DENSE_UP_TO", 10**6)
    dense_index, dense_values = kpi.compute(chain)
    assert isinstance(sc.memo["kpi_groups"].every, np.ndarray)
    assert dense_index == index
    np.testing.assert_allclose(dense_values, sparse_values, rtol=1e-12, atol=1e-9, equal_nan=True)


def test_p95_matches_numpy_percentile():
    from sim.model.kpi_sources import p95

    rng = np.random.default_rng(5)
    for n in (1, 2, 3, 7, 20, 101):
        xs = rng.exponential(3.0, n).tolist()
        assert p95(xs) == pytest.approx(float(np.percentile(xs, 95)), rel=1e-12)
