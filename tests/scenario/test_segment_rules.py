"""Segment-driven sourcing (sim.scenario.segmentation): segments computed from the scenario's expected demand follow
the thresholds, the segment rules set the policies and sources asked for (sizing worked by hand), explicit item
settings win, the result loads back to itself, and bad rules are refused naming the field and the allowed values."""

from __future__ import annotations

import copy

import pytest

from sim.errors import ScenarioError
from sim.scenario.segment_rules import expected_rows
from sim.scenario.sources import load_scenario
from tests.conftest import build, const, lane, product, run, supplier

RULES = {
    "bottleneck": {
        "policy": "s_S",
        "buffer_periods": 3,
        "sourcing": "failover",
        "backup": "near",
        "activation_delay": 2,
    },
    "routine": {"policy": "s_S", "sourcing": "single"},
    "strategic": {"policy": "vmi", "review_period": 1},
    "leverage": {"policy": "base_stock", "sourcing": "split", "backup": "near", "backup_share": 0.5},
}


def data(**seg) -> dict:
    """Retailer r, constant demand 10 a day of each product. far: transit 4, 2 % defects, region Asia; near:
    transit 1. Expected annual spend = 10 × price × 365: a, d (price 10) 36,500; b, c (price 1) 3,650; mean 20,075.
    Risk (constant lead times: no spread) = 0.5 × single + 0.25 × 0.02/0.05: single-sourced a, b 0.6 (high), the
    dual-sourced c, d 0.1 (low). So a strategic, b bottleneck, c routine, d leverage."""
    both = [{"node": "far", "share": 0.5}, {"node": "near", "share": 0.5}]
    return {
        "name": "seg_rules",
        "horizon": 60,
        "products": [
            product("a", unit_cost=10),
            product("b", unit_cost=1),
            product("c", unit_cost=1),
            product("d", unit_cost=10),
        ],
        "nodes": [
            supplier("far", defect_rate=0.02, region="Asia"),
            supplier("near", region="EU"),
            supplier("picky", products=["a"]),
            {
                "id": "r",
                "type": "retailer",
                "demand": {k: const(10) for k in "abcd"},
                "sources": {"a": [{"node": "far"}], "b": [{"node": "far"}], "c": both, "d": both},
            },
        ],
        "lanes": [lane("far", "r", 4), lane("near", "r", 1), lane("picky", "r", 1)],
        "segmentation": {"rules": copy.deepcopy(RULES), **seg},
    }


def test_expected_segments_follow_the_thresholds():
    sc = build(data())
    scores = sc.segmentation.scores["r"]
    assert [scores[k][0] for k in "abcd"] == pytest.approx([36500, 3650, 3650, 36500])
    assert [scores[k][1] for k in "abcd"] == pytest.approx([0.6, 0.6, 0.1, 0.1])
    # the resolved scenario scores as it is now: b got a backup, so it is not single-sourced any more
    assert {r["sku"]: r["risk"] for r in expected_rows(sc, sc.segmentation)}["b"] == pytest.approx(0.1)
    assert sc.segmentation.assigned == {"r": {"a": "strategic", "b": "bottleneck", "c": "routine", "d": "leverage"}}
    # a value threshold above every item's spend: all low value; a risk threshold of 0.05: all high risk
    high = build(data(value_threshold=40000, risk_threshold=0.05)).segmentation.assigned["r"]
    assert high == {k: "bottleneck" for k in "abcd"}


def test_a_region_risk_can_tip_an_item():
    """Weights 0.5/0/0.25 + region 0.25 with Asia at 1: c and d (far in Asia among their suppliers) get 0.1 + 0.25 =
    0.35, still low; a risk threshold of 0.3 makes them high (c bottleneck, d strategic)."""
    seg = {"weights": {"single_source": 0.5, "defects": 0.25, "region": 0.25}, "region_risk": {"Asia": 1.0}}
    sc = build(data(**seg, risk_threshold=0.3))
    assert [sc.segmentation.scores["r"][k][1] for k in "abcd"] == pytest.approx([0.85, 0.85, 0.35, 0.35])
    assert sc.segmentation.assigned["r"] == {"a": "strategic", "b": "bottleneck", "c": "bottleneck", "d": "strategic"}


def test_rules_set_the_policies_and_sources_asked_for():
    """Sizing by hand (demand variance 0, so no safety stock):
    b bottleneck: s_S on the primary's lead time 4: s = 40, S = 40 + ceil(10 × 7) = 110, + buffer 3 × 10 on both:
      (70, 140); failover far -> near after 2 periods; sources far/near 0.5/0.5.
    c routine: single source far (share 1), s_S on lead 4: (40, 110).
    a strategic: vmi sized on review 1 + lead 4: min 50, max 50 + 10 = 60, reviewed every period.
    d leverage: split far/near 0.5/0.5, base stock on the share-weighted lead time 2.5: level 25."""
    sc = build(data())
    r = sc.node("r")
    pol = {sku: (spec.kind, spec.params.model_dump()) for sku, spec in r.policy.items()}
    assert pol["b"] == ("s_S", {"s": 70.0, "S": 140.0})
    assert pol["c"] == ("s_S", {"s": 40.0, "S": 110.0})
    assert pol["a"] == ("vmi", {"min": 50.0, "max": 60.0, "review_period": 1.0, "offset": 0.0})
    assert pol["d"] == ("base_stock", {"level": 25.0})
    assert [(s.node, s.share) for s in r.sources["b"]] == [("far", 0.5), ("near", 0.5)]
    assert r.sourcing["b"].rule == "failover"
    assert r.sourcing["b"].params.primary == "far"
    assert (r.sourcing["b"].params.backup, r.sourcing["b"].params.activation_delay) == ("near", 2.0)
    assert [(s.node, s.share) for s in r.sources["c"]] == [("far", 1.0)]
    assert [(s.node, s.share) for s in r.sources["d"]] == [("far", 0.5), ("near", 0.5)]
    assert set(r.sourcing) == {"b"}


