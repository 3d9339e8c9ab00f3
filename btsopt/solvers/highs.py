"""HiGHS (branch and cut) through its official Python bindings, highspy.

The model is passed as CSC arrays in one call; a warm start is handed over
with ``setSolution``.
"""

from __future__ import annotations

import math
import os
import sys
import time
from dataclasses import dataclass

import highspy
import numpy as np

from btsopt.model.linear import LinearModel
from btsopt.solvers.base import (
    FEASIBLE,
    INFEASIBLE,
    OPTIMAL,
    UNKNOWN,
    BackendParams,
    BackendResult,
)


def _new_highs() -> highspy.Highs:
    """A Highs instance; its one-off copyright banner is kept off stdout,
    which belongs to the command line's result rows."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 1)
            return highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def _configured(params: BackendParams) -> highspy.Highs:
    """A Highs instance with the common options of ``params`` set."""
    h = _new_highs()
    h.setOptionValue("output_flag", bool(params.log))
    h.setOptionValue("time_limit", float(max(params.time_limit, 0.01)))
    h.setOptionValue("random_seed", int(params.seed))
    h.setOptionValue("threads", int(max(params.workers, 1)))
    h.setOptionValue("mip_rel_gap", float(params.gap))
    for name, value in params.extra.items():
        h.setOptionValue(name, value)
    return h


def _pass_model(h: highspy.Highs, model: LinearModel, *, integer: bool) -> None:
    """Hand ``model`` to HiGHS in one call (CSC arrays); ``integer=False``
    passes its LP relaxation."""
    csc = model.matrix.tocsc()
    lp = highspy.HighsLp()
    lp.num_col_ = model.num_cols
    lp.num_row_ = model.num_rows
    lp.col_cost_ = np.asarray(model.objective, dtype=float)
    lp.col_lower_ = np.asarray(model.col_lb, dtype=float)
    lp.col_upper_ = np.asarray(model.col_ub, dtype=float)
    lp.row_lower_ = np.asarray(model.row_lb, dtype=float)
    lp.row_upper_ = np.asarray(model.row_ub, dtype=float)
    lp.offset_ = float(model.offset)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = csc.indptr.astype(np.int32)
    lp.a_matrix_.index_ = csc.indices.astype(np.int32)
    lp.a_matrix_.value_ = csc.data.astype(float)
    if integer:
        lp.integrality_ = [
            highspy.HighsVarType.kInteger if flag else highspy.HighsVarType.kContinuous
            for flag in model.integer
        ]
    h.passModel(lp)


def _subscribe(h: highspy.Highs, model: LinearModel, params: BackendParams) -> None:
    """Report incumbents and bounds; honour a stop request at HiGHS's next check."""

    def on_solution(event) -> None:
        # Priced and checked here: the value HiGHS passes can belong to its
        # presolved model, and a progress line must never show a false best.
        values = np.asarray(event.data_out.mip_solution, dtype=float)
        if values.size == model.num_cols and model.max_violation(values) <= 1e-6:
            params.report("highs", objective=model.value(values), values=values)

    def on_check(event) -> None:
        out = event.data_out
        params.report("highs", bound=out.mip_dual_bound)
        if params.stop_requested:
            event.data_in.user_interrupt = True

    h.cbMipImprovingSolution.subscribe(on_solution)
    h.cbMipInterrupt.subscribe(on_check)
    h.cbSimplexInterrupt.subscribe(on_check)


