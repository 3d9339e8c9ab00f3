"""Columns and rows of ``model.md`` "With [demand]": carriers and capacity.

For every usable (site, operator) pair ``x[j,k]``: ``n[j,k]`` carriers
(integer, 0..N_k) and ``e[j,k]`` carriers paid for (>= 0); for every
(hamlet, operator) pair that some usable tenancy of k reaches: ``v[i,k]``
(k covers i, binary); for every (hamlet, pair) reach with demand:
``w[i,j,k]`` in [0, 1], the share of D[i,k] that (j,k) carries. Rows:

- ``x <= n <= N_k x``
- ``v[i,k] >= x[j,k]`` for each j reaching i; ``v[i,k] <= sum_j a[i,j,k] x[j,k]``
- ``sum_j w[i,j,k] = v[i,k]``; ``w[i,j,k] <= x[j,k]``
- ``sum_i D[i,k] w[i,j,k] <= c_k n[j,k]``
- ``e >= n - x - max(n0 - 1, 0)``, cost (carrier capex + NPV opex) e
- keep_service: ``v[i,k] = 1`` where today's tenancies cover i for k.

The coverage rows of ``formulation.py`` then count ``v`` (see
:func:`operator_cover`). ``w`` is continuous (any split is fine); ``e`` is
integral (its rows make it so anyway).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.optimize import linprog

from btsopt.data import ProblemData
from btsopt.model.linear import RowBuilder

INF = np.inf


@dataclass(frozen=True, eq=False)
class CapacityColumns:
    """Where the capacity columns of one model sit, and the data they need.

    Attributes
    ----------
    n_index, e_index
        (sites x operators) column of ``n[j,k]`` / ``e[j,k]``; -1 where x is absent.
    v_index
        (hamlets x operators) column of ``v[i,k]``; -1 where no usable tenancy of
        k reaches i.
    w_hamlet, w_x
        Per ``w`` column (in order, from ``w_start``): its hamlet and the
        ``x`` column of its tenancy.
    w_start
        First ``w`` column.
    demand
        (hamlets x operators) D[i,k], Mb/s.
    capacity
        (operators,) c_k, Mb/s per carrier.
    max_carriers
        (operators,) N_k.
    carriers_today
        (sites x operators) n0.
    keep
        (hamlets x operators) pairs covered today that keep_service keeps
        covered (all False when keep_service is off).
    lost
        Kept pairs no usable tenancy reaches any more: no plan keeps them.
    """

    n_index: np.ndarray
    e_index: np.ndarray
    v_index: np.ndarray
    w_hamlet: np.ndarray
    w_x: np.ndarray
    w_start: int
    demand: np.ndarray
    capacity: np.ndarray
    max_carriers: np.ndarray
    carriers_today: np.ndarray
    keep: np.ndarray
    lost: np.ndarray

    @property
    def end(self) -> int:
        """One past the last capacity column."""
        return self.w_start + self.w_hamlet.size

    @property
    def columns(self) -> np.ndarray:
        """Every capacity column."""
        return np.r_[self.n_index[self.n_index >= 0], self.e_index[self.e_index >= 0],
                     self.v_index[self.v_index >= 0], np.arange(self.w_start, self.end)]


def capacity_columns(
    data: ProblemData, cover: sparse.csr_matrix, today_cover: sparse.csr_matrix,
    explicit: np.ndarray, x_index: np.ndarray, first: int,
) -> CapacityColumns:
    """Allocate the capacity columns from column ``first`` on.

    ``cover`` is hamlets x x-columns (tenancy reaches hamlet); ``today_cover``
    is hamlets x (sites * operators) for today's tenancies.
    """
    demand = data.demand
    assert demand is not None
    num_ops = data.num_operators
    xj, xk = np.nonzero(explicit)
    n_x = xj.size
    n_index = np.full(explicit.shape, -1, dtype=np.int64)
    n_index[xj, xk] = first + np.arange(n_x)
    e_index = np.full(explicit.shape, -1, dtype=np.int64)
    e_index[xj, xk] = first + n_x + np.arange(n_x)
    next_col = first + 2 * n_x

    coo = sparse.coo_matrix(cover)
    reach = np.zeros((data.num_hamlets, num_ops), dtype=bool)
    reach[coo.row, xk[coo.col]] = True
    v_index = np.full(reach.shape, -1, dtype=np.int64)
    v_index[reach] = next_col + np.arange(int(reach.sum()))
    next_col += int(reach.sum())

    d = demand.demand_mbps
    carries = d[coo.row, xk[coo.col]] > 0
    order = np.lexsort((coo.col[carries], coo.row[carries]))
    w_hamlet = coo.row[carries][order].astype(np.int64)
    w_x = coo.col[carries][order].astype(np.int64)

    keep = np.zeros(reach.shape, dtype=bool)
    if demand.keep_service:
        today = sparse.coo_matrix(today_cover)
        keep[today.row, today.col % num_ops] = True
    return CapacityColumns(
        n_index=n_index, e_index=e_index, v_index=v_index, w_hamlet=w_hamlet, w_x=w_x,
        w_start=next_col, demand=d, capacity=demand.carrier_capacity_mbps,
        max_carriers=demand.max_carriers, carriers_today=demand.carriers_today,
        keep=keep & reach, lost=keep & ~reach,
    )


def set_bounds(
    cap: CapacityColumns, explicit: np.ndarray, x_index: np.ndarray,
    cover: sparse.csr_matrix, col_lb: np.ndarray, col_ub: np.ndarray, integer: np.ndarray,
) -> None:
    """Bounds and integrality of the capacity columns (in place)."""
    xj, xk = np.nonzero(explicit)
    col_ub[cap.n_index[xj, xk]] = cap.max_carriers[xk]
    col_ub[cap.e_index[xj, xk]] = cap.max_carriers[xk]
    integer[cap.w_start:cap.end] = False
    # v = 1 where service must be kept or a tenancy that cannot go reaches.
    fixed_x = col_lb[x_index[xj, xk]] > 0.5
    coo = sparse.coo_matrix(cover)
    forced = np.zeros(cap.v_index.shape, dtype=bool)
    on = fixed_x[coo.col]
    forced[coo.row[on], xk[coo.col[on]]] = True
    col_lb[cap.v_index[cap.keep | forced]] = 1.0


def add_rows(
    rows: RowBuilder, cap: CapacityColumns, explicit: np.ndarray, x_index: np.ndarray,
    cover: sparse.csr_matrix,
) -> None:
    """The capacity rows of ``model.md`` (see the module docstring)."""
    xj, xk = np.nonzero(explicit)
    xcols = x_index[xj, xk]
    ncols = cap.n_index[xj, xk]
    n_x = xcols.size
    local = np.arange(n_x)
    ones = np.ones(n_x)
    # x - n <= 0;  n - N x <= 0
    rows.add_terms(np.r_[local, local], np.r_[xcols, ncols], np.r_[ones, -ones], n_x, -INF, 0.0)
    rows.add_terms(np.r_[local, local], np.r_[ncols, xcols],
                   np.r_[ones, -cap.max_carriers[xk].astype(float)], n_x, -INF, 0.0)
    # e - n + x >= -max(n0 - 1, 0)
    spare = np.maximum(cap.carriers_today[xj, xk] - 1, 0).astype(float)
    rows.add_terms(np.r_[local, local, local], np.r_[cap.e_index[xj, xk], ncols, xcols],
                   np.r_[ones, -ones, ones], n_x, -spare, INF)

    coo = sparse.coo_matrix(cover)
    reach_v = cap.v_index[coo.row, xk[coo.col]]
    m = coo.nnz
    # v[i,k] - x[j,k] >= 0 for every reach
    rows.add_terms(np.r_[np.arange(m), np.arange(m)], np.r_[reach_v, coo.col],
                   np.r_[np.ones(m), -np.ones(m)], m, 0.0, INF)
    # v[i,k] - sum_j x[j,k] <= 0
    vi, vk = np.nonzero(cap.v_index >= 0)
    v_cols = cap.v_index[vi, vk]
    v_row = np.full(cap.v_index.shape, -1, dtype=np.int64)
    v_row[vi, vk] = np.arange(v_cols.size)
    rows.add_terms(np.r_[np.arange(v_cols.size), v_row[coo.row, xk[coo.col]]],
                   np.r_[v_cols, coo.col], np.r_[np.ones(v_cols.size), -np.ones(m)],
                   v_cols.size, -INF, 0.0)

    # sum_j w[i,j,k] - v[i,k] = 0 where D[i,k] > 0
    w_cols = np.arange(cap.w_start, cap.end)
    w_k = xk[cap.w_x]
    carrying = cap.demand[vi, vk] > 0
    pair_row = np.full(cap.v_index.shape, -1, dtype=np.int64)
    pair_row[vi[carrying], vk[carrying]] = np.arange(int(carrying.sum()))
    rows.add_terms(np.r_[pair_row[cap.w_hamlet, w_k], np.arange(int(carrying.sum()))],
                   np.r_[w_cols, v_cols[carrying]],
                   np.r_[np.ones(w_cols.size), -np.ones(int(carrying.sum()))],
                   int(carrying.sum()), 0.0, 0.0)
    # w - x <= 0
    n_w = w_cols.size
    rows.add_terms(np.r_[np.arange(n_w), np.arange(n_w)], np.r_[w_cols, cap.w_x],
                   np.r_[np.ones(n_w), -np.ones(n_w)], n_w, -INF, 0.0)
    # sum_i D[i,k] w[i,j,k] - c_k n[j,k] <= 0
    rows.add_terms(np.r_[cap.w_x, local], np.r_[w_cols, ncols],
                   np.r_[cap.demand[cap.w_hamlet, w_k], -cap.capacity[xk]], n_x, -INF, 0.0)


def operator_cover(cap: CapacityColumns, num_cols: int) -> tuple[sparse.csr_matrix, np.ndarray]:
    """Hamlets x all columns with a 1 on each ``v[i,k]``, and each column's operator.

    Fed to the coverage rows in place of the tenancies' cover, so that they
    count the operators covering a hamlet (``v``) as ``model.md`` says.
    """
    vi, vk = np.nonzero(cap.v_index >= 0)
    cols = cap.v_index[vi, vk]
    matrix = sparse.csr_matrix((np.ones(cols.size), (vi, cols)),
                               shape=(cap.v_index.shape[0], num_cols))
    operator = np.full(num_cols, -1, dtype=np.int64)
    operator[cols] = vk
    return matrix, operator


def carrier_cost(cap: CapacityColumns, data: ProblemData, explicit: np.ndarray,
                 cost: np.ndarray) -> None:
    """Put the carriers' NPV on the ``e`` columns (in place)."""
    assert data.demand is not None
    xj, xk = np.nonzero(explicit)
    cost[cap.e_index[xj, xk]] = data.demand.carrier_cost_npv(data.economics)[xk]


