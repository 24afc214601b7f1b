"""Spreadsheet benchmark: loading the 40 x 100 network of benchmarks/scaling.py from a CSV folder and a workbook.

Targets (docs/spreadsheets.md): a CSV folder loads in <= 1 s, a workbook in <= 2 s; the YAML file is printed for
comparison. Each round loads every source once, in turn (interleaved, so a busy machine slows all alike); the table
shows medians of the CPU time of this process (the machine may be shared; ``--wall`` for wall-clock time):

    read      file -> scenario data (YAML parse; or cells -> typed columns -> rows -> data)
    validate  data -> Scenario (the same pydantic validation for every source)
    total     sim.load_scenario(path): both, plus the checks around them

    python benchmarks/spreadsheets.py [--size 40x100] [--rounds 5] [--wall]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import yaml
from scaling import network

from sim.scenario.loading import read_yaml, validate
from sim.scenario.sources import load_scenario
from sim.scenario.tables.export import export_scenario
from sim.scenario.tables.reading import read

TARGETS = {"CSV folder": 1.0, "workbook": 2.0}


def size_of(path: Path) -> int:
    return sum(p.stat().st_size for p in path.iterdir()) if path.is_dir() else path.stat().st_size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", default="40x100", help="retailers x products")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--wall", action="store_true", help="wall-clock time instead of this process's CPU time")
    args = parser.parse_args()
    clock = time.perf_counter if args.wall else time.process_time
    retailers, skus = (int(x) for x in args.size.lower().split("x"))
    data = network(retailers, skus)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        names = {"YAML file": "network.yaml", "CSV folder": "network", "workbook": "network.xlsx"}
        sources = {name: root / file for name, file in names.items()}
        sources["YAML file"].write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        for name, fmt in (("CSV folder", "csv"), ("workbook", "xlsx")):
            started = clock()
            export_scenario(data, sources[name], format=fmt)
            print(f"export as {name}: {clock() - started:.2f} s")
        reference = load_scenario(sources["YAML file"]).model_dump()
        for name, path in sources.items():
            assert load_scenario(path).model_dump() == reference, f"{name} loads another scenario"
        times: dict[str, dict[str, list[float]]] = {n: {"read": [], "validate": [], "total": []} for n in sources}
        for _ in range(args.rounds):
            for name, path in sources.items():
                started = clock()
                got = read_yaml(path) if path.suffix == ".yaml" else read(path)[0]
                mid = clock()
                validate(got)
                end = clock()
                load_scenario(path)
                times[name]["read"].append(mid - started)
                times[name]["validate"].append(end - mid)
                times[name]["total"].append(clock() - end)
        sizes = {name: size_of(path) for name, path in sources.items()}
    items = sum(len(n.get("policy", {})) for n in data["nodes"])
    what = "wall-clock" if args.wall else "CPU"
    print(f"\n{args.size} network ({items:,} stock items), sim.load_scenario, {what} time, medians of {args.rounds}")
    print(f"{'source':<12} {'size':>9} {'read':>8} {'validate':>9} {'total':>8}   target")
    for name in sources:
        med = {k: statistics.median(v) for k, v in times[name].items()}
        limit = TARGETS.get(name)
        met = limit is not None and med["total"] <= limit
        verdict = "(today's path)" if limit is None else f"<= {limit:g} s: {'ok' if met else 'MISSED'}"
        print(
            f"{name:<12} {sizes[name] / 2**10:>6,.0f} kB {med['read']:>6.2f} s {med['validate']:>7.2f} s "
            f"{med['total']:>6.2f} s   {verdict}"
        )


if __name__ == "__main__":
    main()
