"""The phases of the core's search, each behind the :class:`Phase` protocol.

A phase answers two questions: does it apply to the state as it is now
(:meth:`Phase.applies`: the model's size, its sharing row, what earlier
phases left), and :meth:`Phase.run`, which reads and improves the shared
:class:`~.state.SearchState` and returns when the stopping criterion it is
handed says so or its own work is done. Which phases run, in which order, is
decided in one place (:func:`btsopt.solvers.core.search.strategy`).
"""

from __future__ import annotations

import math
import time
from dataclasses import replace
from typing import Protocol

import numpy as np

from btsopt.solvers.base import INFEASIBLE
from btsopt.solvers.core.decompose import (
    SharingPrice,
    find_components,
    price_sharing,
    worth_decomposing,
)
from btsopt.solvers.core.heuristic import construct, remove_redundant, repair_sharing
from btsopt.solvers.core.lagrangian import (
    LagrangianState,
    pair_increase,
    smallest_per_row,
    subgradient,
)
from btsopt.solvers.core.lns import large_neighbourhood_search
from btsopt.solvers.core.local_search import available as local_search_available
from btsopt.solvers.core.local_search import local_search
from btsopt.solvers.core.lp import relaxation_neighbourhood, solve_lp
from btsopt.solvers.core.regions import RegionalLp
from btsopt.solvers.core.settings import LocalSearchSettings
from btsopt.solvers.core.state import CorePlan, SearchState, choice_index
from btsopt.solvers.core.stop import Deadline, StoppingCriterion
from btsopt.solvers.core.structure import CoreStructure
from btsopt.solvers.highs import solve_highs


class Phase(Protocol):
    """One step of the search.

    Attributes
    ----------
    name
        The settings table that switches it off (``[name] enabled = false``),
        also used in logs.
    """

    name: str

    def applies(self, state: SearchState) -> bool:
        """Whether the phase has work to do on ``state`` now."""
        ...

    def run(self, state: SearchState, stop: StoppingCriterion) -> None:
        """Improve ``state`` (plan, bound, multipliers) until ``stop`` says so
        (asked with the incumbent's cost and the bound) or the work is done."""
        ...


def core_columns(core: CoreStructure, increase: np.ndarray, per_row: int) -> np.ndarray:
    """Mask of the ``per_row`` pairs of smallest Lagrangian increase in each row."""
    keep = np.zeros(core.x_site.size, dtype=bool)
    keep[smallest_per_row(core.cover, increase, per_row)] = True
    return keep


class Greedy:
    """A first plan by the greedy on true costs: an upper bound at once."""

    name = "greedy"

    def applies(self, state: SearchState) -> bool:
        return True

    def run(self, state: SearchState, stop: StoppingCriterion) -> None:
        state.offer_choice(construct(state.core))


class LpMultipliers:
    """The LP relaxation (with a sharing row): its duals as multipliers (a
    valid bound even when it stops early) and a greedy ranked by them."""

    name = "lp"

    def applies(self, state: SearchState) -> bool:
        return bool(state.core.q)

    def run(self, state: SearchState, stop: StoppingCriterion) -> None:
        if stop(state.incumbent.cost, state.bound):
            return
        guide = solve_lp(state.core, state.model, state.params,
                         state.settings.time.lp * stop.remaining(), state.settings.subgradient)
        if guide is None:
            return
        state.lp = guide
        state.params.report("lp", bound=guide.state.bound)
        state.offer_choice(construct(state.core, guide.state.u))
        state.take_multipliers(guide.state, "lp")


class LpRounding:
    """RENS: the LP's integral values fixed, the fractional rest solved exactly."""

    name = "lp.rounding"

    def applies(self, state: SearchState) -> bool:
        return state.lp is not None

    def run(self, state: SearchState, stop: StoppingCriterion) -> None:
        remaining = stop.remaining()
        if (remaining <= state.settings.time.rounding_min_seconds
                or stop(state.incumbent.cost, state.bound)):
            return
        incumbent = state.incumbent.plan
        found = relaxation_neighbourhood(
            state.linear, state.lp.values, state.params, state.settings.time.rounding * remaining,
            None if incumbent is None else incumbent.values,
            tolerance=state.settings.lp.integral_tolerance)
        if found is not None:
            state.offer(CorePlan.from_values(state.linear, found))


