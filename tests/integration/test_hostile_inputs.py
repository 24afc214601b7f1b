"""Hostile inputs: Hypothesis mutates the library scenarios (a field dropped, a type changed, a number made negative,
zero, tiny, huge or non-finite, an id made a near-duplicate, a reference pointed nowhere, an unknown key added) and
runs validation, the memory check and one short replication.

Every outcome must be a success or a ``SupplysimError`` whose message *names the mutation*, one of:

- a key of the mutated path (``capacity``, ``id``, a product id used as a key; the top-level name ``nodes``,
  ``products``, ... only for a mutation of the list itself; for a list item, the list's key);
- for a whole element of a top-level list, its path ``nodes[1]``, its ``id`` or its lane's ends; for a field of an
  element, the element's ``id`` quoted;
- for a changed or dropped text, the old or the new text, quoted;
- for an absurd number (huge, zero, negative), what it sizes: ``horizon`` (the memory estimate) or the events an
  estimate names;
- in a segmented scenario, or for a mutation of a whole section, a message whose every line starts with a field path
  (segments are computed from the whole scenario: a change anywhere may surface at any item).

Never another exception, and never a hang: each example runs under a wall-clock alarm (``HANG_SECONDS``;
Hypothesis's own deadline only reports after an example ends) and a hang fails with the mutated input.

The default run is derandomized (reproducible in CI) and small: ``EXAMPLES`` per library scenario. ``-m hostile``
runs ``SUPPLYSIM_HOSTILE_EXAMPLES`` (default 1,000) per scenario (~10-20 minutes on 2 cores).
"""

from __future__ import annotations

import copy
import math
import os
import re
import signal
import warnings
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from sim.errors import SupplysimError
from sim.experiment.footprint import check_fits
from sim.experiment.replication import run_replication
from sim.scenario.loading import library, read_yaml
from sim.scenario.sources import load_scenario

EXAMPLES = 40  # per library scenario: 8 scenarios, 320 examples (~20 s on 2 cores)
HANG_SECONDS = 30.0  # far above any example's time (well under a second); a loaded CI machine is slow
RUN_HORIZON = 60  # the short replication: an accepted scenario runs this many periods at most
SCENARIOS = sorted(library())

Path = tuple[str | int, ...]
Mutation = tuple[str, Path, Any]  # (kind, path, new value or None for a drop)

HUGE = [1e12, 1e300, 2**63, 10**30]
NUMBERS = [-1, -0.5, 0, -0.0, 1e-9, 1e-300, 5e-324, float("nan"), float("inf"), float("-inf"), *HUGE]
OTHER_TYPES = ["text", 7, 2.5, True, None, [], {}, [1, 2], {"x": 1}]
TOP_LISTS = {"nodes", "products", "lanes", "disruptions"}


class Hang(Exception):
    """An example ran past ``HANG_SECONDS``."""


def _alarm(signum: int, frame: Any) -> None:
    raise Hang


def paths(data: Any, prefix: Path = ()) -> Iterator[tuple[Path, Any]]:
    """Every value under ``data`` with its path (keys and list indices), the root excluded."""
    items = data.items() if isinstance(data, dict) else enumerate(data) if isinstance(data, list) else ()
    for key, value in items:
        path = (*prefix, key)
        yield path, value
        yield from paths(value, path)


def ids(data: dict[str, Any]) -> list[str]:
    return [str(x["id"]) for key in TOP_LISTS for x in data.get(key) or [] if isinstance(x, dict) and "id" in x]


def text_variants(old: str, known: list[str]) -> list[str]:
    """Near-duplicates and broken references of an id or reference ``old``."""
    others = [k for k in known if k != old] or ["x"]
    return [old + " ", " " + old, old.upper(), old[:-1], others[0], others[-1], "ALL", "lane:" + old, "", "nowhere"]


@st.composite
def mutation(draw: st.DrawFn, data: dict[str, Any]) -> Mutation:
    every = list(paths(data))
    path, value = draw(st.sampled_from(every))
    kinds = ["drop", "type", "number", "unknown_key"] + (["text"] if isinstance(value, str) else [])
    kind = draw(st.sampled_from(kinds))
    if kind == "drop":
        return kind, path, None
    if kind == "type":
        return kind, path, draw(st.sampled_from(OTHER_TYPES))
    if kind == "number":
        return kind, path, draw(st.sampled_from(NUMBERS))
    if kind == "unknown_key":
        return kind, path, "bogus_key"
    return kind, path, draw(st.sampled_from(text_variants(value, ids(data))))


def apply(data: dict[str, Any], mut: Mutation) -> None:
    kind, path, new = mut
    parent = data
    for key in path[:-1]:
        parent = parent[key]
    last = path[-1]
    if kind == "drop":
        del parent[last]  # type: ignore[arg-type]
    elif kind == "unknown_key":
        target = parent[last]  # type: ignore[index]
        if isinstance(target, dict):
            target[new] = 1
        else:
            parent[last] = {new: 1}  # type: ignore[index]
    else:
        parent[last] = new  # type: ignore[index]


def old_value(data: dict[str, Any], path: Path) -> Any:
    """The value at ``path``; KeyError, IndexError or TypeError when an earlier mutation changed the way there."""
    here: Any = data
    for key in path:
        if not isinstance(here, dict | list):
            raise TypeError(f"{path}: not a container on the way")
        here = here[key]
    return here


