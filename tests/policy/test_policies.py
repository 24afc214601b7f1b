"""Ordering policies: order quantities at hand-picked inventory positions, and when reviews happen in a run.

IP = on hand + on order - backorders. Continuous-review policies are asked right after every demand (and once at
t = 0); periodic ones at offset, offset + R, ... (REVIEW priority: after receipts, before that period's demand).
"""

from __future__ import annotations

import math
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.errors import ScenarioError
from sim.policy.base import Policy
from sim.policy.kinds import POLICIES, PolicySpec
from tests.conftest import const, run, series, single_stage


def policy(kind: str, **params):
    return PolicySpec(kind=kind, **params).build()


def test_registry_lists_the_policies() -> None:
    assert list(POLICIES) == [
        "base_stock",
        "base_surge",
        "dual_index",
        "forecast_order_up_to",
        "pass_through",
        "periodic_order_up_to",
        "periodic_s_S",
        "s_Q",
        "s_S",
        "sterman",
        "vmi",
    ]


@pytest.mark.parametrize(
    ("kind", "params", "ip", "qty"),
    [
        ("base_stock", {"level": 10}, 10, 0),
        ("base_stock", {"level": 10}, 12, 0),
        ("base_stock", {"level": 10}, 7, 3),
        ("base_stock", {"level": 10}, -4, 14),
        ("base_stock", {"level": 10}, 10 - 1e-12, 0),  # float dust is not an order
        ("s_S", {"s": 5, "S": 20}, 6, 0),
        ("s_S", {"s": 5, "S": 20}, 5, 15),  # IP <= s triggers
        ("s_S", {"s": 5, "S": 20}, -3, 23),
        ("s_Q", {"s": 5, "Q": 10}, 6, 0),
        ("s_Q", {"s": 5, "Q": 10}, 5, 10),  # 5 -> 15
        ("s_Q", {"s": 5, "Q": 10}, 0, 10),  # 0 -> 10
        ("s_Q", {"s": 5, "Q": 10}, -5, 20),  # -5 + 10 = 5 is not above s: two lots -> 15
        ("s_Q", {"s": 5, "Q": 10}, -5.5, 20),  # -> 14.5
        ("s_Q", {"s": 5, "Q": 10}, -15, 30),  # -> 15
        ("periodic_order_up_to", {"review_period": 7, "order_up_to": 50}, 30, 20),
        ("periodic_order_up_to", {"review_period": 7, "order_up_to": 50}, 50, 0),
        ("periodic_order_up_to", {"review_period": 7, "order_up_to": 50}, 60, 0),
        ("periodic_order_up_to", {"review_period": 7, "order_up_to": 50}, -10, 60),
        ("periodic_s_S", {"review_period": 2, "s": 10, "S": 50}, 11, 0),
        ("periodic_s_S", {"review_period": 2, "s": 10, "S": 50}, 10, 40),
        ("periodic_s_S", {"review_period": 2, "s": 10, "S": 50}, -5, 55),
    ],
)
def test_order_quantity(kind: str, params: dict, ip: float, qty: float) -> None:
    assert policy(kind, **params).order_quantity(ip) == pytest.approx(qty)


@pytest.mark.parametrize(
    ("kind", "params", "target", "review", "offset"),
    [
        ("base_stock", {"level": 10}, 10, None, 0),
        ("s_S", {"s": 5, "S": 20}, 20, None, 0),
        ("s_Q", {"s": 5, "Q": 10}, 15, None, 0),
        ("periodic_order_up_to", {"review_period": 7, "order_up_to": 50, "offset": 3}, 50, 7, 3),
        ("periodic_s_S", {"review_period": 2, "s": 10, "S": 50}, 50, 2, 0),
    ],
)
def test_target_and_review_schedule(kind: str, params: dict, target: float, review, offset: float) -> None:
    """The target is the default initial stock; continuous policies have no review period."""
    p = policy(kind, **params)
    assert p.target == target
    assert p.review_period == review
    assert p.offset == offset


