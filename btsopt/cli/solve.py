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
    EXIT_STATUS_HELP,
    GAP_VOCABULARY,
    at_least_one,
    fmt,
    parse_gap,
    parse_params,
    positive_seconds,
    read_scenario_warned,
    refuse_ignored,
)
from btsopt.cli.proposals import COMPARE_BACKEND, run_proposal_command
from btsopt.diagnose import explain_infeasibility
from btsopt.errors import OutputError, ScenarioError
from btsopt.evaluation import THIRD_PARTY, evaluate
from btsopt.outputs import (
    OUTPUT_MARKER,
    Checkpoint,
    atomic_write_text,
    default_checkpoint_period,
    earlier_outputs,
    foreign_files,
    prepare_out_dir,
    render_html,
    write_plan_elsewhere,
    write_result,
    write_result_to_streams,
)
from btsopt.plan import Plan, read_plan_csv
from btsopt.precheck import MAX_LISTED, precheck, unreachable_hamlets
from btsopt.progress import stop_on_signals, terminal_progress
from btsopt.proposals.proposal import cut_list
from btsopt.radio import compute_coverage
from btsopt.resources import check_resources
from btsopt.solve import BACKENDS, DEFAULT_BACKEND, SolveParams, solve
from btsopt.solvers.core import CoreSettings
from btsopt.solvers.repair import repair_plan

DEFAULT_TIME_LIMIT = SolveParams.time_limit
DEFAULT_GAP = SolveParams.gap


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


def check_out_folder(out: Path, scenario: Path, *, force: bool) -> None:
    """Refuse an ``--out`` that solve must not write into (:class:`OutputError`, exit 3).

    A new or empty folder is fine, and so is one that holds only btsopt's own
    earlier outputs (the files its :data:`~btsopt.outputs.OUTPUT_MARKER` lists):
    they are replaced once the new plan is written (earlier files this run does
    not write are removed), so the same command can run again. A folder with other
    files is refused unless ``force``; the scenario's own folder, a folder
    holding a scenario and a file are always refused (inputs are never
    overwritten).
    """
    if out.exists() and not out.is_dir():
        raise OutputError("--out names a file, not a folder; choose a folder (it is created "
                          "when missing)", file=str(out))
    if out.resolve() == scenario.resolve().parent:
        raise OutputError("--out must not be the scenario's own folder (inputs are never "
                          "overwritten); choose another folder", file=str(out))
    if (out / "scenario.toml").exists():
        raise OutputError("--out holds a scenario (scenario.toml); outputs never overwrite "
                          "inputs: choose another folder", file=str(out))
    foreign = foreign_files(out)
    if foreign and not force:
        shown = ", ".join(foreign[:5]) + (f" and {len(foreign) - 5} more" if len(foreign) > 5
                                          else "")
        raise OutputError(f"the folder holds files btsopt did not write ({shown}); choose a new "
                          "or empty folder, or add --force to write beside them", file=str(out))


def cmd_solve(args: argparse.Namespace) -> int:
    """``btsopt solve SCENARIO --out DIR ...``."""
    data = read_scenario_warned(args.scenario)
    out = None if args.out == "-" else Path(args.out)
    previous = []
    if out is not None:
        check_out_folder(out, Path(args.scenario), force=args.force)
        previous = earlier_outputs(out)
    if args.settings and args.backend != "core":
        raise ScenarioError(f"--settings: the core's settings do nothing with --backend "
                            f"{args.backend}; drop --settings or use --backend core")
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
        prepare_out_dir(out)  # no permission: exit 3 now, not after the solve
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
        return _write_solved(data, result, out, previous, params)


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


