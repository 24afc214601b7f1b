"""Forecast-driven ordering policies (bullwhip dynamics; docs/bullwhip.md).

- ``forecast_order_up_to``: periodic order-up-to whose level follows a demand forecast,
  ``S_t = c * f_t + SS_t``; forecast by moving average (``periods`` p), exponential smoothing (``alpha``) or Holt's
  linear trend (``alpha``, ``gamma``: S_t sums the c forecasts ``level + h trend``, h = 1..c); safety
  stock fixed (``safety_stock`` units) or ``z * sigma_e * sqrt(c)`` with ``sigma_e`` the RMS one-period forecast
  error over the last ``error_window`` periods. Coverage ``c`` = expected lead time + review period (or ``coverage``).
  Order ``q_t = R f_t + beta (S_t - R f_t - IP_t)``: ``beta = 1`` is plain order-up-to ``S_t - IP_t``; ``beta < 1``
  closes only a fraction of the gap (proportional order-up-to, Disney & Towill's POUT with T_i = T_w = 1/beta).
  A negative ``q_t`` is dropped (``negative_orders: truncate``) or sent back (``return``: the excess leaves stock at
  no cost, which makes Chen et al.'s bullwhip formula an equality).
- ``sterman``: Sterman's (1989) anchoring-and-adjustment heuristic, ``O_t = max(0, L^_t + alpha_s (S' - S_t -
  beta SL_t))`` with ``L^_t = theta L_{t-1} + (1 - theta) L^_{t-1}``, ``S_t`` = on hand - backorders, ``SL_t`` = the
  supply line (ordered, not received); ``integer: true`` rounds orders half up to whole units.
- ``pass_through``: order what was asked of you in the periods since the last review.

Timing: a review at instant t (``REVIEW`` phase) sees the demand of the completed periods ``< t``; so with a review
every period the forecast ``f_t`` uses ``D_{t-1}, D_{t-2}, ...`` (docs/timing.md). ``information: shared`` makes a
node forecast from the end-customer demand downstream of it (point-of-sale data, wired by ``sim.model.sharing``)
instead of the orders it receives.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from typing import Any, Literal

from pydantic import Field

from sim.policy.base import Policy, cover
from sim.policy.view import StockView
from sim.registry import EntryParams
from sim.tolerance import EPS

Feed = Callable[[int, int], list[float]]  # (first period, end period) -> per-period end-customer demand


class _Reviewed(EntryParams):
    review_period: float = Field(default=1.0, gt=0)
    offset: float = Field(default=0.0, ge=0)
    initial_forecast: float = Field(default=0.0, ge=0)  # expected demand per period before any is seen
    information: Literal["local", "shared"] = "local"


class _Learning(Policy):
    """A periodic policy that learns from the demand of the periods since its last review."""

    def __init__(self, p: Any) -> None:
        super().__init__(p)
        self.review_period = p.review_period
        self.offset = p.offset
        self.pos: Feed | None = None  # set by sim.model.sharing when information is shared
        self.seen = 0  # periods already consumed

    def new_demand(self, view: StockView) -> list[float]:
        """Demand of the periods completed since the last review: orders received, or shared end-customer demand."""
        k = int(view.now + EPS)  # the current period (sim.model.clock.period_of; policies stay free of SimPy)
        new = self.pos(self.seen, k) if self.pos is not None else view.demand_history(k - self.seen)
        self.seen = k
        return new

    @property
    def target(self) -> float:
        return 0.0  # no steady level to start from: give initial_stock in the scenario


class _Forecaster:
    """``value``: the forecast of the next period's demand; ``total(c)``: of the next ``c`` periods' demand."""

    value: float

    def update(self, x: float) -> None:  # pragma: no cover - protocol
        raise NotImplementedError

    def total(self, periods: float) -> float:
        return periods * self.value  # a level forecast: the same for every period ahead


class _MovingAverage(_Forecaster):
    def __init__(self, periods: int, initial: float) -> None:
        self.window = deque([initial] * periods, maxlen=periods)  # unseen history counts as the initial forecast
        self.value = initial

    def update(self, x: float) -> None:
        self.window.append(x)
        self.value = sum(self.window) / len(self.window)


class _Smoothing(_Forecaster):
    def __init__(self, alpha: float, initial: float) -> None:
        self.alpha = alpha
        self.value = initial

    def update(self, x: float) -> None:
        self.value = self.alpha * x + (1 - self.alpha) * self.value


class _Holt(_Forecaster):
    """Holt's linear trend: level and trend smoothed with ``alpha`` and ``gamma``; the next period's forecast is
    ``level + trend``, and h periods ahead ``level + h trend``. Starts so that the first forecast is ``initial``."""

    def __init__(self, alpha: float, gamma: float, initial: float, trend: float) -> None:
        self.alpha, self.gamma = alpha, gamma
        self.level, self.trend = initial - trend, trend
        self.value = initial

    def update(self, x: float) -> None:
        level = self.alpha * x + (1 - self.alpha) * (self.level + self.trend)
        self.trend = self.gamma * (level - self.level) + (1 - self.gamma) * self.trend
        self.level = level
        self.value = level + self.trend

    def total(self, periods: float) -> float:
        return periods * self.level + self.trend * periods * (periods + 1) / 2


class ForecastOrderUpTo(_Learning):
    """Order-up-to level from a forecast (module docstring)."""

    class Params(_Reviewed):
        forecast: Literal["moving_average", "exponential_smoothing", "holt"] = "moving_average"
        periods: int = Field(default=4, ge=1)  # moving-average window p
        alpha: float = Field(default=0.3, gt=0, le=1)  # smoothing constant (of the level, for holt)
        gamma: float = Field(default=0.1, gt=0, le=1)  # holt: smoothing constant of the trend
        initial_trend: float = 0.0  # holt: the trend per period before any demand is seen
        coverage: float | None = Field(default=None, ge=0)  # periods the level covers; default lead time + R
        safety: Literal["fixed", "z_sigma"] = "fixed"
        safety_stock: float = 0.0  # units (safety: fixed)
        z: float = 0.0  # safety factor (safety: z_sigma)
        error_window: int = Field(default=26, ge=2)  # periods of forecast errors behind sigma_e
        beta: float = Field(default=1.0, gt=0, le=1)  # share of the gap an order closes (1: order-up-to)
        negative_orders: Literal["truncate", "return"] = "truncate"

    p: Params

    def __init__(self, p: Any) -> None:
        super().__init__(p)
        if p.forecast == "moving_average":
            self.forecaster: _Forecaster = _MovingAverage(p.periods, p.initial_forecast)
        elif p.forecast == "exponential_smoothing":
            self.forecaster = _Smoothing(p.alpha, p.initial_forecast)
        else:
            self.forecaster = _Holt(p.alpha, p.gamma, p.initial_forecast, p.initial_trend)
        self.errors: deque[float] = deque(maxlen=p.error_window)
        self.coverage = p.coverage
        self.level = 0.0  # the last order-up-to level (for inspection)

    def decide(self, view: StockView) -> float:
        p, fc = self.p, self.forecaster
        for x in self.new_demand(view):
            self.errors.append(x - fc.value)  # one-period-ahead error of the forecast made before x was seen
            fc.update(x)
        if self.coverage is None:  # once: the sources' expected lead time + the review period
            self.coverage = view.expected_lead_time() + p.review_period
        c, f = self.coverage, fc.value
        if p.safety == "fixed":
            safety = p.safety_stock
        else:
            sigma = math.sqrt(sum(e * e for e in self.errors) / len(self.errors)) if len(self.errors) > 1 else 0.0
            safety = p.z * sigma * math.sqrt(c)
        self.level = fc.total(c) + safety
        ip = view.inventory_position
        if p.beta == 1:
            q = self.level - ip
        else:
            cycle = p.review_period * f
            q = cycle + p.beta * (self.level - cycle - ip)
        if q < 0 and p.negative_orders == "truncate":
            return 0.0
        return q

    @property
    def target(self) -> float:
        """The first level (the initial forecast over the coverage + fixed safety stock); without an explicit
        coverage, one review period's worth (the lead time is unknown until the sources are linked)."""
        p = self.p
        c = p.coverage if p.coverage is not None else p.review_period
        return max(self.forecaster.total(c) + (p.safety_stock if p.safety == "fixed" else 0.0), 0.0)

    @staticmethod
    def size(mean: float, var: float, lead: float, review: float, z: float) -> dict[str, float]:
        # a fixed safety stock sized like periodic_order_up_to's (z sigma sqrt(R + L)); z_sigma estimates it online
        return {
            "review_period": review,
            "coverage": review + lead,
            "initial_forecast": mean,
            "safety_stock": cover(mean, var, review + lead, z) - mean * (review + lead),
        }


