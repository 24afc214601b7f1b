"""Ids (sim.scenario.ids): whitespace, blank ids, the KPI tables' reserved labels and numbers where text is expected
are refused, each with a message that says what is wrong and what to do."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import yaml

from sim.errors import ScenarioError
from sim.kpi import compute, costs, lanes, sources
from sim.scenario import ids
from sim.scenario.sources import load_scenario
from tests.conftest import const, single_stage

Mutate = Callable[[dict[str, Any]], None]


def good() -> dict[str, Any]:
    """Supplier f -> retailer r, product w (tests.conftest.single_stage)."""
    return single_stage({"kind": "base_stock", "level": 5}, const(1))


def refused(mutate: Mutate) -> str:
    data = good()
    mutate(data)
    with pytest.raises(ScenarioError) as info:
        load_scenario(data)
    return str(info.value)


def _set(where: Callable[[dict], dict], key: Any, value: Any) -> Mutate:
    return lambda d: where(d).__setitem__(key, value)


PRODUCT = lambda d: d["products"][0]  # noqa: E731
SUPPLIER = lambda d: d["nodes"][0]  # noqa: E731
LANE = lambda d: d["lanes"][0]  # noqa: E731

CASES = [
    # (case, mutation, the field path and the words of the message)
    (
        "trailing space",
        _set(PRODUCT, "id", "w "),
        ["products[0]", ".id: 'w ' has leading or trailing whitespace; write 'w'"],
    ),
    (
        "leading space",
        _set(SUPPLIER, "id", " f"),
        ["nodes[0]", ".id: ' f' has leading or trailing whitespace; write 'f'"],
    ),
    ("blank", _set(SUPPLIER, "id", "   "), ["nodes[0]", ".id: '   ' is blank; write an id"]),
    ("empty", _set(PRODUCT, "id", ""), ["products[0]", ".id: '' is blank"]),
    ("ALL", _set(PRODUCT, "id", "ALL"), [".id: 'ALL' is the label of the KPI tables' aggregate rows", "another id"]),
    ("lane prefix", _set(LANE, "id", "lane:x"), ["lanes[0]", ".id: 'lane:x' starts with 'lane:'", "another id"]),
    ("mode prefix", _set(SUPPLIER, "id", "mode:sea"), [".id: 'mode:sea' starts with 'mode:'"]),
    ("region prefix", _set(SUPPLIER, "id", "region:EU"), [".id: 'region:EU' starts with 'region:'"]),
    ("source separator", _set(SUPPLIER, "id", "a<-b"), [".id: 'a<-b' contains '<-'", "per-source KPI rows"]),
    ("lane blank", _set(LANE, "id", " "), ["lanes[0]", ".id: ' ' is blank"]),
    ("number id", _set(PRODUCT, "id", 7), ["products[0]", ".id: 7 is a number", "put it in quotes ('007')"]),
    ("boolean id", _set(SUPPLIER, "id", True), ["nodes[0]", ".id: True is a boolean", "yes/no/on/off"]),
    ("number reference", _set(LANE, "from", 7), ["lanes[0]", ".from: 7 is a number", "quotes"]),
    (
        "number key",
        lambda d: d["nodes"][1]["policy"].__setitem__(7, {"kind": "base_stock", "level": 1}),
        ["nodes[1]", ".policy.7: 7 is a number", "quotes"],
    ),
    ("number source", lambda d: d["nodes"][1]["sources"]["w"][0].__setitem__("node", 1.5), [".node: 1.5 is a number"]),
    (
        "disruption name",
        lambda d: d.__setitem__(
            "disruptions", [{"kind": "supplier_outage", "supplier": "f", "start": 1, "name": "x "}]
        ),
        ["disruptions[0].name: 'x ' has leading or trailing whitespace; write 'x'"],
    ),
    (
        "disruption target",
        lambda d: d.__setitem__("disruptions", [{"kind": "supplier_outage", "supplier": 7, "start": 1}]),
        ["disruptions[0]", "supplier: 7 is a number", "quotes"],
    ),
]


@pytest.mark.parametrize(("mutate", "words"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_ids_are_refused_with_what_to_do(mutate: Mutate, words: list[str]) -> None:
    message = refused(mutate)
    for w in words:
        assert w in message, message


def test_yaml_numbers_and_booleans_as_ids_are_refused_and_quoted_ones_load() -> None:
    """YAML reads id: 007 as 7 and id: yes as true; quoted, both are the ids written."""
    text = yaml.safe_dump(good(), sort_keys=False).replace("id: w", "id: 007").replace("- w", "- '007'")
    data = yaml.safe_load(text)
    assert data["products"][0]["id"] == 7
    assert "products[0] (id: 7).id: 7 is a number" in refused(lambda d: d.update(data))
    data = good()
    data["products"][0]["id"] = "007"
    for key in ("policy", "sources", "demand"):
        data["nodes"][1][key] = {"007": data["nodes"][1][key]["w"]}
    assert load_scenario(data).products[0].id == "007"


def test_an_empty_lane_id_is_the_default() -> None:
    data = good()
    data["lanes"][0]["id"] = ""
    assert load_scenario(data).lanes[0].id == "f->r"


def test_the_reserved_labels_are_the_kpi_tables() -> None:
    """The labels refused as ids are the ones sim.kpi writes into its row labels."""
    assert ids.ALL == compute.ALL == lanes.ALL == sources.ALL
    assert {lanes.LANE_PREFIX, costs.MODE_PREFIX, sources.REGION_PREFIX} == set(ids.RESERVED_PREFIXES)
    assert ids.reserved_in(f"a{ids.SOURCE_SEPARATOR}b")
    assert not ids.reserved_in("all") and not ids.reserved_in("lane") and not ids.reserved_in("f->r")