class Subgradient:
    """Subgradient ascent from the starting multipliers; every few improvements
    the greedy re-ranked by them. Before the regional LPs (``short``) it gets
    only ``time.regional_start`` of the limit."""

    name = "subgradient"

    def __init__(self, short: bool = False) -> None:
        self.short = short

    def applies(self, state: SearchState) -> bool:
        return state.lp is None or not state.lp.optimal

    def run(self, state: SearchState, stop: StoppingCriterion) -> None:
        times = state.settings.time
        seconds = (times.regional_start * state.time_limit if self.short
                   else subgradient_seconds(state))
        relaxation = subgradient(
            state.core, state.incumbent.cost, stop=Deadline(seconds) | stop | AscentSteps(state),
            on_state=lambda relaxation: self._greedy(state, relaxation),
            settings=state.settings.subgradient)
        state.take_multipliers(relaxation, "lagrangian")
        state.params.report("lagrangian", bound=state.lagrangian.bound)

    @staticmethod
    def _greedy(state: SearchState, relaxation: LagrangianState) -> None:
        # The greedy on reduced costs now and then: the first few improvements,
        # then every few, and no more greedies than the ascent's steps pay for
        # (counted, not timed: the plan must not depend on the machine's speed).
        greedy = state.settings.greedy
        state.greedy_calls += 1
        calls = state.greedy_calls
        wanted = greedy.during_subgradient and (greedy.during_subgradient_country
                                                 or not state.country)
        if (not wanted or (calls % greedy.every and calls > greedy.first_calls)
                or state.greedy_runs * greedy.iterations_per_call > state.ascent_iterations):
            return
        state.params.report("lagrangian", bound=relaxation.bound)
        state.greedy_runs += 1
        state.offer_choice(construct(state.core, relaxation.u))


class AscentSteps(StoppingCriterion):
    """Never stops: counts the ascent's iterations into ``state.ascent_iterations``
    (the ascent asks its stopping criterion once per iteration)."""

    def __init__(self, state: SearchState) -> None:
        self.state = state

    def __call__(self, objective: float = math.inf, bound: float = -math.inf) -> bool:
        self.state.ascent_iterations += 1
        return False


class LpAhead(StoppingCriterion):
    """Stops an ascent once the background LP's bound (the Lagrangian at a
    PDLP chunk's duals, or the finished LP's) is above the ascent's best:
    its multipliers are then the better ones, and the time goes to the search.
    Polls the background LP at each call (a file's status; a new chunk costs
    one Lagrangian evaluation)."""

    def __init__(self, state: SearchState) -> None:
        self.state = state

    def __call__(self, objective: float = math.inf, bound: float = -math.inf) -> bool:
        state = self.state
        state.poll_background()
        return state.bound_source in ("pdlp", "lp") and state.bound > bound


def subgradient_seconds(state: SearchState) -> float:
    """The ascent's time: a share of the limit, within its floor and ceiling."""
    times = state.settings.time
    return min(max(times.subgradient * state.time_limit, times.subgradient_min_seconds),
               times.subgradient_max_seconds)


