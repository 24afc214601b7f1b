"""Kraljic segments of purchased items (value × supply risk) and segment-driven sourcing rules (docs/sourcing.md).

One implementation for both layers: the scenario side classifies every purchased item from the scenario's expected
demand *before* the run (``expected_rows``; ``segmentation:`` in a scenario then sets the items' policies and sources
by segment: sim.scenario.segment_rules), the report side classifies from a run's KPIs (``sim.report.segments``).
Both use ``risk_score`` and ``classify`` (here, with the settings' models):

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
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from sim.policy.kinds import POLICIES

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
        if self.policy is not None and not self.params and sized(self.policy, 1.0, 1.0, 1.0, 1.0, 1.0) is None:
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


def sized(kind: str, mean: float, var: float, lead: float, review: float, z: float) -> dict[str, float] | None:
    """A policy kind's parameters sized for one item, or None when the kind has no sizing rule."""

    try:
        return POLICIES[kind].size(mean, var, lead, review, z)
    except NotImplementedError:
        return None
