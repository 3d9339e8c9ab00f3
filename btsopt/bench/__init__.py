"""Benchmarks: instance families, sweeps of solvers in fresh processes, profiles.

* :mod:`btsopt.bench.instances`: instance names, sets, generated families
  (cached) and best-known values;
* :mod:`btsopt.bench.runner`: sweeps, one fresh process per run, CSV/JSON;
* :mod:`btsopt.bench.cluster`: the same sweeps on a Dask cluster;
* :mod:`btsopt.bench.plot`: performance profiles;
* :mod:`btsopt.bench.cli`: ``btsopt bench`` and ``btsopt bench-plot``.
"""

from btsopt.bench.instances import Instance, instance_sets, resolve_instances
from btsopt.bench.runner import RunTask, make_tasks, run_isolated, run_sweep, summarize

__all__ = [
    "Instance",
    "RunTask",
    "instance_sets",
    "make_tasks",
    "resolve_instances",
    "run_isolated",
    "run_sweep",
    "summarize",
]
