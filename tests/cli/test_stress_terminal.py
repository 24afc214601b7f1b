"""What a stress test says on the terminal and at the top of its page (issue 20, item 7): money in the scenario's
currency and times in its periods, the risk exposure, one number of replications when every element got the same,
and bars coloured by criticality (not all red)."""

from __future__ import annotations

import pandas as pd
import yaml

import sim
from sim.cli.stress_mode import _terminal_table
from sim.experiment.stress import run_stress
from sim.report.stress_page import tornado
from tests.experiment.test_stress import SETTINGS, two_products


def test_the_terminal_table_names_the_currency_the_periods_and_the_risk_exposure():
    data = two_products()
    data["currency"] = "USD"
    res = run_stress(data, SETTINGS, {"replications": 6, "seed": 1}, progress=False)
    header = _terminal_table(res).splitlines()[0]
    assert "revenue_at_risk (USD)" in header and "time_to_recover (days)" in header
    assert "tts_median (days)" in header and "risk_exposure" in header and "EUR" not in header


def test_equal_replications_read_as_one_number(tmp_path):
    """Every element runs its 4 replications: the page says '4 per element', never '4–4'."""
    path = tmp_path / "net.yaml"
    path.write_text(yaml.safe_dump(two_products()), encoding="utf-8")
    overrides = ["mode=stress_test", "stress.duration=15", "stress.start=20", "stress.min_replications=4"]
    res = sim.run(str(path), overrides=[*overrides, "mc.replications=4"], out_dir=tmp_path / "run")
    assert set(res.table.n) == {4}
    html = (tmp_path / "run" / "stress_test.html").read_text(encoding="utf-8")
    assert "4 per element (at most 4" in html and "4–4" not in html


def test_tornado_bars_are_red_only_for_critical_elements():
    table = pd.DataFrame(
        {"element": ["supplier:a", "lane:b"], "revenue_at_risk": [9.0, 4.0], "revenue_at_risk_ci_low": [8.0, 3.0],
         "revenue_at_risk_ci_high": [10.0, 5.0], "critical": [True, False]}
    )  # fmt: skip
    bars = tornado(table, "revenue_at_risk").axes[0].patches
    colours = {bar.get_y(): bar.get_facecolor()[:3] for bar in bars}  # worst on top: bar 1 is supplier:a
    red, blue = colours[max(colours)], colours[min(colours)]
    assert red[0] > 0.7 > red[2] and blue[2] > 0.6 > blue[0]