def _write_solved(data, result, out: Path | None, previous: list[Path], params) -> int:
    """Write the result (``None``: plan to standard output, everything else to
    standard error); on an output failure, one line and exit status 3, after
    saving a solved plan elsewhere if possible."""
    table = sys.stderr if out is None else sys.stdout
    try:
        if out is None:
            write_result_to_streams(data, result, sys.stdout, sys.stderr)
        else:
            written = write_result(data, result, out)
            for path in set(previous) - set(written):
                if path.name != OUTPUT_MARKER:
                    path.unlink(missing_ok=True)  # an earlier run's file this run did not write
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
    where = "standard output" if out is None else out
    if result.status == "optimal" and params.gap > 0:
        print(f"optimal: proven within the stopping gap of {params.gap:.2%} (--gap); the gap "
              "column is this plan's proven distance from the optimum (--gap 0 for the exact "
              f"optimum); outputs in {where}", file=sys.stderr)
    elif result.is_feasible():
        print(f"outputs in {where}", file=sys.stderr)
    return EXIT_OK if result.is_feasible() else EXIT_NO_PLAN


THIRD_PARTY_LABEL = "tower companies"
"""How the owners of sites that are not operators (``third_party`` in JSON) are named."""


def operator_table(payload: dict, with_total: bool = True) -> str:
    """Per-operator costs and rents (NPV), the tower companies' row, and their total.

    ``cost`` of the rows adds up to the system cost (rents move money between
    parties and cancel out); ``payload`` is :meth:`Evaluation.to_dict`'s.
    """
    rows = list(payload["operators"].items())
    if with_total:
        rows.append((THIRD_PARTY_LABEL, payload[THIRD_PARTY]))
    lines = [f"  {'party':<18}{'cost':>16}{'rent paid':>14}{'rent received':>15}"]
    for name, row in rows:
        lines.append(f"  {name:<18}{row['cost']:>16,.1f}{row['rent_paid']:>14,.1f}"
                     f"{row['rent_received']:>15,.1f}")
    if with_total:
        lines.append(f"  {'total':<18}{sum(r['cost'] for _, r in rows):>16,.1f}"
                     f"{'':>14}{'':>15}  (= system cost; rents cancel out)")
    return "\n".join(lines)


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
    print(operator_table(payload, operator is None))
    if payload["violations"]:
        print("violations:")
        for violation in payload["violations"]:
            print(f"  - {violation}")
    else:
        print("violations         none")


def cmd_evaluate(args: argparse.Namespace) -> int:
    """``btsopt evaluate SCENARIO --plan PLAN.csv | --proposal P.csv ...``."""
    comparing = {"time_limit": 60.0, "backend": COMPARE_BACKEND, "workers": 2,
                 "gap": DEFAULT_GAP}
    if args.plan:
        refuse_ignored(args, {"against_optimal": False, "all": False, **comparing},
                       "used only with --proposal (a plan is scored as it is)")
    elif not args.against_optimal:
        refuse_ignored(args, comparing, "used only with --against-optimal")
    if args.json and args.all:
        print("warning: --all changes nothing with --json (JSON lists everything)",
              file=sys.stderr)
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
    """``btsopt validate SCENARIO``: the files, then the checks ``solve`` makes before searching.

    Exit 0 when nothing rules a plan out (only a solve can prove one exists),
    1 when a search-free check already shows that no plan can meet the targets
    (as ``solve`` would), 2 on bad input.
    """
    data = read_scenario_warned(args.scenario)
    coverage = compute_coverage(data)
    diagnosis = precheck(data, coverage)
    unreachable, _, described, _ = unreachable_hamlets(data, coverage)
    baseline = evaluate(data, Plan.existing(data))
    verdict = "no plan possible" if diagnosis.reasons else "ok"
    print(f"{verdict}: {data.describe()}")
    print(f"coverage pairs within reach: {coverage.matrix.nnz:,}")
    names = cut_list([data.hamlets.ids[i] for i in unreachable], None if args.all else MAX_LISTED)
    print(f"hamlets no usable site can serve as their rule asks: {unreachable.size}"
          + (f" ({names})" if unreachable.size else ""))
    print(f"baseline (existing network): coverage {baseline.hamlet_coverage:.2%} "
          f"({baseline.covered_hamlets} of {data.num_hamlets} hamlets), shared-site ratio "
          f"{baseline.shared_site_ratio:.2%} ({baseline.shared_sites} of "
          f"{baseline.active_sites} active sites), cost {baseline.system_cost:,.1f} "
          f"{data.currency}")
    print(f"targets: coverage {data.targets.hamlet_coverage:.0%} ({data.targets.coverage}), "
          f"shared-site ratio {data.targets.shared_site_ratio:.0%} ({data.targets.sharing})")
    if not diagnosis.reasons:
        print("checks before search: nothing rules out a plan (only `btsopt solve` can prove "
              "that one exists)")
        return EXIT_OK
    print(f"checks before search: no plan can meet the targets, for {len(diagnosis.reasons)} "
          "reason(s):")
    for number, reason in enumerate(diagnosis.reasons, 1):
        print(f"  {number}. {reason}")
    return EXIT_NO_PLAN


