"""The debrief's export: each pinned what-if as a standard run folder (report.html, kpis.csv, summary.csv, ...,
written by ``sim.run`` exactly as its "reproduce" command would) plus PNGs of its charts (the resilience curve)."""

from __future__ import annotations

import re
from pathlib import Path

from sim.api import run
from sim.report.what_if import curve_figure
from sim.workshop.compute import Outcome, curves


def folder_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_") or "what-if"


def export_outcome(outcome: Outcome, out: Path, n_jobs: int = 2) -> Path:
    """One what-if's run folder under ``out``; the command it prints is in ``reproduce.txt``."""
    target = out / folder_name(outcome.whatif.name)
    w = outcome.whatif
    overrides = [f"mc.replications={w.replications}", f"mc.seed={w.seed}", f"mc.n_jobs={n_jobs}", "mc.progress=false"]
    run(outcome.folder / "scenario.yaml", overrides, out_dir=target)
    (target / "reproduce.txt").write_text(f"{outcome.command}\n", encoding="utf-8")
    got = curves(outcome.scenario, w.seed, n_jobs)
    if got is not None:
        disrupted, base, shaded = got
        start = min((a for a, _ in shaded), default=float("nan"))
        fig = curve_figure(disrupted, base, shaded, outcome.numbers["card_tts"], outcome.numbers["card_ttr"], start)
        (target / "figures").mkdir(exist_ok=True)
        fig.savefig(target / "figures" / "workshop_resilience_curve.png", dpi=120)
    return target
