"""The KPI catalogue covers exactly what the model emits, is documented, and loads without SimPy."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import sim
from sim.kpi import catalog

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))


@pytest.fixture(scope="module")
def emitted() -> set[str]:
    out: set[str] = set()
    for path in SCENARIOS:
        out |= set(sim.simulate(str(path), seed=1).kpis.kpi.unique())
    return out


def test_every_emitted_kpi_in_catalogue_and_no_stale_entries(emitted):
    """Per replication: every catalogue KPI but the batch-summary statistics (the Kaplan–Meier medians)."""
    assert SCENARIOS
    assert emitted == set(catalog.KNOWN_KPIS) - set(catalog.BATCH_KPIS)


def test_batch_kpis_are_rows_of_a_disrupted_batch_summary():
    """The batch-only entries appear in the summary of a disrupted batch, one per censored-time row, with n."""
    batch = sim.run_batch("regional_disruption", {"replications": 3})
    summary = batch.summary
    assert set(catalog.BATCH_KPIS) <= set(summary.kpi)
    for name in catalog.BATCH_KPIS:
        time = name.removesuffix("_km_median")
        rows = summary[summary.kpi == name]
        assert len(rows) == (summary.kpi == time).sum() and (rows.n == 3).all()


def test_every_entry_documented():
    doc = (ROOT / "docs" / "kpis.md").read_text(encoding="utf-8")
    missing = [k.name for k in catalog.CATALOG if f"`{k.name}`" not in doc]
    assert not missing


def test_info_lookup():
    assert catalog.info("fill_rate").higher_is_better is True
    with pytest.raises(KeyError, match="known: demand"):
        catalog.info("nope")


def test_report_imports_without_simpy():
    code = "import sim.report.html, sim.report.figures, sys; assert 'simpy' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
