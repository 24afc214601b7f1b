"""Errors a user can act on. Each carries one readable message naming the field and what is allowed."""

from __future__ import annotations


class SupplysimError(Exception):
    """Base class: the CLI prints the message (no traceback) and exits with code 2."""


class ScenarioError(SupplysimError, ValueError):
    """A scenario file or dict is malformed or inconsistent."""


class ConfigError(SupplysimError, ValueError):
    """A Hydra override or configuration value is invalid."""


class ArgumentError(SupplysimError, ValueError):
    """A public function was called with an argument it can't use (the message names the argument)."""
