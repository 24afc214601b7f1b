"""Contract terms (sim.scenario.contracts, sim.model.flex_band): late units and the on-time penalty on a
deterministic late supplier; a volume-flex band caps what the supplier accepts per period exactly, the excess
waits (one source) or spills over (a second source). Hand traces."""

from __future__ import annotations

import pytest

from sim.errors import ScenarioError
from sim.scenario.sources import load_scenario
from tests.conftest import chain, const, kpi_dict, lane, product, run, stock_node, supplier


def late(contract: dict, promised: float) -> dict:
    """Store s: demand 5 a period, base stock 20, one source f: production 3 + transit 1 = 4 periods, promised
    ``promised``. Orders of 5 from t0 on (after each demand) arrive at t4..t19: 16 receipts, 80 units."""
    return {
        "name": "late",
        "horizon": 20,
        "products": [product()],
        "nodes": [
            supplier("f", production_time=const(3), contract=contract),
            stock_node(
                "s",
                policy={"kind": "base_stock", "level": 20},
                source=[{"node": "f", "promised_lead_time": promised}],
                demand=const(5),
            ),
        ],
        "lanes": [lane("f", "s", 1)],
    }


def test_every_unit_late_pays_the_rate():
    """Promised 1, takes 4: all 80 units late; penalty 80 × 2 = 160."""
    k = kpi_dict(run(late({"late_penalty": 2}, promised=1)))
    assert k["f", "ALL", "volume"] == 80
    assert k["f", "ALL", "late_units"] == 80
    assert k["f", "ALL", "on_time_penalty"] == 160


def test_the_target_allows_some_lateness_and_rewards_doing_better():
    """Target 0.9: the allowance is 10 % of the 80 delivered. All late: 2 × (80 − 8) = 144; promised 4 (all on
    time): 2 × (0 − 8) = −16, a reward."""
    assert kpi_dict(run(late({"late_penalty": 2, "on_time_target": 0.9}, 1)))["f", "ALL", "on_time_penalty"] == 144
    on_time = kpi_dict(run(late({"late_penalty": 2, "on_time_target": 0.9}, 4)))
    assert on_time["f", "ALL", "late_units"] == 0
    assert on_time["f", "ALL", "on_time_penalty"] == pytest.approx(-16)


def test_no_contract_no_contract_rows():
    d = late({"late_penalty": 2}, 1)
    del d["nodes"][0]["contract"]
    assert not [key for key in kpi_dict(run(d)) if key[2] == "late_units"]


FLEX = {"flex": {"commitment": 10, "band": 0.2}}  # accepts 8..12 a period


def flex(second: bool = False) -> dict:
    """Store s, periodic order-up-to 30 every period, demand 15, 5, 20, 0, 10, 0; transit 10 (nothing arrives
    within the 6 periods). f has a band of 12 a period; with ``second`` a source g without a band is listed too and
    a failover rule sends every order to f first (f is healthy: g only gets what f's band refuses)."""
    sources = [{"node": "f"}] if not second else [{"node": "f", "share": 0.5}, {"node": "g", "share": 0.5}]
    nodes = [
        supplier("f", contract=FLEX),
        supplier("g"),
        stock_node(
            "s",
            policy={"kind": "periodic_order_up_to", "review_period": 1, "order_up_to": 30},
            source=sources,
            demand={"kind": "empirical", "values": [15, 5, 20, 0, 10, 0]},
        ),
    ]
    d = {
        "name": "flex",
        "horizon": 6,
        "products": [product()],
        "nodes": nodes,
        "lanes": [lane("f", "s", 10), lane("g", "s", 10)],
    }
    if second:
        nodes[2]["sourcing"] = {"w": {"rule": "failover", "primary": "f", "backup": "g"}}
    return d


def test_a_flex_band_caps_and_the_excess_waits():
    """Orders 0, 15, 5, 20, 0, 10 (each the last period's demand; the waiting units count as on order, else t2
    would order 8). f accepts 12 at t1 (3 wait), the 3 at t2's start and then the 5 (8 in all), 12 of the 20 at
    t3 (8 wait), the 8 at t4, 10 at t5. Refused 3 + 8 = 11; 2 of 4 orders accepted whole; shortfall below 8:
    only t0 (8)."""
    c = chain(flex())
    assert c.items["s", "w"].ordered.tolist()[:6] == [0, 15, 5, 20, 0, 10]
    assert c.suppliers["f"].ordered[:6] == [0, 12, 8, 12, 8, 10]
    k = kpi_dict(run(flex()))
    assert (k["f", "ALL", "refused_units"], k["f", "ALL", "flex_share"], k["f", "ALL", "flex_shortfall"]) == (
        11,
        0.5,
        8,
    )
    assert k["s", "w", "orders_placed"] == 4  # one per decision: the waiting parts are not extra decisions


def test_the_excess_spills_over_to_a_second_source():
    """The same orders with g as second source: f takes 12, 5, 12, 10; g gets the 3 at t1 and the 8 at t3 at once."""
    c = chain(flex(second=True))
    assert c.suppliers["f"].ordered[:6] == [0, 12, 5, 12, 0, 10]
    assert c.suppliers["g"].ordered[:6] == [0, 3, 0, 8, 0, 0]


def test_a_commitment_for_an_unknown_product_is_refused():
    d = flex()
    d["nodes"][0]["contract"] = {"flex": {"commitment": {"bolt": 10}, "band": 0.1}}
    with pytest.raises(ScenarioError, match=r"contract.flex.commitment: unknown product 'bolt'; known products: w"):
        load_scenario(d)
