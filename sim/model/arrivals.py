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
from typing import TYPE_CHECKING, cast

import numpy as np
import simpy

from sim.model.clock import DEMAND, wake_at
from sim.scenario.demand import DEMANDS, DemandSpec
from sim.scenario.distributions import Dist

if TYPE_CHECKING:
    from simpy.events import ProcessGenerator

Sink = Callable[[float], None]  # receives a customer demand of q units at env.now


BLOCK_FROM = 32  # streams from which a period reads one row of a block (a row costs ~0.3 us: few streams read theirs)


class PeriodicDemand:
    """All per-period demand streams of one replication, served by one process.

    Each stream's quantities are drawn from its own keyed stream when it is added (one ``size=horizon`` draw, as
    before); when the run starts, streams of float64 draws (all the distributions and patterns) are copied into one
    periods x streams block, so a period reads one contiguous row instead of one cache line per stream (the same
    values, served in the same order: scenario order) when there are at least ``BLOCK_FROM`` of them. Streams of other
    values (``empirical``: the scenario's own numbers) keep their own sequences, and so do all streams when one of
    them does."""

    def __init__(self, env: simpy.Environment, horizon: int) -> None:
        self.env = env
        self.horizon = horizon
        self.streams: list[tuple[Sequence[float], Sink]] = []
        self.process: simpy.Process | None = None
        self._block: np.ndarray | None = None

    def add(self, quantities: Sequence[float], sink: Sink) -> None:
        self.streams.append((quantities, sink))
        if self.process is None:
            self.process = self.env.process(self._run())

    def block(self) -> np.ndarray | None:
        """The streams' quantities as one periods x streams float64 block (and the streams' sequences replaced by its
        columns), or None when a stream is not a float64 buffer."""
        if self._block is not None:
            return self._block
        streams = self.streams
        if not all(isinstance(q, array) and q.typecode == "d" and len(q) == self.horizon for q, _ in streams):
            return None
        block = np.empty((self.horizon, len(streams)))
        for j, (quantities, _) in enumerate(streams):
            block[:, j] = np.frombuffer(cast("array[float]", quantities))
        self.streams = [(cast("Sequence[float]", block[:, j]), sink) for j, (_, sink) in enumerate(streams)]
        self._block = block
        return block

    def _run(self) -> ProcessGenerator:
        env, horizon = self.env, self.horizon
        block = self.block() if self._block is not None or len(self.streams) >= BLOCK_FROM else None
        yield wake_at(env, 0, DEMAND)
        if block is not None:
            sinks = [sink for _, sink in self.streams]
            for t in range(horizon):
                for q, sink in zip(block[t].tolist(), sinks, strict=True):
                    if q > 0:  # a zero draw: nobody came
                        sink(q)
                if t + 1 < horizon:
                    yield wake_at(env, 1, DEMAND)
        else:
            streams = self.streams
            for t in range(horizon):
                for quantities, sink in streams:
                    q = quantities[t]
                    if q > 0:
                        sink(q)
                if t + 1 < horizon:
                    yield wake_at(env, 1, DEMAND)
        self.streams, self._block = [], None  # served: the quantities' memory goes back before the KPI pass


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
