"""After a Hydra sweep (``supplysim -m ...``): compare the jobs' variants at the sweep root.

Each job wrote its long KPI table (``kpis.parquet``) into its own directory; the first job (by job number) is the
baseline. With the same ``mc.seed`` the variants share random numbers, so the differences are paired.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import yaml

from sim.experiment.stats import compare
from sim.report.comparison_page import write_comparison
from sim.scenario.loading import SAFE_LOADER


def _job_number(path: Path) -> tuple[int, str]:
    head = path.parent.name.split("_", 1)[0]
    return (int(head) if head.isdigit() else 10**9, path.parent.name)


def job_tables(root: Path) -> list[pd.DataFrame]:
    """The sweep's KPI tables, ordered by Hydra job number (directory names start with it)."""
    return [pd.read_parquet(p) for p in sorted(root.glob("*/kpis.parquet"), key=_job_number)]


def job_scenarios(root: Path) -> list[dict | None]:
    """Each job's validated scenario (its ``scenario.yaml``; None where missing), in the order of :func:`job_tables`."""
    out: list[dict | None] = []
    for p in sorted(root.glob("*/kpis.parquet"), key=_job_number):
        path = p.parent / "scenario.yaml"
        out.append(yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER) if path.is_file() else None)
    return out


def short_labels(labels: list[str]) -> dict[str, str]:
    """Keep only the overrides that differ between jobs: ``policy=lean`` rather than every override of the job."""
    parsed = [dict(kv.split("=", 1) for kv in label.split(",") if "=" in kv) for label in labels]
    keys = list(dict.fromkeys(k for p in parsed for k in p))
    varying = [k for k in keys if len({p.get(k) for p in parsed}) > 1]
    short = {label: ",".join(f"{k}={p[k]}" for k in varying if k in p) for label, p in zip(labels, parsed, strict=True)}
    if not varying or len(set(short.values())) < len(labels):
        return {label: label for label in labels}
    return short


def compare_sweep(root: Path, *, confidence: float = 0.95) -> Path | None:
    """Write ``comparison.csv`` and ``comparison.html`` under ``root``; None if fewer than two jobs finished."""
    tables = job_tables(root)
    if len(tables) < 2:
        return None
    labels = [str(t["variant"].iloc[0]) for t in tables]
    names = short_labels(labels)
    shown = [names[label] for label in labels]
    if len(set(shown)) < len(shown):  # the same variant= in every job: tell the jobs apart by number
        shown = [f"{name} #{i}" for i, name in enumerate(shown)]
    scenarios = {name: sc for name, sc in zip(shown, job_scenarios(root), strict=True) if sc}
    tables = [t.assign(variant=name) for t, name in zip(tables, shown, strict=True)]
    comparison = compare(tables, confidence=confidence)
    comparison.to_csv(root / "comparison.csv", index=False)
    names_of_scenarios = ", ".join(dict.fromkeys(str(s) for t in tables for s in t["scenario"].unique()))
    return write_comparison(
        root,
        comparison=comparison,
        meta={"scenario": names_of_scenarios, "jobs": len(tables), "confidence": confidence},
        scenarios=scenarios,
    )
