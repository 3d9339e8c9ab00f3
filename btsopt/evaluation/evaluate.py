"""Independent evaluation of a plan: coverage, sharing, costs and violations.

Everything here is recomputed from :class:`~btsopt.data.ProblemData` and the
outcome tenancies of a :class:`~btsopt.plan.Plan`, with no code shared with
the radio module, the model or the solvers (see ``propagation.py``). The
solver's own figures are checked against these.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import sparse

from btsopt.data import LOCK_IN, LOCK_OUT, ProblemData
from btsopt.evaluation.capacity import CapacityCheck, check_capacity, lost_service
from btsopt.evaluation.propagation import covering_pairs, iter_covering_pairs
from btsopt.plan import Plan

THIRD_PARTY = "third_party"
"""Name of the entry that collects costs of sites owned by non-operators."""

COST_KEYS: tuple[str, ...] = (
    "site_capex", "site_opex", "tenancy_capex", "tenancy_opex", "decommission",
)

_MAX_NAMED = 10  # uncovered hamlets named in a violation message
_RATIO_TOL = 1e-9
_BUDGET_RTOL = 1e-9


@dataclass(frozen=True, eq=False)
class Evaluation:
    """KPIs, costs and rule violations of one plan.

    Attributes
    ----------
    hamlet_coverage
        Share of hamlets meeting their coverage rule (1.0 with no hamlets).
    covered_hamlets
        Number of hamlets meeting their rule.
    num_hamlets
        Number of hamlets.
    covered_population, total_population
        Population of the hamlets meeting their rule, and of all hamlets.
    hamlet_covered
        Per hamlet: covered by at least ``min_operators`` distinct operators.
    hamlet_operator_count
        Per hamlet: number of distinct operators covering it.
    hamlet_covering_operators
        (hamlets x operators) boolean matrix: operator k covers hamlet i.
    active_sites, shared_sites
        Sites with at least one, and at least two, tenants.
    shared_site_ratio
        ``shared_sites / active_sites`` (0 with no active site).
    site_active, site_shared
        Per-site booleans.
    site_tenants
        Per-site number of outcome tenants.
    tenancies_kept, tenancies_added, tenancies_removed
        Outcome tenancies that existed, that are new, and existing ones dropped.
    sites_built, sites_decommissioned
        Active candidate sites, and existing sites with tenants now emptied.
    annuity_factor
        ``sum_{t=1..H} 1/(1+r)^t``: the present value of one unit a year.
    system_cost
        Total cost NPV (rent excluded: it is a transfer).
    cost
        Breakdown of ``system_cost``: keys of ``COST_KEYS`` (with ``[demand]``
        also ``carrier_capex`` and ``carrier_opex``; with ``[network]`` also
        ``backhaul``, the b_j of the built candidates).
    operators
        Per operator id: ``capex``, ``opex``, ``decommission``, ``cost``
        (their sum), ``rent_paid``, ``rent_received`` and
        ``npv = cost + rent_paid - rent_received`` (all NPV).
    third_party
        The same figures for sites owned by non-operators (tower companies):
        their site capex, opex and decommission, and the rent they receive.
    violations
        Plain-English descriptions of broken rules and missed targets; empty
        when admissible.
    operator_ids, hamlet_ids
        Labels of the columns / rows of the arrays above.
    demand
        With ``[demand]`` only (else ``None``): ``subscriptions``,
        ``served_subscriptions``, ``served_share``, ``carriers_added``,
        ``max_load`` and ``operators`` (the same per operator id).
    capacity
        With ``[demand]`` only: carriers, loads and the flow found
        (:class:`~btsopt.evaluation.capacity.CapacityCheck`).
    target_shortfalls
        Those of ``violations`` that are province-wide targets missed (hamlet
        coverage, shared-site ratio, budget) rather than rules a tenancy breaks.
    """

    hamlet_coverage: float
    covered_hamlets: int
    num_hamlets: int
    covered_population: float
    total_population: float
    hamlet_covered: np.ndarray
    hamlet_operator_count: np.ndarray
    hamlet_covering_operators: np.ndarray
    active_sites: int
    shared_sites: int
    shared_site_ratio: float
    site_active: np.ndarray
    site_shared: np.ndarray
    site_tenants: np.ndarray
    tenancies_kept: int
    tenancies_added: int
    tenancies_removed: int
    sites_built: int
    sites_decommissioned: int
    annuity_factor: float
    system_cost: float
    cost: dict[str, float]
    operators: dict[str, dict[str, float]]
    third_party: dict[str, float]
    violations: tuple[str, ...]
    operator_ids: tuple[str, ...] = field(default=())
    hamlet_ids: tuple[str, ...] = field(default=())
    demand: dict[str, Any] | None = None
    capacity: CapacityCheck | None = None
    target_shortfalls: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        for name in (
            "hamlet_covered", "hamlet_operator_count", "hamlet_covering_operators",
            "site_active", "site_shared", "site_tenants",
        ):
            array = np.ascontiguousarray(getattr(self, name))
            array.setflags(write=False)
            object.__setattr__(self, name, array)

    @property
    def tenancy_load(self) -> np.ndarray | None:
        """(sites x operators) carried Mb/s over capacity, NaN where no tenancy.

        One feasible split of the demand (the max flow's), ``None`` without
        ``[demand]``.
        """
        return None if self.capacity is None else self.capacity.tenancy_load

    @property
    def admissible(self) -> bool:
        """True when the plan breaks no rule."""
        return not self.violations

    def covering_operator_ids(self, hamlet: int) -> tuple[str, ...]:
        """Ids of the operators covering hamlet number ``hamlet``."""
        row = self.hamlet_covering_operators[hamlet]
        return tuple(op for op, on in zip(self.operator_ids, row, strict=True) if on)

    @property
    def uncovered_hamlet_ids(self) -> tuple[str, ...]:
        """Ids of the hamlets that do not meet their coverage rule."""
        return tuple(self.hamlet_ids[i] for i in np.flatnonzero(~self.hamlet_covered))

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready summary (the keys of ``btsopt evaluate --json`` and more)."""
        return {
            "admissible": self.admissible,
            "hamlet_coverage": float(self.hamlet_coverage),
            "covered_hamlets": int(self.covered_hamlets),
            "num_hamlets": int(self.num_hamlets),
            "covered_population": float(self.covered_population),
            "total_population": float(self.total_population),
            "shared_site_ratio": float(self.shared_site_ratio),
            "active_sites": int(self.active_sites),
            "shared_sites": int(self.shared_sites),
            "tenancies_kept": int(self.tenancies_kept),
            "tenancies_added": int(self.tenancies_added),
            "tenancies_removed": int(self.tenancies_removed),
            "sites_built": int(self.sites_built),
            "sites_decommissioned": int(self.sites_decommissioned),
            "system_cost": float(self.system_cost),
            "cost": {key: float(value) for key, value in self.cost.items()},
            "operators": {
                op: {key: float(value) for key, value in figures.items()}
                for op, figures in self.operators.items()
            },
            THIRD_PARTY: {key: float(value) for key, value in self.third_party.items()},
            "violations": list(self.violations),
            "target_shortfalls": list(self.target_shortfalls),
        } | ({} if self.demand is None else {"demand": self.demand})


def annuity(horizon_years: int, discount_rate: float) -> float:
    """Present value of one unit paid at the end of each of ``horizon_years`` years."""
    return float(sum(1.0 / (1.0 + discount_rate) ** t for t in range(1, horizon_years + 1)))


def _check_shape(data: ProblemData, plan: Plan) -> np.ndarray:
    x = np.asarray(plan.tenancies, dtype=bool)
    expected = (data.num_sites, data.num_operators)
    if x.shape != expected:
        raise ValueError(f"plan has shape {x.shape}, the problem needs {expected}")
    return x


def hamlet_coverage_sets(data: ProblemData, plan: Plan) -> sparse.csr_matrix:
    """Which tenancies of a plan cover which hamlet.

    Parameters
    ----------
    data
        The problem.
    plan
        The outcome tenancies.

    Returns
    -------
    scipy.sparse.csr_matrix
        Boolean (hamlets x (sites * operators)) matrix; column ``j * K + k``
        (``K`` = number of operators) is true in row ``i`` when operator ``k``
        on site ``j`` is in the plan and covers hamlet ``i``. Row ``i``'s
        column indices, ``divmod(column, K)``, give the (site, operator) pairs,
        in site then operator order.
    """
    x = _check_shape(data, plan)
    hamlet, site, operator = covering_pairs(data, x)
    num_ops = data.num_operators
    shape = (data.num_hamlets, data.num_sites * num_ops)
    matrix = sparse.csr_matrix(
        (np.ones(len(hamlet), dtype=bool), (hamlet, site * num_ops + operator)), shape=shape
    )
    matrix.sort_indices()
    return matrix


def _owners(data: ProblemData, x: np.ndarray) -> np.ndarray:
    """Owning operator index per site, or -1 for a non-operator (third party).

    An empty owner on a candidate site means the builder owns it: its first
    outcome tenant in operator order. An empty owner on an existing site is
    unknown, hence not an operator: third party.
    """
    index = {op.id: k for k, op in enumerate(data.operators)}
    names = [owner.strip() for owner in data.sites.owner]
    owners = np.array([index.get(name, -1) for name in names], dtype=np.intp)
    empty = np.array([name == "" for name in names], dtype=bool)
    built = empty & ~data.sites.existing.astype(bool) & x.any(axis=1)
    owners[built] = np.argmax(x[built], axis=1)
    return owners


def _violations(
    data: ProblemData,
    x: np.ndarray,
    covered: np.ndarray,
    system_cost: float,
) -> tuple[list[str], list[str]]:
    """Every violation, and those among them that are province-wide targets missed
    (coverage, shared-site ratio, budget) rather than rules a tenancy breaks."""
    sites, ops = data.sites, data.operators
    before = np.asarray(data.tenancies, dtype=bool)
    existing = np.asarray(sites.existing, dtype=bool)
    tenants = x.sum(axis=1)
    active = tenants >= 1
    messages: list[str] = []

    for j in np.flatnonzero(tenants > sites.max_tenants):
        messages.append(
            f"site {sites.ids[j]} hosts {tenants[j]} tenants, more than its limit "
            f"of {int(sites.max_tenants[j])}"
        )
    for j, k in zip(*np.nonzero(x & ~before & ~np.asarray(sites.allowed, bool)), strict=True):
        messages.append(f"operator {ops[k].id} is not allowed on site {sites.ids[j]}")
    for j in np.flatnonzero((sites.locked == LOCK_OUT) & active):
        messages.append(f"site {sites.ids[j]} is locked out but used")
    for j in np.flatnonzero((sites.locked == LOCK_IN) & ~active):
        messages.append(f"site {sites.ids[j]} is locked in but not active")

    removed = before & ~x
    policy = data.policy
    if not policy.allow_relocation:
        # Removing tenancies is then only allowed as part of emptying the site.
        excused = existing & ~active if policy.allow_decommission else np.zeros_like(active)
        for j, k in zip(*np.nonzero(removed & ~excused[:, None]), strict=True):
            messages.append(
                f"existing tenancy of {ops[k].id} on site {sites.ids[j]} is removed "
                "but relocation is not allowed"
            )
    if not policy.allow_decommission:
        for j in np.flatnonzero(existing & before.any(axis=1) & ~active):
            messages.append(
                f"existing site {sites.ids[j]} is emptied but decommissioning is not allowed"
            )

    rules = len(messages)
    targets = data.targets
    n = len(covered)
    if targets.coverage_mode == "hard" and n:
        count = int(covered.sum())
        if count < targets.hamlet_coverage * n - _RATIO_TOL:
            missing = np.flatnonzero(~covered)
            names = ", ".join(data.hamlets.ids[i] for i in missing[:_MAX_NAMED])
            more = f" and {len(missing) - _MAX_NAMED} more" if len(missing) > _MAX_NAMED else ""
            messages.append(
                f"hamlet coverage {count / n:.4%} is below the target "
                f"{targets.hamlet_coverage:.4%}: {len(missing)} hamlets do not meet "
                f"their coverage rule ({names}{more})"
            )
    if targets.sharing == "hard":
        num_active = int(active.sum())
        num_shared = int((tenants >= 2).sum())
        if num_shared < targets.shared_site_ratio * num_active - _RATIO_TOL:
            ratio = num_shared / num_active if num_active else 0.0
            messages.append(
                f"shared-site ratio {ratio:.4f} ({num_shared} of {num_active} active "
                f"sites) is below the target {targets.shared_site_ratio:.4f}"
            )
    budget = targets.budget
    slack = _BUDGET_RTOL * max(1.0, abs(budget))
    if math.isfinite(budget) and system_cost > budget + slack:
        messages.append(f"system cost {system_cost:.6g} exceeds the budget {budget:.6g}")
    shortfalls = messages[rules:]
    # Decisions locked in from outside (a proposal): they must hold as given.
    if data.forced_tenancies is not None:
        for j, k in zip(*np.nonzero(np.asarray(data.forced_tenancies, bool) & ~x), strict=True):
            messages.append(f"forced tenancy of {ops[k].id} on site {sites.ids[j]} is missing")
    if data.forbidden_tenancies is not None:
        for j, k in zip(*np.nonzero(np.asarray(data.forbidden_tenancies, bool) & x), strict=True):
            messages.append(f"forbidden tenancy of {ops[k].id} on site {sites.ids[j]} is present")
    return messages, shortfalls


def evaluate(data: ProblemData, plan: Plan) -> Evaluation:
    """Recompute every KPI, cost and rule violation of a plan.

    Parameters
    ----------
    data
        The problem.
    plan
        The outcome tenancies (sites x operators).

    Returns
    -------
    Evaluation
        Coverage, sharing, costs (system and per operator) and violations.

    Raises
    ------
    ValueError
        If the plan's shape does not match the problem.
    """
    x = _check_shape(data, plan)
    sites, econ = data.sites, data.economics
    num_ops = data.num_operators
    before = np.asarray(data.tenancies, dtype=bool)
    existing = np.asarray(sites.existing, dtype=bool)

    # --- coverage
    covering = np.zeros((data.num_hamlets, num_ops), dtype=bool)
    pairs = None
    if data.demand is None:
        for hamlet, _site, operator in iter_covering_pairs(data, x):
            covering[hamlet, operator] = True  # chunk by chunk: pairs are not kept
    else:
        pairs = covering_pairs(data, x)  # the capacity check routes demand along them
        covering[pairs[0], pairs[2]] = True
    operator_count = covering.sum(axis=1).astype(np.int64)
    covered = operator_count >= np.asarray(data.hamlets.min_operators)
    population = np.asarray(data.hamlets.population, dtype=float)
    n = data.num_hamlets
    covered_hamlets = int(covered.sum())

    # --- sites
    tenants = x.sum(axis=1).astype(np.int64)
    active = tenants >= 1
    shared = tenants >= 2
    num_active, num_shared = int(active.sum()), int(shared.sum())

    # --- system cost (NPV)
    a = annuity(econ.horizon_years, econ.discount_rate)
    tenancy_capex = np.array([op.tenancy_capex for op in data.operators], dtype=float)
    tenancy_opex = np.array([op.tenancy_opex_per_year for op in data.operators], dtype=float)
    added = x & ~before
    removed = before & ~x
    built = active & ~existing
    emptied = existing & before.any(axis=1) & ~active
    site_capex = np.where(built, sites.capex, 0.0)
    # Backhaul b_j of built candidates ([network], format v2): read from the data,
    # where reading derived it once from the graph (see btsopt.reading.network).
    backhaul = (np.zeros(len(built)) if data.network is None
                else np.where(built, data.network.backhaul, 0.0))
    site_opex = np.where(active, sites.opex_per_year * a, 0.0)
    site_decom = np.where(emptied, econ.decommission_cost, 0.0)
    cost = {
        "site_capex": float(site_capex.sum()),
        "site_opex": float(site_opex.sum()),
        "tenancy_capex": float((added * tenancy_capex).sum()),
        "tenancy_opex": float((x * tenancy_opex).sum() * a),
        "decommission": float(econ.decommission_cost * (removed.sum() + emptied.sum())),
    }
    capacity = None
    carrier_capex = carrier_opex = np.zeros(x.shape)
    if data.demand is not None:
        assert pairs is not None
        capacity = check_capacity(data, x, plan.carrier_counts(data), covering, pairs)
        carrier_capex = capacity.carriers_added * data.demand.carrier_capex[None, :]
        carrier_opex = capacity.carriers_added * data.demand.carrier_opex_per_year[None, :] * a
        cost["carrier_capex"] = float(carrier_capex.sum())
        cost["carrier_opex"] = float(carrier_opex.sum())
    if data.network is not None:
        cost["backhaul"] = float(backhaul.sum())
    site_capex = site_capex + backhaul
    system_cost = float(sum(cost.values()))

    # --- per party: operators own their tenancies and the sites they own
    owners = _owners(data, x)
    rent = np.asarray(sites.rent_per_year, dtype=float) * a
    parties: dict[int, dict[str, float]] = {}
    for party in [*range(num_ops), -1]:
        owned = owners == party
        if party >= 0:
            own = x[:, party]
            capex = (site_capex[owned].sum() + tenancy_capex[party] * added[:, party].sum()
                     + carrier_capex[:, party].sum())
            opex = (site_opex[owned].sum() + tenancy_opex[party] * a * own.sum()
                    + carrier_opex[:, party].sum())
            decom = site_decom[owned].sum() + econ.decommission_cost * removed[:, party].sum()
            rent_paid = rent[own & ~owned].sum()
            # Rent received: from every other tenant on the sites it owns.
            others = tenants - own
        else:
            capex = site_capex[owned].sum()
            opex = site_opex[owned].sum()
            decom = site_decom[owned].sum()
            rent_paid = 0.0
            others = tenants
        rent_received = (rent * others)[owned].sum()
        total = capex + opex + decom
        parties[party] = {
            "cost": float(total),
            "capex": float(capex),
            "opex": float(opex),
            "decommission": float(decom),
            "rent_paid": float(rent_paid),
            "rent_received": float(rent_received),
            "npv": float(total + rent_paid - rent_received),
        }

    violations, shortfalls = _violations(data, x, covered, system_cost)
    if capacity is not None:
        violations += capacity.violations
        if data.demand is not None and data.demand.keep_service:
            today = np.zeros_like(covering)
            for hamlet, _site, operator in iter_covering_pairs(data, before):
                today[hamlet, operator] = True
            violations += lost_service(data, covering, today)
    return Evaluation(
        hamlet_coverage=covered_hamlets / n if n else 1.0,
        covered_hamlets=covered_hamlets,
        num_hamlets=n,
        covered_population=float(population[covered].sum()),
        total_population=float(population.sum()),
        hamlet_covered=covered,
        hamlet_operator_count=operator_count,
        hamlet_covering_operators=covering,
        active_sites=num_active,
        shared_sites=num_shared,
        shared_site_ratio=num_shared / num_active if num_active else 0.0,
        site_active=active,
        site_shared=shared,
        site_tenants=tenants,
        tenancies_kept=int((x & before).sum()),
        tenancies_added=int(added.sum()),
        tenancies_removed=int(removed.sum()),
        sites_built=int(built.sum()),
        sites_decommissioned=int(emptied.sum()),
        annuity_factor=a,
        system_cost=system_cost,
        cost=cost,
        operators={op.id: parties[k] for k, op in enumerate(data.operators)},
        third_party=parties[-1],
        violations=tuple(violations),
        target_shortfalls=tuple(shortfalls),
        operator_ids=data.operator_ids,
        hamlet_ids=tuple(data.hamlets.ids),
        demand=None if capacity is None else capacity.demand,
        capacity=capacity,
    )
