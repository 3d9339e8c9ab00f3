"""The core's search: a list of phases on one shared state, picked by :func:`strategy`.

On a model of the per-site form (:mod:`.structure`) the search runs, in
order, the phases :func:`strategy` picks for its scale; each phase first
says whether it applies to the state as the earlier ones left it:

1. A greedy plan gives an upper bound at once (:class:`.phases.Greedy`).
2. With a sharing row at province scale, the LP relaxation's duals are the
   multipliers and its solution is rounded by RENS (:mod:`.lp`); where the LP
   was not solved to optimality, subgradient ascent on the Lagrangian
   (coverage and sharing rows relaxed) raises a valid lower bound, re-running
   the greedy on reduced costs as it improves.
3. At country scale with a sharing row, LPs over compact regions give the
   multipliers, a plan, and LP values to guide the later steps (:mod:`.regions`).
4. A row-weighting local search (:mod:`.local_search`, compiled) improves
   the best plan over the core pairs.
5. Reduced-cost fixing removes every site or pair whose forced use lifts the
   Lagrangian bound above the best plan.
6. What is left is solved by HiGHS started from the best plan when it is
   small enough (its bound is valid for every cheaper plan); otherwise it is
   split into independent coverage components solved exactly at a price on
   sharing (:mod:`.decompose`), then improved by a large-neighbourhood search
   of small exact steps (:mod:`.lns`) until the deadline. Where there is a
   sharing row, the whole LP is solved beside all that in a process of its
   own (:class:`.lp.BackgroundLp`, PDLP in chunks by default): the
   Lagrangian at the duals of every chunk is a bound as soon as it comes in.
   Once its chunks stop raising that bound the process is ended, and once it
   has ended its thread goes back to the search's HiGHS steps.
"""

from __future__ import annotations

import contextlib
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
    UNKNOWN,
    BackendParams,
    BackendResult,
    relative_gap,
)
from btsopt.solvers.core.lp import BackgroundLp
from btsopt.solvers.core.phases import (
    BranchAndCut,
    Decomposition,
    Fixing,
    Greedy,
    LargeNeighbourhoods,
    LocalSearch,
    LpMultipliers,
    LpRounding,
    Phase,
    RegionalLps,
    Subgradient,
)
from btsopt.solvers.core.settings import CoreSettings
from btsopt.solvers.core.state import CorePlan, Incumbent, SearchState
from btsopt.solvers.core.stop import Deadline, Interrupt, StoppingCriterion
from btsopt.solvers.core.structure import CoreStructure, core_structure
from btsopt.solvers.highs import solve_highs


def strategy(state: SearchState) -> list[Phase]:
    """The phases for this model, in order, without those switched off.

    * province scale, pure set covering (no sharing row): greedy,
      subgradient, local search, fixing, branch and cut;
    * province scale with a sharing row: the LP's multipliers and its
      rounding come before the subgradient (which runs only where the LP
      was not solved);
    * country scale: no whole LP in the search (it runs beside it, see
      :func:`solve_core`); with a sharing row, regional LPs after a short
      ascent.

    Decomposition and large-neighbourhood search follow fixing at every
    scale and apply where fixing left too much for branch and cut (the
    other way round for branch and cut).
    """
    core, settings = state.core, state.settings
    sharing = bool(core.q)
    regional = state.country and sharing and settings.regions.enabled
    phases: list[Phase] = [Greedy()]
    if sharing and not state.country:
        phases += [LpMultipliers(), LpRounding()]
    phases.append(Subgradient(short=regional))
    if regional:
        phases.append(RegionalLps())
    phases += [LocalSearch(), Fixing(), Decomposition(), LargeNeighbourhoods(), BranchAndCut()]
    return [phase for phase in phases if enabled(settings, phase.name)]


def enabled(settings: CoreSettings, name: str) -> bool:
    """Whether the phase ``name`` (``table`` or ``table.switch``) is switched on."""
    table, _, switch = name.partition(".")
    return bool(getattr(getattr(settings, table), switch or "enabled"))


