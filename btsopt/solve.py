"""``solve(data, params) -> Result``: coverage, model, exact search, verification.

The lexicographic objective of ``model.md`` is solved level by level (covered
population, sharing shortfall, cost), each level's value fixed before the
next. Every plan is checked by the independent evaluator before it is
returned; a disagreement is a bug and raises :class:`VerificationError`.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from btsopt.data import ProblemData
from btsopt.errors import ScenarioError
from btsopt.evaluation import evaluate
from btsopt.model import SitingModel, build_model
from btsopt.model.capacity import unservable
from btsopt.precheck import policy_conflicts, precheck
from btsopt.progress import Progress, stop_on_signals
from btsopt.radio import Coverage, compute_coverage
from btsopt.result import Result
from btsopt.solvers.base import (
    FEASIBLE,
    INFEASIBLE,
    OPTIMAL,
    UNKNOWN,
    BackendParams,
    BackendResult,
)
from btsopt.solvers.capacity_lns import capacity_lns
from btsopt.solvers.capacity_start import capacity_start
from btsopt.solvers.core import CoreSettings, Deadline, GapReached, Interrupt, solve_core
from btsopt.solvers.core.settings import read_toml
from btsopt.solvers.cpsat import solve_cpsat
from btsopt.solvers.highs import solve_highs
from btsopt.solvers.scip import solve_scip

Backend = Callable[..., BackendResult]

BACKENDS: dict[str, Backend] = {
    "core": solve_highs,  # per-level fallback; single-level models go to solve_core
    "highs": solve_highs,
    "scip": solve_scip,
    "cpsat": solve_cpsat,
}
"""Exact backends by name; each takes ``(LinearModel, BackendParams, hint)``."""

DEFAULT_BACKEND = "core"


class VerificationError(RuntimeError):
    """The evaluator disagrees with the solver about a plan: a bug, never ignored."""


@dataclass(frozen=True)
class SolveParams:
    """Settings of :func:`solve`.

    Attributes
    ----------
    backend
        Name in :data:`BACKENDS` (default ``core``, chosen by measurement).
    time_limit
        Wall-clock seconds for the whole solve.
    seed
        Random seed handed to the backend.
    workers
        Threads for the backend.
    gap
        Relative gap at which the search may stop and call the plan optimal
        (default 0.1%, the planning tolerance; 0 asks for a full proof).
    options
        Backend-specific options, passed through unchanged.
    log
        Show the backend's log.
    core
        Settings of the ``core`` backend (every knob of its search; see
        ``btsopt settings``).
    """

    backend: str = DEFAULT_BACKEND
    time_limit: float = 180.0
    seed: int = 0
    workers: int = 2
    gap: float = 1e-3
    options: dict[str, Any] = field(default_factory=dict)
    log: bool = False
    core: CoreSettings = field(default_factory=CoreSettings)

    def __post_init__(self) -> None:
        if self.backend not in BACKENDS:
            raise ValueError(
                f"unknown backend '{self.backend}' (choose from {', '.join(BACKENDS)})"
            )
        if not self.time_limit > 0:
            raise ValueError("time_limit must be positive")
        if self.workers < 1:
            raise ValueError("workers must be at least 1")
        if not isinstance(self.core, CoreSettings):
            raise ValueError("core must be a CoreSettings")

    @classmethod
    def from_toml(cls, source: str | Path) -> SolveParams:
        """Parameters from TOML (a :class:`~pathlib.Path` is read as a file, a
        string is the text): top-level ``backend``, ``time_limit``, ``seed``,
        ``workers``, ``gap``, ``log``; an ``[options]`` table for the backend;
        the core's tables (``[subgradient]``, ``[lns]``, ... as printed by
        ``btsopt settings``) at the top level or under ``[core]``.

        Raises
        ------
        ScenarioError
            On an unknown key or a bad value, naming it and the file.
        """
        file = str(source) if isinstance(source, Path) else None
        doc = read_toml(source)
        scalars = {"backend", "time_limit", "seed", "workers", "gap", "log"}
        kwargs: dict[str, Any] = {}
        core: dict[str, Any] = dict(doc.pop("core", {}))
        for key, value in doc.items():
            if key in scalars:
                kwargs[key] = value
            elif key == "options":
                if not isinstance(value, dict):
                    raise ScenarioError("[options] must be a table", file=file, column=key)
                kwargs["options"] = dict(value)
            elif isinstance(value, dict):
                core[key] = value
            else:
                raise ScenarioError(f"unknown parameter (known: {', '.join(sorted(scalars))}, "
                                    "[options] and the core's tables)", file=file, column=key)
        try:
            return cls(**kwargs, core=CoreSettings.from_dict(core, file=file))
        except (TypeError, ValueError) as exc:
            if isinstance(exc, ScenarioError):
                raise
            raise ScenarioError(str(exc), file=file) from None


def _precheck(data: ProblemData, model: SitingModel) -> str:
    """Reasons the scenario is infeasible that need no search ('' if none found)."""
    reasons = []
    targets = data.targets
    if targets.coverage_mode == "hard" and model.unreachable.size:
        need_all = targets.hamlet_coverage >= 1.0
        allowed_miss = math.floor((1 - targets.hamlet_coverage) * data.num_hamlets + 1e-9)
        if need_all or model.unreachable.size > allowed_miss:
            ids = [data.hamlets.ids[i] for i in model.unreachable[:20]]
            more = model.unreachable.size - len(ids)
            reasons.append(
                f"{model.unreachable.size} hamlet(s) cannot meet their coverage rule from any "
                f"usable site: {', '.join(ids)}" + (f" and {more} more" if more > 0 else "")
            )
    if model.capacity is not None:
        fixed = np.zeros(data.tenancies.shape, dtype=bool)
        has_x = model.x_index >= 0
        fixed[has_x] = model.linear.col_lb[model.x_index[has_x]] > 0.5
        overload = unservable(data, model.capacity, has_x, model.cover, fixed)
        if overload:
            more = f" and {len(overload) - 10} more" if len(overload) > 10 else ""
            reasons.append("; ".join(overload[:10]) + more)
    if model.capacity is not None and model.capacity.lost.any():
        lost = model.capacity.lost
        pairs = [f"{data.hamlets.ids[i]} ({data.operators[k].id})"
                 for i, k in zip(*np.nonzero(lost), strict=True)]
        more = f" and {len(pairs) - 20} more" if len(pairs) > 20 else ""
        reasons.append(
            f"keep_service: {len(pairs)} (hamlet, operator) pair(s) covered today that no "
            f"usable tenancy reaches any more: {', '.join(pairs[:20])}{more}"
        )
    reasons += policy_conflicts(data)
    return "; ".join(reasons)


def _verify(data: ProblemData, result: BackendResult, model: SitingModel, evaluation) -> None:
    """The evaluator's verdict must agree with the model's on the plan."""
    cost_level = model.levels[-1]
    model_cost = float(cost_level.objective @ result.values + cost_level.offset)
    tolerance = 1e-6 * max(1.0, abs(model_cost))
    if abs(evaluation.system_cost - model_cost) > tolerance:
        raise VerificationError(
            f"system cost: model {model_cost:.6f}, evaluator {evaluation.system_cost:.6f}"
        )
    if evaluation.violations:
        raise VerificationError(
            "the solver's plan breaks rules the evaluator checks: "
            + "; ".join(evaluation.violations)
        )
    shared_in_model = int(np.round(result.values[model.s_index[model.s_index >= 0]]).sum())
    if evaluation.shared_sites < shared_in_model:
        raise VerificationError(
            f"shared sites: model counts {shared_in_model}, evaluator {evaluation.shared_sites}"
        )


def _solve_empty(model, backend: str) -> BackendResult:
    """A model without columns (nothing to decide): feasible iff 0 meets every row."""
    feasible = bool(np.all(model.row_lb <= 1e-9) and np.all(model.row_ub >= -1e-9))
    value = float(model.offset)
    return BackendResult(
        status=OPTIMAL if feasible else INFEASIBLE,
        values=np.zeros(0) if feasible else None,
        objective=value if feasible else math.inf,
        bound=value if feasible else math.inf, wall_time=0.0, backend=backend,
    )


def solve(
    data: ProblemData,
    params: SolveParams | None = None,
    *,
    coverage: Coverage | None = None,
    hint: Any = None,
    progress: Progress | None = None,
) -> Result:
    """Find the least-cost plan that meets the scenario's targets.

    Parameters
    ----------
    data
        The validated scenario.
    params
        Backend, time limit, seed, workers and gap.
    coverage
        Precomputed coverage (computed from ``data`` when omitted).
    hint
        A :class:`~btsopt.plan.Plan` to start from (a warm start).
    progress
        Receives live events; its stop request (Ctrl-C, ``SIGTERM`` or
        ``SIGHUP`` while solving in the main thread, see
        :func:`~btsopt.progress.stop_on_signals`) ends the search with the
        best plan found so far; a second signal aborts.

    Returns
    -------
    Result
        The best verified plan with its lower bound and gap; status
        ``infeasible`` (with the reason in ``message``) when no plan exists.
    """
    params = params or SolveParams()
    progress = progress if progress is not None else Progress()
    with stop_on_signals(progress):
        return _solve(data, params, coverage, hint, progress)


def _solve(data, params, coverage, hint, progress: Progress) -> Result:
    start = time.perf_counter()
    coverage = coverage if coverage is not None else compute_coverage(data)
    model = build_model(data, coverage)
    reason = _precheck(data, model)
    if reason:
        # Name the hamlets with their nearest site and path loss, the conflicts.
        diagnosis = precheck(data, coverage)
        reason = diagnosis.message if diagnosis.reasons else reason
        return Result(
            status=INFEASIBLE, plan=None, objective=math.inf, lower_bound=math.inf,
            wall_time=time.perf_counter() - start, backend=params.backend, message=reason,
        )

    backend = BACKENDS[params.backend]
    linear = model.linear
    progress.ratio_of = lambda vector: _shared_ratio(model, vector)
    cost_level = model.levels[-1]
    progress.plan_of, progress.cost_level = model.plan, cost_level.name
    progress.cost_of = lambda vector: float(cost_level.objective @ vector + cost_level.offset)
    values = None if hint is None else model.solution(hint)
    cover_bound = -math.inf
    start_plan = None
    started = values is None and model.capacity is not None and params.backend == "core"
    if started:
        # The exact backend on a capacitated model, from a plan that carries the
        # demand; the bound without [demand] holds for it too (see CapacityStart).
        found = capacity_start(data, coverage, model, BackendParams(
            time_limit=params.time_limit, seed=params.seed, workers=params.workers,
            gap=params.gap, progress=progress), core=params.core)
        cover_bound = found.bound if len(model.levels) == 1 else -math.inf
        if found.plan is not None:
            # HiGHS checks the start itself; the evaluator checks whatever is returned.
            values = model.solution(found.plan)
            start_plan = found.plan
    levels: list[dict[str, Any]] = []
    outcome: BackendResult | None = None
    all_exact = True
    # The whole capacitated model goes to HiGHS only while it is small enough
    # for HiGHS to do better than the start plan in the time (see
    # CapacitySettings.exact_max_columns); otherwise the start plan is the answer.
    exact_levels = model.levels
    if started and linear.num_cols > params.core.capacity.exact_max_columns:
        # Without a start plan either: HiGHS would only fill the memory (8 GB
        # on the country-scale consolidation) and find nothing in the time.
        exact_levels = ()
    for number, level in enumerate(exact_levels):
        remaining = params.time_limit - (time.perf_counter() - start)
        if remaining <= 0.05 or progress.stop_requested:
            break
        progress.reset_level(level.name)
        # Earlier levels get at most half of what is left, so cost always gets time.
        last = number == len(model.levels) - 1
        share = remaining if last else remaining / 2
        backend_params = BackendParams(
            time_limit=share, seed=params.seed, workers=params.workers, gap=params.gap,
            extra=dict(params.options), log=params.log, progress=progress,
        )
        level_model = linear.with_objective(level.objective, level.offset)
        if values is not None and level_model.max_violation(values) <= 1e-7:
            # The start plan (or the previous level's) is this level's first
            # incumbent: reported, so a checkpoint has it from the start.
            progress.update("start", objective=level_model.value(values), values=values)
        if level_model.num_cols == 0:
            outcome = _solve_empty(level_model, params.backend)
        elif params.backend == "core" and len(model.levels) == 1 and model.capacity is None:
            # The core's phases assume plain coverage rows; capacitated models go to
            # the exact HiGHS backend (BACKENDS["core"]) from a start plan.
            outcome = solve_core(model, data, backend_params, values, params.core)
        else:
            outcome = backend(level_model, backend_params, values)
        if last and outcome.has_solution and cover_bound > outcome.bound:
            outcome = replace(outcome, bound=cover_bound)
        levels.append({
            "level": level.name, "status": outcome.status,
            "value": outcome.objective if outcome.has_solution else None,
            "bound": outcome.bound if math.isfinite(outcome.bound) else None,
        })
        if not outcome.has_solution:
            break
        all_exact &= outcome.status == OPTIMAL
        values = outcome.values
        if not last:
            # Fix this level at the value reached before optimising the next.
            achieved = float(level.objective @ values)
            linear = linear.with_row(level.objective, -math.inf, achieved + 1e-6 * max(1, abs(achieved)))

    if (outcome is None and start_plan is not None and len(model.levels) == 1
            and params.backend == "core" and params.core.capacity.lns):
        # Too large for HiGHS whole: exact sub-MIPs around the paid carriers.
        values = _capacitated_lns(model, values, params, progress, cover_bound, start)
        start_plan = model.plan(values)
    if outcome is None and start_plan is not None and len(model.levels) == 1:
        # The start plan used all the time: it is the answer if the evaluator accepts it.
        if evaluate(data, start_plan).admissible:
            all_exact = False
            outcome = BackendResult(
                status=FEASIBLE, values=values, objective=model.linear.value(values),
                bound=cover_bound, wall_time=time.perf_counter() - start,
                backend=params.backend,
            )
            levels.append({"level": model.levels[-1].name, "status": FEASIBLE,
                           "value": outcome.objective,
                           "bound": cover_bound if math.isfinite(cover_bound) else None})
    elapsed = time.perf_counter() - start
    stopped_early = outcome is not None and outcome.has_solution and len(levels) < len(model.levels)
    if stopped_early:
        # An earlier level's plan meets every hard rule; its cost was not
        # minimised, so no bound on cost is claimed.
        plan = model.plan(values)
        evaluation = evaluate(data, plan)
        if evaluation.violations:
            raise VerificationError("; ".join(evaluation.violations))
        return Result(
            status=FEASIBLE, plan=plan, objective=float(evaluation.system_cost),
            lower_bound=-math.inf, wall_time=elapsed, backend=params.backend,
            evaluation=evaluation, levels=tuple(levels),
            message="stopped before the cost was minimised (interrupted or out of time)",
        )
    if outcome is None or not outcome.has_solution:
        status = INFEASIBLE if outcome is not None and outcome.status == INFEASIBLE else UNKNOWN
        message = (
            "the solver proved that no plan meets the coverage rule, the sharing target, the "
            "policy and the budget together"
            if status == INFEASIBLE
            else "no feasible plan found within the time limit"
        )
        return Result(
            status=status, plan=None, objective=math.inf, lower_bound=math.inf
            if status == INFEASIBLE else (outcome.bound if outcome else -math.inf),
            wall_time=elapsed, backend=params.backend, message=message, levels=tuple(levels),
        )

    plan = model.plan(outcome.values)
    evaluation = evaluate(data, plan)
    _verify(data, outcome, model, evaluation)
    status = OPTIMAL if all_exact else FEASIBLE
    return Result(
        status=status, plan=plan, objective=float(evaluation.system_cost),
        lower_bound=min(float(outcome.bound), float(evaluation.system_cost)),
        wall_time=time.perf_counter() - start, backend=params.backend,
        evaluation=evaluation, levels=tuple(levels),
        message="interrupted: the best plan found so far" if progress.stop_requested else "",
    )


def _capacitated_lns(model: SitingModel, values: np.ndarray, params: SolveParams,
                     progress: Progress, bound: float, start: float) -> np.ndarray:
    """The start plan's vector improved by :func:`capacity_lns` until the time
    limit (less ``capacity.lns_reserve`` of it), Ctrl-C or the gap."""
    settings = params.core.capacity
    seconds = (params.time_limit * (1 - settings.lns_reserve)
               - (time.perf_counter() - start))
    if seconds <= 0:
        return values
    linear = model.linear.with_objective(model.levels[-1].objective, model.levels[-1].offset)
    # The cover solves reported plans of the model without [demand]: not comparable.
    progress.reset_level(model.levels[-1].name)
    progress.update("start", objective=linear.value(values), bound=bound, values=values)
    outcome = capacity_lns(
        model, linear, values, BackendParams(time_limit=seconds, seed=params.seed,
                                             workers=params.workers),
        settings, Deadline(seconds) | Interrupt(progress) | GapReached(params.gap), bound,
        on_improvement=lambda found, cost: progress.update("capacity-lns", objective=cost,
                                                           values=found))
    return outcome.values


def _shared_ratio(model: SitingModel, values: np.ndarray) -> float | None:
    """Shared-site ratio of a solution vector (for progress lines)."""
    try:
        tenants = model.plan(np.asarray(values, dtype=float)).tenancies.sum(axis=1)
    except (IndexError, ValueError):
        return None
    active = int((tenants >= 1).sum())
    return float((tenants >= 2).sum() / active) if active else 0.0


def with_time_limit(params: SolveParams, seconds: float) -> SolveParams:
    """A copy of ``params`` with another time limit."""
    return replace(params, time_limit=seconds)
