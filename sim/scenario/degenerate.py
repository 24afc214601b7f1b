"""Degenerate but valid scenarios: what loading warns about (``sim.errors.warn``), each message naming the field, what
is degenerate and what happens. The run goes on; docs/scenarios.md lists the warnings.

- a distribution censored at zero whose mean is not the one written (a ``normal`` with a mean below ~1.75 sd, a time
  pattern whose level or noise reaches below 0: its quantities are floored at 0), by more than
  ``CENSORING_TOLERANCE``;
- a promotion or a demand step wholly outside the horizon (it never happens);
- a product that no node stocks (it has no KPIs);
- segmentation risk weights that are all zero, or add up to less than the risk threshold (no item can be high risk);
- a consolidating lane none of whose dispatch rules fires within the horizon (no container leaves);
- a periodic review whose first review is not before the horizon (the item never orders).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel

from sim.errors import warn
from sim.policy.kinds import PolicySpec, SourcingSpec
from sim.registry import Spec
from sim.scenario.demand import DemandSpec
from sim.scenario.distributions import Dist, censored_mean, censoring_differs
from sim.scenario.schema import Product, Scenario, Source, StockNode
from sim.scenario.segmentation import Segmentation


def warn_all(sc: Scenario) -> None:
    """Warn once per degenerate element of a validated scenario (see the module docstring)."""
    for message in messages(sc):
        warn(message)


def messages(sc: Scenario) -> list[str]:
    """The warnings of a validated scenario, in scenario order."""
    out = []
    for path, value in _walk(sc, ""):
        if isinstance(value, Dist):
            out += _censored_dist(path, value)
        elif isinstance(value, DemandSpec):
            out += _demand(path, value, sc.horizon)
    return out + _unstocked(sc) + _segmentation(sc) + _no_departure(sc) + _late_reviews(sc)


def _walk(value: Any, path: str) -> Iterator[tuple[str, Dist | DemandSpec]]:
    """Every distribution and demand spec under ``value`` (in lists and mappings too) with its field path as a
    message writes it (list items named by their ``id``); a spec's parameters sit next to its ``kind`` or ``dist``, at
    the spec's path. Scalars and containers of scalars are skipped (a big network has ~10^5 of them)."""
    if isinstance(value, Dist | DemandSpec):
        yield path, value
    if isinstance(value, NO_DISTRIBUTIONS):  # nothing censored inside (the tests check): skip a big network's
        return  # thousands of policies and sources
    for item, suffix in _children(value):
        if _nested(item):
            if suffix.startswith("["):  # a list item: named by its id
                ident = vars(item).get("id") if isinstance(item, BaseModel) else None  # (getattr: slow on a miss)
                suffix += f" (id: {ident})" if isinstance(ident, str) else ""
            yield from _walk(item, path + suffix if path else suffix.lstrip("."))


def _children(value: Any) -> Iterator[tuple[Any, str]]:
    """(child, how its path continues) of a model, a spec (its parameters), a list or a mapping."""
    if isinstance(value, Spec):
        yield value.params, ""
    elif isinstance(value, BaseModel):
        for name, field in type(value).model_fields.items():
            yield getattr(value, name), f".{field.alias or name}"
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            yield item, f"[{i}]"
    elif isinstance(value, dict):
        for key, item in value.items():
            yield item, f".{key}"


# models that hold no distribution or demand spec at any depth (tests/scenario/test_degenerate.py checks)
NO_DISTRIBUTIONS = (PolicySpec, SourcingSpec, Source, Segmentation, Product)


def _nested(value: Any) -> bool:
    """A model, or a non-empty list or mapping whose first item may hold one (a scenario's lists and mappings hold
    one kind of item each)."""
    if isinstance(value, BaseModel):
        return True
    if isinstance(value, list | tuple):
        return bool(value) and _nested(value[0])
    if isinstance(value, dict):
        return bool(value) and _nested(next(iter(value.values())))
    return False


def _censored_dist(path: str, dist: Dist) -> list[str]:
    found = dist.censored
    if found is None or not censoring_differs(*found):
        return []
    mu, sd = found
    return [
        f"{path}: {dist.dist} with mean {mu:g} and sd {sd:g} is censored at 0 (a negative draw becomes 0): its mean "
        f"is {censored_mean(mu, sd):.4g}, not {mu:g} as written; give a mean well above the sd (>= 1.75 sd) or "
        "another distribution"
    ]


def _demand(path: str, spec: DemandSpec, horizon: int) -> list[str]:
    kind, params = spec.entry, spec.params
    out = [f"{path}.{why}" for why in kind.beyond(params, horizon)]
    found = kind.censored(params, horizon)
    if found is not None and censoring_differs(*found):
        low, sd = found
        if sd == 0:
            out.append(
                f"{path}: the {spec.kind} level falls to {low:g} within the horizon ({horizon}), and demand is floored "
                "at 0: where the level is below 0 demand is 0, not the level written"
            )
        else:
            out.append(
                f"{path}: {spec.kind} demand is floored at 0: where its level is lowest ({low:g}), a spread of sd "
                f"{sd:.4g} makes its mean {censored_mean(low, sd):.4g}, not {low:g} as written; keep the level well "
                "above the spread (>= 1.75 sd)"
            )
    return out


def _unstocked(sc: Scenario) -> list[str]:
    stocked = {sku for n in sc.nodes if isinstance(n, StockNode) for sku in n.products}
    return [
        f"products[{i}] (id: {p.id}): no node stocks it (no policy, source, demand or initial stock names it); it "
        "has no KPIs"
        for i, p in enumerate(sc.products)
        if p.id not in stocked
    ]


def _segmentation(sc: Scenario) -> list[str]:
    seg = sc.segmentation
    if seg is None:
        return []
    total = sum(seg.weights.values())
    if total == 0:
        who = "every item is high risk" if seg.risk_threshold == 0 else "no item is high risk"
        return [f"segmentation.weights: all zero, so every item's risk score is 0: {who}"]
    if total < seg.risk_threshold:
        return [
            f"segmentation.risk_threshold: {seg.risk_threshold:g} is above the most a risk score can be (the weights "
            f"add up to {total:g}): no item is high risk"
        ]
    return []


def _no_departure(sc: Scenario) -> list[str]:
    out = []
    for i, ln in enumerate(sc.lanes):
        block = ln.consolidation
        if block is None or "when_full" in block.dispatch:
            continue
        sails = block.every is not None and block.offset < sc.horizon
        waits = block.max_wait is not None and block.max_wait < sc.horizon
        if not (sails or waits):
            out.append(
                f"lanes[{i}] (id: {ln.id}).consolidation: no dispatch rule fires before the horizon ({sc.horizon}): "
                "no container leaves"
            )
    return out


def _late_reviews(sc: Scenario) -> list[str]:
    out = []
    for i, node in enumerate(sc.nodes):
        if not isinstance(node, StockNode):
            continue
        for sku, spec in node.policy.items():
            fields = vars(spec.params)  # (getattr with a default is slow on a pydantic model without the field)
            offset = fields.get("offset") or 0
            if fields.get("review_period") is not None and offset >= sc.horizon:
                out.append(
                    f"nodes[{i}] (id: {node.id}).policy.{sku}.offset: the first review (period {offset:g}) is not "
                    f"before the horizon ({sc.horizon}): {sku!r} is never reordered there"
                )
    return out
