"""Plants and bills of materials are validated before anything runs: each problem is one line naming the field and
what is allowed (sim.scenario.checks.bom; docs/assembly.md)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from sim.errors import ScenarioError
from sim.scenario.sources import load_scenario
from tests.conftest import const, lane, plant, supplier


def good() -> dict[str, Any]:
    """Plant p makes board from 1 mcu + 2 cable, both bought from s; retailer r sells boards."""
    return {
        "name": "good",
        "horizon": 10,
        "products": [{"id": "board"}, {"id": "mcu"}, {"id": "cable"}],
        "nodes": [
            supplier("s"),
            plant(
                "p",
                {"board": {"mcu": 1, "cable": 2}},
                policy={s: {"kind": "base_stock", "level": 4} for s in ("board", "mcu", "cable")},
                sources={"mcu": [{"node": "s"}], "cable": [{"node": "s"}]},
            ),
            {
                "id": "r",
                "type": "retailer",
                "demand": {"board": const(1)},
                "policy": {"board": {"kind": "base_stock", "level": 3}},
                "sources": {"board": [{"node": "p"}]},
            },
        ],
        "lanes": [lane("s", "p", 1), lane("p", "r", 1)],
    }


P = "nodes[1] (id: p)"


def edit(fn: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    data = copy.deepcopy(good())
    fn(data)
    return data


def _p(data: dict[str, Any]) -> dict[str, Any]:
    return data["nodes"][1]


def _second_plant_loop(d: dict[str, Any]) -> None:
    """q makes mcu from board, p makes board from mcu: a loop across two plants."""
    d["nodes"].append(plant("q", {"mcu": {"board": 1}}, policy={"mcu": {"kind": "base_stock", "level": 1},
                                                                "board": {"kind": "base_stock", "level": 1}},
                            sources={"board": [{"node": "s"}]}))  # fmt: skip
    d["lanes"].append(lane("s", "q", 1))


CASES = [
    (
        "unknown finished good",
        lambda d: _p(d)["bom"].update(gadget={"mcu": 1}),
        f"{P}.bom.gadget: unknown product 'gadget'",
    ),
    (
        "unknown component",
        lambda d: _p(d)["bom"]["board"].update(chip=1),
        f"{P}.bom.board.chip: unknown product 'chip'",
    ),
    ("empty kit", lambda d: _p(d)["bom"].update(board={}), f"{P}.bom.board: needs at least one component"),
    ("zero quantity", lambda d: _p(d)["bom"]["board"].update(mcu=0), "bom.board.mcu: Input should be greater than 0"),
    (
        "bought finished good",
        lambda d: _p(d)["sources"].update(board=[{"node": "s"}]),
        f"{P}.sources.board: 'board' is made here (bom); production replenishes it, drop its sources",
    ),
    (
        "made to stock without a policy",
        lambda d: _p(d)["policy"].pop("board"),
        f"{P}.policy.board: missing; a finished good made to stock needs a policy",
    ),
    (
        "made to order with a policy",
        lambda d: _p(d).update(make_to_order=True),
        f"{P}.policy.board: 'board' is made to order (built against demand); drop its policy",
    ),
    (
        "made to order: not made here",
        lambda d: _p(d).update(make_to_order=["mcu"]),
        f"{P}.make_to_order: 'mcu' is not made here; the plant makes: board",
    ),
    (
        "component without sources",
        lambda d: _p(d)["sources"].pop("cable"),
        f"{P}.bom.board.cable: component 'cable' has no sources at 'p' and is not made there; add sources.cable",
    ),
    (
        "component sold to customers",
        lambda d: _p(d).update(demand={"mcu": const(1)}),
        f"{P}.demand.mcu: 'mcu' is a component here",
    ),
    (
        "component sourced from the plant",
        lambda d: d["nodes"][2].update(
            policy={"mcu": {"kind": "base_stock", "level": 1}},
            sources={"mcu": [{"node": "p"}]},
            demand={"mcu": const(1)},
        ),
        "nodes[2] (id: r).sources.mcu[0].node: 'p' holds 'mcu' as a component of its production",
    ),
    (
        "capacity of a product not made",
        lambda d: _p(d).update(capacity={"mcu": 5}),
        f"{P}.capacity.mcu: 'p' does not make 'mcu'; it makes: board",
    ),
    (
        "production time missing for a product",
        lambda d: _p(d).update(production_time={"x": const(1)}),
        f"{P}.production_time: no production time for 'board'",
    ),
    (
        "batch of a product not made",
        lambda d: _p(d).update(batch_size={"cable": 5}),
        f"{P}.batch_size.cable: 'p' does not make 'cable'",
    ),
    (
        "priority without the rule",
        lambda d: _p(d).update(priority=["board"]),
        f"{P}.priority: only with allocation: priority (allocation is 'fifo')",
    ),
    (
        "priority names a product not made",
        lambda d: _p(d).update(allocation="priority", priority=["mcu"]),
        f"{P}.priority: 'mcu' is not made here",
    ),
    (
        "a sourcing rule for a finished good",
        lambda d: _p(d).update(sourcing={"board": {"rule": "fixed_split"}}),
        f"{P}.sourcing.board: 'board' is made here; its one source is the plant's production",
    ),
    (
        "a finished good's policy naming a source",
        lambda d: _p(d)["policy"].update(
            board={"kind": "dual_index", "regular": "s", "expedited": "p", "z_r": 5, "z_e": 2}
        ),
        f"{P}.policy.board.regular: unknown source 's'",
    ),
    ("unknown allocation rule", lambda d: _p(d).update(allocation="random"), "allocation: Input should be 'fifo'"),
    (
        "consignment at a plant",
        lambda d: _p(d)["sources"]["mcu"][0].update(consignment=True),
        f"{P}.sources.mcu[0].consignment: a plant's stock is not consignment stock",
    ),
    (
        "a bom that loops in one plant",
        lambda d: _p(d)["bom"].update(mcu={"board": 1}),
        "bom: the bills of materials loop: board -> mcu -> board",
    ),
    ("a bom that loops across plants", _second_plant_loop, "bom: the bills of materials loop: "),
    ("a misspelled plant field", lambda d: _p(d).update(boms={}), "unknown field; allowed: id, type, region"),
]


@pytest.mark.parametrize(("label", "change", "expected"), CASES, ids=[c[0] for c in CASES])
def test_each_problem_is_one_clear_error(label, change, expected):
    with pytest.raises(ScenarioError) as err:
        load_scenario(edit(change))
    assert expected in str(err.value), str(err.value)


def test_the_loop_is_named_in_order():
    """board is made from mcu and mcu (at q) from board: the message walks the loop the way products are made."""
    with pytest.raises(ScenarioError) as err:
        load_scenario(edit(_second_plant_loop))
    line = next(x for x in str(err.value).splitlines() if "loop" in x)
    loop = line.split("loop: ")[1].split(" (")[0].split(" -> ")
    assert loop[0] == loop[-1] and set(loop) == {"board", "mcu"}
    assert "bom" in next(x for x in str(err.value).splitlines() if "loop" in x)


def test_a_good_plant_loads_and_a_plant_is_a_stock_node():
    sc = load_scenario(good())
    p = sc.node("p")
    assert p.type == "plant" and p.made == {"board"} and p.components == ["mcu", "cable"]
    assert p.products == ["board", "mcu", "cable"] and p.carries("cable")
    assert sc.to_dict()["nodes"][1]["bom"] == {"board": {"mcu": 1.0, "cable": 2.0}}


def test_the_node_type_error_lists_plant():
    data = edit(lambda d: _p(d).update(type="factory"))
    with pytest.raises(ScenarioError, match="type must be one of: supplier, buffer, retailer, plant"):
        load_scenario(data)
