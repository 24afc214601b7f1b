"""Sourcing rules: how a stock item splits an order total over its sources (the registry ``SOURCING``).

A rule answers one question, ``split(total, sources) -> [(source, units), ...]``, and gets its stock item once,
before the run, through ``bind(item)`` (the item's clock and event log; Ciw's ``initialise``). ``fixed_split`` (by
units: each source gets its ``share`` of every order; by orders: each order goes whole to one source, so that the
order counts follow the shares) is the default; ``failover``, ``volume_trigger`` and ``expedite`` live in
``sim.policy.sourcing_rules`` (docs/sourcing.md). A rule that names sources in its parameters lists those parameters
in ``source_params``; the schema checks that they name the item's sources.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar, Literal

from pydantic import BaseModel

from sim.policy.view import SourceView, StockView
from sim.registry import EntryParams


class RuleParams(EntryParams):
    """Parameters of a sourcing rule."""


class SourcingRule:
    Params: ClassVar[type[BaseModel]]
    source_params: ClassVar[tuple[str, ...]] = ()  # parameters that name a source of the item

    def __init__(self, p: Any = None) -> None:
        self.p = p
        self.item: StockView | None = None

    def bind(self, item: StockView) -> None:
        """Called once before the run with the stock item the rule serves."""
        self.item = item

    def split(self, total: float, sources: Sequence[SourceView]) -> list[tuple[SourceView, float]]:
        """``[(source, units), ...]``: where an order of ``total`` units goes (sources from ``sources`` or the bound
        item's ``source(key)``)."""
        raise NotImplementedError  # pragma: no cover - protocol


class FixedSplit(SourcingRule):
    """``by: units`` (default): every order goes to every source, ``share`` of the units each. ``by: orders``: each
    order goes whole to one source, the one furthest behind its share of the orders so far (ties: the first listed),
    so after n orders source j has had ``share_j × n`` of them, up to less than one order."""

    class Params(RuleParams):
        by: Literal["units", "orders"] = "units"

    p: Params

    def __init__(self, p: Any = None) -> None:
        super().__init__(p if p is not None else self.Params())
        self.counts: list[int] = []  # orders sent to each source (by: orders)

    def split(self, total: float, sources: Sequence[SourceView]) -> list[tuple[SourceView, float]]:
        if len(sources) == 1:
            return [(sources[0], total)]  # share 1 (the common case, without the multiplication)
        if self.p.by == "units":
            return [(src, total * src.share) for src in sources if src.share > 0]  # a 0 share: a standby
        if not self.counts:
            self.counts = [0] * len(sources)
        n = sum(self.counts) + 1
        j = max(range(len(sources)), key=lambda i: (sources[i].share * n - self.counts[i], -i))
        self.counts[j] += 1
        return [(sources[j], total)]
