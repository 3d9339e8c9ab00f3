"""Steiner trees: valid trees, bounds below costs, exact on tiny graphs (brute force)."""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from btsopt.network.steiner import (
    Graph,
    SteinerParams,
    cheap_bound,
    connect_groups,
    dual_ascent_bound,
    lp_bound,
    mehlhorn,
    networkx_mehlhorn,
    steiner_tree,
)

HEURISTIC_ONLY = SteinerParams(exact_max_size=0, bound_max_size=0, target_gap=0.0)


@st.composite
def graphs_with_terminals(draw, max_nodes: int = 12):
    n = draw(st.integers(3, max_nodes))
    # A random spanning tree keeps the graph connected; extra edges add cycles.
    parents = [draw(st.integers(0, i - 1)) for i in range(1, n)]
    pairs = {(p, i) for i, p in zip(range(1, n), parents, strict=True)}
    extra = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)),
                          max_size=2 * n))
    pairs |= {(min(a, b), max(a, b)) for a, b in extra if a != b}
    u, v = np.array(sorted(pairs)).T
    w = np.array(draw(st.lists(st.integers(0, 20), min_size=len(u), max_size=len(u))),
                 dtype=float)
    graph, _ = Graph.from_edges(n, u, v, w)
    terminals = draw(st.lists(st.integers(0, n - 1), min_size=2, max_size=n, unique=True))
    return graph, np.array(terminals)


def assert_valid_tree(graph: Graph, edges: np.ndarray, terminals: np.ndarray) -> None:
    tree = nx.Graph()
    tree.add_nodes_from(terminals.tolist())
    tree.add_edges_from(zip(graph.u[edges].tolist(), graph.v[edges].tolist(), strict=True))
    assert nx.is_tree(tree)
    assert len(set(edges.tolist())) == len(edges)


@settings(max_examples=60, deadline=None)
@given(graphs_with_terminals())
def test_heuristic_tree_is_valid_and_above_its_bound(case):
    graph, terminals = case
    result = steiner_tree(graph, terminals, int(terminals[0]), HEURISTIC_ONLY)
    assert_valid_tree(graph, result.edges, terminals)
    assert result.cost == pytest.approx(float(graph.w[result.edges].sum()))
    assert result.lower_bound <= result.cost + 1e-9
    assert result.cost <= result.start_cost + 1e-9
    assert cheap_bound(graph, np.unique(terminals), int(terminals[0])) <= result.cost + 1e-9


def brute_force(graph: Graph, terminals: np.ndarray) -> float:
    """Least cost over all edge subsets that form a tree spanning the terminals."""
    best = np.inf
    for size in range(graph.num_edges + 1):
        for subset in itertools.combinations(range(graph.num_edges), size):
            edges = list(subset)
            cost = float(graph.w[edges].sum())
            if cost >= best:
                continue
            tree = nx.Graph()
            tree.add_nodes_from(terminals.tolist())
            tree.add_edges_from(zip(graph.u[edges].tolist(), graph.v[edges].tolist(),
                                    strict=True))
            if nx.is_tree(tree):
                best = cost
    return best


@settings(max_examples=25, deadline=None)
@given(graphs_with_terminals(max_nodes=7))
def test_exact_on_tiny_graphs_equals_brute_force(case):
    graph, terminals = case
    if graph.num_edges > 12:
        graph, _ = Graph.from_edges(graph.num_nodes, graph.u[:12], graph.v[:12], graph.w[:12])
        if not nx.is_connected(nx.Graph(list(zip(graph.u.tolist(), graph.v.tolist(),
                                                  strict=True)))):
            return
        if set(terminals.tolist()) - set(graph.u.tolist()) - set(graph.v.tolist()):
            return
    best = brute_force(graph, terminals)
    result = steiner_tree(graph, terminals, int(terminals[0]))
    assert result.method == "exact" and result.optimal
    assert result.cost == pytest.approx(best)
    assert lp_bound(graph, np.unique(terminals), int(terminals[0])) <= best + 1e-6
    assert dual_ascent_bound(graph, terminals, int(terminals[0])) <= best + 1e-6
    assert cheap_bound(graph, np.unique(terminals), int(terminals[0])) <= best + 1e-6
    assert_valid_tree(graph, result.edges, terminals)


def test_local_search_beats_mehlhorn_on_a_known_trap():
    # Terminals 1, 2, 3 around a hub 0 (edges of 10) and a path 1-2-3 (edges of 16).
    # Mehlhorn joins the terminals along the path (32); the star on the hub costs 30,
    # which Steiner-vertex insertion finds.
    u = np.array([0, 0, 0, 1, 2])
    v = np.array([1, 2, 3, 2, 3])
    w = np.array([10.0, 10.0, 10.0, 16.0, 16.0])
    graph, _ = Graph.from_edges(4, u, v, w)
    terminals = np.array([1, 2, 3])
    start = mehlhorn(graph, terminals)
    assert graph.cost(np.flatnonzero(start)) == 32.0
    result = steiner_tree(graph, terminals, 1, HEURISTIC_ONLY)
    assert result.cost == 30.0


def test_connect_groups_finds_the_shortest_path_between_two_sets():
    # Path 0-1-2-3-4 (weights 1, 5, 1, 1) and a shortcut 1-3 of 3.
    graph, _ = Graph.from_edges(5, np.array([0, 1, 2, 3, 1]), np.array([1, 2, 3, 4, 3]),
                                np.array([1.0, 5.0, 1.0, 1.0, 3.0]))
    group = np.array([0, 0, -1, 1, 1])
    cost, edges = connect_groups(graph, group)
    assert cost == 3.0
    assert graph.u[edges].tolist() == [1] and graph.v[edges].tolist() == [3]
    assert connect_groups(graph, group, limit=3.0) is None


def test_networkx_reference_is_a_valid_tree():
    graph, _ = Graph.from_edges(4, np.array([0, 0, 0, 1, 2]), np.array([1, 2, 3, 2, 3]),
                                np.array([10.0, 10.0, 10.0, 16.0, 16.0]))
    mask = networkx_mehlhorn(graph, np.array([1, 2, 3]))
    assert_valid_tree(graph, np.flatnonzero(mask), np.array([1, 2, 3]))


def test_exact_answer_ignores_zero_cost_edges_apart_from_the_tree():
    # Found by the hypothesis test above: the flow MILP may also set the
    # zero-cost edge 1-3, apart from the optimal tree 0-4 (cost 2); an MST over
    # all the answer's nodes then had to join node 1 and cost 3.
    graph, _ = Graph.from_edges(5, np.array([0, 0, 0, 1, 1]), np.array([1, 2, 4, 3, 4]),
                                np.array([2.0, 0.0, 2.0, 0.0, 1.0]))
    result = steiner_tree(graph, np.array([4, 0]), 0)
    assert result.optimal and result.cost == pytest.approx(2.0)
