"""Every item's sources: a policy per sourced product (and a source per policy), shares that sum to 1, known
upstream nodes that carry the product, a lane to use, and the sources that policies and sourcing rules name."""

from __future__ import annotations

from sim.policy.kinds import POLICIES
from sim.scenario.schema import Scenario, Source, StockNode, source_keys


def of_item(sc: Scenario, where: str, node: StockNode, sku: str, srcs: list[Source], segmented: bool) -> list[str]:
    """``segmented``: a missing policy is not an error yet (a segment rule may set it)."""
    errs = []
    path = f"{where}.sources.{sku}"
    if sku not in node.policy and not segmented:
        errs.append(f"{where}.policy.{sku}: missing; known policies: {', '.join(POLICIES)}")
    if not srcs:
        return [*errs, f"{path}: needs at least one source"]
    total = sum(s.share for s in srcs)
    if abs(total - 1) > 1e-6:
        errs.append(f"{path}: shares must sum to 1 (they sum to {total:g})")
    for j, s in enumerate(srcs):
        errs += _one_source(sc, f"{path}[{j}]", node, sku, s)
    keys = source_keys(srcs)
    return errs + [f"{where}.{msg}" for msg in _named_sources(node, sku, keys)] + _standbys(path, node, sku, srcs, keys)


def _standbys(path: str, node: StockNode, sku: str, srcs: list[Source], keys: list[str]) -> list[str]:
    """A source with share 0 is a standby: only a sourcing rule or policy that names it (a failover's backup, ...)
    orders from it."""
    named = {
        k for spec in (node.policy.get(sku), node.sourcing.get(sku)) if spec for k in spec.named_sources().values()
    }
    return [
        f"{path}[{j}].share: 0 makes {key!r} a standby, but nothing orders from it; name it in a sourcing rule "
        "(e.g. sourcing: {rule: failover, primary: ..., backup: " + key + "}) or give it a share > 0"
        for j, (s, key) in enumerate(zip(srcs, keys, strict=True))
        if s.share == 0 and key not in named
    ]


def policies_have_sources(where: str, node: StockNode) -> list[str]:
    return [
        f"{where}.sources.{sku}: a policy for {sku!r} needs at least one source"
        for sku in node.policy
        if sku not in node.sources and sku not in node.made  # a plant's finished goods: replenished by production
    ]


def _one_source(sc: Scenario, at: str, node: StockNode, sku: str, s: Source) -> list[str]:
    by_id = {n.id: n for n in sc.nodes}
    if s.node not in by_id:
        return [f"{at}.node: unknown node {s.node!r}; known nodes: {', '.join(sorted(by_id))}"]
    if s.node == node.id:
        return [f"{at}.node: a node can't source from itself"]
    errs = _lane_of(sc, at, node, s)
    if not by_id[s.node].carries(sku):
        errs.append(f"{at}.node: {s.node!r} does not carry {sku!r}")
    times = getattr(by_id[s.node], "production_time", None)
    if isinstance(times, dict) and sku not in times:
        errs.append(f"{at}.node: {s.node!r} has no production_time for {sku!r} (it has: {', '.join(times) or 'none'})")
    return errs


def _lane_of(sc: Scenario, at: str, node: StockNode, s: Source) -> list[str]:
    """The source's lane: the named one runs from the source to the node; else exactly one lane does."""
    lane_ids = {ln.id: ln for ln in sc.lanes}
    pair = [ln.id for ln in sc.lanes if (ln.from_, ln.to) == (s.node, node.id)]
    if s.lane is not None:
        ln = lane_ids.get(s.lane)
        if ln is None:
            return [f"{at}.lane: unknown lane {s.lane!r}; known lanes: {', '.join(lane_ids)}"]
        if (ln.from_, ln.to) != (s.node, node.id):
            return [f"{at}.lane: lane {s.lane!r} runs {ln.from_} -> {ln.to}, not {s.node} -> {node.id}"]
        return []
    if not pair:
        return [f"{at}: no lane from {s.node!r} to {node.id!r}; add it under 'lanes'"]
    if len(pair) > 1:
        return [f"{at}.lane: {s.node!r} -> {node.id!r} has several lanes; name one: {', '.join(pair)}"]
    return []


def _named_sources(node: StockNode, sku: str, keys: list[str]) -> list[str]:
    """Sources a policy or sourcing rule names by parameter (primary, backup, regular, ...) must be the item's."""
    out = []
    specs = [("policy", node.policy.get(sku)), ("sourcing", node.sourcing.get(sku))]
    for field, spec in specs:
        if spec is None:
            continue
        for param, key in spec.named_sources().items():
            if key not in keys:
                out.append(f"{field}.{sku}.{param}: unknown source {key!r}; the sources of {sku!r}: {', '.join(keys)}")
    return out
