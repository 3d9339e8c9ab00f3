"""A start plan for a capacitated model (``[demand]``): cover first, then capacity.

1. The plan of the same scenario without ``[demand]`` (the core, a share of
   the time), with each tenancy also priced for the demand it adds to its
   operator (so the co-locations the sharing target needs go where they
   bring little new traffic) and credited for the overload it relieves (the
   demand the plans before it leave over at their free carriers, in its
   reach: so they go where they save carriers), with keep_service as
   covering rows; today's tenancies come back only where a kept pair is
   left uncovered.
2. Per operator, a max flow from its covered hamlets to its tenancies, each
   at ``max_carriers``. Next to each hamlet whose demand does not fit, the
   cheapest usable tenancy reaching it is added (its site's cost counts when
   the site is not active yet); then the flow is solved again, until the
   demand fits (the clock does not stop it). Because the flow may split and
   move any hamlet's demand over every tenancy reaching it, a tenancy is
   added only where no split of the plan's tenancies at full carriers
   carries the demand: carriers come before sites. Where new sites took a
   hard shared-site ratio below its target, co-tenants bring it back and
   their demand is placed the same way.
3. Carriers: the cheapest integer carriers for those tenancies, one small
   MILP per operator (:func:`optimal_carriers`) started from slope-scaled
   min-cost flows whose loads are rounded up and trimmed; or, with
   ``exact_carriers`` off, the flow's loads rounded up and then one fewer on
   each tenancy, the most idle first, while the demand still fits. Once the
   start's share of the time is spent (or on Ctrl-C), no MILP, flow or trim
   starts: the carriers are a max flow's loads rounded up.

Whatever the cover solve returns, the start therefore ends with a plan that
carries the demand (unless some demand cannot fit whatever tenancies are
added).

Every knob is in :class:`~btsopt.solvers.core.settings.CapacitySettings`.
The plan is a start for an exact backend; the caller checks it with the
evaluator.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace

import highspy
import numpy as np
from ortools.graph.python import min_cost_flow
from scipy import sparse
from scipy.sparse import csgraph

from btsopt.data import ProblemData
from btsopt.model import SitingModel, build_model
from btsopt.model.capacity import CapacityColumns
from btsopt.plan import Plan
from btsopt.radio import Coverage
from btsopt.solvers.base import BackendParams
from btsopt.solvers.capacity_bound import carrier_prices, relaxation_bound
from btsopt.solvers.core import CoreSettings, solve_core
from btsopt.solvers.core.settings import CapacitySettings
from btsopt.solvers.core.stop import Deadline, Interrupt, StoppingCriterion
from btsopt.solvers.highs import _configured


def _reach(coverage: Coverage, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(hamlet, site, operator) triples of the plan's tenancies."""
    cols = np.flatnonzero(x.ravel())
    block = coverage.matrix[:, cols].tocoo()
    site, op = np.divmod(cols[block.col], x.shape[1])
    return block.row, site, op


def _unplaced_operator(data: ProblemData, coverage: Coverage, x: np.ndarray,
                       carriers: np.ndarray, k: int) -> np.ndarray:
    """Per hamlet, operator k's Mb/s left over by the plan's tenancies and carriers.

    An integer max flow (:func:`scipy.sparse.csgraph.maximum_flow`) in kb/s,
    rounded the safe way (demand up, capacity down), so what it says fits
    does fit; a few times faster than the evaluator's LP.
    """
    return _operator_flow(data, coverage, x, carriers, k)[0]


def _operator_flow(data: ProblemData, coverage: Coverage, x: np.ndarray,
                   carriers: np.ndarray, k: int) -> tuple[np.ndarray, sparse.csr_matrix]:
    """:func:`_unplaced_operator`, and (sites x hamlets) the pairs that carry
    some of the flow."""
    demand = data.demand
    assert demand is not None
    d = demand.demand_mbps[:, k]
    mine = np.zeros_like(x)
    mine[:, k] = x[:, k]
    hamlet, site, _ = _reach(coverage, mine)
    keep = d[hamlet] > 0
    hamlet, site = hamlet[keep], site[keep]
    unplaced = np.zeros(data.num_hamlets)
    if hamlet.size == 0:
        return unplaced, sparse.csr_matrix((data.num_sites, data.num_hamlets))
    h_ids, h_local = np.unique(hamlet, return_inverse=True)
    s_ids, s_local = np.unique(site, return_inverse=True)
    on_pair, left = _max_flow(d[h_ids], h_local, s_local,
                              carriers[s_ids, k] * demand.carrier_capacity_mbps[k])
    unplaced[h_ids] = left
    on = on_pair > 0
    carrying = sparse.csr_matrix((np.ones(int(on.sum())), (site[on], hamlet[on])),
                                 shape=(data.num_sites, data.num_hamlets))
    return unplaced, carrying


