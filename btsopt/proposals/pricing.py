"""What a proposal costs against the optimum, and what sharing costs at the margin.

Two questions a planner asks of a proposal:

1. *Premium*: how much dearer is the best plan that contains the proposal's
   decisions than the best plan overall? The proposal's decisions are forced
   through :class:`~btsopt.data.ProblemData` alone (see :func:`forced_data`):
   its added tenancies become tenancies of today's network, its removed ones
   are dropped and barred, and the policy keeps every remaining tenancy. The
   solver then finds the cheapest *completion*: the further tenancies needed
   to reach the targets. The completion's true cost is re-evaluated on the
   original scenario.
2. *Marginal price of sharing*: at the optimum with ``S`` shared sites out
   of ``A`` active ones, what does one more shared site cost? The target is
   raised to ``(S + 1) / A`` -- the smallest ratio the optimum's own active
   set can only meet with one more shared site -- and the scenario solved
   again; the price is the difference of the two optima and the sites
   shared next are the difference of the two plans. (A plan may meet the
   raised target with a different number of active sites; the price is of
   the smallest ratio step that forces one more shared site at the
   optimum's scale, expressed through ``targets.shared_site_ratio`` alone.)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from btsopt.data import LOCK_OUT, ProblemData
from btsopt.evaluation import Evaluation, evaluate
from btsopt.model import sharing_fraction
from btsopt.plan import Plan
from btsopt.proposals.proposal import (
    LIST_LIMIT,
    Change,
    Proposal,
    ProposalEvaluation,
    cut_list,
    evaluate_proposal,
)
from btsopt.radio import Coverage, compute_coverage
from btsopt.result import Result
from btsopt.solve import SolveParams, solve


def _finite(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


def forced_data(data: ProblemData, proposal: Proposal) -> tuple[ProblemData, float]:
    """A scenario whose every plan contains the proposal's decisions.

    The proposal's ``colocate`` and ``build`` tenancies become
    ``forced_tenancies`` and its ``remove`` ones ``forbidden_tenancies``;
    everything else (the policy on relocation and decommissioning included)
    stays as the scenario says, so the best completion may still move other
    tenancies where the scenario allows it, and its cost is priced exactly as
    in the original scenario.

    Parameters
    ----------
    data
        The scenario.
    proposal
        The decisions to force.

    Returns
    -------
    tuple of (ProblemData, float)
        The forced scenario, and the constant to add to its system cost to
        get the original's (0: the pricing is the same).
    """
    owned = proposal.owned_data(data)
    forced = replace(
        owned,
        forced_tenancies=np.asarray(proposal.added, dtype=bool) | owned.forced,
        forbidden_tenancies=np.asarray(proposal.removed, dtype=bool) | owned.forbidden,
        warnings=(),
    )
    return forced, 0.0


def share_more(data: ProblemData, plan: Plan, ratio: float) -> Plan | None:
    """Cheapest-first greedy repair of a plan up to a shared-site ratio.

    Adds a second tenant to single-tenant active sites -- the cheapest new
    tenancy (capex + opex NPV) first -- until ``shared >= ratio * active``
    holds exactly as the model states it. Adding tenancies never loses
    coverage and keeps the number of active sites, so the result is a
    feasible warm start whenever ``plan`` was feasible at a lower ratio
    (the budget aside).

    With ``[demand]`` the added tenancies hold ``max_carriers`` (they must
    carry the traffic of every hamlet they reach) and the others keep the
    plan's carriers; the solver checks the capacity of a warm start.

    Returns
    -------
    Plan or None
        The repaired plan (``plan`` itself when it already meets the ratio),
        or ``None`` when single-tenant sites cannot supply enough sharing.
    """
    frac = sharing_fraction(ratio)
    x = np.array(plan.tenancies, dtype=bool)
    tenants = x.sum(axis=1)
    active, shared = int((tenants >= 1).sum()), int((tenants >= 2).sum())
    need = -(-frac.numerator * active // frac.denominator) - shared
    if need <= 0:
        return plan
    sites = data.sites
    annuity = data.economics.annuity_factor
    cost = np.array([op.tenancy_capex + op.tenancy_opex_per_year * annuity
                     for op in data.operators])
    usable = (np.asarray(sites.allowed, bool) | np.asarray(data.tenancies, bool)) & ~x
    usable &= ((sites.locked != LOCK_OUT) & (tenants == 1) & (sites.max_tenants >= 2))[:, None]
    price = np.where(usable, cost[None, :], np.inf)
    best_op = np.argmin(price, axis=1)
    best = price[np.arange(len(best_op)), best_op]
    order = np.argsort(best, kind="stable")[:need]
    if order.size < need or not np.isfinite(best[order]).all():
        return None
    x[order, best_op[order]] = True
    if data.demand is None:
        return Plan(x)
    carriers = np.array(plan.carrier_counts(data), dtype=np.int64)
    carriers[order, best_op[order]] = np.asarray(data.demand.max_carriers)[best_op[order]]
    return Plan(x, carriers)


def _pairs(data: ProblemData, mask: np.ndarray) -> list[tuple[str, str]]:
    return [(data.sites.ids[j], data.operators[k].id) for j, k in zip(*np.nonzero(mask),
                                                                        strict=True)]


@dataclass(frozen=True, eq=False)
class MarginalPrice:
    """Cost of one more shared site at the optimum.

    Attributes
    ----------
    base
        The optimum at the scenario's target.
    ratio
        The raised target ``(S + 1) / A`` (``None`` when every active site is
        already shared).
    raised
        The optimum at the raised target (``None`` when not solved).
    price
        ``raised.objective - base.objective`` (``None`` without both plans).
    price_low, price_high
        What the proven bounds allow: ``raised.lower_bound - base.objective``
        and ``raised.objective - base.lower_bound``.
    newly_shared, no_longer_shared
        Site ids shared in the raised plan and not in the base one, and back.
    tenancies_added, tenancies_dropped
        ``(site_id, operator_id)`` in the raised plan and not the base, and back.
    message
        Why there is no price, or remarks.
    """

    base: Result
    ratio: float | None
    raised: Result | None
    price: float | None
    price_low: float | None
    price_high: float | None
    newly_shared: tuple[str, ...] = ()
    no_longer_shared: tuple[str, ...] = ()
    tenancies_added: tuple[tuple[str, str], ...] = ()
    tenancies_dropped: tuple[tuple[str, str], ...] = ()
    message: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary."""
        base_ev, raised_ev = self.base.evaluation, (
            self.raised.evaluation if self.raised is not None else None)
        return {
            "price": _finite(self.price),
            "price_low": _finite(self.price_low),
            "price_high": _finite(self.price_high),
            "base_cost": _finite(self.base.objective),
            "base_status": self.base.status,
            "base_shared_sites": None if base_ev is None else int(base_ev.shared_sites),
            "base_active_sites": None if base_ev is None else int(base_ev.active_sites),
            "raised_ratio_target": self.ratio,
            "raised_cost": None if self.raised is None else _finite(self.raised.objective),
            "raised_status": None if self.raised is None else self.raised.status,
            "raised_gap": None if self.raised is None else _finite(self.raised.gap),
            "raised_shared_sites": None if raised_ev is None else int(raised_ev.shared_sites),
            "raised_active_sites": None if raised_ev is None else int(raised_ev.active_sites),
            "newly_shared": list(self.newly_shared),
            "no_longer_shared": list(self.no_longer_shared),
            "tenancies_added": [list(p) for p in self.tenancies_added],
            "tenancies_dropped": [list(p) for p in self.tenancies_dropped],
            "message": self.message,
        }

    def format_text(self, currency: str = "") -> str:
        """A few readable lines."""
        if self.price is None:
            return f"marginal price of sharing: - ({self.message})"
        ev, rev = self.base.evaluation, self.raised.evaluation
        lines = [
            f"marginal price of sharing: {self.price:,.1f} {currency} for one more shared site "
            f"(target {self.ratio:.4f} = ({ev.shared_sites}+1)/{ev.active_sites}; "
            f"proven range {self.price_low:,.1f} .. {self.price_high:,.1f})",
            f"  optimum {ev.shared_sites}/{ev.active_sites} shared -> {rev.shared_sites}/"
            f"{rev.active_sites} shared, cost {self.base.objective:,.1f} -> "
            f"{self.raised.objective:,.1f}",
            "  sites shared next: " + (", ".join(self.newly_shared) or "none"),
        ]
        if self.no_longer_shared:
            lines.append("  no longer shared: " + ", ".join(self.no_longer_shared))
        if self.tenancies_added:
            lines.append("  tenancies added: " + ", ".join(
                f"{op}@{site}" for site, op in self.tenancies_added))
        if self.tenancies_dropped:
            lines.append("  tenancies dropped: " + ", ".join(
                f"{op}@{site}" for site, op in self.tenancies_dropped))
        if self.message:
            lines.append(f"  note: {self.message}")
        return "\n".join(lines)


