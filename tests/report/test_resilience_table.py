"""The resilience block in the terminal and the report: censored times by their Kaplan–Meier median (``inf`` reads
"not reached"), the share censored, and the replications behind them."""

from __future__ import annotations

import math

import pandas as pd

from sim.report import html as report
from sim.report.formatting import format_estimate

COLS = ["scenario", "variant", "node", "sku", "kpi", "mean", "std", "ci_low", "ci_high", "p05", "p50", "p95", "n"]


def summary() -> pd.DataFrame:
    rows = [
        ("fill_rate", 0.9, 0.88, 0.92),
        ("total_cost", 1000.0, 950.0, 1050.0),
        ("time_to_survive", 40.0, 35.0, 45.0),
        ("time_to_survive_censored", 0.6, 0.4, 0.8),
        ("time_to_recover", 12.0, 10.0, 14.0),
        ("time_to_recover_censored", 0.0, 0.0, 0.0),
        ("revenue_at_risk", 500.0, 400.0, 600.0),
        ("time_to_survive_km_median", math.inf, 31.0, math.inf),
        ("time_to_recover_km_median", 12.0, 10.0, 15.0),
    ]
    return pd.DataFrame(
        [("s", "base", "ALL", "ALL", k, m, math.nan, lo, hi, math.nan, m, math.nan, 25) for k, m, lo, hi in rows],
        columns=COLS,
    )


def test_a_median_beyond_the_run_reads_not_reached():
    assert format_estimate("time_to_survive_km_median", math.inf, 31.0, math.inf) == "not reached [31.0, not reached]"
    assert format_estimate("time_to_survive", math.inf) == "–"  # a per-replication KPI is never inf: a dash


def test_report_shows_km_medians_first_with_the_share_censored_and_n(tmp_path):
    path = report.write_report(
        tmp_path, summary=summary(), bands=None, scenario={"name": "s"}, config_yaml="", meta={"confidence": 0.95}
    )
    html = path.read_text(encoding="utf-8")
    block = html[html.index("Resilience (network)") :]
    block = block[: block.index("</table>")]
    assert "(n = 25)" in block and "Kaplan–Meier median" in block
    labels = ["Time to survive (KM median)", "Never dropped (TTS censored)", "Time to recover (KM median)"]
    assert [block.index(label) for label in labels] == sorted(block.index(label) for label in labels)
    assert block.index("Time to recover (KM median)") < block.index("Revenue at risk")
    assert "not reached [31.0, not reached]" in block and "60.0% [40.0%, 80.0%]" in block
    assert "<td>Time to survive</td>" not in block  # the mean of censored times gives way to the median
