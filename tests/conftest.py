"""Shared builders for the engine-validity tests: tiny scenarios as plain dicts, run helpers, KPI lookups; and the
headless Chromium of the browser tests (the ``chromium`` fixture).

Every builder returns a *dict* (so a test can tweak any field before validating it); ``build`` validates it.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from sim.experiment.replication import ReplicationResult, run_replication
from sim.model.network import SupplyChain
from sim.scenario.schema import Scenario
from sim.scenario.sources import load_scenario

SKU = "w"


def const(value: float) -> dict[str, Any]:
    """A constant distribution."""
    return {"dist": "constant", "value": value}


def product(sku: str = SKU, **costs: float) -> dict[str, Any]:
    return {"id": sku, **costs}


def supplier(node_id: str = "f", **kw: Any) -> dict[str, Any]:
    return {"id": node_id, "type": "supplier", **kw}


def stock_node(
    node_id: str,
    *,
    kind: str = "retailer",
    policy: dict[str, Any] | None = None,
    source: str | list[dict[str, Any]] | None = None,
    demand: dict[str, Any] | None = None,
    sku: str = SKU,
    **kw: Any,
) -> dict[str, Any]:
    """A buffer or retailer stocking one product: ``source`` is a node id (single source) or a list of sources."""
    node: dict[str, Any] = {"id": node_id, "type": kind, **kw}
    if policy is not None:
        node["policy"] = {sku: policy}
    if source is not None:
        node["sources"] = {sku: [{"node": source}] if isinstance(source, str) else source}
    if demand is not None:
        node["demand"] = {sku: demand}
    return node


def lane(src: str, dst: str, transit: dict[str, Any] | float, **kw: Any) -> dict[str, Any]:
    return {"from": src, "to": dst, "transit": transit if isinstance(transit, dict) else const(transit), **kw}


def single_stage(
    policy: dict[str, Any],
    demand: dict[str, Any],
    *,
    transit: dict[str, Any] | float = 1,
    horizon: int = 20,
    warmup: int = 0,
    lost: bool = False,
    costs: dict[str, float] | None = None,
    supplier_kw: dict[str, Any] | None = None,
    retailer_kw: dict[str, Any] | None = None,
    lane_kw: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Supplier ``f`` -> retailer ``r`` (one product ``w``) with the given policy and customer demand."""
    return {
        "name": "single_stage",
        "horizon": horizon,
        "warmup": warmup,
        "products": [product(**(costs or {}))],
        "nodes": [
            supplier(**(supplier_kw or {})),
            stock_node(
                "r",
                policy=policy,
                source="f",
                demand=demand,
                unmet_demand="lost" if lost else "backorder",
                **(retailer_kw or {}),
            ),
        ],
        "lanes": [lane("f", "r", transit, **(lane_kw or {}))],
    }


def build(data: dict[str, Any]) -> Scenario:
    """Validate a scenario dict (a deep copy, so the caller's dict can be reused)."""
    return load_scenario(copy.deepcopy(data))


def run(data: dict[str, Any] | Scenario, seed: int | np.random.SeedSequence = 0, **kw: Any) -> ReplicationResult:
    sc = data if isinstance(data, Scenario) else build(data)
    return run_replication(sc, seed, **kw)


def chain(data: dict[str, Any] | Scenario, seed: int = 0) -> SupplyChain:
    """The finished model of one replication (for tests that inspect items, suppliers and lanes)."""
    sc = data if isinstance(data, Scenario) else build(data)
    return SupplyChain(sc, np.random.SeedSequence(seed)).run()


def kpi_dict(result: ReplicationResult) -> dict[tuple[str, str, str], float]:
    return dict(zip(result.kpi_index, result.kpi_values.tolist(), strict=True))


def series(result: ReplicationResult, node: str, sku: str = SKU) -> dict[str, list[float]]:
    """One stock item's time series as plain lists (column -> values in period order)."""
    ts = result.timeseries
    sub = ts[(ts.node == node) & (ts.sku == sku)].sort_values("t")
    return {c: sub[c].tolist() for c in sub.columns if c not in ("node", "sku")}


def rep_seeds(base: int, n: int) -> list[np.random.SeedSequence]:
    """Seeds of replications 0..n-1 exactly as a batch derives them."""
    return [np.random.SeedSequence(base, spawn_key=(i,)) for i in range(n)]


def mc_mean(values: list[float] | np.ndarray) -> tuple[float, float]:
    """(mean, standard error of the mean) of independent replications."""
    arr = np.asarray(values, dtype=float)
    return float(arr.mean()), float(arr.std(ddof=1) / np.sqrt(arr.size))


def plant(node_id: str, bom: dict[str, dict[str, float]], **kw: Any) -> dict[str, Any]:
    """A plant (docs/assembly.md) making ``bom``'s products; ``kw``: its other fields (policy, sources, capacity...)."""
    return {"id": node_id, "type": "plant", "bom": bom, **kw}


def supplysim_main(args: list[str], monkeypatch: Any, capsys: Any) -> tuple[int, str]:
    """Run the command line in this process (``sim.cli.main`` with ``args``): (exit code, stderr). Much faster than a
    subprocess; an exception escaping it fails the test (the traceback a user would see). What a run changes in the
    process is put back: the loggers Hydra's logging config disables, the scenario options it registers."""
    import logging
    import warnings

    from hydra.core.config_store import ConfigStore

    from sim.cli.entry import main  # deferred: only the command-line tests load Hydra

    monkeypatch.setattr("sys.argv", ["supplysim", *args])
    monkeypatch.setattr(warnings, "showwarning", warnings.showwarning)  # main() replaces it
    loggers = {n: (lg.disabled, lg.level) for n, lg in logging.root.manager.loggerDict.items() if hasattr(lg, "level")}
    root = (logging.root.level, list(logging.root.handlers))
    options = set(ConfigStore.instance().repo.get("scenario", {}))
    capsys.readouterr()
    try:
        main()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    finally:
        for name, lg in logging.root.manager.loggerDict.items():
            if isinstance(lg, logging.Logger):
                lg.disabled, level = loggers.get(name, (False, logging.NOTSET))
                lg.setLevel(level)
        logging.root.setLevel(root[0])
        logging.root.handlers[:] = root[1]
        scenarios = ConfigStore.instance().repo.get("scenario", {})
        for name in set(scenarios) - options:
            del scenarios[name]
    return code, capsys.readouterr().err


# -- a headless Chromium for the browser tests (comparison.html, the workshop page) ---------------------------------
# Playwright is launched with the system's Chromium (``/usr/bin/chromium``, ``apt-get install -y chromium``); it never
# downloads a browser (``playwright install`` fails on machines without network access). Without Chromium the browser
# tests skip with the reason, except under ``CI=true`` (.ci/run), where they fail. One fixture for the whole suite:
# Playwright's sync API can't be started twice in one process.

CHROMIUM = Path(os.environ.get("SUPPLYSIM_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    *("--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"),
    *("--disable-sync", "--no-first-run"),
]


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true: .ci/run installs it)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """A headless Chromium for the session (one per xdist worker)."""
    if not CHROMIUM.is_file():
        _unavailable(f"Chromium not found at {CHROMIUM}: apt-get install -y chromium")
    try:
        from playwright.sync_api import sync_playwright  # deferred: only the browser tests need it
    except ImportError:
        _unavailable("the playwright package is not installed: pip install '.[test]'")
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
