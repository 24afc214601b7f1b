"""The layout (docs/architecture.md): the module graph has no cycle, type-only and function-local imports included;
the layers hold (import-linter, configured in pyproject.toml); the report and the scenario layer load no SimPy;
registries are filled by their package."""

from __future__ import annotations

import graphlib
import subprocess
import sys

import grimp
import pytest


def module_graph() -> dict[str, set[str]]:
    """Every sim module -> the sim modules it imports (anywhere in the file, ``if TYPE_CHECKING:`` blocks too)."""
    graph = grimp.build_graph("sim", cache_dir=None)
    return {m: graph.find_modules_directly_imported_by(m) for m in graph.modules}


def test_the_module_graph_has_no_cycle():
    """No two modules import each other, directly or around a loop (a package's ``__init__`` counts as a module)."""
    try:
        tuple(graphlib.TopologicalSorter(module_graph()).static_order())
    except graphlib.CycleError as exc:
        pytest.fail(f"import cycle: {' -> '.join(exc.args[1])}")


def test_the_cycle_check_finds_a_cycle():
    """The check above can fail: a graph with a loop is refused."""
    with pytest.raises(graphlib.CycleError):
        tuple(graphlib.TopologicalSorter({"a": {"b"}, "b": {"c"}, "c": {"a"}}).static_order())


def test_import_linter_contracts_are_kept():
    """The layers contract and the forbidden imports of pyproject.toml (what `lint-imports` checks in CI)."""
    out = subprocess.run(["lint-imports", "--no-cache"], capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]


@pytest.mark.parametrize(
    "module",
    ["sim.report", "sim.report.html", "sim.report.figures", "sim.scenario.loading", "sim.policy.kinds", "sim"],
)
def test_importing_loads_no_simpy(module):
    """The report reads tables and the scenario layer is data: importing them starts no simulation engine."""
    code = f"import sys, {module}; sys.exit('simpy' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_registries_are_filled_by_their_package():
    """Every policy, sourcing rule and demand kind is registered once the registry is imported, whatever module a
    caller imports first."""
    code = (
        "from sim.scenario.demand import DEMANDS; from sim.policy.kinds import POLICIES, SOURCING; "
        "assert {'ar1', 'seasonal', 'trend', 'promotion', 'step', 'periodic'} <= set(DEMANDS); "
        "assert {'dual_index', 'vmi', 'sterman', 'base_stock'} <= set(POLICIES); "
        "assert {'failover', 'expedite', 'fixed_split'} <= set(SOURCING)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
