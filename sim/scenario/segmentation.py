"""Kraljic segments of purchased items (value × supply risk) and segment-driven sourcing rules (docs/sourcing.md).

One implementation for both layers: the scenario side classifies every purchased item from the scenario's expected
demand *before* the run (``expected_rows``; ``segmentation:`` in a scenario then sets the items' policies and sources
by segment, ``apply``), the report side classifies from a run's KPIs (``sim.report.segments``). Both use
``risk_score`` and ``classify``:

* value: annual spend; high when ``≥ value_threshold`` (default: the mean over the items);
* risk: the weighted sum (``weights``, default ``RISK_WEIGHTS``) of indicators in [0, 1]: ``single_source`` (1 with
  one source), ``lead_time_spread`` ((p95 − mean) / mean lead time, capped at 1; the worst source), ``defects``
  (the worst supplier's defect rate / 5 %, capped at 1) and ``region`` (the worst supplier region's
  ``region_risk``, weight 0 unless set); high when ``≥ risk_threshold`` (default 0.5);
* strategic (high, high), leverage (high value, low risk), bottleneck (low value, high risk), routine (low, low).

Pure Python: no SimPy, no pandas (the schema imports this module).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

if TYPE_CHECKING:
    from sim.scenario.schema import Scenario, StockNode

SEGMENT_NAMES = ("strategic", "leverage", "bottleneck", "routine")
SEGMENTS = {
    (True, True): "strategic",
    (True, False): "leverage",
    (False, True): "bottleneck",
    (False, False): "routine",
}
INDICATORS = ("single_source", "lead_time_spread", "defects", "region")
RISK_WEIGHTS = {"single_source": 0.5, "lead_time_spread": 0.25, "defects": 0.25, "region": 0.0}
DEFECTS_FULL_RISK = 0.05  # a defect rate of 5 % counts as the highest quality risk
Z95 = 1.6448536269514722  # p95 − mean of a normal lead time, in standard deviations
# the parameters of a policy kind that are stock levels: a rule's buffer stock is added to them
LEVEL_PARAMS = {
    "base_stock": ("level",),
    "s_S": ("s", "S"),
    "s_Q": ("s",),
    "periodic_order_up_to": ("order_up_to",),
    "periodic_s_S": ("s", "S"),
    "vmi": ("min", "max"),
}

Share = Annotated[float, Field(ge=0, le=1)]
NonNeg = Annotated[float, Field(ge=0)]


def risk_score(indicators: dict[str, float], weights: dict[str, float] | None = None) -> float:
    """The weighted sum of the risk indicators (missing indicators count 0)."""
    w = RISK_WEIGHTS if weights is None else weights
    return sum(indicators.get(k, 0.0) * w.get(k, 0.0) for k in INDICATORS)


def classify(
    values: list[float], risks: list[float], value_threshold: float | None = None, risk_threshold: float = 0.5
) -> list[str]:
    """The segment of each item: high value when value ≥ the threshold (default: the mean value), high risk when
    risk ≥ ``risk_threshold``."""
    if not values:
        return []
    cut = sum(values) / len(values) if value_threshold is None else value_threshold
    return [SEGMENTS[bool(v >= cut), bool(r >= risk_threshold)] for v, r in zip(values, risks, strict=True)]


def defect_risk(rate: float) -> float:
    return min(1.0, rate / DEFECTS_FULL_RISK)


def spread(mean: float, var: float) -> float:
    """Expected (p95 − mean) / mean of a lead time with this mean and variance (normal approximation), capped at 1."""
    return min(1.0, Z95 * math.sqrt(var) / mean) if mean > 0 else 0.0


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class SegmentRule(_Model):
    """What one segment's items get (fields the item writes itself win; docs/sourcing.md, "Segment rules")."""

    policy: str | None = None  # a policy kind, sized per item from its demand and lead time (Policy.size)
    params: dict[str, float] = {}  # fixed parameters: replace the sized values of the same name
    review_period: Annotated[float, Field(gt=0)] = 7.0  # for the sizing of periodic kinds
    safety_factor: float = 1.65
    buffer_periods: NonNeg = 0.0  # buffer stock: ceil(periods × mean demand) added to every stock-level parameter
    sourcing: Literal["as_written", "single", "failover", "split"] = "as_written"
    backup: str | None = None  # the supplier added as second source (failover, split)
    backup_share: Annotated[float, Field(gt=0, lt=1)] = 0.5  # split: the backup's share of every order
    activation_delay: NonNeg = 0.0  # failover
    detection: NonNeg | None = None  # failover

    @field_validator("policy")
    @classmethod
    def _known_kind(cls, kind: str | None) -> str | None:
        from sim.policy.kinds import POLICIES

        if kind is not None and kind not in POLICIES:
            raise ValueError(f"unknown policy kind {kind!r}; known: {', '.join(POLICIES)}")
        return kind

    @model_validator(mode="after")
    def _consistent(self) -> SegmentRule:
        if self.sourcing in ("failover", "split") and self.backup is None:
            raise ValueError(f"sourcing {self.sourcing!r} needs a backup (a supplier id)")
        if self.backup is not None and self.sourcing not in ("failover", "split"):
            raise ValueError("backup: only with sourcing 'failover' or 'split'")
        if self.policy is None and (self.params or self.buffer_periods):
            raise ValueError("params and buffer_periods need a policy kind")
        if self.policy is not None and not self.params and _sized(self.policy, 1.0, 1.0, 1.0, 1.0, 1.0) is None:
            raise ValueError(f"policy {self.policy!r} has no sizing rule; give its params")
        return self