@given(
    s=st.integers(0, 50),
    q=st.integers(1, 20),
    ip=st.floats(-200, 200, allow_nan=False).map(lambda x: round(x, 3)),
)
def test_s_q_orders_the_fewest_lots_that_lift_ip_above_s(s: int, q: int, ip: float) -> None:
    """(s, Q): nothing above s; otherwise a whole number n >= 1 of lots with s < IP + nQ <= s + Q."""
    qty = policy("s_Q", s=s, Q=q).order_quantity(ip)
    if ip > s:
        assert qty == 0
    else:
        n = qty / q
        assert n == round(n) and n >= 1
        assert s < ip + qty <= s + q + 1e-9


@pytest.mark.parametrize(
    ("params", "problem"),
    [
        ({"kind": "s_S", "s": 5, "S": 5}, "S (5) must be greater than s (5)"),
        ({"kind": "s_Q", "s": 5, "Q": 0}, "Q: Input should be greater than 0"),
        ({"kind": "base_stock", "level": -1}, "level: Input should be greater than or equal to 0"),
        ({"kind": "periodic_order_up_to", "review_period": 0, "order_up_to": 5}, "review_period"),
        ({"kind": "base_stock"}, "level: required"),
    ],
)
def test_bad_policy_parameters(params: dict, problem: str) -> None:
    data = single_stage(params, const(1))
    with pytest.raises(ScenarioError, match=re.escape("nodes[1] (id: r).policy.w")) as err:
        run(data)
    assert problem in str(err.value)


# ------------------------------------------------------------------------------------------------------------
# Policies in a run: when orders happen and how large they are (transit 1, supplier unlimited)


def test_base_stock_orders_each_demand_at_once() -> None:
    """Continuous review, one-for-one: the order series equals the demand series and IP stays at the level."""
    res = run(single_stage({"kind": "base_stock", "level": 30}, {"dist": "poisson", "mean": 6}, horizon=40))
    r = series(res, "r")
    assert r["orders"] == r["demand"]
    assert r["inventory_position"] == [30] * 40
    assert sum(r["demand"]) > 0


def test_s_S_orders_when_ip_reaches_s() -> None:
    """(s, S) = (5, 20), demand 3: IP 17, 14, 11, 8, 5 -> order 15 at t=4, again at t=9, 14, ..."""
    r = series(run(single_stage({"kind": "s_S", "s": 5, "S": 20}, const(3), horizon=20)), "r")
    assert [t for t, q in enumerate(r["orders"]) if q] == [4, 9, 14, 19]
    assert {q for q in r["orders"] if q} == {15}
    assert r["inventory_position"][:5] == [17, 14, 11, 8, 20]


def test_s_Q_orders_multiples_of_Q() -> None:
    """(s, Q) = (5, 4), demand 11, start at s + Q = 9: IP after demand -2, -5, -4, -3, -2, ... needs 2, 3, 3, 3 lots
    (IP after ordering 6, 7, 8, 9), a cycle of 4 periods ordering 44 = 4 × 11."""
    r = series(run(single_stage({"kind": "s_Q", "s": 5, "Q": 4}, const(11), horizon=12)), "r")
    assert r["orders"] == [8, 12, 12, 12] * 3
    assert r["inventory_position"] == [6, 7, 8, 9] * 3


def test_periodic_order_up_to_reviews_at_offset_plus_multiples_of_R() -> None:
    """R = 3, offset 2, S = 20, demand 2 (initial 20): the first review at t=2 sees IP 20 - 2×2 (periods 0, 1)
    = 16 and orders 4; then every 3 periods the 3 periods' demand, 6."""
    data = single_stage(
        {"kind": "periodic_order_up_to", "review_period": 3, "order_up_to": 20, "offset": 2}, const(2), horizon=15
    )
    r = series(run(data), "r")
    assert r["orders"] == [0, 0, 4, 0, 0, 6, 0, 0, 6, 0, 0, 6, 0, 0, 6]


