"""``btsopt solve``, ``btsopt evaluate`` and ``btsopt validate``."""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

from btsopt.cli.common import (
    EXIT_NO_PLAN,
    EXIT_OK,
    EXIT_OUTPUT,
    fmt,
    parse_params,
    read_scenario_warned,
)
from btsopt.cli.proposals import run_proposal_command
from btsopt.diagnose import explain_infeasibility
from btsopt.errors import OutputError, ScenarioError
from btsopt.evaluation import evaluate
from btsopt.outputs import (
    Checkpoint,
    atomic_write_text,
    default_checkpoint_period,
    prepare_out_dir,
    render_html,
    write_plan_elsewhere,
    write_result,
    write_result_to_streams,
)
from btsopt.plan import Plan, read_plan_csv
from btsopt.progress import stop_on_signals, terminal_progress
from btsopt.radio import compute_coverage
from btsopt.resources import check_resources
from btsopt.solve import SolveParams, solve
from btsopt.solvers.core import CoreSettings
from btsopt.solvers.repair import repair_plan


def _result_row(name: str, result) -> str:
    ev = result.evaluation
    return (
        f"{name:<20} {result.status:<10} {fmt(result.objective, ',.1f'):>14} "
        f"{fmt(result.lower_bound, ',.1f'):>14} {fmt(result.gap, '.4%'):>9} "
        f"{fmt(ev.hamlet_coverage if ev else None, '.2%'):>9} "
        f"{fmt(ev.shared_site_ratio if ev else None, '.2%'):>8} {result.wall_time:>8.1f}"
    )


RESULT_HEADER = (
    f"{'instance':<20} {'status':<10} {'objective':>14} {'lower_bound':>14} {'gap':>9} "
    f"{'coverage':>9} {'shared':>8} {'time_s':>8}"
)


def cmd_solve(args: argparse.Namespace) -> int:
    """``btsopt solve SCENARIO --out DIR ...``."""
    data = read_scenario_warned(args.scenario)
    out = None if args.out == "-" else Path(args.out)
    if out is not None:
        scenario_dir = Path(args.scenario).resolve().parent
        if out.resolve() == scenario_dir:
            raise ScenarioError("--out must not be the scenario's own folder (inputs are never "
                                "overwritten)", file=str(out))
        if (out / "scenario.toml").exists():
            raise ScenarioError("--out holds a scenario; outputs never overwrite inputs",
                                file=str(out))
        if out.is_dir() and any(out.iterdir()) and not args.force:
            raise ScenarioError("output folder is not empty (use --force to overwrite)",
                                file=str(out))
    core = CoreSettings.from_toml(Path(args.settings)) if args.settings else CoreSettings()
    try:
        params = SolveParams(
            backend=args.backend, time_limit=args.time_limit, seed=args.seed,
            workers=args.workers, gap=args.gap, options=parse_params(args.param), log=args.log,
            core=core,
        )
    except ValueError as exc:
        raise ScenarioError(str(exc)) from None
    if args.checkpoint is not None and args.checkpoint < 0:
        raise ScenarioError("must be 0 (off) or a number of seconds", column="--checkpoint")
    period = (default_checkpoint_period(args.time_limit) if args.checkpoint is None
              else args.checkpoint)
    if out is None and period > 0:
        if args.checkpoint:
            print("warning: --checkpoint needs an output folder, and --out - has none: "
                  "no checkpoints", file=sys.stderr)
        period = 0.0
    if out is not None:
        prepare_out_dir(out)  # a file, no permission: exit 3 now, not after the solve
    check_resources(data)  # fail early with an estimate, not an out-of-memory kill
    coverage = compute_coverage(data)
    start = _start_plan(args.start, data, coverage) if args.start else None
    progress = terminal_progress(args.quiet, args.log_json, keep_incumbent=period > 0)
    # The whole command, not only the search: a signal while the plan is
    # being written lets the writing finish (a second one aborts it cleanly).
    with stop_on_signals(progress):
        checkpoint = None
        try:
            if period > 0:
                with Checkpoint(data, progress, out, period, args.backend) as checkpoint:
                    result = _solve(data, params, coverage, start, progress, args.time_limit)
            else:
                result = _solve(data, params, coverage, start, progress, args.time_limit)
        finally:
            progress.close()
        if checkpoint is not None and checkpoint.error is not None:
            print(f"warning: checkpoint not written: {checkpoint.error}", file=sys.stderr)
        return _write_solved(data, result, out)


