"""Every notebook runs top to bottom, shows its figures (image outputs, not a figure drawn on a headless canvas
that nobody sees) and prints no warning (a TqdmWarning from a progress bar, say)."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
PLOTS = ("plt.subplots", "plt.figure", "plt.plot", ".plot(")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_and_shows_its_figures(path, monkeypatch, tmp_path):
    """Executed by a kernel as Jupyter would (its own inline backend: no MPLBACKEND forced), every cell that draws
    a figure has a PNG among its outputs."""
    monkeypatch.delenv("MPLBACKEND", raising=False)
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    drawing = [c for c in nb.cells if c.cell_type == "code" and any(p in c.source for p in PLOTS)]
    assert drawing, f"{path.name}: no cell draws a figure"
    for cell in drawing:
        kinds = [k for out in cell.get("outputs", []) for k in out.get("data", {})]
        assert "image/png" in kinds, f"{path.name}: a plotting cell shows no figure:\n{cell.source[:200]}"
    assert not any("matplotlib.use(" in c.source for c in nb.cells if c.cell_type == "code")
    streams = [o.get("text", "") for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "stream"]
    assert not [t for t in streams if "Warning" in t], f"{path.name}: a cell printed a warning"