class RegionalLps:
    """Country scale with a sharing row: LPs over compact regions give
    multipliers (repaired by subgradient ascent), a plan from the regions'
    own plans, and LP values that guide the large-neighbourhood search."""

    name = "regions"

    def applies(self, state: SearchState) -> bool:
        return bool(state.core.q) and state.incumbent.plan is not None

    def run(self, state: SearchState, stop: StoppingCriterion) -> None:
        if stop(state.incumbent.cost, state.bound):
            return
        core, settings = state.core, state.settings.regions
        relaxation = state.relaxation()
        regions = RegionalLp(core, state.model, state.data, settings.rows_per_region)
        has = core.x_col >= 0
        pairs = np.zeros(core.x_site.size, dtype=bool)
        repair = (state.settings.subgradient.repair_iterations
                  if state.settings.subgradient.enabled else 0)
        for _ in range(settings.rounds):
            if stop(state.incumbent.cost, state.bound):
                break
            # The region LPs' columns: the pairs of smallest Lagrangian
            # increase per row (gathered over the rounds: later multipliers
            # price better), the incumbent's and the relaxed choice's.
            pairs |= core_columns(core, pair_increase(core, relaxation), settings.pairs_per_row)
            pairs[core.x_col[has & state.incumbent.plan.chosen(core)]] = True
            pairs[core.x_col[has & core.subsets[relaxation.choice]]] = True
            outcome = regions.multipliers(
                relaxation, pairs, state.params,
                time.perf_counter() + state.settings.time.regional_lp * stop.remaining(),
                plans=True, rounding_seconds=settings.rounding_seconds,
                integral_tolerance=state.settings.lp.integral_tolerance,
                subgradient=state.settings.subgradient)
            seeded = outcome.state
            state.params.report("regions", bound=max(seeded.bound, relaxation.bound))
            if outcome.plan_pairs is not None:
                # The regions' own plans together cover their rows (the
                # greedy covers the rest); a site two regions fill past
                # what it may hold starts empty instead.
                union = np.zeros(core.x_col.shape, dtype=bool)
                union[has] = outcome.plan_pairs[core.x_col[has]]
                allowed = core.feasible[np.arange(core.num_sites), choice_index(union)]
                union[~allowed] = False
                state.offer_choice(construct(core, seeded.u, start=union))
            # The regions' duals overpay boundary sites: subgradient ascent
            # from them repairs that (see .regions). (No greedy along the
            # way: it takes 14 s a call at XL and found nothing better than
            # the regions' plan.)
            ascent_stop = Deadline(subgradient_seconds(state) / settings.rounds) | stop
            if state.settings.background_lp.ends_ascent and state.background is not None:
                ascent_stop = ascent_stop | LpAhead(state)
            repaired = subgradient(
                core, state.incumbent.cost, iterations=repair, stop=ascent_stop, start=seeded,
                on_state=lambda found: state.params.report("lagrangian", bound=found.bound),
                settings=state.settings.subgradient)
            state.take_multipliers(repaired, "regions")
            relaxation = state.lagrangian
            state.regional_guide = (outcome.lp_values, regions.site_home)


def narrow_costs(core: CoreStructure, ratio: float) -> bool:
    """Whether a model is pure set covering with column costs within ``ratio``
    of each other (unicost-like), where the LP bound is weak and the search,
    not the proof, closes the gap. ``ratio`` 0: never."""
    if ratio <= 0 or core.q or core.token_cost.size or core.x_site.size == 0:
        return False
    if core.pair_cost.shape[1] != 1:
        return False  # several operators share a site's cost: not a column cost
    costs = core.site_cost[core.x_site] + core.pair_cost[core.x_site, core.x_op]
    return bool(costs.min() > 0 and costs.max() <= ratio * costs.min())


