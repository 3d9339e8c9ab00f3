"""The fast core: Lagrangian bound, guided heuristics, local search,
reduced-cost fixing, then exact search on what is left, warm-started.

1. A greedy plan gives an upper bound at once.
2. Subgradient ascent on the Lagrangian (coverage and sharing rows relaxed)
   raises a valid lower bound; each improvement re-runs the greedy ranked by
   Lagrangian reduced costs, which usually finds better plans. With a sharing
   row, where the subgradient stalls, the LP relaxation's duals (:mod:`.lp`)
   give stronger multipliers.
3. A row-weighting local search (:mod:`.local_search`, compiled) improves
   the best plan over the core pairs (smallest Lagrangian increase per row).
4. Reduced-cost fixing: a site or pair whose forced use would lift the
   Lagrangian bound above the best plan cannot be in any better plan, so it
   is removed. On covering models this deletes most columns.
5. HiGHS searches the reduced model, started from the best plan. Its bound
   is valid for every plan cheaper than the incumbent, so the final bound is
   ``max(Lagrangian, min(incumbent, HiGHS bound))``.
6. Models too large for that (the country-scale family) are first split into
   independent coverage components solved exactly at a price on sharing
   (:mod:`.decompose`: a much stronger bound, and a plan); then a
   large-neighbourhood search (:mod:`.lns`) of small exact steps improves the
   plan until the deadline. Where they have a sharing row, the whole LP is
   solved beside all that in a process of its own (:class:`.lp.BackgroundLp`):
   the Lagrangian at its duals is the final bound once it comes in.
"""

from __future__ import annotations

import math
import time
from dataclasses import replace

import numpy as np

from btsopt.data import ProblemData
from btsopt.model import SitingModel
from btsopt.solvers.base import (
    FEASIBLE,
    INFEASIBLE,
    OPTIMAL,
    BackendParams,
    BackendResult,
    relative_gap,
)
from btsopt.solvers.core.decompose import (
    SharingPrice,
    find_components,
    price_sharing,
    worth_decomposing,
)
from btsopt.solvers.core.heuristic import construct, remove_redundant, repair_sharing
from btsopt.solvers.core.lagrangian import (
    LagrangianState,
    evaluate_relaxation,
    pair_increase,
    smallest_per_row,
    subgradient,
)
from btsopt.solvers.core.lns import large_neighbourhood_search
from btsopt.solvers.core.local_search import available as local_search_available
from btsopt.solvers.core.local_search import local_search
from btsopt.solvers.core.lp import (
    BackgroundLp,
    lp_multipliers,
    relaxation_neighbourhood,
    solve_lp,
)
from btsopt.solvers.core.regions import RegionalLp
from btsopt.solvers.core.settings import CoreSettings
from btsopt.solvers.core.stop import Deadline, Interrupt
from btsopt.solvers.core.structure import CoreStructure, core_structure
from btsopt.solvers.highs import solve_highs


def _objective_is_integral(core: CoreStructure) -> bool:
    costs = np.concatenate([core.site_cost, core.pair_cost.ravel(), core.token_cost, [core.offset]])
    return bool(np.all(np.abs(costs - np.round(costs)) < 1e-9))


def _fixings(core: CoreStructure, state: LagrangianState, threshold: float):
    """Bounds implied by the Lagrangian: (sites off, sites on, pairs off) masks,
    or ``None`` when the bound alone proves the incumbent optimal."""
    values = state.site_values
    best = values.min(axis=1)
    base = state.bound - best  # bound without each site's own term
    if state.bound > threshold:
        return None
    size = core.size
    active_min = np.where(size[None, :] >= 1, values, np.inf).min(axis=1)
    sites_off = base + active_min > threshold
    sites_on = base + values[:, 0] > threshold
    pairs_off = np.zeros(core.x_col.shape, dtype=bool)
    for k in range(core.x_col.shape[1]):
        with_k = np.where(core.subsets[None, :, k], values, np.inf).min(axis=1)
        pairs_off[:, k] = (core.x_col[:, k] >= 0) & (base + with_k > threshold)
    return sites_off, sites_on, pairs_off


