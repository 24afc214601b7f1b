"""Scaling benchmark: cost per item-day from one SKU to thousands of SKU-locations (the "large networks" issue).

Generates synthetic two-echelon networks -- one unlimited supplier, one DC, R retailers x K SKUs, daily Poisson
demand at every retailer x SKU, (s, S) continuous review at the retailers, weekly order-up-to at the DC, 365 days,
KPIs on, time series off -- and prints, per size, in one run (medians of repeats):

    R x K | stock items | events/rep | ms/rep | us per item-day | load ms | KPI pass ms (% of rep) | extra MiB per rep

- events/rep: SimPy queue entries plus the customer demands served by the shared periodic-demand event;
- ms/rep: building the model, the event loop and the KPI pass (CPU time of this process: the machine is shared);
- load ms: ``load_scenario`` of the network written as a YAML file (parse + validate);
- KPI pass: ``kpi.compute`` on the finished model;
- traced MiB: peak traced allocation (tracemalloc) of one replication;
- RSS MiB: how far one replication (model, run, KPI pass) raises the peak resident memory of a fresh process that
  has validated the scenario (``VmHWM``; not ``ru_maxrss``, which a child inherits from the process that started it):
  what the machine pays (allocated pages that nothing writes don't count).

    python benchmarks/scaling.py [--sizes 1x1,4x5,10x20,20x50,40x100] [--reps 3]

``--ratio`` prints the large-network targets instead, in one run: CPU time per item-day of the small network
(``--small``, default 4x5, ``--small-reps`` replications a round to beat its noise) and of the large one (``--large``,
default 40x100, one replication a round), in ``--rounds`` interleaved rounds (small, large, small, large, ...), their
medians and the median of the rounds' ratios; then the peak resident memory one large replication adds to a fresh
process (time series off):

    python benchmarks/scaling.py --ratio [--rounds 5] [--small-reps 40]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import yaml

from sim.kpi import compute as kpi
from sim.model.network import SupplyChain
from sim.model.rng import replication_seed
from sim.scenario.loading import validate
from sim.scenario.schema import Scenario
from sim.scenario.sources import load_scenario


def network(retailers: int, skus: int, horizon: int = 365) -> dict:
    """The synthetic network as scenario data."""
    products = [{"id": f"p{k}", "holding_cost": 0.1, "backorder_cost": 1.0, "order_cost": 5} for k in range(skus)]
    means = {f"p{k}": 2 + (k % 9) for k in range(skus)}  # 2..10 units a day
    dc = {
        "id": "dc",
        "type": "buffer",
        "policy": {
            p: {"kind": "periodic_order_up_to", "review_period": 7, "order_up_to": int(means[p] * retailers * 14)}
            for p in means
        },
        "sources": {p: [{"node": "supplier"}] for p in means},
    }
    nodes: list[dict] = [{"id": "supplier", "type": "supplier"}, dc]
    lanes = [{"from": "supplier", "to": "dc", "transit": {"dist": "constant", "value": 5}}]
    for r in range(retailers):
        rid = f"store{r}"
        nodes.append(
            {
                "id": rid,
                "type": "retailer",
                "policy": {p: {"kind": "s_S", "s": 3 * m, "S": 8 * m} for p, m in means.items()},
                "sources": {p: [{"node": "dc"}] for p in means},
                "demand": {p: {"dist": "poisson", "mean": m} for p, m in means.items()},
            }
        )
        lanes.append({"from": "dc", "to": rid, "transit": {"dist": "constant", "value": 2}})
    return {
        "name": f"scaling_{retailers}x{skus}",
        "horizon": horizon,
        "products": products,
        "nodes": nodes,
        "lanes": lanes,
    }


def demands_of(chain: SupplyChain) -> int:
    """The customer demands the network's one shared periodic-demand event will hand to its streams (a per-stream
    schedule would have queued each of them): counted on the built model, before the run (the run drops them)."""
    return sum(sum(1 for q in quantities if q > 0) for quantities, _ in chain.periodic_demand.streams)


def events_of(chain: SupplyChain, served: int) -> int:
    """Events a finished run processed: SimPy's queue entries (processes, timeouts, scheduled calls and shipments all
    take an id from ``env._eid``) plus the ``served`` customer demands (:func:`demands_of`)."""
    return next(chain.env._eid) + served


def measure(scenario: Scenario, path: Path, reps: int) -> dict[str, float]:
    items = sum(len(n.products) for n in scenario.nodes if n.type != "supplier")
    loads, runs, kpis, events = [], [], [], []
    for i in range(reps):
        t = time.process_time()
        load_scenario(path)
        loads.append(time.process_time() - t)
        t = time.process_time()
        chain = SupplyChain(scenario, replication_seed(0, i), record_log=False)
        pause = time.process_time()
        served = demands_of(chain)
        t += time.process_time() - pause  # counting is not the replication's work
        chain.run()
        mid = time.process_time()
        kpi.compute(chain)
        end = time.process_time()
        runs.append(end - t)
        kpis.append(end - mid)
        events.append(events_of(chain, served))
    tracemalloc.start()
    chain = SupplyChain(scenario, replication_seed(0, reps), record_log=False).run()
    kpi.compute(chain)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    rep = statistics.median(runs)
    return {
        "items": items,
        "events": statistics.median(events),
        "ms": rep * 1e3,
        "us_item_day": rep / (items * scenario.horizon) * 1e6,
        "load_ms": statistics.median(loads) * 1e3,
        "kpi_ms": statistics.median(kpis) * 1e3,
        "kpi_pct": statistics.median(kpis) / rep * 100,
        "mib": peak / 2**20,
    }


def rss_mib(retailers: int, skus: int) -> float:
    """Extra peak RSS of one replication, measured in a fresh interpreter (see the module docstring)."""
    out = subprocess.run(
        [sys.executable, __file__, "--rss", f"{retailers}x{skus}"], capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def peak_rss_kib() -> int:
    """This process's peak resident memory (KiB), from /proc (Linux): the high-water mark of its own address space.
    ``getrusage``'s ``ru_maxrss`` would also count the parent's resident memory at the fork."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise OSError("no VmHWM in /proc/self/status (the RSS column needs Linux)")


