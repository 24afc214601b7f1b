"""Time and event ordering.

One time unit is one *period* (a day, a week: the scenario's ``period``). Several things can happen at the same
instant; their order is fixed by a priority (lower first), not by the order they happened to be scheduled in:

0. ``WARMUP``      (once, at t = warmup) KPI accumulators restart;
1. ``RECEIPT``     shipments arriving at t are put on the shelf (and fill waiting backorders);
2. ``PRODUCTION``  suppliers and capacitated lanes start the capacity of period t;
3. ``ORDER``       replenishment orders sent with an information delay reach their source;
4. ``REVIEW``      periodic reviews at t look at the inventory position and order;
5. ``DEMAND``      customer demand of period t arrives and is served from stock.

So an order placed at t with lead time L arrives at t + L *before* that period's demand: it covers the demand of
L periods (t .. t+L-1), and a periodic order-up-to level must cover R + L periods. See docs/timing.md.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import simpy
from simpy.events import Event

WARMUP, RECEIPT, PRODUCTION, ORDER, REVIEW, DEMAND = 0, 1, 2, 3, 4, 5


def wake_at(env: simpy.Environment, delay: float, priority: int) -> Event:
    """A timeout with an explicit same-time priority (for ``yield`` in processes)."""
    ev = Event(env)
    ev._ok = True
    ev._value = None
    env.schedule(ev, priority, delay)
    return ev


def _fire(call: Call) -> None:
    call.fn(*call.args)


_FIRE = (_fire,)


class Call:
    """A scheduled function call: the cheapest entry SimPy's event loop can process.

    ``Environment.step`` needs only ``callbacks`` and ``_ok`` from what it pops off the queue; a full ``Event`` (or a
    process per shipment) would cost a generator resume and several attribute writes per event. Calls can't be
    yielded by processes; use :func:`wake_at` there.
    """

    __slots__ = ("args", "callbacks", "fn")
    _ok = True

    def __init__(self, fn: Callable[..., Any], args: tuple) -> None:
        self.callbacks = _FIRE
        self.fn = fn
        self.args = args


def call_at(env: simpy.Environment, delay: float, priority: int, fn: Callable[..., Any], *args: Any) -> None:
    """Run ``fn(*args)`` after ``delay`` with the given priority (one event, no process)."""
    env.schedule(Call(fn, args), priority, delay)  # type: ignore[arg-type]
