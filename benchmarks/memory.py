"""Batch-layer memory benchmark: peak RSS of a batch of 100 vs 10 000 replications of serial_chain.

Each batch runs in a fresh subprocess (``n_jobs=1``, so all the work and all the memory are in that one process)
with an output directory, i.e. the full CLI path: parts streamed to disk, then kpis.parquet/kpis.csv (1.41 million
rows for 10 000 replications), summary and bands. Peak RSS is ``ru_maxrss`` of the subprocess. The ratio
peak(10 000) / peak(100) should stay <= 1.2: apart from one float vector per replication (141 values, 1.1 kB) and the
time series of the first ``series_replications`` (100) replications, nothing may grow with the batch.

    python benchmarks/memory.py [--horizon 365] [--large 10000]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time

CHILD = """
import json, resource, sys, time
from sim.experiment.batch import MCSettings, run_batch
from sim.scenario.loading import validate
from sim.scenario.sources import load_scenario

n, horizon, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
data = load_scenario("serial_chain").to_dict()
data["horizon"] = horizon
scenario = validate(data)
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t0 = time.perf_counter()
batch = run_batch(scenario, MCSettings(replications=n, seed=0, n_jobs=1, progress=False), out_dir=out)
seconds = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kB on Linux
print(json.dumps({"n": batch.n_replications, "kpis": len(batch.kpi_index), "import_kb": base, "peak_kb": peak,
                  "seconds": seconds}))
"""


def measure(n: int, horizon: int) -> dict:
    with tempfile.TemporaryDirectory() as out:
        proc = subprocess.run(
            [sys.executable, "-c", CHILD, str(n), str(horizon), out], capture_output=True, text=True, check=True
        )
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--horizon", type=int, default=365, help="days per replication (serial_chain: 365)")
    ap.add_argument("--small", type=int, default=100)
    ap.add_argument("--large", type=int, default=10_000)
    args = ap.parse_args()
    if args.horizon != 365:
        print(f"note: horizon shortened to {args.horizon} days (serial_chain has 365) to keep the run short")
    t0 = time.perf_counter()
    res = {n: measure(n, args.horizon) for n in (args.small, args.large)}
    for n, r in res.items():
        print(
            f"{n:6d} replications: peak RSS {r['peak_kb'] / 1024:7.1f} MiB "
            f"(after imports {r['import_kb'] / 1024:6.1f} MiB), batch {r['seconds']:6.1f} s, {r['kpis']} KPIs each"
        )
    small, large = res[args.small]["peak_kb"], res[args.large]["peak_kb"]
    kpi_mib = args.large * res[args.large]["kpis"] * 8 / 2**20
    print(f"ratio peak({args.large}) / peak({args.small}) = {large / small:.3f}  (target <= 1.2)")
    print(f"(the KPI vectors themselves: {kpi_mib:.1f} MiB; total wall time {time.perf_counter() - t0:.0f} s)")


if __name__ == "__main__":
    main()
