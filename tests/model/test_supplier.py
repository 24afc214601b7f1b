"""Suppliers with a production time per product."""

from __future__ import annotations

import pytest

import sim
from sim.scenario.loading import validate


def two_products(production_time) -> dict:
    return {
        "name": "per_product_times",
        "horizon": 40,
        "products": [{"id": "a"}, {"id": "b"}],
        "nodes": [
            {"id": "f", "type": "supplier", "production_time": production_time},
            {
                "id": "s",
                "type": "retailer",
                "demand": {"a": {"dist": "constant", "value": 2}, "b": {"dist": "constant", "value": 3}},
                "policy": {"a": {"kind": "base_stock", "level": 20}, "b": {"kind": "base_stock", "level": 20}},
                "sources": {"a": [{"node": "f"}], "b": [{"node": "f"}]},
            },
        ],
        "lanes": [{"from": "f", "to": "s", "transit": {"dist": "constant", "value": 2}}],
    }


def test_each_product_takes_its_own_production_time():
    """Lead time = production time of the product + 2 periods of transit, exactly, for every order."""
    times = {"a": {"dist": "constant", "value": 3}, "b": {"dist": "constant", "value": 1}}
    res = sim.simulate(two_products(times), seed=0)
    assert res.kpi("lead_time_avg", "s", "a") == 5 and res.kpi("lead_time_p95", "s", "a") == 5
    assert res.kpi("lead_time_avg", "s", "b") == 3 and res.kpi("lead_time_p95", "s", "b") == 3
    assert res.kpi("otif", "s", "a") == 1.0  # promised lead time defaults to the expected one: 3 + 2


def test_one_distribution_still_applies_to_all_products():
    res = sim.simulate(two_products({"dist": "constant", "value": 4}), seed=0)
    assert res.kpi("lead_time_avg", "s", "a") == res.kpi("lead_time_avg", "s", "b") == 6


def test_a_sourced_product_without_a_production_time_is_an_error():
    with pytest.raises(sim.ScenarioError, match="no production_time for 'b'"):
        validate(two_products({"a": {"dist": "constant", "value": 3}}))