class Sterman(_Learning):
    """Anchoring and adjustment (Sterman 1989); defaults are his estimated mean parameters (conf/policy/sterman)."""

    class Params(_Reviewed):
        theta: float = Field(default=0.36, ge=0, le=1)  # weight of the latest demand in expected demand
        alpha_s: float = Field(default=0.26, ge=0, le=1)  # share of the stock gap corrected per period
        beta: float = Field(default=0.34, ge=0, le=1)  # weight of the supply line relative to stock
        s_prime: float = Field(default=17.0, ge=0)  # S' = desired stock + beta * desired supply line
        integer: bool = False  # round orders half up to whole units

    p: Params

    def __init__(self, p: Any) -> None:
        super().__init__(p)
        self.expected: float = p.initial_forecast

    def decide(self, view: StockView) -> float:
        p = self.p
        for x in self.new_demand(view):
            self.expected = p.theta * x + (1 - p.theta) * self.expected
        stock = view.on_hand - view.backorders
        q = max(0.0, self.expected + p.alpha_s * (p.s_prime - stock - p.beta * view.on_order))
        return math.floor(q + 0.5) if p.integer else q

    @property
    def target(self) -> float:
        return self.p.s_prime  # the stock the rule aims at with an empty supply line

    @staticmethod
    def size(mean: float, var: float, lead: float, review: float, z: float) -> dict[str, float]:
        return {"initial_forecast": mean}


class PassThrough(_Learning):
    """Order exactly what was asked in the periods since the last review (``initial_forecast`` at the first)."""

    class Params(_Reviewed):
        pass

    p: Params

    def __init__(self, p: Any) -> None:
        super().__init__(p)
        self.first = True

    def decide(self, view: StockView) -> float:
        new = self.new_demand(view)
        if self.first and not new:
            self.first = False
            return self.p.initial_forecast * self.p.review_period
        self.first = False
        total = sum(new)
        return total if total > EPS else 0.0

    @staticmethod
    def size(mean: float, var: float, lead: float, review: float, z: float) -> dict[str, float]:
        return {"initial_forecast": mean}
