"""What makes a scenario unsolvable that no search is needed to see.

:func:`precheck` runs the cheap checks that :func:`btsopt.solve.solve` runs
before any search and that ``btsopt validate`` reports:

1. *Unreachable hamlets*: hamlets whose coverage rule no usable (site,
   operator) pair meets, each with its nearest site, the distance and how far
   the best operator's link budget falls short (a site locked ``out`` is never
   called usable: it is named among the sites in reach that may not be used).
2. *Policy conflicts*: locked-in sites nobody may use, locked-out sites
   carrying tenancies that policy keeps, forced tenancies that cannot hold.
3. *Sharing target*: the closed-form ceiling of the shared-site ratio
   (:func:`sharing_structure`): shareable sites over shareable plus those that
   must stay active but cannot be shared.

The findings are records (:class:`UnreachableHamlet`, :class:`SharingLimit`,
:class:`BudgetLimit`, :class:`Relaxation`) gathered in a :class:`Diagnosis`;
:func:`btsopt.diagnose.explain_infeasibility` adds what needs short solves
(budget, the highest reachable ratio, one-at-a-time relaxations).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

from btsopt.data import AREA_TYPES, LOCK_IN, LOCK_OUT, ProblemData
from btsopt.radio import Coverage, compute_coverage, haversine_km, path_loss_db

__all__ = [
    "MAX_LISTED",
    "BudgetLimit",
    "Diagnosis",
    "Relaxation",
    "SharingLimit",
    "UnreachableHamlet",
    "policy_conflicts",
    "precheck",
    "sharing_structure",
]

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
        Nearest site some operator may use (``None``: no such site).
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
    nearer_unusable
        The nearest site of all when no operator may use it, with why
        (e.g. ``"S00012 at 1.2 km, locked out"``); empty otherwise.
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
    nearer_unusable: str = ""

    def describe(self) -> str:
        """One phrase, e.g. ``H9 (Xóm Xa): nearest site C2 at 14.3 km, path loss ...``."""
        label = f"{self.id} ({self.name})" if self.name else self.id
        if self.nearest_site is None:
            text = f"{label}: no site any operator may use" if self.nearer_unusable else (
                f"{label}: the scenario has no sites")
            if self.nearer_unusable:
                text += f" (nearest site {self.nearer_unusable})"
            return text
        text = f"{label}: nearest usable site {self.nearest_site} at {self.distance_km:.1f} km"
        if self.path_loss_db is not None and self.limit_db is not None:
            sign = ">" if self.path_loss_db > self.limit_db else "<="
            text += (f", path loss {self.path_loss_db:.1f} dB {sign} {self.limit_db:g} dB "
                     f"limit of {self.operator}")
        elif self.radius_km is not None:
            where = "beyond" if self.distance_km > self.radius_km else "within"
            text += (f", {where} the {self.radius_km:g} km {self.area_type.replace('_', ' ')} "
                     f"radius of {self.operator}")
        if self.nearer_unusable:
            text += f" (nearer: site {self.nearer_unusable})"
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
    points = _unit_vectors(h.lon[hamlets], h.lat[hamlets])
    _, nearest_any = cKDTree(_unit_vectors(s.lon, s.lat)).query(points)
    open_sites = np.flatnonzero(usable.any(axis=1))
    if open_sites.size:
        _, at = cKDTree(_unit_vectors(s.lon[open_sites], s.lat[open_sites])).query(points)
        nearest = open_sites[np.atleast_1d(at)]
    else:
        nearest = np.full(len(hamlets), -1)
    # Rows of the listed hamlets only: which unusable columns would reach them.
    rows = coverage.matrix[hamlets, :].tocsr()
    unusable_cols = ~usable.ravel()
    out = []
    for row, (i, j, any_j) in enumerate(zip(hamlets, nearest, np.atleast_1d(nearest_any),
                                            strict=True)):
        j, any_j = int(j), int(any_j)
        nearer = ""
        if j < 0 or any_j != j and not usable[any_j].any():
            why = "locked out" if s.locked[any_j] == LOCK_OUT else "no operator may use it"
            d_any = float(haversine_km(s.lon[any_j], s.lat[any_j], h.lon[i], h.lat[i]))
            nearer = f"{s.ids[any_j]} at {d_any:.1f} km, {why}"
        if j < 0:
            out.append(UnreachableHamlet(
                h.ids[i], h.name[i], int(h.min_operators[i]), int(reach[i].sum()), None,
                math.inf, None, nearer_unusable=nearer))
            continue
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
            area_type=AREA_TYPES[area], blocked_sites=blocked, nearer_unusable=nearer,
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

def sharing_structure(data: ProblemData) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per site: usable (site x operator), shareable, forced active.

    A site is *shareable* when two operators may be on it (its tenant limit and
    its usable operators both at least 2) and *forced active* when it must stay
    active (locked in, or existing tenancies on it that the policy keeps).
    """
    sites = data.sites
    before = np.asarray(data.tenancies, dtype=bool)
    usable = (np.asarray(sites.allowed, bool) | before) & (sites.locked != LOCK_OUT)[:, None]
    capacity = np.minimum(np.asarray(sites.max_tenants), usable.sum(axis=1))
    shareable = capacity >= 2
    forced = usable.any(axis=1) & (sites.locked == LOCK_IN)
    if not data.policy.allow_decommission:
        forced |= usable.any(axis=1) & before.any(axis=1) & np.asarray(sites.existing, bool)
    return usable, shareable, forced


