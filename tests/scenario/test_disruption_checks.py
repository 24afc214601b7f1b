"""What the scenario checks say about a ``disruptions:`` list beyond the elements it names: two disruptions that would
draw from one random stream are refused; windows that miss or outlast the horizon are warnings."""

from __future__ import annotations

import warnings

import pytest

from sim.errors import ScenarioError, SupplysimWarning
from tests.conftest import build, const, single_stage

EXP = {"dist": "exponential"}
OUTAGE = {
    "kind": "random_outage",
    "supplier": "f",
    "time_to_failure": {**EXP, "mean": 30},
    "repair_time": {**EXP, "mean": 5},
}


def with_disruptions(*specs: dict, horizon: int = 50) -> dict:
    data = single_stage({"kind": "base_stock", "level": 10}, const(4), horizon=horizon)
    data["disruptions"] = list(specs)
    return data


def quiet_build(data: dict):
    """Build and return (scenario, the SupplysimWarning messages)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        sc = build(data)
    return sc, [str(w.message) for w in caught if issubclass(w.category, SupplysimWarning)]


@pytest.mark.parametrize(
    "second",
    [
        {**OUTAGE, "name": "again"},  # named apart: the name is not part of the stream key
        {**OUTAGE, "repair_time": {**EXP, "mean": 9}, "name": "slower"},  # other parameters, same kind/target/start
    ],
)
def test_two_random_disruptions_on_one_stream_are_refused(second):
    data = with_disruptions(OUTAGE, {"kind": "supplier_outage", "supplier": "f", "start": 3}, second)
    with pytest.raises(ScenarioError) as exc:
        build(data)
    msg = str(exc.value)
    assert "disruptions[0] and disruptions[2]: random_outage on supplier 'f' from t = 0, 2 times" in msg
    assert "would draw the same random numbers" in msg and "(e.g. start: 1)" in msg
    assert "share the label" not in msg  # one message for the pair, not two


def test_three_quality_excursions_on_one_stream_are_one_message():
    q = {"kind": "quality_excursion", "supplier": "f", "defect_rate": 0.1, "start": 5, "duration": 5}
    data = with_disruptions(q, {**q, "name": "b"}, {**q, "name": "c", "defect_rate": 0.3})
    with pytest.raises(ScenarioError, match=r"disruptions\[0\], disruptions\[1\] and disruptions\[2\]: quality_exc"):
        build(data)


def test_different_starts_or_kinds_that_do_not_draw_are_accepted():
    """Different starts: different streams. Two scheduled outages of one supplier (no draws) may share a start."""
    sc, _ = quiet_build(with_disruptions(OUTAGE, {**OUTAGE, "start": 10}))
    assert sc.disruptions[0].stream_key != sc.disruptions[1].stream_key
    sched = {"kind": "supplier_outage", "supplier": "f", "start": 3, "duration": 2}
    quiet_build(with_disruptions(sched, {**sched, "duration": 4, "name": "longer"}))
    with pytest.raises(ScenarioError, match="share the label 'supplier_outage:f@3'; give each its own 'name'"):
        build(with_disruptions(sched, {**sched, "duration": 4}))


def test_stream_key_is_kind_target_start_only():
    """Name and parameters are not in the key (a variant with a longer repair time keeps its stream: common random
    numbers between the variants); a demand shock's key names its nodes and products, sorted."""
    a, _ = quiet_build(with_disruptions(OUTAGE))
    b, _ = quiet_build(with_disruptions({**OUTAGE, "name": "psu", "repair_time": {**EXP, "mean": 9}}))
    assert a.disruptions[0].stream_key == b.disruptions[0].stream_key == ("random_outage", "f", "0.0")
    shock, _ = quiet_build(with_disruptions({"kind": "demand_shock", "multiplier": 2, "start": 4, "skus": ["w"]}))
    assert shock.disruptions[0].stream_key == ("demand_shock", "*", "w", "4.0")


def test_windows_past_or_beyond_the_horizon_warn():
    data = with_disruptions(
        {"kind": "supplier_outage", "supplier": "f", "start": 40, "duration": 20},
        {"kind": "demand_shock", "multiplier": 2, "start": 60, "duration": 5},
        {"kind": "lane_closure", "lane": "f->r", "start": 45},  # to the end of the run: as asked, no warning
        {**OUTAGE, "start": 10, "end": 80},  # a random outage's end past the horizon simply never comes
        {"kind": "capacity_loss", "supplier": "f", "fraction": 0.5, "start": 30, "duration": 20},  # ends at 50
        horizon=50,
    )
    data["nodes"][0]["capacity"] = {"w": 9}
    _, messages = quiet_build(data)
    assert messages == [
        "disruptions[0].duration: the supplier_outage on supplier 'f' from t = 40 would last to t = 60, past the "
        "horizon (50); it is cut at 50 (leave 'duration' out to last to the end of the run)",
        "disruptions[1].start: t = 60 is not before the horizon (50): the demand_shock on every node with demand "
        "never happens in this run",
    ]


def test_a_valid_window_does_not_warn():
    _, messages = quiet_build(
        with_disruptions({"kind": "supplier_outage", "supplier": "f", "start": 3, "duration": 47})
    )
    assert messages == []
