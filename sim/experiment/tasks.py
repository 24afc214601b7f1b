"""Plain tasks (a function and its arguments) on the batch layer's backends: here, loky processes or Dask.

The batch runner (sim.experiment.backends) is built around replication chunks of one scenario; the stress test
sends other work (a chunk of replications × the elements still running), so it uses this small pool. Results come
back as they finish; the caller must not depend on their order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any


class TaskPool:
    """Tasks on n_jobs local processes (loky, as the batch runner), on Dask, or here (n_jobs=1)."""

    def __init__(self, backend: str, n_jobs: int, address: str | None, connect_timeout: float = 10.0) -> None:
        from sim.experiment.backends import connect_dask, local_executor

        self.backend, self.client, self.cluster, self.executor = backend, None, None, None
        if backend == "dask":  # as the batch runner: the scheduler at address, or a LocalCluster
            self.client, self.cluster = connect_dask(n_jobs, address, connect_timeout)
            self.workers = max(1, sum(self.client.nthreads().values()))
        elif n_jobs > 1:
            self.executor = local_executor(n_jobs)
            self.workers = n_jobs
        else:
            self.workers = 1

    def map(self, fn: Callable[..., Any], tasks: list[tuple]) -> Iterator[Any]:
        if self.client is not None:
            from distributed import as_completed as as_finished  # not concurrent.futures' (the other branch)

            futures = [self.client.submit(fn, *t, pure=False) for t in tasks]
            for fut in as_finished(futures, loop=self.client.loop):
                yield fut.result()
                fut.release()
        elif self.executor is not None:
            from concurrent.futures import as_completed

            for fut in as_completed([self.executor.submit(fn, *t) for t in tasks]):
                yield fut.result()
        else:
            for t in tasks:
                yield fn(*t)

    def close(self, abort: bool = False) -> None:
        if self.client is not None:
            self.client.close()
            if self.cluster is not None:
                self.cluster.close()
        elif self.executor is not None and abort:
            self.executor.shutdown(wait=True, kill_workers=True)