def _sharing_counts(data: ProblemData) -> dict[str, int]:
    """Counts of sites that hold the shared-site ratio down."""
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


def unreachable_hamlets(
    data: ProblemData, coverage: Coverage
) -> tuple[np.ndarray, bool, tuple[UnreachableHamlet, ...], str | None]:
    """Hamlets no usable site serves as their rule asks (the rule of ``build_model``).

    Returns
    -------
    tuple
        The hamlets' indices; whether they break a hard coverage target; the
        first :data:`MAX_LISTED` of them described; the reason in words
        (``None`` when the target is not broken).
    """
    usable = _usable(data)
    reach = _reach_by_operator(coverage, usable)
    need = np.asarray(data.hamlets.min_operators, dtype=np.int64)
    unreachable = np.flatnonzero(reach.sum(axis=1) < need)
    targets = data.targets
    allowed_miss = math.floor((1 - targets.hamlet_coverage) * data.num_hamlets + 1e-9)
    breaks_coverage = targets.coverage_mode == "hard" and unreachable.size > 0 and (
        targets.hamlet_coverage >= 1.0 or unreachable.size > allowed_miss
    )
    if not breaks_coverage:
        return unreachable, False, (), None
    described = _describe_unreachable(data, coverage, usable, reach, unreachable[:MAX_LISTED])
    more = unreachable.size - len(described)
    reason = (
        f"{unreachable.size} hamlet(s) cannot meet their coverage rule from any usable "
        "site: " + "; ".join(u.describe() for u in described)
        + (f"; and {more} more (btsopt validate --all names them)" if more > 0 else "")
    )
    return unreachable, True, described, reason


def closed_form_sharing_limit(data: ProblemData) -> SharingLimit | None:
    """The hard sharing target above the closed-form ceiling, or ``None``.

    No search: ``highest`` is 0 and ``method`` ``"bound only"``.
    """
    targets = data.targets
    if targets.sharing != "hard" or targets.shared_site_ratio <= 0:
        return None
    counts = _sharing_counts(data)
    upper = _closed_form_upper(counts)
    if targets.shared_site_ratio <= upper + _EPS:
        return None
    return SharingLimit(targets.shared_site_ratio, 0.0, upper, False, "bound only", **counts)


def precheck(data: ProblemData, coverage: Coverage | None = None) -> Diagnosis:
    """The checks that need no search (module docstring), as a :class:`Diagnosis`.

    Parameters
    ----------
    data
        The scenario.
    coverage
        Its coverage matrix (computed when omitted).

    Returns
    -------
    Diagnosis
        ``reasons`` empty when none of the cheap checks finds a problem (the
        scenario may still have no plan: only a solve can tell).
    """
    coverage = coverage if coverage is not None else compute_coverage(data)
    unreachable, breaks, described, reason = unreachable_hamlets(data, coverage)
    reasons = [reason] if reason else []
    conflicts = policy_conflicts(data)
    reasons.extend(conflicts)
    sharing = closed_form_sharing_limit(data)
    if sharing is not None:
        reasons.append(sharing.describe())
    return Diagnosis(
        reasons=tuple(reasons), unreachable=described,
        unreachable_count=int(unreachable.size) if breaks else 0,
        policy_conflicts=tuple(conflicts), sharing=sharing,
    )
