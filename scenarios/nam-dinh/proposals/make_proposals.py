"""Regenerate the example proposals of the Nam Định scenario.

Run from the repository root::

    PYTHONPATH=. python scenarios/nam-dinh/proposals/make_proposals.py \
        [--optimal-time 600 | --optimal-plan out/plan.csv]

Writes ``dead-spots.csv``, ``dead-spots-shared.csv`` and ``breaks-rules.csv``
(deterministic, seconds) and, with ``--optimal-time`` > 0, ``optimal.csv``
from a solve of that many seconds (the optimum's changes to today's
network), or with ``--optimal-plan`` from a ``plan.csv`` already solved. See ``README.md`` for what each one shows.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from btsopt import Plan, SolveParams, evaluate, read_plan_csv, read_scenario, solve
from btsopt.proposals import Change, Proposal, share_more
from btsopt.radio import compute_coverage

HERE = Path(__file__).resolve().parent
SCENARIO = HERE.parent / "scenario.toml"


def dead_spot_builds(data, coverage) -> list[Change]:
    """Greedy: the candidate and operator covering most dead hamlets per unit cost.

    The kind of cover a planner sketches by hand: each pick builds one
    candidate for one operator, until every hamlet today's network misses
    is served.
    """
    today = evaluate(data, Plan.existing(data))
    dead = ~today.hamlet_covered
    annuity = data.economics.annuity_factor
    matrix = coverage.matrix.tocsc()
    num_ops = data.num_operators
    candidates = np.flatnonzero(~data.sites.existing)
    changes: list[Change] = []
    built: set[int] = set()
    while dead.any():
        best, best_score = None, 0.0
        for j in candidates:
            if j in built:
                continue
            for k in np.flatnonzero(data.sites.allowed[j]):
                col = matrix[:, j * num_ops + k]
                gain = int(dead[col.indices].sum())
                if gain == 0:
                    continue
                op = data.operators[k]
                cost = (data.sites.capex[j] + data.sites.opex_per_year[j] * annuity
                        + op.tenancy_capex + op.tenancy_opex_per_year * annuity)
                if gain / cost > best_score:
                    best, best_score = (j, k, col.indices), gain / cost
        if best is None:
            raise RuntimeError("some dead hamlets cannot be reached from a candidate")
        j, k, hamlets = best
        built.add(j)
        dead[hamlets] = False
        changes.append(Change(data.operators[k].id, data.sites.ids[j], "build"))
    return changes


def rule_breakers(data, coverage) -> list[Change]:
    """One row per rule: an operator not allowed, a full site, a removal that uncovers."""
    sites, before = data.sites, data.tenancies
    ops = data.operator_ids
    security = next(j for j in range(data.num_sites)
                    if sites.existing[j] and (~sites.allowed[j]).any())
    outsider = int(np.flatnonzero(~sites.allowed[security] & ~before[security])[0])
    full = next(j for j in range(data.num_sites) if before[j].sum() >= sites.max_tenants[j])
    fourth = int(np.flatnonzero(~before[full])[0])
    # A tenancy on a shared site that alone serves some hamlet: removing it is
    # a relocation the policy forbids, and loses coverage (the site stays active).
    matrix = coverage.matrix.tocsc()
    columns = np.flatnonzero(before.ravel())
    served_by = np.asarray(matrix[:, columns].sum(axis=1)).ravel()
    removal = next(
        (j, k) for j in np.flatnonzero(before.sum(axis=1) >= 2) for k in np.flatnonzero(before[j])
        if (served_by[matrix[:, j * data.num_operators + k].indices] == 1).any()
    )
    j, k = removal
    return [
        Change(ops[outsider], sites.ids[security], "colocate"),
        Change(ops[fourth], sites.ids[full], "colocate"),
        Change(ops[k], sites.ids[j], "remove"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--optimal-time", type=float, default=0.0,
                        help="solve this many seconds and write optimal.csv")
    parser.add_argument("--optimal-plan", help="write optimal.csv from this plan.csv instead")
    args = parser.parse_args()
    data = read_scenario(SCENARIO)
    coverage = compute_coverage(data)

    builds = dead_spot_builds(data, coverage)
    dead = Proposal.from_changes(data, builds)
    dead.write_csv(HERE / "dead-spots.csv")

    # The same builds, then the cheapest second tenants up to the 30% target.
    shared_plan = share_more(data, dead.apply(data), data.targets.shared_site_ratio)
    extra = shared_plan.tenancies & ~dead.apply(data).tenancies
    colocations = [Change(data.operator_ids[k], data.sites.ids[j], "colocate")
                   for j, k in zip(*np.nonzero(extra), strict=True)]
    Proposal.from_changes(data, [*builds, *colocations]).write_csv(
        HERE / "dead-spots-shared.csv")

    Proposal.from_changes(data, rule_breakers(data, coverage)).write_csv(
        HERE / "breaks-rules.csv")

    if args.optimal_plan:
        plan = read_plan_csv(args.optimal_plan, data)
        Proposal.from_plan(data, plan).write_csv(HERE / "optimal.csv")
    elif args.optimal_time > 0:
        result = solve(data, SolveParams(time_limit=args.optimal_time), coverage=coverage)
        print(result)
        Proposal.from_plan(data, result.plan).write_csv(HERE / "optimal.csv")


if __name__ == "__main__":
    main()
