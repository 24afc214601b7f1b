"""This engine against an earlier commit: time per replication, interleaved, medians.

Checks out ``REF`` (default: the commit before the engine v2 change) in a temporary git worktree, then alternates
rounds between the two trees, each round timing ``--reps`` replications of the serial 4-echelon chain (the one in
benchmarks/engine.py) and of the showcase in a fresh interpreter. Prints medians and the ratio new / old.

    python benchmarks/versus.py [REF] [--rounds 7] [--reps 200]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# runs inside each tree; the serial chain is the same dict in both (benchmarks/engine.py of the current tree)
SNIPPET = r"""
import json, sys, time
sys.path.insert(0, sys.argv[1])
serial = json.loads(open(sys.argv[2]).read())
Prepared = None
try:  # the layered layout: a batch reuses what it derives from the scenario (Prepared)
    from sim.experiment.replication import Prepared, run_replication
    try:
        from sim.scenario.sources import load_scenario
    except ImportError:
        from sim.scenario.loading import load_scenario
except ImportError:
    try:
        from sim.model.engine import run_replication
        try:
            from sim.scenario.loading import load_scenario
        except ImportError:  # engine v2 before loading moved out of the schema
            from sim.scenario.schema import load_scenario
    except ImportError:  # the flat layout before engine v2
        from sim.engine import run_replication
        from sim.scenario import load_scenario
reps = int(sys.argv[3])
out = {}
for name, sc in (("serial_chain", load_scenario(serial)), ("showcase", load_scenario("consolidated_sourcing"))):
    sc = Prepared(sc) if Prepared is not None else sc
    n = reps if name == "serial_chain" else max(reps // 20, 3)
    run_replication(sc, 0, timeseries=False)
    t = time.perf_counter()
    for i in range(n):
        run_replication(sc, i, timeseries=False)
    out[name] = (time.perf_counter() - t) / n
print(json.dumps(out))
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("ref", nargs="?", default="326894c")
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--reps", type=int, default=200)
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from engine import serial_chain_data

    with tempfile.TemporaryDirectory() as tmp:
        old = Path(tmp) / "old"
        chain = Path(tmp) / "serial_chain.json"
        chain.write_text(json.dumps(serial_chain_data()))
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(old), args.ref], check=True, capture_output=True
        )
        try:
            times: dict[str, dict[str, list[float]]] = {"old": {}, "new": {}}
            for _ in range(args.rounds):
                for label, tree in (("old", old), ("new", ROOT)):
                    res = subprocess.run(
                        [sys.executable, "-c", SNIPPET, str(tree), str(chain), str(args.reps)],
                        check=True,
                        capture_output=True,
                        text=True,
                        cwd=tree,
                    )
                    for k, v in json.loads(res.stdout).items():
                        times[label].setdefault(k, []).append(v)
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(old)], check=False)
    print(f"{'scenario':<14}{'old ms/rep':>12}{'new ms/rep':>12}{'new/old':>9}   ({args.rounds} interleaved rounds)")
    for k in times["new"]:
        o, n = statistics.median(times["old"][k]), statistics.median(times["new"][k])
        print(f"{k:<14}{o * 1e3:>12.3f}{n * 1e3:>12.3f}{n / o:>9.3f}")


if __name__ == "__main__":
    main()
