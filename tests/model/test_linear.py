"""LinearModel, restrict_to and RowBuilder on hand-made models."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import sparse

from btsopt.model.linear import LinearModel, RowBuilder, restrict_to

INF = math.inf


def _model(
    matrix: list[list[float]],
    row_lb: list[float],
    row_ub: list[float],
    objective: list[float],
    *,
    col_lb: list[float] | None = None,
    col_ub: list[float] | None = None,
    offset: float = 0.0,
) -> LinearModel:
    """A LinearModel from dense lists (binary columns unless bounds are given)."""
    n = len(objective)
    return LinearModel(
        objective=np.array(objective, dtype=float),
        matrix=sparse.csr_matrix(np.array(matrix, dtype=float).reshape(-1, n)),
        row_lb=np.array(row_lb, dtype=float),
        row_ub=np.array(row_ub, dtype=float),
        col_lb=np.zeros(n) if col_lb is None else np.array(col_lb, dtype=float),
        col_ub=np.ones(n) if col_ub is None else np.array(col_ub, dtype=float),
        integer=np.ones(n, dtype=bool),
        offset=offset,
    )


def _three_by_four() -> LinearModel:
    """3 rows x 4 columns, checked by hand below.

    row 0:  x0 +  x1             in [1, 2]
    row 1:       2 x1 + 3 x2     >= 4
    row 2:               x2 + x3 == 1
    cost 3 x0 + 2 x1 + 5 x2 + 7 x3 + 1
    """
    return _model(
        [[1, 1, 0, 0], [0, 2, 3, 0], [0, 0, 1, 1]],
        [1, 4, 1], [2, INF, 1], [3, 2, 5, 7], offset=1.0,
    )


# --------------------------------------------------------------------------- LinearModel


def test_shape_and_value() -> None:
    """value is c x + offset; num_rows / num_cols follow the matrix."""
    model = _three_by_four()
    assert (model.num_rows, model.num_cols) == (3, 4)
    assert model.value(np.array([1.0, 0.0, 1.0, 0.0])) == pytest.approx(3 + 5 + 1)
    assert model.value(np.zeros(4)) == pytest.approx(1.0)


def test_max_violation_zero_when_feasible() -> None:
    """x = (0, 1, 1, 0): rows 1, 5, 1 within their bounds."""
    model = _three_by_four()
    assert model.max_violation(np.array([0.0, 1.0, 1.0, 0.0])) == 0.0


@pytest.mark.parametrize(
    ("x", "expected"),
    [
        ([0, 0, 1, 0], 1.0),  # row 0 activity 0 < lb 1; row 1 activity 3 < lb 4
        ([1, 1, 1, 1], 1.0),  # row 2 activity 2 > ub 1
        ([0, 0, 0, 0], 4.0),  # row 1 activity 0, lb 4
        ([0, 1, 1, 0.0], 0.0),
        ([0, 1, 1.5, -0.5], 0.5),  # rows fine (1, 6.5, 1): x2 above 1, x3 below 0
        ([-2, 3, 1, 0], 2.0),  # x0 = -2 under its bound by 2; x1 over by 2
    ],
)
def test_max_violation_values(x: list[float], expected: float) -> None:
    """The largest violation over row and column bounds, by hand."""
    assert _three_by_four().max_violation(np.array(x, dtype=float)) == pytest.approx(expected)


def test_with_objective_keeps_the_feasible_set() -> None:
    """with_objective replaces cost and offset (default 0) and nothing else."""
    model = _three_by_four()
    other = model.with_objective([1, 1, 1, 1], 10.0)
    x = np.array([0.0, 1.0, 1.0, 0.0])
    assert other.value(x) == pytest.approx(12.0)
    assert model.value(x) == pytest.approx(8.0)  # the original is untouched
    assert other.matrix is model.matrix
    assert np.array_equal(other.row_lb, model.row_lb)
    assert np.array_equal(other.col_ub, model.col_ub)
    assert other.objective.dtype == float
    assert model.with_objective(np.zeros(4)).offset == 0.0


def test_with_row_appends_a_constraint() -> None:
    """A new row x0 + x3 <= 0 makes (1, 0, 0, 1) infeasible by 2 and keeps old rows."""
    model = _three_by_four()
    wider = model.with_row(np.array([1, 0, 0, 1]), -INF, 0.0)
    assert wider.num_rows == 4 and model.num_rows == 3
    assert np.array_equal(wider.matrix.toarray()[:3], model.matrix.toarray())
    assert np.array_equal(wider.matrix.toarray()[3], [1, 0, 0, 1])
    assert wider.row_lb[3] == -INF and wider.row_ub[3] == 0.0
    x = np.array([1.0, 1.0, 1.0, 1.0])
    # Old worst: row 2 at 2 > 1 (by 1); the new row at 2 > 0 (by 2).
    assert model.max_violation(x) == pytest.approx(1.0)
    assert wider.max_violation(x) == pytest.approx(2.0)
    assert sparse.isspmatrix_csr(wider.matrix)


# --------------------------------------------------------------------------- restrict_to


def test_restrict_to_by_hand() -> None:
    """Free x0, x1 with x2 = 1, x3 = 0: row 2 has no free column and goes;
    row 1's lower bound drops by 3 x2 = 3; the fixed cost 5 moves into the offset."""
    model = _three_by_four()
    free = np.array([True, True, False, False])
    values = np.array([0.0, 0.0, 1.0, 0.0])
    sub, cols = restrict_to(model, free, values)
    assert cols.tolist() == [0, 1]
    assert (sub.num_rows, sub.num_cols) == (2, 2)
    assert sub.matrix.toarray().tolist() == [[1, 1], [0, 2]]
    assert sub.row_lb.tolist() == [1, 1]
    assert sub.row_ub.tolist() == [2, INF]
    assert sub.objective.tolist() == [3, 2]
    assert sub.offset == pytest.approx(1 + 5)
    assert sub.col_lb.tolist() == [0, 0] and sub.col_ub.tolist() == [1, 1]
    assert sub.integer.tolist() == [True, True]

    # The sub-model's optimum by enumeration: x1 = 1 (2 x1 >= 1), x0 = 0.
    feasible = [z for z in itertools.product([0.0, 1.0], repeat=2)
                if sub.max_violation(np.array(z)) == 0]
    assert feasible == [(0.0, 1.0), (1.0, 1.0)]
    best = min(feasible, key=lambda z: sub.value(np.array(z)))
    assert sub.value(np.array(best)) == pytest.approx(8.0)
    full = values.copy()
    full[cols] = best
    assert full.tolist() == [0, 1, 1, 0]
    assert model.max_violation(full) == 0.0
    assert model.value(full) == pytest.approx(sub.value(np.array(best)))


