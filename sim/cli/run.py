"""Run a composed config: validate it, run the Monte Carlo batch (or the stress test), write the tables and the
report, print the headline. The command line and ``sim.run`` both end here."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from omegaconf import DictConfig, OmegaConf

from sim.cli.config import build_scenario, check_keys
from sim.cli.export_mode import export_config
from sim.cli.settings import mc_settings, variant_label
from sim.cli.stress_mode import execute_stress
from sim.errors import ConfigError
from sim.experiment.batch import run_batch
from sim.experiment.paired import paired_curves
from sim.experiment.replication import run_replication
from sim.model.rng import replication_seed
from sim.report.bullwhip import has_bullwhip, is_study
from sim.report.html import amplification_table, headline_table, write_report
from sim.report.what_if import what_if_text
from sim.scenario.loading import scenario_yaml

if TYPE_CHECKING:
    import pandas as pd

    from sim.scenario.schema import Scenario


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
    if mode == "workshop":  # sim.cli.entry starts the page before Hydra; here (sim.run, a config file) it can't
        raise ConfigError("mode=workshop: the workshop page starts from the command line: supplysim mode=workshop")
    if mode != "batch":
        raise ConfigError(f"mode: unknown mode {mode!r}; allowed: batch, stress_test, export, workshop")
    scenario = build_scenario(cfg)
    mc = mc_settings(cfg)
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)  # only once the input is known to be valid
    started = time.perf_counter()
    batch = run_batch(scenario, mc, variant=variant_label(cfg), out_dir=out_dir)
    elapsed = time.perf_counter() - started
    if out_dir is not None:
        (out_dir / "scenario.yaml").write_text(scenario_yaml(scenario.to_dict()), encoding="utf-8")
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
                curves=_resilience_curves(scenario, mc.seed, batch.n_replications),
            )
    if echo:
        _print_outcome(cfg, batch, out_dir, elapsed)
    return batch


def _one_replication(scenario: Scenario, seed: int, summary: pd.DataFrame) -> pd.DataFrame | None:
    """Replication 0's time series (its seed as in the batch) for the report's orders-over-time chart, when the
    report has a bullwhip section, and for the plant section's output over time: the batch keeps only percentile
    bands, and re-running one replication is cheaper than shipping every series back."""

    plants = any(n.type == "plant" for n in scenario.nodes)  # the plant section (sim.report.plant_section)
    if not plants and not has_bullwhip(summary, scenario.to_dict()):
        return None
    return run_replication(scenario, replication_seed(seed, 0)).timeseries


CURVE_REPLICATIONS = 30  # the report's resilience curve replays the batch's first replications (the same seeds)


def _resilience_curves(scenario: Scenario, seed: int, done: int) -> tuple[np.ndarray, np.ndarray] | None:
    """The network's rolling fill rate with and without the disruptions, per replication, for the report's resilience
    curve: the batch keeps KPIs, not per-replication curves, so its first replications (their seeds as in the batch)
    are replayed, paired."""
    if not scenario.disruptions or done == 0:
        return None
    curves, base, _ = paired_curves(scenario, replications=min(done, CURVE_REPLICATIONS), seed=seed)
    return curves, base


def _print_outcome(cfg: DictConfig, batch, out_dir: Path | None, elapsed: float) -> None:
    print(
        f"{batch.scenario.name} [{batch.variant}]: {batch.n_replications} replications in {elapsed:.1f} s "
        f"({batch.stop_reason})"
    )
    if cfg.report.headline:
        scenario = batch.scenario.to_dict()
        if scenario.get("disruptions"):  # a what-if opens with what happened and what it did
            print(what_if_text(batch.summary, scenario))
        lead = amplification_table(batch.summary, scenario) if is_study(scenario) else None
        if lead is not None:  # a bullwhip study leads with its own KPIs (docs/bullwhip.md)
            print(lead)
        print(headline_table(batch.summary, currency=str(scenario.get("currency") or "EUR")))
    if batch.n_failed:
        print(f"{batch.n_failed} replication(s) failed; see failures.csv", file=sys.stderr)
    if out_dir is not None:
        report = out_dir / "report.html"
        # report.html=false (debug=quick, report=tables) writes tables only: name the folder as what it is
        print(f"report: {report}" if report.exists() else f"tables: {out_dir} (no report.html: report.html=false)")
