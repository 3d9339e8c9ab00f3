"""Which (site, operator) covers which hamlet, found through a spatial index.

Hamlets and sites are placed on the unit sphere (3-D vectors) in k-d trees;
for each operator only pairs within its largest range are generated
(``cKDTree.sparse_distance_matrix``), then the exact path loss decides.
The result is a sparse 0/1 matrix, hamlets x (site, operator) columns.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.spatial import cKDTree

from btsopt.data import AREA_TYPES, ProblemData
from btsopt.radio.pathloss import EARTH_RADIUS_KM, haversine_km, max_range_km, path_loss_db


@dataclass(frozen=True, eq=False)
class Coverage:
    """Coverage of hamlets by (site, operator) columns.

    Attributes
    ----------
    matrix
        CSC 0/1 matrix of shape (hamlets, sites * operators); column
        ``j * num_operators + k`` is operator k on site j.
    num_operators
        Number of operators (the column stride).
    """

    matrix: sparse.csc_matrix
    num_operators: int

    def column(self, site: int, operator: int) -> int:
        """Column index of operator ``operator`` on site ``site``."""
        return site * self.num_operators + operator

    def for_operator(self, operator: int) -> sparse.csc_matrix:
        """Hamlets x sites coverage of one operator."""
        return self.matrix[:, operator :: self.num_operators]

    def reachable(self) -> np.ndarray:
        """Per hamlet, how many distinct operators could cover it from any site."""
        counts = np.zeros(self.matrix.shape[0], dtype=np.int32)
        for k in range(self.num_operators):
            counts += np.asarray(self.for_operator(k).sum(axis=1)).ravel() > 0
        return counts


def _unit_vectors(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    lon, lat = np.radians(lon), np.radians(lat)
    return np.column_stack((np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)))


def _chord(distance_km: float) -> float:
    """Straight-line distance on the unit sphere for a great-circle distance."""
    return 2.0 * np.sin(min(distance_km / (2.0 * EARTH_RADIUS_KM), np.pi / 2))


def _operator_pairs(
    data: ProblemData, k: int, hamlet_tree: cKDTree, site_tree: cKDTree
) -> tuple[np.ndarray, np.ndarray]:
    """(hamlet, site) index pairs that operator k covers."""
    op = data.operators[k]
    hamlets, sites = data.hamlets, data.sites
    if data.radio.model == "fixed-radius":
        radius_by_area = np.array([op.radius_km[a] for a in AREA_TYPES])
        reach = float(radius_by_area.max())
    else:
        heights = np.unique(sites.height_m)
        reach = float(
            max_range_km(
                data.radio.model, op.frequency_mhz, op.max_path_loss_db,
                heights[:, None], data.radio.rx_height_m, np.arange(len(AREA_TYPES))[None, :],
            ).max()
        )
    # A hair above the true reach so that rounding in the chord never drops a pair.
    pairs = site_tree.sparse_distance_matrix(
        hamlet_tree, _chord(reach) * (1 + 1e-9) + 1e-12, output_type="ndarray"
    )
    site_idx = pairs["i"].astype(np.int64)
    hamlet_idx = pairs["j"].astype(np.int64)
    distance = haversine_km(
        sites.lon[site_idx], sites.lat[site_idx], hamlets.lon[hamlet_idx], hamlets.lat[hamlet_idx]
    )
    area = hamlets.area_type[hamlet_idx]
    if data.radio.model == "fixed-radius":
        keep = distance <= radius_by_area[area]
    else:
        loss = path_loss_db(
            data.radio.model, distance, op.frequency_mhz, sites.height_m[site_idx],
            data.radio.rx_height_m, area,
        )
        keep = loss <= op.max_path_loss_db
    return hamlet_idx[keep], site_idx[keep]


def compute_coverage(data: ProblemData) -> Coverage:
    """Coverage matrix of every (site, operator) pair over the hamlets.

    Uses ``data.explicit_coverage`` (set-covering instances) when present,
    otherwise the scenario's radio model through a spatial index: the work
    grows with the pairs within reach, never with all hamlet-site pairs.
    """
    num_ops = data.num_operators
    shape = (data.num_hamlets, data.num_sites * num_ops)
    if data.explicit_coverage is not None:
        matrix = sparse.csc_matrix(data.explicit_coverage, dtype=np.int8)
        return Coverage(matrix, num_ops)
    if data.num_hamlets == 0 or data.num_sites == 0:
        return Coverage(sparse.csc_matrix(shape, dtype=np.int8), num_ops)
    hamlet_tree = cKDTree(_unit_vectors(data.hamlets.lon, data.hamlets.lat))
    site_tree = cKDTree(_unit_vectors(data.sites.lon, data.sites.lat))
    rows, cols = [], []
    for k in range(num_ops):
        hamlet_idx, site_idx = _operator_pairs(data, k, hamlet_tree, site_tree)
        rows.append(hamlet_idx)
        cols.append(site_idx * num_ops + k)
    row = np.concatenate(rows)
    col = np.concatenate(cols)
    matrix = sparse.csc_matrix((np.ones(row.size, dtype=np.int8), (row, col)), shape=shape)
    matrix.sum_duplicates()
    return Coverage(matrix, num_ops)