def marginal_price(
    data: ProblemData,
    params: SolveParams | None = None,
    *,
    base: Result | None = None,
    coverage: Coverage | None = None,
) -> MarginalPrice:
    """The cost of one more shared site at the optimum (see the module docstring).

    Parameters
    ----------
    data
        The scenario (its target is the base).
    params
        Solver settings; ``time_limit`` applies to each solve.
    base
        The optimum of ``data`` when already solved.
    coverage
        Precomputed coverage, reused by both solves.

    Returns
    -------
    MarginalPrice
    """
    params = params or SolveParams()
    coverage = coverage if coverage is not None else compute_coverage(data)
    if base is None:
        base = solve(data, params, coverage=coverage)
    if not base.is_feasible():
        return MarginalPrice(base, None, None, None, None, None,
                             message=f"no optimum to price from ({base.status})")
    ev: Evaluation = base.evaluation
    shared, active = int(ev.shared_sites), int(ev.active_sites)
    if shared >= active:
        return MarginalPrice(base, None, None, None, None, None,
                             message="every active site of the optimum is already shared")
    ratio = (shared + 1) / active
    raised_data = replace(data, targets=replace(
        data.targets, shared_site_ratio=ratio, sharing="hard"), warnings=())
    nearest = share_more(data, base.plan, ratio)
    raised = solve(raised_data, params, coverage=coverage, hint=nearest or base.plan)
    if raised.is_feasible() and nearest is not None:
        # Optima are rarely unique: when the base plus its cheapest extra
        # sharing is as cheap as the solver's plan, report that one, so that
        # "shared next" is the one step rather than a reshuffle of equals.
        near = evaluate(raised_data, nearest)
        if not near.violations and near.system_cost <= raised.objective + 1e-9 * max(
                1.0, abs(raised.objective)):
            raised = replace(raised, plan=nearest, evaluation=near,
                             objective=float(near.system_cost))
    if not raised.is_feasible():
        return MarginalPrice(base, ratio, raised, None, None, None,
                             message=f"no plan reaches the raised target ({raised.status}: "
                                     f"{raised.message})")
    price = raised.objective - base.objective
    message = ""
    if price < -1e-6 * max(1.0, abs(base.objective)):
        message = ("the raised plan is cheaper than the base plan: the base solve was not "
                   "optimal (see its gap)")
    x0, x1 = base.plan.tenancies, raised.plan.tenancies
    s0, s1 = ev.site_shared, raised.evaluation.site_shared
    ids = data.sites.ids
    return MarginalPrice(
        base=base, ratio=ratio, raised=raised, price=price,
        price_low=raised.lower_bound - base.objective,
        price_high=raised.objective - base.lower_bound,
        newly_shared=tuple(ids[j] for j in np.flatnonzero(s1 & ~s0)),
        no_longer_shared=tuple(ids[j] for j in np.flatnonzero(s0 & ~s1)),
        tenancies_added=tuple(_pairs(data, x1 & ~x0)),
        tenancies_dropped=tuple(_pairs(data, x0 & ~x1)),
        message=message,
    )


