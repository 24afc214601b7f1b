"""The ``supplysim`` command line: a thin ``@hydra.main`` entry point around :func:`execute`.

Errors a user can fix (bad scenario, bad override, unknown option) end with one message on stderr and exit code 2;
nothing is left in the run directory. A batch with failed replications exits with 3, an interrupted one with 130.
"""

from __future__ import annotations

import logging
import shutil
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.experimental.callback import Callback
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf

from sim.errors import ConfigError, SupplysimError
from sim.scenario.config import build_scenario, conf_dir, prepare_overrides, register_configs

if TYPE_CHECKING:
    import pandas as pd

    from sim.scenario.schema import Scenario

EXIT_USAGE, EXIT_FAILED_REPLICATIONS, EXIT_INTERRUPTED = 2, 3, 130
RESILIENCE_HEADLINE = ("time_to_survive", "time_to_recover", "lost_sales_during", "revenue_at_risk")


def mc_settings(cfg: DictConfig):
    """Validated Monte Carlo settings from the ``mc`` config group (one ConfigError naming every bad key)."""
    from sim.experiment.batch import MCSettings

    return MCSettings.from_config(OmegaConf.to_container(cfg.mc, resolve=True))


def variant_label(cfg: DictConfig) -> str:
    """The run's name in comparisons: ``variant=...``, else a sweep job's overrides, else the policy preset."""
    if cfg.get("variant"):
        return str(cfg.variant)
    if HydraConfig.initialized():
        hc = HydraConfig.get()
        if hc.mode == RunMode.MULTIRUN and hc.job.override_dirname:
            varying = sweep_keys(sys.argv[1:])
            mine = [o for o in hc.overrides.task if o.split("=", 1)[0].lstrip("+~") in varying]
            return ",".join(mine) if mine else str(hc.job.override_dirname)
    label = "base" if cfg.policy.kind is None else str(cfg.policy.name)
    demand = cfg.get("demand")
    if demand is not None and demand.kind is not None:  # a demand preset is part of the variant too
        label = str(demand.name) if label == "base" else f"{label}+{demand.name}"
    return label


def sweep_keys(argv: list[str]) -> set[str]:
    """The override keys a ``-m`` command line sweeps over (``policy=a,b``, ``x=range(1,3)``): a job's label shows
    only those, as the comparison does. Empty if the arguments can't be parsed."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    try:
        parsed = OverridesParser.create().parse_overrides([a for a in argv if not a.startswith("-")])
    except Exception:  # not Hydra's syntax (e.g. a flag's value): fall back to the full label
        return set()
    return {o.key_or_group for o in parsed if o.is_sweep_override()}


def execute(cfg: DictConfig, out_dir: Path | None, *, echo: bool = False):
    """Validate, run the Monte Carlo batch, write tables and the report into ``out_dir`` (if given)."""
    from sim.experiment.batch import run_batch

    mode = cfg.get("mode", "batch")
    if mode == "stress_test":
        from sim.experiment.stress_cli import execute_stress

        return execute_stress(cfg, out_dir, echo=echo)
    if mode == "export":  # the scenario as a workbook or CSV folder, nothing else (docs/spreadsheets.md)
        from sim.scenario.tables.export import export_config

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
            from sim.report.html import write_report

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
    from sim.model.engine import run_replication
    from sim.model.rng import replication_seed
    from sim.report.bullwhip import has_bullwhip

    if not has_bullwhip(summary, scenario.to_dict()):
        return None
    return run_replication(scenario, replication_seed(seed, 0)).timeseries


def _print_outcome(cfg: DictConfig, batch, out_dir: Path | None, elapsed: float) -> None:
    from sim.report.html import headline_table

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


@hydra.main(config_path=str(conf_dir()), config_name="config", version_base="1.3")
def _hydra_entry(cfg: DictConfig) -> None:
    out_dir = Path(HydraConfig.get().runtime.output_dir)
    try:
        batch = execute(cfg, out_dir, echo=True)
        if batch is None:  # mode=export wrote its file: no run folder
            _discard(out_dir)
            return
    except SupplysimError as exc:
        print(f"supplysim: error: {exc}", file=sys.stderr)
        _discard(out_dir)
        sys.exit(EXIT_USAGE)
    except OSError as exc:  # the output folder became unwritable, the disk is full, ...
        if exc.errno is None:  # not a file-system error (e.g. a missing template): a bug, keep its traceback
            raise
        where = exc.filename or out_dir
        print(f"supplysim: error: can't write the results to {where}: {exc.strerror or exc}", file=sys.stderr)
        _discard(out_dir)
        sys.exit(EXIT_USAGE)
    if batch.stop_reason == "interrupted":
        sys.exit(EXIT_INTERRUPTED)
    if batch.n_failed:
        sys.exit(EXIT_FAILED_REPLICATIONS)


def _discard(out_dir: Path) -> None:
    """Leave nothing half-written: drop a run dir that holds only Hydra's bookkeeping."""
    logging.shutdown()
    leftovers = [p for p in out_dir.iterdir() if p.name != ".hydra" and p.suffix != ".log"] if out_dir.is_dir() else []
    if out_dir.is_dir() and not leftovers:
        shutil.rmtree(out_dir, ignore_errors=True)


class ComparisonCallback(Callback):
    """After a sweep: compare the variants (paired differences vs the first job) at the sweep root."""

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        from sim.experiment.sweep import compare_sweep

        root = Path(config.hydra.sweep.dir)
        written = compare_sweep(root, confidence=float(config.mc.confidence))
        if written is not None:
            print(f"comparison: {written}")


def main() -> None:
    """Console entry point (``supplysim`` and ``python -m sim``)."""
    register_configs()
    try:
        sys.argv[1:] = prepare_overrides(sys.argv[1:])
        if "mode=export" in sys.argv[1:] and not any(a.startswith("-") for a in sys.argv[1:]):
            from sim.scenario.tables.export import export_command

            print(f"wrote {export_command(sys.argv[1:])}")  # the scenario only: Hydra makes no run folder
            return
    except SupplysimError as exc:
        print(f"supplysim: error: {exc}", file=sys.stderr)
        sys.exit(EXIT_USAGE)
    try:
        _hydra_entry()
    except SystemExit as exc:
        # Hydra reports a bad override or an unknown config option itself and exits with 1; make it a usage error.
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else EXIT_USAGE)
        sys.exit(EXIT_USAGE if code == 1 else code)
