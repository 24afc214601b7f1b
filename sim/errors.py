"""Errors a user can act on. Each carries one readable message naming the field and what is allowed."""

from __future__ import annotations

import warnings
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


class SupplysimWarning(UserWarning):
    """Degenerate but valid input (a demand shock wholly outside the horizon, an outage cut at the horizon, ...):
    the run goes on, and the message names what is degenerate. The command line prints each one as a line
    ``supplysim: warning: ...`` on stderr; from Python they are ordinary warnings (``warnings.catch_warnings`` or
    ``pytest.warns(sim.SupplysimWarning)``)."""


def warn(message: str) -> None:
    """Warn about degenerate but valid input (see :class:`SupplysimWarning`); the message names the field."""
    warnings.warn(message, SupplysimWarning, stacklevel=3)
