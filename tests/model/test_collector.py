"""The cyclic garbage collector is paused while a model is built and run and during the KPI pass
(sim.model.collector): its state comes back as it was, and a run leaves no reference cycles for it to defer."""

from __future__ import annotations

import gc
from pathlib import Path

import numpy as np
import pytest

from sim.kpi import compute as kpi
from sim.model.collector import paused_collector
from sim.model.network import SupplyChain
from sim.scenario.sources import load_scenario

SCENARIOS = sorted((Path(__file__).resolve().parents[2] / "scenarios").glob("*.yaml"))


@pytest.fixture
def collector_enabled():
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def test_paused_inside_and_enabled_again_after(collector_enabled) -> None:
    with paused_collector():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_enabled_again_after_an_error(collector_enabled) -> None:
    with pytest.raises(ZeroDivisionError), paused_collector():
        _ = 1 / 0
    assert gc.isenabled()


def test_a_caller_who_disabled_it_keeps_it_disabled(collector_enabled) -> None:
    gc.disable()
    with paused_collector():
        pass
    assert not gc.isenabled()
    with paused_collector(), paused_collector():  # nested: the inner one ends with the outer one's state
        pass
    assert not gc.isenabled()


def test_build_run_and_kpi_pass_leave_the_collector_as_they_found_it(collector_enabled) -> None:
    chain = SupplyChain(load_scenario(SCENARIOS[0]), np.random.SeedSequence(0))
    assert gc.isenabled()
    chain.run()
    assert gc.isenabled()
    kpi.compute(chain)
    assert gc.isenabled()


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_a_run_leaves_no_reference_cycles(path: Path, collector_enabled) -> None:
    """What the paused collector would have found during the run: nothing (the objects a run drops are freed by
    reference counting), with the event log and the state log on."""
    scenario = load_scenario(path)
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)  # keep what a collection finds, to name it
    try:
        chain = SupplyChain(scenario, np.random.SeedSequence(1), record_log=True, events=True).run()
        gc.collect()
        found = sorted({type(o).__name__ for o in gc.garbage})
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
    assert chain.env.now == scenario.horizon
    assert found == []