def _solve(data, params, coverage, start, progress, time_limit: float):
    """The solve, and for an infeasible scenario the rule that binds."""
    result = solve(data, params, coverage=coverage, hint=start, progress=progress)
    if result.status == "infeasible" and "cannot meet their coverage rule" not in result.message:
        # Say which target or rule binds: short solves with one constraint relaxed.
        diagnosis = explain_infeasibility(data, time_limit=min(30.0, time_limit), params=params)
        if diagnosis.reasons:
            result = dataclasses.replace(result, message=diagnosis.message)
    return result


def _start_plan(path: str, data, coverage) -> Plan:
    """``--start PLAN.csv``: the plan, repaired where it breaks the rules; each
    kind of change on one line of standard error."""
    repair = repair_plan(data, read_plan_csv(path, data), coverage)
    for line in repair.lines(data):
        print(f"start plan: {line}", file=sys.stderr)
    if not repair.changes:
        print("start plan: keeps every rule, used as it is", file=sys.stderr)
    for violation in repair.remaining:
        print(f"start plan: still breaks: {violation}", file=sys.stderr)
    return repair.plan


def _write_solved(data, result, out: Path | None) -> int:
    """Write the result (``None``: plan to standard output, everything else to
    standard error); on an output failure, one line and exit status 3, after
    saving a solved plan elsewhere if possible."""
    table = sys.stderr if out is None else sys.stdout
    try:
        if out is None:
            write_result_to_streams(data, result, sys.stdout, sys.stderr)
        else:
            write_result(data, result, out)
    except OutputError as exc:
        rescue = write_plan_elsewhere(data, result)
        where = (f"; the plan was saved in {rescue}" if rescue is not None
                 else "; run again with --out - to print the plan" if result.plan is not None
                 else "")
        print(f"error: {exc}{where}", file=sys.stderr)
        return EXIT_OUTPUT
    print(RESULT_HEADER, file=table)
    print(_result_row(data.name, result), file=table)
    if result.message:
        print(result.message, file=sys.stderr)
    return EXIT_OK if result.is_feasible() else EXIT_NO_PLAN


def _print_evaluation(data, evaluation, as_json: bool, operator: str | None) -> None:
    payload = evaluation.to_dict()
    if operator is not None:
        if operator not in data.operator_ids:
            raise ScenarioError(f"unknown operator '{operator}'", column="--operator")
        payload["operators"] = {operator: payload["operators"][operator]}
    if as_json:
        print(json.dumps(payload, indent=2, ensure_ascii=False))
        return
    print(f"scenario           {data.name}")
    print(f"hamlet coverage    {payload['hamlet_coverage']:.2%} "
          f"({payload['covered_hamlets']} of {data.num_hamlets} hamlets)")
    print(f"shared-site ratio  {payload['shared_site_ratio']:.2%} "
          f"({payload['shared_sites']} of {payload['active_sites']} active sites; "
          f"target {data.targets.shared_site_ratio:.0%})")
    print(f"system cost (NPV)  {payload['system_cost']:,.1f} {data.currency}")
    for op_id, row in payload["operators"].items():
        print(f"  {op_id:<16} cost {row['cost']:>14,.1f}  rent paid {row['rent_paid']:>12,.1f}"
              f"  received {row['rent_received']:>12,.1f}")
    if payload["violations"]:
        print("violations:")
        for violation in payload["violations"]:
            print(f"  - {violation}")
    else:
        print("violations         none")


