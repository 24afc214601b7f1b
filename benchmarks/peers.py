"""Peer benchmark: one replication of the same serial chain in supplysim and in SupplyNetPy 0.5.1.

The chain: an unlimited supplier -> stage3 -> stage2 -> stage1 (three stock stages, stage1 sells to customers),
(s, S) continuous review at every stage, 2-day lanes (deterministic transit), Poisson(10) customer demand per day at
stage1, 365 days. Measured, interleaved within one process (every round runs each variant once; medians reported):

- SupplyNetPy: build the network (``create_sc_net``) and simulate it (``simulate_sc_net``, logging off);
- supplysim batch path: ``run_replication(scenario, seed, timeseries=False)`` on a scenario validated once;
- supplysim ``sim.simulate(path)``: a YAML file read, parsed, validated and simulated (with time series, the
  function's default).

Ratios are SupplyNetPy time / supplysim time (targets from the "Engine v2" issue: batch path >= 10x,
``sim.simulate`` >= 5x).

    pip install ".[bench]"  &&  python benchmarks/peers.py [--rounds 30]

What differs between the two models (both are built to behave the same otherwise):
- Unmet customer demand is lost in both (SupplyNetPy's default, ``tolerance=0``; supplysim ``unmet_demand: lost``).
  Between stages both backorder.
- SupplyNetPy can't place an order of 0 units, so its daily customer draws are max(1, Poisson(10)) (a 0 has
  probability e^-10 ~ 4.5e-5 a day); supplysim skips the day on a 0.
- SupplyNetPy nodes need a capacity; it is set to S, which the (s, S) policy never exceeds anyway.
- The results are not compared (different random streams); supplysim computes its full KPI set at the end of a run
  (~140 KPIs), SupplyNetPy its own network-wide statistics.
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import yaml

import sim
from sim.experiment.replication import run_replication

DAYS = 365
MEAN_DEMAND = 10.0  # units per day at the last stage
TRANSIT = 2  # days per lane
STAGES = ("stage3", "stage2", "stage1")  # upstream -> downstream; stage1 sells to customers
S_LOW = int(TRANSIT * MEAN_DEMAND + 20)  # reorder point: lead-time demand + safety stock
S_HIGH = S_LOW + 100  # order-up-to level
HOLDING, BUY, SELL, ORDER_COST = 0.1, 10.0, 12.0, 5.0


def supplysim_scenario() -> dict:
    nodes: list[dict] = [{"id": "supplier", "type": "supplier"}]
    for name in STAGES:
        node = {
            "id": name,
            "type": "buffer",
            "policy": {"w": {"kind": "s_S", "s": S_LOW, "S": S_HIGH}},
            "sources": {"w": [{"node": nodes[-1]["id"]}]},
        }
        if name == STAGES[-1]:
            node.update(type="retailer", demand={"w": {"dist": "poisson", "mean": MEAN_DEMAND}}, unmet_demand="lost")
        nodes.append(node)
    lanes = [
        {"from": a["id"], "to": b["id"], "transit": {"dist": "constant", "value": TRANSIT}}
        for a, b in itertools.pairwise(nodes)
    ]
    product = {"id": "w", "unit_cost": BUY, "holding_cost": HOLDING, "lost_sale_cost": SELL, "order_cost": ORDER_COST}
    return {"name": "peers_serial", "horizon": DAYS, "products": [product], "nodes": nodes, "lanes": lanes}


def supplynetpy_replication(scm, seed: int) -> dict:
    """Build and simulate the chain in SupplyNetPy; return its network dict."""
    rng = np.random.default_rng(seed)
    scm.set_seed(seed)
    nodes = [{"ID": "supplier", "name": "supplier", "node_type": "infinite_supplier", "logging": False}]
    links = []
    upstream = "supplier"
    for name in STAGES:
        nodes.append(
            {
                "ID": name,
                "name": name,
                "node_type": "retailer" if name == STAGES[-1] else "distributor",
                "capacity": S_HIGH,
                "initial_level": S_HIGH,
                "inventory_holding_cost": HOLDING,
                "replenishment_policy": scm.SSReplenishment,
                "policy_param": {"s": S_LOW, "S": S_HIGH},
                "product_buy_price": BUY,
                "product_sell_price": SELL,
                "logging": False,
            }
        )
        links.append({"ID": f"{upstream}-{name}", "source": upstream, "sink": name, "cost": 0, "lead_time": _const})
        upstream = name
    demand = {
        "ID": "customers",
        "name": "customers",
        "order_arrival_model": _one_day,
        "order_quantity_model": lambda: max(1, int(rng.poisson(MEAN_DEMAND))),
        "demand_node": STAGES[-1],
        "logging": False,
    }
    net = scm.create_sc_net(nodes=nodes, links=links, demands=[demand])
    return scm.simulate_sc_net(net, sim_time=DAYS, logging=False)


def _const() -> float:
    return TRANSIT


def _one_day() -> float:
    return 1


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=30, help="interleaved rounds (each runs every variant once)")
    args = ap.parse_args(argv)
    try:
        import SupplyNetPy.Components as scm
    except ImportError:
        print(
            "benchmarks/peers.py needs SupplyNetPy 0.5.1, which is not installed.\n"
            'Install the benchmark extra:  pip install ".[bench]"   (or: pip install supplynetpy==0.5.1)',
            file=sys.stderr,
        )
        return 1
    import logging

    logging.getLogger("sim_trace").disabled = True  # SupplyNetPy's logger (off anyway with logging=False)

    data = supplysim_scenario()
    scenario = sim.load_scenario(data)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "peers_serial.yaml"
        path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        variants = {
            "SupplyNetPy 0.5.1, one replication": lambda seed: supplynetpy_replication(scm, seed),
            "supplysim run_replication(timeseries=False)": lambda seed: run_replication(
                scenario, seed, timeseries=False
            ),
            "supplysim sim.simulate(yaml path)": lambda seed: sim.simulate(str(path), seed=seed),
        }
        for run in variants.values():  # warm-up: imports, caches
            run(0)
        times: dict[str, list[float]] = {name: [] for name in variants}
        for r in range(1, args.rounds + 1):
            for name, run in variants.items():
                start = time.perf_counter()
                run(r)
                times[name].append(time.perf_counter() - start)
    med = {name: statistics.median(ts) for name, ts in times.items()}
    peer = med["SupplyNetPy 0.5.1, one replication"]
    print(
        f"serial chain: supplier -> {len(STAGES)} stock stages, (s={S_LOW}, S={S_HIGH}), {TRANSIT}-day lanes, "
        f"Poisson({MEAN_DEMAND:g})/day, {DAYS} days; medians of {args.rounds} interleaved rounds"
    )
    width = max(map(len, med))
    print(f"{'variant':<{width}}  {'median':>10}  {'min':>10}  {'SupplyNetPy / this':>18}")
    for name, m in med.items():
        ratio = "" if m is peer else f"{peer / m:.1f}x"
        print(f"{name:<{width}}  {m * 1e3:>7.2f} ms  {min(times[name]) * 1e3:>7.2f} ms  {ratio:>18}")
    batch, simulate = med["supplysim run_replication(timeseries=False)"], med["supplysim sim.simulate(yaml path)"]
    print(f"targets: batch path >= 10x: {peer / batch:.1f}x; sim.simulate >= 5x: {peer / simulate:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
