"""Plants in spreadsheets (docs/spreadsheets.md): the bill of materials and the per-product production fields have
tables of their own (``bom``, ``plant_products``); a scenario with a plant survives the round trip, as a CSV folder
and as a workbook."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

import sim
from sim.scenario.tables.export import export_scenario

ROOT = Path(__file__).resolve().parents[2]


def variants() -> list[dict]:
    base = yaml.safe_load((ROOT / "scenarios" / "contract_manufacturer.yaml").read_text())
    mixed = copy.deepcopy(base)
    plant = mixed["nodes"][4]
    plant |= {"make_to_order": ["board_b"], "allocation": "priority", "priority": ["board_a", "board_b"]}
    del plant["policy"]["board_b"]
    plant["capacity"] = {"board_a": 100, "board_b": 60}
    plant["production_time"] = {
        "board_a": {"dist": "constant", "value": 1},
        "board_b": {"dist": "gamma", "mean": 2, "sd": 1},
    }
    return [base, mixed]


@pytest.mark.parametrize("name", ["folder", "book.xlsx"])
@pytest.mark.parametrize("which", [0, 1], ids=["library", "per_product_fields"])
def test_a_plant_round_trips(tmp_path, name, which):
    data = variants()[which]
    out = export_scenario(data, tmp_path / name)
    assert sim.load_scenario(str(out)).to_dict() == sim.load_scenario(data).to_dict()


def test_the_bom_table_has_one_row_per_component(tmp_path):
    out = export_scenario("contract_manufacturer", tmp_path / "cm")
    rows = (out / "bom.csv").read_text().splitlines()
    assert rows[0] == "node,product,component,quantity" and "mx_plant,board_b,mcu,2" in rows and len(rows) == 7
    assert (out / "plant_products.csv").read_text().splitlines() == [
        "node,product,production_cost",
        "mx_plant,board_a,14",
        "mx_plant,board_b,11",
    ]
