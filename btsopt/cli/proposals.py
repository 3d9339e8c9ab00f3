"""``btsopt evaluate --proposal`` and ``btsopt frontier``.

``evaluate SCENARIO --proposal FILE [--json] [--operator ID] [--against-optimal]
[--time-limit S]`` (dispatched here by :mod:`btsopt.cli.solve`) and
``frontier``. Exit status: 0 evaluated (violations or not) / frontier with
at least one plan; 1 no plan at all; 2 bad input.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from btsopt.cli.common import (
    EXIT_NO_PLAN,
    EXIT_NOT_ADMISSIBLE,
    EXIT_OK,
    GAP_VOCABULARY,
    at_least_one,
    parse_gap,
    positive_seconds,
    read_scenario_warned,
    to_json,
)
from btsopt.errors import ScenarioError
from btsopt.evaluation import evaluate
from btsopt.outputs import atomic_write_text, build_tables, render_html
from btsopt.outputs.files import worklist_csv
from btsopt.proposals.frontier import frontier, highest_reachable_ratio
from btsopt.proposals.pricing import compare_with_optimal
from btsopt.proposals.proposal import (
    LIST_LIMIT,
    evaluate_proposal,
    format_proposal_text,
    read_proposal,
)
from btsopt.radio import compute_coverage
from btsopt.solve import BACKENDS, SolveParams

DEFAULT_POINTS = 10
"""Ratios of a frontier when ``--ratios`` is not given."""


COMPARE_BACKEND = "highs"
"""Default backend of ``frontier`` and ``evaluate --against-optimal`` (solve's is ``core``);
each help text says so where the default shows."""

CAPACITY_FRONTIER_BACKEND = "core"
"""Default backend of ``frontier`` on a scenario with ``[demand]``: HiGHS alone rarely
finds a plan of the whole capacitated model in a point's time; the core starts
from a plan that carries the demand."""


def _params(args: argparse.Namespace, backend: str | None = None) -> SolveParams:
    try:
        return SolveParams(time_limit=float(args.time_limit), backend=backend or args.backend,
                           workers=int(args.workers), gap=float(args.gap))
    except ValueError as exc:
        raise ScenarioError(str(exc), column="--time-limit") from None


def _operator_costs(comparison, operator: str) -> dict[str, Any]:
    """One operator's cost figures in the proposal, its completion and the optimum."""
    out: dict[str, Any] = {
        "proposal": comparison.proposal.after.operators[operator],
    }
    if comparison.completion_evaluation is not None:
        out["completion"] = comparison.completion_evaluation.operators[operator]
    if comparison.optimal.evaluation is not None:
        out["optimal"] = comparison.optimal.evaluation.operators[operator]
    return out


def run_proposal_command(data, args: argparse.Namespace) -> int:
    """``btsopt evaluate SCENARIO --proposal FILE ...``: report before and after.

    Parameters
    ----------
    data
        The scenario (already read).
    args
        ``proposal``, ``json``, ``operator``, ``against_optimal`` and
        ``time_limit`` (seconds per solve).

    Returns
    -------
    int
        1 when the proposal breaks a rule (not admissible), else 0, even when
        province-wide targets are not met (they are listed apart).
    """
    operator = getattr(args, "operator", None)
    if operator is not None and operator not in data.operator_ids:
        raise ScenarioError(f"unknown operator '{operator}' (operators: "
                            f"{', '.join(data.operator_ids)})", column="--operator")
    proposal = read_proposal(args.proposal, data)
    evaluation = evaluate_proposal(data, proposal)
    if getattr(args, "html", None):
        write_proposal_report(data, evaluation, args.html)
    comparison = None
    if getattr(args, "against_optimal", False):
        comparison = compare_with_optimal(data, proposal, _params(args), evaluation=evaluation)

    if args.json:
        payload = evaluation.to_dict(operator)
        if comparison is not None:
            payload["against_optimal"] = comparison.to_dict()
            if operator is not None:
                payload["against_optimal"]["operator_costs"] = _operator_costs(comparison,
                                                                               operator)
        print(to_json(payload))
        return EXIT_NOT_ADMISSIBLE if evaluation.rule_breaches else EXIT_OK
    limit = None if args.all else LIST_LIMIT
    print(format_proposal_text(data, evaluation, operator, limit=limit))
    if comparison is not None:
        print(comparison.format_text(data.currency, limit=limit))
        if operator is not None:
            costs = _operator_costs(comparison, operator)
            print(f"  {operator}'s own NPV (cost + rent paid - rent received): " + ", ".join(
                f"{name} {row['npv']:,.1f}" for name, row in costs.items()))
    return EXIT_NOT_ADMISSIBLE if evaluation.rule_breaches else EXIT_OK


def _parse_ratios(text: str) -> list[float]:
    ratios = []
    for item in text.split(","):
        item = item.strip()
        if not item:
            continue
        try:
            value = float(item.rstrip("%")) / (100 if item.endswith("%") else 1)
        except ValueError:
            raise ScenarioError(f"not a number: '{item}'", column="--ratios") from None
        if not 0.0 <= value <= 1.0:
            raise ScenarioError(f"ratio {item} is outside [0, 1]", column="--ratios")
        ratios.append(value)
    if not ratios:
        raise ScenarioError("no ratio given", column="--ratios")
    return ratios


def cmd_frontier(args: argparse.Namespace) -> int:
    """``btsopt frontier SCENARIO ...``: table on stdout, CSV, PNG and plans in ``--out``."""
    ratios = _parse_ratios(args.ratios) if args.ratios else None
    if args.ratios and args.points is not None:
        raise ScenarioError("--points is for an even spread; --ratios names the points "
                            "itself: give one of them", column="--points")
    data = read_scenario_warned(args.scenario)
    out = Path(args.out)
    if out.resolve() == Path(args.scenario).resolve().parent:
        raise ScenarioError("--out must not be the scenario's own folder", file=str(out))
    default = COMPARE_BACKEND if data.demand is None else CAPACITY_FRONTIER_BACKEND
    params = _params(args, args.backend or default)
    coverage = compute_coverage(data)
    reachable = None
    if ratios is None:
        reachable = highest_reachable_ratio(data, params, coverage=coverage)
        proof = "proven" if reachable.proven else f"not proven; at most {reachable.upper_bound:.2%}"
        print(f"highest reachable shared-site ratio: {reachable.ratio:.2%} ({reachable.method}, "
              f"{proof}, {reachable.wall_time:.1f} s)", file=sys.stderr)

    def progress(point) -> None:
        print(f"  target {point.target:.2%}: {point.status}, {point.wall_time:.1f} s",
              file=sys.stderr)

    points = DEFAULT_POINTS if args.points is None else args.points
    result = frontier(data, ratios, points, params, coverage=coverage,
                      marginal=args.marginal, reachable=reachable, progress=progress)
    print(f"frontier of {data.name}: today's ratio {result.today:.2%}, target "
          f"{result.target:.0%}, money in {data.currency}, {result.wall_time:.1f} s")
    print(result.format_table())
    out.mkdir(parents=True, exist_ok=True)
    result.write_csv(out / "frontier.csv")
    result.plot(out / "frontier.png")
    plans = out / "plans"
    plans.mkdir(exist_ok=True)
    for point in result.points:
        if point.plan is not None:
            point.plan.write_csv(plans / f"plan_{point.target:.4f}.csv", data)
    (out / "frontier.json").write_text(to_json(result.to_dict()), encoding="utf-8")
    _write_frontier_report(data, result, out / "report.html")
    print(f"wrote {out / 'frontier.csv'}, {out / 'frontier.png'}, {out / 'frontier.json'}, "
          f"{out / 'report.html'}, {out / 'worklist.csv'}, {plans}/", file=sys.stderr)
    return EXIT_OK if any(p.cost is not None for p in result.points) else EXIT_NO_PLAN


def _write_frontier_report(data, result, path: Path) -> None:
    """report.html of the frontier point nearest the scenario's target, with the chart
    above the map, and that plan's worklist.csv beside it."""
    with_plan = [p for p in result.points if p.plan is not None]
    if not with_plan:
        return
    point = min(with_plan, key=lambda p: abs(p.target - data.targets.shared_site_ratio))
    evaluation = evaluate(data, point.plan)
    tables = build_tables(data, evaluation, point.plan)
    title = f"{data.name}: cost-of-sharing frontier (plan at {point.target:.0%} shown)"
    gap = "-" if point.gap is None else f"{point.gap:.3%}"
    context = (f"the frontier's plan for a shared-site ratio of at least {point.target:.0%}: "
               f"status {point.status}, gap {gap}, solved in {point.wall_time:.1f} s")
    atomic_write_text(path, render_html(data, evaluation, point.plan, frontier=result,
                                        title=title, tables=tables, context=context))
    atomic_write_text(path.parent / "worklist.csv", worklist_csv(tables.worklist))


def write_proposal_report(data, evaluation, path: str | Path) -> None:
    """report.html of the network after a proposal."""
    atomic_write_text(Path(path), render_html(
        data, evaluation.after, evaluation.plan, title=f"{data.name}: proposal",
        context="the network after the proposal (evaluated, no solve)"))


def add_parsers(subparsers: argparse._SubParsersAction) -> None:
    """Add ``btsopt frontier`` to the command line."""
    p = subparsers.add_parser(
        "frontier", help="cheapest plan per shared-site ratio (cost of sharing)",
        description="Cheapest plan for each shared-site ratio from today's up to the highest "
                    "reachable one (or --ratios), with proven gaps; writes frontier.csv, "
                    "frontier.png (Plan 137 target marked), frontier.json, report.html and "
                    "plans/ to --out.",
        epilog=f"{GAP_VOCABULARY} Exit status: 0 at least one point has a plan, 1 none has, "
               "2 bad input, 3 an output cannot be written.",
    )
    p.add_argument("scenario", help="the scenario's TOML file")
    p.add_argument("--ratios", metavar="R[,R...]",
                   help="the shared-site ratios to solve, comma-separated, as fractions or "
                        "percentages: 0.1,0.2,0.3 or 10%%,20%%,30%% (default: --points "
                        "ratios from today's up to the highest reachable)")
    p.add_argument("--points", type=at_least_one, default=None, metavar="N",
                   help=f"how many evenly spread ratios when --ratios is not given "
                        f"(default: {DEFAULT_POINTS})")
    p.add_argument("--out", default="frontier", metavar="DIR",
                   help="output folder, created when missing (default: frontier)")
    p.add_argument("--time-limit", type=positive_seconds, default=60.0, metavar="S",
                   help="seconds for each point's solve (default: %(default)g per point; "
                        "solve's default is 180 for its one solve)")
    p.add_argument("--gap", type=parse_gap, default=SolveParams.gap, metavar="G",
                   help="stopping gap of each point's solve, a fraction or a percentage "
                        "(default: 0.001 = 0.1%%, as in solve)")
    p.add_argument("--marginal", action="store_true",
                   help="also price one more shared site at each point (default: off)")
    p.add_argument("--backend", choices=tuple(BACKENDS), default=None,
                   help=f"solver for the points (default: {COMPARE_BACKEND}, and "
                        f"{CAPACITY_FRONTIER_BACKEND} for a scenario with [demand]; solve's "
                        "default is core)")
    p.add_argument("--workers", type=at_least_one, default=2, metavar="N",
                   help="threads for the solver (default: %(default)s)")
    p.set_defaults(func=cmd_frontier)
