"""Hydra configuration: the structured config schema, the scenario config group, and scenario assembly.

The ``scenario`` config group is the scenario library: each ``scenarios/*.yaml`` is safe-loaded, checked to be pure
data (no ``_target_``, no ``${...}``) and registered in Hydra's ConfigStore, so ``scenario=serial_chain`` selects it,
``-m scenario=glob(*)`` sweeps it and ``scenario.horizon=730`` overrides a field. After composition the scenario is
validated with the pydantic schema, so every override is checked too.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from hydra import compose, initialize_config_dir
from hydra.core.config_store import ConfigStore
from hydra.errors import HydraException
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from sim import arguments, paths
from sim.cli.hydra_messages import one_line
from sim.errors import ConfigError, ScenarioError
from sim.scenario.demand_presets import apply_demand
from sim.scenario.loading import library, read_yaml, reject_code, validate
from sim.scenario.presets import apply_policy
from sim.scenario.schema import Scenario
from sim.scenario.sources import locate
from sim.scenario.tables.files import is_table_source
from sim.scenario.tables.reading import read_data


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
    connect_timeout: float = 10.0
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
    params: dict[str, Any] = field(default_factory=dict)  # explicit parameters, on top of the sizing


@dataclass
class DemandConfig:
    name: str = "scenario"
    kind: str | None = None  # None keeps the scenario's demand; else a time pattern (sim.scenario.demand_presets)
    apply_to: Any = "all"  # all | [node ids]
    params: dict[str, Any] = field(default_factory=dict)


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
    elements: list[str] = field(default_factory=lambda: ["suppliers", "lanes", "regions", "facilities"])
    rank_by: str = "revenue_at_risk"
    min_replications: int = 20  # before an element may stop early
    round_size: int = 20  # replications added per round to the elements still running
    precision: float = 0.05  # stop an element once its CI half-width is below this share of the worst mean
    top: int = 5  # ... or once it can no longer reach the top ``top``
    tail: int | None = None  # periods simulated after the outage ends (None: to the horizon)


@dataclass
class ExportConfig:
    format: str = "xlsx"  # mode=export: xlsx (a workbook) | csv (a folder of CSV files)
    path: str | None = None


@dataclass
class WorkshopConfig:
    port: int = 8501  # mode=workshop: the page on http://127.0.0.1:<port>
    open_browser: bool = True
    session: str = "workshop_session"  # the folder that keeps the session (what-ifs, pins, caches)
    n_jobs: int = 2  # worker processes of a what-if's batch


@dataclass
class Config:
    mode: str = "batch"  # batch | stress_test | export | workshop
    export: ExportConfig = field(default_factory=ExportConfig)
    workshop: WorkshopConfig = field(default_factory=WorkshopConfig)
    disruption: Any = None  # chosen options of the disruption group: {name: spec or [specs]}
    stress: StressConfig = field(default_factory=StressConfig)
    scenario: Any = None
    scenario_file: str | None = None
    horizon: int | None = None
    warmup: int | None = None
    variant: str | None = None
    policy: PolicyConfig = field(default_factory=PolicyConfig)
    demand: DemandConfig = field(default_factory=DemandConfig)
    mc: MCConfig = field(default_factory=MCConfig)
    report: ReportConfig = field(default_factory=ReportConfig)


_SECTIONS = {
    "policy": PolicyConfig,
    "demand": DemandConfig,
    "report": ReportConfig,
    "stress": StressConfig,
    "export": ExportConfig,
    "workshop": WorkshopConfig,
}


def check_keys(cfg: DictConfig) -> None:
    """Refuse keys that nothing reads (``+horizn=50``, ``+report.htm=false``): Hydra adds them without a word, and the
    run would silently ignore them. ``mc.*`` is checked by MCSettings, ``scenario.*`` by the schema."""
    levels = [("", cfg, Config), *((f"{g}.", cfg.get(g), schema) for g, schema in _SECTIONS.items())]
    for prefix, node, schema in levels:
        known = [f.name for f in fields(schema)]
        unknown = [f"{prefix}{k}" for k in node if k not in known] if OmegaConf.is_dict(node) else []
        if unknown:
            where = f"keys of {prefix[:-1]}" if prefix else "top-level keys"
            hint = "; conf/local/default.yaml starts with '# @package _global_'" if "local" in unknown else ""
            raise ConfigError(f"{', '.join(unknown)}: no such key; {where}: {', '.join(known)}{hint}")


def safe_dirname(text: str) -> str:
    """A sweep job's directory name from its overrides: one path component, no ``..``, no separators."""
    name = re.sub(r"[^A-Za-z0-9=,._+-]+", "_", str(text)).replace("..", "_").strip(".")
    return name[:150] or "job"