def carriers_of(cap: CapacityColumns, values: np.ndarray, tenancies: np.ndarray) -> np.ndarray:
    """(sites x operators) carriers a solution vector sets on its tenancies."""
    carriers = np.zeros(tenancies.shape, dtype=np.int64)
    has = cap.n_index >= 0
    carriers[has] = np.round(values[cap.n_index[has]]).astype(np.int64)
    return np.where(tenancies, np.maximum(carriers, 1), 0)


def fill_solution(
    cap: CapacityColumns, values: np.ndarray, tenancies: np.ndarray,
    carriers: np.ndarray | None, x_index: np.ndarray, cover: sparse.csr_matrix,
) -> None:
    """Set n, e, v and a feasible split w for a plan (in place), for warm starts.

    ``carriers`` None: today's for kept tenancies, 1 for new. The split is a
    max flow per operator (its LP); where the plan's demand does not fit, w
    carries what fits (the vector then breaks a row, as the plan does).
    """
    if carriers is None:
        carriers = np.where(tenancies, np.maximum(cap.carriers_today, 1), 0)
    has = cap.n_index >= 0
    values[cap.n_index[has]] = np.where(tenancies[has], carriers[has], 0)
    free = 1 + np.maximum(cap.carriers_today - 1, 0)
    values[cap.e_index[has]] = np.maximum(values[cap.n_index[has]] - tenancies[has] * free[has], 0)
    xj, xk = np.nonzero(x_index >= 0)
    on = np.zeros(int((x_index >= 0).sum()), dtype=bool)
    on[x_index[xj, xk]] = tenancies[xj, xk]
    coo = sparse.coo_matrix(cover)
    live = on[coo.col]
    covered = np.zeros(cap.v_index.shape, dtype=bool)
    covered[coo.row[live], xk[coo.col[live]]] = True
    has_v = cap.v_index >= 0
    values[cap.v_index[has_v]] = covered[has_v]
    w_values = np.zeros(cap.w_hamlet.size)
    w_k = xk[cap.w_x]
    for k in np.unique(w_k):
        mine = np.flatnonzero((w_k == k) & on[cap.w_x])
        if mine.size == 0:
            continue
        w_values[mine] = _split(cap.demand[cap.w_hamlet[mine], k], cap.w_hamlet[mine],
                                cap.w_x[mine], carriers[xj, xk] * cap.capacity[xk])
    values[cap.w_start:cap.end] = w_values


