"""The local search's incremental scores: exact, and the same moves as
recomputing them at every step (the kernel before incremental scores)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import sparse

from btsopt.generate.set_cover import rail_instance
from btsopt.solvers.core.heuristic import construct
from btsopt.solvers.core.local_search import _kernel, available, start

from .test_core import random_cover, set_cover

needs_numba = pytest.mark.skipif(not available(), reason="numba is not installed")


def rail_core():
    """A rail-shaped instance of 100 rows and 4,000 columns (costs 1 and 2)."""
    costs, matrix = rail_instance(5, rows=100, columns=4000)
    rows = np.split(matrix.indices, matrix.indptr[1:-1])
    return set_cover(costs.tolist(), [row.tolist() for row in rows])[2]


def small_core():
    return set_cover(*random_cover(11, 40, 30, 0.15))[2]


# After the given moves from the greedy cover: the chosen columns, the sum of
# the row weights and [cost, best cost, step, moves since the best]. Taken
# from the kernel that recomputed every score at every step (commit 8e42be0);
# the incremental one must make exactly the same moves.
PINNED = {
    ("small", 5_000, 0): ([1, 2, 3, 7, 9, 13, 15, 16, 25, 29], 11544.0, [103, 109, 5000, 5000]),
    ("small", 50_000, 3): ([1, 3, 7, 9, 13, 15, 22, 23, 24, 25, 29], 118851.0,
                           [90, 109, 50000, 50000]),
    ("rail", 500, 3): ([53, 160, 555, 710, 726, 888, 890, 1034, 1528, 2203, 2504, 2619, 2753,
                        3596], 2490.0, [14, 15, 500, 500]),
    ("rail", 5_000, 0): ([132, 362, 407, 651, 888, 980, 1500, 2145, 2504, 2543, 2851, 3439,
                          3999], 22517.0, [13, 14, 5000, 4049]),
    ("rail", 50_000, 0): ([434, 469, 595, 888, 1369, 1454, 2293, 2360, 2490, 2504, 2543, 3023],
                          326046.0, [12, 13, 50000, 31061]),
    ("rail", 50_000, 3): ([531, 709, 888, 1000, 1017, 1785, 1885, 1917, 2396, 2462, 2543, 3023,
                           3983], 219670.0, [13, 14, 50000, 46997]),
}


@needs_numba
@pytest.mark.parametrize(("name", "moves", "seed"), list(PINNED))
def test_the_kernel_makes_the_pinned_moves(name: str, moves: int, seed: int) -> None:
    core = {"small": small_core, "rail": rail_core}[name]()
    state, index = start(core, construct(core)[0], seed, tenure=3)
    _kernel(*state, moves)
    chosen, weight_sum, scalars = PINNED[(name, moves, seed)]
    assert index[np.flatnonzero(state.state_x)].tolist() == chosen
    assert state.weight.sum() == weight_sum
    assert state.scalars.tolist() == scalars


def recomputed(state) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Coverage, scores and per-row XOR of the chosen columns, from scratch."""
    num_rows, num_cols = state.row_ptr.size - 1, state.col_ptr.size - 1
    cover = sparse.csc_matrix(
        (np.ones(state.col_rows.size), state.col_rows, state.col_ptr), shape=(num_rows, num_cols))
    chosen = state.state_x.astype(bool)
    cov = np.rint(cover @ chosen.astype(float)).astype(np.int64)
    below = np.where(cov < state.demand, state.weight, 0.0)  # a column not chosen would cover
    alone = np.where(cov <= state.demand, state.weight, 0.0)  # a chosen column would uncover
    scores = np.where(chosen, cover.T @ alone, cover.T @ below)
    xor = np.zeros(num_rows, dtype=np.int64)
    rows, cols = cover.nonzero()
    np.bitwise_xor.at(xor, rows[chosen[cols]], cols[chosen[cols]])
    return cov, scores, xor


@needs_numba
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), moves=st.integers(1, 3_000), demand_two=st.floats(0, 0.5),
       tenure=st.integers(0, 4))
def test_kept_scores_equal_the_recomputed_ones(seed: int, moves: int, demand_two: float,
                                               tenure: int) -> None:
    """Rows of demand 1 and 2 (the XOR shortcut and the scan), after random moves."""
    costs, rows = random_cover(seed, 30, 25, 0.2)
    _, _, core = set_cover(costs, rows)
    rng = np.random.default_rng(seed)
    demand = np.where(rng.random(core.demand.size) < demand_two, 2.0, 1.0)
    core = replace(core, demand=np.minimum(demand, np.diff(core.cover.indptr)))
    everything = np.zeros(core.x_col.shape, dtype=bool)
    everything[core.x_col >= 0] = True
    state, _ = start(core, everything, seed, tenure)
    _kernel(*state, moves)
    cov, scores, xor = recomputed(state)
    assert np.array_equal(state.cov, cov)
    assert np.array_equal(state.score, scores)
    assert np.array_equal(state.row_xor, xor)
    unc = state.unc_list[: state.counts[0]]
    assert sorted(unc.tolist()) == np.flatnonzero(cov < state.demand).tolist()
