"""Set-covering instances in OR-Library row format, generated or built from a definition.

* **scpnrg/scpnrh-shaped** (:func:`generate_set_cover`): random weighted
  instances shaped like Beasley's scpnrg/scpnrh classes.
* **rail-shaped** (:func:`rail_instance`): shaped like Beasley's rail507 /
  rail516 / rail582 crew-scheduling instances: about 500 rows (trips), 50,000
  to 60,000 columns (duties), each covering 5 to 10 trips close together in
  time, costing 1 or 2: near-unicost, with many near-duplicate columns.
* **scpcyc** (:func:`cycle_instance`): the unicost combinatorial family of
  Beasley's OR-Library: the columns are the edges of the n-dimensional
  hypercube, the rows its 4-cycles; a cover picks edges so that every 4-cycle
  holds one. ``n = 8`` gives 1,792 rows x 1,024 columns.
* **location set covering** (:func:`location_instance`): a one-operator
  location set-covering problem (Toregas et al. 1971; PySAL spopt's ``LSCP``)
  of a scenario: every site a candidate at unit cost, a fixed radius for every
  clutter, the hamlets no site reaches left out.
"""

from __future__ import annotations

import dataclasses
import itertools
from pathlib import Path

import numpy as np
from scipy import sparse

from btsopt.data import ProblemData
from btsopt.radio import compute_coverage


def generate_set_cover(
    rows: int, cols: int, density: float, seed: int, out_path: str | Path,
    max_cost: int = 100,
) -> Path:
    """Write a random weighted set-covering instance in OR-Library row format.

    Shaped like Beasley's scpnrg/scpnrh classes (1000 rows x 10000 columns,
    2% and 5% density, costs 1..100): every column covers at least one row and
    every row at least two columns.

    Parameters
    ----------
    rows, cols
        Instance size.
    density
        Share of nonzeros in the rows x columns matrix.
    seed
        Seed of ``numpy.random.default_rng``: the same seed writes the same file.
    out_path
        The file to write.
    max_cost
        Costs are drawn uniformly from 1..max_cost.
    """
    rng = np.random.default_rng(seed)
    per_row = np.maximum(rng.binomial(cols, density, size=rows), 2)
    members = [np.sort(rng.choice(cols, size=int(k), replace=False)) for k in per_row]
    covered = np.zeros(cols, dtype=bool)
    for m in members:
        covered[m] = True
    # Columns no row picked get one random row, so that every column is useful.
    for col in np.flatnonzero(~covered):
        row = int(rng.integers(rows))
        members[row] = np.unique(np.append(members[row], col))
    costs = rng.integers(1, max_cost + 1, size=cols)
    indptr = np.cumsum([0] + [m.size for m in members])
    matrix = sparse.csr_matrix(
        (np.ones(indptr[-1], dtype=np.int8), np.concatenate(members), indptr), shape=(rows, cols))
    return write_orlib(costs, matrix, out_path)

RAIL_ROWS = 500
"""Trips of a rail-shaped instance (rail507/516/582 have 507 to 582)."""
RAIL_COLUMNS = 55_000
"""Duties of a rail-shaped instance (rail507/516/582 have 47,311 to 63,009)."""
RAIL_MIN_ROWS, RAIL_MAX_ROWS = 5, 10
"""Trips per duty."""
RAIL_WINDOW = 40
"""A duty's trips lie within this many consecutive trips (a shift's span)."""
RAIL_LONG_SPAN = 35
"""A duty whose trips span more than this many trips costs 2 (an overnight duty), else 1."""


def write_orlib(costs: np.ndarray, matrix: sparse.spmatrix, path: str | Path) -> Path:
    """Write a rows x columns 0/1 matrix and its column costs in OR-Library row format.

    Parameters
    ----------
    costs
        Integer column costs (length n).
    matrix
        The rows x columns 0/1 matrix; every row must hold at least one column.
    path
        The file to write (its folder is made if missing).

    Returns
    -------
    Path
        ``path``.
    """
    csr = sparse.csr_matrix(matrix)
    csr.sort_indices()
    rows, cols = csr.shape
    lines = [f"{rows} {cols}", " ".join(str(int(c)) for c in costs)]
    for r in range(rows):
        members = csr.indices[csr.indptr[r]:csr.indptr[r + 1]]
        lines.append(f"{members.size} " + " ".join(str(int(c) + 1) for c in members))
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out


