"""The ground network of generated scenarios (``[network]``, scenario format v2).

A :class:`NetworkSpec` is what :class:`~btsopt.generate.params.GeneratorParams`
carries when a scenario is written with a ground network: the ``[network]``
keys and the settings of the synthetic roads. The network is made from the
hamlets alone (position, population, commune, district), so it fits any
generated scenario, the Nam Định preset and the benchmark families alike. Its
randomness is one ``numpy.random.default_rng`` stream seeded from the
scenario's seed, consumed in a fixed order; coordinates are written with 6
decimals, so the same hamlets and seed give the same bytes.

How the network is made (planar geometry in a local km projection):

1. Towns and commune centres: the most populous hamlet of each district is its
   town (the district capital), that of each commune its centre.
2. Village roads: the Delaunay triangulation of the hamlets proposes links
   between neighbouring hamlets; its minimum spanning tree (every hamlet
   reachable) plus a share of the other short links (loops, as in a delta's
   grid of dykes and lanes) are the village roads.
3. Main roads: national and provincial roads follow the least-length
   Delaunay paths between towns that are neighbours in the towns' own
   triangulation; commune roads the least-length paths from each commune
   centre to the nearest town.
4. Kinds: power poles line the main roads and most commune roads
   (``aerial``), and some village roads; roads in town cores have ducts
   (``duct``); the rest would need a trench (``road``).
5. Fibre today: along the national and provincial roads (``fibre = true``),
   and an OLT at every commune centre (``fibre.csv``); hamlets within
   ``ftth_radius_km`` of today's fibre have FTTH already (``ftth``).
6. Geometry: each road is a LineString from hamlet to hamlet bent by a few
   jittered vertices, so it is 5–10 % longer than the straight line.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import sparse
from scipy.sparse import csgraph
from scipy.spatial import Delaunay, cKDTree

ROAD_CLASSES: tuple[str, ...] = ("village", "commune", "main")
_KM_PER_DEG = 6371.0088 * math.pi / 180.0
EDGES_FILE, FIBRE_FILE = "roads.geojson", "fibre.csv"


@dataclass(frozen=True)
class NetworkSpec:
    """The ``[network]`` keys and the settings of the synthetic ground network.

    Attributes
    ----------
    trench_cost_per_km, aerial_cost_per_km, duct_cost_per_km, drop_cost_per_km
        New fibre per km by a trench along a road, on poles, in a duct, and as a
        straight drop (VND million; see the Nam Định README for the sources).
    microwave_capex
        Backhaul of a new site without fibre (a microwave link, NPV).
    ftth_target
        Share of hamlets to bring fibre to (Plan 137: 100 %).
    extra_link_share
        Share of the non-tree Delaunay links (up to ``max_link_km``) kept as roads.
    max_link_km
        Longest link between two hamlets that can be a village road (beyond
        the spanning tree, which is always kept).
    aerial_share_main, aerial_share_commune, aerial_share_village
        Share of roads of each class with poles (kind ``aerial``).
    duct_radius_km
        Town core radius (times the square root of the town's population share
        relative to the mean town) where roads have ducts.
    ftth_radius_km
        Hamlets this close to today's fibre already have FTTH.
    bend_km
        About one bend vertex per this many km of road.
    jitter
        Sideways offset of a bend, as a share of the road's length.
    """

    trench_cost_per_km: float = 300.0
    aerial_cost_per_km: float = 80.0
    duct_cost_per_km: float = 20.0
    drop_cost_per_km: float = 300.0
    microwave_capex: float = 250.0
    ftth_target: float = 1.0
    extra_link_share: float = 0.35
    max_link_km: float = 2.5
    aerial_share_main: float = 1.0
    aerial_share_commune: float = 0.7
    aerial_share_village: float = 0.25
    duct_radius_km: float = 1.2
    ftth_radius_km: float = 0.5
    bend_km: float = 0.6
    jitter: float = 0.12

    def __post_init__(self) -> None:
        for name in ("extra_link_share", "aerial_share_main", "aerial_share_commune",
                     "aerial_share_village"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must be a share from 0 to 1")
        if self.max_link_km <= 0 or self.bend_km <= 0 or self.jitter < 0:
            raise ValueError("max_link_km and bend_km must be > 0, jitter >= 0")
        if not 0.0 <= self.ftth_target <= 1.0:
            raise ValueError("ftth_target must be a share from 0 to 1")

    def toml_lines(self) -> list[str]:
        """The ``[network]`` section of ``scenario.toml``."""
        microwave = "inf" if math.isinf(self.microwave_capex) else f"{self.microwave_capex:g}"
        return [
            "[network]",
            f'edges = "{EDGES_FILE}"',
            f'fibre = "{FIBRE_FILE}"',
            f"trench_cost_per_km = {self.trench_cost_per_km:g}",
            f"aerial_cost_per_km = {self.aerial_cost_per_km:g}",
            f"duct_cost_per_km = {self.duct_cost_per_km:g}",
            f"drop_cost_per_km = {self.drop_cost_per_km:g}",
            f"microwave_capex = {microwave}",
            f"ftth_target = {self.ftth_target:g}",
        ]


@dataclass(frozen=True, eq=False)
class RoadNetwork:
    """A generated ground network, ready to write.

    ``lines`` holds each road's vertices (lon, lat); the per-road arrays its
    ``kind`` (road / aerial / duct), ``road_class`` (village / commune /
    main) and ``fibre``. ``olt`` are the hamlet indices of the OLTs.
    """

    lines: list[np.ndarray]
    kind: np.ndarray
    road_class: np.ndarray
    fibre: np.ndarray
    olt: np.ndarray
    olt_lon: np.ndarray
    olt_lat: np.ndarray
    ftth: np.ndarray


def _largest_per_group(groups: np.ndarray, population: np.ndarray) -> np.ndarray:
    """Index of the most populous member of each group (ties: first), by group order."""
    _, label = np.unique(groups, return_inverse=True)
    order = np.lexsort((np.arange(len(groups)), -population, label))
    first = np.ones(len(order), dtype=bool)
    first[1:] = label[order][1:] != label[order][:-1]
    return order[first]


def _delaunay_edges(xy: np.ndarray) -> np.ndarray:
    if len(xy) < 3:
        return np.array([[0, 1]]) if len(xy) == 2 else np.zeros((0, 2), dtype=np.int64)
    tri = Delaunay(xy)
    s = tri.simplices
    pairs = np.concatenate([s[:, [0, 1]], s[:, [1, 2]], s[:, [0, 2]]])
    pairs.sort(axis=1)
    return np.unique(pairs, axis=0)


def _edge_lookup(n: int, edges: np.ndarray) -> sparse.csr_matrix:
    ids = np.arange(1, len(edges) + 1)
    return sparse.csr_matrix((np.concatenate([ids, ids]),
                              (np.concatenate([edges[:, 0], edges[:, 1]]),
                               np.concatenate([edges[:, 1], edges[:, 0]]))), shape=(n, n))


def _chains(pred: np.ndarray, starts: list[int]) -> tuple[list[int], list[int]]:
    """Node pairs of the predecessor chains from each start back to its source."""
    a_list, b_list = [], []
    for node in starts:
        while pred[node] >= 0:
            a_list.append(node)
            b_list.append(int(pred[node]))
            node = int(pred[node])
    return a_list, b_list


def _mark(lookup: sparse.csr_matrix, num_edges: int, a: list[int], b: list[int]) -> np.ndarray:
    used = np.zeros(num_edges, dtype=bool)
    if a:
        used[np.asarray(lookup[np.array(a), np.array(b)]).reshape(-1) - 1] = True
    return used


def make_road_network(
    lon: np.ndarray, lat: np.ndarray, population: np.ndarray, commune: np.ndarray,
    district: np.ndarray, seed: int, params: NetworkSpec | None = None,
) -> RoadNetwork:
    """A ground network over the hamlets (see the module docstring)."""
    params = params or NetworkSpec()
    rng = np.random.default_rng([seed, 0xF1B2E])
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    population = np.asarray(population, dtype=float)
    n = len(lon)
    cos0 = math.cos(math.radians(float(np.mean(lat))))
    xy = np.column_stack([(lon - lon.mean()) * cos0, lat - lat.mean()]) * _KM_PER_DEG

    towns = _largest_per_group(np.asarray(district, dtype=object).astype(str), population)
    centres = _largest_per_group(np.asarray(commune, dtype=object).astype(str), population)
    edges = _delaunay_edges(xy)
    length = np.hypot(*(xy[edges[:, 0]] - xy[edges[:, 1]]).T)
    graph = sparse.csr_matrix((np.maximum(length, 1e-9), (edges[:, 0], edges[:, 1])),
                              shape=(n, n))
    tree = csgraph.minimum_spanning_tree(graph).tocoo()
    in_tree = np.zeros(len(edges), dtype=bool)
    in_tree[np.asarray(_edge_lookup(n, edges)[tree.row, tree.col]).reshape(-1) - 1] = True
    extra = (~in_tree & (length <= params.max_link_km)
             & (rng.random(len(edges)) < params.extra_link_share))
    road_class = np.full(len(edges), -1, dtype=np.int8)
    road_class[in_tree | extra] = 0

    # Main roads between neighbouring towns; commune roads to the nearest town.
    matrix = sparse.csr_matrix((np.concatenate([length, length]) + 1e-9,
                                (np.concatenate([edges[:, 0], edges[:, 1]]),
                                 np.concatenate([edges[:, 1], edges[:, 0]]))), shape=(n, n))
    lookup = _edge_lookup(n, edges)
    _, pred = csgraph.dijkstra(matrix, directed=False, indices=towns,
                               return_predecessors=True)
    a_list, b_list = [], []
    for a, b in _delaunay_edges(xy[towns]).tolist():
        pa, pb = _chains(pred[a], [int(towns[b])])
        a_list += pa
        b_list += pb
    main = _mark(lookup, len(edges), a_list, b_list)
    _, near_pred, _ = csgraph.dijkstra(matrix, directed=False, indices=towns, min_only=True,
                                       return_predecessors=True)
    commune_roads = _mark(lookup, len(edges), *_chains(near_pred, centres.tolist())) & ~main
    road_class[commune_roads] = 1
    road_class[main] = 2
    keep = np.flatnonzero(road_class >= 0)
    edges, length, road_class = edges[keep], length[keep], road_class[keep]

    share = np.array([params.aerial_share_village, params.aerial_share_commune,
                      params.aerial_share_main])[road_class]
    aerial = rng.random(len(edges)) < share
    # Town cores: ducts under the streets (radius grows with the town's size).
    town_size = population[towns] / population[towns].mean()
    radius = params.duct_radius_km * np.sqrt(np.maximum(town_size, 0.25))
    near_town, which = cKDTree(xy[towns]).query(xy)
    core = near_town <= radius[which]
    duct = core[edges[:, 0]] & core[edges[:, 1]]
    kind = np.where(duct, 2, np.where(aerial, 1, 0)).astype(np.int8)  # EDGE_KINDS order
    fibre = road_class == 2

    lines = _bent_lines(lon, lat, xy, edges, length, cos0, rng, params)
    fibre_nodes = np.unique(np.concatenate([edges[fibre].ravel(), centres]))
    dist, _ = cKDTree(xy[fibre_nodes]).query(xy)
    return RoadNetwork(
        lines=lines, kind=kind, road_class=road_class, fibre=fibre,
        olt=centres, olt_lon=lon[centres], olt_lat=lat[centres],
        ftth=dist <= params.ftth_radius_km,
    )


def _bent_lines(lon, lat, xy, edges, length, cos0, rng, params) -> list[np.ndarray]:
    bends = np.clip(np.round(length / params.bend_km).astype(int) - 1, 0, 4)
    offsets = rng.normal(0.0, params.jitter, int(bends.sum()))
    lines = []
    at = 0
    for (a, b), k, d in zip(edges.tolist(), bends.tolist(), length.tolist(), strict=True):
        t = np.arange(1, k + 1) / (k + 1)
        along = xy[a] + np.outer(t, xy[b] - xy[a])
        normal = np.array([-(xy[b] - xy[a])[1], (xy[b] - xy[a])[0]]) / max(d, 1e-9)
        bent = along + np.outer(offsets[at:at + k] * d, normal)
        at += k
        inner_lon = bent[:, 0] / (_KM_PER_DEG * cos0) + lon.mean()
        inner_lat = bent[:, 1] / _KM_PER_DEG + lat.mean()
        lines.append(np.column_stack([
            np.concatenate([[lon[a]], inner_lon, [lon[b]]]),
            np.concatenate([[lat[a]], inner_lat, [lat[b]]]),
        ]))
    return lines


def write_road_network(network: RoadNetwork, olt_ids: list[str], folder: Path) -> None:
    """``roads.geojson`` and ``fibre.csv`` into ``folder`` (6 decimals: 0.1 m).

    A road's properties: ``kind``, ``class`` (village, commune, main) and ``fibre``.
    """
    kinds = ("road", "aerial", "duct")
    features = []
    for line, kind, cls, fibre in zip(network.lines, network.kind.tolist(),
                                      network.road_class.tolist(), network.fibre.tolist(),
                                      strict=True):
        coordinates = ",".join(f"[{x:.6f},{y:.6f}]" for x, y in line.tolist())
        props = json.dumps({"kind": kinds[kind], "class": ROAD_CLASSES[cls],
                            "fibre": bool(fibre)})
        features.append('{"type":"Feature","geometry":{"type":"LineString","coordinates":['
                        f"{coordinates}]}},\"properties\":{props}}}")
    text = '{"type":"FeatureCollection","features":[\n' + ",\n".join(features) + "\n]}\n"
    (folder / EDGES_FILE).write_bytes(text.encode("utf-8"))
    rows = [f"{i},{x:.6f},{y:.6f}" for i, x, y in zip(
        olt_ids, network.olt_lon.tolist(), network.olt_lat.tolist(), strict=True)]
    (folder / FIBRE_FILE).write_bytes(("id,lon,lat\n" + "\n".join(rows) + "\n").encode())
