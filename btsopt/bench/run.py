"""One benchmark run: its task, its row, and running it in a fresh process.

:class:`RunTask` says what to run; :func:`execute` runs it in this process
(what ``python -m btsopt.bench.worker`` does) and :func:`run_isolated` in a
fresh process, with its peak memory. Sweeps of many runs, locally or on Dask,
are :mod:`btsopt.bench.runner` and :mod:`btsopt.bench.cluster`, which both
build on this module.

Solvers are named ``btsopt:<backend>`` (any name in :data:`btsopt.solve.BACKENDS`)
or ``plain-highs`` / ``plain-cpsat`` (the plain baselines of
``benchmarks/baselines.py``).
"""

from __future__ import annotations

import importlib.util
import json
import math
import os
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from btsopt.bench.instances import benchmarks_dir, load_problem, repo_root
from btsopt.errors import ScenarioError
from btsopt.solve import BACKENDS, SolveParams, solve
from btsopt.solvers.core import CoreSettings

BASELINE_NAMES: tuple[str, ...] = ("plain-highs", "plain-cpsat")
KILLED, ERROR = "killed", "error"
CORE_KEY = "core"
"""A settings table's ``core`` sub-table: :class:`~btsopt.solvers.core.CoreSettings`
for the ``btsopt:*`` solvers (``[NAME.core.lns]`` / ``enabled = false``)."""

RECORD_FIELDS: tuple[str, ...] = (
    "instance", "solver", "settings", "seed", "status", "objective", "lower_bound", "gap",
    "best_known", "gap_to_best", "wall_time_s", "read_time_s", "peak_rss_mb", "time_limit",
    "threads", "host", "options", "error",
)
"""Columns of the CSV, in order."""

@dataclass(frozen=True)
class RunTask:
    """One run: an instance, a solver, its settings, a seed and a time limit."""

    instance: str
    path: str
    kind: str
    solver: str
    settings: str = "default"
    options: dict[str, Any] = field(default_factory=dict)
    seed: int = 0
    time_limit: float = 60.0
    threads: int = 1
    gap: float = 1e-4
    best_known: float | None = None

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> RunTask:
        return cls(**json.loads(text))


def check_solver(name: str) -> None:
    """Raise :class:`ScenarioError` unless ``name`` is a known solver."""
    if name in BASELINE_NAMES:
        return
    if name.startswith("btsopt:"):
        backend = name.split(":", 1)[1]
        if backend in BACKENDS:
            return
        raise ScenarioError(f"unknown btsopt backend '{backend}' "
                            f"(btsopt has: {', '.join(BACKENDS)})")
    raise ScenarioError(f"unknown solver '{name}' (use btsopt:<backend>, "
                        f"{' or '.join(BASELINE_NAMES)})")


def available_solvers() -> list[str]:
    """Every solver name the runner accepts now."""
    return [f"btsopt:{name}" for name in BACKENDS] + list(BASELINE_NAMES)


def load_baselines():
    """The ``benchmarks/baselines.py`` module, loaded by path (it is not installed)."""
    path = benchmarks_dir() / "baselines.py"
    if not path.is_file():
        raise ScenarioError("the plain baselines need benchmarks/baselines.py of a btsopt "
                            "checkout", file=str(path))
    name = "btsopt_bench_baselines"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _finite(value: float | None) -> float | None:
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def relative_gap(objective: float | None, bound: float | None) -> float | None:
    """(objective - bound) / |objective|; ``None`` without both."""
    if objective is None or bound is None:
        return None
    if abs(objective - bound) <= 1e-9 * max(1.0, abs(objective)):
        return 0.0
    return max(0.0, (objective - bound) / max(abs(objective), 1e-12))