def _split(need: np.ndarray, hamlet: np.ndarray, column: np.ndarray,
           room: np.ndarray) -> np.ndarray:
    """Shares w of each (hamlet, tenancy) reach carrying the most demand: a max flow as
    its LP (maximise sum_e need_e w_e; sum of a hamlet's w <= 1; load <= room)."""
    h_ids, h_row = np.unique(hamlet, return_inverse=True)
    c_ids, c_row = np.unique(column, return_inverse=True)
    m = hamlet.size
    rows = sparse.vstack([
        sparse.csr_matrix((np.ones(m), (h_row, np.arange(m))), shape=(h_ids.size, m)),
        sparse.csr_matrix((need, (c_row, np.arange(m))), shape=(c_ids.size, m)),
    ])
    result = linprog(-need, A_ub=rows, b_ub=np.r_[np.ones(h_ids.size), room[c_ids]],
                     bounds=(0, 1), method="highs")
    return np.clip(result.x, 0.0, 1.0) if result.status == 0 else np.zeros(m)


def unservable(data: ProblemData, cap: CapacityColumns, explicit: np.ndarray,
               cover: sparse.csr_matrix, fixed: np.ndarray) -> list[str]:
    """Reasons no plan can carry the demand, found without search ('' when none).

    A (hamlet, operator) pair whose demand exceeds what every usable tenancy of
    the operator reaching the hamlet carries at ``max_carriers`` can never be
    covered by that operator. That is infeasible when keep_service keeps the
    pair, when a tenancy that cannot go (``fixed``, sites x operators) reaches
    the hamlet, or when the hamlet's coverage rule then lacks operators.
    """
    xj, xk = np.nonzero(explicit)
    coo = sparse.coo_matrix(cover)
    full = np.zeros(cap.v_index.shape)
    np.add.at(full, (coo.row, xk[coo.col]),
              cap.max_carriers[xk[coo.col]] * cap.capacity[xk[coo.col]])
    too_much = (cap.v_index >= 0) & (cap.demand > full * (1 + 1e-9) + 1e-9)
    if not too_much.any():
        return []
    forced = cap.keep.copy()
    on = fixed[xj[coo.col], xk[coo.col]]
    forced[coo.row[on], xk[coo.col[on]]] = True
    carriable = (cap.v_index >= 0) & ~too_much
    short = (data.targets.coverage_mode == "hard") & (data.targets.hamlet_coverage >= 1.0)
    rule = short & (carriable.sum(axis=1) < data.hamlets.min_operators)
    ops = data.operator_ids
    reasons = []
    for i, k in zip(*np.nonzero(too_much & (forced | rule[:, None])), strict=True):
        why = ("it must stay covered" if forced[i, k]
               else "too few operators can carry the hamlet for its coverage rule")
        reasons.append(
            f"hamlet {data.hamlets.ids[i]}: {ops[k]}'s demand {cap.demand[i, k]:.6g} Mb/s "
            f"exceeds what every usable site reaching it carries at max_carriers "
            f"({full[i, k]:.6g} Mb/s) and {why}"
        )
    return reasons
