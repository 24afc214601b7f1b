"""What the hostile-input test (tests/integration/test_hostile_inputs.py) found in validation, kept as regressions:
each input used to raise a Python error instead of one ScenarioError naming the field."""

from __future__ import annotations

from typing import Any

import pytest

from sim.errors import ScenarioError
from sim.scenario.sources import load_scenario
from tests.conftest import const, single_stage


def good() -> dict[str, Any]:
    return single_stage({"kind": "base_stock", "service_level": 0.9}, const(1))


def test_nodes_of_the_wrong_type_with_a_service_level_policy() -> None:
    """The service_level pre-pass iterated ``nodes`` before the schema saw it: TypeError 'float' not iterable."""
    data = good()
    data["nodes"] = 2.5
    with pytest.raises(ScenarioError, match=r"nodes: Input should be a valid list"):
        load_scenario(data)


def test_a_policy_kind_of_the_wrong_type_with_a_service_level() -> None:
    """The pre-pass looked the kind up in a dict: TypeError unhashable type 'dict'."""
    data = good()
    data["nodes"][1]["policy"]["w"]["kind"] = {"bogus_key": 1}
    with pytest.raises(ScenarioError, match=r"nodes\[1\]\.policy\.w\.service_level: only for base_stock, .* not \{"):
        load_scenario(data)
