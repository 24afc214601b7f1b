"""Each disruption draws from its own random stream, keyed by kind, target and start (``DisruptionSpec.stream_key``):
two random outages of two suppliers are independent, and reordering, adding, removing or renaming a disruption
leaves every other draw of the replication as it was. The same holds for the defect draws of a supplier's buyers
(one ``quality`` stream per lane and product).

Theory for the independence check: an alternating renewal process with exponential up times (mean MTTF) and down
times (mean MTTR) is down a share 1 - A = MTTR / (MTTF + MTTR) of the time once stationary; two independent ones
are both down a share (1 - A1)(1 - A2). With MTTF 30 and MTTR 5 for both that is (5/35)^2 = 1/49 ~ 0.0204; two
outages sharing one stream (the defect this guards against) are both down 5/35 ~ 0.143 of the time.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.model import disruption_processes
from sim.model.network import SupplyChain
from sim.scenario.disruptions import DISRUPTIONS
from tests.conftest import build, chain, const, lane, rep_seeds, single_stage, stock_node, supplier

EXP = {"dist": "exponential"}


def renewal(node: str, mttf: float = 30, mttr: float = 5, **kw: object) -> dict:
    return {
        "kind": "random_outage",
        "supplier": node,
        "time_to_failure": {**EXP, "mean": mttf},
        "repair_time": {**EXP, "mean": mttr},
        **kw,
    }


def dual_source(horizon: int, disruptions: list[dict]) -> dict:
    """Suppliers f and g, each half of retailer r's orders (the issue's dual-sourcing shape)."""
    data = single_stage({"kind": "base_stock", "level": 5}, const(1), transit=1, horizon=horizon)
    data["nodes"].insert(1, supplier("g"))
    data["nodes"][2]["sources"] = {"w": [{"node": "f", "share": 0.5}, {"node": "g", "share": 0.5}]}
    data["lanes"].append(lane("g", "r", 1))
    data["disruptions"] = disruptions
    return data


def down_intervals(model: SupplyChain, node: str, lo: float, hi: float) -> list[tuple[float, float]]:
    """The supplier's outages clipped to [lo, hi] (an outage still running at the end has end = inf)."""
    return [(max(a, lo), min(b, hi)) for a, b in model.suppliers[node].outages if b > lo and a < hi]


def overlap(a: list[tuple[float, float]], b: list[tuple[float, float]]) -> float:
    """Total length of the intersection of two sorted lists of disjoint intervals."""
    i = j = 0
    total = 0.0
    while i < len(a) and j < len(b):
        total += max(0.0, min(a[i][1], b[j][1]) - max(a[i][0], b[j][0]))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return total


def test_overlap_by_hand():
    assert overlap([(0, 2), (5, 9)], [(1, 6), (8, 10)]) == 1 + 1 + 1


def test_two_random_outages_are_independent():
    """The issue's reproduction (both suppliers MTTF 30, MTTR 5): over [100, 3000) in 30 replications the share of
    time both are down matches (1 - A1)(1 - A2) = 1/49 within 4 standard errors, and so does each one's 5/35."""
    lo, hi, n = 100.0, 3000.0, 30
    sc = build(dual_source(int(hi), [renewal("f"), renewal("g")]))
    both, down_f, down_g = [], [], []
    for seed in rep_seeds(11, n):
        model = SupplyChain(sc, seed, record_log=False).run()
        f, g = down_intervals(model, "f", lo, hi), down_intervals(model, "g", lo, hi)
        both.append(overlap(f, g) / (hi - lo))
        down_f.append(sum(b - a for a, b in f) / (hi - lo))
        down_g.append(sum(b - a for a, b in g) / (hi - lo))
    for share, expected in ((down_f, 5 / 35), (down_g, 5 / 35), (both, (5 / 35) ** 2)):
        mean, se = float(np.mean(share)), float(np.std(share, ddof=1) / math.sqrt(n))
        assert abs(mean - expected) < 4 * se, (mean, expected, se)
    assert float(np.mean(both)) < 0.05  # a shared stream gives 5/35 ~ 0.14


def _outages(data: dict, seed: int = 3) -> dict[str, list[list[float]]]:
    model = chain(data, seed)
    return {node: model.suppliers[node].outages for node in ("f", "g")}


def test_reordering_adding_or_renaming_disruptions_changes_no_draw():
    """The down intervals of f and g are the same list whatever the order of the entries, with another random
    disruption added or removed, and whatever they are named (a YAML entry or a ``disruption=`` option)."""
    entries = [
        renewal("f"),
        {"kind": "markov_outage", "supplier": "g", "p_fail": 0.05, "p_recover": 0.3},
        {"kind": "quality_excursion", "supplier": "f", "defect_rate": 0.3, "start": 5, "duration": 40},
        {"kind": "supplier_outage", "supplier": "g", "start": 50, "duration": 4},
    ]
    ref = _outages(dual_source(300, entries))
    assert len(ref["f"]) > 3 and len(ref["g"]) > 3
    assert _outages(dual_source(300, entries[::-1])) == ref
    assert _outages(dual_source(300, [entries[2], entries[0], entries[3], entries[1]])) == ref
    named = [{**e, "name": f"option[{i}]"} for i, e in enumerate(entries)]
    assert _outages(dual_source(300, named)) == ref
    more = [renewal("g", mttf=15, mttr=3, start=0.5), *entries]  # another one on g: f's draws stay
    assert _outages(dual_source(300, more))["f"] == ref["f"]
    without = _outages(dual_source(300, [entries[0]]))  # g's disruptions removed: f's draws stay
    assert without["f"] == ref["f"]


