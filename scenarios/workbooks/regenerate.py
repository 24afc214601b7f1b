"""Regenerate the example workbook(s) from the library YAML (docs/spreadsheets.md):

    python scenarios/workbooks/regenerate.py

tests/test_spreadsheets.py checks that each workbook holds the same scenario as its YAML (by content: a workbook
carries timestamps, so its bytes change on every export).
"""

from __future__ import annotations

from pathlib import Path

import sim

HERE = Path(__file__).resolve().parent
EXAMPLES = ["consolidated_sourcing"]

if __name__ == "__main__":
    for name in EXAMPLES:
        out = HERE / f"{name}.xlsx"
        out.unlink(missing_ok=True)
        print(f"wrote {sim.export_scenario(name, out)}")
