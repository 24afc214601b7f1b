"""Disrupting any network from the command line: the generic options of the ``disruption`` group (one per kind,
target and window as overrides), composed with each other and the presets, a second one added with
``+disruption.<key>``, and the errors when a parameter is missing or a preset meets another network."""

from __future__ import annotations

import pytest

import sim
from sim.cli.config import GENERIC_OPTIONS, build_scenario, compose_config, conf_dir
from sim.errors import ConfigError, ScenarioError
from sim.scenario.disruptions import DISRUPTIONS


def overrides(option: str, **params: object) -> list[str]:
    return [f"disruption={option}", *(f"disruption.{option}.{k}={v}" for k, v in params.items())]


# a target in the showcase per generic option (a lane id is quoted for Hydra's grammar)
SHOWCASE = {
    "supplier_outage": {"supplier": "tw_hsinchu"},
    "lane_closure": {"lane": "'cn_shenzhen->hub_venlo'"},
    "regional_event": {"region": "Taiwan"},
    "facility_outage": {"node": "west_lyon"},
    "demand_shock": {"multiplier": 1.5},
}


def test_one_generic_option_per_kind_named_after_it():
    """Every generic option is a file of the group named after a registered kind, its target and window required."""
    assert set(SHOWCASE) == set(GENERIC_OPTIONS)
    for option in GENERIC_OPTIONS:
        assert option in DISRUPTIONS
        text = (conf_dir() / "disruption" / f"{option}.yaml").read_text(encoding="utf-8")
        assert f"{option}:\n  kind: {option}\n" in text and "start: ???" in text and "duration: ???" in text


@pytest.mark.parametrize("option", GENERIC_OPTIONS)
def test_generic_option_takes_its_target_and_window(option):
    sc = build_scenario(compose_config(None, overrides(option, **SHOWCASE[option], start=120, duration=42)))
    (spec,) = sc.disruptions
    assert spec.kind == option and spec.window == (120, 162)
    target = next(iter(SHOWCASE[option].values()))
    assert spec.label == f"{option}:{spec.target}@120"  # the default label: kind, target, start
    assert str(target).strip("'") in spec.label or option == "demand_shock"


def test_the_issue_command_on_another_network():
    """``supplysim scenario_file=... disruption=supplier_outage ...`` on a network that is not the showcase."""
    sc = build_scenario(
        compose_config("serial_chain", overrides("supplier_outage", supplier="factory", start=10, duration="null"))
    )
    got = [(d.kind, d.params.supplier, d.window) for d in sc.disruptions]
    assert got == [("supplier_outage", "factory", (10, None))]


def test_missing_parameters_name_the_overrides_to_give():
    with pytest.raises(ConfigError) as exc:
        build_scenario(compose_config("serial_chain", overrides("facility_outage", node="dc")))
    msg = str(exc.value)
    assert "disruption.facility_outage: give start, duration" in msg
    assert "disruption.facility_outage.start=120" in msg and "duration=null" in msg


def test_generic_options_compose_with_each_other_and_with_presets():
    sc = build_scenario(
        compose_config(
            None,
            [
                "disruption=[supplier_outage,red_sea,facility_outage]",
                *overrides("supplier_outage", supplier="tw_hsinchu", start=120, duration=42)[1:],
                *overrides("facility_outage", node="west_lyon", start=100, duration=5)[1:],
            ],
        )
    )
    kinds = [d.kind for d in sc.disruptions]
    assert kinds == ["supplier_outage", *["lane_slowdown"] * 5, "facility_outage"]
    assert sc.disruptions[1].label == "red_sea[0]"  # a preset's entries are named after it


def test_a_second_disruption_of_the_same_kind_with_plus():
    sc = build_scenario(
        compose_config(
            None,
            [
                *overrides("supplier_outage", supplier="tw_hsinchu", start=120, duration=42),
                "+disruption.second={kind: supplier_outage, supplier: de_rhein, start: 150, duration: 14}",
            ],
        )
    )
    assert [(d.label, d.params.supplier) for d in sc.disruptions] == [
        ("supplier_outage:tw_hsinchu@120", "tw_hsinchu"),
        ("second", "de_rhein"),
    ]


def test_a_showcase_preset_on_another_network_says_how_to_name_its_elements():
    with pytest.raises(ScenarioError) as exc:
        build_scenario(compose_config("serial_chain", ["disruption=psu_outage"]))
    msg = str(exc.value)
    assert "unknown supplier 'tw_taoyuan'; known suppliers: factory" in msg
    assert "disruptions[0] comes from disruption=psu_outage" in msg
    assert "disruption=supplier_outage disruption.supplier_outage.supplier=<id>" in msg


def test_a_generic_option_with_a_wrong_target_gets_no_preset_hint():
    with pytest.raises(ScenarioError) as exc:
        cfg = compose_config("serial_chain", overrides("supplier_outage", supplier="nope", start=1, duration=2))
        build_scenario(cfg)
    assert "unknown supplier 'nope'" in str(exc.value) and "comes from" not in str(exc.value)


def test_a_generic_option_runs_a_batch_with_the_resilience_block():
    batch = sim.run(
        "serial_chain",
        [*overrides("supplier_outage", supplier="factory", start=40, duration=20), "mc.replications=2"],
    )
    assert batch.values_of("time_to_survive").shape == (2,)
    assert "time_to_survive_km_median" in set(batch.summary.kpi)