def _objective_is_integral(core: CoreStructure) -> bool:
    # 1e-9: a float guard on costs read from files, not a knob.
    costs = np.concatenate([core.site_cost, core.pair_cost.ravel(), core.token_cost, [core.offset]])
    return bool(np.all(np.abs(costs - np.round(costs)) < 1e-9))


def solve_core(
    model: SitingModel,
    data: ProblemData,
    params: BackendParams,
    hint: np.ndarray | None = None,
    settings: CoreSettings | None = None,
    stop: StoppingCriterion | None = None,
) -> BackendResult:
    """Solve a single-level (cost) model with the core; HiGHS alone when the
    model lacks the per-site structure the core exploits.

    Parameters
    ----------
    params
        Time limit, seed, workers, gap and the progress (whose stop flag
        ends the search with the best plan).
    hint
        A plan (column vector) to start from.
    settings
        Every knob of the core (default :class:`.settings.CoreSettings`).
    stop
        More stopping criteria, besides the time limit and the stop flag
        (e.g. :class:`.stop.MaxIterations` for a run independent of the
        machine's speed); handed to every phase.
    """
    settings = settings if settings is not None else CoreSettings()
    start = time.perf_counter()
    core = core_structure(model, data, settings.scale.max_row_overlaps,
                          settings.scale.max_operators)
    if core is None:
        return replace(solve_highs(model.linear, params, hint), backend="core")
    # Country-scale models get regional LPs instead of one LP (see .regions);
    # with a core to spare, the whole LP runs beside the search (see .lp).
    country = core.x_site.size > settings.scale.country_columns
    lp = settings.background_lp
    lp_seconds = lp.seconds_per_million_nonzeros * model.linear.matrix.nnz / 1e6
    lp_limit = settings.time.background_lp * params.time_limit
    # PDLP's chunks give bounds as they come: worth starting whatever its end.
    beside = (lp.enabled and bool(core.q) and country and params.workers >= lp.min_workers
              and (lp.first_order or lp_seconds <= lp_limit))
    with contextlib.ExitStack() as stack:
        background = None
        if beside:
            background = stack.enter_context(BackgroundLp(model.linear, lp_limit, params.seed, lp))
            # The LP holds one core: HiGHS's steps in the search take the other
            # (and get it back once the LP's process ends, see poll_background).
            params = replace(params, workers=params.workers - 1)
        state = SearchState(
            model=model, data=data, core=core, params=params, settings=settings, start=start,
            time_limit=params.time_limit, country=country, integral=_objective_is_integral(core),
            incumbent=Incumbent(model.linear, params), background=background, hint=hint,
            lp_workers=1 if background is not None else 0)
        if hint is not None:
            state.incumbent.offer(CorePlan.from_values(model.linear, hint), report=False)
        criteria = Deadline(at=start + params.time_limit) | Interrupt(params.progress)
        if stop is not None:
            criteria = criteria | stop
        for phase in strategy(state):
            if state.proven or state.exact is not None:
                break
            if phase.applies(state):
                phase.run(state, criteria)
                state.poll_background()
        result = _result(state)
        if background is not None and state.lp_finished is None:
            params.report("lp-unfinished")
        # The last event names the bound's source (lagrangian, regions, pdlp, lp, ...).
        params.report(f"bound-{state.bound_source or 'none'}")
        return result


def _result(state: SearchState) -> BackendResult:
    """The backend's result from what the phases left."""
    state.poll_background()
    if state.exact is not None:  # no heuristic plan: HiGHS on the whole model
        outcome = state.exact
        bound = (outcome.bound if outcome.status == INFEASIBLE
                 else max(outcome.bound, state.bound))
        return replace(outcome, bound=bound, backend="core")
    plan = state.incumbent.plan
    wall_time = state.elapsed()
    if plan is None:
        return BackendResult(status=UNKNOWN, values=None, objective=math.inf, bound=state.bound,
                             wall_time=wall_time, backend="core")
    closed = state.proven or relative_gap(plan.cost, state.bound) <= state.params.gap
    return BackendResult(
        status=OPTIMAL if closed else FEASIBLE, values=plan.values, objective=plan.cost,
        bound=min(state.bound, plan.cost), wall_time=wall_time, backend="core")
