"""Run a composed config: validate it, run the Monte Carlo batch (or the stress test), write the tables and the
report, print the headline. The command line and ``sim.run`` both end here."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from omegaconf import DictConfig, OmegaConf

from sim.cli.config import build_scenario, check_keys
from sim.cli.export_mode import export_config
from sim.cli.settings import mc_settings, variant_label
from sim.cli.stress_mode import execute_stress
from sim.errors import ConfigError
from sim.experiment.batch import run_batch
from sim.experiment.replication import run_replication
from sim.model.rng import replication_seed
from sim.report.bullwhip import has_bullwhip
from sim.report.html import headline_table, write_report

if TYPE_CHECKING:
    import pandas as pd

    from sim.scenario.schema import Scenario

RESILIENCE_HEADLINE = ("time_to_survive", "time_to_recover", "lost_sales_during", "revenue_at_risk")


def execute(cfg: DictConfig, out_dir: Path | None, *, echo: bool = False):
    """Validate, run the Monte Carlo batch, write tables and the report into ``out_dir`` (if given); with
    ``mode=stress_test`` the stress test, with ``mode=export`` the scenario as tables (then None: no batch)."""
    check_keys(cfg)
    mode = cfg.get("mode", "batch")
    if mode == "stress_test":
        return execute_stress(cfg, out_dir, echo=echo)
    if mode == "export":  # the scenario as a workbook or CSV folder, nothing else (docs/spreadsheets.md)
        export_config(cfg)
        return None
    if mode != "batch":
        raise ConfigError(f"mode: unknown mode {mode!r}; allowed: batch, stress_test, export")
    scenario = build_scenario(cfg)
    mc = mc_settings(cfg)
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)  # only once the input is known to be valid
    started = time.perf_counter()
    batch = run_batch(scenario, mc, variant=variant_label(cfg), out_dir=out_dir)
    elapsed = time.perf_counter() - started
    if out_dir is not None:
        (out_dir / "scenario.yaml").write_text(OmegaConf.to_yaml(scenario.to_dict()), encoding="utf-8")
        if cfg.report.html:
            meta = {
                "scenario": scenario.name,
                "variant": batch.variant,
                "replications": batch.n_replications,
                "seed": mc.seed,
                "confidence": mc.confidence,
                "stopped": batch.stop_reason,
                "run time": f"{elapsed:.1f} s",
                "date": time.strftime("%Y-%m-%d %H:%M"),
            }
            write_report(
                out_dir,
                summary=batch.summary,
                bands=batch.bands,
                scenario=scenario.to_dict(),
                config_yaml=OmegaConf.to_yaml(cfg),
                meta=meta,
                risk=batch.risk(),
                orders=_one_replication(scenario, mc.seed, batch.summary),
            )
    if echo:
        _print_outcome(cfg, batch, out_dir, elapsed)
    return batch


def _one_replication(scenario: Scenario, seed: int, summary: pd.DataFrame) -> pd.DataFrame | None:
    """Replication 0's time series (its seed as in the batch) for the report's orders-over-time chart, when the
    report has a bullwhip section: the batch keeps only percentile bands, and re-running one replication is cheaper
    than shipping every series back."""

    if not has_bullwhip(summary, scenario.to_dict()):
        return None
    return run_replication(scenario, replication_seed(seed, 0)).timeseries


def _print_outcome(cfg: DictConfig, batch, out_dir: Path | None, elapsed: float) -> None:

    print(
        f"{batch.scenario.name} [{batch.variant}]: {batch.n_replications} replications in {elapsed:.1f} s "
        f"({batch.stop_reason})"
    )
    if cfg.report.headline:
        print(headline_table(batch.summary))
        if batch.scenario.disruptions:  # the paired resilience block, network row
            print(headline_table(batch.summary, RESILIENCE_HEADLINE, "Resilience (paired), mean [CI]"))
    if batch.n_failed:
        print(f"{batch.n_failed} replication(s) failed; see failures.csv", file=sys.stderr)
    if out_dir is not None:
        report = out_dir / "report.html"
        print(f"report: {report if report.exists() else out_dir}")
