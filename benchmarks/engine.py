"""Engine benchmark: the model's cost per replication and per event, in bare-SimPy-event equivalents.

Prints, from one run on this machine:
- bare SimPy: seconds per event of a process looping on ``env.timeout(1)``;
- a serial 4-echelon chain (365 days, daily Poisson demand, (s,S) at every stage, KPIs included): time per
  replication and that time divided by the bare event time (target <= 1,500 bare-event equivalents);
- the model's cost per event (replication time / events processed) relative to a bare event (target <= 3x);
- the showcase scenario's time per replication, for scale.
Medians of several repeats; the ratios are what matter (machines are noisy; compare within one run).

    python benchmarks/engine.py [--reps 300] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import itertools
import pstats
import statistics
import time
from pathlib import Path

import simpy

from sim.experiment.replication import run_replication
from sim.model.network import SupplyChain
from sim.model.rng import replication_seed
from sim.scenario.loading import validate
from sim.scenario.schema import Scenario
from sim.scenario.sources import load_scenario

ROOT = Path(__file__).resolve().parent.parent


def serial_chain(stages: int = 4, horizon: int = 365) -> Scenario:
    """Supplier -> stage 1 -> ... -> retailer; Poisson(10)/day at the retailer, (s,S) everywhere, 2-day lanes."""
    return validate(serial_chain_data(stages, horizon))


def serial_chain_data(stages: int = 4, horizon: int = 365) -> dict:
    """The serial chain as scenario data (a plain dict)."""
    names = [f"stage{i}" for i in range(stages, 0, -1)]
    nodes: list[dict] = [{"id": "supplier", "type": "supplier"}]
    upstream = "supplier"
    for i, name in enumerate(names):
        last = i == len(names) - 1
        node = {
            "id": name,
            "type": "retailer" if last else "buffer",
            "policy": {"w": {"kind": "s_S", "s": 40, "S": 90}},
            "sources": {"w": [{"node": upstream}]},
        }
        if last:
            node["demand"] = {"w": {"dist": "poisson", "mean": 10}}
        nodes.append(node)
        upstream = name
    lanes = [
        {"from": a["id"], "to": b["id"], "transit": {"dist": "constant", "value": 2}}
        for a, b in itertools.pairwise(nodes)
    ]
    return {
        "name": f"serial_{stages}",
        "horizon": horizon,
        "products": [{"id": "w", "holding_cost": 0.1, "backorder_cost": 1.0, "order_cost": 5}],
        "nodes": nodes,
        "lanes": lanes,
    }


def bare_event_seconds(n: int = 200_000) -> float:
    def loop(env):
        for _ in range(n):
            yield env.timeout(1)

    env = simpy.Environment()
    env.process(loop(env))
    start = time.perf_counter()
    env.run()
    return (time.perf_counter() - start) / n


def per_replication(scenario: Scenario, reps: int) -> float:
    start = time.perf_counter()
    for i in range(reps):
        run_replication(scenario, replication_seed(0, i), timeseries=False)
    return (time.perf_counter() - start) / reps


def event_loop_seconds(scenario: Scenario, reps: int) -> float:
    """Time in ``env.run`` alone (model built beforehand, KPIs not computed), per replication."""
    chains = [SupplyChain(scenario, replication_seed(0, i), record_log=False) for i in range(reps)]
    start = time.perf_counter()
    for chain in chains:
        chain.run()
    return (time.perf_counter() - start) / reps


def events_per_replication(scenario: Scenario, reps: int = 20) -> float:
    """Events processed, counted by SimPy's event id counter (no monkey-patching)."""
    total = 0
    for i in range(reps):
        chain = SupplyChain(scenario, replication_seed(0, i)).run()
        total += next(chain.env._eid)  # ids handed out = events scheduled
    return total / reps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reps", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--profile", action="store_true", help="print a cProfile of the serial chain")
    args = parser.parse_args()

    chain = serial_chain()
    per_replication(chain, 20)  # warm up imports and caches
    bare, rep = [], []
    for _ in range(args.repeats):
        bare.append(bare_event_seconds())
        rep.append(per_replication(chain, args.reps))
    bare_s, rep_s = statistics.median(bare), statistics.median(rep)
    events = events_per_replication(chain)
    print(f"bare SimPy event:                  {bare_s * 1e6:8.3f} us")
    print(f"serial 4-echelon replication:      {rep_s * 1e3:8.3f} ms  ({events:.0f} events, KPIs included)")
    print(f"  = {rep_s / bare_s:8.0f} bare-event equivalents per replication   (target <= 1500)")
    print(f"  = {rep_s / events / bare_s:8.2f} x bare cost per model event, KPIs included   (target <= 3)")
    loop_s = statistics.median(event_loop_seconds(chain, args.reps) for _ in range(args.repeats))
    print(f"  event loop alone: {loop_s * 1e3:.3f} ms = {loop_s / events / bare_s:.2f} x bare cost per model event")
    showcase = ROOT / "scenarios" / "consolidated_sourcing.yaml"
    if showcase.exists():
        sc = load_scenario(showcase)
        t = statistics.median(per_replication(sc, 20) for _ in range(3))
        print(f"showcase replication:              {t * 1e3:8.3f} ms  ({events_per_replication(sc, 5):.0f} events)")
    if args.profile:
        prof = cProfile.Profile()
        prof.enable()
        per_replication(chain, 200)
        prof.disable()
        pstats.Stats(prof).sort_stats("tottime").print_stats(20)


if __name__ == "__main__":
    main()