def test_same_supplier_two_starts_draw_independently():
    """Two random outages of one supplier with different starts have different keys: different draws."""
    a, b = renewal("f", start=0), renewal("f", start=1)
    assert (
        build(dual_source(50, [a])).disruptions[0].stream_key != build(dual_source(50, [b])).disruptions[0].stream_key
    )
    only_a, only_b = _outages(dual_source(500, [a]))["f"], _outages(dual_source(500, [b]))["f"]
    assert [round(x - y, 9) for (x, _), (y, _) in zip(only_a, only_b, strict=False)] != [-1.0] * min(
        len(only_a), len(only_b)
    )  # not the same process shifted by one period


class _Untouchable:
    def __getattr__(self, name: str) -> object:
        raise AssertionError(f"a disruption kind marked draws=False used its stream ({name})")


def test_draws_flags_tell_which_kinds_draw(monkeypatch):
    """Every kind at once: a kind marked ``draws = False`` never touches its stream (so two of them sharing a key is
    harmless); each kind marked ``draws = True`` does draw (whole quantities: the quality excursion draws too)."""
    specs = [
        {"kind": "supplier_outage", "supplier": "g", "start": 90, "duration": 10},
        renewal("f"),
        {"kind": "markov_outage", "supplier": "g", "p_fail": 0.05, "p_recover": 0.3},
        {"kind": "capacity_loss", "supplier": "f", "fraction": 0.5, "start": 80, "duration": 30},
        {"kind": "lane_closure", "lane": "g->r", "start": 100, "duration": 10, "in_transit": "held"},
        {"kind": "lane_slowdown", "lane": "f->r", "factor": 1.5, "start": 70, "duration": 60},
        {"kind": "regional_event", "region": "EU", "start": 120, "duration": 20},
        {"kind": "demand_shock", "multiplier": 1.4, "start": 100, "duration": 14},
        {"kind": "quality_excursion", "supplier": "f", "defect_rate": 0.2, "start": 10, "duration": 150},
        {"kind": "facility_outage", "node": "r", "start": 150, "duration": 5},
    ]
    assert {s["kind"] for s in specs} == set(DISRUPTIONS)
    data = dual_source(200, specs)
    data["nodes"][0].update(capacity={"w": 10}, region="EU")
    data["nodes"][2]["demand"] = {"w": const(2)}  # one unit a period to each source: whole quantities
    used: dict[str, int] = {}
    real = disruption_processes.stream

    def stream(seed, purpose, kind, *rest):
        if not DISRUPTIONS[kind].draws:
            return _Untouchable()
        rng = real(seed, purpose, kind, *rest)

        class Counting:
            def __getattr__(self, name: str) -> object:
                used[kind] = used.get(kind, 0) + 1
                return getattr(rng, name)

        return Counting()

    monkeypatch.setattr(disruption_processes, "stream", stream)
    SupplyChain(build(data), rep_seeds(2, 1)[0], record_log=False).run()
    assert set(used) == {name for name in DISRUPTIONS if DISRUPTIONS[name].draws}


def _buyers(r2_demand: float | None) -> dict:
    """Defective supplier f (defect rate 0.2) sells to r1 and, unless None, to r2 (demand ``r2_demand``)."""
    data = single_stage({"kind": "base_stock", "level": 8}, const(3), transit=1, horizon=60)
    data["nodes"][0]["defect_rate"] = 0.2
    data["nodes"][1]["id"] = "r1"
    data["lanes"] = [lane("f", "r1", 1)]
    if r2_demand is not None:
        policy = {"kind": "base_stock", "level": 3 * r2_demand}
        data["nodes"].append(stock_node("r2", policy=policy, source="f", demand=const(r2_demand)))
        data["lanes"].append(lane("f", "r2", 2))
    return data


def _rejects(data: dict, node: str) -> list[tuple[float, float]]:
    model = SupplyChain(build(data), np.random.SeedSequence(5), events=True).run()
    ev = model.events.frame()
    rows = ev[(ev.event == "reject") & (ev.node == node)]
    return list(zip(rows.t.tolist(), rows.qty.tolist(), strict=True))


@pytest.mark.parametrize("r2_demand", [None, 5])
def test_another_buyer_moves_no_defect_draw(r2_demand):
    """The defect draws of r1's receipts from f are the same whether f has another buyer, and whatever it buys."""
    ref = _rejects(_buyers(2), "r1")
    assert len(ref) > 3
    assert _rejects(_buyers(r2_demand), "r1") == ref
