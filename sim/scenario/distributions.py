"""Probability distributions selectable by name in a scenario (``{dist: gamma, mean: 5, sd: 2}``).

Each entry draws from the replication's ``numpy.random.Generator`` and knows its analytic mean and variance (handy
oracles for tests). All distributions are non-negative: quantities and durations can't be negative. ``normal`` is
*censored* at zero (a negative draw becomes 0), and its mean/variance account for that: when the censored mean
differs from the written ``mean`` by more than ``CENSORING_TOLERANCE`` (1 % of the written mean), loading the scenario
warns (sim.scenario.degenerate). That is when ``mean`` is below about 1.75 ``sd``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from typing import Any, ClassVar

import numpy as np
from pydantic import BaseModel, Field, model_validator
from scipy import stats

from sim.registry import EntryParams, Registry, Spec

NonNeg = Field(ge=0)
# how far (relative to the written mean) a censored mean may be from the written one before loading warns
CENSORING_TOLERANCE = 0.01
# the widest coefficient of variation (sd / mean) of gamma and lognormal, either way: beyond it their shape parameters
# overflow a float (a gamma of sd 1e-300 around 8 would have shape 6e601)
MAX_CV = 1e12


def censored_mean(mu: float, sd: float) -> float:
    """E[max(X, 0)] for X ~ Normal(mu, sd): ``mu Φ(mu/sd) + sd φ(mu/sd)`` (``max(mu, 0)`` when ``sd`` is 0)."""
    if sd == 0:
        return max(mu, 0.0)
    a = mu / sd
    return float(mu * stats.norm.cdf(a) + sd * stats.norm.pdf(a))


def censoring_differs(mu: float, sd: float) -> bool:
    """Censoring Normal(mu, sd) at 0 moves its mean by more than ``CENSORING_TOLERANCE`` of ``mu`` (always when
    ``mu`` <= 0, unless nothing is censored: ``mu`` = ``sd`` = 0)."""
    return abs(censored_mean(mu, sd) - mu) > CENSORING_TOLERANCE * max(mu, 0.0)


class Distribution:
    """Protocol for registry entries (classes with static methods; no instance state)."""

    Params: ClassVar[type[BaseModel]]

    @staticmethod
    def draw(rng: np.random.Generator, p: Any, n: int) -> np.ndarray:  # pragma: no cover - protocol
        raise NotImplementedError

    @staticmethod
    def mean(p: Any) -> float:  # pragma: no cover - protocol
        raise NotImplementedError

    @staticmethod
    def var(p: Any) -> float:  # pragma: no cover - protocol
        raise NotImplementedError

    @staticmethod
    def censored(p: Any) -> tuple[float, float] | None:
        """(mean, sd) of the normal law its draws come from before negatives become 0; None: nothing is censored."""
        return None


DISTRIBUTIONS: Registry[type[Distribution]] = Registry("distribution", "dist")


@DISTRIBUTIONS.register("constant")
class Constant(Distribution):
    class Params(EntryParams):
        value: float = NonNeg

    @staticmethod
    def draw(rng, p, n):
        return np.full(n, p.value, dtype=float)

    @staticmethod
    def mean(p):
        return p.value

    @staticmethod
    def var(p):
        return 0.0


@DISTRIBUTIONS.register("poisson")
class Poisson(Distribution):
    class Params(EntryParams):
        mean: float = NonNeg

    @staticmethod
    def draw(rng, p, n):
        return rng.poisson(p.mean, n).astype(float)

    @staticmethod
    def mean(p):
        return p.mean

    @staticmethod
    def var(p):
        return p.mean


@DISTRIBUTIONS.register("normal")
class Normal(Distribution):
    """Normal(mean, sd) censored at 0: negative draws become 0."""

    class Params(EntryParams):
        mean: float
        sd: float = NonNeg

    @staticmethod
    def draw(rng, p, n):
        return np.maximum(rng.normal(p.mean, p.sd, n), 0.0)

    @staticmethod
    def mean(p):
        return censored_mean(p.mean, p.sd)

    @staticmethod
    def censored(p):
        return p.mean, p.sd

    @staticmethod
    def var(p):
        if p.sd == 0:
            return 0.0
        a = p.mean / p.sd
        second = (p.mean**2 + p.sd**2) * stats.norm.cdf(a) + p.mean * p.sd * stats.norm.pdf(a)
        return float(second - Normal.mean(p) ** 2)


class _MeanSd(Distribution):
    """Parameterised by its own mean and standard deviation: the moments are the parameters."""

    @staticmethod
    def mean(p):
        return p.mean

    @staticmethod
    def var(p):
        return p.sd**2


@DISTRIBUTIONS.register("lognormal")
class LogNormal(_MeanSd):
    """Parameterised by the mean and standard deviation of the variable itself (not of its log)."""

    class Params(EntryParams):
        mean: float = Field(gt=0)
        sd: float = NonNeg

        @model_validator(mode="after")
        def _spread(self):
            if self.sd > self.mean * MAX_CV:
                raise ValueError(f"sd: {self.sd:g} is more than {MAX_CV:g} times the mean ({self.mean:g})")
            return self

    @staticmethod
    def _mu_sigma(p):
        s2 = math.log1p((p.sd / p.mean) ** 2)
        return math.log(p.mean) - s2 / 2, math.sqrt(s2)

    @staticmethod
    def draw(rng, p, n):
        mu, sigma = LogNormal._mu_sigma(p)
        return rng.lognormal(mu, sigma, n)


@DISTRIBUTIONS.register("gamma")
class Gamma(_MeanSd):
    class Params(EntryParams):
        mean: float = Field(gt=0)
        sd: float = Field(gt=0)

        @model_validator(mode="after")
        def _spread(self):
            if self.sd < self.mean / MAX_CV:
                raise ValueError(
                    f"sd: {self.sd:g} is less than 1/{MAX_CV:g} of the mean ({self.mean:g}); for a fixed value use "
                    "constant"
                )
            if self.sd > self.mean * MAX_CV:
                raise ValueError(f"sd: {self.sd:g} is more than {MAX_CV:g} times the mean ({self.mean:g})")
            return self

    @staticmethod
    def draw(rng, p, n):
        return rng.gamma((p.mean / p.sd) ** 2, p.sd**2 / p.mean, n)


@DISTRIBUTIONS.register("negative_binomial")
class NegativeBinomial(Distribution):
    """Counts with variance > mean (over-dispersed demand)."""

    class Params(EntryParams):
        mean: float = Field(gt=0)
        variance: float = Field(gt=0)

        @model_validator(mode="after")
        def _overdispersed(self):
            if self.variance <= self.mean:
                raise ValueError("variance must exceed mean (use poisson when they are equal)")
            if not self.mean**2 / (self.variance - self.mean) > 0:  # numpy's n: 0 once mean**2 underflows
                raise ValueError(f"mean: {self.mean:g} is too small for a variance of {self.variance:g} (use poisson)")
            return self

    @staticmethod
    def draw(rng, p, n):
        prob = p.mean / p.variance
        return rng.negative_binomial(p.mean**2 / (p.variance - p.mean), prob, n).astype(float)

    @staticmethod
    def mean(p):
        return p.mean

    @staticmethod
    def var(p):
        return p.variance


@DISTRIBUTIONS.register("uniform")
class Uniform(Distribution):
    class Params(EntryParams):
        low: float = NonNeg
        high: float = NonNeg

        @model_validator(mode="after")
        def _ordered(self):
            if self.high < self.low:
                raise ValueError("high must be >= low")
            return self

    @staticmethod
    def draw(rng, p, n):
        return rng.uniform(p.low, p.high, n)

    @staticmethod
    def mean(p):
        return (p.low + p.high) / 2

    @staticmethod
    def var(p):
        return (p.high - p.low) ** 2 / 12


@DISTRIBUTIONS.register("triangular")
class Triangular(Distribution):
    class Params(EntryParams):
        low: float = NonNeg
        mode: float = NonNeg
        high: float = NonNeg

        @model_validator(mode="after")
        def _ordered(self):
            if not (self.low <= self.mode <= self.high and self.low < self.high):
                raise ValueError("need low <= mode <= high and low < high")
            return self

    @staticmethod
    def draw(rng, p, n):
        return rng.triangular(p.low, p.mode, p.high, n)

    @staticmethod
    def mean(p):
        return (p.low + p.mode + p.high) / 3

    @staticmethod
    def var(p):
        a, c, b = p.low, p.mode, p.high
        return (a * a + b * b + c * c - a * b - a * c - b * c) / 18


@DISTRIBUTIONS.register("exponential")
class Exponential(Distribution):
    class Params(EntryParams):
        mean: float = Field(gt=0)

    @staticmethod
    def draw(rng, p, n):
        return rng.exponential(p.mean, n)

    @staticmethod
    def mean(p):
        return p.mean

    @staticmethod
    def var(p):
        return p.mean**2


@DISTRIBUTIONS.register("discrete")
class Discrete(Distribution):
    """An empirical discrete distribution: ``values`` drawn with probabilities ``probs``."""

    class Params(EntryParams):
        values: list[float] = Field(min_length=1)
        probs: list[float] = Field(min_length=1)

        @model_validator(mode="after")
        def _check(self):
            if len(self.values) != len(self.probs):
                raise ValueError("values and probs must have the same length")
            if any(v < 0 for v in self.values) or any(q < 0 for q in self.probs):
                raise ValueError("values and probs must be >= 0")
            if abs(sum(self.probs) - 1) > 1e-6:
                raise ValueError(f"probs must sum to 1 (they sum to {sum(self.probs):g})")
            return self

    @staticmethod
    def draw(rng, p, n):
        return rng.choice(np.asarray(p.values, dtype=float), size=n, p=np.asarray(p.probs))

    @staticmethod
    def mean(p):
        return float(np.dot(p.values, p.probs))

    @staticmethod
    def var(p):
        v, q = np.asarray(p.values), np.asarray(p.probs)
        return float(np.dot(v * v, q) - np.dot(v, q) ** 2)


class Dist(Spec):
    """A distribution as written in a scenario: ``{dist: <name>, <param>: <value>, ...}``."""

    registry: ClassVar[Registry] = DISTRIBUTIONS
    dist: str

    @property
    def mean(self) -> float:
        return float(self.entry.mean(self._params))

    @property
    def var(self) -> float:
        return float(self.entry.var(self._params))

    @property
    def censored(self) -> tuple[float, float] | None:
        """(mean, sd) as written of a distribution censored at 0 (``normal``), else None."""
        found: tuple[float, float] | None = self.entry.censored(self._params)
        return found

    @property
    def is_constant(self) -> bool:
        return self.dist == "constant"

    def draw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """``n`` independent draws as a float array."""
        return self.entry.draw(rng, self._params, n)

    def sampler(self, rng: np.random.Generator, block: int = 64) -> Callable[[], float]:
        """A zero-argument function returning the next draw; draws in blocks (cheap per call in the event loop)."""
        if self.is_constant:
            value = float(self._params.value)  # type: ignore[attr-defined]
            return lambda: value
        return _blocks(self, rng, block).__next__


def _blocks(dist: Dist, rng: np.random.Generator, block: int) -> Iterator[float]:
    while True:
        yield from dist.draw(rng, block).tolist()
        block = min(block * 2, 4096)