def cmd_evaluate(args: argparse.Namespace) -> int:
    """``btsopt evaluate SCENARIO --plan PLAN.csv | --proposal P.csv ...``."""
    data = read_scenario_warned(args.scenario)
    if not args.plan:
        return run_proposal_command(data, args)
    plan = read_plan_csv(args.plan, data)
    evaluation = evaluate(data, plan)
    if args.html:
        atomic_write_text(Path(args.html), render_html(data, evaluation, plan))
    _print_evaluation(data, evaluation, args.json, args.operator)
    return EXIT_OK


def cmd_validate(args: argparse.Namespace) -> int:
    """``btsopt validate SCENARIO``."""
    data = read_scenario_warned(args.scenario)
    coverage = compute_coverage(data)
    reachable = coverage.reachable()
    unreachable = int((reachable < data.hamlets.min_operators).sum())
    baseline = evaluate(data, Plan.existing(data))
    print(f"ok: {data.describe()}")
    print(f"coverage pairs within reach: {coverage.matrix.nnz:,}")
    print(f"hamlets no site can serve as required: {unreachable}")
    print(f"baseline (existing network): coverage {baseline.hamlet_coverage:.2%} "
          f"({baseline.covered_hamlets} of {data.num_hamlets} hamlets), shared-site ratio "
          f"{baseline.shared_site_ratio:.2%} ({baseline.shared_sites} of "
          f"{baseline.active_sites} active sites), cost {baseline.system_cost:,.1f} "
          f"{data.currency}")
    print(f"targets: coverage {data.targets.hamlet_coverage:.0%} ({data.targets.coverage}), "
          f"shared-site ratio {data.targets.shared_site_ratio:.0%} ({data.targets.sharing})")
    return EXIT_OK


def add_parsers(subparsers: argparse._SubParsersAction) -> None:
    """Add ``solve``, ``evaluate`` and ``validate``."""
    p = subparsers.add_parser("solve", help="find the least-cost plan meeting the targets")
    p.add_argument("scenario")
    p.add_argument("--out", default="out",
                   help="output folder (default: out); '-' prints plan.csv to standard output "
                        "and summary.json to standard error")
    p.add_argument("--time-limit", type=float, default=180.0)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--backend", default="core", help="core (default), highs, scip or cpsat")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--gap", type=float, default=1e-3,
                   help="relative gap at which a plan counts as optimal (default 0.001)")
    p.add_argument("--param", action="append", default=[], metavar="KEY=VALUE",
                   help="backend option, repeatable")
    p.add_argument("--settings", metavar="FILE",
                   help="TOML file of the core's settings (default: none, the defaults "
                        "that `btsopt settings` prints)")
    p.add_argument("--log", action="store_true", help="show the backend's log")
    p.add_argument("--force", action="store_true", help="write into a non-empty --out")
    p.add_argument("--quiet", action="store_true", help="no live progress line")
    p.add_argument("--log-json", metavar="FILE", help="write progress events as JSON lines")
    p.add_argument("--checkpoint", type=float, default=None, metavar="SECONDS",
                   help="write the best plan so far (plan.csv, summary.json) into --out every "
                        "SECONDS while solving; 0 turns it off (default: 60 when --time-limit "
                        "is over 120, else off)")
    p.add_argument("--start", metavar="PLAN.csv",
                   help="start from this plan (a checkpoint, last year's plan, a proposal's "
                        "outcome), repaired where it breaks the rules (default: none)")
    p.set_defaults(func=cmd_solve)

    p = subparsers.add_parser("evaluate", help="score a plan or a proposal without solving")
    p.add_argument("scenario")
    group = p.add_mutually_exclusive_group(required=True)
    group.add_argument("--plan")
    group.add_argument("--proposal")
    p.add_argument("--json", action="store_true")
    p.add_argument("--operator", help="limit the cost report to one operator")
    p.add_argument("--against-optimal", action="store_true")
    p.add_argument("--html", metavar="PATH", help="also write a self-contained HTML report")
    p.add_argument("--time-limit", type=float, default=60.0)
    p.set_defaults(func=cmd_evaluate)

    p = subparsers.add_parser("validate", help="check a scenario and show its baseline KPIs")
    p.add_argument("scenario")
    p.set_defaults(func=cmd_validate)
