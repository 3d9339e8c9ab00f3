"""A lower bound for the capacitated model that counts carriers.

The bound without ``[demand]`` knows nothing of carriers. This one prices
capacity by a Lagrangian relaxation of the operators' capacity: for each
operator k, the demand its plan must carry fits in its tenancies' carriers,

    sum_i D[i,k] v[i,k]  <=  c_k sum_j n[j,k]  <=  c_k sum_j (m[j,k] x[j,k] + e[j,k]),

where m[j,k] = max(n0[j,k], 1) is what a tenancy carries for free (``e``'s
row in ``model.md``). Moved into the objective with a price tau_k >= 0 per
Mb/s and tau_k c_k at most a carrier's NPV (so that no carrier becomes
worth buying for its own sake), it leaves

* a constant tau_k D[i,k] for each pair (i, k) that every plan covers
  (keep_service: v = 1);
* on each tenancy (j, k): minus tau_k c_k m[j,k] (what its free carriers
  carry), plus tau_k times the demand it brings: v[i,k] >= x[j,k] for every
  j reaching i, so v[i,k] >= sum_j alpha[i,j,k] x[j,k] for any shares
  alpha >= 0 summing to at most 1 over j (here: in proportion to a plan's
  tenancies, so the demand is charged where plans put it).

What is left is the scenario without ``[demand]`` at these changed pair
costs, whose lower bound (the core's) plus the constant bounds the
capacitated optimum from below, for any tau in range. tau_k is the full
carrier price where the plan's tenancies of k leave demand over at their
free carriers (capacity is short: carriers or more tenancies must come) and
0 where they do not, scaled down where a pair's cost would go negative.

A second bound (:func:`relaxation_bound`) keeps those capacity rows as rows:
the LP relaxation of the model without ``[demand]``, plus one column per
tenancy for the carriers it pays for and one row per operator (its capacity,
the demand charged as above). Its optimum is at least the Lagrangian's for
every tau at once (LP duality), and the LP also places the co-locations the
sharing row needs where they carry demand. PDLP solves it in chunks; the
duals of each chunk give a valid bound (:func:`dual_bound`) whether or not
it has converged.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
from scipy import sparse

from btsopt.model import SitingModel
from btsopt.model.linear import LinearModel
from btsopt.solvers.core.first_order import pdlp_chunks
from btsopt.solvers.core.settings import CapacitySettings


@dataclass(frozen=True, eq=False)
class CarrierPrices:
    """The Lagrangian's prices and what they do to the model without ``[demand]``.

    Attributes
    ----------
    tau
        (operators,) price per Mb/s of each operator's capacity row.
    pair_delta
        Change of each ``x`` column's cost (in column order).
    constant
        What the kept pairs' demand adds to the bound.
    """

    tau: np.ndarray
    pair_delta: np.ndarray
    constant: float

    @property
    def active(self) -> bool:
        """Whether any price is above 0 (otherwise the bound is the plain one)."""
        return bool((self.tau > 0).any())

    def priced(self, plain: SitingModel) -> SitingModel:
        """``plain`` with the pair costs changed (same feasible set)."""
        level = plain.levels[-1]
        objective = level.objective.copy()
        objective[:self.pair_delta.size] += self.pair_delta
        return replace(plain, linear=plain.linear.with_objective(objective, level.offset),
                       levels=(replace(level, objective=objective),))


@dataclass(frozen=True, eq=False)
class _CapacityTerms:
    """What each ``x`` column (in column order) does to its operator's capacity row."""

    xj: np.ndarray  # site of each x column
    xk: np.ndarray  # operator of each x column
    free: np.ndarray  # Mb/s its free carriers carry (m[j,k] c_k)
    load: np.ndarray  # Mb/s of new demand charged to it (the alpha shares)
    kept_demand: np.ndarray  # (operators,) Mb/s every plan carries
    carrier_price: np.ndarray  # NPV of one carrier paid for on it
    free_carriers: np.ndarray  # m[j,k]


