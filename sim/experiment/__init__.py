"""Monte Carlo batches: seeds, backends (local, Dask), streamed parts, statistics and sweeps."""
