"""Scenario data: the schema, its cross-reference checks, loading (YAML, bounded), distributions, demand kinds and
patterns, policy presets and safety stock, segmentation, disruption specs.

Nothing here imports SimPy: a validated scenario is plain data.
"""
