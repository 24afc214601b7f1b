"""Disruptions as scenario data (the ``disruptions:`` list) and the resilience settings (``resilience:``).

Each disruption is ``{kind: <name>, <param>: <value>, ...}`` with ``kind`` picked from the registry
:data:`DISRUPTIONS` (never a Python path): loading a scenario can't import code. The SimPy side that plays each kind
lives in ``sim.model.disruption_processes``; docs/disruptions.md describes what happens to orders and goods in each
case.

Times are in periods from t = 0; a window is ``[start, start + duration)``; ``duration: null`` lasts to the horizon.
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from sim.registry import EntryParams, Registry, Spec
from sim.scenario.distributions import Dist
from sim.scenario.ids import Name

# finite numbers only: an infinite start or a NaN probability is a typo, not a scenario
Time = Annotated[float, Field(ge=0, allow_inf_nan=False)]
Duration = Annotated[float, Field(gt=0, allow_inf_nan=False)]
Probability = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
Factor = Annotated[float, Field(ge=0, allow_inf_nan=False)]


class _Window(EntryParams):
    start: Time = 0.0
    duration: Duration | None = None  # None: until the end of the run


class Disruption:
    """Protocol of a registry entry: its ``Params`` and which scenario elements it names (for validation)."""

    Params: ClassVar[type[BaseModel]]
    # the element fields a kind names: "supplier", "lane", "region", "node", "nodes" (checked against the scenario)
    targets: ClassVar[tuple[str, ...]] = ()
    # whether it draws random numbers (from its own stream, keyed by DisruptionSpec.stream_key)
    draws: ClassVar[bool] = False


DISRUPTIONS: Registry[type[Disruption]] = Registry("disruption", "kind")
# the fields that name the one element a disruption hits (a demand shock names ``nodes`` and ``skus`` instead)
TARGET_FIELDS = ("supplier", "lane", "region", "node")


@DISRUPTIONS.register("supplier_outage")
class SupplierOutage(Disruption):
    """A scheduled outage: the supplier is down over the window (nothing made, nothing shipped; orders queue)."""

    class Params(_Window):
        supplier: str

    targets = ("supplier",)


@DISRUPTIONS.register("random_outage")
class RandomOutage(Disruption):
    """An alternating renewal process: up for a ``time_to_failure`` draw, down for a ``repair_time`` draw, again
    and again (exponential draws: MTBF/MTTR). Failures start from ``start`` and stop at ``end`` (None: never)."""

    class Params(EntryParams):
        supplier: str
        time_to_failure: Dist
        repair_time: Dist
        start: Time = 0.0
        end: Time | None = None

        @model_validator(mode="after")
        def _positive_means(self) -> RandomOutage.Params:
            # zero-length cycles would never let time advance
            for field in ("time_to_failure", "repair_time"):
                if not getattr(self, field).mean > 0:
                    raise ValueError(f"{field} must have a mean > 0")
            return self

    targets = ("supplier",)
    draws = True


@DISRUPTIONS.register("markov_outage")
class MarkovOutage(Disruption):
    """A two-state Markov chain per period: an up supplier fails at the start of a period with ``p_fail``, a down
    one recovers with ``p_recover``. Long-run availability: p_recover / (p_fail + p_recover)."""

    class Params(EntryParams):
        supplier: str
        p_fail: Probability
        p_recover: Probability
        start: Time = 0.0
        end: Time | None = None

    targets = ("supplier",)
    draws = True


@DISRUPTIONS.register("capacity_loss")
class CapacityLoss(Disruption):
    """Over the window the supplier's capacity is ``capacity × fraction`` (0: nothing, 0.5: half)."""

    class Params(_Window):
        supplier: str
        fraction: Probability

    targets = ("supplier",)


@DISRUPTIONS.register("lane_closure")
class LaneClosure(Disruption):
    """No departures on the lane over the window: goods handed to it wait and leave, FIFO, when it reopens.
    ``in_transit``: goods already on the way ``continue`` (default) or are ``held`` (stuck in the canal: their
    arrival moves back by the closure's remaining time)."""

    class Params(_Window):
        lane: str
        in_transit: Literal["continue", "held"] = "continue"

    targets = ("lane",)


@DISRUPTIONS.register("lane_slowdown")
class LaneSlowdown(Disruption):
    """Shipments departing in the window take ``factor`` × their transit time draw (the draw itself is unchanged)."""

    class Params(_Window):
        lane: str
        factor: Annotated[float, Field(gt=0, allow_inf_nan=False)]

    targets = ("lane",)


