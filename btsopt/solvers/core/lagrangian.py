"""Lagrangian relaxation of the coverage rows and the sharing row.

With multipliers u >= 0 on ``cover x >= demand`` and lambda >= 0 on the
sharing row ``q S - p Y + tokens >= 0``, the relaxed problem splits into one
choice per site (the best operator subset) and one per token group, so

    L(u, lambda) = u . demand + sum_sites min_T value(T) + sum_tokens min(0, reduced) * ub

is a valid lower bound for every u, lambda >= 0. Subgradient ascent with
the Held-Karp step (a few sparse products per iteration) improves it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from btsopt.solvers.core.settings import SubgradientSettings
from btsopt.solvers.core.stop import StoppingCriterion
from btsopt.solvers.core.structure import CoreStructure


@dataclass
class LagrangianState:
    """Multipliers and the relaxed solution they give."""

    u: np.ndarray
    lam: float
    bound: float
    choice: np.ndarray  # best subset per site
    site_values: np.ndarray  # (n, M) values of every subset
    token_counts: np.ndarray


def _split(core: CoreStructure, u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Multipliers of the cover rows and of the site-cover rows."""
    m = core.cover.shape[0]
    return u[:m], u[m:]


def demands(core: CoreStructure) -> np.ndarray:
    """Right-hand sides of all relaxed rows (cover rows, then site-cover rows)."""
    return np.concatenate([core.demand, core.site_demand])


def activities(core: CoreStructure, choice: np.ndarray) -> np.ndarray:
    """Left-hand sides of all relaxed rows for a subset choice per site."""
    chosen = core.subsets[choice]
    x = np.zeros(core.x_site.size)
    has = core.x_col >= 0
    x[core.x_col[has]] = chosen[has]
    active = chosen.any(axis=1).astype(float)
    return np.concatenate([core.cover @ x, core.site_cover @ active])


def _site_base(core: CoreStructure, u: np.ndarray) -> np.ndarray:
    """(sites x subsets) values at lambda = 0; infeasible subsets are inf."""
    u_cover, u_site = _split(core, u)
    reward = core.cover.T @ u_cover  # per x column: multipliers of the rows it covers
    pair = core.pair_cost.copy()
    has = core.x_col >= 0
    pair[has] -= reward[core.x_col[has]]
    size = core.size
    site = core.site_cost - core.site_cover.T @ u_site
    values = site[:, None] * (size[None, :] >= 1) + pair @ core.subsets.T.astype(float)
    return np.where(core.feasible, values, np.inf)


def _sharing_shift(core: CoreStructure) -> np.ndarray:
    """d value / d lambda per (site, subset): -(q [shared] - p [active])."""
    size = core.size
    shares = (size[None, :] >= 2) & (core.s_col >= 0)[:, None]
    return -(core.q * shares - core.p * (size[None, :] >= 1)).astype(float)


def _at_lambda(core, u, base, shift, lam) -> LagrangianState:
    values = base + lam * shift if core.q else base
    choice = np.argmin(values, axis=1)
    best = values[np.arange(values.shape[0]), choice]
    token_reduced = core.token_cost - lam * core.token_coef
    token_counts = np.where(token_reduced < 0, core.token_ub, 0.0)
    bound = (
        float(u @ demands(core)) + float(best.sum())
        + float(np.minimum(token_reduced, 0) @ core.token_ub) + core.offset
    )
    return LagrangianState(u=u, lam=lam, bound=bound, choice=choice, site_values=values,
                           token_counts=token_counts)


def _sharing_activity(core: CoreStructure, state: LagrangianState) -> float:
    size = core.size[state.choice]
    return float(core.q * ((size >= 2) & (core.s_col >= 0)).sum() - core.p * (size >= 1).sum()
                 + core.token_coef @ state.token_counts)


def _lambda_cap(core: CoreStructure, factor: float, offset: float) -> float:
    """A price per unit of sharing above which nothing changes any more: the
    estimate below times ``factor``, plus ``offset``."""
    if not core.q:
        return 0.0
    prices = [0.0]
    if core.token_cost.size:
        # 1e-9: a division guard for tokens without a coefficient, not a knob.
        prices.append(float(np.max(core.token_cost / np.maximum(core.token_coef, 1e-9))))
    finite = core.pair_cost[core.x_col >= 0]
    # A shared site holds at least two pairs: its cost and two of the dearest.
    prices.append(float(core.site_cost.max(initial=0) + finite.max(initial=0) * 2))
    return max(prices) * factor + offset


def evaluate_relaxation(core: CoreStructure, u: np.ndarray, lam: float | None = None,
                        settings: SubgradientSettings | None = None) -> LagrangianState:
    """L(u, lambda) and its minimisers; ``lam=None`` maximises over lambda.

    L is concave and piecewise linear in lambda, its slope the sharing row's
    activity, so the best lambda is found by (at most
    ``settings.price_bisections`` steps of) bisection on that slope, between
    0 and a cap (``settings.price_cap_factor`` and ``price_cap_offset``;
    default :class:`.settings.SubgradientSettings`).
    """
    base = _site_base(core, u)
    shift = _sharing_shift(core) if core.q else None
    if not core.q:
        return _at_lambda(core, u, base, shift, 0.0)
    if lam is not None:
        return _at_lambda(core, u, base, shift, lam)
    settings = settings if settings is not None else SubgradientSettings()
    lo, hi = 0.0, _lambda_cap(core, settings.price_cap_factor, settings.price_cap_offset)
    best = _at_lambda(core, u, base, shift, lo)
    if _sharing_activity(core, best) >= 0:
        return best
    for _ in range(settings.price_bisections):
        mid = 0.5 * (lo + hi)
        state = _at_lambda(core, u, base, shift, mid)
        if state.bound > best.bound:
            best = state
        if _sharing_activity(core, state) < 0:
            lo = mid
        else:
            hi = mid
        if hi - lo <= 1e-9 * max(1.0, hi):
            break  # the bracket is at float resolution: not a knob (bisections is)
    for lam_end in (lo, hi):
        state = _at_lambda(core, u, base, shift, lam_end)
        if state.bound > best.bound:
            best = state
    return best


