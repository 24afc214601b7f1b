"""Time-patterned demand kinds (bullwhip scenarios): AR(1), seasonal, trend, promotions, step; each with noise.

Every kind here is a per-period series drawn once per replication from the demand stream of its (retailer, product),
so a policy change never moves a draw (common random numbers). A kind's ``series(p, rng, horizon)`` gives the
``horizon`` quantities; ``sim.model.arrivals`` plays them like ``periodic`` demand (one customer per period, a zero is
no customer).

- ``ar1``: ``D_t = mean + phi (D_{t-1} - mean) + e_t``, ``e_t ~ N(0, sigma^2)``, started in its stationary law.
- ``seasonal``: ``base + amplitude sin(2 pi t / season_length)`` or ``base * indices[t mod len]``.
- ``trend``: ``base + slope t``.
- ``promotion``: ``base``, times ``multiplier`` for ``duration`` periods from each of ``dates``.
- ``step``: ``before`` up to period ``at - 1``, ``after`` from period ``at`` (the beer game: 4, then 8 from ``at: 4``,
  i.e. from week 5 when weeks count from 1).

Every kind adds ``noise_sd`` (zero-mean normal noise, drawn for every period) and rounds to whole units with
``integer: true``. Quantities are floored at 0, which biases mean and variance when the level is within a few
``sigma`` of zero: keep the level well above the noise to test against theory. Loading warns when the floor moves the
mean at a pattern's lowest level by more than ``CENSORING_TOLERANCE`` (``censored``, ``level_range``: closed forms
over the horizon) and when a promotion or step falls past the horizon (``beyond``; sim.scenario.degenerate).

``mean``/``var`` (used to size policy presets) are the moments at the start of the series: the mean level at t = 0 and
the noise variance (AR(1): its stationary variance ``sigma^2 / (1 - phi^2)`` plus the noise).
"""

from __future__ import annotations

import numpy as np
from pydantic import Field, model_validator
from scipy.signal import lfilter

from sim.registry import EntryParams
from sim.scenario.demand_kinds import DemandProcess


class _Pattern(EntryParams):
    noise_sd: float = Field(default=0.0, ge=0)
    integer: bool = False


class _PatternKind(DemandProcess):
    """A deterministic level per period (``level``) plus noise."""

    @staticmethod
    def level(p, horizon: int) -> np.ndarray:  # pragma: no cover - protocol
        raise NotImplementedError

    @classmethod
    def series(cls, p, rng: np.random.Generator, horizon: int) -> np.ndarray:
        """The ``horizon`` per-period quantities of one replication (all draws from ``rng``)."""
        x = cls.level(p, horizon)
        if p.noise_sd > 0:
            x = x + rng.normal(0.0, p.noise_sd, horizon)
        return _finish(x, p.integer)

    @staticmethod
    def level_range(p, horizon: int) -> tuple[float, float]:  # pragma: no cover - protocol
        """(lowest, highest) level over the periods [0, horizon), in closed form (no horizon-sized array)."""
        raise NotImplementedError

    @classmethod
    def mean(cls, p):
        return float(cls.level(p, 1)[0])

    @staticmethod
    def var(p):
        return p.noise_sd**2

    @classmethod
    def highest(cls, p, horizon):
        return cls.level_range(p, horizon)[1]

    @classmethod
    def censored(cls, p, horizon):
        low = cls.level_range(p, horizon)[0]
        return (low, p.noise_sd) if low < 0 or p.noise_sd > 0 else None


def _finish(x: np.ndarray, integer: bool) -> np.ndarray:
    x = np.maximum(x, 0.0)
    return np.rint(x) if integer else x


class AR1(DemandProcess):
    class Params(_Pattern):
        mean: float = Field(ge=0)
        phi: float = Field(gt=-1, lt=1)  # |phi| < 1: a stationary process
        sigma: float = Field(ge=0)  # innovation standard deviation

    @staticmethod
    def series(p, rng, horizon):
        # the start is drawn from the stationary law, so there is no transient to warm up
        x0 = rng.normal(0.0, p.sigma / np.sqrt(1 - p.phi**2))
        e = rng.normal(0.0, p.sigma, horizon)
        dev = lfilter([1.0], [1.0, -p.phi], e, zi=[p.phi * x0])[0]  # dev_t = phi dev_{t-1} + e_t
        x = p.mean + dev
        if p.noise_sd > 0:
            x = x + rng.normal(0.0, p.noise_sd, horizon)
        return _finish(x, p.integer)

    @staticmethod
    def mean(p):
        return p.mean

    @staticmethod
    def var(p):
        return p.sigma**2 / (1 - p.phi**2) + p.noise_sd**2

    @staticmethod
    def censored(p, horizon):
        # stationary and Gaussian (the innovations and the noise are): every period is Normal(mean, var)
        sd = float(np.sqrt(AR1.var(p)))
        return (p.mean, sd) if sd > 0 else None