@DISRUPTIONS.register("regional_event")
class RegionalEvent(Disruption):
    """Every supplier in ``region`` is down and every lane tagged with the region or leaving a node in it is
    closed, over the window (one event, geographic concentration)."""

    class Params(_Window):
        region: str
        in_transit: Literal["continue", "held"] = "continue"

    targets = ("region",)


@DISRUPTIONS.register("facility_outage")
class FacilityOutage(Disruption):
    """A stock point (``node``: a buffer, a retailer or a plant) is closed over the window: it ships nothing and
    serves no customer (demand is backordered or lost by the node's ``unmet_demand``, downstream orders are
    backordered); shipments that arrive wait at its door and are received when it reopens; its reviews and orders go
    on. A closed plant also produces nothing (no kit starts; work in progress is held and resumes at reopening)."""

    class Params(_Window):
        node: str

    targets = ("node",)


@DISRUPTIONS.register("demand_shock")
class DemandShock(Disruption):
    """Customer demand × ``multiplier`` over the window at ``nodes`` (default: every stock node with demand) for
    ``skus`` (default: all). The demand draws are the same; only the quantity handed to the node is scaled."""

    class Params(_Window):
        multiplier: Factor
        nodes: list[str] | None = None
        skus: list[str] | None = None

    targets = ("nodes", "skus")


@DISRUPTIONS.register("quality_excursion")
class QualityExcursion(Disruption):
    """Units the supplier ships in the window are defective with probability ``defect_rate``: rejected at receipt
    and reordered from the same source (the reorder queues at the supplier like any order)."""

    class Params(_Window):
        supplier: str
        defect_rate: Annotated[float, Field(ge=0, lt=1, allow_inf_nan=False)]

    targets = ("supplier",)
    draws = True


class DisruptionSpec(Spec):
    """A disruption as written in a scenario: ``{kind: <name>, name: <optional label>, <param>: <value>, ...}``."""

    registry: ClassVar[Registry] = DISRUPTIONS
    kind: str
    name: Name = ""  # a label for reports; default "<kind>:<target>@<start>"

    @property
    def target(self) -> str:
        """What it hits, as text: the supplier, lane, region or facility (a demand shock: its nodes or 'demand')."""
        p = self._params
        for field in TARGET_FIELDS:
            if hasattr(p, field):
                return str(getattr(p, field))
        return ",".join(p.nodes) if getattr(p, "nodes", None) else "demand"

    @property
    def stream_key(self) -> tuple[str, ...]:
        """The key of its random stream (``sim.model.rng.stream(seed, "disruption", *key)``): its kind, what it hits
        and when it starts. Never its name nor its place in the list: the same disruption draws the same numbers
        whether it is written in the scenario or chosen with ``disruption=``, and adding, removing or reordering
        another one leaves its draws alone. Two disruptions that draw (``draws``) with one key are refused
        (sim.scenario.checks.disruptions)."""
        p = self._params
        hit = [str(getattr(p, field)) for field in TARGET_FIELDS if hasattr(p, field)]
        if not hit:  # a demand shock: its nodes and products (None: all)
            hit = [",".join(sorted(getattr(p, field) or ["*"])) for field in ("nodes", "skus")]
        return (self.kind, *hit, repr(float(self.window[0])))

    @property
    def draws(self) -> bool:
        """Whether its kind draws random numbers (``random_outage``, ``markov_outage``, ``quality_excursion``)."""
        return bool(self.entry.draws)

    @property
    def label(self) -> str:
        return self.name or f"{self.kind}:{self.target}@{getattr(self._params, 'start', 0.0):g}"

    @property
    def window(self) -> tuple[float, float | None]:
        """(start, end) of a scheduled disruption (end None: to the horizon); random kinds: (start, end)."""
        p = self._params
        if hasattr(p, "duration"):
            return p.start, None if p.duration is None else p.start + p.duration
        return p.start, p.end


class AlertSettings(BaseModel):
    """The control tower's alerts (early warning, sim.model.warning). Each is off when None / false."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)
    # an affected item whose supply is cut: dependable supply below mean demand over (lead time + this many periods)
    projected_cover: Annotated[float, Field(ge=0, allow_inf_nan=False)] | None = 1.0
    stock_cover_below: Annotated[float, Field(gt=0, allow_inf_nan=False)] | None = None  # periods of on-hand cover
    shipment_late: Annotated[float, Field(ge=0, allow_inf_nan=False)] | None = None  # periods past the due date
    supplier_down: bool = True


class ResilienceSettings(BaseModel):
    """How the resilience KPIs are measured (docs/disruptions.md)."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)
    window: int = Field(14, ge=1)  # periods of the rolling fill rate behind time_to_recover
    tolerance: Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)] = 0.05  # fill-rate gap still "recovered"
    alerts: AlertSettings = AlertSettings()
