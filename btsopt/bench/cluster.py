"""Benchmark sweeps on a Dask distributed cluster (``btsopt[distributed]``).

Each run is one Dask task that starts a fresh run process on its worker
(:func:`~btsopt.bench.run.run_isolated`), so peak memory and timings stay
per run just as locally. Workers must see the instance files at the same
paths (a shared file system, or the same checkout) and run the same btsopt.
Give each Dask worker as many threads as runs it should carry at once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from btsopt.bench.run import RunTask, run_isolated
from btsopt.errors import ScenarioError


def _client(scheduler: Any):
    """A ``distributed.Client`` for an address, a cluster or a client; and whether we own it."""
    try:
        from distributed import Client
    except ImportError:
        raise ScenarioError("--scheduler needs Dask: pip install 'btsopt[distributed]'") from None
    if isinstance(scheduler, Client):
        return scheduler, False
    return Client(scheduler), True


def run_on_dask(
    tasks: list[RunTask],
    scheduler: Any,
    on_record: Callable[[dict[str, Any]], None] | None = None,
) -> list[dict[str, Any]]:
    """Run every task on a Dask cluster; rows come back in task order.

    Parameters
    ----------
    tasks
        The runs.
    scheduler
        ``tcp://host:port``, a cluster (e.g. ``LocalCluster``) or a ``Client``.
    on_record
        Called with each row as its run ends.
    """
    from distributed import as_completed

    client, owned = _client(scheduler)
    try:
        # pure=False: two identical tasks (same seed) are still two runs.
        futures = [client.submit(run_isolated, task, pure=False,
                                 key=f"bench-{n}-{task.instance}-{task.solver}")
                   for n, task in enumerate(tasks)]
        index = {future.key: n for n, future in enumerate(futures)}
        rows: list[dict[str, Any] | None] = [None] * len(tasks)
        for future in as_completed(futures):
            row = future.result()
            rows[index[future.key]] = row
            if on_record is not None:
                on_record(row)
        return [row for row in rows if row is not None]
    finally:
        if owned:
            client.close()
