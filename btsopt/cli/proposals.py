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

from btsopt.cli.common import EXIT_NO_PLAN, EXIT_OK, read_scenario_warned, to_json
from btsopt.errors import ScenarioError
from btsopt.evaluation import evaluate
from btsopt.outputs import atomic_write_text, render_html
from btsopt.proposals.frontier import frontier, highest_reachable_ratio
from btsopt.proposals.pricing import compare_with_optimal
from btsopt.proposals.proposal import evaluate_proposal, format_proposal_text, read_proposal
from btsopt.radio import compute_coverage
from btsopt.solve import SolveParams


def _params(args: argparse.Namespace):
    try:
        return SolveParams(
            time_limit=float(args.time_limit),
            backend=getattr(args, "backend", None) or "highs",
            workers=int(getattr(args, "workers", None) or 2),
        )
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
        0 once evaluated, violations or not.
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
        return EXIT_OK
    print(format_proposal_text(data, evaluation, operator))
    if comparison is not None:
        print(comparison.format_text(data.currency))
        if operator is not None:
            costs = _operator_costs(comparison, operator)
            print(f"  {operator}'s own NPV (cost + rent paid - rent received): " + ", ".join(
                f"{name} {row['npv']:,.1f}" for name, row in costs.items()))
    return EXIT_OK


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
    if args.points < 1:
        raise ScenarioError("must be at least 1", column="--points")
    data = read_scenario_warned(args.scenario)
    out = Path(args.out)
    if out.resolve() == Path(args.scenario).resolve().parent:
        raise ScenarioError("--out must not be the scenario's own folder", file=str(out))
    params = _params(args)
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

    result = frontier(data, ratios, args.points, params, coverage=coverage,
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
          f"{out / 'report.html'}, {plans}/", file=sys.stderr)
    return EXIT_OK if any(p.cost is not None for p in result.points) else EXIT_NO_PLAN


def _write_frontier_report(data, result, path: Path) -> None:
    """report.html of the frontier point nearest the scenario's target, with the chart."""
    with_plan = [p for p in result.points if p.plan is not None]
    if not with_plan:
        return
    point = min(with_plan, key=lambda p: abs(p.target - data.targets.shared_site_ratio))
    evaluation = evaluate(data, point.plan)
    title = f"{data.name}: cost-of-sharing frontier (plan at {point.target:.0%} shown)"
    atomic_write_text(path, render_html(data, evaluation, point.plan, frontier=result,
                                        title=title))


def write_proposal_report(data, evaluation, path: str | Path) -> None:
    """report.html of the network after a proposal."""
    atomic_write_text(Path(path), render_html(data, evaluation.after, evaluation.plan,
                                              title=f"{data.name}: proposal"))


def add_parsers(subparsers: argparse._SubParsersAction) -> None:
    """Add ``btsopt frontier`` to the command line."""
    p = subparsers.add_parser(
        "frontier", help="cheapest plan per shared-site ratio (cost of sharing)",
        description="Cheapest plan for each shared-site ratio from today's up to the highest "
                    "reachable one (or --ratios), with proven gaps; writes frontier.csv, "
                    "frontier.png (Plan 137 target marked), frontier.json and plans/ to --out.",
    )
    p.add_argument("scenario")
    p.add_argument("--ratios", help="comma-separated targets, e.g. 0.1,0.2,0.3 (or 30%%)")
    p.add_argument("--points", type=int, default=10,
                   help="number of points when --ratios is not given (default 10)")
    p.add_argument("--out", default="frontier", help="output folder (default: frontier)")
    p.add_argument("--time-limit", type=float, default=60.0,
                   help="seconds per point (default 60)")
    p.add_argument("--marginal", action="store_true",
                   help="also price one more shared site at each point")
    p.add_argument("--backend", default="highs", help="highs (default), scip or cpsat")
    p.add_argument("--workers", type=int, default=2)
    p.set_defaults(func=cmd_frontier)
