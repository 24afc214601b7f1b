"""The workshop's what-if model without Streamlit: cards and levers as scenario edits (hand arithmetic on the serial
chain), the answer in words, the leaderboard, the session on disk, and the "reproduce" command's KPI table."""

from __future__ import annotations

import copy
import math
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import sim
from sim.errors import ScenarioError
from sim.workshop import compute, layout, ranking, session
from sim.workshop.whatif import CARD_KINDS, Card, Lever, WhatIf, apply, elements
from tests.conftest import const, single_stage

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def chain() -> dict:
    return sim.load_scenario("serial_chain").to_dict()


def _node(data: dict, node_id: str) -> dict:
    return next(n for n in data["nodes"] if n["id"] == node_id)


def test_every_card_kind_is_a_valid_disruption_of_an_element_it_lists(chain):
    targets = elements(sim.load_scenario(chain))
    for kind in CARD_KINDS:
        assert targets[kind], kind
        card = Card(kind, targets[kind][0], start=100, duration=30)
        sc = sim.load_scenario(apply(chain, WhatIf(cards=[card])))
        assert [d.kind for d in sc.disruptions] == [kind]
    assert targets["facility_outage"] == ["dc", "store"]  # sim.scenario.targets.facilities: buffers and retailers


def test_a_hidden_card_names_neither_its_element_nor_its_window():
    card = Card("supplier_outage", "factory", start=100, duration=30, revealed=False)
    hidden = card.words("day")
    assert "factory" not in hidden and "100" not in hidden and "supplier down" in hidden
    assert card.words("day", shown=True) == "factory down 30 days from day 100"


def test_levers_edit_the_scenario_by_hand_arithmetic(chain):
    levers = [
        Lever("safety_stock", "store", "widget", value=3, mode="cover"),  # + 3 days x 10/day on level 60
        Lever("safety_stock", "dc", "widget", value=7, mode="cover"),  # + 7 days x the store's 10/day on 300
        Lever("capacity", supplier="factory", value=1.5),  # 120 -> 180
    ]
    data = apply(chain, WhatIf(levers=levers))
    assert _node(data, "store")["policy"]["widget"]["level"] == pytest.approx(90)
    assert _node(data, "dc")["policy"]["widget"]["order_up_to"] == pytest.approx(370)
    assert _node(data, "factory")["capacity"] == {"widget": pytest.approx(180)}
    sim.load_scenario(data)
    assert _node(chain, "store")["policy"]["widget"]["level"] == 60  # the base is not edited in place


def test_safety_stock_on_a_node_covers_each_of_its_items_by_its_own_demand():
    """Two products at retailer r, constant demand 4 and 9 a day: +5 days of cover on every item of r adds 20 to the
    first's level and 45 to the second's; a service level replaces both levels."""
    data = single_stage({"kind": "base_stock", "level": 30}, const(4), horizon=30)
    data["products"].append({"id": "v"})
    r = _node(data, "r")
    r["policy"]["v"], r["demand"]["v"], r["sources"]["v"] = (
        {"kind": "base_stock", "level": 50},
        const(9),
        [{"node": "f"}],
    )
    lever = Lever("safety_stock", "r", value=5, mode="cover")
    assert lever.words() == "every item at r: +5 periods of cover"
    got = _node(apply(data, WhatIf(levers=[lever])), "r")["policy"]
    assert got["w"]["level"] == pytest.approx(30 + 5 * 4) and got["v"]["level"] == pytest.approx(50 + 5 * 9)
    by_level = apply(data, WhatIf(levers=[Lever("safety_stock", "r", value=0.9, mode="service_level")]))
    for sku in ("w", "v"):
        assert _node(by_level, "r")["policy"][sku] == {"kind": "base_stock", "service_level": 0.9}
    sim.load_scenario(by_level)
    with pytest.raises(ScenarioError, match="lever node: f has no stock item with a policy"):
        apply(data, WhatIf(levers=[Lever("safety_stock", "f", value=5)]))


