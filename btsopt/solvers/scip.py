"""SCIP through OR-Tools' model builder, fed the sparse matrix in one call."""

from __future__ import annotations

import math
import time

import numpy as np
from ortools.linear_solver.python import model_builder as mb

from btsopt.model.linear import LinearModel
from btsopt.solvers.base import (
    FEASIBLE,
    INFEASIBLE,
    OPTIMAL,
    UNKNOWN,
    BackendParams,
    BackendResult,
)


def solve_scip(
    model: LinearModel, params: BackendParams, hint: np.ndarray | None = None
) -> BackendResult:
    """Solve a :class:`LinearModel` with SCIP (OR-Tools' bundled build).

    ``params.extra`` entries are written as SCIP parameter lines
    (``limits/gap = 0.001``).
    """
    start = time.perf_counter()
    builder = mb.Model()
    helper = builder.helper
    helper.fill_model_from_sparse_data(
        np.asarray(model.col_lb, dtype=float), np.asarray(model.col_ub, dtype=float),
        np.asarray(model.objective, dtype=float), np.asarray(model.row_lb, dtype=float),
        np.asarray(model.row_ub, dtype=float), model.matrix.tocsr().astype(float),
    )
    for col in np.flatnonzero(model.integer):
        helper.set_var_integrality(int(col), True)
    helper.set_objective_offset(float(model.offset))
    if hint is not None:
        for col, value in enumerate(hint):
            builder.add_hint(builder.var_from_index(col), float(value))

    solver = mb.Solver("scip")
    solver.set_time_limit_in_seconds(float(max(params.time_limit, 0.01)))
    lines = [
        f"limits/gap = {params.gap}",
        f"randomization/randomseedshift = {int(params.seed)}",
        f"parallel/maxnthreads = {int(max(params.workers, 1))}",
    ]
    lines += [f"{name} = {value}" for name, value in params.extra.items()]
    solver.set_solver_specific_parameters("\n".join(lines))
    solver.enable_output(bool(params.log))
    status = solver.solve(builder)

    has_solution = status in (mb.SolveStatus.OPTIMAL, mb.SolveStatus.FEASIBLE)
    values = None
    objective = math.inf
    if has_solution:
        values = np.array([solver.value(builder.var_from_index(c)) for c in range(model.num_cols)])
        objective = float(solver.objective_value)
    label = {
        mb.SolveStatus.OPTIMAL: OPTIMAL,
        mb.SolveStatus.FEASIBLE: FEASIBLE,
        mb.SolveStatus.INFEASIBLE: INFEASIBLE,
    }.get(status, UNKNOWN)
    bound = float(solver.best_objective_bound) if label != INFEASIBLE else math.inf
    if label == OPTIMAL and not math.isfinite(bound):
        bound = objective
    return BackendResult(
        status=label, values=values, objective=objective, bound=bound,
        wall_time=time.perf_counter() - start, backend="scip",
    )
