"""Scenarios as tables: read and write a scenario as an Excel workbook or a folder of CSV files (docs/spreadsheets.md).

``reading.load_tables(path)`` reads one into a validated Scenario (through the same validation as a YAML file, with
errors naming the sheet, row and column), ``reading.read_data(path)`` into plain scenario data, and
``export.export_scenario`` writes any scenario as written. The layout (which table holds what) is
:mod:`sim.scenario.tables.layout`; ``files.is_table_source`` tells a workbook or CSV folder from a YAML file.
"""