def subgradient(
    core: CoreStructure,
    upper_bound: float,
    *,
    iterations: int | None = None,
    stop: StoppingCriterion | None = None,
    start: LagrangianState | None = None,
    on_state=None,
    settings: SubgradientSettings | None = None,
) -> LagrangianState:
    """Subgradient ascent on u (with lambda maximised exactly at each step);
    returns the best state seen.

    Parameters
    ----------
    upper_bound
        Cost of a known plan (for the step size; ``inf`` uses a guess).
    iterations
        Steps at most (default ``settings.iterations``); the ascent ends
        sooner once it stalls (see :class:`.settings.SubgradientSettings`).
    stop
        Asked before each step with ``(upper_bound, best bound)``: a
        deadline, an interrupt, ... (``None``: only the step count ends it).
    on_state
        Called with each improving state (used to run primal heuristics).
    """
    settings = settings if settings is not None else SubgradientSettings()
    iterations = settings.iterations if iterations is None else iterations
    state = start if start is not None else evaluate_relaxation(
        core, initial_multipliers(core), settings=settings)
    best = state
    theta, stall = settings.initial_step, 0
    u = state.u.copy()
    history: list[float] = []
    window = settings.progress_window
    for iteration in range(iterations):
        if stop is not None and stop(upper_bound, best.bound):
            break
        # Stop when the last `window` iterations raised the bound too little.
        history.append(best.bound)
        if iteration >= window and best.bound - history[-window] <= (
                settings.min_progress * max(1.0, abs(best.bound))):
            break
        g_u = demands(core) - activities(core, state.choice)
        # Rows over-covered with u at 0 cannot go lower: drop them from the norm.
        g_u[(u <= 0) & (g_u < 0)] = 0.0
        norm = float(g_u @ g_u)
        if norm <= 1e-12:
            break  # the relaxed solution covers every row exactly: no better bound
        # (+1: an aim above a bound of 0, used only while there is no plan at
        # all (the greedy's comes first): not a knob.)
        target = upper_bound if np.isfinite(upper_bound) else (
            best.bound + abs(best.bound) * settings.target_margin + 1)
        step = theta * max(target - state.bound,
                           settings.min_step_gap * max(1.0, abs(target))) / norm
        u = np.maximum(0.0, u + step * g_u)
        state = evaluate_relaxation(core, u, settings=settings)
        if state.bound > best.bound + 1e-9 * max(1.0, abs(best.bound)):  # float guard
            best, stall = state, 0
            if on_state is not None:
                on_state(state)
        else:
            stall += 1
            if stall >= settings.stall_iterations:
                theta, stall = theta * settings.step_decrease, 0
                if theta < settings.min_step:
                    break
    return best


def initial_multipliers(core: CoreStructure) -> np.ndarray:
    """u_i = min over columns covering i of (cost per row it covers)."""
    csc = core.cover.tocsc()
    counts = np.diff(csc.indptr).astype(float)
    full = core.pair_cost[core.x_site, core.x_op] + core.site_cost[core.x_site]
    per_row = np.where(counts > 0, full / np.maximum(counts, 1), np.inf)
    csr = core.cover
    u = np.zeros(csr.shape[0])
    nonempty = np.flatnonzero(np.diff(csr.indptr) > 0)
    if nonempty.size:
        u[nonempty] = np.minimum.reduceat(per_row[csr.indices], csr.indptr[nonempty])
    # Site-cover rows start at zero: the cover rows already price the sites.
    return np.concatenate([np.maximum(u, 0.0), np.zeros(core.site_cover.shape[0])])


def pair_increase(core: CoreStructure, state: LagrangianState) -> np.ndarray:
    """Per x column, how much the relaxed optimum rises if that pair must be used
    (0 for pairs of the relaxed solution): small values mark the core columns."""
    values = state.site_values
    best = values.min(axis=1)
    increase = np.full(core.x_site.size, np.inf)
    for k in range(core.x_col.shape[1]):
        with_k = np.where(core.subsets[None, :, k], values, np.inf).min(axis=1) - best
        has = core.x_col[:, k] >= 0
        increase[core.x_col[has, k]] = with_k[has]
    return increase


def smallest_per_row(matrix, score: np.ndarray, per_row: int, rows: np.ndarray | None = None
                     ) -> np.ndarray:
    """Columns of the ``per_row`` smallest ``score`` in each row of a CSR ``matrix``
    (in the rows of the boolean mask ``rows``, or all): one sort, no row loop."""
    lengths = np.diff(matrix.indptr)
    row_of = np.repeat(np.arange(matrix.shape[0]), lengths)
    cols = matrix.indices
    if rows is not None:
        keep = rows[row_of]
        row_of, cols = row_of[keep], cols[keep]
    order = np.lexsort((score[cols], row_of))
    row_sorted = row_of[order]
    first = np.searchsorted(row_sorted, row_sorted, side="left")
    rank = np.arange(row_sorted.size) - first
    return np.unique(cols[order[rank < per_row]])
