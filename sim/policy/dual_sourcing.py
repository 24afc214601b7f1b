"""Dual-sourcing ordering policies: dual-index and tailored base-surge (docs/sourcing.md).

Both order from two sources of the item every review and return ``{source: units}`` from ``decide(view)``; they
read the per-source pipelines (``SourceLink.due_within``) to form the *expedited inventory position*: net stock plus
everything on order (from either source) due within the expedited source's lead time. Lead times are the sources'
promised lead times (``promised_lead_time``, default the expected one), so the due dates are what the buyer knows.

* Dual-index (Veeraraghavan & Scheller-Wolf 2008, *Now or later: a simple policy for effective dual sourcing in
  capacitated systems*, Operations Research 56(4)): expedite ``z_e − IP_e`` (if positive), then order
  ``z_r − (IP + expedited order)`` from the regular source, where IP is the full inventory position.
* Tailored base-surge (Allon & Van Mieghem 2010, *Global dual sourcing: tailored base-surge allocation to near- and
  offshore production*, Management Science 56(1); analysed as a policy by Janakiraman, Seshadri & Sheopuri 2015):
  a constant ``base`` from the far, cheap source every review; a surge order up to ``order_up_to`` on the expedited
  inventory position from the near one.
"""

from __future__ import annotations

from typing import Self

from pydantic import Field, model_validator

from sim.policy.classic import _Periodic
from sim.policy.view import StockView
from sim.registry import EntryParams


def expedited_position(view: StockView, lead: float) -> float:
    """Net stock plus the units on order from every source that are due within ``lead`` periods of now."""
    now = view.now
    return view.on_hand - view.backorders + sum(src.due_within(now, lead) for src in view.sources)


class _TwoSources(EntryParams):
    review_period: float = Field(default=1, gt=0)
    offset: float = Field(default=0, ge=0)


class DualIndex(_Periodic):
    """Periodic review with two order-up-to levels on two inventory positions (see the module docstring)."""

    source_params = ("regular", "expedited")
    expedite_pair = ("regular", "expedited")  # expedite_cost prices the expedited source against the regular one

    class Params(_TwoSources):
        regular: str
        expedited: str
        z_r: float  # order-up-to level of the full inventory position (regular orders)
        z_e: float  # order-up-to level of the expedited inventory position (expedited orders)

        @model_validator(mode="after")
        def _levels(self) -> Self:
            if self.regular == self.expedited:
                raise ValueError(f"regular and expedited must be different sources (both are {self.regular!r})")
            if self.z_e > self.z_r:
                raise ValueError(f"z_e ({self.z_e:g}) must not exceed z_r ({self.z_r:g})")
            return self

    p: Params

    def decide(self, view: StockView) -> dict[str, float]:
        p = self.p
        ip_e = expedited_position(view, view.source(p.expedited).promised)
        q_e = max(p.z_e - ip_e, 0.0)
        q_r = max(p.z_r - (view.inventory_position + q_e), 0.0)
        return {p.expedited: q_e, p.regular: q_r}

    @property
    def target(self) -> float:
        return self.p.z_r


class TailoredBaseSurge(_Periodic):
    """A constant ``base`` from ``base_source`` every review; a surge from ``surge_source`` up to
    ``order_up_to`` on the expedited inventory position (see the module docstring)."""

    source_params = ("base_source", "surge_source")
    expedite_pair = ("base_source", "surge_source")  # expedite_cost prices the surge source against the base one

    class Params(_TwoSources):
        base_source: str
        surge_source: str
        base: float = Field(ge=0)  # units per review from the far, cheap source
        order_up_to: float  # surge level on the expedited inventory position

        @model_validator(mode="after")
        def _two(self) -> Self:
            if self.base_source == self.surge_source:
                raise ValueError(f"base_source and surge_source must differ (both are {self.base_source!r})")
            return self

    p: Params

    def decide(self, view: StockView) -> dict[str, float]:
        p = self.p
        ip_e = expedited_position(view, view.source(p.surge_source).promised)
        return {p.base_source: p.base, p.surge_source: max(p.order_up_to - ip_e, 0.0)}

    @property
    def target(self) -> float:
        return max(self.p.order_up_to, 0.0)