def register_configs(*, names_only: bool = False) -> None:
    """Register the schema, the scenario library and the run-directory resolver (idempotent).

    ``names_only``: each library scenario as its name alone (``--help`` lists the options; Hydra deep-copies the
    whole store for every group it lists, which with the library's data takes seconds)."""
    if not OmegaConf.has_resolver("supplysim_dirname"):
        OmegaConf.register_new_resolver("supplysim_dirname", safe_dirname)
    cs = ConfigStore.instance()
    cs.store(name="base_config", node=Config)
    for name, path in library().items():
        if names_only:
            cs.store(group="scenario", name=name, node={"name": name})
            continue
        try:
            data = read_yaml(path)
            reject_code(data)
        except ScenarioError:
            continue  # reported when selected: build_scenario re-reads and validates it
        cs.store(group="scenario", name=name, node=data)


OPTIONAL_GROUPS = ("debug", "experiment", "disruption")  # optional in the defaults list: Hydra ignores an unknown one
REQUIRED_GROUPS = ("scenario", "policy", "demand", "mc", "report", "hydra")  # each must have an option
FILE_KEY = "_file_"  # set in a user's scenario file registered as a scenario option: where it came from
_SWEEP_FUNCTIONS = ("choice(", "range(", "interval(", "glob(", "sort(", "shuffle(", "tag(")
OUTPUT_DIRS = ("hydra.run.dir", "hydra.sweep.dir")


def prepare_overrides(overrides: list[str] | tuple[str, ...]) -> list[str]:
    """Check command-line overrides before Hydra sees them, and make ``scenario_file=`` a scenario option.

    - ``${...}`` is refused in every override value (nothing from the environment or other keys leaks in);
    - a config group set to null (``mc=null``) and an unknown option of an optional group (``debug=quik``,
      ``disruption=nope``) are refused with the known options;
    - an output folder (``hydra.run.dir``, ``hydra.sweep.dir``) must be one this process can create (sim.paths);
    - ``scenario_file=PATH`` (or a comma list of paths in a sweep) reads each file, checks it is data, registers it
      as an option of the ``scenario`` group named after the file and selects it, so ``scenario.*`` overrides, sweeps
      and the run directory's name work on a user's file exactly as on a library scenario.
    """
    out = []
    for ov in overrides:
        if ov.startswith("-") or "=" not in ov:
            out.append(ov)  # a flag (-m, --cfg) or a flag's argument
            continue
        key, _, value = ov.partition("=")
        bare = key.lstrip("+~")
        if "${" in value:
            raise ConfigError(
                f"{bare}: interpolations like {value!r} are not allowed in overrides (give the value itself)"
            )
        check_group(bare, value)
        if bare in OUTPUT_DIRS:  # checked, and with ~ expanded (Hydra would make a folder named '~')
            ov = f"{key}={_quoted(str(paths.output_folder(bare, _unquoted(value), ConfigError)))}"
        if bare == "scenario_file":
            if value.startswith(_SWEEP_FUNCTIONS):
                raise ConfigError("scenario_file: sweep over files with a comma list (scenario_file=a.yaml,b.yaml)")
            names = [register_file(_unquoted(v)) for v in value.split(",")]
            out.append(f"scenario={','.join(names)}")
            continue
        out.append(ov)
    return out


def _unquoted(value: str) -> str:
    """An override's value without the quotes Hydra's grammar asks for around ``~`` or spaces."""
    quoted = len(value) >= 2 and value[0] == value[-1] and value[0] in "'\""
    return value[1:-1] if quoted else value


def _quoted(value: str) -> str:
    """A value as Hydra's grammar reads it back unchanged: bare when plain, else in quotes."""
    if re.fullmatch(r"[\w./:@+-]+", value):
        return value
    return f"'{value}'" if "'" not in value else f'"{value}"'


def check_group(key: str, value: str) -> None:
    """A config group's option(s) on the command line: none of a required group may be null, and each option of an
    optional group must exist (Hydra would silently skip it)."""
    if key not in OPTIONAL_GROUPS + REQUIRED_GROUPS or value.startswith(_SWEEP_FUNCTIONS):
        return
    chosen = [v.strip() for v in value.strip().strip("[]").split(",")]
    if key in REQUIRED_GROUPS and any(v in ("", "null") for v in chosen):
        raise ConfigError(f"{key}={value}: the {key} group needs an option; known: {', '.join(group_options(key))}")
    if key in OPTIONAL_GROUPS and value not in ("", "null"):
        known = group_options(key)
        for option in chosen:
            if option not in known:
                raise ConfigError(f"{key}={option}: no such option; known: {', '.join(known)}")


