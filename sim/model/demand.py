"""Customer demand as SimPy processes, one per (retailer, product) with demand (the kinds of ``sim.scenario.demand``).

- ``periodic`` / ``empirical``: a process that wakes once per period in the ``DEMAND`` phase and hands the period's
  quantity (pre-drawn from the demand stream, so a policy change never moves it) to the stock item;
- ``poisson_process``: a process that waits exponential gaps and hands each customer's ``size`` draw over.
"""

from __future__ import annotations

from collections.abc import Callable, Generator

import numpy as np
import simpy

from sim.model.clock import DEMAND, wake_at
from sim.scenario.demand import DemandSpec
from sim.scenario.distributions import Dist

Sink = Callable[[float], None]  # receives a customer demand of q units at env.now


def series(env: simpy.Environment, quantities: list[float], sink: Sink) -> Generator:
    """One demand per period, at t = 0, 1, ... (zero quantities are skipped: nobody came)."""
    yield wake_at(env, 0, DEMAND)
    last = len(quantities) - 1
    for i, q in enumerate(quantities):
        if q > 0:
            sink(q)
        if i < last:
            yield wake_at(env, 1, DEMAND)


def arrivals(env: simpy.Environment, rate: float, size: Dist, sink: Sink, rng: np.random.Generator) -> Generator:
    """Customers arriving as a Poisson process (exponential gaps), each buying a ``size`` draw."""
    gaps = Dist(dist="exponential", mean=1 / rate).sampler(rng, 256)
    sizes = size.sampler(rng, 256)
    while True:
        yield wake_at(env, gaps(), DEMAND)
        sink(sizes())


def start(
    env: simpy.Environment, spec: DemandSpec, sink: Sink, rng: np.random.Generator, horizon: int
) -> simpy.Process:
    """Start the demand process of ``spec``; returns it (a disruption can interrupt it)."""
    p = spec.params
    if spec.kind == "periodic":
        quantities = p.quantity.draw(rng, horizon).tolist()
    elif spec.kind == "empirical":
        reps = -(-horizon // len(p.values))
        quantities = (list(p.values) * reps)[:horizon]
    elif spec.kind == "poisson_process":
        return env.process(arrivals(env, p.rate, p.size, sink, rng))
    else:  # pragma: no cover - every registered kind has a branch (tests/test_layers.py checks)
        raise KeyError(f"demand kind {spec.kind!r} has no process")
    return env.process(series(env, quantities, sink))


KINDS = ("periodic", "empirical", "poisson_process")