class LocalSearch:
    """Row-weighting local search over the core pairs from the best plan
    (not where the regional LPs guide the steps: it ignores the sharing row).

    On unicost-like set covering (:func:`narrow_costs`) it runs on every
    model size, for a larger share of the time and with a longer stall
    limit, in rounds that alternate a Lagrangian core of the pairs and all
    pairs: there the bound stays far below the optimum and only the search
    moves."""

    name = "local_search"

    def applies(self, state: SearchState) -> bool:
        settings = state.settings.local_search
        return (state.incumbent.plan is not None and state.gap_open()
                and local_search_available()
                and (state.core.x_site.size >= settings.min_pairs
                     or narrow_costs(state.core, settings.narrow_cost_ratio))
                and state.regional_guide is None)

    def run(self, state: SearchState, stop: StoppingCriterion) -> None:
        core, times, settings = state.core, state.settings.time, state.settings.local_search
        if narrow_costs(core, settings.narrow_cost_ratio):
            self._run_narrow(state, Deadline(times.local_search_narrow * state.time_limit) | stop)
            return
        seconds = min(times.local_search * state.time_limit, times.local_search_max_seconds)
        columns = core_columns(core, pair_increase(core, state.relaxation()),
                               settings.pairs_per_row)
        self._search(state, Deadline(seconds) | stop, state.params.seed, settings, columns)

    def _run_narrow(self, state: SearchState, stop: StoppingCriterion) -> None:
        """Rounds from the best plan, each until it stalls, with fresh row
        weights and the next seed; with ``narrow_pairs_per_row`` the even
        rounds use only a Lagrangian core of the pairs, the odd ones all.
        ``max_moves`` caps the moves of all rounds together."""
        settings = state.settings.local_search
        core_pairs = None
        if settings.narrow_pairs_per_row:
            core_pairs = core_columns(state.core, pair_increase(state.core, state.relaxation()),
                                      settings.narrow_pairs_per_row)
        made = [0]  # moves of the finished rounds and of the running one

        def count(moves: int, best: float) -> None:
            made[-1] = moves

        for round_index in range(settings.narrow_rounds):
            left = settings.max_moves - sum(made)
            if left <= 0 or (round_index and stop(state.incumbent.cost)):
                break
            made.append(0)
            columns = core_pairs if round_index % 2 == 0 else None
            self._search(state, stop, state.params.seed + round_index,
                         replace(settings, stall_moves=settings.narrow_stall_moves,
                                 max_moves=left), columns, count)

    @staticmethod
    def _search(state: SearchState, stop: StoppingCriterion, seed: int,
                settings: LocalSearchSettings, columns: np.ndarray | None,
                on_chunk=None) -> None:
        core = state.core
        found = local_search(core, state.incumbent.plan.chosen(core), stop, seed=seed,
                             settings=settings, columns=columns, on_chunk=on_chunk)
        if found is not None:
            repaired = repair_sharing(core, remove_redundant(core, found))
            if repaired is not None:
                state.offer_choice(repaired)


class Fixing:
    """Reduced-cost fixing: a site or pair whose forced use lifts the
    Lagrangian bound above the best plan is in no better plan."""

    name = "fixing"

    def applies(self, state: SearchState) -> bool:
        return state.incumbent.plan is not None and state.gap_open()

    def run(self, state: SearchState, stop: StoppingCriterion) -> None:
        core, linear = state.core, state.linear
        cost = state.incumbent.cost
        # Not knobs: with whole-number costs a better plan is cheaper by 1 (less
        # a float guard); otherwise by more than rounding noise.
        slack = 1.0 - 1e-6 if state.integral else 1e-9 * max(1.0, abs(cost))
        fixed = fixings(core, state.relaxation(), cost - slack)
        if fixed is None:
            state.prove_optimal()
            return
        sites_off, sites_on, pairs_off = fixed
        col_lb, col_ub = linear.col_lb.copy(), linear.col_ub.copy()
        has = core.x_col >= 0
        col_ub[core.y_col[sites_off]] = 0.0
        col_ub[core.x_col[(pairs_off | sites_off[:, None]) & has]] = 0.0
        col_ub[core.s_col[sites_off & (core.s_col >= 0)]] = 0.0
        col_lb[core.y_col[sites_on & ~sites_off]] = 1.0
        if np.any(col_lb > col_ub):
            # A fixed pair or forced site would have to go: nothing beats the incumbent.
            state.prove_optimal()
            return
        state.reduced = replace(linear, col_lb=col_lb, col_ub=col_ub)


def fixings(core: CoreStructure, relaxation: LagrangianState, threshold: float):
    """Bounds implied by the Lagrangian: (sites off, sites on, pairs off) masks,
    or ``None`` when the bound alone proves the incumbent optimal."""
    values = relaxation.site_values
    best = values.min(axis=1)
    base = relaxation.bound - best  # bound without each site's own term
    if relaxation.bound > threshold:
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