def group_options(group: str) -> list[str]:
    """The options of a config group (the scenario group: the library)."""
    if group == "scenario":
        return list(library())
    if group == "hydra":
        return ["default"]
    return sorted(p.stem for p in (conf_dir() / group).glob("*.yaml"))


def register_file(value: str | Path) -> str:
    """Register a user's scenario file (YAML, a workbook or a CSV folder) as an option of the ``scenario`` group;
    return the option's name. Every problem with the path is one error naming ``scenario_file`` (sim.paths)."""
    path = paths.user_path("scenario_file", value, ConfigError)
    st = paths.existing("scenario_file", path, ScenarioError, what="file")
    path = Path(os.path.abspath(path))
    if is_table_source(path):  # a workbook or CSV folder: checked now, errors by sheet, row and column
        return register_data({**read_data(path, check=True), FILE_KEY: str(path)}, path.stem)
    if not stat.S_ISREG(st.st_mode):
        raise ScenarioError(f"scenario_file: {paths.shown(path)} is not a scenario file")
    data = read_yaml(path)
    reject_code(data)
    return register_data({**data, FILE_KEY: str(path)}, path.stem)


def register_data(data: dict[str, Any], stem: str) -> str:
    """Register scenario data as an option of the ``scenario`` group under a fresh name derived from ``stem``."""
    cs = ConfigStore.instance()
    taken = set(library()) | set(cs.list("scenario"))
    base = re.sub(r"[^A-Za-z0-9_-]+", "_", stem).strip("_") or "scenario"
    if not base[0].isalpha() or base.lower() in ("inf", "nan", "true", "false", "null"):
        base = f"file_{base}"  # Hydra's override grammar would read it as a number, a bool or null
    name, n = base, 1
    while f"{name}.yaml" in taken or name in taken:
        n += 1
        name = f"{base}_{n}"
    cs.store(group="scenario", name=name, node=data)
    return name


def build_scenario(cfg: DictConfig) -> Scenario:
    """The validated scenario of a composed config (scenario group or scenario_file, overrides, policy preset)."""
    data: Any  # a mapping in practice; validate() refuses anything else with a ScenarioError
    if cfg.get("scenario_file"):  # set in a config file (on the command line it became a scenario option)
        path = paths.user_path("scenario_file", str(cfg.scenario_file), ConfigError)
        paths.existing("scenario_file", path, ScenarioError, what="file")
        data = read_data(path) if is_table_source(path) else read_yaml(path)
        base_dir, source = path.parent, str(path)
    else:
        if cfg.get("scenario") is None:
            raise ScenarioError(f"scenario: none selected; known: {', '.join(library())}")
        data = OmegaConf.to_container(cfg.scenario, resolve=False)  # refuse ${...} before anything resolves it
        name = str(data.get("name", "")) if isinstance(data, dict) else ""
        file = data.pop(FILE_KEY, None) if isinstance(data, dict) else None
        lib = library()
        if file is not None:  # a user's file, registered by prepare_overrides: relative paths are from its folder
            base_dir, source = Path(file).parent, str(file)
        else:
            base_dir, source = (lib[name].parent if name in lib else Path.cwd()), f"scenario {name!r}"
    extra = disruption_specs(cfg)
    own = len(data.get("disruptions") or []) if isinstance(data, dict) else 0
    if extra and isinstance(data, dict):
        data["disruptions"] = [*(data.get("disruptions") or []), *extra]
    reject_code(data)
    for key in ("horizon", "warmup"):
        if cfg.get(key) is not None:
            data[key] = cfg[key]
    try:
        scenario = validate(data, base_dir=base_dir, source=source)
    except ScenarioError as exc:
        raise option_hint(exc, extra, own) from None
    dem = cfg.get("demand")
    if dem is not None and dem.kind is not None:  # before the policy preset: its sizing reads the demand
        scenario = apply_demand(
            scenario,
            dem.kind,
            apply_to=_plain(dem.apply_to) if OmegaConf.is_config(dem.apply_to) else dem.apply_to,
            params=_plain(dem.params) or None,
        )
    pol = cfg.policy
    return apply_policy(
        scenario,
        pol.kind,
        apply_to=_plain(pol.apply_to) if OmegaConf.is_config(pol.apply_to) else pol.apply_to,
        review_period=pol.review_period,
        safety_factor=pol.safety_factor,
        params=_plain(pol.params) or None,
    )


def _plain(node: Any) -> Any:
    """A config node as plain data (``OmegaConf.to_container``: a dict or list here; its type names every container)."""
    return OmegaConf.to_container(node)


