"""``supplysim mode=stress_test``: validate the ``stress`` and ``mc`` groups, run the stress test, write its files."""

from __future__ import annotations

import math
import sys
import time
from pathlib import Path
from typing import Any, cast

import pandas as pd
from omegaconf import DictConfig, OmegaConf

from sim.cli.config import build_scenario
from sim.cli.settings import mc_settings
from sim.experiment.stress import StressResult, StressSettings, run_stress
from sim.report.stress_page import units, write_stress_report

SHOWN = (
    *("rank", "element", "n", "revenue_at_risk", "lost_sales_during", "time_to_recover", "tts_median"),
    *("risk_exposure", "critical"),
)


def execute_stress(cfg: DictConfig, out_dir: Path | None, *, echo: bool = False) -> StressResult:
    """Run the stress test of the composed config; with ``out_dir``: stress_test.csv, stress_values.csv,
    stress_test.html (nothing is written if the input is invalid)."""

    scenario = build_scenario(cfg)
    mc = mc_settings(cfg)
    settings = StressSettings.from_config(cast("dict[str, Any]", OmegaConf.to_container(cfg.stress, resolve=True)))
    try:
        result = run_stress(scenario, settings, mc)
    except KeyboardInterrupt:  # the pool is already stopped; a half-finished ranking is not worth writing
        print("supplysim: stress test interrupted; nothing written", file=sys.stderr)
        raise SystemExit(130) from None
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        result.write(out_dir)
        if cfg.report.html:
            meta = {
                "scenario": scenario.name,
                "elements": len(result.table),
                "outage": f"{settings.duration:g} {scenario.period}s from {scenario.period} {result.start:g}",
                "replications": f"{_span(result.table.n)} per element (at most {mc.replications}, seed {mc.seed})",
                "run time": f"{result.elapsed:.1f} s",
                "date": time.strftime("%Y-%m-%d %H:%M"),
            }
            write_stress_report(out_dir, result, meta, OmegaConf.to_yaml(cfg))
    if echo:
        runs = int(result.table.n.sum())
        print(
            f"{scenario.name}: stress test of {len(result.table)} elements, {runs} paired replications "
            f"in {result.elapsed:.1f} s"
        )
        print(_terminal_table(result))
        if out_dir is not None:
            page = out_dir / "stress_test.html"
            print(f"report: {page if page.exists() else out_dir}")
    return result


def _span(n: pd.Series) -> str:
    lo, hi = int(n.min()), int(n.max())
    return f"{lo}" if lo == hi else f"{lo}–{hi}"


def _terminal_table(result: StressResult) -> str:
    """The top 10 rows with the units in the headers (money in the scenario's currency, times in its periods)."""
    unit = units(result.scenario.currency, result.scenario.period)
    shown = result.table[list(SHOWN)].head(10).copy()
    shown["tts_median"] = shown["tts_median"].map(lambda v: "never" if math.isinf(v) else f"{v:,.1f}")
    headers = {m: f"{m} ({unit[m]})" for m in SHOWN if m in unit}
    headers["tts_median"] = f"tts_median ({unit['time_to_survive']})"
    return shown.rename(columns=headers).to_string(
        index=False, float_format=lambda v: f"{0.0 if abs(v) < 0.05 else v:,.1f}"
    )
