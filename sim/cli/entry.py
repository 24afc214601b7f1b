"""The ``supplysim`` command line: a thin ``@hydra.main`` entry point around :func:`execute`.

Errors a user can fix (bad scenario, bad override, unknown option) end with one message on stderr and exit code 2;
nothing is left in the run directory. A batch with failed replications exits with 3, an interrupted one with 130.
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import sys
import warnings
from pathlib import Path
from typing import Any

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.experimental.callback import Callback
from hydra.types import RunMode
from omegaconf import DictConfig

from sim.cli.config import conf_dir, prepare_overrides, register_configs
from sim.cli.preflight import check_flags, check_sweep, one_line, parse_overrides, raised_by_supplysim
from sim.errors import SupplysimError, SupplysimWarning

EXIT_USAGE, EXIT_FAILED_REPLICATIONS, EXIT_INTERRUPTED = 2, 3, 130
_python_showwarning = warnings.showwarning
HELP_FLAGS = ("--help", "-h", "--hydra-help")  # these only list options: the library need not be loaded


@hydra.main(config_path=str(conf_dir()), config_name="config", version_base="1.3")
def _hydra_entry(cfg: DictConfig) -> None:
    from sim.cli.run import execute  # deferred: `supplysim --help` loads neither the engine nor the report

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
    except KeyboardInterrupt:  # Ctrl-C or SIGTERM before or after the batch (the batch itself keeps what finished)
        print("supplysim: interrupted", file=sys.stderr)
        _discard(out_dir)
        sys.exit(EXIT_INTERRUPTED)
    if batch.stop_reason == "interrupted":
        sys.exit(EXIT_INTERRUPTED)
    if batch.n_failed:
        sys.exit(EXIT_FAILED_REPLICATIONS)


def _discard(out_dir: Path) -> None:
    """Leave nothing half-written: drop a run dir that holds only Hydra's bookkeeping; in a sweep, also the sweep
    dir when no job has written anything to it (only Hydra's multirun.yaml is there)."""
    logging.shutdown()
    leftovers = [p for p in out_dir.iterdir() if p.name != ".hydra" and p.suffix != ".log"] if out_dir.is_dir() else []
    if out_dir.is_dir() and not leftovers:
        shutil.rmtree(out_dir, ignore_errors=True)
    hc = HydraConfig.get() if HydraConfig.initialized() else None
    if hc is not None and hc.mode == RunMode.MULTIRUN:
        sweep = Path(hc.sweep.dir)
        if sweep.is_dir() and all(p.name == "multirun.yaml" for p in sweep.iterdir()):
            shutil.rmtree(sweep, ignore_errors=True)


class ComparisonCallback(Callback):
    """After a sweep: compare the variants (paired differences vs the first job) at the sweep root."""

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        from sim.cli.sweep import compare_sweep  # deferred: pandas and the report, only after a sweep

        root = Path(config.hydra.sweep.dir)
        written = compare_sweep(root, confidence=float(config.mc.confidence))
        if written is not None:
            print(f"comparison: {written}")


def _show_warning(message: Warning | str, category: type[Warning], *args: object, **kwargs: object) -> None:
    """supplysim's own warnings as one line each on stderr (no source line); others as Python shows them."""
    if issubclass(category, SupplysimWarning):
        print(f"supplysim: warning: {message}", file=sys.stderr)
    else:
        _python_showwarning(message, category, *args, **kwargs)  # type: ignore[arg-type]


def main() -> None:
    """Console entry point (``supplysim`` and ``python -m sim``)."""
    warnings.showwarning = _show_warning
    register_configs(names_only=any(a in HELP_FLAGS for a in sys.argv[1:]))
    try:
        sys.argv[1:] = prepare_overrides(sys.argv[1:])
        flags = check_flags(sys.argv[1:])
        parse_overrides(flags.overrides)
        if "mode=export" in sys.argv[1:] and not any(a.startswith("-") for a in sys.argv[1:]):
            from sim.cli.export_mode import export_command  # deferred: only an export needs the tables

            print(f"wrote {export_command(sys.argv[1:])}")  # the scenario only: Hydra makes no run folder
            return
        if "mode=workshop" in sys.argv[1:] and not any(a.startswith("-") for a in sys.argv[1:]):
            from sim.cli.workshop_mode import serve  # deferred: only the page needs it (and it runs as a subprocess)

            sys.exit(serve(sys.argv[1:]))
        if flags.multirun:
            check_sweep(flags)
    except SupplysimError as exc:
        print(f"supplysim: error: {exc}", file=sys.stderr)
        sys.exit(EXIT_USAGE)
    _run_hydra()


def _run_hydra() -> None:
    """Hydra runs the job(s); what it reports itself about the command line becomes one line and exit code 2. A
    user who set ``HYDRA_FULL_ERROR=1`` gets Hydra's own reports; an error in supplysim's code keeps its traceback."""
    full_error = os.environ.get("HYDRA_FULL_ERROR") == "1"
    os.environ["HYDRA_FULL_ERROR"] = "1"  # Hydra raises instead of printing, so the message can be one line
    previous = signal.signal(signal.SIGTERM, _terminated)
    try:
        _hydra_entry()
    except SystemExit as exc:
        # Hydra reports some problems itself (--package nope) and exits with 1; make it a usage error.
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else EXIT_USAGE)
        sys.exit(EXIT_USAGE if code == 1 else code)
    except KeyboardInterrupt:  # Ctrl-C or SIGTERM while Hydra composes or starts the job
        print("supplysim: interrupted", file=sys.stderr)
        sys.exit(EXIT_INTERRUPTED)
    except Exception as exc:
        if full_error or (raised_by_supplysim(exc) and not isinstance(exc, SupplysimError)):
            raise
        print(f"supplysim: error: {exc if isinstance(exc, SupplysimError) else one_line(exc)}", file=sys.stderr)
        sys.exit(EXIT_USAGE)
    finally:
        if signal.getsignal(signal.SIGTERM) is not signal.SIG_IGN:  # ignored: told to stop, finishing; keep it so
            signal.signal(signal.SIGTERM, previous)
        if not full_error:
            os.environ.pop("HYDRA_FULL_ERROR", None)


def _terminated(signum: int, frame: object) -> None:
    """SIGTERM (a scheduler, ``docker stop``) stops the command like Ctrl-C: one line, exit code 130, no run folder
    left with nothing in it. A batch under way handles it itself (sim.experiment.batch: finished work is kept)."""
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # stopping already
    raise KeyboardInterrupt
