"""Report size and time on big networks (the "large networks" issue: reports stay readable, the HTML a few MB).

The scaling benchmark's synthetic networks (``scaling.network``: one supplier, one DC, R retailers × K SKUs) with the
stores in three regions and the products in four categories, so the aggregate views have something to group. Per
size: a small batch (time series on, as a run's default), then ``write_report`` timed on its own, with the orders
chart of replication 0 as the CLI draws it; prints the page size, the figures' share of it, and the table rows.

    python benchmarks/report_size.py [--sizes 10x20,20x50,40x100] [--reps 2] [--out DIR]

A 40 × 100 replication takes ~17 s on this machine's class, so the default run takes a few minutes.
"""

from __future__ import annotations

import argparse
import re
import tempfile
import time
from pathlib import Path

from scaling import network

REGIONS = ("North", "South", "East")
CATEGORIES = ("fasteners", "electrical", "packaging", "tools")


def labelled(retailers: int, skus: int, horizon: int = 365) -> dict:
    """``scaling.network`` with a region per store (round robin over ``REGIONS``) and a category per product."""
    data = network(retailers, skus, horizon)
    for k, product in enumerate(data["products"]):
        product["category"] = CATEGORIES[k % len(CATEGORIES)]
    stores = [n for n in data["nodes"] if n["type"] == "retailer"]
    for r, node in enumerate(stores):
        node["region"] = REGIONS[r % len(REGIONS)]
    return data


def measure(retailers: int, skus: int, reps: int, out: Path) -> dict[str, float]:
    from sim.experiment.batch import MCSettings, run_batch
    from sim.experiment.replication import run_replication
    from sim.model.rng import replication_seed
    from sim.report.html import write_report
    from sim.scenario.loading import validate

    sc = validate(labelled(retailers, skus))
    t = time.perf_counter()
    batch = run_batch(sc, MCSettings(replications=reps, seed=0, series_replications=reps, n_jobs=1))
    orders = run_replication(sc, replication_seed(0, 0)).timeseries
    sim_s = time.perf_counter() - t
    t = time.perf_counter()
    path = write_report(
        out,
        summary=batch.summary,
        bands=batch.bands,
        scenario=sc.to_dict(),
        config_yaml="",
        meta={"replications": reps, "seed": 0},
        risk=batch.risk(),
        orders=orders,
    )
    report_s = time.perf_counter() - t
    html = path.read_text(encoding="utf-8")
    images = sum(len(m) for m in re.findall(r'src="(data:image/png;base64,[^"]*)"', html))
    return {
        "items": len(
            batch.summary[(batch.summary["node"] != "ALL") & (batch.summary["sku"] != "ALL")][
                ["node", "sku"]
            ].drop_duplicates()
        ),
        "sim_s": sim_s,
        "report_s": report_s,
        "mb": len(html.encode("utf-8")) / 1e6,
        "image_share": images / max(len(html), 1),
        "rows": html.count("<tr"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10x20,20x50,40x100")
    parser.add_argument("--reps", type=int, default=2)
    parser.add_argument("--out", default=None, help="keep the reports here (default: a temporary directory)")
    args = parser.parse_args()
    print("| R x K | stock items | batch + orders s | write_report s | ms per item | report.html MB | figures | <tr> |")
    print("|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(args.out or tmp)
        for size in args.sizes.split(","):
            r, k = (int(x) for x in size.lower().split("x"))
            m = measure(r, k, args.reps, root / size)
            print(
                f"| {r} x {k} | {m['items']:,} | {m['sim_s']:,.1f} | {m['report_s']:,.2f} | "
                f"{m['report_s'] / m['items'] * 1e3:.2f} | {m['mb']:.2f} | {m['image_share']:.0%} | {m['rows']} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
