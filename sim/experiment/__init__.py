"""Experiments: one replication (and what it reuses per scenario), Monte Carlo batches (seeds, backends: local and
Dask, streamed parts, statistics), paired runs, the stress test, the optimiser and the memory estimate."""
