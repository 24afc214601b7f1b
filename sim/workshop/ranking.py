"""The stress-test ranking behind the workshop page: run in the background when a scenario opens, cached per scenario
and seed, with progress, never in the way of a what-if.

It runs in a separate process (``python -m sim.workshop.ranking FOLDER``) at a lower CPU priority (``os.nice``) on
one worker, so a what-if the room is waiting for gets the cores first and the page's own process never computes it.
Two rounds: a first ranking from ``FIRST`` replications per element, then the full one; each is written to the
folder (``stress_test.csv``) as it finishes and ``status.json`` says where it is. The outage of each element is
``DURATION`` periods from the warm-up and only ``TAIL`` periods after it are simulated (stress.tail).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from omegaconf import OmegaConf

from sim.experiment.stress import run_stress
from sim.scenario.sources import load_scenario

ROUNDS = (10, 20)  # replications per element: a first ranking, then the final one
DURATION = 28.0
TAIL = 90
NICE = 19  # the lowest CPU priority: a what-if the room waits for always goes first


WORK = sum(ROUNDS)  # replications per element over both rounds (the second reruns the first's: same seeds)
EVERY = 1.0  # seconds between two progress notes of the background process


@dataclass
class Status:
    """Where a ranking is: ``state`` (missing, running, done, failed), the rounds finished, the table so far, and
    the share of the work done (replications over both rounds)."""

    state: str
    rounds_done: int
    message: str
    table: pd.DataFrame | None
    fraction: float = 0.0


def start(scenario: dict, seed: int, folder: Path) -> None:
    """Start the ranking of ``scenario`` (scenario data) in the background unless it is done or running."""
    current = status(folder)
    if current.state in ("running", "done"):
        return
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "scenario.yaml").write_text(OmegaConf.to_yaml(scenario), encoding="utf-8")
    (folder / "status.json").write_text(json.dumps({"state": "running", "seed": seed, "rounds_done": 0}))
    log = (folder / "ranking.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "sim.workshop.ranking", str(folder), str(seed)],
        stdout=log,
        stderr=subprocess.STDOUT,
        # the page's session (no setsid): with the kernel's autogroup scheduling a new session would be a group of its
        # own, scheduled as an equal of the page's, and its nice value would count only inside that group
    )
    _write(folder, {"state": "running", "seed": seed, "rounds_done": 0, "pid": proc.pid})


def _write(folder: Path, data: dict) -> None:
    tmp = folder / "status.json.tmp"
    tmp.write_text(json.dumps(data), encoding="utf-8")
    tmp.replace(folder / "status.json")


def _alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return True


def status(folder: Path) -> Status:
    """The ranking's state as its folder tells it (a process that died mid-way reads as failed)."""
    path = folder / "status.json"
    if not path.is_file():
        return Status("missing", 0, "", None)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return Status("running", 0, "", None)
    table_path = folder / "stress_test.csv"
    table = pd.read_csv(table_path) if table_path.is_file() else None
    state = str(data.get("state", "running"))
    if state == "running" and "pid" in data and not _alive(int(data["pid"])):
        state = "failed"
    rounds = int(data.get("rounds_done", 0))
    fraction = float(data.get("fraction", sum(ROUNDS[:rounds]) / WORK))
    return Status(state, rounds, str(data.get("message", "")), table, min(max(fraction, 0.0), 1.0))


def stop(folder: Path) -> None:
    """Stop a running ranking (the page's server shuts down, a test ends)."""
    data = (
        json.loads((folder / "status.json").read_text(encoding="utf-8")) if (folder / "status.json").is_file() else {}
    )
    if data.get("state") == "running" and _alive(data.get("pid")):
        os.kill(int(data["pid"]), 15)


def _exit_with(parent: int) -> None:
    """End this process when the page's server is gone (stopped, killed): a ranking nobody reads is wasted cores."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, name="supplysim-ranking-watch", daemon=True).start()


class _Note:
    """run_stress's progress function: the share of the ranking done, into status.json at most every EVERY s."""

    def __init__(self, folder: Path, seed: int, round_index: int, reps: int) -> None:
        self.folder, self.seed, self.round_index, self.reps = folder, seed, round_index, reps
        self.last = 0.0

    def __call__(self, run: int, planned: int) -> None:
        now = time.perf_counter()
        if now - self.last < EVERY or planned <= 0:
            return
        self.last = now
        before = sum(ROUNDS[: self.round_index])
        fraction = (before + self.reps * run / planned) / WORK
        data = {"state": "running", "seed": self.seed, "rounds_done": self.round_index, "pid": os.getpid()}
        _write(self.folder, {**data, "fraction": fraction})


def main(folder: Path, seed: int) -> None:
    """The background process: both rounds, each written as it finishes."""
    _exit_with(os.getppid())
    os.nice(NICE)
    sc = load_scenario(folder / "scenario.yaml")
    began = time.perf_counter()
    for i, reps in enumerate(ROUNDS):
        settings = {"duration": DURATION, "tail": TAIL, "min_replications": reps, "round_size": reps}
        mc = {"replications": reps, "seed": seed, "n_jobs": 1}
        note = _Note(folder, seed, i, reps)
        result = run_stress(sc, settings, mc, progress=note)
        result.table.to_csv(folder / "stress_test.tmp.csv", index=False)
        (folder / "stress_test.tmp.csv").replace(folder / "stress_test.csv")
        state = "done" if i == len(ROUNDS) - 1 else "running"
        elapsed = time.perf_counter() - began
        msg = f"{len(result.table)} elements, {reps} replications each, {elapsed:.0f} s"
        _write(folder, {"state": state, "seed": seed, "rounds_done": i + 1, "pid": os.getpid(), "message": msg})


if __name__ == "__main__":
    try:
        main(Path(sys.argv[1]), int(sys.argv[2]))
    except Exception as exc:  # the page shows the message; the traceback stays in ranking.log
        folder = Path(sys.argv[1])
        _write(folder, {"state": "failed", "rounds_done": 0, "message": f"{type(exc).__name__}: {exc}"})
        raise
