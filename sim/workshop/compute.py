"""Running a workshop's what-if: its batch in rounds (a progress bar, "Refine" adds replications with the same seeds),
the cached baseline, the paired differences against it, the cards, the answer in words and the resilience curve.

The numbers come from the batch layer and the report's what-if helpers (sim.experiment, sim.report.what_if); nothing
here computes a KPI itself. A what-if's batch lives in a folder (``parts/`` of finished replications, the tables):
a refine, a restart of the page or a second look at the same what-if only runs what is missing.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FuturesTimeout
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.experiment.batch import Batch, run_batch
from sim.experiment.monte_carlo import MCSettings
from sim.experiment.paired import paired_curves
from sim.experiment.replication import baseline
from sim.experiment.stats import compare
from sim.report.formatting import format_difference
from sim.report.what_if import headline, windows
from sim.scenario.loading import scenario_yaml
from sim.scenario.schema import Scenario
from sim.scenario.sources import load_scenario
from sim.workshop.whatif import WhatIf, apply, command

POLL = 0.25  # seconds between looks at a running batch's parts (the progress bar)
FIRST = 20  # replications of a what-if's first numbers and of the baseline
CURVE_REPLICATIONS = 10  # the resilience curve replays the batch's first replications (paired, same seeds)
VARIANT = "base"  # the label `supplysim scenario_file=...` gives a run without a policy preset (identical tables)
Progress = Callable[[float, str], object]  # (fraction done, words); its result is ignored


def key_of(data: dict[str, Any]) -> str:
    """A short fingerprint of scenario data (a baseline's cache key, with the seed)."""
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()[:12]


def in_rounds(
    scenario: Scenario,
    seed: int,
    upto: int,
    out_dir: Path,
    n_jobs: int = 2,
    progress: Progress | None = None,
    twins: Path | None = None,
) -> Batch:
    """The batch of ``upto`` replications in ``out_dir``; replications already in its parts are not run again
    (``mc.resume``), so a refine runs only the new ones and every replication keeps its seed. The batch runs in a
    thread while this one reports progress from the parts it saves as they finish (no extra rounds to pay for).
    ``twins``: the folder of undisrupted twins (sim.experiment.twins) the baseline leaves and what-ifs reuse."""
    mc = MCSettings(replications=upto, seed=seed, n_jobs=n_jobs, series_replications=0, progress=False, resume=True)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="supplysim-workshop") as pool:
        job = pool.submit(run_batch, scenario, mc, VARIANT, out_dir, twins=twins)
        while progress is not None and not _wait(job, POLL):
            done = finished(out_dir)
            progress(min(done, upto) / upto, f"{min(done, upto)} of {upto} paired replications")
        batch = job.result()
    if progress is not None:
        progress(1.0, f"{upto} of {upto} paired replications")
    return batch


def _wait(job: Future[Batch], seconds: float) -> bool:
    try:
        job.result(timeout=seconds)
    except FuturesTimeout:
        return False
    except Exception:  # raised again by job.result() in the caller
        return True
    return True


def finished(out_dir: Path) -> int:
    """Replications saved so far in a batch folder's parts (``part-<first>-<last>.parquet``)."""
    total = 0
    for part in (out_dir / "parts").glob("part-*-*.parquet"):
        _, first, last = part.stem.split("-")
        total += int(last) - int(first) + 1
    return total


def baseline_batch(
    base: Scenario, seed: int, upto: int, root: Path, n_jobs: int = 2, progress: Progress | None = None
) -> Batch:
    """The scenario without disruptions, cached on disk per scenario and seed under ``root/baselines``; its
    replications are also the twins of the what-ifs without levers (``root/twins``), which then run half as much."""
    plain = baseline(base)
    folder = root / "baselines" / f"{key_of(plain.to_dict())}-seed{seed}"
    return in_rounds(plain, seed, upto, folder, n_jobs, progress, twins_of(root))


def twins_of(root: Path) -> Path:
    """The folder of a workshop's undisrupted twins (sim.experiment.twins)."""
    return root / "twins"


@dataclass
class Outcome:
    """What a what-if's run shows: the cards (key -> label, value, detail), the answer in words, the command."""

    whatif: WhatIf
    n: int
    cards: dict[str, dict[str, str]]
    sentence: str
    command: str
    scenario: dict[str, Any]
    folder: Path
    numbers: dict[str, float]


def write_scenario(base: dict[str, Any], whatif: WhatIf, folder: Path) -> tuple[Scenario, Path]:
    """Validate the what-if's scenario and write it to ``folder/scenario.yaml`` (what the command line reruns)."""
    data = apply(base, whatif)
    scenario = load_scenario(data)  # a ScenarioError names the bad field: the page shows it
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "scenario.yaml"
    path.write_text(scenario_yaml(scenario.to_dict()), encoding="utf-8")
    return scenario, path