def _no_fixings(core: CoreStructure):
    """No column fixed (reduced-cost fixing switched off)."""
    none = np.zeros(core.num_sites, dtype=bool)
    return none, none, np.zeros(core.x_col.shape, dtype=bool)


def _core_columns(core: CoreStructure, increase: np.ndarray, per_row: int) -> np.ndarray:
    """Mask of the ``per_row`` pairs of smallest Lagrangian increase in each row."""
    keep = np.zeros(core.x_site.size, dtype=bool)
    keep[smallest_per_row(core.cover, increase, per_row)] = True
    return keep


def solve_core(
    model: SitingModel,
    data: ProblemData,
    params: BackendParams,
    hint: np.ndarray | None = None,
    settings: CoreSettings | None = None,
) -> BackendResult:
    """Solve a single-level (cost) model with the core; HiGHS alone when the
    model lacks the per-site structure the core exploits.

    Parameters
    ----------
    settings
        Every knob of the core (default :class:`.settings.CoreSettings`).
    """
    settings = settings if settings is not None else CoreSettings()
    start = time.perf_counter()
    core = core_structure(model, data, settings.scale.max_row_overlaps)
    if core is None:
        return replace(solve_highs(model.linear, params, hint), backend="core")
    # Country-scale models get regional LPs instead of one LP (see .regions);
    # with a core to spare, the whole LP runs beside the search (see .lp).
    country = core.x_site.size > settings.scale.country_columns
    lp = settings.background_lp
    lp_seconds = lp.seconds_per_million_nonzeros * model.linear.matrix.nnz / 1e6
    lp_limit = settings.time.background_lp * params.time_limit
    if not (lp.enabled and core.q and country and params.workers >= lp.min_workers
            and lp_seconds <= lp_limit):
        return _search(model, data, params, hint, core, country, start, None, settings)
    with BackgroundLp(model.linear, lp_limit, params.seed) as background:
        # The LP holds one core: HiGHS's steps in the search take the other.
        return _search(model, data, replace(params, workers=params.workers - 1), hint, core,
                       country, start, background, settings)


