"""supplysim: a discrete-event supply chain simulator (SimPy engine, Hydra scenarios, Monte Carlo batches).

The public API is loaded lazily (``sim.simulate`` doesn't pay for Hydra, ``sim.run`` does).
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "simulate": "sim.experiment.replication",
    "run_replication": "sim.experiment.replication",
    "ReplicationResult": "sim.experiment.replication",
    "Scenario": "sim.scenario.schema",
    "load_scenario": "sim.scenario.sources",
    "export_scenario": "sim.scenario.tables.export",
    "SupplysimError": "sim.errors",
    "ScenarioError": "sim.errors",
    "ConfigError": "sim.errors",
    "ArgumentError": "sim.errors",
    "SupplysimWarning": "sim.errors",
    "run": "sim.api",
    "run_batch": "sim.experiment.batch",
    "Batch": "sim.experiment.batch",
    "MCSettings": "sim.experiment.monte_carlo",
    "parse_seed": "sim.experiment.monte_carlo",
    "compare": "sim.experiment.stats",
    "run_stress": "sim.experiment.stress",
    "paired_curves": "sim.experiment.paired",
    "summarize": "sim.experiment.stats",
    "optimise": "sim.experiment.optimise",
    "safety_stock": "sim.scenario.safety_stock",
    "reorder_level": "sim.scenario.safety_stock",
}
__all__ = sorted(_EXPORTS)
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'sim' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
