"""The strategy registries, filled here by name: the ordering policies (``POLICIES``, a scenario's ``kind``) and the
sourcing rules (``SOURCING``, a scenario's ``rule``), and the specs that select them in a scenario.

A scenario names behaviour; it never names a Python object. Your own policy or rule joins with
``POLICIES.register("my_policy")(MyPolicy)`` (or as a decorator) before the scenario is loaded.
"""

from __future__ import annotations

from typing import ClassVar

from sim.policy.base import Policy
from sim.policy.classic import BaseStock, MinMax, OrderUpTo, PeriodicMinMax, ReorderPointQuantity
from sim.policy.dual_sourcing import DualIndex, TailoredBaseSurge
from sim.policy.forecasting import ForecastOrderUpTo, PassThrough, Sterman
from sim.policy.sourcing import FixedSplit, SourcingRule
from sim.policy.sourcing_rules import Expedite, Failover, VolumeTrigger
from sim.policy.vmi import VendorManaged
from sim.registry import Registry, Spec

POLICIES: Registry[type[Policy]] = Registry("policy", "kind")
for _name, _policy in {
    "base_stock": BaseStock,
    "s_S": MinMax,
    "s_Q": ReorderPointQuantity,
    "periodic_order_up_to": OrderUpTo,
    "periodic_s_S": PeriodicMinMax,
    "forecast_order_up_to": ForecastOrderUpTo,
    "sterman": Sterman,
    "pass_through": PassThrough,
    "dual_index": DualIndex,
    "base_surge": TailoredBaseSurge,
    "vmi": VendorManaged,
}.items():
    POLICIES.register(_name)(_policy)

SOURCING: Registry[type[SourcingRule]] = Registry("sourcing rule", "rule")
for _name, _rule in {
    "fixed_split": FixedSplit,
    "failover": Failover,
    "volume_trigger": VolumeTrigger,
    "expedite": Expedite,
}.items():
    SOURCING.register(_name)(_rule)


class PolicySpec(Spec):
    """A policy as written in a scenario: ``{kind: <name>, <param>: <value>, ...}``."""

    registry: ClassVar[Registry[type[Policy]]] = POLICIES
    kind: str

    def named_sources(self) -> dict[str, str]:
        """{parameter: source key} for the parameters that name a source (checked against the item's sources)."""
        return {k: getattr(self._params, k) for k in self.entry.source_params}

    def negative_levels(self) -> dict[str, float]:
        """{parameter: value} for the reorder levels set below 0 (allowed only where demand is backordered)."""
        return {k: getattr(self._params, k) for k in self.entry.signed_params if getattr(self._params, k) < 0}

    def build(self) -> Policy:
        """A fresh policy object (policies may keep state, e.g. a forecast)."""
        policy: type[Policy] = self.entry
        return policy(self._params)


class SourcingSpec(Spec):
    """A sourcing rule as written in a scenario: ``{rule: <name>, <param>: <value>, ...}``."""

    registry: ClassVar[Registry[type[SourcingRule]]] = SOURCING
    rule: str = "fixed_split"

    def named_sources(self) -> dict[str, str]:
        """{parameter: source key} for the parameters that name a source (checked against the item's sources)."""
        return {k: getattr(self._params, k) for k in self.entry.source_params}

    def build(self) -> SourcingRule:
        rule: type[SourcingRule] = self.entry
        return rule(self._params)