def _search(model: SitingModel, data: ProblemData, params: BackendParams,
            hint: np.ndarray | None, core: CoreStructure, country: bool, start: float,
            background: BackgroundLp | None, settings: CoreSettings) -> BackendResult:
    """The core's search (see :func:`solve_core`); ``background`` is the
    whole LP being solved in another process, whose bound is taken once it
    is there."""
    linear = model.linear
    deadline = start + params.time_limit
    times = settings.time
    # Switched off, the ascent stays at its start (the multipliers still rank pairs).
    ascent_iterations = settings.subgradient.iterations if settings.subgradient.enabled else 0
    repair_iterations = (settings.subgradient.repair_iterations if settings.subgradient.enabled
                         else 0)
    interrupt = Interrupt(params.progress)

    incumbent: tuple[float, np.ndarray] | None = None

    def offer_values(values: np.ndarray) -> None:
        nonlocal incumbent
        if linear.max_violation(values) > 1e-7:
            return  # the budget row, which the heuristics do not see
        cost = linear.value(values)
        if incumbent is None or cost < incumbent[0] - 1e-9:
            incumbent = (cost, values)
            params.report("heuristic", objective=cost, values=values)

    def offer(chosen: np.ndarray, tokens: np.ndarray) -> None:
        offer_values(core.values_from_choice(_choice_index(chosen), tokens, linear.num_cols))

    if hint is not None and linear.max_violation(hint) <= 1e-7:
        incumbent = (linear.value(hint), np.asarray(hint, dtype=float))
    known_bound = -math.inf
    first = construct(core)
    if first is not None and settings.greedy.enabled:
        offer(first[0], first[1])

    calls = {"n": 0, "seconds": 0.0}

    def on_state(state: LagrangianState) -> None:
        # Re-run the greedy on Lagrangian reduced costs now and then, spending
        # at most a third of the time so far on it.
        calls["n"] += 1
        elapsed = time.perf_counter() - start
        greedy = settings.greedy
        if (not greedy.during_subgradient
                or (calls["n"] % greedy.every and calls["n"] > greedy.first_calls)
                or calls["seconds"] > elapsed * times.greedy):
            return
        params.report("lagrangian", bound=state.bound)
        tic = time.perf_counter()
        found = construct(core, state.u)
        if found is not None:
            offer(found[0], found[1])
        calls["seconds"] += time.perf_counter() - tic

    def background_bound() -> float:
        """The best bound known from outside the Lagrangian, after taking the
        background LP's (the Lagrangian at its duals) if it has just come in."""
        nonlocal known_bound
        relaxation = None if background is None else background.poll()
        if relaxation is not None:
            at_duals = evaluate_relaxation(core, lp_multipliers(core, model, relaxation.row_duals))
            if at_duals.bound > known_bound:
                known_bound = at_duals.bound
                params.report("lp", bound=known_bound)
        return known_bound

    guide = None
    lp_guide = None  # (LP values, region per site) of the regional LPs
    if core.q and not country and settings.lp.enabled and not params.stop_requested:
        # With a sharing row the subgradient stalls far below the LP bound
        # (see .lp): the LP's duals are the multipliers, its solution guides
        # a plan (RENS), and the greedy is ranked by its duals.
        guide = solve_lp(core, model, params, times.lp * max(deadline - time.perf_counter(), 0.0))
    if guide is not None:
        params.report("lp", bound=guide.state.bound)
        found = construct(core, guide.state.u)
        if found is not None:
            offer(found[0], found[1])
        remaining = deadline - time.perf_counter()
        if remaining > 0.1 and settings.lp.rounding and not params.stop_requested:
            rens = relaxation_neighbourhood(
                linear, guide.values, params, times.rounding * remaining,
                None if incumbent is None else incumbent[1])
            if rens is not None:
                offer_values(rens)
    upper = incumbent[0] if incumbent else math.inf
    if guide is not None and guide.optimal:
        state = guide.state
    else:
        budget = min(max(times.subgradient * params.time_limit, times.subgradient_min_seconds),
                     times.subgradient_max_seconds)
        regional = core.q and country and settings.regions.enabled
        ascent = times.regional_start * params.time_limit if regional else budget
        state = subgradient(core, upper, iterations=ascent_iterations,
                            stop=Deadline(ascent) | interrupt,
                            on_state=on_state, settings=settings.subgradient)
        if guide is not None and guide.state.bound > state.bound:
            state = guide.state
        if regional and incumbent is not None and not params.stop_requested:
            regions = RegionalLp(core, model, data, settings.regions.rows_per_region)
            has = core.x_col >= 0
            pairs = np.zeros(core.x_site.size, dtype=bool)
            rounds = settings.regions.rounds
            for _ in range(rounds):
                if params.stop_requested:
                    break
                # The region LPs' columns: the pairs of smallest Lagrangian
                # increase per row (gathered over the rounds: later multipliers
                # price better), the incumbent's and the relaxed choice's.
                pairs |= _core_columns(core, pair_increase(core, state),
                                       settings.regions.pairs_per_row)
                pairs[core.x_col[has & core.chosen_from_values(incumbent[1])]] = True
                pairs[core.x_col[has & core.subsets[state.choice]]] = True
                remaining = deadline - time.perf_counter()
                regional_lp = regions.multipliers(
                    state, pairs, params, time.perf_counter() + times.regional_lp * remaining,
                    plans=True, rounding_seconds=settings.regions.rounding_seconds)
                seeded = regional_lp.state
                params.report("regions", bound=max(seeded.bound, state.bound))
                if regional_lp.plan_pairs is not None:
                    # The regions' own plans together cover their rows (the
                    # greedy covers the rest); a site two regions fill past
                    # what it may hold starts empty instead.
                    union = np.zeros(core.x_col.shape, dtype=bool)
                    union[has] = regional_lp.plan_pairs[core.x_col[has]]
                    allowed = core.feasible[np.arange(core.num_sites), _choice_index(union)]
                    union[~allowed] = False
                    found = construct(core, seeded.u, start=union)
                    if found is not None:
                        offer(found[0], found[1])
                # The regions' duals overpay boundary sites: subgradient
                # ascent from them repairs that (see .regions).
                # (No greedy along the way: it takes 14 s a call at XL and
                # found nothing better than the regions' plan.)
                repaired = subgradient(core, incumbent[0],
                                       iterations=repair_iterations,
                                       stop=Deadline(budget / rounds) | interrupt, start=seeded,
                                       on_state=lambda state: params.report(
                                           "lagrangian", bound=state.bound),
                                       settings=settings.subgradient)
                if repaired.bound > state.bound:
                    state = repaired
                lp_guide = (regional_lp.lp_values, regions.site_home)
    params.report("lagrangian", bound=state.bound)  # on_state reports only now and then
    integral = _objective_is_integral(core)
    lower = max(state.bound, background_bound())
    if integral:
        # Every plan's cost is a whole number: round the bound up.
        lower = math.ceil(lower - 1e-6)
    if incumbent is None:
        # No plan from the heuristics: let branch and cut find one.
        outcome = solve_highs(linear, replace(params, time_limit=max(deadline - time.perf_counter(), 0.05)), hint)
        return replace(outcome, bound=max(outcome.bound, lower) if outcome.status != INFEASIBLE
                       else outcome.bound, backend="core")

    if (relative_gap(incumbent[0], lower) > params.gap and local_search_available()
            and settings.local_search.enabled
            and core.x_site.size >= settings.local_search.min_pairs and lp_guide is None):
        # (With the regions' LP solutions the LP-guided steps use the time
        # better: the local search ignores the sharing row.)
        # Row-weighting local search over the core pairs from the best plan.
        share = min(times.local_search * params.time_limit, times.local_search_max_seconds)
        columns = _core_columns(core, pair_increase(core, state),
                                settings.local_search.pairs_per_row)
        found = local_search(core, core.chosen_from_values(incumbent[1]),
                             Deadline(at=min(deadline, time.perf_counter() + share)) | interrupt,
                             seed=params.seed, settings=settings.local_search, columns=columns)
        if found is not None:
            repaired = repair_sharing(core, remove_redundant(core, found))
            if repaired is not None:
                offer(*repaired)

    best_cost, best_values = incumbent
    if relative_gap(best_cost, lower) <= params.gap:
        return _result(OPTIMAL, best_values, best_cost, min(lower, best_cost), start)

    slack = 1.0 - 1e-6 if integral else 1e-9 * max(1.0, abs(best_cost))
    fixed = _fixings(core, state, best_cost - slack) if settings.fixing.enabled else (
        _no_fixings(core))
    if fixed is None:
        return _result(OPTIMAL, best_values, best_cost, best_cost, start)
    sites_off, sites_on, pairs_off = fixed
    col_lb, col_ub = linear.col_lb.copy(), linear.col_ub.copy()
    has = core.x_col >= 0
    col_ub[core.y_col[sites_off]] = 0.0
    off_pairs = (pairs_off | sites_off[:, None]) & has
    col_ub[core.x_col[off_pairs]] = 0.0
    col_ub[core.s_col[sites_off & (core.s_col >= 0)]] = 0.0
    col_lb[core.y_col[sites_on & ~sites_off]] = 1.0
    if np.any(col_lb > col_ub):
        # A fixed pair or forced site would have to go: nothing beats the incumbent.
        return _result(OPTIMAL, best_values, best_cost, best_cost, start)
    reduced = replace(linear, col_lb=col_lb, col_ub=col_ub)
    restricted = int((col_ub > col_lb).sum()) > settings.scale.country_columns
    if restricted:
        # Too large for branch and cut on the whole. Where the coverage rows
        # fall into independent pockets, solve them exactly at a price on
        # sharing: a bound far above the Lagrangian's, and a plan.
        components = find_components(core, model)
        decomposition = settings.decomposition
        if (decomposition.enabled
                and worth_decomposing(components, decomposition.max_component_share)
                and not params.stop_requested):
            pricer = SharingPrice(core, model, components, params,
                                  decomposition.min_component_seconds)

            def on_plan(priced) -> None:
                chosen = core.chosen_from_values(priced.values)
                if priced.activity >= 0:
                    offer(chosen, priced.values[core.token_col])
                repaired = repair_sharing(core, chosen)
                if repaired is not None:
                    offer(*repaired)

            budget = times.decomposition * max(deadline - time.perf_counter(), 0.0)
            priced_bound, _ = price_sharing(pricer, state.lam, time.perf_counter() + budget,
                                            on_plan, decomposition.price_evaluations,
                                            decomposition.first_price_share)
            if priced_bound > lower:
                lower = math.ceil(priced_bound - 1e-6) if integral else priced_bound
                params.report("components", bound=lower)
            best_cost, best_values = incumbent
            if relative_gap(best_cost, lower) <= params.gap:
                return _result(OPTIMAL, best_values, best_cost, min(lower, best_cost), start)
        # Then improve the plan by small exact steps (large-neighbourhood
        # search), each ending in seconds: branch and cut on a country-scale
        # core problem was measured to overrun its time limit by minutes
        # (HiGHS checks the clock rarely in the root of such models).
        if not settings.lns.enabled:
            return _result(FEASIBLE, best_values, best_cost, lower, start)
        outcome = large_neighbourhood_search(
            core, linear, best_values, pair_increase(core, state), params,
            Deadline(at=deadline - times.lns_end_margin) | interrupt, settings.lns,
            lower_bound=lower,
            on_improvement=lambda cost, values: params.report("lns", objective=cost, values=values),
            on_step=lambda _: background_bound(),
            guide=None if lp_guide is None else lp_guide[0],
            site_region=None if lp_guide is None else lp_guide[1],
        )
        if background_bound() > lower:
            lower = math.ceil(known_bound - 1e-6) if integral else known_bound
        status = OPTIMAL if relative_gap(outcome.cost, lower) <= params.gap else FEASIBLE
        return _result(status, outcome.values, outcome.cost, min(lower, outcome.cost), start)

    remaining = deadline - time.perf_counter()
    if remaining <= 0.05 or params.stop_requested:
        return _result(FEASIBLE, best_values, best_cost, lower, start)
    # HiGHS gets the incumbent as its start. (An objective cutoff at the
    # incumbent was measured too: no faster on OR-Library, four times slower
    # on the M brownfield family, so there is none.)
    free_columns = int((reduced.col_ub > reduced.col_lb).sum())
    if not settings.branch_and_cut.enabled:
        return _result(FEASIBLE, best_values, best_cost, lower, start)
    if free_columns > settings.branch_and_cut.large_columns:
        # HiGHS checks the clock rarely in the root of a large model (seen: a
        # minute late on XL, 20 s on L; on time on M): leave it a margin.
        remaining -= min(times.branch_and_cut_margin * remaining,
                         times.branch_and_cut_max_margin_seconds)
    outcome = solve_highs(reduced, replace(params, time_limit=remaining), best_values)
    if outcome.status == INFEASIBLE:
        return _result(OPTIMAL, best_values, best_cost, best_cost, start)
    if outcome.has_solution and outcome.objective < best_cost - 1e-9:
        best_cost, best_values = outcome.objective, outcome.values
    bound = max(lower, min(best_cost, outcome.bound)) if math.isfinite(outcome.bound) else lower
    if integral:
        bound = math.ceil(bound - 1e-6)
    status = OPTIMAL if relative_gap(best_cost, bound) <= params.gap else FEASIBLE
    return _result(status, best_values, best_cost, min(bound, best_cost), start)


def _choice_index(chosen: np.ndarray) -> np.ndarray:
    weights = 1 << np.arange(chosen.shape[1])
    return (chosen.astype(np.int64) * weights).sum(axis=1)


def _result(status: str, values: np.ndarray, cost: float, bound: float, start: float) -> BackendResult:
    return BackendResult(
        status=status, values=values, objective=cost, bound=bound,
        wall_time=time.perf_counter() - start, backend="core",
    )
