"""Why a scenario has no plan, in words a planner can act on.

:func:`explain_infeasibility` turns the solver's bare "infeasible" into
reasons, cheapest checks first:

1. *Unreachable hamlets* and 2. *policy conflicts*: no search
   (:func:`btsopt.precheck.precheck`, which :func:`btsopt.solve.solve` and
   ``btsopt validate`` also run).
3. *Sharing target*: the closed-form bound of
   :func:`btsopt.proposals.frontier.highest_reachable_ratio` (and its
   bisection when needed) gives the highest reachable shared-site ratio; the
   counts of sites that cannot be shared say what binds it.
4. *Budget*: the least cost meeting the targets without the budget.
5. Otherwise one constraint at a time is relaxed (sharing target, budget,
   hamlet coverage) in short solves, naming those that bind.

Steps 3-5 analyse the scenario *without* the problems found before them
(unreachable hamlets left out, budget lifted), so every reason stands on its
own: fixing the unreachable hamlets alone would still leave the sharing
reason, and so on.

This module sits above :mod:`btsopt.solve` and :mod:`btsopt.proposals` (it
solves); the findings' records live in :mod:`btsopt.precheck`, below the
solver, and the memory estimate in :mod:`btsopt.resources`. Both are
re-exported here.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from btsopt.data import Hamlets, ProblemData
from btsopt.precheck import (
    _EPS,
    MAX_LISTED,
    BudgetLimit,
    Diagnosis,
    Relaxation,
    SharingLimit,
    UnreachableHamlet,
    _closed_form_upper,
    _sharing_counts,
    closed_form_sharing_limit,
    policy_conflicts,
    precheck,
    unreachable_hamlets,
)
from btsopt.proposals.frontier import highest_reachable_ratio
from btsopt.radio import Coverage, compute_coverage
from btsopt.resources import (
    BASE_BYTES,
    BYTES_PER_HAMLET,
    BYTES_PER_PAIR,
    BYTES_PER_SITE_OPERATOR,
    ResourceError,
    check_resources,
    estimate_coverage_nnz,
    estimate_memory,
)
from btsopt.solve import SolveParams, solve

__all__ = [
    "BASE_BYTES",
    "BYTES_PER_HAMLET",
    "BYTES_PER_PAIR",
    "BYTES_PER_SITE_OPERATOR",
    "MAX_LISTED",
    "BudgetLimit",
    "Diagnosis",
    "Relaxation",
    "ResourceError",
    "SharingLimit",
    "UnreachableHamlet",
    "check_resources",
    "estimate_coverage_nnz",
    "estimate_memory",
    "explain_infeasibility",
    "policy_conflicts",
    "precheck",
]


def _subset_hamlets(
    data: ProblemData, coverage: Coverage, keep: np.ndarray
) -> tuple[ProblemData, Coverage]:
    """The scenario restricted to the hamlets in ``keep`` (indices)."""
    h = data.hamlets
    hamlets = Hamlets(
        ids=tuple(h.ids[i] for i in keep), lon=h.lon[keep], lat=h.lat[keep],
        population=h.population[keep], area_type=h.area_type[keep],
        min_operators=h.min_operators[keep], name=tuple(h.name[i] for i in keep),
        commune=tuple(h.commune[i] for i in keep), district=tuple(h.district[i] for i in keep),
    )
    explicit = None if data.explicit_coverage is None else data.explicit_coverage[keep]
    sub = replace(data, hamlets=hamlets, explicit_coverage=explicit, warnings=())
    return sub, Coverage(coverage.matrix[keep, :].tocsc(), coverage.num_operators)


def _with_targets(data: ProblemData, **changes) -> ProblemData:
    return replace(data, targets=replace(data.targets, **changes), warnings=())

# ---------------------------------------------------------------------------
# explain_infeasibility
# ---------------------------------------------------------------------------


def explain_infeasibility(
    data: ProblemData,
    coverage: Coverage | None = None,
    time_limit: float = 30.0,
    params=None,
    *,
    search: bool = True,
) -> Diagnosis:
    """Reasons a scenario has no plan, in words a planner can act on.

    Parameters
    ----------
    data
        The scenario (typically one :func:`btsopt.solve.solve` found infeasible).
    coverage
        Its coverage matrix (computed when omitted).
    time_limit
        Seconds for each solve the diagnosis makes (the highest-ratio
        bisection shares one such limit over its solves). Checks 1-2 need
        no solve; a scenario with only those problems costs no search.
    params
        :class:`btsopt.solve.SolveParams` for those solves (backend, seed,
        workers); its time limit is replaced by ``time_limit``.
    search
        ``False``: only the checks that need no solve (unreachable hamlets,
        policy conflicts, the closed-form sharing bound). Safe to call from
        inside :func:`btsopt.solve.solve`, which it then never calls.

    Returns
    -------
    Diagnosis
        ``reasons`` in order of the module docstring, with the findings.
    """
    if not search:
        return precheck(data, coverage)
    params = replace(params or SolveParams(), time_limit=float(time_limit))
    coverage = coverage if coverage is not None else compute_coverage(data)
    targets = data.targets

    # 1. Hamlets no usable site reaches (the same rule as build_model).
    unreachable, breaks_coverage, described, reason = unreachable_hamlets(data, coverage)
    reasons: list[str] = [reason] if reason else []

    # 2. Policy conflicts: no search needed, and every solve would fail on them.
    conflicts = policy_conflicts(data)
    reasons.extend(conflicts)

    # The rest is analysed without the problems found so far.
    base, base_cov = data, coverage
    if breaks_coverage:
        keep = np.setdiff1d(np.arange(data.num_hamlets), unreachable)
        base, base_cov = _subset_hamlets(data, coverage, keep)
    budget_free = _with_targets(base, budget=math.inf)

    # 3. Sharing target (hard).
    sharing: SharingLimit | None = None
    sharing_hard = targets.sharing == "hard" and targets.shared_site_ratio > 0
    counts = _sharing_counts(data)
    upper = _closed_form_upper(counts)
    free_result = None
    if sharing_hard and not conflicts:
        out_of_reach = targets.shared_site_ratio > upper + _EPS
        if not out_of_reach:
            # Within the closed-form bound: one solve tells whether it is reached.
            free_result = solve(budget_free, params, coverage=base_cov)
            out_of_reach = not free_result.is_feasible()
        if out_of_reach:
            reach_params = replace(params, time_limit=max(0.5, time_limit / 4))
            found = highest_reachable_ratio(budget_free, reach_params, coverage=base_cov,
                                            max_solves=4)
            # No plan at any ratio: something else blocks, left to the relaxations.
            no_plan = found.plan is None and found.method == "bisection"
            if not no_plan and found.ratio < targets.shared_site_ratio - _EPS:
                # The closed form is a proof; the bisection's bound only when proven.
                bound = min(found.upper_bound, upper) if found.proven else upper
                proven = found.proven or found.ratio >= upper - _EPS
                sharing = SharingLimit(
                    target=targets.shared_site_ratio, highest=found.ratio,
                    upper_bound=max(bound, found.ratio), proven=proven,
                    method=found.method, **counts,
                )
                if bound < targets.shared_site_ratio - _EPS or proven:
                    reasons.append(sharing.describe())
                else:
                    sharing = None  # not refuted in time: leave it to the relaxations
    elif sharing_hard:
        # Policy conflicts: the closed-form bound alone.
        sharing = closed_form_sharing_limit(data)
        if sharing is not None:
            reasons.append(sharing.describe())

    # 4. Budget: the least cost meeting the targets without it.
    budget: BudgetLimit | None = None
    if math.isfinite(targets.budget) and not conflicts:
        note = ""
        costed = budget_free
        if sharing is not None:
            costed = _with_targets(budget_free, shared_site_ratio=sharing.highest)
            note = f"with the sharing target lowered to the reachable {sharing.highest:.1%}"
            free_result = None
        if breaks_coverage:
            note = ", ".join(filter(None, [note, "leaving out the unreachable hamlets"]))
        if free_result is None:
            free_result = solve(costed, params, coverage=base_cov)
        ok = free_result.is_feasible()
        budget = BudgetLimit(
            budget=targets.budget, least_cost=float(free_result.objective) if ok else None,
            lower_bound=float(free_result.lower_bound)
            if math.isfinite(free_result.lower_bound) else None,
            status=free_result.status, currency=data.currency, note=note,
        )
        if budget.binding:
            reasons.append(budget.describe())

    # 5. Nothing found: relax one constraint at a time.
    relaxations: list[Relaxation] = []
    feasible: bool | None = None
    if not reasons:
        short = replace(params, time_limit=max(0.5, time_limit / 4))
        original = solve(data, short, coverage=coverage)
        if original.is_feasible():
            feasible = True
            reasons.append(f"a plan exists after all (cost {original.objective:.2f} "
                           f"{data.currency}, status {original.status}): nothing to explain")
        else:
            variants = []
            if sharing_hard:
                variants.append(("sharing target", _with_targets(data, shared_site_ratio=0.0)))
            if math.isfinite(targets.budget):
                variants.append(("budget", _with_targets(data, budget=math.inf)))
            if targets.coverage_mode == "hard" and data.num_hamlets:
                variants.append(("hamlet coverage", _with_targets(data, coverage_mode="soft")))
            for name, variant in variants:
                result = solve(variant, short, coverage=coverage)
                ok = result.is_feasible()
                detail = ""
                if ok and name == "hamlet coverage":
                    ev = result.evaluation
                    # Soft coverage maximises covered population, not the count.
                    detail = (f"{ev.covered_hamlets} of {ev.num_hamlets} hamlets "
                              f"({ev.hamlet_coverage:.1%}) then meet their coverage rule")
                relaxations.append(Relaxation(
                    name, result.status, float(result.objective) if ok else None, detail,
                ))
            restoring = [r for r in relaxations if r.restores]
            if restoring:
                listed = ", ".join(
                    f"the {r.constraint} (then a plan costs {r.cost:.2f} {data.currency}"
                    + (f"; {r.detail}" if r.detail else "") + ")"
                    for r in restoring
                )
                head = ("the binding constraint is" if len(restoring) == 1
                        else "each of these constraints binds, and relaxing any one alone "
                        "gives a plan:")
                reasons.append(f"{head} {listed}")
            elif original.status == "infeasible":
                reasons.append(
                    "the coverage rule, the sharing target, the policy and the budget conflict "
                    "jointly: relaxing any one of them alone ("
                    + ", ".join(r.constraint for r in relaxations)
                    + ") still leaves no plan"
                )
            else:
                reasons.append(
                    f"no plan was found within {short.time_limit:g} s and none of the short "
                    "relaxed solves found one either; give the solver more time"
                )

    return Diagnosis(
        reasons=tuple(reasons), unreachable=described,
        unreachable_count=int(unreachable.size) if breaks_coverage else 0,
        policy_conflicts=tuple(conflicts), sharing=sharing, budget=budget,
        relaxations=tuple(relaxations), feasible=feasible,
    )