class Segmentation(_Model):
    """``segmentation:`` in a scenario: thresholds, risk weights and one rule per segment."""

    value_threshold: NonNeg | None = None  # expected annual spend; default: the mean over the purchased items
    risk_threshold: Share = 0.5
    weights: dict[str, NonNeg] = dict(RISK_WEIGHTS)
    region_risk: dict[str, Share] = {}  # supplier region -> risk indicator
    rules: dict[str, SegmentRule] = {}
    # node -> product -> segment: written entries pin an item's segment; loading fills in the computed ones, so a
    # loaded scenario's dump loads back to the same scenario
    assigned: dict[str, dict[str, str]] = {}
    # node -> product -> (expected annual spend, risk) as scored from the scenario as written (before the rules
    # change its sources; the segment plot's positions); filled in when loaded, a written entry is kept
    scores: dict[str, dict[str, tuple[float, float]]] = {}

    @field_validator("weights")
    @classmethod
    def _known_indicators(cls, w: dict[str, float]) -> dict[str, float]:
        unknown = sorted(set(w) - set(INDICATORS))
        if unknown:
            raise ValueError(f"unknown risk indicator(s) {', '.join(unknown)}; known: {', '.join(INDICATORS)}")
        return {k: w.get(k, 0.0) for k in INDICATORS}

    @field_validator("rules")
    @classmethod
    def _known_rules(cls, rules: dict[str, SegmentRule]) -> dict[str, SegmentRule]:
        unknown = sorted(set(rules) - set(SEGMENT_NAMES))
        if unknown:
            raise ValueError(f"unknown segment(s) {', '.join(unknown)}; segments: {', '.join(SEGMENT_NAMES)}")
        return rules

    @field_validator("assigned")
    @classmethod
    def _known_segments(cls, assigned: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
        for node, per in assigned.items():
            for sku, seg in per.items():
                if seg not in SEGMENT_NAMES:
                    raise ValueError(f"{node}.{sku}: unknown segment {seg!r}; segments: {', '.join(SEGMENT_NAMES)}")
        return assigned


def _sized(kind: str, mean: float, var: float, lead: float, review: float, z: float) -> dict[str, float] | None:
    from sim.policy.kinds import POLICIES

    try:
        return POLICIES[kind].size(mean, var, lead, review, z)
    except NotImplementedError:
        return None


def _suppliers(sc: Scenario) -> dict[str, Any]:
    from sim.scenario.schema import SupplierNode

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
    from sim.scenario.presets import demand_moments
    from sim.scenario.schema import StockNode

    seg = seg or Segmentation()
    moments = demand_moments(sc)
    suppliers = _suppliers(sc)
    rows = []
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
    from sim.scenario.presets import demand_moments, lead_time
    from sim.scenario.schema import Source, StockNode

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
    moments = demand_moments(sc)
    suppliers = _suppliers(sc)
    nodes = []
    for i, node in enumerate(sc.nodes):
        where = f"nodes[{i}] (id: {node.id})"
        mine = assigned.get(node.id) if isinstance(node, StockNode) else None
        if not mine:
            nodes.append(node)
            continue
        data = node.model_dump(by_alias=True, exclude_defaults=True)
        for sku, segment in mine.items():
            rule = seg.rules.get(segment)
            if rule is None:
                if sku not in node.policy:
                    problems.append(
                        f"{where}.policy.{sku}: missing, and segment {segment!r} has no rule "
                        f"(segmentation.rules.{segment})"
                    )
                continue
            srcs = list(node.sources[sku])
            if sku not in node.sourcing and rule.sourcing != "as_written":
                srcs, sourcing, msg = _resolve_sources(sc, node, sku, srcs, rule, suppliers, Source)
                if msg:
                    problems.append(f"segmentation.rules.{segment}.backup: {msg} (for {node.id}/{sku})")
                    continue
                data.setdefault("sources", {})[sku] = [s.model_dump(exclude_defaults=True) for s in srcs]
                if sourcing is not None:
                    data.setdefault("sourcing", {})[sku] = sourcing
            if sku in node.policy:
                continue
            if rule.policy is None:
                problems.append(
                    f"{where}.policy.{sku}: missing, and segment {segment!r}'s rule sets no policy "
                    f"(segmentation.rules.{segment}.policy)"
                )
                continue
            mean, var = moments[node.id, sku]
            # failover plans on the primary alone (the backup is a standby), a split on the share-weighted sources
            sizing_srcs = [srcs[0].model_copy(update={"share": 1.0})] if rule.sourcing == "failover" else srcs
            lead = lead_time(sc, node.model_copy(update={"sources": {sku: sizing_srcs}}), sku)
            chosen = _sized(rule.policy, mean, var, lead, rule.review_period, rule.safety_factor) or {}
            chosen.update(rule.params)
            buffer = math.ceil(rule.buffer_periods * mean - 1e-9)
            for name in LEVEL_PARAMS.get(rule.policy, ()):
                if name in chosen and buffer:
                    chosen[name] += buffer
            data.setdefault("policy", {})[sku] = {"kind": rule.policy, **chosen}
        try:
            nodes.append(StockNode.model_validate(data))
        except ValueError as exc:
            problems.append(f"{where}: the segment rules give an invalid item: {exc}")
            nodes.append(node)
    return nodes, resolved, problems


def _unknown_assigned(sc: Scenario, seg: Segmentation) -> list[str]:
    from sim.scenario.schema import StockNode

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
    from sim.scenario.schema import _can_supply

    if not _can_supply(suppliers[backup], sku, []):
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