def test_a_service_level_replaces_the_level(chain):
    data = apply(chain, WhatIf(levers=[Lever("safety_stock", "store", "widget", value=0.98, mode="service_level")]))
    policy = _node(data, "store")["policy"]["widget"]
    assert "level" not in policy and policy["service_level"] == 0.98
    assert sim.load_scenario(data).nodes[2].policy["widget"].model_dump()["level"] > 0
    dc = apply(chain, WhatIf(levers=[Lever("safety_stock", "dc", "widget", value=0.95, mode="service_level")]))
    assert "order_up_to" not in _node(dc, "dc")["policy"]["widget"]  # a periodic order-up-to's level is its S
    assert sim.load_scenario(dc).nodes[1].policy["widget"].model_dump()["order_up_to"] > 0


def _with_spare(chain: dict) -> dict:
    data = copy.deepcopy(chain)
    data["nodes"].insert(1, {"id": "spare", "type": "supplier", "region": "EU"})
    data["lanes"].append({"from": "spare", "to": "dc", "transit": {"dist": "constant", "value": 3}})
    return data


def test_a_split_share_and_a_standby_backup(chain):
    data = _with_spare(chain)
    split = apply(data, WhatIf(levers=[Lever("backup", "dc", "widget", supplier="spare", value=0.3)]))
    shares = {s["node"]: s["share"] for s in _node(split, "dc")["sources"]["widget"]}
    assert shares == {"factory": pytest.approx(0.7), "spare": pytest.approx(0.3)}
    sim.load_scenario(split)
    standby = apply(data, WhatIf(levers=[Lever("backup", "dc", "widget", supplier="spare", value=0.0)]))
    rule = _node(standby, "dc")["sourcing"]["widget"]
    assert rule == {"rule": "failover", "primary": "factory", "backup": "spare"}
    sim.load_scenario(standby)


def test_a_lever_on_an_unknown_node_names_it(chain):
    with pytest.raises(ScenarioError, match="no node 'nowhere'"):
        apply(chain, WhatIf(levers=[Lever("capacity", supplier="nowhere", value=2)]))


def test_the_answer_in_words():
    sc = {"disruptions": [{"start": 130.0}], "horizon": 365}
    numbers = {"card_tts": 38.0, "card_ttr": 96.0, "card_cost_delta": 38000.0}
    numbers |= {"card_cost_delta_low": 36500.0, "card_cost_delta_high": 39500.0}
    expected = "runs out on day 168, back to normal on day 226, +38,000 EUR [36,500, 39,500]"
    assert compute.answer(sc, numbers, "EUR", "day") == expected
    never = {**numbers, "card_tts": math.nan, "card_ttr": 300.0}
    assert compute.answer(sc, never, "EUR", "day").startswith("never runs out, not back to normal by day 365")


def _outcome(name: str, cost: float, risk: float) -> compute.Outcome:
    numbers = {"card_cost_delta": cost, "card_revenue_at_risk": risk}
    return compute.Outcome(WhatIf(name), 20, {}, "", "", {}, Path("."), numbers)


def test_the_leaderboard_ranks_by_cost_or_revenue_at_risk():
    outs = [_outcome("a", 300, 10), _outcome("b", 100, 30), _outcome("c", math.nan, 20)]
    assert layout.leaderboard(outs, "cost")["what-if"].tolist() == ["b", "a", "c"]
    assert layout.leaderboard(outs, "revenue at risk")["what-if"].tolist() == ["a", "c", "b"]