def add_parsers(subparsers: argparse._SubParsersAction) -> None:
    """Add ``solve``, ``evaluate`` and ``validate``."""
    p = subparsers.add_parser(
        "solve", help="find the least-cost plan meeting the targets",
        description="Find the least-cost plan that meets the scenario's targets, with a proven "
                    "lower bound, and write plan.csv, summary.json, sites.csv, hamlets.csv, "
                    "report.md, report.html and GeoJSON into --out. Running the same command "
                    "again replaces the earlier outputs.",
        epilog=f"{GAP_VOCABULARY} {EXIT_STATUS_HELP}",
    )
    p.add_argument("scenario", help="the scenario's TOML file")
    p.add_argument("--out", default="out", metavar="DIR",
                   help="output folder, created when missing; a folder holding only an "
                        "earlier run's outputs is replaced, one with other files is refused; "
                        "'-' prints plan.csv to standard output and summary.json to standard "
                        "error (default: out)")
    p.add_argument("--time-limit", type=positive_seconds, default=DEFAULT_TIME_LIMIT,
                   metavar="S",
                   help="seconds for the whole solve; when they run out the best plan so far "
                        "is written with its bound (default: %(default)g)")
    p.add_argument("--seed", type=int, default=0, metavar="N",
                   help="random seed: the same scenario, seed and settings give the same plan "
                        "(default: %(default)s)")
    p.add_argument("--backend", choices=tuple(BACKENDS), default=DEFAULT_BACKEND,
                   help="solver: core (btsopt's own), highs, scip or cpsat "
                        "(default: %(default)s)")
    p.add_argument("--workers", type=at_least_one, default=2, metavar="N",
                   help="threads for the backend (default: %(default)s)")
    p.add_argument("--gap", type=parse_gap, default=DEFAULT_GAP, metavar="G",
                   help="stopping gap: the search stops once the plan is proven within G of "
                        "the optimum and calls it optimal; a fraction (0.001) or a percentage "
                        "(0.1%%); 0 asks for the exact optimum (default: 0.001 = 0.1%%)")
    p.add_argument("--param", action="append", default=[], metavar="KEY=VALUE",
                   help="backend option handed through unchanged, repeatable (default: none)")
    p.add_argument("--settings", metavar="FILE",
                   help="TOML file of the core's settings, for --backend core (default: "
                        "none, the defaults that `btsopt settings` prints)")
    p.add_argument("--log", action="store_true",
                   help="show the backend's own log (default: off)")
    p.add_argument("--force", action="store_true",
                   help="write into a folder that holds other files too, beside them "
                        "(default: off)")
    p.add_argument("--quiet", action="store_true",
                   help="no live progress line on stderr (default: off)")
    p.add_argument("--log-json", metavar="FILE",
                   help="also write the progress events as JSON lines to FILE (default: none)")
    p.add_argument("--checkpoint", type=float, default=None, metavar="SECONDS",
                   help="write the best plan so far (plan.csv, summary.json) into --out every "
                        "SECONDS while solving; 0 turns it off (default: 60 when --time-limit "
                        "is over 120, else off)")
    p.add_argument("--start", metavar="PLAN.csv",
                   help="start from this plan (a checkpoint, last year's plan, a proposal's "
                        "outcome), repaired where it breaks the rules (default: none)")
    p.set_defaults(func=cmd_solve)

    p = subparsers.add_parser(
        "evaluate", help="score a plan or a proposal without solving",
        description="Score a plan (the outcome tenancies) or a proposal (changes against "
                    "today's network) with the independent evaluator, without solving.",
        epilog="A proposal is 'not admissible' when it breaks a rule through its own rows "
               "(tenant limits, allowed operators, locks, relocation, decommissioning, "
               "hamlets losing coverage): exit 1. Province-wide targets the outcome does not "
               "reach (coverage, shared-site ratio, budget) are listed apart and leave the "
               f"exit status 0. {GAP_VOCABULARY} {EXIT_STATUS_HELP}",
    )
    p.add_argument("scenario", help="the scenario's TOML file")
    group = p.add_mutually_exclusive_group(required=True)
    group.add_argument("--plan", metavar="PLAN.csv",
                       help="a plan: site_id,operator_id[,action] (one of --plan and "
                            "--proposal is required; default: none)")
    group.add_argument("--proposal", metavar="PROPOSAL.csv",
                       help="a proposal: operator_id,site_id,action with action colocate, "
                            "build or remove (default: none)")
    p.add_argument("--json", action="store_true",
                   help="print one JSON object instead of text; ratios and gaps as fractions "
                        "(default: off)")
    p.add_argument("--operator", metavar="ID",
                   help="limit the per-operator report to one operator (default: every "
                        "operator, and the tower companies)")
    p.add_argument("--html", metavar="PATH",
                   help="also write a self-contained HTML report (default: none)")
    p.add_argument("--all", action="store_true",
                   help="list every hamlet and change in full instead of the first "
                        f"{MAX_LISTED} (default: off)")
    p.add_argument("--against-optimal", action="store_true",
                   help="proposals only: also solve for the optimum and the proposal's best "
                        "completion, and compare (default: off)")
    p.add_argument("--time-limit", type=positive_seconds, default=60.0, metavar="S",
                   help="with --against-optimal: seconds for each of its solves (default: "
                        "%(default)g; solve's default is 180 for one solve)")
    p.add_argument("--backend", choices=tuple(BACKENDS), default=COMPARE_BACKEND,
                   help="with --against-optimal: the solver (default: %(default)s, as in "
                        "frontier; solve's default is core)")
    p.add_argument("--workers", type=at_least_one, default=2, metavar="N",
                   help="with --against-optimal: threads for the solver (default: "
                        "%(default)s)")
    p.add_argument("--gap", type=parse_gap, default=DEFAULT_GAP, metavar="G",
                   help="with --against-optimal: stopping gap of its solves, a fraction or a "
                        "percentage (default: 0.001 = 0.1%%, as in solve)")
    p.set_defaults(func=cmd_evaluate)

    p = subparsers.add_parser(
        "validate", help="check a scenario and what rules a plan out before any search",
        description="Read and check the scenario's files, show its size and today's network, "
                    "and run the checks solve makes before searching (hamlets no usable site "
                    "serves, policy conflicts, the ceiling of the shared-site ratio), naming "
                    "what they find.",
        epilog="Exit status: 0 nothing rules a plan out (only solve can prove one exists), "
               "1 no plan can meet the targets (the reasons are listed), 2 bad input.",
    )
    p.add_argument("scenario", help="the scenario's TOML file")
    p.add_argument("--all", action="store_true",
                   help=f"name every hamlet no usable site serves, not only the first "
                        f"{MAX_LISTED} (default: off)")
    p.set_defaults(func=cmd_validate)