def _record(task: RunTask, **values: Any) -> dict[str, Any]:
    """A full result row for ``task`` (missing figures as ``None``)."""
    row: dict[str, Any] = dict.fromkeys(RECORD_FIELDS)
    row.update(
        instance=task.instance, solver=task.solver, settings=task.settings, seed=task.seed,
        time_limit=task.time_limit, threads=task.threads, best_known=task.best_known,
        options=json.dumps(task.options, sort_keys=True) if task.options else "",
    )
    row.update(values)
    objective, bound = _finite(row["objective"]), _finite(row["lower_bound"])
    row["objective"], row["lower_bound"] = objective, bound
    row["gap"] = relative_gap(objective, bound)
    best = _finite(task.best_known)
    row["gap_to_best"] = (
        None if objective is None or best is None else (objective - best) / max(abs(best), 1e-12)
    )
    return row


def execute(task: RunTask) -> dict[str, Any]:
    """Run one task in this process and return its row (no memory figure).

    The wall time covers coverage, model and search (what :func:`btsopt.solve`
    counts); reading the file is reported apart as ``read_time_s``.
    """
    start = time.perf_counter()
    data = load_problem(task.path, task.kind)
    read_time = time.perf_counter() - start
    options = dict(task.options)
    threads = int(options.pop("threads", task.threads))
    gap = float(options.pop("gap", task.gap))
    host = socket.gethostname()
    if task.solver.startswith("btsopt:"):
        core = CoreSettings.from_dict(options.pop(CORE_KEY, {}))
        params = SolveParams(
            backend=task.solver.split(":", 1)[1], time_limit=task.time_limit, seed=task.seed,
            workers=threads, gap=gap, options=options, core=core,
        )
        start = time.perf_counter()
        result = solve(data, params)
        wall = time.perf_counter() - start
        return _record(task, status=result.status, objective=result.objective,
                       lower_bound=result.lower_bound, wall_time_s=wall, read_time_s=read_time,
                       host=host, error=result.message or "")
    if task.solver in BASELINE_NAMES:
        baseline = load_baselines().BASELINES[task.solver]
        start = time.perf_counter()
        result = baseline(data, time_limit=task.time_limit, seed=task.seed, threads=threads,
                          gap=gap, options=options)
        wall = time.perf_counter() - start
        return _record(task, status=result.status, objective=result.objective,
                       lower_bound=result.bound, wall_time_s=wall, read_time_s=read_time,
                       host=host, error="")
    check_solver(task.solver)
    raise AssertionError("unreachable")


def _child_env() -> dict[str, str]:
    """The environment of a run process: btsopt importable from this checkout."""
    env = dict(os.environ)
    root = str(repo_root())
    paths = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    if root not in paths:
        env["PYTHONPATH"] = os.pathsep.join([root, *paths])
    return env


def hard_timeout(task: RunTask) -> float:
    """Seconds after which a run process is killed: generous, only for runaway runs."""
    return 1.5 * task.time_limit + 120.0


def run_isolated(task: RunTask, timeout: float | None = None) -> dict[str, Any]:
    """Run one task in a fresh Python process and return its row with ``peak_rss_mb``.

    Parameters
    ----------
    task
        The run.
    timeout
        Kill the process after this many seconds (default :func:`hard_timeout`).
    """
    timeout = hard_timeout(task) if timeout is None else timeout
    # The run process removes this folder should this process die first.
    with tempfile.TemporaryDirectory(prefix="btsopt-bench-", ignore_cleanup_errors=True) as tmp:
        out = Path(tmp) / "result.json"
        process = subprocess.Popen(
            [sys.executable, "-m", "btsopt.bench.worker", str(out), str(os.getpid())],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            env=_child_env(), text=True,
        )
        try:
            _, stderr = process.communicate(task.to_json(), timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
            return _record(task, status=KILLED, wall_time_s=timeout,
                           error=f"killed after {timeout:.0f} s (time limit {task.time_limit} s)")
        if out.is_file():
            row = json.loads(out.read_text())
            return {name: row.get(name) for name in RECORD_FIELDS}
        tail = " | ".join(stderr.strip().splitlines()[-3:]) if stderr else ""
        return _record(task, status=ERROR,
                       error=f"run process exited with {process.returncode}: {tail}")