def test_a_session_survives_a_restart_and_pins_at_most_four(tmp_path):
    sess = session.Session(scenario="serial_chain", seed=3)
    for i in range(5):
        w = WhatIf(f"what-if {i + 1}", cards=[Card("supplier_outage", "factory", start=10 * i, revealed=i != 2)])
        message = sess.pin(w)
        assert (message is None) == (i < 4)
    session.save(sess, tmp_path)
    again = session.load(tmp_path)
    assert again is not None and again.to_dict() == sess.to_dict()
    assert again.pinned == ["what-if 1", "what-if 2", "what-if 3", "what-if 4"]
    assert again.whatifs["what-if 3"].cards[0].revealed is False
    assert session.load(tmp_path / "none") is None


def test_revealing_a_card_keeps_its_batch_folder(tmp_path):
    hidden = WhatIf(cards=[Card("supplier_outage", "factory", revealed=False)])
    shown = WhatIf(cards=[Card("supplier_outage", "factory", revealed=True)], replications=40)
    other = WhatIf(cards=[Card("supplier_outage", "factory", start=91)])
    folder = session.whatif_folder(tmp_path, "k", hidden)
    assert folder == session.whatif_folder(tmp_path, "k", shown) != session.whatif_folder(tmp_path, "k", other)


def test_a_ranking_whose_process_died_reads_as_failed(tmp_path):
    assert ranking.status(tmp_path).state == "missing"
    proc = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    ranking._write(tmp_path, {"state": "running", "rounds_done": 1, "pid": int(proc.stdout)})
    got = ranking.status(tmp_path)
    assert got.state == "failed" and got.rounds_done == 1


def test_the_rankings_progress_counts_replications_over_both_rounds(tmp_path, monkeypatch):
    """ROUNDS = (10, 20): 30 replications an element in all. Halfway through the second round's planned work that is
    (10 + 20 / 2) / 30; after the first round, before any note, 10 / 30."""
    monkeypatch.setattr(ranking, "ROUNDS", (10, 20))
    monkeypatch.setattr(ranking, "WORK", 30)
    ranking._write(tmp_path, {"state": "running", "rounds_done": 1, "pid": os.getpid()})
    assert ranking.status(tmp_path).fraction == pytest.approx(10 / 30)
    ranking._Note(tmp_path, 0, 1, 20)(run=200, planned=400)
    got = ranking.status(tmp_path)
    assert got.state == "running" and got.rounds_done == 1 and got.fraction == pytest.approx(20 / 30)


