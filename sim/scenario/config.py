"""Hydra configuration: the structured config schema, the scenario config group, and scenario assembly.

The ``scenario`` config group is the scenario library: each ``scenarios/*.yaml`` is safe-loaded, checked to be pure
data (no ``_target_``, no ``${...}``) and registered in Hydra's ConfigStore, so ``scenario=serial_chain`` selects it,
``-m scenario=glob(*)`` sweeps it and ``scenario.horizon=730`` overrides a field. After composition the scenario is
validated with the pydantic schema, so every override is checked too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hydra import compose, initialize_config_dir
from hydra.core.config_store import ConfigStore
from hydra.errors import HydraException
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from sim.errors import ConfigError, ScenarioError
from sim.scenario.presets import apply_policy
from sim.scenario.schema import Scenario, library, read_yaml, reject_code, validate


def conf_dir() -> Path:
    """The ``conf/`` directory: shipped inside the package when installed, at the repo root in a checkout."""
    here = Path(__file__).resolve().parent
    for candidate in (here.parent / "conf", here.parent.parent / "conf"):
        if (candidate / "config.yaml").is_file():
            return candidate
    raise ConfigError(f"can't find supplysim's conf/ directory near {here}")


@dataclass
class MCConfig:
    replications: int = 100
    seed: int = 0
    n_jobs: int = 1
    backend: str = "local"
    address: str | None = None
    confidence: float = 0.95
    resume: bool = False
    target_halfwidth: float | None = None
    target_kpi: str = "fill_rate"
    target_node: str = "ALL"
    max_replications: int = 10000
    round_size: int | None = None
    series_replications: int = 100
    progress: bool | None = None


@dataclass
class PolicyConfig:
    name: str = "scenario"
    kind: str | None = None  # None keeps the scenario's policies
    apply_to: Any = "all"  # all | retailers | buffers | [node ids]
    review_period: float = 7.0
    safety_factor: float = 1.65
    params: dict[str, Any] = field(default_factory=dict)  # explicit parameters instead of sizing


@dataclass
class ReportConfig:
    html: bool = True
    csv: bool = True
    parquet: bool = True
    headline: bool = True


@dataclass
class StressConfig:
    duration: float = 28.0  # periods each element is out
    start: float | None = None  # when it goes out; default: the scenario's warm-up
    elements: list[str] = field(default_factory=lambda: ["suppliers", "lanes", "regions"])
    rank_by: str = "revenue_at_risk"
    min_replications: int = 20  # before an element may stop early
    round_size: int = 20  # replications added per round to the elements still running
    precision: float = 0.05  # stop an element once its CI half-width is below this share of the worst mean
    top: int = 5  # ... or once it can no longer reach the top ``top``
    tail: int | None = None  # periods simulated after the outage ends (None: to the horizon)


@dataclass
class Config:
    mode: str = "batch"  # batch | stress_test
    disruption: Any = None  # chosen options of the disruption group: {name: spec or [specs]}
    stress: StressConfig = field(default_factory=StressConfig)
    scenario: Any = None
    scenario_file: str | None = None
    horizon: int | None = None
    warmup: int | None = None
    variant: str | None = None
    policy: PolicyConfig = field(default_factory=PolicyConfig)
    mc: MCConfig = field(default_factory=MCConfig)
    report: ReportConfig = field(default_factory=ReportConfig)


def register_configs() -> None:
    """Register the schema and the scenario library in Hydra's ConfigStore (idempotent)."""
    cs = ConfigStore.instance()
    cs.store(name="base_config", node=Config)
    for name, path in library().items():
        try:
            data = read_yaml(path)
            reject_code(data)
        except ScenarioError:
            continue  # reported when selected: build_scenario re-reads and validates it
        cs.store(group="scenario", name=name, node=data)


def build_scenario(cfg: DictConfig) -> Scenario:
    """The validated scenario of a composed config (scenario group or scenario_file, overrides, policy preset)."""
    if cfg.get("scenario_file"):
        path = Path(str(cfg.scenario_file)).expanduser()
        if not path.is_file():
            raise ScenarioError(f"scenario_file: no such file: {path}")
        data, base_dir, source = read_yaml(path), path.parent, str(path)
    else:
        if cfg.get("scenario") is None:
            raise ScenarioError(f"scenario: none selected; known: {', '.join(library())}")
        data = OmegaConf.to_container(cfg.scenario, resolve=False)  # refuse ${...} before anything resolves it
        name = str(data.get("name", "")) if isinstance(data, dict) else ""
        lib = library()
        base_dir = lib[name].parent if name in lib else Path.cwd()
        source = f"scenario {name!r}"
    extra = disruption_specs(cfg)
    if extra:
        data["disruptions"] = [*(data.get("disruptions") or []), *extra]
    reject_code(data)
    for key in ("horizon", "warmup"):
        if cfg.get(key) is not None:
            data[key] = cfg[key]
    scenario = validate(data, base_dir=base_dir, source=source)
    pol = cfg.policy
    return apply_policy(
        scenario,
        pol.kind,
        apply_to=OmegaConf.to_container(pol.apply_to) if OmegaConf.is_config(pol.apply_to) else pol.apply_to,
        review_period=pol.review_period,
        safety_factor=pol.safety_factor,
        params=OmegaConf.to_container(pol.params) or None,
    )


def disruption_specs(cfg: DictConfig) -> list[Any]:
    """The specs of the ``disruption=`` options (``disruption=[a,b]`` composes several), as plain data; each spec
    without a ``name`` is named after its option."""
    chosen = cfg.get("disruption")
    if chosen is None:
        return []
    data = OmegaConf.to_container(chosen, resolve=False)
    if not isinstance(data, dict):
        raise ConfigError("disruption: expected options of the disruption group (disruption=NAME or [A,B])")
    specs: list[Any] = []
    for option, value in data.items():
        items = value if isinstance(value, list) else [value]
        for i, spec in enumerate(items):
            if isinstance(spec, dict) and not spec.get("name"):
                spec = {**spec, "name": option if len(items) == 1 else f"{option}[{i}]"}
            specs.append(spec)
    return specs


def compose_config(scenario: str | Path | None = None, overrides: list[str] | tuple[str, ...] = ()) -> DictConfig:
    """Compose the config like the CLI does (Hydra compose API; independent of the working directory)."""
    register_configs()
    extra = []
    if scenario is not None:
        if Path(str(scenario)).suffix in (".yaml", ".yml") or Path(str(scenario)).is_file():
            extra.append(f"scenario_file={Path(scenario).resolve()}")
        else:
            extra.append(f"scenario={scenario}")
    try:
        with initialize_config_dir(config_dir=str(conf_dir()), version_base="1.3", job_name="supplysim"):
            return compose(config_name="config", overrides=[*extra, *overrides])
    except (HydraException, OmegaConfBaseException) as exc:
        cause = f": {exc.__cause__}" if exc.__cause__ else ""
        raise ConfigError(f"{exc}{cause}".replace("\n\n", "\n")) from None
