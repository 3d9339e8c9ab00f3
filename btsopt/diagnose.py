"""Why a scenario has no plan, and whether this machine can hold its model.

:func:`explain_infeasibility` turns the solver's bare "infeasible" into
reasons a planner can act on, cheapest checks first:

1. *Unreachable hamlets* (no search): hamlets whose coverage rule no usable
   (site, operator) pair meets, each with its nearest site, the distance and
   how far the best operator's link budget falls short.
2. *Policy conflicts* (no search): locked-in sites nobody may use, locked-out
   sites carrying tenancies that policy keeps (same wording as
   :func:`btsopt.solve.solve`'s own precheck).
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

:func:`estimate_memory` / :func:`check_resources` predict the peak memory of
a solve before any of it is spent. Calibration: peak RSS (``ru_maxrss``) of
a process that reads the scenario and solves it with the default backend
(2-core machine, Python 3.11, HiGHS)::

    scenario         hamlets  sites   coverage nnz  model nnz  peak RSS  estimate
    nam-dinh           3,200   2,621      316,996     50,071    357 MB    362 MB
    family L brown    20,000  16,342    1,992,172    367,332    690 MB    690 MB
    family XL brown   80,000  85,131    2,280,602  1,107,583  >=1118 MB  1120 MB

(XL: RSS while searching; the import alone is ~165 MB.) ``compute_coverage``
alone peaks at ~78 bytes per nonzero (the k-d tree's candidate pairs, 24
bytes each, plus int64 COO indices) and ``build_model`` at ~28 bytes per
coverage nonzero (tracemalloc); the search adds the backend's copy of the
model, whose size follows the sites and hamlets more than the coverage. Nam
Dinh and L differ by the same factor (~6.25) in every size, which fixes the
base (~300 MB with the solver libraries loaded); XL, with few pairs per
hamlet, separates the per-pair from the per-row terms. The fitted model is::

    bytes = BASE_BYTES + BYTES_PER_PAIR * nnz + BYTES_PER_HAMLET * hamlets
            + BYTES_PER_SITE_OPERATOR * sites * operators

with ``nnz`` from exact coverage of a 1% random sample of the hamlets (at
least :data:`_MIN_SAMPLE`), scaled up: within 3% of the true nonzeros on the
three scenarios above, in 0.1 s (Nam Dinh, L) to 0.5 s (XL).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
from scipy.spatial import cKDTree

from btsopt.data import AREA_TYPES, LOCK_IN, LOCK_OUT, Hamlets, ProblemData
from btsopt.errors import ScenarioError
from btsopt.radio import Coverage, compute_coverage, haversine_km, path_loss_db

MAX_LISTED = 20
"""Unreachable hamlets described one by one; the rest are counted."""

_EPS = 1e-9

# ---------------------------------------------------------------------------
# Structured findings
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class UnreachableHamlet:
    """One hamlet whose coverage rule no usable site can meet.

    Attributes
    ----------
    id, name
        The hamlet's id and label.
    need
        Distinct operators its rule asks for.
    reaching_operators
        Operators that can cover it from some usable site.
    nearest_site
        Nearest site of any status, operator or lock (``None``: no sites).
    distance_km
        Great-circle distance to it.
    operator
        The operator whose link budget comes closest at that site.
    path_loss_db, limit_db
        That operator's path loss there and its maximum (radio models).
    radius_km
        That operator's radius for the hamlet's clutter (``fixed-radius``).
    blocked_sites
        Sites within radio reach that may not be used (locked out, or the
        reaching operators not allowed there).
    """

    id: str
    name: str
    need: int
    reaching_operators: int
    nearest_site: str | None
    distance_km: float
    operator: str | None
    path_loss_db: float | None = None
    limit_db: float | None = None
    radius_km: float | None = None
    area_type: str = "rural"
    blocked_sites: tuple[str, ...] = ()

    def describe(self) -> str:
        """One phrase, e.g. ``H9 (Xóm Xa): nearest site C2 at 14.3 km, path loss ...``."""
        label = f"{self.id} ({self.name})" if self.name else self.id
        if self.nearest_site is None:
            return f"{label}: the scenario has no sites"
        text = f"{label}: nearest site {self.nearest_site} at {self.distance_km:.1f} km"
        if self.path_loss_db is not None and self.limit_db is not None:
            sign = ">" if self.path_loss_db > self.limit_db else "<="
            text += (f", path loss {self.path_loss_db:.1f} dB {sign} {self.limit_db:g} dB "
                     f"limit of {self.operator}")
        elif self.radius_km is not None:
            where = "beyond" if self.distance_km > self.radius_km else "within"
            text += (f", {where} the {self.radius_km:g} km {self.area_type.replace('_', ' ')} "
                     f"radius of {self.operator}")
        if self.blocked_sites:
            text += (f"; in reach only of unusable site(s) {', '.join(self.blocked_sites)} "
                     "(locked out or operator not allowed)")
        if self.need > 1:
            text += (f"; needs {self.need} distinct operators, "
                     f"{self.reaching_operators} can reach it")
        return text


@dataclass(frozen=True)
class SharingLimit:
    """Why the (hard) shared-site ratio target cannot be met.

    Attributes
    ----------
    target
        The scenario's ``shared_site_ratio``.
    highest
        Highest ratio a plan was found to reach (admissible apart from sharing).
    upper_bound
        No plan exceeds it (proven).
    proven
        ``highest`` is the maximum (``upper_bound == highest``).
    method
        ``"closed form"`` or ``"bisection"`` (see ``highest_reachable_ratio``),
        or ``"bound only"`` when no search was made (``highest`` then 0).
    shareable_sites
        Usable sites that can host two operators.
    forced_unshareable
        Sites that must stay active but cannot be shared (each one lowers
        the ratio's ceiling ``shareable / (shareable + forced_unshareable)``).
    at_tenant_limit
        Usable sites with ``max_tenants`` 1.
    locked_out
        Sites locked out.
    single_operator
        Usable sites (``max_tenants`` >= 2) whose allowed operators admit only one.
    """

    target: float
    highest: float
    upper_bound: float
    proven: bool
    method: str
    shareable_sites: int
    forced_unshareable: int
    at_tenant_limit: int
    locked_out: int
    single_operator: int

    def describe(self) -> str:
        """The reason in words."""
        if self.method == "bound only":
            reach = f"at most {self.upper_bound:.1%} of active sites can be shared"
        elif self.proven:
            reach = f"the highest reachable shared-site ratio is {self.highest:.1%} (proven)"
        else:
            reach = (f"the highest shared-site ratio found is {self.highest:.1%} and no plan "
                     f"exceeds {self.upper_bound:.1%}")
        binds = []
        if self.at_tenant_limit:
            binds.append(f"{self.at_tenant_limit} site(s) at their tenant limit (max_tenants 1)")
        if self.single_operator:
            binds.append(f"{self.single_operator} site(s) whose allowed_operators admit only "
                         "one operator")
        if self.locked_out:
            binds.append(f"{self.locked_out} locked-out site(s)")
        if self.forced_unshareable:
            binds.append(f"{self.forced_unshareable} site(s) that must stay active "
                         "(locked in or existing tenancies kept) but cannot be shared")
        text = f"the sharing target of {self.target:.1%} is out of reach: {reach}"
        text += (f"; only {self.shareable_sites} site(s) can host two operators")
        if binds:
            text += "; limited by " + ", ".join(binds)
        return text


@dataclass(frozen=True)
class BudgetLimit:
    """The budget against the least cost that meets the targets.

    Attributes
    ----------
    budget
        ``targets.budget``.
    least_cost
        Cheapest plan found meeting the targets without the budget
        (``None``: none found in time).
    lower_bound
        Proven lower bound on that cost.
    status
        Status of that solve (``optimal`` / ``feasible`` / ...).
    currency
        The scenario's currency.
    note
        Relaxations applied before (e.g. sharing target lowered).
    """

    budget: float
    least_cost: float | None
    lower_bound: float | None
    status: str
    currency: str = ""
    note: str = ""

    @property
    def too_small(self) -> bool:
        """Proven: no plan within the budget."""
        return self.lower_bound is not None and self.lower_bound > self.budget * (1 + 1e-9)

    @property
    def binding(self) -> bool:
        """The budget excludes the cheapest plan found (proven or not)."""
        return self.too_small or (
            self.least_cost is not None and self.least_cost > self.budget * (1 + 1e-9)
        )

    def describe(self) -> str:
        """The reason in words."""
        unit = f" {self.currency}" if self.currency else ""
        if self.least_cost is None:
            return (f"the budget of {self.budget:.2f}{unit} could not be checked: no plan "
                    "meeting the targets was found in time")
        if self.status == "optimal":
            gap = (self.least_cost - (self.lower_bound or 0.0)) / max(abs(self.least_cost), 1e-9)
            proof = ("proven optimal" if gap <= 1e-9 else
                     f"within {gap:.2%} of optimal: no plan costs less than "
                     f"{self.lower_bound:.2f}")
            cost = (f"the least cost that meets the targets is {self.least_cost:.2f}{unit} "
                    f"({proof})")
        else:
            cost = (f"the cheapest plan found that meets the targets costs "
                    f"{self.least_cost:.2f}{unit} and no plan costs less than "
                    f"{self.lower_bound:.2f}")
        head = ("is too small" if self.too_small else "may be too small (not proven)")
        note = f" ({self.note})" if self.note else ""
        return f"the budget of {self.budget:.2f}{unit} {head}: {cost}{note}"


@dataclass(frozen=True)
class Relaxation:
    """One constraint relaxed alone, and what a short solve then found."""

    constraint: str
    status: str
    cost: float | None
    detail: str = ""

    @property
    def restores(self) -> bool:
        """Relaxing this constraint alone makes a plan possible."""
        return self.status in ("optimal", "feasible")


@dataclass(frozen=True)
class Diagnosis:
    """Reasons a scenario has no plan, with the findings behind them.

    Attributes
    ----------
    reasons
        Plain-English reasons, most fundamental first.
    unreachable
        Described unreachable hamlets (at most :data:`MAX_LISTED`).
    unreachable_count
        All unreachable hamlets that break the coverage target.
    policy_conflicts
        Locked-in / locked-out conflicts with policy.
    sharing
        Set when the hard sharing target is out of reach.
    budget
        Set when the budget is finite and was checked.
    relaxations
        One-at-a-time relaxations tried when nothing else explained it.
    feasible
        ``True`` when a plan was found after all (nothing to explain),
        ``None`` when not determined.
    """

    reasons: tuple[str, ...]
    unreachable: tuple[UnreachableHamlet, ...] = ()
    unreachable_count: int = 0
    policy_conflicts: tuple[str, ...] = ()
    sharing: SharingLimit | None = None
    budget: BudgetLimit | None = None
    relaxations: tuple[Relaxation, ...] = ()
    feasible: bool | None = None

    @property
    def binding(self) -> tuple[str, ...]:
        """Constraints whose relaxation alone restores a plan."""
        return tuple(r.constraint for r in self.relaxations if r.restores)

    @property
    def message(self) -> str:
        """The reasons as a short paragraph for planners."""
        if not self.reasons:
            return "no reason for infeasibility was found"
        if self.feasible:
            return self.reasons[0]
        if len(self.reasons) == 1:
            return f"No plan is possible: {self.reasons[0]}."
        listed = "; ".join(f"({n}) {r}" for n, r in enumerate(self.reasons, 1))
        return f"No plan is possible, for {len(self.reasons)} reasons: {listed}."


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------


def _usable(data: ProblemData) -> np.ndarray:
    """(sites x operators) pairs a plan may use (as in ``build_model``)."""
    sites = data.sites
    return (np.asarray(sites.allowed, bool) | np.asarray(data.tenancies, bool)) & (
        sites.locked != LOCK_OUT
    )[:, None]


def _reach_by_operator(coverage: Coverage, mask: np.ndarray) -> np.ndarray:
    """(hamlets x operators): operator k covers the hamlet from a site where ``mask[j,k]``."""
    cols = []
    for k in range(coverage.num_operators):
        block = coverage.for_operator(k).multiply(mask[:, k][None, :])
        cols.append(np.asarray(block.sum(axis=1)).ravel() > 0)
    return np.column_stack(cols) if cols else np.zeros((coverage.matrix.shape[0], 0), bool)


def _unit_vectors(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    lon, lat = np.radians(lon), np.radians(lat)
    return np.column_stack((np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)))


def _describe_unreachable(
    data: ProblemData, coverage: Coverage, usable: np.ndarray, reach: np.ndarray,
    hamlets: np.ndarray,
) -> tuple[UnreachableHamlet, ...]:
    """Nearest site and link-budget shortfall of each listed hamlet."""
    h, s = data.hamlets, data.sites
    if data.num_sites == 0:
        return tuple(
            UnreachableHamlet(h.ids[i], h.name[i], int(h.min_operators[i]),
                              int(reach[i].sum()), None, math.inf, None)
            for i in hamlets
        )
    tree = cKDTree(_unit_vectors(s.lon, s.lat))
    _, nearest = tree.query(_unit_vectors(h.lon[hamlets], h.lat[hamlets]))
    # Rows of the listed hamlets only: which unusable columns would reach them.
    rows = coverage.matrix[hamlets, :].tocsr()
    unusable_cols = ~usable.ravel()
    out = []
    for row, (i, j) in enumerate(zip(hamlets, nearest, strict=True)):
        j = int(j)
        d = float(haversine_km(s.lon[j], s.lat[j], h.lon[i], h.lat[i]))
        area = int(h.area_type[i])
        best_op, loss, limit, radius = None, None, None, None
        if data.explicit_coverage is None and data.num_operators:
            if data.radio.model == "fixed-radius":
                radii = [op.radius_km[AREA_TYPES[area]] for op in data.operators]
                k = int(np.argmax(radii))
                best_op, radius = data.operators[k].id, float(radii[k])
            else:
                losses = np.array([
                    float(path_loss_db(data.radio.model, d, op.frequency_mhz, s.height_m[j],
                                       data.radio.rx_height_m, area))
                    for op in data.operators
                ])
                limits = np.array([op.max_path_loss_db for op in data.operators])
                k = int(np.argmin(losses - limits))  # closest to its own link budget
                best_op, loss, limit = data.operators[k].id, float(losses[k]), float(limits[k])
        cols = rows.indices[rows.indptr[row]:rows.indptr[row + 1]]
        blocked_cols = cols[unusable_cols[cols]]
        blocked = tuple(dict.fromkeys(
            s.ids[c // data.num_operators] for c in blocked_cols))[:5]
        out.append(UnreachableHamlet(
            id=h.ids[i], name=h.name[i], need=int(h.min_operators[i]),
            reaching_operators=int(reach[i].sum()), nearest_site=s.ids[j], distance_km=d,
            operator=best_op, path_loss_db=loss, limit_db=limit, radius_km=radius,
            area_type=AREA_TYPES[area], blocked_sites=blocked,
        ))
    return tuple(out)


def policy_conflicts(data: ProblemData) -> list[str]:
    """Rules that contradict each other before any search: locked-in sites no
    operator may use, locked-out sites the policy must keep, forced or
    forbidden tenancies that cannot hold. ``solve`` treats any as infeasible."""
    reasons = []
    usable = (data.sites.allowed | data.tenancies).any(axis=1)
    stranded = (data.sites.locked == LOCK_IN) & ~usable
    if stranded.any():
        ids = [data.sites.ids[j] for j in np.flatnonzero(stranded)[:10]]
        reasons.append("locked-in site(s) no operator is allowed on: " + ", ".join(ids))
    forced, forbidden = data.forced, data.forbidden
    usable_pairs = (data.sites.allowed | data.tenancies) & (data.sites.locked != LOCK_OUT)[:, None]
    impossible = forced & (~usable_pairs | forbidden)
    if impossible.any():
        j, k = (int(v[0]) for v in np.nonzero(impossible))
        reasons.append(
            f"{int(impossible.sum())} forced tenancies cannot be installed (e.g. "
            f"{data.operators[k].id} on {data.sites.ids[j]}: not allowed, locked out or forbidden)"
        )
    over = forced.sum(axis=1) > data.sites.max_tenants
    if over.any():
        reasons.append(
            "forced tenancies exceed the tenant limit on site(s) "
            + ", ".join(data.sites.ids[j] for j in np.flatnonzero(over)[:10])
        )
    if not data.policy.allow_relocation and not data.policy.allow_decommission:
        kept = data.tenancies & forbidden
        if kept.any():
            j = int(np.nonzero(kept)[0][0])
            reasons.append(
                f"{int(kept.sum())} existing tenancies are forbidden but the policy keeps "
                f"every existing tenancy (e.g. on {data.sites.ids[j]})"
            )
    # A locked-out site must be emptied, which only decommissioning allows.
    conflict = (data.sites.locked == LOCK_OUT) & data.tenancies.any(axis=1)
    if not data.policy.allow_decommission and conflict.any():
        ids = [data.sites.ids[j] for j in np.flatnonzero(conflict)[:10]]
        reasons.append(
            "locked-out site(s) carry existing tenancies but decommissioning is not allowed: "
            + ", ".join(ids)
        )
    return reasons


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


def _sharing_counts(data: ProblemData) -> dict[str, int]:
    """Counts of sites that hold the shared-site ratio down."""
    from btsopt.proposals.frontier import sharing_structure

    usable, shareable, forced = sharing_structure(data)
    used = usable.any(axis=1)
    cap = np.asarray(data.sites.max_tenants)
    return {
        "shareable_sites": int(shareable.sum()),
        "forced_unshareable": int((forced & ~shareable).sum()),
        "at_tenant_limit": int((used & (cap <= 1)).sum()),
        "locked_out": int((data.sites.locked == LOCK_OUT).sum()),
        "single_operator": int((used & (cap >= 2) & (usable.sum(axis=1) == 1)).sum()),
    }


def _closed_form_upper(counts: dict[str, int]) -> float:
    s_all, m = counts["shareable_sites"], counts["forced_unshareable"]
    return s_all / (s_all + m) if s_all + m else 0.0


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
    # Local imports: btsopt.solve may import this module for its messages.
    from btsopt.proposals.frontier import highest_reachable_ratio
    from btsopt.solve import SolveParams, solve

    params = replace(params or SolveParams(), time_limit=float(time_limit))
    coverage = coverage if coverage is not None else compute_coverage(data)
    targets = data.targets
    reasons: list[str] = []

    # 1. Hamlets no usable site reaches (the same rule as build_model).
    usable = _usable(data)
    reach = _reach_by_operator(coverage, usable)
    need = np.asarray(data.hamlets.min_operators, dtype=np.int64)
    unreachable = np.flatnonzero(reach.sum(axis=1) < need)
    allowed_miss = math.floor((1 - targets.hamlet_coverage) * data.num_hamlets + 1e-9)
    breaks_coverage = targets.coverage_mode == "hard" and unreachable.size > 0 and (
        targets.hamlet_coverage >= 1.0 or unreachable.size > allowed_miss
    )
    described: tuple[UnreachableHamlet, ...] = ()
    if breaks_coverage:
        described = _describe_unreachable(data, coverage, usable, reach,
                                          unreachable[:MAX_LISTED])
        more = unreachable.size - len(described)
        reasons.append(
            f"{unreachable.size} hamlet(s) cannot meet their coverage rule from any usable "
            "site: " + "; ".join(u.describe() for u in described)
            + (f"; and {more} more" if more > 0 else "")
        )

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
    if sharing_hard and not conflicts and search:
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
    elif sharing_hard and targets.shared_site_ratio > upper + _EPS:
        # No search allowed (or policy conflicts): the closed-form bound alone.
        sharing = SharingLimit(targets.shared_site_ratio, 0.0, upper, False, "bound only",
                               **counts)
        reasons.append(sharing.describe())

    # 4. Budget: the least cost meeting the targets without it.
    budget: BudgetLimit | None = None
    if math.isfinite(targets.budget) and not conflicts and search:
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
    if not reasons and search:
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


# ---------------------------------------------------------------------------
# Memory
# ---------------------------------------------------------------------------

BASE_BYTES = 300_000_000
"""Interpreter, numpy/scipy/pandas and solver libraries once a solve runs (fitted)."""

BYTES_PER_PAIR = 150
"""Peak bytes per coverage nonzero over coverage, model and search (fitted)."""

BYTES_PER_HAMLET = 1_150
"""Hamlet table, labels, coverage rows and the backend's copy of them (fitted)."""

BYTES_PER_SITE_OPERATOR = 1_150
"""Site tables, x/y/s columns and the backend's copy of them (fitted)."""

_SAMPLE_SHARE = 0.01
_MIN_SAMPLE = 400


def estimate_coverage_nnz(data: ProblemData, seed: int = 0) -> int:
    """Estimated nonzeros of :func:`~btsopt.radio.compute_coverage`'s matrix.

    Exact coverage of a random 1% sample of the hamlets (at least
    :data:`_MIN_SAMPLE`; all of them in small scenarios), scaled up.
    """
    n = data.num_hamlets
    if data.explicit_coverage is not None:
        return int(data.explicit_coverage.nnz)
    if n == 0 or data.num_sites == 0 or data.num_operators == 0:
        return 0
    m = min(n, max(_MIN_SAMPLE, math.ceil(_SAMPLE_SHARE * n)))
    if m == n:
        keep = np.arange(n)
    else:
        keep = np.sort(np.random.default_rng(seed).choice(n, size=m, replace=False))
    h = data.hamlets
    sample = Hamlets(
        ids=tuple(h.ids[i] for i in keep), lon=h.lon[keep], lat=h.lat[keep],
        population=h.population[keep], area_type=h.area_type[keep],
        min_operators=h.min_operators[keep], name=("",) * m, commune=("",) * m,
        district=("",) * m,
    )
    nnz = compute_coverage(replace(data, hamlets=sample, warnings=())).matrix.nnz
    return int(round(nnz * n / m))


def estimate_memory(data: ProblemData) -> int:
    """Estimated peak memory of solving ``data``, in bytes.

    ``BASE_BYTES + BYTES_PER_PAIR * nnz + BYTES_PER_HAMLET * hamlets +
    BYTES_PER_SITE_OPERATOR * sites * operators``, ``nnz`` from
    :func:`estimate_coverage_nnz` (module docstring: calibration).
    """
    return _memory_from_nnz(data, estimate_coverage_nnz(data))


def _memory_from_nnz(data: ProblemData, nnz: int) -> int:
    return int(
        BASE_BYTES + BYTES_PER_PAIR * nnz + BYTES_PER_HAMLET * data.num_hamlets
        + BYTES_PER_SITE_OPERATOR * data.num_sites * max(1, data.num_operators)
    )


class ResourceError(ScenarioError):
    """The scenario needs more memory than this machine has available."""


def check_resources(data: ProblemData, limit_bytes: int | None = None) -> int:
    """Refuse a scenario whose estimated memory exceeds what is available.

    Parameters
    ----------
    data
        The scenario.
    limit_bytes
        The memory it may use; default ``psutil.virtual_memory().available``.

    Returns
    -------
    int
        The estimate, in bytes, when it fits.

    Raises
    ------
    ResourceError
        With the estimate and the limit in GB.
    """
    nnz = estimate_coverage_nnz(data)
    estimate = _memory_from_nnz(data, nnz)
    if limit_bytes is None:
        import psutil

        limit_bytes = int(psutil.virtual_memory().available)
    if estimate > limit_bytes:
        raise ResourceError(
            f"solving '{data.name}' needs an estimated {estimate / 1e9:.1f} GB of memory "
            f"({data.num_hamlets} hamlets, {data.num_sites} sites, "
            f"~{nnz:,} coverage pairs), more than the "
            f"{limit_bytes / 1e9:.1f} GB available; split the scenario (by district) or run "
            "it on a larger machine",
            file=None if data.source is None else str(data.source),
        )
    return estimate