def _rss_child(size: str) -> None:
    r, k = (int(x) for x in size.lower().split("x"))
    scenario = validate(network(r, k))
    before = peak_rss_kib()
    chain = SupplyChain(scenario, replication_seed(0, 0), record_log=False).run()
    kpi.compute(chain)
    print(json.dumps((peak_rss_kib() - before) / 1024))


def item_day_us(scenario: Scenario, reps: int, first: int) -> float:
    """CPU time per item-day (us) of ``reps`` replications (build + event loop + KPI pass), time series off."""
    items = sum(len(n.products) for n in scenario.nodes if n.type != "supplier")
    t = time.process_time()
    for i in range(reps):
        chain = SupplyChain(scenario, replication_seed(0, first + i), record_log=False).run()
        kpi.compute(chain)
    return (time.process_time() - t) / reps / (items * scenario.horizon) * 1e6


def ratio(small: str, large: str, rounds: int, small_reps: int) -> None:
    """The targets of the large-networks issue in one run: interleaved rounds of the two sizes, medians, and the
    peak RSS of one large replication (fresh process)."""
    scenarios = {}
    for size in (small, large):
        r, k = (int(x) for x in size.lower().split("x"))
        scenarios[size] = validate(network(r, k))
    item_day_us(scenarios[small], 2, 10_000)  # warm the imports and the allocator
    smalls, larges, ratios = [], [], []
    for j in range(rounds):
        s = item_day_us(scenarios[small], small_reps, j * small_reps)
        g = item_day_us(scenarios[large], 1, j)
        smalls.append(s)
        larges.append(g)
        ratios.append(g / s)
        print(f"round {j + 1}: {small} {s:.3f} us/item-day, {large} {g:.3f} us/item-day, ratio {g / s:.2f}", flush=True)
    med_s, med_g = statistics.median(smalls), statistics.median(larges)
    print(f"median {small}: {med_s:.3f} us/item-day (range {min(smalls):.3f}-{max(smalls):.3f})")
    print(f"median {large}: {med_g:.3f} us/item-day (range {min(larges):.3f}-{max(larges):.3f})")
    print(f"ratio {large} / {small}: median of rounds {statistics.median(ratios):.2f}, of medians {med_g / med_s:.2f}")
    r, k = (int(x) for x in large.lower().split("x"))
    print(f"peak RSS one {large} replication adds (time series off): {rss_mib(r, k):,.1f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1x1,4x5,10x20,20x50,40x100")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--rss", help=argparse.SUPPRESS)  # internal: the fresh process of the RSS column
    parser.add_argument("--ratio", action="store_true", help="the large-network targets (see above)")
    parser.add_argument("--small", default="4x5")
    parser.add_argument("--large", default="40x100")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--small-reps", type=int, default=40)
    args = parser.parse_args()
    if args.rss:
        _rss_child(args.rss)
        return
    if args.ratio:
        ratio(args.small, args.large, args.rounds, args.small_reps)
        return
    print(
        "| R x K | stock items | events/rep | ms/rep (median) | us per item-day | load ms | KPI pass ms | traced MiB "
        "| RSS MiB |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes.split(","):
            r, k = (int(x) for x in size.lower().split("x"))
            data = network(r, k)
            path = Path(tmp) / f"{data['name']}.yaml"
            path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
            m = measure(validate(data), path, args.reps)
            print(
                f"| {r} x {k} | {m['items']:,} | {m['events']:,.0f} | {m['ms']:,.1f} | {m['us_item_day']:.1f} | "
                f"{m['load_ms']:,.1f} | {m['kpi_ms']:,.1f} ({m['kpi_pct']:.0f} %) | {m['mib']:,.1f} | "
                f"{rss_mib(r, k):,.1f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
