"""Batch-layer benchmark: replications per second with 1 vs 2 workers, local (loky) and Dask backends.

Prints, from one run on this machine, the median rate of a few repeats for each configuration and the parallel
efficiency ``(rate_2 / rate_1) / 2`` (target >= 85 %). 1 local worker means in-process (``n_jobs=1``). Worker start-up
is measured separately and excluded from the rates: the loky pool is warmed (it is reused by later batches of the same
process) and each Dask cluster is started before its timings (as a long-running cluster would be). Batches write no
files (``out_dir=None``) and, by default, keep no time series (``--series 0``): the steady state of a large batch,
whose replications beyond the first ``mc.series_replications`` carry KPI vectors only.

    python benchmarks/batch.py [--repeats 3] [--scale 1.0] [--series 0]
"""

from __future__ import annotations

import argparse
import statistics
import time

from sim.experiment.batch import MCSettings, run_batch
from sim.scenario.loading import library
from sim.scenario.schema import Scenario
from sim.scenario.sources import load_scenario

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
    ap.add_argument("--series", type=int, default=0, help="mc.series_replications (default 0: KPI vectors only)")
    args = ap.parse_args()
    import warnings

    from distributed import LocalCluster

    warnings.filterwarnings("ignore", message="Port 8787 is already in use")  # another cluster's dashboard
    lib = library()
    t0 = time.perf_counter()
    run_batch("serial_chain", MCSettings(replications=8, n_jobs=2, progress=False))  # start the loky pool
    print(f"loky pool start-up (2 workers, first batch of the process): {time.perf_counter() - t0:.2f} s")
    print(f"mc.series_replications={args.series}; Dask clusters started before and closed after their timings")
    for name, reps in SCENARIOS.items():
        if name not in lib:
            print(f"\n{name}: not in the scenario library yet, skipped")
            continue
        sc = load_scenario(name)
        n = max(4, int(reps * args.scale))
        print(f"\n{name}: {n} replications per batch, median of {args.repeats}")
        base = MCSettings(replications=n, seed=1, progress=False, series_replications=args.series)
        for backend in ("local", "dask"):
            r = {}
            for jobs in (1, 2):
                if backend == "local":
                    r[jobs] = rate(sc, base.model_copy(update={"n_jobs": jobs}), args.repeats)
                else:  # no idle cluster may run in this process while the local backend is timed
                    t0 = time.perf_counter()
                    kw = {"threads_per_worker": 1, "processes": True, "dashboard_address": None, "host": "127.0.0.1"}
                    with LocalCluster(n_workers=jobs, **kw) as cluster:
                        start = time.perf_counter() - t0
                        mc = base.model_copy(update={"backend": "dask", "address": cluster.scheduler_address})
                        r[jobs] = rate(sc, mc, args.repeats)
                    print(f"  (Dask LocalCluster with {jobs} worker(s) started in {start:.1f} s)")
                print(f"  {backend:5s} {jobs} worker(s): {r[jobs]:8.1f} replications/s")
            print(f"  {backend:5s} efficiency (rate_2 / rate_1) / 2 = {r[2] / r[1] / 2:.1%} (target >= 85 %)")


if __name__ == "__main__":
    main()
