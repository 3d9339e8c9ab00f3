"""Benchmark sweeps: instances x solvers x settings x seeds, one fresh process per run.

Every run executes in its own Python process (:func:`btsopt.bench.run.run_isolated`,
``python -m btsopt.bench.worker``)
so that its peak resident memory (``ru_maxrss``) belongs to that run alone and
no solver state leaks from one run into the next. A run that overstays its
time limit by far is killed and recorded as ``killed``. Runs are spread over
local processes (``workers``; default 1 so that timings are clean) or over a
Dask distributed cluster (see :mod:`btsopt.bench.cluster`).

Solvers are named ``btsopt:<backend>`` (any name in :data:`btsopt.solve.BACKENDS`)
or ``plain-highs`` / ``plain-cpsat`` (the plain baselines of
``benchmarks/baselines.py``).
"""

from __future__ import annotations

import csv
import json
import math
import os
import tomllib
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path
from typing import Any

from btsopt.bench.cluster import run_on_dask
from btsopt.bench.instances import Instance
from btsopt.bench.run import (
    BASELINE_NAMES,
    CORE_KEY,
    ERROR,
    KILLED,
    RECORD_FIELDS,
    RunTask,
    available_solvers,
    check_solver,
    execute,
    hard_timeout,
    load_baselines,
    relative_gap,
    run_isolated,
)
from btsopt.errors import ScenarioError
from btsopt.solvers.core import CoreSettings

__all__ = [
    "BASELINE_NAMES",
    "ERROR",
    "KILLED",
    "RECORD_FIELDS",
    "RunTask",
    "available_solvers",
    "check_solver",
    "execute",
    "format_row",
    "format_summary",
    "hard_timeout",
    "load_baselines",
    "load_settings",
    "machine_info",
    "make_tasks",
    "read_csv",
    "read_runs",
    "relative_gap",
    "run_isolated",
    "run_sweep",
    "summarize",
    "write_csv",
    "write_json",
]

