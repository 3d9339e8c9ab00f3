"""Least-cost Steiner trees on the ground network ("dig once").

A :class:`Graph` is simple and undirected (the cheapest of parallel edges,
no self-loops). :func:`steiner_tree` starts from Mehlhorn's 2-approximation
(Voronoi regions of the terminals by one multi-source Dijkstra, an MST over
their boundary edges) and improves it by local search, pass after pass until
a pass gains nothing:

- MST of the subgraph induced by the tree's nodes, then pruning of
  non-terminal leaves;
- Steiner-vertex insertion: a node outside the tree joins its node set when
  the MST of the larger set (pruned) is cheaper;
- key-path exchange: a key path (a path whose inner nodes are Steiner nodes
  of degree 2) is removed, and the two parts are reconnected by the
  least-cost path between them if that is cheaper;
- key-vertex elimination: a Steiner node of degree >= 3 is removed with its
  key paths, and the parts are reconnected by Mehlhorn's construction over
  them (the parts taken as terminals) if that is cheaper.

On small graphs an exact model (multi-commodity flow from the root, a MILP
solved by HiGHS through :func:`scipy.optimize.milp`) replaces the heuristic,
and its LP relaxation (the bidirected-cut bound) gives a lower bound. Every
tree also gets Wong's dual ascent bound (on the same relaxation, in
milliseconds) and the simple ``max(largest least-cost path from the root to a
terminal, half the sum of each terminal's distance to its nearest other
terminal)``: all hold for every tree that connects the terminals. The local
search stops once the tree is within ``target_gap`` of the bound.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from functools import cached_property

import networkx as nx
import numba
import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, linprog, milp
from scipy.sparse import csgraph

_TINY = np.finfo(float).tiny
_GAIN_RTOL = 1e-9  # a move must gain more than this share of the tree's cost


@dataclass(frozen=True)
class SteinerParams:
    """Settings of :func:`steiner_tree`.

    Attributes
    ----------
    max_passes
        Passes of local search (each tries every key path and key vertex);
        the search also stops after a pass that gains nothing.
    max_insertions
        Steiner-vertex insertions tried per pass (nodes outside the tree with at
        least two tree neighbours, cheapest first).
    exact_max_size
        Solve exactly (flow MILP) when terminals x edges is at most this.
    bound_max_size
        Compute the LP bound when terminals x edges is at most this.
    exact_time_limit_s
        Time limit of the MILP; past it the heuristic tree stands.
    search_max_size
        Dual ascent and local search only when terminals x edges is at most
        this (the bundled province: 14 million; a country's 50,000 hamlets on
        290,000 edges would take hours, and keep Mehlhorn's tree).
    target_gap
        The local search runs only while the tree costs more than this share
        above the lower bound (it cannot gain more than that). On the bundled
        province Mehlhorn's tree is 0.17 % above the dual-ascent bound: the
        default keeps it (about a second); 0 asks for the full local search
        (0.06 % above the bound, about a minute).
    """

    max_passes: int = 10
    max_insertions: int = 500
    exact_max_size: int = 20_000
    bound_max_size: int = 60_000
    exact_time_limit_s: float = 30.0
    target_gap: float = 5e-3
    search_max_size: int = 100_000_000


@dataclass(frozen=True, eq=False)
class Graph:
    """A simple undirected graph: edges ``u[e] < v[e]`` with weights ``w[e]``."""

    num_nodes: int
    u: np.ndarray
    v: np.ndarray
    w: np.ndarray

    @classmethod
    def from_edges(
        cls, num_nodes: int, u: np.ndarray, v: np.ndarray, w: np.ndarray
    ) -> tuple[Graph, np.ndarray]:
        """The simple graph of possibly parallel edges, and the input edge of each of its edges."""
        u, v, w = np.asarray(u, dtype=np.int64), np.asarray(v, dtype=np.int64), np.asarray(
            w, dtype=float)
        lo, hi = np.minimum(u, v), np.maximum(u, v)
        keep = np.flatnonzero(lo != hi)
        order = keep[np.lexsort((w[keep], hi[keep], lo[keep]))]
        first = np.ones(len(order), dtype=bool)
        first[1:] = (lo[order][1:] != lo[order][:-1]) | (hi[order][1:] != hi[order][:-1])
        chosen = order[first]
        return cls(num_nodes, lo[chosen], hi[chosen], w[chosen]), chosen

    @property
    def num_edges(self) -> int:
        return len(self.u)

    @cached_property
    def matrix(self) -> sparse.csr_matrix:
        """Symmetric weight matrix (a zero weight stored as the smallest float)."""
        w = np.maximum(self.w, _TINY)
        return sparse.csr_matrix(
            (np.concatenate([w, w]), (np.concatenate([self.u, self.v]),
                                      np.concatenate([self.v, self.u]))),
            shape=(self.num_nodes, self.num_nodes))

    @cached_property
    def edge_index(self) -> sparse.csr_matrix:
        """Symmetric matrix of edge index + 1 (to find the edge between two nodes)."""
        ids = np.arange(1, self.num_edges + 1, dtype=np.int64)
        return sparse.csr_matrix(
            (np.concatenate([ids, ids]), (np.concatenate([self.u, self.v]),
                                          np.concatenate([self.v, self.u]))),
            shape=(self.num_nodes, self.num_nodes))

    def edges_between(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Edge index between each pair of adjacent nodes ``(a[i], b[i])``."""
        if len(a) == 0:
            return np.zeros(0, dtype=np.int64)
        return np.asarray(self.edge_index[a, b]).reshape(-1).astype(np.int64) - 1

    def cost(self, edges: np.ndarray) -> float:
        return float(self.w[edges].sum())


@dataclass(frozen=True, eq=False)
class SteinerResult:
    """A Steiner tree and what is known about it.

    Attributes
    ----------
    edges
        Indices of the tree's edges in the :class:`Graph`.
    cost
        Sum of their weights.
    lower_bound
        A proven lower bound on the least cost of any tree connecting the terminals.
    optimal
        Whether the tree is proven least-cost (exact model, or cost = bound).
    start_cost
        Cost of the Mehlhorn tree the search started from.
    moves
        Improving moves made by the local search.
    seconds
        Wall time.
    """

    edges: np.ndarray
    cost: float
    lower_bound: float
    optimal: bool
    start_cost: float
    moves: int = 0
    seconds: float = 0.0
    method: str = field(default="heuristic")


def _paths_to_sources(pred: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Node pairs of the predecessor chains from each end back to its source."""
    a_list, b_list = [], []
    for node in ends:
        node = int(node)
        while pred[node] >= 0:
            a_list.append(node)
            b_list.append(int(pred[node]))
            node = int(pred[node])
    return np.array(a_list, dtype=np.int64), np.array(b_list, dtype=np.int64)


def connect_groups(
    graph: Graph, group: np.ndarray, limit: float = math.inf
) -> tuple[float, np.ndarray] | None:
    """Mehlhorn's connection of node groups: Voronoi regions, MST of boundary edges.

    Parameters
    ----------
    graph
        The graph.
    group
        Per node: its group (0..k-1), or -1 for a free node.
    limit
        Only connections cheaper than this are of interest (bounds the search).

    Returns
    -------
    (cost, edges) or None
        The connecting edges (outside the groups) and their cost, or ``None``
        when the groups cannot be connected below ``limit``. Exact for two groups.
    """
    sources = np.flatnonzero(group >= 0)
    k = int(group.max()) + 1 if sources.size else 0
    if k <= 1:
        return 0.0, np.zeros(0, dtype=np.int64)
    dist, pred, src = csgraph.dijkstra(
        graph.matrix, directed=False, indices=sources, min_only=True,
        return_predecessors=True, limit=limit)
    base = np.where(src >= 0, group[np.maximum(src, 0)], -1)
    gu, gv = base[graph.u], base[graph.v]
    cross = np.flatnonzero((gu >= 0) & (gv >= 0) & (gu != gv))
    if cross.size == 0:
        return None
    length = dist[graph.u[cross]] + graph.w[cross] + dist[graph.v[cross]]
    ga, gb = np.minimum(gu[cross], gv[cross]), np.maximum(gu[cross], gv[cross])
    order = np.lexsort((length, gb, ga))
    first = np.ones(len(order), dtype=bool)
    first[1:] = (ga[order][1:] != ga[order][:-1]) | (gb[order][1:] != gb[order][:-1])
    best = order[first]
    pairs = sparse.csr_matrix((np.maximum(length[best], _TINY), (ga[best], gb[best])),
                              shape=(k, k))
    tree = csgraph.minimum_spanning_tree(pairs).tocoo()
    if tree.nnz != k - 1:
        return None
    total = float(tree.data.sum())
    if total >= limit:
        return None
    lookup = {(int(a), int(b)): int(e) for a, b, e in zip(ga[best], gb[best], cross[best],
                                                          strict=True)}
    boundary = np.array([lookup[(int(a), int(b))] for a, b in zip(tree.row, tree.col,
                                                                   strict=True)])
    ends = np.concatenate([graph.u[boundary], graph.v[boundary]])
    a, b = _paths_to_sources(pred, ends)
    edges = np.unique(np.concatenate([boundary, graph.edges_between(a, b)]))
    return graph.cost(edges), edges


def _degrees(graph: Graph, in_tree: np.ndarray) -> np.ndarray:
    return (np.bincount(graph.u[in_tree], minlength=graph.num_nodes)
            + np.bincount(graph.v[in_tree], minlength=graph.num_nodes))


def prune(graph: Graph, in_tree: np.ndarray, terminal: np.ndarray) -> np.ndarray:
    """Remove non-terminal leaves until none is left (returns a new mask)."""
    in_tree = in_tree.copy()
    while True:
        degree = _degrees(graph, in_tree)
        leaf = (degree == 1) & ~terminal
        drop = in_tree & (leaf[graph.u] | leaf[graph.v])
        if not drop.any():
            return in_tree
        in_tree &= ~drop


def mst_of_nodes(graph: Graph, nodes: np.ndarray, terminal: np.ndarray) -> np.ndarray:
    """Mask of the pruned MST of the subgraph induced by ``nodes`` (a mask)."""
    inside = np.flatnonzero(nodes[graph.u] & nodes[graph.v])
    sub = sparse.csr_matrix((np.maximum(graph.w[inside], _TINY),
                             (graph.u[inside], graph.v[inside])),
                            shape=(graph.num_nodes, graph.num_nodes))
    tree = csgraph.minimum_spanning_tree(sub).tocoo()
    in_tree = np.zeros(graph.num_edges, dtype=bool)
    in_tree[graph.edges_between(tree.row.astype(np.int64), tree.col.astype(np.int64))] = True
    return prune(graph, in_tree, terminal)


def _tree_nodes(graph: Graph, in_tree: np.ndarray, terminal: np.ndarray) -> np.ndarray:
    nodes = terminal.copy()
    nodes[graph.u[in_tree]] = True
    nodes[graph.v[in_tree]] = True
    return nodes


def _terminal_part(graph: Graph, in_tree: np.ndarray, terminal: np.ndarray) -> np.ndarray:
    """Nodes of the components of the edges ``in_tree`` that hold a terminal (an
    exact answer may also set zero-cost edges that touch nothing it needs)."""
    edges = np.flatnonzero(in_tree)
    adjacency = sparse.csr_matrix((np.ones(edges.size), (graph.u[edges], graph.v[edges])),
                                  shape=(graph.num_nodes, graph.num_nodes))
    _, label = csgraph.connected_components(adjacency, directed=False)
    return np.isin(label, np.unique(label[terminal])) & _tree_nodes(graph, in_tree, terminal)


def mehlhorn(graph: Graph, terminals: np.ndarray) -> np.ndarray:
    """Mehlhorn's tree (then MST of its nodes, pruned): a mask over the edges."""
    terminal = np.zeros(graph.num_nodes, dtype=bool)
    terminal[terminals] = True
    group = np.full(graph.num_nodes, -1, dtype=np.int64)
    group[terminals] = np.arange(len(terminals))
    found = connect_groups(graph, group)
    in_tree = np.zeros(graph.num_edges, dtype=bool)
    if found is None:
        if len(terminals) > 1:
            raise ValueError("the terminals are not connected")
        return in_tree
    in_tree[found[1]] = True
    return mst_of_nodes(graph, _tree_nodes(graph, in_tree, terminal), terminal)


def networkx_mehlhorn(graph: Graph, terminals: np.ndarray) -> np.ndarray:
    """networkx's ``steiner_tree(method="mehlhorn")`` as a mask (the reference)."""
    g = nx.Graph()
    g.add_nodes_from(range(graph.num_nodes))
    g.add_weighted_edges_from(zip(graph.u.tolist(), graph.v.tolist(), graph.w.tolist(),
                                  strict=True))
    tree = nx.algorithms.approximation.steiner_tree(
        g, [int(t) for t in terminals], weight="weight", method="mehlhorn")
    in_tree = np.zeros(graph.num_edges, dtype=bool)
    if tree.number_of_edges():
        a, b = np.array(list(tree.edges()), dtype=np.int64).T
        in_tree[graph.edges_between(a, b)] = True
    return in_tree


def _key_paths(graph: Graph, in_tree: np.ndarray, terminal: np.ndarray) -> list[np.ndarray]:
    """The tree's key paths as arrays of edge indices."""
    edges = np.flatnonzero(in_tree)
    degree = _degrees(graph, in_tree)
    key = terminal | (degree >= 3)
    adjacency: dict[int, list[tuple[int, int]]] = {}
    for e in edges.tolist():
        a, b = int(graph.u[e]), int(graph.v[e])
        adjacency.setdefault(a, []).append((b, e))
        adjacency.setdefault(b, []).append((a, e))
    seen = np.zeros(graph.num_edges, dtype=bool)
    paths = []
    for start in np.flatnonzero(key & (degree > 0)).tolist():
        for nxt, e in adjacency[start]:
            if seen[e]:
                continue
            path = [e]
            seen[e] = True
            node = nxt
            while not key[node]:
                # A Steiner node of degree 2: the path goes on through its other edge.
                (n1, e1), (n2, e2) = adjacency[node]
                node, e = (n2, e2) if e1 == path[-1] else (n1, e1)
                path.append(e)
                seen[e] = True
            paths.append(np.array(path, dtype=np.int64))
    return paths


def _components(graph: Graph, in_tree: np.ndarray, nodes: np.ndarray) -> np.ndarray:
    """Group label of each node of ``nodes`` by the tree edges (-1 elsewhere)."""
    idx = np.flatnonzero(in_tree)
    m = sparse.csr_matrix((np.ones(len(idx)), (graph.u[idx], graph.v[idx])),
                          shape=(graph.num_nodes, graph.num_nodes))
    _, label = csgraph.connected_components(m, directed=False)
    # Renumber the labels of the kept nodes 0..k-1.
    group = np.full(graph.num_nodes, -1, dtype=np.int64)
    _, dense = np.unique(label[nodes], return_inverse=True)
    group[nodes] = dense.reshape(-1)
    return group


def _try_replace(
    graph: Graph, in_tree: np.ndarray, terminal: np.ndarray, removed: np.ndarray,
    freed: np.ndarray,
) -> np.ndarray | None:
    """Remove ``removed`` edges (freeing ``freed`` nodes) and reconnect if cheaper."""
    limit = graph.cost(removed) * (1 - _GAIN_RTOL)
    rest = in_tree.copy()
    rest[removed] = False
    nodes = _tree_nodes(graph, rest, terminal)
    nodes[freed] = False
    group = _components(graph, rest, nodes)
    found = connect_groups(graph, group, limit)
    if found is None or found[0] >= limit:
        return None
    rest[found[1]] = True
    return rest


def _insert_vertices(
    graph: Graph, in_tree: np.ndarray, terminal: np.ndarray, max_tries: int
) -> tuple[np.ndarray, int]:
    """Steiner-vertex insertion: add a node to the tree's nodes, keep the MST if cheaper."""
    moves = 0
    nodes = _tree_nodes(graph, in_tree, terminal)
    cost = graph.cost(np.flatnonzero(in_tree))
    # Candidates: outside nodes adjacent to >= 2 tree nodes, by their cheapest two edges.
    out_u = ~nodes[graph.u] & nodes[graph.v]
    out_v = nodes[graph.u] & ~nodes[graph.v]
    outer = np.concatenate([graph.u[out_u], graph.v[out_v]])
    weight = np.concatenate([graph.w[out_u], graph.w[out_v]])
    if outer.size == 0:
        return in_tree, 0
    count = np.bincount(outer, minlength=graph.num_nodes)
    order = np.lexsort((weight, outer))
    candidates = np.flatnonzero(count >= 2)
    first = np.searchsorted(outer[order], candidates)
    two = weight[order][first] + weight[order][first + 1]
    for node in candidates[np.argsort(two, kind="stable")][:max_tries].tolist():
        trial_nodes = nodes.copy()
        trial_nodes[node] = True
        trial = mst_of_nodes(graph, trial_nodes, terminal)
        trial_cost = graph.cost(np.flatnonzero(trial))
        if trial_cost < cost * (1 - _GAIN_RTOL):
            in_tree, cost, moves = trial, trial_cost, moves + 1
            nodes = _tree_nodes(graph, in_tree, terminal)
    return in_tree, moves


def improve(
    graph: Graph, in_tree: np.ndarray, terminal: np.ndarray, max_passes: int,
    max_insertions: int = 500, good_enough: float = 0.0,
) -> tuple[np.ndarray, int]:
    """Local search from a tree (mask): the improved mask and the moves made.

    Stops after ``max_passes`` passes, after a pass that gains nothing, or
    once the tree costs at most ``good_enough``.
    """
    moves = 0
    for _ in range(max_passes):
        before = graph.cost(np.flatnonzero(in_tree))
        if before <= good_enough:
            break
        in_tree = mst_of_nodes(graph, _tree_nodes(graph, in_tree, terminal), terminal)
        in_tree, inserted = _insert_vertices(graph, in_tree, terminal, max_insertions)
        moves += inserted
        # Key-vertex elimination: Steiner nodes of degree >= 3.
        degree = _degrees(graph, in_tree)
        for node in np.flatnonzero((degree >= 3) & ~terminal).tolist():
            if not in_tree[(graph.u == node) | (graph.v == node)].any():
                continue
            removed, freed = _star(graph, in_tree, terminal, node)
            better = _try_replace(graph, in_tree, terminal, removed, freed)
            if better is not None:
                in_tree, moves = better, moves + 1
        in_tree = prune(graph, in_tree, terminal)
        # Key-path exchange.
        for path in _key_paths(graph, in_tree, terminal):
            if not in_tree[path].all():
                continue
            inner = _inner_nodes(graph, path)
            degree = _degrees(graph, in_tree)
            if (degree[inner] != 2).any() or terminal[inner].any():
                continue
            better = _try_replace(graph, in_tree, terminal, path, inner)
            if better is not None:
                in_tree, moves = better, moves + 1
        in_tree = prune(graph, in_tree, terminal)
        after = graph.cost(np.flatnonzero(in_tree))
        if after >= before * (1 - _GAIN_RTOL):
            break
    return in_tree, moves


def _inner_nodes(graph: Graph, path: np.ndarray) -> np.ndarray:
    """Nodes met twice along a path of edges (its inner nodes)."""
    count = np.bincount(np.concatenate([graph.u[path], graph.v[path]]),
                        minlength=graph.num_nodes)
    return np.flatnonzero(count == 2)


def _star(
    graph: Graph, in_tree: np.ndarray, terminal: np.ndarray, node: int
) -> tuple[np.ndarray, np.ndarray]:
    """The key paths at a Steiner node: their edges and their inner nodes (with the node)."""
    idx = np.flatnonzero(in_tree)
    half = sparse.csr_matrix((idx + 1, (graph.u[idx], graph.v[idx])),
                             shape=(graph.num_nodes, graph.num_nodes))
    adj = (half + half.T).tocsr()
    degree = np.diff(adj.indptr)
    edges: list[int] = []
    freed = [node]
    for pos in range(adj.indptr[node], adj.indptr[node + 1]):
        prev, here = node, int(adj.indices[pos])
        edges.append(int(adj.data[pos]) - 1)
        while not terminal[here] and degree[here] == 2:
            freed.append(here)
            first = adj.indptr[here]
            step = first if adj.indices[first] != prev else first + 1
            prev, here = here, int(adj.indices[step])
            edges.append(int(adj.data[step]) - 1)
    return np.array(edges, dtype=np.int64), np.array(freed, dtype=np.int64)


def _flow_model(graph: Graph, terminals: np.ndarray, root: int):
    """Multi-commodity flow model: arcs y (both directions), flows f[t, arc]."""
    m = graph.num_edges
    tails = np.concatenate([graph.u, graph.v])
    heads = np.concatenate([graph.v, graph.u])
    sinks = [int(t) for t in terminals if t != root]
    q, n = len(sinks), graph.num_nodes
    num_arcs = 2 * m
    nvar = num_arcs + q * num_arcs
    cost = np.concatenate([graph.w, graph.w, np.zeros(q * num_arcs)])
    rows, cols, vals = [], [], []
    lower, upper = [], []
    r = 0
    arcs = np.arange(num_arcs)
    for t_i, sink in enumerate(sinks):
        off = num_arcs + t_i * num_arcs
        # Conservation: inflow - outflow = 1 at the sink, -1 at the root, 0 elsewhere.
        rows.extend([r + heads, r + tails])
        cols.extend([off + arcs, off + arcs])
        vals.extend([np.ones(num_arcs), -np.ones(num_arcs)])
        rhs = np.zeros(n)
        rhs[sink], rhs[root] = 1.0, -1.0
        lower.append(rhs)
        upper.append(rhs)
        r += n
        # f[t, a] <= y[a]
        rows.extend([r + arcs, r + arcs])
        cols.extend([off + arcs, arcs])
        vals.extend([np.ones(num_arcs), -np.ones(num_arcs)])
        lower.append(np.full(num_arcs, -np.inf))
        upper.append(np.zeros(num_arcs))
        r += num_arcs
    # y[a] + y[reverse a] <= 1
    rows.extend([r + np.arange(m), r + np.arange(m)])
    cols.extend([np.arange(m), m + np.arange(m)])
    vals.extend([np.ones(m), np.ones(m)])
    lower.append(np.full(m, -np.inf))
    upper.append(np.ones(m))
    r += m
    a = sparse.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                          shape=(r, nvar))
    return cost, LinearConstraint(a, np.concatenate(lower), np.concatenate(upper)), nvar


def exact_tree(
    graph: Graph, terminals: np.ndarray, root: int, time_limit_s: float
) -> tuple[np.ndarray, bool] | None:
    """Least-cost tree by the flow MILP: (mask, proven optimal) or ``None`` on failure."""
    cost, constraint, nvar = _flow_model(graph, terminals, root)
    integrality = np.zeros(nvar)
    integrality[: 2 * graph.num_edges] = 1
    res = milp(cost, constraints=constraint, integrality=integrality,
               bounds=Bounds(0, 1), options={"time_limit": time_limit_s, "disp": False})
    if res.x is None:
        return None
    y = res.x[: 2 * graph.num_edges] > 0.5
    in_tree = y[: graph.num_edges] | y[graph.num_edges:]
    return in_tree, bool(res.status == 0)


def lp_bound(graph: Graph, terminals: np.ndarray, root: int) -> float:
    """LP relaxation of the flow model (the bidirected-cut bound); 0 on failure."""
    cost, constraint, _ = _flow_model(graph, terminals, root)
    a = constraint.A
    lo, hi = constraint.lb, constraint.ub
    eq = lo == hi
    ub_rows = ~eq & np.isfinite(hi)
    res = linprog(cost, A_ub=a[ub_rows], b_ub=hi[ub_rows], A_eq=a[eq], b_eq=lo[eq],
                  bounds=(0, 1), method="highs")
    return float(res.fun) if res.status == 0 else 0.0


def cheap_bound(graph: Graph, terminals: np.ndarray, root: int) -> float:
    """``max(largest least-cost path from the root to a terminal, half the sum of each
    terminal's distance to its nearest other terminal)``: valid for every tree.

    The second term: walking around a tree visits the terminals in some order
    and costs twice the tree; each step costs at least the distance from where
    it starts to the nearest other terminal.
    """
    if len(terminals) < 2:
        return 0.0
    from_root = csgraph.dijkstra(graph.matrix, directed=False, indices=root)
    farthest = float(from_root[terminals].max())
    # Nearest other terminal: the Voronoi boundary edges of the terminals.
    dist, _, src = csgraph.dijkstra(graph.matrix, directed=False, indices=terminals,
                                    min_only=True, return_predecessors=True)
    su, sv = src[graph.u], src[graph.v]
    cross = (su >= 0) & (sv >= 0) & (su != sv)
    length = dist[graph.u[cross]] + graph.w[cross] + dist[graph.v[cross]]
    nearest = np.full(graph.num_nodes, np.inf)
    np.minimum.at(nearest, su[cross], length)
    np.minimum.at(nearest, sv[cross], length)
    half_sum = 0.5 * float(nearest[terminals].sum())
    return max(farthest, half_sum if math.isfinite(half_sum) else 0.0)


def steiner_tree(
    graph: Graph, terminals: np.ndarray, root: int, params: SteinerParams | None = None
) -> SteinerResult:
    """Least-cost tree connecting ``terminals`` (which include ``root``), with a bound.

    Parameters
    ----------
    graph
        The graph (connected on the terminals).
    terminals
        Node indices to connect.
    root
        One of them (the fibre network contracted to a node): the flow model's source.
    params
        Settings (:class:`SteinerParams`).
    """
    params = params or SteinerParams()
    started = time.perf_counter()
    terminals = np.unique(np.asarray(terminals, dtype=np.int64))
    terminal = np.zeros(graph.num_nodes, dtype=bool)
    terminal[terminals] = True
    if len(terminals) < 2:
        return SteinerResult(np.zeros(0, dtype=np.int64), 0.0, 0.0, True, 0.0,
                             seconds=time.perf_counter() - started, method="trivial")
    start = mehlhorn(graph, terminals)
    start_cost = graph.cost(np.flatnonzero(start))
    size = len(terminals) * graph.num_edges
    searched = size <= params.search_max_size
    bound = cheap_bound(graph, terminals, root)
    if searched:
        bound = max(bound, dual_ascent_bound(graph, terminals, root))
    in_tree, moves = start, 0
    if searched and start_cost > bound * (1 + params.target_gap):
        in_tree, moves = improve(graph, start, terminal, params.max_passes,
                                 params.max_insertions, bound * (1 + params.target_gap))
    optimal, method = False, "heuristic"
    if size <= params.exact_max_size:
        found = exact_tree(graph, terminals, root, params.exact_time_limit_s)
        if found is not None and graph.cost(np.flatnonzero(found[0])) <= graph.cost(
                np.flatnonzero(in_tree)):
            # Zero-cost edges may close cycles in the MILP's answer, or lie apart
            # from the tree: keep an MST of the answer's part that holds the terminals.
            in_tree, method = mst_of_nodes(graph, _terminal_part(graph, found[0], terminal),
                                           terminal), "exact"
            if found[1]:
                optimal = True
                bound = max(bound, graph.cost(np.flatnonzero(in_tree)))
    if not optimal and size <= params.bound_max_size:
        bound = max(bound, lp_bound(graph, terminals, root))
    edges = np.flatnonzero(in_tree)
    cost = graph.cost(edges)
    optimal = optimal or cost <= bound * (1 + 1e-9)
    return SteinerResult(edges, cost, bound, optimal, start_cost, moves,
                         time.perf_counter() - started, method)


@numba.njit(cache=True)
def _dual_ascent(indptr, tails, arc_cost, terminals, root, num_nodes):  # pragma: no cover
    """Wong's dual ascent on the bidirected cut formulation (arcs grouped by head).

    ``indptr``/``tails`` list, for each node, the arcs entering it; ``arc_cost``
    their costs (modified in place into reduced costs). Returns the bound.
    """
    bound = 0.0
    in_set = np.zeros(num_nodes, dtype=np.int64)  # stamp of the current search
    stack = np.empty(num_nodes, dtype=np.int64)
    members = np.empty(num_nodes, dtype=np.int64)
    active = np.ones(len(terminals), dtype=np.bool_)
    stamp = 0
    remaining = len(terminals)
    while remaining > 0:
        progressed = False
        for ti in range(len(terminals)):
            if not active[ti]:
                continue
            t = terminals[ti]
            stamp += 1
            # W: nodes that reach t along saturated arcs (reverse search from t).
            size = 0
            top = 0
            stack[top] = t
            top += 1
            in_set[t] = stamp
            reaches_root = False
            while top > 0:
                top -= 1
                v = stack[top]
                members[size] = v
                size += 1
                if v == root:
                    reaches_root = True
                    break
                for a in range(indptr[v], indptr[v + 1]):
                    u = tails[a]
                    if in_set[u] != stamp and arc_cost[a] <= 1e-12:
                        in_set[u] = stamp
                        stack[top] = u
                        top += 1
            if reaches_root:
                active[ti] = False
                remaining -= 1
                continue
            delta = np.inf
            for k in range(size):
                v = members[k]
                for a in range(indptr[v], indptr[v + 1]):
                    if in_set[tails[a]] != stamp and arc_cost[a] < delta:
                        delta = arc_cost[a]
            if not np.isfinite(delta):
                active[ti] = False  # cut off from the root: no tree exists
                remaining -= 1
                continue
            for k in range(size):
                v = members[k]
                for a in range(indptr[v], indptr[v + 1]):
                    if in_set[tails[a]] != stamp:
                        arc_cost[a] -= delta
            bound += delta
            progressed = True
        if not progressed:
            break
    return bound


def dual_ascent_bound(graph: Graph, terminals: np.ndarray, root: int) -> float:
    """Wong's dual ascent: a lower bound from the bidirected cut relaxation.

    Each step takes a terminal's set W of nodes that reach it along arcs of zero
    reduced cost; while W does not hold the root, every tree must enter W, so
    raising the dual of that cut by the least reduced cost into W is feasible.
    """
    heads = np.concatenate([graph.v, graph.u])
    tails = np.concatenate([graph.u, graph.v])
    cost = np.concatenate([graph.w, graph.w]).astype(float)
    order = np.argsort(heads, kind="stable")
    indptr = np.zeros(graph.num_nodes + 1, dtype=np.int64)
    np.cumsum(np.bincount(heads, minlength=graph.num_nodes), out=indptr[1:])
    others = np.array([t for t in np.unique(terminals) if t != root], dtype=np.int64)
    return float(_dual_ascent(indptr, tails[order].astype(np.int64), cost[order], others,
                              int(root), graph.num_nodes))
