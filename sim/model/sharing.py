"""Information sharing: point-of-sale (end-customer) demand fed to the policies of upstream nodes.

A policy with ``information: shared`` forecasts from the end-customer demand of its product downstream of its node
instead of the orders it receives (Chen et al. 2000's centralised demand information). The feed is the
share-weighted sum of the customer demand of every customer-facing item below it (a retailer's feed is its own
customer demand), read from the items' per-period records, so it has no order or shipping delay: a review at t sees
the completed periods ``< t``, like its own demand history.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, cast

from sim.scenario.schema import StockNode

if TYPE_CHECKING:
    from sim.model.actors import Actors
    from sim.policy.forecasting import Feed


class PerPeriod(Protocol):
    """A per-period record read by period index (an item's flow row: an ``array('d')`` or a memoryview of one)."""

    def __getitem__(self, t: int, /) -> float: ...


class _Shared(Protocol):
    """A policy that can forecast from a point-of-sale feed (``information: shared``; sim.policy.forecasting)."""

    pos: Feed | None


class PosFeed:
    """Per-period end-customer demand of a set of items, each with a weight (its share of the path to them)."""

    def __init__(self, sources: list[tuple[PerPeriod, float]]) -> None:
        self.sources = sources

    def __call__(self, start: int, end: int) -> list[float]:
        return [sum(w * a[t] for a, w in self.sources) for t in range(start, end)]


def downstream(chain: Actors, node: str, sku: str) -> dict[str, float]:
    """Customer-facing nodes below (and including) ``node`` for ``sku``, with the product of the shares on the way."""
    children: dict[str, list[tuple[str, float]]] = {}
    for n in chain.scenario.nodes:
        if isinstance(n, StockNode):
            for s in n.sources.get(sku, []):
                children.setdefault(s.node, []).append((n.id, s.share))
    found: dict[str, float] = {}

    def walk(at: str, weight: float) -> None:
        item = chain.items.get((at, sku))
        if item is not None and item.customer_facing:
            found[at] = found.get(at, 0.0) + weight
        for child, share in children.get(at, []):
            walk(child, weight * share)

    walk(node, 1.0)
    return found


def connect(chain: Actors) -> None:
    """Give every policy with ``information: shared`` its end-customer demand feed."""
    for (node, sku), item in chain.items.items():
        pol = item.policy
        if pol is None or getattr(pol.p, "information", "local") != "shared":
            continue
        below = downstream(chain, node, sku)
        for n in below:  # the feed keeps their customer rows: they must be the items' own for the whole run
            chain.items[n, sku].split_customer_rows()
        cast(_Shared, pol).pos = PosFeed([(chain.items[n, sku].cust_demand, w) for n, w in below.items()])