def test_the_resolved_scenario_loads_back_to_itself():
    sc = build(data())
    again = load_scenario(sc.to_dict())
    assert again.to_dict() == sc.to_dict()


def test_explicit_item_settings_win():
    """b writes its policy (base stock 12) and its sourcing: the bottleneck rule changes neither its policy nor its
    sources; c writes only a policy: it keeps it, but the routine rule still makes it single-sourced."""
    d = data()
    r = d["nodes"][3]
    r["policy"] = {"b": {"kind": "base_stock", "level": 12}, "c": {"kind": "base_stock", "level": 7}}
    r["sourcing"] = {"b": {"rule": "fixed_split"}}
    node = build(d).node("r")
    assert (node.policy["b"].kind, node.policy["b"].params.level) == ("base_stock", 12)
    assert [s.node for s in node.sources["b"]] == ["far"]
    assert node.sourcing["b"].rule == "fixed_split"
    assert (node.policy["c"].kind, node.policy["c"].params.level) == ("base_stock", 7)
    assert [s.node for s in node.sources["c"]] == ["far"]


def test_a_pinned_segment_is_used():
    node = build(data(assigned={"r": {"c": "bottleneck"}})).node("r")
    assert node.policy["c"].params.model_dump() == {"s": 70.0, "S": 140.0}  # the bottleneck sizing (lead 4)
    assert node.sourcing["c"].rule == "failover"


def test_segment_rules_run():
    """The resolved scenario runs: the failover item routes to far (healthy), the vmi item holds its min/max."""
    res = run(build(data()), seed=1)
    assert res.kpi("fill_rate", "r", "a") == pytest.approx(1.0)
    assert res.kpi("orders_placed", "r<-near", "b") == 0


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda s: s["rules"].update(critical={}), "unknown segment(s) critical; segments: strategic, leverage"),
        (lambda s: s["rules"]["routine"].update(policy="magic"), "unknown policy kind 'magic'; known: base_stock"),
        (lambda s: s.update(assigned={"r": {"a": "vital"}}), "unknown segment 'vital'; segments: strategic"),
        (lambda s: s["rules"]["bottleneck"].update(backup="nowhere"), "unknown supplier 'nowhere'; suppliers: far"),
        (lambda s: s["rules"]["bottleneck"].pop("backup"), "sourcing 'failover' needs a backup"),
        (
            lambda s: s["rules"]["bottleneck"].update(backup="picky"),
            "rules.bottleneck.backup: 'picky' does not carry 'b'",
        ),
        (lambda s: s["weights"].update(luck=1), "unknown risk indicator(s) luck; known: single_source"),
        (lambda s: s["rules"].pop("routine"), "policy.c: missing, and segment 'routine' has no rule"),
        (lambda s: s.update(assigned={"x": {"a": "routine"}}), "segmentation.assigned: unknown stock node 'x'"),
    ],
)
def test_bad_rules_are_refused(change, message):
    d = data()
    d["segmentation"].setdefault("weights", {"single_source": 0.5, "lead_time_spread": 0.25, "defects": 0.25})
    change(d["segmentation"])
    with pytest.raises(ScenarioError, match=None) as err:
        load_scenario(d)
    assert message in str(err.value)


def test_the_bottleneck_rules_backup_carries_an_outage():
    """``scenario=segmented_sourcing disruption=penang_outage`` (penang_parts down over [120, 160)): the bottleneck
    rule's standby takes the connector orders, and the same item with the same policy but without the backup
    (paired: same seed) serves less of its demand from stock."""
    from sim.cli.config import build_scenario, compose_config

    sc = build_scenario(compose_config("segmented_sourcing", ["disruption=penang_outage"]))
    assert [(d.kind, d.label) for d in sc.disruptions] == [("supplier_outage", "penang_outage")]
    d = sc.to_dict()
    plant = next(n for n in d["nodes"] if n["id"] == "plant")
    del plant["sourcing"]["connector"]
    plant["sources"]["connector"] = [{"node": "penang_parts"}]
    d["segmentation"]["rules"]["bottleneck"] = {"policy": "s_S"}  # the item's written policy wins: same (s, S)
    alone = load_scenario(d)
    assert alone.node("plant").policy["connector"] == sc.node("plant").policy["connector"]
    with_backup, without = run(sc, seed=1), run(alone, seed=1)
    assert with_backup.kpi("volume", "lyon_connect") > 0
    assert with_backup.kpi("fill_rate", "plant", "connector") > without.kpi("fill_rate", "plant", "connector")


def test_segment_rules_are_deterministic():
    """Loading twice resolves to the same scenario; the same seed gives the same KPI table (contracts, bands, vmi)."""
    import numpy as np

    a, b = load_scenario("segmented_sourcing"), load_scenario("segmented_sourcing")
    assert a.to_dict() == b.to_dict()
    ra, rb = run(a, seed=3), run(b, seed=3)
    assert ra.kpi_index == rb.kpi_index
    assert np.array_equal(ra.kpi_values, rb.kpi_values, equal_nan=True)
