"""Large networks (docs/performance.md): the KPI pass is linear in the items (sparse membership) and gives the same
numbers as the dense products used for small networks; the shared per-period demand event gives the results of a
per-stream schedule; one replication's memory grows linearly with the network, and a batch's peak RSS does not grow
with its replications."""

from __future__ import annotations

import json
import subprocess
import sys
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from sim.experiment.replication import run_replication
from sim.kpi import compute as kpi
from sim.model import arrivals as demand_mod
from sim.model.clock import DEMAND, wake_at
from sim.model.network import SupplyChain
from sim.model.rng import replication_seed
from sim.scenario.loading import validate

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from scaling import network  # the benchmark's synthetic networks


def test_sparse_and_dense_kpi_passes_agree(monkeypatch):
    sc = validate(network(6, 20, horizon=60))  # 126 items: above the dense threshold
    chain = SupplyChain(sc, replication_seed(0, 3), record_log=False).run()
    layout = kpi.KpiLayout(chain)
    index, sparse_values = kpi.compute(chain, layout)
    g = layout.groups
    assert not isinstance(g.every, np.ndarray)  # sparse
    n_items = len(chain.items)
    assert g.every.nnz == 4 * n_items  # each item is in its own, its node's, its product's and the network row
    monkeypatch.setattr(kpi, "DENSE_UP_TO", 10**6)
    dense = kpi.KpiLayout(chain)
    dense_index, dense_values = kpi.compute(chain, dense)
    assert isinstance(dense.groups.every, np.ndarray)
    assert dense_index == index
    np.testing.assert_allclose(dense_values, sparse_values, rtol=1e-12, atol=1e-9, equal_nan=True)


def test_p95_matches_numpy_percentile():
    from sim.kpi.sources import p95

    rng = np.random.default_rng(5)
    for n in (1, 2, 3, 7, 20, 101):
        xs = rng.exponential(3.0, n).tolist()
        assert p95(xs) == pytest.approx(float(np.percentile(xs, 95)), rel=1e-12)


def scarce(retailers: int = 3, skus: int = 4) -> dict:
    """The scaling network with a DC that runs short: retailers compete for its stock within the same instant, so
    the order in which their demands (and the orders these trigger) are served changes the results."""
    data = network(retailers, skus, horizon=120)
    for pol in data["nodes"][1]["policy"].values():
        pol["order_up_to"] = pol["order_up_to"] // 4
    return data


def per_stream(env, quantities, sink, horizon):
    """The schedule the shared event replaces: one process per stream waking at every period's DEMAND instant."""
    yield wake_at(env, 0, DEMAND)
    for t in range(horizon):
        if quantities[t] > 0:
            sink(quantities[t])
        if t + 1 < horizon:
            yield wake_at(env, 1, DEMAND)


def run_with(sc, monkeypatch, order=None) -> np.ndarray:
    """KPI vector of one replication whose periodic demand is a process per stream (``order``: start them in
    this permutation of the scenario's stream order)."""
    started: list = []

    def add(self, quantities, sink):
        started.append((quantities, sink))

    monkeypatch.setattr(demand_mod.PeriodicDemand, "add", add)
    chain = SupplyChain(sc, replication_seed(0, 3), record_log=False)
    monkeypatch.undo()
    for i in order if order is not None else range(len(started)):
        chain.env.process(per_stream(chain.env, *started[i], sc.horizon))
    chain.run()
    return kpi.compute(chain)[1]


def test_shared_demand_event_equals_per_stream_schedule(monkeypatch):
    sc = validate(scarce())
    shared = run_replication(sc, replication_seed(0, 3), timeseries=False).kpi_values
    own = run_with(sc, monkeypatch)
    assert np.array_equal(shared, own, equal_nan=True)  # bit for bit
    # the order matters here (the test can fail): retailers served last-first get different fill rates
    streams = len(sc.nodes[2].demand) * (len(sc.nodes) - 2)
    reversed_order = run_with(sc, monkeypatch, order=list(range(streams))[::-1])
    assert not np.array_equal(shared, reversed_order, equal_nan=True)


def traced_peak(sc) -> float:
    tracemalloc.start()
    chain = SupplyChain(sc, replication_seed(0, 1), record_log=False).run()
    kpi.compute(chain)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def test_memory_per_replication_is_linear_in_items():
    small, large = validate(network(2, 5, horizon=120)), validate(network(8, 10, horizon=120))  # 15, 90 items
    items = {id(sc): sum(len(n.products) for n in sc.nodes if n.type != "supplier") for sc in (small, large)}
    for sc in (small, large):
        run_replication(sc, 0, timeseries=False)  # the scenario's memo (KPI rows, build plan) is built once
    per_item = [traced_peak(sc) / items[id(sc)] for sc in (small, large)]
    # a quadratic step (dense items x groups matrices, an items x items table) would multiply this by ~6
    assert per_item[1] <= 1.2 * per_item[0], per_item


BATCH = """
import json, sys
sys.path.insert(0, sys.argv[2])
from scaling import network, peak_rss_kib
from sim.experiment.batch import MCSettings, run_batch
from sim.scenario.loading import validate
sc = validate(network(4, 5, horizon=365))
run_batch(sc, MCSettings(replications=int(sys.argv[1]), seed=0, n_jobs=1, progress=False, series_replications=2))
print(json.dumps(peak_rss_kib()))
"""


def peak_rss_kib(replications: int) -> int:
    bench = str(Path(__file__).resolve().parents[2] / "benchmarks")
    proc = subprocess.run(
        [sys.executable, "-c", BATCH, str(replications), bench], capture_output=True, text=True, check=True
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="peak RSS is read from /proc (Linux)")
def test_batch_peak_rss_does_not_grow_with_replications():
    few, many = peak_rss_kib(5), peak_rss_kib(60)
    # 60 replications of 25 items keep 55 more KPI vectors (~0.2 MiB) and nothing else of the runs
    assert many <= few * 1.05 + 1024, (few, many)
