"""Scenario data: the schema, registries of distributions and demand kinds, loading, presets and Hydra composition.

Nothing here imports SimPy: a validated scenario is plain data.
"""
