"""Hydra's, OmegaConf's and argparse's messages as supplysim's one line.

Hydra reports a misused command line (an unknown option, a value of the wrong type, a bad sweep) in several lines: a
config search path, the options one per line, a hint about ``HYDRA_FULL_ERROR``. The command line promises one line,
``supplysim: error: ...``: the override or key it is about first, the known options after it.
"""

from __future__ import annotations

import re

_DROPPED = (
    "full_key:",
    "reference_type=",
    "object_type=",
    "Set the environment variable HYDRA_FULL_ERROR",
    "See https://hydra.cc",
    "Config search path:",
    "provider=",
)
_OPTIONS = re.compile(r"Available options in '[^']*':\n((?:\t[^\n]*\n?)*)")
_MISSING = re.compile(r"Could not find '([^']+)/([^'/]+)'")
_NO_KEY = re.compile(r"Could not override '([^']+)'")
_MERGING = re.compile(r"Error merging override (\S+)")
_PARSING = re.compile(r"Error parsing override '([^']+)'")


def one_line(exc: BaseException) -> str:
    """Hydra's, OmegaConf's or argparse's message as one line: the override or key it is about first, the known
    options after it; the search path and the hints about Hydra's own debugging dropped."""
    text = str(exc)
    cause = exc.__cause__ or exc.__context__
    detail = _first_line(str(cause)) if cause is not None and str(cause) not in text else ""
    options = _OPTIONS.search(text)
    known = f"; known: {', '.join(o.strip() for o in options.group(1).splitlines() if o.strip())}" if options else ""
    if m := _MISSING.search(text):
        return f"{m.group(1)}={m.group(2)}: no such option{known}"
    if m := _NO_KEY.search(text):
        return f"{m.group(1)}: no such key ({detail or 'not in the config'}); supplysim --cfg job shows the keys"
    if m := _MERGING.search(text):
        return f"{m.group(1)}: {detail or 'not a valid value'}"
    if text.startswith("LexerNoViableAltException: "):
        text = text.split("\n", 1)[0].removeprefix("LexerNoViableAltException: ") + f": {detail}"
    if m := _PARSING.search(text):
        rest = _first_line(text[m.end() :]) or detail
        return f"{m.group(1)}: {rest}" if rest else f"{m.group(1)}: can't be parsed"
    lines = [line for line in (raw.strip() for raw in _OPTIONS.sub("", text).splitlines()) if _kept(line)]
    if detail:
        lines.append(detail)
    return "; ".join(lines) + known if lines else type(exc).__name__


def _kept(line: str) -> bool:
    return bool(line) and not line.startswith(_DROPPED)


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if _kept(line.strip())), "")
