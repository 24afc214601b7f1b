"""The stationary customer demand kinds (``periodic``, ``poisson_process``, ``empirical``) and the base class of every
demand kind: the data side (parameters, analytic mean and variance). sim.scenario.demand registers them by name.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import numpy as np
from pydantic import BaseModel, Field, model_validator

from sim.registry import EntryParams
from sim.scenario.distributions import Dist


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


class Periodic(DemandProcess):
    class Params(EntryParams):
        quantity: Dist

    @staticmethod
    def mean(p):
        return p.quantity.mean

    @staticmethod
    def var(p):
        return p.quantity.var


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
    import pandas as pd  # deferred: only a demand series read from a file needs pandas

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
