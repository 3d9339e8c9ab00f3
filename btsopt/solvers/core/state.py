"""The state every phase of the core reads and improves.

One plan representation (:class:`CorePlan`: the model's column vector and
its cost), an :class:`Incumbent` that takes a plan only when it is checked
and cheaper, the best bound and where it came from, the multipliers, and
what the phases leave for each other (the LP's guide, the regional LPs'
values, the model reduced by fixing).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace

import numpy as np

from btsopt.data import ProblemData
from btsopt.model import SitingModel
from btsopt.model.linear import LinearModel
from btsopt.solvers.base import BackendParams, BackendResult, relative_gap
from btsopt.solvers.core.lagrangian import (
    LagrangianState,
    evaluate_relaxation,
    initial_multipliers,
)
from btsopt.solvers.core.lp import BackgroundLp, LpGuide, lp_multipliers
from btsopt.solvers.core.settings import CoreSettings
from btsopt.solvers.core.structure import CoreStructure

FEASIBILITY_TOLERANCE = 1e-7
"""Largest row violation of an accepted plan (HiGHS's own primal tolerance: the
plans HiGHS returns must pass, so it is not a knob)."""


def choice_index(chosen: np.ndarray) -> np.ndarray:
    """Index into ``core.subsets`` of each site's operator set (sites x operators)."""
    weights = 1 << np.arange(chosen.shape[1])
    return (chosen.astype(np.int64) * weights).sum(axis=1)


@dataclass(frozen=True, eq=False)
class CorePlan:
    """A plan as the model's column vector, with its cost.

    Heuristics that work on installed pairs build one with
    :meth:`from_choice`; exact steps with :meth:`from_values`.
    """

    values: np.ndarray
    cost: float

    @classmethod
    def from_values(cls, linear: LinearModel, values: np.ndarray) -> CorePlan:
        """The plan of a column vector of ``linear``."""
        values = np.asarray(values, dtype=float)
        return cls(values=values, cost=float(linear.value(values)))

    @classmethod
    def from_choice(cls, core: CoreStructure, linear: LinearModel, chosen: np.ndarray,
                    tokens: np.ndarray) -> CorePlan:
        """The plan of installed pairs (sites x operators) and token counts."""
        values = core.values_from_choice(choice_index(chosen), tokens, linear.num_cols)
        return cls.from_values(linear, values)

    def is_feasible(self, linear: LinearModel) -> bool:
        """Every row of ``linear`` holds (within :data:`FEASIBILITY_TOLERANCE`)."""
        return bool(linear.max_violation(self.values) <= FEASIBILITY_TOLERANCE)

    def to_values(self) -> np.ndarray:
        """The column vector."""
        return self.values

    def chosen(self, core: CoreStructure) -> np.ndarray:
        """Installed pairs (sites x operators)."""
        return core.chosen_from_values(self.values)


@dataclass
class Incumbent:
    """The best plan so far: a plan is taken only if feasible and cheaper."""

    linear: LinearModel
    params: BackendParams
    plan: CorePlan | None = None

    @property
    def cost(self) -> float:
        return self.plan.cost if self.plan is not None else math.inf

    def offer(self, plan: CorePlan | None, source: str = "heuristic", report: bool = True
              ) -> bool:
        """Take ``plan`` if it is feasible and cheaper (by more than 1e-9);
        report it to the progress as found by ``source``."""
        if plan is None or not plan.is_feasible(self.linear):
            return False  # e.g. the budget row, which the heuristics do not see
        if plan.cost >= self.cost - 1e-9:
            return False
        self.plan = plan
        if report:
            self.params.report(source, objective=plan.cost, values=plan.values)
        return True


