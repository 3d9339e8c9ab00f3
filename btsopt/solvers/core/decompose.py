"""Independent coverage components, coupled only through a price on sharing.

Coverage rows and the sites that can serve them form a bipartite graph. Its
connected components share no row but the sharing row (and a budget row, if
any): in a brownfield province they are the pockets of dead spots, each with
the handful of towers that can reach it. Relaxing the sharing row with a
price ``lam >= 0`` (and dropping the budget row) splits the model into

* one small MIP per component, solved exactly by HiGHS;
* one choice per site that serves no open row (its best operator subset);
* the sharing tokens (all or none, by the sign of their reduced cost),

so that ``D(lam) = offset + sum of the component optima + the rest`` is a
lower bound of the whole problem, at least as strong as the Lagrangian bound
at the same price (which relaxes the coverage rows as well). ``D`` is
concave in ``lam`` and its slope is the sharing row's activity at the
minimisers, so the best price is found by bisection on that sign. Each price
also gives a plan: the components' optima put together, with the sharing
target repaired by the cheapest co-locations if it is missed.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from btsopt.model import SitingModel
from btsopt.model.linear import LinearModel
from btsopt.solvers.base import INFEASIBLE, OPTIMAL, BackendParams
from btsopt.solvers.core.lagrangian import _sharing_shift, _site_base
from btsopt.solvers.core.settings import DecompositionSettings
from btsopt.solvers.core.structure import CoreStructure
from btsopt.solvers.highs import solve_highs


@dataclass(frozen=True, eq=False)
class Components:
    """The model split by component.

    Attributes
    ----------
    site_label
        Per modelled site, its component (``-1``: serves no open row).
    columns, rows
        Per component, its columns and rows in the linear model.
    matrices
        Per component, its rows x columns block (CSR).
    """

    site_label: np.ndarray
    columns: list[np.ndarray]
    rows: list[np.ndarray]
    matrices: list[sparse.csr_matrix]

    @property
    def count(self) -> int:
        return len(self.columns)


def worth_decomposing(components: Components | None,
                      max_share: float = DecompositionSettings().max_component_share) -> bool:
    """Two or more components, none holding more than ``max_share`` of the
    columns (a single giant component is the whole problem again)."""
    if components is None or components.count < 2:
        return False
    sizes = np.array([cols.size for cols in components.columns])
    return bool(sizes.max() <= max_share * sizes.sum())


def find_components(core: CoreStructure, model: SitingModel) -> Components | None:
    """Split the model by coverage component; ``None`` if some row other than
    the sharing and budget rows links two components."""
    linear = model.linear
    # All the model's coverage rows (the core drops rows other rows imply,
    # and those may still link sites).
    num_x = core.x_site.size
    cover = linear.matrix[model.coverage_rows][:, :num_x].tocoo()
    num_rows, num_sites = cover.shape[0], core.num_sites
    graph = sparse.csr_matrix(
        (np.ones(cover.nnz), (cover.row, num_rows + core.x_site[cover.col])),
        shape=(num_rows + num_sites, num_rows + num_sites),
    )
    _, labels = connected_components(graph, directed=False)
    site_component = labels[num_rows:]
    with_rows = np.unique(labels[:num_rows])
    compact = np.full(labels.max() + 1, -1, dtype=np.int64)
    compact[with_rows] = np.arange(with_rows.size)
    site_label = compact[site_component]

    col_label = np.full(linear.num_cols, -2, dtype=np.int64)  # -2: no site's column
    col_label[core.y_col] = site_label
    with_s = core.s_col >= 0
    col_label[core.s_col[with_s]] = site_label[with_s]
    has = core.x_col >= 0
    col_label[core.x_col[has]] = np.broadcast_to(site_label[:, None], core.x_col.shape)[has]

    matrix = linear.matrix.tocsr()
    global_rows = [r for r in (model.sharing_row, model.budget_row) if r >= 0]
    lengths = np.diff(matrix.indptr)
    nonempty = np.flatnonzero(lengths > 0)
    lab = col_label[matrix.indices]
    row_min = np.full(matrix.shape[0], -3, dtype=np.int64)
    row_max = np.full(matrix.shape[0], -3, dtype=np.int64)
    row_min[nonempty] = np.minimum.reduceat(lab, matrix.indptr[nonempty])
    row_max[nonempty] = np.maximum.reduceat(lab, matrix.indptr[nonempty])
    local = np.ones(matrix.shape[0], dtype=bool)
    local[global_rows] = False
    mixed = local & (row_min != row_max)
    if mixed.any() or np.any(local & (row_min == -2)):
        return None
    count = with_rows.size
    row_label = np.where(local, row_min, -1)
    columns = _groups(col_label, count)
    rows = _groups(row_label, count)
    position = np.zeros(linear.num_cols, dtype=np.int64)
    for cols in columns:
        position[cols] = np.arange(cols.size)
    matrices = []
    for cols, rws in zip(columns, rows, strict=True):
        block = matrix[rws]
        matrices.append(sparse.csr_matrix(
            (block.data, position[block.indices], block.indptr), shape=(rws.size, cols.size)))
    return Components(site_label=site_label, columns=columns, rows=rows, matrices=matrices)


def _groups(labels: np.ndarray, count: int) -> list[np.ndarray]:
    """Indices with each label ``0..count-1``, in index order."""
    order = np.argsort(labels, kind="stable")
    sorted_labels = labels[order]
    starts = np.searchsorted(sorted_labels, np.arange(count + 1))
    return [order[starts[c] : starts[c + 1]] for c in range(count)]


@dataclass
class PricedPlan:
    """Outcome of the components at one sharing price."""

    lam: float
    bound: float
    values: np.ndarray  # the put-together plan (sharing row maybe unmet)
    activity: float  # sharing row's activity at the plan
    exact: bool  # every component solved to optimality


class SharingPrice:
    """Evaluates ``D(lam)``: the components solved exactly at a sharing price."""

    def __init__(self, core: CoreStructure, model: SitingModel, components: Components,
                 params: BackendParams, settings: DecompositionSettings | None = None) -> None:
        self.settings = settings if settings is not None else DecompositionSettings()
        self.core = core
        self.model = model
        self.components = components
        self.params = params
        linear = model.linear
        share = np.zeros(linear.num_cols)
        if model.sharing_row >= 0:
            row = linear.matrix.getrow(model.sharing_row)
            share[row.indices] = row.data
        self.share = share
        self.free_sites = np.flatnonzero(components.site_label < 0)
        self.base = _site_base(core, np.zeros(core.cover.shape[0] + core.site_cover.shape[0]))
        self.shift = _sharing_shift(core) if core.q else np.zeros_like(self.base)

    def evaluate(self, lam: float, deadline: float) -> PricedPlan | None:
        """``D(lam)`` and the plan at that price; ``None`` if out of time."""
        core, linear = self.core, self.model.linear
        objective = linear.objective - lam * self.share
        values = np.zeros(linear.num_cols)
        bound = float(linear.offset)
        exact = True
        sizes = np.array([cols.size for cols in self.components.columns], dtype=float)
        left = float(sizes.sum())
        settings = self.settings
        for cols, rows, block in zip(self.components.columns, self.components.rows,
                                     self.components.matrices, strict=True):
            remaining = deadline - time.perf_counter()
            if remaining <= settings.min_remaining_seconds or self.params.stop_requested:
                return None
            # A share of the time left in proportion to size: a component that
            # runs out still gives a valid (dual) bound and its best plan.
            limit = max(settings.min_component_seconds, remaining * cols.size / left)
            left -= cols.size
            sub = LinearModel(
                objective=objective[cols], matrix=block, row_lb=linear.row_lb[rows],
                row_ub=linear.row_ub[rows], col_lb=linear.col_lb[cols],
                col_ub=linear.col_ub[cols], integer=linear.integer[cols],
            )
            outcome = solve_highs(sub, replace(self.params, time_limit=min(limit, remaining),
                                               gap=settings.component_gap, workers=1,
                                               progress=None))
            if outcome.status == INFEASIBLE or not math.isfinite(outcome.bound):
                return None
            bound += outcome.bound
            exact &= outcome.status == OPTIMAL
            if outcome.has_solution:
                values[cols] = np.where(sub.integer, np.round(outcome.values), outcome.values)
            else:
                return None
        # Sites serving no open row: each takes its best subset at this price.
        free = self.free_sites
        site_values = self.base[free] + lam * self.shift[free]
        choice = np.argmin(site_values, axis=1)
        bound += float(site_values[np.arange(free.size), choice].sum())
        chosen = core.subsets[choice]
        has = core.x_col[free] >= 0
        values[core.x_col[free][has]] = chosen[has]
        size = chosen.sum(axis=1)
        values[core.y_col[free]] = size >= 1
        with_s = core.s_col[free] >= 0
        values[core.s_col[free][with_s]] = size[with_s] >= 2
        # Tokens: all or none.
        reduced = core.token_cost - lam * core.token_coef
        counts = np.where(reduced < 0, core.token_ub, 0.0)
        values[core.token_col] = counts
        bound += float(np.minimum(reduced, 0) @ core.token_ub)
        activity = float(self.share @ values)
        return PricedPlan(lam=lam, bound=bound, values=values, activity=activity, exact=exact)


def price_sharing(
    pricer: SharingPrice, start_lam: float, deadline: float, on_plan=None,
    settings: DecompositionSettings | None = None,
) -> tuple[float, PricedPlan | None]:
    """Search the sharing price: the best bound ``max D(lam)`` found and its evaluation.

    Bisection on the sign of the sharing activity, from the Lagrangian's
    price (which gets ``settings.first_price_share`` of the time), at most
    ``settings.price_evaluations`` prices, until the bracket is
    ``settings.price_tolerance`` narrow; each evaluated price's plan goes to
    ``on_plan``.
    """
    settings = settings if settings is not None else pricer.settings
    max_evaluations, first_share = settings.price_evaluations, settings.first_price_share
    core = pricer.core
    best_bound, best = -math.inf, None

    done = 0

    def run(lam: float) -> PricedPlan | None:
        nonlocal best_bound, best, done
        # The first price (the Lagrangian's, usually close to the best) gets
        # its share of the time; later ones share the rest.
        now = time.perf_counter()
        share = first_share if done == 0 else 1.0 / max(max_evaluations - done, 1)
        done += 1
        result = pricer.evaluate(lam, now + (deadline - now) * share)
        if result is None:
            return None
        if on_plan is not None:
            on_plan(result)
        if result.bound > best_bound:
            best_bound, best = result.bound, result
        return result

    first = run(max(start_lam, 0.0))
    if first is None or not core.q:
        return best_bound, best
    lo, hi = (first.lam, math.inf) if first.activity < 0 else (0.0, first.lam)
    if first.activity >= 0 and first.lam == 0.0:
        return best_bound, best
    evaluations = 1
    # The bracket's first step: the first price, or one unit (doubling makes
    # the choice matter little; not a knob).
    step = max(first.lam, 1.0)
    while math.isinf(hi) and evaluations < max_evaluations:
        trial = run(lo + step)
        evaluations += 1
        if trial is None:
            return best_bound, best
        if trial.activity < 0:
            lo, step = trial.lam, step * 2
        else:
            hi = trial.lam
    while (evaluations < max_evaluations and math.isfinite(hi)
           and hi - lo > settings.price_tolerance * max(1.0, hi)):
        trial = run(0.5 * (lo + hi))
        evaluations += 1
        if trial is None:
            break
        if trial.activity < 0:
            lo = trial.lam
        else:
            hi = trial.lam
    return best_bound, best
