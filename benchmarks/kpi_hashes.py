"""Fingerprints of the KPI tables (and time series) of every library scenario, to show a refactor changed nothing.

    python benchmarks/kpi_hashes.py                   # print one line per scenario × seed: name, seed, hash
    python benchmarks/kpi_hashes.py --save FILE       # also write them as JSON
    python benchmarks/kpi_hashes.py --check FILE      # compare with a saved run; exit 1 on any difference (cases added
                                                      # since the saved run are listed, not compared)

Run it on the commit before a change and after it: equal hashes mean bit-identical KPI values (the bytes of the
float64 vector, in the same order, with the same (node, sku, kpi) index) and time series. It imports only the public
``sim`` names, so it runs unchanged across layouts.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import numpy as np
import yaml

import sim

ROOT = Path(__file__).resolve().parent.parent
SEEDS = (1, 2)
# the disruption presets of conf/disruption on the scenarios they are written for (resilience KPIs, paired baselines)
DISRUPTED = {
    "consolidated_sourcing": ["psu_outage", "red_sea", "taiwan_region", "tray_quality", "unreliable_suppliers"],
    "dual_sourcing": ["far_outage"],
    "segmented_sourcing": ["penang_outage"],
    "contract_manufacturer": ["taiwan_outage"],
}


def fingerprint(result: sim.ReplicationResult) -> str:
    """sha256 over the KPI index, the KPI values' bytes and the time series' columns."""
    h = hashlib.sha256()
    h.update(json.dumps(list(result.kpi_index)).encode())
    h.update(np.ascontiguousarray(result.kpi_values, dtype=np.float64).tobytes())
    series = result.series_columns or {}
    for name in sorted(series):
        column = np.asarray(series[name])
        h.update(name.encode())
        h.update(column.astype(str).tobytes() if column.dtype.kind in "OUS" else column.tobytes())
    return h.hexdigest()[:16]


def library() -> list[str]:
    return sorted(p.stem for p in (ROOT / "scenarios").glob("*.yaml"))


def with_disruption(name: str, preset: str) -> dict:
    """The library scenario as data with one preset's disruptions added (what ``disruption=PRESET`` composes)."""
    data = yaml.safe_load((ROOT / "scenarios" / f"{name}.yaml").read_text())
    specs = yaml.safe_load((ROOT / "conf" / "disruption" / f"{preset}.yaml").read_text())
    for spec in specs.values():
        data.setdefault("disruptions", []).extend(spec if isinstance(spec, list) else [spec])
    return data


def cases(names: list[str]) -> list[tuple[str, object]]:
    out: list[tuple[str, object]] = [(name, name) for name in names]
    for name in names:
        out += [(f"{name}+{preset}", with_disruption(name, preset)) for preset in DISRUPTED.get(name, [])]
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--save", type=Path)
    parser.add_argument("--check", type=Path)
    parser.add_argument("--scenarios", nargs="*", default=None)
    args = parser.parse_args()
    hashes: dict[str, str] = {}
    for name, source in cases(args.scenarios or library()):
        scenario = sim.load_scenario(source)
        for seed in SEEDS:
            key = f"{name}@{seed}"
            hashes[key] = fingerprint(sim.run_replication(scenario, seed, timeseries=True))
            print(f"{key:48s} {hashes[key]}", flush=True)
    if args.save:
        args.save.write_text(json.dumps(hashes, indent=1) + "\n")
    if args.check:
        saved = json.loads(args.check.read_text())
        # a case the saved run has must be there and equal; a case it has not (a scenario added since) is only listed
        differ = sorted(k for k in saved if saved[k] != hashes.get(k))
        print("identical" if not differ else "DIFFERENT: " + ", ".join(differ))
        new = sorted(hashes.keys() - saved.keys())
        if new:
            print(f"new (not in {args.check.name}): " + ", ".join(new))
        return 1 if differ else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
