"""Customer demand processes, selected by ``kind`` in a scenario (default ``periodic``).

- ``periodic``: one demand per period, at the start of the period's demand phase, with a quantity drawn from any
  distribution: ``{dist: poisson, mean: 10}`` (``kind: periodic`` may be omitted). A draw of zero is normal.
- ``poisson_process``: customers arrive one by one as a Poisson process with ``rate`` per period, each buying
  ``size`` units (default 1): the continuous-time model of the classic base-stock formulas.
- ``empirical``: a per-period series, given inline (``values``) or read from a CSV (``file`` + ``column``; the path is
  relative to the scenario file). The series repeats if the horizon is longer.

This module is the data side (parameters, analytic mean and variance); the SimPy process that plays each kind lives in
``sim.model.demand``. A new kind registers here with a ``Params`` model and gets a process there.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import numpy as np
from pydantic import BaseModel, Field, ValidationInfo, model_validator

from sim.scenario.distributions import Dist
from sim.scenario.registry import EntryParams, Registry, Spec


class DemandProcess:
    Params: ClassVar[type[BaseModel]]

    @staticmethod
    def mean(p: Any) -> float:  # pragma: no cover - protocol
        """Expected demand per period."""
        raise NotImplementedError

    @staticmethod
    def var(p: Any) -> float:  # pragma: no cover - protocol
        """Variance of demand per period."""
        raise NotImplementedError


DEMANDS: Registry[type[DemandProcess]] = Registry("demand process", "kind")


@DEMANDS.register("periodic")
class Periodic(DemandProcess):
    class Params(EntryParams):
        quantity: Dist

    @staticmethod
    def mean(p):
        return p.quantity.mean

    @staticmethod
    def var(p):
        return p.quantity.var


@DEMANDS.register("poisson_process")
class PoissonProcess(DemandProcess):
    class Params(EntryParams):
        rate: float = Field(gt=0)
        size: Dist = Dist(dist="constant", value=1)

    @staticmethod
    def mean(p):
        return p.rate * p.size.mean

    @staticmethod
    def var(p):
        # compound Poisson: Var = rate * E[size^2]
        return p.rate * (p.size.var + p.size.mean**2)


@DEMANDS.register("empirical")
class Empirical(DemandProcess):
    class Params(EntryParams):
        values: list[float] = Field(min_length=1)
        file: str | None = None  # where the values were read from (kept for the record)
        column: str | None = None

        @model_validator(mode="after")
        def _non_negative(self):
            if min(self.values) < 0:
                raise ValueError("values must be numbers >= 0")
            return self

    @staticmethod
    def mean(p):
        return float(np.mean(p.values))

    @staticmethod
    def var(p):
        return float(np.var(p.values))


def read_series(path: Path, column: str | None) -> list[float]:
    """Read a demand column from a CSV (pandas; clear errors for a missing file or column)."""
    import pandas as pd

    if not path.is_file():
        raise ValueError(f"demand file not found: {path}")
    try:
        frame = pd.read_csv(path)
    except (pd.errors.EmptyDataError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        reason = "it is empty" if isinstance(exc, pd.errors.EmptyDataError) else f"it is not a UTF-8 CSV table ({exc})"
        raise ValueError(f"demand file {path}: can't read a demand series: {reason}") from None
    if frame.empty:
        raise ValueError(f"demand file {path}: no rows of demand")
    col = column or frame.columns[-1]
    if col not in frame.columns:
        raise ValueError(f"column {col!r} not in {path.name}; columns: {', '.join(map(str, frame.columns))}")
    values = pd.to_numeric(frame[col], errors="coerce")
    if values.isna().any() or (values < 0).any() or values.empty or not np.isfinite(values).all():
        raise ValueError(f"{path.name}:{col} must hold finite numbers >= 0 (no blanks, NaN or inf)")
    return values.astype(float).tolist()


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
            data["values"] = read_series(base / data["file"], data.get("column"))
        return data

    @property
    def mean(self) -> float:
        """Expected demand per period."""
        return self.entry.mean(self._params)

    @property
    def var(self) -> float:
        """Variance of demand per period."""
        return self.entry.var(self._params)


# the time-patterned kinds (ar1, seasonal, trend, promotion, step) register themselves on import
from sim.scenario import patterns  # noqa: E402, F401
