"""Backhaul of each site: least-cost fibre path to today's network, or microwave.

``b_j = min(drop_j + least-cost path from j's node to the fibre network,
microwave_capex)``, 0 for existing sites (``scenario-format.md``, v2). All
sites' paths come from ONE multi-source shortest-path computation: Dijkstra
from every fibre node at once (scipy's ``min_only``), which is the distance
to the nearest fibre node for every node of the graph.
"""

from __future__ import annotations

import numpy as np
from scipy.sparse import csgraph

from btsopt.network.graph import edge_matrix


def fibre_distances(
    num_nodes: int,
    edge_from: np.ndarray,
    edge_to: np.ndarray,
    edge_cost: np.ndarray,
    fibre_node: np.ndarray,
) -> np.ndarray:
    """Least cost from every node to the nearest fibre node (``inf`` where none).

    Parameters
    ----------
    num_nodes
        Nodes of the graph.
    edge_from, edge_to, edge_cost
        Undirected edges and their costs (parallel edges: the cheapest counts).
    fibre_node
        Boolean mask of the nodes on today's fibre network (cost 0).
    """
    sources = np.flatnonzero(fibre_node)
    if sources.size == 0:
        return np.full(num_nodes, np.inf)
    matrix = edge_matrix(num_nodes, edge_from, edge_to, edge_cost)
    distance = csgraph.dijkstra(matrix, directed=False, indices=sources, min_only=True)
    distance = np.asarray(distance, dtype=float)
    distance[sources] = 0.0
    return distance


def backhaul_costs(
    fibre_cost: np.ndarray, existing: np.ndarray, microwave_capex: float
) -> np.ndarray:
    """``b_j``: the cheaper of fibre and microwave; 0 for existing sites."""
    return np.where(existing, 0.0, np.minimum(fibre_cost, microwave_capex))
