"""Time and event ordering.

One time unit is one *period* (a day, a week: the scenario's ``period``). Several things can happen at the same
instant; their order is fixed by a priority (lower first), not by the order they happened to be scheduled in:

1. ``RECEIPT``     shipments arriving at t are put on the shelf (and fill waiting backorders);
2. ``PRODUCTION``  suppliers start the capacity of period t;
3. ``ORDER``       replenishment orders sent with an information delay reach their supplier;
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

RECEIPT, PRODUCTION, ORDER, REVIEW, DEMAND = 1, 2, 3, 4, 5


def wake_at(env: simpy.Environment, delay: float, priority: int) -> Event:
    """A timeout with an explicit same-time priority (for ``yield`` in processes)."""
    ev = Event(env)
    ev._ok = True
    ev._value = None
    env.schedule(ev, priority, delay)
    return ev


def call_at(env: simpy.Environment, delay: float, priority: int, fn: Callable[..., Any], *args: Any) -> None:
    """Run ``fn(*args)`` after ``delay`` with the given priority: one event, no process (cheap for shipments)."""
    ev = Event(env)
    ev._ok = True
    ev._value = None
    ev.callbacks.append(lambda _ev: fn(*args))
    env.schedule(ev, priority, delay)