def run_whatif(
    base: dict[str, Any],
    whatif: WhatIf,
    folder: Path,
    root: Path,
    n_jobs: int = 2,
    progress: Progress | None = None,
    base_run: Batch | None = None,
) -> Outcome:
    """Run (or refine) a what-if against the cached baseline of the same seed and replications (``base_run``: that
    baseline already at hand, else it is read from, or added to, its cache folder)."""
    scenario, path = write_scenario(base, whatif, folder)
    if base_run is None or base_run.mc.seed != whatif.seed or len(base_run.replications) < whatif.replications:
        base_run = baseline_batch(load_scenario(base), whatif.seed, whatif.replications, root, n_jobs)
    run = in_rounds(scenario, whatif.seed, whatif.replications, folder / "batch", n_jobs, progress, twins_of(root))
    return outcome(whatif, run, base_run, folder, command(path, whatif))


def _net(frame: pd.DataFrame, kpi: str) -> pd.Series | None:
    rows = frame[(frame["node"] == "ALL") & (frame["sku"] == "ALL") & (frame["kpi"] == kpi)]
    return None if rows.empty else rows.iloc[0]


def outcome(whatif: WhatIf, run: Batch, base_run: Batch, folder: Path, cmd: str) -> Outcome:
    """Cards and words of a finished what-if batch against its baseline (paired by replication)."""
    base_copy = Batch(  # compare() wants distinct variant names; the values are the baseline's own
        base_run.scenario, "baseline", base_run.mc, base_run.kpi_index, base_run.replications, base_run.values,
        [], base_run.stop_reason, base_run.bands,
    )  # fmt: skip
    diff = compare([base_copy, run])
    diff = diff[diff["variant"] == run.variant]
    sc = run.scenario.to_dict()
    currency, period = str(sc.get("currency") or "EUR"), str(sc.get("period") or "day")
    cards: dict[str, dict[str, str]] = {}
    numbers: dict[str, float] = {}
    for key, kpi, label in (
        ("card_fill_delta", "fill_rate", "Δ fill rate"),
        ("card_cost_delta", "total_cost", "Δ cost"),
    ):
        row = _net(diff, kpi)
        if row is None:
            continue
        value = format_difference(kpi, row["diff_mean"], row["diff_ci_low"], row["diff_ci_high"])
        unit = f" {currency}" if kpi == "total_cost" else ""
        cards[key] = {"label": label, "value": value + unit, "detail": f"n={int(row['n_pairs'])} paired"}
        numbers[key], numbers[f"{key}_low"], numbers[f"{key}_high"] = (
            float(row["diff_mean"]), float(row["diff_ci_low"]), float(row["diff_ci_high"]),
        )  # fmt: skip
    rows = {r["kpi"]: r for r in headline(run.summary, sc)}
    for key, kpi, label in (
        ("card_revenue_at_risk", "revenue_at_risk", "Revenue at risk"),
        ("card_tts", "time_to_survive_km_median", "Time to survive"),
        ("card_ttr", "time_to_recover_km_median", "Time to recover"),
    ):
        r = rows.get(kpi)
        cards[key] = {
            "label": label,
            "value": r["value"] if r else "no disruption",
            "detail": f"n={r['n']}" if r else "",
        }
        net = _net(run.summary, kpi)
        numbers[key] = float(net["mean"]) if net is not None else math.nan
    sentence = answer(sc, numbers, currency, period)
    return Outcome(whatif, len(run.replications), cards, sentence, cmd, sc, folder, numbers)


def answer(sc: dict[str, Any], numbers: dict[str, float], currency: str, period: str) -> str:
    """The answer in words: ``runs out on day 168, back to normal on day 226, +38,000 EUR [36,500, 39,500]``."""
    parts = []
    starts = [float(d.get("start") or 0) for d in sc.get("disruptions") or []]
    horizon = float(sc.get("horizon") or 0)
    if starts:
        s = min(starts)
        tts, ttr = numbers.get("card_tts", math.nan), numbers.get("card_ttr", math.nan)
        parts.append(f"runs out on {period} {s + tts:.0f}" if math.isfinite(tts) else "never runs out")
        if ttr == 0:  # the network's rolling fill rate never left the tolerance band (docs/disruptions.md)
            tolerance = float((sc.get("resilience") or {}).get("tolerance", 0.05))
            parts.append(f"network service within {tolerance:.0%} of normal throughout")
        elif math.isfinite(ttr) and s + ttr < horizon:
            parts.append(f"back to normal on {period} {s + ttr:.0f}")
        elif math.isfinite(ttr):
            parts.append(f"not back to normal by {period} {horizon:.0f}")
    cost = numbers.get("card_cost_delta", math.nan)
    if math.isfinite(cost):
        lo, hi = numbers["card_cost_delta_low"], numbers["card_cost_delta_high"]
        parts.append(f"{cost:+,.0f} {currency} [{lo:,.0f}, {hi:,.0f}]")
    return ", ".join(parts) or "no change"


def curves(
    scenario: dict[str, Any], seed: int, n_jobs: int = 2, replications: int = CURVE_REPLICATIONS
) -> tuple[np.ndarray, np.ndarray, list[tuple[float, float]]] | None:
    """The network's rolling fill rate per replication with and without the disruptions (the batch's first
    replications, same seeds: sim.experiment.paired) and the windows to shade; None without disruptions."""
    if not load_scenario(scenario).disruptions:
        return None
    got, base, _ = paired_curves(scenario, replications, seed, n_jobs=n_jobs)
    return got, base, windows(scenario)
