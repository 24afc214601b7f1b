"""Replenishment (ordering) policies, selected by ``kind`` in a scenario.

A policy is a small strategy object with one question to answer: *given the inventory position now, how much do I
order?* Continuous-review policies are asked after every event that lowers the inventory position (a demand, a
downstream order); periodic-review policies are asked at reviews ``offset, offset + R, offset + 2R, ...``.
Inventory position = on hand + on order - backorders.

A policy class has a pydantic ``Params`` model and is registered by name in :mod:`sim.policy.kinds` (the scenario's
``kind``); it sees its stock item only through the read-only :class:`sim.policy.view.StockView`.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

from pydantic import BaseModel

from sim.policy.view import StockView


class Policy:
    """Base class. ``review_period`` is None for continuous review.

    The ordering protocol: at each review the stock item calls ``decide(view)``, which returns either a total (the
    item's sourcing rule splits it over the sources) or ``{source: units}`` (a policy that orders per source, e.g.
    dual-index). The default ``decide`` asks ``order_quantity(inventory position)``, which is all the classic
    policies need. A policy that learns from demand sets ``observes = True`` and gets ``observe(qty, customer)``
    for every demand the item receives (``customer`` False for a downstream node's order).
    """

    Params: ClassVar[type[BaseModel]]
    review_period: float | None = None
    offset: float = 0.0
    observes: ClassVar[bool] = False
    source_params: ClassVar[tuple[str, ...]] = ()  # parameters naming a source of the item (checked by the schema)
    # reorder levels that may be negative (cheap backorders); the schema refuses a negative one under lost sales
    signed_params: ClassVar[tuple[str, ...]] = ()

    def __init__(self, p: Any) -> None:
        self.p = p

    def decide(self, view: StockView) -> float | dict[str, float]:
        return self.order_quantity(view.on_hand + view.on_order - view.backorders)

    def observe(self, qty: float, customer: bool) -> None:  # pragma: no cover - protocol
        """See one demand (only called when ``observes`` is True)."""

    def order_quantity(self, ip: float) -> float:  # pragma: no cover - protocol
        raise NotImplementedError

    # A class that defines ``order_quantity`` may define ``idle_above`` next to it: an inventory position above it
    # always gets 0 from ``order_quantity``, so the stock item skips the call there (see ``idle_level``).
    idle_above: float = math.inf

    def idle_level(self) -> float:
        """Above this inventory position ``order_quantity`` orders nothing (``inf``: ask every time). Only a level
        defined by the class that defines ``order_quantity`` counts: a subclass with its own rule asks every time."""
        for klass in type(self).__mro__:
            if "order_quantity" in vars(klass):
                return float(self.idle_above) if "idle_above" in vars(klass) else math.inf
        return math.inf

    @property
    def target(self) -> float:
        """The stock level the policy aims at; the default initial on-hand stock."""
        raise NotImplementedError  # pragma: no cover - protocol

    @staticmethod
    def size(mean: float, var: float, lead: float, review: float, z: float) -> dict[str, float]:
        """Parameters for an item with per-period demand ``mean``/``var``, lead time ``lead``, review period
        ``review`` and safety factor ``z`` (the policy presets; see sim.scenario.presets)."""
        raise NotImplementedError  # pragma: no cover - a policy without a sizing rule needs explicit params


def cover(mean: float, var: float, periods: float, z: float) -> float:
    """Stock that covers ``periods`` periods of demand with safety factor ``z``: ceil(mu*n + z*sigma*sqrt(n))."""
    return math.ceil(mean * periods + z * math.sqrt(var) * math.sqrt(periods))


def cycle(mean: float, review: float) -> float:
    """An order quantity of one review period's mean demand (at least 1)."""
    return max(1, math.ceil(mean * review))
