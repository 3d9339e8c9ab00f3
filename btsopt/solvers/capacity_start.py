"""A start plan for a capacitated model (``[demand]``): cover first, then capacity.

1. The plan of the same scenario without ``[demand]`` (the core, a share of
   the time), plus, under keep_service, today's tenancies back where it
   dropped them.
2. Every tenancy at ``max_carriers``; while an operator's demand does not
   fit (max flow, :func:`btsopt.evaluation.capacity.max_flow_split`), add the
   tenancy of that operator with the least cost per Mb/s of unplaced demand
   it reaches (a new site's cost counts when the site is not active yet).
3. Carriers back down to what the split with the least highest load needs
   (``ceil(carried / c_k)``, at least 1), then one fewer on each tenancy, the
   most idle first, while the operator's demand still fits.

Carriers come before sites: a tenancy is added only once every tenancy
reaching the unplaced demand is at ``max_carriers``. The plan is a start for
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
from btsopt.solvers.core import solve_core


@dataclass(frozen=True)
class CapacityStartParams:
    """Settings of :func:`capacity_start`.

    Attributes
    ----------
    cover_share
        Share of the time limit given to the plan without ``[demand]``.
    max_cover_seconds
        Cap on that time.
    max_rounds
        Repair rounds before it gives up.
    batch
        Most tenancies one round adds per operator.
    """

    cover_share: float = 0.25
    max_cover_seconds: float = 20.0
    max_rounds: int = 100
    batch: int = 25


def _reach(coverage: Coverage, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(hamlet, site, operator) triples of the plan's tenancies."""
    cols = np.flatnonzero(x.ravel())
    block = coverage.matrix[:, cols].tocoo()
    site, op = np.divmod(cols[block.col], x.shape[1])
    return block.row, site, op


def _unplaced(data: ProblemData, coverage: Coverage, x: np.ndarray,
              carriers: np.ndarray, balanced: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Per (hamlet, operator) Mb/s left over, and per tenancy Mb/s carried
    (``balanced``: in a split with the least highest load)."""
    demand = data.demand
    assert demand is not None
    d = demand.demand_mbps
    c = demand.carrier_capacity_mbps
    hamlet, site, op = _reach(coverage, x)
    left = np.zeros(d.shape)
    carried = np.zeros(x.shape)
    for k in range(data.num_operators):
        mine = np.flatnonzero((op == k) & (d[hamlet, k] > 0))
        if mine.size == 0:
            continue
        _, flow, unplaced = max_flow_split(d[:, k], hamlet[mine], site[mine],
                                           carriers[:, k] * c[k], reduce=not balanced)
        left[:, k] = unplaced
        np.add.at(carried[:, k], site[mine], flow)
    return left, carried


def _cover_plan(data: ProblemData, coverage: Coverage, params: BackendParams,
                settings: CapacityStartParams) -> np.ndarray | None:
    plain = replace(data, demand=None)
    model = build_model(plain, coverage)
    if len(model.levels) != 1:
        return None
    seconds = min(settings.cover_share * params.time_limit, settings.max_cover_seconds)
    result = solve_core(model, plain, replace(params, time_limit=seconds))
    if not result.has_solution:
        return None
    return model.plan(result.values).tenancies.copy()


def capacity_start(
    data: ProblemData, coverage: Coverage, model: SitingModel, params: BackendParams,
    settings: CapacityStartParams | None = None,
) -> Plan | None:
    """A plan that carries the demand, or ``None`` when the repair fails.

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
    """
    settings = settings or CapacityStartParams()
    demand = data.demand
    assert demand is not None and model.capacity is not None
    start = time.perf_counter()
    x = _cover_plan(data, coverage, params, settings)
    if x is None:
        return None
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

    for _ in range(settings.max_rounds):
        if time.perf_counter() - start > params.time_limit / 2:
            return None
        carriers = np.where(x, max_n, 0)
        left, _ = _unplaced(data, coverage, x, carriers)
        if not (left > 1e-6).any():
            break
        # Candidates: tenancies not in the plan that reach unplaced demand; one
        # per short operator and round (operators do not share capacity).
        gain = np.column_stack([coverage.for_operator(k).T @ left[:, k]
                                for k in range(data.num_operators)])
        cost = (pair_cost + np.where(x.any(axis=1), 0.0, site_cost)[:, None]
                + (max_n - 1) * carrier_cost[None, :])
        added = False
        for k in np.flatnonzero((left > 1e-6).any(axis=0)):
            candidate = usable[:, k] & ~x[:, k] & (gain[:, k] > 0) & (room_left > 0)
            if not candidate.any():
                continue
            useful = np.where(candidate, np.minimum(gain[:, k], max_n[0, k] * c[k]), 1.0)
            score = np.where(candidate, cost[:, k] / useful, math.inf)
            # As many of the best as the unplaced demand could fill (they may
            # overlap: the next round sees what is still short).
            batch = math.ceil(left[:, k].sum() / (max_n[0, k] * c[k]))
            best = np.argsort(score, kind="stable")[: min(batch, settings.batch,
                                                          int(candidate.sum()))]
            for j in best:
                if room_left[j] > 0:
                    x[j, k] = True
                    room_left[j] -= 1
                    added = True
        if not added:
            return None
    else:
        return None

    # Carriers down to what the carried traffic needs.
    carriers = np.where(x, max_n, 0)
    _, carried = _unplaced(data, coverage, x, carriers, balanced=True)
    needed = np.ceil(carried / c[None, :] - 1e-9).astype(np.int64)
    carriers = np.where(x, np.clip(needed, 1, max_n), 0)
    # The least-max-load split balances only the busiest tenancies: try one
    # carrier fewer on each other one, the most idle first, while it still fits.
    slack = np.where(carriers > 1, carriers - carried / c[None, :], -np.inf)
    for flat in np.argsort(-slack, axis=None, kind="stable"):
        j, k = np.unravel_index(int(flat), x.shape)
        if slack[j, k] < 1e-9 or time.perf_counter() - start > params.time_limit / 2:
            break
        carriers[j, k] -= 1
        if (_unplaced_operator(data, coverage, x, carriers, k) > 1e-6).any():
            carriers[j, k] += 1
    return Plan(x, carriers)


def _unplaced_operator(data: ProblemData, coverage: Coverage, x: np.ndarray,
                       carriers: np.ndarray, k: int) -> np.ndarray:
    """Per hamlet, operator k's Mb/s left over."""
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
