"""Sourcing rules: how a stock item splits an order total over its sources (the registry ``SOURCING``).

A rule answers one question, ``split(total, sources) -> [(source, units), ...]``. ``fixed_split`` (each source gets
its ``share``) is the default and today's only entry; failover, volume triggers and other rules register here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, ConfigDict, PrivateAttr, model_validator

from sim.scenario.registry import Registry

if TYPE_CHECKING:
    from sim.model.buffer import SourceLink


class SourcingRule:
    Params: ClassVar[type[BaseModel]]

    def __init__(self, p: Any = None) -> None:
        self.p = p

    def split(self, total: float, sources: list[SourceLink]) -> list[tuple[SourceLink, float]]:
        raise NotImplementedError  # pragma: no cover - protocol


SOURCING: Registry[type[SourcingRule]] = Registry("sourcing rule", "rule")


@SOURCING.register("fixed_split")
class FixedSplit(SourcingRule):
    """Every order goes to every source, ``share`` of the units each (shares sum to 1: checked by the schema)."""

    class Params(BaseModel):
        model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    def split(self, total, sources):
        if len(sources) == 1:
            return [(sources[0], total)]  # share 1 (the common case, without the multiplication)
        return [(src, total * src.share) for src in sources]


class SourcingSpec(BaseModel):
    """A sourcing rule as written in a scenario: ``{rule: <name>, <param>: <value>, ...}``."""

    model_config = ConfigDict(extra="allow", frozen=True)
    rule: str = "fixed_split"
    _params: BaseModel = PrivateAttr()

    @model_validator(mode="after")
    def _resolve(self) -> SourcingSpec:
        _, self._params = SOURCING.validate({"rule": self.rule, **(self.model_extra or {})})
        return self

    def build(self) -> SourcingRule:
        return SOURCING[self.rule](self._params)
