"""The optimisation model of ``model.md`` as a :class:`LinearModel`.

Columns: ``x[j,k]`` (operator k on site j) for every usable pair, ``y[j]``
(site active), ``s[j]`` (site shared), and where needed ``c[i]`` (hamlet
counts as covered), ``z[i,k]`` (k-coverage) and ``w`` (sharing shortfall,
soft sharing). Costs are NPVs; removal costs of existing tenancies and
sites are written as constants plus negative terms on keeping them.

The rows are those of ``model.md`` with the same integer solutions but a
tighter LP: linking per pair (``x[j,k] <= y[j]``), ``y[j] + s[j] <= sum_k
x[j,k]`` in place of ``2 s[j] <= sum_k x[j,k]``, and site-cover rows (some
site within reach of a hamlet is active).

The lexicographic objective is a list of :class:`ObjectiveLevel` solved in
order, each level's value fixed before the next.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np
from scipy import sparse

import btsopt.model.capacity as cap_rows
from btsopt.data import LOCK_IN, LOCK_OUT, ProblemData
from btsopt.model.capacity import CapacityColumns
from btsopt.model.linear import LinearModel, RowBuilder
from btsopt.model.reduction import SHARE_NEW, TokenGroup, find_token_groups, relevant_pairs
from btsopt.plan import Plan
from btsopt.radio import Coverage

INF = math.inf


@dataclass(frozen=True)
class ObjectiveLevel:
    """One level of the lexicographic objective (always minimised).

    ``name`` is ``"coverage"`` (minus covered population), ``"sharing"``
    (shortfall, in 1/q sites) or ``"cost"`` (system cost NPV).
    """

    name: str
    objective: np.ndarray
    offset: float = 0.0


@dataclass(frozen=True, eq=False)
class SitingModel:
    """The model of one scenario and the maps from its columns to decisions.

    Attributes
    ----------
    linear
        The feasible set and the cost objective.
    levels
        Objective levels in lexicographic order; the last is the cost.
    x_index
        (sites x operators) column of ``x[j,k]``, ``-1`` where the pair is unusable.
    y_index, s_index
        Column of ``y[j]`` / ``s[j]`` per site, ``-1`` where absent.
    covered_index
        Column of ``c[i]`` per hamlet, ``-1`` when coverage is required outright.
    ratio
        The sharing target as an exact fraction p/q.
    unreachable
        Hamlets whose coverage rule no usable (site, operator) pair can meet.
    token_groups, token_index
        Aggregated sharing-only sites and their count columns.
    coverage_rows, site_cover_rows, sharing_row, budget_row
        Where those rows sit in ``linear.matrix`` (``-1``: absent).
    plain_coverage
        Coverage rows are ``sum x >= 1`` over ``x`` columns only (no ``c``,
        ``z`` or shortfall columns): the structure the fast core exploits.
    capacity
        With ``[demand]``: the carrier and capacity columns
        (:class:`~btsopt.model.capacity.CapacityColumns`); ``None`` for v1.
    """

    linear: LinearModel
    levels: tuple[ObjectiveLevel, ...]
    x_index: np.ndarray
    y_index: np.ndarray
    s_index: np.ndarray
    covered_index: np.ndarray
    ratio: Fraction
    unreachable: np.ndarray
    token_groups: tuple[TokenGroup, ...] = ()
    token_index: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    coverage_rows: slice = field(default_factory=lambda: slice(0, 0))
    site_cover_rows: slice = field(default_factory=lambda: slice(0, 0))
    sharing_row: int = -1
    budget_row: int = -1
    plain_coverage: bool = True
    capacity: CapacityColumns | None = None
    cover: sparse.csr_matrix | None = None

    def plan(self, values: np.ndarray) -> Plan:
        """The plan a solution vector encodes (tokens go to their groups' first sites)."""
        chosen = np.zeros(self.x_index.shape, dtype=bool)
        used = self.x_index >= 0
        chosen[used] = values[self.x_index[used]] > 0.5
        for group, col in zip(self.token_groups, self.token_index, strict=True):
            count = int(round(values[col]))
            for j, operators in zip(group.sites[:count], group.operators[:count], strict=True):
                chosen[j, list(operators)] = True
        if self.capacity is not None:
            return Plan(chosen, cap_rows.carriers_of(self.capacity, values, chosen))
        return Plan(chosen)

    def solution(self, plan: Plan) -> np.ndarray:
        """A full solution vector for a plan (for hints and warm starts).

        Derived columns take the values the plan implies: ``y``, ``s``,
        ``c`` as the plan's outcome, ``z`` and ``w`` at their least
        feasible value; a token group's count is the number of its sites the
        plan shares. When every tenancy of the plan is an ``x`` column or a
        token (a group's site with the group's operators), the vector's cost
        is the plan's and :meth:`plan` gives a plan of the same cost (tokens
        on the group's first sites).
        """
        values = np.zeros(self.linear.num_cols)
        used = self.x_index >= 0
        values[self.x_index[used]] = plan.tenancies[used]
        tenants = plan.tenancies.sum(axis=1)
        has_y = self.y_index >= 0
        values[self.y_index[has_y]] = tenants[has_y] >= 1
        has_s = self.s_index >= 0
        values[self.s_index[has_s]] = tenants[has_s] >= 2
        for group, col in zip(self.token_groups, self.token_index, strict=True):
            values[col] = int((tenants[group.sites] >= 2).sum())
        if self.capacity is not None:
            assert self.cover is not None
            cap_rows.fill_solution(self.capacity, values, plan.tenancies, plan.carriers,
                                   self.x_index, self.cover)
        # c, z, w are determined by x: fill them from the rows they appear in.
        _complete_auxiliaries(self, values)
        return values


def sharing_fraction(ratio: float) -> Fraction:
    """The ratio target as an exact small fraction (0.3 -> 3/10)."""
    return Fraction(ratio).limit_denominator(10_000)


def _cost_vectors(data: ProblemData, annuity: float) -> tuple[np.ndarray, np.ndarray, float]:
    """NPV cost of each x[j,k] and y[j], plus the constant of removal costs."""
    sites, econ = data.sites, data.economics
    tenancy_capex = np.array([op.tenancy_capex for op in data.operators])
    tenancy_opex = np.array([op.tenancy_opex_per_year for op in data.operators]) * annuity
    existing = data.tenancies
    # New tenancy: capex + opex. Kept tenancy: opex; removed: decommission cost,
    # written as constant + (opex - decommission) * x.
    x_cost = np.where(existing, tenancy_opex[None, :] - econ.decommission_cost,
                      tenancy_capex[None, :] + tenancy_opex[None, :])
    constant = econ.decommission_cost * float(existing.sum())
    site_cost = sites.capex + sites.opex_per_year * annuity
    if data.network is not None:
        # Backhaul b_j (format v2, [network]): part of a candidate's build cost.
        site_cost = site_cost + data.network.backhaul
    had_tenants = existing.any(axis=1)
    # An existing site emptied of its tenants costs one decommissioning.
    site_cost = np.where(had_tenants, site_cost - econ.decommission_cost, site_cost)
    constant += econ.decommission_cost * float(had_tenants.sum())
    return x_cost, site_cost, constant


def build_model(data: ProblemData, coverage: Coverage, *, aggregate: bool = True,
                keep_pairs: np.ndarray | None = None) -> SitingModel:
    """Build the model of ``model.md`` for a scenario.

    Parameters
    ----------
    data
        The validated scenario.
    coverage
        Its coverage matrix (see :func:`btsopt.radio.compute_coverage`).
    aggregate
        Replace interchangeable sharing-only sites by token counts
        (:mod:`btsopt.model.reduction`); exact, and far easier to search.
        Off with ``[demand]``: a tenancy added only for sharing still carries
        the demand of the hamlets it reaches, so such sites are not
        interchangeable.
    keep_pairs
        (hamlets x operators) pairs whose operator must keep covering the
        hamlet (keep_service): one more covering row ``sum x[j,k] >= 1`` each,
        among the coverage rows. Used for the scenario without ``[demand]``
        that starts a capacitated solve; implies ``aggregate=False``.
    """
    num_sites, num_ops = data.num_sites, data.num_operators
    sites, policy, targets = data.sites, data.policy, data.targets
    existing = data.tenancies
    had_tenants = existing.any(axis=1)

    usable = (sites.allowed | existing) & (sites.locked != LOCK_OUT)[:, None] & ~data.forbidden
    # Tenancies fixed by policy (kept outright unless relocation or
    # decommissioning frees them) or forced (a proposal locked in).
    fixed_tenancy = existing & usable & (not policy.allow_relocation) & (
        not policy.allow_decommission
    )
    fixed_tenancy |= data.forced & usable
    # Sites that must stay active: locked in, or existing with tenants when
    # decommissioning is not allowed.
    keep_site = usable.any(axis=1) & ((sites.locked == LOCK_IN) | data.forced.any(axis=1))
    if not policy.allow_decommission:
        keep_site |= usable.any(axis=1) & had_tenants

    need = data.hamlets.min_operators.astype(np.int64)
    soft_coverage = targets.coverage_mode == "soft"
    partial = targets.hamlet_coverage < 1.0
    has_c = (need > 0) & (soft_coverage or partial)
    cover_by_op = [
        coverage.for_operator(k).multiply(usable[:, k][None, :]).tocsc() for k in range(num_ops)
    ]
    reach_by_op = np.column_stack(
        [np.asarray(cover_by_op[k].sum(axis=1)).ravel() > 0 for k in range(num_ops)]
    )
    reachable = reach_by_op.sum(axis=1) >= need
    unreachable = np.flatnonzero(~reachable)

    annuity = data.economics.annuity_factor
    x_cost, site_cost, constant = _cost_vectors(data, annuity)
    ratio = sharing_fraction(targets.shared_site_ratio)
    token_groups: list[TokenGroup] = []
    removed_pairs = np.zeros_like(usable)
    if aggregate and data.demand is None and keep_pairs is None:
        relevant = relevant_pairs(cover_by_op, fixed_tenancy, need, has_c)
        token_groups, removed_pairs, _ = find_token_groups(
            usable=usable, fixed=fixed_tenancy, existing=existing, relevant=relevant,
            forced_active=keep_site | fixed_tenancy.any(axis=1),
            locked_in=sites.locked == LOCK_IN, max_tenants=sites.max_tenants,
            pair_cost=x_cost, site_cost=site_cost, sharing=ratio > 0,
        )
    explicit = usable & ~removed_pairs
    site_used = explicit.any(axis=1)
    keep_site &= site_used

    # --- columns -------------------------------------------------------
    x_index = np.full((num_sites, num_ops), -1, dtype=np.int64)
    x_index[explicit] = np.arange(int(explicit.sum()))
    next_col = int(explicit.sum())
    y_index = np.full(num_sites, -1, dtype=np.int64)
    y_index[site_used] = next_col + np.arange(int(site_used.sum()))
    next_col += int(site_used.sum())
    can_share = site_used & (explicit.sum(axis=1) >= 2) & (sites.max_tenants >= 2)
    s_index = np.full(num_sites, -1, dtype=np.int64)
    s_index[can_share] = next_col + np.arange(int(can_share.sum()))
    next_col += int(can_share.sum())

    # Columns that can serve each hamlet, restricted to explicit pairs.
    explicit_cols = np.flatnonzero(explicit.ravel())  # j*K + k order matches x_index order
    cover = coverage.matrix[:, explicit_cols].tocsr()  # hamlets x x-columns
    cover.data[:] = 1
    x_op = np.nonzero(explicit)[1]

    covered_index = np.full(data.num_hamlets, -1, dtype=np.int64)
    covered_index[has_c] = next_col + np.arange(int(has_c.sum()))
    next_col += int(has_c.sum())

    # k-coverage for 1 < need < K needs z[i,k]: operator k covers i.
    middle = np.flatnonzero((need > 1) & (need < num_ops))
    z_index = np.full((data.num_hamlets, num_ops), -1, dtype=np.int64)
    if middle.size:
        mask = np.zeros_like(reach_by_op)
        mask[middle] = reach_by_op[middle]
        z_index[mask] = next_col + np.arange(int(mask.sum()))
        next_col += int(mask.sum())

    soft_sharing = targets.sharing == "soft" and ratio > 0
    w_col = next_col if soft_sharing else -1
    next_col += int(soft_sharing)
    token_index = next_col + np.arange(len(token_groups), dtype=np.int64)
    next_col += len(token_groups)
    capacity = None
    if data.demand is not None:
        capacity = cap_rows.capacity_columns(
            data, cover, _today_cover(coverage, existing), explicit, x_index, next_col
        )
        next_col = capacity.end
    num_cols = next_col

    # --- bounds --------------------------------------------------------
    col_lb = np.zeros(num_cols)
    col_ub = np.ones(num_cols)
    col_lb[x_index[fixed_tenancy]] = 1.0
    col_lb[y_index[keep_site]] = 1.0
    if soft_sharing:
        col_ub[w_col] = INF
    col_ub[token_index] = [group.sites.size for group in token_groups]
    integer = np.ones(num_cols, dtype=bool)
    if capacity is not None:
        cap_rows.set_bounds(capacity, explicit, x_index, cover, col_lb, col_ub, integer)

    rows = RowBuilder(num_cols)
    xj, xk = np.nonzero(explicit)
    xcols = x_index[xj, xk]
    n_x = xcols.size
    # x[j,k] - y[j] <= 0 (disaggregated linking: a tighter LP than the aggregate).
    rows.add_terms(
        np.r_[np.arange(n_x), np.arange(n_x)], np.r_[xcols, y_index[xj]],
        np.r_[np.ones(n_x), -np.ones(n_x)], n_x, -INF, 0.0,
    )
    used_sites = np.flatnonzero(site_used)
    site_row = np.full(num_sites, -1, dtype=np.int64)
    site_row[used_sites] = np.arange(used_sites.size)
    # y[j] - sum_k x[j,k] <= 0 and sum_k x[j,k] - cap_j y[j] <= 0.
    rows.add_terms(
        np.r_[site_row[used_sites], site_row[xj]], np.r_[y_index[used_sites], xcols],
        np.r_[np.ones(used_sites.size), -np.ones(n_x)], used_sites.size, -INF, 0.0,
    )
    rows.add_terms(
        np.r_[site_row[xj], site_row[used_sites]], np.r_[xcols, y_index[used_sites]],
        np.r_[np.ones(n_x), -sites.max_tenants[used_sites].astype(float)],
        used_sites.size, -INF, 0.0,
    )
    share_sites = np.flatnonzero(can_share)
    if share_sites.size:
        share_row = np.full(num_sites, -1, dtype=np.int64)
        share_row[share_sites] = np.arange(share_sites.size)
        on_share = can_share[xj]
        # y[j] + s[j] - sum_k x[j,k] <= 0 (a shared site holds a second
        # tenant) and s[j] - y[j] <= 0. Together they imply the textbook
        # 2 s[j] <= sum_k x[j,k], whose LP lets a half-open site with two
        # half tenants count as half shared and cover its hamlets twice: on
        # the M consolidation family the LP bound rises from 895,325 to
        # 927,245 (optimum about 930,000).
        rows.add_terms(
            np.r_[share_row[share_sites], share_row[share_sites], share_row[xj[on_share]]],
            np.r_[s_index[share_sites], y_index[share_sites], xcols[on_share]],
            np.r_[np.ones(2 * share_sites.size), -np.ones(int(on_share.sum()))],
            share_sites.size, -INF, 0.0,
        )
        rows.add_terms(
            np.r_[np.arange(share_sites.size), np.arange(share_sites.size)],
            np.r_[s_index[share_sites], y_index[share_sites]],
            np.r_[np.ones(share_sites.size), -np.ones(share_sites.size)],
            share_sites.size, -INF, 0.0,
        )
    if policy.allow_decommission and not policy.allow_relocation:
        # A tenancy goes only with its whole site: x[j,k] >= y[j] for existing (j,k).
        ej, ek = np.nonzero(existing & explicit)
        n_e = ej.size
        rows.add_terms(
            np.r_[np.arange(n_e), np.arange(n_e)], np.r_[x_index[ej, ek], y_index[ej]],
            np.r_[np.ones(n_e), -np.ones(n_e)], n_e, 0.0, INF,
        )

    if capacity is not None:
        cap_rows.add_rows(rows, capacity, explicit, x_index, cover)
    coverage_start = rows.num_rows
    if capacity is None:
        _add_coverage_rows(
            rows, data, cover, x_op, need, covered_index, z_index, reachable, middle,
            soft_coverage, partial, fixed_lb=col_lb,
        )
        if keep_pairs is not None:
            _add_keep_rows(rows, cover, x_op, keep_pairs, fixed=col_lb[:n_x] > 0.5)
    else:
        # The coverage rules count the operators covering a hamlet: v[i,k].
        v_cover, v_op = cap_rows.operator_cover(capacity, num_cols)
        _add_coverage_rows(
            rows, data, v_cover, v_op, need, covered_index, z_index, reachable, middle,
            soft_coverage, partial, fixed_lb=col_lb,
        )

    coverage_rows = slice(coverage_start, rows.num_rows)
    site_cover_rows = _add_site_cover_rows(
        rows, cover, xj, y_index, need, reachable, covered_index, col_lb[:n_x] > 0.5
    )
    sharing_row = -1
    if ratio > 0:
        sharing_row = rows.num_rows
        # q * sum s - p * sum y (+ w) >= 0  <=>  shared / active >= p / q.
        p, q = ratio.numerator, ratio.denominator
        cols = np.r_[s_index[share_sites], y_index[used_sites]]
        vals = np.r_[np.full(share_sites.size, float(q)), np.full(used_sites.size, -float(p))]
        if soft_sharing:
            cols, vals = np.r_[cols, w_col], np.r_[vals, 1.0]
        # A token shares one more site; a new-site token also adds an active one.
        token_vals = [float(q) - (float(p) if g.kind == SHARE_NEW else 0.0) for g in token_groups]
        cols, vals = np.r_[cols, token_index], np.r_[vals, token_vals]
        rows.add_terms(np.zeros(cols.size, dtype=np.int64), cols, vals, 1, 0.0, INF)

    cost = np.zeros(num_cols)
    cost[xcols] = x_cost[xj, xk]
    cost[y_index[used_sites]] = site_cost[used_sites]
    cost[token_index] = [group.cost for group in token_groups]
    if capacity is not None:
        cap_rows.carrier_cost(capacity, data, explicit, cost)
    # A site no operator may use (locked out) keeps its removal costs in the
    # constant: it is emptied whatever the plan.
    budget_row = -1
    if math.isfinite(targets.budget):
        budget_row = rows.num_rows
        rows.add_block(sparse.csr_matrix(cost.reshape(1, -1)), -INF, targets.budget - constant)

    matrix, row_lb, row_ub = rows.build()
    linear = LinearModel(
        objective=cost, matrix=matrix, row_lb=row_lb, row_ub=row_ub, col_lb=col_lb,
        col_ub=col_ub, integer=integer, offset=constant,
    )

    levels: list[ObjectiveLevel] = []
    if soft_coverage:
        population = np.zeros(num_cols)
        has_c = covered_index >= 0
        population[covered_index[has_c]] = -data.hamlets.population[has_c]
        levels.append(ObjectiveLevel("coverage", population))
    if soft_sharing:
        shortfall = np.zeros(num_cols)
        shortfall[w_col] = 1.0
        levels.append(ObjectiveLevel("sharing", shortfall))
    levels.append(ObjectiveLevel("cost", cost, constant))

    return SitingModel(
        linear=linear, levels=tuple(levels), x_index=x_index, y_index=y_index,
        s_index=s_index, covered_index=covered_index, ratio=ratio, unreachable=unreachable,
        token_groups=tuple(token_groups), token_index=token_index,
        coverage_rows=coverage_rows, site_cover_rows=site_cover_rows,
        sharing_row=sharing_row, budget_row=budget_row,
        plain_coverage=not (has_c.any() or middle.size or soft_sharing or capacity is not None),
        capacity=capacity, cover=cover if capacity is not None else None,
    )


def _today_cover(coverage: Coverage, existing: np.ndarray) -> sparse.csr_matrix:
    """Hamlets x (sites * operators): today's tenancies' reach (other columns empty)."""
    on = sparse.diags(existing.ravel().astype(float))
    return (coverage.matrix @ on).tocsr()


def _add_site_cover_rows(
    rows: RowBuilder,
    cover: sparse.csr_matrix,
    x_site: np.ndarray,
    y_index: np.ndarray,
    need: np.ndarray,
    reachable: np.ndarray,
    covered_index: np.ndarray,
    fixed_x: np.ndarray,
) -> slice:
    """Valid inequalities ``sum_{j covers i} y[j] >= 1`` (or ``>= c[i]``).

    A tenancy covers a hamlet only from an active site, so some site within
    reach must be active. The LP relaxation misses this: two operators at
    half strength on a half-built site cover a hamlet for half a site. On
    greenfield provinces this lifts the LP bound by more than half.
    """
    start = rows.num_rows
    has_c = covered_index >= 0
    met = np.asarray(cover[:, fixed_x].sum(axis=1)).ravel() >= 1
    chosen = np.flatnonzero((need == 1) & ((reachable & ~met) | has_c))
    if chosen.size == 0:
        return slice(start, start)
    block = sparse.coo_matrix(cover[chosen])
    site_cols = y_index[x_site[block.col]]
    by_site = sparse.csr_matrix(
        (np.ones(block.nnz), (block.row, site_cols)), shape=(chosen.size, rows.num_cols)
    )
    by_site.sum_duplicates()
    by_site.data[:] = 1.0
    with_c = has_c[chosen]
    extra = sparse.csr_matrix(
        (-np.ones(int(with_c.sum())), (np.flatnonzero(with_c), covered_index[chosen[with_c]])),
        shape=by_site.shape,
    )
    rows.add_block(by_site + extra, np.where(with_c, 0.0, 1.0), INF)
    return slice(start, rows.num_rows)


def _add_keep_rows(rows: RowBuilder, cover: sparse.csr_matrix, x_op: np.ndarray,
                   keep_pairs: np.ndarray, fixed: np.ndarray) -> None:
    """``sum_j x[j,k] >= 1`` over k's tenancies reaching i, for each kept pair
    (i, k) that no fixed tenancy of k covers already (a pair no usable tenancy
    reaches is left out: the caller reports it)."""
    coo = sparse.coo_matrix(cover)
    op = x_op[coo.col]
    done = np.zeros(keep_pairs.shape, dtype=bool)
    done[coo.row[fixed[coo.col]], op[fixed[coo.col]]] = True
    reach = np.zeros(keep_pairs.shape, dtype=bool)
    reach[coo.row, op] = True
    wanted = keep_pairs & ~done & reach
    row_of = np.full(keep_pairs.shape, -1, dtype=np.int64)
    row_of[wanted] = np.arange(int(wanted.sum()))
    on = row_of[coo.row, op] >= 0
    rows.add_terms(row_of[coo.row[on], op[on]], coo.col[on], np.ones(int(on.sum())),
                   int(wanted.sum()), 1.0, INF)


def _add_coverage_rows(
    rows: RowBuilder,
    data: ProblemData,
    cover: sparse.csr_matrix,
    x_op: np.ndarray,
    need: np.ndarray,
    covered_index: np.ndarray,
    z_index: np.ndarray,
    reachable: np.ndarray,
    middle: np.ndarray,
    soft_coverage: bool,
    partial: bool,
    fixed_lb: np.ndarray,
) -> None:
    """Coverage rows for the three rules, skipping rows already met by fixed tenancies."""
    num_ops = data.num_operators
    has_c = covered_index >= 0
    # Hamlets that must be covered outright but cannot be are left to the
    # caller (infeasible); rows for them would only make the backend say so.
    hard_rows = ~has_c & reachable
    fixed_x = fixed_lb[: cover.shape[1]] > 0.5

    def emit(hamlets: np.ndarray, block: sparse.csr_matrix, required: float) -> None:
        """Rows block @ x >= required (or >= c[i])."""
        if hamlets.size == 0:
            return
        with_c = has_c[hamlets]
        # Already met by tenancies that cannot go: no row needed.
        met = np.asarray(block[:, fixed_x].sum(axis=1)).ravel() >= required
        keep = ~met | with_c
        keep &= with_c | hard_rows[hamlets]
        block = block[keep]
        hamlets = hamlets[keep]
        if hamlets.size == 0:
            return
        coo = sparse.coo_matrix(block)
        c_rows = np.flatnonzero(has_c[hamlets])
        r = np.r_[coo.row, c_rows]
        c = np.r_[coo.col, covered_index[hamlets[c_rows]]]
        v = np.r_[coo.data.astype(float), np.full(c_rows.size, -required)]
        lb = np.where(has_c[hamlets], 0.0, required)
        rows.add_terms(r, c, v, hamlets.size, lb, INF)

    one = np.flatnonzero(need == 1)
    emit(one, cover[one], 1.0)
    every = np.flatnonzero((need == num_ops) & (need > 1))
    for k in range(num_ops):
        mask = sparse.diags((x_op == k).astype(float))
        emit(every, (cover[every] @ mask).tocsr(), 1.0)
    if middle.size:
        # z[i,k] <= sum_j a[i,j,k] x[j,k];  sum_k z[i,k] >= need_i (or need_i c[i]).
        for k in range(num_ops):
            with_z = middle[z_index[middle, k] >= 0]
            if with_z.size == 0:
                continue
            mask = sparse.diags((x_op == k).astype(float))
            block = sparse.coo_matrix(cover[with_z] @ mask)
            r = np.r_[block.row, np.arange(with_z.size)]
            c = np.r_[block.col, z_index[with_z, k]]
            v = np.r_[block.data.astype(float), -np.ones(with_z.size)]
            rows.add_terms(r, c, v, with_z.size, 0.0, INF)
        zr, zk = np.nonzero(z_index[middle] >= 0)
        ok = has_c[middle] | reachable[middle]
        local = np.full(middle.size, -1, dtype=np.int64)
        local[ok] = np.arange(int(ok.sum()))
        sel = ok[zr]
        r = local[zr[sel]]
        c = z_index[middle[zr[sel]], zk[sel]]
        v = np.ones(r.size)
        with_c = np.flatnonzero(has_c[middle][ok])
        kept = middle[ok]
        r = np.r_[r, with_c]
        c = np.r_[c, covered_index[kept[with_c]]]
        v = np.r_[v, -need[kept[with_c]].astype(float)]
        lb = np.where(has_c[kept], 0.0, need[kept].astype(float))
        rows.add_terms(r, c, v, kept.size, lb, INF)

    if has_c.any():
        c_cols = covered_index[has_c]
        if partial and not soft_coverage:
            # sum_i c[i] >= share * |I| (hamlets needing no operator count as covered).
            free = int((~has_c).sum())
            needed = math.ceil(data.targets.hamlet_coverage * data.num_hamlets - 1e-9) - free
            rows.add_terms(
                np.zeros(c_cols.size, dtype=np.int64), c_cols, np.ones(c_cols.size), 1,
                float(max(needed, 0)), INF,
            )


def _complete_auxiliaries(model: SitingModel, values: np.ndarray) -> None:
    """Set c, z and w columns to the best values the x part allows.

    Each such column appears in rows of the form ``a x - b col >= 0`` (c, z)
    or ``... + w >= 0``; raising them as far as rows permit and lowering w to
    what the sharing row requires gives a consistent vector.
    """
    linear = model.linear
    num_x = int((model.x_index >= 0).sum())
    structural = np.zeros(linear.num_cols, dtype=bool)
    structural[:num_x] = True
    structural[model.y_index[model.y_index >= 0]] = True
    structural[model.s_index[model.s_index >= 0]] = True
    # Token counts come from the plan (its shared sites in each group), not
    # from the rows: raised "as far as rows permit" they would buy sharing
    # the plan does not have.
    structural[model.token_index] = True
    if model.capacity is not None:
        structural[model.capacity.columns] = True
    aux = np.flatnonzero(~structural)
    if aux.size == 0:
        return
    # z and c first (set to 1 where their rows allow), then w, iterating twice
    # because c rows read z.
    csc = linear.matrix.tocsc()
    for _ in range(3):
        for col in aux:
            if linear.col_ub[col] > 1:  # the shortfall w
                continue
            values[col] = 1.0
            # Only rows that raising the column can break decide: a negative
            # coefficient against a lower bound, a positive one against an
            # upper bound. (Rows it helps, such as "sum c >= N", may still be
            # short until the other columns are raised too.)
            span = slice(csc.indptr[col], csc.indptr[col + 1])
            rows_of, coef = csc.indices[span], csc.data[span]
            limiting = rows_of[((coef < 0) & np.isfinite(linear.row_lb[rows_of]))
                               | ((coef > 0) & np.isfinite(linear.row_ub[rows_of]))]
            activity = linear.matrix[limiting] @ values
            if np.any(activity < linear.row_lb[limiting] - 1e-9) or np.any(
                activity > linear.row_ub[limiting] + 1e-9
            ):
                values[col] = 0.0
    for col in aux:
        if linear.col_ub[col] > 1:
            values[col] = 0.0
            rows_of = csc.indices[csc.indptr[col] : csc.indptr[col + 1]]
            activity = linear.matrix[rows_of] @ values
            deficit = np.max(linear.row_lb[rows_of] - activity, initial=0.0)
            values[col] = max(deficit, 0.0)