def disruption_specs(cfg: DictConfig) -> list[Any]:
    """The specs of the ``disruption=`` options (``disruption=[a,b]`` composes several), as plain data.

    A preset's spec without a ``name`` is named after its option (``psu_outage``, ``red_sea[0]``), a key added with
    ``+disruption.<key>={...}`` after its key; a generic option (named after its kind: ``supplier_outage``,
    ``lane_closure``, ...) keeps the default label ``<kind>:<target>@<start>``. A generic option's parameters left
    unset (``???``) are one ConfigError naming the overrides to give."""
    chosen = cfg.get("disruption")
    if chosen is None:
        return []
    data: Any = OmegaConf.to_container(chosen, resolve=False)
    if not isinstance(data, dict):
        raise ConfigError("disruption: expected options of the disruption group (disruption=NAME or [A,B])")
    specs: list[Any] = []
    for option, value in data.items():
        items = value if isinstance(value, list) else [value]
        for i, spec in enumerate(items):
            if isinstance(spec, dict):
                _check_given(str(option), spec)
                if not spec.get("name") and option != spec.get("kind"):
                    spec = {**spec, "name": option if len(items) == 1 else f"{option}[{i}]"}
            specs.append(spec)
    return specs


_EXAMPLE = {"start": "120", "duration": "42", "multiplier": "1.5", "supplier": "<supplier id>", "lane": "<lane id>"}
_EXAMPLE |= {"region": "<region>", "node": "<buffer, retailer or plant id>"}


def _check_given(option: str, spec: dict[str, Any]) -> None:
    """A generic option's required parameters (``???`` in conf/disruption) must be given on the command line."""
    missing = [key for key, value in spec.items() if value == "???"]
    if missing:
        example = " ".join(f"disruption.{option}.{key}={_EXAMPLE.get(key, '<value>')}" for key in missing)
        raise ConfigError(
            f"disruption.{option}: give {', '.join(missing)} on the command line, e.g. {example}"
            + (" (duration=null: to the end of the run)" if "duration" in missing else "")
        )


# the options of the disruption group named after a kind: they take their target and window as overrides
GENERIC_OPTIONS = ("supplier_outage", "lane_closure", "regional_event", "facility_outage", "demand_shock")


def option_hint(exc: ScenarioError, specs: list[Any], own: int) -> ScenarioError:
    """``exc`` with a hint when it names a disruption that came from a preset of the disruption group (written for
    one network, e.g. the showcase): how to disrupt any network with the generic options."""
    presets = []
    for i in sorted({int(m) for m in re.findall(r"disruptions\[(\d+)\]", str(exc))}):
        spec = specs[i - own] if own <= i < own + len(specs) else None
        if not isinstance(spec, dict):
            continue
        option = str(spec.get("name", "")).partition("[")[0]
        if option and option != spec.get("kind") and (conf_dir() / "disruption" / f"{option}.yaml").is_file():
            presets.append(f"disruptions[{i}] comes from disruption={option}")
    if not presets:
        return exc
    hint = (
        f"\n  ({'; '.join(dict.fromkeys(presets))}, a preset written for another network. To disrupt this one, name "
        "its elements with a generic option, e.g. disruption=supplier_outage disruption.supplier_outage.supplier=<id> "
        "disruption.supplier_outage.start=<t> disruption.supplier_outage.duration=<periods>; one per kind: "
        f"{', '.join(GENERIC_OPTIONS)} (docs/disruptions.md))"
    )
    return ScenarioError(f"{exc}{hint}")


def scenario_option(scenario: Any) -> str:
    """The ``scenario`` group's option for a scenario given from Python: a library name as it is; a file, workbook
    or CSV folder, a dict or a Scenario registered as a new option (errors name the ``scenario`` argument)."""
    if isinstance(scenario, Scenario):
        return register_data(scenario.to_dict(), scenario.name)
    if isinstance(scenario, dict):
        reject_code(scenario)
        return register_data(dict(scenario), str(scenario.get("name") or "scenario"))
    path = locate(scenario)
    lib = library()
    return str(scenario) if lib.get(str(scenario)) == path else register_file(path)


def compose_config(
    scenario: str | Path | dict[str, Any] | Scenario | None = None, overrides: Sequence[str] = ()
) -> DictConfig:
    """Compose the config like the CLI does (Hydra compose API; independent of the working directory)."""
    register_configs()
    overrides = arguments.strings(
        "overrides", overrides, accepts="a list of 'key=value' strings, e.g. ['mc.replications=200']"
    )
    extra = [] if scenario is None else [f"scenario={scenario_option(scenario)}"]
    final = prepare_overrides([*extra, *overrides])
    try:
        with initialize_config_dir(config_dir=str(conf_dir()), version_base="1.3", job_name="supplysim"):
            return compose(config_name="config", overrides=final)
    except (HydraException, OmegaConfBaseException, ValueError) as exc:
        raise ConfigError(one_line(exc)) from None
