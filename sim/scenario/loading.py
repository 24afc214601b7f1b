"""Loading scenarios: the library, safe YAML (bounded, UTF-8, no duplicate keys), the data-only check and
validation with one readable message per problem.

A scenario is *data*: loading one never imports or runs code. ``_target_`` keys and ``${...}`` interpolations are
refused, and behaviour (distributions, policies, demand processes) is picked by name from the project's registries.
"""

from __future__ import annotations

import functools
import hashlib
import json
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from sim.errors import ScenarioError, warn
from sim.scenario import checks, degenerate, limits, safety_stock, segment_rules
from sim.scenario.messages import element_id, format_errors
from sim.scenario.schema import Scenario

# libyaml's parser when PyYAML was built with it (~8x faster than the pure-Python one on a scenario file). Both are
# the *safe* loader: SafeConstructor + the same resolver, so plain data only and the same implicit types.
SAFE_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # type[SafeLoader] | type[CSafeLoader]


def library_dirs() -> list[Path]:
    """Where named scenarios live: the installed package's copy, else the source checkout's ``scenarios/``."""
    here = Path(__file__).resolve().parent
    return [d for d in (here.parent / "scenarios", here.parent.parent / "scenarios") if d.is_dir()]


def library() -> dict[str, Path]:
    """Scenario name -> file for the shipped scenario library."""
    found: dict[str, Path] = {}
    for d in library_dirs():
        for f in sorted(d.glob("*.yaml")):
            found.setdefault(f.stem, f)
    return found


def reject_code(data: Any, path: str = "") -> None:
    """Scenario files are data: refuse ``_target_`` keys and ``${...}`` interpolations anywhere."""
    if isinstance(data, dict):
        for k, v in data.items():
            sub = f"{path}.{k}" if path else str(k)
            if k == "_target_":
                raise ScenarioError(f"{sub}: '_target_' is not allowed in a scenario (scenarios are data)")
            reject_code(v, sub)
    elif isinstance(data, list):
        for i, v in enumerate(data):
            reject_code(v, f"{path}[{i}]{element_id(v, [])}")
    elif isinstance(data, str) and "${" in data:
        raise ScenarioError(f"{path}: interpolations like {data!r} are not allowed in a scenario (scenarios are data)")


class _NoDuplicateKeys:
    """Mixed into the safe loader: refuse duplicate keys in a mapping (YAML would silently keep the last one)."""

    def construct_mapping(self, node: yaml.Node, deep: bool = False) -> Any:
        if isinstance(node, yaml.MappingNode):
            first: dict[tuple[str, str], yaml.Node] = {}
            for key_node, _ in node.value:
                if isinstance(key_node, yaml.ScalarNode) and key_node.tag != "tag:yaml.org,2002:merge":
                    seen = first.setdefault((key_node.tag, key_node.value), key_node)
                    if seen is not key_node:
                        raise yaml.constructor.ConstructorError(
                            None,
                            None,
                            f"duplicate key {key_node.value!r} (first at line {seen.start_mark.line + 1})",
                            key_node.start_mark,
                        )
        return super().construct_mapping(node, deep=deep)  # type: ignore[misc]


@functools.cache
def _loader(base: Any) -> Any:
    """The safe loader ``base`` (C or pure Python: ``SAFE_LOADER``) with the duplicate-key check."""
    return type(f"Strict{base.__name__}", (_NoDuplicateKeys, base), {})


def scenario_yaml(data: dict[str, Any]) -> str:
    """Scenario data (``Scenario.to_dict()``) as YAML text, keys in their order (libyaml's safe dumper when PyYAML has
    it: a large network in milliseconds, where OmegaConf.to_yaml takes a tenth of a second on the showcase)."""
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    return str(yaml.dump(data, Dumper=dumper, sort_keys=False, allow_unicode=True))


def scenario_digest(scenario: Scenario) -> str:
    """sha256 of the scenario's data (``Scenario.to_dict()``, keys sorted): equal exactly when two scenarios hold
    the same data (a batch's parts, the undisrupted twins)."""
    return hashlib.sha256(json.dumps(scenario.to_dict(), sort_keys=True).encode("utf-8")).hexdigest()


def read_yaml(path: Path) -> dict[str, Any]:
    """Safe-load a YAML mapping, with the file and line in any error; bounded in size, nesting and aliases."""
    try:
        size = path.stat().st_size
        if path.is_dir():
            raise ScenarioError(f"{path}: is a directory, not a scenario file")
        if size > limits.max_file_bytes:
            raise ScenarioError(
                f"{path}: {size / 2**20:.1f} MB is larger than the {limits.max_file_bytes / 2**20:.0f} MB a scenario "
                f"file may have (raise it with {limits.ENV_FILE_MB}=<MB>)"
            )
        raw = path.read_bytes()
    except OSError as exc:
        raise ScenarioError(f"{path}: can't read the file ({exc.strerror})") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError(
            f"{path}: not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start}); scenario files are UTF-8 "
            "YAML: save it as UTF-8"
        ) from None
    try:
        data = yaml.load(text, Loader=_loader(SAFE_LOADER))  # a safe loader (C or pure Python)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        problem = getattr(exc, "problem", None) or str(exc)
        raise ScenarioError(f"{where}: malformed YAML: {problem}") from None
    except RecursionError:
        raise ScenarioError(f"{path}: nested too deeply to read (limit {limits.max_depth} levels)") from None
    if not isinstance(data, dict):
        raise ScenarioError(f"{path}: a scenario must be a YAML mapping (name, horizon, products, nodes, lanes)")
    limits.check_tree(data, str(path))
    return data


def validate(data: dict[str, Any], *, base_dir: Path | None = None, source: str = "scenario") -> Scenario:
    """Validate a plain dict; raise one ``ScenarioError`` listing every problem with its field path.

    In order: the bounds and the data-only rule, policy levels from ``service_level`` targets, the schema (each
    field), the cross references (sim.scenario.checks), the segment rules (sim.scenario.segment_rules; the resolved
    network is checked again), then what disruptions and consolidating lanes name and the events a replication would
    make (sim.scenario.workload). A valid but degenerate scenario warns (sim.scenario.degenerate)."""
    limits.check_tree(data, source)
    reject_code(data)
    if isinstance(data, dict):  # policies with ``service_level``: their levels from the scenario's own moments
        data = safety_stock.resolve(data, lambda d: validate(d, base_dir=base_dir, source=source), source)
    try:
        sc = Scenario.model_validate(data, context={"base_dir": base_dir or Path.cwd()})
    except ValidationError as exc:
        raise ScenarioError(f"{source} is invalid:\n" + format_errors(exc, data)) from None
    problems = checks.references(sc, segmented=sc.segmentation is not None)
    if not problems and sc.segmentation is not None:
        nodes, resolved, problems = segment_rules.apply(sc)
        if not problems:
            sc = sc.model_copy(update={"nodes": nodes, "segmentation": resolved})
            problems = checks.references(sc)
    if not problems:  # the disruptions name elements: check them once the network itself is sound
        problems = checks.named_elements(sc)
    if problems:
        lines = "\n".join(problems).splitlines()
        raise ScenarioError(f"{source} is invalid:\n" + "\n".join(f"  {line}" for line in lines))
    for message in checks.degenerate(sc):
        warn(message)
    degenerate.warn_all(sc)
    return sc
