"""Loading scenarios: the library, safe YAML (bounded, UTF-8, no duplicate keys), the data-only check and
validation with one readable message per problem.

A scenario is *data*: loading one never imports or runs code. ``_target_`` keys and ``${...}`` interpolations are
refused, and behaviour (distributions, policies, demand processes) is picked by name from the project's registries.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any, get_args

import yaml
from pydantic import BaseModel, ValidationError

from sim.errors import ArgumentError, ScenarioError
from sim.scenario import limits
from sim.scenario.schema import Scenario, StockNode, SupplierNode

# libyaml's parser when PyYAML was built with it (~8x faster than the pure-Python one on a scenario file). Both are
# the *safe* loader: SafeConstructor + the same resolver, so plain data only and the same implicit types.
SAFE_LOADER: type[yaml.SafeLoader] | type[yaml.CSafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


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
            reject_code(v, f"{path}[{i}]{_element_id(v, [])}")
    elif isinstance(data, str) and "${" in data:
        raise ScenarioError(f"{path}: interpolations like {data!r} are not allowed in a scenario (scenarios are data)")


class _NoDuplicateKeys:
    """Mixed into the safe loader: refuse duplicate keys in a mapping (YAML would silently keep the last one)."""

    def construct_mapping(self, node, deep=False):
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
def _loader(base: type) -> type:
    """The safe loader ``base`` (C or pure Python: ``SAFE_LOADER``) with the duplicate-key check."""
    return type(f"Strict{base.__name__}", (_NoDuplicateKeys, base), {})


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
    """Validate a plain dict; raise one ``ScenarioError`` listing every problem with its field path."""
    limits.check_tree(data, source)
    reject_code(data)
    if isinstance(data, dict):  # policies with ``service_level``: their levels from the scenario's own moments
        from sim.scenario import safety_stock

        data = safety_stock.resolve(data, lambda d: validate(d, base_dir=base_dir, source=source), source)
    try:
        return Scenario.model_validate(data, context={"base_dir": base_dir or Path.cwd()})
    except ValidationError as exc:
        raise ScenarioError(f"{source} is invalid:\n" + _format(exc, data)) from None


def load_scenario(src: str | Path | dict[str, Any] | Scenario) -> Scenario:
    """A Scenario from a model, a dict, a YAML path or the name of a scenario in the library."""
    if isinstance(src, Scenario):
        return src
    if isinstance(src, dict):
        return validate(src)
    if not isinstance(src, str | Path):
        raise ArgumentError(f"scenario: a path, a library scenario name, a dict or a Scenario; got {src!r}")
    path = Path(src)
    from sim.scenario import tables  # a workbook or a folder of CSV files (docs/spreadsheets.md)

    if tables.is_table_source(path):
        return tables.load_tables(path)
    if not path.is_file():
        lib = library()
        if str(src) in lib:
            path = lib[str(src)]
        else:
            raise ScenarioError(
                f"scenario {str(src)!r} is neither a file nor a library scenario; known: {', '.join(lib)}"
            )
    return validate(read_yaml(path), base_dir=path.parent, source=str(path))


_NODE_TAGS = ("supplier", "buffer", "retailer")


def _branch_tag(part: str) -> bool:
    """A loc part naming the member of a union that failed (``constrained-float``, ``dict[str,constrained-float]``)."""
    return part.startswith("constrained-") or ("[" in part and not part.startswith("function-"))


def _allowed_fields(loc: tuple) -> str:
    """The field names allowed where an unknown field ``loc[-1]`` was found (for a typo's message)."""
    here: Any = Scenario
    for part in loc[:-1]:
        if part in _NODE_TAGS:
            here = SupplierNode if part == "supplier" else StockNode
        elif isinstance(here, type) and issubclass(here, BaseModel):
            field = next((f for n, f in here.model_fields.items() if part in (n, f.alias)), None)
            if field is None:
                return ""
            here = field.annotation
        else:  # an item of a list or a value of a mapping
            args = get_args(here)
            here = args[-1] if args else None
    if isinstance(here, type) and issubclass(here, BaseModel):
        return ", ".join(f.alias or n for n, f in here.model_fields.items())
    return ""


def _element_id(data: Any, path: list) -> str:
    """`` (id: hub)`` for a list element of the input that has an ``id`` (or ``from``/``to`` for a lane)."""
    here = data
    for key in path:
        try:
            here = here[key]
        except (KeyError, IndexError, TypeError):
            return ""
    if not isinstance(here, dict):
        return ""
    if "id" in here:
        return f" (id: {here['id']})"
    if "from" in here and "to" in here:
        return f" ({here['from']} -> {here['to']})"
    return ""


def _format(exc: ValidationError, data: Any = None) -> str:
    entries = []  # (loc, message, union field it belongs to or None, is a bare type mismatch)
    for e in exc.errors():
        loc, union = "", None
        walked: list = []  # the loc parts that are keys of the input data
        for part in e["loc"]:
            if isinstance(part, int):
                walked.append(part)
                loc += f"[{part}]" + _element_id(data, walked)
            elif part in _NODE_TAGS or part in ("one_distribution", "per_product") or part.startswith("function-"):
                continue
            elif _branch_tag(part):
                union = loc
            else:
                walked.append(part)
                loc += f".{part}" if loc else str(part)
        msg = str(e["msg"]).replace("Value error, ", "")
        if e["type"] == "extra_forbidden":
            allowed = _allowed_fields(e["loc"])
            msg = f"unknown field; allowed: {allowed}" if allowed else "unknown field"
        elif e["type"] == "union_tag_invalid":
            msg = "type must be one of: supplier, buffer, retailer"
        entries.append((loc, msg, union, e["type"].endswith(("_type", "_parsing"))))
    lines = []
    for loc, msg, union, mismatch in entries:
        if union is not None:
            # a value of a union field (a number or a mapping): report the member the value was meant for, i.e.
            # drop the other members' mere type mismatches; if every member only mismatched, say so once
            members = [x for x in entries if x[2] == union]
            if all(x[3] for x in members):
                if members[0][1] != msg:
                    continue
                loc, msg = union, "; or: ".join(x[1] for x in members)
            elif mismatch:
                continue
        for i, line in enumerate(msg.splitlines()):
            lines.append(f"  {loc}: {line}" if loc and i == 0 else f"  {line}")
    return "\n".join(lines)
