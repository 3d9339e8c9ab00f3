"""The ground network that fibre follows (scenario format v2, ``[network]``).

One job per module:

- :mod:`~btsopt.network.graph`: nodes merged within 1 m (a KD-tree), nearest
  nodes of sites and hamlets, the sparse edge matrix;
- :mod:`~btsopt.network.backhaul`: each site's least-cost path to today's fibre
  by one multi-source Dijkstra, and ``b_j = min(fibre, microwave)``.

``graph`` and ``backhaul`` are array code that knows no files: reading uses
them to derive the graph and ``b_j`` once (:mod:`btsopt.reading.network`), and
the model and the evaluator read ``b_j`` from the data alike.
"""

from btsopt.network.backhaul import backhaul_costs, fibre_distances
from btsopt.network.graph import edge_matrix, haversine_km, merge_points, nearest_nodes

__all__ = [
    "backhaul_costs",
    "edge_matrix",
    "fibre_distances",
    "haversine_km",
    "merge_points",
    "nearest_nodes",
]
