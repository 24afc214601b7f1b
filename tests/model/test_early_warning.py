"""The control tower's projected-cover alert and the warning lead time it gives: a planner who watches dependable
supply sees a supplier outage coming before the first shortfall. Exact hand arithmetic.

``lead_case``: supplier ``f`` -> retailer ``r``, demand 4 every period, transit 4 (no production time, no order delay:
lead time L = 4), base stock 24; ``f`` down over [10, 30). Before the outage every period ends with 8 on hand and
16 on the way (the orders of the last four periods). The alert (margin M) fires at the start of a period when
on hand + on the way + orders at sources that are up − backorders < 4 × (L + M):

| start of | on hand | on the way | stuck at f | dependable | vs 4 × (4 + 1) = 20 |
|---|---|---|---|---|---|
| 10 | 8 | 16 | 0 | 24 | no |
| 11 | 8 | 12 | 4 | 20 | no (not below) |
| 12 | 8 | 8 | 8 | 16 | alert |

The last order shipped (at 9) lands at 13; periods 14 and 15 eat the last 8 units and period 16 is the first short
one: TTS = 16 − 10 = 6 (the stock cover at 10: (8 + 16) / 4 = 6), warning lead time 16 − 12 = 4. An order placed with
a backup of the same lead time at 12 would land at 16, just in time.
"""

from __future__ import annotations

import math

from tests.conftest import const, kpi_dict, lane, run, single_stage, supplier


def lead_case(**alerts) -> dict:
    data = single_stage({"kind": "base_stock", "level": 24}, const(4), transit=4, horizon=40)
    data["disruptions"] = [{"kind": "supplier_outage", "supplier": "f", "start": 10, "duration": 20}]
    data["resilience"] = {"alerts": alerts}
    return data


def projected(res) -> list[float]:
    alerts = res.events.query("event == 'alert' and via == 'projected_cover'")
    return alerts.t.tolist()


def test_projected_cover_warns_before_the_first_shortfall():
    res = run(lead_case(), events=True)
    assert projected(res) == [12.0]  # nothing before the outage: in normal operation no supply is cut
    k = kpi_dict(res)
    assert k["r", "w", "time_to_survive"] == 6 and k["r", "w", "tts_stock_cover"] == 6
    assert k["r", "w", "warning_lead_time"] == 4 and k["ALL", "ALL", "warning_lead_time"] == 4


def test_the_margin_moves_the_alert():
    """Margin 3: need 4 × 7 = 28 > 24 already at 10 (lead time 6 = TTS). Margin 0: need 16; at 12 dependable is 16,
    not below; at 13 on hand 8 + on the way 4 = 12 (lead time 3)."""
    wide = run(lead_case(projected_cover=3), events=True)
    assert projected(wide) == [10.0] and kpi_dict(wide)["r", "w", "warning_lead_time"] == 6
    none = run(lead_case(projected_cover=0), events=True)
    assert projected(none) == [13.0] and kpi_dict(none)["r", "w", "warning_lead_time"] == 3


def test_switched_off_or_supplier_down_only_gives_no_lead_time():
    """The supplier-down alert at 10 does not count (its lead time would be TTS by definition)."""
    res = run(lead_case(projected_cover=None), events=True)
    assert projected(res) == []
    assert res.events.query("event == 'alert'").via.tolist() == ["supplier_down"]
    assert math.isnan(kpi_dict(res)["r", "w", "warning_lead_time"])


def test_no_warning_when_a_failover_keeps_supply_dependable():
    """A standby backup ``b`` (same lead time) and a failover rule without activation delay: the order of 10 goes to
    b, nothing is stuck, dependable supply stays at 24, no alert, and service never drops (TTS censored at 40 − 10)."""
    data = lead_case()
    data["nodes"].insert(1, supplier("b"))
    data["lanes"].append(lane("b", "r", 4))
    retailer = data["nodes"][2]
    retailer["sources"]["w"] = [{"node": "f"}, {"node": "b", "share": 0}]
    retailer["sourcing"] = {"w": {"rule": "failover", "primary": "f", "backup": "b"}}
    res = run(data, events=True)
    assert projected(res) == []
    k = kpi_dict(res)
    assert k["r", "w", "time_to_survive_censored"] == 1 and k["r", "w", "time_to_survive"] == 30
    assert math.isnan(k["r", "w", "warning_lead_time"])
