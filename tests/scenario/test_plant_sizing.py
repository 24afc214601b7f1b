"""Sizing through the bill of materials (docs/assembly.md, "Sizing"): demand moments carried from finished goods to
components, presets on components' supplier lead times, finished goods on production time + the expected kit wait,
and ``service_level`` on a finished good. Every number is computed here from the closed forms by hand."""

from __future__ import annotations

import math
from typing import Any

import pytest
from scipy import stats

from sim.scenario.moments import demand_moments
from sim.scenario.presets import apply_policy
from sim.scenario.sources import load_scenario
from tests.conftest import const, lane, plant, supplier


def g(z: float) -> float:
    """The standard normal loss function, φ(z) − z (1 − Φ(z))."""
    return float(stats.norm.pdf(z) - z * (1 - stats.norm.cdf(z)))


def network(board_policy: dict[str, Any] | None = None, levels: tuple[float, float] = (1, 1)) -> dict[str, Any]:
    """Retailer r sells boards (Poisson 4 a period); plant p makes a board in 1 period from 1 mcu (3 periods from s1)
    and 2 cables (1 period from s2)."""
    return {
        "name": "sizing",
        "horizon": 20,
        "products": [{"id": "board"}, {"id": "mcu"}, {"id": "cable"}],
        "nodes": [
            supplier("s1"),
            supplier("s2"),
            plant(
                "p",
                {"board": {"mcu": 1, "cable": 2}},
                production_time=const(1),
                policy={
                    "board": board_policy or {"kind": "base_stock", "level": 1},
                    "mcu": {"kind": "base_stock", "level": levels[0]},
                    "cable": {"kind": "base_stock", "level": levels[1]},
                },
                sources={"mcu": [{"node": "s1"}], "cable": [{"node": "s2"}]},
            ),
            {
                "id": "r",
                "type": "retailer",
                "demand": {"board": {"dist": "poisson", "mean": 4}},
                "policy": {"board": {"kind": "base_stock", "level": 1}},
                "sources": {"board": [{"node": "p"}]},
            },
        ],
        "lanes": [lane("s1", "p", 3), lane("s2", "p", 1), lane("p", "r", 1)],
    }


def test_component_demand_is_the_bom_times_the_finished_goods_demand():
    """board at p faces r's orders (mean 4, variance 4); mcu 1 × that, cable 2 ×: mean 8, variance 4 × 4."""
    mom = demand_moments(load_scenario(network()))
    assert mom["p", "board"] == (4, 4) and mom["p", "mcu"] == (4, 4) and mom["p", "cable"] == (8, 16)


def test_two_products_sharing_a_component_and_a_sub_assembly():
    """top (mean 3, var 3) and kit (mean 1, var 1) at q; q makes top from 1 sub + 2 c and kit from 2 sub + 0.75 c, and
    sub from 3 a: sub faces 1×top + 2×kit = (3 + 2, 3 + 4), c (2×3 + 0.75, 4×3 + 0.5625), a 3 × sub = (15, 63)."""
    data = {
        "name": "shared",
        "horizon": 10,
        "products": [{"id": x} for x in ("top", "kit", "sub", "a", "c")],
        "nodes": [
            supplier("s"),
            plant(
                "q",
                {"top": {"sub": 1, "c": 2}, "kit": {"sub": 2, "c": 0.75}, "sub": {"a": 3}},
                policy={x: {"kind": "base_stock", "level": 1} for x in ("top", "kit", "sub", "a", "c")},
                sources={"a": [{"node": "s"}], "c": [{"node": "s"}]},
                demand={"top": {"dist": "poisson", "mean": 3}, "kit": {"dist": "poisson", "mean": 1}},
            ),
        ],
        "lanes": [lane("s", "q", 1)],
    }
    mom = demand_moments(load_scenario(data))
    assert mom["q", "sub"] == pytest.approx((5, 7)) and mom["q", "c"] == pytest.approx((6.75, 12.5625))
    assert mom["q", "a"] == pytest.approx((15, 63))


def test_a_preset_sizes_components_on_their_lead_times_and_finished_goods_on_production_plus_kit_wait():
    """base_stock with z = 1: mcu ceil(4·3 + 2√3) = 16, cable ceil(8·1 + 4·1) = 12. Expected kit wait: mcu
    √(3·4) G(1) / 4, cable √(1·16) G(1) / 8; the larger (mcu's, 0.0722) plus the production time 1 is the board's
    lead time: ceil(4 · 1.0722 + 2 √1.0722) = 7 (6 without the kit wait)."""
    sized = apply_policy(load_scenario(network()), "base_stock", safety_factor=1.0)
    pol = {(n.id, s): spec.params for n in sized.nodes if hasattr(n, "policy") for s, spec in n.policy.items()}
    assert pol["p", "mcu"].level == 16 and pol["p", "cable"].level == 12
    wait = max(math.sqrt(12) * g(1) / 4, 4 * g(1) / 8)
    assert wait == pytest.approx(0.0722, abs=1e-4)
    assert pol["p", "board"].level == math.ceil(4 * (1 + wait) + 2 * math.sqrt(1 + wait)) == 7
    assert pol["r", "board"].level == math.ceil(4 * 1 + 2 * 1)  # the retailer on its own lane, as before


def test_service_level_on_a_finished_good_counts_the_kit_wait_at_the_components_levels():
    """board: service_level 0.9; mcu 16 and cable 12 written: their safety factors (16 − 12)/√12 and (12 − 8)/4;
    wait = max(√12 G(z_mcu)/4, 4 G(1)/8); level = 4 (1 + wait) + Φ⁻¹(0.9) × 2 √(1 + wait) (constant production time:
    no lead-time variance)."""
    sc = load_scenario(network({"kind": "base_stock", "service_level": 0.9}, levels=(16, 12)))
    level = sc.node("p").policy["board"].params.level
    z_mcu = 4 / math.sqrt(12)
    wait = max(math.sqrt(12) * g(z_mcu) / 4, 4 * g(1) / 8)
    assert level == pytest.approx(4 * (1 + wait) + stats.norm.ppf(0.9) * 2 * math.sqrt(1 + wait))
    # a component at its own service level: its target's factor, not its (placeholder) level
    data = network({"kind": "base_stock", "service_level": 0.9}, levels=(16, 12))
    data["nodes"][2]["policy"]["mcu"] = {"kind": "base_stock", "service_level": 0.95}
    both = load_scenario(data)
    z95 = float(stats.norm.ppf(0.95))
    wait95 = max(math.sqrt(12) * g(z95) / 4, 4 * g(1) / 8)
    got = both.node("p").policy["board"].params.level
    assert got == pytest.approx(4 * (1 + wait95) + stats.norm.ppf(0.9) * 2 * math.sqrt(1 + wait95))
    assert both.node("p").policy["mcu"].params.level == pytest.approx(12 + z95 * math.sqrt(12))


def test_made_to_order_goods_are_not_sized():
    data = network()
    data["nodes"][2]["make_to_order"] = True
    del data["nodes"][2]["policy"]["board"]
    sized = apply_policy(load_scenario(data), "base_stock", safety_factor=1.0)
    assert "board" not in sized.node("p").policy and sized.node("p").policy["mcu"].params.level == 16
