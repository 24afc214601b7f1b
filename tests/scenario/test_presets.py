"""Policy presets: sizes computed by hand from the scenario's demand and lead times."""

from __future__ import annotations

import math

import pytest

import sim
from sim.errors import ConfigError
from sim.scenario.loading import validate
from sim.scenario.moments import demand_moments, lead_time
from sim.scenario.presets import apply_policy, size


def two_retailers() -> sim.Scenario:
    """A hub feeding two stores (Poisson 4/day and normal 6±2/day); the hub splits its orders 70/30 over suppliers."""
    return validate(
        {
            "name": "presets",
            "horizon": 50,
            "products": [{"id": "p"}],
            "nodes": [
                {"id": "a", "type": "supplier", "production_time": {"dist": "constant", "value": 3}},
                {"id": "b", "type": "supplier"},
                {
                    "id": "hub",
                    "type": "buffer",
                    "policy": {"p": {"kind": "base_stock", "level": 1}},
                    "sources": {"p": [{"node": "a", "share": 0.7}, {"node": "b", "share": 0.3, "order_delay": 1}]},
                },
                {
                    "id": "s1",
                    "type": "retailer",
                    "demand": {"p": {"dist": "poisson", "mean": 4}},
                    "policy": {"p": {"kind": "base_stock", "level": 1}},
                    "sources": {"p": [{"node": "hub"}]},
                },
                {
                    "id": "s2",
                    "type": "retailer",
                    "demand": {"p": {"dist": "normal", "mean": 6, "sd": 2}},
                    "policy": {"p": {"kind": "base_stock", "level": 1}},
                    "sources": {"p": [{"node": "hub"}]},
                },
            ],
            "lanes": [
                {"from": "a", "to": "hub", "transit": {"dist": "uniform", "low": 8, "high": 12}},
                {"from": "b", "to": "hub", "transit": {"dist": "constant", "value": 5}},
                {"from": "hub", "to": "s1", "transit": {"dist": "constant", "value": 2}},
                {"from": "hub", "to": "s2", "transit": {"dist": "constant", "value": 1}},
            ],
        }
    )


def test_demand_rolls_up_to_the_hub():
    sc = two_retailers()
    m = demand_moments(sc)
    s2_mean, s2_var = sc.node("s2").demand["p"].mean, sc.node("s2").demand["p"].var
    assert m["s1", "p"] == (4.0, 4.0)
    assert m["hub", "p"] == pytest.approx((4 + s2_mean, 4 + s2_var))
    assert s2_mean == pytest.approx(6, abs=1e-3)  # censoring at 0 is negligible 3 sd away


def test_lead_time_is_share_weighted():
    sc = two_retailers()
    # via a: production 3 + transit mean 10 = 13; via b: delay 1 + transit 5 = 6
    assert lead_time(sc, sc.node("hub"), "p") == pytest.approx(0.7 * 13 + 0.3 * 6)


def test_sizes_by_hand():
    z = 1.65
    assert size("base_stock", 10, 10, 2, 7, z) == {"level": math.ceil(20 + z * math.sqrt(10) * math.sqrt(2))}
    assert size("periodic_order_up_to", 10, 10, 2, 7, z) == {
        "review_period": 7,
        "order_up_to": math.ceil(90 + z * math.sqrt(10) * 3),
    }
    s = math.ceil(20 + z * math.sqrt(20))
    assert size("s_S", 10, 10, 2, 7, z) == {"s": s, "S": s + 70}
    assert size("s_Q", 10, 10, 2, 7, z) == {"s": s, "Q": 70}


def test_apply_policy_targets_and_validates():
    sc = two_retailers()
    out = apply_policy(sc, "base_stock", apply_to="retailers", safety_factor=0)
    assert out.node("s1").policy["p"].model_dump() == {"kind": "base_stock", "level": 8}  # ceil(4 * 2)
    assert out.node("hub").policy["p"] == sc.node("hub").policy["p"]  # untouched
    explicit = apply_policy(sc, "s_S", apply_to=["hub"], params={"s": 5, "S": 9})
    assert explicit.node("hub").policy["p"].model_dump() == {"kind": "s_S", "s": 5, "S": 9}
    with pytest.raises(ConfigError, match="unknown stock node"):
        apply_policy(sc, "base_stock", apply_to=["nowhere"])
    with pytest.raises(sim.ScenarioError, match="S"):
        apply_policy(sc, "s_S", apply_to=["hub"], params={"s": 9, "S": 5})


def test_explicit_params_per_product_override_only_their_value():
    """policy.params.<key>={sku: value} sets that key for those products; the rest of the sizing stays."""
    sc = two_retailers()
    sized = apply_policy(sc, "periodic_order_up_to", apply_to=["s1"], safety_factor=0)
    out = apply_policy(sc, "periodic_order_up_to", apply_to=["s1"], safety_factor=0, params={"order_up_to": {"p": 99}})
    got, ref = out.node("s1").policy["p"].model_dump(), sized.node("s1").policy["p"].model_dump()
    assert got == {**ref, "order_up_to": 99} and ref["order_up_to"] != 99
    with pytest.raises(ConfigError, match=r"policy.params.order_up_to: unknown product\(s\) q; products: p"):
        apply_policy(sc, "periodic_order_up_to", params={"order_up_to": {"q": 1}})
