"""A start plan for a capacitated model (``[demand]``): cover first, then capacity.

1. The plan of the same scenario without ``[demand]`` (the core, a share of
   the time), plus, under keep_service, today's tenancies back where it
   dropped them.
2. Per operator, a greedy split: covered hamlets, most constrained first, go
   to the reaching tenancies with the most room (each counted at
   ``max_carriers``); a hamlet that does not fit gets the cheapest usable
   tenancy reaching it (its site's cost counts when the site is not active).
3. Carriers = ``ceil(load / c_k)`` (at least 1), then one fewer on each
   tenancy, the most idle first, while the operator's demand still fits (a
   max flow, :func:`btsopt.evaluation.capacity.max_flow_split`).

Carriers come before sites: a tenancy is added only once every tenancy
reaching the hamlet is full at ``max_carriers``. The plan is a start for
an exact backend; the caller checks it with the evaluator.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace

import numpy as np

from btsopt.data import ProblemData
from btsopt.evaluation.capacity import max_flow_split
from btsopt.model import SitingModel, build_model
from btsopt.plan import Plan
from btsopt.radio import Coverage
from btsopt.solvers.base import BackendParams
from btsopt.solvers.core import CoreSettings, solve_core


@dataclass(frozen=True)
class CapacityStartParams:
    """Settings of :func:`capacity_start`.

    Attributes
    ----------
    cover_share
        Share of the time limit given to the plan without ``[demand]``.
    max_cover_seconds
        Cap on that time.
    trim_seconds
        Time for taking carriers off tenancies one at a time (a max flow each).
    """

    cover_share: float = 0.25
    max_cover_seconds: float = 20.0
    trim_seconds: float = 5.0


def _reach(coverage: Coverage, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(hamlet, site, operator) triples of the plan's tenancies."""
    cols = np.flatnonzero(x.ravel())
    block = coverage.matrix[:, cols].tocoo()
    site, op = np.divmod(cols[block.col], x.shape[1])
    return block.row, site, op


def _unplaced_operator(data: ProblemData, coverage: Coverage, x: np.ndarray,
                       carriers: np.ndarray, k: int) -> np.ndarray:
    """Per hamlet, operator k's Mb/s left over by the plan's tenancies and carriers."""
    demand = data.demand
    assert demand is not None
    d = demand.demand_mbps[:, k]
    mine = np.zeros_like(x)
    mine[:, k] = x[:, k]
    hamlet, site, _ = _reach(coverage, mine)
    keep = d[hamlet] > 0
    _, _, unplaced = max_flow_split(d, hamlet[keep], site[keep],
                                    carriers[:, k] * demand.carrier_capacity_mbps[k])
    return unplaced


def _cover_plan(data: ProblemData, coverage: Coverage, params: BackendParams,
                settings: CapacityStartParams,
                core: CoreSettings | None) -> tuple[np.ndarray | None, float]:
    """The plan without [demand] and the core's lower bound on its cost."""
    plain = replace(data, demand=None)
    model = build_model(plain, coverage)
    if len(model.levels) != 1:
        return None, -math.inf
    seconds = min(settings.cover_share * params.time_limit, settings.max_cover_seconds)
    result = solve_core(model, plain, replace(params, time_limit=seconds), None, core)
    if not result.has_solution:
        return None, result.bound
    return model.plan(result.values).tenancies.copy(), result.bound


@dataclass(frozen=True, eq=False)
class CapacityStart:
    """What :func:`capacity_start` found.

    Attributes
    ----------
    plan
        A plan that carries the demand, or ``None`` when the repair failed.
    bound
        A lower bound on the capacitated optimum: the core's bound on the
        scenario without ``[demand]``. Valid because every capacitated plan
        meets all of that scenario's rules and carriers cost nothing less
        than 0 (``-inf`` when unknown).
    """

    plan: Plan | None
    bound: float


