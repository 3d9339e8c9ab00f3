"""The ground network as a graph: merged nodes, nearest nodes, sparse edge matrices.

Pure array code (numpy, scipy): no files, no scenario. Reading uses it to
build :class:`~btsopt.data.NetworkData` once; the backhaul and the tree work on
the matrices it makes.

Points are compared on the unit sphere: the chord between two points grows
with their great-circle distance, so a KD-tree over 3-D unit vectors finds the
great-circle nearest node exactly, anywhere on Earth (no projection).
"""

from __future__ import annotations

import numpy as np
from scipy import sparse
from scipy.sparse import csgraph
from scipy.spatial import cKDTree

EARTH_RADIUS_KM = 6371.0088
"""Mean Earth radius of the haversine distance (as the scenario format)."""


def haversine_km(lon1, lat1, lon2, lat2) -> np.ndarray:
    """Great-circle distance in km (haversine, Earth radius 6371.0088 km)."""
    lon1, lat1, lon2, lat2 = (np.radians(np.asarray(v, dtype=float))
                              for v in (lon1, lat1, lon2, lat2))
    h = (np.sin((lat2 - lat1) / 2) ** 2
         + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2)
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def unit_vectors(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """(n x 3) points on the unit sphere."""
    lon, lat = np.radians(np.asarray(lon, dtype=float)), np.radians(np.asarray(lat, dtype=float))
    cos_lat = np.cos(lat)
    return np.column_stack([cos_lat * np.cos(lon), cos_lat * np.sin(lon), np.sin(lat)])


def _chord(distance_km: float) -> float:
    """Chord on the unit sphere of a great-circle distance."""
    return 2.0 * np.sin(min(distance_km / EARTH_RADIUS_KM, np.pi) / 2.0)


def merge_points(
    lon: np.ndarray, lat: np.ndarray, tolerance_m: float
) -> tuple[np.ndarray, np.ndarray]:
    """Merge points closer than ``tolerance_m`` (transitively) into nodes.

    Returns
    -------
    label
        The node of each point; nodes are numbered in order of first appearance.
    first
        For each node, the index of its first point (its position).
    """
    n = len(lon)
    if n == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    tree = cKDTree(unit_vectors(lon, lat))
    pairs = tree.query_pairs(_chord(tolerance_m / 1000.0), output_type="ndarray")
    links = sparse.coo_matrix(
        (np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n)
    )
    _, component = csgraph.connected_components(links, directed=False)
    # Renumber by first appearance, so nodes follow the input's order.
    _, first, inverse = np.unique(component, return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    return rank[inverse.reshape(-1)].astype(np.int64), first[order].astype(np.int64)


def nearest_nodes(
    node_lon: np.ndarray, node_lat: np.ndarray, lon: np.ndarray, lat: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The great-circle nearest node of each point and the distance to it (km)."""
    if len(lon) == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    tree = cKDTree(unit_vectors(node_lon, node_lat))
    _, node = tree.query(unit_vectors(lon, lat))
    node = np.asarray(node, dtype=np.int64)
    return node, haversine_km(lon, lat, node_lon[node], node_lat[node])


def edge_matrix(
    num_nodes: int, u: np.ndarray, v: np.ndarray, weight: np.ndarray
) -> sparse.csr_matrix:
    """Symmetric matrix of the cheapest edge between each pair (self-loops dropped).

    A zero-cost edge is stored as the smallest positive float, because csgraph
    reads an explicit zero as "no edge".
    """
    u, v, weight = np.asarray(u), np.asarray(v), np.asarray(weight, dtype=float)
    keep = u != v
    lo, hi = np.minimum(u, v)[keep], np.maximum(u, v)[keep]
    w = np.maximum(weight[keep], np.finfo(float).tiny)
    # Cheapest of parallel edges: sort by pair then weight, keep each pair's first.
    order = np.lexsort((w, hi, lo))
    lo, hi, w = lo[order], hi[order], w[order]
    first = np.ones(len(lo), dtype=bool)
    first[1:] = (lo[1:] != lo[:-1]) | (hi[1:] != hi[:-1])
    lo, hi, w = lo[first], hi[first], w[first]
    rows = np.concatenate([lo, hi])
    cols = np.concatenate([hi, lo])
    return sparse.csr_matrix((np.concatenate([w, w]), (rows, cols)),
                             shape=(num_nodes, num_nodes))
