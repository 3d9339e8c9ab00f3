"""The LP relaxation by a first-order method, in chunks whose duals are bounds at once.

The interior point method gives duals only when it finishes: on XL
consolidation (838,849 rows, 509,026 columns, 5.4 million nonzeros) it came
in at 240 s on a quiet machine and not by 570 s with other jobs running, and
until then the bound stays the subgradient's. PDLP (OR-Tools' primal-dual
hybrid gradient, Applegate et al. 2021) needs only products with the matrix,
so it can be stopped every ``chunk_iterations`` iterations and resumed from
where it was (warm start). The Lagrangian of the core at the duals of any
chunk is a valid bound (:func:`.lagrangian.evaluate_relaxation`: any
nonnegative multipliers of covering rows give one), so the bound rises as the
LP converges instead of waiting for the end.

Each chunk restarts PDLP's step size and primal weight from their defaults;
chunks grow by ``chunk_growth`` so that the restarts thin out as it
converges.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from ortools.pdlp import solve_log_pb2, solvers_pb2
from ortools.pdlp.python import pdlp

from btsopt.model.linear import LinearModel
from btsopt.solvers.core.settings import BackgroundLpSettings

OPTIMAL = solve_log_pb2.TERMINATION_REASON_OPTIMAL
"""PDLP's termination reason when the relative tolerances hold."""


@dataclass(frozen=True, eq=False)
class LpChunk:
    """The iterate after one chunk of PDLP.

    Attributes
    ----------
    number
        1 for the first chunk.
    iterations
        PDLP iterations so far (all chunks).
    seconds
        Seconds since the first chunk started.
    col_values, row_duals
        The primal and dual iterate (duals of ``>=`` rows of a minimisation
        are nonnegative, as HiGHS's).
    optimal
        PDLP's relative tolerances hold: the last chunk.
    """

    number: int
    iterations: int
    seconds: float
    col_values: np.ndarray
    row_duals: np.ndarray
    optimal: bool


def quadratic_program(linear: LinearModel) -> pdlp.QuadraticProgram:
    """The LP relaxation of ``linear`` in PDLP's form (integrality dropped)."""
    program = pdlp.QuadraticProgram()
    program.objective_vector = np.asarray(linear.objective, dtype=float)
    program.objective_offset = float(linear.offset)
    program.constraint_matrix = linear.matrix.tocsc()
    program.constraint_lower_bounds = np.asarray(linear.row_lb, dtype=float)
    program.constraint_upper_bounds = np.asarray(linear.row_ub, dtype=float)
    program.variable_lower_bounds = np.asarray(linear.col_lb, dtype=float)
    program.variable_upper_bounds = np.asarray(linear.col_ub, dtype=float)
    return program


def pdlp_chunks(linear: LinearModel, *, chunk_iterations: int, chunk_growth: float = 1.0,
                tolerance: float = BackgroundLpSettings().first_order_tolerance,
                time_limit: float = np.inf,
                max_chunks: int | None = None) -> Iterator[LpChunk]:
    """PDLP on the LP relaxation of ``linear``, one chunk of iterations at a
    time (one thread), each warm-started from the last.

    The iterates depend only on the model and the settings, never on the
    clock; ``time_limit`` (seconds) only decides when no further chunk starts.

    Parameters
    ----------
    chunk_iterations
        Iterations of the first chunk.
    chunk_growth
        Factor on the iterations of each next chunk (1: all equal).
    tolerance
        PDLP's relative optimality tolerance (primal and dual residuals and
        duality gap); the chunk where it holds is the last.
    time_limit
        No chunk starts after this many seconds.
    max_chunks
        Chunks at most (``None``: until optimal or out of time).
    """
    program = quadratic_program(linear)
    params = solvers_pb2.PrimalDualHybridGradientParams()
    params.num_threads = 1
    params.verbosity_level = 0
    criteria = params.termination_criteria.simple_optimality_criteria
    criteria.eps_optimal_relative = tolerance
    criteria.eps_optimal_absolute = 0.0
    start = time.perf_counter()
    iterate = None
    iterations, number, size = 0, 0, float(chunk_iterations)
    while max_chunks is None or number < max_chunks:
        if time.perf_counter() - start >= time_limit:
            return
        params.termination_criteria.iteration_limit = int(size)
        result = pdlp.primal_dual_hybrid_gradient(program, params, initial_solution=iterate)
        iterate = pdlp.PrimalAndDualSolution()
        iterate.primal_solution = result.primal_solution
        iterate.dual_solution = result.dual_solution
        number += 1
        iterations += int(result.solve_log.iteration_count)
        optimal = result.solve_log.termination_reason == OPTIMAL
        yield LpChunk(number=number, iterations=iterations, seconds=time.perf_counter() - start,
                      col_values=np.asarray(result.primal_solution, dtype=float),
                      row_duals=np.asarray(result.dual_solution, dtype=float), optimal=optimal)
        if optimal:
            return
        size *= chunk_growth
