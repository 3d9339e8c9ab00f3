"""``btsopt bench`` and ``btsopt bench-plot``: benchmark sweeps from the command line.

Examples::

    btsopt bench scp41 scenarios/tiny/scenario.toml --solver btsopt:highs,plain-highs \\
        --time-limit 20 --csv out/bench.csv --json out/bench.json --plot out/profile.png
    btsopt bench S M --solver plain-highs --solver plain-cpsat --time-limit 60 --workers 2
    btsopt bench scp --settings settings.toml --seeds 0,1,2 --scheduler tcp://host:8786
    btsopt bench-plot out/bench.csv [more.csv ...] out/profile.png
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from btsopt.bench.instances import instance_sets, load_best_known, resolve_instances
from btsopt.bench.plot import DEFAULT_THRESHOLDS, performance_profile
from btsopt.bench.runner import (
    TABLE_HEADER,
    available_solvers,
    format_row,
    format_summary,
    load_settings,
    machine_info,
    make_tasks,
    read_runs,
    run_sweep,
    summarize,
    write_csv,
    write_json,
)
from btsopt.cli.common import at_least_one, parse_gap, parse_params, positive_seconds
from btsopt.errors import ScenarioError
from btsopt.solve import DEFAULT_BACKEND


def _split(values: list[str]) -> list[str]:
    """Repeatable options that also take comma-separated lists."""
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def _default_solver() -> str:
    """btsopt with its default backend."""
    return f"btsopt:{DEFAULT_BACKEND}"


def _command(args: argparse.Namespace) -> str:
    """The sweep as one command line (recorded in the JSON to make it repeatable)."""
    parts = ["btsopt", "bench", *args.instances]
    for solver in _split(args.solver) or [_default_solver()]:
        parts += ["--solver", solver]
    parts += ["--time-limit", f"{args.time_limit:g}", "--threads", str(args.threads),
              "--gap", f"{args.gap:g}", "--workers", str(args.workers)]
    for flag, values in (("--seeds", args.seeds), ("--param", args.param)):
        for value in values:
            parts += [flag, value]
    for flag, value in (("--settings", args.settings), ("--scheduler", args.scheduler),
                        ("--csv", args.csv), ("--json", args.json), ("--plot", args.plot)):
        if value:
            parts += [flag, str(value)]
    return " ".join(parts)


def cmd_bench(args: argparse.Namespace) -> int:
    if args.list:
        if args.instances:
            raise ScenarioError("--list runs nothing: drop the instances, or drop --list")
        for name, members in instance_sets().items():
            print(f"{name:<10} {' '.join(members) if members else '(none here)'}")
        print(f"solvers    {' '.join(available_solvers())}")
        return 0
    if not args.instances:
        raise ScenarioError("name at least one instance, set or file (see --list)")
    best = load_best_known(Path(args.best_known)) if args.best_known else None
    instances = resolve_instances(args.instances, best)
    solvers = _split(args.solver) or [_default_solver()]
    seeds = [int(s) for s in _split(args.seeds)] or [0]
    settings = load_settings(args.settings, parse_params(args.param))
    if args.scheduler and args.workers != 1:
        raise ScenarioError("--workers: the Dask scheduler decides how many runs go at once; "
                            "give each Dask worker that many threads instead")
    tasks = make_tasks(instances, solvers, settings, seeds, args.time_limit,
                       threads=args.threads, gap=args.gap)

    meta = {
        "command": _command(args),
        "instances": [i.name for i in instances], "solvers": solvers, "settings": settings,
        "seeds": seeds, "time_limit": args.time_limit, "threads": args.threads,
        "gap": args.gap, "workers": args.workers, "scheduler": args.scheduler,
        "machine_start": machine_info(),
    }
    print(f"# {len(tasks)} runs: {len(instances)} instances x {len(solvers)} solvers x "
          f"{len(settings)} settings x {len(seeds)} seeds, {args.time_limit:g} s each",
          file=sys.stderr)
    if not args.quiet:
        print(TABLE_HEADER, flush=True)

    def show(row: dict[str, Any]) -> None:
        if not args.quiet:
            print(format_row(row), flush=True)

    start = time.perf_counter()
    rows = run_sweep(tasks, workers=args.workers, scheduler=args.scheduler, on_record=show)
    elapsed = time.perf_counter() - start
    meta["sweep_wall_time_s"] = round(elapsed, 2)
    meta["machine_end"] = machine_info()
    print()
    print(format_summary(summarize(rows)))
    print(f"# sweep wall time {elapsed:.1f} s", flush=True)
    if args.csv:
        write_csv(rows, args.csv)
    if args.json:
        write_json(rows, args.json, meta)
    if args.plot:
        performance_profile(rows, args.plot)
    return 0


def cmd_bench_plot(args: argparse.Namespace) -> int:
    rows = [row for spec in args.csv for row in read_runs(spec)]
    if not rows:
        raise ScenarioError("no runs in the CSV file(s)")
    thresholds = tuple(float(t) for t in _split(args.gaps)) or DEFAULT_THRESHOLDS
    performance_profile(rows, args.out, thresholds)
    print(f"wrote {args.out}")
    return 0


def add_parsers(subparsers) -> None:
    """Add ``bench`` and ``bench-plot`` to the ``btsopt`` command line."""
    p = subparsers.add_parser(
        "bench", help="benchmark solvers on instances (each run in a fresh process)",
        description="Run instances x solvers x settings x seeds, one fresh process per run, "
                    "and report status, objective, bound, gaps, time and peak memory.",
        epilog="Gaps are fractions in the CSV and JSON (0.001 = 0.1%) and percentages in the "
               "table. See benchmarks/README.md. Exit status: 0 the sweep ran (failed runs "
               "are rows with status error or killed), 2 bad input.",
    )
    p.add_argument("instances", nargs="*", metavar="INSTANCE",
                   help="file (scenario TOML or OR-Library), family (M-brownfield), set "
                        "(S, M, L, XL, families, scp, scp4 .. scpd, tiny) or scp name "
                        "(default: none; --list shows them)")
    p.add_argument("--solver", "-s", action="append", default=[],
                   help="btsopt:<backend> (btsopt:core, btsopt:highs, btsopt:scip, "
                        "btsopt:cpsat), plain-highs or plain-cpsat; repeatable or "
                        f"comma-separated (default: btsopt:{DEFAULT_BACKEND})")
    p.add_argument("--time-limit", type=positive_seconds, default=60.0, metavar="S",
                   help="seconds per run (default: %(default)g; solve's default is 180)")
    p.add_argument("--seeds", action="append", default=[], metavar="N[,N...]",
                   help="solver seeds, repeatable or comma-separated (default: 0)")
    p.add_argument("--param", action="append", default=[], metavar="KEY=VALUE",
                   help="backend option handed to every run (SolveParams.options), "
                        "repeatable (default: none)")
    p.add_argument("--settings", metavar="FILE",
                   help="TOML file of named settings tables, one sweep per table; a "
                        "[NAME.core] sub-table holds the core's settings (see btsopt settings) "
                        "(default: none, each solver's defaults)")
    p.add_argument("--threads", type=at_least_one, default=1, metavar="N",
                   help="solver threads per run (default: %(default)s, for clean timings; "
                        "solve's default is 2)")
    p.add_argument("--gap", type=parse_gap, default=1e-4, metavar="G",
                   help="stopping gap for every solver alike, a fraction or a percentage "
                        "(default: 0.0001 = 0.01%%, tighter than solve's 0.1%% so that "
                        "solvers are compared near a full proof)")
    p.add_argument("--workers", type=at_least_one, default=1, metavar="N",
                   help="runs at once on this machine (default: %(default)s, for clean "
                        "timings; not used with --scheduler)")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="run on a Dask distributed scheduler, e.g. tcp://host:8786 "
                        "(default: none, local processes)")
    p.add_argument("--csv", metavar="OUT.csv", help="write one row per run (default: none)")
    p.add_argument("--json", metavar="OUT.json",
                   help="write runs, summary and machine facts (default: none)")
    p.add_argument("--plot", metavar="OUT.png",
                   help="write a performance profile (default: none)")
    p.add_argument("--best-known", metavar="FILE",
                   help="CSV instance,optimum (default: benchmarks/best_known.csv)")
    p.add_argument("--list", action="store_true",
                   help="list instance sets and solvers, and run nothing (default: off)")
    p.add_argument("--quiet", "-q", action="store_true",
                   help="print only the averages, not one row per run (default: off)")
    p.set_defaults(func=cmd_bench)

    p = subparsers.add_parser(
        "bench-plot", help="performance profile of bench CSV files",
        description="Draw the performance profile (share of instances solved within a time, "
                    "per solver) of one or more CSV files written by btsopt bench --csv.",
        epilog="Exit status: 0 written, 2 bad input.",
    )
    p.add_argument("csv", nargs="+", metavar="CSV[#SOLVER,...]",
                   help="CSV file(s) written by btsopt bench --csv; '#solvers' keeps only those "
                        "(default: every solver in the file)")
    p.add_argument("out", help="the PNG file to write (no default)")
    p.add_argument("--gaps", action="append", default=[], metavar="G[,G...]",
                   help="gap thresholds as fractions, one panel each (default: "
                        + ",".join(f"{g:g}" for g in DEFAULT_THRESHOLDS) + ")")
    p.set_defaults(func=cmd_bench_plot)
