"""Errors a user can act on. Each carries one readable message naming the field and what is allowed."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


class SupplysimError(Exception):
    """Base class: the CLI prints the message (no traceback) and exits with code 2."""


class ScenarioError(SupplysimError, ValueError):
    """A scenario file or dict is malformed or inconsistent."""


class ConfigError(SupplysimError, ValueError):
    """A Hydra override or configuration value is invalid."""


def settings_error(title: str, group: str, exc: Any, keys: Iterable[str]) -> ConfigError:
    """One ``ConfigError`` for a pydantic ``ValidationError`` of a settings group (``mc``, ``stress``): every bad
    ``<group>.<key>`` on its own line, then the group's keys."""
    lines = []
    for e in exc.errors():
        key = ".".join(str(p) for p in e["loc"])
        msg = "unknown key" if e["type"] == "extra_forbidden" else str(e["msg"]).removeprefix("Value error, ")
        lines.append(f"  {group}.{key}: {msg}" if key else f"  {group}: {msg}")
    return ConfigError(f"{title}:\n" + "\n".join(lines) + f"\n  ({group} keys: {', '.join(keys)})")


class ArgumentError(SupplysimError, ValueError):
    """A public function was called with an argument it can't use (the message names the argument)."""
