"""Large-neighbourhood search on the whole capacitated model (``[demand]``).

The capacitated start (:mod:`.capacity_start`) places tenancies for coverage
and sharing first and then buys the carriers the demand needs. What it cannot
see is a trade between the two: a co-location that the sharing target needs
anyway carries its operator's demand on its free carrier, so moving it next
to a tenancy that pays for extra carriers saves them. Each step here frees
such a trade and lets HiGHS decide it exactly, carriers and demand split
included:

* a *centre*: a tenancy that pays for carriers (the most paid first, then
  the others in turn), with the ``center_pairs`` pairs of its operator that
  reach the hamlets it reaches (cheapest first: co-locations on active
  sites cost least) and every tenancy on those pairs' sites;
* ``swap_pairs`` tenancies of the plan that may go (not today's fixed ones),
  on shared sites, picked at random anywhere: the co-locations a move into
  the centre may replace without breaking the sharing target.

Each freed tenancy brings the columns its rows tie it to (its site's ``y``
and ``s``; ``v`` of the hamlets it reaches; every ``w`` of those hamlets and
the ``n`` and ``e`` of every tenancy such a ``w`` uses); every other column
is fixed at the plan's value and the sub-MIP, which contains the plan, goes
to HiGHS with a short time limit. A step therefore never makes the plan
worse. The search ends when ``stop`` says so (deadline, Ctrl-C, gap), after
``lns_max_steps`` steps, or once every tenancy that pays for carriers has
been a centre since the last cheaper plan.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from btsopt.model import SitingModel
from btsopt.model.linear import LinearModel
from btsopt.solvers.base import BackendParams
from btsopt.solvers.core.settings import CapacitySettings
from btsopt.solvers.core.stop import StoppingCriterion
from btsopt.solvers.highs import solve_highs

FEASIBILITY_TOLERANCE = 1e-6
"""A sub-MIP's answer is taken only if the whole vector breaks no row by more
(HiGHS's own primal feasibility tolerance is 1e-7; this guards the merge)."""

MIN_STEP_SECONDS = 0.05
"""No sub-MIP starts with less time than this: HiGHS cannot do a step in less."""


@dataclass(frozen=True)
class CapacityLnsOutcome:
    """What :func:`capacity_lns` did.

    Attributes
    ----------
    values
        The best solution vector (the start's when nothing improved).
    cost
        Its objective value.
    steps, improvements
        Sub-MIPs solved, and how many of them lowered the cost.
    """

    values: np.ndarray
    cost: float
    steps: int
    improvements: int


class _Columns:
    """The capacitated model's columns grouped by what ties them together."""

    def __init__(self, model: SitingModel) -> None:
        cap = model.capacity
        assert cap is not None and model.cover is not None
        used = model.x_index >= 0
        xj, xk = np.nonzero(used)
        order = np.argsort(model.x_index[xj, xk])
        self.x_col = model.x_index[xj, xk][order]
        self.x_site = xj[order]
        self.x_op = xk[order]
        self.num_ops = model.x_index.shape[1]
        cover = sparse.csc_matrix(model.cover)
        self.reach_rows = cover.T.tocsr()  # x-pairs x hamlets
        # The pairs reaching each hamlet (hamlets x x-pairs, CSR).
        self.hamlet_pairs = cover.tocsr()
        self.w_cols = cap.w_start + np.arange(cap.w_hamlet.size)
        self.w_key = cap.w_hamlet * self.num_ops + self.x_op[cap.w_x]
        self.w_pair = cap.w_x
        order_w = np.argsort(self.w_key, kind="stable")
        self.w_sorted = order_w
        self.w_key_sorted = self.w_key[order_w]
        self.model = model
        self.cap = cap

    def tighten(self, values: np.ndarray, integer: np.ndarray) -> None:
        """Round the integer columns and pay for exactly the carriers beyond the
        free ones (in place): a sub-MIP stopped by its time limit may leave
        ``e`` above what its ``n`` needs, and the plan's cost is what its
        carriers cost (the evaluator counts them from ``n``)."""
        cap = self.cap
        values[integer] = np.round(values[integer])
        has = cap.n_index >= 0
        free = 1 + np.maximum(cap.carriers_today[has] - 1, 0)
        x = values[self.model.x_index[has]]
        values[cap.e_index[has]] = np.maximum(values[cap.n_index[has]] - x * free, 0.0)

    def closure(self, pairs: np.ndarray, on: np.ndarray) -> np.ndarray:
        """Mask of the columns freed with the x-pairs ``pairs``; ``on`` marks the
        plan's tenancies (a ``w`` on any other fixed pair stays at 0)."""
        model, cap = self.model, self.cap
        free = np.zeros(model.linear.num_cols, dtype=bool)
        if pairs.size == 0:
            return free
        free[self.x_col[pairs]] = True
        sites = np.unique(self.x_site[pairs])
        for index in (model.y_index, model.s_index):
            cols = index[sites]
            free[cols[cols >= 0]] = True
        sub = self.reach_rows[pairs].tocoo()
        hamlets = sub.col
        ops = self.x_op[pairs][sub.row]
        keys = np.unique(hamlets * self.num_ops + ops)
        v_cols = cap.v_index[keys // self.num_ops, keys % self.num_ops]
        free[v_cols[v_cols >= 0]] = True
        if model.covered_index.size:
            covered = model.covered_index[np.unique(keys // self.num_ops)]
            free[covered[covered >= 0]] = True
        lo = np.searchsorted(self.w_key_sorted, keys, side="left")
        hi = np.searchsorted(self.w_key_sorted, keys, side="right")
        w_take = np.concatenate([self.w_sorted[a:b] for a, b in zip(lo, hi, strict=True)]
                                ) if keys.size else np.zeros(0, dtype=np.int64)
        usable = on.copy()
        usable[pairs] = True
        w_take = w_take[usable[self.w_pair[w_take]]]
        free[self.w_cols[w_take]] = True
        touched = np.union1d(pairs, self.w_pair[w_take])
        for index in (cap.n_index, cap.e_index):
            cols = index[self.x_site[touched], self.x_op[touched]]
            free[cols[cols >= 0]] = True
        return free


def capacity_lns(
    model: SitingModel,
    linear: LinearModel,
    values: np.ndarray,
    params: BackendParams,
    settings: CapacitySettings,
    stop: StoppingCriterion,
    bound: float = -math.inf,
    on_improvement: Callable[[np.ndarray, float], None] | None = None,
) -> CapacityLnsOutcome:
    """Improve a capacitated solution by exact sub-MIPs around paid carriers.

    Parameters
    ----------
    model
        The capacitated model (column maps; ``model.capacity`` is set).
    linear
        Its feasible set under the cost objective.
    values
        A feasible solution vector (the start plan's).
    params
        Seed and workers for HiGHS; its time limit is not used (``stop`` is).
    settings
        ``lns_*`` fields of :class:`CapacitySettings`.
    stop
        Asked before each step with ``(cost, bound)``: the deadline, Ctrl-C,
        the gap.
    bound
        A lower bound on the cost (for ``stop``'s gap rule).
    on_improvement
        Called with each cheaper vector and its cost (progress, checkpoints).
    """
    values = np.asarray(values, dtype=float).copy()
    cost = linear.value(values)
    columns = _Columns(model)
    cap = columns.cap
    rng = np.random.default_rng(params.seed)
    fixed_pair = linear.col_lb[columns.x_col] > 0.5
    pair_cost = linear.objective[columns.x_col]
    site_cost = np.zeros(model.x_index.shape[0])
    has_y = model.y_index >= 0
    site_cost[has_y] = linear.objective[model.y_index[has_y]]
    restricted = _Restriction(linear, values)
    steps = improvements = 0
    tried: set[int] = set()  # centres tried since the last cheaper plan
    while not stop(cost, bound):
        if settings.lns_max_steps and steps >= settings.lns_max_steps:
            break
        on = values[columns.x_col] > 0.5
        paid = values[cap.e_index[columns.x_site, columns.x_op]]
        paying = np.flatnonzero(on & (paid > 0.5))
        fresh = paying[~np.isin(paying, np.fromiter(tried, dtype=np.int64, count=len(tried)))]
        if fresh.size == 0:
            break  # every paying tenancy was a centre since the last gain
        # The tenancy paying most for carriers first; ties by pair index.
        centres = fresh[np.lexsort((fresh, -paid[fresh]))[:settings.lns_centres]]
        tried.update(int(c) for c in centres)
        pairs = np.unique(np.concatenate([
            _centre_pairs(columns, int(c), on, pair_cost, site_cost, settings.lns_center_pairs)
            for c in centres]))
        pairs = np.union1d(pairs, _swap_pairs(columns, on, fixed_pair, rng,
                                              settings.lns_swap_pairs))
        sub, index = restricted.around(columns.closure(pairs, on), values)
        step_seconds = min(settings.lns_step_seconds, stop.remaining())
        if step_seconds < MIN_STEP_SECONDS:
            break
        result = solve_highs(sub, BackendParams(time_limit=step_seconds, seed=params.seed,
                                                workers=params.workers), values[index])
        steps += 1
        if not result.has_solution:
            continue
        trial = values.copy()
        trial[index] = result.values
        columns.tighten(trial, linear.integer)
        trial_cost = linear.value(trial)
        if (trial_cost < cost - 1e-6 * max(1.0, abs(cost))
                and linear.max_violation(trial) <= FEASIBILITY_TOLERANCE):
            values, cost = trial, trial_cost
            restricted.moved_to(values)
            improvements += 1
            tried.clear()
            if on_improvement is not None:
                on_improvement(values, cost)
    return CapacityLnsOutcome(values, cost, steps, improvements)


class _Restriction:
    """:func:`~btsopt.model.linear.restrict_to` for many small neighbourhoods of
    one large model: the column-wise matrix and the rows' activity at the
    current vector are computed once (and again only when the vector moves),
    so a step costs what its own columns cost."""

    def __init__(self, linear: LinearModel, values: np.ndarray) -> None:
        self.linear = linear
        self.csc = linear.matrix.tocsc()
        self.moved_to(values)

    def moved_to(self, values: np.ndarray) -> None:
        """The vector every fixed column takes from now on."""
        self.activity = self.linear.matrix @ values

    def around(self, free: np.ndarray, values: np.ndarray) -> tuple[LinearModel, np.ndarray]:
        """The sub-model over ``free`` (the same as ``restrict_to``'s)."""
        linear = self.linear
        index = np.flatnonzero(free)
        columns = self.csc[:, index]
        fixed_activity = self.activity - columns @ values[index]
        by_row = columns.tocsr()
        rows = np.flatnonzero(np.diff(by_row.indptr) > 0)
        sub = LinearModel(
            objective=linear.objective[index], matrix=by_row[rows],
            row_lb=linear.row_lb[rows] - fixed_activity[rows],
            row_ub=linear.row_ub[rows] - fixed_activity[rows],
            col_lb=linear.col_lb[index], col_ub=linear.col_ub[index],
            integer=linear.integer[index],
            offset=float(linear.offset + linear.objective @ values
                         - linear.objective[index] @ values[index]),
        )
        return sub, index


def _centre_pairs(columns: _Columns, center: int, on: np.ndarray, pair_cost: np.ndarray,
                  site_cost: np.ndarray, limit: int) -> np.ndarray:
    """The centre, the ``limit`` cheapest pairs of its operator reaching its
    hamlets, and every tenancy of the plan on their sites."""
    hamlets = columns.reach_rows[center].indices
    reach = np.unique(columns.hamlet_pairs[hamlets].indices)
    reach = reach[(columns.x_op[reach] == columns.x_op[center]) & ~on[reach]]
    active = np.zeros(site_cost.size, dtype=bool)
    active[columns.x_site[on]] = True
    price = pair_cost[reach] + np.where(active[columns.x_site[reach]], 0.0,
                                        site_cost[columns.x_site[reach]])
    chosen = reach[np.lexsort((reach, price))[:limit]]
    sites = np.unique(columns.x_site[np.r_[center, chosen]])
    same_site = np.flatnonzero(on & np.isin(columns.x_site, sites))
    return np.unique(np.r_[center, chosen, same_site])


def _swap_pairs(columns: _Columns, on: np.ndarray, fixed_pair: np.ndarray,
                rng: np.random.Generator, count: int) -> np.ndarray:
    """``count`` tenancies of the plan that may go, on shared sites, at random."""
    if count <= 0:
        return np.zeros(0, dtype=np.int64)
    tenants = np.bincount(columns.x_site[on], minlength=int(columns.x_site.max()) + 1)
    movable = np.flatnonzero(on & ~fixed_pair & (tenants[columns.x_site] >= 2))
    if movable.size <= count:
        return movable
    return np.sort(rng.choice(movable, size=count, replace=False))
