"""Customer demand processes, selected by ``kind`` in a scenario (default ``periodic``).

- ``periodic``: one demand per period, at the start of the period's demand phase, with a quantity drawn from any
  distribution: ``{dist: poisson, mean: 10}`` (``kind: periodic`` may be omitted). A draw of zero is normal.
- ``poisson_process``: customers arrive one by one as a Poisson process with ``rate`` per period, each buying
  ``size`` units (default 1): the continuous-time model of the classic base-stock formulas.
- ``empirical``: a per-period series, given inline (``values``) or read from a CSV (``file`` + ``column``; the path is
  relative to the scenario file). The series repeats if the horizon is longer.

This module is the data side (parameters, analytic mean and variance); the SimPy process that plays each kind lives in
``sim.model.arrivals``. A new kind is a ``DemandProcess`` with a ``Params`` model (sim.scenario.demand_kinds,
sim.scenario.patterns), registered here by name, and gets a process there.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any, ClassVar

from pydantic import ValidationInfo, model_validator

from sim import paths
from sim.registry import Registry, Spec
from sim.scenario.demand_kinds import DemandProcess, Empirical, Periodic, PoissonProcess, read_series
from sim.scenario.patterns import AR1, Promotion, Seasonal, Step, Trend

DEMANDS: Registry[type[DemandProcess]] = Registry("demand process", "kind")
for _name, _kind in {
    "periodic": Periodic,
    "poisson_process": PoissonProcess,
    "empirical": Empirical,
    "ar1": AR1,
    "seasonal": Seasonal,
    "trend": Trend,
    "promotion": Promotion,
    "step": Step,
}.items():
    DEMANDS.register(_name)(_kind)


class DemandSpec(Spec):
    """Demand as written in a scenario; see the module docstring for the kinds."""

    registry: ClassVar[Registry] = DEMANDS
    kind: str = "periodic"

    @model_validator(mode="before")
    @classmethod
    def _inline(cls, data: Any, info: ValidationInfo) -> Any:
        # ``{dist: poisson, mean: 10}`` is shorthand for ``{kind: periodic, quantity: {dist: poisson, mean: 10}}``;
        # an empirical ``file`` is read now, so a validated scenario is self-contained data.
        if not isinstance(data, dict):
            return data
        data = dict(data)
        if data.get("kind", "periodic") == "periodic" and "dist" in data:
            return {"kind": "periodic", "quantity": data}
        if data.get("kind") == "empirical" and data.get("file") is not None:
            if data.get("values") is not None:
                raise ValueError("give either 'values' (a list) or 'file' (+ 'column'), not both")
            base = Path((info.context or {}).get("base_dir", "."))
            data["values"] = read_series(_demand_file(data["file"], base), data.get("column"))
        return data

    @property
    def mean(self) -> float:
        """Expected demand per period."""
        return self.entry.mean(self._params)

    @property
    def var(self) -> float:
        """Variance of demand per period."""
        return self.entry.var(self._params)


def _demand_file(value: Any, base: Path) -> Path:
    """The CSV an empirical demand names, relative to the scenario's folder: an existing file this process may read
    (every problem with the path a ValueError naming ``file`` and the path, see sim.paths)."""
    path = paths.user_path("file", value, ValueError, base=base)
    if not stat.S_ISREG(paths.existing("file", path, ValueError, what="demand file").st_mode):
        raise ValueError(f"file: {paths.shown(path)} is a folder, not a demand file (CSV)")
    if not os.access(path, os.R_OK):
        raise ValueError(f"file: can't read {paths.shown(path)}: no permission")
    return path