def load_settings(path: str | None, params: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Named settings: the tables of a TOML file, plus ``--param`` values in each.

    A file looks like::

        [default]                      # no options: each solver's defaults

        [no-presolve]
        presolve = "off"               # handed to every solver of the sweep

        [lp2]
        "plain-cpsat" = { linearization_level = 2 }   # for one solver only
        "btsopt:cpsat" = { linearization_level = 2 }

        [no-lns.core.lns]              # the core's settings (btsopt solvers only)
        enabled = false

    ``threads`` and ``gap`` in a table set the run's threads and stopping gap;
    a ``core`` sub-table is checked here (unknown keys and bad values are
    errors naming the file and the key).
    """
    if path is None:
        return {"default": dict(params)}
    try:
        with open(path, "rb") as handle:
            doc = tomllib.load(handle)
    except OSError as exc:
        raise ScenarioError(f"cannot read settings: {exc.strerror}", file=path) from None
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"invalid TOML: {exc}", file=path) from None
    settings = {}
    for name, table in doc.items():
        if not isinstance(table, dict):
            raise ScenarioError("every top-level entry must be a [settings] table", file=path,
                                column=name)
        if CORE_KEY in table:
            if not isinstance(table[CORE_KEY], dict):
                raise ScenarioError("must be a table of the core's settings", file=path,
                                    column=f"{name}.{CORE_KEY}")
            try:
                CoreSettings.from_dict(table[CORE_KEY], file=path)
            except ScenarioError as exc:
                raise ScenarioError(exc.message, file=path,
                                    column=f"{name}.{CORE_KEY}.{exc.column}") from None
        settings[name] = {**table, **params}
    if not settings:
        raise ScenarioError("no settings tables", file=path)
    return settings


def make_tasks(
    instances: Iterable[Instance],
    solvers: Iterable[str],
    settings: dict[str, dict[str, Any]],
    seeds: Iterable[int],
    time_limit: float,
    threads: int = 1,
    gap: float = 1e-4,
) -> list[RunTask]:
    """The cross product, instance-major (so rows of one instance come together).

    ``settings`` maps a settings name to its options; a nested table whose key
    is a solver name holds options for that solver only; a nested ``core``
    table holds the core's settings for the ``btsopt:*`` solvers.
    """
    solvers, seeds = list(solvers), list(seeds)
    for solver in solvers:
        check_solver(solver)
    tasks = []
    for instance in instances:
        for solver in solvers:
            for name, table in settings.items():
                options = {k: v for k, v in table.items() if not isinstance(v, dict)}
                if isinstance(table.get(CORE_KEY), dict) and solver.startswith("btsopt:"):
                    options[CORE_KEY] = table[CORE_KEY]
                options.update(table.get(solver, {}) if isinstance(table.get(solver), dict)
                               else {})
                for seed in seeds:
                    tasks.append(RunTask(
                        instance=instance.name, path=str(instance.path), kind=instance.kind,
                        solver=solver, settings=name, options=options, seed=int(seed),
                        time_limit=float(time_limit), threads=int(threads), gap=float(gap),
                        best_known=instance.best_known,
                    ))
    return tasks


def run_sweep(
    tasks: list[RunTask],
    workers: int = 1,
    scheduler: str | Any | None = None,
    on_record: Callable[[dict[str, Any]], None] | None = None,
) -> list[dict[str, Any]]:
    """Run every task (each in a fresh process); rows come back in task order.

    Parameters
    ----------
    tasks
        The runs.
    workers
        Concurrent local run processes (ignored with a scheduler).
    scheduler
        A Dask scheduler address (``tcp://host:8786``), a ``distributed.Client``,
        or a cluster object; ``None`` runs locally.
    on_record
        Called with each row as soon as its run ends (in completion order).
    """
    if scheduler is not None:
        return run_on_dask(tasks, scheduler, on_record=on_record)
    rows: list[dict[str, Any] | None] = [None] * len(tasks)
    # Threads only wait on run processes; the solving happens in those processes.
    with ThreadPoolExecutor(max_workers=max(1, int(workers))) as pool:
        futures = {pool.submit(run_isolated, task): n for n, task in enumerate(tasks)}
        for future in as_completed(futures):
            row = future.result()
            rows[futures[future]] = row
            if on_record is not None:
                on_record(row)
    return [row for row in rows if row is not None]


# --------------------------------------------------------------------------
# Tables, summaries, files
# --------------------------------------------------------------------------

def _fmt(value: Any, spec: str, width: int) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "-".rjust(width)
    return format(value, spec).rjust(width)


TABLE_HEADER = (
    f"{'instance':<22} {'solver':<14} {'settings':<10} {'seed':>4} {'status':<10} "
    f"{'objective':>14} {'bound':>14} {'gap':>8} {'to_best':>8} {'time_s':>8} {'mem_MB':>7}"
)


def format_row(row: dict[str, Any]) -> str:
    """One fixed-width line of a run."""
    return (
        f"{str(row['instance'])[:22]:<22} {row['solver']:<14} {str(row['settings'])[:10]:<10} "
        f"{row['seed']:>4} {str(row['status']):<10} "
        f"{_fmt(row['objective'], ',.2f', 14)} {_fmt(row['lower_bound'], ',.2f', 14)} "
        f"{_fmt(row['gap'], '.2%', 8)} {_fmt(row['gap_to_best'], '.2%', 8)} "
        f"{_fmt(row['wall_time_s'], '.2f', 8)} {_fmt(row['peak_rss_mb'], '.0f', 7)}"
    )


def shifted_geomean(values: list[float], shift: float = 1.0) -> float:
    """exp(mean(log(v + shift))) - shift: the usual average of solve times."""
    if not values:
        return math.nan
    return math.exp(sum(math.log(v + shift) for v in values) / len(values)) - shift


def summarize(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per (solver, settings): run counts, mean gaps, mean and shifted-geometric-mean time.

    Gaps are averaged over runs that have them; a run without a plan counts
    as gap 100% in ``mean_gap_all``.
    """
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault((row["solver"], row["settings"]), []).append(row)
    out = []
    for (solver, settings), group in groups.items():
        gaps = [r["gap"] for r in group if r["gap"] is not None]
        to_best = [r["gap_to_best"] for r in group if r["gap_to_best"] is not None]
        times = [r["wall_time_s"] for r in group if r["wall_time_s"] is not None]
        mems = [r["peak_rss_mb"] for r in group if r["peak_rss_mb"] is not None]
        out.append({
            "solver": solver, "settings": settings, "runs": len(group),
            "optimal": sum(r["status"] == "optimal" for r in group),
            "with_plan": sum(r["objective"] is not None for r in group),
            "failed": sum(r["status"] in (ERROR, KILLED) for r in group),
            "mean_gap": sum(gaps) / len(gaps) if gaps else None,
            "mean_gap_all": sum(min(r["gap"], 1.0) if r["gap"] is not None else 1.0
                                for r in group) / len(group),
            "max_gap": max(gaps) if gaps else None,
            "mean_gap_to_best": sum(to_best) / len(to_best) if to_best else None,
            "at_best": sum(abs(g) <= 1e-9 for g in to_best),
            "with_best": len(to_best),
            "mean_time_s": sum(times) / len(times) if times else None,
            "sgm_time_s": shifted_geomean(times) if times else None,
            "total_time_s": sum(times),
            "max_peak_rss_mb": max(mems) if mems else None,
        })
    return out


def format_summary(summary: list[dict[str, Any]]) -> str:
    """The averages footer."""
    lines = [
        f"{'solver':<14} {'settings':<10} {'runs':>4} {'opt':>4} {'plan':>4} {'fail':>4} "
        f"{'mean_gap':>9} {'max_gap':>8} {'to_best':>8} {'at_best':>8} {'mean_s':>8} "
        f"{'sgm_s':>7} {'max_MB':>7}"
    ]
    for s in summary:
        at_best = f"{s['at_best']}/{s['with_best']}" if s["with_best"] else "-"
        lines.append(
            f"{s['solver']:<14} {str(s['settings'])[:10]:<10} {s['runs']:>4} {s['optimal']:>4} "
            f"{s['with_plan']:>4} {s['failed']:>4} {_fmt(s['mean_gap'], '.3%', 9)} "
            f"{_fmt(s['max_gap'], '.2%', 8)} {_fmt(s['mean_gap_to_best'], '.3%', 8)} "
            f"{at_best:>8} {_fmt(s['mean_time_s'], '.2f', 8)} {_fmt(s['sgm_time_s'], '.2f', 7)} "
            f"{_fmt(s['max_peak_rss_mb'], '.0f', 7)}"
        )
    return "\n".join(lines)


def write_csv(rows: list[dict[str, Any]], path: str | Path) -> None:
    """One line per run, columns :data:`RECORD_FIELDS` (empty cell for no value)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=RECORD_FIELDS, extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: ("" if row.get(k) is None else row.get(k)) for k in RECORD_FIELDS})


def read_runs(spec: str) -> list[dict[str, Any]]:
    """Rows of ``FILE.csv`` or of chosen solvers only: ``FILE.csv#plain-highs,plain-cpsat``."""
    path, _, chosen = spec.partition("#")
    if not Path(path).is_file():
        raise ScenarioError("no such file", file=path)
    rows = read_csv(path)
    if chosen:
        keep = {name.strip() for name in chosen.split(",")}
        rows = [row for row in rows if row["solver"] in keep]
    return rows


def read_csv(path: str | Path) -> list[dict[str, Any]]:
    """Rows of a CSV written by :func:`write_csv`, numbers typed back."""
    numeric = {"objective", "lower_bound", "gap", "best_known", "gap_to_best", "wall_time_s",
               "read_time_s", "peak_rss_mb", "time_limit"}
    rows = []
    with open(path, newline="", encoding="utf-8") as handle:
        for raw in csv.DictReader(handle):
            row: dict[str, Any] = dict(raw)
            for key in numeric & raw.keys():
                row[key] = float(raw[key]) if raw[key] not in ("", None) else None
            for key in ("seed", "threads"):
                if raw.get(key) not in ("", None):
                    row[key] = int(raw[key])
            rows.append(row)
    return rows


def write_json(rows: list[dict[str, Any]], path: str | Path, meta: dict[str, Any] | None = None
               ) -> None:
    """``{"meta": ..., "summary": [...], "runs": [...]}``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {"meta": meta or {}, "summary": summarize(rows), "runs": rows}
    path.write_text(json.dumps(payload, indent=2, allow_nan=False, default=str) + "\n",
                    encoding="utf-8")


def machine_info() -> dict[str, Any]:
    """Facts that qualify timings: host, CPUs, load, versions."""
    import platform
    import socket

    import btsopt

    info: dict[str, Any] = {
        "host": socket.gethostname(), "cpus": os.cpu_count(), "python": platform.python_version(),
        "platform": platform.platform(), "btsopt": btsopt.__version__,
    }
    try:
        info["load_average"] = [round(x, 2) for x in os.getloadavg()]
    except OSError:
        pass
    for module in ("highspy", "ortools"):
        try:
            from importlib.metadata import version

            info[module] = version(module)
        except Exception:  # noqa: BLE001 - a missing version is not worth failing over
            pass
    return info