def test_restrict_to_is_equivalent_on_every_binary_point() -> None:
    """Every sub-solution put back into ``values``: same objective, same feasibility."""
    model = _three_by_four()
    free = np.array([True, True, False, False])
    values = np.array([0.0, 0.0, 1.0, 0.0])
    sub, cols = restrict_to(model, free, values)
    for z in itertools.product([0.0, 1.0], repeat=2):
        full = values.copy()
        full[cols] = z
        assert sub.value(np.array(z)) == pytest.approx(model.value(full))
        assert (sub.max_violation(np.array(z)) == 0) == (model.max_violation(full) == 0)


def test_restrict_to_ignores_values_of_free_columns() -> None:
    """Entries of ``values`` at free columns must not leak into bounds or offset."""
    model = _three_by_four()
    free = np.array([True, True, False, False])
    clean, _ = restrict_to(model, free, np.array([0.0, 0.0, 1.0, 0.0]))
    noisy, _ = restrict_to(model, free, np.array([9.0, -4.0, 1.0, 0.0]))
    assert noisy.offset == clean.offset
    assert np.array_equal(noisy.row_lb, clean.row_lb)
    assert np.array_equal(noisy.row_ub, clean.row_ub)


def test_restrict_to_other_free_set() -> None:
    """Free x2, x3 with x0 = 1, x1 = 0: row 0 has no free column and goes;
    row 1 is 3 x2 >= 4 (infeasible for a binary x2), row 2 x2 + x3 == 1."""
    model = _three_by_four()
    sub, cols = restrict_to(model, np.array([False, False, True, True]),
                            np.array([1.0, 0.0, 0.0, 0.0]))
    assert cols.tolist() == [2, 3]
    assert sub.matrix.toarray().tolist() == [[3, 0], [1, 1]]
    assert sub.row_lb.tolist() == [4, 1] and sub.row_ub.tolist() == [INF, 1]
    assert sub.offset == pytest.approx(1 + 3)
    assert all(sub.max_violation(np.array(z)) > 0
               for z in itertools.product([0.0, 1.0], repeat=2))


