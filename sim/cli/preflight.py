"""What the command line checks before Hydra runs anything.

Hydra reports a misused command line in its own words (several lines, argparse's usage text, sometimes a traceback)
and only after it has created the sweep directory. The command line promises one line, ``supplysim: error: ...``,
exit code 2, nothing written; so :func:`check_flags` parses the flags with Hydra's own parser first,
:func:`parse_overrides` parses each override, :func:`check_sweep` composes each value of a ``-m`` sweep before the
sweep directory exists, and what Hydra still raises becomes one line (sim.cli.hydra_messages, sim.cli.entry).
"""

from __future__ import annotations

import argparse
import re
from typing import Any, NoReturn

from hydra import compose, initialize_config_dir
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.errors import HydraException

from sim.cli.config import conf_dir
from sim.cli.hydra_messages import one_line
from sim.errors import ConfigError


def _refuse(message: str) -> NoReturn:
    hint = ""
    if message.startswith("unrecognized arguments") and "=" in message:
        hint = "; flags (-m, --cfg job, --help) come before the key=value overrides"
    raise ConfigError(f"{message}{hint} (supplysim --help lists them)")


def check_flags(argv: list[str]) -> argparse.Namespace:
    """Hydra's command-line flags, parsed by Hydra's own parser: a misspelt flag, a bad ``--cfg`` value or a flag
    after the overrides is one ``ConfigError`` (argparse would print its usage and exit)."""
    from hydra._internal.utils import get_args_parser  # deferred: Hydra's parser, only for the command line

    parser = get_args_parser()
    parser.error = _refuse  # type: ignore[method-assign]  # the same arguments; errors raised, not printed
    return parser.parse_args(argv)


def parse_overrides(overrides: list[str]) -> list[Any]:
    """Hydra's parse of the ``key=value`` overrides (``check_flags(argv).overrides``: no flags, no flag values); a
    malformed one is a ``ConfigError`` naming it."""
    parser = OverridesParser.create()
    parsed = []
    for ov in overrides:
        try:
            parsed.extend(parser.parse_overrides([ov]))
        except Exception as exc:  # Hydra's parse errors are HydraException, its evaluation errors others
            token = re.search(r"token recognition error at: '(.)'", str(exc.__context__ or ""))
            message = one_line(exc) if token is None else _unquoted(ov, token.group(1))
            raise ConfigError(message if message.startswith(ov) else f"{ov}: {message}") from None
    return parsed


def _unquoted(override: str, char: str) -> str:
    key, _, value = override.partition("=")
    return f"{char!r} can't stand unquoted in an override's value; quote the value: {key}='{value}'"


def check_sweep(flags: argparse.Namespace) -> None:
    """Compose the config once per value of each swept key (the others at their first value), so a bad option or
    value anywhere in a ``-m`` sweep is refused before the sweep directory exists (Hydra checks every job, but only
    after creating it). ``flags`` is :func:`check_flags`' result."""
    if flags.config_path or flags.config_name or flags.config_dir:
        return  # another config than supplysim's: Hydra checks it
    choices: list[list[str]] = []
    for ov in parse_overrides(flags.overrides):
        key = ov.get_key_element()
        if ov.is_sweep_override() and not ov.is_discrete_sweep():
            raise ConfigError(f"{key}: a sweep needs a list of values (a,b,c), range() or glob(); got {ov.input_line}")
        try:
            values = list(ov.sweep_string_iterator()) if ov.is_sweep_override() else [ov.get_value_element_as_str()]
        except HydraException:  # glob() over a group's options: only Hydra's config loader can list them
            continue
        choices.append([f"{key}={v}" for v in values])
    first = [c[0] for c in choices]
    jobs = [first] + [[*first[:i], v, *first[i + 1 :]] for i, c in enumerate(choices) for v in c[1:]]
    _compose_each(jobs)


def _compose_each(jobs: list[list[str]]) -> None:
    with initialize_config_dir(config_dir=str(conf_dir()), version_base="1.3", job_name="supplysim"):
        for job in jobs:
            try:
                compose(config_name="config", overrides=job)
            except Exception as exc:  # whatever Hydra raises here is about the user's override: one line
                raise ConfigError(one_line(exc)) from None


def raised_by_supplysim(exc: BaseException) -> bool:
    """Whether ``exc`` came out of supplysim's own code (a bug: keep its traceback) rather than Hydra's handling of
    the command line (the first frame, the caller's, is skipped)."""
    tb: Any = exc.__traceback__
    tb = tb.tb_next if tb is not None else None
    while tb is not None:
        if str(tb.tb_frame.f_globals.get("__name__", "")).startswith("sim."):
            return True
        tb = tb.tb_next
    return False
