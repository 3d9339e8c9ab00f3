"""CP-SAT (OR-Tools) on the same :class:`LinearModel`.

CP-SAT needs integer constraint coefficients: rows with fractional ones
(a budget on NPV costs) are scaled, and rounded conservatively when scaling
alone cannot make them whole, so every plan CP-SAT accepts satisfies the
original row. The objective may stay fractional (CP-SAT scales it itself).

CP-SAT has no continuous variables. A model with continuous columns (the
demand split ``w`` of a capacitated model) is solved with each such column on
a grid of ``continuous_steps`` steps per unit (an option, default
:data:`CONTINUOUS_STEPS`): a restriction of the model, so every plan found is
feasible, but its optimum may be a little dearer and CP-SAT's bound holds
only for the restriction. Such results are reported ``feasible`` with no
bound (``-inf``).
"""

from __future__ import annotations

import math
import time
from dataclasses import replace

import numpy as np
from ortools.sat.python import cp_model
from scipy import sparse

from btsopt.model.linear import LinearModel
from btsopt.solvers.base import (
    FEASIBLE,
    INFEASIBLE,
    OPTIMAL,
    UNKNOWN,
    BackendParams,
    BackendResult,
)

_SCALES = (1, 10, 100, 1000, 10_000, 100_000, 1_000_000)

CONTINUOUS_STEPS = 1000
"""Default grid steps per unit for continuous columns (option ``continuous_steps``)."""


def _integer_row(vals: np.ndarray, lb: float, ub: float) -> tuple[list[int], float, float]:
    """Whole-number coefficients and bounds defining the same (or a smaller) row set."""
    for scale in _SCALES:
        scaled = vals * scale
        if np.allclose(scaled, np.round(scaled), rtol=0, atol=1e-9):
            coeffs = np.round(scaled)
            new_lb = math.ceil(lb * scale - 1e-9) if math.isfinite(lb) else -math.inf
            new_ub = math.floor(ub * scale + 1e-9) if math.isfinite(ub) else math.inf
            return [int(c) for c in coeffs], new_lb, new_ub
    # Columns are non-negative: for an upper bound round coefficients up, for a
    # lower bound round them down; a two-sided row cannot be rounded safely.
    scale = _SCALES[-1]
    if math.isfinite(lb) and math.isfinite(ub):
        raise ValueError("CP-SAT cannot take a two-sided row with fractional coefficients")
    if math.isfinite(ub):
        return [int(c) for c in np.ceil(vals * scale)], -math.inf, math.floor(ub * scale)
    return [int(c) for c in np.floor(vals * scale)], math.ceil(lb * scale), math.inf


def _domain_bound(value: float, fallback: int) -> int:
    return int(value) if math.isfinite(value) else fallback


class _Reporter(cp_model.CpSolverSolutionCallback):
    """Reports each CP-SAT solution and stops the search on request."""

    def __init__(self, params: BackendParams, offset: float) -> None:
        super().__init__()
        self.params = params
        self.offset = offset

    def on_solution_callback(self) -> None:
        self.params.report("cpsat", objective=self.objective_value + self.offset,
                           bound=self.best_objective_bound + self.offset)
        if self.params.stop_requested:
            self.stop_search()


def solve_cpsat(
    model: LinearModel, params: BackendParams, hint: np.ndarray | None = None
) -> BackendResult:
    """Solve a :class:`LinearModel` with CP-SAT.

    ``params.extra`` entries are set on ``CpSolver.parameters`` by name, except
    ``continuous_steps`` (the grid of continuous columns, see the module).
    """
    start = time.perf_counter()
    extra = dict(params.extra)
    steps = int(extra.pop("continuous_steps", CONTINUOUS_STEPS))
    grid = np.where(model.integer, 1.0, float(steps))
    discretised = not model.integer.all()
    if discretised:
        # Column c counts 1/grid[c] units: scale its bounds up and its coefficients down.
        scale = sparse.diags(1.0 / grid)
        model = replace(
            model, matrix=(model.matrix @ scale).tocsr(), col_lb=model.col_lb * grid,
            col_ub=model.col_ub * grid, objective=model.objective / grid,
        )
        hint = None if hint is None else np.asarray(hint) * grid
    cp = cp_model.CpModel()
    big = int(max(1, model.num_cols)) * 10_000
    variables = [
        cp.new_int_var(
            _domain_bound(math.ceil(lo - 1e-9), -big), _domain_bound(math.floor(hi + 1e-9), big),
            f"v{col}",
        )
        for col, (lo, hi) in enumerate(zip(model.col_lb, model.col_ub, strict=True))
    ]
    csr = model.matrix.tocsr()
    for row in range(model.num_rows):
        cols = csr.indices[csr.indptr[row] : csr.indptr[row + 1]]
        vals = csr.data[csr.indptr[row] : csr.indptr[row + 1]]
        coeffs, lb, ub = _integer_row(vals, model.row_lb[row], model.row_ub[row])
        expr = cp_model.LinearExpr.weighted_sum([variables[c] for c in cols], coeffs)
        lo = int(lb) if math.isfinite(lb) else cp_model.INT_MIN
        hi = int(ub) if math.isfinite(ub) else cp_model.INT_MAX
        cp.add_linear_constraint(expr, lo, hi)
    active = np.flatnonzero(model.objective)
    cp.minimize(
        cp_model.LinearExpr.weighted_sum(
            [variables[c] for c in active], [float(model.objective[c]) for c in active]
        )
    )
    if hint is not None:
        for var, value in zip(variables, hint, strict=True):
            cp.add_hint(var, int(round(value)))

    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = float(max(params.time_limit, 0.01))
    solver.parameters.random_seed = int(params.seed)
    solver.parameters.num_workers = int(max(params.workers, 1))
    solver.parameters.relative_gap_limit = float(params.gap)
    solver.parameters.log_search_progress = bool(params.log)
    for name, value in extra.items():
        setattr(solver.parameters, name, value)
    status = solver.solve(cp, _Reporter(params, model.offset) if params.progress is not None else None)

    label = {
        cp_model.OPTIMAL: OPTIMAL,
        cp_model.FEASIBLE: FEASIBLE,
        cp_model.INFEASIBLE: INFEASIBLE,
    }.get(status, UNKNOWN)
    values = None
    objective = math.inf
    if label in (OPTIMAL, FEASIBLE):
        values = np.array([solver.value(v) for v in variables], dtype=float)
        objective = float(model.objective @ values) + model.offset
        values = values / grid
    bound = math.inf if label == INFEASIBLE else float(solver.best_objective_bound) + model.offset
    if label == OPTIMAL:
        # OPTIMAL proves the gap limit; the reported bound can be stale (seen
        # with linearization_level=2), so take what the proof guarantees.
        proven = objective - float(params.gap) * abs(objective)
        bound = min(max(bound, proven), objective)
    if discretised and label != INFEASIBLE:
        label = FEASIBLE if label == OPTIMAL else label
        bound = -math.inf
    return BackendResult(
        status=label, values=values, objective=objective, bound=bound,
        wall_time=time.perf_counter() - start, backend="cpsat",
    )