def solve_highs(
    model: LinearModel, params: BackendParams, hint: np.ndarray | None = None
) -> BackendResult:
    """Solve a :class:`LinearModel` with HiGHS.

    Parameters
    ----------
    model
        The MILP.
    params
        Time limit, seed, threads, gap; ``extra`` holds HiGHS option names.
    hint
        A feasible (or nearly feasible) solution to start from.
    """
    start = time.perf_counter()
    h = _configured(params)
    _pass_model(h, model, integer=True)
    # A hint is only a start: a vector that breaks a row would mislead HiGHS.
    if hint is not None and model.max_violation(np.asarray(hint, dtype=float)) > 1e-9:
        hint = None
    if hint is not None:
        solution = highspy.HighsSolution()
        solution.col_value = list(np.asarray(hint, dtype=float))
        solution.value_valid = True
        h.setSolution(solution)
    if params.progress is not None:
        _subscribe(h, model, params)
    # HiGHS keeps one thread pool per process; another thread count (an earlier
    # solve with other settings) needs the pool rebuilt, or the run fails.
    highspy.Highs.resetGlobalScheduler(True)
    h.run()

    status = h.getModelStatus()
    info = h.getInfo()
    has_solution = info.primal_solution_status >= 1 and status != highspy.HighsModelStatus.kInfeasible
    values = np.asarray(h.getSolution().col_value, dtype=float) if has_solution else None
    objective = float(info.objective_function_value) if has_solution else math.inf
    if status == highspy.HighsModelStatus.kOptimal:
        label = OPTIMAL
    elif status == highspy.HighsModelStatus.kInfeasible:
        label = INFEASIBLE
    elif has_solution:
        label = FEASIBLE
    else:
        label = UNKNOWN
    if has_solution and hint is not None and abs(model.value(values) - objective) > 1e-6 * max(
        1.0, abs(objective)
    ):
        # Seen with HiGHS 1.16: after setSolution it may report the optimum's
        # value with the start vector's columns. Solve again without the start.
        return solve_highs(model, params, None)
    bound = float(info.mip_dual_bound) if model.integer.any() else objective
    if label == OPTIMAL and not math.isfinite(bound):
        bound = objective
    if label == INFEASIBLE:
        bound = math.inf
    return BackendResult(
        status=label, values=values, objective=objective, bound=bound,
        wall_time=time.perf_counter() - start, backend="highs",
        nodes=int(info.mip_node_count) if model.integer.any() else -1,
    )


@dataclass(frozen=True, eq=False)
class LpRelaxation:
    """The LP relaxation's outcome: ``row_duals`` (>= 0 on binding ``>=`` rows
    of a minimisation) are meaningful when ``optimal``; otherwise they are the
    solver's last iterate, still usable as Lagrangian multipliers (any
    multipliers give a valid Lagrangian bound)."""

    optimal: bool
    objective: float
    col_values: np.ndarray
    row_duals: np.ndarray
    wall_time: float


INTERIOR_TOLERANCE = 1e-4
"""Relative duality gap at which the interior point method stops when its
duals only price a Lagrangian (which is valid for any duals): on XL
greenfield 210 s instead of 250 s, the bound 0.002% under the LP optimum."""


def solve_lp_relaxation(model: LinearModel, params: BackendParams, *,
                        interior: bool = False) -> LpRelaxation | None:
    """Solve the LP relaxation of ``model`` with HiGHS; ``None`` when HiGHS
    ends without a dual iterate.

    By default HiGHS picks the method; ``interior`` asks for its interior
    point method without crossover, stopped at :data:`INTERIOR_TOLERANCE`
    (duals and an interior point, no basis).
    """
    start = time.perf_counter()
    h = _configured(params)
    if interior:
        h.setOptionValue("solver", "ipm")
        h.setOptionValue("run_crossover", "off")
        h.setOptionValue("ipm_optimality_tolerance", INTERIOR_TOLERANCE)
    _pass_model(h, model, integer=False)
    highspy.Highs.resetGlobalScheduler(True)
    h.run()
    status = h.getModelStatus()
    solution = h.getSolution()
    if not solution.dual_valid:
        return None
    return LpRelaxation(
        optimal=status == highspy.HighsModelStatus.kOptimal,
        objective=float(h.getInfo().objective_function_value),
        col_values=np.asarray(solution.col_value, dtype=float),
        row_duals=np.asarray(solution.row_dual, dtype=float),
        wall_time=time.perf_counter() - start,
    )
