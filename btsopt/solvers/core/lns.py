"""Large-neighbourhood search: re-optimise a part of the best plan exactly.

Each step frees some of the incumbent's sites together with the candidate
sites that the Lagrangian multipliers rank best for the rows those sites
cover, fixes every other column at its incumbent value and hands that
sub-MIP to HiGHS with a short time limit, started from the incumbent. The
sub-MIP contains the incumbent, so a step never makes the plan worse; when
HiGHS proves a neighbourhood optimal quickly the next one is larger, when it
runs out of time the next one is smaller. "Quickly" is a share of the step's
time limit by default; with ``LnsSettings.fast_nodes`` and ``step_max_nodes``
it is counted in branch-and-bound nodes, and a run bounded by ``max_steps``
then gives the same plan on any machine.

Two kinds of neighbourhood alternate (``LnsSettings.scatter_every``):

* *region*: an incumbent site picked at random, then the incumbent sites
  that share rows with the chosen ones, breadth first: a compact area on a
  map (hamlets covered by the same towers), a cluster of interlocking
  columns in pure set covering;
* *scatter*: incumbent sites picked at random anywhere.

This is the refinement step of Caprara, Fischetti and Toth's heuristic (fix
part of the best solution, re-solve the rest) with an exact solver on the
small residual problem instead of a greedy.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
from scipy import sparse

from btsopt.model.linear import LinearModel, restrict_to
from btsopt.solvers.base import OPTIMAL, BackendParams
from btsopt.solvers.core.lagrangian import smallest_per_row
from btsopt.solvers.core.settings import LnsSettings
from btsopt.solvers.core.stop import Never, StoppingCriterion
from btsopt.solvers.core.structure import CoreStructure
from btsopt.solvers.highs import solve_highs


@dataclass
class LnsOutcome:
    """What the search did: the best plan, and counts for the log."""

    values: np.ndarray
    cost: float
    steps: int
    improvements: int


class Neighbourhoods:
    """Picks the sites to free, reproducibly from a seed: every
    ``scatter_every``-th neighbourhood scattered, the others regions (0: only
    regions)."""

    def __init__(self, core: CoreStructure, seed: int,
                 scatter_every: int = LnsSettings().scatter_every) -> None:
        coo = core.cover.tocoo()
        site_rows = sparse.csr_matrix(
            (np.ones(coo.nnz), (core.x_site[coo.col], coo.row)),
            shape=(core.num_sites, core.cover.shape[0]),
        )
        site_rows.sum_duplicates()
        self.core = core
        self.site_rows = site_rows
        self.serves = np.diff(site_rows.indptr) > 0
        self.rng = np.random.default_rng(seed)
        self.scatter_every = scatter_every
        self.count = 0

    def rows_of(self, sites: np.ndarray) -> np.ndarray:
        """Rows covered by any of ``sites`` (boolean mask)."""
        mask = np.zeros(self.site_rows.shape[1], dtype=bool)
        if sites.size:
            mask[self.site_rows[sites].indices] = True
        return mask

    def pick(self, active: np.ndarray, target_rows: int) -> np.ndarray:
        """Incumbent sites whose rows number about ``target_rows``.

        Only sites that serve some coverage row are picked: the others matter
        through the sharing row alone, which the tokens already leave free.
        """
        self.count += 1
        serving = active & self.serves
        incumbent = np.flatnonzero(serving)
        if incumbent.size == 0:
            return incumbent
        if not self.scatter_every or self.count % self.scatter_every:
            order = self._region(serving, target_rows)
        else:
            order = self.rng.permutation(incumbent)
        chosen: list[int] = []
        covered = np.zeros(self.site_rows.shape[1], dtype=bool)
        count = 0
        indptr, indices = self.site_rows.indptr, self.site_rows.indices
        for site in order:
            chosen.append(int(site))
            rows = indices[indptr[site] : indptr[site + 1]]
            count += int((~covered[rows]).sum())
            covered[rows] = True
            if count >= target_rows:
                break
        return np.asarray(chosen, dtype=np.int64)

    def _region(self, active: np.ndarray, target_rows: int) -> np.ndarray:
        """Incumbent sites in breadth-first order from a random one over shared rows."""
        start = int(self.rng.choice(np.flatnonzero(active)))
        order = [start]
        taken = np.zeros(active.size, dtype=bool)
        taken[start] = True
        rows = self.rows_of(np.array([start]))
        while rows.sum() < target_rows:
            touching = (self.site_rows @ rows.astype(float)) > 0
            layer = np.flatnonzero(touching & active & ~taken)
            if layer.size == 0:
                rest = np.flatnonzero(active & ~taken)
                if rest.size == 0:
                    break
                layer = rest[:1] if rest.size == 1 else self.rng.choice(rest, size=1)
            layer = self.rng.permutation(layer)
            order.extend(int(s) for s in layer)
            taken[layer] = True
            rows |= self.rows_of(layer)
        return np.asarray(order, dtype=np.int64)


def candidate_sites(core: CoreStructure, increase: np.ndarray, rows: np.ndarray, per_row: int
                    ) -> np.ndarray:
    """Sites of the ``per_row`` pairs of smallest Lagrangian increase in each row."""
    return np.unique(core.x_site[smallest_per_row(core.cover, increase, per_row, rows)])


def site_columns(core: CoreStructure, num_cols: int) -> np.ndarray:
    """Per column of the model, its modelled site (``-1`` for columns of no site)."""
    owner = np.full(num_cols, -1, dtype=np.int64)
    sites = np.arange(core.num_sites)
    owner[core.y_col] = sites
    with_s = core.s_col >= 0
    owner[core.s_col[with_s]] = sites[with_s]
    has = core.x_col >= 0
    owner[core.x_col[has]] = np.broadcast_to(sites[:, None], core.x_col.shape)[has]
    return owner


def large_neighbourhood_search(
    core: CoreStructure,
    model: LinearModel,
    values: np.ndarray,
    increase: np.ndarray,
    params: BackendParams,
    stop: StoppingCriterion | None = None,
    settings: LnsSettings | None = None,
    lower_bound: float = -math.inf,
    on_improvement=None,
    on_step=None,
    guide: np.ndarray | None = None,
    site_region: np.ndarray | None = None,
    workers: Callable[[], int] | None = None,
) -> LnsOutcome:
    """Improve the plan ``values`` of ``model`` until ``stop`` says so.

    Parameters
    ----------
    core
        The per-site structure of ``model``.
    values
        A feasible solution of ``model``.
    increase
        Per x column (pair), the Lagrangian increase of using it (ranks candidates).
    params
        Seed and threads; its time limit is not used.
    stop
        Asked before each step with ``(cost, lower_bound)``: a deadline
        (each step ends ``settings.step_end_margin`` before it), an
        interrupt, ... (``None``: only ``settings.max_steps`` or reaching the
        bound ends the search).
    settings
        Neighbourhood sizes, step time limits and the step budget.
    lower_bound
        A proven bound: the search stops once the plan reaches it.
    on_improvement
        Called with ``(cost, values)`` for every better plan.
    on_step
        Called after each step with a dict of what it did (for logs).
    guide, site_region
        LP values per column and a region per modelled site: the first steps
        then walk through the regions, each freeing the region's sites where
        the LP and the plan disagree or the LP is fractional (Danna, Rothberg
        and Le Pape's RINS, one region at a time).
    workers
        Asked before each step for its threads (``None``: ``params.workers``):
        the search gets a thread back when the LP beside it ends.
    """
    settings = settings if settings is not None else LnsSettings()
    cost = model.value(values)
    owner = site_columns(core, model.num_cols)
    picker = Neighbourhoods(core, params.seed, settings.scatter_every)
    num_rows = core.cover.shape[0]
    stop = stop if stop is not None else Never()
    target = max(settings.min_rows, int(settings.rows_share * num_rows))
    integral = _integral(model)
    extra = dict(params.extra)
    if integral:
        # Every plan costs a whole number: a sub-MIP is done once no plan
        # cheaper by one can exist (less a float guard: not a knob).
        extra["mip_abs_gap"] = 1.0 - 1e-6
    if settings.step_max_nodes:
        extra["mip_max_nodes"] = settings.step_max_nodes
    steps = improvements = 0
    margin = settings.step_end_margin

    def out_of_steps() -> bool:
        return settings.max_steps > 0 and steps >= settings.max_steps

    def step(free_sites: np.ndarray, limit: float):
        """Re-optimise the columns of ``free_sites`` (and every column of no
        site); keep a better plan. Returns HiGHS's outcome, seconds, columns."""
        nonlocal values, cost, steps, improvements
        free = np.where(owner >= 0, free_sites[np.maximum(owner, 0)], True)
        step_params = replace(params, time_limit=limit, gap=0.0, extra=extra, progress=None,
                              seed=params.seed + steps,
                              workers=params.workers if workers is None else workers())
        outcome, trial, spent, size = _reoptimise(model, values, cost, free, step_params)
        steps += 1
        if trial is not None:
            values, cost = trial, model.value(trial)
            improvements += 1
            if on_improvement is not None:
                on_improvement(cost, values)
        return outcome, spent, size

    # A plan this close to the bound is optimal (costs are whole numbers, or
    # equal up to float noise): not knobs.
    slack = 1.0 - 1e-6 if integral else 1e-9 * max(1.0, abs(cost))
    regions = int(site_region.max(initial=-1)) + 1 if site_region is not None else 0
    passes = settings.guided_passes if guide is not None else 0
    # Each pass walks through the regions; a pass starts only while the last
    # one improved the plan.
    for _ in range(passes):
        pass_start = cost
        for region in range(regions):
            if (stop(cost, lower_bound) or stop.remaining() <= margin
                    or cost <= lower_bound + slack or out_of_steps()):
                break
            fractional = (guide > settings.fractional) & (guide < 1.0 - settings.fractional)
            differs = (np.abs(guide - values) > 0.5) | fractional
            differs &= owner >= 0
            free_sites = np.zeros(core.num_sites, dtype=bool)
            free_sites[owner[differs]] = True
            free_sites &= site_region == region
            if not free_sites.any():
                continue
            limit = min(settings.guided_step_time_limit, stop.remaining() - margin)
            outcome, spent, size = step(free_sites, limit)
            if on_step is not None:
                on_step({"step": steps, "region": region, "columns": size,
                         "status": outcome.status, "seconds": round(spent, 3), "cost": cost})
        if cost >= pass_start - 1e-9:
            break
    while True:
        if stop(cost, lower_bound) or stop.remaining() <= margin or out_of_steps():
            break
        if cost <= lower_bound + slack:
            break
        active = core.chosen_from_values(values).any(axis=1)
        dropped = picker.pick(active, target)
        rows = picker.rows_of(dropped)
        free_sites = np.zeros(core.num_sites, dtype=bool)
        free_sites[dropped] = True
        candidates = candidate_sites(core, increase, rows, settings.candidates_per_row)
        # The incumbent's other sites stay as they are: only idle candidates join.
        free_sites[candidates[~active[candidates]]] = True
        limit = min(settings.step_time_limit, stop.remaining() - margin)
        if limit <= settings.min_step_seconds:
            break
        outcome, spent, size = step(free_sites, limit)
        if on_step is not None:
            on_step({"step": steps, "rows": int(rows.sum()), "columns": size,
                     "status": outcome.status, "seconds": round(spent, 3), "cost": cost})
        fast = (0 <= outcome.nodes <= settings.fast_nodes if settings.fast_nodes
                else spent < settings.fast_share * limit)
        if outcome.status == OPTIMAL and fast:
            target = min(num_rows, int(math.ceil(target * settings.grow)))
        elif outcome.status != OPTIMAL:
            target = max(settings.min_rows, int(target * settings.shrink))
    return LnsOutcome(values=values, cost=cost, steps=steps, improvements=improvements)


def _reoptimise(model: LinearModel, values: np.ndarray, cost: float, free: np.ndarray,
                params: BackendParams):
    """One step: HiGHS on the ``free`` columns, the rest fixed at ``values``.

    Returns HiGHS's outcome, the better plan (or ``None``), the seconds spent
    and the number of free columns.
    """
    sub, index = restrict_to(model, free, values)
    tic = time.perf_counter()
    outcome = solve_highs(sub, params, values[index])
    spent = time.perf_counter() - tic
    trial = None
    # Float guards (1e-9 on the cost, HiGHS's primal tolerance on the rows): not knobs.
    if outcome.has_solution and outcome.objective < cost - 1e-9:
        candidate = values.copy()
        candidate[index] = np.where(sub.integer, np.round(outcome.values), outcome.values)
        if model.max_violation(candidate) <= 1e-7 and model.value(candidate) < cost - 1e-9:
            trial = candidate
    return outcome, trial, spent, int(index.size)


def _integral(model: LinearModel) -> bool:
    """True when every plan's cost differs from another's by a whole number
    (within a float guard of 1e-9, not a knob)."""
    costly = model.objective != 0
    if np.any(costly & ~model.integer):
        return False
    return bool(np.all(np.abs(model.objective - np.round(model.objective)) < 1e-9))
