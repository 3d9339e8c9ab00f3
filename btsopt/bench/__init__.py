"""Benchmarks: instance families, sweeps of solvers in fresh processes, profiles.

* :mod:`btsopt.bench.instances`: instance names, sets, generated families
  (cached) and best-known values;
* :mod:`btsopt.bench.run`: one run (its task and row), in a fresh process;
* :mod:`btsopt.bench.runner`: sweeps of runs, settings files, CSV/JSON;
* :mod:`btsopt.bench.cluster`: the same sweeps on a Dask cluster;
* :mod:`btsopt.bench.plot`: performance profiles;
The commands ``btsopt bench`` and ``btsopt bench-plot`` are :mod:`btsopt.cli.bench`.
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
