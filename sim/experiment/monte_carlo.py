"""Monte Carlo settings (the ``mc`` config group) and the seed of a replication."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from sim.arguments import refuse
from sim.errors import ArgumentError, ConfigError, settings_error
from sim.kpi.catalog import BATCH_KPIS, KNOWN_KPIS

ALL = "ALL"
_SEED_LABEL = re.compile(r"\d+/\d+")


class MCSettings(BaseModel):
    """Monte Carlo settings; the CLI's ``mc`` config group has exactly these keys."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    replications: int = Field(200, ge=1)  # fixed batch size; with target_halfwidth: the first round
    seed: int = Field(0, ge=0)  # base seed; replication i uses SeedSequence(seed, spawn_key=(i,))
    n_jobs: int = 1  # worker processes (local) / LocalCluster workers (dask); -1 = all cores
    backend: Literal["local", "dask"] = "local"
    address: str | None = None  # dask scheduler, e.g. tcp://host:8786; None = start a LocalCluster
    connect_timeout: float = Field(10.0, gt=0)  # seconds to wait for the dask scheduler at ``address``
    confidence: float = Field(0.95, gt=0, lt=1)
    resume: bool = False  # finish the batch whose parts are in out_dir
    target_halfwidth: float | None = Field(None, gt=0)  # relative CI half-width to reach, e.g. 0.005
    target_kpi: str = "fill_rate"
    target_node: str = ALL
    max_replications: int = Field(10000, ge=1)
    round_size: int | None = Field(None, ge=1)  # replications added per round; default: replications
    series_replications: int = Field(100, ge=0)  # replications whose time series feed the bands
    progress: bool | None = None  # None: a progress bar when stderr is a terminal; True: always; False: never

    def __init__(self, **data: Any) -> None:
        """Keyword arguments as in the ``mc`` group; an invalid one is an ``ArgumentError`` naming every bad key."""
        try:
            super().__init__(**data)
        except ValidationError as exc:
            error = settings_error("invalid Monte Carlo settings", "mc", exc, type(self).model_fields)
            raise ArgumentError(str(error)) from None

    @field_validator("n_jobs")
    @classmethod
    def _n_jobs(cls, v: int) -> int:
        if v == -1 or v >= 1:
            return v
        raise ValueError(f"must be >= 1, or -1 for all cores; got {v}")

    @field_validator("target_kpi")
    @classmethod
    def _target_kpi(cls, v: str) -> str:
        if v not in KNOWN_KPIS or v in BATCH_KPIS:  # a batch statistic has no per-replication value to target
            per_replication = [k for k in KNOWN_KPIS if k not in BATCH_KPIS]
            raise ValueError(f"unknown KPI {v!r}; known: {', '.join(per_replication)}")
        return v

    @model_validator(mode="after")
    def _consistent(self) -> MCSettings:
        if self.target_halfwidth is not None and self.max_replications < self.replications:
            raise ValueError(
                f"max_replications ({self.max_replications}) must be >= replications ({self.replications}), "
                "the first round of a precision-driven batch"
            )
        if self.address is not None and self.backend != "dask":
            raise ValueError(f"address {self.address!r} is only used with backend=dask (backend is {self.backend!r})")
        return self

    @classmethod
    def from_config(cls, cfg: Mapping[str, Any]) -> MCSettings:
        """Validate a plain mapping (e.g. ``OmegaConf.to_container(cfg.mc)``); raise one ``ConfigError`` naming
        every bad ``mc.<key>``."""
        try:
            return cls(**{str(k): v for k, v in dict(cfg).items()})
        except ArgumentError as exc:
            raise ConfigError(str(exc)) from None


def parse_seed(label: str) -> np.random.SeedSequence:
    """The SeedSequence behind a ``seed`` column value ``"<mc.seed>/<replication>"``: rerun a replication with
    ``sim.run_replication(scenario, parse_seed("0/17"))``."""
    if not isinstance(label, str) or not _SEED_LABEL.fullmatch(label):
        raise refuse(
            "label", "a seed label '<mc.seed>/<replication>' as in a KPI table's seed column, e.g. '0/17'", label
        )
    base, _, rep = label.partition("/")
    return np.random.SeedSequence(int(base), spawn_key=(int(rep),))