def test_refine_adds_replications_and_the_command_reproduces_the_kpi_table(chain, tmp_path):
    """20 replications, refined to 30 (the first 20 not run again, same seeds), then the command line
    the page prints, run as a user would: the same KPI table, value for value."""
    whatif = WhatIf(cards=[Card("supplier_outage", "factory", start=100, duration=30)], seed=4)
    folder = tmp_path / "w"
    steps: list[float] = []
    first = compute.run_whatif(chain, whatif, folder, tmp_path, n_jobs=1, progress=lambda f, m: steps.append(f))
    assert first.n == 20 and compute.finished(folder / "batch") == 20
    assert steps[-1] == 1.0 and steps == sorted(steps)  # the bar only moves forward
    before = pd.read_csv(folder / "batch" / "kpis.csv")
    whatif.replications = 30
    refined = compute.run_whatif(chain, whatif, folder, tmp_path, n_jobs=1)
    after = pd.read_csv(folder / "batch" / "kpis.csv")
    assert refined.n == 30
    pd.testing.assert_frame_equal(after[after.replication < 20].reset_index(drop=True), before)
    assert refined.cards["card_tts"]["detail"] == "n=30"
    words = shlex.split(refined.command)
    assert words[0] == "supplysim"
    out = tmp_path / "cli"
    cli = [sys.executable, "-m", "sim", *words[1:], f"hydra.run.dir={out}", "report.html=false", "mc.n_jobs=1"]
    proc = subprocess.run(cli, capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    pd.testing.assert_frame_equal(pd.read_csv(out / "kpis.csv"), after)


def test_the_cards_match_the_batch_and_its_paired_comparison(chain, tmp_path):
    whatif = WhatIf(cards=[Card("supplier_outage", "factory", start=100, duration=30)])
    out = compute.run_whatif(chain, whatif, tmp_path / "w", tmp_path, n_jobs=1)
    kpis = pd.read_csv(tmp_path / "w" / "batch" / "kpis.csv")
    net = kpis[(kpis.node == "ALL") & (kpis.sku == "ALL")].pivot(index="replication", columns="kpi", values="value")
    # no levers: Δ cost against the cached baseline is the batch's own paired change, replication by replication
    assert out.numbers["card_cost_delta"] == pytest.approx(net["total_cost_change"].mean())
    assert out.numbers["card_revenue_at_risk"] == pytest.approx(net["revenue_at_risk"].mean())


def test_a_backup_supplier_is_qualified_for_the_item():
    """mx_guadalajara makes sensors only: as ec_psu's backup at the hub it carries ec_psu too, and the what-if loads."""
    base = sim.load_scenario("consolidated_sourcing").to_dict()
    guadalajara = _node(base, "mx_guadalajara")
    assert "ec_psu" not in (guadalajara.get("products") or list(guadalajara.get("capacity") or {}))
    lever = Lever("backup", "hub_venlo", "ec_psu", supplier="mx_guadalajara", value=0.0)
    data = apply(base, WhatIf(levers=[lever]))
    assert "ec_psu" in _node(data, "mx_guadalajara")["products"]
    hub = sim.load_scenario(data).nodes[12]
    assert [s.node for s in hub.sources["ec_psu"]] == ["tw_taoyuan", "mx_guadalajara"]


def test_export_writes_a_standard_run_folder_with_the_same_kpis(chain, tmp_path):
    from sim.workshop.export import export_outcome  # deferred: the report's figures

    whatif = WhatIf("what-if 1", cards=[Card("supplier_outage", "factory", start=100, duration=30)])
    out = compute.run_whatif(chain, whatif, tmp_path / "w", tmp_path, n_jobs=1)
    folder = export_outcome(out, tmp_path / "export", n_jobs=1)
    assert folder.name == "what-if_1"
    for name in ("report.html", "kpis.csv", "summary.csv", "scenario.yaml", "figures/workshop_resilience_curve.png"):
        assert (folder / name).is_file(), name
    assert (folder / "reproduce.txt").read_text(encoding="utf-8") == out.command + "\n"
    pd.testing.assert_frame_equal(pd.read_csv(folder / "kpis.csv"), pd.read_csv(tmp_path / "w" / "batch" / "kpis.csv"))


def test_expediting_off_sends_no_order_on_the_fast_lane():
    """nearshoring's s_expedite orders by air when its inventory position is low: 13 air orders in replication 1
    with the rule as written, none with the lever off (its trigger is one no position falls below)."""
    base = sim.load_scenario("nearshoring").to_dict()
    off = sim.load_scenario(apply(base, WhatIf(levers=[Lever("expediting", value=0.0)])))

    def air_orders(sc: sim.Scenario) -> float:
        k = sim.simulate(sc, seed=1).kpis
        rows = k[(k.node == "s_expedite<-air") & (k.kpi == "orders_placed")]
        return float(rows.value.sum())

    assert air_orders(sim.load_scenario(base)) > 0
    assert air_orders(off) == 0
    assert apply(base, WhatIf(levers=[Lever("expediting", value=1.0)])) == {**base, "disruptions": []}


def test_a_cards_big_number_is_short_and_the_rest_goes_below():
    assert layout.split("58.0 [52.0, 73.0] days; 20% never dropped") == ("58.0 days", "[52.0, 73.0]; 20% never dropped")
    assert layout.split("0 days (service stayed within tolerance)") == ("0 days", "(service stayed within tolerance)")
    assert layout.split("12 [10, 14] days (x)") == ("12 days", "[10, 14] (x)")
    assert layout.split("no disruption") == ("no disruption", "")