def test_periodic_review_between_periods() -> None:
    """A review at a fractional time (offset 0.5, R = 2) sees the demand of the period it falls in: reviews at 0.5,
    2.5, 4.5, ... are recorded in periods 0, 2, 4 and order 2 (period 0's demand), then 2 periods' demand, 4."""
    data = single_stage(
        {"kind": "periodic_order_up_to", "review_period": 2, "order_up_to": 20, "offset": 0.5}, const(2), horizon=8
    )
    r = series(run(data), "r")
    assert r["orders"] == [2, 0, 4, 0, 4, 0, 4, 0]
    # the order placed at 0.5 arrives at 1.5, after period 1's demand (18 - 2 + 2); the one placed at 2.5 arrives
    # at 3.5: end-of-period on hand 18, 18, 16, 18, 16, 18
    assert r["on_hand"][:6] == [18, 18, 16, 18, 16, 18]


def test_periodic_s_S_orders_only_at_reviews_with_ip_at_most_s() -> None:
    """R = 2, (s, S) = (10, 30), demand 4: reviews at 0, 2, 4 see IP 30, 22, 14 (no order); at 6 IP 6 -> 24."""
    data = single_stage({"kind": "periodic_s_S", "review_period": 2, "s": 10, "S": 30}, const(4), horizon=20)
    r = series(run(data), "r")
    assert [t for t, q in enumerate(r["orders"]) if q] == [6, 12, 18]
    assert {q for q in r["orders"] if q} == {24}


# -- the reorder level the stock item checks before asking (Policy.idle_level) ----------------------------------------
CONTINUOUS = [("base_stock", {"level": 10}), ("s_S", {"s": 5, "S": 20}), ("s_Q", {"s": 5, "Q": 10})]


@pytest.mark.parametrize(("kind", "params"), CONTINUOUS)
def test_idle_level_is_the_highest_position_that_may_order(kind: str, params: dict) -> None:
    """Just above the level the policy orders nothing; at it (s_S, s_Q: IP <= s + EPS) or just below it (base stock:
    IP < level - EPS) it orders: the level is tight, so skipping the call above it changes no decision."""
    pol = policy(kind, **params)
    level = pol.idle_level()
    assert pol.order_quantity(math.nextafter(level, math.inf)) == 0
    assert pol.order_quantity(level if kind != "base_stock" else math.nextafter(level, -math.inf)) > 0


@given(ip=st.floats(min_value=-100, max_value=100), which=st.sampled_from(CONTINUOUS))
def test_nothing_is_ordered_above_the_idle_level(ip: float, which: tuple[str, dict]) -> None:
    pol = policy(which[0], **which[1])
    if ip > pol.idle_level():
        assert pol.order_quantity(ip) == 0


def test_a_subclass_with_its_own_rule_is_asked_every_time() -> None:
    """A level counts only from the class that defines ``order_quantity``: a subclass of (s, S) ordering by another
    rule, and policies without a level, are asked at every position."""
    base = policy("s_S", s=5, S=20)

    class Always(type(base)):  # type: ignore[misc]
        def order_quantity(self, ip: float) -> float:
            return 1.0

    assert Always(base.p).idle_level() == math.inf
    assert policy("sterman").idle_level() == math.inf


def test_skipping_the_call_above_the_level_changes_no_result(monkeypatch) -> None:
    """Runs of (s, S), (s, Q) and base stock with the item asking the policy after every demand (level = inf) give
    the same KPIs, bit for bit, as with the levels."""
    scenarios = [
        single_stage({"kind": kind, **params}, {"dist": "poisson", "mean": 4}, transit=3, horizon=60)
        for kind, params in CONTINUOUS
    ]
    with_levels = [run(sc, seed=7).kpi_values.tobytes() for sc in scenarios]  # NaN KPIs compare as bytes
    monkeypatch.setattr(Policy, "idle_level", lambda self: math.inf)
    asking = [run(sc, seed=7).kpi_values.tobytes() for sc in scenarios]
    assert with_levels == asking
