"""Scenario validation: every bad input gives one ScenarioError that names the field path and what is allowed, and
nothing is simulated."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

import sim
from sim.errors import ScenarioError
from sim.experiment import replication as engine
from sim.scenario.sources import load_scenario
from tests.conftest import const, lane, single_stage, stock_node


def good() -> dict[str, Any]:
    return single_stage({"kind": "base_stock", "level": 5}, const(1))


def problems(message: str) -> list[str]:
    """The problem lines of a 'scenario is invalid' message (indented by two spaces)."""
    return [line.strip() for line in message.splitlines() if line.startswith("  ")]


@pytest.fixture(autouse=True)
def _nothing_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    """Building a model during these tests is a failure: validation must stop every bad scenario first."""

    def boom(*args: Any, **kw: Any) -> None:
        raise AssertionError("a model was built from an invalid scenario")

    monkeypatch.setattr(engine, "SupplyChain", boom)


def _cycle(d: dict) -> None:
    d["nodes"][1]["type"] = "buffer"
    d["nodes"][1]["sources"]["w"] = [{"node": "b"}]
    d["nodes"].append(stock_node("b", kind="buffer", policy={"kind": "base_stock", "level": 5}, source="r"))
    d["lanes"] += [lane("r", "b", 1), lane("b", "r", 1)]


def _set(*path: Any, value: Any) -> Callable[[dict], None]:
    def mutate(d: dict) -> None:
        target = d
        for p in path[:-1]:
            target = target[p]
        target[path[-1]] = value

    return mutate


R = ("nodes", 1)  # the retailer
CASES: list[tuple[str, Callable[[dict], None], str, str]] = [
    # (case, mutation, field path in the message, what is allowed / the problem)
    (
        "unknown node in a lane",
        lambda d: d["lanes"].append(lane("x", "r", 1)),
        "lanes[1].from",
        "unknown node 'x'; known nodes: f, r",
    ),
    ("lane missing for a source", _set("lanes", value=[]), "nodes[1] (id: r).sources.w[0]", "no lane from 'f' to 'r'"),
    (
        "unknown source node",
        _set(*R, "sources", "w", 0, "node", value="g"),
        "nodes[1] (id: r).sources.w[0].node",
        "unknown node 'g'; known nodes: f, r",
    ),
    (
        "unknown product in demand",
        _set(*R, "demand", "zz", value=const(1)),
        "nodes[1] (id: r).demand",
        "unknown product 'zz'; known products: w",
    ),
    (
        "unknown product in a supplier's capacity",
        _set("nodes", 0, "capacity", value={"w": 5, "zz": 3}),
        "nodes[0] (id: f).capacity",
        "unknown product 'zz'; known products: w",
    ),
    ("cycle in the supply graph", _cycle, "sources", "the supply graph has a cycle: "),
    (
        "negative lead time",
        _set("lanes", 0, "transit", value=const(-1)),
        "lanes[0] (f -> r).transit",
        "value: Input should be greater than or equal to 0",
    ),
    (
        "negative order delay",
        _set(*R, "sources", "w", 0, "order_delay", value=-1),
        "nodes[1] (id: r).sources.w[0].order_delay",
        "greater than or equal to 0",
    ),
    ("zero capacity", _set("nodes", 0, "capacity", value=0), "nodes[0] (id: f).capacity", "greater than 0"),
    (
        "zero per-product capacity",
        _set("nodes", 0, "capacity", value={"w": 0}),
        "nodes[0] (id: f).capacity.w",
        "greater than 0",
    ),
    ("zero lane capacity", _set("lanes", 0, "capacity", value=0), "lanes[0] (f -> r).capacity", "greater than 0"),
    ("zero horizon", _set("horizon", value=0), "horizon", "greater than 0"),
    (
        "negative initial stock",
        _set(*R, "initial_stock", value={"w": -1}),
        "nodes[1] (id: r).initial_stock.w",
        "or equal to 0",
    ),
    ("warm-up past the horizon", _set("warmup", value=20), "warmup", "must be smaller than horizon (20)"),
    (
        "unknown distribution",
        _set("lanes", 0, "transit", value={"dist": "weibull", "k": 2}),
        "lanes[0] (f -> r).transit",
        "unknown distribution 'weibull'; known: constant, discrete, exponential, gamma, lognormal, "
        "negative_binomial, normal, poisson, triangular, uniform",
    ),
    (
        "unknown distribution in demand",
        _set(*R, "demand", "w", value={"dist": "weibull", "k": 2}),
        "nodes[1] (id: r).demand.w",
        "unknown distribution 'weibull'; known: constant, discrete",
    ),
    (
        "missing distribution parameter",
        _set("lanes", 0, "transit", value={"dist": "gamma", "mean": 2}),
        "lanes[0] (f -> r).transit",
        "distribution 'gamma': sd: required (parameters: mean, sd)",
    ),
    (
        "unknown policy",
        _set(*R, "policy", "w", value={"kind": "magic", "level": 1}),
        "nodes[1] (id: r).policy.w",
        "unknown policy 'magic'; known: base_stock, base_surge, dual_index, forecast_order_up_to, pass_through, "
        "periodic_order_up_to, periodic_s_S, s_Q, s_S, sterman",
    ),
    (
        "misspelt policy parameter",
        _set(*R, "policy", "w", value={"kind": "base_stock", "levle": 1}),
        "nodes[1] (id: r).policy.w",
        "levle: unknown parameter (parameters: level)",
    ),
    (
        "unknown demand process",
        _set(*R, "demand", "w", value={"kind": "arima"}),
        "nodes[1] (id: r).demand.w",
        "unknown demand process 'arima'; known: ar1, empirical, periodic, poisson_process, promotion, seasonal, "
        "step, trend",
    ),
    (
        "shares not summing to 1",
        _set(*R, "sources", "w", 0, "share", value=0.5),
        "nodes[1] (id: r).sources.w",
        "shares must sum to 1 (they sum to 0.5)",
    ),
    (
        "retailer without demand",
        _set(*R, "demand", value={}),
        "nodes[1] (id: r).demand",
        "a retailer needs customer demand for at least one product",
    ),
    (
        "policy without a source",
        _set(*R, "sources", value={}),
        "nodes[1] (id: r).sources.w",
        "a policy for 'w' needs at least one source",
    ),
    (
        "unknown node type",
        _set(*R, "type", value="shop"),
        "nodes[1] (id: r)",
        "type must be one of: supplier, buffer, retailer",
    ),
    ("unknown period", _set("period", value="year"), "period", "'hour', 'day', 'week' or 'month'"),
    (
        "unknown unmet_demand",
        _set(*R, "unmet_demand", value="drop"),
        "nodes[1] (id: r).unmet_demand",
        "'backorder' or 'lost'",
    ),
    (
        "typo in a node field",
        _set(*R, "polcy", value={}),
        "nodes[1] (id: r).polcy",
        "unknown field; allowed: id, type,",
    ),
    ("typo at the top level", _set("horizn", value=3), "horizn", "unknown field; allowed: name, description,"),
    (
        "typo in a lane field",
        _set("lanes", 0, "capcity", value=3),
        "lanes[0] (f -> r).capcity",
        "allowed: from, to, transit",
    ),
]


@pytest.mark.parametrize(("mutate", "path", "allowed"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_scenario_gives_one_clear_error(mutate: Callable[[dict], None], path: str, allowed: str) -> None:
    data = good()
    mutate(data)
    with pytest.raises(ScenarioError) as err:
        sim.simulate(data)
    lines = problems(str(err.value))
    assert len(lines) == 1, f"expected one problem, got:\n{err.value}"
    assert lines[0].startswith(f"{path}: "), lines[0]
    assert allowed in lines[0], lines[0]


def test_several_problems_are_listed_together() -> None:
    data = good()
    data["horizon"] = 0
    data["lanes"][0]["transit"] = {"dist": "weibull"}
    with pytest.raises(ScenarioError) as err:
        sim.simulate(data)
    lines = problems(str(err.value))
    assert len(lines) == 2
    assert lines[0].startswith("horizon: ") and lines[1].startswith("lanes[0] (f -> r).transit: ")


def test_the_good_scenario_is_valid() -> None:
    assert load_scenario(good()).horizon == 20


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (
            _set(*R, "policy", "w", "_target_", value="os.system"),
            "nodes[1] (id: r).policy.w._target_: '_target_' is not allowed",
        ),
        (_set("name", value="${oc.env:HOME}"), "name: interpolations like '${oc.env:HOME}' are not allowed"),
        (_set("lanes", 0, "transit", value={"dist": "constant", "value": "${x}"}), "lanes[0] (f -> r).transit.value"),
    ],
)
def test_code_in_a_scenario_is_refused(mutate: Callable[[dict], None], message: str) -> None:
    data = good()
    mutate(data)
    with pytest.raises(ScenarioError) as err:
        sim.simulate(data)
    assert str(err.value).startswith(message)


def test_malformed_yaml_names_file_and_line(tmp_path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("name: broken\nhorizon: 10\nproducts: [{id: w}\nnodes: []\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as err:
        sim.simulate(str(path))
    msg = str(err.value)
    assert msg.startswith(f"{path}:4:") and "malformed YAML" in msg


def test_yaml_file_errors_name_the_file(tmp_path) -> None:
    import yaml

    data = good()
    data["horizon"] = -3
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(ScenarioError) as err:
        sim.simulate(str(path))
    assert str(err.value).startswith(f"{path} is invalid:")
    assert problems(str(err.value)) == ["horizon: Input should be greater than 0"]
    (tmp_path / "list.yaml").write_text("- 1\n- 2\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match="a scenario must be a YAML mapping"):
        sim.simulate(str(tmp_path / "list.yaml"))


def test_unknown_scenario_name_lists_the_library() -> None:
    with pytest.raises(ScenarioError) as err:
        load_scenario("no_such_name")
    msg = str(err.value)
    assert "'no_such_name' is neither a file nor a library scenario; known: " in msg
    assert "serial_chain" in msg


def test_library_scenarios_are_valid() -> None:
    from sim.scenario.loading import library

    for name in library():
        assert load_scenario(name).name


def test_scenario_is_not_mutated_by_validation() -> None:
    data = good()
    before = copy.deepcopy(data)
    load_scenario(data)
    assert data == before
