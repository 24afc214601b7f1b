"""Micro benchmark behind the flow table's layout (sim.model.flows): six flow writes per item-day, ``x[k] += 1.0``
through each item's memoryviews, sweeping every item in every period as a day of customer demand does.

Layouts: ``item`` -- one items x periods block per flow, an item's row contiguous (the layout before issue 24);
``period`` -- one periods x items block per flow, an item's column a strided view (a period's writes contiguous);
``period-map`` -- the same in a private anonymous memory map (4 KiB pages, no transparent huge pages). Prints ns per
six writes, the median of ``--rounds`` interleaved rounds, for each number of items.

    python benchmarks/flow_layout.py [--items 25,1050,4100] [--rounds 5]
"""

from __future__ import annotations

import argparse
import mmap
import statistics
import time

import numpy as np

HORIZON = 366


def _block(layout: str, n: int) -> np.ndarray:
    if layout == "item":
        return np.zeros((n, HORIZON))
    if layout == "period":
        return np.zeros((HORIZON, n))
    private = mmap.mmap(-1, 8 * HORIZON * n, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
    return np.frombuffer(private, dtype=np.float64).reshape(HORIZON, n)


def sweep(layout: str, n: int) -> float:
    """ns per item-day (six writes)."""
    blocks = [_block(layout, n) for _ in range(6)]
    if layout == "item":
        views = [[memoryview(b[i]) for b in blocks] for i in range(n)]
    else:
        flat = [memoryview(b.reshape(-1)) for b in blocks]
        views = [[f[i::n] for f in flat] for i in range(n)]
    t = time.perf_counter()
    for k in range(HORIZON - 1):
        for a, b, c, d, e, f in views:
            a[k] += 1.0
            b[k] += 1.0
            c[k] += 1.0
            d[k] += 1.0
            e[k] += 1.0
            f[k] += 1.0
    return (time.perf_counter() - t) / (n * (HORIZON - 1)) * 1e9


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--items", default="25,1050,4100")
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    layouts = ("item", "period", "period-map")
    print(f"{'items':>6}" + "".join(f"{x:>12}" for x in layouts) + "   ns per six writes (median)")
    for n in (int(x) for x in args.items.split(",")):
        times: dict[str, list[float]] = {x: [] for x in layouts}
        for _ in range(args.rounds):
            for x in layouts:
                times[x].append(sweep(x, n))
        print(f"{n:>6}" + "".join(f"{statistics.median(times[x]):>12.0f}" for x in layouts), flush=True)


if __name__ == "__main__":
    main()
