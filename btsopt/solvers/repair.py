"""Start plans: any plan, repaired where it breaks the rules, as a solver's start.

``btsopt solve --start PLAN.csv`` starts from a checkpoint, last year's plan
or a proposal's outcome. Such a plan may break the scenario's rules (this
year's locks, a new tenant limit, hamlets added since). :func:`repair_plan`
changes it as little as it simply can, in this order:

1. tenancies that may not be there go: on locked-out sites, forbidden ones,
   new tenancies of an operator not allowed on the site;
2. tenancies that must be there come back or are added: existing tenancies
   that may not be removed (relocation or decommissioning not allowed),
   forced ones, a tenant on each locked-in site;
3. sites over their tenant limit lose new tenancies (not kept or forced);
4. coverage is completed greedily (most hamlets still short per unit of
   cost first), then the sharing target is reached by adding the cheapest
   co-tenants on single-tenant sites;
5. with ``[demand]``, carriers: the plan's own (from its ``carriers``
   column; the defaults of :meth:`Plan.carrier_counts` where it has none or
   on tenancies the repair added), clipped to ``max_carriers``; then, per
   operator whose covered demand does not fit, the cheapest carriers added
   (:func:`_carriers_for_demand`: today's carriers first, they cost nothing).

Each kind of change is reported (counts and examples). What it cannot
mend (a budget, say) is left to the solver, and said.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.optimize import linprog

from btsopt.data import LOCK_IN, LOCK_OUT, ProblemData
from btsopt.evaluation import evaluate
from btsopt.evaluation.capacity import integer_flow_fits
from btsopt.plan import Plan
from btsopt.radio import Coverage

RATIO_TOLERANCE = 1e-9
"""Slack on coverage and sharing targets, as the evaluator allows."""

EXAMPLES_SHOWN = 3
"""Changed tenancies named per kind of change in :meth:`Repair.lines`."""


@dataclass(frozen=True)
class Change:
    """One kind of change made to a start plan.

    Attributes
    ----------
    kind
        What was done, e.g. ``"restored existing tenancies that must be kept"``.
    tenancies
        The (site, operator) index pairs changed.
    """

    kind: str
    tenancies: tuple[tuple[int, int], ...]


@dataclass(frozen=True, eq=False)
class Repair:
    """A repaired start plan.

    Attributes
    ----------
    plan
        The plan after repair.
    changes
        The changes made, one per kind (none when the plan kept every rule).
    remaining
        Rules the repaired plan still breaks (the evaluator's words).
    """

    plan: Plan
    changes: tuple[Change, ...]
    remaining: tuple[str, ...]

    def lines(self, data: ProblemData) -> list[str]:
        """One line per kind of change: count and the first few ``site:operator``."""
        out = []
        for change in self.changes:
            named = [f"{data.sites.ids[j]}:{data.operators[k].id}"
                     for j, k in change.tenancies[:EXAMPLES_SHOWN]]
            more = ", ..." if len(change.tenancies) > EXAMPLES_SHOWN else ""
            out.append(f"{change.kind}: {len(change.tenancies)} ({', '.join(named)}{more})")
        return out


def repair_plan(data: ProblemData, plan: Plan, coverage: Coverage) -> Repair:
    """Repair ``plan`` where it breaks the rules of ``data`` (see the module).

    Parameters
    ----------
    data
        The scenario.
    plan
        The start plan, e.g. from :func:`btsopt.plan.read_plan_csv`.
    coverage
        The scenario's coverage (:func:`btsopt.radio.compute_coverage`).

    Returns
    -------
    Repair
        The repaired plan, what changed and what is still broken.
    """
    x = np.array(plan.tenancies, dtype=bool)
    changes: list[Change] = []

    def record(kind: str, mask: np.ndarray, value: bool) -> None:
        mask = mask & (x != value)
        if mask.any():
            x[mask] = value
            changes.append(Change(kind, tuple(zip(*map(np.ndarray.tolist, np.nonzero(mask)),
                                                  strict=True))))

    sites, policy = data.sites, data.policy
    before = np.asarray(data.tenancies, dtype=bool)
    existing = np.asarray(sites.existing, dtype=bool)
    locked_out = np.asarray(sites.locked) == LOCK_OUT
    locked_in = np.asarray(sites.locked) == LOCK_IN
    allowed = np.asarray(sites.allowed, dtype=bool)
    everywhere = np.ones_like(x)

    # 1. What may not be there.
    record("removed tenancies on locked-out sites", locked_out[:, None] & everywhere, False)
    record("removed forbidden tenancies", data.forbidden, False)
    record("removed new tenancies of operators not allowed on their site",
           ~before & ~allowed, False)

    # 2. What must be there.
    active = x.any(axis=1)
    kept = np.zeros_like(x)
    if not policy.allow_relocation:
        # A removal is only allowed as part of emptying the site (if that is).
        emptied_ok = existing & ~active if policy.allow_decommission else np.zeros_like(active)
        kept |= before & ~emptied_ok[:, None]
    if not policy.allow_decommission:
        kept |= before & (existing & ~active)[:, None]
    record("restored existing tenancies that must be kept", kept & ~locked_out[:, None], True)
    record("added forced tenancies", data.forced, True)
    idle_locked_in = locked_in & ~x.any(axis=1)
    record("restored existing tenancies of locked-in sites",
           before & idle_locked_in[:, None], True)
    reach = np.diff(coverage.matrix.indptr).reshape(data.num_sites, data.num_operators)
    idle_locked_in = locked_in & ~x.any(axis=1)
    best = np.argmax(np.where(allowed & ~data.forbidden, reach, -1), axis=1)
    opened = np.zeros_like(x)
    for j in np.flatnonzero(idle_locked_in):
        if allowed[j, best[j]] and not data.forbidden[j, best[j]]:
            opened[j, best[j]] = True
    record("added a tenant on idle locked-in sites", opened, True)

    # 3. Tenant limits: drop new, unforced tenancies, last operators first.
    droppable = x & ~before & ~data.forced
    excess = x.sum(axis=1) - np.asarray(sites.max_tenants)
    dropped = np.zeros_like(x)
    for j in np.flatnonzero(excess > 0):
        for k in np.flatnonzero(droppable[j])[::-1][: excess[j]]:
            dropped[j, k] = True
    record("removed new tenancies over the site's tenant limit", dropped, False)

    # 4. Coverage, then sharing.
    candidates = ((allowed | before) & ~data.forbidden & ~locked_out[:, None]
                  & (np.asarray(sites.max_tenants) >= 1)[:, None])
    costs = _tenancy_costs(data)
    if data.targets.coverage_mode == "hard":
        record("added tenancies to complete coverage",
               _complete_coverage(data, coverage, x, candidates, costs), True)
    if data.targets.sharing == "hard":
        record("added co-tenants to reach the sharing target",
               _reach_sharing(data, x, candidates, costs), True)

    repaired = Plan(x)
    if data.demand is not None:
        carriers = np.where(x, plan.carrier_counts(data), 0)
        carriers = np.where(x & ~plan.tenancies, repaired.carrier_counts(data), carriers)
        clipped = carriers > np.asarray(data.demand.max_carriers)[None, :]
        carriers = np.where(clipped, np.asarray(data.demand.max_carriers)[None, :], carriers)
        added = _carriers_for_demand(data, coverage, x, carriers)
        for kind, mask in (("clipped carriers to max_carriers", clipped),
                           ("added carriers where the demand did not fit", added > 0)):
            if mask.any():
                changes.append(Change(kind, tuple(zip(*map(np.ndarray.tolist, np.nonzero(mask)),
                                                      strict=True))))
        repaired = Plan(x, carriers + added)
    remaining = evaluate(data, repaired).violations
    return Repair(plan=repaired, changes=tuple(changes), remaining=tuple(remaining))


def _tenancy_costs(data: ProblemData) -> tuple[np.ndarray, np.ndarray]:
    """NPV of each (site, operator) tenancy and of each site, to rank additions."""
    annuity = data.economics.annuity_factor
    capex = np.array([op.tenancy_capex for op in data.operators])
    opex = np.array([op.tenancy_opex_per_year for op in data.operators]) * annuity
    tenancy = np.where(data.tenancies, opex[None, :], (capex + opex)[None, :])
    sites = data.sites
    site = np.where(sites.existing, 0.0, sites.capex) + sites.opex_per_year * annuity
    return tenancy, site


def _complete_coverage(data: ProblemData, coverage: Coverage, x: np.ndarray,
                       candidates: np.ndarray, costs: tuple[np.ndarray, np.ndarray]
                       ) -> np.ndarray:
    """Tenancies to add until the hamlet-coverage target is met: lazy greedy on
    hamlets still short per unit of cost."""
    num_ops = data.num_operators
    matrix = coverage.matrix.tocsc()  # hamlets x (site * operators + operator)
    required = np.asarray(data.hamlets.min_operators)
    flat = x.reshape(-1)
    covered_by = np.zeros((data.num_hamlets, num_ops), dtype=bool)
    for column in np.flatnonzero(flat):
        covered_by[matrix.indices[matrix.indptr[column]:matrix.indptr[column + 1]],
                   column % num_ops] = True
    count = covered_by.sum(axis=1)
    need = data.targets.hamlet_coverage * data.num_hamlets - RATIO_TOLERANCE
    met = int((count >= required).sum())
    tenancy_cost, site_cost = costs
    added = np.zeros_like(x)
    tenants = x.sum(axis=1)
    limit = np.asarray(data.sites.max_tenants)

    def hamlets(column: int) -> np.ndarray:
        return matrix.indices[matrix.indptr[column]:matrix.indptr[column + 1]]

    def gain(column: int) -> int:
        rows = hamlets(column)
        return int(((count[rows] < required[rows]) & ~covered_by[rows, column % num_ops]).sum())

    def cost(column: int) -> float:
        j = column // num_ops
        return tenancy_cost.reshape(-1)[column] + (site_cost[j] if tenants[j] == 0 else 0.0)

    heap = []
    for column in np.flatnonzero(candidates.reshape(-1) & ~flat):
        value = gain(column)
        if value > 0:
            heap.append((-value / max(cost(column), 1e-9), int(column)))
    heapq.heapify(heap)
    while met < need and heap:
        ratio, column = heapq.heappop(heap)
        j, k = divmod(column, num_ops)
        if tenants[j] >= limit[j]:
            continue
        value = gain(column)
        if value == 0:
            continue
        fresh = -value / max(cost(column), 1e-9)
        if heap and fresh > heap[0][0] + 1e-12:
            heapq.heappush(heap, (fresh, column))  # worth less now: look again later
            continue
        added[j, k] = True
        if tenants[j] == 0:
            for other in range(num_ops):  # the site is paid for: its other tenancies cheaper
                if other != k and candidates[j, other] and not x[j, other]:
                    value_other = gain(j * num_ops + other)
                    if value_other:
                        heapq.heappush(heap, (-value_other / max(tenancy_cost[j, other], 1e-9),
                                              j * num_ops + other))
        tenants[j] += 1
        x[j, k] = True
        rows = hamlets(column)
        new = rows[~covered_by[rows, k]]
        was_short = count[new] < required[new]
        covered_by[new, k] = True
        count[new] += 1
        met += int((was_short & (count[new] >= required[new])).sum())
    x[added] = False  # the caller records and sets them
    return added


def _reach_sharing(data: ProblemData, x: np.ndarray, candidates: np.ndarray,
                   costs: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """Co-tenants to add, cheapest first, until the shared-site ratio is met."""
    tenants = x.sum(axis=1)
    active, shared = int((tenants >= 1).sum()), int((tenants >= 2).sum())
    missing = math.ceil(data.targets.shared_site_ratio * active - RATIO_TOLERANCE) - shared
    added = np.zeros_like(x)
    if missing <= 0:
        return added
    room = (tenants == 1) & (np.asarray(data.sites.max_tenants) >= 2)
    options = np.where(candidates & ~x & room[:, None], costs[0], np.inf)
    best = np.argmin(options, axis=1)
    cheapest = options[np.arange(len(best)), best]
    order = np.argsort(cheapest, kind="stable")
    for j in order[np.isfinite(cheapest[order])][:missing]:
        added[j, best[j]] = True
    return added


UNMET_WEIGHT = 100.0
"""Price of a Mb/s left unplaced in :func:`_carriers_for_demand`, in added carriers
per carrier's Mb/s: far above a carrier's, so carriers go wherever they help."""


def _carriers_for_demand(data: ProblemData, coverage: Coverage, x: np.ndarray,
                         carriers: np.ndarray) -> np.ndarray:
    """Carriers to add to the tenancies ``x`` so that each operator's demand fits.

    Per operator whose covered demand does not fit its tenancies' capacity
    (checked first with the evaluator's integer max flow): the linear program
    "carry every covered hamlet's demand, in any split, adding the fewest
    carriers" (today's carriers on a kept tenancy come first, at no cost; a
    Mb/s that cannot be carried even at ``max_carriers`` is left over at a
    high price), its carriers rounded up. Rounding up only adds room, so the
    demand fits wherever it can; where it cannot, the evaluator says so.
    """
    demand = data.demand
    assert demand is not None
    need, per_carrier = demand.demand_mbps, demand.carrier_capacity_mbps
    top = np.asarray(demand.max_carriers)
    free = np.maximum(demand.carriers_today, 1)
    added = np.zeros(x.shape, dtype=np.int64)
    for k in range(data.num_operators):
        on = np.flatnonzero(x[:, k])
        reach = sparse.coo_matrix(coverage.for_operator(k)[:, on])
        loaded = need[reach.row, k] > 0
        hamlets, sites = reach.row[loaded], on[reach.col[loaded]]
        if hamlets.size == 0 or per_carrier[k] <= 0:
            continue
        room = carriers[:, k] * per_carrier[k]
        if integer_flow_fits(need[:, k], hamlets, sites, room, balance=False)[1] is not None:
            continue
        h_ids, h_row = np.unique(hamlets, return_inverse=True)
        s_ids, s_row = np.unique(sites, return_inverse=True)
        m, n_h, n_s = hamlets.size, h_ids.size, s_ids.size
        current = carriers[s_ids, k]
        costless = np.clip(free[s_ids, k] - current, 0, None)
        paid = np.clip(top[k] - current - costless, 0, None)
        # Columns: flow per pair, costless and paid carriers per tenancy, unmet per hamlet.
        hamlet_rows = sparse.hstack([
            sparse.csr_matrix((np.ones(m), (h_row, np.arange(m))), shape=(n_h, m)),
            sparse.csr_matrix((n_h, 2 * n_s)), sparse.identity(n_h, format="csr")])
        site_rows = sparse.hstack([
            sparse.csr_matrix((np.ones(m), (s_row, np.arange(m))), shape=(n_s, m)),
            sparse.identity(n_s, format="csr") * -per_carrier[k],
            sparse.identity(n_s, format="csr") * -per_carrier[k],
            sparse.csr_matrix((n_s, n_h))])
        result = linprog(
            np.r_[np.zeros(m), np.full(n_s, 1e-6), np.ones(n_s),
                  np.full(n_h, UNMET_WEIGHT / per_carrier[k])],
            A_ub=site_rows, b_ub=current * per_carrier[k], A_eq=hamlet_rows,
            b_eq=need[h_ids, k],
            bounds=np.c_[np.zeros(m + 2 * n_s + n_h),
                         np.r_[np.full(m, np.inf), costless, paid, np.full(n_h, np.inf)]],
            method="highs",
        )
        if result.status != 0:
            continue
        extra = result.x[m:m + n_s] + result.x[m + n_s:m + 2 * n_s]
        added[s_ids, k] = np.minimum(np.ceil(extra - 1e-9), costless + paid).astype(np.int64)
    return added