def _capacity_terms(capacitated: SitingModel, plain: SitingModel,
                    plan_x: np.ndarray) -> _CapacityTerms:
    """The capacity rows' terms, the new demand charged in proportion to ``plan_x``."""
    cap = capacitated.capacity
    assert cap is not None and capacitated.cover is not None
    num_x = int((plain.x_index >= 0).sum())
    xj, xk = np.nonzero(plain.x_index >= 0)
    order = np.argsort(plain.x_index[xj, xk])
    xj, xk = xj[order], xk[order]
    kept = np.zeros(cap.v_index.shape, dtype=bool)
    has_v = cap.v_index >= 0
    kept[has_v] = capacitated.linear.col_lb[cap.v_index[has_v]] > 0.5
    free_carriers = np.maximum(cap.carriers_today[xj, xk], 1)
    free = cap.capacity[xk] * free_carriers
    reach = sparse.coo_matrix(capacitated.cover)
    k_of = xk[reach.col]
    brought = np.where(kept[reach.row, k_of], 0.0, cap.demand[reach.row, k_of])
    # alpha: each (hamlet, operator)'s demand shared over the tenancies reaching
    # it in proportion to the plan (a little on the others, so none is free).
    weight = np.clip(plan_x[reach.col], 0.0, 1.0) + 0.1
    total = np.zeros(cap.demand.shape)
    np.add.at(total, (reach.row, k_of), weight)
    load = np.bincount(reach.col, weights=brought * weight / total[reach.row, k_of],
                       minlength=num_x)
    kept_demand = (cap.demand * kept).sum(axis=0)
    carrier_price = capacitated.levels[-1].objective[cap.e_index[xj, xk]]
    return _CapacityTerms(xj, xk, free, load, kept_demand, carrier_price, free_carriers)


def carrier_prices(capacitated: SitingModel, plain: SitingModel, plan_x: np.ndarray,
                   scale: float = 1.0) -> CarrierPrices:
    """Prices for the capacity rows from a plan of the model without ``[demand]``.

    Parameters
    ----------
    capacitated
        The model with ``[demand]`` (its capacity columns give D, c, n0, the
        carrier prices and which pairs are kept).
    plain
        The model without ``[demand]``, with the same ``x`` columns first.
    plan_x
        That plan's ``x`` values (column order): where demand is charged, and
        whether an operator's capacity is short.
    scale
        tau_k as a share of the carrier price per Mb/s (0: no prices).
    """
    cap = capacitated.capacity
    assert cap is not None
    terms = _capacity_terms(capacitated, plain, plan_x)
    xk, free, load = terms.xk, terms.free, terms.load
    num_ops = cap.demand.shape[1]
    on = plan_x > 0.5
    carried = np.bincount(xk[on], weights=free[on], minlength=num_ops)
    brought_by_plan = np.bincount(xk[on], weights=load[on], minlength=num_ops)
    short = terms.kept_demand + brought_by_plan > carried
    tau = np.zeros(num_ops)
    cost = plain.levels[-1].objective[:xk.size]
    for k in np.flatnonzero(short):
        mine = xk == k
        tau[k] = scale * terms.carrier_price[mine].min() / cap.capacity[k]
        cut = free[mine] - load[mine]  # how much tau takes off each pair, per unit
        positive = cut > 0
        if positive.any():
            # No pair's cost below 0: the bound's core expects costs >= 0.
            tau[k] = min(tau[k], float((cost[mine][positive] / cut[positive]).min()))
        tau[k] = max(tau[k], 0.0)
    pair_delta = tau[xk] * (load - free)
    constant = float(tau @ terms.kept_demand)
    return CarrierPrices(tau, pair_delta, constant)


def capacity_relaxation(capacitated: SitingModel, plain: SitingModel,
                        plan_x: np.ndarray) -> LinearModel:
    """The model without ``[demand]`` plus carriers and each operator's capacity row.

    Columns: ``plain``'s, then ``e[j,k]`` for each ``x`` column (carriers paid
    for, at their NPV, ``0 <= e <= (N_k - m[j,k]) x``). Rows: ``plain``'s,
    those bounds, and per operator k

        sum_j (m[j,k] c_k - load[j,k]) x[j,k] + c_k sum_j e[j,k]  >=  kept demand of k,

    with ``load`` the new demand charged to each tenancy (module docstring).
    Every capacitated plan gives a point of it at no higher cost (its ``x``,
    ``y``, ``s``, and ``e = max(n - m, 0)`` on its tenancies, which its own
    ``e`` row exceeds): its optimum, and its LP relaxation's, bound the
    capacitated optimum from below.
    """
    cap = capacitated.capacity
    assert cap is not None
    terms = _capacity_terms(capacitated, plain, plan_x)
    xk = terms.xk
    num_x, num_ops = xk.size, cap.demand.shape[1]
    level = plain.levels[-1]
    base = plain.linear
    n0 = base.num_cols
    room = np.maximum(cap.max_carriers[xk] - terms.free_carriers, 0).astype(float)
    local = np.arange(num_x)
    # e - room x <= 0
    bounds_rows = sparse.csr_matrix(
        (np.r_[np.ones(num_x), -room], (np.r_[local, local], np.r_[n0 + local, local])),
        shape=(num_x, n0 + num_x))
    capacity_rows = sparse.csr_matrix(
        (np.r_[terms.free - terms.load, cap.capacity[xk]],
         (np.r_[xk, xk], np.r_[local, n0 + local])),
        shape=(num_ops, n0 + num_x))
    matrix = sparse.vstack([
        sparse.hstack([base.matrix, sparse.csr_matrix((base.num_rows, num_x))]),
        bounds_rows, capacity_rows]).tocsr()
    return LinearModel(
        objective=np.r_[level.objective, terms.carrier_price], matrix=matrix,
        row_lb=np.r_[base.row_lb, np.full(num_x, -np.inf), terms.kept_demand],
        row_ub=np.r_[base.row_ub, np.zeros(num_x), np.full(num_ops, np.inf)],
        col_lb=np.r_[base.col_lb, np.zeros(num_x)], col_ub=np.r_[base.col_ub, room],
        integer=np.r_[base.integer, np.ones(num_x, dtype=bool)], offset=level.offset)


