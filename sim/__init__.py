"""supplysim: a discrete-event supply chain simulator (SimPy engine, Hydra scenarios, Monte Carlo batches)."""

from sim.engine import ReplicationResult, run_replication, simulate
from sim.errors import ConfigError, ScenarioError, SupplysimError
from sim.scenario import Scenario, load_scenario

__all__ = [
    "ConfigError",
    "ReplicationResult",
    "Scenario",
    "ScenarioError",
    "SupplysimError",
    "load_scenario",
    "run_replication",
    "simulate",
]
__version__ = "0.1.0"