@dataclass(frozen=True, eq=False)
class Comparison:
    """A proposal against the optimum.

    Attributes
    ----------
    proposal
        The proposal's own before/after evaluation.
    optimal
        The best plan overall (no decision forced).
    completion
        The solve of :func:`forced_data` (its objective is in the forced
        scenario's terms; see ``completion_cost``), or ``None`` when the
        proposal breaks rules no completion can repair.
    completion_evaluation
        The completion plan evaluated on the original scenario.
    completion_cost, completion_bound
        Its true system cost, and a proven lower bound on the cost of any
        plan containing the proposal's decisions.
    further
        The completion's tenancies beyond the proposal's outcome, as
        proposal rows (``build`` / ``colocate``).
    premium
        ``completion_cost - best``, where ``best`` is the cheaper admissible
        plan found (the optimum, or the completion if a time-limited optimum
        solve did worse).
    premium_low, premium_high
        The premium's proven range from both solves' bounds.
    marginal
        The marginal price of sharing at the optimum, when asked for.
    message
        Why some figure is missing.
    """

    proposal: ProposalEvaluation
    optimal: Result
    completion: Result | None
    completion_evaluation: Evaluation | None
    completion_cost: float | None
    completion_bound: float | None
    further: tuple[Change, ...]
    premium: float | None
    premium_low: float | None
    premium_high: float | None
    marginal: MarginalPrice | None = None
    message: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (the ``against_optimal`` object of ``--json``)."""
        opt = self.optimal
        comp = self.completion
        return {
            "optimal": {
                "status": opt.status, "cost": _finite(opt.objective),
                "lower_bound": _finite(opt.lower_bound), "gap": _finite(opt.gap),
                "shared_site_ratio": None if opt.evaluation is None
                else float(opt.evaluation.shared_site_ratio),
                "wall_time_s": round(opt.wall_time, 3),
            },
            "completion": None if comp is None else {
                "status": comp.status, "cost": _finite(self.completion_cost),
                "lower_bound": _finite(self.completion_bound),
                "gap": _finite(_gap(self.completion_cost, self.completion_bound)),
                "shared_site_ratio": None if self.completion_evaluation is None
                else float(self.completion_evaluation.shared_site_ratio),
                "violations": [] if self.completion_evaluation is None
                else list(self.completion_evaluation.violations),
                "wall_time_s": round(comp.wall_time, 3),
                "further": [{"operator_id": c.operator_id, "site_id": c.site_id,
                             "action": c.action} for c in self.further],
            },
            "proposal_cost": float(self.proposal.after.system_cost),
            "proposal_admissible": self.proposal.admissible,
            "premium": _finite(self.premium),
            "premium_low": _finite(self.premium_low),
            "premium_high": _finite(self.premium_high),
            "marginal_price": None if self.marginal is None else self.marginal.to_dict(),
            "message": self.message,
        }

    def format_text(self, currency: str = "", limit: int | None = LIST_LIMIT) -> str:
        """Readable summary; lists stop after ``limit`` items (``None``: every one)."""
        opt = self.optimal
        lines = ["", "against the optimum"]
        if opt.is_feasible():
            lines.append(f"  optimum            {opt.objective:,.1f} {currency} ({opt.status}, "
                         f"gap {opt.gap:.3%}, {opt.wall_time:.1f} s)")
        else:
            lines.append(f"  optimum            - ({opt.status}: {opt.message})")
        if self.completion_cost is not None:
            lines.append(f"  best completion    {self.completion_cost:,.1f} {currency} "
                         f"({self.completion.status}, gap "
                         f"{_gap(self.completion_cost, self.completion_bound):.3%}, "
                         f"{self.completion.wall_time:.1f} s)")
            if self.further:
                lines.append(f"  further tenancies  {len(self.further)} needed: " + cut_list(
                    [f"{c.action} {c.operator_id}@{c.site_id}" for c in self.further], limit))
            else:
                lines.append("  further tenancies  none needed")
        if self.premium is not None:
            pct = self.premium / opt.objective if opt.objective else 0.0
            lines.append(f"  premium            {self.premium:,.1f} {currency} ({pct:.2%} over "
                         f"the optimum; proven range {self.premium_low:,.1f} .. "
                         f"{self.premium_high:,.1f})")
        if self.message:
            lines.append(f"  note: {self.message}")
        if self.marginal is not None:
            lines.append("  " + self.marginal.format_text(currency).replace("\n", "\n  "))
        return "\n".join(lines)


def _gap(cost: float | None, bound: float | None) -> float:
    if cost is None or bound is None or not math.isfinite(cost) or not math.isfinite(bound):
        return math.inf
    if abs(cost - bound) <= 1e-9 * max(1.0, abs(cost)):
        return 0.0
    return max(0.0, (cost - bound) / max(abs(cost), 1e-12))


def further_changes(data: ProblemData, start: Plan, outcome: Plan) -> tuple[Change, ...]:
    """Rows that turn plan ``start`` into ``outcome`` when ``outcome`` only adds.

    The first new tenant of a candidate site inactive in ``start`` (in
    operator order) builds it; every other addition colocates. With
    ``[demand]`` the additions carry their carriers, and tenancies of today's
    network whose carriers ``outcome`` changes get a ``carriers`` row.
    """
    added = outcome.tenancies & ~start.tenancies
    active = start.tenancies.any(axis=1)
    existing = np.asarray(data.sites.existing, dtype=bool)
    demand = data.demand is not None
    after = outcome.carrier_counts(data) if demand else None
    out: list[Change] = []
    for j in np.flatnonzero(added.any(axis=1)):
        built = bool(existing[j] or active[j])
        for k in np.flatnonzero(added[j]):
            action = "colocate" if built else "build"
            built = True
            out.append(Change(data.operators[k].id, data.sites.ids[j], action,
                              carriers=int(after[j, k]) if demand else None))
    if demand:
        before = start.carrier_counts(data)
        kept = outcome.tenancies & start.tenancies & np.asarray(data.tenancies, dtype=bool)
        for j, k in zip(*np.nonzero(kept & (after != before)), strict=True):
            out.append(Change(data.operators[k].id, data.sites.ids[j], "carriers",
                              carriers=int(after[j, k])))
    return tuple(out)


def compare_with_optimal(
    data: ProblemData,
    proposal: Proposal,
    params: SolveParams | None = None,
    *,
    marginal: bool = True,
    coverage: Coverage | None = None,
    evaluation: ProposalEvaluation | None = None,
    optimal: Result | None = None,
) -> Comparison:
    """Solve with and without the proposal's decisions and price the difference.

    Parameters
    ----------
    data
        The scenario.
    proposal
        The checked proposal.
    params
        Solver settings; ``time_limit`` applies to each of the (up to three)
        solves: the optimum, the completion, the marginal price.
    marginal
        Also price one more shared site at the optimum.
    coverage
        Precomputed coverage.
    evaluation
        The proposal's evaluation, when already at hand.
    optimal
        The unrestricted optimum, when already solved (to compare several
        proposals against one solve).

    Returns
    -------
    Comparison
    """
    params = params or SolveParams()
    coverage = coverage if coverage is not None else compute_coverage(data)
    pe = evaluation if evaluation is not None else evaluate_proposal(data, proposal)
    # An admissible proposal is a feasible start for the unrestricted solve.
    if optimal is None:
        optimal = solve(data, params, coverage=coverage,
                        hint=pe.plan if pe.admissible else None)

    completion = completion_ev = None
    completion_cost = completion_bound = None
    further: tuple[Change, ...] = ()
    messages: list[str] = []
    if pe.structural:
        kinds = sorted({v.kind for v in pe.structural})
        messages.append("the proposal breaks rules no further tenancy can repair ("
                        + ", ".join(kinds) + "): no completion, no premium")
    else:
        forced, constant = forced_data(data, proposal)
        hint = pe.plan
        if optimal.plan is not None:
            union = Plan(pe.plan.tenancies | optimal.plan.tenancies)
            hint = share_more(forced, union, forced.targets.shared_site_ratio) or union
        completion = solve(forced, params, coverage=coverage, hint=hint)
        if completion.is_feasible():
            owned = proposal.owned_data(data)
            completion_ev = evaluate(owned, completion.plan)
            completion_cost = float(completion_ev.system_cost)
            completion_bound = min(completion.lower_bound + constant, completion_cost)
            further = further_changes(data, pe.plan, completion.plan)
            if completion_ev.violations:
                messages.append("the completion breaks rules of the original scenario: "
                                + "; ".join(completion_ev.violations))
        else:
            messages.append(f"no plan containing the proposal's decisions reaches the targets "
                            f"({completion.status}: {completion.message})")

    premium = premium_low = premium_high = None
    if optimal.is_feasible() and completion_cost is not None:
        best = optimal.objective
        if completion_ev is not None and completion_ev.admissible and completion_cost < best:
            best = completion_cost
            messages.append("the completion beats the time-limited optimum solve")
        premium = completion_cost - best
        premium_low = max(0.0, completion_bound - best)
        premium_high = max(premium, completion_cost - optimal.lower_bound)
    elif not optimal.is_feasible():
        messages.append(f"no optimum ({optimal.status}: {optimal.message})")

    price = marginal_price(data, params, base=optimal, coverage=coverage) if (
        marginal and optimal.is_feasible()) else None
    return Comparison(
        proposal=pe, optimal=optimal, completion=completion,
        completion_evaluation=completion_ev, completion_cost=completion_cost,
        completion_bound=completion_bound, further=further, premium=premium,
        premium_low=premium_low, premium_high=premium_high, marginal=price,
        message="; ".join(messages),
    )
