"""Mass balance through the bill of materials, exactly, on stochastic two-level networks (docs/assembly.md).

Plant ``sub_plant`` makes ``sub`` from ``a`` and ``b`` (fractional quantities), plant ``final`` makes ``top`` and
``kit`` from ``sub`` (bought from ``sub_plant`` over a lane) and ``c``; a DC and two retailers sell ``top`` and
``kit``. Random demand, transit and production times, capacities and batches, every allocation rule, made to stock
and to order. After the run, per plant:

* every component: initial + received = consumed by kits + on hand;
* every finished good: initial + produced = issued (to customers and downstream orders) + on hand;
* components consumed = Σ over the products using it of quantity × (units produced + units still in work in
  progress), and with neither capacity nor production time (no work in progress ever) = bom × units produced;
* a finished good's units on order are exactly at its plant: waiting for their kit or in work in progress.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from sim.kpi.compute import compute
from sim.model.network import SupplyChain
from tests.conftest import build, lane, plant, supplier

REL = 1e-9


def network(allocation: str, to_order: bool, busy: bool) -> dict[str, Any]:
    """``busy``: capacities, batches and gamma production times; else instant, unlimited production."""
    poisson = {"dist": "poisson", "mean": 3}
    made = (
        {"production_time": {"dist": "gamma", "mean": 1.5, "sd": 1.0}, "capacity": 7, "batch_size": 2} if busy else {}
    )
    final_policy = {"c": {"kind": "s_S", "s": 10, "S": 30}, "sub": {"kind": "base_stock", "level": 25}}
    if not to_order:
        final_policy["top"] = {"kind": "base_stock", "level": 12}
        final_policy["kit"] = {"kind": "periodic_order_up_to", "review_period": 3, "order_up_to": 15}
    return {
        "name": "two_plants",
        "horizon": 150,
        "products": [{"id": p} for p in ("top", "kit", "sub", "a", "b", "c")],
        "nodes": [
            supplier("s", production_time={"dist": "uniform", "low": 0, "high": 2}),
            plant(
                "sub_plant",
                {"sub": {"a": 0.5, "b": 3}},
                initial_stock={"a": 7.25, "b": 20},
                policy={
                    "sub": {"kind": "base_stock", "level": 20},
                    "a": {"kind": "base_stock", "level": 9.5},
                    "b": {"kind": "s_Q", "s": 30, "Q": 40},
                },
                sources={"a": [{"node": "s"}], "b": [{"node": "s"}]},
                allocation=allocation,
                **made,
            ),
            plant(
                "final",
                {"top": {"sub": 1, "c": 2}, "kit": {"sub": 2, "c": 0.75}},
                policy=final_policy,
                sources={"sub": [{"node": "sub_plant"}], "c": [{"node": "s"}]},
                make_to_order=to_order,
                allocation=allocation,
                **({"priority": ["kit", "top"]} if allocation == "priority" else {}),
                **made,
            ),
            {
                "id": "dc",
                "type": "buffer",
                "policy": {"top": {"kind": "base_stock", "level": 20}, "kit": {"kind": "base_stock", "level": 20}},
                "sources": {"top": [{"node": "final"}], "kit": [{"node": "final"}]},
            },
            *(
                {
                    "id": r,
                    "type": "retailer",
                    "demand": {"top": poisson, "kit": {"dist": "poisson", "mean": 1}},
                    "policy": {"top": {"kind": "base_stock", "level": 8}, "kit": {"kind": "base_stock", "level": 4}},
                    "sources": {"top": [{"node": "dc"}], "kit": [{"node": "dc"}]},
                }
                for r in ("r1", "r2")
            ),
        ],
        "lanes": [
            lane("s", "sub_plant", {"dist": "uniform", "low": 1, "high": 4}),
            lane("s", "final", {"dist": "uniform", "low": 1, "high": 3}),
            lane("sub_plant", "final", 1, capacity=30 if busy else None),
            lane("final", "dc", {"dist": "triangular", "low": 0.5, "mode": 1, "high": 2}),
            lane("dc", "r1", 1),
            lane("dc", "r2", 1),
        ],
    }


CONFIGS = [
    (alloc, mto, busy)
    for alloc in ("fifo", "first_fit", "priority")
    for mto, busy in ((False, True), (True, False), (True, True), (False, False))
]


@pytest.mark.parametrize(("allocation", "to_order", "busy"), CONFIGS)
@pytest.mark.parametrize("seed", [1, 2])
def test_components_and_finished_goods_balance_exactly(allocation, to_order, busy, seed):
    sc = build(network(allocation, to_order, busy))
    chain = SupplyChain(sc, np.random.SeedSequence(seed), events=True).run()
    events = chain.events.frame()
    received = events[events.event == "receive"].groupby(["node", "sku"]).qty.sum()
    index, values = compute(chain)
    k = dict(zip(index, values.tolist(), strict=True))
    for pid, p in chain.plants.items():
        node = sc.node(pid)
        for c, per_period in p.consumed.items():
            item = chain.items[pid, c]
            initial = node.initial_stock.get(c, item.policy.target if item.policy else 0.0)
            into = initial + received.get((pid, c), 0.0)
            assert into == pytest.approx(sum(per_period) + item.on_hand, rel=REL), (pid, c)
            kitted = sum(qty * (sum(p.produced[j]) + p.wip[j]) for j, kit in p.bom.items() for cc, qty in kit.items()
                         if cc == c)  # fmt: skip
            assert k[pid, c, "components_consumed"] == pytest.approx(kitted, rel=REL)
            if not busy:
                assert all(w == 0 for w in p.wip.values())
                made = sum(qty * k[pid, j, "units_produced"] for j, kit in p.bom.items() for cc, qty in kit.items()
                           if cc == c)  # fmt: skip
                assert k[pid, c, "components_consumed"] == pytest.approx(made, rel=REL)
        for j in p.products:
            item = chain.items[pid, j]
            initial = node.initial_stock.get(j, item.policy.target if item.policy else 0.0)
            shipped = float(np.sum(chain.flows.rows["issued"][list(chain.items).index((pid, j))]))
            assert initial + sum(p.produced[j]) == pytest.approx(shipped + item.on_hand, rel=REL), (pid, j)
            waiting = sum(job.order.qty for job in p.kits if job.order.sku == j)
            assert item.on_order == pytest.approx(waiting + p.wip[j], rel=REL, abs=1e-9)  # on order = at the plant
    assert k["final", "ALL", "units_produced"] > 0 and k["sub_plant", "ALL", "units_produced"] > 0