def _max_flow(supply: np.ndarray, hamlet: np.ndarray, site: np.ndarray,
              room: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Integer max flow in kb/s from hamlets (``supply`` Mb/s) over the reach
    pairs (``hamlet``, ``site``: local numbers) to sites (``room`` Mb/s).

    Rounded the safe way (demand up, room down), so what it says fits does
    fit. Returns the Mb/s on each pair and, per hamlet, the Mb/s left over.
    """
    num_h, num_s = supply.size, room.size
    source, sink = num_h + num_s, num_h + num_s + 1
    units = np.ceil(supply * FLOW_UNITS_PER_MBPS).astype(np.int64)
    limit = np.floor(room * FLOW_UNITS_PER_MBPS).astype(np.int64)
    graph = sparse.csr_matrix(
        (np.r_[units, units[hamlet], limit].astype(np.int32),
         (np.r_[np.full(num_h, source), hamlet, num_h + np.arange(num_s)],
          np.r_[np.arange(num_h), num_h + site, np.full(num_s, sink)])),
        shape=(sink + 1, sink + 1))
    flow = csgraph.maximum_flow(graph, source, sink).flow.tocsr()
    carried = np.asarray(flow[source, :num_h].todense()).ravel()
    on_pair = np.asarray(flow[hamlet, num_h + site]).ravel()
    return on_pair / FLOW_UNITS_PER_MBPS, (units - carried) / FLOW_UNITS_PER_MBPS


FLOW_UNITS_PER_MBPS = 1000.0
"""The integer max flow counts kb/s."""


def _cover_plan(data: ProblemData, coverage: Coverage, capacitated: SitingModel,
                params: BackendParams, core: CoreSettings) -> tuple[np.ndarray | None, float]:
    """A plan without [demand] that minds the demand it adds, and the core's lower
    bound on the cost without [demand].

    Both solves add keep_service as covering rows (``build_model``'s
    ``keep_pairs``). The bound comes from that scenario at its own costs. The
    plan comes from the same scenario with each tenancy also priced for the demand
    it would add to its operator: the hamlets it reaches that no plan must
    cover for that operator anyway (keep_service, or a tenancy that cannot go),
    at ``capacity.new_demand_price`` (``new_demand_price_greenfield`` where little
    demand is kept) times a carrier's NPV per Mb/s. A tenancy
    added for sharing then goes where it brings its operator little new
    traffic to carry.
    """
    plain = replace(data, demand=None)
    cap = capacitated.capacity
    assert cap is not None and capacitated.cover is not None
    # keep_service as covering rows: every capacitated plan meets them, so the
    # bound stays valid and is stronger where tenancies may go.
    model = build_model(plain, coverage, aggregate=False, keep_pairs=cap.keep)
    if len(model.levels) != 1 or not np.array_equal(model.x_index, capacitated.x_index):
        return None, -math.inf
    country = int((model.x_index >= 0).sum()) > core.scale.country_columns
    seconds = min(core.capacity.cover_share * params.time_limit,
                  core.capacity.max_cover_seconds_country if country
                  else core.capacity.max_cover_seconds)
    deadline = time.perf_counter() + seconds
    # Its plans are of the scenario without [demand] (another model's columns):
    # only its bounds, valid for the capacitated model too, are reported.
    result = solve_core(model, plain, replace(params, time_limit=seconds / 2,
                                              progress=_BoundsOnly(params.progress)),
                        None, core)
    if not result.has_solution:
        return None, result.bound
    bound_started = time.perf_counter()
    bound = max(result.bound, _carrier_bound(capacitated, model, plain, result.values, params,
                                             core))
    # The carrier bound has its own time (bound_share), not the priced plans'.
    deadline += time.perf_counter() - bound_started
    tenancies = model.plan(result.values).tenancies.copy()
    must = np.zeros(cap.v_index.shape, dtype=bool)
    has_v = cap.v_index >= 0
    must[has_v] = capacitated.linear.col_lb[cap.v_index[has_v]] > 0.5
    settings = core.capacity
    demand_price = _new_demand_price(cap, must, settings)
    if demand_price == 0 and settings.overload_credit == 0:
        return tenancies, bound  # the priced solve would be the same problem
    xj, xk = np.nonzero(model.x_index >= 0)
    order = np.argsort(model.x_index[xj, xk])
    xk = xk[order]
    new = sparse.coo_matrix(capacitated.cover)
    weight = np.where(must[new.row, xk[new.col]], 0.0, cap.demand[new.row, xk[new.col]])
    added = np.bincount(new.col, weights=weight, minlength=xk.size)
    xj = xj[order]
    price = capacitated.levels[-1].objective[cap.e_index[xj, xk]]
    base = model.levels[-1].objective.copy()
    base[:xk.size] += demand_price * price / cap.capacity[xk] * added
    rounds = settings.overload_rounds if settings.overload_credit > 0 else 1
    current = model.plan(result.values)
    overload = np.zeros(cap.demand.shape)
    for _ in range(max(rounds, 1)):
        if time.perf_counter() >= deadline:
            # The bound's solve overran (a country-scale model's first greedy
            # alone can take minutes): no priced plan rather than a late one.
            break
        cost = base.copy()
        if settings.overload_credit > 0:
            # What each tenancy's free carrier would relieve: the demand the
            # plans so far leave over at their free carriers, in its reach
            # (the most of any round, so that relieved areas keep their pull).
            overload = np.maximum(overload, _overload(data, coverage, current.tenancies))
            relief = np.bincount(new.col, weights=overload[new.row, xk[new.col]],
                                 minlength=xk.size)
            relief = np.minimum(relief, cap.capacity[xk])
            cost[:xk.size] -= settings.overload_credit * price / cap.capacity[xk] * relief
        priced = replace(model, linear=model.linear.with_objective(cost, model.levels[-1].offset),
                         levels=(replace(model.levels[-1], objective=cost),))
        # Its objective carries the demand prices: its values would mislead a
        # progress display, so it reports nothing (but still hears Ctrl-C).
        again = solve_core(priced, plain,
                           replace(params, time_limit=seconds / 2 / max(rounds, 1),
                                   progress=_Silent(params.progress)),
                           priced.solution(current), core)
        if not again.has_solution:
            break
        current = priced.plan(again.values)
    return current.tenancies.copy(), bound


def _new_demand_price(cap: CapacityColumns, kept: np.ndarray,
                      settings: CapacitySettings) -> float:
    """``new_demand_price``, or ``new_demand_price_greenfield`` where the plans
    must keep less than ``greenfield_kept_share`` of the demand: then almost
    every tenancy's demand is new, and which operator covers a hamlet decides
    whether its tenancies stay within ``max_carriers``."""
    total = float(cap.demand.sum())
    kept_share = float((cap.demand * kept).sum()) / total if total > 0 else 1.0
    if kept_share < settings.greenfield_kept_share:
        return settings.new_demand_price_greenfield
    return settings.new_demand_price


def _carrier_bound(capacitated: SitingModel, plain_model: SitingModel, plain: ProblemData,
                   values: np.ndarray, params: BackendParams, core: CoreSettings) -> float:
    """The bound with carriers priced (:mod:`.capacity_bound`) from the plan
    ``values`` of the model without [demand]: its LP with the capacity rows
    (``bound_lp``), then the core on the priced model; ``-inf`` when no price
    applies."""
    settings = core.capacity
    num_x = int((plain_model.x_index >= 0).sum())
    prices = carrier_prices(capacitated, plain_model, values[:num_x], settings.bound_price)
    seconds = min(settings.bound_share * params.time_limit, settings.max_bound_seconds)
    if not prices.active or seconds <= 0:
        return -math.inf
    started = time.perf_counter()
    bound = -math.inf
    if settings.bound_lp and num_x <= core.scale.country_columns:
        # Not at country scale: one chunk of PDLP there outlasts the bound's time.
        bound = relaxation_bound(capacitated, plain_model, values[:num_x], settings,
                                 settings.bound_lp_share * seconds,
                                 lambda: _Silent(params.progress).stop_requested).bound
    left = seconds - (time.perf_counter() - started)
    if left > 0 and not (settings.bound_lp and settings.bound_lp_share >= 1):
        found = solve_core(prices.priced(plain_model), plain,
                           replace(params, time_limit=left, progress=_Silent(params.progress)),
                           None, core)
        bound = max(bound, found.bound + prices.constant)
    return bound


def _overload(data: ProblemData, coverage: Coverage, x: np.ndarray) -> np.ndarray:
    """(hamlets x operators) the Mb/s a plan's tenancies leave over at the
    carriers they have for free (today's, at least one): what extra carriers
    or another tenancy nearby must carry."""
    demand = data.demand
    assert demand is not None
    free = np.where(x, np.maximum(demand.carriers_today, 1), 0)
    return np.stack([_unplaced_operator(data, coverage, x, free, k)
                     for k in range(data.num_operators)], axis=1)


class _Silent:
    """A progress reporter that passes on only the stop request."""

    def __init__(self, progress) -> None:
        self._progress = progress

    @property
    def stop_requested(self) -> bool:
        return bool(self._progress is not None and self._progress.stop_requested)

    def update(self, *args, **kwargs) -> None:
        """Drop the event."""


class _BoundsOnly(_Silent):
    """A progress reporter that passes on the phase and the bound, not the plans
    (their columns are another model's: a checkpoint would misread them)."""

    def update(self, phase: str, objective: float | None = None, bound: float | None = None,
               values=None) -> None:
        """Pass on the phase and the bound."""
        if self._progress is not None:
            self._progress.update(phase, bound=bound)


@dataclass(frozen=True, eq=False)
class CapacityStart:
    """What :func:`capacity_start` found.

    Attributes
    ----------
    plan
        A plan that carries the demand, or ``None`` when the cover solve found
        no plan or some demand fits nowhere the repair can add a tenancy.
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
    core: CoreSettings | None = None,
) -> CapacityStart:
    """A plan that carries the demand (``None`` when it cannot), and a bound.

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
    core
        The core's settings: ``core.capacity`` for this heuristic, the rest for
        the plan without ``[demand]``.
    """
    tic = time.perf_counter()
    core = core or CoreSettings()
    settings = core.capacity
    demand = data.demand
    assert demand is not None and model.capacity is not None
    x, bound = _cover_plan(data, coverage, model, params, core)
    if x is None:
        return CapacityStart(None, bound)
    usable = model.x_index >= 0
    if demand.keep_service:
        # Pairs the plan leaves uncovered (only when its keep rows could not be
        # used) get today's tenancies back.
        x |= data.tenancies & usable & _uncovered_today(coverage, model, x)
    objective = model.levels[-1].objective
    pair_cost = np.full(x.shape, math.inf)
    pair_cost[usable] = objective[model.x_index[usable]]
    has_y = model.y_index >= 0
    site_cost = np.zeros(data.num_sites)
    site_cost[has_y] = objective[model.y_index[has_y]]
    carrier_cost = demand.carrier_cost_npv(data.economics)
    room_left = data.sites.max_tenants - x.sum(axis=1)
    movable = usable.copy()
    movable[usable] = model.linear.col_lb[model.x_index[usable]] < 0.5
    operators = np.arange(data.num_operators)
    for _ in range(settings.max_rounds + 1):
        for k in operators:
            cost = pair_cost[:, k] + np.where(x.any(axis=1), 0.0, site_cost) + (
                (demand.max_carriers[k] - 1) * carrier_cost[k])
            if not _add_until_carried(data, coverage, x, room_left, cost, k,
                                      settings.max_rounds, settings.relief_depth, movable,
                                      pair_cost):
                return CapacityStart(None, bound)
        # Tenancies added on new sites may take the shared-site ratio below a
        # hard target: co-tenants bring it back, and their operators' demand
        # is placed again.
        shared = _share_until_met(data, coverage, x, room_left, pair_cost,
                                  carrier_cost / demand.carrier_capacity_mbps)
        if not shared.any():
            break
        operators = np.flatnonzero(shared.any(axis=0))
    # The start's share of the time, and Ctrl-C: past it the carriers come
    # from the quickest flows (no MILP, no trimming), so a plan is always made.
    stop = (Deadline(at=tic + settings.start_share * params.time_limit)
            | Interrupt(params.progress))
    carriers = None
    if settings.exact_carriers:
        # Each operator's MILP gets its share of what is left of the start's
        # time (settings.start_share of the limit), at most carriers_seconds.
        seconds = min(settings.carriers_seconds, stop.remaining() / data.num_operators)
        carriers = optimal_carriers(data, model, x, seconds=seconds,
                                    gap=settings.carriers_gap, seed=params.seed,
                                    trim_seconds=settings.trim_seconds / data.num_operators,
                                    slope_rounds=settings.slope_rounds, stop=stop)
    if carriers is None:
        carriers = _trimmed_carriers(data, coverage, x, settings.trim_seconds, stop)
    return CapacityStart(Plan(x, carriers), bound)


def _share_until_met(data: ProblemData, coverage: Coverage, x: np.ndarray,
                     room_left: np.ndarray, pair_cost: np.ndarray,
                     price_per_mbps: np.ndarray) -> np.ndarray:
    """Co-tenants added (in place) on single-tenant sites until a hard
    shared-site ratio is met; the (sites x operators) mask of them.

    Each site's cheapest co-tenant counts its tenancy (``pair_cost``, sites x
    operators, ``inf`` where unusable) and the demand it adds to its
    operator (the hamlets it reaches that the operator does not cover yet)
    at ``price_per_mbps`` (per operator); the cheapest sites first.
    """
    added = np.zeros_like(x)
    targets = data.targets
    if targets.sharing != "hard" or targets.shared_site_ratio <= 0:
        return added
    demand = data.demand
    assert demand is not None
    tenants = x.sum(axis=1)
    missing = math.ceil(targets.shared_site_ratio * int((tenants >= 1).sum())
                        - SHARING_TOLERANCE) - int((tenants >= 2).sum())
    if missing <= 0:
        return added
    options = np.full(x.shape, math.inf)
    single = (tenants == 1) & (room_left > 0)
    for k in range(data.num_operators):
        reach = coverage.for_operator(k).tocsr()          # hamlets x sites
        covered = np.asarray(reach @ x[:, k].astype(float)).ravel() > 0
        new_demand = np.asarray(reach.T @ np.where(covered, 0.0, demand.demand_mbps[:, k])
                                ).ravel()
        options[:, k] = np.where(single & ~x[:, k],
                                 pair_cost[:, k] + price_per_mbps[k] * new_demand, math.inf)
    best = np.argmin(options, axis=1)
    cheapest = options[np.arange(best.size), best]
    order = np.argsort(cheapest, kind="stable")
    for j in order[np.isfinite(cheapest[order])][:missing]:
        added[j, best[j]] = True
        x[j, best[j]] = True
        room_left[j] -= 1
    return added


SHARING_TOLERANCE = 1e-9
"""Slack on the shared-site ratio, as the evaluator allows."""


def _uncovered_today(coverage: Coverage, model: SitingModel, x: np.ndarray) -> np.ndarray:
    """(sites x operators) today's tenancies reaching a kept pair that ``x`` leaves
    uncovered."""
    cap = model.capacity
    assert cap is not None
    needed = np.zeros(x.shape, dtype=bool)
    for k in range(x.shape[1]):
        reach = coverage.for_operator(k).tocsr()           # hamlets x sites
        covered = np.asarray(reach @ x[:, k].astype(float)).ravel() > 0
        open_pairs = cap.keep[:, k] & ~covered
        if open_pairs.any():
            needed[:, k] = np.asarray(reach[open_pairs].sum(axis=0)).ravel() > 0
    return needed


def _add_until_carried(
    data: ProblemData, coverage: Coverage, x: np.ndarray, room_left: np.ndarray,
    cost: np.ndarray, k: int, max_rounds: int, relief_depth: int = 0,
    movable: np.ndarray | None = None, pair_cost: np.ndarray | None = None,
) -> bool:
    """Add tenancies of operator k until its demand fits at max_carriers (in place);
    False only when some demand does not fit and no tenancy can be added.

    Each round solves the operator's max flow and, for each hamlet left with
    demand (most first), adds the usable tenancy with the least cost per Mb/s
    it relieves (see :func:`_relief_options`, up to ``relief_depth`` steps
    out), unless this round added a tenancy at a site reaching the hamlet's
    neighbours already. When every such site is full, a later operator's
    tenancy there (``movable``, sites x operators; ``None``: none;
    ``pair_cost`` sites x operators) gives up its place where that operator
    still covers the same hamlets without it, or with one more tenancy
    elsewhere (see :func:`_free_a_place`).

    After ``max_rounds`` rounds, or once a round finds nothing to add, the
    relief is looked for as far out along the flow as the area grows. The
    rounds go on until the demand fits or nothing can be added: each adds a
    tenancy, so they end. The clock plays no part: the same plan comes out
    of the same cover plan.
    """
    demand = data.demand
    assert demand is not None
    reach = coverage.for_operator(k).tocsr()          # hamlets x sites
    by_site = reach.T.tocsr()                          # sites x hamlets
    full = np.full(data.num_sites, int(demand.max_carriers[k]))
    hurry = False
    rounds = 0
    while True:
        carriers = np.zeros(x.shape, dtype=np.int64)
        carriers[:, k] = np.where(x[:, k], full, 0)
        unplaced, carrying = _operator_flow(data, coverage, x, carriers, k)
        short = np.flatnonzero(unplaced > 1e-6)
        if short.size == 0:
            return True
        hurry = hurry or rounds >= max_rounds
        rounds += 1
        depth = data.num_hamlets if hurry else relief_depth
        helped = np.zeros(data.num_hamlets, dtype=bool)
        added = False
        # What a new tenancy relieves: the demand left over in its reach.
        relief = np.asarray(by_site @ unplaced).ravel()
        candidate = np.isfinite(cost) & ~x[:, k] & (room_left > 0)
        for i in short[np.argsort(-unplaced[short], kind="stable")]:
            if helped[i]:
                continue
            options, weight, area = _relief_options(reach, by_site, carrying, i, candidate,
                                                    relief, demand.demand_mbps[:, k], depth)
            if options.size == 0 and movable is not None and pair_cost is not None:
                around = np.unique(reach[area].indices)
                full_sites = around[np.isfinite(cost[around]) & ~x[around, k]
                                    & (room_left[around] <= 0)]
                freed = _free_a_place(coverage, x, movable, k,
                                      full_sites[np.argsort(cost[full_sites], kind="stable")],
                                      room_left, pair_cost)
                if freed is not None:
                    room_left[freed] += 1
                    options, weight = np.array([freed]), np.ones(1)
            if options.size == 0:
                continue
            j = int(options[np.argmin(cost[options] / weight)])
            x[j, k] = True
            room_left[j] -= 1
            candidate[j] = False
            # One tenancy per neighbourhood and round: the flow moves demand
            # over every tenancy reaching a hamlet, so a second one beside it
            # is often not needed once the first is in.
            helped[by_site[reach.indices[reach.indptr[i]:reach.indptr[i + 1]]].indices] = True
            helped[area] = True
            added = True
        if not added:
            if hurry:
                return False
            hurry = True


def _free_a_place(coverage: Coverage, x: np.ndarray, movable: np.ndarray, k: int,
                  sites: np.ndarray, room_left: np.ndarray, pair_cost: np.ndarray) -> int | None:
    """Take off (in place) the first tenancy of an operator after ``k`` on one of
    ``sites`` (in that order) that may go (``movable``), and whose hamlets that
    operator still covers from its other tenancies, or from one more (the
    cheapest by ``pair_cost``, sites x operators) on an active site with room
    that reaches all the hamlets it would lose; its site, or ``None``.

    That operator covers at least the same hamlets, so every coverage rule and
    keep_service still hold; the site keeps its tenants once k takes the
    place, and a moved tenancy goes to an active site, so the sharing ratio
    does not fall. The operator's demand is placed when its own turn comes
    (operators are taken in order).
    """
    active = x.any(axis=1)
    for j in sites:
        for k2 in range(k + 1, x.shape[1]):
            if not (x[j, k2] and movable[j, k2]):
                continue
            reach = coverage.for_operator(k2)
            hamlets = reach[:, [int(j)]].tocoo().row
            others = x[:, k2].copy()
            others[j] = False
            lost = hamlets[(reach @ others.astype(float))[hamlets] <= 0]
            if lost.size:
                covers_all = np.asarray(reach[lost].sum(axis=0)).ravel() >= lost.size
                fits = (covers_all & np.isfinite(pair_cost[:, k2]) & ~x[:, k2]
                        & (room_left > 0) & active)
                fits[j] = False
                if not fits.any():
                    continue
                there = np.flatnonzero(fits)
                moved = int(there[np.argmin(pair_cost[there, k2])])
                x[moved, k2] = True
                room_left[moved] -= 1
            x[j, k2] = False
            return int(j)
    return None


def _relief_options(reach: sparse.csr_matrix, by_site: sparse.csr_matrix,
                    carrying: sparse.csr_matrix, i: int, candidate: np.ndarray, relief: np.ndarray, demand: np.ndarray,
                    depth: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sites where a new tenancy would take load off hamlet ``i``, what each
    relieves (Mb/s), and the hamlets whose load it takes (``by_site`` is
    ``reach`` transposed).

    First the ``candidate`` sites reaching ``i`` itself, weighed by
    ``relief`` (the demand left over in their reach). When there is none
    (every site reaching ``i`` already has the operator, or no room), up to
    ``depth`` steps outwards along the max flow's residual graph: the
    hamlets whose flow goes to a tenancy reaching the area so far
    (``carrying``: sites x hamlets, the pairs with flow) join it. Every
    tenancy the area reaches is full (else the flow would be larger), so a
    new tenancy reaching any of its hamlets lets the flow move that
    hamlet's demand onto it and free room for ``i``'s; a candidate is
    weighed by the area's demand in its reach.
    """
    area = np.array([i])
    sites = reach.indices[reach.indptr[i]:reach.indptr[i + 1]]
    options = sites[candidate[sites]]
    if options.size:
        return options, relief[options], area
    for _ in range(depth):
        grown = np.union1d(area, carrying[sites].indices)
        if grown.size == area.size:
            break
        area = grown
        sites = np.unique(reach[area].indices)
        options = sites[candidate[sites]]
        if options.size:
            in_area = np.zeros(reach.shape[0])
            in_area[area] = demand[area]
            weight = np.asarray(by_site[options] @ in_area).ravel()
            return options, np.maximum(weight, 1e-9), area
    return options[:0], np.zeros(0), area


def _trimmed_carriers(data: ProblemData, coverage: Coverage, x: np.ndarray,
                      seconds: float, stop: StoppingCriterion | None = None) -> np.ndarray:
    """Carriers from the max flow's loads rounded up, then, for at most
    ``seconds`` and until ``stop`` says so, one fewer on each tenancy, the
    most idle first, while the operator's demand still fits.

    The loads fit at ``max_carriers`` whenever ``x`` carries the demand, so
    the carriers do too, trimmed or not."""
    demand = data.demand
    assert demand is not None
    c = demand.carrier_capacity_mbps
    max_n = demand.max_carriers[None, :]
    loads = np.zeros(x.shape)
    for k in range(data.num_operators):
        mine = np.zeros_like(x)
        mine[:, k] = x[:, k]
        hamlet, site, _ = _reach(coverage, mine)
        d = demand.demand_mbps[:, k]
        keep = d[hamlet] > 0
        room = np.where(x[:, k], max_n[0, k] * c[k], 0.0)
        flow, _ = _max_flow(d, hamlet[keep], site[keep], room)
        loads[:, k] = np.bincount(site[keep], weights=flow, minlength=data.num_sites)
    carriers = np.where(x, np.clip(np.ceil(loads / c[None, :] - 1e-9), 1, max_n), 0)
    carriers = carriers.astype(np.int64)
    slack = np.where(carriers > 1, carriers - loads / c[None, :], -np.inf)
    trim_start = time.perf_counter()
    for flat in np.argsort(-slack, axis=None, kind="stable"):
        j, k = np.unravel_index(int(flat), x.shape)
        if (slack[j, k] < 1e-9 or time.perf_counter() - trim_start > seconds
                or (stop is not None and stop())):
            break
        carriers[j, k] -= 1
        if (_unplaced_operator(data, coverage, x, carriers, k) > 1e-6).any():
            carriers[j, k] += 1
    return carriers


def _carriers_start(cap, k: int, hamlet: np.ndarray, pair_row: np.ndarray,
                    tenancy: np.ndarray, pairs: np.ndarray, free: np.ndarray,
                    n_t: int, seconds: float, slope_rounds: int,
                    stop: StoppingCriterion | None = None) -> np.ndarray | None:
    """A feasible start (n, e, w) for one operator's carriers MILP: the carriers
    of :func:`_few_carriers` (its flows and trimming end when ``stop`` says
    so), the shares of a max flow at those carriers (``None`` when the demand
    does not fit)."""
    supply = cap.demand[pairs, k]
    c = cap.capacity[k]
    carriers = _few_carriers(supply, pair_row, tenancy, free, int(cap.max_carriers[k]), c,
                             slope_rounds, seconds, stop)
    if carriers is None:
        return None
    on_pair, left = _max_flow(supply, pair_row, tenancy, carriers * c)
    if (left > 0).any():
        return None
    share = np.clip(on_pair / cap.demand[hamlet, k], 0.0, 1.0)
    # Shares rounded to the flow's units may sum to a hair under 1: top them up
    # on the pair that carries most of each hamlet.
    short = 1.0 - np.bincount(pair_row, weights=share, minlength=pairs.size)
    top = np.zeros(pairs.size, dtype=np.int64)
    order = np.lexsort((share, pair_row))
    top[pair_row[order]] = order
    share[top] += short
    load = np.bincount(tenancy, weights=share * cap.demand[hamlet, k], minlength=n_t)
    if (load > carriers * c + 1e-9).any():
        return None
    return np.r_[carriers, np.maximum(carriers - free, 0), share]


def _few_carriers(supply: np.ndarray, hamlet: np.ndarray, site: np.ndarray,
                  free: np.ndarray, most: int, capacity: float, slope_rounds: int,
                  seconds: float, stop: StoppingCriterion | None = None) -> np.ndarray | None:
    """Carriers per site (``free`` of them cost nothing) that carry ``supply``
    over the reach pairs, with few paid ones (``None`` when the demand does not
    fit at ``most``).

    The loads of :func:`_cheapest_loads` rounded up to carriers; then, for at
    most ``seconds``, one carrier fewer on each paying site, the most idle
    first, while an integer max flow still carries the demand (this also
    breaks the ties slope scaling cannot: two sites each paying for a carrier
    they half use). ``stop`` ends the flows (see :func:`_cheapest_loads`) and
    the trimming early.
    """
    load = _cheapest_loads(supply, hamlet, site, free * capacity,
                           np.maximum(most - free, 0) * capacity, capacity, slope_rounds, stop)
    if load is None:
        return None
    carriers = np.clip(np.ceil(load / capacity - 1e-9), 1, most).astype(np.int64)
    tic = time.perf_counter()
    idle = carriers - load / capacity
    for j in np.argsort(-idle, kind="stable"):
        if time.perf_counter() - tic > seconds or (stop is not None and stop()):
            break
        if carriers[j] <= max(free[j], 1):
            continue
        carriers[j] -= 1
        if (_max_flow(supply, hamlet, site, carriers * capacity)[1] > 0).any():
            carriers[j] += 1
    return carriers


def _cheapest_loads(supply: np.ndarray, hamlet: np.ndarray, site: np.ndarray,
                    free_room: np.ndarray, paid_room: np.ndarray, capacity: float,
                    rounds: int, stop: StoppingCriterion | None = None) -> np.ndarray | None:
    """Each site's load (Mb/s) carrying all of ``supply`` over the reach pairs
    with few paid carriers (``None`` when the demand does not fit).

    Min-cost flows (OR-Tools) in kb/s, rounded the safe way, that use
    ``free_room`` at no cost and ``paid_room`` at a price per unit: first the
    LP's (one per unit), then, for ``rounds`` more flows, each site's carriers
    over its load in the flow before (slope scaling: a site that pays for a
    carrier it barely uses looks dear, one that fills its carriers cheap).
    Returns the loads of the flow with the fewest paid carriers.

    ``stop`` (the start's time, Ctrl-C) is asked before each flow: no flow
    starts once it says so or when less time is left than the longest flow so
    far took (a country-scale operator's flow takes seconds). Stopped before
    the first, the loads are an integer max flow's (they carry the demand
    alike, with no care for paid carriers).
    """
    if stop is not None and stop():
        on_pair, left = _max_flow(supply, hamlet, site, free_room + paid_room)
        if (left > 0).any():
            return None
        return np.bincount(site, weights=on_pair, minlength=free_room.size)
    num_h, num_s = supply.size, free_room.size
    sink = num_h + num_s
    units = np.ceil(supply * FLOW_UNITS_PER_MBPS).astype(np.int64)
    sites = num_h + np.arange(num_s)
    tails = np.r_[hamlet, sites, sites].astype(np.int32)
    heads = np.r_[num_h + site, np.full(2 * num_s, sink)].astype(np.int32)
    room = np.r_[units[hamlet], np.floor(free_room * FLOW_UNITS_PER_MBPS),
                 np.floor(paid_room * FLOW_UNITS_PER_MBPS)].astype(np.int64)
    paid_arcs = np.arange(hamlet.size + num_s, hamlet.size + 2 * num_s)
    free_arcs = paid_arcs - num_s
    price = np.full(num_s, SLOPE_UNIT, dtype=np.int64)
    best, fewest = None, math.inf
    longest = 0.0
    for number in range(rounds + 1):
        if number > 0 and stop is not None and (stop() or stop.remaining() < longest):
            break
        tic = time.perf_counter()
        flow = min_cost_flow.SimpleMinCostFlow()
        flow.add_arcs_with_capacity_and_unit_cost(
            tails, heads, room, np.r_[np.zeros(hamlet.size + num_s, dtype=np.int64), price])
        flow.set_nodes_supplies(np.r_[np.arange(num_h), sink].astype(np.int32),
                                np.r_[units, -units.sum()].astype(np.int64))
        if flow.solve() != flow.OPTIMAL:
            return None
        paid = flow.flows(paid_arcs) / FLOW_UNITS_PER_MBPS
        carriers = np.ceil(paid / capacity - 1e-9)
        if carriers.sum() < fewest:
            fewest = carriers.sum()
            best = paid + flow.flows(free_arcs) / FLOW_UNITS_PER_MBPS
        slope = np.where(paid > 0, carriers * capacity / np.maximum(paid, 1e-9),
                         price / SLOPE_UNIT)
        price = np.round(SLOPE_UNIT * slope).astype(np.int64)
        longest = max(longest, time.perf_counter() - tic)
    return best


SLOPE_UNIT = 1000
"""A paid kb/s at the LP's price costs this much in the integer min-cost flows."""

MIN_MILP_SECONDS = 0.1
"""An operator's carriers MILP gets at least this long; with less time left
its start's carriers are taken as they are."""


def optimal_carriers(
    data: ProblemData, model: SitingModel, tenancies: np.ndarray, *,
    seconds: float, gap: float = 1e-3, seed: int = 0, trim_seconds: float = 1.0,
    slope_rounds: int = 4, stop: StoppingCriterion | None = None,
) -> np.ndarray | None:
    """The cheapest carriers that carry a plan's demand, given its tenancies.

    One MILP per operator over the tenancies the plan gives it, started from
    a min-cost flow's carriers (see :func:`_carriers_start`; its plan when
    the MILP finds none in time): shares
    ``w`` in [0, 1] of each covered hamlet's demand (summing to 1), integer
    carriers ``1 <= n <= N_k``, ``sum_i D w <= c_k n``, paid carriers
    ``e >= n - max(n0, 1)`` at the carrier's NPV (model.md's rows with x
    fixed).

    Parameters
    ----------
    data
        A scenario with ``[demand]``.
    model
        Its capacitated model.
    tenancies
        (sites x operators) the plan's tenancies.
    seconds
        Time limit of each operator's MILP.
    gap
        Relative gap at which each operator's MILP stops.
    seed
        HiGHS's random seed.
    trim_seconds
        Time each operator's start may spend taking carriers off.
    slope_rounds
        Slope-scaled min-cost flows of each operator's start after the first.
    stop
        Asked before each step (the start's flows, their trimming, each
        MILP, whose time it also caps by its deadline); once it says so, each
        operator's carriers are its start's, the quickest flows' (``None``:
        never stops).

    Returns
    -------
    numpy.ndarray or None
        (sites x operators) carriers, 0 where there is no tenancy; ``None``
        when some operator's MILP found no plan in time.
    """
    cap = model.capacity
    assert cap is not None and model.cover is not None
    xj, xk = np.nonzero(model.x_index >= 0)
    order = np.argsort(model.x_index[xj, xk])
    xj, xk = xj[order], xk[order]
    on = tenancies[xj, xk]
    price = model.levels[-1].objective[cap.e_index[xj, xk]]
    free = np.maximum(cap.carriers_today[xj, xk], 1).astype(float)
    carriers = np.zeros(tenancies.shape, dtype=np.int64)
    cover = sparse.coo_matrix(model.cover)
    for k in range(data.num_operators):
        mine = np.flatnonzero(on & (xk == k))
        if mine.size == 0:
            continue
        local = np.full(xj.size, -1, dtype=np.int64)
        local[mine] = np.arange(mine.size)
        reach = (local[cover.col] >= 0) & (cap.demand[cover.row, k] > 0)
        hamlet, tenancy = cover.row[reach], local[cover.col[reach]]
        pairs, pair_row = np.unique(hamlet, return_inverse=True)
        n_t, n_w = mine.size, hamlet.size
        width = 2 * n_t + n_w                  # columns: n, e, w
        w_cols = 2 * n_t + np.arange(n_w)
        t_rows = np.arange(n_t)
        rows = sparse.vstack([
            sparse.csr_matrix((np.ones(n_w), (pair_row, w_cols)), shape=(pairs.size, width)),
            sparse.csr_matrix((np.r_[cap.demand[hamlet, k], np.full(n_t, -cap.capacity[k])],
                               (np.r_[tenancy, t_rows], np.r_[w_cols, t_rows])),
                              shape=(n_t, width)),
            sparse.csr_matrix((np.r_[np.ones(n_t), -np.ones(n_t)],
                               (np.r_[t_rows, t_rows], np.r_[n_t + t_rows, t_rows])),
                              shape=(n_t, width)),
        ]).tocsc()
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = width, rows.shape[0]
        lp.col_cost_ = np.r_[np.zeros(n_t), price[mine], np.zeros(n_w)]
        lp.col_lower_ = np.r_[np.ones(n_t), np.zeros(n_t + n_w)]
        lp.col_upper_ = np.r_[np.full(n_t, float(cap.max_carriers[k])),
                              np.full(n_t, math.inf), np.ones(n_w)]
        lp.row_lower_ = np.r_[np.ones(pairs.size), np.full(n_t, -math.inf), -free[mine]]
        lp.row_upper_ = np.r_[np.ones(pairs.size), np.zeros(n_t), np.full(n_t, math.inf)]
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = rows.indptr.astype(np.int32)
        lp.a_matrix_.index_ = rows.indices.astype(np.int32)
        lp.a_matrix_.value_ = rows.data.astype(float)
        lp.integrality_ = ([highspy.HighsVarType.kInteger] * n_t
                           + [highspy.HighsVarType.kContinuous] * (n_t + n_w))
        start = _carriers_start(cap, k, hamlet, pair_row, tenancy, pairs, free[mine], n_t,
                                trim_seconds, slope_rounds, stop)
        limit = seconds if stop is None else min(seconds, stop.remaining())
        if start is not None and (limit < MIN_MILP_SECONDS or (stop is not None and stop())):
            # No time for the MILP: the start's carriers.
            carriers[xj[mine], k] = np.round(start[:n_t]).astype(np.int64)
            continue
        h = _configured(BackendParams(time_limit=max(limit, MIN_MILP_SECONDS), seed=seed,
                                      workers=1, gap=gap))
        h.passModel(lp)
        if start is not None:
            solution = highspy.HighsSolution()
            solution.col_value = list(start)
            solution.value_valid = True
            h.setSolution(solution)
        # HiGHS keeps one thread pool per process: rebuild it for this thread count.
        highspy.Highs.resetGlobalScheduler(True)
        h.run()
        if h.getInfo().primal_solution_status >= 1:
            values = np.asarray(h.getSolution().col_value)
        elif start is not None:
            values = start
        else:
            return None
        carriers[xj[mine], k] = np.round(values[:n_t]).astype(np.int64)
    return carriers
