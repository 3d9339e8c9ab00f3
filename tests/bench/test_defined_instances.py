"""The set-covering families built from their definitions (rail-shaped, scpcyc, LSCP)."""

from __future__ import annotations

from math import comb
from pathlib import Path

import numpy as np
import pytest

from btsopt import SolveParams, read_orlib, read_scenario, solve
from btsopt.bench.instances import ORLIB, instance_sets, resolve_instances
from btsopt.generate import cycle_instance, location_instance, rail_instance, write_orlib
from btsopt.reading.orlib import read_orlib_instance

from .conftest import TINY


@pytest.mark.parametrize("dimension", [3, 4, 6, 8])
def test_cycle_instance_is_the_hypercube(dimension: int) -> None:
    costs, matrix = cycle_instance(dimension)
    # n 2^(n-1) edges; C(n, 2) 2^(n-2) squares, each of 4 distinct edges.
    assert matrix.shape == (comb(dimension, 2) * 2 ** (dimension - 2),
                            dimension * 2 ** (dimension - 1))
    assert np.all(np.diff(matrix.indptr) == 4)
    assert np.all(costs == 1)
    # Every edge lies on n - 1 squares (one per other direction).
    assert np.all(np.asarray(matrix.sum(axis=0)).ravel() == dimension - 1)
    # No two rows are the same square.
    rows = {tuple(matrix.indices[matrix.indptr[r]:matrix.indptr[r + 1]])
            for r in range(matrix.shape[0])}
    assert len(rows) == matrix.shape[0]


def test_cycle_of_the_cube_needs_three_edges(tmp_path: Path) -> None:
    # The cube has 6 faces and each edge lies on 2 of them: at least 3 edges,
    # and 3 suffice (one edge per pair of opposite-direction faces).
    path = write_orlib(*cycle_instance(3), tmp_path / "cyc3.txt")
    result = solve(read_orlib(path), SolveParams(time_limit=10, gap=0.0, backend="highs"))
    assert result.status == "optimal"
    assert result.objective == pytest.approx(3.0)


def test_rail_instance_shape_and_determinism() -> None:
    costs, matrix = rail_instance(7, rows=60, columns=2_000)
    again_costs, again = rail_instance(7, rows=60, columns=2_000)
    assert np.array_equal(costs, again_costs) and (matrix != again).nnz == 0
    assert matrix.shape[0] == 60 and matrix.shape[1] >= 2_000
    assert set(np.unique(costs)) <= {1, 2} and {1, 2} <= set(np.unique(costs[:2_000]))
    per_column = np.diff(matrix.tocsc().indptr)[:2_000]
    assert per_column.min() >= 1 and per_column.max() <= 10
    assert np.diff(matrix.indptr).min() >= 2  # every trip has two duties to choose from
    # A duty's trips lie within one window of consecutive trips.
    csc = matrix.tocsc()
    spans = [np.ptp(csc.indices[csc.indptr[j]:csc.indptr[j + 1]]) for j in range(2_000)]
    assert max(spans) < 40


def test_location_instance_of_tiny_by_hand(tmp_path: Path) -> None:
    # Tiny's hamlets and sites lie on latitude 20, 0.01 degree of longitude
    # (1.045 km) apart. Within 2 km: H1 <- E1; H2 <- E1; H3 <- E2;
    # H4 <- C1; H5 <- C1, C2. So three sites (E1, E2, C1) are needed and enough.
    costs, matrix = location_instance(read_scenario(TINY), 2.0)
    assert matrix.shape == (5, 4)
    expected = np.array([[1, 0, 0, 0], [1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 1, 1]])
    assert np.array_equal(matrix.toarray(), expected)
    path = write_orlib(costs, matrix, tmp_path / "lscp.txt")
    assert read_orlib_instance(path).matrix.nnz == 6
    result = solve(read_orlib(path), SolveParams(time_limit=10, gap=0.0))
    assert result.objective == pytest.approx(3.0)


def test_location_instance_leaves_out_unreachable_hamlets() -> None:
    # At 1 km only H3 (at E2) and H5 (at C2) are within reach.
    _, matrix = location_instance(read_scenario(TINY), 1.0)
    assert matrix.shape == (2, 4)


def test_defined_sets_resolve(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BTSOPT_BENCH_CACHE", str(tmp_path))
    sets = instance_sets()
    assert sets["cyc"] == [f"cyc-{n}" for n in range(6, 11)]
    assert sets["rail"] == ["rail-1", "rail-2", "rail-3"]
    (cyc,) = resolve_instances(["cyc-6"])
    assert cyc.kind == ORLIB and cyc.path.parent == tmp_path
    assert read_orlib_instance(cyc.path).matrix.shape == (240, 192)
    # Cached: a second resolution does not rewrite the file.
    stamp = cyc.path.stat().st_mtime_ns
    (again,) = resolve_instances(["cyc-6"])
    assert again.path.stat().st_mtime_ns == stamp
