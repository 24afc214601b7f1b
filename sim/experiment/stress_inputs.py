"""What the stress test accepts, checked before anything runs: its settings (the ``stress`` config group), the
arguments of ``run_stress``, and an outage window that leaves the run time to show a recovery.

The window rule (docs/disruptions.md): the run must go on for at least ``resilience.window`` periods after the
outage ends. Otherwise the rolling fill rate behind ``time_to_recover`` can't come back before the run stops: every
element that loses service would show the rest of the run as its recovery time and count as critical, a ranking that
means nothing. Such a stress test is refused with the numbers to change (``stress.duration``, ``stress.start``,
``stress.tail`` or the horizon); an outage is never silently cut at the horizon.
"""

from __future__ import annotations

import math
import reprlib
from collections.abc import Callable, Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from sim.errors import ArgumentError, ConfigError, settings_error
from sim.experiment.monte_carlo import MCSettings
from sim.experiment.paired import METRICS
from sim.scenario.schema import Scenario

ElementKind = Literal["suppliers", "lanes", "regions", "facilities"]


class StressSettings(BaseModel):
    """The ``stress`` config group (conf/config.yaml documents each key)."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)
    duration: float = Field(28.0, gt=0, allow_inf_nan=False)
    start: float | None = Field(None, ge=0, allow_inf_nan=False)
    elements: list[ElementKind] = ["suppliers", "lanes", "regions", "facilities"]
    rank_by: str = "revenue_at_risk"
    min_replications: int = Field(20, ge=2)
    round_size: int = Field(20, ge=1)
    precision: float = Field(0.05, gt=0, allow_inf_nan=False)
    top: int = Field(5, ge=1)
    tail: int | None = Field(None, ge=0)

    @field_validator("rank_by")
    @classmethod
    def _rank_by(cls, v: str) -> str:
        if v not in METRICS:
            raise ValueError(f"unknown metric {v!r}; allowed: {', '.join(METRICS)}")
        return v

    @classmethod
    def from_config(cls, cfg: Mapping[str, Any]) -> StressSettings:
        try:
            return cls.model_validate(dict(cfg))
        except ValidationError as exc:
            raise settings_error("invalid stress-test settings", "stress", exc, cls.model_fields) from None


Progress = Callable[[int, int], object]  # (replications run so far, replications planned); its result is ignored


def stress_arguments(
    settings: object, mc: object, progress: object
) -> tuple[StressSettings, MCSettings, bool | Progress | None]:
    """``run_stress``'s ``settings``, ``mc`` and ``progress`` as validated objects; anything else is an
    ``ArgumentError`` naming the argument and what it accepts."""
    if progress is not None and not isinstance(progress, bool) and not callable(progress):
        raise ArgumentError(
            "progress: True, False or None (a bar when stderr is a terminal), or a function called with (replications "
            f"run, replications planned) as they finish; got {_shown(progress)}"
        )
    return _settings(settings), _mc(mc), progress


def _settings(settings: object) -> StressSettings:
    if settings is None or isinstance(settings, StressSettings):
        return settings or StressSettings()
    if isinstance(settings, Mapping):
        try:
            return StressSettings.from_config(settings)
        except ConfigError as exc:
            raise ArgumentError(f"settings: {exc}") from None
    hint = ""
    if isinstance(settings, list | tuple) and all(isinstance(s, str) for s in settings):
        hint = " (Hydra overrides go to sim.run: sim.run(scenario, ['mode=stress_test', 'stress.duration=28']))"
    raise ArgumentError(
        "settings: a StressSettings, a mapping of stress keys such as {'duration': 28, 'start': 60}, or None for "
        f"the defaults; got {_shown(settings)}{hint}"
    )


def _mc(mc: object) -> MCSettings:
    if mc is None or isinstance(mc, MCSettings):
        return mc or MCSettings()
    if isinstance(mc, Mapping):
        try:
            return MCSettings.from_config(mc)
        except ConfigError as exc:
            raise ArgumentError(f"mc: {exc}") from None
    raise ArgumentError(
        "mc: a sim.MCSettings, a mapping of mc keys such as {'replications': 100, 'n_jobs': 2}, or None for the "
        f"defaults; got {_shown(mc)}"
    )


def _shown(value: object) -> str:
    return f"{type(value).__name__} {reprlib.repr(value)}"


def outage_window(sc: Scenario, settings: StressSettings) -> tuple[float, int]:
    """(start, the periods simulated) of the stress test's outage; refused when the run can't show a recovery."""
    start = float(sc.warmup) if settings.start is None else settings.start
    if start >= sc.horizon:
        raise ConfigError(f"stress.start: {start:g} is not before the horizon ({sc.horizon})")
    end, window = start + settings.duration, sc.resilience.window
    horizon = sc.horizon if settings.tail is None else int(min(sc.horizon, math.ceil(end + settings.tail)))
    if horizon - end >= window:
        return start, horizon
    why = (
        f"time_to_recover needs resilience.window = {window} periods after the outage to see the rolling fill rate "
        "come back, so every element that loses service would count as not recovered and 'critical': a ranking "
        "that means nothing"
    )
    if settings.tail is not None and horizon < sc.horizon:
        raise ConfigError(
            f"stress.tail={settings.tail}: the run would stop {settings.tail} periods after the outage ends "
            f"(t = {end:g}); {why}. Use stress.tail >= {window}, or leave it out to run to the horizon"
        )
    raise ConfigError(f"{_too_late(sc, settings, start, end)}; {why}. Use {_fixes(sc, settings, start, end)}")


def _too_late(sc: Scenario, settings: StressSettings, start: float, end: float) -> str:
    setting, origin = f"stress.duration={settings.duration:g}", " (the warm-up, stress.start's default)"
    if settings.start is not None:
        setting, origin = f"stress.start={start:g}, {setting}", ""
    lead = f"{setting}: the outage from t = {start:g}{origin}"
    if end > sc.horizon:
        return f"{lead} would last to t = {end:g}, past the horizon ({sc.horizon})"
    return f"{lead} ends at t = {end:g}, only {sc.horizon - end:g} periods before the horizon ({sc.horizon})"


def _fixes(sc: Scenario, settings: StressSettings, start: float, end: float) -> str:
    window = sc.resilience.window
    fixes = []
    if sc.horizon - window - start > 0:
        fixes.append(f"stress.duration <= {sc.horizon - window - start:g}")
    if sc.horizon - window - settings.duration >= 0:
        fixes.append(f"an earlier stress.start (<= {sc.horizon - window - settings.duration:g})")
    fixes.append(f"horizon >= {math.ceil(end + window)}")
    return ", or ".join(fixes)