def capacity_start(
    data: ProblemData, coverage: Coverage, model: SitingModel, params: BackendParams,
    settings: CapacityStartParams | None = None,
    core: CoreSettings | None = None,
) -> CapacityStart:
    """A plan that carries the demand (``None`` when the repair fails), and a bound.

    Parameters
    ----------
    data
        A scenario with ``[demand]``.
    coverage
        Its coverage matrix.
    model
        Its capacitated model (for the usable pairs and costs).
    params
        The backend's settings (time limit, seed, workers).
    settings
        The heuristic's own settings.
    core
        The core's settings for the plan without ``[demand]``.
    """
    settings = settings or CapacityStartParams()
    demand = data.demand
    assert demand is not None and model.capacity is not None
    x, bound = _cover_plan(data, coverage, params, settings, core)
    if x is None:
        return CapacityStart(None, bound)
    usable = model.x_index >= 0
    if demand.keep_service:
        x |= data.tenancies & usable
    max_n = demand.max_carriers[None, :]
    c = demand.carrier_capacity_mbps
    objective = model.levels[-1].objective
    pair_cost = np.full(x.shape, math.inf)
    pair_cost[usable] = objective[model.x_index[usable]]
    has_y = model.y_index >= 0
    site_cost = np.zeros(data.num_sites)
    site_cost[has_y] = objective[model.y_index[has_y]]
    carrier_cost = demand.carrier_cost_npv(data.economics)
    room_left = data.sites.max_tenants - x.sum(axis=1)

    loads = np.zeros(x.shape)
    for k in range(data.num_operators):
        cost = pair_cost[:, k] + np.where(x.any(axis=1), 0.0, site_cost) + (
            (max_n[0, k] - 1) * carrier_cost[k])
        if not _assign_operator(data, coverage, x, loads, room_left, cost, k):
            return CapacityStart(None, bound)
    carriers = np.where(x, np.clip(np.ceil(loads / c[None, :] - 1e-9), 1, max_n), 0)
    carriers = carriers.astype(np.int64)
    # Fewer carriers where a better split allows: one fewer on each tenancy, the
    # most idle first, while the operator's demand still fits (max flow).
    slack = np.where(carriers > 1, carriers - loads / c[None, :], -np.inf)
    trim_start = time.perf_counter()
    for flat in np.argsort(-slack, axis=None, kind="stable"):
        j, k = np.unravel_index(int(flat), x.shape)
        if slack[j, k] < 1e-9 or time.perf_counter() - trim_start > settings.trim_seconds:
            break
        carriers[j, k] -= 1
        if (_unplaced_operator(data, coverage, x, carriers, k) > 1e-6).any():
            carriers[j, k] += 1
    return CapacityStart(Plan(x, carriers), bound)


def _assign_operator(
    data: ProblemData, coverage: Coverage, x: np.ndarray, loads: np.ndarray,
    room_left: np.ndarray, cost: np.ndarray, k: int,
) -> bool:
    """Assign operator k's covered demand to its tenancies, adding tenancies where
    the reaching ones are full (in place); False when some demand cannot go.

    Hamlets go most constrained first (fewest reaching tenancies, then most
    demand), each to its reaching tenancies with the most room left, split
    when one is not enough. A hamlet no plan tenancy can take gets the usable
    tenancy reaching it with the least cost (pair, its site if not active yet,
    carriers up to the maximum), whose newly covered hamlets join the queue.
    """
    demand = data.demand
    assert demand is not None
    d = demand.demand_mbps[:, k]
    full = demand.max_carriers[k] * demand.carrier_capacity_mbps[k]
    reach = coverage.for_operator(k).tocsr()          # hamlets x sites
    by_site = reach.T.tocsr()                          # sites x hamlets
    usable = np.isfinite(cost)
    room = np.where(x[:, k], full, 0.0)
    covered = np.asarray(reach @ x[:, k].astype(float)).ravel() > 0
    queue = list(np.flatnonzero(covered & (d > 0)))
    count = np.diff(reach.indptr)
    queue.sort(key=lambda i: (count[i], -d[i], i))
    position = 0
    while position < len(queue):
        i = int(queue[position])
        position += 1
        sites = reach.indices[reach.indptr[i]:reach.indptr[i + 1]]
        mine = sites[x[sites, k]]
        need = d[i]
        if room[mine].sum() < need - 1e-9:
            options = sites[usable[sites] & ~x[sites, k] & (room_left[sites] > 0)]
            if options.size == 0:
                return False
            j = int(options[np.argmin(cost[options])])
            x[j, k] = True
            room_left[j] -= 1
            room[j] = full
            new = by_site.indices[by_site.indptr[j]:by_site.indptr[j + 1]]
            new = new[~covered[new] & (d[new] > 0)]
            covered[new] = True
            queue.extend(int(h) for h in new)
            mine = sites[x[sites, k]]
            if room[mine].sum() < need - 1e-9:
                return False
        for j in mine[np.argsort(-room[mine], kind="stable")]:
            take = min(room[j], need)
            room[j] -= take
            loads[j, k] += take
            need -= take
            if need <= 1e-12:
                break
    return True
