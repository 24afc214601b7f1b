"""Checking the arguments of a public function up front: each check returns the value (normalised) or raises one
:class:`~sim.errors.ArgumentError` that names the argument, says what it accepts and shows what it got::

    confidence: a number strictly between 0 and 1; got 95
    overrides: a list of 'key=value' strings, e.g. ['mc.replications=200']; got 'mc.replications=2'

Paths have their own module (:mod:`sim.paths`): they can fail on the file system as well as in form.
"""

from __future__ import annotations

import difflib
import math
import numbers
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from sim.errors import ArgumentError

SHOWN = 60  # characters of a value shown in a message


def shown(value: Any, limit: int = SHOWN) -> str:
    """``repr(value)`` cut to about ``limit`` characters (a YAML text or a big table stays one short line)."""
    try:
        text = repr(value)
    except Exception:  # a broken __repr__ must not hide the real problem
        text = f"<{type(value).__name__}>"
    text = " ".join(text.split())  # a table's repr spans lines
    return text if len(text) <= limit else f"{text[: limit - 3]}..."


def refuse(name: str, accepts: str, value: Any) -> ArgumentError:
    """The error for argument ``name``: what it accepts and what it got (raise it)."""
    return ArgumentError(f"{name}: {accepts}; got {shown(value)}")


def integer(name: str, value: Any, *, minimum: int | None = None) -> int:
    """An integer (a Python or numpy int; not a bool, not a float) of at least ``minimum``."""
    accepts = "an integer" if minimum is None else f"an integer >= {minimum}"
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise refuse(name, accepts, value)
    if minimum is not None and value < minimum:
        raise refuse(name, accepts, value)
    return int(value)


def number(
    name: str,
    value: Any,
    *,
    low: float = -math.inf,
    high: float = math.inf,
    inclusive: bool = True,
    accepts: str | None = None,
) -> float:
    """A finite real number (not a bool) in ``[low, high]`` (``(low, high)`` unless ``inclusive``)."""
    if accepts is None:
        bounds = [f">= {low:g}" if inclusive else f"> {low:g}"] if low > -math.inf else []
        bounds += [f"<= {high:g}" if inclusive else f"< {high:g}"] if high < math.inf else []
        accepts = " ".join(["a finite number", " and ".join(bounds)]) if bounds else "a finite number"
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise refuse(name, accepts, value)
    x = float(value)
    inside = low <= x <= high if inclusive else low < x < high
    if not math.isfinite(x) or not inside:
        raise refuse(name, accepts, value)
    return x


def fraction(name: str, value: Any, *, accepts: str = "a number strictly between 0 and 1") -> float:
    """A number strictly between 0 and 1 (a confidence level, a service level)."""
    return number(name, value, low=0.0, high=1.0, inclusive=False, accepts=accepts)


def flag(name: str, value: Any) -> bool:
    """True or False (numpy's bool too); not 0, 1 or a string."""
    if isinstance(value, bool | np.bool_):
        return bool(value)
    raise refuse(name, "True or False", value)


def text(name: str, value: Any, *, accepts: str = "a non-empty string") -> str:
    """A non-empty string."""
    if not isinstance(value, str) or not value.strip():
        raise refuse(name, accepts, value)
    return value


def one_of(name: str, value: Any, allowed: Iterable[str], *, what: str = "value") -> str:
    """One of ``allowed`` (strings); an unknown one is refused with the closest names first."""
    known = list(allowed)
    if isinstance(value, str) and value in known:
        return value
    if not isinstance(value, str):
        raise refuse(name, f"a {what} name (a string), one of {', '.join(known)}", value)
    close = difflib.get_close_matches(value, known, n=3)
    hint = f" (did you mean {' or '.join(repr(c) for c in close)}?)" if close else ""
    raise ArgumentError(f"{name}: unknown {what} {value!r}{hint}; known: {', '.join(known)}")


def strings(name: str, value: Any, *, accepts: str) -> list[str]:
    """A list or tuple of strings (one string alone is refused: it is a common slip for a one-item list)."""
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise refuse(name, accepts, value)
    return list(value)


def mapping(name: str, value: Any, *, accepts: str) -> Mapping[Any, Any]:
    """A mapping (a dict)."""
    if not isinstance(value, Mapping):
        raise refuse(name, accepts, value)
    return value


def values(name: str, value: Any, *, numeric: bool = True, accepts: str | None = None) -> list[Any]:
    """A non-empty list, tuple, range or 1-d array (a string, a mapping or a single value is refused); with
    ``numeric`` its items are finite numbers."""
    accepts = accepts or ("a non-empty list of numbers" if numeric else "a non-empty list of values")
    listed = isinstance(value, Sequence | range) or hasattr(value, "tolist")
    if isinstance(value, str | bytes | Mapping) or not listed:
        raise refuse(name, accepts, value)
    items = value.tolist() if hasattr(value, "tolist") else list(value)
    if not isinstance(items, list) or not items:
        raise refuse(name, accepts, value)
    for v in items if numeric else ():
        if isinstance(v, bool) or not isinstance(v, numbers.Real) or not math.isfinite(float(v)):
            raise refuse(name, accepts, value)
    return items
