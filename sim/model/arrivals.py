"""Customer demand as SimPy processes (the kinds of ``sim.scenario.demand``).

- ``periodic`` / ``empirical``: the network's :class:`PeriodicDemand` process wakes once per period in the
  ``DEMAND`` phase and hands each (retailer, product) stream its period quantity, in scenario order (node, then
  product): one event per period for all streams, the order a per-stream schedule would also give. Quantities are
  pre-drawn from each stream's own demand stream, so a policy change never moves them;
- the time patterns of ``sim.scenario.patterns`` (``ar1``, ``seasonal``, ...): pre-drawn series, played like
  ``periodic``;
- ``poisson_process``: a process per stream that waits exponential gaps and hands each customer's ``size`` draw over.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np
import simpy

from sim.model.clock import DEMAND, wake_at
from sim.scenario.demand import DEMANDS, DemandSpec
from sim.scenario.distributions import Dist

if TYPE_CHECKING:
    from simpy.events import ProcessGenerator

Sink = Callable[[float], None]  # receives a customer demand of q units at env.now


class PeriodicDemand:
    """All per-period demand streams of one replication, served by one process."""

    def __init__(self, env: simpy.Environment, horizon: int) -> None:
        self.env = env
        self.horizon = horizon
        self.streams: list[tuple[Sequence[float], Sink]] = []
        self.process: simpy.Process | None = None

    def add(self, quantities: Sequence[float], sink: Sink) -> None:
        self.streams.append((quantities, sink))
        if self.process is None:
            self.process = self.env.process(self._run())

    def _run(self) -> ProcessGenerator:
        env, streams = self.env, self.streams
        yield wake_at(env, 0, DEMAND)
        for t in range(self.horizon):
            for quantities, sink in streams:
                q = quantities[t]
                if q > 0:  # a zero draw: nobody came
                    sink(q)
            if t + 1 < self.horizon:
                yield wake_at(env, 1, DEMAND)


def arrivals(env: simpy.Environment, rate: float, size: Dist, sink: Sink, rng: np.random.Generator) -> ProcessGenerator:
    """Customers arriving as a Poisson process (exponential gaps), each buying a ``size`` draw."""
    gaps = Dist(dist="exponential", mean=1 / rate).sampler(rng, 256)
    sizes = size.sampler(rng, 256)
    while True:
        yield wake_at(env, gaps(), DEMAND)
        sink(sizes())


def start(
    env: simpy.Environment,
    spec: DemandSpec,
    sink: Sink,
    rng: np.random.Generator,
    horizon: int,
    periodic: PeriodicDemand,
) -> simpy.Process | None:
    """Start the demand of ``spec``: its own process (``poisson_process``) or a stream of ``periodic``."""
    p = spec.params
    if spec.kind == "periodic":
        periodic.add(_quantities(p.quantity.draw(rng, horizon)), sink)
    elif spec.kind == "empirical":
        reps = -(-horizon // len(p.values))
        periodic.add((list(p.values) * reps)[:horizon], sink)
    elif spec.kind == "poisson_process":
        return env.process(arrivals(env, p.rate, p.size, sink, rng))
    elif hasattr(kind := DEMANDS[spec.kind], "series"):  # a pre-drawn time pattern (sim.scenario.patterns)
        periodic.add(_quantities(kind.series(p, rng, horizon)), sink)
    else:  # pragma: no cover - every registered kind has a branch (tests/model/test_engine_v2.py checks)
        raise KeyError(f"demand kind {spec.kind!r} has no process")
    return None


def _quantities(draws: np.ndarray) -> Sequence[float]:
    """A stream's pre-drawn quantities: float64 draws as an ``array('d')`` (8 bytes a period, where a list of floats
    takes 32: 4,000 streams hold 12 MB instead of 46), anything else as a list (the same values either way)."""
    return array("d", draws.tobytes()) if draws.dtype == np.float64 else draws.tolist()