class Decomposition:
    """Where what is left is too large for branch and cut and the coverage
    rows fall into independent pockets: each solved exactly at a price on
    sharing (a bound far above the Lagrangian's, and a plan)."""

    name = "decomposition"

    def applies(self, state: SearchState) -> bool:
        return state.incumbent.plan is not None and state.gap_open() and state.restricted()

    def run(self, state: SearchState, stop: StoppingCriterion) -> None:
        core, settings = state.core, state.settings.decomposition
        components = find_components(core, state.model)
        if (not worth_decomposing(components, settings.max_component_share)
                or stop(state.incumbent.cost, state.bound)):
            return
        pricer = SharingPrice(core, state.model, components, state.params, settings)

        def on_plan(priced) -> None:
            chosen = core.chosen_from_values(priced.values)
            if priced.activity >= 0:
                state.offer_choice((chosen, priced.values[core.token_col]))
            state.offer_choice(repair_sharing(core, chosen))

        seconds = state.settings.time.decomposition * stop.remaining()
        bound, _ = price_sharing(pricer, state.relaxation().lam, time.perf_counter() + seconds,
                                 on_plan, settings)
        if state.raise_bound(bound, "components"):
            state.params.report("components", bound=state.bound)


class LargeNeighbourhoods:
    """Small exact steps on the best plan until the deadline: branch and cut
    on a country-scale model was measured to overrun its limit by minutes."""

    name = "lns"

    def applies(self, state: SearchState) -> bool:
        return state.incumbent.plan is not None and state.gap_open() and state.restricted()

    def run(self, state: SearchState, stop: StoppingCriterion) -> None:
        guide = state.regional_guide
        end = Deadline(max(stop.remaining() - state.settings.time.lns_end_margin, 0.0))
        large_neighbourhood_search(
            state.core, state.linear, state.incumbent.plan.values,
            pair_increase(state.core, state.relaxation()), state.params, end | stop,
            state.settings.lns, lower_bound=state.bound,
            on_improvement=lambda cost, values: state.offer(
                CorePlan.from_values(state.linear, values), "lns"),
            on_step=lambda _: state.poll_background(),
            guide=None if guide is None else guide[0],
            site_region=None if guide is None else guide[1],
            workers=lambda: state.params.workers,
        )


class BranchAndCut:
    """HiGHS on what fixing left, started from the best plan; its bound is
    valid for every plan cheaper than the incumbent. Without any plan, HiGHS
    on the whole model."""

    name = "branch_and_cut"

    def applies(self, state: SearchState) -> bool:
        return state.incumbent.plan is None or (state.gap_open() and not state.restricted())

    def run(self, state: SearchState, stop: StoppingCriterion) -> None:
        params, least = state.params, state.settings.time.branch_and_cut_min_seconds
        if state.incumbent.plan is None:
            outcome = solve_highs(state.linear, replace(
                params, time_limit=max(stop.remaining(), least)), state.hint)
            state.exact = outcome
            return
        remaining = stop.remaining()
        if remaining <= least or stop(state.incumbent.cost, state.bound):
            return
        if state.free_columns() > state.settings.branch_and_cut.large_columns:
            # HiGHS checks the clock rarely in the root of a large model (seen: a
            # minute late on XL, 20 s on L; on time on M): leave it a margin.
            times = state.settings.time
            remaining -= min(times.branch_and_cut_margin * remaining,
                             times.branch_and_cut_max_margin_seconds)
        # (An objective cutoff at the incumbent was measured too: no faster on
        # OR-Library, four times slower on the M brownfield family.)
        outcome = solve_highs(state.reduced_model(), replace(params, time_limit=remaining),
                              state.incumbent.plan.values)
        if outcome.status == INFEASIBLE:
            state.prove_optimal()
            return
        if outcome.has_solution and outcome.objective < state.incumbent.cost - 1e-9:  # float guard
            state.offer(CorePlan.from_values(state.linear, outcome.values), "highs")
        if math.isfinite(outcome.bound):
            state.raise_bound(min(state.incumbent.cost, outcome.bound), "highs")