def rail_instance(
    seed: int,
    rows: int = RAIL_ROWS,
    columns: int = RAIL_COLUMNS,
    min_rows: int = RAIL_MIN_ROWS,
    max_rows: int = RAIL_MAX_ROWS,
    window: int = RAIL_WINDOW,
    long_span: int = RAIL_LONG_SPAN,
) -> tuple[np.ndarray, sparse.csr_matrix]:
    """A rail-shaped crew-scheduling set-covering instance.

    Trips are numbered in time order. A duty starts at a random trip (trips
    in the busy hours start more duties) and covers ``min_rows..max_rows``
    trips among the next ``window``; it costs 2 when its trips span more than
    ``long_span`` trips, else 1. Every trip is covered by at least two duties.

    Parameters
    ----------
    seed
        Seed of ``numpy.random.default_rng``: the same seed gives the same instance.
    rows, columns, min_rows, max_rows, window, long_span
        The shape (defaults: the module's constants).

    Returns
    -------
    tuple of numpy.ndarray and scipy.sparse.csr_matrix
        The column costs and the rows x columns 0/1 matrix.
    """
    rng = np.random.default_rng(seed)
    # Two daily peaks: more duties start in the morning and evening rush.
    hours = np.linspace(0.0, 1.0, rows)
    busy = 1.0 + np.exp(-((hours - 0.3) / 0.08) ** 2) + np.exp(-((hours - 0.72) / 0.08) ** 2)
    starts = rng.choice(rows, size=columns, p=busy / busy.sum())
    sizes = rng.integers(min_rows, max_rows + 1, size=columns)
    row_index: list[np.ndarray] = []
    costs = np.ones(columns, dtype=np.int64)
    for col, (start, size) in enumerate(zip(starts, sizes, strict=True)):
        span = np.arange(start, min(start + window, rows))
        size = min(int(size), span.size)
        picked = np.sort(rng.choice(span, size=size, replace=False))
        picked[0] = start  # a duty starts with its first trip
        picked = np.unique(picked)
        if picked[-1] - picked[0] > long_span:
            costs[col] = 2
        row_index.append(picked)
    indptr = np.cumsum([0] + [p.size for p in row_index])
    matrix = sparse.csc_matrix(
        (np.ones(indptr[-1], dtype=np.int8), np.concatenate(row_index), indptr),
        shape=(rows, columns),
    ).tocsr()
    # Trips fewer than two duties cover get a short duty of their own (cost 1).
    counts = np.diff(matrix.indptr)
    thin = np.flatnonzero(counts < 2)
    if thin.size:
        extra = sparse.csr_matrix(
            (np.ones(thin.size, dtype=np.int8), (thin, np.arange(thin.size))),
            shape=(rows, thin.size),
        )
        matrix = sparse.hstack([matrix, extra], format="csr")
        costs = np.concatenate([costs, np.ones(thin.size, dtype=np.int64)])
    return costs, matrix


def cycle_instance(dimension: int) -> tuple[np.ndarray, sparse.csr_matrix]:
    """Beasley's scpcyc instance of the ``dimension``-dimensional hypercube (unit costs).

    Columns are the hypercube's edges ``(v, v | 1 << b)`` for vertices ``v``
    without bit ``b``, in order of (bit, vertex); rows are its 4-cycles, one per
    pair of bits ``a < b`` and vertex ``v`` without either bit, holding the four
    edges of the square ``v, v^a, v^a^b, v^b``.

    Parameters
    ----------
    dimension
        n >= 2: 2^(n-1) n columns and C(n, 2) 2^(n-2) rows.

    Returns
    -------
    tuple of numpy.ndarray and scipy.sparse.csr_matrix
        The unit costs and the rows x columns 0/1 matrix.
    """
    if dimension < 2:
        raise ValueError("a hypercube with 4-cycles needs dimension >= 2")
    vertices = np.arange(1 << dimension)
    edge_id: dict[tuple[int, int], int] = {}
    for bit in range(dimension):
        for v in vertices[(vertices >> bit) & 1 == 0]:
            edge_id[(int(v), bit)] = len(edge_id)
    rows: list[list[int]] = []
    for a, b in itertools.combinations(range(dimension), 2):
        for v in vertices[((vertices >> a) & 1 == 0) & ((vertices >> b) & 1 == 0)]:
            v = int(v)
            rows.append([
                edge_id[(v, a)], edge_id[(v, b)],
                edge_id[(v | (1 << a), b)], edge_id[(v | (1 << b), a)],
            ])
    data = np.ones(4 * len(rows), dtype=np.int8)
    indices = np.asarray(rows, dtype=np.int64).ravel()
    indptr = np.arange(0, 4 * len(rows) + 1, 4)
    matrix = sparse.csr_matrix((data, indices, indptr), shape=(len(rows), len(edge_id)))
    return np.ones(len(edge_id), dtype=np.int64), matrix


def location_instance(data: ProblemData, radius_km: float) -> tuple[np.ndarray, sparse.csr_matrix]:
    """The location set-covering problem of a scenario at a fixed radius.

    Every site becomes a unit-cost candidate of a single operator that covers
    the hamlets within ``radius_km`` (great-circle, as the radio model's
    ``fixed-radius``); hamlets no site reaches are left out (they cannot be
    covered by any plan).

    Parameters
    ----------
    data
        A scenario (its hamlets and sites are used; operators and costs are not).
    radius_km
        Service radius for every clutter class.

    Returns
    -------
    tuple of numpy.ndarray and scipy.sparse.csr_matrix
        Unit costs (one per site) and the reachable hamlets x sites 0/1 matrix.
    """
    operator = dataclasses.replace(
        data.operators[0], radius_km=dict.fromkeys(("dense_urban", "urban", "suburban",
                                                    "rural"), radius_km))
    one = dataclasses.replace(
        data,
        radio=dataclasses.replace(data.radio, model="fixed-radius"),
        operators=(operator,),
        tenancies=np.zeros((data.num_sites, 1), dtype=bool),
        forced_tenancies=None,
        forbidden_tenancies=None,
    )
    coverage = compute_coverage(one)
    matrix = sparse.csr_matrix(coverage.for_operator(0))
    matrix = matrix[np.diff(matrix.indptr) > 0]
    matrix.data[:] = 1
    return np.ones(matrix.shape[1], dtype=np.int64), matrix.astype(np.int8)
