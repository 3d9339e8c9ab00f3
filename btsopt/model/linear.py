"""A solver-neutral mixed-integer linear program in matrix form.

``row_lb <= A x <= row_ub``, ``col_lb <= x <= col_ub``, minimise ``c x + offset``;
``integer`` marks integral columns. Every backend (HiGHS, SCIP, CP-SAT) reads
this one object, so the model is written once.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from scipy import sparse


@dataclass(frozen=True, eq=False)
class LinearModel:
    """Matrix form of a MILP (minimisation).

    Attributes
    ----------
    objective
        Cost per column.
    matrix
        CSR constraint matrix (rows x columns).
    row_lb, row_ub
        Row bounds (``-inf`` / ``inf`` where open).
    col_lb, col_ub
        Column bounds.
    integer
        Boolean mask of integral columns.
    offset
        Constant added to the objective.
    names
        Optional column names, for debugging and LP export.
    """

    objective: np.ndarray
    matrix: sparse.csr_matrix
    row_lb: np.ndarray
    row_ub: np.ndarray
    col_lb: np.ndarray
    col_ub: np.ndarray
    integer: np.ndarray
    offset: float = 0.0
    names: tuple[str, ...] | None = None

    @property
    def num_rows(self) -> int:
        return self.matrix.shape[0]

    @property
    def num_cols(self) -> int:
        return self.matrix.shape[1]

    def value(self, x: np.ndarray) -> float:
        """Objective value of a solution vector."""
        return float(self.objective @ x + self.offset)

    def with_objective(self, objective: np.ndarray, offset: float = 0.0) -> LinearModel:
        """The same feasible set under another objective."""
        return replace(self, objective=np.asarray(objective, dtype=float), offset=offset)

    def with_row(self, coefficients: np.ndarray, lb: float, ub: float) -> LinearModel:
        """The model with one more row ``lb <= coefficients x <= ub``."""
        row = sparse.csr_matrix(np.asarray(coefficients, dtype=float).reshape(1, -1))
        return replace(
            self,
            matrix=sparse.vstack([self.matrix, row], format="csr"),
            row_lb=np.append(self.row_lb, lb),
            row_ub=np.append(self.row_ub, ub),
        )

    def max_violation(self, x: np.ndarray) -> float:
        """Largest violation of a row or column bound by ``x`` (0 when feasible)."""
        activity = self.matrix @ x
        violation = [
            np.max(self.row_lb - activity, initial=0.0),
            np.max(activity - self.row_ub, initial=0.0),
            np.max(self.col_lb - x, initial=0.0),
            np.max(x - self.col_ub, initial=0.0),
        ]
        return float(max(violation))


def restrict_to(model: LinearModel, free: np.ndarray, values: np.ndarray) -> tuple[LinearModel, np.ndarray]:
    """The model over the ``free`` columns with every other column fixed at ``values``.

    Rows without a free column are left out (``values`` must satisfy them);
    the others get their bounds shifted by the fixed columns' activity, and the
    fixed columns' cost moves into the offset. Returns the sub-model and the
    indices of its columns in ``model``.
    """
    free_idx = np.flatnonzero(free)
    fixed_values = np.where(free, 0.0, values)
    fixed_activity = model.matrix @ fixed_values
    csc = model.matrix.tocsc()[:, free_idx]
    rows = np.flatnonzero(np.diff(csc.tocsr().indptr) > 0)
    matrix = csc.tocsr()[rows]
    sub = LinearModel(
        objective=model.objective[free_idx],
        matrix=matrix,
        row_lb=model.row_lb[rows] - fixed_activity[rows],
        row_ub=model.row_ub[rows] - fixed_activity[rows],
        col_lb=model.col_lb[free_idx],
        col_ub=model.col_ub[free_idx],
        integer=model.integer[free_idx],
        offset=float(model.offset + model.objective @ fixed_values),
    )
    return sub, free_idx


class RowBuilder:
    """Collects constraint rows as COO triplets, block by block."""

    def __init__(self, num_cols: int) -> None:
        self.num_cols = num_cols
        self._rows: list[np.ndarray] = []
        self._cols: list[np.ndarray] = []
        self._vals: list[np.ndarray] = []
        self._lb: list[np.ndarray] = []
        self._ub: list[np.ndarray] = []
        self.num_rows = 0

    def add_block(
        self, block: sparse.spmatrix, lb: np.ndarray | float, ub: np.ndarray | float
    ) -> slice:
        """Append the rows of ``block`` (rows x num_cols); returns their row range."""
        coo = sparse.coo_matrix(block)
        if coo.shape[1] != self.num_cols:
            raise ValueError("block width differs from the model's column count")
        start = self.num_rows
        self._rows.append(coo.row.astype(np.int64) + start)
        self._cols.append(coo.col.astype(np.int64))
        self._vals.append(coo.data.astype(float))
        self._lb.append(np.broadcast_to(np.asarray(lb, dtype=float), (coo.shape[0],)))
        self._ub.append(np.broadcast_to(np.asarray(ub, dtype=float), (coo.shape[0],)))
        self.num_rows += coo.shape[0]
        return slice(start, self.num_rows)

    def add_terms(
        self, rows: np.ndarray, cols: np.ndarray, vals: np.ndarray, count: int,
        lb: np.ndarray | float, ub: np.ndarray | float,
    ) -> slice:
        """Append ``count`` rows given by triplets with row numbers local to the block."""
        block = sparse.coo_matrix(
            (np.asarray(vals, dtype=float), (np.asarray(rows), np.asarray(cols))),
            shape=(count, self.num_cols),
        )
        return self.add_block(block, lb, ub)

    def build(self) -> tuple[sparse.csr_matrix, np.ndarray, np.ndarray]:
        if not self._rows:
            empty = np.zeros(0)
            return sparse.csr_matrix((0, self.num_cols)), empty, empty
        matrix = sparse.csr_matrix(
            (np.concatenate(self._vals), (np.concatenate(self._rows), np.concatenate(self._cols))),
            shape=(self.num_rows, self.num_cols),
        )
        matrix.sum_duplicates()
        return matrix, np.concatenate(self._lb), np.concatenate(self._ub)