class Seasonal(_PatternKind):
    class Params(_Pattern):
        base: float = Field(default=1.0, ge=0)
        season_length: int | None = Field(default=None, ge=2)  # periods per cycle (sine form)
        amplitude: float = Field(default=0.0, ge=0)  # units above/below base at the peak/trough
        indices: list[float] | None = Field(default=None, min_length=2)  # multiplicative, repeating

        @model_validator(mode="after")
        def _one_form(self):
            if (self.indices is None) == (self.season_length is None):
                raise ValueError("give either season_length (+ amplitude) or indices (a list of factors)")
            if self.indices is not None and min(self.indices) < 0:
                raise ValueError("indices must be factors >= 0")
            return self

    @staticmethod
    def level(p, horizon):
        t = np.arange(horizon)
        if p.indices is not None:
            return p.base * np.asarray(p.indices, dtype=float)[t % len(p.indices)]
        return p.base + p.amplitude * np.sin(2 * np.pi * t / p.season_length)

    @staticmethod
    def level_range(p, horizon):
        if p.indices is not None:
            factors = p.indices[:horizon]
            return p.base * min(factors), p.base * max(factors)
        # sin(2 pi t / L) rises to t = L/4, falls to 3L/4, rises again: its extremes over the integers of [0, last]
        # are at an end or next to a turning point
        length, last = p.season_length, min(horizon, p.season_length) - 1
        turns = {0, last, length // 4, -(-length // 4), 3 * length // 4, -(-3 * length // 4)}
        sines = [float(np.sin(2 * np.pi * t / length)) for t in turns if 0 <= t <= last]
        return p.base + p.amplitude * min(sines), p.base + p.amplitude * max(sines)


class Trend(_PatternKind):
    class Params(_Pattern):
        base: float = Field(ge=0)
        slope: float  # units per period (may be negative; the level is floored at 0)

    @staticmethod
    def level(p, horizon):
        return p.base + p.slope * np.arange(horizon, dtype=float)

    @staticmethod
    def level_range(p, horizon):
        ends = (p.base, p.base + p.slope * (horizon - 1))
        return min(ends), max(ends)


class Promotion(_PatternKind):
    class Params(_Pattern):
        base: float = Field(ge=0)
        dates: list[int] = Field(min_length=1)  # first period of each promotion
        multiplier: float = Field(ge=0)
        duration: int = Field(default=1, ge=1)

        @model_validator(mode="after")
        def _dates(self):
            if min(self.dates) < 0:
                raise ValueError("dates must be periods >= 0")
            return self

    @staticmethod
    def level(p, horizon):
        x = np.full(horizon, p.base, dtype=float)
        for d in p.dates:
            x[d : d + p.duration] = p.base * p.multiplier
        return x

    @staticmethod
    def level_range(p, horizon):
        levels = [p.base] + ([p.base * p.multiplier] if min(p.dates) < horizon else [])
        return min(levels), max(levels)

    @staticmethod
    def beyond(p, horizon):
        return [
            f"dates[{i}]: a promotion from period {d} is wholly outside the horizon ({horizon}): it never happens"
            for i, d in enumerate(p.dates)
            if d >= horizon
        ]


class Step(_PatternKind):
    class Params(_Pattern):
        before: float = Field(ge=0)
        after: float = Field(ge=0)
        at: int = Field(ge=0)  # first period with the ``after`` level

    @staticmethod
    def level(p, horizon):
        return np.where(np.arange(horizon) < p.at, p.before, p.after).astype(float)

    @staticmethod
    def level_range(p, horizon):
        levels = ([p.before] if p.at > 0 else []) + ([p.after] if p.at < horizon else [])
        return min(levels), max(levels)

    @staticmethod
    def beyond(p, horizon):
        if p.at >= horizon:
            return [f"at: the step at period {p.at} is not before the horizon ({horizon}): demand stays {p.before:g}"]
        return []
