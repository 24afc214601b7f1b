"""Segment rules applied at load (``segmentation:`` in a scenario; docs/sourcing.md): every purchased item is
classified from the scenario's expected demand (:func:`expected_rows`), then its segment's rule sets the policy and
sources the item does not write itself (:func:`apply`). The scoring is sim.scenario.segmentation's."""

from __future__ import annotations

import math
from typing import Any

from sim.scenario.moments import demand_moments, lead_time
from sim.scenario.schema import Scenario, Source, StockNode, SupplierNode
from sim.scenario.segmentation import (
    LEVEL_PARAMS,
    Segmentation,
    SegmentRule,
    classify,
    defect_risk,
    risk_score,
    sized,
    spread,
)


def _suppliers(sc: Scenario) -> dict[str, Any]:

    return {n.id: n for n in sc.nodes if isinstance(n, SupplierNode)}


def _price(sc: Scenario, src: Any, supplier: Any, sku: str) -> float:
    """The source's price: its own, else the supplier's, else the product's (as sim.model.network prices it)."""
    if src.unit_cost is not None:
        return src.unit_cost
    return supplier.unit_cost if supplier.unit_cost is not None else sc.product(sku).unit_cost


def _lead_moments(sc: Scenario, node_id: str, sku: str, src: Any, supplier: Any) -> tuple[float, float]:
    made = supplier.production_time_of(sku)
    transit = sc.lane(src.node, node_id, src.lane).transit
    return src.order_delay + made.mean + transit.mean, made.var + transit.var


def expected_rows(sc: Scenario, seg: Segmentation | None = None) -> list[dict[str, Any]]:
    """One row per purchased item (a stock item with a supplier among its sources), in scenario order, from the
    scenario alone: ``annual_spend`` = mean demand per period × the supplier sources' share-weighted price × periods
    a year; the risk indicators (``lead_time_spread`` from the lead time's mean and variance, normal approximation
    of the p95), ``risk`` and ``segment``."""
    seg = seg or Segmentation()
    moments = demand_moments(sc)
    suppliers = _suppliers(sc)
    rows: list[dict[str, Any]] = []
    for node in sc.nodes:
        if not isinstance(node, StockNode):
            continue
        for sku, srcs in node.sources.items():
            bought = [(s, suppliers[s.node]) for s in srcs if s.node in suppliers]
            if not bought:
                continue
            price = sum(s.share * _price(sc, s, sup, sku) for s, sup in bought)
            spreads = [spread(*_lead_moments(sc, node.id, sku, s, sup)) for s, sup in bought]
            ind = {
                "single_source": float(len(srcs) == 1),
                "lead_time_spread": max(spreads),
                "defects": defect_risk(max(sup.defect_rate for _, sup in bought)),
                "region": max(seg.region_risk.get(sup.region, 0.0) for _, sup in bought),
            }
            rows.append(
                {
                    "node": node.id,
                    "sku": sku,
                    "suppliers": ", ".join(sup.id for _, sup in bought),
                    "annual_spend": moments[node.id, sku][0] * price * sc.periods_per_year,
                    **ind,
                    "risk": risk_score(ind, seg.weights),
                }
            )
    segments = classify(
        [r["annual_spend"] for r in rows], [r["risk"] for r in rows], seg.value_threshold, seg.risk_threshold
    )
    for r, s in zip(rows, segments, strict=True):
        r["segment"] = seg.assigned.get(r["node"], {}).get(r["sku"], s)
    return rows


def apply(sc: Scenario) -> tuple[list[Any], Segmentation, list[str]]:
    """The scenario's nodes with the segment rules applied, the segmentation with every purchased item's segment and
    scores filled in, and the problems found.

    Per item, the rule of its segment sets what the item does not write itself: a written ``policy`` wins over the
    rule's policy (and its buffer stock), a written ``sourcing`` rule keeps the written sources and sourcing (the
    rule's ``sourcing``/``backup`` are not applied)."""
    seg: Segmentation = sc.segmentation  # type: ignore[assignment]
    problems = _unknown_assigned(sc, seg)
    rows = expected_rows(sc, seg)
    assigned: dict[str, dict[str, str]] = {}
    scores: dict[str, dict[str, tuple[float, float]]] = {}
    for r in rows:
        assigned.setdefault(r["node"], {})[r["sku"]] = r["segment"]
        old = seg.scores.get(r["node"], {}).get(r["sku"])
        scores.setdefault(r["node"], {})[r["sku"]] = old if old is not None else (r["annual_spend"], r["risk"])
    resolved = seg.model_copy(update={"assigned": assigned, "scores": scores})
    if problems:
        return list(sc.nodes), resolved, problems
    derived = (demand_moments(sc), _suppliers(sc))  # computed once for every item
    nodes = []
    for i, node in enumerate(sc.nodes):
        mine = assigned.get(node.id) if isinstance(node, StockNode) else None
        if not mine:
            nodes.append(node)
            continue
        assert isinstance(node, StockNode)
        where = f"nodes[{i}] (id: {node.id})"
        data = node.model_dump(by_alias=True, exclude_defaults=True)
        for sku, segment in mine.items():
            problems += _apply_rule(sc, where, node, sku, segment, data, derived)
        try:
            nodes.append(StockNode.model_validate(data))
        except ValueError as exc:
            problems.append(f"{where}: the segment rules give an invalid item: {exc}")
            nodes.append(node)
    return nodes, resolved, problems