@dataclass
class SearchState:
    """What the phases share (see :mod:`btsopt.solvers.core`).

    Attributes
    ----------
    model, data, core, params, settings
        The model, its data, its per-site structure, the backend's
        parameters (seed, workers, gap, progress) and the core's settings.
    start, time_limit
        :func:`time.perf_counter` at the start and the seconds allowed (time
        shares of the limit are taken of it).
    country
        Whether the model counts as country-scale (``settings.scale``).
    integral
        Every plan's cost is a whole number: bounds are rounded up.
    incumbent
        The best plan.
    bound, bound_source
        The best proven lower bound and the phase that gave it.
    lagrangian
        The best multipliers found (their Lagrangian state).
    lp
        The LP relaxation's guide (province scale with a sharing row).
    regional_guide
        ``(LP values, region per site)`` of the regional LPs (country scale).
    background
        The whole LP in its own process, if started.
    reduced
        The model with the columns fixing removed (``None``: nothing fixed).
    proven
        The incumbent is proven optimal (its cost is the bound).
    exact
        HiGHS's outcome on the whole model when no heuristic found a plan.
    hint
        The plan the caller started from (HiGHS's start when no heuristic
        finds one).
    greedy_calls, greedy_runs, ascent_iterations
        Improvements of the ascent so far, the greedies run on them, and the
        ascent's iterations (``greedy.iterations_per_call`` relates the two).
    lp_chunks, lp_duals
        PDLP chunks of the background LP taken so far, and the latest one's duals.
    lp_finished, lp_optimal
        Seconds into the search at which the background LP's process was
        seen to end or was stopped (``None``: not, or none started) and
        whether it ended optimal.
    lp_workers
        Threads the background LP holds, taken from ``params.workers``; given
        back to the search (``params.workers``) once its process has ended.
    lp_best_chunk, lp_last_chunk, lp_stalled_chunks
        The best bound of a PDLP chunk so far, the number of the latest chunk
        taken, and the chunks in a row since one last raised that bound by
        more than ``background_lp.stall_tolerance`` (chunks that came in
        unseen between two polls count as not raising it).
    """

    model: SitingModel
    data: ProblemData
    core: CoreStructure
    params: BackendParams
    settings: CoreSettings
    start: float
    time_limit: float
    country: bool
    integral: bool
    incumbent: Incumbent
    bound: float = -math.inf
    bound_source: str = ""
    lagrangian: LagrangianState | None = None
    lp: LpGuide | None = None
    regional_guide: tuple[np.ndarray, np.ndarray] | None = None
    background: BackgroundLp | None = None
    reduced: LinearModel | None = None
    proven: bool = False
    exact: BackendResult | None = None
    hint: np.ndarray | None = None
    greedy_calls: int = 0
    greedy_runs: int = 0
    ascent_iterations: int = 0
    lp_chunks: int = 0
    lp_duals: np.ndarray | None = None
    lp_finished: float | None = None
    lp_optimal: bool = False
    lp_workers: int = 0
    lp_best_chunk: float = -math.inf
    lp_last_chunk: int = 0
    lp_stalled_chunks: int = 0

    @property
    def linear(self) -> LinearModel:
        return self.model.linear

    def offer(self, plan: CorePlan | None, source: str = "heuristic") -> bool:
        """Offer a plan to the incumbent."""
        return self.incumbent.offer(plan, source)

    def offer_choice(self, found, source: str = "heuristic") -> bool:
        """Offer ``(chosen, tokens, ...)`` from a heuristic (``None``: nothing found)."""
        if found is None:
            return False
        return self.offer(CorePlan.from_choice(self.core, self.linear, found[0], found[1]),
                          source)

    def raise_bound(self, value: float, source: str) -> bool:
        """Take a proven lower bound if it is better (rounded up when costs are
        whole numbers)."""
        if not math.isfinite(value):
            return False
        if self.integral:
            value = math.ceil(value - 1e-6)  # a float guard below the whole number, not a knob
        if value <= self.bound:
            return False
        self.bound, self.bound_source = value, source
        return True

    def take_multipliers(self, relaxation: LagrangianState, source: str) -> None:
        """Keep ``relaxation`` if its bound is the best of the multipliers so far."""
        if self.lagrangian is None or relaxation.bound > self.lagrangian.bound:
            self.lagrangian = relaxation
        self.raise_bound(relaxation.bound, source)

    def relaxation(self) -> LagrangianState:
        """The best multipliers, or the starting ones when no phase gave any."""
        if self.lagrangian is None:
            self.take_multipliers(evaluate_relaxation(self.core, initial_multipliers(self.core),
                                                      settings=self.settings.subgradient),
                                  "lagrangian")
        return self.lagrangian

    def poll_background(self) -> float:
        """Take the background LP's bounds (the Lagrangian at its duals): each
        PDLP chunk's as it comes in (source ``pdlp``), the finished LP's
        (source ``lp``); stop its process once its chunks stall
        (``background_lp.stall_chunks``). Once the process has ended, for
        whatever reason, its threads go back to the search and the event says
        how it ended (``lp``, ``lp-stopped``: out of time or not optimal,
        ``lp-stalled``, ``lp-failed``: no outcome); :attr:`lp_finished`
        records when. Returns the best bound."""
        background = self.background
        if background is None or self.lp_finished is not None:
            return self.bound
        chunk = background.chunk()
        if chunk is not None:
            self.lp_chunks += 1
            self._count_stall(chunk.number, self._take_lp_duals(chunk.row_duals, "pdlp"))
            self.lp_duals = chunk.row_duals
        outcome = background.poll()
        stall_chunks = self.settings.background_lp.stall_chunks
        if outcome is not None:
            self.lp_optimal = outcome.optimal
            if self.lp_duals is None or not np.array_equal(outcome.row_duals, self.lp_duals):
                self._take_lp_duals(outcome.row_duals, "lp")
            self._lp_ended("lp" if outcome.optimal else "lp-stopped")
        elif background.closed:
            self._lp_ended("lp-failed")  # the process ended without duals
        elif stall_chunks and self.lp_stalled_chunks >= stall_chunks:
            background.close()
            self._lp_ended("lp-stalled")
        return self.bound

    def _count_stall(self, number: int, bound: float) -> None:
        """Count chunk ``number`` (its Lagrangian ``bound``) as raising the
        best chunk's bound or not."""
        best = self.lp_best_chunk
        tolerance = self.settings.background_lp.stall_tolerance
        if not math.isfinite(best) or bound > best + tolerance * max(1.0, abs(best)):
            self.lp_stalled_chunks = 0
        else:
            self.lp_stalled_chunks += number - self.lp_last_chunk
        self.lp_best_chunk = max(best, bound)
        self.lp_last_chunk = number

    def _lp_ended(self, event: str) -> None:
        """The background LP's process has ended: its threads go back to the
        search's later steps (the phases read ``params.workers``)."""
        self.lp_finished = self.elapsed()
        if self.lp_workers:
            self.params = replace(self.params, workers=self.params.workers + self.lp_workers)
            self.lp_workers = 0
        # Progress events say when the LP ended, and how.
        self.params.report(event, bound=self.bound)

    def _take_lp_duals(self, row_duals: np.ndarray, source: str) -> float:
        """Take the Lagrangian at the LP's ``row_duals``; returns its bound."""
        before = self.bound
        relaxation = evaluate_relaxation(self.core, lp_multipliers(self.core, self.model, row_duals),
                                         settings=self.settings.subgradient)
        self.take_multipliers(relaxation, source)
        if self.bound > before:
            self.params.report(source, bound=self.bound)
        return relaxation.bound

    def gap(self) -> float:
        """Relative gap between the incumbent and the bound."""
        return relative_gap(self.incumbent.cost, self.bound)

    def gap_open(self) -> bool:
        """Whether the gap is still above the one asked for (and nothing proven)."""
        return not self.proven and self.gap() > self.params.gap

    def prove_optimal(self) -> None:
        """The incumbent is optimal: its cost is the bound."""
        self.proven = True
        self.raise_bound(self.incumbent.cost, "proof")

    def reduced_model(self) -> LinearModel:
        """The model left by fixing (the whole model when nothing was fixed)."""
        return self.reduced if self.reduced is not None else self.linear

    def free_columns(self) -> int:
        """Columns of :meth:`reduced_model` not fixed by their bounds."""
        reduced = self.reduced_model()
        return int((reduced.col_ub > reduced.col_lb).sum())

    def restricted(self) -> bool:
        """Too large for branch and cut on what is left (``settings.scale``)."""
        return self.free_columns() > self.settings.scale.country_columns

    def elapsed(self) -> float:
        return time.perf_counter() - self.start