def names_the_mutation(message: str, muts: list[tuple[Mutation, Any, str]]) -> bool:
    """See the module docstring: the message names a key of a mutated path, a mutated text, or what sizes the run."""
    for (kind, path, new), old, element in muts:
        if element and (repr(element) in message or f"/{element}" in message or f"{element}/" in message):
            return True
        top = path[0] if len(path) > 1 else None  # nodes, products, ...: every message about an element has it
        keys = {k for i, k in enumerate(path) if isinstance(k, str) and not (i == 0 and k == top)}
        if isinstance(path[-1], int) and len(path) > 1:  # a list item: the list may be what the message names
            keys.add(str(path[-2]))
        if kind == "unknown_key":
            keys.add(new)
        if len(path) == 2 and isinstance(path[1], int):  # an element of a top-level list: its path, nodes[1]
            keys.add(f"{path[0]}[{path[1]}]")
        if isinstance(old, dict):  # a whole element dropped or replaced: what referred to it by id says so
            keys |= {str(old[k]) for k in ("id", "from", "to") if isinstance(old.get(k), str)}
        if any(k in message for k in keys):
            return True
        texts = [t for t in (old, new if kind == "text" else None) if isinstance(t, str)]
        if any(repr(t) in message for t in texts):  # a text dropped or changed: what refers to it says so
            return True
        absurd = isinstance(new, int | float) and not isinstance(new, bool) and (new in HUGE or new <= 0)
        # an absurd size is refused by what it sizes: the run's memory (horizon) or its events (a named field)
        if absurd and re.search(r"horizon|events|containers|customers|reviews", message):
            return True
    return False


FIELD_PATH = re.compile(r"^  [a-z_]+(\[\d+\])?( \([^)]*\))?([.\[:]|$)")


def names_a_field(message: str) -> bool:
    """Every problem line of a 'scenario is invalid' message starts with a field path."""
    problems = [line for line in message.splitlines() if line.startswith("  ")]
    return bool(problems) and all(FIELD_PATH.match(line) for line in problems)


def check(name: str, muts_in: list[Mutation]) -> None:
    data = read_yaml(library()[name])
    muts: list[tuple[Mutation, Any, str]] = []
    for mut in muts_in:
        try:
            old = old_value(data, mut[1])
            element = old_value(data, mut[1][:2]).get("id", "") if len(mut[1]) > 2 else ""
        except (KeyError, IndexError, TypeError, AttributeError):
            continue  # an earlier mutation removed or replaced this path
        muts.append((mut, old, element if isinstance(element, str) else ""))
        apply(data, mut)
    shown = copy.deepcopy([m for m, _, _ in muts])
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, HANG_SECONDS)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # degenerate input warns (and numpy on empty windows): not failures
            try:
                sc = load_scenario(data)
                check_fits(sc, timeseries=True)  # the absurd sizes are refused here, not by the short run below
            except SupplysimError as exc:
                # segments are computed from the whole scenario (the value threshold is the mean spend): there, a
                # change anywhere may surface at any item, and any field path counts; so for a whole section
                non_local = "segmentation" in data or any(len(m[1]) == 1 for m, _, _ in muts)
                named = names_the_mutation(str(exc), muts) or (non_local and names_a_field(str(exc)))
                assert named, f"{name} {shown}: the message names no field:\n{exc}"
                return
            horizon = min(sc.horizon, RUN_HORIZON)
            short = sc.model_copy(update={"horizon": horizon, "warmup": min(sc.warmup, horizon - 1)})
            try:
                run_replication(short, 1)
            except SupplysimError as exc:
                assert names_the_mutation(str(exc), muts), f"{name} {shown}: the message names no field:\n{exc}"
    except Hang:
        pytest.fail(f"{name} {shown}: no answer within {HANG_SECONDS:g} s (a hang)")
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _mutations(name: str) -> st.SearchStrategy[list[Mutation]]:
    return st.lists(mutation(read_yaml(library()[name])), min_size=1, max_size=3)


FAST = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],  # no shrinking: a hang would be re-run many times
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.mark.parametrize("name", SCENARIOS)
def test_mutated_library_scenarios_fail_cleanly(name: str) -> None:
    @FAST
    @given(muts=_mutations(name))
    def run(muts: list[Mutation]) -> None:
        check(name, muts)

    run()


@pytest.mark.hostile
@pytest.mark.parametrize("name", SCENARIOS)
def test_many_mutations(name: str, request: pytest.FixtureRequest) -> None:
    if "hostile" not in (request.config.getoption("markexpr") or ""):
        pytest.skip("the long hostile-input run: pytest -m hostile")
    n = int(os.environ.get("SUPPLYSIM_HOSTILE_EXAMPLES", "1000"))

    @settings(FAST, max_examples=n, derandomize=False)
    @given(muts=_mutations(name))
    def run(muts: list[Mutation]) -> None:
        check(name, muts)

    run()


def test_a_hang_fails_the_example(monkeypatch: pytest.MonkeyPatch) -> None:
    """The alarm works: an example that never returns fails (with its input), it does not hang the suite."""
    monkeypatch.setattr("tests.integration.test_hostile_inputs.HANG_SECONDS", 0.2)

    def forever(*args: Any, **kw: Any) -> None:
        while True:
            math.sqrt(2.0)

    monkeypatch.setattr("tests.integration.test_hostile_inputs.load_scenario", forever)
    with pytest.raises(pytest.fail.Exception, match=r"no answer within 0\.2 s"):
        check("serial_chain", [("number", ("horizon",), 10)])
