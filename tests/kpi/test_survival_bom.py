"""``tts_optimal`` with plants: the BOM constraint (output ≤ stock of each component ÷ its quantity, and the
component's new supply), solved by hand (sim.kpi.survival, docs/assembly.md)."""

from __future__ import annotations

import pytest

from sim.kpi.survival import Supply, supplies, tts_optimal
from tests.conftest import build, kpi_dict, run
from tests.model.test_plants import bom_outage


def test_bom_constrained_tts_by_hand():
    """fg: demand 10 a period, 50 in stock. Plant p makes it after 1 period, 8 a period, from 2 a + 1 b; 60 a and
    100 b in stock; supplier sa adds 6 a a period after 4 periods.

    Before sa (t < 4 is not the optimum): output ≤ 60 / 2 = 30, so 10 t ≤ 50 + 30: t = 8 (capacity 8 × 7 ≥ 30).
    With sa: output ≤ (60 + 6 (t − 4)) / 2 = 3 t + 18, so 10 t ≤ 50 + 3 t + 18: t = 68 / 7 (capacity 8 (t − 1) = 69.7
    ≥ 47.1 and b's 100 do not bind). Without the plant: 50 / 10 = 5. With the plant but no BOM limit it would be
    capacity-bound: 10 t ≤ 50 + 8 (t − 1): t = 21."""
    plant = Supply("p", "fg", 1.0, 8.0, "p", (("a", 2.0), ("b", 1.0)))
    sa = Supply("sa", "a", 4.0, 6.0, "sa")
    stock = {"fg": 50.0, "a": 60.0, "b": 100.0}
    assert tts_optimal(stock, {"fg": 10}, [plant, sa], 365) == pytest.approx(68 / 7)
    assert tts_optimal(stock, {"fg": 10}, [plant], 365) == pytest.approx(8)
    assert tts_optimal(stock, {"fg": 10}, [], 365) == pytest.approx(5)
    unlimited_parts = {"fg": 50.0, "a": 1e9, "b": 1e9}
    assert tts_optimal(unlimited_parts, {"fg": 10}, [plant], 365) == pytest.approx(21)


def test_two_levels_of_bom():
    """top (demand 5, no stock) is made from 1 sub, sub from 2 a (both at once, unlimited); 40 a: 20 sub, 20 top:
    t = 4. With 10 sub in stock as well: 30 top, t = 6. Components reach the LP through every level."""
    top = Supply("q", "top", 0.0, None, "q", (("sub", 1.0),))
    sub = Supply("p", "sub", 0.0, None, "p", (("a", 2.0),))
    assert tts_optimal({"a": 40.0}, {"top": 5}, [sub, top], 100) == pytest.approx(4)
    assert tts_optimal({"a": 40.0, "sub": 10.0}, {"top": 5}, [sub, top], 100) == pytest.approx(6)


def test_a_plant_is_a_supply_of_what_it_makes():
    """The scenario's plant p: fg after its mean production time (0), unlimited, using 1 MCU and 1 harness; tw (down
    in this scenario) is not a supply; loc adds harnesses after 1 period."""
    opts = supplies(build(bom_outage()))
    assert [(o.supplier, o.sku, o.lead, o.capacity, o.uses) for o in opts] == [
        ("p", "fg", 0.0, None, (("mcu", 1.0), ("har", 1.0))),
        ("loc", "har", 1.0, None, ()),
    ]
    k = kpi_dict(run(bom_outage()))
    assert k["ALL", "fg", "tts_optimal"] == pytest.approx(9)  # 3 + 2 fg + the 4 MCUs left (worked in test_plants)