@st.composite
def _restriction_case(draw: st.DrawFn) -> tuple[LinearModel, np.ndarray, np.ndarray]:
    """A random small integer model, a free mask and integer values."""
    rows = draw(st.integers(1, 4))
    cols = draw(st.integers(1, 5))
    coef = st.sampled_from([0, 0, 0, 1, -1, 2, 3])
    matrix = [[draw(coef) for _ in range(cols)] for _ in range(rows)]
    lb = [draw(st.sampled_from([-INF, -1, 0, 1, 2])) for _ in range(rows)]
    ub = [low + draw(st.sampled_from([0, 1, 3, INF])) if low > -INF else
          draw(st.sampled_from([0, 2, INF])) for low in lb]
    objective = [draw(st.integers(-5, 5)) for _ in range(cols)]
    model = _model(matrix, lb, ub, objective, col_ub=[2.0] * cols,
                   offset=float(draw(st.integers(-3, 3))))
    free = np.array([draw(st.booleans()) for _ in range(cols)])
    values = np.array([draw(st.integers(0, 2)) for _ in range(cols)], dtype=float)
    return model, free, values


@settings(max_examples=60, deadline=None)
@given(_restriction_case())
def test_restrict_to_matches_the_full_model(case: tuple[LinearModel, np.ndarray, np.ndarray]) -> None:
    """On random models: objective always equal; feasibility equal when ``values``
    meets the rows that have no free column (those rows are dropped)."""
    model, free, values = case
    sub, cols = restrict_to(model, free, values)
    assert cols.tolist() == np.flatnonzero(free).tolist()
    dense = model.matrix.toarray()
    dropped = ~(dense[:, free] != 0).any(axis=1)
    assert sub.num_rows == int((~dropped).sum())
    activity = dense[dropped] @ values
    dropped_ok = bool(np.all(activity >= model.row_lb[dropped])
                      and np.all(activity <= model.row_ub[dropped]))
    for z in itertools.product([0.0, 1.0, 2.0], repeat=cols.size):
        full = values.copy()
        full[cols] = z
        assert sub.value(np.array(z)) == pytest.approx(model.value(full))
        if dropped_ok:
            assert (sub.max_violation(np.array(z)) == 0) == (model.max_violation(full) == 0)


# --------------------------------------------------------------------------- RowBuilder


def test_row_builder_blocks_and_terms() -> None:
    """Blocks stack in order; add_terms takes block-local rows; duplicates add up."""
    rows = RowBuilder(3)
    first = rows.add_block(sparse.csr_matrix([[1, 0, 2], [0, 1, 0]]), 0.0, [5.0, 6.0])
    second = rows.add_terms(
        np.array([0, 0, 1, 1]), np.array([2, 2, 0, 1]), np.array([1.0, 1.0, -1.0, 4.0]),
        2, [-INF, 1.0], INF,
    )
    assert (first, second) == (slice(0, 2), slice(2, 4))
    assert rows.num_rows == 4
    matrix, lb, ub = rows.build()
    assert sparse.isspmatrix_csr(matrix)
    assert matrix.toarray().tolist() == [[1, 0, 2], [0, 1, 0], [0, 0, 2], [-1, 4, 0]]
    assert lb.tolist() == [0, 0, -INF, 1]
    assert ub.tolist() == [5, 6, INF, INF]
    assert matrix.nnz == 6  # the two (2, 2) terms were summed into one entry


def test_row_builder_empty_rows_count() -> None:
    """A block of all-zero rows still adds its rows (and bounds)."""
    rows = RowBuilder(2)
    rows.add_terms(np.zeros(0, dtype=int), np.zeros(0, dtype=int), np.zeros(0), 3, 1.0, 2.0)
    matrix, lb, ub = rows.build()
    assert matrix.shape == (3, 2) and matrix.nnz == 0
    assert lb.tolist() == [1, 1, 1] and ub.tolist() == [2, 2, 2]


def test_row_builder_nothing_added() -> None:
    """build() without rows gives a 0 x n matrix and empty bounds."""
    matrix, lb, ub = RowBuilder(4).build()
    assert matrix.shape == (0, 4)
    assert lb.size == 0 and ub.size == 0


def test_row_builder_rejects_a_wrong_width() -> None:
    """A block with another column count is an error, not a silent reshape."""
    rows = RowBuilder(3)
    with pytest.raises(ValueError, match="width"):
        rows.add_block(sparse.csr_matrix(np.ones((1, 2))), 0.0, 1.0)
    assert rows.num_rows == 0