def _apply_rule(
    sc: Scenario,
    where: str,
    node: StockNode,
    sku: str,
    segment: str,
    data: dict[str, Any],
    derived: tuple[dict[tuple[str, str], tuple[float, float]], dict[str, Any]],
) -> list[str]:
    """Write into ``data`` (the node as data) what ``segment``'s rule sets for item ``sku``; the problems found.
    ``derived``: the scenario's demand moments and suppliers."""
    moments, suppliers = derived
    seg: Segmentation = sc.segmentation  # type: ignore[assignment]
    rule = seg.rules.get(segment)
    if rule is None:
        if sku in node.policy:
            return []
        return [f"{where}.policy.{sku}: missing, and segment {segment!r} has no rule (segmentation.rules.{segment})"]
    srcs = list(node.sources[sku])
    if sku not in node.sourcing and rule.sourcing != "as_written":
        srcs, sourcing, msg = _resolve_sources(sc, node, sku, srcs, rule, suppliers, Source)
        if msg:
            return [f"segmentation.rules.{segment}.backup: {msg} (for {node.id}/{sku})"]
        data.setdefault("sources", {})[sku] = [s.model_dump(exclude_defaults=True) for s in srcs]
        if sourcing is not None:
            data.setdefault("sourcing", {})[sku] = sourcing
    if sku in node.policy:
        return []
    if rule.policy is None:
        return [
            f"{where}.policy.{sku}: missing, and segment {segment!r}'s rule sets no policy "
            f"(segmentation.rules.{segment}.policy)"
        ]
    data.setdefault("policy", {})[sku] = _rule_policy(sc, node, sku, srcs, rule, moments[node.id, sku])
    return []


def _rule_policy(
    sc: Scenario, node: StockNode, sku: str, srcs: list[Source], rule: SegmentRule, moments: tuple[float, float]
) -> dict[str, Any]:
    """The rule's policy for the item, sized like the presets (plus the rule's buffer stock on its levels)."""
    assert rule.policy is not None
    mean, var = moments
    # failover plans on the primary alone (the backup is a standby), a split on the share-weighted sources
    sizing_srcs = [srcs[0].model_copy(update={"share": 1.0})] if rule.sourcing == "failover" else srcs
    lead = lead_time(sc, node.model_copy(update={"sources": {sku: sizing_srcs}}), sku)
    chosen = sized(rule.policy, mean, var, lead, rule.review_period, rule.safety_factor) or {}
    chosen.update(rule.params)
    buffer = math.ceil(rule.buffer_periods * mean - 1e-9)
    for name in LEVEL_PARAMS.get(rule.policy, ()):
        if name in chosen and buffer:
            chosen[name] += buffer
    return {"kind": rule.policy, **chosen}


def _unknown_assigned(sc: Scenario, seg: Segmentation) -> list[str]:

    out = []
    stock = {n.id: n for n in sc.nodes if isinstance(n, StockNode)}
    for node, per in seg.assigned.items():
        if node not in stock:
            out.append(f"segmentation.assigned: unknown stock node {node!r}; stock nodes: {', '.join(stock)}")
            continue
        for sku in per:
            if sku not in stock[node].sources:
                out.append(
                    f"segmentation.assigned.{node}: {sku!r} is not bought there; its products: "
                    f"{', '.join(stock[node].sources)}"
                )
    return out


def _resolve_sources(
    sc: Scenario, node: StockNode, sku: str, srcs: list, rule: SegmentRule, suppliers: dict, source_cls: type
) -> tuple[list, dict | None, str]:
    """The item's sources and sourcing rule under ``rule.sourcing`` (``single``, ``failover``, ``split``)."""
    if rule.sourcing == "single":
        return [srcs[0].model_copy(update={"share": 1.0})], None, ""
    backup = rule.backup
    if backup not in suppliers:
        return srcs, None, f"unknown supplier {backup!r}; suppliers: {', '.join(suppliers)}"

    if not suppliers[backup].carries(sku):
        return srcs, None, f"{backup!r} does not carry {sku!r}"
    lanes = [ln.id for ln in sc.lanes if ln.from_ == backup and ln.to == node.id]
    if not lanes:
        return srcs, None, f"no lane from {backup!r} to {node.id!r}; add it under 'lanes'"
    primary = srcs[0].node if srcs[0].node != backup else None
    kept = [s for s in srcs if s.node != backup]
    if primary is None or not kept:
        return srcs, None, f"{backup!r} is the item's only source already"
    share = rule.backup_share
    new = [s.model_copy(update={"share": s.share / sum(k.share for k in kept) * (1 - share)}) for s in kept]
    new.append(source_cls(node=backup, share=share, lane=lanes[0] if len(lanes) > 1 else None))
    if rule.sourcing == "split":
        return new, None, ""
    keys = [s.lane if s.lane and [x.node for x in new].count(s.node) > 1 else s.node for s in new]
    failover = {"rule": "failover", "primary": keys[0], "backup": keys[-1], "activation_delay": rule.activation_delay}
    if rule.detection is not None:
        failover["detection"] = rule.detection
    return new, failover, ""
