"""A tiny name -> class registry shared by distributions, demand processes, disruptions, policies and sourcing rules.

Scenario files select behaviour by *name* from these registries; they never name Python objects, so loading a
scenario can't import or run arbitrary code. Each registry is filled by the package that owns it (sim.policy.kinds,
sim.scenario.demand, sim.scenario.distributions, sim.scenario.disruptions).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, PrivateAttr, ValidationError, model_validator
from pydantic_core import ErrorDetails

T = TypeVar("T")


class Registry(Generic[T]):
    """Maps a name to an entry that has a pydantic ``Params`` model describing its parameters."""

    def __init__(self, what: str, key: str) -> None:
        self.what = what  # "distribution", "policy", ... used in messages
        self.key = key  # field that selects the entry: "dist", "kind"
        self._entries: dict[str, T] = {}

    def register(self, name: str) -> Callable[[T], T]:
        def deco(entry: T) -> T:
            if name in self._entries:
                raise ValueError(f"{self.what} {name!r} registered twice")
            self._entries[name] = entry
            return entry

        return deco

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._entries))

    def __getitem__(self, name: str) -> T:
        try:
            return self._entries[name]
        except KeyError:
            raise KeyError(f"unknown {self.what} {name!r}; known: {', '.join(self)}") from None

    def validate(self, spec: Any, default: str | None = None) -> tuple[str, BaseModel]:
        """Check ``{key: name, **params}``; return (name, validated params). Raises ValueError with a clear text."""
        if not isinstance(spec, dict):
            raise ValueError(f"expected a mapping with '{self.key}: <name>' and parameters, got {spec!r}")
        params = dict(spec)
        name = params.pop(self.key, default)
        if name is None:
            raise ValueError(f"missing '{self.key}'; known {self.what}s: {', '.join(self)}")
        if name not in self._entries:
            raise ValueError(f"unknown {self.what} {name!r}; known: {', '.join(self)}")
        model: type[BaseModel] = self._entries[name].Params  # type: ignore[attr-defined]
        try:
            return name, model.model_validate(params)
        except ValidationError as exc:
            allowed = ", ".join(model.model_fields)
            # a model-level check (loc empty) needs no prefix: the message already says "policy 's_S': ..."
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc'])}: {_short(e)}" if e["loc"] else _short(e) for e in exc.errors()
            )
            raise ValueError(f"{self.what} {name!r}: {problems} (parameters: {allowed})") from None


def quote_hint(value: Any) -> str:
    """What to say about a number or boolean found where text (an id, a name, a label) is expected."""
    what = "a boolean" if isinstance(value, bool) else "a number"
    return (
        f"{value!r} is {what}, but text is expected here: YAML reads 007 as 7 and yes/no/on/off as true/false; "
        "put it in quotes ('007')"
    )


def _short(err: ErrorDetails) -> str:
    if err["type"] == "extra_forbidden":
        return "unknown parameter"
    if err["type"] == "missing":
        return "required"
    if err["type"] == "string_type" and isinstance(err.get("input"), bool | int | float):
        return quote_hint(err["input"])
    return str(err["msg"])


# the largest magnitude a parameter may have: beyond 2^53 (~9e15) a float no longer counts whole units, and numpy's
# samplers overflow or refuse (a Poisson mean above ~9e18); such a number is a typo
MAX_MAGNITUDE = 1e15


class EntryParams(BaseModel):
    """Base of every registry entry's ``Params``: unknown parameters are refused, values are frozen, and numbers must
    be finite (``.inf`` and ``.nan`` are refused everywhere, naming the parameter) and at most ``MAX_MAGNITUDE`` in
    magnitude (also in lists and mappings of numbers)."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    @model_validator(mode="before")
    @classmethod
    def _no_negative_zero(cls, data: Any) -> Any:
        # -0.0 passes ``ge=0``, but numpy's samplers refuse it as negative (a Poisson mean or a normal sd of -0.0)
        if isinstance(data, dict):
            return {k: 0.0 if isinstance(v, float) and v == 0 else v for k, v in data.items()}
        return data

    @model_validator(mode="after")
    def _not_absurd(self) -> EntryParams:
        for name in type(self).model_fields:
            value = getattr(self, name)
            values = value.values() if isinstance(value, dict) else value if isinstance(value, list) else [value]
            for x in values:
                if isinstance(x, int | float) and not isinstance(x, bool) and abs(x) > MAX_MAGNITUDE:
                    raise ValueError(
                        f"{name}: {x:g} is larger than {MAX_MAGNITUDE:g} in magnitude (beyond ~9e15 a float no "
                        "longer counts whole units); a typo?"
                    )
        return self


class Spec(BaseModel):
    """A registry entry as written in a scenario: ``{<key>: <name>, <param>: <value>, ...}``.

    Subclasses set ``registry`` and declare its key field (``kind``, ``dist``, ``rule``); every other key is a
    parameter, validated by the entry's ``Params`` model (one clear message naming the entry and its parameters).
    Fields a subclass declares besides the key (a label, say) are not parameters."""

    model_config = ConfigDict(extra="allow", frozen=True)
    registry: ClassVar[Registry]
    _params: Any = PrivateAttr()

    @model_validator(mode="after")
    def _resolve(self) -> Spec:
        key = self.registry.key
        _, self._params = self.registry.validate({key: getattr(self, key), **(self.model_extra or {})})
        return self

    @property
    def entry(self) -> Any:
        """The registered class this spec names."""
        return self.registry[getattr(self, self.registry.key)]

    @property
    def params(self) -> Any:
        """The validated parameters."""
        return self._params
