"""Time and event ordering.

One time unit is one *period* (a day, a week: the scenario's ``period``). Several things can happen at the same
instant; their order is fixed by a priority (lower first), not by the order they happened to be scheduled in.
SimPy's own events come first: ``URGENT`` (0: process starts, interrupts) and ``NORMAL`` (1: every plain
``env.timeout``), so a user's process or a disruption that wakes at t acts *before* the model's phases of t. The
model's phases all sit above them:

2. ``WARMUP``      (once, at t = warmup) KPI accumulators restart;
3. ``RECEIPT``     shipments arriving at t are put on the shelf (and fill waiting backorders);
4. ``PRODUCTION``  suppliers and capacitated lanes start the capacity of period t; production finishes;
5. ``ORDER``       replenishment orders sent with an information delay reach their source;
6. ``REVIEW``      periodic reviews at t look at the stock and order;
7. ``DEMAND``      customer demand of period t arrives and is served from stock.

So an order placed at t with lead time L arrives at t + L *before* that period's demand: it covers the demand of
L periods (t .. t+L-1), and a periodic order-up-to level must cover R + L periods. See docs/timing.md.

``wake_at`` and ``call_at`` schedule with these priorities. ``wake_at`` builds a triggered ``Event`` by setting
SimPy's ``callbacks``/``_ok``/``_value`` (the fields ``Timeout.__init__`` sets); tests/model/test_engine_v2.py pins that
contract and pyproject pins ``simpy`` to major version 4.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import simpy
from simpy.events import NORMAL, URGENT, Event, EventPriority

from sim.tolerance import EPS

# SimPy's priority type (a NewType of int: the same ints at run time)
WARMUP, RECEIPT, PRODUCTION, ORDER, REVIEW, DEMAND = (EventPriority(k) for k in (2, 3, 4, 5, 6, 7))
assert URGENT < NORMAL < WARMUP, "the model's phases must come after SimPy's own priorities"


def period_of(now: float) -> int:
    """The period an instant belongs to (t = 3.0 and t = 2.9999999999 are both period 3)."""
    return math.floor(now + EPS)


class _Wake(Event):
    """A triggered event scheduled with a phase: what ``Timeout`` does, with a priority."""

    def __init__(self, env: simpy.Environment, delay: float, priority: EventPriority) -> None:
        self.env = env
        self.callbacks = []
        self._ok = True
        self._value = None
        env.schedule(self, priority, delay)


def wake_at(env: simpy.Environment, delay: float, priority: EventPriority) -> Event:
    """A timeout with an explicit same-time priority (for ``yield`` in processes)."""
    return _Wake(env, delay, priority)


def _fire(call: Call) -> None:
    if call.fn is not None:
        call.fn(*call.args)


_FIRE = (_fire,)


class Call:
    """A scheduled function call (a handle): the cheapest entry SimPy's event loop can process.

    ``Environment.step`` needs only ``callbacks`` and ``_ok`` from what it pops off the queue; a full ``Event`` (or a
    process per shipment) would cost a generator resume and several attribute writes per event. ``cancel()`` keeps
    the entry in SimPy's queue but makes it do nothing; ``at`` is when it fires. Calls can't be yielded by
    processes; use :func:`wake_at` there.
    """

    __slots__ = ("args", "at", "callbacks", "fn")
    _ok = True

    def __init__(self, fn: Callable[..., Any], args: tuple[Any, ...], at: float) -> None:
        self.callbacks = _FIRE
        self.fn: Callable[..., Any] | None = fn
        self.args = args
        self.at = at

    @property
    def cancelled(self) -> bool:
        return self.fn is None

    def cancel(self) -> None:
        """Don't run (the queue entry stays, as a no-op)."""
        self.fn = None


def call_at(env: simpy.Environment, delay: float, priority: EventPriority, fn: Callable[..., Any], *args: Any) -> Call:
    """Run ``fn(*args)`` after ``delay`` with the given priority (one event, no process); returns the handle."""
    call = Call(fn, args, env.now + delay)
    env.schedule(call, priority, delay)  # type: ignore[arg-type]
    return call
