"""Batch-layer benchmark: replications per second with 1 vs 2 workers, local (loky) and Dask backends.

Prints, from one run on this machine, the median rate of a few repeats for each configuration and the parallel
efficiency ``(rate_2 / rate_1) / 2`` (target >= 85 %). Worker start-up is measured separately and excluded from the
rates: the loky pool is warmed (it is reused by later batches of the same process) and the Dask clusters are started
before timing (as a long-running cluster would be). Batches write no files here (``out_dir=None``).

    python benchmarks/batch.py [--repeats 3] [--scale 1.0]
"""

from __future__ import annotations

import argparse
import statistics
import time

from sim.batch import MCSettings, run_batch
from sim.scenario import Scenario, library, load_scenario

# replications per batch at --scale 1: about 8 s per batch with one worker on a 2020s laptop core
SCENARIOS = {"serial_chain": 2000, "consolidated_sourcing": 80}


def rate(scenario: Scenario, mc: MCSettings, repeats: int) -> float:
    """Median replications per second over ``repeats`` batches."""
    rates = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        run_batch(scenario, mc)
        rates.append(mc.replications / (time.perf_counter() - t0))
    return statistics.median(rates)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--scale", type=float, default=1.0, help="multiply the replication counts")
    args = ap.parse_args()
    from distributed import LocalCluster

    lib = library()
    t0 = time.perf_counter()
    run_batch("serial_chain", MCSettings(replications=8, n_jobs=2, progress=False))  # start the loky pool
    print(f"loky pool start-up (2 workers, first batch of the process): {time.perf_counter() - t0:.2f} s")
    clusters = {}
    for n in (1, 2):
        t0 = time.perf_counter()
        kw = {"threads_per_worker": 1, "processes": True, "dashboard_address": None, "host": "127.0.0.1"}
        clusters[n] = LocalCluster(n_workers=n, **kw)
        print(f"Dask LocalCluster start-up ({n} worker(s)): {time.perf_counter() - t0:.2f} s")
    try:
        for name, reps in SCENARIOS.items():
            if name not in lib:
                print(f"\n{name}: not in the scenario library yet, skipped")
                continue
            sc = load_scenario(name)
            n = max(4, int(reps * args.scale))
            print(f"\n{name}: {n} replications per batch, median of {args.repeats}")
            base = MCSettings(replications=n, seed=1, progress=False)
            for backend in ("local", "dask"):
                r = {}
                for jobs in (1, 2):
                    extra = {"address": clusters[jobs].scheduler_address} if backend == "dask" else {"n_jobs": jobs}
                    r[jobs] = rate(sc, base.model_copy(update={"backend": backend, **extra}), args.repeats)
                    print(f"  {backend:5s} {jobs} worker(s): {r[jobs]:8.1f} replications/s")
                print(f"  {backend:5s} efficiency (rate_2 / rate_1) / 2 = {r[2] / r[1] / 2:.1%} (target >= 85 %)")
    finally:
        for c in clusters.values():
            c.close()


if __name__ == "__main__":
    main()
