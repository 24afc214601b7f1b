"""A batch of the 40 x 100 network on a local Dask cluster: wall time, rate, efficiency against one replication in
this process, and each worker's peak resident memory.

Starts a ``LocalCluster`` (``--workers``, one thread each, processes), times ``--reps`` replications of the scaling
benchmark's network (benchmarks/scaling.py; KPI vectors only: ``series_replications=0``, no output files) through
``run_batch(backend="dask")``, then times ``--serial`` replications in this process (build, run and KPI pass, as a
worker does) for the one-worker rate. Efficiency = rate / (workers x serial rate).

    python benchmarks/cluster.py [--size 40x100] [--reps 100] [--workers 2] [--serial 3]
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings

from sim.experiment.batch import MCSettings, run_batch
from sim.experiment.replication import Prepared, run_replication
from sim.scenario.loading import validate


def _worker_peak_mib() -> float:
    """This process's peak resident memory (VmHWM, Linux), MiB: run on every worker."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", default="40x100")
    ap.add_argument("--reps", type=int, default=100)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--serial", type=int, default=3)
    args = ap.parse_args()
    from distributed import Client, LocalCluster
    from scaling import network

    warnings.filterwarnings("ignore", message="Port 8787 is already in use")
    r, k = (int(x) for x in args.size.lower().split("x"))
    scenario = validate(network(r, k))
    t0 = time.perf_counter()
    kw = {"threads_per_worker": 1, "processes": True, "dashboard_address": None, "host": "127.0.0.1"}
    with LocalCluster(n_workers=args.workers, **kw) as cluster, Client(cluster) as client:
        start = time.perf_counter() - t0
        mc = MCSettings(
            replications=args.reps,
            seed=0,
            backend="dask",
            address=cluster.scheduler_address,
            series_replications=0,
            progress=False,
        )
        t0 = time.perf_counter()
        batch = run_batch(scenario, mc)
        wall = time.perf_counter() - t0
        peaks = client.run(_worker_peak_mib)
    assert batch.n_replications == args.reps
    prepared = Prepared(scenario)
    times = []
    for i in range(args.serial):
        t = time.perf_counter()
        run_replication(prepared, i, timeseries=False)
        times.append(time.perf_counter() - t)
    one = statistics.median(times)
    rate = args.reps / wall
    print(
        f"{args.size}: {args.reps} replications, Dask LocalCluster of {args.workers} workers (started in {start:.1f} s)"
    )
    print(f"  batch wall time {wall:.1f} s = {rate:.3f} replications/s ({wall / args.reps:.2f} s per replication)")
    print(
        f"  one replication in this process: {one:.2f} s (median of {args.serial}: "
        f"{', '.join(f'{t:.2f}' for t in times)})"
    )
    print(f"  efficiency rate / ({args.workers} x serial rate) = {rate * one / args.workers:.1%}")
    print(f"  workers' peak RSS: {', '.join(f'{p:.0f}' for p in peaks.values())} MiB")


if __name__ == "__main__":
    main()
