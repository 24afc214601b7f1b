"""Regenerate the example workbook(s) from the library YAML with the export command (docs/spreadsheets.md):

    python scenarios/workbooks/regenerate.py

does what ``supplysim mode=export scenario=NAME export.path=scenarios/workbooks/NAME.xlsx`` does, for each example.
tests/scenario/test_spreadsheets.py checks that each workbook holds the same scenario as its YAML (by content: a
workbook carries timestamps, so its bytes change on every export).
"""

from __future__ import annotations

from pathlib import Path

from sim.cli.export_mode import export_command

HERE = Path(__file__).resolve().parent
EXAMPLES = ["consolidated_sourcing"]

if __name__ == "__main__":
    for name in EXAMPLES:
        out = HERE / f"{name}.xlsx"
        out.unlink(missing_ok=True)  # the export never overwrites
        print(f"wrote {export_command(['mode=export', f'scenario={name}', f'export.path={out}'])}")