DUAL_BOUND_SLACK = 1e-9
"""Relative amount taken off a bound computed from duals, for the rounding
of its sums (tens of thousands of terms in double precision)."""


def dual_bound(model: LinearModel, duals: np.ndarray) -> float:
    """A lower bound on ``model``'s LP relaxation (so on the model) from any row duals.

    For y with y_r >= 0 only on rows with a finite lower side and y_r <= 0
    only on rows with a finite upper side (other signs are set to 0),
    ``c x = (c - A'y) x + y'Ax >= sum_j min(d_j l_j, d_j u_j) + sum_r y_r side_r``
    over every x in the column bounds that meets the rows (weak duality): no
    convergence needed. ``-inf`` where an unbounded column would need it.
    """
    y = np.asarray(duals, dtype=float)
    lower, upper = model.row_lb, model.row_ub
    y = np.where((y > 0) & np.isfinite(lower), y, np.where((y < 0) & np.isfinite(upper), y, 0.0))
    reduced = model.objective - model.matrix.T @ y
    rows = np.where(y > 0, y * np.where(np.isfinite(lower), lower, 0.0),
                    y * np.where(np.isfinite(upper), upper, 0.0))
    at_lower = np.where(reduced > 0, reduced * model.col_lb, 0.0)
    at_upper = np.where(reduced < 0, reduced * model.col_ub, 0.0)
    value = float(rows.sum() + at_lower.sum() + at_upper.sum()) + model.offset
    if not math.isfinite(value):
        return -math.inf
    scale = float(np.abs(rows).sum() + np.abs(at_lower).sum() + np.abs(at_upper).sum()
                  + abs(model.offset))
    return value - DUAL_BOUND_SLACK * scale


@dataclass(frozen=True, eq=False)
class RelaxationBound:
    """What :func:`relaxation_bound` found.

    Attributes
    ----------
    bound
        The best chunk's bound (``-inf`` when none finished).
    tau
        (operators,) that chunk's duals of the capacity rows (per Mb/s).
    chunks
        Chunks of PDLP run.
    converged
        PDLP's tolerance held on the last chunk.
    """

    bound: float
    tau: np.ndarray
    chunks: int
    converged: bool


def relaxation_bound(capacitated: SitingModel, plain: SitingModel, plan_x: np.ndarray,
                     settings: CapacitySettings, time_limit: float,
                     stop: Callable[[], bool] | None = None) -> RelaxationBound:
    """The bound of :func:`capacity_relaxation`'s LP by PDLP chunks.

    Parameters
    ----------
    capacitated, plain, plan_x
        As :func:`capacity_relaxation`.
    settings
        ``bound_lp_iterations`` (first chunk), ``bound_lp_growth``,
        ``bound_lp_tolerance``, ``bound_lp_max_chunks`` (0: no cap).
    time_limit
        No chunk starts after this many seconds.
    stop
        Asked before each chunk: ``True`` ends the search (Ctrl-C).
    """
    model = capacity_relaxation(capacitated, plain, plan_x)
    num_ops = capacitated.capacity.demand.shape[1]
    best, tau, chunks, converged = -math.inf, np.zeros(num_ops), 0, False
    for chunk in pdlp_chunks(model, chunk_iterations=settings.bound_lp_iterations,
                             chunk_growth=settings.bound_lp_growth,
                             tolerance=settings.bound_lp_tolerance, time_limit=time_limit,
                             max_chunks=settings.bound_lp_max_chunks or None):
        chunks, converged = chunk.number, chunk.optimal
        value = dual_bound(model, chunk.row_duals)
        if value > best:
            best, tau = value, np.maximum(chunk.row_duals[-num_ops:], 0.0)
        if stop is not None and stop():
            break
    return RelaxationBound(best, tau, chunks, converged)
